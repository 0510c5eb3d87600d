//! Removable media: checking them, writing to them so that nothing is half-written,
//! and proving by reading back that what is on them is what was meant.
//!
//! A stick pulled out or filled up mid-write must leave either the whole file
//! or no file, never a truncated one that looks like a backup. So every file
//! is written to a temporary name in the same directory, synced, renamed into
//! place without replacing anything (`renameat2(RENAME_NOREPLACE)` through
//! `tempfile`), the directory synced, and then read back and hashed.
//!
//! Each ceremony writes into a bundle directory of its own on each medium,
//! closed by a `MANIFEST` in `sha256sum` format so that `sha256sum -c MANIFEST`
//! checks it with no keyceremony at hand.

mod atomic;
mod handover;
mod in_use;
pub mod interrupt;
mod manifest;
pub mod removable;
pub mod safe;

use std::io;
use std::path::{Path, PathBuf};

pub use atomic::{sha256_hex, write_new_file, FileMode};
pub use handover::{deliver, record_inherited_descriptors, Handover};
pub use manifest::{
    check_manifest, check_manifest_read, manifest_text, parse_manifest, read_listed, MANIFEST,
    MANIFEST_SIG,
};
pub use safe::{replace_file, Dir, Staged};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    #[error("medium {path} is not there: mount it, or fix the path in the plan")]
    Missing { path: PathBuf },
    #[error("{path} is not a directory: name the mount point of the medium")]
    NotADirectory { path: PathBuf },
    #[error(
        "medium {path} is not writable ({source}): remount it read-write, or use another medium"
    )]
    NotWritable { path: PathBuf, source: io::Error },
    #[error("medium holding {path} is full: free space on it or use a larger medium; nothing partial was left")]
    Full { path: PathBuf },
    #[error(
        "{path} already exists: keyceremony never overwrites; move it away or choose another place"
    )]
    Exists { path: PathBuf },
    #[error("{path} read back differently from what was written (expected SHA-256 {expected}, found {found}): the medium is failing; use another")]
    ReadBack {
        path: PathBuf,
        expected: String,
        found: String,
    },
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error("{path}: {problem}")]
    Manifest { path: PathBuf, problem: String },
    #[error("{path} does not read back as the {what} written: the medium is failing; use another")]
    Unreadable { path: PathBuf, what: &'static str },
    #[error("no stick labelled {label:?} is plugged in (labels seen: {present}): plug it in, or check its label with `keyceremony media list`")]
    NoSuchStick { label: String, present: String },
    #[error("stick {label:?}: {reason}")]
    Mount { label: String, reason: String },
    #[error("medium {path} has {free} bytes free; a ceremony needs at least {need}: free space on it or use another medium")]
    TooLittleSpace { path: PathBuf, free: u64, need: u64 },
    #[error("medium {path} can take {free} more files; a ceremony needs room for {need}: free some on it or use another medium")]
    TooFewFiles { path: PathBuf, free: u64, need: u64 },
    #[error("{path} is on this machine's own disk or memory (the file system of /, /run, /tmp or the like), not on a stick: in the live image that is RAM, gone at power-off. Plug the stick in and mount it there (`keyceremony media mount LABEL`; an empty mount point left after an unmount looks like this), or pick the medium again. A rehearsal with plain directories may set media.allow_same_device = true, which the transcript records")]
    OnRootDisk { path: PathBuf },
    #[error("{path} is in use by another keyceremony running now (it keeps a .keyceremony-in-use- file there open): let that one finish or stop it first; a stick serves one ceremony at a time")]
    InUse { path: PathBuf },
    #[error("the medium at {path} is not the one this ceremony started on (unmounted, remounted or another device there): nothing more was written to it. Mount that stick again and run the ceremony again")]
    NotTheSameMedium { path: PathBuf },
    #[error("{what} {path} is on the same device as the backup {backup}: it must travel apart from the backups (one stick lost or stolen would hold the key and what opens it, or carry a backup online). Use another stick (a rehearsal may set media.allow_same_device = true, which the transcript records)")]
    WithBackup {
        what: &'static str,
        path: PathBuf,
        backup: PathBuf,
    },
    #[error("{a_what} {a} and {b_what} {b} are one directory, or one inside the other, under two names (a link or a bind mount): what goes to one is on the other. Name a stick of its own for each")]
    OneDirectory {
        a_what: &'static str,
        a: PathBuf,
        b_what: &'static str,
        b: PathBuf,
    },
    #[error("the share sheets' medium {shares} is on the same device as the export medium {export}: the export goes online, and shares of the passphrase never may. Use another stick for the sheets (a rehearsal may set media.allow_same_device = true, which the transcript records)")]
    SharesWithExport { shares: PathBuf, export: PathBuf },
    #[error("backup media {a} and {b} are on the same device: two backups on one stick are one backup. Use separate sticks (a rehearsal may set media.allow_same_device = true, which the transcript records)")]
    SameDevice { a: PathBuf, b: PathBuf },
    #[error("stopped by {signal} before writing {path}, at a safe point (every file written so far is whole)")]
    Interrupted { signal: &'static str, path: PathBuf },
    #[error("there is no file {path}: check its name, and that the stick holding it is mounted")]
    NoFile { path: PathBuf },
    #[error("{dir} has no {name}: it is not a whole ceremony directory")]
    NoSuchFile { dir: PathBuf, name: String },
    #[error("{path} is {found}, not {wanted}: keyceremony does not follow links or read pipes and devices; put {wanted} there, or name the right one")]
    NotAFile {
        path: PathBuf,
        found: &'static str,
        wanted: &'static str,
    },
    #[error("{path} is larger than any {what} keyceremony writes (over {limit} bytes): it is not one, or it is damaged; name the right file")]
    TooLarge {
        path: PathBuf,
        what: &'static str,
        limit: u64,
    },
}

/// The most each kind of file the tool reads may hold: every input is
/// bounded before it is parsed (docs/formats.md lists them).
pub mod limits {
    /// A secret key or cert: RSA 4096 with three subkeys and a few long
    /// user IDs is about 20 KiB armored.
    pub const KEY: u64 = 1 << 20;
    /// `shares.json`: a few short fields.
    pub const SET_INFO: u64 = 4 << 10;
    /// A share sheet (or its age-encrypted copy): 30 words and a header.
    pub const SHARE: u64 = 64 << 10;
    /// A MANIFEST or a detached signature.
    pub const MANIFEST: u64 = 64 << 10;
    /// A plan.
    pub const PLAN: u64 = 256 << 10;
    /// A token PIN read from a file or descriptor (its first line is used).
    pub const PIN: u64 = 1 << 10;
    /// cosign's encrypted key file: a P-256 key, about 700 bytes.
    pub const COSIGN_KEY: u64 = 16 << 10;
    /// cosign.crt: a CA-issued certificate and its chain, a few KiB.
    pub const COSIGN_CERT: u64 = 64 << 10;
    /// cosign.pub: a PEM P-256 public key, about 180 bytes.
    pub const COSIGN_PUB: u64 = 4 << 10;
    /// A transcript: a ceremony writes a few hundred lines.
    pub const TRANSCRIPT: u64 = 16 << 20;
}

/// Reads `path` whole if it holds at most `limit` bytes: a hostile or wrong
/// file (a disk image named as a share) is refused before it is parsed. A
/// FIFO, device, socket or directory is refused without blocking on it,
/// except a descriptor handed over by name (`/dev/fd/N`, `fd:N`).
pub fn read_bounded(path: &Path, what: &'static str, limit: u64) -> Result<Vec<u8>, MediaError> {
    use std::io::Read;
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let file = std::fs::File::options()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => MediaError::NoFile {
                path: path.to_owned(),
            },
            _ => MediaError::from_io("read", path, e),
        })?;
    let t = file
        .metadata()
        .map_err(|e| MediaError::from_io("read", path, e))?
        .file_type();
    let handed_over = (path.starts_with("/dev/fd") || path.starts_with("/proc/self/fd"))
        && !path
            .components()
            .any(|c| c == std::path::Component::ParentDir);
    let found = if t.is_dir() {
        Some("a directory")
    } else if t.is_fifo() || t.is_socket() {
        (!handed_over).then_some("a FIFO (named pipe) or socket")
    } else if t.is_char_device() || t.is_block_device() {
        (!handed_over).then_some("a device")
    } else {
        None
    };
    if let Some(found) = found {
        return Err(MediaError::NotAFile {
            path: path.to_owned(),
            found,
            wanted: "a file",
        });
    }
    // What is read (a file, or a descriptor handed over) may block now.
    rustix::fs::fcntl_setfl(&file, rustix::fs::OFlags::empty())
        .map_err(|e| MediaError::from_io("read", path, e.into()))?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| MediaError::from_io("read", path, e))?;
    if bytes.len() as u64 > limit {
        return Err(MediaError::TooLarge {
            path: path.to_owned(),
            what,
            limit,
        });
    }
    Ok(bytes)
}

