//! The terminal UI: a wizard over the same engine as the batch CLI.
//!
//! State and transitions are in `app` (no I/O), drawing in `view` (a pure
//! function of the state), the plan's forms in `forms`, text inputs in
//! `input`, and every chrome string in `text`. This module is the loop: it
//! waits on terminal events, engine messages and ticks, and does the I/O that
//! `update` asks for (scans, reading files, starting work on worker threads).
//!
//! The engine runs on a worker thread and reaches the screen only through
//! `Bridge`, its `CeremonyUi`: events become messages, and questions (show the
//! passphrase, hand over a share, type shares back, choose card PINs, retry a
//! card) are sent as a `Request` that blocks the worker until the operator's
//! `Reply`. No key operation lives here.

pub mod app;
mod flows;
mod forms;
mod input;
mod text;
pub mod view;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use ratatui::crossterm::event::{self, Event as TermEvent, KeyEventKind};
use zeroize::Zeroizing;

use crate::ceremony::certify::{self, CertifyRequest};
use crate::ceremony::genesis::{self, RunOptions};
use crate::ceremony::renew::{self, RenewRequest};
use crate::ceremony::reshare::{self, ReshareRequest};
use crate::ceremony::restore::{self, Restored};
use crate::ceremony::rotate::{self, RotateRequest};
use crate::ceremony::subkey::{self, SubkeyRequest};
use crate::ceremony::{
    CardDecision, CeremonyError, CeremonyUi, Clock, Event, Outcome, PcscCards, SystemClock,
};
use crate::exit::{Exit, Failure};
use crate::harden::Hardening;
use crate::passphrase::Passphrase;
use crate::plan::{Plan, EXAMPLE_PLAN};
use crate::shares::{sheet, SetInfo, Share};
use crate::tokens::openpgp_card::{self, CardPins};
use crate::transcript::verify as history;
use app::{Action, App, Command, EngineMsg, Reply, Request, Scan, Summary};
use flows::Start;

/// The engine's UI port for the TUI: events become messages to the loop, and
/// questions wait for the loop's reply.
pub struct Bridge {
    tx: mpsc::Sender<EngineMsg>,
    replies: mpsc::Receiver<Reply>,
}

impl Bridge {
    fn ask(&mut self, request: Request) -> Result<Reply, CeremonyError> {
        let closed = || CeremonyError::Delivery("the terminal UI went away".into());
        self.tx
            .send(EngineMsg::Ask(request))
            .map_err(|_| closed())?;
        match self.replies.recv().map_err(|_| closed())? {
            Reply::Abandon => Err(CeremonyError::Request(
                "the operator stopped the ceremony (Ctrl-C, then y)".into(),
            )),
            r => Ok(r),
        }
    }
}

impl CeremonyUi for Bridge {
    fn event(&mut self, event: &Event) {
        let msg = match event {
            Event::Step {
                number,
                total,
                title,
            } => EngineMsg::Step {
                number: *number,
                total: *total,
                title: (*title).to_owned(),
            },
            Event::Note(n) => EngineMsg::Line(n.clone()),
            Event::Warning(w) => EngineMsg::Line(format!("warning: {w}")),
            Event::FileWritten { path, .. } => EngineMsg::Line(format!("wrote {}", path.display())),
            Event::Verified(v) => EngineMsg::Line(format!("ok: {v}")),
            Event::Card {
                number,
                total,
                state,
            } => EngineMsg::Card {
                number: *number,
                total: *total,
                state: state.clone(),
            },
        };
        let _ = self.tx.send(msg);
    }

    fn deliver_passphrase(&mut self, _: &Passphrase) -> Result<String, CeremonyError> {
        Err(CeremonyError::Delivery(
            "the TUI shows the passphrase once and hands it over only as shares".into(),
        ))
    }

    fn deliver_card_pins(&mut self, _: &CardPins) -> Result<String, CeremonyError> {
        Err(CeremonyError::Delivery(
            "the TUI has the operator choose the card PINs".into(),
        ))
    }

    fn show_passphrase(&mut self, passphrase: &Passphrase) -> Result<bool, CeremonyError> {
        let words = Zeroizing::new(passphrase.expose_phrase().to_owned());
        self.ask(Request::Passphrase(words))?;
        Ok(true)
    }

