//! `keyceremony rotate`: a new primary key, cross-certified.

use super::ExistingKeyArgs;

#[derive(Debug, clap::Args)]
pub struct RotateArgs {
    /// Why: one line, in the signed statement
    #[arg(long)]
    pub reason: String,
    /// How long the old key's signatures stay trusted: a duration (30d) or a date
    #[arg(long, default_value = "30d")]
    pub transition: String,
    #[command(flatten)]
    pub key: ExistingKeyArgs,
}
