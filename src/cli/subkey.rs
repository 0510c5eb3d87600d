//! `keyceremony subkey`: rotate or revoke a subkey.

use super::ExistingKeyArgs;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum SubkeyCommand {
    /// A new subkey for a role; the one it replaces revoked as superseded, or left valid until a date
    #[command(
        after_help = "The new subkey is valid for the plan's [subkeys] expiry. It goes onto the plan's [cards], each\nproven by a signature; a card holding this key's earlier subkeys is reset for it (the backup\nholds all it held). --card-pins keeps the ceremony's PINs; without it new PINs go where\ncards.pins_deliver_to says. With cards.count = 0, put it on cards later with\n`keyceremony card provision --backup NEW_BACKUP ...`.\n\nExamples:\n  keyceremony subkey rotate --plan plan.toml --backup /media/backup-1/ceremony-* SHARES...\n  keyceremony subkey rotate --card-pins card-pins.txt --plan plan.toml --backup DIR SHARES...\n  keyceremony subkey rotate --role encryption --keep-old-until 30d --plan plan.toml --backup DIR SHARES...\n  keyceremony subkey rotate --reason 'yearly rotation' --plan plan.toml --backup DIR SHARES...\n  keyceremony subkey rotate --signing-role approve --card-pins approve-pins.txt --plan plan.toml --backup DIR SHARES...\n\nA subkey superseded by a rotation and later found compromised: `keyceremony subkey revoke\n--fingerprint OLD --reason compromised` marks it so (nothing it ever signed holds then)."
    )]
    Rotate {
        /// signing, encryption or authentication
        #[arg(long, default_value = "signing")]
        role: String,
        /// With --role signing: the named signing role whose subkey is replaced (two-person signing,
        /// docs/two-person.md); only its cards take the new one. Without it, the default role's.
        /// A role the key does not have yet is added.
        #[arg(long, value_name = "NAME")]
        signing_role: Option<String>,
        /// Leave the old subkey valid until then (a date or a duration from now) instead of revoking it now
        #[arg(long)]
        keep_old_until: Option<String>,
        /// Why, in a few words (into the old subkey's revocation and the transcript)
        #[arg(long)]
        reason: Option<String>,
        /// The ceremony's card PIN file: the cards taking the new subkey keep these PINs
        #[arg(long)]
        card_pins: Option<PathBuf>,
        #[command(flatten)]
        key: ExistingKeyArgs,
    },
    /// Revoke a subkey without a replacement
    #[command(
        after_help = "compromised: its secret may be known to others, so nothing it signed can be trusted.\nretired: no longer used; what it signed stays good.\n\nExample:\n  keyceremony subkey revoke --fingerprint 0F84...E24E20FB --reason compromised --plan plan.toml --backup DIR SHARES..."
    )]
    Revoke {
        /// The subkey's fingerprint
        #[arg(long)]
        fingerprint: String,
        /// compromised or retired
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        key: ExistingKeyArgs,
    },
}
