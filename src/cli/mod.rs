//! Command-line definitions (clap) and nothing else: the work is in `commands`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

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
    Demo {
        /// Directory to hold the plan and the media (created if missing; must not hold a plan)
        dir: PathBuf,
    },
    /// Write or check a ceremony plan
    Plan {
        #[command(subcommand)]
        action: PlanCommand,
    },
    /// Run a genesis ceremony from a plan, in batch mode (no prompts)
    #[command(
        after_help = "Example:\n  keyceremony plan init plan.toml\n  keyceremony genesis --plan plan.toml"
    )]
    Genesis {
        /// The plan to carry out
        #[arg(long)]
        plan: PathBuf,
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        output_format: OutputFormat,
        /// Read /sys and /proc for the air-gap check below this directory (for testing)
        #[arg(long, hide = true)]
        airgap_root: Option<PathBuf>,
    },
    /// Renew the key: new expiry for the primary and every subkey (also when expired), new backups, export
    #[command(
        after_help = "The plan gives the media, the air-gap settings, the people and, unless --expiry and\n--subkey-expiry say otherwise, the new expiry times (from now). The backup is proven and\nopened from k shares before anything is written; the renewed key goes to a new ceremony\ndirectory on every backup medium, protected by the same passphrase (the custodians' shares\ngo on working), and the renewed cert to the export medium. Cards need no change.\n\nExamples:\n  keyceremony renew --plan plan.toml --backup /media/backup-1/ceremony-20261123T072716Z share-1-of-5.txt share-3-of-5.txt share-4-of-5.txt\n  keyceremony renew --plan plan.toml --backup DIR --expiry 2027-12-31 --subkey-expiry 1y SHARES...\n  keyceremony renew --plan plan.toml --backup DIR --card-pins card-pins.txt SHARES...   (prove each card too)"
    )]
    Renew {
        /// The primary's new expiry: a duration from now (2y, 52w, 365d) or a date (2027-12-31); default: the plan's [key] expiry
        #[arg(long)]
        expiry: Option<String>,
        /// Every subkey's new expiry, as --expiry; default: the plan's [subkeys] expiry
        #[arg(long)]
        subkey_expiry: Option<String>,
        /// The cards' PIN file: prove each card holding the key against the renewed cert
        #[arg(long)]
        card_pins: Option<PathBuf>,
        #[command(flatten)]
        key: ExistingKeyArgs,
    },
    /// Replace the primary key: a new key as in genesis, cross-certified, and a rotation statement signed by both
    #[command(
        after_help = "The plan describes the new key as for a genesis (user IDs, profile, expiry, subkeys, the new\nshare set, media, cards); the shares given are k of the old key's set and open its backup\nfirst. Each primary certifies the other's user IDs; the rotation statement (old and new\nfingerprints, effective now, the end of the transition, the reason, the previous\nstatement's hash) is signed by both and goes into every later bundle, so that `verify`\npinned to the old fingerprint follows it to the new key and trusts the old key's\nsignatures until the transition ends. The old primary's revocation (superseded) goes to\nthe new backups: publish it when the transition ends.\n\nExample:\n  keyceremony rotate --reason 'yearly rotation' --transition 30d --plan new-key.toml --backup /media/backup-1/ceremony-* OLD-SHARES..."
    )]
    Rotate {
        /// Why: one line, in the signed statement
        #[arg(long)]
        reason: String,
        /// How long the old key's signatures stay trusted: a duration (30d) or a date
        #[arg(long, default_value = "30d")]
        transition: String,
        #[command(flatten)]
        key: ExistingKeyArgs,
    },
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
    Reshare {
        #[command(flatten)]
        key: ExistingKeyArgs,
    },
    /// Rotate a subkey (a new one replaces it) or revoke one, keeping the primary
    Subkey {
        #[command(subcommand)]
        action: SubkeyCommand,
    },
    /// A card is lost: record it, and keep its subkeys or rotate every subkey it held
    #[command(
        after_help = "The card's subkeys are read from the transcript of the ceremony that provisioned it (on the backup).\n--keep: the card is PIN- and touch-protected; the loss is recorded, nothing changes.\n--rotate: every subkey it held is replaced (the old ones revoked as superseded), and the new\nones go onto the plan's [cards] (the remaining and replacement cards, in any reader order),\neach proven by a signature. A card holding this key's earlier subkeys is reset for them; the\nbackup holds all it held. --card-pins keeps the ceremony's PINs; without it new PINs go where\ncards.pins_deliver_to says.\n\nExamples:\n  keyceremony lost-card --serial 0000A002 --keep --plan plan.toml --backup /media/backup-1/ceremony-* SHARES...\n  keyceremony lost-card --serial 0000A002 --rotate --card-pins card-pins.txt --plan plan.toml --backup DIR SHARES..."
    )]
    LostCard {
        /// The lost card's serial (8 hex digits, as `card list` and the transcripts show it)
        #[arg(long)]
        serial: String,
        /// Keep its subkeys: record the loss only
        #[arg(long, conflicts_with = "rotate", required_unless_present = "rotate")]
        keep: bool,
        /// Rotate every subkey it held
        #[arg(long)]
        rotate: bool,
        /// The ceremony's card PIN file: the cards taking the new subkeys keep these PINs
        #[arg(long, requires = "rotate")]
        card_pins: Option<PathBuf>,
        #[command(flatten)]
        key: ExistingKeyArgs,
    },
    /// Combine k shares, open a backup in memory with them, and prove it by fingerprint
    #[command(
        after_help = "Examples:\n  keyceremony restore --backup /media/backup-1/ceremony-20261123T072716Z share-1-of-5.txt share-4-of-5.txt share-5-of-5.txt\n  keyceremony restore --backup DIR --identity alice.key share-2-of-5.txt.age ...\n  keyceremony restore --backup DIR        (type each share's words, one share per line)"
    )]
    Restore {
        /// The ceremony directory on a backup medium (holds secret-key.asc and shares.json)
        #[arg(long)]
        backup: PathBuf,
        /// Share files: sheets, word lists, QR payloads, or age files of them.
        /// Without any, shares are read from standard input, one per line
        shares: Vec<PathBuf>,
        /// age identity file (age-keygen format) for age-encrypted shares; repeatable
        #[arg(long)]
        identity: Vec<PathBuf>,
    },
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
    /// Check that this machine is fit for a ceremony: network, radios, swap, core dumps, clock
    #[command(after_help = "Exits 7 when any finding is critical.")]
    AirgapCheck {
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        output_format: OutputFormat,
        /// Read /sys and /proc below this directory instead of / (for testing)
        #[arg(long, hide = true, default_value = "/")]
        root: PathBuf,
    },
    /// List, inspect and provision OpenPGP cards (YubiKeys) through pcscd
    Card {
        #[command(subcommand)]
        action: CardCommand,
    },
    /// The cosign key a backup keeps: write it as a new key file
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
    Tui {
        /// The plan to pre-fill the forms with [default: the example plan]
        #[arg(long)]
        plan: Option<PathBuf>,
    },
    /// Check ceremony transcripts
    Transcript {
        #[command(subcommand)]
        action: TranscriptCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Write a commented example plan (never overwrites)
    Init {
        /// Where to write it (`-`: standard output)
        #[arg(default_value = "plan.toml")]
        path: PathBuf,
    },
    /// Read a plan, report every problem, and summarise what it will do
    Check {
        /// The plan to check
        plan: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum SharesCommand {
    /// Split a BIP39 passphrase (12 or 24 words) into share sheets and QR codes
    #[command(
        after_help = "Example:\n  keyceremony shares split --threshold 2 --count 3 --passphrase-file pass.txt --out shares/"
    )]
    Split {
        /// How many shares restore the passphrase
        #[arg(long)]
        threshold: u8,
        /// How many shares to make (at most 16)
        #[arg(long)]
        count: u8,
        /// The passphrase words: a path, or fd:N for an open file descriptor
        #[arg(long)]
        passphrase_file: String,
        /// Directory for the sheets, QR codes and shares.json (files are never overwritten)
        #[arg(long)]
        out: PathBuf,
        /// Primary fingerprint to print on the sheets
        #[arg(long, default_value = "")]
        fingerprint: String,
        /// Custodian names, one per share, in order
        #[arg(long)]
        custodian: Vec<String>,
    },
    /// Combine shares into the passphrase and hand it to a file or descriptor
    #[command(
        after_help = "Example:\n  keyceremony shares combine --check backup/shares.json --out fd:3 share-1-of-5.txt share-2-of-5.txt share-5-of-5.txt 3>&1"
    )]
    Combine {
        /// Share files (sheets, word lists, QR payloads, or age files of them)
        #[arg(required = true)]
        shares: Vec<PathBuf>,
        /// age identity file for age-encrypted shares; repeatable
        #[arg(long)]
        identity: Vec<PathBuf>,
        /// shares.json from the backup: the result must match its check value (required: an unchecked combination of a forged share would be a wrong passphrase)
        #[arg(long)]
        check: PathBuf,
        /// Where the passphrase goes: a new file (mode 0600) or fd:N
        #[arg(long)]
        out: String,
    },
    /// Show one share: its sheet and its QR code in the terminal (for a custodian, alone)
    Show {
        /// The share file (sheet, word list, QR payload, or age file of one)
        share: PathBuf,
        /// age identity file for an age-encrypted share
        #[arg(long)]
        identity: Vec<PathBuf>,
    },
    /// Check that share files read correctly and belong together; prints no secret
    Verify {
        /// Share files (sheets, word lists, QR payloads, or age files of them)
        #[arg(required = true)]
        shares: Vec<PathBuf>,
        /// age identity file for age-encrypted shares; repeatable
        #[arg(long)]
        identity: Vec<PathBuf>,
        /// shares.json from the backup: with enough shares, check they combine to it
        #[arg(long)]
        check: Option<PathBuf>,
    },
}

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

