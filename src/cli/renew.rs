//! `keyceremony renew`: new expiry times for the key.

use super::ExistingKeyArgs;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct RenewArgs {
    /// The primary's new expiry: a duration from now (2y, 52w, 365d) or a date (2027-12-31); default: the plan's [key] expiry
    #[arg(long)]
    pub expiry: Option<String>,
    /// Every subkey's new expiry, as --expiry; default: the plan's [subkeys] expiry
    #[arg(long)]
    pub subkey_expiry: Option<String>,
    /// The cards' PIN file: prove each card holding the key against the renewed cert
    #[arg(long)]
    pub card_pins: Option<PathBuf>,
    #[command(flatten)]
    pub key: ExistingKeyArgs,
}
