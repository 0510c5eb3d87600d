//! The `Plan`: everything a ceremony will do, decided before any key exists.
//!
//! A plan is plain TOML so that it can be reviewed, signed off and carried into
//! the air-gapped room on paper or a stick. Both the batch CLI and the TUI build
//! a `Plan` and hand it to the same engine, which is why the engine takes a plan
//! and never asks the operator what to do.
//!
//! Unknown keys are errors: a misspelt `encyption = true` must not silently
//! produce a ceremony without an encryption subkey.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::media::Handover;
use crate::openpgp::KeyRequest;
pub use crate::openpgp::Profile;

/// The plan format this build understands.
pub const PLAN_VERSION: u32 = 1;

/// A commented example plan, written by `keyceremony plan init`.
pub const EXAMPLE_PLAN: &str = include_str!("../ceremony-scripts/example-plan.toml");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Plan format version; must be 1.
    pub version: u32,
    #[serde(default)]
    pub ceremony: CeremonyInfo,
    pub key: KeySpec,
    #[serde(default)]
    pub subkeys: SubkeySpec,
    #[serde(default)]
    pub passphrase: PassphraseSpec,
    pub media: MediaSpec,
    #[serde(default)]
    pub shares: ShareSpec,
    #[serde(default)]
    pub airgap: AirgapSpec,
    #[serde(default)]
    pub cards: CardSpec,
    #[serde(default)]
    pub online: OnlineSpec,
    #[serde(default, skip_serializing_if = "CosignSpec::is_none")]
    pub cosign: CosignSpec,
}

/// What the export bundle tells the online side (`keyceremony verify` and
/// `install`): which images must be signed by this key, where signatures
/// are stored, and how long a bundle stays good.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnlineSpec {
    /// containers-policy.json scopes that must be signed by this key:
    /// `registry.example.org/team` (docker transport), or
    /// `TRANSPORT:SCOPE`, with `=REPOSITORY` for transports whose images
    /// carry no Docker reference (`dir:/srv/images=example.org/app`).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The signature store (registries.d `lookaside`) for the docker scopes.
    #[serde(default)]
    pub lookaside: Option<String>,
    /// How long a bundle is good for: past it `verify` refuses it, so that a
    /// withheld newer bundle cannot be hidden forever (publish a renew first).
    #[serde(default = "default_bundle_validity")]
    pub valid_for: Expiry,
}

fn default_bundle_validity() -> Expiry {
    Expiry { days: 365 }
}

impl Default for OnlineSpec {
    fn default() -> Self {
        OnlineSpec {
            scopes: Vec::new(),
            lookaside: None,
            valid_for: default_bundle_validity(),
        }
    }
}

/// Where the cosign key (ECDSA P-256, for container images) is kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CosignTier {
    /// No cosign key.
    #[default]
    None,
    /// cosign's encrypted key file, for a CI secret store.
    File,
    /// A PKCS#11 token (an HSM).
    Pkcs11,
    /// YubiKeys' PIV application, slot 9c: the same key imported into each.
    Piv,
}

/// The cosign key the ceremony makes (docs/cosign.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CosignSpec {
    #[serde(default)]
    pub tier: CosignTier,
    /// file: the directory (a medium for the CI secret store) cosign.key goes to.
    #[serde(default)]
    pub key_to: Option<PathBuf>,
    /// file: where the key file's password is handed over (a path or fd:N).
    #[serde(default)]
    pub password_deliver_to: Option<String>,
    /// pkcs11: the module's path.
    #[serde(default)]
    pub module: Option<PathBuf>,
    /// pkcs11: the token's label.
    #[serde(default)]
    pub token: Option<String>,
    /// pkcs11: the key's label in the token.
    #[serde(default = "default_cosign_label")]
    pub label: String,
    /// pkcs11: where a batch run reads the token's user PIN (a path or fd:N);
    /// the TUI asks for it. Never stored.
    #[serde(default)]
    pub pin_from: Option<String>,
    /// pkcs11: make the key inside the token (it never leaves; no backup holds
    /// it) instead of importing the ceremony's key (which the backups keep).
    #[serde(default)]
    pub generate_on_device: bool,
    /// piv: the YubiKeys (serials, as `keyceremony piv list` shows them),
    /// each in its factory state; every one gets the key.
    #[serde(default)]
    pub piv_serials: Vec<u32>,
    /// piv: when the tokens ask for their PIN.
    #[serde(default)]
    pub pin_policy: crate::tokens::piv::PinUse,
    /// piv: when the tokens ask for a touch.
    #[serde(default)]
    pub touch_policy: crate::tokens::piv::TouchUse,
    /// piv: where the generated PIN and PUK (the same on every token) are
    /// handed over: a path or fd:N.
    #[serde(default)]
    pub pins_deliver_to: Option<String>,
    /// A certificate a CA issued for `cosign.csr` (PEM, then its chain): a
    /// ceremony that opens a backup checks it against the cosign key and
    /// carries it as cosign.crt; for piv it goes into each token's slot 9c.
    #[serde(default)]
    pub certificate: Option<PathBuf>,
    /// A PKCS#10 request for a CA, with this subject (RFC 4514, e.g.
    /// "CN=Release Signing,O=Example"), signed by the key where it is.
    #[serde(default)]
    pub csr_subject: Option<String>,
}