#[derive(Debug, Subcommand)]
pub enum SubkeyCommand {
    /// A new subkey for a role; the one it replaces revoked as superseded, or left valid until a date
    #[command(
        after_help = "The new subkey is valid for the plan's [subkeys] expiry. It goes onto the plan's [cards], each\nproven by a signature; a card holding this key's earlier subkeys is reset for it (the backup\nholds all it held). --card-pins keeps the ceremony's PINs; without it new PINs go where\ncards.pins_deliver_to says. With cards.count = 0, put it on cards later with\n`keyceremony card provision --backup NEW_BACKUP ...`.\n\nExamples:\n  keyceremony subkey rotate --plan plan.toml --backup /media/backup-1/ceremony-* SHARES...\n  keyceremony subkey rotate --card-pins card-pins.txt --plan plan.toml --backup DIR SHARES...\n  keyceremony subkey rotate --role encryption --keep-old-until 30d --plan plan.toml --backup DIR SHARES...\n  keyceremony subkey rotate --reason 'yearly rotation' --plan plan.toml --backup DIR SHARES...\n\nA subkey superseded by a rotation and later found compromised: `keyceremony subkey revoke\n--fingerprint OLD --reason compromised` marks it so (nothing it ever signed holds then)."
    )]
    Rotate {
        /// signing, encryption or authentication
        #[arg(long, default_value = "signing")]
        role: String,
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

#[derive(Debug, Subcommand)]
pub enum MediaCommand {
    /// Every labelled file system (udev's /dev/disk/by-label) and where it is mounted
    List {
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        output_format: OutputFormat,
    },
    /// Mount the stick labelled LABEL read-write at /media/LABEL (vfat, exfat or ext4)
    #[command(after_help = "Example:\n  keyceremony media mount KC-BACKUP1")]
    Mount { label: String },
    /// Write everything out to the stick and unmount it, so that it can be pulled out
    #[command(after_help = "Example:\n  keyceremony media unmount KC-BACKUP1")]
    Unmount {
        /// Its label, or its mount point
        label: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum CardCommand {
    /// Every OpenPGP card in a reader: serial, keys, PIN tries
    List {
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        output_format: OutputFormat,
    },
    /// Every smart-card reader pcscd sees, and whether a card is in it (any card, not only OpenPGP)
    Readers {
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        output_format: OutputFormat,
    },
    /// One card, by serial (8 hex digits) or ident
    Status {
        serial: String,
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        output_format: OutputFormat,
    },
    /// Put a restored key's subkeys on a card (a replacement, or a card a ceremony could not finish)
    #[command(
        after_help = "Example:\n  keyceremony card provision --backup /media/backup-1/ceremony-* --pins card-pins.txt --serial 0000A001 share-1-of-5.txt share-2-of-5.txt share-4-of-5.txt"
    )]
    Provision(Box<ProvisionArgs>),
    /// Sign a fresh challenge on a card with the user PIN and verify it against the cert
    Prove {
        /// The card (8 hex digits)
        #[arg(long)]
        serial: String,
        /// The public cert (cert.asc from the export or a backup)
        #[arg(long)]
        cert: PathBuf,
        /// The PIN file a ceremony handed over
        #[arg(long)]
        pins: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum HsmCommand {
    /// Every token the module offers: label, maker, model, serial, user PIN state
    #[command(
        after_help = "Example:\n  keyceremony hsm list --module /usr/lib/softhsm/libsofthsm2.so\n\nThe label is what the plan's cosign.token names."
    )]
    List {
        /// The PKCS#11 module (a shared library) of the HSM
        #[arg(long)]
        module: PathBuf,
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        output_format: OutputFormat,
    },
    /// Import the cosign key a backup keeps into a token: a replacement for a lost or broken HSM
    #[command(
        after_help = "Example:\n  keyceremony hsm provision --backup /media/backup-1/ceremony-* --module /usr/lib/softhsm/libsofthsm2.so --token release --pin-from fd:3 share-1-of-5.txt share-2-of-5.txt share-4-of-5.txt 3< pin.txt\n\nThe key goes in unextractable and for signing only, under a new id; the URI printed is what cosign sign --key takes. A key made in a token (generate_on_device) never left it: no backup keeps it."
    )]
    Provision(Box<HsmProvisionArgs>),
}

