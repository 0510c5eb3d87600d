//! `keyceremony restore`: k shares open a backup in memory, proven by its
//! fingerprint (and its cosign key, if it keeps one).

use std::path::{Path, PathBuf};

use super::shares::unlock_backup;
use super::Failure;

pub fn restore(backup: &Path, paths: &[PathBuf], identity: &[PathBuf]) -> Result<(), Failure> {
    let restored = unlock_backup(backup, paths, identity)?;
    outln!(
        "Backup {} opens: primary {} (shares {:?} of set {})",
        crate::text::printable(&backup.display().to_string()),
        restored.fingerprint,
        restored.indices,
        restored.set_id
    );
    if let Some(k) = &restored.cosign {
        outln!(
            "It keeps the cosign key too: public key SHA-256 {} (cosign.key opens with the same passphrase)",
            k.public().fingerprint()
        );
    }
    Ok(())
}
