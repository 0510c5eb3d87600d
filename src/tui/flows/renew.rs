//! The renew: the same key, a new expiry. Its page is the new validity and
//! the people; the backup and shares come first, the media after.

use super::{until, Ctx, Spec, Start, Wrong};
use crate::plan::Plan;
use crate::tui::forms::{
    apply_people, apply_validity, fields, operator, validity, witnesses, Form, Page,
};

/// The renewed validities count from now.
const HINT: &str = "from now: 365d, 52w or 2y";

pub struct Renew;

impl Spec for Renew {
    fn key(&self) -> char {
        'n'
    }

    fn describe(&self) -> &'static str {
        "Renew: k shares open a backup; the same key gets a new expiry"
    }

    fn pages(&self) -> &'static [Page] {
        &[Page::Restore, Page::Renew, Page::Media]
    }

    fn title(&self, page: Page) -> Option<&'static str> {
        match page {
            Page::Restore => Some("Renew: the backup to renew and the shares"),
            Page::Media => Some("Renew 2/2: where the renewed backups and cert go"),
            _ => None,
        }
    }

    fn review_title(&self) -> &'static str {
        "Review the renew before anything is written"
    }

    fn review_help(&self) -> &'static str {
        "The renew proves the backup (MANIFEST, signatures) and opens it with the shares before writing anything, signs the new expiry with the primary, writes new backups protected by the same passphrase, opens each with the same shares, and exports the renewed cert. `keyceremony renew` does the same in batch mode."
    }

    fn review(&self, ctx: &Ctx<'_>) -> Result<Vec<String>, Wrong> {
        let p = ctx.plan;
        Ok(vec![
            format!(
                "Primary:    valid {} from now{}",
                p.key.expiry,
                until(&p.key.expiry, ctx.now)
            ),
            format!(
                "Subkeys:    valid {} from now{}",
                p.subkeys.expiry,
                until(&p.subkeys.expiry, ctx.now)
            ),
        ])
    }

    fn what(&self, _ctx: &Ctx<'_>) -> Result<String, Wrong> {
        Ok("the renew".into())
    }

    fn start(&self, _ctx: &Ctx<'_>) -> Result<Start, Wrong> {
        Ok(Start::Renew)
    }
}

pub const HELP: &str = "The renewed key keeps its key material: cards need no change, and the custodians' shares go on working. Validity counts from now: 365d, 52w, 2y; an expired key is renewed the same way. Operator and witnesses go into the transcript. Next come the media: a new ceremony directory on every backup medium and the export medium; older directories are never touched.";

fields! {
    RenewField {
        PrimaryValid,
        SubkeysValid,
        Operator,
        Witnesses,
    }
}

pub fn form(plan: &Plan) -> Form {
    use RenewField as F;
    Form::new(Page::Renew, F::ALL, |f| match f {
        F::PrimaryValid => validity(plan, HINT)[0].clone(),
        F::SubkeysValid => validity(plan, HINT)[1].clone(),
        F::Operator => operator(plan),
        F::Witnesses => witnesses(plan),
    })
}

pub fn apply(form: &Form, plan: &mut Plan) -> Result<(), (usize, String)> {
    use RenewField as F;
    apply_validity(form, plan, F::PrimaryValid, F::SubkeysValid)?;
    apply_people(form, plan, F::Operator, F::Witnesses)?;
    plan.validate_settings()
        .map_err(|e| form.on_its_field(&e.to_string()))
}