#[derive(Debug, Subcommand)]
pub enum PivCommand {
    /// Every YubiKey with a PIV application: serial, firmware, PIN and PUK tries, slot 9c
    #[command(
        after_help = "Example:\n  keyceremony piv list\n\nThe serial is what the plan's cosign.piv_serials names (as `ykman list` shows it)."
    )]
    List {
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        output_format: OutputFormat,
    },
    /// One YubiKey's PIV state: tries left, whether it is in its factory state, the key and certificate in slot 9c
    Status {
        /// The YubiKey's serial (decimal, as `keyceremony piv list` shows it)
        serial: u32,
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        output_format: OutputFormat,
    },
    /// Import the cosign key a backup keeps into a YubiKey in its factory state: a replacement for a lost one
    #[command(
        after_help = "Example:\n  keyceremony piv provision --backup /media/backup-1/ceremony-* --serial 12345678 --pins-to fd:3 share-1-of-5.txt share-2-of-5.txt share-4-of-5.txt 3> piv-pins.txt\n\nThe token gets the key in slot 9c, a self-signed certificate, new PIN and PUK (handed over to --pins-to, or the ones on the sheet --pins-from names, which its siblings have) and a random management key kept on it under the PIN; then it signs a challenge that is checked against the backup's cosign.pub. A token that is not in its factory state is refused: reset its PIV application (`ykman piv reset`) if it holds nothing you need."
    )]
    Provision(Box<PivProvisionArgs>),
}

