//! The TUI's state and its one transition function. No I/O here: `update`
//! takes an action and returns what the loop should do, so every transition
//! is tested by feeding actions, without a terminal.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::airgap::Report;
use crate::plan::Plan;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Welcome,
    Preflight,
    Review,
    Running,
    Done,
}

/// What the engine reports while a ceremony runs on its worker thread.
#[derive(Debug, Clone)]
pub enum EngineMsg {
    Step {
        number: usize,
        total: usize,
        title: String,
    },
    Line(String),
    Finished(Result<Summary, String>),
}

/// What the Done screen shows: public facts only.
#[derive(Debug, Clone)]
pub struct Summary {
    pub fingerprint: String,
    pub ceremony_id: String,
    pub lines: Vec<String>,
}

#[derive(Debug)]
pub enum Action {
    Key(KeyEvent),
    Engine(EngineMsg),
    Preflight(Report),
}

/// What the loop must do after an update.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    None,
    Rescan,
    StartGenesis,
    Quit,
}

pub struct App {
    pub screen: Screen,
    pub plan: Plan,
    pub plan_source: String,
    pub preflight: Option<Report>,
    pub help: bool,
    pub step: (usize, usize, String),
    pub log: Vec<String>,
    pub result: Option<Result<Summary, String>>,
}

impl App {
    pub fn new(plan: Plan, plan_source: String) -> App {
        App {
            screen: Screen::Welcome,
            plan,
            plan_source,
            preflight: None,
            help: false,
            step: (0, 0, String::new()),
            log: Vec::new(),
            result: None,
        }
    }

    /// Why the plan cannot run from this screen yet, if it cannot.
    pub fn blocker(&self) -> Option<String> {
        if let Err(e) = self.plan.validate() {
            return Some(e.to_string());
        }
        if self.plan.cards.count > 0 {
            return Some("this TUI does not provision cards yet: set cards.count = 0 and use `keyceremony card provision` after".into());
        }
        if self.plan.passphrase.deliver_to.is_some() {
            return Some("passphrase.deliver_to is for batch tests; the TUI hands the passphrase over only as shares".into());
        }
        let network_up = self.preflight.as_ref().is_some_and(Report::network_up);
        if network_up && !self.plan.airgap.allow_network {
            return Some("a network interface is up: unplug it and rescan (r)".into());
        }
        None
    }

    pub fn update(&mut self, action: Action) -> Command {
        match action {
            Action::Preflight(r) => {
                self.preflight = Some(r);
                Command::None
            }
            Action::Engine(m) => {
                match m {
                    EngineMsg::Step {
                        number,
                        total,
                        title,
                    } => self.step = (number, total, title),
                    EngineMsg::Line(l) => self.log.push(l),
                    EngineMsg::Finished(r) => {
                        self.result = Some(r);
                        self.screen = Screen::Done;
                    }
                }
                Command::None
            }
            Action::Key(k) => self.key(k),
        }
    }

    fn key(&mut self, k: KeyEvent) -> Command {
        if k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL) {
            // A running ceremony is not interrupted half-way from the keyboard.
            return if self.screen == Screen::Running {
                Command::None
            } else {
                Command::Quit
            };
        }
        if self.help {
            self.help = false;
            return Command::None;
        }
        if k.code == KeyCode::Char('?') {
            self.help = true;
            return Command::None;
        }
        match (self.screen, k.code) {
            (Screen::Welcome, KeyCode::Enter | KeyCode::Char('g')) => {
                self.screen = Screen::Preflight;
                Command::Rescan
            }
            (Screen::Welcome | Screen::Done, KeyCode::Char('q')) => Command::Quit,
            (Screen::Preflight, KeyCode::Char('r')) => Command::Rescan,
            (Screen::Preflight, KeyCode::Enter) => {
                self.screen = Screen::Review;
                Command::None
            }
            (Screen::Preflight, KeyCode::Esc) => {
                self.screen = Screen::Welcome;
                Command::None
            }
            (Screen::Review, KeyCode::Esc) => {
                self.screen = Screen::Preflight;
                Command::None
            }
            (Screen::Review, KeyCode::Char('y')) if self.blocker().is_none() => {
                self.screen = Screen::Running;
                self.log.clear();
                Command::StartGenesis
            }
            _ => Command::None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::EXAMPLE_PLAN;

    pub fn key(c: KeyCode) -> Action {
        Action::Key(KeyEvent::new(c, KeyModifiers::NONE))
    }

    fn app() -> App {
        let text = EXAMPLE_PLAN.replace("# allow_network = true", "allow_network = true");
        App::new(Plan::from_toml(&text).unwrap(), "example".into())
    }

    #[test]
    fn the_wizard_walks_forward_and_back() {
        let mut a = app();
        assert_eq!(a.update(key(KeyCode::Enter)), Command::Rescan);
        assert_eq!(a.screen, Screen::Preflight);
        assert_eq!(a.update(key(KeyCode::Char('r'))), Command::Rescan);
        a.update(key(KeyCode::Enter));
        assert_eq!(a.screen, Screen::Review);
        a.update(key(KeyCode::Esc));
        assert_eq!(a.screen, Screen::Preflight);
        a.update(key(KeyCode::Enter));
        assert_eq!(a.update(key(KeyCode::Char('y'))), Command::StartGenesis);
        assert_eq!(a.screen, Screen::Running);
        // No quitting out of a running ceremony.
        let ctrl_c = Action::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
        assert_eq!(a.update(ctrl_c), Command::None);
        a.update(Action::Engine(EngineMsg::Finished(Err("x".into()))));
        assert_eq!(a.screen, Screen::Done);
        assert_eq!(a.update(key(KeyCode::Char('q'))), Command::Quit);
    }

    #[test]
    fn help_opens_and_any_key_closes_it() {
        let mut a = app();
        a.update(key(KeyCode::Char('?')));
        assert!(a.help);
        a.update(key(KeyCode::Enter));
        assert!(!a.help);
        assert_eq!(a.screen, Screen::Welcome);
    }

    #[test]
    fn a_plan_with_cards_is_not_started_from_the_tui_yet() {
        let mut a = app();
        a.plan.cards.count = 1;
        a.plan.cards.pins_deliver_to = Some("x".into());
        a.screen = Screen::Review;
        assert_eq!(a.update(key(KeyCode::Char('y'))), Command::None);
        assert!(a.blocker().unwrap().contains("cards"));
    }
}
