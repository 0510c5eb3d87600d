//! `keyceremony airgap-check`: is this machine fit for a ceremony.

use super::OutputFormat;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct AirgapCheckArgs {
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub output_format: OutputFormat,
    /// Read /sys and /proc below this directory instead of / (for testing)
    #[arg(long, hide = true, default_value = "/")]
    pub root: PathBuf,
}
