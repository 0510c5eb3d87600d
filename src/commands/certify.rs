//! `keyceremony certify`: the batch front end of `ceremony::certify`.

use super::batch_ui::BatchUi;
use super::{Exit, Failure, OnKey};
use crate::ceremony::certify::{self, CertifyRequest};
use crate::ceremony::{Clock, SystemClock};
use crate::cli::CertifyArgs;
use crate::harden::Hardening;
use crate::openpgp::{Certification, Trust};
use crate::plan::expiry_at;

pub fn certify(a: CertifyArgs, hardening: &Hardening) -> Result<(), Failure> {
    let usage = |m: String| Failure::new(Exit::Usage, m);
    let until = a
        .expiry
        .as_deref()
        .map(|e| expiry_at(e, SystemClock.now()).map_err(|e| usage(format!("--expiry: {e}"))))
        .transpose()?;
    if let Some(d) = &a.trust_domain {
        if !Trust::valid_domain(d) {
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
    let k = OnKey::read(a.key, hardening)?;
    let req = CertifyRequest {
        backup: k.backup.clone(),
        shares: k.shares.clone(),
        cert: a.cert,
        certification: Certification {
            user_ids: a.user_ids,
            level: a.level,
            until,
            trust,
            notations: Vec::new(),
        },
    };
    let report = certify::run(
        &k.plan,
        &req,
        &k.opts,
        &mut BatchUi::new(None, None),
        &SystemClock,
    )
    .map_err(|e| k.failure(e, &req.shares))?;
    super::print_outcome(&report, k.format);
    Ok(())
}
