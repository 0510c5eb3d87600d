//! `keyceremony shares`: split, combine, verify and show shares by hand.

use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum SharesCommand {
    /// Split a BIP39 passphrase (12 or 24 words) into share sheets and QR codes
    #[command(
        after_help = "Example:\n  keyceremony shares split --threshold 2 --count 3 --passphrase-file pass.txt --out shares/"
    )]
    Split {
        /// How many shares restore the passphrase
        #[arg(long)]
        threshold: u8,
        /// How many shares to make (at most 16)
        #[arg(long)]
        count: u8,
        /// The passphrase words: a path, or fd:N for an open file descriptor
        #[arg(long)]
        passphrase_file: String,
        /// Directory for the sheets, QR codes and shares.json (files are never overwritten)
        #[arg(long)]
        out: PathBuf,
        /// Primary fingerprint to print on the sheets
        #[arg(long, default_value = "")]
        fingerprint: String,
        /// Custodian names, one per share, in order
        #[arg(long)]
        custodian: Vec<String>,
    },
    /// Combine shares into the passphrase and hand it to a file or descriptor
    #[command(
        after_help = "Example:\n  keyceremony shares combine --check backup/shares.json --out fd:3 share-1-of-5.txt share-2-of-5.txt share-5-of-5.txt 3>&1"
    )]
    Combine {
        /// Share files (sheets, word lists, QR payloads, or age files of them)
        #[arg(required = true)]
        shares: Vec<PathBuf>,
        /// age identity file for age-encrypted shares; repeatable
        #[arg(long)]
        identity: Vec<PathBuf>,
        /// shares.json from the backup: the result must match its check value (required: an unchecked combination of a forged share would be a wrong passphrase)
        #[arg(long)]
        check: PathBuf,
        /// Where the passphrase goes: a new file (mode 0600) or fd:N
        #[arg(long)]
        out: String,
    },
    /// Show one share: its sheet and its QR code in the terminal (for a custodian, alone)
    Show {
        /// The share file (sheet, word list, QR payload, or age file of one)
        share: PathBuf,
        /// age identity file for an age-encrypted share
        #[arg(long)]
        identity: Vec<PathBuf>,
    },
    /// Check that share files read correctly and belong together; prints no secret
    Verify {
        /// Share files (sheets, word lists, QR payloads, or age files of them)
        #[arg(required = true)]
        shares: Vec<PathBuf>,
        /// age identity file for age-encrypted shares; repeatable
        #[arg(long)]
        identity: Vec<PathBuf>,
        /// shares.json from the backup: with enough shares, check they combine to it
        #[arg(long)]
        check: Option<PathBuf>,
    },
}