impl MediaError {
    /// Maps an I/O error to the message an operator can act on.
    pub(crate) fn from_io(action: &'static str, path: &Path, source: io::Error) -> MediaError {
        let path = path.to_owned();
        match source.kind() {
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => MediaError::Full { path },
            io::ErrorKind::AlreadyExists => MediaError::Exists { path },
            io::ErrorKind::ReadOnlyFilesystem | io::ErrorKind::PermissionDenied => {
                MediaError::NotWritable { path, source }
            }
            io::ErrorKind::NotFound => MediaError::Missing { path },
            _ => MediaError::Io {
                action,
                path,
                source,
            },
        }
    }
}

/// Reads the file `name` of the ceremony directory `dir` (a medium's, which
/// someone else had in their hands): a regular file only, no link followed,
/// never blocking, bounded.
pub fn read_in(
    dir: &Path,
    name: &str,
    what: &'static str,
    limit: u64,
) -> Result<Vec<u8>, MediaError> {
    Dir::open(dir)?
        .read(name, what, limit)?
        .ok_or_else(|| MediaError::NoSuchFile {
            dir: dir.to_owned(),
            name: name.to_owned(),
        })
}

/// Where desktop automounters and operators mount sticks.
const MOUNT_ROOTS: [&str; 3] = ["/media/", "/run/media/", "/mnt/"];

