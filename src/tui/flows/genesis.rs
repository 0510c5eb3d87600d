//! The genesis: a new key from three pages (identity, custodians, media),
//! then the review of the whole plan. The three pages are the plan's own,
//! so the flows that describe a new key or a new share set (rotate,
//! reshare) and every flow's media take them from here.

use std::path::{Path, PathBuf};

use super::{Ctx, Spec, Start, Wrong};
use crate::plan::{tier_name, CosignSpec, CosignTier, Custodian, Plan, Profile};
use crate::tui::forms::{
    absolute, apply_people, apply_validity, choice, fields, joined, operator, paths, split, text,
    validity, witnesses, yes_no, Form, Page, COSIGN_TIERS, DEFAULT_PKCS11_MODULE,
};

pub struct Genesis;

impl Spec for Genesis {
    fn key(&self) -> char {
        'g'
    }

    fn describe(&self) -> &'static str {
        "Genesis: a new primary key, its subkeys, backups, shares, cards"
    }

    fn pages(&self) -> &'static [Page] {
        &[Page::Identity, Page::Custodians, Page::Media]
    }

    fn review_title(&self) -> &'static str {
        "Review the plan before any key exists"
    }

    fn review_help(&self) -> &'static str {
        REVIEW_HELP
    }

    fn what(&self, ctx: &Ctx<'_>) -> Result<String, Wrong> {
        let p = ctx.plan;
        let mut t = format!(
                        "the genesis? It writes to the backup media {}, the export medium {} and the share sheets in {}",
            super::paths_text(&p.media.backup),
            p.media.export.display(),
            p.shares.output.display()
        );
        if p.cards_total() > 0 {
            t.push_str(&format!(", and {} card(s)", p.cards_text()));
        }
        if !p.cards.reset.is_empty() {
            t.push_str(&format!(
                "; it FACTORY-RESETS cards {}",
                p.cards.reset.join(", ")
            ));
        }
        Ok(t)
    }

    fn start(&self, _ctx: &Ctx<'_>) -> Result<Start, Wrong> {
        Ok(Start::Genesis)
    }
}

/// A review of the plan (genesis, and a rotation's new key).
pub const REVIEW_HELP: &str = "This is what the ceremony will do. Esc goes back to change it. Nothing is written before you confirm; the confirmation names every medium and card.";

/// The help of the three pages.
pub fn help(page: Page) -> &'static str {
    match page {
        Page::Identity => "The user IDs go on the new primary key (the first is the primary user ID). ed25519 makes EdDSA keys with a cv25519 encryption subkey; rsa4096 takes longer and suits older systems. Validity is a number and a unit: 365d, 52w, 2y. The passphrase protecting the backup is a BIP39 mnemonic. Operator and witnesses go into the transcript.",
        Page::Custodians => "Any k of the n custodians restore the passphrase; fewer learn nothing. Names are printed on the sheets. An age recipients file (one age1... per line, in custodian order) makes an encrypted copy of each sheet for its custodian: press Enter on that field to read it.",
        _ => MEDIA_HELP,
    }
}

const MEDIA_HELP: &str = "Backup media receive the encrypted key, revocation and cert; use two or more sticks. The export medium goes online and gets public material only. Share sheets go to a print directory or a stick of their own. Cards receive the same subkeys; you choose their PINs on screen. Touch 'fixed' cannot be undone without a reset. F2 lists the mounted media (label, free space, device) to pick from instead of typing paths: b adds the medium to the backups, e makes it the export medium, s the share sheets' place, and the list stays open for the next; Enter puts it into the field you are on. A cosign key for container images can go into an HSM: choose pkcs11, give the module (OpenSC's is in the live image) and the token's label; its PIN is asked when the ceremony starts. A key file (for a CI secret store) needs the plan's [cosign] section.";

/// The media page's help while its list of mounted media is open.
pub const PICKER_HELP: &str = "Mounted media: Up/Down choose, Enter puts the medium into the field the cursor was on (added to the backup media, or in place of the export or share-sheet path), Esc closes. Each line shows the label, the free and total space, and the device: two backups on one device are one backup.";

fields! {
    /// The identity page: who the key is for, who is here, the profile.
    IdentityField {
        UserIds,
        Operator,
        Witnesses,
        Profile,
        PrimaryValid,
        SubkeysValid,
        Encryption,
        Authentication,
        Words,
    }
}

