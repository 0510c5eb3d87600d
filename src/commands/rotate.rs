//! `keyceremony rotate`: the batch front end of `ceremony::rotate`.

use super::batch_ui::BatchUi;
use super::genesis::load_plan;
use super::shares::{share_error_with_files, shares_for};
use super::{Exit, Failure};
use crate::ceremony::rotate::{self, RotateRequest};
use crate::ceremony::session::RunOptions;
use crate::ceremony::{Clock, PcscCards, SystemClock};
use crate::cli::ExistingKeyArgs;
use crate::harden::Hardening;
use crate::media::sha256_hex;
use crate::plan::expiry_at;

pub fn rotate(
    transition: &str,
    reason: String,
    key: ExistingKeyArgs,
    hardening: &Hardening,
) -> Result<(), Failure> {
    let transition_until = expiry_at(transition, SystemClock.now())
        .map_err(|e| Failure::new(Exit::Usage, format!("--transition: {e}")))?;
    let ExistingKeyArgs {
        plan,
        backup,
        shares: share_files,
        identity,
        output_format,
        airgap_root,
    } = key;
    let (plan, text) = load_plan(&plan)?;
    plan.validate_batch()?;
    let shares = shares_for(&backup, &share_files, &identity)?;
    let req = RotateRequest {
        backup,
        shares,
        transition_until,
        reason,
    };
    let opts = RunOptions {
        plan_sha256: Some(sha256_hex(text.as_bytes())),
        system_root: airgap_root,
        hardening: Some(hardening.clone()),
    };
    let report = rotate::run(
        &plan,
        &req,
        &opts,
        &mut BatchUi::new(
            plan.passphrase.deliver_to.clone(),
            plan.cards.pins_deliver_to.clone(),
        ),
        &SystemClock,
        &mut PcscCards,
    )
    .map_err(|e| share_error_with_files(e, &req.shares, &share_files))?;
    super::print_outcome(&report, output_format);
    super::cards_not_done(
        crate::ceremony::cards::failed(&report.cards),
        "the new key, its backups, shares, statement and export are done",
    )
}
