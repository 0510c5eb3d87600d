//! `keyceremony tui`: the terminal UI.

use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct TuiArgs {
    /// The plan to pre-fill the forms with [default: the example plan]
    #[arg(long)]
    pub plan: Option<PathBuf>,
}
