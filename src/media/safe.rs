//! Files in directories that someone else can write to: a bundle that
//! arrived over an untrusted path, a host's `/etc` that other
//! administrators (or an attacker with a foothold) share, a stick that a
//! person holds in their hand.
//!
//! Paths are the wrong tool there: between a check and a use, a name can
//! become a symlink to `/etc/shadow`, a FIFO that never answers, or another
//! file. So everything here works on an open directory (`Dir`) and names in
//! it: a file is looked at without following a symlink and opened only if it
//! is a regular file (never a FIFO or a device, so nothing blocks and no
//! device is touched), then checked again on the open descriptor; a
//! directory below is entered a component at a time, never through a link;
//! and a file is replaced by writing a new one under an unpredictable name,
//! with an explicit mode (whatever the umask), synced, then renamed over the
//! old name (a symlink there is replaced, never written through).

use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::path::{Component, Path, PathBuf};

use rustix::fs::{AtFlags, FileType, Mode, OFlags, CWD};

use super::MediaError;

/// What a name in a directory turned out to be, in a person's words.
fn kind_of(t: FileType) -> &'static str {
    match t {
        FileType::RegularFile => "a file",
        FileType::Directory => "a directory",
        FileType::Symlink => "a symbolic link",
        FileType::Fifo => "a FIFO (named pipe)",
        FileType::Socket => "a socket",
        FileType::CharacterDevice | FileType::BlockDevice => "a device",
        FileType::Unknown => "not a file",
    }
}

fn io(action: &'static str, path: &Path, e: rustix::io::Errno) -> MediaError {
    MediaError::from_io(action, path, std::io::Error::from(e))
}

/// An open directory: every name is resolved in it, not through a path.
#[derive(Debug)]
pub struct Dir {
    fd: OwnedFd,
    path: PathBuf,
}

