//! The commands behind the CLI: glue between clap's arguments, the engine and
//! the printers. Data goes to stdout, messages for people to stderr.

#[macro_use]
pub(crate) mod out;

mod airgap;
mod batch_ui;
mod card;
mod deliver;
mod genesis;
mod plan;
pub(crate) mod shares;
mod transcript;

use std::fmt;

use crate::ceremony::CeremonyError;
use crate::cli::{CardCommand, Command, PlanCommand, SharesCommand, TranscriptCommand};
use crate::harden::Hardening;
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
        write!(f, "Error: {}", self.message)?;
        if let Some(h) = &self.hint {
            write!(f, "\nHint: {h}")?;
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
        Failure::new(Exit::Media, e.to_string())
    }
}

impl From<TranscriptError> for Failure {
    fn from(e: TranscriptError) -> Failure {
        match e {
            TranscriptError::Media(m) => m.into(),
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

impl From<CeremonyError> for Failure {
    fn from(e: CeremonyError) -> Failure {
        match e {
            CeremonyError::Plan(e) => e.into(),
            CeremonyError::Media(e) => e.into(),
            CeremonyError::Transcript(e) => e.into(),
            CeremonyError::OpenPgp(e) => e.into(),
            CeremonyError::BackupCheck { .. } | CeremonyError::NotACeremonyDir { .. } => {
                Failure::new(Exit::Verification, e.to_string())
            }
            CeremonyError::Delivery(_) => Failure::new(Exit::Media, e.to_string()),
            CeremonyError::Share(_) | CeremonyError::Sheet(_) => {
                Failure::new(Exit::Verification, e.to_string())
            }
            CeremonyError::AirGap(_) => Failure::new(Exit::AirGap, e.to_string())
                .hint("`keyceremony airgap-check` lists every finding"),
            CeremonyError::Token(_) => Failure::new(Exit::Cards, e.to_string()),
            other => Failure::new(Exit::Internal, other.to_string()),
        }
    }
}

/// Runs one command; `hardening` is what `main` could do to protect the process.
/// `keyceremony` alone: the TUI in a terminal; elsewhere (a script, a pipe)
/// the help, since a script that forgot its command must not hang on a screen.
fn no_command(hardening: &Hardening) -> Result<(), Failure> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        return crate::tui::run(None, hardening);
    }
    use clap::CommandFactory;
    eprintln!("{}", crate::cli::Cli::command().render_help());
    Err(Failure::new(
        Exit::Usage,
        "no command given, and this is not a terminal for the TUI",
    )
    .hint("give one of the commands above, or run `keyceremony` in a terminal"))
}

pub fn run(command: Option<Command>, hardening: &Hardening) -> Result<(), Failure> {
    let Some(command) = command else {
        return no_command(hardening);
    };
    match command {
        Command::AirgapCheck {
            output_format,
            root,
        } => airgap::check(&root, output_format, hardening),
        Command::Demo { dir } => genesis::demo(&dir, hardening),
        Command::Genesis {
            plan,
            output_format,
            airgap_root,
        } => genesis::genesis(&plan, output_format, airgap_root, hardening),
        Command::Plan { action } => match action {
            PlanCommand::Init { path } => plan::init(&path),
            PlanCommand::Check { plan } => plan::check(&plan),
        },
        Command::Restore {
            backup,
            shares: files,
            identity,
        } => shares::restore(&backup, &files, &identity),
        Command::Shares { action } => match action {
            SharesCommand::Split {
                threshold,
                count,
                passphrase_file,
                out,
                fingerprint,
                custodian,
            } => shares::split(
                threshold,
                count,
                &passphrase_file,
                &out,
                &fingerprint,
                &custodian,
            ),
            SharesCommand::Combine {
                shares: files,
                identity,
                check,
                out,
            } => shares::combine(&files, &identity, check.as_deref(), &out),
            SharesCommand::Show { share, identity } => shares::show(&share, &identity),
            SharesCommand::Verify {
                shares: files,
                identity,
                check,
            } => shares::verify(&files, &identity, check.as_deref()),
        },
        Command::Card { action } => match action {
            CardCommand::List { output_format } => card::list(output_format),
            CardCommand::Readers { output_format } => card::readers(output_format),
            CardCommand::Status {
                serial,
                output_format,
            } => card::status(&serial, output_format),
            CardCommand::Provision(args) => card::provision(*args),
            CardCommand::Prove { serial, cert, pins } => card::prove(&serial, &cert, &pins),
        },
        Command::Tui { plan } => crate::tui::run(plan.as_deref(), hardening),
        Command::Transcript { action } => match action {
            TranscriptCommand::Verify {
                file,
                cert,
                signature,
            } => transcript::verify(&file, cert.as_deref(), signature.as_deref()),
        },
    }
}
