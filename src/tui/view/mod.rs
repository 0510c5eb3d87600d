//! Drawing: a pure function of the state. ASCII borders and the 16 base colours
//! only, so a plain Linux console (no Unicode box font, no 256 colours) shows
//! it; the one exception is the QR code, drawn with the half blocks that the
//! console's default font (CP437's) has. Every screen fits 80x24.

mod form;
mod restore;
mod secrets;
#[cfg(test)]
mod tests;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Gauge, Paragraph, Wrap};
use ratatui::Frame;

use super::app::{App, Flow, Screen};
use super::forms::Page;
use super::text;
use crate::airgap::Severity;
use crate::ceremony::CardState;

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

fn problem_style() -> Style {
    Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
}

fn good_style() -> Style {
    Style::new().fg(Color::Green)
}

/// A fingerprint as gpg prints it, to compare by eye: ten groups of four,
/// two spaces in the middle.
pub fn grouped(fpr: &str) -> String {
    let groups: Vec<String> = fpr
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    if groups.len() != 10 {
        return fpr.to_owned();
    }
    format!("{}  {}", groups[..5].join(" "), groups[5..].join(" "))
}

/// The smallest terminal every screen fits: the passphrase's words, the
/// forms and the keys line are laid out for it.
pub const MIN_SIZE: (u16, u16) = (80, 24);

pub fn draw(app: &App, f: &mut Frame<'_>) {
    let area = f.area();
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        // Cut-off words on a secret screen are worse than no screen.
        f.render_widget(
            Paragraph::new(format!(
                "This terminal is {}x{}; keyceremony needs at least {}x{}. Enlarge the window or use a smaller font: nothing is lost meanwhile.",
                area.width, area.height, MIN_SIZE.0, MIN_SIZE.1
            ))
            .wrap(Wrap { trim: true })
            .style(problem_style()),
            area,
        );
        return;
    }
    let [top, body, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(f.area());
    let (purpose, keys) = text::header(app);
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
        Screen::Form(_) => form::draw(app, f, inner),
        // A rotation's new key is reviewed as a genesis's.
        Screen::Review if app.flow.on_existing_key() && app.flow != Flow::Rotate => {
            renew_review(app, f, inner)
        }
        Screen::Review => review(app, f, inner),
        Screen::Running => match &app.prompt {
            Some(p) => secrets::draw(p, f, inner),
            None => running(app, f, inner),
        },
        Screen::Done => done(app, f, inner),
        Screen::RestoreShares | Screen::Unlocking | Screen::Restored | Screen::RestoreCard => {
            restore::draw(app, f, inner)
        }
    }
    if let Some(p) = &app.picker {
        picker(app, p.selected, f, body);
    }
    if let Some(c) = &app.confirm {
        popup(f, body, " confirm ", &c.text, Color::Red);
    }
    if app.help {
        help(app, f, body);
    }
}

/// The mounted media, one a line: path, label, free of total, device.
fn picker(app: &App, selected: usize, f: &mut Frame<'_>, body: Rect) {
    // A small screen gives the list nearly all of itself.
    let area = centered(body, 90, if body.height < 30 { 90 } else { 60 });
    f.render_widget(Clear, area);
    // An entry may take more than one line (a backup: its path, then what
    // tells it apart); the marker goes on its first, and the list scrolls
    // to keep the whole selected entry in sight (at 80x24 three backups
    // fit, and Enter took one the operator could not see).
    let inner_w = usize::from(area.width.saturating_sub(2)).max(1);
    let mut lines: Vec<Line<'_>> = Vec::new();
    let mut rows = 0usize;
    let (mut sel_top, mut sel_bottom) = (0usize, 0usize);
    for (i, (text, _)) in app.picker_items().into_iter().enumerate() {
        let style = if i == selected {
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        };
        if i == selected {
            sel_top = rows;
        }
        for (j, l) in text.lines().enumerate() {
            let mark = match (j, i == selected) {
                (0, true) => "> ",
                _ => "  ",
            };
            let shown = format!("{mark}{l}");
            rows += shown.chars().count().div_ceil(inner_w).max(1);
            lines.push(Line::styled(shown, style));
        }
        if i == selected {
            sel_bottom = rows;
        }
    }
    let height = usize::from(area.height.saturating_sub(2)).max(1);
    let scroll = if sel_bottom > height {
        (sel_bottom - height).min(sel_top)
    } else {
        0
    };
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0))
            .block(boxed().title(if app.screen == Screen::Form(Page::Media) {
                " pick: b backup, e export, s sheets, Enter this field, r rescan, Esc "
            } else {
                " pick: Enter takes it, r rescans, Esc closes "
            })),
        area,
    );
}

