//! The plan as forms: identity and profile, custodians and shares, media and
//! cards; and the restore form. A form is fields of text or choices; applying
//! it to a `Plan` checks every field, so a mistake is named as it is typed and
//! the plan the engine receives is one `Plan::validate` accepts.

use std::path::{Path, PathBuf};

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::input::{Input, TextField};
use crate::plan::Plan;

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
    /// Every page, in the order of its discriminant (`Forms` indexes by it).
    pub const ALL: [Page; 9] = [
        Page::Identity,
        Page::Custodians,
        Page::Media,
        Page::Restore,
        Page::Renew,
        Page::Subkey,
        Page::Certify,
        Page::History,
        Page::Rotate,
    ];

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

pub fn text(label: &'static str, hint: &'static str, value: impl Into<String>) -> Field {
    Field {
        label,
        hint,
        kind: Kind::Text,
        input: TextField::new(value),
    }
}

/// Who runs the ceremony: on every page that starts one (the transcript
/// names them).
pub fn operator(plan: &Plan) -> Field {
    text(
        "Operator",
        "who runs the ceremony (transcript)",
        plan.ceremony.operator.clone(),
    )
}

/// Who watches it: beside the operator.
pub fn witnesses(plan: &Plan) -> Field {
    text(
        "Witnesses",
        "names separated by ;",
        joined(&plan.ceremony.witnesses),
    )
}

/// The operator and witnesses as typed into `plan`; an operator not typed
/// yet is "needed" under its field, not the plan's message.
pub fn apply_people(
    form: &Form,
    plan: &mut Plan,
    operator: impl FieldId,
    witnesses: impl FieldId,
) -> Result<(), (usize, String)> {
    plan.ceremony.operator = form.get(operator).to_owned();
    plan.ceremony.witnesses = split(form.get(witnesses));
    if plan.ceremony.operator.is_empty() {
        return Err(form.wrong(
            operator,
            "the name of who runs the ceremony (it goes into the transcript)",
        ));
    }
    Ok(())
}

/// How long the primary and the subkeys are valid: the identity page's
/// (from the key's creation) and the renew's (from now), with their hint.
pub fn validity(plan: &Plan, hint: &'static str) -> [Field; 2] {
    [
        text("Primary valid for", hint, plan.key.expiry.to_string()),
        text("Subkeys valid for", hint, plan.subkeys.expiry.to_string()),
    ]
}

/// The two validity fields (`validity`) as typed into `plan`.
pub fn apply_validity(
    form: &Form,
    plan: &mut Plan,
    primary: impl FieldId,
    subkeys: impl FieldId,
) -> Result<(), (usize, String)> {
    plan.key.expiry = form
        .get(primary)
        .parse()
        .map_err(|e| form.wrong(primary, e))?;
    plan.subkeys.expiry = form
        .get(subkeys)
        .parse()
        .map_err(|e| form.wrong(subkeys, e))?;
    Ok(())
}

