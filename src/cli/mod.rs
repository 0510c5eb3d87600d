//! Command-line definitions (clap) and nothing else: the work is in `commands`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

mod airgap;
mod card;
mod certify;
mod cosign;
mod demo;
mod genesis;
mod hsm;
mod install;
mod lost_card;
mod media;
mod online;
mod piv;
mod plan;
mod renew;
mod reshare;
mod restore;
mod rotate;
mod shares;
mod subkey;
mod transcript;
mod tui;
mod verify;

pub use airgap::AirgapCheckArgs;
pub use card::{CardCommand, ProvisionArgs};
pub use certify::CertifyArgs;
pub use cosign::CosignCommand;
pub use demo::DemoArgs;
pub use genesis::GenesisArgs;
pub use hsm::{HsmCommand, HsmProvisionArgs};
pub use install::InstallArgs;
pub use lost_card::LostCardArgs;
pub use media::MediaCommand;
pub use online::AnchorArgs;
pub use piv::{PivCommand, PivProvisionArgs};
pub use plan::PlanCommand;
pub use renew::RenewArgs;
pub use reshare::ReshareArgs;
pub use restore::RestoreArgs;
pub use rotate::RotateArgs;
pub use shares::SharesCommand;
pub use subkey::SubkeyCommand;
pub use transcript::TranscriptCommand;
pub use tui::TuiArgs;
pub use verify::VerifyArgs;

pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  internal error (a bug: please report it with the transcript)
  2  usage error (the command line is wrong)
  3  the plan cannot be read or is not valid
  4  a medium is missing, full, read-only, or read back wrong; or a file exists already
  5  a verification failed (transcript, signature, manifest, backup)
  6  a key operation failed
  7  the air-gap check found a critical problem (a network interface up, a clock before the build)
  8  a card could not be provisioned or proven (the rest of the ceremony is done; resume with `card provision`)
  9  stopped by a signal (SIGINT, SIGTERM, SIGHUP) at a safe point: what it left is marked FAILED-";

