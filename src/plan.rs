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
    /// Scopes (each one of `scopes`) whose images need a signature from
    /// every signing role: the default one and each `[[subkeys.role]]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub two_person: Vec<String>,
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
            two_person: Vec::new(),
        }
    }
}

/// The cosign key the ceremony makes (docs/cosign.md), by tier: each tier
/// has its own fields and only those, so that a plan cannot mix them and no
/// step downstream checks again that a field its tier needs is there. The
/// `[cosign]` table keeps its flat TOML shape (`CosignFields`); reading it
/// names what a tier lacks, and what belongs to another tier, field by field.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(try_from = "CosignFields", into = "CosignFields")]
pub enum CosignSpec {
    /// No cosign key.
    #[default]
    None,
    File(FileCosign),
    Pkcs11(Pkcs11Cosign),
    Piv(PivCosign),
}

/// cosign's encrypted key file, for a CI secret store.
#[derive(Debug, Clone, PartialEq)]
pub struct FileCosign {
    /// The directory (a medium for the CI secret store) cosign.key goes to.
    pub key_to: PathBuf,
    /// Where the key file's password is handed over (a path or fd:N).
    pub password_deliver_to: String,
    pub ca: CaRequest,
}

/// A PKCS#11 token (an HSM).
#[derive(Debug, Clone, PartialEq)]
pub struct Pkcs11Cosign {
    /// The module's path.
    pub module: PathBuf,
    /// The token's label.
    pub token: String,
    /// The key's label in the token.
    pub label: String,
    /// Where a batch run reads the token's user PIN (a path or fd:N); the
    /// TUI asks for it. Never stored.
    pub pin_from: Option<String>,
    /// Make the key inside the token (it never leaves; no backup holds it)
    /// instead of importing the ceremony's key (which the backups keep).
    pub generate_on_device: bool,
    pub ca: CaRequest,
}

/// YubiKeys' PIV application, slot 9c: the same key imported into each.
#[derive(Debug, Clone, PartialEq)]
pub struct PivCosign {
    /// The YubiKeys (serials, as `keyceremony piv list` shows them), each in
    /// its factory state; every one gets the key.
    pub serials: Vec<u32>,
    pub pin_policy: PivPin,
    pub touch_policy: PivTouch,
    /// Where the generated PIN and PUK (the same on every token) are handed
    /// over: a path or fd:N.
    pub pins_deliver_to: String,
    /// Where a batch run reads the tokens' PIV PIN to put a certificate in.
    pub pin_from: Option<String>,
    pub ca: CaRequest,
}

/// A certificate authority's part, in every tier.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CaRequest {
    /// A certificate a CA issued for `cosign.csr` (PEM, then its chain): a
    /// ceremony that opens a backup checks it against the cosign key and
    /// carries it as cosign.crt; for piv it goes into each token's slot 9c.
    pub certificate: Option<PathBuf>,
    /// A PKCS#10 request for a CA, with this subject (RFC 4514, e.g.
    /// "CN=Release Signing,O=Example"), signed by the key where it is.
    pub csr_subject: Option<String>,
}

/// The tiers, by the name the plan's `cosign.tier` gives them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CosignTier {
    #[default]
    None,
    File,
    Pkcs11,
    Piv,
}

/// The `[cosign]` table as TOML writes it: every tier's fields side by side,
/// each optional. Only `CosignSpec` is used past reading a plan (and the
/// TUI's forms, which build one from what is typed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CosignFields {
    #[serde(default)]
    pub tier: CosignTier,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_to: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_deliver_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate_on_device: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub piv_serials: Vec<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_policy: Option<PivPin>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub touch_policy: Option<PivTouch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pins_deliver_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csr_subject: Option<String>,
}

