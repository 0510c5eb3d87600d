//! Rotation statements: the signed record that one primary key replaces
//! another.
//!
//! A verifier that pinned the old fingerprint must be able to move to the
//! new key without trusting anything the bundle merely asserts. So the
//! statement names both fingerprints, when the new key takes over, until
//! when the old one may still be trusted, why, and the SHA-256 of the
//! statement before it (a chain, like the transcripts'); and it is signed by
//! both primaries: the old one hands over, the new one accepts. Its
//! canonical form is the JSON below, byte for byte, which is what the
//! signatures cover; the `.txt` beside it says the same for people.
//! The keys' cross-certifications (old certifies new, new certifies old)
//! carry the statement's SHA-256 as a notation, so gpg and sq show the link
//! in the certs themselves.

use serde::{Deserialize, Serialize};

pub const KIND: &str = "keyceremony-rotation/1";
/// The notation the cross-certifications carry (the statement's SHA-256).
pub const NOTATION: &str = "rotation-statement-sha256@keyceremony.invalid";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    #[serde(rename = "type")]
    pub kind: String,
    /// The primary fingerprint handing over.
    pub old: String,
    /// The primary fingerprint taking over.
    pub new: String,
    /// RFC 3339: from when the new key is the one.
    pub effective: String,
    /// RFC 3339: after this, nothing signed by the old key is to be trusted.
    pub transition_until: String,
    pub reason: String,
    /// The statement before this one in the key's history, if any.
    pub previous_statement_sha256: Option<String>,
    pub created: String,
    /// The cosign key that stays with the new primary (SHA-256 of cosign.pub's
    /// DER key), if the key has one; absent from the canonical form otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cosign_public_key_sha256: Option<String>,
}

impl Statement {
    /// The bytes both signatures cover: compact JSON in field order, one line.
    pub fn canonical(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec(self).unwrap_or_default();
        v.push(b'\n');
        v
    }

    /// Parses a statement and checks that `bytes` are its canonical form
    /// (what was signed is what is read: no second reading of the same bytes).
    pub fn parse(bytes: &[u8]) -> Result<Statement, String> {
        let s: Statement =
            serde_json::from_slice(bytes).map_err(|e| format!("not a rotation statement: {e}"))?;
        if s.kind != KIND {
            return Err(format!("type {:?}, not {KIND}", s.kind));
        }
        if s.canonical() != bytes {
            return Err("not in canonical form".into());
        }
        Ok(s)
    }

    pub fn text(&self) -> String {
        format!(
            "ROTATION STATEMENT ({KIND})\n\n\
             The OpenPGP key\n    {}\nis replaced by the key\n    {}\n\n\
             Effective:        {}\n\
             Old key trusted until (end of transition): {}\n\
             Reason:           {}\n\
             Previous statement (SHA-256): {}\n\
             Made:             {}\n\n\
             Both keys signed the canonical statement (the .json beside this text):\n\
             rotation-N.json.old.asc by the old primary, rotation-N.json.new.asc by the new\n\
             (`keyceremony verify BUNDLE --trust OLD-FINGERPRINT` checks them), and\n\
             rotation-N.json.old-subkey.asc and .new-subkey.asc by their signing subkeys\n\
             (`gpg --verify` and `sq verify` check those, with the certs beside).\n",
            self.old,
            self.new,
            self.effective,
            self.transition_until,
            self.reason,
            self.previous_statement_sha256
                .as_deref()
                .unwrap_or("none (the first rotation)"),
            self.created
        )
    }
}

/// The files of rotation `n` (1-based) in a bundle and on the backups.
pub struct Files {
    pub statement: String,
    pub text: String,
    pub old_sig: String,
    pub new_sig: String,
    /// The same statement signed by each key's signing subkey: what gpg
    /// and sq check (they refuse data signatures by a certify-only primary).
    pub old_subkey_sig: String,
    pub new_subkey_sig: String,
    /// The old key's cert, with the new key's certification.
    pub old_cert: String,
    /// The new key's cert, with the old key's certification.
    pub new_cert: String,
    /// The old key's containers keyring (for the transition).
    pub old_keyring: String,
}

