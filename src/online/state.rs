//! The verifier's memory: the pinned key, the current key, the accepted
//! bundle, and the keys rotated away.
//!
//! Without it a verifier cannot tell an old bundle, validly signed, from the
//! current one: an attacker who controls the download could serve last
//! year's bundle (with a key since rotated away) for ever, or a bundle a
//! careless operator made from a retired key's backup. So the state pins
//! the key on first use (as ssh does), follows the key through rotation
//! statements and remembers the keys left behind, and accepts only a bundle
//! that continues the one it accepted: one more in sequence naming it as
//! previous (or, across missed bundles, listing it among its ancestors).
//! A bundle of a rotated-away key is refused whatever its sequence.

use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::bundle::BundleInfo;
use super::{OnlineError, Verified};
use crate::media::{limits, Dir, MediaError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    pub format: u32,
    /// The primary fingerprint pinned first (on first use or by --trust).
    pub pinned: String,
    /// The key the newest accepted bundle is for: where the next bundle's
    /// rotations must start.
    #[serde(default)]
    pub current: String,
    /// The newest bundle accepted: its sequence, SHA-256 and ceremony.
    pub sequence: u64,
    pub bundle_sha256: String,
    pub ceremony_id: String,
    /// Keys rotated away, never to be accepted again.
    #[serde(default)]
    pub retired: Vec<Retired>,
    /// The named signing roles and two-person scopes of the bundles
    /// accepted: a later bundle that drops one would let one person's
    /// signature pass where two were required, and is refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signing_roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub two_person: Vec<String>,
}

/// A key a followed rotation replaced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retired {
    pub key: String,
    pub replaced_by: String,
    /// When the rotation took effect, and why (from its statement).
    pub effective: String,
    pub reason: String,
}

pub const FORMAT: u32 = 2;

impl State {
    /// Takes the state's lock (`FILE.lock` beside it) for as long as the
    /// returned file is open: two verifiers on one state would otherwise
    /// each accept one side of a fork.
    pub fn lock(path: &Path) -> Result<std::fs::File, OnlineError> {
        if path.as_os_str().as_encoded_bytes().ends_with(b"/") {
            return Err(OnlineError::Usage(format!(
                "--state {}: name a file, not a directory",
                path.display()
            )));
        }
        let mut name = path.as_os_str().to_owned();
        name.push(".lock");
        let lock = std::path::PathBuf::from(name);
        if let Some(parent) = lock.parent() {
            crate::media::safe::create_dirs(parent)?;
        }
        let file = std::fs::File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .mode(0o600)
            .open(&lock)
            .map_err(|e| MediaError::from_io("open", &lock, e))?;
        file.lock()
            .map_err(|e| MediaError::from_io("lock", &lock, e))?;
        Ok(file)
    }

    /// The state at `path`, or none when there is no file yet. A state that
    /// is a link, a pipe or damaged is refused, never overwritten.
    pub fn load(path: &Path) -> Result<Option<State>, OnlineError> {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| OnlineError::Usage(format!("{} is not a file name", path.display())))?;
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let dir = match Dir::open(parent) {
            Ok(d) => d,
            Err(MediaError::Missing { .. }) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let bytes = match dir.read(name, "verifier state", limits::MANIFEST) {
            Ok(Some(b)) => b,
            Ok(None) => return Ok(None),
            Err(e @ (MediaError::NotAFile { .. } | MediaError::TooLarge { .. })) => {
                return Err(OnlineError::refused(format!("the state file: {e}")))
            }
            Err(e) => return Err(e.into()),
        };
        let s: State = serde_json::from_slice(&bytes).map_err(|e| {
            OnlineError::refused(format!(
                "the state file {} is damaged ({e}): restore it from a copy, or pin the key again with --trust in a new state file",
                path.display()
            ))
        })?;
        let hex = |t: &str, n: usize| t.len() == n && t.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex(&s.pinned, 40)
            || !(s.current.is_empty() || hex(&s.current, 40))
            || s.sequence == 0
            || !hex(&s.bundle_sha256, 64)
            || s.retired.iter().any(|r| !hex(&r.key, 40))
        {
            return Err(OnlineError::refused(format!(
                "the state file {} is damaged (a field is not what verify writes): restore it from a copy, or pin the key again with --trust in a new state file",
                path.display()
            )));
        }
        if s.format > FORMAT {
            return Err(OnlineError::refused(format!(
                "the state file {} has format {}, newer than this keyceremony reads ({FORMAT}): update keyceremony",
                path.display(),
                s.format
            )));
        }
        Ok(Some(s))
    }

    /// Where the next bundle's rotations start.
    pub fn current(&self) -> &str {
        if self.current.is_empty() {
            &self.pinned
        } else {
            &self.current
        }
    }