impl CosignFields {
    /// The fields `tier` does not use, by name, that are given.
    fn foreign(&self) -> Vec<&'static str> {
        use CosignTier as T;
        let given = [
            ("key_to", self.key_to.is_some(), &[T::File][..]),
            (
                "password_deliver_to",
                self.password_deliver_to.is_some(),
                &[T::File],
            ),
            ("module", self.module.is_some(), &[T::Pkcs11]),
            ("token", self.token.is_some(), &[T::Pkcs11]),
            ("label", self.label.is_some(), &[T::Pkcs11]),
            ("pin_from", self.pin_from.is_some(), &[T::Pkcs11, T::Piv]),
            ("piv_serials", !self.piv_serials.is_empty(), &[T::Piv]),
            ("pin_policy", self.pin_policy.is_some(), &[T::Piv]),
            ("touch_policy", self.touch_policy.is_some(), &[T::Piv]),
            ("pins_deliver_to", self.pins_deliver_to.is_some(), &[T::Piv]),
            (
                "csr_subject",
                self.csr_subject.is_some(),
                &[T::File, T::Pkcs11, T::Piv],
            ),
        ];
        given
            .into_iter()
            .filter(|(_, set, tiers)| *set && !tiers.contains(&self.tier))
            .map(|(name, _, _)| name)
            .collect()
    }
}

impl CosignFields {
    /// Clears what `tier` does not use: a form holds every tier's fields.
    pub fn keep_only_tier(&mut self) {
        for name in self.foreign() {
            match name {
                "key_to" => self.key_to = None,
                "password_deliver_to" => self.password_deliver_to = None,
                "module" => self.module = None,
                "token" => self.token = None,
                "label" => self.label = None,
                "pin_from" => self.pin_from = None,
                "piv_serials" => self.piv_serials.clear(),
                "pin_policy" => self.pin_policy = None,
                "touch_policy" => self.touch_policy = None,
                "pins_deliver_to" => self.pins_deliver_to = None,
                _ => self.csr_subject = None,
            }
        }
        if self.tier != CosignTier::Pkcs11 {
            self.generate_on_device = None;
        }
        if self.tier == CosignTier::None {
            self.certificate = None;
        }
    }
}

impl TryFrom<CosignFields> for CosignSpec {
    type Error = String;

    /// What each tier needs, named field by field; the values themselves are
    /// checked by `Plan::validate`.
    fn try_from(f: CosignFields) -> Result<Self, String> {
        if f.certificate.is_some() && f.tier == CosignTier::None {
            return Err("cosign.certificate needs the cosign key's tier (file, pkcs11 or piv) that made the key it is for".into());
        }
        if f.generate_on_device == Some(true) && f.tier == CosignTier::Piv {
            return Err("cosign.generate_on_device is not offered for piv: the ceremony's key is imported into every token (the backups keep it, so a lost token is replaced); remove the line".into());
        }
        let foreign = f.foreign();
        if let (Some(first), CosignTier::None) = (foreign.first(), f.tier) {
            return Err(format!(
                "cosign.{first} is given, but cosign.tier is \"none\" (what it is when missing): set cosign.tier to the tier {first} belongs to (file, pkcs11 or piv), or remove it"
            ));
        }
        if let Some(first) = foreign.first() {
            return Err(format!(
                "cosign.{first} is not a field of tier {:?}: {}; remove {}, or choose the tier it belongs to",
                tier_name(f.tier),
                match f.tier {
                    CosignTier::None => "no cosign key is made",
                    CosignTier::File => "the key file's are key_to and password_deliver_to",
                    CosignTier::Pkcs11 => "an HSM's are module, token, label, pin_from and generate_on_device",
                    CosignTier::Piv => "the YubiKeys' are piv_serials, pin_policy, touch_policy, pins_deliver_to and pin_from",
                } .to_owned() + " (and certificate and csr_subject, for any tier)",
                if foreign.len() == 1 { "it".to_owned() } else { foreign.join(", ") }
            ));
        }
        if f.generate_on_device == Some(true) && f.tier != CosignTier::Pkcs11 {
            return Err(format!(
                "cosign.generate_on_device is not a field of tier {:?}: only an HSM (pkcs11) makes the key inside; remove it",
                tier_name(f.tier)
            ));
        }
        let missing = |field: &str, what: &str| format!("cosign.{field} is missing: {what}");
        let ca = CaRequest {
            certificate: f.certificate,
            csr_subject: f.csr_subject,
        };
        Ok(match f.tier {
            CosignTier::None => CosignSpec::None,
            CosignTier::File => CosignSpec::File(FileCosign {
                key_to: f.key_to.ok_or_else(|| {
                    missing(
                        "key_to",
                        "the directory (a medium for the CI secret store) where cosign.key goes",
                    )
                })?,
                password_deliver_to: f
                    .password_deliver_to
                    .ok_or_else(|| missing("password_deliver_to", "give a path or fd:N"))?,
                ca,
            }),
            CosignTier::Pkcs11 => CosignSpec::Pkcs11(Pkcs11Cosign {
                module: match f.module {
                    Some(m) if m.is_absolute() => m,
                    Some(m) => {
                        return Err(format!(
                            "cosign.module = {:?}: give the module's absolute path, e.g. /usr/lib/softhsm/libsofthsm2.so",
                            m.display().to_string()
                        ))
                    }
                    None => {
                        return Err(missing(
                            "module",
                            "the PKCS#11 module's path, e.g. /usr/lib/softhsm/libsofthsm2.so",
                        ))
                    }
                },
                token: f.token.filter(|t| !t.trim().is_empty()).ok_or_else(|| {
                    missing(
                        "token",
                        "the token's label (`keyceremony hsm list --module MODULE` shows them)",
                    )
                })?,
                label: f.label.unwrap_or_else(|| "cosign".into()),
                pin_from: f.pin_from,
                generate_on_device: f.generate_on_device.unwrap_or(false),
                ca,
            }),
            CosignTier::Piv => {
                if f.piv_serials.is_empty() {
                    return Err("cosign.piv_serials is empty: name the YubiKeys that get the key (`keyceremony piv list` shows their serials)".into());
                }
                CosignSpec::Piv(PivCosign {
                    serials: f.piv_serials,
                    pin_policy: f.pin_policy.unwrap_or_default(),
                    touch_policy: f.touch_policy.unwrap_or_default(),
                    pins_deliver_to: f
                        .pins_deliver_to
                        .ok_or_else(|| missing("pins_deliver_to", "give a path or fd:N"))?,
                    pin_from: f.pin_from,
                    ca,
                })
            }
        })
    }
}

