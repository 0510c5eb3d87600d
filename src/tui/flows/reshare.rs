//! New custodians: a new passphrase and share set, the old set retired.
//! The new set is the genesis's Custodians page.

use super::{Ctx, Spec, Start, Wrong};
use crate::tui::forms::Page;

pub struct Reshare;

impl Spec for Reshare {
    fn key(&self) -> char {
        'k'
    }

    fn describe(&self) -> &'static str {
        "New custodians: a new passphrase and share set, the old set retired"
    }

    fn pages(&self) -> &'static [Page] {
        &[Page::Restore, Page::Custodians, Page::Media]
    }

    fn title(&self, page: Page) -> Option<&'static str> {
        match page {
            Page::Restore => Some("New custodians: the backup and k shares of the set to retire"),
            Page::Custodians => Some("New custodians 1/2: the new share set"),
            Page::Media => Some("New custodians 2/2: where the new backups, shares and cert go"),
            _ => None,
        }
    }

    fn help(&self, page: Page) -> Option<&'static str> {
        (page == Page::Custodians).then_some("The new set: any k of the n new custodians will open the new backups. A new passphrase is made and the key re-encrypted to it; the old shares open none of the new backups, and the backups they still open are listed for destruction at the end. Names are printed on the sheets; an age recipients file makes an encrypted copy of each sheet. Splitting the same passphrase again would leave the old shares working, so a reshare always makes a new one.")
    }

    fn review_title(&self) -> &'static str {
        "Review the reshare before anything is written"
    }

    fn review(&self, ctx: &Ctx<'_>) -> Result<Vec<String>, Wrong> {
        let p = ctx.plan;
        Ok(vec![
            format!(
                "New shares: {} of {}, to {}",
                p.shares.threshold,
                p.shares.count,
                p.shares.output.display()
            ),
            "A new passphrase; the old shares will open none of the new backups".into(),
        ])
    }

    fn what(&self, ctx: &Ctx<'_>) -> Result<String, Wrong> {
        let p = ctx.plan;
        Ok(format!(
            "the reshare ({} of {} new shares to {})",
            p.shares.threshold,
            p.shares.count,
            p.shares.output.display()
        ))
    }

    fn start(&self, _ctx: &Ctx<'_>) -> Result<Start, Wrong> {
        Ok(Start::Reshare)
    }
}
