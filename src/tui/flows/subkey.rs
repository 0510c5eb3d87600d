//! Subkeys: rotate one, revoke one, or a lost card (its subkeys kept or
//! rotated). The page names the change; `request` makes the engine's
//! `Change` from it, the one parse both its check and its start use.

use std::time::SystemTime;

use super::{on, until, Ctx, Spec, Start, Wrong};
use crate::ceremony::subkey::{Change, OldSubkey};
use crate::openpgp::{KeyRole, RevokeReason};
use crate::plan::Plan;
use crate::tui::forms::{apply_people, choice, fields, operator, text, witnesses, Form, Page};

pub struct Subkey;

impl Spec for Subkey {
    fn key(&self) -> char {
        's'
    }

    fn describe(&self) -> &'static str {
        "Subkeys: rotate or revoke a subkey, or a lost card"
    }

    fn pages(&self) -> &'static [Page] {
        &[Page::Restore, Page::Subkey, Page::Media]
    }

    fn title(&self, page: Page) -> Option<&'static str> {
        match page {
            Page::Restore => Some("Subkeys: the backup holding the key and the shares"),
            Page::Media => Some("Subkeys 2/2: where the new backups and cert go"),
            _ => None,
        }
    }

    fn review_title(&self) -> &'static str {
        "Review the subkey change before anything is written"
    }

    fn review_help(&self) -> &'static str {
        "The backup is proven and opened with the shares before anything is written; the change is signed by the primary; the key goes to new backups under the same passphrase, which the same shares must open, and the changed cert to the export medium. `keyceremony subkey` and `keyceremony lost-card` do the same in batch mode."
    }

    fn review(&self, ctx: &Ctx<'_>) -> Result<Vec<String>, Wrong> {
        let change = request(ctx.forms.get(Page::Subkey), ctx.now).map_err(on(Page::Subkey))?;
        let p = ctx.plan;
        let mut lines = vec![format!("Change:     {}", describe(&change))];
        // Only a change that makes subkeys says how long they are valid.
        if matches!(
            change,
            Change::Rotate { .. } | Change::LostCard { rotate: true, .. }
        ) {
            lines.push(format!(
                "New subkeys valid {} from now{}",
                p.subkeys.expiry,
                until(&p.subkeys.expiry, ctx.now)
            ));
        }
        Ok(lines)
    }

    fn what(&self, ctx: &Ctx<'_>) -> Result<String, Wrong> {
        let change = request(ctx.forms.get(Page::Subkey), ctx.now).map_err(on(Page::Subkey))?;
        Ok(format!("the subkey change ({})", describe(&change)))
    }

    fn start(&self, ctx: &Ctx<'_>) -> Result<Start, Wrong> {
        request(ctx.forms.get(Page::Subkey), ctx.now)
            .map(Start::Subkey)
            .map_err(on(Page::Subkey))
    }
}

pub const HELP: &str = "rotate: a new subkey for the role (a signing subkey of the named signing role, two-person signing; empty: the release role's), only that role's cards taking it; the old one revoked now as superseded, or, with a date or duration in 'Keep old until', left valid until then. revoke: the subkey named by its fingerprint, as compromised (distrust everything it signed) or retired. lost card: the subkeys the card held (from the transcript that provisioned it) kept, the loss recorded, or all rotated. The primary and its fingerprint never change. New subkeys go onto the cards the media page counts, in this ceremony (you choose their PINs; a card holding this key's earlier subkeys is reset for them), or later with `keyceremony card provision` from the new backup.";

/// The page's first field: what the ceremony changes.
pub const CHANGES: [&str; 4] = ["rotate", "revoke", "lost card: keep", "lost card: rotate"];

fields! {
    SubkeyField {
        Change,
        Role,
        SigningRole,
        KeepUntil,
        Fingerprint,
        Reason,
        Serial,
        Operator,
        Witnesses,
    }
}

pub fn form(plan: &Plan) -> Form {
    use SubkeyField as F;
    Form::new(Page::Subkey, F::ALL, |f| match f {
        F::Change => choice(
            "Change",
            "rotate a subkey, revoke one, or a lost card",
            &CHANGES,
            CHANGES[0],
        ),
        F::Role => choice(
            "Role (rotate)",
            "the subkey to replace",
            &["signing", "encryption", "authentication"],
            "signing",
        ),
        F::SigningRole => text(
            "Signing role",
            "rotate signing: empty for the release role, or a named one (approve)",
            "",
        ),
        F::KeepUntil => text(
            "Keep old until",
            "rotate: empty revokes it now; or 30d, 2027-01-31",
            "",
        ),
        F::Fingerprint => text("Subkey (revoke)", "the subkey's fingerprint", ""),
        F::Reason => choice(
            "Reason (revoke)",
            "compromised: distrust all it signed; retired: no longer used",
            &["compromised", "retired"],
            "compromised",
        ),
        F::Serial => text(
            "Card serial (lost)",
            "8 hex digits, as the transcript has it",
            "",
        ),
        F::Operator => operator(plan),
        F::Witnesses => witnesses(plan),
    })
}

