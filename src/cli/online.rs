//! `keyceremony verify` and `keyceremony install` (also `keyceremony-online`): the online side.

use super::OutputFormat;
use std::path::PathBuf;

/// What `verify` is given (also `keyceremony-online verify`).
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The bundle: a ceremony directory of the export medium
    pub bundle: PathBuf,
    #[command(flatten)]
    pub anchor: AnchorArgs,
}

/// What `install` is given (also `keyceremony-online install`).
#[derive(Debug, clap::Args)]
pub struct InstallArgs {
    /// The bundle: a ceremony directory of the export medium
    pub bundle: PathBuf,
    /// Where the installed system's root is (a chroot, an image's root); paths in the policy are as that system sees them
    #[arg(long, default_value = "/")]
    pub root: PathBuf,
    /// Replace a local policy rule for a scope the bundle declares (kept and shown otherwise)
    #[arg(long)]
    pub replace_local: bool,
    #[command(flatten)]
    pub anchor: AnchorArgs,
}

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
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub output_format: OutputFormat,
}
