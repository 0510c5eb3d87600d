//! What `keyceremony verify` and `keyceremony install` (and `keyceremony-online`)
//! share: where the online side's trust comes from.

use super::OutputFormat;
use std::path::PathBuf;

/// Where the online side's trust comes from, and when it judges.
#[derive(Debug, clap::Args)]
pub struct AnchorArgs {
    /// The trusted primary fingerprint (with --state: the key a new state file pins)
    #[arg(long, required_unless_present = "state")]
    pub trust: Option<String>,
    /// A state file: pins the key on first use (or --trust's), follows it through rotations, remembers the bundle accepted
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Judge at this time instead of now: a date (2027-06-01) or a duration from now (400d)
    #[arg(long)]
    pub at: Option<String>,
    /// A directory of the witnesses' certs, one per file: with --require, the ceremony must have been countersigned on their cards (docs/witnesses.md)
    #[arg(long, requires = "require", value_name = "DIR")]
    pub witnesses: Option<PathBuf>,
    /// How many of the --witnesses must have signed the ceremony's statement
    #[arg(long, requires = "witnesses", value_name = "N")]
    pub require: Option<usize>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub output_format: OutputFormat,
}
