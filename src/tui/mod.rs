//! The terminal UI: a wizard over the same engine as the batch CLI.
//!
//! State and transitions are in `app` (no I/O), drawing in `view` (a pure
//! function of the state), and this module is the loop: terminal events,
//! engine messages from the worker thread that runs the ceremony, and ticks.
//! The engine reaches the screen only through `Bridge`, its `CeremonyUi`.
//! No key operation lives here.
//!
//! This first slice runs a genesis from a plan file (review, not edit) with no
//! cards; the remaining screens arrive with their issue (see docs/tui.md).

pub mod app;
mod view;

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use ratatui::crossterm::event::{self, Event as TermEvent, KeyEventKind};

use crate::ceremony::genesis::{self, RunOptions};
use crate::ceremony::{CeremonyError, CeremonyUi, Event, PcscCards, SystemClock};
use crate::commands::{Exit, Failure};
use crate::passphrase::Passphrase;
use crate::plan::{Plan, EXAMPLE_PLAN};
use crate::tokens::CardPins;
use app::{Action, App, Command, EngineMsg, Summary};

/// The engine's UI port for the TUI: events become messages to the loop.
pub struct Bridge {
    tx: mpsc::Sender<EngineMsg>,
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
        };
        let _ = self.tx.send(msg);
    }

    fn deliver_passphrase(&mut self, _: &Passphrase) -> Result<String, CeremonyError> {
        Err(CeremonyError::Delivery(
            "the TUI hands the passphrase over only as shares".into(),
        ))
    }

    fn deliver_card_pins(&mut self, _: &CardPins) -> Result<String, CeremonyError> {
        Err(CeremonyError::Delivery(
            "the TUI does not provision cards yet".into(),
        ))
    }
}

/// Runs a genesis on a worker thread, reporting through `tx`.
pub fn start_genesis(plan: Plan, tx: mpsc::Sender<EngineMsg>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut bridge = Bridge { tx: tx.clone() };
        let result = genesis::run(
            &plan,
            &RunOptions::default(),
            &mut bridge,
            &SystemClock,
            &mut PcscCards,
        )
        .map(|r| Summary {
            fingerprint: r.fingerprint.clone(),
            ceremony_id: r.ceremony_id.clone(),
            lines: r
                .backups
                .iter()
                .map(|b| format!("Backup:     {}", b.display()))
                .chain(Some(format!("Export:     {}", r.export.display())))
                .chain(
                    r.shares
                        .files
                        .iter()
                        .filter(|f| f.extension().is_some_and(|e| e == "txt"))
                        .map(|f| format!("Share:      {}", f.display())),
                )
                .collect(),
        })
        .map_err(|e| e.to_string());
        let _ = tx.send(EngineMsg::Finished(result));
    })
}

pub fn run(plan_path: Option<&Path>) -> Result<(), Failure> {
    let (plan, source) = match plan_path {
        Some(p) => (Plan::load(p)?, p.display().to_string()),
        None => (
            Plan::from_toml(EXAMPLE_PLAN)?,
            "the example plan (give --plan PLAN for yours)".to_owned(),
        ),
    };
    let mut app = App::new(plan, source);
    let (tx, rx) = mpsc::channel();
    // ratatui's init installs a panic hook that restores the terminal first;
    // no dump file is written (core dumps are off, see harden).
    let mut terminal = ratatui::try_init()
        .map_err(|e| Failure::new(Exit::Usage, format!("cannot use this terminal: {e}")))?;
    let result = (|| -> std::io::Result<()> {
        loop {
            terminal.draw(|f| view::draw(&app, f))?;
            while let Ok(msg) = rx.try_recv() {
                app.update(Action::Engine(msg));
            }
            if !event::poll(Duration::from_millis(100))? {
                continue;
            }
            let TermEvent::Key(k) = event::read()? else {
                continue;
            };
            if k.kind != KeyEventKind::Press {
                continue;
            }
            match app.update(Action::Key(k)) {
                Command::Quit => return Ok(()),
                Command::Rescan => {
                    let report = crate::airgap::check(Path::new("/"), std::time::SystemTime::now());
                    app.update(Action::Preflight(report));
                }
                Command::StartGenesis => {
                    start_genesis(app.plan.clone(), tx.clone());
                }
                Command::None => {}
            }
        }
    })();
    ratatui::restore();
    result.map_err(|e| Failure::new(Exit::Internal, format!("the terminal failed: {e}")))
}
