//! How a command ends: the fixed exit codes and the failure a person reads
//! (what went wrong, and a hint of what to do). Both front ends, the CLI
//! commands and the TUI, end in these, so they live below both.

use std::fmt;

use crate::ceremony::CeremonyError;
use crate::media::MediaError;
use crate::openpgp::OpenPgpError;
use crate::plan::PlanError;
use crate::transcript::TranscriptError;

/// The fixed exit codes; `cli::EXIT_CODES` documents them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Internal = 1,
    Usage = 2,
    Plan = 3,
    Media = 4,
    Verification = 5,
    Key = 6,
    AirGap = 7,
    Cards = 8,
    Interrupted = 9,
}

/// A failed command: what happened, why, and what to do.
#[derive(Debug)]
pub struct Failure {
    pub code: Exit,
    pub message: String,
    pub hint: Option<String>,
}

impl Failure {
    pub fn new(code: Exit, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
            hint: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Failure {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Messages carry paths, labels and file contents: escaped here,
        // whatever the code that made them forgot.
        let safe = crate::text::printable_lines;
        write!(f, "Error: {}", safe(&self.message))?;
        if let Some(h) = &self.hint {
            write!(f, "\nHint: {}", safe(h))?;
        }
        Ok(())
    }
}

impl From<PlanError> for Failure {
    fn from(e: PlanError) -> Failure {
        Failure::new(Exit::Plan, e.to_string())
            .hint("`keyceremony plan init example.toml` writes a commented example to compare with")
    }
}

impl From<MediaError> for Failure {
    fn from(e: MediaError) -> Failure {
        let code = match e {
            MediaError::Interrupted { .. } => Exit::Interrupted,
            _ => Exit::Media,
        };
        Failure::new(code, e.to_string())
    }
}

impl From<TranscriptError> for Failure {
    fn from(e: TranscriptError) -> Failure {
        match e {
            TranscriptError::Media(m) => m.into(),
            e @ TranscriptError::Request(_) => Failure::new(Exit::Usage, e.to_string()),
            other => Failure::new(Exit::Verification, other.to_string()),
        }
    }
}

impl From<OpenPgpError> for Failure {
    fn from(e: OpenPgpError) -> Failure {
        let code = match e {
            OpenPgpError::BadSignature { .. } | OpenPgpError::WrongPassphrase { .. } => {
                Exit::Verification
            }
            _ => Exit::Key,
        };
        Failure::new(code, e.to_string())
    }
}

impl From<crate::online::OnlineError> for Failure {
    fn from(e: crate::online::OnlineError) -> Failure {
        use crate::online::OnlineError;
        match e {
            OnlineError::Media(m) => m.into(),
            OnlineError::Host(_) => Failure::new(Exit::Media, e.to_string()),
            OnlineError::Refused(_) => Failure::new(Exit::Verification, e.to_string()),
            OnlineError::Usage(_) => Failure::new(Exit::Usage, e.to_string()),
        }
    }
}

impl From<CeremonyError> for Failure {
    fn from(e: CeremonyError) -> Failure {
        match e {
            // The cause decides the exit code; the account of what was
            // left goes into the message.
            CeremonyError::Stopped { cause, advice } => {
                let f = Failure::from(*cause);
                Failure {
                    message: format!("{}\n{advice}", f.message),
                    ..f
                }
            }
            CeremonyError::Plan(e) => e.into(),
            CeremonyError::Media(e) => e.into(),
            CeremonyError::Transcript(e) => e.into(),
            CeremonyError::OpenPgp(e) => e.into(),
            CeremonyError::BackupCheck { .. } | CeremonyError::NotACeremonyDir { .. } => {
                Failure::new(Exit::Verification, e.to_string())
            }
            CeremonyError::OlderBackup(_) => Failure::new(Exit::Usage, e.to_string()),
            CeremonyError::Delivery(_) => Failure::new(Exit::Media, e.to_string()),
            CeremonyError::Share(_) | CeremonyError::Sheet(_) | CeremonyError::ShareFile { .. } => {
                Failure::new(Exit::Verification, e.to_string())
            }
            CeremonyError::AirGap(_) => Failure::new(Exit::AirGap, e.to_string())
                .hint("`keyceremony airgap-check` lists every finding"),
            CeremonyError::OpenPgpCard(_) | CeremonyError::Pkcs11(_) | CeremonyError::Piv(_) => {
                Failure::new(Exit::Cards, e.to_string())
            }
            CeremonyError::Cosign(_) => Failure::new(Exit::Key, e.to_string()),
            // What the ceremony will not do with what it was given (a
            // missing plan field, a file that is not what it should be): the
            // operator's to fix, not a bug.
            CeremonyError::Request(_) => Failure::new(Exit::Usage, e.to_string()),
            CeremonyError::ReadBack(_) => Failure::new(Exit::Verification, e.to_string()),
            CeremonyError::Bug(_) => Failure::new(Exit::Internal, e.to_string())
                .hint("this is a bug in keyceremony: report it with the transcript"),
            other => Failure::new(Exit::Internal, other.to_string()),
        }
    }
}