impl Dir {
    /// Opens `path` as a directory. The path itself is followed as given:
    /// whoever named it chose it; what is below it is not followed.
    pub fn open(path: &Path) -> Result<Dir, MediaError> {
        let fd = rustix::fs::openat(
            CWD,
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| match e {
            rustix::io::Errno::NOTDIR => MediaError::NotADirectory {
                path: path.to_owned(),
            },
            e => io("open", path, e),
        })?;
        Ok(Dir {
            fd,
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The directory `rel` below this one, entered a component at a time
    /// without following a symlink; missing ones are made with `create`'s
    /// mode (set explicitly, whatever the umask) when it is given.
    pub fn open_beneath(&self, rel: &Path, create: Option<u32>) -> Result<Dir, MediaError> {
        self.open_beneath_noting(rel, create, &mut Vec::new())
    }

    /// `open_beneath`, noting in `made` each directory it made (for the
    /// caller to take back if what it does next fails).
    pub fn open_beneath_noting(
        &self,
        rel: &Path,
        create: Option<u32>,
        made: &mut Vec<PathBuf>,
    ) -> Result<Dir, MediaError> {
        let mut here = Dir {
            fd: self
                .fd
                .try_clone()
                .map_err(|e| MediaError::from_io("open", &self.path, e))?,
            path: self.path.clone(),
        };
        for c in rel.components() {
            let Component::Normal(name) = c else {
                return Err(MediaError::Io {
                    action: "enter",
                    path: self.path.join(rel),
                    source: std::io::Error::other("the path leaves the directory"),
                });
            };
            let path = here.path.join(name);
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            let fd = match rustix::fs::openat(&here.fd, name, flags, Mode::empty()) {
                Ok(fd) => fd,
                Err(rustix::io::Errno::NOENT) if create.is_some() => {
                    let mode = create.unwrap_or(0o755);
                    match rustix::fs::mkdirat(&here.fd, name, Mode::from_raw_mode(mode)) {
                        Ok(()) => made.push(path.clone()),
                        Err(rustix::io::Errno::EXIST) => {}
                        Err(e) => return Err(io("create", &path, e)),
                    }
                    let fd = rustix::fs::openat(&here.fd, name, flags, Mode::empty())
                        .map_err(|e| self.not_a_dir(&here, name, &path, e))?;
                    rustix::fs::fchmod(&fd, Mode::from_raw_mode(mode))
                        .map_err(|e| io("set the mode of", &path, e))?;
                    fd
                }
                Err(e) => return Err(self.not_a_dir(&here, name, &path, e)),
            };
            here = Dir { fd, path };
        }
        Ok(here)
    }

    /// Whether `open_beneath(rel, ..)` could succeed, changing nothing:
    /// every component that exists is a directory and no symlink; the first
    /// missing one ends the walk (it would be made).
    pub fn probe_beneath(&self, rel: &Path) -> Result<(), MediaError> {
        match self.open_beneath(rel, None) {
            Ok(_) | Err(MediaError::Missing { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn not_a_dir(
        &self,
        here: &Dir,
        name: &std::ffi::OsStr,
        path: &Path,
        e: rustix::io::Errno,
    ) -> MediaError {
        match rustix::fs::statat(&here.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) if FileType::from_raw_mode(st.st_mode) != FileType::Directory => {
                MediaError::NotAFile {
                    path: path.to_owned(),
                    found: kind_of(FileType::from_raw_mode(st.st_mode)),
                    wanted: "a directory",
                }
            }
            _ => io("open", path, e),
        }
    }

    /// What `name` is here, without following a symlink; none if absent.
    pub fn kind(&self, name: &str) -> Result<Option<&'static str>, MediaError> {
        match rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => Ok(Some(kind_of(FileType::from_raw_mode(st.st_mode)))),
            Err(rustix::io::Errno::NOENT) => Ok(None),
            Err(e) => Err(io("look at", &self.path.join(name), e)),
        }
    }

    /// Reads the regular file `name` whole, if it holds at most `limit`
    /// bytes; none if there is no such name. A symlink, FIFO, device or
    /// directory there is refused at once, without opening it.
    pub fn read(
        &self,
        name: &str,
        what: &'static str,
        limit: u64,
    ) -> Result<Option<Vec<u8>>, MediaError> {
        let path = self.path.join(name);
        let not_a_file = |t: FileType| MediaError::NotAFile {
            path: path.clone(),
            found: kind_of(t),
            wanted: "a file",
        };
        match rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Err(rustix::io::Errno::NOENT) => return Ok(None),
            Err(e) => return Err(io("read", &path, e)),
            Ok(st) if FileType::from_raw_mode(st.st_mode) != FileType::RegularFile => {
                return Err(not_a_file(FileType::from_raw_mode(st.st_mode)))
            }
            Ok(_) => {}
        }
        // Swapped since the look: O_NOFOLLOW refuses a link, O_NONBLOCK keeps
        // a FIFO from hanging the open, and the descriptor is checked again.
        let fd = rustix::fs::openat(
            &self.fd,
            name,
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| match e {
            rustix::io::Errno::LOOP => not_a_file(FileType::Symlink),
            rustix::io::Errno::NOENT => MediaError::Missing { path: path.clone() },
            e => io("read", &path, e),
        })?;
        let st = rustix::fs::fstat(&fd).map_err(|e| io("read", &path, e))?;
        let t = FileType::from_raw_mode(st.st_mode);
        if t != FileType::RegularFile {
            return Err(not_a_file(t));
        }
        if st.st_size as u64 > limit {
            return Err(MediaError::TooLarge {
                path: path.clone(),
                what,
                limit,
            });
        }
        let mut bytes = Vec::with_capacity(st.st_size as usize);
        std::fs::File::from(fd)
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| MediaError::from_io("read", &path, e))?;
        if bytes.len() as u64 > limit {
            return Err(MediaError::TooLarge { path, what, limit });
        }
        Ok(Some(bytes))
    }

    /// Writes `bytes` under an unpredictable name beside `name`, with
    /// `mode`, synced; `Staged::commit` puts it in place. Dropped
    /// uncommitted, the staged file is removed.
    pub fn stage(&self, name: &str, bytes: &[u8], mode: u32) -> Result<Staged<'_>, MediaError> {
        let final_path = self.path.join(name);
        if let Some(k) = self.kind(name)? {
            if k == "a directory" {
                return Err(MediaError::NotAFile {
                    path: final_path,
                    found: k,
                    wanted: "a file",
                });
            }
        }
        let mut random = [0u8; 12];
        getrandom::getrandom(&mut random).map_err(|e| MediaError::Io {
            action: "make a name in",
            path: self.path.clone(),
            source: std::io::Error::other(e.to_string()),
        })?;
        let tmp = format!(".{name}.{}.keyceremony-new", hex::encode(random));
        let tmp_path = self.path.join(&tmp);
        let fd = rustix::fs::openat(
            &self.fd,
            tmp.as_str(),
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        )
        .map_err(|e| io("create a file in", &self.path, e))?;
        let staged = Staged {
            dir: self,
            tmp,
            name: name.to_owned(),
            done: false,
        };
        rustix::fs::fchmod(&fd, Mode::from_raw_mode(mode))
            .map_err(|e| io("set the mode of", &tmp_path, e))?;
        let mut f = std::fs::File::from(fd);
        f.write_all(bytes)
            .and_then(|()| f.sync_all())
            .map_err(|e| MediaError::from_io("write", &final_path, e))?;
        Ok(staged)
    }

    /// The names in this directory (at most `max`).
    pub fn names(&self, max: usize) -> Result<Vec<String>, MediaError> {
        let mut d = rustix::fs::Dir::read_from(&self.fd).map_err(|e| io("list", &self.path, e))?;
        let mut names = Vec::new();
        while let Some(entry) = d.read() {
            let entry = entry.map_err(|e| io("list", &self.path, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name != "." && name != ".." {
                names.push(name);
            }
            if names.len() >= max {
                break;
            }
        }
        Ok(names)
    }

    /// Removes the name `name` here (a file or a symlink itself, never what
    /// a link points to); none there is fine.
    pub fn remove(&self, name: &str) -> Result<bool, MediaError> {
        match rustix::fs::unlinkat(&self.fd, name, AtFlags::empty()) {
            Ok(()) => Ok(true),
            Err(rustix::io::Errno::NOENT) => Ok(false),
            Err(e) => Err(io("remove", &self.path.join(name), e)),
        }
    }

    /// Syncs the directory itself (its entries: a rename is durable then).
    pub fn sync(&self) -> Result<(), MediaError> {
        rustix::fs::fsync(&self.fd).map_err(|e| io("sync", &self.path, e))
    }
}

/// A file written beside its final name, waiting for `commit`.
#[derive(Debug)]
pub struct Staged<'d> {
    dir: &'d Dir,
    tmp: String,
    name: String,
    done: bool,
}

impl Staged<'_> {
    /// Where the file goes.
    pub fn path(&self) -> PathBuf {
        self.dir.path.join(&self.name)
    }

    /// Renames the staged file over its name (replacing a file or a
    /// symlink there, never writing through it) and syncs the directory.
    pub fn commit(mut self) -> Result<PathBuf, MediaError> {
        let path = self.path();
        rustix::fs::renameat(
            &self.dir.fd,
            self.tmp.as_str(),
            &self.dir.fd,
            self.name.as_str(),
        )
        .map_err(|e| io("replace", &path, e))?;
        self.done = true;
        self.dir.sync()?;
        Ok(path)
    }
}

impl Drop for Staged<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = rustix::fs::unlinkat(&self.dir.fd, self.tmp.as_str(), AtFlags::empty());
        }
    }
}

