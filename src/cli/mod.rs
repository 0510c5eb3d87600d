//! Command-line definitions (clap) and nothing else: the work is in `commands`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  internal error (a bug: please report it with the transcript)
  2  usage error (the command line is wrong)
  3  the plan cannot be read or is not valid
  4  a medium is missing, full, read-only, or read back wrong; or a file exists already
  5  a verification failed (transcript, signature, manifest, backup)
  6  a key operation failed";

#[derive(Debug, Parser)]
#[command(
    name = "keyceremony",
    version,
    about = "Offline OpenPGP key ceremonies on an air-gapped machine",
    long_about = "Runs OpenPGP key ceremonies on an air-gapped machine: a certify-only primary \
key with subkeys, its revocation certificate, passphrase-protected backups on several media, \
and the public cert and a signed transcript for the online side.",
    after_help = EXIT_CODES,
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a complete batch genesis on the example plan, with every medium a
    /// subdirectory of DIR; prints where everything went
    #[command(after_help = "Example:\n  keyceremony demo /tmp/ceremony-demo")]
    Demo {
        /// Directory to hold the plan and the media (created if missing; must not hold a plan)
        dir: PathBuf,
    },
    /// Write or check a ceremony plan
    Plan {
        #[command(subcommand)]
        action: PlanCommand,
    },
    /// Run a genesis ceremony from a plan, in batch mode (no prompts)
    #[command(
        after_help = "Example:\n  keyceremony plan init plan.toml\n  keyceremony genesis --plan plan.toml"
    )]
    Genesis {
        /// The plan to carry out
        #[arg(long)]
        plan: PathBuf,
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        output_format: OutputFormat,
    },
    /// Check ceremony transcripts
    Transcript {
        #[command(subcommand)]
        action: TranscriptCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Write a commented example plan (never overwrites)
    Init {
        /// Where to write it
        #[arg(default_value = "plan.toml")]
        path: PathBuf,
    },
    /// Read a plan, report every problem, and summarise what it will do
    Check {
        /// The plan to check
        plan: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum TranscriptCommand {
    /// Check a transcript's hash chain and its signature by the primary key
    #[command(
        after_help = "Example:\n  keyceremony transcript verify /media/export/ceremony-20261123T072716Z/transcript.jsonl"
    )]
    Verify {
        /// The transcript (transcript.jsonl)
        file: PathBuf,
        /// The public cert of the primary [default: cert.asc beside the transcript]
        #[arg(long)]
        cert: Option<PathBuf>,
        /// The detached signature [default: FILE.asc]
        #[arg(long)]
        signature: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Text for people
    Human,
    /// One JSON document for programs
    Json,
}