    fn hand_over_share(&mut self, share: &Share, custodian: &str) -> Result<(), CeremonyError> {
        let qr = sheet::qr_terminal(share)?;
        self.ask(Request::Share {
            share: share.clone(),
            custodian: custodian.to_owned(),
            qr,
        })?;
        Ok(())
    }

    fn rehearsal_shares(
        &mut self,
        set: &SetInfo,
        problem: Option<&str>,
    ) -> Result<Option<Vec<Share>>, CeremonyError> {
        match self.ask(Request::Rehearsal {
            set: set.clone(),
            problem: problem.map(str::to_owned),
        })? {
            Reply::Shares(s) => Ok(Some(s)),
            _ => Ok(None),
        }
    }

    fn choose_card_pins(&mut self) -> Result<Option<CardPins>, CeremonyError> {
        match self.ask(Request::CardPins)? {
            Reply::Pins(p) => Ok(Some(p)),
            _ => Err(CeremonyError::Delivery("no card PINs were chosen".into())),
        }
    }

    fn token_pin(&mut self, token: &str) -> Result<Option<secrecy::SecretString>, CeremonyError> {
        match self.ask(Request::TokenPin(token.to_owned()))? {
            Reply::TokenPin(pin) => Ok(Some(pin)),
            _ => Err(CeremonyError::Delivery("no token PIN was typed".into())),
        }
    }

    fn witness(
        &mut self,
        ask: &crate::ceremony::witness::WitnessAsk<'_>,
    ) -> Result<Option<crate::ceremony::witness::WitnessAnswer>, CeremonyError> {
        match self.ask(Request::Witness(app::WitnessScreen {
            statement: ask.statement.to_owned(),
            name: ask.name.to_owned(),
            fingerprint: ask.fingerprint.to_owned(),
            number: ask.number,
            total: ask.total,
            problem: ask.problem.map(str::to_owned),
        }))? {
            Reply::Witness(answer) => Ok(Some(answer)),
            _ => Err(CeremonyError::Delivery("no witness answered".into())),
        }
    }

    fn card_failed(&mut self, number: usize, error: &str) -> CardDecision {
        match self.ask(Request::CardFailed {
            number,
            error: error.to_owned(),
        }) {
            Ok(Reply::Decision(d)) => d,
            _ => CardDecision::Skip,
        }
    }
}

/// Runs a genesis on a worker thread, reporting through `tx`, asking through `replies`.
/// Runs a ceremony flow on a worker thread, talking to the screen through
/// the bridge; the finished screen gets the outcome's public lines, the same
/// the batch commands print.
fn start_flow<R: Outcome>(
    tx: mpsc::Sender<EngineMsg>,
    replies: mpsc::Receiver<Reply>,
    flow: impl FnOnce(&mut Bridge) -> Result<R, CeremonyError> + Send + 'static,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut bridge = Bridge {
            tx: tx.clone(),
            replies,
        };
        let result = flow(&mut bridge)
            .map(|r| Summary {
                heading: r.heading().to_owned(),
                fingerprint: r.fingerprint().to_owned(),
                ceremony_id: r.ceremony_id().to_owned(),
                lines: r.lines(),
            })
            .map_err(|e| e.to_string());
        let _ = tx.send(EngineMsg::Finished(result));
    })
}

