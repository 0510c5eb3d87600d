//! The one read of a bundle: every file the checks and `install` use,
//! read once into memory from an open directory.
//!
//! A bundle's directory may be writable by someone else while we read it
//! (a download directory, a shared runner). If a file were read once to be
//! checked and again to be installed, a writer swapping it between the two
//! reads would get an unchecked file installed. So only these bytes exist
//! for the rest of the online side. Names come from the fixed layout
//! (`bundle.json`, `MANIFEST`, `MANIFEST.asc`) and from MANIFEST, never
//! from a path in `bundle.json`; each is a regular file opened without
//! following a symlink or blocking on a FIFO, bounded alone and in total,
//! and hashed once against its MANIFEST line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::bundle::{BundleInfo, BUNDLE_FILE, FORMAT, MANIFEST_SIG};
use super::OnlineError;
use crate::media::{limits, read_listed, sha256_hex, Dir, MediaError, MANIFEST};
use crate::transcript::TRANSCRIPT;

/// At most this many files in a bundle (a ceremony writes a few dozen;
/// each rotation adds nine).
pub const MAX_FILES: usize = 512;

/// A bundle as read: its files' bytes, each matching its MANIFEST line.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub dir: PathBuf,
    pub info: BundleInfo,
    /// SHA-256 of `bundle.json`: what the next bundle names as its previous.
    pub sha256: String,
    pub manifest: Vec<u8>,
    pub manifest_sig: Vec<u8>,
    files: BTreeMap<String, Vec<u8>>,
}

fn refused(dir: &Path, why: impl std::fmt::Display) -> OnlineError {
    OnlineError::refused(format!(
        "bundle {}: {why}",
        crate::text::printable(&dir.display().to_string())
    ))
}

/// Files of a bundle that no `file.written` records: the transcript and
/// its signature, the MANIFEST and its (a witnesses' round lists its own).
const UNRECORDED: [&str; 4] = [TRANSCRIPT, "transcript.jsonl.asc", MANIFEST, MANIFEST_SIG];

impl Bundle {
    /// Checks that every file of the bundle (but those `UNRECORDED` and
    /// those in `skip`) is one `entries` record writing into the ceremony's
    /// export directory, with its SHA-256; `why` says what it means when
    /// one is not. The transcript is the primary's word: this binds every
    /// file to it, where the MANIFEST binds them to a signing subkey, which
    /// one person's card holds.
    pub fn check_recorded(
        &self,
        entries: &[crate::transcript::Entry],
        skip: &std::collections::HashSet<&str>,
        why: impl Fn(&str) -> String,
    ) -> Result<(), OnlineError> {
        let name = &self.info.files.transcript;
        let export_dir = entries
            .iter()
            .find(|l| l.event == crate::transcript::EventKind::Preflight.name())
            .and_then(|l| l.data.get("export_medium").and_then(|m| m.as_str()))
            .map(|m| Path::new(m).join(&self.info.ceremony_id))
            .ok_or_else(|| {
                self.refused(format!(
                    "{name} records no export medium: the files the ceremony wrote cannot be told"
                ))
            })?;
        let mut recorded = std::collections::HashMap::new();
        for l in entries {
            if l.event != crate::transcript::EventKind::FileWritten.name() {
                continue;
            }
            let d = &l.data;
            let path = Path::new(d.get("path").and_then(|p| p.as_str()).unwrap_or_default());
            if let (true, Some(file), Some(sha)) = (
                path.parent() == Some(export_dir.as_path()),
                path.file_name(),
                d.get("sha256").and_then(|h| h.as_str()),
            ) {
                recorded.insert(file.to_string_lossy().into_owned(), sha.to_owned());
            }
        }
        for file in self
            .names()
            .filter(|n| !UNRECORDED.contains(n) && !skip.contains(*n))
        {
            if recorded.get(file) != Some(&sha256_hex(self.get(file)?)) {
                return Err(self.refused(why(file)));
            }
        }
        Ok(())
    }