/// Makes the directory `dir` and any missing above it (0755), for files of
/// our own outside a medium (the verifier's state, the TUI's drafts).
pub fn create_dirs(dir: &Path) -> Result<(), MediaError> {
    if dir.as_os_str().is_empty() || dir.exists() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o755);
    b.recursive(true)
        .create(dir)
        .map_err(|e| MediaError::from_io("create", dir, e))
}

/// Replaces the file at `path` whole (written under another name, synced,
/// renamed over it) with `bytes` and `mode`; its directory is made (0755)
/// if missing. For files of our own outside a medium: the verifier's
/// state, the TUI's drafts.
pub fn replace_file(path: &Path, bytes: &[u8], mode: u32) -> Result<(), MediaError> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| MediaError::NotAFile {
            path: path.to_owned(),
            found: "not a file name",
            wanted: "a file",
        })?;
    create_dirs(parent)?;
    let dir = Dir::open(parent)?;
    dir.stage(name, bytes, mode)?.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    #[test]
    fn reads_only_regular_files_and_never_blocks() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        std::fs::write(d.join("f"), b"abc").unwrap();
        std::os::unix::fs::symlink(d.join("f"), d.join("link")).unwrap();
        std::fs::create_dir(d.join("sub")).unwrap();
        rustix::fs::mknodat(
            CWD,
            d.join("fifo"),
            FileType::Fifo,
            Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        let dir = Dir::open(d).unwrap();
        assert_eq!(dir.read("f", "x", 3).unwrap().unwrap(), b"abc");
        assert!(matches!(
            dir.read("f", "x", 2),
            Err(MediaError::TooLarge { .. })
        ));
        assert!(dir.read("absent", "x", 9).unwrap().is_none());
        for (name, found) in [
            ("link", "a symbolic link"),
            ("sub", "a directory"),
            ("fifo", "a FIFO (named pipe)"),
        ] {
            let e = dir.read(name, "x", 9).unwrap_err();
            assert!(
                matches!(&e, MediaError::NotAFile { found: f, .. } if *f == found),
                "{name}: {e}"
            );
        }
    }

    #[test]
    fn replaces_symlinks_never_writes_through_them_and_sets_modes() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        let victim = d.join("victim");
        std::fs::write(&victim, b"keep").unwrap();
        std::fs::create_dir(d.join("etc")).unwrap();
        std::os::unix::fs::symlink(&victim, d.join("etc/policy.json")).unwrap();
        let etc = Dir::open(d)
            .unwrap()
            .open_beneath(Path::new("etc/new/deeper"), Some(0o755));
        let etc = etc.unwrap();
        etc.stage("f", b"x", 0o644).unwrap().commit().unwrap();
        let top = Dir::open(&d.join("etc")).unwrap();
        top.stage("policy.json", b"new", 0o644)
            .unwrap()
            .commit()
            .unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
        assert_eq!(std::fs::read(d.join("etc/policy.json")).unwrap(), b"new");
        let mode = |p: &Path| std::fs::symlink_metadata(p).unwrap().mode() & 0o7777;
        assert_eq!(mode(&d.join("etc/policy.json")), 0o644);
        assert_eq!(mode(&d.join("etc/new")), 0o755);
        assert_eq!(mode(&d.join("etc/new/deeper/f")), 0o644);
        // A symlinked directory on the way is refused, not entered.
        std::os::unix::fs::symlink(d.join("etc"), d.join("link")).unwrap();
        let e = Dir::open(d)
            .unwrap()
            .open_beneath(Path::new("link/new"), Some(0o755))
            .unwrap_err();
        assert!(
            matches!(
                e,
                MediaError::NotAFile {
                    found: "a symbolic link",
                    ..
                }
            ),
            "{e}"
        );
        // An uncommitted stage leaves nothing behind.
        drop(top.stage("other", b"y", 0o644).unwrap());
        let names: Vec<_> = std::fs::read_dir(d.join("etc"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        let _ = std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755));
    }
}
