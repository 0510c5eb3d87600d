//! `keyceremony verify` (also `keyceremony-online verify`): check an export bundle.

use super::AnchorArgs;
use std::path::PathBuf;

/// What `verify` is given (also `keyceremony-online verify`).
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The bundle: a ceremony directory of the export medium
    pub bundle: PathBuf,
    #[command(flatten)]
    pub anchor: AnchorArgs,
}
