//! One module per ceremony flow as the TUI walks it: its pages (forms whose
//! fields have names), what each page checks, the one typed request its
//! pages make, and its own words on screen (titles, help, the review's
//! lines). `app` keeps what every flow shares (welcome, pre-flight, the
//! shares typed back, the review, the running ceremony) and routes from page
//! to page by the flow's list of them; a new flow is a module here and an
//! arm of `Flow`.
//!
//! Why requests are parsed by the page's own function, once: the pages used
//! to be read by position in two places, the check and the start, and the
//! start fell back silently (an unknown change became a rotation, a
//! transition that did not parse ended now). Now the check is the parse,
//! and the start refuses what the check would.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::forms::{Form, Page};
use crate::plan::Plan;

pub mod certify;
pub mod genesis;
pub mod history;
pub mod renew;
pub mod reshare;
pub mod restore;
pub mod rotate;
pub mod subkey;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Genesis,
    Restore,
    Renew,
    Subkey,
    Certify,
    /// New custodians: the Custodians page gives the new share set.
    Reshare,
    History,
    /// A new primary replaces the old: the genesis pages describe it.
    Rotate,
}

impl Flow {
    /// As the welcome screen lists them.
    pub const ALL: [Flow; 8] = [
        Flow::Genesis,
        Flow::Restore,
        Flow::Renew,
        Flow::Subkey,
        Flow::Certify,
        Flow::Reshare,
        Flow::Rotate,
        Flow::History,
    ];

    pub fn spec(self) -> &'static dyn Spec {
        match self {
            Flow::Genesis => &genesis::Genesis,
            Flow::Restore => &restore::Restore,
            Flow::Renew => &renew::Renew,
            Flow::Subkey => &subkey::Subkey,
            Flow::Certify => &certify::Certify,
            Flow::Reshare => &reshare::Reshare,
            Flow::History => &history::History,
            Flow::Rotate => &rotate::Rotate,
        }
    }

    /// Whether the flow is a ceremony on an existing key: it starts from a
    /// backup and k shares, and the engine opens them before writing.
    pub fn on_existing_key(self) -> bool {
        self != Flow::Restore && self.pages().first() == Some(&Page::Restore)
    }

    pub fn pages(self) -> &'static [Page] {
        self.spec().pages()
    }

    /// The page after `page` in this flow (None: the last).
    pub fn next(self, page: Page) -> Option<Page> {
        let pages = self.pages();
        let at = pages.iter().position(|p| *p == page)?;
        pages.get(at + 1).copied()
    }

    /// The page before `page` in this flow (None: the first).
    pub fn previous(self, page: Page) -> Option<Page> {
        let pages = self.pages();
        let at = pages.iter().position(|p| *p == page)?;
        at.checked_sub(1).map(|i| pages[i])
    }
}

/// Every page's form, one each, built from the plan given at the start.
#[derive(Debug, Clone)]
pub struct Forms(Vec<Form>);

impl Forms {
    pub fn new(plan: &Plan) -> Forms {
        Forms(Page::ALL.iter().map(|&p| form(p, plan)).collect())
    }

    pub fn get(&self, page: Page) -> &Form {
        &self.0[page as usize]
    }

    pub fn get_mut(&mut self, page: Page) -> &mut Form {
        &mut self.0[page as usize]
    }

    /// Every form, in `Page::ALL` order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Form> {
        self.0.iter_mut()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Form> {
        self.0.iter()
    }

    /// A page's form built anew from `plan` (a flow that opens a key
    /// starts from that key's plan).
    pub fn reset(&mut self, page: Page, plan: &Plan) {
        self.0[page as usize] = form(page, plan);
    }
}

/// A page's form as `plan` fills it.
pub fn form(page: Page, plan: &Plan) -> Form {
    match page {
        Page::Identity => genesis::identity(plan),
        Page::Custodians => genesis::custodians(plan),
        Page::Media => genesis::media(plan),
        Page::Restore => restore::source(),
        Page::Renew => renew::form(plan),
        Page::Subkey => subkey::form(plan),
        Page::Certify => certify::form(plan),
        Page::History => history::form(plan),
        Page::Rotate => rotate::form(),
    }
}

