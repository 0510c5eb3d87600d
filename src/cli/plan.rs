//! `keyceremony plan`: write and check a plan.

use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Write a commented example plan (never overwrites)
    Init {
        /// Where to write it (`-`: standard output)
        #[arg(default_value = "plan.toml")]
        path: PathBuf,
    },
    /// Read a plan, report every problem, and summarise what it will do
    Check {
        /// The plan to check
        plan: PathBuf,
    },
}
