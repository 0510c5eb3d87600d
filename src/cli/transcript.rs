//! `keyceremony transcript`: check transcripts and a key's history.

use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum TranscriptCommand {
    /// Check transcripts' hash chains and signatures; given several, a key's whole history
    #[command(
        after_help = "Given one transcript: its hash chain and its signature by the primary.\nGiven several, oldest first: each as above, and together a key's history from its genesis:\neach ceremony continues the one before (it records the SHA-256 of that ceremony's signed\ntranscript, as the backup it opened held it), so one removed, swapped or changed is named.\nCeremony directory names sort oldest first, so a glob gives the order.\n\nExamples:\n  keyceremony transcript verify /media/export/ceremony-20261123T072716Z/transcript.jsonl\n  keyceremony transcript verify --cert cert.asc /media/backup-1/ceremony-*/transcript.jsonl"
    )]
    Verify {
        /// The transcripts (transcript.jsonl), oldest first
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The public cert of the primary [default: cert.asc beside each transcript]
        #[arg(long)]
        cert: Option<PathBuf>,
        /// The detached signature, for one transcript [default: FILE.asc]
        #[arg(long)]
        signature: Option<PathBuf>,
    },
}
