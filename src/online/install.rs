//! `install`: after `verify`, the bundle's keyring, cosign key, policy and
//! registries.d entry where the tools read them, below a root (`/` on a
//! node; a chroot or an image's root otherwise), as one transaction.
//!
//! Other users may be able to write in the host's directories, and a root
//! may hold symlinks meant to lead our writes elsewhere. So the
//! directories are entered from the root a component at a time and a
//! symlinked one is refused; every file is first staged beside its place
//! under an unpredictable name with an explicit mode (0644, directories
//! 0755, whatever the umask) and synced, and only when every one is staged
//! are they renamed into place (a symlink where a file goes is replaced,
//! never written through). A failure before that leaves nothing changed
//! under the root, and the caller advances the state only after.
//!
//! The bytes written are those `verify` checked (`Verified::bundle`);
//! `keyPath` names the files as the installed system sees them, without
//! the root's prefix.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{json, Value};

use super::bundle::{cosign_install_path, keyring_install_path, registries_d};
use super::policy::{self, Change};
use super::{OnlineError, Verified};
use crate::media::{Dir, MediaError};

pub const POLICY_DIR: &str = "etc/containers";
pub const POLICY_NAME: &str = "policy.json";
pub const REGISTRIES_D_DIR: &str = "etc/containers/registries.d";
/// The largest host policy.json read (containers' own is under 1 KiB).
pub const POLICY_LIMIT: u64 = 1 << 20;

/// How to install.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Replace a local rule for a declared scope (kept and shown otherwise).
    pub replace_local: bool,
}

/// What `install` changed.
#[derive(Debug, Serialize)]
pub struct Installed {
    pub root: PathBuf,
    /// Files written, as paths below the root.
    pub written: Vec<PathBuf>,
    pub policy: Vec<Change>,
}

impl Installed {
    pub fn lines(&self) -> Vec<String> {
        let mut l: Vec<String> = self
            .written
            .iter()
            .map(|p| format!("Wrote {}", self.root.join(p).display()))
            .collect();
        l.extend(self.policy.iter().map(Change::line));
        l
    }
}

fn hostile(path: &Path, e: MediaError) -> OnlineError {
    match e {
        e @ MediaError::NotAFile { .. } => OnlineError::refused(format!(
            "{e}. install writes only below --root and never through a link; nothing was changed"
        )),
        e @ MediaError::TooLarge { .. } => {
            OnlineError::refused(format!("{e}; nothing was changed"))
        }
        e => {
            let _ = path;
            e.into()
        }
    }
}

/// One file to write: its directory below the root, name and bytes.
struct Planned {
    dir: &'static str,
    name: String,
    bytes: Vec<u8>,
}

/// Installs what `v` holds below `root`; see the module doc.
pub fn install(v: &Verified, root: &Path, opts: Options) -> Result<Installed, OnlineError> {
    let b = &v.bundle;
    let files = &v.info.files;
    let root_dir = Dir::open(root).map_err(|e| match e {
        MediaError::Missing { .. } | MediaError::NotADirectory { .. } => OnlineError::Usage(format!(
            "--root {} is not a directory: give the root of the system to install into (/ on a node, or a chroot's or an image's root)",
            root.display()
        )),
        e => e.into(),
    })?;
    let rel_name = |p: String| -> (String, String) {
        let (d, n) = p.rsplit_once('/').unwrap_or(("", &p));
        (d.to_owned(), n.to_owned())
    };
    let mut planned = Vec::new();
    let (_, keyring_name) = rel_name(keyring_install_path(&v.key));
    let mut keyring = b.get(&files.keyring)?.to_vec();
    // While a rotation's transition lasts, the old key's signatures stand.
    if let Some(t) = &v.transition {
        keyring.extend_from_slice(b.get(&t.keyring)?);
    }
    planned.push(Planned {
        dir: "etc/pki/containers",
        name: keyring_name,
        bytes: keyring,
    });
    let cosign = v.cosign.is_some() && files.cosign.is_some();
    if let (true, Some(name)) = (cosign, &files.cosign) {
        let (_, n) = rel_name(cosign_install_path(&v.key));
        planned.push(Planned {
            dir: "etc/pki/containers",
            name: n,
            bytes: b.get(name)?.to_vec(),
        });
    }
    let scopes = v.scopes();
    if let Some(y) = registries_d(&scopes, v.info.lookaside.as_deref(), cosign) {
        planned.push(Planned {
            dir: REGISTRIES_D_DIR,
            name: format!("keyceremony-{}.yaml", v.key),
            bytes: y.into_bytes(),
        });
    }

    // The host's policy, read (never through a link) and merged in memory.
    let mut changes = Vec::new();
    if !scopes.is_empty() {
        let path = root.join(POLICY_DIR).join(POLICY_NAME);
        let existing = match root_dir.open_beneath(Path::new(POLICY_DIR), None) {
            Ok(dir) => dir
                .read(POLICY_NAME, "policy.json", POLICY_LIMIT)
                .map_err(|e| hostile(&path, e))?,
            Err(MediaError::Missing { .. }) => None,
            Err(e) => return Err(hostile(root, e)),
        };
        let mut policy: Value = match existing {
            Some(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                OnlineError::refused(format!(
                    "{} is not JSON ({e}): fix it first; nothing was changed",
                    path.display()
                ))
            })?,
            // No policy yet: only what the declared scopes allow, nothing
            // else (containers' own default accepts anything).
            None => json!({ "default": [{ "type": "reject" }] }),
        };
        let mut keys = vec![v.key.clone()];
        keys.extend(v.rotations.iter().map(|st| st.old.clone()));
        changes = policy::merge(
            &mut policy,
            &scopes,
            &v.key,
            cosign,
            &keys,
            opts.replace_local,
        )
        .map_err(|e| {
            OnlineError::refused(format!(
                "{}: {e}: fix it first; nothing was changed",
                path.display()
            ))
        })?;
        if changes.iter().any(Change::changed) {
            let text = serde_json::to_string_pretty(&policy).unwrap_or_default();
            planned.push(Planned {
                dir: POLICY_DIR,
                name: POLICY_NAME.into(),
                bytes: format!("{text}\n").into_bytes(),
            });
        }
    }

    // Every directory on the way checked before any is made: a failure
    // leaves not even an empty directory behind.
    for p in &planned {
        root_dir
            .probe_beneath(Path::new(p.dir))
            .map_err(|e| hostile(root, e))?;
    }
    // Stage everything; any failure here drops the staged files.
    let mut dirs: Vec<(&'static str, Dir)> = Vec::new();
    for p in &planned {
        if !dirs.iter().any(|(d, _)| *d == p.dir) {
            let d = root_dir
                .open_beneath(Path::new(p.dir), Some(0o755))
                .map_err(|e| hostile(root, e))?;
            dirs.push((p.dir, d));
        }
    }
    let mut staged = Vec::new();
    for p in &planned {
        let dir = dirs
            .iter()
            .find(|(d, _)| *d == p.dir)
            .map(|(_, d)| d)
            .ok_or_else(|| OnlineError::Usage("a directory was not opened".into()))?;
        let s = dir
            .stage(&p.name, &p.bytes, 0o644)
            .map_err(|e| hostile(dir.path(), e))?;
        staged.push((Path::new(p.dir).join(&p.name), s));
    }
    // Commit: the keys first, the policy that names them last.
    let mut written = Vec::new();
    for (rel, s) in staged {
        s.commit()?;
        written.push(rel);
    }
    Ok(Installed {
        root: root.to_owned(),
        written,
        policy: changes,
    })
}
