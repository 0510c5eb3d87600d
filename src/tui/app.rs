//! The TUI's state and its one transition function. No I/O here: `update`
//! takes an action and returns what the loop should do (read a file, start
//! the engine, answer it), so every transition is tested by feeding actions,
//! without a terminal or a thread.

use std::path::{Path, PathBuf};

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use zeroize::Zeroizing;

use super::flows::genesis::MediaField;
use super::flows::restore::SourceField;
pub use super::flows::Flow;
use super::flows::{Ctx, Forms, Start, Wrong};
use super::forms::{FieldId, Form, FormInput, Page};
use super::input::{Input, PinEntry, SecretLine, WordEntry};
use crate::airgap::Report;
use crate::ceremony::{CardDecision, CardState};
use crate::plan::Plan;
use crate::shares::{set_id_text, word_count, SetInfo, Share};
use crate::tokens::openpgp_card::{CardInfo, CardPins};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Welcome,
    Preflight,
    /// One of the flow's form pages (`Flow::pages`).
    Form(Page),
    Review,
    Running,
    Done,
    RestoreShares,
    Unlocking,
    Restored,
    RestoreCard,
}

/// A question the engine asks from its worker thread; it waits for the `Reply`.
pub enum Request {
    /// The passphrase words, to be shown once.
    Passphrase(Zeroizing<String>),
    /// A share for its custodian, with its QR code drawn for the terminal.
    Share {
        share: Share,
        custodian: String,
        qr: Zeroizing<String>,
    },
    /// The shares typed back for the rehearsal.
    Rehearsal {
        set: SetInfo,
        problem: Option<String>,
    },
    CardPins,
    /// The user PIN of the PKCS#11 token that takes the cosign key.
    TokenPin(String),
    CardFailed {
        number: usize,
        error: String,
    },
    /// A witness at the screen: the statement to sign on their card.
    Witness(WitnessScreen),
}

/// What a witness's screen shows: public facts only.
#[derive(Debug, Clone)]
pub struct WitnessScreen {
    pub statement: String,
    pub name: String,
    pub fingerprint: String,
    pub number: usize,
    pub total: usize,
    /// Why the last try failed (a wrong card, a wrong PIN).
    pub problem: Option<String>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Request::Passphrase(_) => "Request::Passphrase([REDACTED])",
            Request::Share { .. } => "Request::Share([REDACTED])",
            Request::Rehearsal { .. } => "Request::Rehearsal",
            Request::CardPins => "Request::CardPins",
            Request::TokenPin(_) => "Request::TokenPin",
            Request::CardFailed { .. } => "Request::CardFailed",
            Request::Witness(_) => "Request::Witness",
        })
    }
}

/// The operator's answer to a `Request`.
#[derive(Debug)]
pub enum Reply {
    Shown,
    Shares(Vec<Share>),
    Pins(CardPins),
    TokenPin(secrecy::SecretString),
    Decision(CardDecision),
    Witness(crate::ceremony::witness::WitnessAnswer),
    /// The operator stops the ceremony at this question (Ctrl-C, then y).
    Abandon,
}

/// What the engine reports while it runs on its worker thread.
#[derive(Debug)]
pub enum EngineMsg {
    Step {
        number: usize,
        total: usize,
        title: String,
    },
    Line(String),
    /// A planned card's progress: shown per card and in the log.
    Card {
        number: usize,
        total: usize,
        state: CardState,
    },
    Ask(Request),
    Finished(Result<Summary, String>),
    Unlocked(Result<Summary, String>),
    CardDone(Result<String, String>),
}

/// What the Done and Restored screens show: public facts only.
#[derive(Debug, Clone)]
pub struct Summary {
    /// "Genesis complete", "Reshare complete", ...
    pub heading: String,
    pub fingerprint: String,
    pub ceremony_id: String,
    pub lines: Vec<String>,
}

/// What pre-flight found: the air-gap report, cards and likely media.
#[derive(Debug)]
pub struct Scan {
    pub report: Report,
    pub cards: Result<Vec<CardInfo>, String>,
    pub media: Vec<PathBuf>,
    /// Labelled sticks, mounted or not.
    pub sticks: Vec<crate::media::removable::Stick>,
    /// Mounted media as the media page's picker offers them.
    pub choices: Vec<crate::media::Mounted>,
    /// Ceremony directories with a backup in them on the mounted media, and
    /// share files (sheets, age files) found there: what the restore
    /// form's picker offers.
    /// Backup directories, newest first, each with what tells it apart
    /// (crate::ceremony::restore::describe_backup).
    pub backups: Vec<(PathBuf, String)>,
    pub share_files: Vec<PathBuf>,
    /// The share set (its id, as sheets print it) of each backup and sheet
    /// found, where it could be read.
    pub sets: std::collections::HashMap<PathBuf, String>,
    /// What ceremonies that stopped left (`FAILED-ceremony-*`) on the media.
    pub failed: Vec<PathBuf>,
}

/// The media page's list of mounted media, open over the form.
#[derive(Debug, Clone)]
pub struct Picker {
    pub selected: usize,
}

#[derive(Debug)]
pub enum Action {
    Key(KeyEvent),
    Engine(EngineMsg),
    Scan(Scan),
    /// The custodians form's recipients file, read: the path and its recipients.
    Recipients(PathBuf, Result<Vec<String>, String>),
    /// The media page's media, checked as they are now: the field and the
    /// problem, if any.
    MediaChecked(Result<(), (usize, String)>),
    /// The restore form's backup and share files, read.
    RestoreLoaded(Result<(SetInfo, Vec<Share>), String>),
    Cards(Result<Vec<CardInfo>, String>),
    /// What mounting or unmounting the sticks did, a line per stick.
    MediaReport(Vec<String>),
}

/// What the loop must do after an update.
#[derive(Debug)]
pub enum Command {
    None,
    Quit,
    Rescan,
    /// Mount every stick not mounted yet, then rescan.
    MountSticks,
    /// Write out and unmount every stick under /media.
    UnmountSticks,
    /// Write out and unmount every stick, then power the machine off.
    PowerOff,
    ReadRecipients(PathBuf),
    /// Fill the forms with the draft an earlier run saved.
    LoadDraft,
    /// Check the plan's media as they are now (`Action::MediaChecked`).
    CheckMedia,
    /// A ceremony that needs no key opened (a genesis, a history check).
    Start(Start),
    /// A ceremony on an existing key: its backup and the shares that open it.
    StartOnKey {
        start: Start,
        backup: PathBuf,
        shares: Vec<Share>,
    },
    Reply(Reply),
    LoadRestore {
        backup: PathBuf,
        files: Vec<PathBuf>,
        identity: Option<PathBuf>,
    },
    Unlock {
        backup: PathBuf,
        shares: Vec<Share>,
    },
    ListCards,
    ProvisionCard {
        ident: String,
        reset: Option<String>,
        pins: CardPins,
    },
}

/// What the engine is waiting for the operator to do, drawn over Running.
pub enum Prompt {
    Passphrase {
        words: Zeroizing<String>,
        revealed: bool,
    },
    Share {
        share: Share,
        custodian: String,
        qr: Zeroizing<String>,
        revealed: bool,
    },
    Typing(Typing),
    Pins(PinEntry),
    /// A token's user PIN, typed once, never shown.
    TokenPin {
        token: String,
        entry: SecretLine,
    },
    CardFailed {
        number: usize,
        error: String,
    },
    /// A witness reads the statement, then signs (their PIN typed, never
    /// shown), declines or is absent.
    Witness {
        screen: WitnessScreen,
        /// `Some` once they chose to sign: the PIN being typed.
        pin: Option<SecretLine>,
    },
}

/// Shares typed back one after another (rehearsal and restore).
pub struct Typing {
    pub set: SetInfo,
    pub entry: WordEntry,
    pub shares: Vec<Share>,
    pub problem: Option<String>,
}

impl Typing {
    pub fn new(set: SetInfo, shares: Vec<Share>, problem: Option<String>) -> Typing {
        let words = word_count(set.secret_bytes);
        Typing {
            set,
            entry: WordEntry::new(words),
            shares,
            problem,
        }
    }

    pub fn needed(&self) -> usize {
        usize::from(self.set.threshold)
    }

    /// Takes a key; returns the shares once `threshold` different ones are typed.
    fn key(&mut self, k: &KeyEvent) -> Option<Vec<Share>> {
        if self.entry.key(k) != Input::Submit {
            return None;
        }
        let share = match Share::from_words(&self.entry.text()) {
            Ok(s) => s,
            Err(e) => {
                use crate::shares::ShareError;
                // A mistake the checksum locates: the cursor goes to it.
                let (at, likely) = match &e {
                    ShareError::WrongWord { position, likely } => (Some(*position), Some(*likely)),
                    ShareError::UnknownWord {
                        position,
                        suggestions,
                    } => (
                        Some(*position),
                        (suggestions.len() == 1).then(|| suggestions[0]),
                    ),
                    ShareError::SwappedWords { first } => (Some(*first), None),
                    _ => (None, None),
                };
                if let Some(position) = at {
                    self.entry.locate(position, likely);
                }
                self.problem = Some(match self.entry.suggestion() {
                    Some(w) => format!("{e}; Tab puts \"{w}\" in, or type the word"),
                    None => e.to_string(),
                });
                return None;
            }
        };
        let set_id = set_id_text(share.set_id);
        self.problem = if set_id != self.set.set_id {
            Some(format!(
                "this share belongs to set {set_id}, not {}: it is from another ceremony",
                self.set.set_id
            ))
        } else if self.shares.iter().any(|s| s.index == share.index) {
            Some(format!(
                "share {} is typed already: type another custodian's share",
                share.index
            ))
        } else {
            self.shares.push(share);
            None
        };
        self.entry = WordEntry::new(self.entry.expected);
        if self.problem.is_none() && self.shares.len() >= self.needed() {
            return Some(std::mem::take(&mut self.shares));
        }
        None
    }
}

/// The replacement-card step of a restore.
pub enum CardStage {
    Pins(PinEntry),
    Choose {
        cards: Result<Vec<CardInfo>, String>,
        selected: usize,
    },
    Provisioning,
    Finished(Result<String, String>),
}

/// A destructive step waiting for `y`, with the text that names its object.
pub struct Confirm {
    pub text: String,
    pub on_yes: Pending,
}

pub enum Pending {
    /// The flow's ceremony, as its pages ask.
    Start,
    ResetCard(String, String),
    /// Quit, throwing away what was typed.
    Quit,
    /// Leave the share entry, throwing away the shares typed so far.
    DiscardShares,
    /// Write every stick out, unmount it, and power the machine off.
    PowerOff,
    /// Replace an earlier run's draft, not loaded, with this run's forms.
    ReplaceDraft,
    /// Stop the running ceremony at the question it asks now.
    Abandon,
}

/// The furthest the help scrolls (the view stops at its last line).
pub const HELP_SCROLL_MAX: u16 = 400;

