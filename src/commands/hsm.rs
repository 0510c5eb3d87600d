//! `keyceremony hsm list|provision` and `keyceremony cosign key-file`: the
//! PKCS#11 tokens a module offers (so that the plan's `cosign.token` can name
//! one before the ceremony), and the cosign key a backup keeps put back
//! where it was lost: into a replacement token, or into a new key file.

use std::path::Path;

use super::shares::unlock_backup;
use super::{Exit, Failure};
use crate::ceremony::cosign::{read_pin, write_key_file};
use crate::ceremony::restore::Restored;
use crate::cli::{BackupArgs, HsmProvisionArgs, OutputFormat};
use crate::cosign::{CosignKey, CosignPublic, PUBLIC_FILE};
use crate::tokens::pkcs11::{KeySource, Module};

pub fn list(module: &Path, format: OutputFormat) -> Result<(), Failure> {
    let tokens = Module::load(module)
        .and_then(|m| m.tokens())
        .map_err(crate::ceremony::CeremonyError::from)?;
    match format {
        OutputFormat::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&tokens).unwrap_or_default()
        ),
        OutputFormat::Human if tokens.is_empty() => outln!(
            "No token through {}: initialise one (SoftHSM2: `softhsm2-util --init-token --free --label LABEL`), or check the HSM's connection.",
            module.display()
        ),
        OutputFormat::Human => {
            for t in &tokens {
                outln!(
                    "{:?}: {} {}, serial {} (slot {}); user PIN {}{}",
                    t.label,
                    t.manufacturer,
                    t.model,
                    t.serial,
                    t.slot,
                    t.user_pin,
                    if t.initialized { "" } else { "; not initialised" }
                );
            }
        }
    }
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

pub fn provision(args: HsmProvisionArgs) -> Result<(), Failure> {
    let (restored, key) = backup_key(&args.from)?;
    let pin = read_pin(&args.pin_from)?;
    let module = Module::load(&args.module).map_err(crate::ceremony::CeremonyError::from)?;
    module
        .check_ready(&args.token, &args.label, Some(&pin))
        .map_err(crate::ceremony::CeremonyError::from)?;
    let challenge = format!("keyceremony cosign provision {}\n", restored.fingerprint).into_bytes();
    let hsm = module
        .put_key(
            &args.token,
            &pin,
            &args.label,
            KeySource::Import(&key),
            &challenge,
        )
        .map_err(crate::ceremony::CeremonyError::from)?;
    outln!(
        "Token {:?} holds the cosign key of {} (public key SHA-256 {}), signed a challenge that verifies, and signs as:",
        hsm.token,
        restored.fingerprint,
        key.public().fingerprint()
    );
    outln!("  {}", hsm.uri);
    Ok(())
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
