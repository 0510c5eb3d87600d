//! `keyceremony hsm`: PKCS#11 tokens for the cosign key.

use super::{BackupArgs, OutputFormat};
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum HsmCommand {
    /// Every token the module offers: label, maker, model, serial, user PIN state
    #[command(
        after_help = "Example:\n  keyceremony hsm list --module /usr/lib/softhsm/libsofthsm2.so\n\nThe label is what the plan's cosign.token names."
    )]
    List {
        /// The PKCS#11 module (a shared library) of the HSM
        #[arg(long)]
        module: PathBuf,
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        output_format: OutputFormat,
    },
    /// Import the cosign key a backup keeps into a token: a replacement for a lost or broken HSM
    #[command(
        after_help = "Example:\n  keyceremony hsm provision --backup /media/backup-1/ceremony-* --module /usr/lib/softhsm/libsofthsm2.so --token release --pin-from fd:3 share-1-of-5.txt share-2-of-5.txt share-4-of-5.txt 3< pin.txt\n\nThe key goes in unextractable and for signing only, under a new id; the URI printed is what cosign sign --key takes. A key made in a token (generate_on_device) never left it: no backup keeps it."
    )]
    Provision(Box<HsmProvisionArgs>),
}

#[derive(Debug, clap::Args)]
pub struct HsmProvisionArgs {
    #[command(flatten)]
    pub from: BackupArgs,
    /// The PKCS#11 module (a shared library) of the HSM
    #[arg(long)]
    pub module: PathBuf,
    /// The token's label (`keyceremony hsm list`)
    #[arg(long)]
    pub token: String,
    /// The key's label in the token
    #[arg(long, default_value = "cosign")]
    pub label: String,
    /// Where the token's user PIN is read: a file or fd:N (its first line; never stored)
    #[arg(long)]
    pub pin_from: String,
}