pub struct App {
    pub screen: Screen,
    pub flow: Flow,
    pub plan: Plan,
    pub plan_source: String,
    /// Where relative paths typed into forms are resolved.
    pub base: PathBuf,
    pub scan: Option<Scan>,
    pub help: bool,
    /// How far the help is scrolled (lines): at 80x24 it is longer than
    /// the screen.
    pub help_scroll: u16,
    pub confirm: Option<Confirm>,
    /// Every page's form: they keep their values from flow to flow.
    pub forms: Forms,
    /// The media picker, while open (F2 on the media page).
    pub picker: Option<Picker>,
    /// F2 found nothing to pick: the rescan it asked for opens the picker
    /// (or says what to do).
    picker_wanted: bool,
    /// How far the pre-flight list is scrolled (lines from its top).
    pub scroll: u16,
    /// How far the running log is scrolled back (lines from its end).
    pub log_back: usize,
    /// A renew's shares, opened from files or typed, until it starts.
    renew_shares: Vec<Share>,
    pub recipients: Option<(PathBuf, Vec<String>)>,
    pub step: (usize, usize, String),
    pub log: Vec<String>,
    /// The last mount or unmount of the sticks, every line: which stick is
    /// where, and which may be pulled out.
    pub media_report: Vec<String>,
    /// Running from the live image (its session sets KEYCEREMONY_LIVE):
    /// the finished screen offers to power the machine off.
    pub live: bool,
    /// `u` was pressed on the finished screen: the sticks were written out.
    pub written_out: bool,
    /// Each planned card's latest state, by number (genesis).
    pub cards: Vec<(usize, usize, CardState)>,
    pub prompt: Option<Prompt>,
    pub result: Option<Result<Summary, String>>,
    pub typing: Option<Typing>,
    pub restore_backup: PathBuf,
    pub restored: Option<Result<Summary, String>>,
    pub card: Option<CardStage>,
    card_pins: Option<CardPins>,
    /// Set when a screen that showed a secret goes away: the loop clears the
    /// terminal and its buffers so no cell keeps a word.
    pub clear_screen: bool,
    /// Whether a form value was typed or changed: quitting would lose it.
    forms_edited: bool,
    /// A draft plan from an earlier run the welcome screen offers (when it
    /// was saved), until taken or a ceremony starts.
    pub draft_offer: Option<String>,
    /// The forms as typed, for the loop to save as the draft.
    draft: Option<String>,
    /// The forms were saved as a draft in this run (or loaded from one).
    draft_saved: bool,
    /// Why the last draft could not be written.
    draft_error: Option<String>,
    /// An earlier run's draft was on offer and the operator kept it: this
    /// run saves none.
    keep_offered_draft: bool,
    /// The forms as the plan given filled them: a draft holds what differs.
    initial: Forms,
    /// What loading the draft did, shown on the welcome screen.
    pub draft_loaded: Option<String>,
    /// A ceremony finished: the loop removes the draft.
    pub draft_done: bool,
}

impl App {
    pub fn new(plan: Plan, plan_source: String, base: PathBuf) -> App {
        App {
            screen: Screen::Welcome,
            flow: Flow::Genesis,
            forms: Forms::new(&plan),
            initial: Forms::new(&plan),
            picker: None,
            picker_wanted: false,
            scroll: 0,
            log_back: 0,
            renew_shares: Vec::new(),
            plan,
            plan_source,
            base,
            scan: None,
            help: false,
            help_scroll: 0,
            written_out: false,
            confirm: None,
            forms_edited: false,
            recipients: None,
            step: (0, 0, String::new()),
            log: Vec::new(),
            media_report: Vec::new(),
            live: false,
            cards: Vec::new(),
            prompt: None,
            result: None,
            typing: None,
            restore_backup: PathBuf::new(),
            restored: None,
            card: None,
            card_pins: None,
            clear_screen: false,
            draft_offer: None,
            draft: None,
            draft_loaded: None,
            draft_saved: false,
            draft_error: None,
            keep_offered_draft: false,
            draft_done: false,
        }
    }

    /// The forms to save as the draft, after each value typed.
    pub fn take_draft(&mut self) -> Option<String> {
        self.draft.take()
    }

    /// Whether a draft keeps a page: every page of a plan, not the
    /// restore's or the history's (they hold no plan; an earlier genesis's
    /// draft is left alone by them).
    fn drafted(page: Page) -> bool {
        !matches!(page, Page::Restore | Page::History)
    }

    /// Hands the forms to the loop to save as the draft, unless an
    /// earlier run's draft is on offer and not loaded: that one is not
    /// replaced without a yes.
    fn save_forms(&mut self) {
        if self.keep_offered_draft {
            return;
        }
        if let Some(when) = &self.draft_offer {
            if self.confirm.is_none() {
                self.confirm = Some(Confirm {
                    text: format!(
                        "An earlier run left a draft of the forms ({when}) that was not loaded: saving what you type replaces it. y replaces it; any other key keeps it, and this run saves no draft (Esc to the welcome screen, then d, loads it)."
                    ),
                    on_yes: Pending::ReplaceDraft,
                });
            }
            return;
        }
        self.draft = Some(self.draft_text());
    }

    /// What saving the draft did: only a draft written is "kept".
    pub fn draft_written(&mut self, result: Result<(), String>) {
        match result {
            Ok(()) => {
                self.draft_saved = true;
                self.draft_error = None;
            }
            Err(e) => {
                self.draft_saved = false;
                self.draft_error = Some(e);
            }
        }
    }

    /// The forms as typed, page by page and field by field (TOML): the
    /// values that differ from what the plan given filled in, so that a
    /// draft loaded into a run with another plan changes only what was
    /// typed. Not a plan: a half-typed page (three names for five shares)
    /// is kept as it stands, where a plan would have to drop it.
    fn draft_text(&self) -> String {
        let mut pages = toml::Table::new();
        for (form, initial) in self.forms.iter().zip(self.initial.iter()) {
            if !Self::drafted(form.page) {
                continue;
            }
            let fields: toml::Table = form
                .fields
                .iter()
                .zip(&initial.fields)
                .filter(|(f, i)| f.input.value != i.input.value)
                .map(|(f, _)| {
                    (
                        f.label.to_owned(),
                        toml::Value::String(f.input.value.clone()),
                    )
                })
                .collect();
            if !fields.is_empty() {
                pages.insert(form.page.name().to_owned(), toml::Value::Table(fields));
            }
        }
        format!(
            "# keyceremony: the forms as an earlier run left them (no secret is typed into them)\n{}",
            toml::to_string(&pages).unwrap_or_default()
        )
    }

    /// Fills the forms from a draft: each field by its page and label, a
    /// choice only with one of its options. Returns how many values it
    /// took and what it could not use (each named); the pages check the
    /// values when they are left, as when typed.
    pub fn load_draft(&mut self, text: &str) -> Result<(usize, Vec<String>), String> {
        let pages: toml::Table = toml::from_str(text).map_err(|e| {
            // A hostile draft's error quotes its line: a screenful at most.
            let e = e.to_string();
            let e: String = e.chars().take(300).collect();
            format!("not a draft of the forms: {e}")
        })?;
        let mut taken = 0;
        let mut dropped = Vec::new();
        for (name, saved) in &pages {
            let page = Page::ALL
                .into_iter()
                .find(|p| p.name() == name && Self::drafted(*p));
            let (Some(page), Some(saved)) = (page, saved.as_table()) else {
                dropped.push(format!("[{}] (no such page)", crate::text::printable(name)));
                continue;
            };
            let form = self.forms.get_mut(page);
            for (label, value) in saved {
                let shown = |why: &str| {
                    format!(
                        "{} {} ({why})",
                        crate::text::printable(name),
                        crate::text::printable(label)
                    )
                };
                let Some(field) = form.fields.iter_mut().find(|f| f.label == label) else {
                    dropped.push(shown("no such field"));
                    continue;
                };
                let Some(value) = value.as_str() else {
                    dropped.push(shown("not text"));
                    continue;
                };
                if let super::forms::Kind::Choice(options) = field.kind {
                    if !options.contains(&value) {
                        dropped.push(shown(&format!("not one of {}", options.join(", "))));
                        continue;
                    }
                }
                if field.input.value != value {
                    field.input.value = value.to_owned();
                    taken += 1;
                }
            }
        }
        self.forms_edited |= taken > 0;
        self.draft_saved = true;
        self.draft_offer = None;
        Ok((taken, dropped))
    }

    /// Why the plan cannot run from the Review screen, if it cannot.
    pub fn blocker(&self) -> Option<String> {
        // A flow on a key keeps the key's user IDs: its plan needs none.
        let valid = if self.flow.pages().contains(&Page::Identity) {
            self.plan.validate()
        } else {
            self.plan.validate_on_key()
        };
        if let Err(e) = valid {
            return Some(e.to_string());
        }
        if let Err(e) = self.plan.check_no_placeholders() {
            return Some(e.to_string());
        }
        if self.plan.passphrase.deliver_to.is_some() {
            return Some("passphrase.deliver_to is for batch tests; the TUI shows the passphrase once and hands it over as shares".into());
        }
        if self.network_blocks() {
            return Some(
                "a network interface is up: unplug it and rescan on the pre-flight screen. Only to rehearse on an ordinary machine: Esc goes to Allow network on the media page, Space makes it yes".into(),
            );
        }
        None
    }

    /// A network is up and the plan does not allow it.
    fn network_blocks(&self) -> bool {
        let network_up = self.scan.as_ref().is_some_and(|s| s.report.network_up());
        network_up && !self.plan.airgap.allow_network
    }

