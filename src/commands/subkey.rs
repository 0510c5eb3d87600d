//! `keyceremony subkey rotate|revoke`: the batch front end of `ceremony::subkey`.

use std::path::Path;

use super::batch_ui::BatchUi;
use super::card::read_pins;
use super::genesis::load_plan;
use super::shares::{share_error_with_files, shares_for};
use super::{Exit, Failure};
use crate::ceremony::session::RunOptions;
use crate::ceremony::subkey::{self, Change, OldSubkey, SubkeyRequest};
use crate::ceremony::{Clock, PcscCards, SystemClock};
use crate::cli::{ExistingKeyArgs, SubkeyCommand};
use crate::harden::Hardening;
use crate::media::sha256_hex;
use crate::openpgp::{KeyRole, RevokeReason};
use crate::plan::expiry_at;

pub fn subkey(action: SubkeyCommand, hardening: &Hardening) -> Result<(), Failure> {
    let usage = |m: String| Failure::new(Exit::Usage, m);
    let (change, key, card_pins) = match action {
        SubkeyCommand::Rotate {
            role,
            signing_role,
            keep_old_until,
            reason,
            card_pins,
            key,
        } => {
            if let Some(r) = &reason {
                if let Some(c) = crate::text::first_deceptive(r) {
                    return Err(usage(format!(
                        "--reason holds {c}: it goes into the revocation people read; type it without"
                    )));
                }
                if r.trim().is_empty() || r.len() > 200 {
                    return Err(usage(
                        "--reason: one line of plain text, at most 200 bytes (it goes into the revocation and the transcript)".into(),
                    ));
                }
            }
            let role = match role.as_str() {
                "signing" => KeyRole::Signing,
                "encryption" => KeyRole::Encryption,
                "authentication" => KeyRole::Authentication,
                other => {
                    return Err(usage(format!(
                        "--role {other}: use signing, encryption or authentication"
                    )))
                }
            };
            let old = match keep_old_until {
                None => OldSubkey::Revoke,
                Some(t) => OldSubkey::ValidUntil(
                    expiry_at(&t, SystemClock.now())
                        .map_err(|e| usage(format!("--keep-old-until: {e}")))?,
                ),
            };
            if let Some(r) = &signing_role {
                crate::openpgp::check_role_name(r)
                    .map_err(|e| usage(format!("--signing-role {e}")))?;
                if role != KeyRole::Signing {
                    return Err(usage(format!(
                        "--signing-role {r} names a signing role: give it with --role signing"
                    )));
                }
            }
            (
                Change::Rotate {
                    role,
                    signing_role,
                    old,
                    reason,
                },
                key,
                card_pins,
            )
        }
        SubkeyCommand::Revoke {
            fingerprint,
            reason,
            key,
        } => {
            let reason = match reason.as_str() {
                "compromised" => RevokeReason::Compromised,
                "retired" => RevokeReason::Retired,
                other => {
                    return Err(usage(format!(
                        "--reason {other}: use compromised or retired (a rotation supersedes)"
                    )))
                }
            };
            (
                Change::Revoke {
                    fingerprint,
                    reason,
                },
                key,
                None,
            )
        }
    };
    run(change, key, card_pins.as_deref(), hardening)
}

/// Runs one change on the key the backup holds and prints what changed;
/// new subkeys go onto the plan's cards with the PINs of `card_pins` (the
/// ceremony's PIN file) or, without it, new PINs handed over where the plan
/// says.
pub fn run(
    change: Change,
    key: ExistingKeyArgs,
    card_pins: Option<&Path>,
    hardening: &Hardening,
) -> Result<(), Failure> {
    let ExistingKeyArgs {
        plan,
        backup,
        shares,
        identity,
        output_format,
        airgap_root,
        allow_older_backup,
    } = key;
    let (plan, text) = load_plan(&plan)?;
    let adds = !matches!(
        change,
        Change::Revoke { .. } | Change::LostCard { rotate: false, .. }
    );
    if adds && plan.cards_total() > 0 && card_pins.is_none() && plan.cards.pins_deliver_to.is_none()
    {
        return Err(Failure::new(
            Exit::Usage,
            "the plan's cards take the new subkeys: give --card-pins FILE (the ceremony's PIN file, to keep the PINs) or set cards.pins_deliver_to (new PINs), or set cards.count = 0 to put them on cards later",
        ));
    }
    // The PIN file and the shares are read before anything else happens, so
    // that a missing file costs nothing.
    let card_pins = card_pins.map(read_pins).transpose()?;
    let loaded = shares_for(&backup, &shares, &identity)?;
    let req = SubkeyRequest {
        backup,
        shares: loaded,
        change,
        card_pins,
    };
    let opts = RunOptions {
        plan_sha256: Some(sha256_hex(text.as_bytes())),
        system_root: airgap_root,
        hardening: Some(hardening.clone()),
        allow_older_backup,
    };
    let report = subkey::run(
        &plan,
        &req,
        &opts,
        &mut BatchUi::new(None, plan.cards.pins_deliver_to.clone()),
        &SystemClock,
        &mut PcscCards,
    )
    .map_err(|e| share_error_with_files(e, &req.shares, &shares))?;
    super::print_outcome(&report, output_format);
    super::cards_not_done(
        crate::ceremony::cards::failed(&report.cards),
        "the subkeys, backups and export are done",
    )
}
