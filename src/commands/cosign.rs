//! `keyceremony cosign rotate|revoke|key-file`: the batch front ends of the
//! cosign key's ceremonies; the cosign key a backup keeps, written as a new
//! cosign key file where a CI secret store lost it; and the one reading of
//! that key (`backup_key`) that `hsm provision` and `piv provision` share.

use std::path::Path;

use super::shares::unlock_backup;
use super::{Exit, Failure};
use crate::ceremony::cosign::write_key_file;
use crate::ceremony::restore::Restored;
use crate::cli::{BackupArgs, CosignCommand};
use crate::cosign::{CosignKey, CosignPublic, PUBLIC_FILE};

/// `keyceremony cosign ...`
pub fn run(action: CosignCommand, hardening: &crate::harden::Hardening) -> Result<(), Failure> {
    match action {
        CosignCommand::Rotate {
            reason,
            transition,
            key,
        } => rotate(reason, transition.as_deref(), key, hardening),
        CosignCommand::Revoke {
            reason,
            destroy_in_token,
            key,
        } => revoke(reason, destroy_in_token, key, hardening),
        CosignCommand::KeyFile {
            from,
            to,
            password_to,
        } => key_file(&from, &to, &password_to),
    }
}

/// `keyceremony cosign rotate`: the batch front end of `ceremony::cosign_rotate`.
fn rotate(
    reason: crate::cosign::rotation::Reason,
    transition: Option<&str>,
    key: crate::cli::ExistingKeyArgs,
    hardening: &crate::harden::Hardening,
) -> Result<(), Failure> {
    use crate::ceremony::cosign_rotate::{self, CosignRotateRequest};
    use crate::ceremony::{Clock, SystemClock};
    let transition_until = transition
        .map(|t| crate::plan::expiry_at(t, SystemClock.now()))
        .transpose()
        .map_err(|e| Failure::new(Exit::Usage, format!("--transition: {e}")))?;
    let k = super::OnKey::read(key, hardening)?;
    k.plan.validate_batch()?;
    let req = CosignRotateRequest {
        backup: k.backup.clone(),
        shares: k.shares.clone(),
        reason,
        transition_until,
    };
    let report = cosign_rotate::run(
        &k.plan,
        &req,
        &k.opts,
        &mut super::batch_ui::BatchUi::new(None, None),
        &SystemClock,
    )
    .map_err(|e| k.failure(e, &req.shares))?;
    super::print_outcome(&report, k.format);
    Ok(())
}

/// `keyceremony cosign revoke`: the batch front end of `ceremony::cosign_revoke`.
fn revoke(
    reason: crate::cosign::revocation::RevokeReason,
    destroy_in_token: bool,
    key: crate::cli::ExistingKeyArgs,
    hardening: &crate::harden::Hardening,
) -> Result<(), Failure> {
    use crate::ceremony::cosign_revoke::{self, CosignRevokeRequest};
    use crate::ceremony::SystemClock;
    let k = super::OnKey::read(key, hardening)?;
    k.plan.validate_batch()?;
    let req = CosignRevokeRequest {
        backup: k.backup.clone(),
        shares: k.shares.clone(),
        reason,
        destroy_in_token,
    };
    let report = cosign_revoke::run(
        &k.plan,
        &req,
        &k.opts,
        &mut super::batch_ui::BatchUi::new(None, None),
        &SystemClock,
    )
    .map_err(|e| k.failure(e, &req.shares))?;
    super::print_outcome(&report, k.format);
    Ok(())
}

