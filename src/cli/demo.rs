//! `keyceremony demo`: a whole batch genesis on the example plan, every
//! medium a directory.

use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Directory to hold the plan and the media (created if missing; must not hold a plan)
    pub dir: PathBuf,
}
