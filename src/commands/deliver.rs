//! Handing a secret to the operator in batch mode: a new private file or an open
//! file descriptor, never stdout, never an existing file.

use std::io::Write;
use std::path::Path;

use crate::media::{write_new_file, FileMode};

/// Writes `secret` to `dest` (a path, or `fd:N`); returns a public description
/// of where it went. Errors are plain text and never contain the secret.
pub fn deliver(dest: &str, secret: &[u8]) -> Result<String, String> {
    if let Some(fd) = dest.strip_prefix("fd:") {
        if fd.parse::<u32>().map(|n| n < 3).unwrap_or(true) {
            return Err(format!(
                "fd:{fd} is not usable: give fd:N with N >= 3 (0-2 are the terminal's)"
            ));
        }
        // /proc/self/fd reopens the descriptor without unsafe code.
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(format!("/proc/self/fd/{fd}"))
            .map_err(|e| format!("file descriptor {fd} is not open for writing: {e}"))?;
        f.write_all(secret)
            .and_then(|_| f.flush())
            .map_err(|e| format!("file descriptor {fd}: {e}"))?;
        Ok(format!("file descriptor {fd}"))
    } else {
        write_new_file(Path::new(dest), secret, FileMode::Private).map_err(|e| e.to_string())?;
        Ok(dest.to_owned())
    }
}
