//! `keyceremony restore`: k shares open a backup in memory.

use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The ceremony directory on a backup medium (holds secret-key.asc and shares.json)
    #[arg(long)]
    pub backup: PathBuf,
    /// Share files: sheets, word lists, QR payloads, or age files of them.
    /// Without any, shares are read from standard input, one per line
    pub shares: Vec<PathBuf>,
    /// age identity file (age-keygen format) for age-encrypted shares; repeatable
    #[arg(long)]
    pub identity: Vec<PathBuf>,
}
