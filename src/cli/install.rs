//! `keyceremony install` (also `keyceremony-online install`): a verified
//! bundle's keyring, policy and lookaside installed below a root.

use super::AnchorArgs;
use std::path::PathBuf;

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
    /// Also write the cluster's admission policies (sigstore policy-controller and Kyverno, JSON for `kubectl apply -f DIR`) into this existing directory
    #[arg(long, value_name = "DIR")]
    pub kubernetes: Option<PathBuf>,
    #[command(flatten)]
    pub anchor: AnchorArgs,
}