pub fn choice(
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

pub fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

pub fn joined(items: impl IntoIterator<Item = impl AsRef<str>>) -> String {
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

pub fn paths(value: &str, base: &Path) -> Vec<PathBuf> {
    split(value).iter().map(|s| absolute(s, base)).collect()
}

pub fn absolute(s: &str, base: &Path) -> PathBuf {
    let p = PathBuf::from(s.trim());
    if p.is_relative() {
        base.join(p)
    } else {
        p
    }
}

/// A page's fields by name: an enum whose variants are the page's fields
/// in the order they are shown (`fields!` makes one), so that no form is
/// read by position.
pub trait FieldId: Copy {
    fn index(self) -> usize;
}

/// A page's field enum: its variants in order, `ALL`, and `FieldId`.
macro_rules! fields {
    ($(#[$m:meta])* $name:ident { $($v:ident),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($v),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
        }
        impl $crate::tui::forms::FieldId for $name {
            fn index(self) -> usize {
                self as usize
            }
        }
    };
}
pub(crate) use fields;

impl Form {
    /// A page's form: each of its fields (`ids`, in order) made by `make`.
    pub fn new<F: FieldId>(page: Page, ids: &[F], make: impl Fn(F) -> Field) -> Form {
        Form {
            page,
            fields: ids.iter().map(|&f| make(f)).collect(),
            focus: 0,
            problem: None,
        }
    }

    /// A field's value as typed, trimmed.
    pub fn get(&self, f: impl FieldId) -> &str {
        self.value(f.index())
    }

    /// Puts the cursor on a field.
    pub fn focus_on(&mut self, f: impl FieldId) {
        self.focus = f.index();
    }

    /// Whether the cursor is on a field.
    pub fn focused(&self, f: impl FieldId) -> bool {
        self.focus == f.index()
    }

    pub fn field_mut(&mut self, f: impl FieldId) -> &mut Field {
        &mut self.fields[f.index()]
    }

    /// A problem under a field.
    pub fn wrong(&self, f: impl FieldId, why: impl Into<String>) -> (usize, String) {
        (f.index(), why.into())
    }

    /// A value by position: for code over every field (drawing, drafts);
    /// a page's own code names its fields (`get`).
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

    /// A plan's complaint put under the field it is about, in the form's
    /// words rather than the plan file's (`cards.cardholder` is
    /// "Cardholder" here); the first field when none is named.
    pub fn on_its_field(&self, message: &str) -> (usize, String) {
        const NAMES: [(&str, &str); 20] = [
            ("media.allow_same_device", "Backups on one disk"),
            ("airgap.allow_network", "Allow network"),
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
    use crate::plan::{CosignTier, EXAMPLE_PLAN};
    use crate::tui::flows::check;

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
        let mut f = crate::tui::flows::form(Page::Media, &p);
        let at = |f: &Form, label: &str| f.fields.iter().position(|x| x.label == label).unwrap();
        let (tier, serials, pins) = (
            at(&f, "cosign key"),
            at(&f, "YubiKeys (PIV)"),
            at(&f, "PIV PINs to"),
        );
        typed(&mut f, tier, "piv");
        let (field, why) = check(&f, &mut p, Path::new("/m"), None).unwrap_err();
        assert_eq!(field, serials, "{why}");
        assert!(why.contains("YubiKeys (PIV)"), "{why}");
        typed(&mut f, serials, "11111111; 2222x");
        let (field, why) = check(&f, &mut p, Path::new("/m"), None).unwrap_err();
        assert_eq!((field, why.contains("\"2222x\"")), (serials, true), "{why}");
        typed(&mut f, serials, "11111111; 22222222");
        let (field, why) = check(&f, &mut p, Path::new("/m"), None).unwrap_err();
        assert_eq!(field, pins, "{why}");
        typed(&mut f, pins, "piv-pins.txt");
        check(&f, &mut p, Path::new("/m"), None).unwrap();
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
        let mut f = crate::tui::flows::form(Page::Media, &p);
        let at = |f: &Form, label: &str| f.fields.iter().position(|x| x.label == label).unwrap();
        assert_eq!(f.value(at(&f, "cosign key")), "none");
        assert_eq!(f.value(at(&f, "HSM module")), DEFAULT_PKCS11_MODULE);
        let (tier, token) = (at(&f, "cosign key"), at(&f, "HSM token"));
        typed(&mut f, tier, "pkcs11");
        let (field, why) = check(&f, &mut p, Path::new("/"), None).unwrap_err();
        assert_eq!((field, why.contains("HSM token")), (token, true), "{why}");
        typed(&mut f, token, "release");
        check(&f, &mut p, Path::new("/"), None).unwrap();
        let c = p.cosign.fields();
        assert_eq!(c.tier, CosignTier::Pkcs11);
        assert_eq!(c.token.as_deref(), Some("release"));
        assert_eq!(c.module.as_deref(), Some(Path::new(DEFAULT_PKCS11_MODULE)));
        assert!(c.pin_from.is_none(), "the TUI asks for the PIN");
        typed(&mut f, tier, "file");
        let (field, why) = check(&f, &mut p, Path::new("/"), None).unwrap_err();
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
            let form = crate::tui::flows::form(page, &p);
            check(&form, &mut p, Path::new("/"), None).unwrap();
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
        let mut f = crate::tui::flows::form(Page::Identity, &p);
        typed(&mut f, 0, "Release Test <release@example.org>");
        let (at, why) = check(&f, &mut p, Path::new("/"), None).unwrap_err();
        assert_eq!(f.fields[at].label, "User IDs", "{why}");
        assert!(why.contains("placeholders"), "{why}");
        typed(&mut f, 0, "Acme Release Signing <release@acme.example>");
        typed(&mut f, 1, "Olga Operator");
        typed(&mut f, 2, "Wanda Witness");
        check(&f, &mut p, Path::new("/"), None).unwrap();
    }

    /// A plan's complaint lands under the field it is about, in the form's
    /// words: a cardholder too long is the Cardholder field's problem.
    #[test]
    fn a_plan_error_lands_on_its_field_in_the_forms_words() {
        let mut p = plan();
        let mut f = crate::tui::flows::form(Page::Media, &p);
        typed(&mut f, 4, &"x".repeat(60));
        let (at, why) = check(&f, &mut p, Path::new("/"), None).unwrap_err();
        assert_eq!(f.fields[at].label, "Cardholder");
        assert!(
            why.contains("Cardholder must be") && !why.contains("cards."),
            "{why}"
        );
    }

    /// #28 item 8: the export stick picked for the sheets is the sheets'
    /// problem, not the backups'.
    #[test]
    fn sheets_on_the_export_medium_are_the_sheets_fields_problem() {
        let mut p = plan();
        let mut f = crate::tui::flows::form(Page::Media, &p);
        typed(&mut f, 0, "/m/b1; /m/b2");
        typed(&mut f, 1, "/m/export");
        typed(&mut f, 2, "/m/export");
        let (at, why) = check(&f, &mut p, Path::new("/"), None).unwrap_err();
        assert_eq!(f.fields[at].label, "Share sheets to", "{why}");
        assert!(
            why.contains("Share sheets to") && !why.contains("shares.output"),
            "{why}"
        );
    }

    #[test]
    fn a_wrong_field_is_named_with_what_to_do() {
        let mut p = plan();
        let mut f = crate::tui::flows::form(Page::Identity, &p);
        typed(&mut f, 0, "Acme Release <release@acme.test>");
        typed(&mut f, 1, "Olga");
        typed(&mut f, 2, "Walt");
        typed(&mut f, 4, "forever");
        let (field, why) = check(&f, &mut p, Path::new("/"), None).unwrap_err();
        assert_eq!(f.fields[field].label, "Primary valid for");
        assert!(why.contains("365d"), "{why}");

        let mut f = crate::tui::flows::form(Page::Custodians, &p);
        typed(&mut f, 0, "6");
        assert_eq!(check(&f, &mut p, Path::new("/"), None).unwrap_err().0, 0);
        typed(&mut f, 0, "2");
        typed(&mut f, 2, "Alice; Bob");
        let (field, why) = check(&f, &mut p, Path::new("/"), None).unwrap_err();
        assert_eq!((field, why.contains("2 names for 5 shares")), (2, true));
    }

    #[test]
    fn custodians_get_names_and_recipients_in_order() {
        let mut p = plan();
        let mut f = crate::tui::flows::form(Page::Custodians, &p);
        typed(&mut f, 0, "2");
        typed(&mut f, 1, "3");
        typed(&mut f, 2, "Alice; Bob; Carol");
        typed(&mut f, 3, "/media/custodians/recipients.txt");
        let id = age::x25519::Identity::generate().to_public().to_string();
        let text = format!("# Alice\n{id}\n{id} # Bob\n\n{id}\n");
        let recipients = parse_recipients(&text).unwrap();
        check(&f, &mut p, Path::new("/"), Some(&recipients)).unwrap();
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
        let mut f = crate::tui::flows::form(Page::Identity, &p);
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