fn default_cosign_label() -> String {
    "cosign".into()
}

impl Default for CosignSpec {
    fn default() -> Self {
        CosignSpec {
            tier: CosignTier::None,
            key_to: None,
            password_deliver_to: None,
            module: None,
            token: None,
            label: default_cosign_label(),
            pin_from: None,
            generate_on_device: false,
            piv_serials: Vec::new(),
            pin_policy: Default::default(),
            touch_policy: Default::default(),
            pins_deliver_to: None,
            certificate: None,
            csr_subject: None,
        }
    }
}

impl CosignSpec {
    pub fn is_none(&self) -> bool {
        self.tier == CosignTier::None
    }

    /// One line for a review: where the cosign key goes, or None.
    pub fn describe(&self) -> Option<String> {
        let or_missing = |v: Option<String>| v.unwrap_or_else(|| "(missing)".into());
        match self.tier {
            CosignTier::None => None,
            CosignTier::File => Some(format!(
                "key file in {}, password to {}; the backups keep it",
                or_missing(self.key_to.as_ref().map(|p| p.display().to_string())),
                or_missing(self.password_deliver_to.clone())
            )),
            CosignTier::Pkcs11 => Some(format!(
                "token {:?} through {}, key {:?}, {}",
                self.token.as_deref().unwrap_or("(missing)"),
                or_missing(self.module.as_ref().map(|p| p.display().to_string())),
                self.label,
                if self.generate_on_device {
                    "made in the token (no backup holds it)"
                } else {
                    "imported (the backups keep it)"
                }
            )),
            CosignTier::Piv => Some(format!(
                "YubiKey PIV slot 9c on {} (PIN {:?}, touch {:?}), PINs to {}; the backups keep it",
                if self.piv_serials.is_empty() {
                    "(missing)".to_owned()
                } else {
                    self.piv_serials
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                },
                self.pin_policy,
                self.touch_policy,
                or_missing(self.pins_deliver_to.clone())
            )),
        }
    }

    /// Whether the key exists outside a device, so that the backups keep it.
    pub fn backed_up(&self) -> bool {
        match self.tier {
            CosignTier::None => false,
            CosignTier::File => true,
            CosignTier::Pkcs11 => !self.generate_on_device,
            CosignTier::Piv => true,
        }
    }
}

/// OpenPGP cards that receive the subkeys during genesis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardSpec {
    /// How many cards (0: none).
    #[serde(default)]
    pub count: usize,
    /// Serials (8 hex digits) whose factory reset the plan confirms.
    #[serde(default)]
    pub reset: Vec<String>,
    #[serde(default)]
    pub cardholder: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub touch: crate::tokens::Touch,
    /// Hash PINs on the host (KDF-DO) on cards that offer it.
    #[serde(default)]
    pub kdf: bool,
    /// Where the generated PINs (the same on every card) are handed over: a path or fd:N.
    #[serde(default)]
    pub pins_deliver_to: Option<String>,
    /// How long to wait for each card that is not in a reader yet.
    #[serde(default = "default_card_wait")]
    pub wait_seconds: u64,
}

fn default_card_wait() -> u64 {
    120
}

impl Default for CardSpec {
    fn default() -> Self {
        CardSpec {
            count: 0,
            reset: Vec::new(),
            cardholder: None,
            url: None,
            touch: crate::tokens::Touch::default(),
            kdf: false,
            pins_deliver_to: None,
            wait_seconds: default_card_wait(),
        }
    }
}

/// Overrides of the air-gap pre-flight; every one is written into the transcript.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AirgapSpec {
    /// Run even with a network interface up: for rehearsals on ordinary machines only.
    #[serde(default)]
    pub allow_network: bool,
    /// Run even with the clock set before this build: for rehearsals only,
    /// since keys take their creation time from the clock.
    #[serde(default)]
    pub allow_wrong_clock: bool,
}

