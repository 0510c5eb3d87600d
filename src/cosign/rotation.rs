//! The statement that replaces one cosign key by another: the OpenPGP
//! primary (which verifiers pinned) and its signing subkey (which gpg and sq
//! check) sign that the key with the old digest gives way to the key with
//! the new one, why, and until when signatures by the old one still stand.
//!
//! A scheduled rotation has a transition: clusters accept both keys until
//! its end (the old key's public half travels as `cosign-previous.pub`), so
//! that images signed before the rotation keep running while they are
//! re-signed. A compromised key has none: it is gone from every policy with
//! the bundle that says so. Compact JSON in field order, one line, as the
//! binding statement (crate::cosign::binding): what is signed is what is read.

use serde::{Deserialize, Serialize};

pub const KIND: &str = "keyceremony-cosign-rotation/1";

pub const STATEMENT_FILE: &str = "cosign-rotation.json";
pub const PRIMARY_SIG_FILE: &str = "cosign-rotation.json.asc";
pub const SUBKEY_SIG_FILE: &str = "cosign-rotation.json.subkey.asc";
/// The replaced key's cosign.pub, carried while its transition lasts.
pub const PREVIOUS_PUBLIC_FILE: &str = "cosign-previous.pub";

/// The files of the newest cosign rotation that travel with the key.
pub const FILES: [&str; 4] = [
    STATEMENT_FILE,
    PRIMARY_SIG_FILE,
    SUBKEY_SIG_FILE,
    PREVIOUS_PUBLIC_FILE,
];

pub fn is_rotation_file(name: &str) -> bool {
    FILES.contains(&name)
}

/// Why the key was replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reason {
    /// The yearly rotation: the old key's signatures stand until the
    /// transition ends.
    Scheduled,
    /// The key (or its password, or a token holding it) leaked: its
    /// signatures stand nowhere from this bundle on.
    Compromised,
}

impl Reason {
    /// The words a command line takes, with what each means.
    pub const WORDS: &'static [(&'static str, &'static str)] = &[
        ("scheduled", "the yearly rotation: clusters accept the old key's signatures until the transition ends"),
        ("compromised", "the key, its password or a token holding it leaked: its signatures stand nowhere from this bundle on"),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Scheduled => "scheduled",
            Reason::Compromised => "compromised",
        }
    }
}

impl std::str::FromStr for Reason {
    type Err = String;
    fn from_str(s: &str) -> Result<Reason, String> {
        match s {
            "scheduled" => Ok(Reason::Scheduled),
            "compromised" => Ok(Reason::Compromised),
            other => Err(format!(
                "{other:?}: give scheduled (the old key's signatures stand through a transition) or compromised (they stand nowhere from now on)"
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CosignRotation {
    #[serde(rename = "type")]
    pub kind: String,
    /// The OpenPGP primary fingerprint that signs the rotation.
    pub key: String,
    pub old_cosign_public_key_sha256: String,
    pub new_cosign_public_key_sha256: String,
    pub reason: Reason,
    /// RFC 3339: until then the old key's signatures stand (the moment of
    /// the rotation itself for a compromised key).
    pub transition_until: String,
    pub created: String,
}

impl CosignRotation {
    pub fn canonical(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec(self).unwrap_or_default();
        v.push(b'\n');
        v
    }

    /// Parses a statement and checks that `bytes` are its canonical form.
    pub fn parse(bytes: &[u8]) -> Result<CosignRotation, String> {
        let r: CosignRotation = serde_json::from_slice(bytes)
            .map_err(|e| format!("not a cosign rotation statement: {e}"))?;
        if r.kind != KIND {
            return Err(format!("type {:?}, not {KIND}", r.kind));
        }
        if r.canonical() != bytes {
            return Err("not in canonical form".into());
        }
        Ok(r)
    }

    /// Whether the old key's signatures still stand at `at`.
    pub fn in_transition(&self, at: std::time::SystemTime) -> bool {
        self.reason == Reason::Scheduled
            && humantime::parse_rfc3339(&self.transition_until).is_ok_and(|end| at < end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(reason: Reason) -> CosignRotation {
        CosignRotation {
            kind: KIND.into(),
            key: "A".repeat(40),
            old_cosign_public_key_sha256: "1".repeat(64),
            new_cosign_public_key_sha256: "2".repeat(64),
            reason,
            transition_until: "2027-01-01T00:00:00Z".into(),
            created: "2026-12-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn only_the_canonical_form_parses_and_only_a_scheduled_one_has_a_transition() {
        let s = statement(Reason::Scheduled);
        assert_eq!(CosignRotation::parse(&s.canonical()).unwrap(), s);
        let pretty = serde_json::to_vec_pretty(&s).unwrap();
        assert!(CosignRotation::parse(&pretty).is_err());
        let before = humantime::parse_rfc3339("2026-12-15T00:00:00Z").unwrap();
        let after = humantime::parse_rfc3339("2027-01-02T00:00:00Z").unwrap();
        assert!(s.in_transition(before) && !s.in_transition(after));
        assert!(!statement(Reason::Compromised).in_transition(before));
        assert!("leaked".parse::<Reason>().is_err());
    }
}
