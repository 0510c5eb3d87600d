//! `keyceremony lost-card`: a card lost, its subkeys kept or rotated.

use super::ExistingKeyArgs;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct LostCardArgs {
    /// The lost card's serial (8 hex digits, as `card list` and the transcripts show it)
    #[arg(long)]
    pub serial: String,
    /// Keep its subkeys: record the loss only
    #[arg(long, conflicts_with = "rotate", required_unless_present = "rotate")]
    pub keep: bool,
    /// Rotate every subkey it held
    #[arg(long)]
    pub rotate: bool,
    /// The ceremony's card PIN file: the cards taking the new subkeys keep these PINs
    #[arg(long, requires = "rotate")]
    pub card_pins: Option<PathBuf>,
    #[command(flatten)]
    pub key: ExistingKeyArgs,
}
