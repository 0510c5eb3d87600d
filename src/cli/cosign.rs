//! `keyceremony cosign`: the cosign key's own ceremonies.

use super::BackupArgs;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum CosignCommand {
    /// Write the cosign key a backup keeps as a new cosign key file (cosign.key) under a new password: for a CI secret store that lost it
    #[command(
        after_help = "Example:\n  keyceremony cosign key-file --backup /media/backup-1/ceremony-* --to /media/CI-SECRETS --password-to fd:4 share-1-of-5.txt share-2-of-5.txt share-4-of-5.txt 4> password.txt"
    )]
    KeyFile {
        #[command(flatten)]
        from: BackupArgs,
        /// The directory that gets cosign.key (never over an existing one)
        #[arg(long)]
        to: PathBuf,
        /// Where the new password is handed over: a new file or fd:N
        #[arg(long)]
        password_to: String,
    },
}
