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

use super::bundle::{
    cosign_install_path, keyring_install_path, registries_d, role_keyring_file,
    role_keyring_install_path,
};
use super::policy::{self, Change};
use super::{OnlineError, Verified};
use crate::media::{Dir, MediaError};

pub const POLICY_DIR: &str = "etc/containers";
pub const POLICY_NAME: &str = "policy.json";
pub const REGISTRIES_D_DIR: &str = "etc/containers/registries.d";
/// The largest host policy.json read or written (containers' own is
/// under 1 KiB).
pub const POLICY_LIMIT: u64 = 4 << 20;

/// How to install.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Replace a local rule for a declared scope (kept and shown otherwise).
    pub replace_local: bool,
    /// A directory to write the cluster's admission policies into
    /// (crate::online::cluster), beside the node's files.
    pub kubernetes: Option<PathBuf>,
}

/// What `install` changed.
#[derive(Debug, Serialize)]
pub struct Installed {
    pub root: PathBuf,
    /// Files written, as paths below the root.
    pub written: Vec<PathBuf>,
    /// Files of this key (or of keys it replaced) that it no longer needs.
    pub removed: Vec<PathBuf>,
    pub policy: Vec<Change>,
    /// What is left to do by hand (the cluster's old policies).
    pub notes: Vec<String>,
}

impl Installed {
    pub fn lines(&self) -> Vec<String> {
        let mut l: Vec<String> = self
            .written
            .iter()
            .map(|p| format!("Wrote {}", self.root.join(p).display()))
            .collect();
        l.extend(
            self.removed
                .iter()
                .map(|p| format!("Removed {} (no longer needed)", self.root.join(p).display())),
        );
        l.extend(self.policy.iter().map(Change::line));
        if self.policy.is_empty() {
            l.push("policy: the bundle declares no scopes; policy.json left as it was".into());
        }
        l.extend(self.notes.iter().cloned());
        l
    }
}

/// A host file that is not what install may read or replace: refused.
fn hostile(path: &Path, e: MediaError) -> OnlineError {
    match e {
        e @ MediaError::NotAFile { .. } => OnlineError::refused(format!(
            "{e}. install writes only below --root and never through a link; nothing was changed"
        )),
        MediaError::TooLarge { limit, .. } => OnlineError::refused(format!(
            "{} is over {} MiB, larger than install reads: trim it first; nothing was changed",
            path.display(),
            limit >> 20
        )),
        e => host(e),
    }
}

/// One file to write: its directory below the root, name and bytes.
struct Planned {
    dir: &'static str,
    name: String,
    bytes: Vec<u8>,
}

/// The host's I/O failing (not the bundle's fault): exit 4, in words about
/// the host rather than a ceremony's medium.
fn host(e: MediaError) -> OnlineError {
    let words = match &e {
        MediaError::Missing { path } => format!("{} does not exist", path.display()),
        MediaError::NotADirectory { path } => format!("{} is not a directory", path.display()),
        MediaError::NotWritable { path, source } => format!(
            "{} is not writable ({source}): install as root, or remount it read-write",
            path.display()
        ),
        MediaError::Full { path } => {
            format!("no space is left for {}: free space there", path.display())
        }
        _ => e.to_string(),
    };
    OnlineError::Host(words)
}

/// The file name of an install path (`bundle::*_install_path`).
fn name(path: String) -> String {
    path.rsplit_once('/')
        .map(|(_, n)| n.to_owned())
        .unwrap_or(path)
}

