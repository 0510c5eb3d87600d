//! Where a secret is handed over whole in batch mode: a new private file, or
//! an open file descriptor (`fd:N`), never stdout, never an existing file.
//! One parser for every place that takes such a destination (the plan's
//! `deliver_to` fields, `--new-pins-to`, `shares split`'s passphrase file),
//! so they all accept and refuse the same things.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{write_new_file, FileMode};

/// The descriptors (3 and up) the process was started with.
static INHERITED: std::sync::OnceLock<Vec<u32>> = std::sync::OnceLock::new();

/// Records the descriptors the process was started with: only those are
/// handed a secret or read as `fd:N`. `main` calls it first, before the
/// process opens anything of its own: a descriptor it opens later (the file
/// it keeps open on each medium, the transcript) must never be taken for one
/// the operator handed it (`fd:7` with no 7 given once wrote the passphrase
/// into a medium's in-use file).
pub fn record_inherited_descriptors() {
    INHERITED.get_or_init(|| {
        let listed: Vec<u32> = std::fs::read_dir("/proc/self/fd")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse().ok())
            .filter(|n| *n >= 3)
            .collect();
        // The listing's own descriptor is closed by now: what is still
        // open was inherited.
        listed
            .into_iter()
            .filter(|n| {
                Path::new(&format!("/proc/self/fd/{n}"))
                    .symlink_metadata()
                    .is_ok()
            })
            .collect()
    });
}

/// Whether descriptor `n` was handed to the process (anything, when the
/// start was not recorded: the library's own tests).
fn inherited(n: u32) -> bool {
    INHERITED.get().is_none_or(|l| l.contains(&n))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handover {
    /// An open file descriptor, 3 or more (0-2 are the terminal's).
    Fd(u32),
    File(PathBuf),
}

impl Handover {
    /// `fd:N` or a path; a descriptor below 3, or not a number, is refused
    /// with a message that says what to give instead.
    pub fn parse(text: &str) -> Result<Handover, String> {
        // A descriptor named by path is a descriptor: it is checked as one
        // (a new file of that name would be refused as existing).
        let named = ["/dev/fd/", "/proc/self/fd/"]
            .iter()
            .find_map(|p| text.strip_prefix(p))
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if let Some(n) = named {
            return Handover::parse(&format!("fd:{n}"));
        }
        match text.strip_prefix("fd:") {
            Some(n) => match n.parse::<u32>() {
                Ok(n) if n >= 3 && !inherited(n) => Err(format!(
                    "{text:?}: file descriptor {n} is not open: start keyceremony with it open (`{n}> FILE` in the shell), or give a path"
                )),
                Ok(n) if n >= 3 => Ok(Handover::Fd(n)),
                _ => Err(format!(
                    "{text:?} is not usable: give fd:N with N >= 3 (0-2 are the terminal's), or a path"
                )),
            },
            None => Ok(Handover::File(PathBuf::from(text))),
        }
    }

    /// The file, when it is one (it must not exist before the secret goes there).
    pub fn file(&self) -> Option<&Path> {
        match self {
            Handover::File(p) => Some(p),
            Handover::Fd(_) => None,
        }
    }

    /// A path that opens it: the file, or the descriptor reopened through
    /// /proc/self/fd (no unsafe code needed).
    pub fn open_path(&self) -> PathBuf {
        match self {
            Handover::File(p) => p.clone(),
            Handover::Fd(n) => PathBuf::from(format!("/proc/self/fd/{n}")),
        }
    }

    /// Writes `secret` there; returns a public description of where it went.
    /// Errors are plain text and never contain the secret.
    pub fn deliver(&self, secret: &[u8]) -> Result<String, String> {
        match self {
            Handover::Fd(fd) => {
                // Reopening /proc/self/fd/N for writing ignores how N was
                // opened: `3< share-1.txt` would get the secret written
                // into the custodian's sheet. Only a descriptor opened for
                // writing is written to.
                if opened_read_only(*fd) {
                    return Err(format!(
                        "file descriptor {fd} is open for reading only (`{fd}<`): hand the secret over with `{fd}> FILE`"
                    ));
                }
                let mut f = std::fs::OpenOptions::new()
                    .append(true)
                    .open(self.open_path())
                    .map_err(|e| format!("file descriptor {fd} is not open for writing: {e}"))?;
                f.write_all(secret)
                    .and_then(|_| f.flush())
                    .map_err(|e| format!("file descriptor {fd}: {e}"))?;
                Ok(format!("file descriptor {fd}"))
            }
            Handover::File(p) => {
                write_new_file(p, secret, FileMode::Private).map_err(|e| e.to_string())?;
                Ok(p.display().to_string())
            }
        }
    }
}

/// Whether descriptor `fd` of this process was opened for reading only,
/// from /proc/self/fdinfo (its `flags`, octal; the low two bits are the
/// access mode, 0 for reading only); false when that cannot be read.
fn opened_read_only(fd: u32) -> bool {
    std::fs::read_to_string(format!("/proc/self/fdinfo/{fd}"))
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("flags:"))
                .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
        })
        .is_some_and(|flags| flags & 3 == 0)
}

/// Parses `dest` and delivers `secret` there (see [`Handover::deliver`]).
pub fn deliver(dest: &str, secret: &[u8]) -> Result<String, String> {
    Handover::parse(dest)?.deliver(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_below_three_and_non_numbers_are_refused() {
        assert_eq!(Handover::parse("fd:3"), Ok(Handover::Fd(3)));
        for bad in ["fd:0", "fd:2", "fd:", "fd:x", "fd:-4"] {
            let e = Handover::parse(bad).unwrap_err();
            assert!(e.contains("N >= 3"), "{bad}: {e}");
        }
        assert_eq!(
            Handover::parse("/tmp/pins").unwrap().file(),
            Some(Path::new("/tmp/pins"))
        );
    }
}
