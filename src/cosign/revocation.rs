//! The list of cosign keys the OpenPGP key has revoked: every cosign key it
//! ever dropped as compromised (by `cosign revoke` or a compromised
//! `cosign rotate`) or retired (`cosign revoke --reason retired`), signed by
//! the primary (which verifiers pinned) and by the signing subkey.
//!
//! One list, not one statement per revocation: every later bundle carries
//! it whole, so a verifier that sees only the newest bundle still knows
//! every key it must never accept again, and a bundle that brings a revoked
//! key back (as cosign.pub or as the previous key of a transition) is
//! refused. Compact JSON in field order, one line, as the binding statement
//! (crate::cosign::binding): what is signed is what is read.

use serde::{Deserialize, Serialize};

pub const KIND: &str = "keyceremony-cosign-revocations/1";

pub const STATEMENT_FILE: &str = "cosign-revocations.json";
pub const PRIMARY_SIG_FILE: &str = "cosign-revocations.json.asc";
pub const SUBKEY_SIG_FILE: &str = "cosign-revocations.json.subkey.asc";

/// The files of the list, as they travel with the key.
pub const FILES: [&str; 3] = [STATEMENT_FILE, PRIMARY_SIG_FILE, SUBKEY_SIG_FILE];

pub fn is_revocation_file(name: &str) -> bool {
    FILES.contains(&name)
}

/// Why a cosign key was revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RevokeReason {
    /// The key, its password or a token holding it leaked.
    Compromised,
    /// No longer used: what it signed was good, nothing new is.
    Retired,
}

impl RevokeReason {
    /// The words a command line takes, with what each means.
    pub const WORDS: &'static [(&'static str, &'static str)] = &[
        ("compromised", "the key, its password or a token holding it leaked: every policy drops it with this bundle"),
        ("retired", "the key is no longer used: every policy drops it with this bundle; what it signed before was good"),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RevokeReason::Compromised => "compromised",
            RevokeReason::Retired => "retired",
        }
    }
}

impl std::str::FromStr for RevokeReason {
    type Err = String;
    fn from_str(s: &str) -> Result<RevokeReason, String> {
        match s {
            "compromised" => Ok(RevokeReason::Compromised),
            "retired" => Ok(RevokeReason::Retired),
            other => Err(format!(
                "{other:?}: give compromised (it leaked) or retired (no longer used)"
            )),
        }
    }
}

/// One revoked cosign key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revoked {
    /// SHA-256 of the key's DER SubjectPublicKeyInfo (as cosign.json names it).
    pub cosign_public_key_sha256: String,
    pub reason: RevokeReason,
    /// RFC 3339: when the ceremony revoked it.
    pub revoked: String,
    /// The ceremony that revoked it.
    pub ceremony_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CosignRevocations {
    #[serde(rename = "type")]
    pub kind: String,
    /// The OpenPGP primary fingerprint that signs the list.
    pub key: String,
    /// Oldest first.
    pub revoked: Vec<Revoked>,
}

impl CosignRevocations {
    pub fn new(key: &str) -> CosignRevocations {
        CosignRevocations {
            kind: KIND.into(),
            key: key.to_owned(),
            revoked: Vec::new(),
        }
    }

    pub fn canonical(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec(self).unwrap_or_default();
        v.push(b'\n');
        v
    }

    /// Parses a list and checks that `bytes` are its canonical form.
    pub fn parse(bytes: &[u8]) -> Result<CosignRevocations, String> {
        let r: CosignRevocations = serde_json::from_slice(bytes)
            .map_err(|e| format!("not a cosign revocation list: {e}"))?;
        if r.kind != KIND {
            return Err(format!("type {:?}, not {KIND}", r.kind));
        }
        if r.canonical() != bytes {
            return Err("not in canonical form".into());
        }
        Ok(r)
    }

    /// The entry for the key with this digest, if it was revoked.
    pub fn find(&self, sha256: &str) -> Option<&Revoked> {
        self.revoked
            .iter()
            .find(|r| r.cosign_public_key_sha256.eq_ignore_ascii_case(sha256))
    }

    /// Adds a key (once: a key revoked twice keeps its first entry).
    pub fn add(&mut self, entry: Revoked) {
        if self.find(&entry.cosign_public_key_sha256).is_none() {
            self.revoked.push(entry);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_canonical_form_parses_and_a_key_is_listed_once() {
        let mut l = CosignRevocations::new(&"A".repeat(40));
        let entry = |d: &str, reason| Revoked {
            cosign_public_key_sha256: d.repeat(64),
            reason,
            revoked: "2026-12-01T00:00:00Z".into(),
            ceremony_id: "c".into(),
        };
        l.add(entry("1", RevokeReason::Compromised));
        l.add(entry("1", RevokeReason::Retired));
        l.add(entry("2", RevokeReason::Retired));
        assert_eq!(l.revoked.len(), 2);
        assert_eq!(
            l.find(&"1".repeat(64)).unwrap().reason,
            RevokeReason::Compromised
        );
        assert!(l.find(&"3".repeat(64)).is_none());
        assert_eq!(CosignRevocations::parse(&l.canonical()).unwrap(), l);
        assert!(CosignRevocations::parse(&serde_json::to_vec_pretty(&l).unwrap()).is_err());
        assert!("leaked".parse::<RevokeReason>().is_err());
    }
}