/// The change the page names, or the field that is wrong.
pub fn request(form: &Form, now: SystemTime) -> Result<Change, (usize, String)> {
    use SubkeyField as F;
    let lost = |rotate: bool| {
        let serial = form.get(F::Serial);
        if serial.is_empty() {
            return Err(form.wrong(F::Serial, "name the lost card by its serial"));
        }
        if serial.len() != 8 || !serial.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(form.wrong(
                F::Serial,
                "a card's serial is 8 hex digits, as the transcript that provisioned it has it",
            ));
        }
        Ok(Change::LostCard {
            serial: serial.to_owned(),
            rotate,
        })
    };
    match form.get(F::Change) {
        "rotate" => Ok(Change::Rotate {
            role: match form.get(F::Role) {
                "signing" => KeyRole::Signing,
                "encryption" => KeyRole::Encryption,
                "authentication" => KeyRole::Authentication,
                other => return Err(form.wrong(F::Role, format!("{other:?} is no subkey role"))),
            },
            signing_role: match form.get(F::SigningRole) {
                "" => None,
                _ if form.get(F::Role) != "signing" => return Err(form.wrong(
                    F::SigningRole,
                    "a signing role is for the signing subkey: empty it, or choose Role signing",
                )),
                name => {
                    crate::openpgp::check_role_name(name)
                        .map_err(|e| form.wrong(F::SigningRole, e))?;
                    Some(name.to_owned())
                }
            },
            old: match form.get(F::KeepUntil) {
                "" => OldSubkey::Revoke,
                until => OldSubkey::ValidUntil(
                    super::future(until, now).map_err(|e| form.wrong(F::KeepUntil, e))?,
                ),
            },
            reason: None,
        }),
        "revoke" => {
            let fingerprint = form.get(F::Fingerprint);
            if fingerprint.is_empty() {
                return Err(form.wrong(
                    F::Fingerprint,
                    "name the subkey to revoke by its fingerprint",
                ));
            }
            let hex: String = fingerprint.chars().filter(|c| *c != ' ').collect();
            if hex.len() != 40 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(form.wrong(
                    F::Fingerprint,
                    "a fingerprint is 40 hex digits (spaces allowed), as `gpg --list-keys` or the transcript shows it",
                ));
            }
            Ok(Change::Revoke {
                fingerprint: fingerprint.to_owned(),
                reason: match form.get(F::Reason) {
                    "compromised" => RevokeReason::Compromised,
                    "retired" => RevokeReason::Retired,
                    other => return Err(form.wrong(F::Reason, format!("{other:?} is no reason"))),
                },
            })
        }
        "lost card: keep" => lost(false),
        "lost card: rotate" => lost(true),
        other => Err(form.wrong(F::Change, format!("{other:?} is no change"))),
    }
}

/// The change in words, for the review and the confirmation.
fn describe(change: &Change) -> String {
    match change {
        Change::Rotate {
            role,
            signing_role,
            old,
            ..
        } => format!(
            "rotate the {}{} subkey; the old one {}",
            signing_role
                .as_deref()
                .map(|r| format!("{r} role's "))
                .unwrap_or_default(),
            format!("{role:?}").to_lowercase(),
            match old {
                OldSubkey::Revoke => "revoked now".to_owned(),
                OldSubkey::ValidUntil(t) => format!(
                    "valid until {}",
                    &humantime::format_rfc3339_seconds(*t).to_string()[..10]
                ),
            }
        ),
        Change::Revoke {
            fingerprint,
            reason,
        } => format!(
            "revoke subkey {fingerprint} as {}",
            format!("{reason:?}").to_lowercase()
        ),
        Change::LostCard {
            serial,
            rotate: false,
        } => format!("card {serial} lost; its subkeys kept"),
        Change::LostCard {
            serial,
            rotate: true,
        } => format!("card {serial} lost; its subkeys rotated"),
    }
}

pub fn apply(form: &Form, plan: &mut Plan, now: SystemTime) -> Result<(), (usize, String)> {
    use SubkeyField as F;
    request(form, now)?;
    apply_people(form, plan, F::Operator, F::Witnesses)?;
    plan.validate_settings()
        .map_err(|e| form.on_its_field(&e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::input::TextField;

    fn with(values: &[(SubkeyField, &str)]) -> Form {
        let mut f = form(&Plan::from_toml(crate::plan::EXAMPLE_PLAN).unwrap());
        for (id, v) in values {
            f.field_mut(*id).input = TextField::new(*v);
        }
        f
    }

    /// The signing role of a rotation: empty is the release role's; a name
    /// is checked as the plan checks it; only for the signing subkey.
    #[test]
    fn a_rotation_names_its_signing_role_or_the_field_says_why_not() {
        use SubkeyField as F;
        let now = SystemTime::now();
        let r = request(&with(&[(F::SigningRole, "approve")]), now).unwrap();
        assert!(matches!(&r, Change::Rotate { signing_role: Some(n), .. } if n == "approve"));
        assert_eq!(
            describe(&r),
            "rotate the approve role's signing subkey; the old one revoked now"
        );
        let r = request(&with(&[]), now).unwrap();
        assert!(matches!(
            r,
            Change::Rotate {
                signing_role: None,
                ..
            }
        ));
        for (values, needle) in [
            (vec![(F::SigningRole, "Approve")], "not a role name"),
            (vec![(F::SigningRole, "release")], "default role"),
            (
                vec![(F::Role, "encryption"), (F::SigningRole, "approve")],
                "choose Role signing",
            ),
        ] {
            let (field, why) = request(&with(&values), now).unwrap_err();
            assert_eq!(field, F::SigningRole as usize);
            assert!(why.contains(needle), "{why}");
        }
    }
}