/// What pre-flight shows: the air-gap check, the cards, the mounted media.
fn scan() -> Scan {
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    let media = crate::media::mounted_media(&mounts);
    let sticks = crate::media::removable::list();
    // What the media page's picker offers: every mounted medium, labelled
    // where a stick's label is known, the boot stick left out.
    let choices = media
        .iter()
        .filter_map(|p| {
            let stick = sticks
                .iter()
                .find(|s| s.mounted_at.as_deref() == Some(p.as_path()));
            if stick.is_some_and(|s| s.is_boot()) {
                return None;
            }
            crate::media::describe(p, stick.map(|s| s.label.clone()))
        })
        .collect();
    // What the restore form's picker offers: backups and share files in
    // the ceremony directories right below each mounted medium (bounded: a
    // stick full of other things is not walked).
    let mut backups = Vec::new();
    let mut share_files = Vec::new();
    let mut failed = Vec::new();
    for m in &media {
        let dirs = std::fs::read_dir(m)
            .into_iter()
            .flatten()
            .flatten()
            .take(200);
        for d in dirs.map(|e| e.path()).filter(|p| p.is_dir()) {
            // What a ceremony that stopped left is named, never offered.
            if crate::media::is_failed_dir(&d) {
                failed.push(d);
                continue;
            }
            if d.join(crate::ceremony::layout::SECRET_KEY_FILE).is_file() {
                backups.push(d.clone());
            }
            let files = std::fs::read_dir(&d)
                .into_iter()
                .flatten()
                .flatten()
                .take(200);
            share_files.extend(files.map(|e| e.path()).filter(|f| {
                f.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    n.starts_with("share-") && (n.ends_with(".txt") || n.ends_with(".txt.age"))
                })
            }));
        }
    }
    // Newest first (ceremony directories are named by their time), each
    // described so that a superseded one is not taken for the newest.
    backups.sort_by(|a: &PathBuf, b: &PathBuf| b.file_name().cmp(&a.file_name()));
    let backups: Vec<(PathBuf, String)> = backups
        .into_iter()
        .map(|b| {
            let about = crate::ceremony::restore::describe_backup(&b);
            (b, about)
        })
        .collect();
    share_files.sort();
    // Which share set each backup and sheet belongs to, so that the
    // picker can set apart sheets of other keys (an .age file says
    // nothing until it is opened).
    let mut sets = std::collections::HashMap::new();
    for (b, _) in &backups {
        if let Ok(info) = crate::ceremony::restore::read_set_info(b) {
            sets.insert(b.clone(), info.set_id);
        }
    }
    for f in &share_files {
        let text = crate::media::read_bounded(f, "share sheet", crate::media::limits::SHARE)
            .ok()
            .and_then(|b| String::from_utf8(b).ok());
        if let Some(set) = text.as_deref().and_then(|t| {
            t.lines()
                .find_map(|l| l.trim().strip_prefix("Share set:"))
                .map(|v| v.trim().to_owned())
        }) {
            sets.insert(f.clone(), set);
        }
    }
    Scan {
        report: crate::airgap::check(Path::new("/"), std::time::SystemTime::now()),
        cards: openpgp_card::list_cards().map_err(|e| e.to_string()),
        media,
        sticks,
        choices,
        backups,
        share_files,
        sets,
        failed,
    }
}

/// Reads the share files the restore form names, and the backup's set info.
fn load_restore(
    backup: &Path,
    files: &[PathBuf],
    identity: Option<&Path>,
) -> Result<(SetInfo, Vec<Share>), String> {
    let set = restore::read_set_info(backup).map_err(|e| e.to_string())?;
    let identities: Vec<PathBuf> = identity.into_iter().map(Path::to_owned).collect();
    // The batch `restore` reads share files the same way; its messages name the file.
    let shares =
        crate::ceremony::restore::load_shares(files, &identities).map_err(|e| e.to_string())?;
    Ok((set, shares))
}

fn restored_summary(r: &Restored) -> Summary {
    let mut lines: Vec<String> = r
        .cert
        .userids()
        .map(|u| {
            format!(
                "User ID:    {}",
                String::from_utf8_lossy(u.userid().value())
            )
        })
        .collect();
    lines.extend(
        r.cert
            .keys()
            .subkeys()
            .map(|k| format!("Subkey:     {}", k.key().fingerprint().to_hex())),
    );
    lines.push(format!("Shares:     {:?} of set {}", r.indices, r.set_id));
    if let Some(k) = &r.cosign {
        lines.push(format!(
            "cosign key: public key SHA-256 {} (`keyceremony hsm provision` or `cosign key-file` put it back)",
            k.public().fingerprint()
        ));
    }
    Summary {
        heading: "Backup opened".into(),
        fingerprint: r.fingerprint.clone(),
        ceremony_id: String::new(),
        lines,
    }
}

/// The loop's own state beside the app: channels and the key a restore opened.
struct Workers {
    hardening: Hardening,
    tx: mpsc::Sender<EngineMsg>,
    reply_tx: Option<mpsc::Sender<Reply>>,
    unlock: Option<JoinHandle<Result<Restored, String>>>,
    restored: Option<Restored>,
}