/// Who runs the ceremony; recorded in the transcript.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CeremonyInfo {
    #[serde(default)]
    pub operator: String,
    #[serde(default)]
    pub witnesses: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySpec {
    pub user_ids: Vec<String>,
    #[serde(default)]
    pub profile: Profile,
    #[serde(default)]
    pub expiry: Expiry,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubkeySpec {
    #[serde(default = "yes")]
    pub signing: bool,
    #[serde(default)]
    pub encryption: bool,
    #[serde(default)]
    pub authentication: bool,
    #[serde(default)]
    pub expiry: Expiry,
}

fn yes() -> bool {
    true
}

impl Default for SubkeySpec {
    fn default() -> Self {
        SubkeySpec {
            signing: true,
            encryption: false,
            authentication: false,
            expiry: Expiry::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PassphraseSpec {
    #[serde(default = "default_words")]
    pub words: usize,
    /// Batch mode only: where the passphrase is handed over. A path (created
    /// with mode 0600, never overwritten) or `fd:N` for an open file descriptor.
    #[serde(default)]
    pub deliver_to: Option<String>,
}

fn default_words() -> usize {
    24
}

impl Default for PassphraseSpec {
    fn default() -> Self {
        PassphraseSpec {
            words: default_words(),
            deliver_to: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaSpec {
    /// Mount points of the backup media; each receives the full encrypted backup.
    pub backup: Vec<PathBuf>,
    /// Mount point of the medium carried to the online side; public material only.
    pub export: PathBuf,
    /// Let backup media share a device: for rehearsals only (two backups on
    /// one stick are one backup); the transcript records it.
    #[serde(default)]
    pub allow_same_device: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareSpec {
    pub threshold: u8,
    pub count: u8,
    /// Where share sheets, QR codes and age files go, unless a custodian names a medium.
    #[serde(default = "default_share_output")]
    pub output: PathBuf,
    /// One per share, in order, or none (then shares are numbered only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custodians: Vec<Custodian>,
    /// For a custodian with an age recipient, also write the clear sheet and
    /// QR code (to print in the room). Without it only the `.age` file is
    /// written: a clear copy beside it would leave the encryption protecting
    /// nothing on that medium.
    #[serde(default)]
    pub clear_sheets_with_age: bool,
}

fn default_share_output() -> PathBuf {
    PathBuf::from("shares")
}

impl Default for ShareSpec {
    fn default() -> Self {
        ShareSpec {
            threshold: 3,
            count: 5,
            output: default_share_output(),
            custodians: Vec::new(),
            clear_sheets_with_age: false,
        }
    }
}

/// Who holds a share, and how it reaches them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Custodian {
    pub name: String,
    /// An age X25519 recipient (`age1...`): an encrypted copy of the sheet is made for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_recipient: Option<String>,
    /// The custodian's own medium, instead of `shares.output`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medium: Option<PathBuf>,
}

impl ShareSpec {
    /// Name and destination directory of share `index` (1-based).
    pub fn destination(&self, index: u8) -> (String, &Path) {
        match self.custodians.get(usize::from(index) - 1) {
            Some(c) => (
                c.name.clone(),
                c.medium.as_deref().unwrap_or(self.output.as_path()),
            ),
            None => (format!("Custodian {index}"), self.output.as_path()),
        }
    }

    /// The age recipient share `index` (1-based) is encrypted to, if any.
    pub fn recipient(&self, index: u8) -> Option<&str> {
        self.custodians
            .get(usize::from(index) - 1)
            .and_then(|c| c.age_recipient.as_deref())
    }

    /// Whether share `index` gets a clear sheet and QR code: always, unless
    /// its custodian has an age recipient and the plan does not ask for both.
    pub fn clear_sheet(&self, index: u8) -> bool {
        self.recipient(index).is_none() || self.clear_sheets_with_age
    }

    /// Every directory shares go to, each once.
    pub fn media(&self) -> Vec<&Path> {
        let mut all: Vec<&Path> = vec![self.output.as_path()];
        for c in &self.custodians {
            if let Some(m) = &c.medium {
                if !all.contains(&m.as_path()) {
                    all.push(m);
                }
            }
        }
        all
    }
}

/// A validity period written as `365d`, `52w` or `2y` (a year is 365 days, as in GnuPG).
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Expiry {
    days: u32,
}

impl Expiry {
    pub fn days(days: u32) -> Self {
        Expiry { days }
    }

    pub fn duration(&self) -> Duration {
        Duration::from_secs(u64::from(self.days) * 86_400)
    }
}

impl Default for Expiry {
    fn default() -> Self {
        Expiry { days: 365 }
    }
}

impl fmt::Debug for Expiry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}d", self.days)
    }
}

impl fmt::Display for Expiry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}d", self.days)
    }
}

impl From<Expiry> for String {
    fn from(e: Expiry) -> String {
        e.to_string()
    }
}

impl TryFrom<String> for Expiry {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

/// The longest user ID GnuPG imports: with 2039 bytes, gpg 2.2.40 refuses the
/// whole cert ("Provided object is too large"); tests/hardening.rs proves the
/// edge with gpg.
const MAX_USER_ID_BYTES: usize = 2038;
/// Operator, witness and custodian names: one printable line of this length.
const MAX_NAME_CHARS: usize = 128;

/// Keys must expire; ten years is as far as a ceremony should commit to.
const MAX_EXPIRY_DAYS: u32 = 3653;

impl std::str::FromStr for Expiry {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let hint = "write it as a number and a unit: 365d, 52w or 2y";
        let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
        let n: u32 = num
            .parse()
            .map_err(|_| format!("the duration {s:?} is not understood: {hint}"))?;
        let per = match unit {
            "d" => 1,
            "w" => 7,
            "y" => 365,
            _ => return Err(format!("the duration {s:?} has no known unit: {hint}")),
        };
        let days = n
            .checked_mul(per)
            .filter(|d| (1..=MAX_EXPIRY_DAYS).contains(d))
            .ok_or_else(|| {
                format!("the duration {s:?} is out of range: choose between 1d and {MAX_EXPIRY_DAYS}d (ten years)")
            })?;
        Ok(Expiry { days })
    }
}

/// A renewal's new expiry, as an operator gives it: a duration from `now`
/// as in a plan (`2y`, `52w`, `365d`), or a date (`2027-12-31`: the end of
/// that day, UTC), at most ten years ahead.
pub fn expiry_at(text: &str, now: std::time::SystemTime) -> Result<std::time::SystemTime, String> {
    let text = text.trim();
    let limit = now + Duration::from_secs(u64::from(MAX_EXPIRY_DAYS) * 86_400);
    if text.contains('-') {
        let t = humantime::parse_rfc3339(&format!("{text}T23:59:59Z")).map_err(|_| {
            format!(
                "{text:?} is not understood: give a date as 2027-12-31, or a duration such as 2y"
            )
        })?;
        if t > limit {
            return Err(format!(
                "{text} is more than ten years ahead; keys are renewed, not made eternal"
            ));
        }
        return Ok(t);
    }
    let e: Expiry = text.parse()?;
    Ok(now + e.duration())
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    #[error("cannot read the plan {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the plan {path} cannot be used as written:\n{message}")]
    Parse { path: PathBuf, message: String },
    #[error("the plan is not usable: {0}")]
    Invalid(String),
}

/// The first character of `s` that is a control, bidirectional-override or
/// zero-width character, named as a person reads it (`U+202E`).
fn deceptive(s: &str) -> Option<String> {
    s.chars()
        .find(|c| crate::text::is_deceptive(*c) && !c.is_control())
        .map(|c| format!("the character U+{:04X}", c as u32))
}

/// Values of the example plan that must never reach a real key.
const PLACEHOLDERS: [&str; 4] = [
    "Example Release Signing",
    "Release Engineer",
    "First Witness",
    "Second Witness",
];

impl CardSpec {
    /// What provisioning a card from this plan asks of it; `reset` names
    /// the cards (serials) that may be factory-reset.
    pub fn provision_spec(&self, reset: Vec<String>) -> crate::tokens::ProvisionSpec {
        crate::tokens::ProvisionSpec {
            reset,
            cardholder: self.cardholder.clone(),
            url: self.url.clone(),
            touch: self.touch,
            kdf: self.kdf,
        }
    }
}

impl Plan {
    /// A rehearsal: a ceremony the plan says is not the real one, by an
    /// override of the air gap (the demo and the tests are rehearsals).
    pub fn is_rehearsal(&self) -> bool {
        self.airgap.allow_network || self.airgap.allow_wrong_clock
    }

    /// The example plan's placeholder values still in this plan, by field.
    pub fn placeholders(&self) -> Vec<String> {
        let mut found = Vec::new();
        for uid in &self.key.user_ids {
            if PLACEHOLDERS.iter().any(|p| uid.contains(p)) || uid.contains("@example.org") {
                found.push(format!("key.user_ids has {uid:?}"));
            }
        }
        let c = &self.ceremony;
        for (field, v) in std::iter::once(("ceremony.operator", &c.operator))
            .chain(c.witnesses.iter().map(|w| ("ceremony.witnesses", w)))
        {
            if PLACEHOLDERS.contains(&v.as_str()) {
                found.push(format!("{field} is {v:?}"));
            }
        }
        found
    }

    /// The example's choices (profile, validity, k of n, ...) with its
    /// placeholder identity, people and relative media paths left empty:
    /// what the TUI offers an operator who starts from nothing, so that no
    /// field must be cleared before it is typed or picked.
    pub fn without_placeholders(mut self) -> Plan {
        self.key.user_ids.clear();
        self.ceremony.operator.clear();
        self.ceremony.witnesses.clear();
        self.media.backup.clear();
        self.media.export = PathBuf::new();
        self.shares.output = PathBuf::new();
        self
    }

    /// Refuses the example's placeholders in a real ceremony: a key would
    /// carry a made-up identity for years, and the transcript made-up people.
    pub fn check_no_placeholders(&self) -> Result<(), PlanError> {
        let found = self.placeholders();
        if found.is_empty() || self.is_rehearsal() {
            return Ok(());
        }
        Err(PlanError::Invalid(format!(
            "the example's placeholders are still in the plan ({}): put in the real identity, operator and witnesses",
            found.join("; ")
        )))
    }

    /// The keys this plan asks for.
    pub fn key_request(&self) -> KeyRequest {
        KeyRequest {
            user_ids: self.key.user_ids.clone(),
            profile: self.key.profile,
            primary_validity: self.key.expiry.duration(),
            encryption: self.subkeys.encryption,
            authentication: self.subkeys.authentication,
            subkey_validity: self.subkeys.expiry.duration(),
        }
    }

    /// Reads and validates a plan. Relative media paths are resolved against the
    /// plan's own directory, so a plan and its media can travel together.
    pub fn load(path: &Path) -> Result<Plan, PlanError> {
        let bytes =
            crate::media::read_bounded(path, "plan", crate::media::limits::PLAN).map_err(|e| {
                match e {
                    crate::media::MediaError::Io { source, .. } => PlanError::Read {
                        path: path.to_owned(),
                        source,
                    },
                    other => PlanError::Invalid(other.to_string()),
                }
            })?;
        let text = String::from_utf8(bytes)
            .map_err(|_| PlanError::Invalid(format!("{} is not text", path.display())))?;
        Plan::parse_at(path, &text)
    }

    /// Parses a plan already read from `path`, resolving its relative paths
    /// against the plan's directory (for callers that also hash the text).
    pub fn parse_at(path: &Path, text: &str) -> Result<Plan, PlanError> {
        let mut plan = Plan::from_toml(text).map_err(|e| match e {
            PlanError::Parse { message, .. } => PlanError::Parse {
                path: path.to_owned(),
                message,
            },
            other => other,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        plan.resolve_paths(base);
        Ok(plan)
    }

    pub fn from_toml(text: &str) -> Result<Plan, PlanError> {
        let plan: Plan = toml::from_str(text).map_err(|e| PlanError::Parse {
            path: PathBuf::from("<plan>"),
            // The error quotes the line: its characters escaped, its lines kept.
            message: e
                .to_string()
                .lines()
                .map(crate::text::printable)
                .collect::<Vec<_>>()
                .join("\n"),
        })?;
        plan.validate()?;
        Ok(plan)
    }

    pub fn to_toml(&self) -> String {
        // A Plan is plain data with no maps keyed by non-strings; this cannot fail.
        toml::to_string_pretty(self).unwrap_or_default()
    }

    fn resolve_paths(&mut self, base: &Path) {
        let abs = |p: &Path| {
            if p.is_relative() {
                base.join(p)
            } else {
                p.to_owned()
            }
        };
        self.media.backup = self.media.backup.iter().map(|p| abs(p)).collect();
        self.media.export = abs(&self.media.export);
        self.shares.output = abs(&self.shares.output);
        for c in &mut self.shares.custodians {
            c.medium = c.medium.as_deref().map(abs);
        }
        self.cosign.key_to = self.cosign.key_to.as_deref().map(abs);
        self.cosign.certificate = self.cosign.certificate.as_deref().map(abs);
        for d in [
            &mut self.cards.pins_deliver_to,
            &mut self.passphrase.deliver_to,
            &mut self.cosign.password_deliver_to,
            &mut self.cosign.pin_from,
            &mut self.cosign.pins_deliver_to,
        ] {
            if let Some(Ok(Handover::File(p))) = d.as_deref().map(Handover::parse) {
                *d = Some(abs(&p).display().to_string());
            }
        }
    }

    /// Checks what TOML cannot express. Every message names the field and the fix.
    /// What a batch run needs beyond a valid plan: with no one at a screen,
    /// generated card PINs must go somewhere. (The TUI asks for the PINs.)
    pub fn validate_batch(&self) -> Result<(), PlanError> {
        self.validate()?;
        if self.cosign.tier == CosignTier::Pkcs11 && self.cosign.pin_from.is_none() {
            return Err(PlanError::Invalid("cosign.pin_from is missing: a batch genesis reads the token's user PIN from a file or fd:N (the TUI asks for it)".into()));
        }
        if self.cosign.tier == CosignTier::Piv
            && self.cosign.certificate.is_some()
            && self.cosign.pin_from.is_none()
        {
            return Err(PlanError::Invalid("cosign.pin_from is missing: putting cosign.certificate into the YubiKeys needs their PIV PIN, read from a file or fd:N (the TUI asks for it)".into()));
        }
        if self.cards.count > 0 && self.cards.pins_deliver_to.is_none() {
            return Err(PlanError::Invalid("cards.count > 0 needs cards.pins_deliver_to for a batch genesis: where the generated card PINs are handed over (a path or fd:N); the TUI asks for PINs instead".into()));
        }
        Ok(())
    }

    pub fn validate(&self) -> Result<(), PlanError> {
        self.validate_all_but_media()?;
        self.validate_media()
    }

    /// Everything `validate` checks but the media (`validate_media`).
    pub fn validate_all_but_media(&self) -> Result<(), PlanError> {
        let bad = |m: String| Err(PlanError::Invalid(m));
        if self.version != PLAN_VERSION {
            return bad(format!(
                "version = {} is not supported by this keyceremony; it reads version = {PLAN_VERSION}",
                self.version
            ));
        }
        if self.key.user_ids.is_empty() {
            return bad("key.user_ids is empty: add at least one, e.g. \"Release Signing <release@example.org>\"".into());
        }
        for (i, uid) in self.key.user_ids.iter().enumerate() {
            if let Some(c) = deceptive(uid) {
                return bad(format!(
                    "key.user_ids has {:?}: it holds {c}, which changes how the text around it is shown (a user ID is shown to people who compare it); type it without",
                    crate::text::printable(uid)
                ));
            }
            if uid.trim().is_empty() || uid.chars().any(char::is_control) {
                return bad(format!(
                    "key.user_ids has {:?}: a user ID must be non-empty text on one line",
                    crate::text::printable(uid)
                ));
            }
            if uid.len() > MAX_USER_ID_BYTES {
                return bad(format!(
                    "key.user_ids[{i}] is {} bytes long: GnuPG refuses user IDs over {MAX_USER_ID_BYTES} bytes (and the cert with them); shorten it",
                    uid.len()
                ));
            }
            if self.key.user_ids[..i].contains(uid) {
                return bad(format!(
                    "key.user_ids names {uid:?} twice: list each user ID once"
                ));
            }
        }
        let people = std::iter::once(("ceremony.operator", &self.ceremony.operator))
            .chain(
                self.ceremony
                    .witnesses
                    .iter()
                    .map(|w| ("ceremony.witnesses", w)),
            )
            .chain(
                self.shares
                    .custodians
                    .iter()
                    .map(|c| ("shares.custodians", &c.name)),
            );
        for (field, name) in people {
            if let Some(c) = deceptive(name) {
                return bad(format!(
                    "{field} has {:?}: it holds {c}, which changes how the text around it is shown; type the name without it",
                    crate::text::printable(name)
                ));
            }
            if name.trim().is_empty()
                || name.chars().any(char::is_control)
                || name.chars().count() > MAX_NAME_CHARS
            {
                return bad(format!(
                    "{field} has {name:?}: a name is printable text on one line, at most {MAX_NAME_CHARS} characters (it is printed on sheets and in the transcript)"
                ));
            }
        }
        for scope in &self.online.scopes {
            if let Err(e) = crate::online::bundle::Scope::parse(scope) {
                return bad(format!("online.scopes has {scope:?}: {e}"));
            }
        }
        if let Some(l) = &self.online.lookaside {
            if let Err(e) = crate::online::bundle::check_lookaside(l) {
                return bad(format!("online.lookaside = {l:?}: {e}"));
            }
        }
        if !self.subkeys.signing {
            return bad("subkeys.signing = false: a signing subkey is required, since the primary only certifies".into());
        }
        if self.passphrase.words != 12 && self.passphrase.words != 24 {
            return bad(format!(
                "passphrase.words = {}: choose 12 (128 bits) or 24 (256 bits)",
                self.passphrase.words
            ));
        }
        for (field, d) in [
            ("passphrase.deliver_to", &self.passphrase.deliver_to),
            ("cards.pins_deliver_to", &self.cards.pins_deliver_to),
        ] {
            if let Some(Err(e)) = d.as_deref().map(Handover::parse) {
                return bad(format!("{field} = {e}"));
            }
        }
        let (threshold, count) = (self.shares.threshold, self.shares.count);
        if !(2..=16).contains(&count) || !(2..=count).contains(&threshold) {
            return bad(format!(
                "shares: threshold = {threshold}, count = {count} is not allowed: need 2 <= threshold <= count <= 16"
            ));
        }
        self.validate_cosign()?;
        let custodians = &self.shares.custodians;
        if !custodians.is_empty() && custodians.len() != usize::from(count) {
            return bad(format!(
                "shares.custodians lists {} custodians for {count} shares: list one per share, or none",
                custodians.len()
            ));
        }
        for (i, c) in custodians.iter().enumerate() {
            if let Some(r) = &c.age_recipient {
                if r.trim().parse::<age::x25519::Recipient>().is_err() {
                    return bad(format!(
                        "shares.custodians[{i}] ({}): age_recipient {r:?} is not an age X25519 recipient (age1...); age-keygen -y IDENTITY prints it",
                        c.name
                    ));
                }
            }
        }
        let cards = &self.cards;
        for s in &cards.reset {
            if s.len() != 8 || !s.chars().all(|c| c.is_ascii_hexdigit()) {
                return bad(format!("cards.reset has {s:?}: a serial is 8 hex digits, as `keyceremony card list` shows"));
            }
        }
        for (field, v) in [
            ("cards.cardholder", &cards.cardholder),
            ("cards.url", &cards.url),
        ] {
            if v.as_deref()
                .is_some_and(|v| v.chars().any(crate::text::is_deceptive))
            {
                return bad(format!(
                    "{field} holds a control, bidirectional or zero-width character: it is written onto every card; type it without"
                ));
            }
        }
        if let Some(name) = &cards.cardholder {
            if !name.is_ascii() || name.len() > 39 {
                return bad(
                    "cards.cardholder must be ASCII and at most 39 characters (the card's limit)"
                        .into(),
                );
            }
        }
        Ok(())
    }

    /// The cosign section: what each tier needs, named field by field.
    fn validate_cosign(&self) -> Result<(), PlanError> {
        let bad = |m: String| Err(PlanError::Invalid(m));
        let c = &self.cosign;
        let handover = |field: &str, v: &Option<String>| -> Result<(), PlanError> {
            match v.as_deref().map(Handover::parse) {
                None => bad(format!("cosign.{field} is missing: give a path or fd:N")),
                Some(Err(e)) => bad(format!("cosign.{field} = {e}")),
                Some(Ok(_)) => Ok(()),
            }
        };
        if c.certificate.is_some() && c.is_none() {
            return bad("cosign.certificate needs the cosign key's tier (file, pkcs11 or piv) that made the key it is for".into());
        }
        if c.csr_subject
            .as_deref()
            .is_some_and(|s| s.chars().any(crate::text::is_deceptive))
        {
            return bad("cosign.csr_subject holds a control, bidirectional or zero-width character: a CA reads it; type it without".into());
        }
        if let Some(subject) = c.csr_subject.as_deref().filter(|_| !c.is_none()) {
            crate::cosign::check_subject(subject)
                .map_err(|e| PlanError::Invalid(format!("cosign.csr_subject: {e}")))?;
        }
        match c.tier {
            CosignTier::None => Ok(()),
            CosignTier::File => {
                if c.key_to.is_none() {
                    return bad("cosign.key_to is missing: the directory (a medium for the CI secret store) where cosign.key goes".into());
                }
                handover("password_deliver_to", &c.password_deliver_to)
            }
            CosignTier::Pkcs11 => {
                match &c.module {
                    Some(m) if m.is_absolute() => {}
                    Some(m) => {
                        return bad(format!(
                            "cosign.module = {:?}: give the module's absolute path, e.g. /usr/lib/softhsm/libsofthsm2.so",
                            m.display().to_string()
                        ))
                    }
                    None => return bad("cosign.module is missing: the PKCS#11 module's path, e.g. /usr/lib/softhsm/libsofthsm2.so".into()),
                }
                if c.token.as_deref().is_none_or(|t| t.trim().is_empty()) {
                    return bad("cosign.token is missing: the token's label (`keyceremony hsm list --module MODULE` shows them)".into());
                }
                if c.label.trim().is_empty()
                    || c.label.chars().any(crate::text::is_deceptive)
                    || c.label.len() > 64
                {
                    return bad(format!(
                        "cosign.label = {:?}: a key label is printable text, 1 to 64 bytes",
                        c.label
                    ));
                }
                // A batch run needs it (validate_batch); the TUI asks.
                match c.pin_from.as_deref().map(Handover::parse) {
                    Some(Err(e)) => bad(format!("cosign.pin_from = {e}")),
                    _ => Ok(()),
                }
            }
            CosignTier::Piv => {
                if c.generate_on_device {
                    return bad("cosign.generate_on_device is not offered for piv: the ceremony's key is imported into every token (the backups keep it, so a lost token is replaced); remove the line".into());
                }
                if c.piv_serials.is_empty() {
                    return bad("cosign.piv_serials is empty: name the YubiKeys that get the key (`keyceremony piv list` shows their serials)".into());
                }
                let mut seen = std::collections::BTreeSet::new();
                if let Some(d) = c.piv_serials.iter().find(|s| !seen.insert(**s)) {
                    return bad(format!("cosign.piv_serials names YubiKey {d} twice"));
                }
                handover("pins_deliver_to", &c.pins_deliver_to)
            }
        }
    }

    /// Where the ceremony writes: backups, export and share sheets, each on
    /// a medium of its own. Checked last, so that the TUI's pages before
    /// the media page can check the rest while the media are still empty.
    pub fn validate_media(&self) -> Result<(), PlanError> {
        let bad = |m: String| Err(PlanError::Invalid(m));
        if self.media.backup.is_empty() {
            return bad("media.backup is empty: name at least one backup medium (two on separate sticks are better)".into());
        }
        let mut all: Vec<&Path> = self.media.backup.iter().map(|p| p.as_path()).collect();
        all.push(&self.media.export);
        let shares = std::iter::once(self.shares.output.as_path()).chain(
            self.shares
                .custodians
                .iter()
                .filter_map(|c| c.medium.as_deref()),
        );
        for p in all.iter().copied().chain(shares) {
            let text = p.to_string_lossy();
            let control = text
                .chars()
                .find(|c| c.is_control())
                .map(|c| format!("the character U+{:04X}", c as u32));
            if let Some(c) = control.or_else(|| deceptive(&text)) {
                return bad(format!(
                    "the medium {:?} holds {c}: name the stick's mount point in plain characters",
                    crate::text::printable(&text)
                ));
            }
            if p.components().any(|c| c == std::path::Component::ParentDir) {
                return bad(format!(
                    "the medium {} goes up a directory (..): name the stick's mount point itself, e.g. /media/BACKUP1",
                    p.display()
                ));
            }
        }
        for (i, a) in all.iter().enumerate() {
            if all[..i].contains(a) {
                return bad(format!(
                    "{} is named twice in media: each backup and the export need a medium of their own",
                    a.display()
                ));
            }
            // One medium inside another travels with it: that is one medium.
            if let Some(outer) = all[..i]
                .iter()
                .find(|b| a.starts_with(b) || b.starts_with(a))
            {
                return bad(format!(
                    "{} and {} are one inside the other: each backup and the export need a medium of their own",
                    outer.display(),
                    a.display()
                ));
            }
        }
        let custodians = &self.shares.custodians;
        // A share directory inside a backup medium (or holding one) travels
        // with that medium: compare path prefixes, not only equality.
        let shares_dirs = std::iter::once(self.shares.output.as_path())
            .chain(custodians.iter().filter_map(|c| c.medium.as_deref()));
        for dir in shares_dirs {
            if let Some(m) = all
                .iter()
                .find(|m| dir.starts_with(m) || m.starts_with(dir))
            {
                return bad(format!(
                    "shares go to {}, which is on the backup or export medium {}: shares must travel apart from the backup; choose another medium",
                    dir.display(),
                    m.display()
                ));
            }
        }
        // The key file is a secret (however well encrypted): never online.
        if let Some(dir) = self
            .cosign
            .key_to
            .as_deref()
            .filter(|_| self.cosign.tier == CosignTier::File)
        {
            let export = self.media.export.as_path();
            if dir.starts_with(export) || export.starts_with(dir) {
                return bad(format!(
                    "cosign.key_to ({}) is on the export medium, which goes online with public material only: give the medium for the CI secret store",
                    dir.display()
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_plan_parses_and_is_valid() {
        let plan = Plan::from_toml(EXAMPLE_PLAN).unwrap();
        assert_eq!(plan.key.profile, Profile::Ed25519);
        assert!(plan.subkeys.signing);
        assert_eq!(plan.key.expiry, Expiry::days(365));
    }

    #[test]
    fn plan_round_trips_through_toml() {
        let plan = Plan::from_toml(EXAMPLE_PLAN).unwrap();
        assert_eq!(Plan::from_toml(&plan.to_toml()).unwrap(), plan);
    }

    #[test]
    fn unknown_key_is_an_error_naming_it() {
        let text = EXAMPLE_PLAN.replace("[subkeys]", "[subkeys]\nencyption = true");
        let err = Plan::from_toml(&text).unwrap_err().to_string();
        assert!(err.contains("encyption"), "{err}");
    }

    #[test]
    fn expiry_units() {
        assert_eq!("2y".parse::<Expiry>().unwrap(), Expiry::days(730));
        assert_eq!("52w".parse::<Expiry>().unwrap(), Expiry::days(364));
        assert_eq!("90d".parse::<Expiry>().unwrap(), Expiry::days(90));
        for bad in ["", "y", "1m", "0d", "11y", "-1d", "99999999999d"] {
            assert!(bad.parse::<Expiry>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn invalid_plans_are_refused_with_the_field_named() {
        let cases = [
            ("signing = true", "signing = false", "subkeys.signing"),
            ("words = 24", "words = 18", "passphrase.words"),
            ("threshold = 3", "threshold = 1", "threshold"),
            ("version = 1", "version = 2", "version"),
        ];
        for (from, to, needle) in cases {
            assert!(EXAMPLE_PLAN.contains(from), "example lacks {from}");
            let err = Plan::from_toml(&EXAMPLE_PLAN.replace(from, to))
                .unwrap_err()
                .to_string();
            assert!(err.contains(needle), "{to}: {err}");
        }
    }

    /// Text that changes how the text around it is shown (bidi overrides,
    /// zero-width characters, escapes) has no place in a user ID, a name or
    /// a medium's path: refused, naming the character; so is `..` in a
    /// medium's path (it made "e/../b1" read as inside "e").
    #[test]
    fn deceptive_characters_and_parent_directories_are_refused() {
        let cases = [
            (
                "Example Release Signing <release@example.org>",
                "Release \u{202E}gro.elpmaxe@esaeler",
                "U+202E",
            ),
            (
                "operator = \"Release Engineer\"",
                "operator = \"Ada\u{200B}Lovelace\"",
                "U+200B",
            ),
            (
                "export = \"export\"",
                "export = \"exp\\u001b[2Jort\"",
                "U+001B",
            ),
            ("export = \"export\"", "export = \"backup-1/../b1\"", "(..)"),
            (
                "Example Release Signing <release@example.org>",
                "Mallory\\u001b[2K\\rGood Signer <good@example.org>",
                "one line",
            ),
            (
                "operator = \"Release Engineer\"",
                "operator = \"Ada\\u061cLovelace\"",
                "U+061C",
            ),
        ];
        for (from, to, needle) in cases {
            assert!(EXAMPLE_PLAN.contains(from), "example lacks {from}");
            let err = match Plan::from_toml(&EXAMPLE_PLAN.replace(from, to)) {
                Err(e) => e.to_string(),
                Ok(p) => p.validate_media().unwrap_err().to_string(),
            };
            assert!(err.contains(needle), "{to}: {err}");
            assert!(
                !err.contains('\u{1b}') && !err.contains('\u{202E}'),
                "{err}"
            );
        }
    }

    #[test]
    fn the_cosign_section_names_what_each_tier_lacks() {
        let with = |section: &str| {
            Plan::from_toml(&EXAMPLE_PLAN.replace("tier = \"none\"", section))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(with("tier = \"file\"").contains("cosign.key_to is missing"));
        assert!(with("tier = \"file\"\nkey_to = \"ci\"").contains("cosign.password_deliver_to"));
        assert!(with("tier = \"pkcs11\"\nmodule = \"lib.so\"").contains("absolute path"));
        assert!(with("tier = \"pkcs11\"\nmodule = \"/lib.so\"").contains("cosign.token"));
        let pkcs11 = "tier = \"pkcs11\"\nmodule = \"/lib.so\"\ntoken = \"t\"\npin_from = \"fd:1\"";
        assert!(with(pkcs11).contains("fd:N with N >= 3"));
        let subject = "tier = \"file\"\nkey_to = \"ci\"\npassword_deliver_to = \"p\"\ncsr_subject = \"nonsense\"";
        assert!(
            with(subject).contains("cosign.csr_subject"),
            "{}",
            with(subject)
        );
        assert!(with("tier = \"hsm\"").contains("hsm"));
        assert!(with("tier = \"piv\"").contains("cosign.piv_serials is empty"));
        let piv = "tier = \"piv\"\npiv_serials = [1, 2]\npins_deliver_to = \"p\"";
        assert_eq!(with(piv), "");
        assert!(
            with("tier = \"piv\"\npiv_serials = [1, 1]\npins_deliver_to = \"p\"")
                .contains("names YubiKey 1 twice")
        );
        assert!(
            with("tier = \"piv\"\npiv_serials = [1]").contains("cosign.pins_deliver_to is missing")
        );
        assert!(with(&format!("{piv}\ngenerate_on_device = true")).contains("not offered for piv"));
        assert!(with("tier = \"piv\"\npiv_serials = [1]\npins_deliver_to = \"p\"\npin_policy = \"sometimes\"").contains("sometimes"));
        assert!(with("certificate = \"issued.pem\"").contains("cosign.certificate needs"));
        assert_eq!(
            with("tier = \"file\"\nkey_to = \"ci\"\npassword_deliver_to = \"p\""),
            ""
        );
    }

    #[test]
    fn relative_media_resolve_against_the_plan_directory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.toml");
        std::fs::write(&path, EXAMPLE_PLAN).unwrap();
        let plan = Plan::load(&path).unwrap();
        assert!(plan.media.export.starts_with(dir.path()));
        assert!(plan.media.backup.iter().all(|p| p.starts_with(dir.path())));
    }
}