    /// Refuses a bundle for a key this state saw rotated away.
    pub fn refuse_retired(&self, key: &str) -> Result<(), OnlineError> {
        if let Some(r) = self
            .retired
            .iter()
            .find(|r| r.key.eq_ignore_ascii_case(key))
        {
            return Err(OnlineError::refused(format!(
                "the bundle is for key {}, which the rotation effective {} ({}) replaced by {}: a bundle of a rotated-away key is refused whatever its sequence number. It was probably made from the old key's backup; make the next ceremony from the newest backup instead",
                r.key, r.effective, r.reason, r.replaced_by
            )));
        }
        Ok(())
    }

    /// Refuses a bundle that drops a signing role or a two-person scope
    /// the state accepted (see `signing_roles`).
    pub fn check_roles_kept(&self, info: &BundleInfo) -> Result<(), OnlineError> {
        if let Some(r) = self
            .signing_roles
            .iter()
            .find(|r| !info.signing_roles.contains(r))
        {
            return Err(OnlineError::refused(format!(
                "it drops the signing role {r:?} that bundle {} (ceremony {}) had: images would need one person's signature fewer. A key keeps its roles; if dropping it is meant, pin the key again in a new state file",
                self.sequence, self.ceremony_id
            )));
        }
        if let Some(sc) = self
            .two_person
            .iter()
            .find(|sc| !info.two_person.contains(sc))
        {
            return Err(OnlineError::refused(format!(
                "it no longer requires two people's signatures for {sc:?}, as bundle {} (ceremony {}) did: one person's signature would pass there. If that is meant, pin the key again in a new state file",
                self.sequence, self.ceremony_id
            )));
        }
        Ok(())
    }

    /// Refuses a bundle (whose `bundle.json` has SHA-256 `digest`) that
    /// does not continue the accepted one: older (a downgrade), another at
    /// the same place, or a fork.
    pub fn check_continues(&self, info: &BundleInfo, digest: &str) -> Result<(), OnlineError> {
        let (n, accepted) = (self.sequence, &self.bundle_sha256);
        if info.sequence < n {
            return Err(OnlineError::refused(format!(
                "its sequence number {} is lower than {n} (ceremony {}) already accepted: an older bundle served again (a downgrade) is refused",
                info.sequence, self.ceremony_id
            )));
        }
        if info.sequence == n {
            if digest != accepted {
                return Err(OnlineError::refused(format!(
                    "sequence number {n} was already accepted for another bundle (ceremony {}): two bundles cannot hold one place in the key's history",
                    self.ceremony_id
                )));
            }
            return Ok(());
        }
        // The bundle's word for what came at the accepted bundle's place.
        let claimed = if info.sequence == n + 1 {
            info.previous_bundle_sha256.as_ref()
        } else {
            n.checked_sub(1)
                .and_then(|i| info.ancestors.get(i as usize))
        };
        match claimed {
            Some(h) if h == accepted => Ok(()),
            Some(_) => Err(OnlineError::refused(format!(
                "bundle {} does not continue bundle {n} (ceremony {}) accepted before: it continues another bundle at that place, a fork of the key's history (two ceremonies made from one backup?). Find out which is right before trusting either",
                info.sequence, self.ceremony_id
            ))),
            None => Err(OnlineError::refused(format!(
                "bundle {} does not list the bundles before it, so it cannot be shown to continue bundle {n} accepted before: verify the bundles in between in order",
                info.sequence
            ))),
        }
    }

    /// The state after accepting `v`, from `old` (none on first use).
    pub fn after(old: Option<&State>, v: &Verified) -> State {
        let mut retired = old.map(|s| s.retired.clone()).unwrap_or_default();
        for st in v
            .rotations
            .iter()
            .filter(|st| !st.old.eq_ignore_ascii_case(&v.key))
        {
            if !retired.iter().any(|r| r.key.eq_ignore_ascii_case(&st.old)) {
                retired.push(Retired {
                    key: st.old.clone(),
                    replaced_by: st.new.clone(),
                    effective: st.effective.clone(),
                    reason: st.reason.clone(),
                });
            }
        }
        State {
            format: FORMAT,
            pinned: old
                .map(|s| s.pinned.clone())
                .or_else(|| v.pinned_now.clone())
                .unwrap_or_else(|| v.key.clone()),
            current: v.key.clone(),
            sequence: v.sequence,
            bundle_sha256: v.bundle_sha256.clone(),
            ceremony_id: v.ceremony_id.clone(),
            retired,
            signing_roles: v.info.signing_roles.clone(),
            two_person: v.info.two_person.clone(),
        }
    }

    /// Writes the state whole (0600, whatever the umask).
    pub fn save(&self, path: &Path) -> Result<(), OnlineError> {
        let text = format!(
            "{}\n",
            serde_json::to_string_pretty(self).unwrap_or_default()
        );
        crate::media::replace_file(path, text.as_bytes(), 0o600)?;
        Ok(())
    }
}