impl Workers {
    /// What the transcript records of this run: the plan as the forms left
    /// it (its hash), and the process hardening.
    fn run_options(&self, app: &App) -> RunOptions {
        RunOptions {
            plan_sha256: Some(crate::media::sha256_hex(app.plan.to_toml().as_bytes())),
            hardening: Some(self.hardening.clone()),
            ..RunOptions::default()
        }
    }

    /// Runs a ceremony on a worker thread; the operator's answers to its
    /// questions reach it through the reply channel made here.
    fn start<R: Outcome>(
        &mut self,
        flow: impl FnOnce(&mut Bridge) -> Result<R, CeremonyError> + Send + 'static,
    ) {
        let (reply_tx, reply_rx) = mpsc::channel();
        self.reply_tx = Some(reply_tx);
        start_flow(self.tx.clone(), reply_rx, flow);
    }

    /// Starts the ceremony a flow's pages asked for: on its worker thread,
    /// or here for a history check (reading a few transcripts takes well
    /// under a second).
    fn start_ceremony(&mut self, app: &mut App, start: Start, key: Option<(PathBuf, Vec<Share>)>) {
        let (plan, opts) = (app.plan.clone(), self.run_options(app));
        let on_key = |key: Option<(PathBuf, Vec<Share>)>| {
            key.ok_or_else(|| {
                format!("{start:?} needs the backup and its shares: go back and give them")
            })
        };
        let needs_key = !matches!(
            start,
            Start::Genesis | Start::History { .. } | Start::Unlock
        );
        let (backup, shares) = match (needs_key, on_key(key)) {
            (false, _) => (PathBuf::new(), Vec::new()),
            (true, Ok(key)) => key,
            (true, Err(e)) => {
                app.update(Action::Engine(EngineMsg::Finished(Err(e))));
                return;
            }
        };
        match start {
            Start::Genesis => {
                self.start(move |ui| genesis::run(&plan, &opts, ui, &SystemClock, &mut PcscCards));
            }
            Start::Renew => {
                let now = SystemClock.now();
                let req = RenewRequest {
                    backup,
                    shares,
                    primary_until: now + plan.key.expiry.duration(),
                    subkeys_until: now + plan.subkeys.expiry.duration(),
                    card_pins: None,
                };
                self.start(move |ui| {
                    renew::run(&plan, &req, &opts, ui, &SystemClock, &mut PcscCards)
                });
            }
            Start::Subkey(change) => {
                // The operator chooses the cards' PINs on screen, as in a genesis.
                let req = SubkeyRequest {
                    backup,
                    shares,
                    change,
                    card_pins: None,
                };
                self.start(move |ui| {
                    subkey::run(&plan, &req, &opts, ui, &SystemClock, &mut PcscCards)
                });
            }
            Start::Certify {
                cert,
                certification,
            } => {
                let req = CertifyRequest {
                    backup,
                    shares,
                    cert,
                    certification,
                };
                self.start(move |ui| certify::run(&plan, &req, &opts, ui, &SystemClock));
            }
            Start::Reshare => {
                let req = ReshareRequest { backup, shares };
                self.start(move |ui| reshare::run(&plan, &req, &opts, ui, &SystemClock));
            }
            Start::Rotate {
                reason,
                transition_until,
            } => {
                let req = RotateRequest {
                    backup,
                    shares,
                    transition_until,
                    reason,
                };
                self.start(move |ui| {
                    rotate::run(&plan, &req, &opts, ui, &SystemClock, &mut PcscCards)
                });
            }
            Start::History { root, cert } => {
                let result = history::transcripts_on(&root)
                    .and_then(|files| history::verify(&files, cert.as_deref(), None))
                    .map(|c| Summary {
                        heading: "Transcripts checked".into(),
                        fingerprint: c
                            .transcripts
                            .first()
                            .map(|t| t.key.clone())
                            .unwrap_or_default(),
                        ceremony_id: root.display().to_string(),
                        lines: c.lines(),
                    })
                    .map_err(|e| e.to_string());
                app.update(Action::Engine(EngineMsg::Finished(result)));
            }
            // A restore opens its backup when its shares are in (Command::Unlock).
            Start::Unlock => {}
        }
    }

