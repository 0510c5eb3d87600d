//! Rotate: a new primary replaces the old, each signing over the other.
//! Its page is the reason and the transition; the new key is then
//! described on the genesis's three pages.

use std::time::SystemTime;

use super::{on, Ctx, Spec, Start, Wrong};
use crate::tui::forms::{fields, text, Form, Page};

pub struct Rotate;

impl Spec for Rotate {
    fn key(&self) -> char {
        'o'
    }

    fn describe(&self) -> &'static str {
        "Rotate: a new primary key replaces this one, signed over by both"
    }

    fn pages(&self) -> &'static [Page] {
        &[
            Page::Restore,
            Page::Rotate,
            Page::Identity,
            Page::Custodians,
            Page::Media,
        ]
    }

    fn title(&self, page: Page) -> Option<&'static str> {
        match page {
            Page::Restore => Some("Rotate: the old key's backup and k of its shares"),
            Page::Identity => Some("Rotate 2/4: the new key's identity and profile"),
            Page::Custodians => Some("Rotate 3/4: the new key's custodians and shares"),
            Page::Media => Some("Rotate 4/4: media and cards for the new key"),
            _ => None,
        }
    }

    fn review(&self, ctx: &Ctx<'_>) -> Result<Vec<String>, Wrong> {
        let (reason, until) =
            request(ctx.forms.get(Page::Rotate), ctx.now).map_err(on(Page::Rotate))?;
        Ok(vec![
            format!("Reason:     {}", crate::text::printable(&reason)),
            format!(
                "Old key:    trusted until {} (the transition), then its revocation is published",
                &humantime::format_rfc3339_seconds(until).to_string()[..10]
            ),
        ])
    }

    fn review_title(&self) -> &'static str {
        "Review the new key and the rotation before anything is written"
    }

    fn review_help(&self) -> &'static str {
        super::genesis::REVIEW_HELP
    }

    fn what(&self, ctx: &Ctx<'_>) -> Result<String, Wrong> {
        let (_, until) = request(ctx.forms.get(Page::Rotate), ctx.now).map_err(on(Page::Rotate))?;
        Ok(format!(
            "the rotation to a new key ({}), the old one trusted until {}",
            ctx.plan
                .key
                .user_ids
                .first()
                .map(String::as_str)
                .unwrap_or_default(),
            &humantime::format_rfc3339_seconds(until).to_string()[..10]
        ))
    }

    fn start(&self, ctx: &Ctx<'_>) -> Result<Start, Wrong> {
        let (reason, transition_until) =
            request(ctx.forms.get(Page::Rotate), ctx.now).map_err(on(Page::Rotate))?;
        Ok(Start::Rotate {
            reason,
            transition_until,
        })
    }
}

pub const HELP: &str = "A new primary key replaces this one. The reason goes into the rotation statement that both keys sign; the transition is how long the old key's signatures are still trusted online (a duration from now or a date). The next pages describe the new key as in a genesis: identity, custodians and share set, media and cards. Each primary certifies the other; the old primary's revocation goes to the new backups, to publish when the transition ends. `keyceremony rotate` does the same in batch mode.";

fields! {
    RotateField {
        Reason,
        Transition,
    }
}

pub fn form() -> Form {
    use RotateField as F;
    Form::new(Page::Rotate, F::ALL, |f| match f {
        F::Reason => text("Reason", "one line, in the statement both keys sign", ""),
        F::Transition => text(
            "Transition",
            "how long the old key's signatures stand: 30d, 2027-01-31",
            "30d",
        ),
    })
}

/// The reason and the end of the transition, or the field that is wrong.
pub fn request(form: &Form, now: SystemTime) -> Result<(String, SystemTime), (usize, String)> {
    use RotateField as F;
    let reason = form.get(F::Reason);
    if reason.is_empty() {
        return Err(form.wrong(F::Reason, "say why the key is replaced"));
    }
    if let Some(c) = crate::text::first_deceptive(reason) {
        return Err(form.wrong(
            F::Reason,
            format!("it holds {c}: the reason is one line of visible text, in the statement both keys sign"),
        ));
    }
    let until =
        super::future(form.get(F::Transition), now).map_err(|e| form.wrong(F::Transition, e))?;
    Ok((form.get(F::Reason).to_owned(), until))
}
