//! `keyceremony cosign`: the cosign key's own ceremonies.

use super::{BackupArgs, ExistingKeyArgs};
use crate::cosign::revocation::RevokeReason;
use crate::cosign::rotation::Reason;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum CosignCommand {
    /// Replace the key's cosign key by a new one where the plan's [cosign] puts it (any tier), bound by the primary, with a rotation statement both sign: new backups, shares unchanged, a new bundle
    #[command(
        after_help = "Example:\n  keyceremony cosign rotate --plan plan.toml --backup /media/backup-1/ceremony-* --reason scheduled --transition 30d share-1-of-5.txt share-2-of-5.txt share-4-of-5.txt\n\nA scheduled rotation keeps the old key's signatures standing in clusters until the transition ends (re-sign running images meanwhile); --reason compromised drops the old key from every policy with this bundle. Nodes (containers' sigstoreSigned) take the new key alone from this bundle on."
    )]
    Rotate {
        /// Why the key is replaced
        #[arg(long, default_value = "scheduled", value_parser = super::choice::<Reason>(Reason::WORDS))]
        reason: Reason,
        /// How long clusters accept the old key's signatures: a duration or a date (default 30d; not with compromised)
        #[arg(long)]
        transition: Option<String>,
        #[command(flatten)]
        key: ExistingKeyArgs,
    },
    /// Revoke the key's cosign key with no replacement: every policy made from the new bundle drops it at once (no transition), and the key's signed list of revoked cosign keys names it in every later bundle
    #[command(
        after_help = "Example:\n  keyceremony cosign revoke --plan plan.toml --backup /media/backup-1/ceremony-NEWEST --reason compromised share-1-of-5.txt share-2-of-5.txt share-4-of-5.txt\n\nThen install the new bundle everywhere (keyceremony install, and install --kubernetes for clusters): nodes drop the key from policy.json, clusters refuse every image of the scopes until a new cosign key is made (keyceremony cosign rotate). The report lists where copies of the key are left to destroy (CI secret stores, tokens, old backups)."
    )]
    Revoke {
        /// Why the key is revoked
        #[arg(long, value_parser = super::choice::<RevokeReason>(RevokeReason::WORDS))]
        reason: RevokeReason,
        /// Also destroy the key in the HSM it is in, which the plan's [cosign] names (tier = "pkcs11": module, token, pin_from); recorded in the transcript either way
        #[arg(long)]
        destroy_in_token: bool,
        #[command(flatten)]
        key: ExistingKeyArgs,
    },
    /// Write the cosign key a backup keeps as a new cosign key file (cosign.key) under a new password: for a CI secret store that lost it
    #[command(
        after_help = "Example:\n  keyceremony cosign key-file --backup /media/backup-1/ceremony-* --to /media/CI-SECRETS --password-to fd:4 share-1-of-5.txt share-2-of-5.txt share-4-of-5.txt 4> password.txt"
    )]
    KeyFile {
        #[command(flatten)]
        from: BackupArgs,
        /// The directory that gets cosign.key (never over an existing one)
        #[arg(long)]
        to: PathBuf,
        /// Where the new password is handed over: a new file or fd:N
        #[arg(long)]
        password_to: String,
    },
}
