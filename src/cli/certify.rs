//! `keyceremony certify`: what vouching for another key is given.

use super::ExistingKeyArgs;
use std::path::PathBuf;

/// What `keyceremony certify` is given.
#[derive(Debug, clap::Args)]
pub struct CertifyArgs {
    /// The cert to certify (armored or binary)
    #[arg(long)]
    pub cert: PathBuf,
    /// A user ID to certify, exactly as in the cert; repeatable [default: every valid one]
    #[arg(long = "user-id")]
    pub user_ids: Vec<String>,
    /// Certification level: 0, 1, 2 or 3
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=3))]
    pub level: u8,
    /// When the certification ends: a duration from now (1y, 90d) or a date [default: never]
    #[arg(long)]
    pub expiry: Option<String>,
    /// Make it a trust signature of this depth (1: the key may introduce others)
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=255))]
    pub trust_depth: Option<u8>,
    /// Limit the trust to user IDs in this mail domain (and its subdomains)
    #[arg(long)]
    pub trust_domain: Option<String>,
    /// Partial trust (amount 60) instead of full (120)
    #[arg(long)]
    pub trust_partial: bool,
    #[command(flatten)]
    pub key: ExistingKeyArgs,
}
