//! What a ceremony directory holds, by name: one place for every flow that
//! writes one and every reader (restore, verify, the commands) that opens one.
//!
//! Each ceremony writes a directory `ceremony-<UTC time>` of its own on every
//! medium and never touches an older one, so a key's history on a backup
//! stick is a list of such directories, oldest first by name.

use sequoia_openpgp::Cert;

use super::CeremonyError;
use crate::cosign::CosignKey;
use crate::media::FileMode;
pub use crate::media::MANIFEST;
use crate::openpgp;
use crate::passphrase::Passphrase;
use crate::shares::SetInfo;
pub use crate::transcript::{TRANSCRIPT, TRANSCRIPT_SIG};

/// The whole key, every secret part protected by the passphrase.
pub const SECRET_KEY_FILE: &str = "secret-key.asc";
/// The primary's revocation certificate.
pub const REVOCATION_FILE: &str = "revocation.asc";
/// The public cert.
pub use crate::transcript::CERT_FILE;
/// The share set's public facts and check value.
pub const SHARES_FILE: &str = "shares.json";
/// The cosign key, in cosign's encrypted key file format with the passphrase
/// as its password (so cosign itself opens it too), where a plan keeps the
/// cosign key outside a device.
pub const COSIGN_KEY_FILE: &str = crate::cosign::KEY_FILE;
pub use crate::online::bundle::MANIFEST_SIG;

/// File name of share `index` of `count`, with extension `ext`.
pub fn share_file(index: u8, count: u8, ext: &str) -> String {
    format!("share-{index}-of-{count}.{ext}")
}

/// `ceremony-20261123T072716Z`: sortable, and legal on FAT sticks (no colons).
pub fn ceremony_id(t: std::time::SystemTime) -> String {
    let stamp = humantime::format_rfc3339_seconds(t).to_string();
    format!("ceremony-{}", stamp.replace(['-', ':'], ""))
}

/// What every backup directory holds besides the transcript and MANIFEST,
/// made once and written to every backup medium alike.
pub struct BackupFiles {
    secret: Vec<u8>,
    revocation: Vec<u8>,
    /// The public cert, also what the export carries.
    pub public: Vec<u8>,
    set_info: Vec<u8>,
    cosign: Option<Vec<u8>>,
}

impl BackupFiles {
    /// `key` with every secret part protected by `passphrase`, its
    /// revocation certificate (armored), the share set's public facts, and
    /// the cosign key if the plan keeps one outside a device (protected by
    /// the same passphrase).
    pub fn new(
        key: &Cert,
        passphrase: &Passphrase,
        revocation: Vec<u8>,
        set: &SetInfo,
        cosign: Option<&CosignKey>,
    ) -> Result<BackupFiles, CeremonyError> {
        // SetInfo is plain strings and numbers: serialising cannot fail.
        let mut set_info = serde_json::to_vec_pretty(set).unwrap_or_default();
        set_info.push(b'\n');
        Ok(BackupFiles {
            secret: openpgp::protected_armored(key, &passphrase.to_password())?,
            revocation,
            public: openpgp::public_armored(key)?,
            set_info,
            cosign: cosign
                .map(|k| k.to_encrypted_pem(&passphrase.to_secret_string()))
                .transpose()?
                .map(String::into_bytes),
        })
    }

    pub fn files(&self) -> Vec<(&'static str, &[u8], FileMode)> {
        let mut files = vec![
            (SECRET_KEY_FILE, self.secret.as_slice(), FileMode::Private),
            (REVOCATION_FILE, &self.revocation, FileMode::Private),
            (CERT_FILE, &self.public, FileMode::Public),
            (SHARES_FILE, &self.set_info, FileMode::Public),
        ];
        if let Some(c) = &self.cosign {
            files.push((COSIGN_KEY_FILE, c, FileMode::Private));
        }
        files
    }
}
