//! Drawing: a pure function of the state. ASCII borders and the 16 base colours
//! only, so a plain Linux console (no Unicode box font, no 256 colours) shows it.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Gauge, Paragraph, Wrap};
use ratatui::Frame;

use super::app::{App, Screen};
use crate::airgap::Severity;

/// ASCII borders: every console font has them.
const ASCII: ratatui::symbols::border::Set<'static> = ratatui::symbols::border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

fn boxed() -> Block<'static> {
    Block::new().borders(Borders::ALL).border_set(ASCII)
}

/// Purpose and keys of each screen: the top and bottom lines, always visible.
fn header(screen: Screen) -> (&'static str, &'static str) {
    match screen {
        Screen::Welcome => (
            "Welcome: run a key ceremony",
            "Enter/g genesis   ? help   q quit",
        ),
        Screen::Preflight => (
            "Pre-flight: is this machine air-gapped?",
            "Enter continue   r rescan   Esc back   ? help",
        ),
        Screen::Review => (
            "Review the plan before any key exists",
            "y start the ceremony   Esc back   ? help",
        ),
        Screen::Running => (
            "Ceremony in progress: do not remove any medium",
            "please wait   ? help",
        ),
        Screen::Done => ("Ceremony finished", "q quit   ? help"),
    }
}

fn help_text(screen: Screen) -> &'static str {
    match screen {
        Screen::Welcome => "Genesis makes a certify-only primary key with its subkeys, writes encrypted backups to every backup medium, splits the passphrase into shares for the custodians, proves the backups open from shares read back from the media, and exports the public cert. Restore is `keyceremony restore` for now.",
        Screen::Preflight => "Every finding of the air-gap check. A network interface that is up stops the ceremony unless the plan allows it for a rehearsal. Fix what you can and press r to check again.",
        Screen::Review => "This is what the ceremony will do, from the plan. Edit the plan file to change it (`keyceremony plan check PLAN` explains every field). Nothing is written before you press y.",
        Screen::Running => "The engine runs the same steps as `keyceremony genesis`. Each file is written, synced and read back; every backup is opened with shares read back from their media before the export.",
        Screen::Done => "Hand each custodian their share sheet, one at a time. The transcript on the export medium is signed; check it online with `keyceremony transcript verify`.",
    }
}

pub fn draw(app: &App, f: &mut Frame<'_>) {
    let [top, body, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(f.area());
    let (purpose, keys) = header(app.screen);
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(
                " keyceremony ",
                Style::new().fg(Color::Black).bg(Color::Cyan),
            ),
            Span::raw(" "),
            Span::styled(purpose, Style::new().add_modifier(Modifier::BOLD)),
        ])),
        top,
    );
    f.render_widget(
        Paragraph::new(keys).style(Style::new().fg(Color::Yellow)),
        bottom,
    );
    let block = boxed();
    let inner = block.inner(body);
    f.render_widget(block, body);
    match app.screen {
        Screen::Welcome => welcome(app, f, inner),
        Screen::Preflight => preflight(app, f, inner),
        Screen::Review => review(app, f, inner),
        Screen::Running => running(app, f, inner),
        Screen::Done => done(app, f, inner),
    }
    if app.help {
        let area = centered(body, 70, 60);
        f.render_widget(Clear, area);
        f.render_widget(
            Paragraph::new(help_text(app.screen))
                .wrap(Wrap { trim: true })
                .block(boxed().title(" help: any key closes ")),
            area,
        );
    }
}

fn centered(r: Rect, pct_x: u16, pct_y: u16) -> Rect {
    let w = r.width * pct_x / 100;
    let h = r.height * pct_y / 100;
    Rect::new(r.x + (r.width - w) / 2, r.y + (r.height - h) / 2, w, h)
}

