//! `keyceremony certify`: the batch front end of `ceremony::certify`.

use std::path::PathBuf;

use super::batch_ui::BatchUi;
use super::genesis::load_plan;
use super::shares::{share_error_with_files, shares_for};
use super::{Exit, Failure};
use crate::ceremony::certify::{self, CertifyRequest};
use crate::ceremony::session::RunOptions;
use crate::ceremony::{Clock, SystemClock};
use crate::cli::ExistingKeyArgs;
use crate::harden::Hardening;
use crate::media::sha256_hex;
use crate::openpgp::{Certification, Trust};
use crate::plan::expiry_at;

pub struct Args {
    pub cert: PathBuf,
    pub user_ids: Vec<String>,
    pub level: u8,
    pub expiry: Option<String>,
    pub trust_depth: Option<u8>,
    pub trust_domain: Option<String>,
    pub trust_partial: bool,
    pub key: ExistingKeyArgs,
}

pub fn certify(a: Args, hardening: &Hardening) -> Result<(), Failure> {
    let usage = |m: String| Failure::new(Exit::Usage, m);
    let until = a
        .expiry
        .as_deref()
        .map(|e| expiry_at(e, SystemClock.now()).map_err(|e| usage(format!("--expiry: {e}"))))
        .transpose()?;
    if let Some(d) = &a.trust_domain {
        let ok = !d.is_empty()
            && d.split('.')
                .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        if !ok {
            return Err(usage(format!(
                "--trust-domain {d:?}: give a mail domain such as example.org"
            )));
        }
    }
    let trust =
        match a.trust_depth {
            Some(depth) => Some(Trust {
                depth,
                amount: if a.trust_partial { 60 } else { 120 },
                domain: a.trust_domain,
            }),
            None if a.trust_domain.is_some() || a.trust_partial => return Err(usage(
                "--trust-domain and --trust-partial qualify a trust signature: add --trust-depth 1"
                    .into(),
            )),
            None => None,
        };
    let ExistingKeyArgs {
        plan,
        backup,
        shares: share_files,
        identity,
        output_format,
        airgap_root,
    } = a.key;
    let (plan, text) = load_plan(&plan)?;
    let shares = shares_for(&backup, &share_files, &identity)?;
    let req = CertifyRequest {
        backup,
        shares,
        cert: a.cert,
        certification: Certification {
            user_ids: a.user_ids,
            level: a.level,
            until,
            trust,
            notations: Vec::new(),
        },
    };
    let opts = RunOptions {
        plan_sha256: Some(sha256_hex(text.as_bytes())),
        system_root: airgap_root,
        hardening: Some(hardening.clone()),
    };
    let report = certify::run(
        &plan,
        &req,
        &opts,
        &mut BatchUi::new(None, None),
        &SystemClock,
    )
    .map_err(|e| share_error_with_files(e, &req.shares, &share_files))?;
    super::print_outcome(&report, output_format);
    Ok(())
}