pub fn identity(plan: &Plan) -> Form {
    use IdentityField as F;
    // Who is here comes right after the user IDs: every ceremony names
    // them, while the profile below is mostly kept as offered.
    Form::new(Page::Identity, F::ALL, |f| match f {
        F::UserIds => text(
            "User IDs",
            "Name <email>; several separated by ;",
            joined(&plan.key.user_ids),
        ),
        F::Operator => operator(plan),
        F::Witnesses => witnesses(plan),
        F::Profile => choice(
            "Profile",
            "ed25519 (cv25519 encryption) or rsa4096",
            &["ed25519", "rsa4096"],
            &plan.key.profile.to_string(),
        ),
        F::PrimaryValid => validity(plan, "365d, 52w or 2y")[0].clone(),
        F::SubkeysValid => validity(plan, "365d, 52w or 2y")[1].clone(),
        F::Encryption => choice(
            "Encryption subkey",
            "a cv25519/RSA subkey for decryption",
            &["no", "yes"],
            yes_no(plan.subkeys.encryption),
        ),
        F::Authentication => choice(
            "Authentication subkey",
            "for SSH through gpg-agent",
            &["no", "yes"],
            yes_no(plan.subkeys.authentication),
        ),
        F::Words => choice(
            "Passphrase words",
            "BIP39 words protecting the backup",
            &["24", "12"],
            &plan.passphrase.words.to_string(),
        ),
    })
}

pub fn apply_identity(form: &Form, plan: &mut Plan) -> Result<(), (usize, String)> {
    use IdentityField as F;
    let uids = split(form.get(F::UserIds));
    if uids.is_empty() {
        return Err(form.wrong(
            F::UserIds,
            "at least one user ID, e.g. Acme Release Signing <release@acme.example>",
        ));
    }
    plan.key.user_ids = uids;
    let people = apply_people(form, plan, F::Operator, F::Witnesses);
    // The example's identity is refused here, where it is typed, not only
    // at the review three pages on (a rehearsal keeps it); before the
    // fields below it, which the operator has not reached yet.
    plan.check_no_placeholders()
        .map_err(|e| form.on_its_field(&e.to_string()))?;
    people?;
    plan.key.profile = match form.get(F::Profile) {
        "rsa4096" => Profile::Rsa4096,
        _ => Profile::Ed25519,
    };
    apply_validity(form, plan, F::PrimaryValid, F::SubkeysValid)?;
    plan.subkeys.encryption = form.get(F::Encryption) == "yes";
    plan.subkeys.authentication = form.get(F::Authentication) == "yes";
    plan.passphrase.words = if form.get(F::Words) == "12" { 12 } else { 24 };
    plan.validate_all_but_media()
        .map_err(|e| form.on_its_field(&e.to_string()))
}

fields! {
    /// The custodians page: k of n, their names, their age recipients.
    CustodiansField {
        Threshold,
        Count,
        Names,
        Recipients,
    }
}

pub fn custodians(plan: &Plan) -> Form {
    use CustodiansField as F;
    Form::new(Page::Custodians, F::ALL, |f| match f {
        F::Threshold => text(
            "Threshold k",
            "shares needed to restore: 2 to n",
            plan.shares.threshold.to_string(),
        ),
        F::Count => text(
            "Shares n",
            "custodians: k to 16",
            plan.shares.count.to_string(),
        ),
        F::Names => text(
            "Custodian names",
            "n names separated by ;, or empty",
            joined(plan.shares.custodians.iter().map(|c| &c.name)),
        ),
        F::Recipients => text(
            "age recipients file",
            "optional: one age1... per line, custodian order",
            "",
        ),
    })
}

/// The recipients file the custodians page names, if it names one.
pub fn recipients_file(form: &Form) -> Option<PathBuf> {
    Some(form.get(CustodiansField::Recipients))
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
}

