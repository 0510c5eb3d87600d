//! keyceremony's own turn-taking on a PC/SC reader, shared by the backends
//! that talk to cards in readers (OpenPGP cards and PIV tokens): see
//! `openpgp_card::reader` for why it exists.

use std::fs::{File, TryLockError};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long an exclusive connection waits for another program to let a card
/// go. PC/SC raises no event when a program disconnects, so this polls the
/// observable state (the sharing violation) rather than sleeping blind; a
/// listing client holds a card for milliseconds, scdaemon for ever.
pub const BUSY_WAIT: Duration = Duration::from_secs(10);
pub const BUSY_POLL: Duration = Duration::from_millis(50);

/// keyceremony's own lock on a reader: held exclusively by a process that
/// writes or signs with the card in it, tried shared by one that lists.
/// A lock file per reader under the temporary directory; where it cannot be
/// made (a read-only /tmp), everything still works, without the turn-taking.
pub struct ReaderLock {
    _file: File,
}

impl ReaderLock {
    fn path(reader: &str) -> PathBuf {
        let name: String = crate::media::sha256_hex(reader.as_bytes())[..16].to_owned();
        std::env::temp_dir().join(format!("keyceremony-reader-{name}.lock"))
    }

    fn file(reader: &str) -> Option<File> {
        File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(Self::path(reader))
            .ok()
    }

    /// Takes the reader for writing, waiting (bounded) for another keyceremony
    /// process that has it. `Err(())`: it kept it the whole time.
    pub fn for_writing(reader: &str) -> Result<Option<ReaderLock>, ()> {
        let Some(file) = Self::file(reader) else {
            return Ok(None);
        };
        let start = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Some(ReaderLock { _file: file })),
                Err(TryLockError::WouldBlock) if start.elapsed() < BUSY_WAIT => {
                    std::thread::sleep(BUSY_POLL)
                }
                Err(TryLockError::WouldBlock) => return Err(()),
                Err(TryLockError::Error(_)) => return Ok(None),
            }
        }
    }

    /// Whether another keyceremony process (or thread) is writing to the card
    /// in `reader` now: a listing leaves it alone then.
    pub fn being_written(reader: &str) -> bool {
        Self::file(reader)
            .is_some_and(|f| matches!(f.try_lock_shared(), Err(TryLockError::WouldBlock)))
    }
}
