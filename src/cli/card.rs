//! `keyceremony card`: OpenPGP cards.

use super::{BackupArgs, OutputFormat};
use crate::plan::CardTouch;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum CardCommand {
    /// Every OpenPGP card in a reader: serial, keys, PIN tries
    List {
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        output_format: OutputFormat,
    },
    /// Every smart-card reader pcscd sees, and whether a card is in it (any card, not only OpenPGP)
    Readers {
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        output_format: OutputFormat,
    },
    /// One card, by serial (8 hex digits) or ident
    Status {
        serial: String,
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        output_format: OutputFormat,
    },
    /// Put a restored key's subkeys on a card (a replacement, or a card a ceremony could not finish)
    #[command(
        after_help = "Example:\n  keyceremony card provision --backup /media/backup-1/ceremony-* --pins card-pins.txt --serial 0000A001 share-1-of-5.txt share-2-of-5.txt share-4-of-5.txt"
    )]
    Provision(Box<ProvisionArgs>),
    /// Sign a fresh challenge on a card with the user PIN and verify it against the cert
    Prove {
        /// The card (8 hex digits)
        #[arg(long)]
        serial: String,
        /// The public cert (cert.asc from the export or a backup)
        #[arg(long)]
        cert: PathBuf,
        /// The PIN file a ceremony handed over
        #[arg(long)]
        pins: PathBuf,
    },
}

#[derive(Debug, clap::Args)]
pub struct ProvisionArgs {
    #[command(flatten)]
    pub from: BackupArgs,
    /// The card (8 hex digits); required when more than one card is present
    #[arg(long)]
    pub serial: Option<String>,
    /// The PIN file a ceremony handed over (user-pin:/admin-pin: lines), for the same PINs on every card
    #[arg(long, conflicts_with = "new_pins_to")]
    pub pins: Option<PathBuf>,
    /// Generate new PINs and hand them to this new file or fd:N
    #[arg(long)]
    pub new_pins_to: Option<String>,
    /// Confirm a factory reset of the card with this serial first
    #[arg(long)]
    pub reset: Option<String>,
    #[arg(long)]
    pub cardholder: Option<String>,
    #[arg(long)]
    pub url: Option<String>,
    /// Touch policy of the card's key slots
    #[arg(long, default_value = "off", value_parser = super::choice::<CardTouch>(CardTouch::WORDS))]
    pub touch: CardTouch,
    /// Hash PINs on this host (KDF-DO) if the card offers it; set before the PINs
    #[arg(long)]
    pub kdf: bool,
    /// The named signing role this card holds (two-person signing, docs/two-person.md): its
    /// signing slot takes that role's subkey. Without it, the default role's ("release")
    #[arg(long, value_name = "NAME")]
    pub signing_role: Option<String>,
}
