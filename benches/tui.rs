//! Render time of the TUI's heaviest screens (a share with its QR code, the
//! summary with the fingerprint's QR code) on ratatui's TestBackend: what a
//! frame costs the loop, without the terminal's own drawing. Prints a table;
//! asserts nothing about time. Run: `cargo bench --bench tui`.
//! Time to the first frame of the real binary is `scripts/bench-tui`.

use std::time::Instant;

use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::Terminal;

use keyceremony::plan::{Plan, EXAMPLE_PLAN};
use keyceremony::shares::{sheet, split};
use keyceremony::tui::app::{Action, App, EngineMsg, Request, Screen, Summary};
use keyceremony::tui::view::draw;

fn app() -> App {
    App::new(
        Plan::from_toml(EXAMPLE_PLAN).expect("the example plan is valid"),
        "example".into(),
        "/tmp".into(),
    )
}

fn time(name: &str, app: &App, (w, h): (u16, u16)) {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("a test backend");
    let runs = 500;
    // One frame first, so the buffers are allocated as in the running loop.
    t.draw(|f| draw(app, f)).expect("draw");
    let start = Instant::now();
    for _ in 0..runs {
        // Clearing forces a full redraw rather than an empty diff.
        t.clear().expect("clear");
        t.draw(|f| draw(app, f)).expect("draw");
    }
    let per = start.elapsed() / runs;
    println!("| {name} | {w}x{h} | {:.1} us |", per.as_secs_f64() * 1e6);
}

fn main() {
    let set = split(&[7u8; 32], 3, 5).expect("split");
    let share = set.shares[0].clone();
    let mut share_screen = app();
    share_screen.screen = Screen::Running;
    share_screen.update(Action::Engine(EngineMsg::Ask(Request::Share {
        qr: sheet::qr_terminal(&share).expect("qr"),
        share,
        custodian: "Alice".into(),
    })));
    share_screen.update(Action::Key(KeyEvent::from(KeyCode::Char('y'))));
    let mut done = app();
    done.screen = Screen::Done;
    done.result = Some(Ok(Summary {
        heading: "Genesis complete".into(),
        fingerprint: "0123456789ABCDEF0123456789ABCDEF01234567".into(),
        ceremony_id: "ceremony-20261123T000000Z".into(),
        lines: (0..12)
            .map(|i| format!("Share: /media/shares/share-{i}"))
            .collect(),
    }));
    let mut review = app();
    review.screen = Screen::Review;
    println!("| screen | size | per frame |\n|---|---|---|");
    for size in [(80, 24), (120, 40)] {
        time("share (30 words, QR)", &share_screen, size);
        time("done (fingerprint QR)", &done, size);
        time("review", &review, size);
    }
}