impl From<CosignSpec> for CosignFields {
    fn from(spec: CosignSpec) -> CosignFields {
        spec.fields()
    }
}

/// The word the plan uses for a tier.
pub fn tier_name(t: CosignTier) -> &'static str {
    match t {
        CosignTier::None => "none",
        CosignTier::File => "file",
        CosignTier::Pkcs11 => "pkcs11",
        CosignTier::Piv => "piv",
    }
}

impl CosignSpec {
    pub fn is_none(&self) -> bool {
        *self == CosignSpec::None
    }

    pub fn tier(&self) -> CosignTier {
        match self {
            CosignSpec::None => CosignTier::None,
            CosignSpec::File(_) => CosignTier::File,
            CosignSpec::Pkcs11(_) => CosignTier::Pkcs11,
            CosignSpec::Piv(_) => CosignTier::Piv,
        }
    }

    /// The CA's part: none without a cosign key.
    pub fn ca(&self) -> Option<&CaRequest> {
        match self {
            CosignSpec::None => None,
            CosignSpec::File(f) => Some(&f.ca),
            CosignSpec::Pkcs11(h) => Some(&h.ca),
            CosignSpec::Piv(p) => Some(&p.ca),
        }
    }

    /// The certificate a CA issued for the key, if the plan names one.
    pub fn certificate(&self) -> Option<&Path> {
        self.ca().and_then(|c| c.certificate.as_deref())
    }

    /// The subject of the certificate request, if the plan asks for one.
    pub fn csr_subject(&self) -> Option<&str> {
        self.ca().and_then(|c| c.csr_subject.as_deref())
    }

