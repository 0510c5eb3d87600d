//! The plan as forms: identity and profile, custodians and shares, media and
//! cards; and the restore form. A form is fields of text or choices; applying
//! it to a `Plan` checks every field, so a mistake is named as it is typed and
//! the plan the engine receives is one `Plan::validate` accepts.

use std::path::{Path, PathBuf};

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::input::{Input, TextField};
use crate::plan::{tier_name, CosignSpec, CosignTier, Custodian, Plan, Profile};

/// Separates several values in one field (user IDs, names, media paths).
pub const SEP: char = ';';

#[derive(Debug, Clone)]
pub enum Kind {
    Text,
    /// One of these; Space or the arrow keys cycle.
    Choice(&'static [&'static str]),
}

#[derive(Debug, Clone)]
pub struct Field {
    pub label: &'static str,
    pub hint: &'static str,
    pub kind: Kind,
    pub input: TextField,
}

/// Fields a page cannot go on without.
const REQUIRED: [&str; 9] = [
    "User IDs",
    "Operator",
    "Backup media",
    "Export medium",
    "Share sheets to",
    "Backup directory",
    "Cert file",
    "Reason",
    "Transcripts on",
];

impl Field {
    /// Whether the page needs a value here (a certify page's "User IDs"
    /// may stay empty: every valid one).
    pub fn required(&self) -> bool {
        REQUIRED.contains(&self.label) && !self.hint.contains("empty for all")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Identity,
    Custodians,
    Media,
    Restore,
    /// A renew's new expiry and the people at it.
    Renew,
    /// A subkey change: rotate, revoke, or a lost card; and the people.
    Subkey,
    /// The cert to certify and what the certification says; and the people.
    Certify,
    /// Where the transcripts of a key's history are.
    History,
    /// Why the primary is replaced, and how long the old one stays trusted.
    Rotate,
}

impl Page {
    /// The page's name in a draft.
    pub fn name(self) -> &'static str {
        match self {
            Page::Identity => "identity",
            Page::Custodians => "custodians",
            Page::Media => "media",
            Page::Restore => "restore",
            Page::Renew => "renew",
            Page::Subkey => "subkey",
            Page::Certify => "certify",
            Page::History => "history",
            Page::Rotate => "rotate",
        }
    }
}

/// The media page's cosign tiers, as the plan names them.
pub const COSIGN_TIERS: [&str; 4] = ["none", "pkcs11", "file", "piv"];

/// OpenSC's module: the live image carries it (docs/live-image.md).
pub const DEFAULT_PKCS11_MODULE: &str = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";

/// The certify page's trust depths: none, or a trust signature's depth.
pub const TRUST_DEPTHS: [&str; 3] = ["none", "1", "2"];

/// The subkey page's first field: what the ceremony changes.
pub const SUBKEY_CHANGES: [&str; 4] = ["rotate", "revoke", "lost card: keep", "lost card: rotate"];

#[derive(Debug, Clone)]
pub struct Form {
    pub page: Page,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// The first problem with the form as it stands: field index and message.
    pub problem: Option<(usize, String)>,
}

/// What a key did to a form.
#[derive(Debug, PartialEq, Eq)]
pub enum FormInput {
    Edited,
    /// Enter on the last field.
    Done,
    Ignored,
}

fn text(label: &'static str, hint: &'static str, value: impl Into<String>) -> Field {
    Field {
        label,
        hint,
        kind: Kind::Text,
        input: TextField::new(value),
    }
}

/// The operator and witnesses: the last two fields of every page that starts
/// a ceremony (they go into its transcript).
fn people(plan: &Plan) -> [Field; 2] {
    [
        text(
            "Operator",
            "who runs the ceremony (transcript)",
            plan.ceremony.operator.clone(),
        ),
        text(
            "Witnesses",
            "names separated by ;",
            joined(&plan.ceremony.witnesses),
        ),
    ]
}