/// The files `install` writes for `key`: (directory below the root, name).
fn files_of(key: &str) -> [(&'static str, String); 3] {
    [
        (KEY_DIR, name(keyring_install_path(key))),
        (KEY_DIR, name(cosign_install_path(key))),
        (REGISTRIES_D_DIR, format!("keyceremony-{key}.yaml")),
    ]
}

const KEY_DIR: &str = "etc/pki/containers";

/// Installs what `v` holds below `root`; see the module doc.
pub fn install(v: &Verified, root: &Path, opts: Options) -> Result<Installed, OnlineError> {
    let b = &v.bundle;
    let files = &v.info.files;
    let root_dir = Dir::open(root).map_err(|e| match e {
        MediaError::Missing { .. } | MediaError::NotADirectory { .. } => OnlineError::Usage(format!(
            "--root {} is not a directory: give the root of the system to install into (/ on a node, or a chroot's or an image's root)",
            root.display()
        )),
        e => host(e),
    })?;
    let [(_, keyring_name), (_, cosign_name), (_, yaml_name)] = files_of(&v.key);
    // The cluster's policies are staged first, in their own directory,
    // and put in place only once the node's are: a failure on either side
    // leaves both as they were.
    let cluster_dir = match &opts.kubernetes {
        Some(dir) => Some(Dir::open(dir).map_err(|e| match e {
            MediaError::Missing { .. } | MediaError::NotADirectory { .. } => OnlineError::Usage(format!(
                "--kubernetes {} is not a directory: make it first (the policies go there for kubectl apply -f)",
                dir.display()
            )),
            e => host(e),
        })?),
        None => None,
    };
    let mut cluster_staged = Vec::new();
    // This key's own policies in the directory, when the bundle makes none
    // (its docker scopes dropped, its cosign key gone): taken away, and the
    // cluster told to delete them, or it would go on enforcing them.
    let mut own_stale = false;
    if let Some(dir) = &cluster_dir {
        // As they stand now: past a rotation's transition, the new key alone.
        let at = humantime::parse_rfc3339(&v.at).unwrap_or_else(|_| std::time::SystemTime::now());
        let prefix = super::cluster::policy_name(&v.key);
        let policies = super::verify::cluster_policies(b, v.cosign.is_some(), at)?;
        own_stale = policies.is_none()
            && [
                super::cluster::CLUSTER_IMAGE_POLICY_FILE,
                super::cluster::KYVERNO_POLICY_FILE,
            ]
            .iter()
            .any(|f| {
                dir.path()
                    .join(format!("{prefix}-{f}"))
                    .symlink_metadata()
                    .is_ok()
            });
        if policies.is_none() && !own_stale {
            return Err(OnlineError::Usage(
                "--kubernetes: this bundle has no cosign key or no docker scope, so a cluster has nothing to enforce from it; nothing was changed".into(),
            ));
        }
        for (name, text) in policies.into_iter().flatten() {
            let file = format!("{prefix}-{name}");
            let s = dir
                .stage(&file, text.as_bytes(), 0o644)
                .map_err(|e| match e {
                    e @ MediaError::NotAFile { .. } => hostile(dir.path(), e),
                    e => host(e),
                })?;
            cluster_staged.push(s);
        }
    }
    let mut planned = Vec::new();
    let mut keyring = b.get(&files.keyring)?.to_vec();
    // While a rotation's transition lasts, the old key's signatures stand.
    if let Some(t) = &v.transition {
        keyring.extend_from_slice(b.get(&t.keyring)?);
    }
    planned.push(Planned {
        dir: KEY_DIR,
        name: keyring_name,
        bytes: keyring,
    });
    // Each named signing role's keyring, for the two-person scopes' rules.
    for role in &v.info.signing_roles {
        let mut bytes = b.get(&role_keyring_file(role))?.to_vec();
        // The old key's signatures of this role, while the transition lasts.
        if let Some(t) = &v.transition {
            for (_, file) in t.role_keyrings.iter().filter(|(r, _)| r == role) {
                bytes.extend_from_slice(b.get(file)?);
            }
        }
        planned.push(Planned {
            dir: KEY_DIR,
            name: name(role_keyring_install_path(&v.key, role)),
            bytes,
        });
    }
    let cosign = v.cosign.is_some() && files.cosign.is_some();
    if let (true, Some(name)) = (cosign, &files.cosign) {
        planned.push(Planned {
            dir: KEY_DIR,
            name: cosign_name,
            bytes: b.get(name)?.to_vec(),
        });
    }
    let scopes = v.scopes();
    if let Some(y) = registries_d(&scopes, v.info.lookaside.as_deref(), cosign) {
        planned.push(Planned {
            dir: REGISTRIES_D_DIR,
            name: yaml_name,
            bytes: y.into_bytes(),
        });
    }
    // What this key's earlier installs (and the keys it replaced) wrote that
    // this bundle no longer has: taken away with the rules naming it (two
    // registries.d files for one scope would make containers refuse both).
    let mut keys = vec![v.key.clone()];
    keys.extend(
        v.rotations
            .iter()
            .map(|st| st.old.to_uppercase())
            .filter(|k| !k.eq_ignore_ascii_case(&v.key)),
    );
    // Role keyrings of roles (or keys) no longer in the bundle are found
    // by their names' prefix: the bundle does not name what it dropped.
    let role_keyrings: Vec<(&'static str, String)> =
        match root_dir.open_beneath(Path::new(KEY_DIR), None) {
            Ok(d) => d
                .names(4096)
                .map_err(host)?
                .into_iter()
                .filter(|n| {
                    n.ends_with(".gpg")
                        && keys
                            .iter()
                            .any(|k| n.starts_with(&format!("keyceremony-{k}-role-")))
                })
                .map(|n| (KEY_DIR, n))
                .collect(),
            Err(MediaError::Missing { .. }) => Vec::new(),
            Err(e) => return Err(hostile(root, e)),
        };
    let stale: Vec<(&'static str, String)> = keys
        .iter()
        .flat_map(|k| files_of(k))
        .chain(role_keyrings)
        .filter(|(d, n)| !planned.iter().any(|p| p.dir == *d && p.name == *n))
        .collect();

    // The host's policy, read (never through a link) and merged in memory.
    let path = root.join(POLICY_DIR).join(POLICY_NAME);
    let existing = match root_dir.open_beneath(Path::new(POLICY_DIR), None) {
        Ok(dir) => dir
            .read(POLICY_NAME, "policy.json", POLICY_LIMIT)
            .map_err(|e| hostile(&path, e))?,
        Err(MediaError::Missing { .. }) => None,
        Err(e) => return Err(hostile(root, e)),
    };
    let mut changes = Vec::new();
    if existing.is_some() || !scopes.is_empty() {
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
        let req = v.info.requirements(cosign);
        changes =
            policy::merge(&mut policy, &scopes, &req, &keys, opts.replace_local).map_err(|e| {
                OnlineError::refused(format!(
                    "{}: {e}: fix it first; nothing was changed",
                    path.display()
                ))
            })?;
        if changes.iter().any(Change::changed) {
            let mut text = serde_json::to_string_pretty(&policy).unwrap_or_default();
            if text.len() as u64 >= POLICY_LIMIT {
                text = serde_json::to_string(&policy).unwrap_or_default();
            }
            if text.len() as u64 >= POLICY_LIMIT {
                return Err(OnlineError::refused(format!(
                    "{} would grow past {} MiB: trim its other rules first; nothing was changed",
                    path.display(),
                    POLICY_LIMIT >> 20
                )));
            }
            planned.push(Planned {
                dir: POLICY_DIR,
                name: POLICY_NAME.into(),
                bytes: format!("{text}\n").into_bytes(),
            });
        }
    }

    // Every directory on the way checked before any is made, and any made
    // taken back if what follows fails: a failure leaves nothing behind.
    for p in &planned {
        root_dir
            .probe_beneath(Path::new(p.dir))
            .map_err(|e| hostile(root, e))?;
    }
    let mut made = Vec::new();
    let result = stage_and_commit(&root_dir, root, &planned, &stale, &mut made);
    if result.is_err() {
        for d in made.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
    }
    let (mut written, mut removed) = result?;
    for s in cluster_staged {
        let path = s.commit().map_err(|e| {
            OnlineError::Host(format!(
                "{e}; the node's files are in place, the cluster policies are not: run install again"
            ))
        })?;
        // Not below the root: shown as it is.
        written.push(std::path::absolute(&path).unwrap_or(path));
    }
    // The policies of the keys this one replaced (a rotation of the primary
    // renames them) go from the directory, and the cluster is told to
    // delete them: applied beside the new ones, they would still admit
    // what the old key's cosign key signed, and refuse what the new signs.
    let mut notes = Vec::new();
    if let Some(dir) = &cluster_dir {
        for old in keys
            .iter()
            .filter(|k| own_stale || !k.eq_ignore_ascii_case(&v.key))
        {
            let name = super::cluster::policy_name(old);
            let mut gone = false;
            for file in [
                super::cluster::CLUSTER_IMAGE_POLICY_FILE,
                super::cluster::KYVERNO_POLICY_FILE,
            ] {
                let f = format!("{name}-{file}");
                if dir.remove(&f).map_err(host)? {
                    removed.push(std::path::absolute(dir.path().join(&f)).unwrap_or_default());
                    gone = true;
                }
            }
            if gone && old.eq_ignore_ascii_case(&v.key) {
                notes.push(format!(
                    "this bundle makes no cluster policy (no docker scope, or no cosign key), so the cluster still holds the ones an earlier bundle made: kubectl delete clusterimagepolicy {name}; kubectl delete clusterpolicy {name}"
                ));
            } else if gone {
                notes.push(format!(
                    "the cluster still holds the replaced key's policies: kubectl delete clusterimagepolicy {name}; kubectl delete clusterpolicy {name}"
                ));
            }
        }
    }
    Ok(Installed {
        root: root.to_owned(),
        written,
        removed,
        policy: changes,
        notes,
    })
}

type Done = (Vec<PathBuf>, Vec<PathBuf>);

fn stage_and_commit(
    root_dir: &Dir,
    root: &Path,
    planned: &[Planned],
    stale: &[(&'static str, String)],
    made: &mut Vec<PathBuf>,
) -> Result<Done, OnlineError> {
    let mut dirs: Vec<(&'static str, Dir)> = Vec::new();
    for p in planned {
        if !dirs.iter().any(|(d, _)| *d == p.dir) {
            let d = root_dir
                .open_beneath_noting(Path::new(p.dir), Some(0o755), made)
                .map_err(|e| match e {
                    e @ (MediaError::NotAFile { .. } | MediaError::TooLarge { .. }) => {
                        hostile(root, e)
                    }
                    e => host(e),
                })?;
            // What an install stopped by a signal or a crash left staged.
            for n in d.names(4096).map_err(host)? {
                if (n.starts_with(".keyceremony-") || n.starts_with(".policy.json."))
                    && n.ends_with(".keyceremony-new")
                {
                    d.remove(&n).map_err(host)?;
                }
            }
            dirs.push((p.dir, d));
        }
    }
    let dir_of = |name: &str| {
        dirs.iter()
            .find(|(d, _)| *d == name)
            .map(|(_, d)| d)
            .ok_or_else(|| OnlineError::Usage(format!("{name} was not opened")))
    };
    let mut staged = Vec::new();
    for p in planned {
        let dir = dir_of(p.dir)?;
        let s = dir.stage(&p.name, &p.bytes, 0o644).map_err(|e| match e {
            e @ MediaError::NotAFile { .. } => hostile(dir.path(), e),
            e => host(e),
        })?;
        staged.push((Path::new(p.dir).join(&p.name), s));
    }
    // Commit. The policy first: a policy.json that cannot be replaced (a
    // file bind-mounted there) then stops the install with nothing changed;
    // the keys it names follow at once.
    staged.sort_by_key(|(rel, _)| !rel.ends_with(POLICY_NAME));
    let mut written = Vec::new();
    for (rel, s) in staged {
        s.commit().map_err(|e| {
            let done = if written.is_empty() {
                "nothing was changed".to_owned()
            } else {
                format!(
                    "already replaced: {}",
                    written
                        .iter()
                        .map(|p: &PathBuf| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            OnlineError::Host(format!(
                "{e} (a mount point, or a read-only file system?); {done}"
            ))
        })?;
        written.push(rel);
    }
    let mut removed = Vec::new();
    for (d, name) in stale {
        let Ok(dir) = root_dir.open_beneath(Path::new(d), None) else {
            continue;
        };
        if dir.remove(name).map_err(host)? {
            dir.sync().map_err(host)?;
            removed.push(Path::new(d).join(name));
        }
    }
    Ok((written, removed))
}
