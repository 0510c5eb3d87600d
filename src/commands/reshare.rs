//! `keyceremony reshare`: the batch front end of `ceremony::reshare`.

use super::batch_ui::BatchUi;
use super::{Failure, OnKey};
use crate::ceremony::reshare::{self, ReshareRequest};
use crate::ceremony::SystemClock;
use crate::cli::ExistingKeyArgs;
use crate::harden::Hardening;

pub fn reshare(key: ExistingKeyArgs, hardening: &Hardening) -> Result<(), Failure> {
    let k = OnKey::read(key, hardening)?;
    let req = ReshareRequest {
        backup: k.backup.clone(),
        shares: k.shares.clone(),
    };
    let report = reshare::run(
        &k.plan,
        &req,
        &k.opts,
        &mut BatchUi::new(k.plan.passphrase.deliver_to.clone(), None),
        &SystemClock,
    )
    .map_err(|e| k.failure(e, &req.shares))?;
    super::print_outcome(&report, k.format);
    Ok(())
}
