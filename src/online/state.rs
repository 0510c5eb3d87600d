//! The verifier's memory: the pinned key and the newest bundle seen.
//!
//! Without it a verifier cannot tell an old bundle, validly signed, from the
//! current one: an attacker who controls the download could serve last
//! year's bundle (with a key since rotated away) for ever. The state file
//! pins the key on first use (TOFU, as ssh does) and from then on refuses a
//! bundle with a lower sequence number, or a different bundle claiming a
//! number already seen.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::bundle::BundleInfo;
use crate::ceremony::CeremonyError;
use crate::media::{limits, read_bounded};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    pub format: u32,
    /// The primary fingerprint trusted: pinned once, and kept through
    /// rotations (each bundle carries the statements from it).
    pub pinned: String,
    /// The key of the newest bundle accepted.
    #[serde(default)]
    pub current: String,
    /// The newest bundle accepted: its sequence, SHA-256 and ceremony.
    pub sequence: u64,
    pub bundle_sha256: String,
    pub ceremony_id: String,
}

impl State {
    /// The state at `path`, or none when the file does not exist yet.
    pub fn load(path: &Path) -> Result<Option<State>, CeremonyError> {
        if !path.exists() {
            return Ok(None);
        }
        let bytes = read_bounded(path, "verifier state", limits::MANIFEST)?;
        serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            CeremonyError::Untrusted(format!(
                "the state file {} is damaged ({e}): restore it from a copy, or pin the key again with --trust",
                path.display()
            ))
        })
    }

    /// Records `info` (whose bundle.json has SHA-256 `digest`) as the newest
    /// bundle, or says why it is older than what was seen. Returns whether
    /// the key was pinned now (first use).
    pub fn advance(path: &Path, info: &BundleInfo, digest: &str) -> Result<bool, String> {
        let old = State::load(path).map_err(|e| e.to_string())?;
        if let Some(s) = &old {
            if info.sequence < s.sequence {
                return Err(format!(
                    "its sequence number {} is lower than {} (ceremony {}) already accepted: an older bundle served again (a downgrade) is refused",
                    info.sequence, s.sequence, s.ceremony_id
                ));
            }
            if info.sequence == s.sequence && digest != s.bundle_sha256 {
                return Err(format!(
                    "sequence number {} was already accepted for another bundle (ceremony {}): two bundles cannot hold one place in the key's history",
                    info.sequence, s.ceremony_id
                ));
            }
        }
        let new = State {
            format: 1,
            pinned: old
                .as_ref()
                .map_or_else(|| info.key.clone(), |s| s.pinned.clone()),
            current: info.key.clone(),
            sequence: info.sequence,
            bundle_sha256: digest.to_owned(),
            ceremony_id: info.ceremony_id.clone(),
        };
        let text = format!(
            "{}\n",
            serde_json::to_string_pretty(&new).unwrap_or_default()
        );
        super::install::write_atomic(path, text.as_bytes()).map_err(|e| e.to_string())?;
        Ok(old.is_none())
    }
}