    /// Reads the bundle in `dir`; see the module doc.
    pub fn read(dir: &Path) -> Result<Bundle, OnlineError> {
        let d =
            match Dir::open(dir) {
                Ok(d) => d,
                Err(MediaError::Missing { .. }) => return Err(refused(
                    dir,
                    "there is no such directory: give a ceremony directory of the export medium",
                )),
                Err(MediaError::NotADirectory { .. }) => {
                    return Err(refused(
                        dir,
                        "it is not a directory: give a ceremony directory of the export medium",
                    ))
                }
                Err(e) => return Err(e.into()),
            };
        // What a ceremony that stopped left is no bundle, under any name.
        if crate::media::is_failed_dir(dir) {
            return Err(refused(
                dir,
                format!(
                    "it is what a ceremony that stopped left (named FAILED-, or holding {}, which says why): it is no bundle; the ceremony must be run again",
                    crate::media::FAILED_MARKER
                ),
            ));
        }
        let read = |name: &str, what: &'static str, limit: u64| -> Result<Vec<u8>, OnlineError> {
            match d.read(name, what, limit) {
                Ok(Some(b)) => Ok(b),
                Ok(None) => Err(refused(
                    dir,
                    format!(
                        "it has no {name}: it is not a whole bundle (a ceremony that did not complete, or a copy cut short); copy the ceremony directory again from the export medium"
                    ),
                )),
                // Whatever a bundle file does to a read is the bundle's
                // fault: refused, in words escaped for the terminal.
                Err(e) => Err(refused(dir, e)),
            }
        };
        let manifest = read(MANIFEST, "MANIFEST", limits::MANIFEST)?;
        let manifest_sig = read(MANIFEST_SIG, "signature", limits::MANIFEST)?;
        let text = std::str::from_utf8(&manifest)
            .map_err(|_| refused(dir, format!("{MANIFEST} is not text")))?;
        let lines = text.lines().count();
        if lines > MAX_FILES {
            return Err(refused(
                dir,
                format!("{MANIFEST} lists {lines} files, more than any bundle has ({MAX_FILES})"),
            ));
        }
        // What MANIFEST lists, read once: the transcript may be long, any
        // other file is a key's size at most.
        let limit = |name: &str| {
            if name == TRANSCRIPT {
                limits::TRANSCRIPT
            } else {
                limits::KEY
            }
        };
        let files = read_listed(&d, text, limit).map_err(|e| refused(dir, e))?;
        if let Some(name) = [MANIFEST, MANIFEST_SIG]
            .into_iter()
            .find(|n| files.contains_key(*n))
        {
            return Err(refused(dir, format!("{MANIFEST} lists {name}")));
        }
        // Nothing beside what MANIFEST lists: a file added to a bundle
        // (a revoked key's cosign.pub with its own genuine statement) is
        // never installed, but a script reading the directory would take
        // it, and gpg or sha256sum -c would not say.
        let names = d.names(MAX_FILES + 3).map_err(|e| refused(dir, e))?;
        if let Some(extra) = names
            .iter()
            .find(|n| !files.contains_key(n.as_str()) && *n != MANIFEST && *n != MANIFEST_SIG)
        {
            return Err(refused(
                dir,
                format!(
                    "it holds {}, which {MANIFEST} does not list: it was added after the ceremony (by a person, or a file manager: macOS Finder writes .DS_Store and ._ files onto sticks). Remove it, or copy the ceremony directory again from the export medium",
                    crate::text::quoted(extra)
                ),
            ));
        }
        let bytes = files.get(BUNDLE_FILE).ok_or_else(|| {
            refused(
                dir,
                format!("{MANIFEST} does not list {BUNDLE_FILE}: it is not an export bundle"),
            )
        })?;
        let info: BundleInfo = serde_json::from_slice(bytes).map_err(|e| {
            refused(
                dir,
                format!("{BUNDLE_FILE} is not a bundle description: {e}"),
            )
        })?;
        if info.format != FORMAT {
            return Err(refused(
                dir,
                format!(
                    "format {} is not one this keyceremony reads ({FORMAT}): update keyceremony",
                    info.format
                ),
            ));
        }
        let sha256 = sha256_hex(bytes);
        let b = Bundle {
            dir: dir.to_owned(),
            info,
            sha256,
            manifest,
            manifest_sig,
            files,
        };
        b.check_info()?;
        Ok(b)
    }

    /// The bytes of `name`, which MANIFEST must list.
    pub fn get(&self, name: &str) -> Result<&[u8], OnlineError> {
        self.files
            .get(name)
            .map(Vec::as_slice)
            .ok_or_else(|| self.refused(format!("{MANIFEST} does not list {:?}", short(name))))
    }

    pub fn has(&self, name: &str) -> bool {
        self.files.contains_key(name)
    }

    /// The names of the files MANIFEST lists (and this bundle holds).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    pub fn refused(&self, why: impl std::fmt::Display) -> OnlineError {
        refused(&self.dir, why)
    }

    /// `bundle.json`'s own fields are what a ceremony writes: a fingerprint,
    /// a ceremony name, times, names of listed files.
    fn check_info(&self) -> Result<(), OnlineError> {
        let i = &self.info;
        let hex40 = |s: &str| s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex40(&i.key) {
            return Err(self.refused(format!(
                "{BUNDLE_FILE}: key {:?} is not a fingerprint",
                short(&i.key)
            )));
        }
        if i.sequence == 0 {
            return Err(self.refused(format!(
                "{BUNDLE_FILE}: sequence 0: a key's first bundle is 1"
            )));
        }
        let word = |s: &str| {
            !s.is_empty()
                && s.len() <= 64
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if !word(&i.ceremony_id) || !word(&i.flow) {
            return Err(self.refused(format!(
                "{BUNDLE_FILE}: ceremony {:?} ({:?}) is not a ceremony's name",
                short(&i.ceremony_id),
                short(&i.flow)
            )));
        }
        for (field, t) in [("created", &i.created), ("valid_until", &i.valid_until)] {
            humantime::parse_rfc3339(t)
                .map_err(|e| self.refused(format!("{BUNDLE_FILE}: {field} {:?}: {e}", short(t))))?;
        }
        let sha = |s: &str| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
        let hashes = i.previous_bundle_sha256.iter().chain(&i.ancestors);
        if let Some(h) = hashes.into_iter().find(|h| !sha(h)) {
            return Err(self.refused(format!("{BUNDLE_FILE}: {:?} is not a SHA-256", short(h))));
        }
        if !i.ancestors.is_empty()
            && (i.ancestors.len() as u64 + 1 != i.sequence
                || i.ancestors.last() != i.previous_bundle_sha256.as_ref())
        {
            return Err(self.refused(format!(
                "{BUNDLE_FILE}: its list of earlier bundles does not end with the previous one"
            )));
        }
        if (i.sequence == 1) != i.previous_bundle_sha256.is_none() {
            return Err(self.refused(format!(
                "{BUNDLE_FILE}: sequence {} with{} a previous bundle",
                i.sequence,
                if i.previous_bundle_sha256.is_some() {
                    ""
                } else {
                    "out"
                }
            )));
        }
        for s in &i.scopes {
            super::bundle::Scope::parse(s).map_err(|e| {
                self.refused(format!(
                    "{BUNDLE_FILE}: scope {:?}: {}",
                    short(s),
                    short(&e)
                ))
            })?;
        }
        if let Some(l) = &i.lookaside {
            super::bundle::check_lookaside(l).map_err(|e| {
                self.refused(format!("{BUNDLE_FILE}: lookaside {:?}: {e}", short(l)))
            })?;
        }
        let f = &i.files;
        let named = [&f.cert, &f.keyring, &f.transcript]
            .into_iter()
            .chain(&f.policy)
            .chain(&f.registries_d)
            .chain(&f.rotations)
            .chain(&f.revocations)
            .chain(&f.cosign);
        for name in named {
            self.get(name)?;
        }
        Ok(())
    }
}

/// A value from a bundle, cut to a length that fits a message.
fn short(s: &str) -> String {
    match s.char_indices().nth(80) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_without_a_manifest_is_refused_in_the_online_side_words() {
        let t = tempfile::tempdir().unwrap();
        let e = Bundle::read(t.path()).unwrap_err();
        assert!(matches!(e, OnlineError::Refused(_)), "{e}");
        assert!(e.to_string().contains("no MANIFEST"), "{e}");
        let e = Bundle::read(&t.path().join("gone")).unwrap_err();
        assert!(e.to_string().contains("no such directory"), "{e}");
    }
}