/// Mount points of likely removable media, from a `/proc/self/mounts` text:
/// what the operator picks backup, export and share media from.
pub fn mounted_media(mounts: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = mounts
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        // /proc/self/mounts escapes spaces in paths as \040.
        .map(|p| p.replace("\\040", " "))
        .filter(|p| MOUNT_ROOTS.iter().any(|r| p.starts_with(r)))
        .map(PathBuf::from)
        .collect();
    found.sort();
    found.dedup();
    found
}

/// What a picker shows of a mounted medium, without writing to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mounted {
    pub path: PathBuf,
    /// The stick's label, if it has one.
    pub label: Option<String>,
    pub free: u64,
    pub total: u64,
    pub device: u64,
}

/// Looks at `path` (a mount point): its size, free space and device; none
/// when it cannot be read.
/// None for what no ceremony could write to: a read-only file system, or
/// one smaller than a medium's minimum free space (a 4 kB pseudo file
/// system is no stick).
pub fn describe(path: &Path, label: Option<String>) -> Option<Mounted> {
    let meta = std::fs::metadata(path).ok()?;
    let v = rustix::fs::statvfs(path).ok()?;
    if v.f_flag.contains(rustix::fs::StatVfsMountFlags::RDONLY)
        || v.f_blocks.saturating_mul(v.f_frsize) < MIN_FREE
    {
        return None;
    }
    Some(Mounted {
        path: path.to_owned(),
        label,
        free: v.f_bavail.saturating_mul(v.f_frsize),
        total: v.f_blocks.saturating_mul(v.f_frsize),
        device: std::os::unix::fs::MetadataExt::dev(&meta),
    })
}

/// A size as people read it: 1.9 GB, 512 MB, 40 kB.
pub fn human_size(bytes: u64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1000.0 && u < units.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 || v >= 10.0 {
        format!("{v:.0} {}", units[u])
    } else {
        format!("{v:.1} {}", units[u])
    }
}

/// A medium that was checked to be a writable directory.
#[derive(Debug, Clone)]
pub struct Medium {
    root: PathBuf,
    /// `root` with every link resolved: two names of one directory compare equal.
    real: PathBuf,
    device: u64,
    free: u64,
    /// A file of a random name the check made on the medium and keeps open
    /// while the medium is in use: the medium is the one checked as long as
    /// that name still leads to that file. A stick swapped for another (even
    /// one the kernel gives the same device number, with a directory of the
    /// same name made on it) does not have it; and while it is open, the
    /// medium cannot be unmounted by mistake (only forced, lazily).
    probe: std::sync::Arc<in_use::InUse>,
}

/// The least free space a medium must have to be used at all: this catches
/// a full stick before anything is written. (A nearly full one can still
/// run out half-way; every write is atomic, so it leaves no partial file.)
/// The space every medium must have free before a ceremony starts: what the
/// largest flow writes to one medium (a rotation's backup with a cosign key
/// and the rotation files, about 200 KiB; five share sheets with their QR
/// codes, about 130 KiB), with a margin for the file system's blocks. A
/// medium that passes this never fills up part way.
pub const MIN_FREE: u64 = 1 << 20;

