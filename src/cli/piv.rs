//! `keyceremony piv`: YubiKey PIV for the cosign key.

use super::{choice, BackupArgs, OutputFormat};
use crate::plan::{PivPin, PivTouch};
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum PivCommand {
    /// Every YubiKey with a PIV application: serial, firmware, PIN and PUK tries, slot 9c
    #[command(
        after_help = "Example:\n  keyceremony piv list\n\nThe serial is what the plan's cosign.piv_serials names (as `ykman list` shows it)."
    )]
    List {
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        output_format: OutputFormat,
    },
    /// One YubiKey's PIV state: tries left, whether it is in its factory state, the key and certificate in slot 9c
    Status {
        /// The YubiKey's serial (decimal, as `keyceremony piv list` shows it)
        serial: u32,
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        output_format: OutputFormat,
    },
    /// Import the cosign key a backup keeps into a YubiKey in its factory state: a replacement for a lost one
    #[command(
        after_help = "Example:\n  keyceremony piv provision --backup /media/backup-1/ceremony-* --serial 12345678 --pins-to fd:3 share-1-of-5.txt share-2-of-5.txt share-4-of-5.txt 3> piv-pins.txt\n\nThe token gets the key in slot 9c, a self-signed certificate, new PIN and PUK (handed over to --pins-to, or the ones on the sheet --pins-from names, which its siblings have) and a random management key kept on it under the PIN; then it signs a challenge that is checked against the backup's cosign.pub. A token that is not in its factory state is refused: reset its PIV application (`ykman piv reset`) if it holds nothing you need."
    )]
    Provision(Box<PivProvisionArgs>),
}

#[derive(Debug, clap::Args)]
pub struct PivProvisionArgs {
    #[command(flatten)]
    pub from: BackupArgs,
    /// The YubiKey's serial (decimal, as `keyceremony piv list` shows it)
    #[arg(long)]
    pub serial: u32,
    /// Where the token's new PIN and PUK are handed over: a new file or fd:N
    #[arg(
        long,
        required_unless_present = "pins_from",
        conflicts_with = "pins_from"
    )]
    pub pins_to: Option<String>,
    /// Give the token the PIN and PUK its siblings have instead: the sheet a
    /// ceremony handed over (a file or fd:N), so that one PIN serves them all
    #[arg(long)]
    pub pins_from: Option<String>,
    /// When the token asks for its PIN
    #[arg(long, default_value = "always", value_parser = choice::<PivPin>(PivPin::WORDS))]
    pub pin_policy: PivPin,
    /// When the token asks for a touch
    #[arg(long, default_value = "never", value_parser = choice::<PivTouch>(PivTouch::WORDS))]
    pub touch_policy: PivTouch,
}