fn choice(
    label: &'static str,
    hint: &'static str,
    options: &'static [&'static str],
    value: &str,
) -> Field {
    Field {
        label,
        hint,
        kind: Kind::Choice(options),
        input: TextField::new(value),
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn joined(items: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    items
        .into_iter()
        .map(|s| s.as_ref().to_owned())
        .collect::<Vec<_>>()
        .join(&format!("{SEP} "))
}

pub fn split(value: &str) -> Vec<String> {
    value
        .split(SEP)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn paths(value: &str, base: &Path) -> Vec<PathBuf> {
    split(value).iter().map(|s| absolute(s, base)).collect()
}

fn absolute(s: &str, base: &Path) -> PathBuf {
    let p = PathBuf::from(s.trim());
    if p.is_relative() {
        base.join(p)
    } else {
        p
    }
}

impl Form {
    pub fn for_plan(page: Page, plan: &Plan) -> Form {
        let cosign = plan.cosign.fields();
        let fields = match page {
            // Who is here comes right after the user IDs: every ceremony
            // names them, while the profile below is mostly kept as offered.
            Page::Identity => std::iter::once(text(
                "User IDs",
                "Name <email>; several separated by ;",
                joined(&plan.key.user_ids),
            ))
            .chain(people(plan))
            .chain([
                choice(
                    "Profile",
                    "ed25519 (cv25519 encryption) or rsa4096",
                    &["ed25519", "rsa4096"],
                    &plan.key.profile.to_string(),
                ),
                text(
                    "Primary valid for",
                    "365d, 52w or 2y",
                    plan.key.expiry.to_string(),
                ),
                text(
                    "Subkeys valid for",
                    "365d, 52w or 2y",
                    plan.subkeys.expiry.to_string(),
                ),
                choice(
                    "Encryption subkey",
                    "a cv25519/RSA subkey for decryption",
                    &["no", "yes"],
                    yes_no(plan.subkeys.encryption),
                ),
                choice(
                    "Authentication subkey",
                    "for SSH through gpg-agent",
                    &["no", "yes"],
                    yes_no(plan.subkeys.authentication),
                ),
                choice(
                    "Passphrase words",
                    "BIP39 words protecting the backup",
                    &["24", "12"],
                    &plan.passphrase.words.to_string(),
                ),
            ])
            .collect(),
            Page::Custodians => vec![
                text(
                    "Threshold k",
                    "shares needed to restore: 2 to n",
                    plan.shares.threshold.to_string(),
                ),
                text(
                    "Shares n",
                    "custodians: k to 16",
                    plan.shares.count.to_string(),
                ),
                text(
                    "Custodian names",
                    "n names separated by ;, or empty",
                    joined(plan.shares.custodians.iter().map(|c| &c.name)),
                ),
                text(
                    "age recipients file",
                    "optional: one age1... per line, custodian order",
                    "",
                ),
            ],
            Page::Media => vec![
                text(
                    "Backup media",
                    "mount points separated by ;, two or more",
                    joined(plan.media.backup.iter().map(|p| p.display().to_string())),
                ),
                text(
                    "Export medium",
                    "goes online: public material only",
                    plan.media.export.display().to_string(),
                ),
                text(
                    "Share sheets to",
                    "a print directory or a stick of its own",
                    plan.shares.output.display().to_string(),
                ),
                text(
                    "Cards",
                    "how many OpenPGP cards get the subkeys (0: none)",
                    plan.cards.count.to_string(),
                ),
                text(
                    "Cardholder",
                    "name stored on each card (optional)",
                    plan.cards.cardholder.clone().unwrap_or_default(),
                ),
                text(
                    "Cert URL",
                    "where the public cert is published (optional)",
                    plan.cards.url.clone().unwrap_or_default(),
                ),
                choice(
                    "Touch policy",
                    "off leaves the card's; fixed is permanent",
                    &["off", "on", "cached", "fixed"],
                    plan.cards.touch.as_str(),
                ),
                choice(
                    "Hash PINs (KDF)",
                    "cards hash PINs on this machine; needs GnuPG 2.2.20+",
                    &["no", "yes"],
                    yes_no(plan.cards.kdf),
                ),
                choice(
                    "Allow network",
                    "yes only to rehearse on an ordinary machine",
                    &["no", "yes"],
                    yes_no(plan.airgap.allow_network),
                ),
                choice(
                    "Backups on one disk",
                    "yes only to rehearse: two backups on one stick are one backup",
                    &["no", "yes"],
                    yes_no(plan.media.allow_same_device),
                ),
                choice(
                    "cosign key",
                    "a container-signing key: none, in an HSM (pkcs11), a key file, or on YubiKeys' PIV (piv: the plan's cosign.piv_serials)",
                    &COSIGN_TIERS,
                    tier_name(plan.cosign.tier()),
                ),
                text(
                    "HSM module",
                    "pkcs11: the token's PKCS#11 module",
                    cosign
                        .module
                        .as_ref()
                        .map_or(DEFAULT_PKCS11_MODULE.to_owned(), |m| m.display().to_string()),
                ),
                text(
                    "HSM token",
                    "pkcs11: the token's label (the PIN is asked at the start)",
                    cosign.token.clone().unwrap_or_default(),
                ),
                text(
                    "YubiKeys (PIV)",
                    "piv: serials separated by ; (`keyceremony piv list`), each in its factory state",
                    joined(cosign.piv_serials.iter().map(u32::to_string)),
                ),
                text(
                    "PIV PINs to",
                    "piv: a new file or fd:N for the tokens' new PIN and PUK",
                    cosign.pins_deliver_to.clone().unwrap_or_default(),
                ),
                choice(
                    "Key made in the HSM",
                    "pkcs11: yes makes the key inside the token (it never leaves it; no backup holds it), no imports the ceremony's key (the backups keep it)",
                    &["no", "yes"],
                    yes_no(cosign.generate_on_device == Some(true)),
                ),
            ],
            Page::Renew => vec![
                text(
                    "Primary valid for",
                    "from now: 365d, 52w or 2y",
                    plan.key.expiry.to_string(),
                ),
                text(
                    "Subkeys valid for",
                    "from now: 365d, 52w or 2y",
                    plan.subkeys.expiry.to_string(),
                ),
            ]
            .into_iter()
            .chain(people(plan))
            .collect(),
            Page::Subkey => vec![
                choice(
                    "Change",
                    "rotate a subkey, revoke one, or a lost card",
                    &SUBKEY_CHANGES,
                    SUBKEY_CHANGES[0],
                ),
                choice(
                    "Role (rotate)",
                    "the subkey to replace",
                    &["signing", "encryption", "authentication"],
                    "signing",
                ),
                text(
                    "Keep old until",
                    "rotate: empty revokes it now; or 30d, 2027-01-31",
                    "",
                ),
                text("Subkey (revoke)", "the subkey's fingerprint", ""),
                choice(
                    "Reason (revoke)",
                    "compromised: distrust all it signed; retired: no longer used",
                    &["compromised", "retired"],
                    "compromised",
                ),
                text(
                    "Card serial (lost)",
                    "8 hex digits, as the transcript has it",
                    "",
                ),
            ]
            .into_iter()
            .chain(people(plan))
            .collect(),
            Page::Certify => vec![
                text(
                    "Cert file",
                    "the other key's cert, as its owner exported it",
                    "",
                ),
                text(
                    "User IDs",
                    "exactly as in the cert, separated by ;, or empty for all",
                    "",
                ),
                choice(
                    "Level",
                    "0 no claim, 1 persona, 2 casual, 3 checked thoroughly",
                    &["0", "1", "2", "3"],
                    "0",
                ),
                text("Valid for", "empty: no end; or 1y, 90d, 2027-12-31", ""),
                choice(
                    "Trust depth",
                    "1: the key may introduce others (a CA)",
                    &TRUST_DEPTHS,
                    "none",
                ),
                text(
                    "Trust domain",
                    "with a depth: only addresses in this domain, e.g. example.org",
                    "",
                ),
            ]
            .into_iter()
            .chain(people(plan))
            .collect(),
            Page::Rotate => vec![
                text("Reason", "one line, in the statement both keys sign", ""),
                text(
                    "Transition",
                    "how long the old key's signatures stand: 30d, 2027-01-31",
                    "30d",
                ),
            ],
            Page::History => vec![
                text(
                    "Transcripts on",
                    "a medium holding ceremony directories (export or backup)",
                    plan.media.export.display().to_string(),
                ),
                text(
                    "Cert",
                    "the primary's cert (optional: cert.asc beside each transcript)",
                    "",
                ),
            ],
            Page::Restore => vec![
                text(
                    "Backup directory",
                    "the ceremony-... directory on a backup medium",
                    "",
                ),
                text(
                    "Share files",
                    "sheets or .age files separated by ;, or empty to type shares",
                    "",
                ),
                text("age identity file", "for .age share files (optional)", ""),
            ],
        };
        Form {
            page,
            fields,
            focus: 0,
            problem: None,
        }
    }

    pub fn value(&self, i: usize) -> &str {
        self.fields[i].input.value.trim()
    }

    pub fn key(&mut self, k: &KeyEvent) -> FormInput {
        let last = self.fields.len() - 1;
        match k.code {
            // The whole page as it stands, without Enter on every field.
            KeyCode::PageDown => return FormInput::Done,
            KeyCode::Up | KeyCode::BackTab => {
                self.focus = self.focus.saturating_sub(1);
                return FormInput::Edited;
            }
            KeyCode::Down | KeyCode::Tab => {
                self.focus = (self.focus + 1).min(last);
                return FormInput::Edited;
            }
            _ => {}
        }
        let field = &mut self.fields[self.focus];
        if let Kind::Choice(options) = field.kind {
            let at = options
                .iter()
                .position(|o| *o == field.input.value)
                .unwrap_or(0);
            let step = match k.code {
                KeyCode::Char(' ') | KeyCode::Right => 1,
                KeyCode::Left => options.len() - 1,
                KeyCode::Enter => 0,
                _ => return FormInput::Ignored,
            };
            if step != 0 {
                field.input.value = options[(at + step) % options.len()].to_owned();
                return FormInput::Edited;
            }
        }
        match field.input.key(k) {
            Input::Submit if self.focus == last => FormInput::Done,
            Input::Submit => {
                self.focus += 1;
                FormInput::Edited
            }
            Input::Edited => FormInput::Edited,
            Input::Ignored => FormInput::Ignored,
        }
    }

    /// Writes this form into `plan`, or names the first field that is wrong.
    /// `recipients` are the age recipients read from the file the custodians
    /// form names (the loop reads it; forms do no I/O).
    pub fn apply(
        &self,
        plan: &mut Plan,
        base: &Path,
        recipients: Option<&[String]>,
    ) -> Result<(), (usize, String)> {
        match self.page {
            Page::Identity => self.apply_identity(plan),
            Page::Custodians => self.apply_custodians(plan, recipients),
            Page::Media => self.apply_media(plan, base),
            Page::Restore => {
                if self.value(0).is_empty() {
                    return Err((0, "name the backup directory".into()));
                }
                Ok(())
            }
            Page::Subkey => {
                match self.value(0) {
                    "revoke" if self.value(3).is_empty() => {
                        return Err((3, "name the subkey to revoke by its fingerprint".into()))
                    }
                    "lost card: keep" | "lost card: rotate" if self.value(5).is_empty() => {
                        return Err((5, "name the lost card by its serial".into()))
                    }
                    "rotate" if !self.value(2).is_empty() => {
                        crate::plan::expiry_at(self.value(2), std::time::SystemTime::now())
                            .map_err(|e| (2, e))?;
                    }
                    _ => {}
                }
                self.apply_people(plan, 6);
                plan.validate_all_but_media()
                    .map_err(|e| self.on_its_field(&e.to_string()))
            }
            Page::Certify => {
                if self.value(0).is_empty() {
                    return Err((0, "name the cert file to certify".into()));
                }
                if !self.value(3).is_empty() {
                    crate::plan::expiry_at(self.value(3), std::time::SystemTime::now())
                        .map_err(|e| (3, e))?;
                }
                let domain = self.value(5);
                if !domain.is_empty() {
                    if self.value(4) == "none" {
                        return Err((4, "a trust domain needs a trust depth (1)".into()));
                    }
                    if !crate::openpgp::Trust::valid_domain(domain) {
                        return Err((5, "a mail domain such as example.org".into()));
                    }
                }
                self.apply_people(plan, 6);
                plan.validate_all_but_media()
                    .map_err(|e| self.on_its_field(&e.to_string()))
            }
            Page::Rotate => {
                if self.value(0).is_empty() {
                    return Err((0, "say why the key is replaced".into()));
                }
                crate::plan::expiry_at(self.value(1), std::time::SystemTime::now())
                    .map_err(|e| (1, e))?;
                Ok(())
            }
            Page::History => {
                if self.value(0).is_empty() {
                    return Err((0, "name the medium whose transcripts to check".into()));
                }
                Ok(())
            }
            Page::Renew => {
                plan.key.expiry = self.value(0).parse().map_err(|e| (0, e))?;
                plan.subkeys.expiry = self.value(1).parse().map_err(|e| (1, e))?;
                self.apply_people(plan, 2);
                plan.validate_all_but_media()
                    .map_err(|e| self.on_its_field(&e.to_string()))
            }
        }
    }

    /// A plan's complaint put under the field it is about, in the form's
    /// words rather than the plan file's (`cards.cardholder` is
    /// "Cardholder" here); the first field when none is named.
    fn on_its_field(&self, message: &str) -> (usize, String) {
        const NAMES: [(&str, &str); 18] = [
            ("cosign.generate_on_device", "Key made in the HSM"),
            ("cosign.module", "HSM module"),
            ("cosign.token", "HSM token"),
            ("cosign.piv_serials", "YubiKeys (PIV)"),
            ("cosign.pins_deliver_to", "PIV PINs to"),
            ("key.user_ids", "User IDs"),
            ("shares.threshold", "Threshold k"),
            ("shares.count", "Shares n"),
            ("shares.custodians", "Custodian names"),
            ("ceremony.operator", "Operator"),
            ("ceremony.witnesses", "Witnesses"),
            ("media.backup", "Backup media"),
            ("media.export", "Export medium"),
            ("shares.output", "Share sheets to"),
            ("cards.count", "Cards"),
            ("cards.cardholder", "Cardholder"),
            ("cards.url", "Cert URL"),
            ("cards.touch", "Touch policy"),
        ];
        let mut text = message.to_owned();
        let mut at = None;
        for (plan_name, label) in NAMES {
            if text.contains(plan_name) {
                text = text.replace(plan_name, label);
                at = at.or_else(|| self.fields.iter().position(|f| f.label == label));
            }
        }
        // The rest of the plan's [cosign] section (a key file's fields)
        // has no field here: the choice it belongs to takes the message.
        if at.is_none() && text.contains("cosign.") {
            at = self.fields.iter().position(|f| f.label == "cosign key");
        }
        (at.unwrap_or(0), text)
    }

    /// The operator and witnesses from the fields `first` and `first + 1` (see `people`).
    fn apply_people(&self, plan: &mut Plan, first: usize) {
        plan.ceremony.operator = self.value(first).to_owned();
        plan.ceremony.witnesses = split(self.value(first + 1));
    }

    fn apply_identity(&self, plan: &mut Plan) -> Result<(), (usize, String)> {
        let uids = split(self.value(0));
        if uids.is_empty() {
            return Err((
                0,
                "at least one user ID, e.g. Acme Release Signing <release@acme.example>".into(),
            ));
        }
        plan.key.user_ids = uids;
        self.apply_people(plan, 1);
        // The example's identity is refused here, where it is typed, not
        // only at the review three pages on (a rehearsal keeps it); before
        // the fields below it, which the operator has not reached yet.
        plan.check_no_placeholders()
            .map_err(|e| self.on_its_field(&e.to_string()))?;
        if plan.ceremony.operator.is_empty() {
            return Err((
                1,
                "the name of who runs the ceremony (it goes into the transcript)".into(),
            ));
        }
        plan.key.profile = match self.value(3) {
            "rsa4096" => Profile::Rsa4096,
            _ => Profile::Ed25519,
        };
        plan.key.expiry = self.value(4).parse().map_err(|e| (4, e))?;
        plan.subkeys.expiry = self.value(5).parse().map_err(|e| (5, e))?;
        plan.subkeys.encryption = self.value(6) == "yes";
        plan.subkeys.authentication = self.value(7) == "yes";
        plan.passphrase.words = if self.value(8) == "12" { 12 } else { 24 };
        plan.validate_all_but_media()
            .map_err(|e| self.on_its_field(&e.to_string()))
    }

    fn apply_custodians(
        &self,
        plan: &mut Plan,
        recipients: Option<&[String]>,
    ) -> Result<(), (usize, String)> {
        let number = |i: usize, what: &str| {
            self.value(i)
                .parse::<u8>()
                .map_err(|_| (i, format!("{what} must be a number from 2 to 16")))
        };
        let k = number(0, "the threshold")?;
        let n = number(1, "the number of shares")?;
        if !(2..=16).contains(&n) {
            return Err((1, "between 2 and 16 shares".into()));
        }
        if k < 2 || k > n {
            return Err((
                0,
                format!("the threshold must be from 2 to {n} (the number of shares)"),
            ));
        }
        let names = split(self.value(2));
        if !names.is_empty() && names.len() != usize::from(n) {
            return Err((
                2,
                format!(
                    "{} for {n} shares: one name per share, or none",
                    crate::text::count(names.len(), "name", "names")
                ),
            ));
        }
        let recipients = recipients.unwrap_or_default();
        if !self.value(3).is_empty() && recipients.len() != usize::from(n) {
            return Err((
                3,
                format!(
                    "the file holds {} recipients for {n} shares: one per custodian, in order",
                    recipients.len()
                ),
            ));
        }
        let old = std::mem::take(&mut plan.shares.custodians);
        plan.shares.threshold = k;
        plan.shares.count = n;
        // Recipients the plan file named stay unless a file replaces them.
        let recipient = |i: usize| {
            recipients
                .get(i)
                .cloned()
                .or_else(|| old.get(i).and_then(|c| c.age_recipient.clone()))
        };
        let any_recipient = (0..usize::from(n)).any(|i| recipient(i).is_some());
        if !names.is_empty() || any_recipient {
            plan.shares.custodians = (0..usize::from(n))
                .map(|i| Custodian {
                    name: names
                        .get(i)
                        .cloned()
                        .unwrap_or_else(|| format!("Custodian {}", i + 1)),
                    age_recipient: recipient(i),
                    medium: old.get(i).and_then(|c| c.medium.clone()),
                })
                .collect();
        }
        plan.validate_all_but_media()
            .map_err(|e| self.on_its_field(&e.to_string()))
    }

    fn apply_media(&self, plan: &mut Plan, base: &Path) -> Result<(), (usize, String)> {
        let backups = paths(self.value(0), base);
        if backups.is_empty() {
            return Err((0, "name at least one backup medium (two are better)".into()));
        }
        if self.value(1).is_empty() {
            return Err((1, "name the export medium".into()));
        }
        if self.value(2).is_empty() {
            return Err((2, "name where the share sheets go".into()));
        }
        plan.media.backup = backups;
        plan.media.export = absolute(self.value(1), base);
        plan.shares.output = absolute(self.value(2), base);
        plan.cards.count = self
            .value(3)
            .parse()
            .ok()
            .filter(|n| *n <= 16)
            .ok_or((3, "a number of cards from 0 to 16".to_owned()))?;
        let optional = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        plan.cards.cardholder = optional(self.value(4));
        plan.cards.url = optional(self.value(5));
        plan.cards.touch = self.value(6).parse().unwrap_or_default();
        plan.cards.kdf = self.value(7) == "yes";
        plan.airgap.allow_network = self.value(8) == "yes";
        plan.media.allow_same_device = self.value(9) == "yes";
        // The typed fields over what the plan had (a key label, a PIN
        // source, a CA's subject), then only the chosen tier's: the form
        // keeps every tier's fields, the plan one tier.
        let mut c = plan.cosign.fields();
        c.tier = match self.value(10) {
            "pkcs11" => CosignTier::Pkcs11,
            "file" => CosignTier::File,
            "piv" => CosignTier::Piv,
            _ => CosignTier::None,
        };
        c.module = optional(self.value(11)).map(PathBuf::from);
        c.token = optional(self.value(12));
        c.piv_serials = self
            .value(13)
            .split([';', ',', ' '])
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<u32>().map_err(|_| {
                    (
                        13,
                        format!("{s:?} is not a YubiKey serial: digits, as `keyceremony piv list` shows them"),
                    )
                })
            })
            .collect::<Result<_, _>>()
            .or_else(|e| if c.tier == CosignTier::Piv { Err(e) } else { Ok(Vec::new()) })?;
        // A file is named against the same directory as the media.
        c.pins_deliver_to = optional(self.value(14)).map(|v| {
            if v.starts_with("fd:") {
                v
            } else {
                absolute(&v, base).display().to_string()
            }
        });
        c.generate_on_device = (self.value(15) == "yes").then_some(true);
        // A PIN source is the tier's own: an HSM's is not the YubiKeys'.
        if c.tier != plan.cosign.tier() {
            c.pin_from = None;
        }
        c.keep_only_tier();
        plan.cosign = CosignSpec::try_from(c).map_err(|e| self.on_its_field(&e))?;
        plan.validate()
            .map_err(|e| self.on_its_field(&e.to_string()))
    }
}

/// age recipients from a file a custodian brought: one per line, `#` comments.
pub fn parse_recipients(text: &str) -> Result<Vec<String>, String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(i, l)| {
            l.parse::<age::x25519::Recipient>()
                .map(|_| l.to_owned())
                .map_err(|e| format!("line {} is not an age X25519 recipient: {e}", i + 1))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::EXAMPLE_PLAN;

    fn plan() -> Plan {
        Plan::from_toml(EXAMPLE_PLAN).unwrap()
    }

    fn typed(form: &mut Form, field: usize, value: &str) {
        form.fields[field].input.value = value.to_owned();
    }

    /// The media page puts the cosign key on YubiKeys: serials by ; and a
    /// PIN hand-over named against the media's directory; a serial that is
    /// not a number, or none, is said under the field that needs it.
    #[test]
    fn the_media_page_puts_the_cosign_key_on_yubikeys() {
        let mut p = plan();
        let mut f = Form::for_plan(Page::Media, &p);
        let at = |f: &Form, label: &str| f.fields.iter().position(|x| x.label == label).unwrap();
        let (tier, serials, pins) = (
            at(&f, "cosign key"),
            at(&f, "YubiKeys (PIV)"),
            at(&f, "PIV PINs to"),
        );
        typed(&mut f, tier, "piv");
        let (field, why) = f.apply(&mut p, Path::new("/m"), None).unwrap_err();
        assert_eq!(field, serials, "{why}");
        assert!(why.contains("YubiKeys (PIV)"), "{why}");
        typed(&mut f, serials, "11111111; 2222x");
        let (field, why) = f.apply(&mut p, Path::new("/m"), None).unwrap_err();
        assert_eq!((field, why.contains("\"2222x\"")), (serials, true), "{why}");
        typed(&mut f, serials, "11111111; 22222222");
        let (field, why) = f.apply(&mut p, Path::new("/m"), None).unwrap_err();
        assert_eq!(field, pins, "{why}");
        typed(&mut f, pins, "piv-pins.txt");
        f.apply(&mut p, Path::new("/m"), None).unwrap();
        let c = p.cosign.fields();
        assert_eq!(c.tier, CosignTier::Piv);
        assert_eq!(c.piv_serials, vec![11_111_111, 22_222_222]);
        assert_eq!(c.pins_deliver_to.as_deref(), Some("/m/piv-pins.txt"));
        assert!(p.cosign.describe().unwrap().contains("11111111, 22222222"));
    }

    /// The media page chooses the cosign key's tier: an HSM by module and
    /// token (the PIN is asked at the start), with problems under their field;
    /// a key file needs the plan's [cosign] fields, and says so on the choice.
    #[test]
    fn the_media_page_puts_the_cosign_key_into_an_hsm() {
        let mut p = plan();
        let mut f = Form::for_plan(Page::Media, &p);
        let at = |f: &Form, label: &str| f.fields.iter().position(|x| x.label == label).unwrap();
        assert_eq!(f.value(at(&f, "cosign key")), "none");
        assert_eq!(f.value(at(&f, "HSM module")), DEFAULT_PKCS11_MODULE);
        let (tier, token) = (at(&f, "cosign key"), at(&f, "HSM token"));
        typed(&mut f, tier, "pkcs11");
        let (field, why) = f.apply(&mut p, Path::new("/"), None).unwrap_err();
        assert_eq!((field, why.contains("HSM token")), (token, true), "{why}");
        typed(&mut f, token, "release");
        f.apply(&mut p, Path::new("/"), None).unwrap();
        let c = p.cosign.fields();
        assert_eq!(c.tier, CosignTier::Pkcs11);
        assert_eq!(c.token.as_deref(), Some("release"));
        assert_eq!(c.module.as_deref(), Some(Path::new(DEFAULT_PKCS11_MODULE)));
        assert!(c.pin_from.is_none(), "the TUI asks for the PIN");
        typed(&mut f, tier, "file");
        let (field, why) = f.apply(&mut p, Path::new("/"), None).unwrap_err();
        assert_eq!(
            (field, why.contains("cosign.key_to")),
            (tier, true),
            "{why}"
        );
    }

    #[test]
    fn every_page_round_trips_the_example_plan() {
        // A rehearsal: the example's identity is a placeholder a real
        // ceremony refuses on the first page (the next test).
        let plan = || {
            let mut p = plan();
            p.airgap.allow_network = true;
            p
        };
        for page in [Page::Identity, Page::Custodians, Page::Media] {
            let mut p = plan();
            let form = Form::for_plan(page, &p);
            form.apply(&mut p, Path::new("/"), None).unwrap();
            let mut expected = plan();
            expected.media.backup = vec!["/backup-1".into(), "/backup-2".into()];
            expected.media.export = "/export".into();
            expected.shares.output = "/shares".into();
            if page == Page::Media {
                assert_eq!(p, expected);
            } else {
                assert_eq!(p, plan());
            }
        }
    }

    /// #28: the example's placeholder identity is refused on the page it is
    /// typed on, under User IDs, not three pages later at the review.
    #[test]
    fn the_example_identity_is_refused_where_it_is_typed() {
        let mut p = plan();
        let mut f = Form::for_plan(Page::Identity, &p);
        typed(&mut f, 0, "Release Test <release@example.org>");
        let (at, why) = f.apply(&mut p, Path::new("/"), None).unwrap_err();
        assert_eq!(f.fields[at].label, "User IDs", "{why}");
        assert!(why.contains("placeholders"), "{why}");
        typed(&mut f, 0, "Acme Release Signing <release@acme.example>");
        typed(&mut f, 1, "Olga Operator");
        typed(&mut f, 2, "Wanda Witness");
        f.apply(&mut p, Path::new("/"), None).unwrap();
    }

    /// A plan's complaint lands under the field it is about, in the form's
    /// words: a cardholder too long is the Cardholder field's problem.
    #[test]
    fn a_plan_error_lands_on_its_field_in_the_forms_words() {
        let mut p = plan();
        let mut f = Form::for_plan(Page::Media, &p);
        typed(&mut f, 4, &"x".repeat(60));
        let (at, why) = f.apply(&mut p, Path::new("/"), None).unwrap_err();
        assert_eq!(f.fields[at].label, "Cardholder");
        assert!(
            why.contains("Cardholder must be") && !why.contains("cards."),
            "{why}"
        );
    }

    #[test]
    fn a_wrong_field_is_named_with_what_to_do() {
        let mut p = plan();
        let mut f = Form::for_plan(Page::Identity, &p);
        typed(&mut f, 0, "Acme Release <release@acme.test>");
        typed(&mut f, 1, "Olga");
        typed(&mut f, 2, "Walt");
        typed(&mut f, 4, "forever");
        let (field, why) = f.apply(&mut p, Path::new("/"), None).unwrap_err();
        assert_eq!(f.fields[field].label, "Primary valid for");
        assert!(why.contains("365d"), "{why}");

        let mut f = Form::for_plan(Page::Custodians, &p);
        typed(&mut f, 0, "6");
        assert_eq!(f.apply(&mut p, Path::new("/"), None).unwrap_err().0, 0);
        typed(&mut f, 0, "2");
        typed(&mut f, 2, "Alice; Bob");
        let (field, why) = f.apply(&mut p, Path::new("/"), None).unwrap_err();
        assert_eq!((field, why.contains("2 names for 5 shares")), (2, true));
    }

    #[test]
    fn custodians_get_names_and_recipients_in_order() {
        let mut p = plan();
        let mut f = Form::for_plan(Page::Custodians, &p);
        typed(&mut f, 0, "2");
        typed(&mut f, 1, "3");
        typed(&mut f, 2, "Alice; Bob; Carol");
        typed(&mut f, 3, "/media/custodians/recipients.txt");
        let id = age::x25519::Identity::generate().to_public().to_string();
        let text = format!("# Alice\n{id}\n{id} # Bob\n\n{id}\n");
        let recipients = parse_recipients(&text).unwrap();
        f.apply(&mut p, Path::new("/"), Some(&recipients)).unwrap();
        assert_eq!(p.shares.custodians.len(), 3);
        assert_eq!(p.shares.custodians[1].name, "Bob");
        assert_eq!(
            p.shares.custodians[2].age_recipient.as_deref(),
            Some(id.as_str())
        );
        assert!(parse_recipients("age1nope\n")
            .unwrap_err()
            .contains("line 1"));
    }

    #[test]
    fn choices_cycle_with_space_and_enter_moves_on() {
        let p = plan();
        let mut f = Form::for_plan(Page::Identity, &p);
        f.focus = 3;
        assert_eq!(
            f.key(&KeyEvent::from(KeyCode::Char(' '))),
            FormInput::Edited
        );
        assert_eq!(f.value(3), "rsa4096");
        assert_eq!(
            f.key(&KeyEvent::from(KeyCode::Char('x'))),
            FormInput::Ignored
        );
        assert_eq!(f.key(&KeyEvent::from(KeyCode::Enter)), FormInput::Edited);
        assert_eq!(f.focus, 4);
        f.focus = f.fields.len() - 1;
        assert_eq!(f.key(&KeyEvent::from(KeyCode::Enter)), FormInput::Done);
    }
}