/// The files (inodes) every medium must have free: the largest flow writes
/// a few dozen to one medium.
pub const MIN_FILES: u64 = 256;

impl Medium {
    /// Checks that `root` is there, is a directory, and takes a file.
    pub fn check(root: &Path) -> Result<Medium, MediaError> {
        let meta = std::fs::metadata(root).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => MediaError::Missing {
                path: root.to_owned(),
            },
            _ => MediaError::from_io("inspect", root, e),
        })?;
        if !meta.is_dir() {
            return Err(MediaError::NotADirectory {
                path: root.to_owned(),
            });
        }
        let device = std::os::unix::fs::MetadataExt::dev(&meta);
        let vfs = rustix::fs::statvfs(root)
            .map_err(|e| MediaError::from_io("inspect", root, e.into()))?;
        let free = vfs.f_bavail.saturating_mul(vfs.f_frsize);
        // Files need inodes as well as bytes (a file system that reports
        // none, as FAT does, reports 0 files in all: no limit known).
        if vfs.f_files > 0 && vfs.f_favail < MIN_FILES {
            return Err(MediaError::TooFewFiles {
                path: root.to_owned(),
                free: vfs.f_favail,
                need: MIN_FILES,
            });
        }
        if free < MIN_FREE {
            return Err(MediaError::TooLittleSpace {
                path: root.to_owned(),
                free,
                need: MIN_FREE,
            });
        }
        let probe = in_use::InUse::take(root)?;
        Ok(Medium {
            root: root.to_owned(),
            real: root.canonicalize().unwrap_or_else(|_| root.to_owned()),
            device,
            free,
            probe: std::sync::Arc::new(probe),
        })
    }

    /// `root` with its links resolved.
    pub fn real(&self) -> &Path {
        &self.real
    }

    /// Refuses `self` and `other` when they are one directory, or one
    /// inside the other, under two names (a link or a bind mount): what
    /// went to one would be on the other. `what` names each for the message.
    pub fn refuse_overlap(
        &self,
        what: &'static str,
        other: &Medium,
        other_what: &'static str,
    ) -> Result<(), MediaError> {
        let (a, b) = (&self.real, &other.real);
        let (sa, sb) = (std::fs::metadata(a), std::fs::metadata(b));
        let same_dir = matches!((&sa, &sb), (Ok(x), Ok(y))
            if std::os::unix::fs::MetadataExt::dev(x) == std::os::unix::fs::MetadataExt::dev(y)
                && std::os::unix::fs::MetadataExt::ino(x) == std::os::unix::fs::MetadataExt::ino(y));
        if same_dir || a.starts_with(b) || b.starts_with(a) {
            return Err(MediaError::OneDirectory {
                a_what: what,
                a: self.root.clone(),
                b_what: other_what,
                b: other.root.clone(),
            });
        }
        Ok(())
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The device the medium's file system is on (st_dev).
    pub fn device(&self) -> u64 {
        self.device
    }

    /// Bytes free for an ordinary user.
    pub fn free(&self) -> u64 {
        self.free
    }

    /// Refuses a medium on the file system of `/`: the machine's own disk
    /// (RAM in the live image), or the empty mount point of a stick that
    /// was unmounted, unless `plain_ok` (a rehearsal with directories).
    pub fn refuse_root_disk(self, plain_ok: bool) -> Result<Medium, MediaError> {
        if plain_ok {
            return Ok(self);
        }
        let dev = |p: &Path| std::fs::metadata(p).map(|m| std::os::unix::fs::MetadataExt::dev(&m));
        if dev(Path::new("/")).is_ok_and(|d| d == self.device) {
            return Err(MediaError::OnRootDisk { path: self.root });
        }
        // The file system it is on, by its mount point: the highest
        // directory above it on the same device. The system's own (RAM in
        // the live image: /run, /tmp, /dev/shm) are no sticks, and neither
        // is an empty mount point under /run/media left by an unmount.
        let mut mount = self.real.clone();
        while let Some(parent) = mount.parent() {
            if dev(parent).ok() != Some(self.device) {
                break;
            }
            mount = parent.to_owned();
        }
        const SYSTEM: [&str; 9] = [
            "/run", "/tmp", "/var/tmp", "/dev", "/dev/shm", "/proc", "/sys", "/boot", "/home",
        ];
        if SYSTEM.iter().any(|s| mount == Path::new(s)) || mount.starts_with("/run/user") {
            return Err(MediaError::OnRootDisk { path: self.root });
        }
        Ok(self)
    }

    /// Checks `roots` as backup media: each a medium, no two on one device
    /// unless `same_device_ok` (a rehearsal).
    pub fn check_backups(
        roots: &[PathBuf],
        same_device_ok: bool,
    ) -> Result<Vec<Medium>, MediaError> {
        let media: Vec<Medium> = roots
            .iter()
            .map(|r| Medium::check(r))
            .collect::<Result<_, _>>()?;
        // One directory under two names (a symlink to another medium) is
        // one medium, whatever the device rule allows.
        for (i, a) in media.iter().enumerate() {
            for b in &media[..i] {
                b.refuse_overlap("the backup medium", a, "the backup medium")?;
            }
        }
        if !same_device_ok {
            for (i, a) in media.iter().enumerate() {
                if let Some(b) = media[..i].iter().find(|b| b.device == a.device) {
                    return Err(MediaError::SameDevice {
                        a: b.root.clone(),
                        b: a.root.clone(),
                    });
                }
            }
        }
        media
            .into_iter()
            .map(|m| m.refuse_root_disk(same_device_ok))
            .collect()
    }

    /// Creates the ceremony's own directory on this medium; refuses an
    /// existing one. Its mode is set whatever the umask (an operator's
    /// `umask 000` made them world-writable): 0755 for a public bundle, 0700
    /// for a backup or share directory.
    pub fn create_bundle(&self, name: &str, public: bool) -> Result<Bundle, MediaError> {
        use std::os::unix::fs::PermissionsExt;
        if !self.still_there() {
            return Err(MediaError::NotTheSameMedium {
                path: self.root.clone(),
            });
        }
        let dir = self.root.join(name);
        std::fs::create_dir(&dir).map_err(|e| MediaError::from_io("create", &dir, e))?;
        let mode = if public { 0o755 } else { 0o700 };
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode))
            .map_err(|e| MediaError::from_io("set the mode of", &dir, e))?;
        atomic::sync_dir(&self.root)?;
        Ok(Bundle {
            dir,
            files: Vec::new(),
            device: self.device,
            probe: self.probe.clone(),
        })
    }

    /// Whether the medium checked is still the one mounted at its root:
    /// same device, and the file the check made there still there.
    pub fn still_there(&self) -> bool {
        std::fs::metadata(&self.root)
            .is_ok_and(|m| std::os::unix::fs::MetadataExt::dev(&m) == self.device)
            && self.probe.present()
    }
}