    /// The `[cosign]` table's flat fields, as TOML (and the TUI's forms) hold them.
    pub fn fields(&self) -> CosignFields {
        let mut f = CosignFields {
            tier: self.tier(),
            ..CosignFields::default()
        };
        if let Some(ca) = self.ca() {
            f.certificate = ca.certificate.clone();
            f.csr_subject = ca.csr_subject.clone();
        }
        match self {
            CosignSpec::None => {}
            CosignSpec::File(k) => {
                f.key_to = Some(k.key_to.clone());
                f.password_deliver_to = Some(k.password_deliver_to.clone());
            }
            CosignSpec::Pkcs11(h) => {
                f.module = Some(h.module.clone());
                f.token = Some(h.token.clone());
                f.label = Some(h.label.clone());
                f.pin_from = h.pin_from.clone();
                f.generate_on_device = h.generate_on_device.then_some(true);
            }
            CosignSpec::Piv(p) => {
                f.piv_serials = p.serials.clone();
                f.pin_policy = Some(p.pin_policy).filter(|x| *x != PivPin::default());
                f.touch_policy = Some(p.touch_policy).filter(|x| *x != PivTouch::default());
                f.pins_deliver_to = Some(p.pins_deliver_to.clone());
                f.pin_from = p.pin_from.clone();
            }
        }
        f
    }

    /// One line for a review: where the cosign key goes, or None.
    pub fn describe(&self) -> Option<String> {
        match self {
            CosignSpec::None => None,
            CosignSpec::File(k) => Some(format!(
                "key file in {}, password to {}; the backups keep it",
                k.key_to.display(),
                k.password_deliver_to
            )),
            CosignSpec::Pkcs11(h) => Some(format!(
                "token {:?} through {}, key {:?}, {}",
                h.token,
                h.module.display(),
                h.label,
                if h.generate_on_device {
                    "made in the token (no backup holds it)"
                } else {
                    "imported (the backups keep it)"
                }
            )),
            CosignSpec::Piv(p) => Some(format!(
                "YubiKey PIV slot 9c on {} (PIN {:?}, touch {:?}), PINs to {}; the backups keep it",
                p.serials
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                p.pin_policy,
                p.touch_policy,
                p.pins_deliver_to
            )),
        }
    }

