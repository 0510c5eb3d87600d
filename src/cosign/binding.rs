//! The statement that binds a cosign public key to the OpenPGP key (and so
//! to the release identity its user IDs name): signed by the primary, which
//! a verifier has pinned, and by the signing subkey, which gpg and sq check
//! (they refuse data signatures by a certify-only primary). Its one form
//! is compact JSON in field order, one line, as the rotation statements
//! are (not RFC 8785: keys are not sorted); what is signed is what is read.
//!
//! The files travel with the key: every later ceremony's bundle carries
//! them, as it carries the rotation statements, until a ceremony replaces
//! the cosign key.

use serde::{Deserialize, Serialize};

pub const KIND: &str = "keyceremony-cosign/1";

/// The statement's file; its signatures are beside it.
pub const STATEMENT_FILE: &str = "cosign.json";
pub const PRIMARY_SIG_FILE: &str = "cosign.json.asc";
pub const SUBKEY_SIG_FILE: &str = "cosign.json.subkey.asc";

/// Every public cosign file a bundle (and a backup) carries.
pub const PUBLIC_FILES: [&str; 5] = [
    super::PUBLIC_FILE,
    STATEMENT_FILE,
    PRIMARY_SIG_FILE,
    SUBKEY_SIG_FILE,
    super::CERT_FILE,
];

/// Whether `name` is one of the cosign files that travel with the key.
pub fn is_public_file(name: &str) -> bool {
    PUBLIC_FILES.contains(&name)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Binding {
    #[serde(rename = "type")]
    pub kind: String,
    /// The OpenPGP primary fingerprint that vouches for the cosign key.
    pub key: String,
    /// The release identity: the OpenPGP key's user IDs.
    pub user_ids: Vec<String>,
    /// SHA-256 of cosign.pub's DER SubjectPublicKeyInfo, hex.
    pub cosign_public_key_sha256: String,
    /// "file", "pkcs11" or "piv".
    pub tier: String,
    /// Where the signing key is, for `cosign sign --key` (pkcs11 tier).
    pub pkcs11_uri: Option<String>,
    /// Whether the key was made inside its device (no backup holds it).
    pub generated_on_device: bool,
    pub created: String,
}

impl Binding {
    pub fn canonical(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec(self).unwrap_or_default();
        v.push(b'\n');
        v
    }

    /// Parses a statement and checks that `bytes` are its canonical form.
    pub fn parse(bytes: &[u8]) -> Result<Binding, String> {
        let b: Binding =
            serde_json::from_slice(bytes).map_err(|e| format!("not a cosign statement: {e}"))?;
        if b.kind != KIND {
            return Err(format!("type {:?}, not {KIND}", b.kind));
        }
        if b.canonical() != bytes {
            return Err("not in canonical form".into());
        }
        Ok(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_canonical_form_parses() {
        let b = Binding {
            kind: KIND.into(),
            key: "AB".repeat(20),
            user_ids: vec!["Release <r@acme.test>".into()],
            cosign_public_key_sha256: "00".repeat(32),
            tier: "file".into(),
            pkcs11_uri: None,
            generated_on_device: false,
            created: "2026-12-05T00:00:00Z".into(),
        };
        let bytes = b.canonical();
        assert_eq!(Binding::parse(&bytes).unwrap(), b);
        let spaced = String::from_utf8(bytes.clone()).unwrap().replace(",", ", ");
        assert!(Binding::parse(spaced.as_bytes()).is_err());
        let other = String::from_utf8(bytes).unwrap().replace(KIND, "x/1");
        assert!(Binding::parse(other.as_bytes()).is_err());
    }
}
