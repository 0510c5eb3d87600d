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
        CosignCommand::Revoke { reason, key } => revoke(reason, key, hardening),
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
    let challenge = format!("keyceremony cosign key file {}\n", restored.fingerprint).into_bytes();
    let written = write_key_file(&key, to, password_to, &challenge)?;
    outln!(
        "Wrote {} (the cosign key of {}, public key SHA-256 {}); its password went to {}",
        written.path.display(),
        restored.fingerprint,
        key.public().fingerprint(),
        written.password_to
    );
    Ok(())
}