/// Writes a page into `plan`, or names its first field that is wrong.
/// `recipients` are the age recipients read from the file the custodians
/// page names (the loop reads it; pages do no I/O).
pub fn check(
    form: &Form,
    plan: &mut Plan,
    base: &Path,
    recipients: Option<&[String]>,
) -> Result<(), (usize, String)> {
    let now = SystemTime::now();
    match form.page {
        Page::Identity => genesis::apply_identity(form, plan),
        Page::Custodians => genesis::apply_custodians(form, plan, recipients),
        Page::Media => genesis::apply_media(form, plan, base),
        Page::Restore => restore::request(form, base).map(drop),
        Page::Renew => renew::apply(form, plan),
        Page::Subkey => subkey::apply(form, plan, now),
        Page::Certify => certify::apply(form, plan, base, now),
        Page::History => history::request(form, base).map(drop),
        Page::Rotate => rotate::request(form, now).map(drop),
    }
}

/// The page's purpose line, as a genesis (or a restore) shows it; a flow
/// may say it in its own words (`Spec::title`).
pub fn page_title(page: Page) -> &'static str {
    match page {
        Page::Identity => "1/3 Identity and profile of the new key",
        Page::Custodians => "2/3 Custodians and shares",
        Page::Media => "3/3 Media and cards",
        Page::Restore => "Restore: the backup and the shares",
        Page::Renew => "Renew 1/2: the new expiry, and who is here",
        Page::Subkey => "Subkeys 1/2: the change, and who is here",
        Page::Certify => "Certify 1/2: the cert, the certification, and who is here",
        Page::History => "History: check a key's transcripts from its genesis",
        Page::Rotate => "Rotate 1/4: why the primary is replaced, and the transition",
    }
}

/// What a page is for, in its help.
pub fn page_help(page: Page) -> &'static str {
    match page {
        Page::Identity | Page::Custodians | Page::Media => genesis::help(page),
        Page::Restore => restore::HELP,
        Page::Renew => renew::HELP,
        Page::Subkey => subkey::HELP,
        Page::Certify => certify::HELP,
        Page::History => history::HELP,
        Page::Rotate => rotate::HELP,
    }
}

/// Paths as a confirmation names them: "a, b".
pub fn paths_text(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A validity as the date it gives from `now` (" (until 2028-12-06)"):
/// what a renew is about.
pub fn until(e: &dyn std::fmt::Display, now: SystemTime) -> String {
    crate::plan::expiry_at(&e.to_string(), now)
        .map(|t| {
            let d = humantime::format_rfc3339_seconds(t).to_string();
            format!(" (until {})", &d[..10])
        })
        .unwrap_or_default()
}

/// A date or duration (`30d`, `2027-01-31`) as a time after `now`: what
/// a transition or a certification's end must be (the engine refuses one
/// in the past, after the shares were given).
pub fn future(value: &str, now: SystemTime) -> Result<SystemTime, String> {
    let t = crate::plan::expiry_at(value, now)?;
    if t <= now {
        return Err(format!(
            "{value} is not in the future: a date after today, or a duration from now (30d)"
        ));
    }
    Ok(t)
}

/// What the flows' words and requests read.
pub struct Ctx<'a> {
    pub forms: &'a Forms,
    /// The plan as the pages made it.
    pub plan: &'a Plan,
    /// Where relative paths typed into forms are resolved.
    pub base: &'a Path,
    pub now: SystemTime,
}