/// What a failed ceremony's directories are renamed to begin with: no
/// `ceremony-*` glob, picker or `verify` takes them for a ceremony, and a
/// person listing the stick sees it.
pub const FAILED_PREFIX: &str = "FAILED-";

/// The file a failed ceremony leaves in each directory it made, saying
/// so: the directory's name alone is lost when it is reached by another
/// name (`--backup .`, a link) or copied under a new one.
pub const FAILED_MARKER: &str = "FAILED-README.txt";

/// Whether `dir` is what a failed ceremony left: named `FAILED-` (under
/// any name that leads to it), or holding [`FAILED_MARKER`].
pub fn is_failed_dir(dir: &Path) -> bool {
    let named = |p: &Path| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(FAILED_PREFIX))
    };
    named(dir)
        || dir.canonicalize().is_ok_and(|real| named(&real))
        || dir.join(FAILED_MARKER).symlink_metadata().is_ok()
}

/// The directories failed ceremonies left right below `root` (at most
/// 100): marked `FAILED-` or by [`FAILED_MARKER`], or a `ceremony-*` with no
/// MANIFEST (its stick was pulled before the ceremony could mark it).
pub fn failed_on(root: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .take(1000)
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let dir = e.path();
            name.starts_with(FAILED_PREFIX)
                || (name.starts_with("ceremony-")
                    && (dir.join(MANIFEST).symlink_metadata().is_err()
                        || dir.join(FAILED_MARKER).symlink_metadata().is_ok()))
        })
        .map(|e| e.path())
        .take(100)
        .collect();
    found.sort();
    found
}

