//! `keyceremony genesis`: a new key, in batch mode, from a plan.

use super::OutputFormat;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct GenesisArgs {
    /// The plan to carry out
    #[arg(long)]
    pub plan: PathBuf,
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub output_format: OutputFormat,
    /// Read /sys and /proc for the air-gap check below this directory (for testing)
    #[arg(long, hide = true)]
    pub airgap_root: Option<PathBuf>,
}
