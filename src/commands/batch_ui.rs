//! The batch implementation of the engine's UI port: events to stderr, the
//! passphrase to the file descriptor or path the plan names.

use std::io::Write;
use std::path::Path;

use zeroize::Zeroizing;

use crate::ceremony::{CeremonyError, CeremonyUi, Event};
use crate::media::{write_new_file, FileMode};
use crate::passphrase::Passphrase;

pub struct BatchUi {
    deliver_to: Option<String>,
}

impl BatchUi {
    pub fn new(deliver_to: Option<String>) -> BatchUi {
        BatchUi { deliver_to }
    }
}

impl CeremonyUi for BatchUi {
    fn event(&mut self, event: &Event) {
        match event {
            Event::Step {
                number,
                total,
                title,
            } => eprintln!("[{number}/{total}] {title}"),
            Event::Note(n) => eprintln!("      {n}"),
            Event::Warning(w) => eprintln!("      warning: {w}"),
            Event::FileWritten { path, sha256 } => {
                eprintln!("      wrote {} (sha256 {})", path.display(), &sha256[..16])
            }
            Event::Verified(v) => eprintln!("      ok: {v}"),
        }
    }

    fn deliver_passphrase(&mut self, passphrase: &Passphrase) -> Result<String, CeremonyError> {
        let Some(deliver_to) = &self.deliver_to else {
            return Err(CeremonyError::Delivery(
                "the plan names no passphrase.deliver_to".into(),
            ));
        };
        let text = Zeroizing::new(format!("{}\n", passphrase.expose_phrase()));
        if let Some(fd) = deliver_to.strip_prefix("fd:") {
            // /proc/self/fd reopens the descriptor without unsafe code.
            let path = format!("/proc/self/fd/{fd}");
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .map_err(|e| {
                    CeremonyError::Delivery(format!(
                        "file descriptor {fd} is not open for writing: {e}"
                    ))
                })?;
            f.write_all(text.as_bytes())
                .and_then(|_| f.flush())
                .map_err(|e| CeremonyError::Delivery(format!("file descriptor {fd}: {e}")))?;
            Ok(format!("file descriptor {fd}"))
        } else {
            write_new_file(Path::new(deliver_to), text.as_bytes(), FileMode::Private)
                .map_err(|e| CeremonyError::Delivery(e.to_string()))?;
            Ok(deliver_to.clone())
        }
    }
}