/// Marks a ceremony directory `dir` as failed: [`FAILED_MARKER`] inside,
/// saying `why`, then the directory renamed `FAILED-<name>` beside it.
/// Returns where it is now (where it was, if the medium refuses).
pub fn mark_failed(dir: &Path, why: &str) -> PathBuf {
    let _ = write_new_file(
        &dir.join(FAILED_MARKER),
        format!(
            "This directory is what a keyceremony ceremony that did not complete left.\n\
             Do not use it: no restore, verify or later ceremony will. It may hold a\n\
             key or shares of a passphrase: destroy it (delete it, wipe the stick).\n\n\
             {why}\n"
        )
        .as_bytes(),
        FileMode::Public,
    );
    let (Some(parent), Some(name)) = (dir.parent(), dir.file_name()) else {
        return dir.to_owned();
    };
    if name.to_string_lossy().starts_with(FAILED_PREFIX) {
        return dir.to_owned();
    }
    let mut marked = std::ffi::OsString::from(FAILED_PREFIX);
    marked.push(name);
    let to = parent.join(marked);
    match std::fs::rename(dir, &to) {
        Ok(()) => {
            let _ = atomic::sync_dir(parent);
            to
        }
        Err(_) => dir.to_owned(),
    }
}

/// One file as it was written and read back.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WrittenFile {
    pub name: String,
    pub path: PathBuf,
    pub sha256: String,
    pub bytes: u64,
}

/// A ceremony's directory on one medium, and what has gone into it.
#[derive(Debug)]
pub struct Bundle {
    dir: PathBuf,
    files: Vec<WrittenFile>,
    /// The device the medium was on when the ceremony opened it: checked
    /// before every write (a stick unmounted and another, or the bare
    /// mount point, in its place).
    device: u64,
    /// The medium's probe (see [`Medium`]), checked with the device.
    probe: std::sync::Arc<in_use::InUse>,
}

impl Bundle {
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn files(&self) -> &[WrittenFile] {
        &self.files
    }

    /// Writes a new file into the bundle, atomically, and reads it back.
    pub fn write(
        &mut self,
        name: &str,
        contents: &[u8],
        mode: FileMode,
    ) -> Result<WrittenFile, MediaError> {
        let path = self.dir.join(name);
        if let Some(signal) = interrupt::requested() {
            return Err(MediaError::Interrupted { signal, path });
        }
        let medium = self.dir.parent().unwrap_or(&self.dir);
        match std::fs::metadata(&self.dir) {
            Ok(m)
                if std::os::unix::fs::MetadataExt::dev(&m) == self.device
                    && self.probe.present() => {}
            _ => {
                return Err(MediaError::NotTheSameMedium {
                    path: medium.to_owned(),
                })
            }
        }
        let sha256 = write_new_file(&path, contents, mode).map_err(|e| match e {
            // The directory went from under the write: its medium did.
            MediaError::Missing { .. } => MediaError::NotTheSameMedium {
                path: medium.to_owned(),
            },
            e => e,
        })?;
        let written = WrittenFile {
            name: name.to_owned(),
            path,
            sha256,
            bytes: contents.len() as u64,
        };
        self.files.push(written.clone());
        Ok(written)
    }

    /// Records a file that something else (the transcript) wrote into the bundle.
    pub fn adopt(&mut self, name: &str) -> Result<WrittenFile, MediaError> {
        let path = self.dir.join(name);
        let contents = std::fs::read(&path).map_err(|e| MediaError::from_io("read", &path, e))?;
        let written = WrittenFile {
            name: name.to_owned(),
            path,
            sha256: sha256_hex(&contents),
            bytes: contents.len() as u64,
        };
        self.files.push(written.clone());
        Ok(written)
    }

    /// Closes the bundle with a MANIFEST of every file in it.
    pub fn write_manifest(&mut self) -> Result<(WrittenFile, Vec<u8>), MediaError> {
        let text = manifest_text(&self.files);
        let written = self.write(MANIFEST, text.as_bytes(), FileMode::Public)?;
        Ok((written, text.into_bytes()))
    }
}

#[cfg(test)]
mod mount_tests {
    use super::*;

    #[test]
    fn sticks_are_found_under_the_usual_mount_roots() {
        let mounts = "/dev/sda1 / ext4 rw 0 0\n\
            /dev/sdb1 /media/backup-1 vfat rw 0 0\n\
            /dev/sdc1 /run/media/op/EXPORT\\040STICK vfat rw 0 0\n\
            tmpfs /run tmpfs rw 0 0\n";
        assert_eq!(
            mounted_media(mounts),
            [
                PathBuf::from("/media/backup-1"),
                PathBuf::from("/run/media/op/EXPORT STICK")
            ]
        );
    }
}