/// What a flow's pages ask the engine to do: made once from named fields.
#[derive(Debug)]
pub enum Start {
    Genesis,
    Renew,
    Subkey(crate::ceremony::subkey::Change),
    Certify {
        cert: PathBuf,
        certification: crate::openpgp::Certification,
    },
    Reshare,
    Rotate {
        reason: String,
        transition_until: SystemTime,
    },
    /// Check the transcripts on a medium as one key's history.
    History {
        root: PathBuf,
        cert: Option<PathBuf>,
    },
    /// Open a backup with the shares (the restore).
    Unlock,
}

/// A wrong value on one of a flow's pages.
pub type Wrong = (Page, usize, String);

/// A flow's own part: its pages, its words and its request.
pub trait Spec: Sync {
    /// Its key on the welcome screen.
    fn key(&self) -> char;
    /// Its line on the welcome screen.
    fn describe(&self) -> &'static str;
    /// Its form pages in order. A flow on an existing key starts with
    /// `Page::Restore` (the backup and the shares).
    fn pages(&self) -> &'static [Page];
    /// Its purpose line on a page, where it differs from the page's own.
    fn title(&self, _page: Page) -> Option<&'static str> {
        None
    }
    /// Its help on a page, where it differs from the page's own.
    fn help(&self, _page: Page) -> Option<&'static str> {
        None
    }
    /// The review's purpose line.
    fn review_title(&self) -> &'static str;
    /// The review's help.
    fn review_help(&self) -> &'static str {
        "The backup is proven and opened with the shares before anything is written. Esc goes back to change the pages. Nothing is written before you confirm; the confirmation names every medium."
    }
    /// The review's lines saying what this flow will do (a flow on an
    /// existing key; a genesis's review is the plan).
    fn review(&self, _ctx: &Ctx<'_>) -> Result<Vec<String>, Wrong> {
        Ok(Vec::new())
    }
    /// What it does, named in the confirmation before it starts.
    fn what(&self, ctx: &Ctx<'_>) -> Result<String, Wrong>;
    /// The request its pages make, or the first wrong value.
    fn start(&self, ctx: &Ctx<'_>) -> Result<Start, Wrong>;
}

/// A page's check as a flow's `Wrong`.
pub(crate) fn on(page: Page) -> impl Fn((usize, String)) -> Wrong {
    move |(at, why)| (page, at, why)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every flow's pages are pages once, a flow on a key starts with the
    /// backup and its shares, and the welcome keys are distinct.
    #[test]
    fn each_flow_lists_its_pages_once_and_a_key_of_its_own() {
        let mut keys: Vec<char> = Flow::ALL.iter().map(|f| f.spec().key()).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), Flow::ALL.len());
        for flow in Flow::ALL {
            let pages = flow.pages();
            assert!(!pages.is_empty(), "{flow:?}");
            for (i, p) in pages.iter().enumerate() {
                assert!(!pages[i + 1..].contains(p), "{flow:?} lists {p:?} twice");
            }
            assert_eq!(flow.previous(pages[0]), None);
            assert_eq!(flow.next(pages[pages.len() - 1]), None);
        }
        assert!(Flow::Renew.on_existing_key() && !Flow::Restore.on_existing_key());
        assert_eq!(Flow::Rotate.next(Page::Rotate), Some(Page::Identity));
        assert_eq!(Flow::Reshare.next(Page::Restore), Some(Page::Custodians));
    }

    /// A page's fields by name are its fields in order.
    #[test]
    fn every_page_builds_a_field_per_name_in_order() {
        let plan = crate::plan::Plan::from_toml(crate::plan::EXAMPLE_PLAN).unwrap();
        let forms = Forms::new(&plan);
        for (i, page) in Page::ALL.iter().enumerate() {
            assert_eq!(*page as usize, i);
            assert_eq!(forms.get(*page).page, *page);
        }
        let m = forms.get(Page::Media);
        assert_eq!(
            m.fields[genesis::MediaField::AllowNetwork as usize].label,
            "Allow network"
        );
        let s = forms.get(Page::Subkey);
        assert_eq!(
            s.fields[subkey::SubkeyField::Witnesses as usize].label,
            "Witnesses"
        );
    }
}