#[derive(Debug, Parser)]
#[command(
    name = "keyceremony",
    version,
    about = "Offline OpenPGP key ceremonies on an air-gapped machine",
    long_about = "Runs OpenPGP key ceremonies on an air-gapped machine: a certify-only primary \
key with subkeys, its revocation certificate, passphrase-protected backups on several media, \
and the public cert and a signed transcript for the online side.",
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// With no command, the terminal UI opens (in a terminal).
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a complete batch genesis on the example plan, with every medium a
    /// subdirectory of DIR; prints where everything went
    #[command(after_help = "Example:\n  keyceremony demo /tmp/ceremony-demo")]
    Demo(DemoArgs),
    /// Write or check a ceremony plan
    Plan {
        #[command(subcommand)]
        action: PlanCommand,
    },
    /// Run a genesis ceremony from a plan, in batch mode (no prompts)
    #[command(
        after_help = "Example:\n  keyceremony plan init plan.toml\n  keyceremony genesis --plan plan.toml"
    )]
    Genesis(GenesisArgs),
    /// Renew the key: new expiry for the primary and every subkey (also when expired), new backups, export
    #[command(
        after_help = "The plan gives the media, the air-gap settings, the people and, unless --expiry and\n--subkey-expiry say otherwise, the new expiry times (from now). The backup is proven and\nopened from k shares before anything is written; the renewed key goes to a new ceremony\ndirectory on every backup medium, protected by the same passphrase (the custodians' shares\ngo on working), and the renewed cert to the export medium. Cards need no change.\n\nExamples:\n  keyceremony renew --plan plan.toml --backup /media/backup-1/ceremony-20261123T072716Z share-1-of-5.txt share-3-of-5.txt share-4-of-5.txt\n  keyceremony renew --plan plan.toml --backup DIR --expiry 2027-12-31 --subkey-expiry 1y SHARES...\n  keyceremony renew --plan plan.toml --backup DIR --card-pins card-pins.txt SHARES...   (prove each card too)"
    )]
    Renew(RenewArgs),
    /// Replace the primary key: a new key as in genesis, cross-certified, and a rotation statement signed by both
    #[command(
        after_help = "The plan describes the new key as for a genesis (user IDs, profile, expiry, subkeys, the new\nshare set, media, cards); the shares given are k of the old key's set and open its backup\nfirst. Each primary certifies the other's user IDs; the rotation statement (old and new\nfingerprints, effective now, the end of the transition, the reason, the previous\nstatement's hash) is signed by both and goes into every later bundle, so that `verify`\npinned to the old fingerprint follows it to the new key and trusts the old key's\nsignatures until the transition ends. The old primary's revocation (superseded) goes to\nthe new backups: publish it when the transition ends.\n\nExample:\n  keyceremony rotate --reason 'yearly rotation' --transition 30d --plan new-key.toml --backup /media/backup-1/ceremony-* OLD-SHARES..."
    )]
    Rotate(RotateArgs),
    /// Online side: check an export bundle from a pinned fingerprint or a state file
    #[command(
        after_help = "Trust comes from --trust (the primary fingerprint the ceremony printed) or --state FILE,\nwhich pins the key on first use (or --trust's key, given with a new state file), follows it\nthrough rotation statements and remembers the bundle accepted. The bundle is read once into\nmemory (no link followed, no pipe or device opened, every file bounded) and every check runs\non those bytes. Refused (exit 5): a MANIFEST not signed by the key or not matching its files, a\ntranscript broken or not complete, a key revoked or expired at the time judged, a bundle past\nits own valid_until (a freeze), one older than a bundle already accepted (a replay), one that\ndoes not continue it (a fork), one for a key rotated away, and a policy fragment asking for\nmore than this key's signatures on the scopes bundle.json declares. Needs no card, no pcscd,\nno network.\n\nExamples:\n  keyceremony verify /media/export/ceremony-20261123T072716Z --trust 0F84...E24E20FB\n  keyceremony verify BUNDLE --state /var/lib/keyceremony/release-key.json --output-format json\n  keyceremony verify BUNDLE --trust FPR --at 2027-06-01   (judge it at another time)\n\nExit codes: 0 accepted, 2 usage, 4 the state file could not be read or written, 5 refused."
    )]
    Verify(VerifyArgs),
    /// Online side: verify a bundle, then install its keyring, policy and lookaside below ROOT
    #[command(
        after_help = "Writes ROOT/etc/pki/containers/keyceremony-FPR.gpg (and -cosign.pub), adds to\nROOT/etc/containers/policy.json the requirement of this key's signatures for each scope the\nbundle declares (nothing else: no other scope, never `default`; a local rule for a declared\nscope is kept and shown unless --replace-local; a new policy.json rejects everything else),\nand generates ROOT/etc/containers/registries.d/keyceremony-FPR.yaml. keyPath names the files\nas the installed system sees them (no ROOT prefix). One transaction: everything is staged\n(never through a link, files 0644 and directories 0755 whatever the umask), then renamed; on\nany failure nothing under ROOT changes and the state does not move. Nothing is written unless\nthe bundle verifies.\n\nExit codes: 0 installed, 2 usage, 4 the host's files could not be read or written,\n5 refused (nothing changed). docs/online-side.md has the merge rules and the threat model.\n\nExamples:\n  keyceremony install BUNDLE --state /var/lib/keyceremony/key.json --root /\n  keyceremony install BUNDLE --trust FPR --root /srv/image-root"
    )]
    Install(InstallArgs),
    /// Certify another key's user IDs with the primary, optionally as a trusted introducer for a domain
    #[command(
        after_help = "The cert is checked first (every self-signature verifies, not revoked, not expired), then\nthe backup is opened from k shares and the primary signs. The certified cert goes to the\nexport medium as certified-FINGERPRINT.asc; our key goes unchanged to new backup directories.\n\nLevels (as gpg's --default-cert-level): 0 no claim, 1 persona (not checked), 2 casual,\n3 positive (checked thoroughly). A trust signature (--trust-depth 1) makes the key an\nintroducer: keys it certifies are valid to those who trust ours; --trust-domain limits that\nto user IDs in a mail domain, as gpg's tsign does.\n\nExamples:\n  keyceremony certify --cert /media/import/new-release-key.asc --level 3 --plan plan.toml --backup DIR SHARES...\n  keyceremony certify --cert team-ca.asc --user-id 'Team CA <ca@example.org>' --trust-depth 1 --trust-domain example.org --expiry 1y --plan plan.toml --backup DIR SHARES..."
    )]
    Certify(CertifyArgs),
    /// New custodians: a new passphrase and share set, every backup re-encrypted, the old set retired
    #[command(
        after_help = "The plan's [shares] and [passphrase] give the new set (k, n, custodians, their media and age\nrecipients); the shares given on the command line are k of the set being retired, and open\nthe backup first. The key is re-encrypted under a new passphrase in a new ceremony directory\non every backup medium; the new shares are written and read back, and the rehearsal proves\nthat they open every new backup and that the old ones open none. The transcript declares\nthe old set retired and lists the backups it still opens: destroy those.\n\nExample:\n  keyceremony reshare --plan new-custodians.toml --backup /media/backup-1/ceremony-* OLD-SHARES..."
    )]
    Reshare(ReshareArgs),
    /// Rotate a subkey (a new one replaces it) or revoke one, keeping the primary
    Subkey {
        #[command(subcommand)]
        action: SubkeyCommand,
    },
    /// A card is lost: record it, and keep its subkeys or rotate every subkey it held
    #[command(
        after_help = "The card's subkeys are read from the transcript of the ceremony that provisioned it (on the backup).\n--keep: the card is PIN- and touch-protected; the loss is recorded, nothing changes.\n--rotate: every subkey it held is replaced (the old ones revoked as superseded), and the new\nones go onto the plan's [cards] (the remaining and replacement cards, in any reader order),\neach proven by a signature. A card holding this key's earlier subkeys is reset for them; the\nbackup holds all it held. --card-pins keeps the ceremony's PINs; without it new PINs go where\ncards.pins_deliver_to says.\n\nExamples:\n  keyceremony lost-card --serial 0000A002 --keep --plan plan.toml --backup /media/backup-1/ceremony-* SHARES...\n  keyceremony lost-card --serial 0000A002 --rotate --card-pins card-pins.txt --plan plan.toml --backup DIR SHARES..."
    )]
    LostCard(LostCardArgs),
    /// Combine k shares, open a backup in memory with them, and prove it by fingerprint
    #[command(
        after_help = "Examples:\n  keyceremony restore --backup /media/backup-1/ceremony-20261123T072716Z share-1-of-5.txt share-4-of-5.txt share-5-of-5.txt\n  keyceremony restore --backup DIR --identity alice.key share-2-of-5.txt.age ...\n  keyceremony restore --backup DIR        (type each share's words, one share per line)"
    )]
    Restore(RestoreArgs),
    /// Split a passphrase into shares, combine shares, or check them
    Shares {
        #[command(subcommand)]
        action: SharesCommand,
    },
    /// Sticks by label: list them, mount one at /media/LABEL, sync and unmount it
    Media {
        #[command(subcommand)]
        action: MediaCommand,
    },
    /// Write the man pages and shell completions (bash, zsh, fish) into DIR/man and DIR/completions
    #[command(hide = true)]
    GenerateDocs { dir: PathBuf },
    /// Run COMMAND with SIGINT and SIGQUIT at their defaults (the live image's init starts each console's session through it)
    #[command(hide = true)]
    LiveExec {
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<std::ffi::OsString>,
    },
    /// Check that this machine is fit for a ceremony: network, radios, swap, core dumps, clock
    #[command(after_help = "Exits 7 when any finding is critical.")]
    AirgapCheck(AirgapCheckArgs),
    /// List, inspect and provision OpenPGP cards (YubiKeys) through pcscd
    Card {
        #[command(subcommand)]
        action: CardCommand,
    },
    /// The cosign key's own ceremonies: rotate it, revoke it, or write the one a backup keeps as a new key file
    Cosign {
        #[command(subcommand)]
        action: CosignCommand,
    },
    /// PKCS#11 tokens (HSMs) for the cosign key: list them, put a backup's key into one
    Hsm {
        #[command(subcommand)]
        action: HsmCommand,
    },
    /// YubiKey PIV tokens for the cosign key: list them, show one, put a backup's key into one
    Piv {
        #[command(subcommand)]
        action: PivCommand,
    },
    /// Open the terminal UI: genesis and restore, step by step (also: no command at all)
    Tui(TuiArgs),
    /// Check ceremony transcripts
    Transcript {
        #[command(subcommand)]
        action: TranscriptCommand,
    },
}

