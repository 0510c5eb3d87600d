//! `keyceremony rotate`: the batch front end of `ceremony::rotate`.

use super::batch_ui::BatchUi;
use super::{Exit, Failure, OnKey};
use crate::ceremony::rotate::{self, RotateRequest};
use crate::ceremony::{Clock, PcscCards, SystemClock};
use crate::cli::ExistingKeyArgs;
use crate::harden::Hardening;
use crate::plan::expiry_at;

pub fn rotate(
    transition: &str,
    reason: String,
    key: ExistingKeyArgs,
    hardening: &Hardening,
) -> Result<(), Failure> {
    let transition_until = expiry_at(transition, SystemClock.now())
        .map_err(|e| Failure::new(Exit::Usage, format!("--transition: {e}")))?;
    let k = OnKey::read(key, hardening)?;
    k.plan.validate_batch()?;
    let req = RotateRequest {
        backup: k.backup.clone(),
        shares: k.shares.clone(),
        transition_until,
        reason,
    };
    let report = rotate::run(
        &k.plan,
        &req,
        &k.opts,
        &mut BatchUi::new(
            k.plan.passphrase.deliver_to.clone(),
            k.plan.cards.pins_deliver_to.clone(),
        ),
        &SystemClock,
        &mut PcscCards,
    )
    .map_err(|e| k.failure(e, &req.shares))?;
    super::print_outcome(&report, k.format);
    super::cards_not_done(
        crate::ceremony::cards::failed(&report.cards),
        "the new key, its backups, shares, statement and export are done",
    )
}
