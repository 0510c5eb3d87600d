//! `keyceremony reshare`: a new passphrase and share set.

use super::ExistingKeyArgs;

#[derive(Debug, clap::Args)]
pub struct ReshareArgs {
    #[command(flatten)]
    pub key: ExistingKeyArgs,
}