#[derive(Debug, clap::Args)]
pub struct PivProvisionArgs {
    #[command(flatten)]
    pub from: BackupArgs,
    /// The YubiKey's serial (decimal, as `keyceremony piv list` shows it)
    #[arg(long)]
    pub serial: u32,
    /// Where the token's new PIN and PUK are handed over: a new file or fd:N
    #[arg(
        long,
        required_unless_present = "pins_from",
        conflicts_with = "pins_from"
    )]
    pub pins_to: Option<String>,
    /// Give the token the PIN and PUK its siblings have instead: the sheet a
    /// ceremony handed over (a file or fd:N), so that one PIN serves them all
    #[arg(long)]
    pub pins_from: Option<String>,
    /// When the token asks for its PIN
    #[arg(long, value_enum, default_value_t = crate::tokens::piv::PinUse::Always)]
    pub pin_policy: crate::tokens::piv::PinUse,
    /// When the token asks for a touch
    #[arg(long, value_enum, default_value_t = crate::tokens::piv::TouchUse::Never)]
    pub touch_policy: crate::tokens::piv::TouchUse,
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

#[derive(Debug, clap::Args)]
pub struct HsmProvisionArgs {
    #[command(flatten)]
    pub from: BackupArgs,
    /// The PKCS#11 module (a shared library) of the HSM
    #[arg(long)]
    pub module: PathBuf,
    /// The token's label (`keyceremony hsm list`)
    #[arg(long)]
    pub token: String,
    /// The key's label in the token
    #[arg(long, default_value = "cosign")]
    pub label: String,
    /// Where the token's user PIN is read: a file or fd:N (its first line; never stored)
    #[arg(long)]
    pub pin_from: String,
}