    /// Does what `update` asked; returns false to quit.
    fn execute(&mut self, app: &mut App, cmd: Command) -> bool {
        match cmd {
            Command::None => {}
            Command::Quit => return false,
            Command::LoadDraft => {
                let loaded = draft_path()
                    .ok_or_else(|| "no home directory for drafts".to_owned())
                    .and_then(|p| {
                        crate::media::read_bounded(&p, "draft", crate::media::limits::PLAN)
                            .map_err(|e| e.to_string())
                    })
                    .and_then(|b| String::from_utf8(b).map_err(|e| e.to_string()))
                    // As typed: the forms check each page when it is
                    // left, and a draft may stop anywhere.
                    .and_then(|t| app.load_draft(&t));
                app.draft_offer = None;
                app.draft_loaded = Some(match loaded {
                    Ok((taken, dropped)) => {
                        let mut t = match taken {
                            0 => "The draft held nothing the forms do not have already.".to_owned(),
                            1 => "The draft's 1 value is in the forms: choose the ceremony it is for."
                                .to_owned(),
                            n => format!(
                                "The draft's {n} values are in the forms: choose the ceremony they are for."
                            ),
                        };
                        if !dropped.is_empty() {
                            let shown: Vec<&str> =
                                dropped.iter().take(5).map(String::as_str).collect();
                            t.push_str(&format!(
                                " Not used ({}): {}{}",
                                dropped.len(),
                                shown.join("; "),
                                if dropped.len() > 5 { "; ..." } else { "" }
                            ));
                        }
                        t
                    }
                    Err(e) => format!(
                        "The draft cannot be used ({e}): the forms are as the plan given has them."
                    ),
                });
            }
            Command::Rescan => {
                app.update(Action::Scan(scan()));
            }
            Command::MountSticks => {
                let lines = crate::media::removable::mount_all();
                app.update(Action::MediaReport(lines));
                app.update(Action::Scan(scan()));
            }
            Command::PowerOff => {
                let done = crate::media::removable::unmount_all();
                let mut lines = done.lines;
                if done.still_mounted > 0 {
                    // Never switch off under a stick still being written.
                    lines.push(
                        "NOT powering off: a stick is still in use. Leave what uses it and press P again, or quit (q) and choose p in the menu, which ends every program first".into(),
                    );
                    app.update(Action::MediaReport(lines));
                    return true;
                }
                lines.push("powering off".into());
                app.update(Action::MediaReport(lines));
                // The live image's PID 1 writes everything out once more and
                // switches off; this process ends with the machine.
                if std::process::Command::new("poweroff").status().is_ok() {
                    return false;
                }
                app.update(Action::MediaReport(vec![
                    "poweroff failed: quit (q) and choose p in the menu".into(),
                ]));
            }
            Command::UnmountSticks => {
                let mut lines = crate::media::removable::unmount_all().lines;
                if lines.is_empty() {
                    lines.push(
                        "no stick is mounted under /media: any stick may be pulled out".into(),
                    );
                }
                app.update(Action::MediaReport(lines));
            }
            Command::ReadRecipients(typed) => {
                // Read where the field points; kept under the name typed,
                // which is what the page compares.
                let path = app.base.join(&typed);
                let read = crate::media::read_bounded(
                    &path,
                    "recipients file",
                    crate::media::limits::SHARE,
                )
                .map_err(|e| e.to_string())
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .and_then(|t| forms::parse_recipients(&t));
                let next = app.update(Action::Recipients(typed, read));
                return self.execute(app, next);
            }
            Command::CheckMedia => {
                let checked = crate::ceremony::session::check_media(&app.plan)
                    .map_err(|(field, e)| (field, e.to_string()));
                let next = app.update(Action::MediaChecked(checked));
                return self.execute(app, next);
            }
            Command::Start(start) => self.start_ceremony(app, start, None),
            Command::StartOnKey {
                start,
                backup,
                shares,
            } => self.start_ceremony(app, start, Some((backup, shares))),
            Command::Reply(r) => {
                if let Some(tx) = &self.reply_tx {
                    let _ = tx.send(r);
                }
            }
            Command::LoadRestore {
                backup,
                files,
                identity,
            } => {
                let loaded = load_restore(&backup, &files, identity.as_deref());
                let next = app.update(Action::RestoreLoaded(loaded));
                return self.execute(app, next);
            }
            Command::Unlock { backup, shares } => {
                self.unlock = Some(std::thread::spawn(move || {
                    restore::unlock(&backup, &shares, restore::Proof::Full)
                        .map_err(|e| e.to_string())
                }));
            }
            Command::ListCards => {
                app.update(Action::Cards(
                    openpgp_card::list_cards().map_err(|e| e.to_string()),
                ));
            }
            Command::ProvisionCard { ident, reset, pins } => {
                let Some(r) = &self.restored else {
                    return true;
                };
                let cert = r.cert.clone();
                let plan = app.plan.cards.clone();
                let tx = self.tx.clone();
                std::thread::spawn(move || {
                    let spec =
                        crate::ceremony::cards::provision_spec(&plan, reset.into_iter().collect());
                    let mut progress = |s: &str| {
                        let _ = tx.send(EngineMsg::Line(s.to_owned()));
                    };
                    let result =
                        openpgp_card::provision(&ident, &cert, &pins, &spec, &mut progress)
                            .map(|r| format!("{} {}", r.serial, r.proof))
                            .map_err(|e| e.to_string());
                    let _ = tx.send(EngineMsg::CardDone(result));
                });
            }
        }
        true
    }