fn welcome(app: &App, f: &mut Frame<'_>, area: Rect) {
    let lines = vec![
        Line::from(format!("keyceremony {}", env!("CARGO_PKG_VERSION"))),
        Line::from(""),
        Line::from("Press Enter to run a genesis ceremony with the plan:"),
        Line::from(format!("  {}", app.plan_source)),
        Line::from(""),
        Line::from("To restore from shares, quit and run `keyceremony restore`."),
    ];
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

fn preflight(app: &App, f: &mut Frame<'_>, area: Rect) {
    let Some(report) = &app.preflight else {
        f.render_widget(Paragraph::new("checking..."), area);
        return;
    };
    let lines: Vec<Line<'_>> = report
        .findings
        .iter()
        .map(|x| {
            let (tag, colour) = match x.severity {
                Severity::Critical => ("CRIT", Color::Red),
                Severity::Warning => ("warn", Color::Yellow),
                Severity::Info => (" ok ", Color::Green),
            };
            Line::from(vec![
                Span::styled(format!("[{tag}] "), Style::new().fg(colour)),
                Span::raw(format!("{}: {}", x.check, x.message)),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}

fn review(app: &App, f: &mut Frame<'_>, area: Rect) {
    let p = &app.plan;
    let mut subkeys = vec!["signing"];
    if p.subkeys.encryption {
        subkeys.push("encryption");
    }
    if p.subkeys.authentication {
        subkeys.push("authentication");
    }
    let mut lines = vec![
        Line::from(format!("User IDs:   {}", p.key.user_ids.join(", "))),
        Line::from(format!(
            "Primary:    {} certify-only, valid {}",
            p.key.profile, p.key.expiry
        )),
        Line::from(format!(
            "Subkeys:    {}, valid {}",
            subkeys.join(", "),
            p.subkeys.expiry
        )),
        Line::from(format!(
            "Passphrase: {} words, split {} of {}",
            p.passphrase.words, p.shares.threshold, p.shares.count
        )),
        Line::from(format!("Shares to:  {}", p.shares.output.display())),
    ];
    for b in &p.media.backup {
        lines.push(Line::from(format!("Backup:     {}", b.display())));
    }
    lines.push(Line::from(format!(
        "Export:     {}",
        p.media.export.display()
    )));
    lines.push(Line::from(""));
    match app.blocker() {
        Some(why) => lines.push(Line::styled(
            format!("Cannot start: {why}"),
            Style::new().fg(Color::Red),
        )),
        None => lines.push(Line::styled(
            "Press y to start.",
            Style::new().fg(Color::Green),
        )),
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}

fn running(app: &App, f: &mut Frame<'_>, area: Rect) {
    let [gauge, log] = Layout::vertical([Constraint::Length(3), Constraint::Min(1)]).areas(area);
    let (n, total, title) = &app.step;
    let ratio = if *total == 0 {
        0.0
    } else {
        *n as f64 / *total as f64
    };
    f.render_widget(
        Gauge::default()
            .block(boxed().title(format!(" step {n} of {total} ")))
            .gauge_style(Style::new().fg(Color::Cyan))
            .ratio(ratio.clamp(0.0, 1.0))
            .label(title.as_str()),
        gauge,
    );
    let height = log.height as usize;
    let start = app.log.len().saturating_sub(height);
    let lines: Vec<Line<'_>> = app.log[start..]
        .iter()
        .map(|l| Line::from(l.as_str()))
        .collect();
    f.render_widget(Paragraph::new(lines), log);
}

fn done(app: &App, f: &mut Frame<'_>, area: Rect) {
    let lines: Vec<Line<'_>> = match &app.result {
        Some(Ok(s)) => {
            let mut v = vec![
                Line::styled(
                    format!("Genesis complete: {}", s.ceremony_id),
                    Style::new().fg(Color::Green),
                ),
                Line::from(format!("Primary fingerprint: {}", s.fingerprint)),
                Line::from(""),
            ];
            v.extend(s.lines.iter().map(|l| Line::from(l.as_str())));
            v
        }
        Some(Err(e)) => vec![
            Line::styled("The ceremony failed.", Style::new().fg(Color::Red)),
            Line::from(e.as_str()),
        ],
        None => vec![Line::from("")],
    };
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Plan, EXAMPLE_PLAN};
    use crate::tui::app::{EngineMsg, Summary};
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    fn render(app: &App, w: u16, h: u16) -> String {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| draw(app, f)).unwrap();
        let buf = t.backend().buffer().clone();
        (0..h)
            .map(|y| {
                (0..w)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn app(screen: Screen) -> App {
        let text = EXAMPLE_PLAN.replace("# allow_network = true", "allow_network = true");
        let mut a = App::new(Plan::from_toml(&text).unwrap(), "plan.toml".into());
        a.screen = screen;
        a.preflight = Some(crate::airgap::check(
            std::path::Path::new("/nonexistent"),
            std::time::SystemTime::now(),
        ));
        a
    }

    #[test]
    fn every_screen_shows_its_purpose_and_keys_at_80x24_and_120x40() {
        for screen in [
            Screen::Welcome,
            Screen::Preflight,
            Screen::Review,
            Screen::Running,
            Screen::Done,
        ] {
            let (purpose, keys) = header(screen);
            for (w, h) in [(80, 24), (120, 40)] {
                let out = render(&app(screen), w, h);
                assert!(
                    out.lines().next().unwrap().contains(purpose),
                    "{screen:?} {w}x{h}:\n{out}"
                );
                assert!(
                    out.lines().last().unwrap().contains(keys),
                    "{screen:?} {w}x{h}:\n{out}"
                );
                assert!(
                    out.is_ascii() || out.chars().all(|c| c.is_ascii() || "█▌▏▎▍▋▊▉".contains(c)),
                    "{out}"
                );
            }
        }
    }

    #[test]
    fn the_review_screen_shows_the_plan_and_whether_it_can_start() {
        let out = render(&app(Screen::Review), 80, 24);
        assert!(out.contains("Example Release Signing"), "{out}");
        assert!(out.contains("split 3 of 5"), "{out}");
        assert!(out.contains("Press y to start."), "{out}");
    }

    #[test]
    fn running_shows_the_step_and_done_shows_the_fingerprint() {
        let mut a = app(Screen::Running);
        a.update(super::super::app::Action::Engine(EngineMsg::Step {
            number: 3,
            total: 9,
            title: "Generating".into(),
        }));
        a.update(super::super::app::Action::Engine(EngineMsg::Line(
            "wrote x".into(),
        )));
        let out = render(&a, 80, 24);
        assert!(
            out.contains("step 3 of 9") && out.contains("Generating") && out.contains("wrote x"),
            "{out}"
        );
        a.update(super::super::app::Action::Engine(EngineMsg::Finished(Ok(
            Summary {
                fingerprint: "ABCD".into(),
                ceremony_id: "ceremony-1".into(),
                lines: vec!["Backup: /b".into()],
            },
        ))));
        let out = render(&a, 120, 40);
        assert!(
            out.contains("Primary fingerprint: ABCD") && out.contains("Backup: /b"),
            "{out}"
        );
    }

    #[test]
    fn help_is_drawn_over_the_screen() {
        let mut a = app(Screen::Preflight);
        a.help = true;
        let out = render(&a, 80, 24);
        assert!(out.contains("help: any key closes"), "{out}");
    }
}