pub fn files(n: usize) -> Files {
    let base = format!("rotation-{n}");
    Files {
        statement: format!("{base}.json"),
        text: format!("{base}.txt"),
        old_sig: format!("{base}.json.old.asc"),
        new_sig: format!("{base}.json.new.asc"),
        old_subkey_sig: format!("{base}.json.old-subkey.asc"),
        new_subkey_sig: format!("{base}.json.new-subkey.asc"),
        old_cert: format!("{base}-old-cert.asc"),
        new_cert: format!("{base}-new-cert.asc"),
        old_keyring: format!("{base}-old-keyring.gpg"),
    }
}

/// Rotation `n`'s keyring of the old key's named signing role `role`
/// (two-person signing): joins that role's installed keyring for the
/// transition, as `Files::old_keyring` joins the release role's.
pub fn old_role_keyring(n: usize, role: &str) -> String {
    format!("rotation-{n}-old-keyring-{role}.gpg")
}

/// The role of an `old_role_keyring` name of rotation `n`, if it is one.
pub fn old_role_keyring_role(n: usize, name: &str) -> Option<&str> {
    name.strip_prefix(&format!("rotation-{n}-old-keyring-"))?
        .strip_suffix(".gpg")
}

/// The old primary's revocation a rotation makes (reason "superseded"):
/// kept on the backups, secret in effect (anyone holding it can revoke the
/// old key), until the transition ends; then published in the bundle.
pub fn revocation_file(old: &str) -> String {
    format!("revocation-superseded-{old}.asc")
}

/// The old fingerprint a `revocation_file` name is for.
pub fn revoked_by_file(name: &str) -> Option<&str> {
    name.strip_prefix("revocation-superseded-")?
        .strip_suffix(".asc")
}

/// Whether `name` is one of a rotation's files (they travel from backup to
/// backup and into every later bundle).
pub fn is_rotation_file(name: &str) -> bool {
    name.starts_with("rotation-") && name[9..].chars().next().is_some_and(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Statement {
        Statement {
            kind: KIND.into(),
            old: "A".repeat(40),
            new: "B".repeat(40),
            effective: "2026-11-25T00:00:00Z".into(),
            transition_until: "2026-12-25T00:00:00Z".into(),
            reason: "yearly rotation".into(),
            previous_statement_sha256: None,
            created: "2026-11-25T00:00:00Z".into(),
            cosign_public_key_sha256: None,
        }
    }

    /// A statement without a cosign key has the canonical form it had before
    /// the field existed, so older statements still parse.
    #[test]
    fn no_cosign_key_leaves_the_canonical_form_as_it_was() {
        let text = String::from_utf8(sample().canonical()).unwrap();
        assert!(!text.contains("cosign"), "{text}");
        assert!(
            text.trim_end()
                .ends_with(r#""created":"2026-11-25T00:00:00Z"}"#),
            "{text}"
        );
        let with = Statement {
            cosign_public_key_sha256: Some("00".repeat(32)),
            ..sample()
        };
        assert_eq!(Statement::parse(&with.canonical()).unwrap(), with);
    }

    #[test]
    fn only_the_canonical_bytes_parse() {
        let s = sample();
        let bytes = s.canonical();
        assert_eq!(Statement::parse(&bytes).unwrap(), s);
        let spaced = String::from_utf8(bytes.clone()).unwrap().replace(",", ", ");
        assert!(Statement::parse(spaced.as_bytes())
            .unwrap_err()
            .contains("canonical"));
        let other = String::from_utf8(bytes)
            .unwrap()
            .replace(KIND, "keyceremony-rotation/9");
        assert!(Statement::parse(other.as_bytes()).is_err());
        assert!(s.text().contains(&"B".repeat(40)));
        assert!(is_rotation_file("rotation-12.json.old.asc"));
        assert!(!is_rotation_file("rotation.txt"));
    }
}