    /// Collects a finished unlock: the key stays here, the app gets public facts.
    fn poll_unlock(&mut self, app: &mut App) {
        if !self.unlock.as_ref().is_some_and(JoinHandle::is_finished) {
            return;
        }
        let Some(job) = self.unlock.take() else {
            return;
        };
        let result = job
            .join()
            .unwrap_or_else(|_| Err("opening the backup failed unexpectedly".into()));
        let summary = result.map(|r| {
            let s = restored_summary(&r);
            self.restored = Some(r);
            s
        });
        app.update(Action::Engine(EngineMsg::Unlocked(summary)));
    }
}

/// How often pre-flight looks again without being asked.
const RESCAN: Duration = Duration::from_secs(3);

/// Where the forms' draft plan is kept between runs: the user's state
/// directory (on the live image, the RAM disk: it survives a closed
/// terminal, not a reboot).
fn draft_path() -> Option<PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(state.join("keyceremony").join("draft-forms.toml"))
}

/// Saves the draft the forms left, or removes it once a ceremony finished.
/// Best effort: a draft that cannot be written costs nothing but itself.
fn save_draft(app: &mut App) {
    let path = draft_path();
    if app.draft_done {
        app.draft_done = false;
        if let Some(path) = &path {
            let _ = std::fs::remove_file(path);
        }
    } else if let Some(text) = app.take_draft() {
        // Whether it was written is what the Ctrl-C question says: a
        // draft is "kept" only when it is on the disk.
        let written = match &path {
            None => Err("no state directory: HOME and XDG_STATE_HOME are unset".to_owned()),
            Some(path) => path
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .map_err(|e| e.to_string())
                .and_then(|()| {
                    crate::media::replace_file(path, text.as_bytes(), 0o600)
                        .map_err(|e| e.to_string())
                }),
        };
        app.draft_written(written);
    }
}