    /// What the flows read: the forms and the plan as the pages made it.
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx {
            forms: &self.forms,
            plan: &self.plan,
            base: &self.base,
            now: std::time::SystemTime::now(),
        }
    }

    /// A flow's page found wrong when it was to start: back to the page,
    /// the cursor on the field, the problem under it.
    fn back_to(&mut self, (page, at, why): Wrong) -> Command {
        let form = self.forms.get_mut(page);
        form.focus = at;
        form.problem = Some((at, why));
        self.go(Screen::Form(page))
    }

    /// How many shares a renew holds, for its review.
    pub fn renew_share_count(&self) -> usize {
        self.renew_shares.len()
    }

    /// True while the operator is typing into a field, where letters are text, not commands.
    pub fn typing_text(&self) -> bool {
        match self.screen {
            Screen::Form(_) | Screen::RestoreShares => true,
            Screen::RestoreCard => matches!(self.card, Some(CardStage::Pins(_))),
            Screen::Running => matches!(
                self.prompt,
                Some(
                    Prompt::Typing(_)
                        | Prompt::Pins(_)
                        | Prompt::TokenPin { .. }
                        | Prompt::Witness { pin: Some(_), .. }
                )
            ),
            _ => false,
        }
    }

    pub fn update(&mut self, action: Action) -> Command {
        match action {
            Action::Scan(s) => {
                self.scan = Some(s);
                if std::mem::take(&mut self.picker_wanted) {
                    self.open_picker();
                }
                // An open picker shows the new list; its cursor stays on it.
                let n = self.picker_items().len();
                if let Some(p) = &mut self.picker {
                    p.selected = p.selected.min(n.saturating_sub(1));
                }
                Command::None
            }
            Action::MediaReport(lines) => {
                self.media_report = lines;
                Command::None
            }
            Action::Recipients(path, r) => self.recipients_read(path, r),
            Action::MediaChecked(Ok(())) if self.screen == Screen::Form(Page::Media) => {
                self.go(Screen::Review)
            }
            Action::MediaChecked(Err((field, problem)))
                if self.screen == Screen::Form(Page::Media) =>
            {
                let media = self.forms.get_mut(Page::Media);
                media.focus = field;
                media.problem = Some((field, problem));
                Command::None
            }
            Action::MediaChecked(_) => Command::None,
            Action::RestoreLoaded(r) => self.restore_loaded(r),
            Action::Cards(cards) => {
                self.card = Some(CardStage::Choose { cards, selected: 0 });
                Command::None
            }
            Action::Engine(m) => self.engine(m),
            Action::Key(k) => self.key(k),
        }
    }

    fn engine(&mut self, m: EngineMsg) -> Command {
        match m {
            EngineMsg::Step {
                number,
                total,
                title,
            } => self.step = (number, total, title),
            EngineMsg::Line(l) => self.log.push(l),
            EngineMsg::Card {
                number,
                total,
                state,
            } => {
                self.log.push(state.describe(number, total));
                match self.cards.iter_mut().find(|c| c.0 == number) {
                    Some(c) => c.2 = state,
                    None => self.cards.push((number, total, state)),
                }
            }
            EngineMsg::Ask(r) => {
                self.prompt = Some(match r {
                    Request::Passphrase(words) => Prompt::Passphrase {
                        words,
                        revealed: false,
                    },
                    Request::Share {
                        share,
                        custodian,
                        qr,
                    } => Prompt::Share {
                        share,
                        custodian,
                        qr,
                        revealed: false,
                    },
                    Request::Rehearsal { set, problem } => {
                        Prompt::Typing(Typing::new(set, Vec::new(), problem))
                    }
                    Request::CardPins => Prompt::Pins(PinEntry::default()),
                    Request::TokenPin(token) => Prompt::TokenPin {
                        token,
                        entry: SecretLine::default(),
                    },
                    Request::CardFailed { number, error } => Prompt::CardFailed { number, error },
                    Request::Witness(screen) => Prompt::Witness { screen, pin: None },
                })
            }
            EngineMsg::Finished(r) => {
                self.draft_done = r.is_ok() && self.flow != Flow::History;
                self.draft_saved &= !self.draft_done;
                self.result = Some(r);
                self.prompt = None;
                self.screen = Screen::Done;
            }
            EngineMsg::Unlocked(r) => {
                self.restored = Some(r);
                self.screen = Screen::Restored;
            }
            EngineMsg::CardDone(r) => self.card = Some(CardStage::Finished(r)),
        }
        Command::None
    }

    fn key(&mut self, k: KeyEvent) -> Command {
        let ctrl_c = k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl_c {
            // A ceremony waiting for the operator (a rehearsal that will not
            // pass, a PIN nobody has) can be stopped there, after a yes:
            // the engine records it and marks what it wrote.
            let asking = matches!(
                self.prompt,
                Some(
                    Prompt::Typing(_)
                        | Prompt::Pins(_)
                        | Prompt::TokenPin { .. }
                        | Prompt::Witness { .. }
                )
            );
            if self.screen == Screen::Running && asking {
                self.confirm = Some(Confirm {
                    text: "Stop the ceremony here? It stops as a failed one: what it wrote is marked FAILED- and named on the next screen, and nothing of it is used. y stops it, any other key goes back.".into(),
                    on_yes: Pending::Abandon,
                });
                return Command::None;
            }
            // Work in progress is not interrupted half-way from the keyboard.
            let busy = matches!(self.screen, Screen::Running | Screen::Unlocking)
                || matches!(self.card, Some(CardStage::Provisioning));
            if busy {
                return Command::None;
            }
            // Typed work is never thrown away by one keystroke.
            return match self.work_at_stake() {
                // What the forms hold is in the draft already.
                Some(_) if self.drafted_only() => {
                    self.confirm = Some(Confirm {
                        text: "Quit keyceremony? The values typed are kept as a draft: the next start offers them (d). y quits, any other key stays.".into(),
                        on_yes: Pending::Quit,
                    });
                    Command::None
                }
                Some(what) => {
                    let why = self
                        .draft_error
                        .as_ref()
                        .map(|e| format!(" (the draft could not be saved: {e})"))
                        .unwrap_or_default();
                    self.confirm = Some(Confirm {
                        text: format!(
                            "Quit keyceremony and lose {what}{why}? y quits, any other key stays."
                        ),
                        on_yes: Pending::Quit,
                    });
                    Command::None
                }
                None => Command::Quit,
            };
        }
        if self.help {
            // The arrows and page keys scroll it; any other key closes it.
            let s = &mut self.help_scroll;
            match k.code {
                KeyCode::Down => *s = s.saturating_add(1).min(HELP_SCROLL_MAX),
                KeyCode::Up => *s = s.saturating_sub(1),
                KeyCode::PageDown | KeyCode::Char(' ') => {
                    *s = s.saturating_add(10).min(HELP_SCROLL_MAX)
                }
                KeyCode::PageUp => *s = s.saturating_sub(10),
                KeyCode::Home => *s = 0,
                _ => self.help = false,
            }
            return Command::None;
        }
        if k.code == KeyCode::F(1) || (k.code == KeyCode::Char('?') && !self.typing_text()) {
            self.help = true;
            self.help_scroll = 0;
            return Command::None;
        }
        if let Some(c) = self.confirm.take() {
            if k.code == KeyCode::Char('y') {
                return self.confirmed(c.on_yes);
            }
            if matches!(c.on_yes, Pending::ReplaceDraft) {
                self.keep_offered_draft = true;
                return Command::None;
            }
            // "any other key goes on typing": that key is the next one
            // typed, not swallowed by the question.
            if !matches!(c.on_yes, Pending::DiscardShares) || self.screen != Screen::RestoreShares {
                return Command::None;
            }
        }
        match self.screen {
            Screen::Welcome => match k.code {
                KeyCode::Enter => self.start(Flow::Genesis),
                KeyCode::Char('d') if self.draft_offer.is_some() => Command::LoadDraft,
                KeyCode::Char('q') => Command::Quit,
                KeyCode::Char(c) => match Flow::ALL.into_iter().find(|f| f.spec().key() == c) {
                    // Checking transcripts writes nothing: no pre-flight.
                    Some(Flow::History) => {
                        self.flow = Flow::History;
                        self.go(Screen::Form(Page::History))
                    }
                    Some(flow) => self.start(flow),
                    None => Command::None,
                },
                _ => Command::None,
            },
            Screen::Preflight => match k.code {
                // A long list (many findings, cards, sticks) scrolls.
                KeyCode::PageDown | KeyCode::Down => {
                    let step = if k.code == KeyCode::Down { 1 } else { 10 };
                    self.scroll = self.scroll.saturating_add(step).min(200);
                    Command::None
                }
                KeyCode::PageUp | KeyCode::Up => {
                    let step = if k.code == KeyCode::Up { 1 } else { 10 };
                    self.scroll = self.scroll.saturating_sub(step);
                    Command::None
                }
                KeyCode::Char('r') => Command::Rescan,
                KeyCode::Char('m') => Command::MountSticks,
                KeyCode::Enter => self.go(Screen::Form(self.flow.pages()[0])),
                KeyCode::Esc => self.go(Screen::Welcome),
                _ => Command::None,
            },
            Screen::Form(_) => self.form_key(&k),
            Screen::Review => match k.code {
                KeyCode::Char('y') if self.blocker().is_none() => match self.start_text() {
                    Ok(text) => {
                        self.confirm = Some(Confirm {
                            text,
                            on_yes: Pending::Start,
                        });
                        Command::None
                    }
                    Err(wrong) => self.back_to(wrong),
                },
                // Back to where the fix is typed: the example's identity
                // on the first page, the rest on the media page.
                KeyCode::Esc
                    if self.flow.pages().contains(&Page::Identity)
                        && self.plan.check_no_placeholders().is_err() =>
                {
                    self.go(Screen::Form(Page::Identity))
                }
                // The override the refusal names, under the cursor.
                KeyCode::Esc if self.network_blocks() => {
                    self.forms
                        .get_mut(Page::Media)
                        .focus_on(MediaField::AllowNetwork);
                    self.go(Screen::Form(Page::Media))
                }
                KeyCode::Esc => self.go(Screen::Form(Page::Media)),
                _ => Command::None,
            },
            Screen::Running => self.prompt_key(&k),
            Screen::Done => match k.code {
                // On the live image, sticks still mounted are not pulled out
                // without a word: u writes them out first.
                KeyCode::Char('q') if self.live && !self.written_out && self.sticks_mounted() => {
                    self.confirm = Some(Confirm {
                        text: "Sticks are still mounted: pulled out now, a stick may lack what the ceremony wrote last. u writes every stick out and unmounts it. y quits anyway, any other key goes back.".into(),
                        on_yes: Pending::Quit,
                    });
                    Command::None
                }
                KeyCode::Char('q') => Command::Quit,
                KeyCode::Char('u') => {
                    self.written_out = true;
                    Command::UnmountSticks
                }
                // Back to the ceremonies (what was done is on the media and
                // in its transcript).
                KeyCode::Esc => {
                    self.result = None;
                    self.log.clear();
                    self.log_back = 0;
                    self.go(Screen::Welcome)
                }
                KeyCode::Char('P') if self.live => {
                    self.confirm = Some(Confirm {
                        text: "Power the machine off? Every stick is written out and unmounted first; then the sticks can be pulled out. y powers off, any other key goes back.".into(),
                        on_yes: Pending::PowerOff,
                    });
                    Command::None
                }
                // After a failure, back to where the run started, every
                // value typed still in its form.
                KeyCode::Char('b') if matches!(self.result, Some(Err(_))) => {
                    self.result = None;
                    self.log.clear();
                    self.log_back = 0;
                    self.cards.clear();
                    self.step = (0, 0, String::new());
                    // A key's shares were given to the run: they are given
                    // again, on the flow's first page.
                    self.go(
                        if self.flow.on_existing_key() || self.flow == Flow::History {
                            Screen::Form(self.flow.pages()[0])
                        } else {
                            Screen::Review
                        },
                    )
                }
                _ => Command::None,
            },
            Screen::RestoreShares => self.restore_shares_key(&k),
            Screen::Unlocking => Command::None,
            Screen::Restored => match k.code {
                KeyCode::Char('p') if matches!(self.restored, Some(Ok(_))) => {
                    self.card = Some(CardStage::Pins(PinEntry::default()));
                    self.screen = Screen::RestoreCard;
                    Command::None
                }
                KeyCode::Esc if matches!(self.restored, Some(Err(_))) => {
                    self.go(Screen::Form(Page::Restore))
                }
                KeyCode::Char('q') => Command::Quit,
                _ => Command::None,
            },
            Screen::RestoreCard => self.card_key(&k),
        }
    }

    fn go(&mut self, screen: Screen) -> Command {
        self.screen = screen;
        // A page arrived at shows what is wrong with it as it stands (a
        // draft's half-typed page), but a field not typed yet is "needed",
        // not an error, before anything is typed.
        if self.forms_edited && self.form().is_some() {
            let wrong = self.check_form().err();
            if let (Some((at, _)), Some(form)) = (wrong, self.form_mut()) {
                if form.fields[at].required() && form.value(at).is_empty() {
                    form.problem = None;
                }
            }
        }
        Command::None
    }

    fn start(&mut self, flow: Flow) -> Command {
        self.flow = flow;
        self.screen = Screen::Preflight;
        Command::Rescan
    }

    /// The confirmation text before the ceremony writes anything: what
    /// it does, in the flow's words, and every medium.
    fn start_text(&self) -> Result<String, Wrong> {
        let p = &self.plan;
        let what = self.flow.spec().what(&self.ctx())?;
        if !self.flow.on_existing_key() {
            return Ok(format!("Start {what}. y starts, any other key goes back."));
        }
        // A flow that makes a new share set names where its sheets go too.
        let sheets = if self.flow.pages().contains(&Page::Custodians) {
            format!(
                ", and the new share sheets to {}",
                p.shares.output.display()
            )
        } else {
            String::new()
        };
        Ok(format!(
            "Start {what}? It opens {} with the {} given, and writes the key to new directories on the backup media {} and its cert to the export medium {}{sheets}. y starts, any other key goes back.",
            self.restore_backup.display(),
                        crate::text::count(self.renew_shares.len(), "share", "shares"),
            super::flows::paths_text(&p.media.backup),
            p.media.export.display()
        ))
    }

    fn confirmed(&mut self, p: Pending) -> Command {
        match p {
            Pending::Abandon => {
                self.prompt = None;
                self.clear_screen = true;
                Command::Reply(Reply::Abandon)
            }
            Pending::Start => {
                let start = match self.flow.spec().start(&self.ctx()) {
                    Ok(start) => start,
                    Err(wrong) => return self.back_to(wrong),
                };
                self.screen = Screen::Running;
                self.log.clear();
                self.log_back = 0;
                if self.flow.on_existing_key() {
                    Command::StartOnKey {
                        start,
                        backup: self.restore_backup.clone(),
                        shares: std::mem::take(&mut self.renew_shares),
                    }
                } else {
                    Command::Start(start)
                }
            }
            Pending::ResetCard(ident, serial) => self.provision(ident, Some(serial)),
            Pending::Quit => Command::Quit,
            Pending::PowerOff => Command::PowerOff,
            Pending::ReplaceDraft => {
                self.draft_offer = None;
                self.save_forms();
                Command::None
            }
            Pending::DiscardShares => {
                self.typing = None;
                self.renew_shares.clear();
                self.clear_screen = true;
                self.go(Screen::Form(Page::Restore))
            }
        }
    }

    /// What typed work quitting or going back from here would throw away.
    fn work_at_stake(&self) -> Option<String> {
        if self.screen == Screen::RestoreShares {
            if let Some(t) = &self.typing {
                let words = t.entry.words().count() + usize::from(!t.entry.current().is_empty());
                if !t.shares.is_empty() || words > 0 {
                    return Some(format!(
                        "the {} and {} typed so far",
                        crate::text::count(t.shares.len(), "share", "shares"),
                        crate::text::count(words, "word", "words")
                    ));
                }
            }
        }
        if !self.renew_shares.is_empty() {
            return Some(format!(
                "the {} given for the renew",
                crate::text::count(self.renew_shares.len(), "share", "shares")
            ));
        }
        self.forms_edited
            .then(|| "the values typed into the forms".to_owned())
    }

    /// Whether all quitting would lose is in the draft: forms typed (not
    /// the restore's), no shares in hand.
    fn drafted_only(&self) -> bool {
        self.renew_shares.is_empty()
            && self.typing.is_none()
            && !matches!(self.screen, Screen::Form(p) if !Self::drafted(p))
            && self.draft_saved
    }

    fn form_mut(&mut self) -> Option<&mut Form> {
        match self.screen {
            Screen::Form(page) => Some(self.forms.get_mut(page)),
            _ => None,
        }
    }

    pub fn form(&self) -> Option<&Form> {
        match self.screen {
            Screen::Form(page) => Some(self.forms.get(page)),
            _ => None,
        }
    }

    fn loaded_recipients(&self) -> Option<&[String]> {
        let path = super::flows::genesis::recipients_file(self.forms.get(Page::Custodians))?;
        self.recipients
            .as_ref()
            .filter(|(p, _)| *p == path)
            .map(|(_, r)| r.as_slice())
    }

    /// Applies the current form to a copy of the plan: the check as typed.
    fn check_form(&mut self) -> Result<Plan, (usize, String)> {
        let mut plan = self.plan.clone();
        let Some(form) = self.form() else {
            return Ok(plan);
        };
        let result = super::flows::check(form, &mut plan, &self.base, self.loaded_recipients());
        let problem = result.as_ref().err().cloned();
        if let Some(form) = self.form_mut() {
            form.problem = problem;
        }
        result.map(|()| plan)
    }

    /// The mounted media the picker offers (from the last scan).
    pub fn choices(&self) -> &[crate::media::Mounted] {
        self.scan.as_ref().map_or(&[], |s| s.choices.as_slice())
    }

    /// The restore page's field under the cursor, if the list picks for it.
    fn source_pick(&self) -> Option<SourceField> {
        let form = self.forms.get(Page::Restore);
        SourceField::ALL
            .iter()
            .copied()
            .find(|f| form.focused(*f) && f.picks())
    }

    /// What the picker offers on this page and field: each entry's line on
    /// screen and the path it puts into the field.
    pub fn picker_items(&self) -> Vec<(String, PathBuf)> {
        let Some(scan) = &self.scan else {
            return Vec::new();
        };
        match (self.screen, self.source_pick()) {
            (Screen::Form(Page::Media), _) => self
                .choices()
                .iter()
                .map(|m| {
                    (
                        format!(
                            "{}  {}  {} free of {}  device {}:{}",
                            m.path.display(),
                            m.label.as_deref().unwrap_or("(no label)"),
                            crate::media::human_size(m.free),
                            crate::media::human_size(m.total),
                            rustix::fs::major(m.device),
                            rustix::fs::minor(m.device)
                        ),
                        m.path.clone(),
                    )
                })
                .collect(),
            (Screen::Form(Page::Restore), Some(SourceField::Backup)) => scan
                .backups
                .iter()
                .map(|(b, about)| (format!("{}\n    {about}", b.display()), b.clone()))
                .collect(),
            (Screen::Form(Page::Restore), Some(SourceField::ShareFiles)) => {
                // Those already in the field are marked: picking one twice
                // was the newcomer's "share 2 is typed already".
                let source = self.forms.get(Page::Restore);
                let picked = super::forms::split(source.get(SourceField::ShareFiles));
                // The backup's own set first; another key's sheets after,
                // said to be that (the newcomer's list mixed them).
                let backup = self.base.join(source.get(SourceField::Backup));
                let own = scan.sets.get(&backup);
                let other = |f: &PathBuf| {
                    own.is_some_and(|own| scan.sets.get(f).is_some_and(|set| set != own))
                };
                let mut files: Vec<&PathBuf> = scan.share_files.iter().collect();
                files.sort_by_key(|f| other(f));
                files
                    .into_iter()
                    .map(|f| {
                        let shown = f.display().to_string();
                        let mut mark = String::new();
                        if picked.contains(&shown) {
                            mark.push_str("  (picked)");
                        }
                        if other(f) {
                            mark.push_str("  (another share set: not this backup's)");
                        }
                        (format!("{shown}{mark}"), f.clone())
                    })
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    /// Opens the picker on what the last scan found, or says what to do
    /// when it found nothing to pick.
    fn open_picker(&mut self) {
        if !self.picker_items().is_empty() {
            self.picker = Some(Picker { selected: 0 });
            return;
        }
        let what = match (self.screen, self.source_pick()) {
            (Screen::Form(Page::Media), _) => "mounted medium",
            (_, Some(SourceField::Backup)) => {
                "backup (a ceremony directory with secret-key.asc) on the mounted media"
            }
            _ => "share file on the mounted media",
        };
        if let Some(form) = self.form_mut() {
            form.problem = Some((
                form.focus,
                format!("no {what} to pick: plug in the sticks, mount them (m on the pre-flight screen) and press F2 again"),
            ));
        }
    }

    /// The picker's keys: move, take the medium into the focused field
    /// (added to the backup list, or in place of an export or share path).
    fn picker_key(&mut self, k: &KeyEvent) -> Command {
        let items = self.picker_items();
        let n = items.len();
        let Some(selected) = self.picker.as_ref().map(|p| p.selected) else {
            return Command::None;
        };
        let on_media = self.screen == Screen::Form(Page::Media);
        match k.code {
            KeyCode::Up => {
                self.picker = Some(Picker {
                    selected: selected.saturating_sub(1),
                })
            }
            KeyCode::Down => {
                self.picker = Some(Picker {
                    selected: (selected + 1).min(n.saturating_sub(1)),
                })
            }
            // On the media page a letter says what the medium is for, and
            // the list stays open for the next one: F2 once for a whole
            // ceremony's media.
            KeyCode::Char(c) if on_media && MediaField::picked_by(c).is_some() => {
                let (Some((_, path)), Some(field)) =
                    (items.get(selected), MediaField::picked_by(c))
                else {
                    return Command::None;
                };
                self.picker = Some(Picker {
                    selected: (selected + 1).min(n.saturating_sub(1)),
                });
                self.take_picked(Page::Media, field.index(), path);
            }
            KeyCode::Enter => {
                self.picker = None;
                let Some((_, path)) = items.get(selected) else {
                    return Command::None;
                };
                // Into the field under the cursor, or the backups when it
                // is on a field the list does not fill.
                let (page, field) = if on_media {
                    let media = self.forms.get(Page::Media);
                    let field = [MediaField::Backups, MediaField::Export, MediaField::Sheets]
                        .into_iter()
                        .find(|f| media.focused(*f))
                        .unwrap_or(MediaField::Backups);
                    (Page::Media, field.index())
                } else {
                    let field = self.source_pick().unwrap_or(SourceField::Backup);
                    (Page::Restore, field.index())
                };
                self.take_picked(page, field, path);
            }
            KeyCode::Esc => self.picker = None,
            KeyCode::Char('r') => return Command::Rescan,
            _ => {}
        }
        Command::None
    }

    /// A picked path into `field` of the media or restore page: lists take
    /// one more (backups, share files); a single path is replaced.
    fn take_picked(&mut self, page: Page, field: usize, path: &Path) {
        let path = path.display().to_string();
        let list = (page == Page::Media && field == MediaField::Backups.index())
            || (page == Page::Restore && field == SourceField::ShareFiles.index());
        let form = self.forms.get_mut(page);
        form.focus = field;
        let input = &mut form.fields[field].input;
        let current = input.value.trim().to_owned();
        // A list takes each path once (a share picked twice was refused
        // later as "typed already").
        if list && super::forms::split(&current).contains(&path) {
            return;
        }
        input.value = if list && !current.is_empty() {
            format!("{current}{} {path}", super::forms::SEP)
        } else {
            path
        };
        self.forms_edited = true;
        if Self::drafted(page) {
            self.save_forms();
        }
        let _ = self.check_form();
    }

    fn form_key(&mut self, k: &KeyEvent) -> Command {
        if self.picker.is_some() {
            return self.picker_key(k);
        }
        let Screen::Form(page) = self.screen else {
            return Command::None;
        };
        let picks = page == Page::Media || (page == Page::Restore && self.source_pick().is_some());
        if picks && k.code == KeyCode::F(2) {
            // The list is what is mounted now, not when the forms opened:
            // open on what the last scan saw and look again at once (a
            // stick mounted since shows up); with nothing seen yet, the
            // scan decides.
            if self.picker_items().is_empty() {
                self.picker_wanted = true;
            } else {
                self.picker = Some(Picker { selected: 0 });
            }
            return Command::Rescan;
        }
        if k.code == KeyCode::Esc {
            return match self.flow.previous(page) {
                // Back to the backup and shares, which are given again.
                Some(Page::Restore) => match self
                    .work_at_stake()
                    .filter(|_| !self.renew_shares.is_empty())
                {
                    Some(what) => {
                        self.confirm = Some(Confirm {
                            text: format!(
                                "Go back and discard {what}? y discards them, any other key stays."
                            ),
                            on_yes: Pending::DiscardShares,
                        });
                        Command::None
                    }
                    None => self.go(Screen::Form(Page::Restore)),
                },
                Some(previous) => self.go(Screen::Form(previous)),
                // History has no pre-flight.
                None if self.flow == Flow::History => self.go(Screen::Welcome),
                None => self.go(Screen::Preflight),
            };
        }
        let form = self.forms.get_mut(page);
        let focus = form.focus;
        // Only the focused field's value can change: a change is typed work.
        let before = form.value(focus).to_owned();
        let outcome = form.key(k);
        let changed = form.value(focus) != before;
        let recipients = (page == Page::Custodians
            && form.focused(super::flows::genesis::CustodiansField::Recipients)
            && k.code == KeyCode::Enter)
            .then(|| super::flows::genesis::recipients_file(form))
            .flatten();
        self.forms_edited |= changed;
        // Saved as typed, each change: a terminal closed or a Ctrl-C in
        // the middle of a page loses nothing.
        if changed && Self::drafted(page) {
            self.save_forms();
        }
        if let Some(path) = recipients {
            return Command::ReadRecipients(path);
        }
        let checked = self.check_form();
        if outcome != FormInput::Done {
            return Command::None;
        }
        match checked {
            Ok(plan) => self.form_done(page, plan),
            Err((field, _)) => {
                self.forms.get_mut(page).focus = field;
                Command::None
            }
        }
    }

    /// A page checked and left: the plan takes it, and the flow goes on to
    /// its next page; the media are looked at before the review, the
    /// backup and shares read before the flow's own pages.
    fn form_done(&mut self, page: Page, plan: Plan) -> Command {
        match page {
            Page::Restore => {
                match super::flows::restore::request(self.forms.get(Page::Restore), &self.base) {
                    Ok(source) => {
                        self.restore_backup = source.backup.clone();
                        Command::LoadRestore {
                            backup: source.backup,
                            files: source.files,
                            identity: source.identity,
                        }
                    }
                    Err((at, why)) => self.back_to((page, at, why)),
                }
            }
            // The media are looked at (there, writable, room, one device
            // each) before the review: the loop does the I/O.
            Page::Media => {
                self.plan = plan;
                Command::CheckMedia
            }
            _ => {
                self.plan = plan;
                match self.flow.next(page) {
                    Some(next) => self.go(Screen::Form(next)),
                    // A flow whose last page is not the media starts
                    // from it (a history check).
                    None => match self.flow.spec().start(&self.ctx()) {
                        Ok(start) => Command::Start(start),
                        Err(wrong) => self.back_to(wrong),
                    },
                }
            }
        }
    }

    fn recipients_read(&mut self, path: PathBuf, r: Result<Vec<String>, String>) -> Command {
        use super::flows::genesis::CustodiansField;
        match r {
            Ok(list) => {
                self.recipients = Some((path, list));
                let checked = self.check_form();
                let custodians = Screen::Form(Page::Custodians);
                if self.screen == custodians
                    && self
                        .forms
                        .get(Page::Custodians)
                        .focused(CustodiansField::Recipients)
                {
                    if let Ok(plan) = checked {
                        return self.form_done(Page::Custodians, plan);
                    }
                }
            }
            Err(e) => {
                let form = self.forms.get_mut(Page::Custodians);
                form.problem = Some(form.wrong(CustodiansField::Recipients, e));
            }
        }
        Command::None
    }

    fn restore_loaded(&mut self, r: Result<(SetInfo, Vec<Share>), String>) -> Command {
        match r {
            Err(e) => {
                let form = self.forms.get_mut(Page::Restore);
                form.problem = Some(form.wrong(SourceField::Backup, e));
                Command::None
            }
            Ok((set, shares)) if shares.len() >= usize::from(set.threshold) => {
                self.shares_given(shares)
            }
            Ok((set, shares)) => {
                self.typing = Some(Typing::new(set, shares, None));
                self.go(Screen::RestoreShares)
            }
        }
    }

    fn restore_shares_key(&mut self, k: &KeyEvent) -> Command {
        if k.code == KeyCode::Esc {
            if let Some(what) = self.work_at_stake() {
                self.confirm = Some(Confirm {
                    text: format!(
                        "Go back and discard {what}? y discards them, any other key goes on typing."
                    ),
                    on_yes: Pending::DiscardShares,
                });
                return Command::None;
            }
            self.typing = None;
            self.clear_screen = true;
            return self.go(Screen::Form(Page::Restore));
        }
        let Some(t) = &mut self.typing else {
            return Command::None;
        };
        match t.key(k) {
            Some(shares) => {
                self.typing = None;
                self.clear_screen = true;
                self.shares_given(shares)
            }
            None => Command::None,
        }
    }

    /// k shares are in hand: a restore opens the backup now; a flow on the
    /// key keeps them (the engine proves and opens the backup before
    /// writing anything) and goes on to its own pages.
    fn shares_given(&mut self, shares: Vec<Share>) -> Command {
        if let Some(next) = self.flow.next(Page::Restore) {
            self.renew_shares = shares;
            return self.go(Screen::Form(next));
        }
        self.screen = Screen::Unlocking;
        Command::Unlock {
            backup: self.restore_backup.clone(),
            shares,
        }
    }

    /// Whether the last scan saw a stick mounted under /media.
    fn sticks_mounted(&self) -> bool {
        self.scan.as_ref().is_some_and(|s| {
            s.sticks.iter().any(|st| {
                st.mounted_at
                    .as_ref()
                    .is_some_and(|p| p.starts_with("/media"))
            })
        })
    }

    fn prompt_key(&mut self, k: &KeyEvent) -> Command {
        let Some(prompt) = &mut self.prompt else {
            // While the engine works, the log scrolls back and forth.
            match k.code {
                KeyCode::PageUp => {
                    self.log_back = (self.log_back + 10).min(self.log.len().saturating_sub(1))
                }
                KeyCode::PageDown => self.log_back = self.log_back.saturating_sub(10),
                KeyCode::End => self.log_back = 0,
                _ => {}
            }
            return Command::None;
        };
        let reply = match prompt {
            Prompt::Passphrase { revealed, .. } | Prompt::Share { revealed, .. } => {
                match (k.code, *revealed) {
                    (KeyCode::Char('y'), false) => {
                        *revealed = true;
                        None
                    }
                    (KeyCode::Enter, true) => Some(Reply::Shown),
                    _ => None,
                }
            }
            Prompt::Typing(t) => t.key(k).map(Reply::Shares),
            Prompt::Pins(p) => match p.key(k) {
                Input::Submit => p.take().map(Reply::Pins),
                _ => None,
            },
            Prompt::TokenPin { entry, .. } => match entry.key(k) {
                Input::Submit => Some(Reply::TokenPin(entry.take())),
                _ => None,
            },
            Prompt::CardFailed { .. } => match k.code {
                KeyCode::Char('r') => Some(Reply::Decision(CardDecision::Retry)),
                KeyCode::Char('s') => Some(Reply::Decision(CardDecision::Skip)),
                _ => None,
            },
            Prompt::Witness { pin, .. } => {
                use crate::ceremony::witness::WitnessAnswer;
                match pin {
                    None => match k.code {
                        KeyCode::Char('s') => {
                            *pin = Some(SecretLine::default());
                            None
                        }
                        KeyCode::Char('d') => Some(Reply::Witness(WitnessAnswer::Decline)),
                        KeyCode::Char('a') => Some(Reply::Witness(WitnessAnswer::Absent)),
                        _ => None,
                    },
                    // Esc goes back to the statement: the PIN typed so far
                    // is dropped.
                    Some(_) if k.code == KeyCode::Esc => {
                        *pin = None;
                        None
                    }
                    Some(entry) => match entry.key(k) {
                        Input::Submit => Some(Reply::Witness(WitnessAnswer::Sign(entry.take()))),
                        _ => None,
                    },
                }
            }
        };
        match reply {
            Some(r) => {
                self.prompt = None;
                self.clear_screen = true;
                Command::Reply(r)
            }
            None => Command::None,
        }
    }

    fn card_key(&mut self, k: &KeyEvent) -> Command {
        let Some(stage) = &mut self.card else {
            return Command::None;
        };
        match stage {
            CardStage::Pins(p) => {
                if k.code == KeyCode::Esc {
                    self.card = None;
                    return self.go(Screen::Restored);
                }
                if p.key(k) == Input::Submit {
                    self.card_pins = p.take();
                    self.clear_screen = true;
                    return Command::ListCards;
                }
                Command::None
            }
            CardStage::Choose { cards, selected } => {
                let list = cards.as_ref().map(Vec::as_slice).unwrap_or_default();
                match k.code {
                    KeyCode::Char('r') => Command::ListCards,
                    KeyCode::Up => {
                        *selected = selected.saturating_sub(1);
                        Command::None
                    }
                    KeyCode::Down => {
                        *selected = (*selected + 1).min(list.len().saturating_sub(1));
                        Command::None
                    }
                    KeyCode::Enter => match list.get(*selected) {
                        Some(c) if !c.is_empty() => {
                            self.confirm = Some(Confirm {
                                text: format!(
                                    "Card {} ({}) in {} holds keys. FACTORY-RESET card {}, erasing them? y resets, any other key goes back.",
                                    c.serial, c.manufacturer, c.reader, c.serial
                                ),
                                on_yes: Pending::ResetCard(c.ident.clone(), c.serial.clone()),
                            });
                            Command::None
                        }
                        Some(c) => {
                            let ident = c.ident.clone();
                            self.provision(ident, None)
                        }
                        None => Command::None,
                    },
                    KeyCode::Esc => {
                        self.card = None;
                        self.card_pins = None;
                        self.go(Screen::Restored)
                    }
                    _ => Command::None,
                }
            }
            CardStage::Provisioning => Command::None,
            CardStage::Finished(_) => match k.code {
                KeyCode::Enter | KeyCode::Esc => {
                    self.card = None;
                    self.card_pins = None;
                    self.go(Screen::Restored)
                }
                KeyCode::Char('r') => Command::ListCards,
                KeyCode::Char('q') => Command::Quit,
                _ => Command::None,
            },
        }
    }

    fn provision(&mut self, ident: String, reset: Option<String>) -> Command {
        let Some(pins) = self.card_pins.as_ref().map(CardPins::duplicate) else {
            self.card = Some(CardStage::Pins(PinEntry::default()));
            return Command::None;
        };
        self.card = Some(CardStage::Provisioning);
        self.log.clear();
        self.log_back = 0;
        Command::ProvisionCard { ident, reset, pins }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::EXAMPLE_PLAN;

    pub fn key(c: KeyCode) -> Action {
        Action::Key(KeyEvent::new(c, KeyModifiers::NONE))
    }

    /// PageDown as the loop runs it: a media page's check answered "fine".
    fn page_down(a: &mut App) -> Command {
        match a.update(key(KeyCode::PageDown)) {
            Command::CheckMedia => a.update(Action::MediaChecked(Ok(()))),
            other => other,
        }
    }

    fn ctrl_c() -> Action {
        Action::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL))
    }

    /// The text of the confirmation on screen.
    fn confirm_text(a: &App) -> &str {
        &a.confirm.as_ref().expect("a confirmation").text
    }

    fn typed(a: &mut App, text: &str) -> Command {
        let mut last = Command::None;
        for c in text.chars() {
            last = a.update(key(match c {
                '\n' => KeyCode::Enter,
                c => KeyCode::Char(c),
            }));
        }
        last
    }

    pub fn app() -> App {
        let text = EXAMPLE_PLAN.replace("# allow_network = true", "allow_network = true");
        App::new(
            Plan::from_toml(&text).unwrap(),
            "example".into(),
            "/tmp".into(),
        )
    }

    /// Enter until the form's screen is left (every field kept as it is).
    fn enter_through(a: &mut App) {
        let screen = a.screen;
        for _ in 0..20 {
            if let Command::CheckMedia = a.update(key(KeyCode::Enter)) {
                a.update(Action::MediaChecked(Ok(())));
            }
            if a.screen != screen {
                return;
            }
        }
        panic!("{screen:?} did not go on: {:?}", a.form().unwrap().problem);
    }

    #[test]
    fn the_genesis_wizard_walks_forward_and_back() {
        let mut a = app();
        assert!(matches!(a.update(key(KeyCode::Enter)), Command::Rescan));
        assert_eq!(a.screen, Screen::Preflight);
        assert!(matches!(a.update(key(KeyCode::Char('r'))), Command::Rescan));
        a.update(key(KeyCode::Enter));
        assert_eq!(a.screen, Screen::Form(Page::Identity));
        enter_through(&mut a);
        assert_eq!(a.screen, Screen::Form(Page::Custodians));
        a.update(key(KeyCode::Esc));
        assert_eq!(a.screen, Screen::Form(Page::Identity));
        enter_through(&mut a);
        enter_through(&mut a);
        assert_eq!(a.screen, Screen::Form(Page::Media));
        enter_through(&mut a);
        assert_eq!(a.screen, Screen::Review);
        assert_eq!(a.plan.media.export, PathBuf::from("/tmp/export"));
        // y asks first, naming the media; only the second y starts.
        a.update(key(KeyCode::Char('y')));
        assert!(confirm_text(&a).contains("/tmp/backup-1"));
        assert!(matches!(
            a.update(key(KeyCode::Char('y'))),
            Command::Start(Start::Genesis)
        ));
        assert_eq!(a.screen, Screen::Running);
        assert!(matches!(a.update(ctrl_c()), Command::None));
        a.update(Action::Engine(EngineMsg::Finished(Err("x".into()))));
        assert_eq!(a.screen, Screen::Done);
        assert!(matches!(a.update(key(KeyCode::Char('q'))), Command::Quit));
    }

    #[test]
    fn a_wrong_field_keeps_the_operator_on_it() {
        let mut a = app();
        a.screen = Screen::Form(Page::Identity);
        a.forms.get_mut(Page::Identity).focus = 4;
        typed(&mut a, "x");
        assert_eq!(a.forms.get(Page::Identity).problem.as_ref().unwrap().0, 4);
        a.forms.get_mut(Page::Identity).focus = a.forms.get(Page::Identity).fields.len() - 1;
        a.update(key(KeyCode::Enter));
        assert_eq!(a.screen, Screen::Form(Page::Identity));
        assert_eq!(a.forms.get(Page::Identity).focus, 4);
        // '?' is text in a form; F1 is help everywhere.
        typed(&mut a, "?");
        assert!(!a.help);
        a.update(key(KeyCode::F(1)));
        assert!(a.help);
    }

    #[test]
    fn the_recipients_file_is_read_by_the_loop_then_applied() {
        let mut a = app();
        a.screen = Screen::Form(Page::Custodians);
        a.forms.get_mut(Page::Custodians).focus = 3;
        let cmd = typed(&mut a, "r.txt\n");
        let Command::ReadRecipients(path) = cmd else {
            panic!("{cmd:?}")
        };
        let id = age::x25519::Identity::generate().to_public().to_string();
        a.update(Action::Recipients(path, Ok(vec![id.clone(); 5])));
        assert_eq!(a.screen, Screen::Form(Page::Media));
        assert_eq!(a.plan.shares.custodians[4].age_recipient, Some(id));
    }

    #[test]
    fn secrets_are_shown_only_after_y_and_cleared_after() {
        let mut a = app();
        a.screen = Screen::Running;
        a.update(Action::Engine(EngineMsg::Ask(Request::Passphrase(
            Zeroizing::new("abandon ability".into()),
        ))));
        assert!(matches!(
            a.prompt,
            Some(Prompt::Passphrase {
                revealed: false,
                ..
            })
        ));
        assert!(matches!(a.update(key(KeyCode::Enter)), Command::None));
        a.update(key(KeyCode::Char('y')));
        assert!(matches!(
            a.update(key(KeyCode::Enter)),
            Command::Reply(Reply::Shown)
        ));
        assert!(a.prompt.is_none() && a.clear_screen);
    }

    #[test]
    fn a_failed_card_is_retried_or_skipped() {
        let mut a = app();
        a.screen = Screen::Running;
        a.update(Action::Engine(EngineMsg::Ask(Request::CardFailed {
            number: 2,
            error: "card removed".into(),
        })));
        assert!(matches!(
            a.update(key(KeyCode::Char('r'))),
            Command::Reply(Reply::Decision(CardDecision::Retry))
        ));
    }

    #[test]
    fn the_restore_flow_reads_files_then_asks_for_the_missing_shares() {
        let mut a = app();
        a.update(key(KeyCode::Char('r')));
        a.update(key(KeyCode::Enter));
        assert_eq!(a.screen, Screen::Form(Page::Restore));
        typed(&mut a, "/m/backup/ceremony-1\n/m/s1.txt\n");
        let cmd = a.update(key(KeyCode::Enter));
        let Command::LoadRestore { backup, files, .. } = cmd else {
            panic!("{cmd:?}")
        };
        assert_eq!(backup, PathBuf::from("/m/backup/ceremony-1"));
        assert_eq!(files, [PathBuf::from("/m/s1.txt")]);
        let set = crate::shares::split(&[7u8; 16], 2, 3).unwrap();
        let first = set.shares[0].clone();
        a.update(Action::RestoreLoaded(Ok((set.info.clone(), vec![first]))));
        assert_eq!(a.screen, Screen::RestoreShares);
        // The same share again is refused; another completes the set.
        let again = set.shares[0].to_words().join(" ");
        typed(&mut a, &format!("{again}\n"));
        let t = a.typing.as_ref().unwrap();
        assert!(t.problem.as_ref().unwrap().contains("typed already"));
        let other = set.shares[2].to_words().join(" ");
        let cmd = typed(&mut a, &format!("{other}\n"));
        let Command::Unlock { shares, .. } = cmd else {
            panic!("{cmd:?}")
        };
        assert_eq!(shares.len(), 2);
        assert_eq!(a.screen, Screen::Unlocking);
    }

    /// #28: a wrong word the checksum locates puts the cursor on it, and
    /// Tab takes the word that probably belongs there (it took 11 Left keys).
    #[test]
    fn a_located_wrong_word_is_fixed_with_one_key() {
        let mut a = app();
        a.screen = Screen::RestoreShares;
        let set = crate::shares::split(&[7u8; 16], 2, 3).unwrap();
        a.typing = Some(Typing::new(set.info.clone(), vec![], None));
        let words = set.shares[1].to_words();
        let mut wrong = words.clone();
        // Word 9 replaced by another BIP39 word.
        wrong[8] = if words[8] == "abandon" {
            "ability"
        } else {
            "abandon"
        };
        typed(&mut a, &format!("{}\n", wrong.join(" ")));
        let t = a.typing.as_ref().unwrap();
        let problem = t.problem.clone().unwrap();
        assert!(problem.contains("word 9 is wrong"), "{problem}");
        assert_eq!(t.entry.cursor(), Some(8));
        assert_eq!(t.entry.suggestion(), Some(words[8]));
        assert!(
            problem.contains(&format!("Tab puts \"{}\" in", words[8])),
            "{problem}"
        );
        a.update(key(KeyCode::Tab));
        let t = a.typing.as_ref().unwrap();
        assert_eq!(t.entry.cursor(), None);
        assert_eq!(t.entry.words().collect::<Vec<_>>(), words);
        a.update(key(KeyCode::Enter));
        let t = a.typing.as_ref().unwrap();
        assert_eq!(t.shares.len(), 1, "{:?}", t.problem);
    }

    #[test]
    fn typed_shares_are_never_thrown_away_by_one_key() {
        let mut a = app();
        a.screen = Screen::RestoreShares;
        let set = crate::shares::split(&[7u8; 16], 2, 3).unwrap();
        a.typing = Some(Typing::new(set.info.clone(), vec![], None));
        // Nothing typed yet: Esc goes back at once.
        a.update(key(KeyCode::Esc));
        assert_eq!(a.screen, Screen::Form(Page::Restore));
        a.screen = Screen::RestoreShares;
        a.typing = Some(Typing::new(set.info.clone(), vec![], None));
        let words = set.shares[1].to_words();
        typed(&mut a, &format!("{} {} ", words[0], words[1]));
        // Esc asks, naming what would be lost; another key keeps typing,
        // and is typed (it used to be swallowed by the question).
        a.update(key(KeyCode::Esc));
        let text = &a.confirm.as_ref().unwrap().text;
        assert!(text.contains("0 shares and 2 words typed so far"), "{text}");
        let next = words[2].chars().next().unwrap();
        a.update(key(KeyCode::Char(next)));
        assert_eq!(a.screen, Screen::RestoreShares);
        assert!(a.confirm.is_none());
        let entry = &a.typing.as_ref().unwrap().entry;
        assert_eq!(entry.words().count(), 2);
        assert_eq!(entry.current(), next.to_string());
        // Ctrl-C asks too; only y quits.
        assert!(matches!(a.update(ctrl_c()), Command::None));
        assert!(confirm_text(&a).contains("Quit keyceremony and lose"));
        assert!(matches!(a.update(key(KeyCode::Char('y'))), Command::Quit));
        // Esc then y discards and goes back.
        a.update(key(KeyCode::Esc));
        a.update(key(KeyCode::Char('y')));
        assert_eq!(a.screen, Screen::Form(Page::Restore));
        assert!(a.typing.is_none());
    }

    #[test]
    fn ctrl_c_on_an_edited_form_asks_first() {
        let mut a = app();
        a.screen = Screen::Form(Page::Identity);
        // Untouched forms: nothing to lose.
        assert!(matches!(a.update(ctrl_c()), Command::Quit));
        // Moving between fields changes nothing.
        a.update(key(KeyCode::Down));
        assert!(matches!(a.update(ctrl_c()), Command::Quit));
        a.forms.get_mut(Page::Identity).focus = 4;
        typed(&mut a, "x");
        // The loop wrote the draft.
        a.draft_written(Ok(()));
        assert!(matches!(a.update(ctrl_c()), Command::None));
        assert!(confirm_text(&a).contains("kept as a draft"));
        a.update(key(KeyCode::Esc));
        assert_eq!(
            a.screen,
            Screen::Form(Page::Identity),
            "any other key stays"
        );
        // A restore's form is no draft: what is typed there is lost.
        a.screen = Screen::Form(Page::Restore);
        typed(&mut a, "/m/b");
        a.update(ctrl_c());
        assert!(confirm_text(&a).contains("lose the values typed into the forms"));
    }

    #[test]
    fn a_card_with_keys_is_reset_only_after_a_confirmation_naming_it() {
        let mut a = app();
        a.screen = Screen::Restored;
        a.restored = Some(Ok(Summary {
            heading: "Backup opened".into(),
            fingerprint: "F".into(),
            ceremony_id: String::new(),
            lines: vec![],
        }));
        a.update(key(KeyCode::Char('p')));
        assert!(matches!(
            typed(&mut a, "123456\n123456\n12345678\n12345678\n"),
            Command::ListCards
        ));
        let card = CardInfo {
            signing: Some("AB".into()),
            ..CardInfo::example("0000000A")
        };
        a.update(Action::Cards(Ok(vec![card])));
        a.update(key(KeyCode::Enter));
        assert!(confirm_text(&a).contains("FACTORY-RESET card 0000000A"));
        let cmd = a.update(key(KeyCode::Char('y')));
        let Command::ProvisionCard { reset, .. } = cmd else {
            panic!("{cmd:?}")
        };
        assert_eq!(reset.as_deref(), Some("0000000A"));
    }

    /// From the welcome screen (`choose`) through the backup and share files
    /// of a ceremony on an existing key, the files read as two shares of a
    /// 2-of-3 set: the app then holds them and shows the flow's own page.
    fn with_two_shares(choose: char, flow: Flow, backup: &str) -> App {
        let mut a = app();
        a.update(key(KeyCode::Char(choose)));
        assert_eq!(a.flow, flow);
        a.update(key(KeyCode::Enter));
        assert_eq!(a.screen, Screen::Form(Page::Restore));
        typed(&mut a, &format!("{backup}\n/m/s1.txt;/m/s2.txt\n"));
        let cmd = a.update(key(KeyCode::Enter));
        assert!(matches!(cmd, Command::LoadRestore { .. }), "{cmd:?}");
        let set = crate::shares::split(&[7u8; 16], 2, 3).unwrap();
        a.update(Action::RestoreLoaded(Ok((
            set.info.clone(),
            vec![set.shares[0].clone(), set.shares[2].clone()],
        ))));
        a
    }

    #[test]
    fn the_renew_flow_takes_the_shares_then_expiry_and_media_and_confirms_before_writing() {
        let mut a = with_two_shares('n', Flow::Renew, "/m/backup/ceremony-1");
        // k shares in hand: nothing is opened yet; the expiry comes next.
        assert_eq!(a.screen, Screen::Form(Page::Renew));
        assert_eq!(a.renew_share_count(), 2);
        // A bad expiry keeps the operator on the field.
        let clear = |a: &mut App| {
            for _ in 0..20 {
                a.update(key(KeyCode::Backspace));
            }
        };
        clear(&mut a);
        typed(&mut a, "forever");
        page_down(&mut a);
        assert_eq!(a.screen, Screen::Form(Page::Renew));
        assert_eq!(a.form().unwrap().problem.as_ref().unwrap().0, 0);
        clear(&mut a);
        typed(&mut a, "3y");
        enter_through(&mut a);
        assert_eq!(a.screen, Screen::Form(Page::Media));
        assert_eq!(a.plan.key.expiry.to_string(), "1095d");
        // Esc from the media goes back to the expiry, not to genesis's forms.
        a.update(key(KeyCode::Esc));
        assert_eq!(a.screen, Screen::Form(Page::Renew));
        enter_through(&mut a);
        enter_through(&mut a);
        assert_eq!(a.screen, Screen::Review);
        assert!(a.blocker().is_none(), "{:?}", a.blocker());
        a.update(key(KeyCode::Char('y')));
        let text = confirm_text(&a).to_owned();
        assert!(
            text.contains("Start the renew") && text.contains("/m/backup/ceremony-1"),
            "{text}"
        );
        let cmd = a.update(key(KeyCode::Char('y')));
        let Command::StartOnKey {
            start: Start::Renew,
            backup,
            shares,
        } = cmd
        else {
            panic!("{cmd:?}")
        };
        assert_eq!(backup, PathBuf::from("/m/backup/ceremony-1"));
        assert_eq!(shares.len(), 2);
        assert_eq!(a.screen, Screen::Running);
    }

    #[test]
    fn leaving_the_renew_expiry_asks_before_dropping_the_shares() {
        let mut a = with_two_shares('n', Flow::Renew, "/m/b");
        assert_eq!(a.screen, Screen::Form(Page::Renew));
        a.update(key(KeyCode::Esc));
        assert!(confirm_text(&a).contains("2 shares"));
        a.update(key(KeyCode::Char('n')));
        assert_eq!(a.screen, Screen::Form(Page::Renew));
        assert_eq!(a.renew_share_count(), 2);
        a.update(key(KeyCode::Esc));
        a.update(key(KeyCode::Char('y')));
        assert_eq!(a.screen, Screen::Form(Page::Restore));
        assert_eq!(a.renew_share_count(), 0);
    }

    #[test]
    fn the_subkey_flow_asks_what_its_change_needs_and_starts_it() {
        let mut a = with_two_shares('s', Flow::Subkey, "/m/b");
        assert_eq!(a.screen, Screen::Form(Page::Subkey));
        // "revoke" without a fingerprint is refused on its field.
        a.update(key(KeyCode::Char(' ')));
        assert_eq!(a.forms.get(Page::Subkey).value(0), "revoke");
        page_down(&mut a);
        assert_eq!(a.screen, Screen::Form(Page::Subkey));
        assert_eq!(
            a.form().unwrap().problem.as_ref().unwrap().0,
            crate::tui::flows::subkey::SubkeyField::Fingerprint as usize
        );
        // Not a fingerprint: refused on its page, not after the start.
        typed(&mut a, "ABCD 1234");
        page_down(&mut a);
        assert_eq!(a.screen, Screen::Form(Page::Subkey));
        assert!(a
            .form()
            .unwrap()
            .problem
            .as_ref()
            .unwrap()
            .1
            .contains("40 hex digits"));
        typed(&mut a, &" 1234".repeat(8));
        page_down(&mut a);
        assert_eq!(a.screen, Screen::Form(Page::Media));
        page_down(&mut a);
        assert_eq!(a.screen, Screen::Review);
        a.update(key(KeyCode::Char('y')));
        assert!(
            confirm_text(&a).contains("the subkey change (revoke subkey ABCD 1234 1234 1234 1234 1234 1234 1234 1234 1234 as compromised)"),
            "{}",
            confirm_text(&a)
        );
        let cmd = a.update(key(KeyCode::Char('y')));
        let Command::StartOnKey {
            start: Start::Subkey(change),
            shares,
            ..
        } = cmd
        else {
            panic!("{cmd:?}")
        };
        assert_eq!(shares.len(), 2);
        assert_eq!(
            change,
            crate::ceremony::subkey::Change::Revoke {
                fingerprint: "ABCD 1234 1234 1234 1234 1234 1234 1234 1234 1234".into(),
                reason: crate::openpgp::RevokeReason::Compromised,
            }
        );
    }

    #[test]
    fn the_certify_flow_checks_its_page_and_starts_with_the_certification() {
        let mut a = with_two_shares('c', Flow::Certify, "/m/b");
        assert_eq!(a.screen, Screen::Form(Page::Certify));
        // No cert named: refused on its field.
        page_down(&mut a);
        assert_eq!(a.screen, Screen::Form(Page::Certify));
        assert_eq!(a.form().unwrap().problem.as_ref().unwrap().0, 0);
        typed(&mut a, "theirs.asc\nDev <dev@example.org>\n");
        // Level 3, then a trust domain without a depth is refused.
        for _ in 0..3 {
            a.update(key(KeyCode::Char(' ')));
        }
        a.update(key(KeyCode::Down));
        typed(&mut a, "1y");
        a.update(key(KeyCode::Down));
        a.update(key(KeyCode::Down));
        typed(&mut a, "example.org");
        page_down(&mut a);
        assert_eq!(a.form().unwrap().problem.as_ref().unwrap().0, 4);
        // The refusal put the cursor on the depth: choose 1.
        a.update(key(KeyCode::Char(' ')));
        page_down(&mut a);
        assert_eq!(a.screen, Screen::Form(Page::Media));
        page_down(&mut a);
        assert_eq!(a.screen, Screen::Review);
        a.update(key(KeyCode::Char('y')));
        assert!(
            confirm_text(&a).contains("the certification of /tmp/theirs.asc"),
            "{}",
            confirm_text(&a)
        );
        let cmd = a.update(key(KeyCode::Char('y')));
        let Command::StartOnKey {
            start:
                Start::Certify {
                    cert,
                    certification,
                },
            shares,
            ..
        } = cmd
        else {
            panic!("{cmd:?}")
        };
        assert_eq!(shares.len(), 2);
        assert!(cert.ends_with("theirs.asc"));
        assert_eq!(certification.user_ids, ["Dev <dev@example.org>"]);
        assert_eq!(certification.level, 3);
        assert!(certification.until.is_some());
        let trust = certification.trust.unwrap();
        assert_eq!(
            (trust.depth, trust.domain.as_deref()),
            (1, Some("example.org"))
        );
    }

    #[test]
    fn the_reshare_flow_takes_the_new_set_on_the_custodians_page_and_guards_the_shares() {
        let mut a = with_two_shares('k', Flow::Reshare, "/m/b");
        assert_eq!(a.screen, Screen::Form(Page::Custodians));
        // Esc with shares in hand asks before discarding them.
        a.update(key(KeyCode::Esc));
        assert!(confirm_text(&a).contains("discard"));
        a.update(key(KeyCode::Char('n')));
        assert_eq!(a.screen, Screen::Form(Page::Custodians));
        page_down(&mut a);
        assert_eq!(a.screen, Screen::Form(Page::Media));
        a.update(key(KeyCode::Esc));
        assert_eq!(a.screen, Screen::Form(Page::Custodians));
        page_down(&mut a);
        page_down(&mut a);
        assert_eq!(a.screen, Screen::Review);
        a.update(key(KeyCode::Char('y')));
        assert!(confirm_text(&a).contains("the reshare"));
        let cmd = a.update(key(KeyCode::Char('y')));
        assert!(
            matches!(&cmd, Command::StartOnKey { start: Start::Reshare, shares, .. } if shares.len() == 2),
            "{cmd:?}"
        );
    }

    #[test]
    fn the_history_screen_needs_no_preflight_and_asks_to_check_a_medium() {
        let mut a = app();
        a.update(key(KeyCode::Char('h')));
        assert_eq!(a.screen, Screen::Form(Page::History));
        for _ in 0..40 {
            a.update(key(KeyCode::Backspace));
        }
        page_down(&mut a);
        assert_eq!(a.form().unwrap().problem.as_ref().unwrap().0, 0);
        typed(&mut a, "/media/export");
        let cmd = page_down(&mut a);
        assert!(
            matches!(&cmd, Command::Start(Start::History { root, cert: None }) if root.ends_with("export")),
            "{cmd:?}"
        );
        a.update(Action::Engine(EngineMsg::Finished(Err(
            "t2: out of order".into()
        ))));
        assert_eq!(a.screen, Screen::Done);
        a.update(key(KeyCode::Esc));
        a.screen = Screen::Form(Page::History);
        a.update(key(KeyCode::Esc));
        assert_eq!(a.screen, Screen::Welcome);
    }

    #[test]
    fn the_rotate_flow_asks_why_then_takes_the_genesis_pages_for_the_new_key() {
        let mut a = with_two_shares('o', Flow::Rotate, "/m/b");
        assert_eq!(a.screen, Screen::Form(Page::Rotate));
        page_down(&mut a);
        assert_eq!(a.form().unwrap().problem.as_ref().unwrap().0, 0);
        typed(&mut a, "yearly");
        page_down(&mut a);
        assert_eq!(a.screen, Screen::Form(Page::Identity));
        // Esc from the new key's identity goes back to the rotation page.
        a.update(key(KeyCode::Esc));
        assert_eq!(a.screen, Screen::Form(Page::Rotate));
        page_down(&mut a);
        for next in [
            Screen::Form(Page::Custodians),
            Screen::Form(Page::Media),
            Screen::Review,
        ] {
            page_down(&mut a);
            assert_eq!(a.screen, next);
        }
        a.update(key(KeyCode::Char('y')));
        assert!(confirm_text(&a).contains("the rotation to a new key"));
        let cmd = a.update(key(KeyCode::Char('y')));
        let Command::StartOnKey {
            start:
                Start::Rotate {
                    reason,
                    transition_until,
                },
            shares,
            ..
        } = cmd
        else {
            panic!("{cmd:?}")
        };
        assert_eq!((reason.as_str(), shares.len()), ("yearly", 2));
        assert!(transition_until > std::time::SystemTime::now());
    }

    /// #28: a request is made from its page by the page's own parse, and a
    /// value that does not parse is refused at the start, not replaced (a
    /// transition that used to fall back to "now"): the operator lands on
    /// the field, its problem under it, and no ceremony starts.
    #[test]
    fn a_page_wrong_at_the_start_takes_the_operator_back_to_its_field() {
        use crate::tui::flows::rotate::RotateField;
        let mut a = with_two_shares('o', Flow::Rotate, "/m/b");
        typed(&mut a, "yearly");
        page_down(&mut a);
        for _ in 0..3 {
            page_down(&mut a);
        }
        assert_eq!(a.screen, Screen::Review);
        // Changed behind the review's back (a draft, a bug): refused.
        a.forms
            .get_mut(Page::Rotate)
            .field_mut(RotateField::Transition)
            .input
            .value = "soon".into();
        let cmd = a.update(key(KeyCode::Char('y')));
        assert!(matches!(cmd, Command::None), "{cmd:?}");
        assert!(a.confirm.is_none());
        assert_eq!(a.screen, Screen::Form(Page::Rotate));
        let rotate = a.forms.get(Page::Rotate);
        assert!(rotate.focused(RotateField::Transition));
        assert!(rotate.problem.is_some());
        assert_eq!(a.renew_share_count(), 2, "the shares are kept");
    }

    #[test]
    fn after_a_failure_b_goes_back_to_the_review_with_every_value_kept() {
        let mut a = app();
        a.update(key(KeyCode::Char('g')));
        a.update(key(KeyCode::Enter));
        assert_eq!(a.screen, Screen::Form(Page::Identity));
        for _ in 0..60 {
            a.update(key(KeyCode::Backspace));
        }
        typed(&mut a, "Kept <kept@example.org>");
        page_down(&mut a);
        page_down(&mut a);
        page_down(&mut a);
        assert_eq!(a.screen, Screen::Review);
        a.screen = Screen::Running;
        // A success offers no way back; a failure does.
        a.update(Action::Engine(EngineMsg::Finished(Err(
            "the medium is gone".into(),
        ))));
        assert_eq!(a.screen, Screen::Done);
        a.update(key(KeyCode::Char('b')));
        assert_eq!(a.screen, Screen::Review);
        assert!(a.result.is_none());
        assert_eq!(
            a.forms.get(Page::Identity).value(0),
            "Kept <kept@example.org>"
        );
        assert_eq!(a.plan.key.user_ids, ["Kept <kept@example.org>"]);
        a.screen = Screen::Done;
        a.result = Some(Ok(Summary {
            heading: "Genesis complete".into(),
            fingerprint: "F".into(),
            ceremony_id: "c".into(),
            lines: vec![],
        }));
        a.update(key(KeyCode::Char('b')));
        assert_eq!(a.screen, Screen::Done);
    }

    /// #28: the refusal of a network names its override, and Esc puts
    /// the cursor on it: Space, PgDn, and the review starts.
    #[test]
    fn the_network_refusal_leads_to_its_override() {
        let mut a = app();
        a.plan.airgap.allow_network = false;
        a.forms.reset(Page::Media, &a.plan);
        a.plan.key.user_ids = vec!["Acme Release <release@acme.test>".into()];
        a.plan.ceremony.operator = "Olga".into();
        a.plan.ceremony.witnesses = vec!["Walt".into()];
        a.scan = Some(Scan {
            report: Report {
                findings: vec![crate::airgap::Finding::new(
                    crate::airgap::Severity::Critical,
                    "network",
                    "eth0 is up",
                )],
            },
            cards: Ok(vec![]),
            media: vec![],
            sticks: vec![],
            choices: vec![],
            backups: vec![],
            share_files: vec![],
            sets: Default::default(),
            failed: vec![],
        });
        a.screen = Screen::Review;
        let refusal = a.blocker().unwrap();
        assert!(refusal.contains("Allow network"), "{refusal}");
        a.update(key(KeyCode::Char('y')));
        assert!(a.confirm.is_none(), "refused: nothing to confirm");
        a.update(key(KeyCode::Esc));
        assert_eq!(a.screen, Screen::Form(Page::Media));
        assert_eq!(
            a.forms.get(Page::Media).fields[a.forms.get(Page::Media).focus].label,
            "Allow network"
        );
        a.update(key(KeyCode::Char(' ')));
        assert_eq!(
            a.forms.get(Page::Media).fields[a.forms.get(Page::Media).focus]
                .input
                .value,
            "yes"
        );
    }

    #[test]
    fn the_media_page_is_left_only_when_its_media_check_out() {
        let mut a = app();
        a.screen = Screen::Form(Page::Media);
        assert!(matches!(
            a.update(key(KeyCode::PageDown)),
            Command::CheckMedia
        ));
        assert_eq!(
            a.screen,
            Screen::Form(Page::Media),
            "nothing moves before the check"
        );
        a.update(Action::MediaChecked(Err((
            1,
            "medium /x is not there".into(),
        ))));
        assert_eq!(a.screen, Screen::Form(Page::Media));
        assert_eq!(a.forms.get(Page::Media).focus, 1);
        assert_eq!(a.forms.get(Page::Media).problem.as_ref().unwrap().0, 1);
        // A late answer on another screen changes nothing.
        a.screen = Screen::Form(Page::Identity);
        a.update(Action::MediaChecked(Ok(())));
        assert_eq!(a.screen, Screen::Form(Page::Identity));
        a.screen = Screen::Form(Page::Media);
        a.update(Action::MediaChecked(Ok(())));
        assert_eq!(a.screen, Screen::Review);
    }

    #[test]
    fn every_value_typed_leaves_a_draft_and_a_finished_ceremony_clears_it() {
        let mut a = app();
        assert!(matches!(a.update(key(KeyCode::Char('d'))), Command::None));
        a.update(key(KeyCode::Char('g')));
        a.update(key(KeyCode::Enter));
        assert!(a.take_draft().is_none(), "nothing done yet");
        page_down(&mut a);
        assert_eq!(a.screen, Screen::Form(Page::Custodians));
        assert!(a.take_draft().is_none(), "nothing typed: no draft");
        // Half a page typed (three names for five shares: no plan takes
        // that), then Ctrl-C: the draft has it as typed.
        a.update(key(KeyCode::Down));
        a.update(key(KeyCode::Down));
        typed(&mut a, "Alice; Bob; Carol");
        let draft = a.take_draft().unwrap();
        assert!(a.take_draft().is_none(), "taken once");
        // Only the value typed is in it: a draft loaded into a run with
        // another plan changes only what was typed.
        assert!(
            !draft.contains("Profile") && draft.contains("Alice"),
            "{draft}"
        );
        // Not written yet (the disk refused): quitting says the values go.
        a.draft_written(Err("read-only file system".into()));
        a.update(ctrl_c());
        assert!(
            confirm_text(&a).contains("lose") && confirm_text(&a).contains("read-only"),
            "{}",
            confirm_text(&a)
        );
        a.update(key(KeyCode::Esc));
        a.draft_written(Ok(()));
        a.update(ctrl_c());
        assert!(
            confirm_text(&a).contains("kept as a draft"),
            "{}",
            confirm_text(&a)
        );
        a.update(key(KeyCode::Esc));
        let mut b = app();
        assert_eq!(b.load_draft(&draft), Ok((1, vec![])));
        assert_eq!(b.forms.get(Page::Custodians).value(2), "Alice; Bob; Carol");
        // What a draft holds that the forms cannot take is named.
        let (taken, dropped) = b
            .load_draft("[identity]\n\"User IDs\" = 3\nNope = \"x\"\n[elsewhere]\na = \"b\"")
            .unwrap();
        assert_eq!(taken, 0);
        assert_eq!(dropped.len(), 3, "{dropped:?}");
        assert!(b.load_draft("not toml [").is_err());
        // A choice takes only one of its options.
        let (taken, dropped) = b
            .load_draft("[media]\n\"Backups on one disk\" = \"maybe\"")
            .unwrap();
        assert_eq!(taken, 0);
        assert!(dropped[0].contains("not one of no, yes"), "{dropped:?}");
        assert_eq!(
            b.load_draft("[media]\n\"Backups on one disk\" = \"yes\""),
            Ok((1, vec![]))
        );
        // An earlier run's draft on offer is not replaced by a key typed:
        // asked first; kept, this run saves none.
        let mut c = app();
        c.draft_offer = Some("2026-12-06T05:00:00Z".into());
        c.update(key(KeyCode::Char('g')));
        c.update(key(KeyCode::Enter));
        c.update(key(KeyCode::Char('x')));
        assert!(c.take_draft().is_none());
        assert!(
            confirm_text(&c).contains("replaces it"),
            "{}",
            confirm_text(&c)
        );
        c.update(key(KeyCode::Char('n')));
        c.update(key(KeyCode::Char('y')));
        assert!(c.take_draft().is_none(), "kept: this run saves none");
        let mut r = app();
        r.draft_offer = Some("2026-12-06T05:00:00Z".into());
        r.update(key(KeyCode::Char('g')));
        r.update(key(KeyCode::Enter));
        r.update(key(KeyCode::Char('x')));
        r.update(key(KeyCode::Char('y')));
        assert!(r.take_draft().is_some_and(|d| d.contains("x")));
        a.update(Action::Engine(EngineMsg::Finished(Err("x".into()))));
        assert!(!a.draft_done, "a failed ceremony keeps the draft");
        a.update(Action::Engine(EngineMsg::Finished(Ok(Summary {
            heading: "Genesis complete".into(),
            fingerprint: "F".into(),
            ceremony_id: "c".into(),
            lines: vec![],
        }))));
        assert!(a.draft_done);
        // A restore's form leaves an earlier draft alone.
        let mut r = app();
        r.update(key(KeyCode::Char('r')));
        r.update(key(KeyCode::Enter));
        typed(&mut r, "/m/backup/ceremony-1\n");
        r.update(key(KeyCode::PageDown));
        assert!(r.take_draft().is_none());
        let mut b = app();
        b.draft_offer = Some("2026-11-25T07:00:00Z".into());
        assert!(matches!(
            b.update(key(KeyCode::Char('d'))),
            Command::LoadDraft
        ));
    }
}