fn popup(f: &mut Frame<'_>, body: Rect, title: &str, text: &str, colour: Color) {
    let area = centered(body, 70, 60);
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(text.to_owned())
            .style(Style::new().fg(colour))
            .wrap(Wrap { trim: true })
            .block(boxed().title(title.to_owned())),
        area,
    );
}

/// The help: as large as the screen allows at small sizes, scrolled by the
/// arrows and page keys, saying when more is below.
fn help(app: &App, f: &mut Frame<'_>, body: Rect) {
    let text = text::help_text(app);
    let (pct_x, pct_y) = if body.width < 100 || body.height < 30 {
        (100, 100)
    } else {
        (80, 80)
    };
    let area = centered(body, pct_x, pct_y);
    let inner_w = area.width.saturating_sub(2).max(1) as usize;
    let inner_h = area.height.saturating_sub(2) as usize;
    // Lines as the paragraph wraps them (by width; near enough for scrolling).
    let total: usize = text
        .lines()
        .map(|l| l.chars().count().div_ceil(inner_w).max(1))
        .sum();
    let last = total.saturating_sub(inner_h);
    let scroll = (app.help_scroll as usize).min(last);
    let title = if last == 0 {
        " help: any key closes ".to_owned()
    } else if scroll < last {
        format!(
            " help ({}%): Down/PgDn for more, Up/PgUp back, any other key closes ",
            (scroll * 100) / last
        )
    } else {
        " help (end): Up/PgUp back, any other key closes ".to_owned()
    };
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .scroll((scroll as u16, 0))
            .block(boxed().title(title)),
        area,
    );
}

fn centered(r: Rect, pct_x: u16, pct_y: u16) -> Rect {
    let w = (r.width * pct_x / 100).max(20).min(r.width);
    let h = (r.height * pct_y / 100).max(8).min(r.height);
    Rect::new(r.x + (r.width - w) / 2, r.y + (r.height - h) / 2, w, h)
}