pub fn run(plan_path: Option<&Path>, hardening: &Hardening) -> Result<(), Failure> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let (plan, source, base) = match plan_path {
        Some(p) => {
            let base = p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .map(Path::to_owned)
                .unwrap_or_else(|| cwd.clone());
            (Plan::load(p)?, p.display().to_string(), base)
        }
        None => (
            Plan::from_toml(EXAMPLE_PLAN)?.without_placeholders(),
            "nothing: the example's choices, no identity or media yet".to_owned(),
            cwd,
        ),
    };
    let mut app = App::new(plan, source, base);
    app.live = std::env::var_os("KEYCEREMONY_LIVE").is_some();
    // Only a file is offered: a directory or a device in its place is no
    // draft (it would be offered, fail to load, and never be replaced).
    app.draft_offer = draft_path()
        .and_then(|p| std::fs::symlink_metadata(p).ok())
        .filter(std::fs::Metadata::is_file)
        .and_then(|m| m.modified().ok())
        .map(|t| humantime::format_rfc3339_seconds(t).to_string());
    let (tx, rx) = mpsc::channel();
    let mut workers = Workers {
        hardening: hardening.clone(),
        tx,
        reply_tx: None,
        unlock: None,
        restored: None,
    };
    size_unknown_terminal();
    // ratatui's init installs a panic hook that restores the terminal first;
    // no dump file is written (core dumps are off, see harden). Ours wipes
    // the screen before that: the Linux console has no alternate screen, so
    // whatever was drawn last (a passphrase, a share) would stay on display.
    let mut terminal = ratatui::try_init()
        .map_err(|e| Failure::new(Exit::Usage, format!("cannot use this terminal: {e}")))?;
    let restore_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        wipe_screen();
        restore_hook(info);
    }));
    // Without an alternate screen (the Linux console) the first frame is
    // drawn over whatever the shell left: cleared first, or old text shows
    // through every blank cell. (Written directly: ratatui's clear asks
    // the terminal where its cursor is, which a serial line may not answer.)
    wipe_screen();
    let mut last_scan = std::time::Instant::now();
    let result = (|| -> std::io::Result<()> {
        loop {
            // Pre-flight refreshes itself: a stick mounted or a cable pulled shows.
            if app.screen == app::Screen::Preflight && last_scan.elapsed() > RESCAN {
                app.update(Action::Scan(scan()));
                last_scan = std::time::Instant::now();
            }
            terminal.draw(|f| view::draw(&app, f))?;
            while let Ok(msg) = rx.try_recv() {
                app.update(Action::Engine(msg));
            }
            workers.poll_unlock(&mut app);
            // A ceremony that just finished takes its draft with it, even
            // if the next key quits.
            save_draft(&mut app);
            if app.clear_screen {
                app.clear_screen = false;
                terminal.clear()?;
            }
            if !event::poll(Duration::from_millis(100))? {
                continue;
            }
            let k = match event::read()? {
                TermEvent::Key(k) if k.kind == KeyEventKind::Press => k,
                // The next draw fits the new size; clearing drops stale cells.
                TermEvent::Resize(..) => {
                    terminal.clear()?;
                    continue;
                }
                _ => continue,
            };
            injected_panic(&app);
            let cmd = app.update(Action::Key(k));
            if app.clear_screen {
                app.clear_screen = false;
                terminal.clear()?;
            }
            if !workers.execute(&mut app, cmd) {
                return Ok(());
            }
            save_draft(&mut app);
        }
    })();
    wipe_screen();
    ratatui::restore();
    result.map_err(|e| Failure::new(Exit::Internal, format!("the terminal failed: {e}")))
}

/// The one fault the live image's test injects (docs/live-image.md): with
/// `KEYCEREMONY_FAULT=panic-on-passphrase`, the key pressed while the
/// passphrase is on screen panics, so that the test can see on the display
/// that the panic hook wiped the words. Nothing is lost by it that a panic
/// would not lose; whoever sets a process's environment can stop it anyway.
fn injected_panic(app: &App) {
    let shown = matches!(
        app.prompt,
        Some(app::Prompt::Passphrase { revealed: true, .. })
    );
    if shown && std::env::var_os("KEYCEREMONY_FAULT").is_some_and(|f| f == "panic-on-passphrase") {
        panic!("KEYCEREMONY_FAULT=panic-on-passphrase: a panic on the passphrase screen");
    }
}

/// Clears the display and its scrollback and homes the cursor: on the
/// Linux console (no alternate screen) nothing the TUI drew stays visible
/// after it ends, normally or by a panic.
fn wipe_screen() {
    use std::io::Write;
    let mut out = std::io::stdout();
    let _ = out.write_all(b"\x1b[H\x1b[2J\x1b[3J");
    let _ = out.flush();
}

/// A terminal that reports no size (a serial console: 0x0) gets 80x24,
/// the size every terminal has at least, instead of a blank screen.
fn size_unknown_terminal() {
    let out = std::io::stdout();
    if let Ok(w) = rustix::termios::tcgetwinsize(&out) {
        if w.ws_row == 0 || w.ws_col == 0 {
            let _ = rustix::termios::tcsetwinsize(
                &out,
                rustix::termios::Winsize {
                    ws_row: 24,
                    ws_col: 80,
                    ws_xpixel: 0,
                    ws_ypixel: 0,
                },
            );
        }
    }
}
