//! Restore: k shares give the passphrase, the passphrase opens the backup, and
//! the fingerprint proves it is the key that was meant.
//!
//! Genesis runs the same code as its restore rehearsal, on shares read back
//! from the media it just wrote, so the path administrators rely on later is
//! the one every ceremony has already proven once.

use std::fmt;
use std::path::{Path, PathBuf};

use sequoia_openpgp::Cert;

use super::genesis::SECRET_KEY_FILE;
use super::CeremonyError;
use crate::openpgp;
use crate::passphrase::Passphrase;
use crate::shares::{self, set_id_text, SetInfo, Share, ShareError};

/// The split's public facts, kept beside the secret key in every backup.
pub const SHARES_FILE: &str = "shares.json";

/// A backup opened in memory.
pub struct Restored {
    pub cert: Cert,
    pub fingerprint: String,
    /// The share set the backup was split into (public).
    pub set_id: String,
    /// Which shares were used (their indices, never their contents).
    pub indices: Vec<u8>,
    pub passphrase: Passphrase,
}

impl fmt::Debug for Restored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Restored({}, shares {:?}, secrets redacted)",
            self.fingerprint, self.indices
        )
    }
}

fn backup_error(backup: &Path, reason: String) -> CeremonyError {
    CeremonyError::BackupCheck {
        medium: backup.to_owned(),
        reason,
    }
}

/// Reads `shares.json` from a backup bundle.
pub fn read_set_info(backup: &Path) -> Result<SetInfo, CeremonyError> {
    let path: PathBuf = backup.join(SHARES_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        backup_error(
            backup,
            format!(
                "{} cannot be read ({e}); name the ceremony directory on a backup medium",
                path.display()
            ),
        )
    })?;
    serde_json::from_str(&text)
        .map_err(|e| backup_error(backup, format!("{} is damaged: {e}", path.display())))
}

/// Combines `shares`, checks the result against the backup's check value, and
/// opens the backup's secret key with it.
pub fn unlock(backup: &Path, shares: &[Share]) -> Result<Restored, CeremonyError> {
    let info = read_set_info(backup)?;
    for (i, s) in shares.iter().enumerate() {
        if set_id_text(s.set_id) != info.set_id {
            return Err(ShareError::ForeignSet {
                position: i + 1,
                found: set_id_text(s.set_id),
                expected: info.set_id.clone(),
            }
            .into());
        }
    }
    let secret = shares::combine(shares)?;
    info.verify(&secret)?;
    let passphrase = Passphrase::from_entropy(&secret)?;
    let key_path = backup.join(SECRET_KEY_FILE);
    let bytes = std::fs::read(&key_path)
        .map_err(|e| backup_error(backup, format!("cannot read {}: {e}", key_path.display())))?;
    let cert = openpgp::unlock_secret(&bytes, &passphrase.to_password())
        .map_err(|e| backup_error(backup, e.to_string()))?;
    Ok(Restored {
        fingerprint: cert.fingerprint().to_hex(),
        set_id: info.set_id,
        cert,
        indices: shares.iter().map(|s| s.index).collect(),
        passphrase,
    })
}
