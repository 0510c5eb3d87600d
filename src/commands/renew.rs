//! `keyceremony renew`: the batch front end of `ceremony::renew`.

use super::batch_ui::BatchUi;
use super::card::read_pins;
use super::genesis::load_plan;
use super::shares::{share_error_with_files, shares_for};
use super::{Exit, Failure};
use crate::ceremony::renew::{self, RenewRequest};
use crate::ceremony::session::RunOptions;
use crate::ceremony::{Clock, PcscCards, SystemClock};
use crate::cli::{ExistingKeyArgs, RenewArgs};
use crate::harden::Hardening;
use crate::media::sha256_hex;
use crate::plan::expiry_at;

pub fn renew(a: RenewArgs, hardening: &Hardening) -> Result<(), Failure> {
    let ExistingKeyArgs {
        plan,
        backup,
        shares: share_files,
        identity,
        output_format: format,
        airgap_root,
        allow_older_backup,
    } = a.key;
    let (plan, text) = load_plan(&plan)?;
    let now = SystemClock.now();
    let when = |given: &Option<String>, from_plan: String, flag: &str| {
        expiry_at(given.as_deref().unwrap_or(&from_plan), now)
            .map_err(|e| Failure::new(Exit::Usage, format!("{flag}: {e}")))
    };
    let primary_until = when(&a.expiry, plan.key.expiry.to_string(), "--expiry")?;
    let subkeys_until = when(
        &a.subkey_expiry,
        plan.subkeys.expiry.to_string(),
        "--subkey-expiry",
    )?;
    // The PIN file and the shares are read before anything else happens, so
    // that a missing file costs nothing.
    let card_pins = a.card_pins.as_deref().map(read_pins).transpose()?;
    let shares = shares_for(&backup, &share_files, &identity)?;
    let req = RenewRequest {
        backup,
        shares,
        primary_until,
        subkeys_until,
        card_pins,
    };
    let opts = RunOptions {
        plan_sha256: Some(sha256_hex(text.as_bytes())),
        system_root: airgap_root,
        hardening: Some(hardening.clone()),
        allow_older_backup,
    };
    let report = renew::run(
        &plan,
        &req,
        &opts,
        &mut BatchUi::new(None, None),
        &SystemClock,
        &mut PcscCards,
    )
    .map_err(|e| share_error_with_files(e, &req.shares, &share_files))?;
    super::print_outcome(&report, format);
    Ok(())
}