/// The cosign key the backup keeps, checked against the cosign.pub beside
/// it (the key the bundles bind).
pub(super) fn backup_key(from: &BackupArgs) -> Result<(Restored, CosignKey), Failure> {
    let mut restored = unlock_backup(&from.backup, &from.shares, &from.identity)?;
    let Some(key) = restored.cosign.take() else {
        return Err(Failure::new(
            Exit::Key,
            format!(
                "the backup {} keeps no cosign key: its plan made none, or made it inside a token (generate_on_device), which it never left",
                from.backup.display()
            ),
        )
        .hint("a lost token with a key made inside it means a new cosign key: run a ceremony that makes one"));
    };
    // Only the newest backup's key: an older one's may have been replaced
    // or revoked since (a revoked key handed out again is how it returns).
    let own = crate::ceremony::restore::bundle_info(&from.backup).map_or(0, |i| i.sequence);
    if let Some((later, _)) =
        crate::ceremony::restore::newer_on_medium(&from.backup, &restored.fingerprint, own)
    {
        return Err(Failure::new(
            Exit::Key,
            format!(
                "{} is not the newest backup of key {}: ceremony {later} on the same medium is newer, and its cosign key may have been rotated or revoked since",
                from.backup.display(),
                restored.fingerprint
            ),
        )
        .hint(format!("give --backup {}", from.backup.with_file_name(&later).display())));
    }
    let pem = crate::media::read_bounded(
        &from.backup.join(PUBLIC_FILE),
        "cosign public key",
        crate::media::limits::COSIGN_PUB,
    )?;
    let bound = CosignPublic::from_pem(&String::from_utf8_lossy(&pem))
        .map_err(crate::ceremony::CeremonyError::from)?;
    if bound != key.public() {
        return Err(Failure::new(
            Exit::Verification,
            format!(
                "the backup's cosign.key is not the key its {PUBLIC_FILE} names: use the other backup medium"
            ),
        ));
    }
    Ok((restored, key))
}

pub fn key_file(from: &BackupArgs, to: &Path, password_to: &str) -> Result<(), Failure> {
    let (restored, key) = backup_key(from)?;
    audit_ready(from, &restored)?;
    let challenge = format!("keyceremony cosign key file {}\n", restored.fingerprint).into_bytes();
    let written = write_key_file(&key, to, password_to, &challenge)?;
    let sha256 = crate::media::read_bounded(
        &written.path,
        "cosign key",
        crate::media::limits::COSIGN_KEY,
    )
    .map(|b| crate::media::sha256_hex(&b))
    .unwrap_or_default();
    let place = written.path.display().to_string();
    let record = audit(
        from,
        &restored,
        "cosign-key-file",
        "file",
        &place,
        &key.public().fingerprint(),
        vec![(
            crate::transcript::EventKind::FileWritten,
            serde_json::json!({
                "name": crate::cosign::KEY_FILE,
                "path": place,
                "sha256": sha256,
                "public_key_sha256": key.public().fingerprint(),
                "password_to": written.password_to,
            }),
        )],
    )?;
    outln!(
        "Wrote {} (the cosign key of {}, public key SHA-256 {}); its password went to {}",
        written.path.display(),
        restored.fingerprint,
        key.public().fingerprint(),
        written.password_to
    );
    outln!("{record}");
    Ok(())
}

/// What the audit record needs, checked before the key goes anywhere
/// (crate::ceremony::cosign_audit::ready).
pub(super) fn audit_ready(from: &BackupArgs, restored: &Restored) -> Result<(), Failure> {
    use crate::ceremony::{Clock, SystemClock};
    crate::ceremony::cosign_audit::ready(&from.backup, restored, SystemClock.now()).map_err(|e| {
        Failure::from(e).hint(
            "nothing was done: the act is recorded beside the backup, signed by the key, and that record could not be written (a full or read-only backup medium, or a key that cannot sign now: renew it first)",
        )
    })
}

/// The signed record of a touch of the cosign key outside a ceremony
/// (crate::ceremony::cosign_audit), on the backup's medium; the line that
/// says where it went. Written after the act (checked possible before it):
/// a record that could not be written says what was done, and the exit
/// status is a failure.
pub(super) fn audit(
    from: &BackupArgs,
    restored: &Restored,
    flow: &str,
    tier: &str,
    place: &str,
    public_key_sha256: &str,
    facts: Vec<(crate::transcript::EventKind, serde_json::Value)>,
) -> Result<String, Failure> {
    use crate::ceremony::cosign_audit::{record, Placement};
    use crate::ceremony::{Clock, SystemClock};
    let placement = Placement {
        tier: tier.to_owned(),
        place: place.to_owned(),
        public_key_sha256: public_key_sha256.to_owned(),
    };
    match record(&from.backup, restored, flow, &placement, facts, SystemClock.now()) {
        Ok(dir) => Ok(format!(
            "Audit record: {} (signed by the key{})",
            dir.display(),
            if tier == "file" {
                ""
            } else {
                "; the next ceremony from these backup media names the token in its bundle"
            }
        )),
        Err(e) => Err(Failure::from(e).hint(format!(
            "the cosign key WAS put into {place}, but its audit record could not be written beside the backup: note what was done in the ceremony log"
        ))),
    }
}