/// What every ceremony on an existing key is given: the plan, the backup
/// directory and the shares that open it.
#[derive(Debug, clap::Args)]
pub struct ExistingKeyArgs {
    /// The plan (media, air gap, operator and witnesses, subkey expiry)
    #[arg(long)]
    pub plan: PathBuf,
    /// The ceremony directory on a backup medium holding the key
    #[arg(long)]
    pub backup: PathBuf,
    /// Share files (sheets, word lists, QR payloads, age files); without any, typed on standard input
    pub shares: Vec<PathBuf>,
    /// age identity file for age-encrypted shares; repeatable
    #[arg(long)]
    pub identity: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub output_format: OutputFormat,
    /// Read /sys and /proc for the air-gap check below this directory (for testing)
    #[arg(long, hide = true)]
    pub airgap_root: Option<PathBuf>,
    /// Open the backup even though a later ceremony on its medium superseded it (a newer backup of the key, or a rotation that retired the key); recorded
    #[arg(long, alias = "allow-retired-key")]
    pub allow_older_backup: bool,
}

/// The backup a command opens (a card's subkeys, a cosign key) and the shares
/// that open it.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The ceremony directory on a backup medium
    #[arg(long)]
    pub backup: PathBuf,
    /// Share files to open the backup with (or type them on standard input)
    pub shares: Vec<PathBuf>,
    /// age identity file for age-encrypted shares; repeatable
    #[arg(long)]
    pub identity: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Text for people
    Human,
    /// One JSON document for programs
    Json,
}

/// One of the plan's words (shown with its meaning in --help, the man
/// pages and completions), parsed into the plan's own type: clap stays out
/// of the plan.
pub(crate) fn choice<T>(
    words: &'static [(&'static str, &'static str)],
) -> impl clap::builder::TypedValueParser<Value = T>
where
    T: std::str::FromStr + Clone + Send + Sync + 'static,
{
    use clap::builder::{PossibleValue, TypedValueParser};
    clap::builder::PossibleValuesParser::new(
        words
            .iter()
            .map(|(w, help)| PossibleValue::new(*w).help(*help)),
    )
    .try_map(|s: String| s.parse::<T>().map_err(|_| format!("{s:?}")))
}
