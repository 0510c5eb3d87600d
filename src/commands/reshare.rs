//! `keyceremony reshare`: the batch front end of `ceremony::reshare`.

use super::batch_ui::BatchUi;
use super::genesis::load_plan;
use super::shares::{share_error_with_files, shares_for};
use super::Failure;
use crate::ceremony::reshare::{self, ReshareRequest};
use crate::ceremony::session::RunOptions;
use crate::ceremony::SystemClock;
use crate::cli::ExistingKeyArgs;
use crate::harden::Hardening;
use crate::media::sha256_hex;

pub fn reshare(key: ExistingKeyArgs, hardening: &Hardening) -> Result<(), Failure> {
    let ExistingKeyArgs {
        plan,
        backup,
        shares: share_files,
        identity,
        output_format,
        airgap_root,
    } = key;
    let (plan, text) = load_plan(&plan)?;
    let shares = shares_for(&backup, &share_files, &identity)?;
    let req = ReshareRequest { backup, shares };
    let opts = RunOptions {
        plan_sha256: Some(sha256_hex(text.as_bytes())),
        system_root: airgap_root,
        hardening: Some(hardening.clone()),
    };
    let report = reshare::run(
        &plan,
        &req,
        &opts,
        &mut BatchUi::new(plan.passphrase.deliver_to.clone(), None),
        &SystemClock,
    )
    .map_err(|e| share_error_with_files(e, &req.shares, &share_files))?;
    super::print_outcome(&report, output_format);
    Ok(())
}