fn welcome(app: &App, f: &mut Frame<'_>, area: Rect) {
    let mut lines = vec![
        Line::from(format!(
            "keyceremony {} (build {})",
            env!("CARGO_PKG_VERSION"),
            crate::build_id()
        )),
        Line::from(""),
    ];
    lines.extend(
        text::ceremonies()
            .into_iter()
            .map(|(k, what)| Line::from(format!("  {k}  {what}"))),
    );
    if let Some(when) = &app.draft_offer {
        lines.push(Line::from(""));
        lines.push(Line::styled(
            format!("  d  Continue the forms as an earlier run left them ({when})"),
            Style::new().fg(Color::Yellow),
        ));
    }
    if let Some(loaded) = &app.draft_loaded {
        lines.push(Line::from(""));
        lines.push(Line::styled(
            format!("  {loaded}"),
            Style::new().fg(Color::Yellow),
        ));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

fn preflight(app: &App, f: &mut Frame<'_>, area: Rect) {
    let Some(scan) = &app.scan else {
        f.render_widget(Paragraph::new("checking..."), area);
        return;
    };
    // The verdict first, where a short screen cannot cut it off.
    let mut lines: Vec<Line<'_>> = Vec::new();
    if scan.report.network_up() && !app.plan.airgap.allow_network {
        lines.push(Line::styled(
            "A network interface is up: no ceremony will start until it is down.",
            problem_style(),
        ));
    }
    lines.extend(scan.report.findings.iter().map(|x| {
        let (tag, colour) = match x.severity {
            Severity::Critical => ("CRIT", Color::Red),
            Severity::Warning => ("warn", Color::Yellow),
            Severity::Info => (" ok ", Color::Green),
        };
        Line::from(vec![
            Span::styled(format!("[{tag}] "), Style::new().fg(colour)),
            Span::raw(format!("{}: {}", x.check, x.message)),
        ])
    }));
    match &scan.cards {
        Ok(cards) if cards.is_empty() => {
            lines.push(Line::from("[card] no OpenPGP card in a reader"))
        }
        Ok(cards) => lines.extend(cards.iter().map(|c| {
            Line::from(format!(
                "[card] {} {} in {}{}",
                c.manufacturer,
                c.serial,
                c.reader,
                if c.is_empty() {
                    ", empty"
                } else {
                    ", holds keys"
                }
            ))
        })),
        Err(e) => lines.push(Line::from(format!("[card] {e}"))),
    }
    if scan.media.is_empty() {
        lines.push(Line::from(
            "[media] no mounted removable medium found under /media, /run/media or /mnt",
        ));
    }
    for m in &scan.media {
        lines.push(Line::from(format!("[media] {}", m.display())));
    }
    for d in &scan.failed {
        lines.push(Line::from(vec![
            Span::styled("[failed] ", Style::new().fg(Color::Yellow)),
            Span::raw(format!(
                "{}: what a ceremony that stopped left; destroy it (it may hold a key or shares)",
                crate::text::printable(&d.display().to_string())
            )),
        ]));
    }
    for s in scan.sticks.iter().filter(|s| !s.is_boot()) {
        lines.push(Line::from(match &s.mounted_at {
            Some(at) => format!("[stick] {} at {}", s.label, at.display()),
            None => format!(
                "[stick] {} not mounted: m mounts it at {}",
                s.label,
                crate::media::removable::mount_point_for(&s.label).display()
            ),
        }));
    }
    for l in &app.media_report {
        lines.push(Line::from(format!("        {l}")));
    }
    // Scrolled no further than its last line.
    let last = (lines.len() as u16).saturating_sub(1);
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .scroll((app.scroll.min(last), 0)),
        area,
    );
}

/// A validity as the date it gives from now (" (until 2028-12-06)").
fn until(e: &dyn std::fmt::Display) -> String {
    crate::tui::flows::until(e, std::time::SystemTime::now())
}

/// What a renew will do: which backup (whose key, as the picker described
/// it), how many shares, the new expiry times from now and as dates, the
/// overrides, and where the renewed key goes.
fn renew_review(app: &App, f: &mut Frame<'_>, area: Rect) {
    let p = &app.plan;
    let mut lines = vec![Line::from(format!(
        "Key from:   {}",
        app.restore_backup.display()
    ))];
    if let Some(about) = app.scan.as_ref().and_then(|s| {
        s.backups
            .iter()
            .find(|(b, _)| *b == app.restore_backup)
            .map(|(_, about)| about.clone())
    }) {
        lines.push(Line::from(format!("Key:        {about}")));
    }
    lines.push(Line::from(format!(
        "Shares:     {} given",
        app.renew_share_count()
    )));
    // What the flow does, in its own words; a page found wrong since it
    // was left says so here (and y takes the operator back to it).
    match app.flow.spec().review(&app.ctx()) {
        Ok(own) => lines.extend(own.into_iter().map(Line::from)),
        Err((_, _, why)) => lines.push(Line::styled(why, Style::new().fg(Color::Red))),
    }
    lines.extend([
        Line::from(format!("Operator:   {}", p.ceremony.operator)),
        Line::from(format!("Witnesses:  {}", p.ceremony.witnesses.join(", "))),
    ]);
    for b in &p.media.backup {
        lines.push(Line::from(format!("Backup:     {}", b.display())));
    }
    lines.push(Line::from(format!(
        "Export:     {}",
        p.media.export.display()
    )));
    if p.airgap.allow_network {
        lines.push(Line::styled(
            "Network:    allowed (a rehearsal only; the transcript records it)",
            Style::new().fg(Color::Yellow),
        ));
    }
    lines.push(Line::from(""));
    match app.blocker() {
        Some(b) => lines.push(Line::styled(
            format!("Cannot start: {b}"),
            Style::new().fg(Color::Red),
        )),
        None => lines.push(Line::from(
            "The backup is proven and opened first; nothing is written if a share is wrong. Press y to start.",
        )),
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
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
    let custodians = if p.shares.custodians.is_empty() {
        "numbered only".to_owned()
    } else {
        p.shares
            .custodians
            .iter()
            .map(|c| {
                let age = if c.age_recipient.is_some() {
                    " (age)"
                } else {
                    ""
                };
                format!("{}{age}", c.name)
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut lines = Vec::new();
    // A rotation reviews its new key as a genesis does, after the old key
    // it opens and what it says about it.
    if app.flow.on_existing_key() {
        lines.push(Line::from(format!(
            "Old key:    from {}, {} given",
            app.restore_backup.display(),
            crate::text::count(app.renew_share_count(), "share", "shares")
        )));
        match app.flow.spec().review(&app.ctx()) {
            Ok(own) => lines.extend(own.into_iter().map(Line::from)),
            Err((_, _, why)) => lines.push(Line::styled(why, Style::new().fg(Color::Red))),
        }
    }

    lines.extend([
        Line::from(format!("User IDs:   {}", p.key.user_ids.join(", "))),
        Line::from(format!(
            "Primary:    {} certify-only, valid {}{}",
            p.key.profile,
            p.key.expiry,
            until(&p.key.expiry)
        )),
        Line::from(format!(
            "Subkeys:    {}, valid {}{}",
            subkeys.join(", "),
            p.subkeys.expiry,
            until(&p.subkeys.expiry)
        )),
        Line::from(format!(
            "Passphrase: {} words, split {} of {}",
            p.passphrase.words, p.shares.threshold, p.shares.count
        )),
        Line::from(format!("Custodians: {custodians}")),
        Line::from(format!("Shares to:  {}", p.shares.output.display())),
    ]);
    for b in &p.media.backup {
        lines.push(Line::from(format!("Backup:     {}", b.display())));
    }
    lines.push(Line::from(format!(
        "Export:     {}",
        p.media.export.display()
    )));
    lines.push(Line::from(format!(
        "Cards:      {}{}",
        p.cards_text(),
        if p.cards.reset.is_empty() {
            String::new()
        } else {
            format!(", reset {}", p.cards.reset.join(", "))
        }
    )));
    if let Some(c) = &p.cards.cardholder {
        lines.push(Line::from(format!("Cardholder: {c}")));
    }
    if let Some(u) = &p.cards.url {
        lines.push(Line::from(format!("Cert URL:   {u}")));
    }
    if let Some(c) = p.cosign.describe() {
        lines.push(Line::from(format!("cosign:     {c}")));
    }
    // Overrides are for rehearsals: say so where they cannot be missed.
    if p.airgap.allow_network {
        lines.push(Line::styled(
            "Network:    allowed (a rehearsal only; the transcript records it)",
            Style::new().fg(Color::Yellow),
        ));
    }
    if p.media.allow_same_device {
        lines.push(Line::styled(
            "Backups:    may share one disk (a rehearsal only; the transcript records it)",
            Style::new().fg(Color::Yellow),
        ));
    }
    lines.push(Line::from(""));
    match app.blocker() {
        Some(why) => lines.push(Line::styled(
            format!("Cannot start: {why}"),
            problem_style(),
        )),
        None => lines.push(Line::styled("Press y to start.", good_style())),
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}

fn running(app: &App, f: &mut Frame<'_>, area: Rect) {
    // The card panel takes what it needs but leaves the log a few lines.
    let panel = if app.cards.is_empty() {
        0
    } else {
        (app.cards.len() as u16 + 2).min(area.height.saturating_sub(8))
    };
    let [gauge, cards, log] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(panel),
        Constraint::Min(1),
    ])
    .areas(area);
    progress(app, f, gauge);
    if panel > 0 {
        card_panel(app, f, cards);
    }
    log_tail(app, f, log);
}

/// One line per planned card: where it stands, coloured by outcome.
fn card_panel(app: &App, f: &mut Frame<'_>, area: Rect) {
    let lines: Vec<Line<'_>> = app
        .cards
        .iter()
        .map(|(n, total, state)| {
            let (text, colour) = match state {
                CardState::Waiting { .. } => ("insert it now".to_owned(), Color::Yellow),
                CardState::Found { serial, .. } => (format!("{serial}: found"), Color::Reset),
                CardState::Step { serial, step } => (format!("{serial}: {step}"), Color::Cyan),
                CardState::Proven { serial, proof } => {
                    (format!("{serial}: done, {proof}"), Color::Green)
                }
                CardState::Failed(e) => (e.clone(), Color::Red),
            };
            Line::from(vec![
                Span::raw(format!("card {n} of {total}  ")),
                Span::styled(text, Style::new().fg(colour)),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines).block(boxed().title(" cards ")), area);
}

fn progress(app: &App, f: &mut Frame<'_>, area: Rect) {
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
        area,
    );
}

/// The last lines of the engine's log that fit, or earlier ones as far as
/// PgUp took it back (a line says so, and End returns to the newest).
fn log_tail(app: &App, f: &mut Frame<'_>, area: Rect) {
    let back = app.log_back.min(app.log.len());
    let height = area.height as usize - usize::from(back > 0 && area.height > 1);
    let end = app.log.len() - back;
    let start = end.saturating_sub(height);
    let mut lines: Vec<Line<'_>> = app.log[start..end]
        .iter()
        .map(|l| {
            if l.starts_with("warning:") {
                Line::styled(l.as_str(), Style::new().fg(Color::Yellow))
            } else {
                Line::from(l.as_str())
            }
        })
        .collect();
    if back > 0 {
        lines.push(Line::styled(
            format!("({back} newer lines below: PgDn, End)"),
            Style::new().fg(Color::Cyan),
        ));
    }
    f.render_widget(Paragraph::new(lines), area);
}

/// A QR code of public text (a fingerprint), if it fits in `area`.
fn qr_lines(text: &str, area: Rect) -> Option<Vec<String>> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let drawn = code
        .render::<qrcode::render::unicode::Dense1x2>()
        .dark_color(qrcode::render::unicode::Dense1x2::Light)
        .light_color(qrcode::render::unicode::Dense1x2::Dark)
        .build();
    fits(&drawn, area)
}

/// The lines of a drawn QR code if the area holds all of them.
fn fits(drawn: &str, area: Rect) -> Option<Vec<String>> {
    let lines: Vec<String> = drawn.lines().map(str::to_owned).collect();
    let width = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    (lines.len() <= area.height as usize && width <= area.width as usize).then_some(lines)
}

fn done(app: &App, f: &mut Frame<'_>, area: Rect) {
    let lines: Vec<Line<'_>> = match &app.result {
        Some(Ok(s)) => {
            let mut v = vec![
                Line::styled(format!("{}: {}", s.heading, s.ceremony_id), good_style()),
                Line::from(format!("Primary fingerprint: {}", grouped(&s.fingerprint))),
                Line::from(""),
            ];
            v.extend(s.lines.iter().map(|l| Line::from(l.as_str())));
            if !app.media_report.is_empty() {
                v.push(Line::from(""));
                v.extend(
                    app.media_report
                        .iter()
                        .map(|l| Line::styled(l.as_str(), good_style())),
                );
            }
            v
        }
        Some(Err(e)) => std::iter::once(Line::styled(
            if app.flow == Flow::History {
                "The transcripts do not hold as one history."
            } else {
                "The ceremony failed."
            },
            problem_style(),
        ))
        // A Line shows no line break: each of the message's lines is one.
        .chain(e.lines().map(|l| Line::from(l.to_owned())))
        .collect(),
        None => vec![Line::from("")],
    };
    let (text_area, qr_area) = split_for_qr(area);
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), text_area);
    if let (Some(Ok(s)), Some(qr_area)) = (&app.result, qr_area) {
        if let Some(qr) = qr_lines(&s.fingerprint, qr_area) {
            f.render_widget(Paragraph::new(qr.join("\n")), qr_area);
        }
    }
}

/// Text on the left, a QR code on the right where the screen is wide enough.
fn split_for_qr(area: Rect) -> (Rect, Option<Rect>) {
    if area.width < 100 {
        return (area, None);
    }
    let [l, r] = Layout::horizontal([Constraint::Min(50), Constraint::Length(42)]).areas(area);
    (l, Some(r))
}
