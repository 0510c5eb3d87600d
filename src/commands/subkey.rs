//! `keyceremony subkey rotate|revoke`: the batch front end of `ceremony::subkey`.

use super::batch_ui::BatchUi;
use super::genesis::load_plan;
use super::shares::{share_error_with_files, shares_for};
use super::{Exit, Failure};
use crate::ceremony::session::RunOptions;
use crate::ceremony::subkey::{self, Change, OldSubkey, SubkeyRequest};
use crate::ceremony::{Clock, SystemClock};
use crate::cli::{ExistingKeyArgs, SubkeyCommand};
use crate::harden::Hardening;
use crate::media::sha256_hex;
use crate::openpgp::{KeyRole, RevokeReason};
use crate::plan::expiry_at;

pub fn subkey(action: SubkeyCommand, hardening: &Hardening) -> Result<(), Failure> {
    let usage = |m: String| Failure::new(Exit::Usage, m);
    let (change, key) = match action {
        SubkeyCommand::Rotate {
            role,
            keep_old_until,
            key,
        } => {
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
            (Change::Rotate { role, old }, key)
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
            )
        }
    };
    run(change, key, hardening)
}

/// Runs one change on the key the backup holds and prints what changed.
pub fn run(change: Change, key: ExistingKeyArgs, hardening: &Hardening) -> Result<(), Failure> {
    let ExistingKeyArgs {
        plan,
        backup,
        shares,
        identity,
        output_format,
        airgap_root,
    } = key;
    let (plan, text) = load_plan(&plan)?;
    let loaded = shares_for(&backup, &shares, &identity)?;
    let req = SubkeyRequest {
        backup,
        shares: loaded,
        change,
    };
    let opts = RunOptions {
        plan_sha256: Some(sha256_hex(text.as_bytes())),
        system_root: airgap_root,
        hardening: Some(hardening.clone()),
    };
    let report = subkey::run(
        &plan,
        &req,
        &opts,
        &mut BatchUi::new(None, None),
        &SystemClock,
    )
    .map_err(|e| share_error_with_files(e, &req.shares, &shares))?;
    super::print_outcome(&report, output_format);
    Ok(())
}
