//! The file a ceremony keeps open at the top of each medium it uses.
//!
//! A medium is the stick that was checked, not whatever is mounted at its
//! path later: the file's random name still leading to the very file kept
//! open is what says so (a swapped stick, even one the kernel gives the
//! same device number, has no such file). While it is open, a plain
//! `umount` of the stick says it is busy.
//!
//! The file is locked (`flock`) while it is open. One left behind by a
//! process killed outright is unlocked: the next check removes it. One still
//! locked is another keyceremony using the medium now: refused, since two
//! ceremonies writing one stick at once would each take the other's
//! directories for leftovers.

use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::MediaError;

pub const PREFIX: &str = ".keyceremony-in-use-";

/// This process's own in-use files (device, inode): never taken for another
/// process's, nor for a leftover.
static OURS: Mutex<Vec<(u64, u64)>> = Mutex::new(Vec::new());

fn ours() -> std::sync::MutexGuard<'static, Vec<(u64, u64)>> {
    OURS.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Debug)]
pub struct InUse {
    file: tempfile::NamedTempFile,
    id: (u64, u64),
}

impl InUse {
    /// Removes the in-use files killed processes left on `root`, refuses a
    /// medium another keyceremony holds, and makes, locks and keeps ours.
    pub fn take(root: &Path) -> Result<InUse, MediaError> {
        clear_leftovers(root)?;
        let file = tempfile::Builder::new()
            .prefix(PREFIX)
            .tempfile_in(root)
            .map_err(|source| match source.kind() {
                io::ErrorKind::StorageFull => MediaError::Full {
                    path: root.to_owned(),
                },
                _ => MediaError::NotWritable {
                    path: root.to_owned(),
                    source,
                },
            })?;
        rustix::fs::flock(
            file.as_file(),
            rustix::fs::FlockOperation::NonBlockingLockExclusive,
        )
        .map_err(|e| MediaError::from_io("lock", file.path(), e.into()))?;
        let meta = file
            .as_file()
            .metadata()
            .map_err(|e| MediaError::from_io("inspect", file.path(), e))?;
        let id = (meta.dev(), meta.ino());
        ours().push(id);
        Ok(InUse { file, id })
    }

    /// Whether the file's name still leads to the very file kept open.
    pub fn present(&self) -> bool {
        let (Ok(open), Ok(named)) = (
            self.file.as_file().metadata(),
            std::fs::symlink_metadata(self.file.path()),
        ) else {
            return false;
        };
        open.nlink() > 0 && (open.dev(), open.ino()) == (named.dev(), named.ino())
    }
}

impl Drop for InUse {
    fn drop(&mut self) {
        ours().retain(|id| *id != self.id);
    }
}

/// In-use files on `root` nobody holds (their process was killed): removed.
/// One somebody holds: refused.
fn clear_leftovers(root: &Path) -> Result<(), MediaError> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Ok(());
    };
    let found: Vec<PathBuf> = entries
        .flatten()
        .take(10_000)
        .filter(|e| e.file_name().to_string_lossy().starts_with(PREFIX))
        .map(|e| e.path())
        .collect();
    for path in found {
        // A regular file only, never through a link, never blocking.
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if !meta.is_file() || ours().contains(&(meta.dev(), meta.ino())) {
            continue;
        }
        let Ok(f) = std::fs::File::options()
            .read(true)
            .custom_flags(
                (rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK).bits() as i32,
            )
            .open(&path)
        else {
            continue;
        };
        match rustix::fs::flock(&f, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {
                let _ = std::fs::remove_file(&path);
            }
            Err(rustix::io::Errno::WOULDBLOCK) => {
                return Err(MediaError::InUse {
                    path: root.to_owned(),
                })
            }
            Err(_) => {}
        }
    }
    Ok(())
}
