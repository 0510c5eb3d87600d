//! Atomic, never-overwriting, read-back-verified file writes.

use std::fs::{File, Permissions};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::MediaError;

/// Who may read a file once it is on a medium.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileMode {
    /// 0644: public certs, manifests, transcripts.
    Public,
    /// 0600: anything protecting or carrying a secret, even encrypted.
    Private,
}

impl FileMode {
    fn bits(self) -> u32 {
        match self {
            FileMode::Public => 0o644,
            FileMode::Private => 0o600,
        }
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub(crate) fn sync_dir(dir: &Path) -> Result<(), MediaError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| MediaError::from_io("sync", dir, e))
}

/// Writes `contents` to `path`, which must not exist, and returns its SHA-256 as read back.
///
/// On any failure no file is left at `path` and the temporary file is removed.
pub fn write_new_file(path: &Path, contents: &[u8], mode: FileMode) -> Result<String, MediaError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if path.symlink_metadata().is_ok() {
        return Err(MediaError::Exists {
            path: path.to_owned(),
        });
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".keyceremony-")
        .suffix(".partial")
        .tempfile_in(dir)
        .map_err(|e| MediaError::from_io("create a file in", dir, e))?;
    let io = |e| MediaError::from_io("write", path, e);
    // tempfile creates 0600; only public files are widened. FAT sticks store no
    // modes and refuse chmod, which is harmless for a public file: ignore it.
    if mode == FileMode::Public {
        let _ = tmp
            .as_file()
            .set_permissions(Permissions::from_mode(mode.bits()));
    }
    tmp.write_all(contents).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist_noclobber(path)
        .map_err(|e| MediaError::from_io("rename into", path, e.error))?;
    sync_dir(dir)?;

    let expected = sha256_hex(contents);
    // The read-back may come from the page cache rather than the device; it still
    // catches a file system that stored something other than what was written.
    let back = std::fs::read(path).map_err(|e| MediaError::from_io("read back", path, e))?;
    let found = sha256_hex(&back);
    if found != expected {
        return Err(MediaError::ReadBack {
            path: path.to_owned(),
            expected,
            found,
        });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn writes_new_files_with_mode_and_hash() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        let h = write_new_file(&p, b"abc", FileMode::Private).unwrap();
        assert_eq!(
            h,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(std::fs::read(&p).unwrap(), b"abc");
        assert_eq!(std::fs::metadata(&p).unwrap().mode() & 0o777, 0o600);
        let q = dir.path().join("b.txt");
        write_new_file(&q, b"", FileMode::Public).unwrap();
        assert_eq!(std::fs::metadata(&q).unwrap().mode() & 0o777, 0o644);
    }

    #[test]
    fn never_overwrites_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        std::fs::write(&p, b"old").unwrap();
        let err = write_new_file(&p, b"new", FileMode::Public).unwrap_err();
        assert!(matches!(err, MediaError::Exists { .. }), "{err}");
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn a_missing_directory_is_reported_as_missing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("gone").join("a.txt");
        let err = write_new_file(&p, b"x", FileMode::Public).unwrap_err();
        assert!(matches!(err, MediaError::Missing { .. }), "{err}");
    }
}