pub fn apply_custodians(
    form: &Form,
    plan: &mut Plan,
    recipients: Option<&[String]>,
) -> Result<(), (usize, String)> {
    use CustodiansField as F;
    let number = |f: F, what: &str| {
        form.get(f)
            .parse::<u8>()
            .map_err(|_| form.wrong(f, format!("{what} must be a number from 2 to 16")))
    };
    let k = number(F::Threshold, "the threshold")?;
    let n = number(F::Count, "the number of shares")?;
    if !(2..=16).contains(&n) {
        return Err(form.wrong(F::Count, "between 2 and 16 shares"));
    }
    if k < 2 || k > n {
        return Err(form.wrong(
            F::Threshold,
            format!("the threshold must be from 2 to {n} (the number of shares)"),
        ));
    }
    let names = split(form.get(F::Names));
    if !names.is_empty() && names.len() != usize::from(n) {
        return Err(form.wrong(
            F::Names,
            format!(
                "{} for {n} shares: one name per share, or none",
                crate::text::count(names.len(), "name", "names")
            ),
        ));
    }
    if recipients_file(form).is_some() && recipients.is_none() {
        return Err(form.wrong(F::Recipients, "press Enter on this field to read the file"));
    }
    let recipients = recipients.unwrap_or_default();
    if recipients_file(form).is_some() && recipients.len() != usize::from(n) {
        return Err(form.wrong(
            F::Recipients,
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
    plan.validate_settings()
        .map_err(|e| form.on_its_field(&e.to_string()))
}

fields! {
    /// The media page: where everything goes, the cards, the overrides and
    /// the cosign key.
    MediaField {
        Backups,
        Export,
        Sheets,
        Cards,
        Cardholder,
        CertUrl,
        Touch,
        Kdf,
        AllowNetwork,
        SameDevice,
        CosignTier,
        HsmModule,
        HsmToken,
        PivSerials,
        PivPinsTo,
        OnDevice,
    }
}

impl MediaField {
    /// What the media list's letters put a medium into: backups take one
    /// more, the export and the sheets one each.
    pub fn picked_by(letter: char) -> Option<MediaField> {
        match letter {
            'b' => Some(MediaField::Backups),
            'e' => Some(MediaField::Export),
            's' => Some(MediaField::Sheets),
            _ => None,
        }
    }
}

pub fn media(plan: &Plan) -> Form {
    use MediaField as F;
    let cosign = plan.cosign.fields();
    Form::new(Page::Media, F::ALL, |f| {
        match f {
        F::Backups => text(
            "Backup media",
            "mount points separated by ;, two or more",
            joined(plan.media.backup.iter().map(|p| p.display().to_string())),
        ),
        F::Export => text(
            "Export medium",
            "goes online: public material only",
            plan.media.export.display().to_string(),
        ),
        F::Sheets => text(
            "Share sheets to",
            "a print directory or a stick of its own",
            plan.shares.output.display().to_string(),
        ),
        F::Cards => text(
            "Cards",
            "how many OpenPGP cards get the subkeys (0: none)",
            plan.cards.count.to_string(),
        ),
        F::Cardholder => text(
            "Cardholder",
            "name stored on each card (optional)",
            plan.cards.cardholder.clone().unwrap_or_default(),
        ),
        F::CertUrl => text(
            "Cert URL",
            "where the public cert is published (optional)",
            plan.cards.url.clone().unwrap_or_default(),
        ),
        F::Touch => choice(
            "Touch policy",
            "off leaves the card's; fixed is permanent",
            &["off", "on", "cached", "fixed"],
            plan.cards.touch.as_str(),
        ),
        F::Kdf => choice(
            "Hash PINs (KDF)",
            "cards hash PINs on this machine; needs GnuPG 2.2.20+",
            &["no", "yes"],
            yes_no(plan.cards.kdf),
        ),
        F::AllowNetwork => choice(
            "Allow network",
            "yes only to rehearse on an ordinary machine",
            &["no", "yes"],
            yes_no(plan.airgap.allow_network),
        ),
        F::SameDevice => choice(
            "Backups on one disk",
            "yes only to rehearse: two backups on one stick are one backup",
            &["no", "yes"],
            yes_no(plan.media.allow_same_device),
        ),
        F::CosignTier => choice(
            "cosign key",
            "a container-signing key: none, in an HSM (pkcs11), a key file, or on YubiKeys' PIV (piv: the plan's cosign.piv_serials)",
            &COSIGN_TIERS,
            tier_name(plan.cosign.tier()),
        ),
        F::HsmModule => text(
            "HSM module",
            "pkcs11: the token's PKCS#11 module",
            cosign
                .module
                .as_ref()
                .map_or(DEFAULT_PKCS11_MODULE.to_owned(), |m| m.display().to_string()),
        ),
        F::HsmToken => text(
            "HSM token",
            "pkcs11: the token's label (the PIN is asked at the start)",
            cosign.token.clone().unwrap_or_default(),
        ),
        F::PivSerials => text(
            "YubiKeys (PIV)",
            "piv: serials separated by ; (`keyceremony piv list`), each in its factory state",
            joined(cosign.piv_serials.iter().map(u32::to_string)),
        ),
        F::PivPinsTo => text(
            "PIV PINs to",
            "piv: a new file or fd:N for the tokens' new PIN and PUK",
            cosign.pins_deliver_to.clone().unwrap_or_default(),
        ),
        F::OnDevice => choice(
            "Key made in the HSM",
            "pkcs11: yes makes the key inside the token (it never leaves it; no backup holds it), no imports the ceremony's key (the backups keep it)",
            &["no", "yes"],
            yes_no(cosign.generate_on_device == Some(true)),
        ),
    }
    })
}

pub fn apply_media(form: &Form, plan: &mut Plan, base: &Path) -> Result<(), (usize, String)> {
    use MediaField as F;
    let backups = paths(form.get(F::Backups), base);
    if backups.is_empty() {
        return Err(form.wrong(
            F::Backups,
            "name at least one backup medium (two are better)",
        ));
    }
    if form.get(F::Export).is_empty() {
        return Err(form.wrong(F::Export, "name the export medium"));
    }
    if form.get(F::Sheets).is_empty() {
        return Err(form.wrong(F::Sheets, "name where the share sheets go"));
    }
    plan.media.backup = backups;
    plan.media.export = absolute(form.get(F::Export), base);
    plan.shares.output = absolute(form.get(F::Sheets), base);
    plan.cards.count = form
        .get(F::Cards)
        .parse()
        .ok()
        .filter(|n| *n <= 16)
        .ok_or_else(|| form.wrong(F::Cards, "a number of cards from 0 to 16"))?;
    let optional = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    plan.cards.cardholder = optional(form.get(F::Cardholder));
    plan.cards.url = optional(form.get(F::CertUrl));
    plan.cards.touch = form
        .get(F::Touch)
        .parse()
        .map_err(|e: String| form.wrong(F::Touch, e))?;
    plan.cards.kdf = form.get(F::Kdf) == "yes";
    plan.airgap.allow_network = form.get(F::AllowNetwork) == "yes";
    plan.media.allow_same_device = form.get(F::SameDevice) == "yes";
    // The typed fields over what the plan had (a key label, a PIN source, a
    // CA's subject), then only the chosen tier's: the form keeps every
    // tier's fields, the plan one tier.
    let mut c = plan.cosign.fields();
    c.tier = match form.get(F::CosignTier) {
        "pkcs11" => CosignTier::Pkcs11,
        "file" => CosignTier::File,
        "piv" => CosignTier::Piv,
        _ => CosignTier::None,
    };
    c.module = optional(form.get(F::HsmModule)).map(PathBuf::from);
    c.token = optional(form.get(F::HsmToken));
    c.piv_serials = form
        .get(F::PivSerials)
        .split([';', ',', ' '])
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<u32>().map_err(|_| {
                form.wrong(
                    F::PivSerials,
                    format!("{s:?} is not a YubiKey serial: digits, as `keyceremony piv list` shows them"),
                )
            })
        })
        .collect::<Result<_, _>>()
        .or_else(|e| if c.tier == CosignTier::Piv { Err(e) } else { Ok(Vec::new()) })?;
    // A file is named against the same directory as the media.
    c.pins_deliver_to = optional(form.get(F::PivPinsTo)).map(|v| {
        if v.starts_with("fd:") {
            v
        } else {
            absolute(&v, base).display().to_string()
        }
    });
    c.generate_on_device = (form.get(F::OnDevice) == "yes").then_some(true);
    // A PIN source is the tier's own: an HSM's is not the YubiKeys'.
    if c.tier != plan.cosign.tier() {
        c.pin_from = None;
    }
    c.keep_only_tier();
    plan.cosign = CosignSpec::try_from(c).map_err(|e| form.on_its_field(&e))?;
    // The user IDs are the Identity page's (a flow on a key has the key's).
    plan.validate_settings()
        .and_then(|()| plan.validate_media())
        .map_err(|e| form.on_its_field(&e.to_string()))
}