    /// Whether the key exists outside a device, so that the backups keep it.
    pub fn backed_up(&self) -> bool {
        match self {
            CosignSpec::None => false,
            CosignSpec::File(_) | CosignSpec::Piv(_) => true,
            CosignSpec::Pkcs11(h) => !h.generate_on_device,
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
    pub touch: CardTouch,
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

/// A word the plan takes for one of a few choices: its TOML and command-line
/// spelling both ways (the command line parses these without clap knowing
/// the plan's types, so that the plan stays below the CLI).
macro_rules! plan_choice {
    ($(#[$doc:meta])* $name:ident { $($(#[$attr:meta])* $variant:ident = $word:literal : $help:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
        #[serde(rename_all = "lowercase")]
        pub enum $name {
            $(#[doc = $help] $(#[$attr])* $variant,)+
        }
        impl $name {
            /// Every spelling, in order, with what it means: for --help
            /// and the man pages.
            pub const WORDS: &'static [(&'static str, &'static str)] = &[$(($word, $help)),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word,)+ }
            }
        }
        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($word => Ok($name::$variant),)+
                    _ => Err(format!(
                        "{s:?}: use one of {}",
                        $name::WORDS.iter().map(|(w, _)| *w).collect::<Vec<_>>().join(", ")
                    )),
                }
            }
        }
    };
}

plan_choice! {
    /// An OpenPGP card's touch policy on its key slots.
    CardTouch {
        #[default] Off = "off" : "Leave the card's touch policy as it is",
        On = "on" : "A touch for every use of a key",
        Cached = "cached" : "A touch, then 15 s without",
        Fixed = "fixed" : "A touch for every use, until the next factory reset",
    }
}

plan_choice! {
    /// When a PIV token asks for its PIN before signing with slot 9c.
    PivPin {
        #[default] Always = "always" : "The PIN before every signature (the YubiKey's default for slot 9c)",
        Once = "once" : "The PIN once per session",
        Never = "never" : "No PIN: whoever holds the token signs",
    }
}

plan_choice! {
    /// When a PIV token asks for a touch before signing with slot 9c.
    PivTouch {
        #[default] Never = "never" : "No touch",
        Always = "always" : "A touch for every signature",
        Cached = "cached" : "A touch, then 15 s without",
    }
}

impl Default for CardSpec {
    fn default() -> Self {
        CardSpec {
            count: 0,
            reset: Vec::new(),
            cardholder: None,
            url: None,
            touch: CardTouch::default(),
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
    /// Witnesses who countersign the ceremony on their own cards
    /// (`[[ceremony.witness]]`, docs/witnesses.md); their names join the
    /// transcript's witnesses.
    #[serde(default, rename = "witness", skip_serializing_if = "Vec::is_empty")]
    pub signing_witnesses: Vec<WitnessSpec>,
    /// The witnesses also sign at the start, after the pre-flight: the
    /// plan's hash and the air-gap findings they saw.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub witnesses_sign_start: bool,
}

/// A witness who signs: a name and their own OpenPGP cert, whose signing
/// key is on their own card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessSpec {
    pub name: String,
    /// The witness's cert (public), as they exported it.
    pub cert: PathBuf,
    /// Batch runs: where the witness's card PIN is read from (a file or
    /// fd:N, as the witness hands it over). The TUI asks the witness.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_from: Option<String>,
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
    /// Two-person signing (docs/two-person.md): named signing roles besides
    /// the default one ("release", on `cards.count` cards), each its own
    /// signing subkey on its own cards.
    #[serde(default, rename = "role", skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<RoleSpec>,
}

/// One named signing role: its name (in the key's notation, the bundle's
/// keyring file and the policies) and how many cards hold its subkey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleSpec {
    pub name: String,
    #[serde(default)]
    pub cards: usize,
}

impl SubkeySpec {
    /// The plan's signing roles in card order: the default (`None`, on
    /// `default_cards` cards), then each named one with its cards.
    pub fn card_roles(&self, default_cards: usize) -> Vec<(Option<String>, usize)> {
        std::iter::once((None, default_cards))
            .chain(self.roles.iter().map(|r| (Some(r.name.clone()), r.cards)))
            .collect()
    }
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
            roles: Vec::new(),
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

/// Values of the example plan that must never reach a real key.
const PLACEHOLDERS: [&str; 4] = [
    "Example Release Signing",
    "Release Engineer",
    "First Witness",
    "Second Witness",
];

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
            let lower = uid.to_lowercase();
            if PLACEHOLDERS
                .iter()
                .any(|p| lower.contains(&p.to_lowercase()))
                || lower.contains("@example.org")
            {
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

    /// How many cards the ceremony provisions: the default role's and
    /// every named role's.
    pub fn cards_total(&self) -> usize {
        self.cards.count + self.subkeys.roles.iter().map(|r| r.cards).sum::<usize>()
    }

    /// The cards in words: "2", or by role, "2 release, 1 approve".
    pub fn cards_text(&self) -> String {
        if self.subkeys.roles.is_empty() {
            return self.cards.count.to_string();
        }
        self.subkeys
            .card_roles(self.cards.count)
            .into_iter()
            .map(|(r, n)| format!("{n} {}", crate::openpgp::role_name(r.as_deref())))
            .collect::<Vec<_>>()
            .join(", ")
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
            signing_roles: self.subkeys.roles.iter().map(|r| r.name.clone()).collect(),
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
        let plan = Plan::from_toml_unchecked(text)?;
        plan.validate()?;
        Ok(plan)
    }

    /// Parses a plan without checking it: a draft the TUI's forms left half
    /// filled in (no media yet), which the forms check page by page.
    pub fn from_toml_unchecked(text: &str) -> Result<Plan, PlanError> {
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
        for w in &mut self.ceremony.signing_witnesses {
            w.cert = abs(&w.cert);
            let mut pin = w.pin_from.take();
            if let Some(Ok(Handover::File(p))) = pin.as_deref().map(Handover::parse) {
                pin = Some(abs(&p).display().to_string());
            }
            w.pin_from = pin;
        }
        let handover = |d: &mut Option<String>| {
            if let Some(Ok(Handover::File(p))) = d.as_deref().map(Handover::parse) {
                *d = Some(abs(&p).display().to_string());
            }
        };
        handover(&mut self.cards.pins_deliver_to);
        handover(&mut self.passphrase.deliver_to);
        let ca = match &mut self.cosign {
            CosignSpec::None => None,
            CosignSpec::File(k) => {
                k.key_to = abs(&k.key_to);
                let mut to = Some(std::mem::take(&mut k.password_deliver_to));
                handover(&mut to);
                k.password_deliver_to = to.unwrap_or_default();
                Some(&mut k.ca)
            }
            CosignSpec::Pkcs11(h) => {
                handover(&mut h.pin_from);
                Some(&mut h.ca)
            }
            CosignSpec::Piv(p) => {
                let mut to = Some(std::mem::take(&mut p.pins_deliver_to));
                handover(&mut to);
                p.pins_deliver_to = to.unwrap_or_default();
                handover(&mut p.pin_from);
                Some(&mut p.ca)
            }
        };
        if let Some(ca) = ca {
            ca.certificate = ca.certificate.as_deref().map(abs);
        }
    }

    /// Checks what TOML cannot express. Every message names the field and the fix.
    /// What a batch run needs beyond a valid plan: with no one at a screen,
    /// generated card PINs must go somewhere. (The TUI asks for the PINs.)
    pub fn validate_batch(&self) -> Result<(), PlanError> {
        self.validate()?;
        match &self.cosign {
            CosignSpec::Pkcs11(h) if h.pin_from.is_none() => {
                return Err(PlanError::Invalid("cosign.pin_from is missing: a batch genesis reads the token's user PIN from a file or fd:N (the TUI asks for it)".into()));
            }
            CosignSpec::Piv(p) if p.ca.certificate.is_some() && p.pin_from.is_none() => {
                return Err(PlanError::Invalid("cosign.pin_from is missing: putting cosign.certificate into the YubiKeys needs their PIV PIN, read from a file or fd:N (the TUI asks for it)".into()));
            }
            _ => {}
        }
        if self.cards_total() > 0 && self.cards.pins_deliver_to.is_none() {
            return Err(PlanError::Invalid("cards.count > 0 (or a role's cards) needs cards.pins_deliver_to for a batch genesis: where the generated card PINs are handed over (a path or fd:N); the TUI asks for PINs instead".into()));
        }
        Ok(())
    }

    pub fn validate(&self) -> Result<(), PlanError> {
        self.validate_all_but_media()?;
        self.validate_media()
    }

    /// Everything `validate` checks but the media (`validate_media`).
    pub fn validate_all_but_media(&self) -> Result<(), PlanError> {
        self.validate_user_ids()?;
        self.validate_settings()
    }

    /// What a ceremony on an existing key needs of its plan: everything
    /// but the user IDs, which are the key's own (checked if the plan gives
    /// some; a plan for a renew needs none). A rotation's new key checks
    /// them with `validate`.
    pub fn validate_on_key(&self) -> Result<(), PlanError> {
        if !self.key.user_ids.is_empty() {
            self.validate_user_ids()?;
        }
        self.validate_settings()?;
        self.validate_media()
    }

    /// The key's user IDs: at least one, each one line of visible text.
    fn validate_user_ids(&self) -> Result<(), PlanError> {
        let bad = |m: String| Err(PlanError::Invalid(m));
        if self.key.user_ids.is_empty() {
            return bad("key.user_ids is empty: add at least one, e.g. \"Release Signing <release@example.org>\"".into());
        }
        for (i, uid) in self.key.user_ids.iter().enumerate() {
            if let Some(c) = crate::text::first_deceptive(uid) {
                return bad(format!(
                    "key.user_ids has {}: it holds {c}; a user ID is one line of visible text, shown to people who compare it: type it without",
                    crate::text::quoted(uid)
                ));
            }
            if uid.trim().is_empty() {
                return bad("key.user_ids has an empty user ID: give each one as text, e.g. \"Release Signing <release@example.org>\"".into());
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
        Ok(())
    }

    /// Everything `validate` checks but the user IDs and the media: the
    /// version, the people's names, the shares, cards, cosign, online.
    pub fn validate_settings(&self) -> Result<(), PlanError> {
        let bad = |m: String| Err(PlanError::Invalid(m));
        if self.version != PLAN_VERSION {
            return bad(format!(
                "version = {} is not supported by this keyceremony; it reads version = {PLAN_VERSION}",
                self.version
            ));
        }
        let people = std::iter::once(("ceremony.operator", &self.ceremony.operator))
            .chain(
                self.ceremony
                    .witnesses
                    .iter()
                    .map(|w| ("ceremony.witnesses", w)),
            )
            .chain(
                self.ceremony
                    .signing_witnesses
                    .iter()
                    .map(|w| ("ceremony.witness.name", &w.name)),
            )
            .chain(
                self.shares
                    .custodians
                    .iter()
                    .map(|c| ("shares.custodians", &c.name)),
            );
        for (field, name) in people {
            if let Some(c) = crate::text::first_deceptive(name) {
                return bad(format!(
                    "{field} has {}: it holds {c}; a name is one line of visible text (printed on sheets and in the transcript): type it without",
                    crate::text::quoted(name)
                ));
            }
            if name.trim().is_empty() || name.chars().count() > MAX_NAME_CHARS {
                return bad(format!(
                    "{field} has {}: a name is printable text on one line, at most {MAX_NAME_CHARS} characters (it is printed on sheets and in the transcript)",
                    crate::text::quoted(name)
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
        for (i, r) in self.subkeys.roles.iter().enumerate() {
            if let Err(e) = crate::openpgp::check_role_name(&r.name) {
                return bad(format!("subkeys.role.name = {e}"));
            }
            if self.subkeys.roles[..i].iter().any(|o| o.name == r.name) {
                return bad(format!(
                    "subkeys.role names {:?} twice: each role once, with all its cards",
                    r.name
                ));
            }
        }
        for (i, scope) in self.online.two_person.iter().enumerate() {
            if self.online.two_person[..i].contains(scope) {
                return bad(format!(
                    "online.two_person names {scope:?} twice: list each scope once"
                ));
            }
            if !self.online.scopes.contains(scope) {
                return bad(format!(
                    "online.two_person has {scope:?}, which is not in online.scopes: list it there too"
                ));
            }
            if self.subkeys.roles.is_empty() {
                return bad(format!(
                    "online.two_person has {scope:?}, but the plan has no [[subkeys.role]]: a second person needs a signing role of their own (docs/two-person.md)"
                ));
            }
        }
        if let Some((a, b)) = crate::online::bundle::same_rule(&self.online.scopes) {
            return bad(format!(
                "online.scopes has {a:?} and {b:?}, which are one rule in containers' policy.json (the same transport and path): the second would replace the first's. Keep one"
            ));
        }
        if let Some((inner, outer)) =
            crate::online::bundle::shadowed_two_person(&self.online.scopes, &self.online.two_person)
        {
            return bad(format!(
                "online.scopes has {inner:?}, inside the two-person scope {outer:?} but not in online.two_person: containers apply only the most specific scope's rule, so its images would need one person's signature. Add it to two_person too, or take it out of scopes"
            ));
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
            if let Some(c) = v.as_deref().and_then(crate::text::first_deceptive) {
                return bad(format!(
                    "{field} holds {c}: it is written onto every card; type it without"
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

    /// The cosign section's values (what each tier needs is there by its
    /// type: `CosignSpec::try_from` named what was missing).
    fn validate_cosign(&self) -> Result<(), PlanError> {
        let bad = |m: String| Err(PlanError::Invalid(m));
        let handover = |field: &str, v: &str| -> Result<(), PlanError> {
            Handover::parse(v)
                .map(|_| ())
                .map_err(|e| PlanError::Invalid(format!("cosign.{field} = {e}")))
        };
        let pin_from = |v: &Option<String>| match v.as_deref().map(Handover::parse) {
            Some(Err(e)) => bad(format!("cosign.pin_from = {e}")),
            _ => Ok(()),
        };
        if let Some(subject) = self.cosign.csr_subject() {
            if let Some(c) = crate::text::first_deceptive(subject) {
                return bad(format!(
                    "cosign.csr_subject holds {c}: a CA reads it; type it without"
                ));
            }
            crate::cosign::check_subject(subject)
                .map_err(|e| PlanError::Invalid(format!("cosign.csr_subject: {e}")))?;
        }
        match &self.cosign {
            CosignSpec::None => Ok(()),
            CosignSpec::File(k) => handover("password_deliver_to", &k.password_deliver_to),
            CosignSpec::Pkcs11(h) => {
                if let Some(c) = crate::text::first_deceptive(&h.label) {
                    return bad(format!(
                        "cosign.label = {} holds {c}: a key label is visible text; type it without",
                        crate::text::quoted(&h.label)
                    ));
                }
                if h.label.trim().is_empty() || h.label.len() > 64 {
                    return bad(format!(
                        "cosign.label = {}: a key label is printable text, 1 to 64 bytes",
                        crate::text::quoted(&h.label)
                    ));
                }
                // A batch run needs it (validate_batch); the TUI asks.
                pin_from(&h.pin_from)
            }
            CosignSpec::Piv(p) => {
                let mut seen = std::collections::BTreeSet::new();
                if let Some(d) = p.serials.iter().find(|s| !seen.insert(**s)) {
                    return bad(format!("cosign.piv_serials names YubiKey {d} twice"));
                }
                pin_from(&p.pin_from)?;
                handover("pins_deliver_to", &p.pins_deliver_to)
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
            if let Some(c) = crate::text::first_deceptive(&text) {
                return bad(format!(
                    "the medium {} holds {c}: name the stick's mount point in plain characters",
                    crate::text::quoted(&text)
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
                let field = if dir == self.shares.output.as_path() {
                    "shares.output"
                } else {
                    "shares.custodians"
                };
                return bad(format!(
                    "{field} sends shares to {}, which is on the backup or export medium {}: shares must travel apart from the backup; choose another medium",
                    dir.display(),
                    m.display()
                ));
            }
        }
        // The key file is a secret (however well encrypted): never online.
        if let CosignSpec::File(FileCosign { key_to: dir, .. }) = &self.cosign {
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

    /// Signing roles and two-person scopes: each refused as a plan could
    /// get them wrong, naming the field; the plan's cards by role.
    #[test]
    fn signing_roles_and_two_person_scopes_are_checked() {
        let roles = "# [[subkeys.role]]\n# name = \"approve\"\n# cards = 1";
        let scopes = "scopes = []";
        assert!(EXAMPLE_PLAN.contains(roles) && EXAMPLE_PLAN.contains(scopes));
        let plan = |role: &str, online: &str| {
            Plan::from_toml(&EXAMPLE_PLAN.replace(roles, role).replace(scopes, online))
        };
        let one = "[[subkeys.role]]\nname = \"approve\"\ncards = 2";
        let two_person = "scopes = [\"registry.example.org/team\"]\ntwo_person = [\"registry.example.org/team\"]";
        let p = plan(one, two_person).unwrap();
        assert_eq!(p.key_request().signing_roles, ["approve"]);
        assert_eq!(p.cards_total(), 2);
        assert_eq!(p.cards_text(), "0 release, 2 approve");
        let twice = format!("{one}\n{one}");
        for (role, online, needle) in [
            (
                "[[subkeys.role]]\nname = \"Approve\"",
                scopes,
                "not a role name",
            ),
            (
                "[[subkeys.role]]\nname = \"release\"",
                scopes,
                "default role",
            ),
            (
                "[[subkeys.role]]\nname = \"a/../b\"",
                scopes,
                "not a role name",
            ),
            (twice.as_str(), scopes, "twice"),
            (
                one,
                "scopes = []\ntwo_person = [\"registry.example.org/team\"]",
                "not in online.scopes",
            ),
            (roles, two_person, "no [[subkeys.role]]"),
        ] {
            let err = plan(role, online).unwrap_err().to_string();
            assert!(err.contains(needle), "{role} {online}: {err}");
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
                "U+001B (escape",
            ),
            (
                "Example Release Signing <release@example.org>",
                "Release Sign\\u00ading <release@example.org>",
                "U+00AD (a soft hyphen",
            ),
            (
                "Example Release Signing <release@example.org>",
                "Release\\u3164Signing <release@example.org>",
                "U+3164",
            ),
            (
                "Example Release Signing <release@example.org>",
                "Release Signing\\U000E0041 <release@example.org>",
                "U+E0041 (an invisible tag",
            ),
            (
                "operator = \"Release Engineer\"",
                "operator = \"Ada\\ue000\"",
                "U+E000 (a private-use",
            ),
            (
                "operator = \"Release Engineer\"",
                "operator = \"Ada\\u034fLovelace\"",
                "U+034F",
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