#[derive(Debug, Subcommand)]
pub enum CosignCommand {
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

#[derive(Debug, clap::Args)]
pub struct ProvisionArgs {
    #[command(flatten)]
    pub from: BackupArgs,
    /// The card (8 hex digits); required when more than one card is present
    #[arg(long)]
    pub serial: Option<String>,
    /// The PIN file a ceremony handed over (user-pin:/admin-pin: lines), for the same PINs on every card
    #[arg(long, conflicts_with = "new_pins_to")]
    pub pins: Option<PathBuf>,
    /// Generate new PINs and hand them to this new file or fd:N
    #[arg(long)]
    pub new_pins_to: Option<String>,
    /// Confirm a factory reset of the card with this serial first
    #[arg(long)]
    pub reset: Option<String>,
    #[arg(long)]
    pub cardholder: Option<String>,
    #[arg(long)]
    pub url: Option<String>,
    /// Touch policy: off (leave as is), on, cached, fixed
    #[arg(long, default_value = "off")]
    pub touch: String,
    /// Hash PINs on this host (KDF-DO) if the card offers it; set before the PINs
    #[arg(long)]
    pub kdf: bool,
}

#[derive(Debug, Subcommand)]
pub enum TranscriptCommand {
    /// Check transcripts' hash chains and signatures; given several, a key's whole history
    #[command(
        after_help = "Given one transcript: its hash chain and its signature by the primary.\nGiven several, oldest first: each as above, and together a key's history from its genesis:\neach ceremony continues the one before (it records the SHA-256 of that ceremony's signed\ntranscript, as the backup it opened held it), so one removed, swapped or changed is named.\nCeremony directory names sort oldest first, so a glob gives the order.\n\nExamples:\n  keyceremony transcript verify /media/export/ceremony-20261123T072716Z/transcript.jsonl\n  keyceremony transcript verify --cert cert.asc /media/backup-1/ceremony-*/transcript.jsonl"
    )]
    Verify {
        /// The transcripts (transcript.jsonl), oldest first
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The public cert of the primary [default: cert.asc beside each transcript]
        #[arg(long)]
        cert: Option<PathBuf>,
        /// The detached signature, for one transcript [default: FILE.asc]
        #[arg(long)]
        signature: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Text for people
    Human,
    /// One JSON document for programs
    Json,
}
