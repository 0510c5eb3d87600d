//! The screens that show or take secrets: the passphrase, a share, shares
//! typed back, card PINs. Each secret appears only after the operator said the
//! room is ready (`y`), and the loop clears the terminal when the screen goes.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;
use zeroize::Zeroizing;

use super::{fits, problem_style};
use crate::shares::set_id_text;
use crate::tui::app::{Prompt, Typing};
use crate::tui::input::{PinEntry, PinStage};

pub fn draw(prompt: &Prompt, f: &mut Frame<'_>, area: Rect) {
    match prompt {
        Prompt::Passphrase {
            revealed: false, ..
        } => gate(
            f,
            area,
            &[
                "The passphrase that protects the backup is about to be shown, once.",
                "",
                "Make sure no camera, phone or screen recorder sees this screen and",
                "nobody copies the words. Do not write it down: the shares are its",
                "only copies. The screen is cleared when you press Enter.",
                "",
                "Press y when the room is ready.",
            ],
        ),
        Prompt::Passphrase { words, .. } => {
            let list: Vec<&str> = words.split_whitespace().collect();
            let mut lines = vec![
                Line::styled(
                    format!("The passphrase, {} words:", list.len()),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Line::from(""),
            ];
            lines.extend(columns(&list, 4, true));
            f.render_widget(Paragraph::new(lines), area);
        }
        Prompt::Share {
            share,
            custodian,
            revealed: false,
            ..
        } => {
            let head = format!(
                "Share {} of {} is for {custodian}.",
                share.index, share.count
            );
            gate(
                f,
                area,
                &[
                    &head,
                    "",
                    "Everyone but this custodian steps away from the screen.",
                    "The custodian copies the words shown onto their own sheet (or",
                    "checks the sheet on their share stick against them), or scans",
                    "the QR code into their own offline storage.",
                    "",
                    "Press y when only the custodian is at the screen.",
                ],
            )
        }
        Prompt::Share {
            share,
            custodian,
            qr,
            ..
        } => {
            let words = share.to_words();
            // The title spans the screen: beside the QR code's column it
            // wrapped at about 48 columns, mid-name.
            let [title_area, area] =
                Layout::vertical([Constraint::Length(2), Constraint::Min(0)]).areas(area);
            f.render_widget(
                Paragraph::new(Line::styled(
                    format!(
                        "Share {} of {} for {custodian} (set {}, any {} restore)",
                        share.index,
                        share.count,
                        set_id_text(share.set_id),
                        share.threshold
                    ),
                    Style::new().add_modifier(Modifier::BOLD),
                ))
                .wrap(Wrap { trim: false }),
                title_area,
            );
            let mut lines = columns(&words, 3, true);
            let [text_area, qr_area] =
                Layout::horizontal([Constraint::Length(54), Constraint::Min(0)]).areas(area);
            match fits(qr, qr_area) {
                Some(qr_lines) => f.render_widget(Paragraph::new(qr_lines.join("\n")), qr_area),
                None => {
                    lines.push(Line::from(""));
                    lines.push(Line::from(
                        "The QR code needs a larger terminal; it is on the SVG sheet too.",
                    ));
                }
            }
            f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text_area);
        }
        Prompt::Typing(t) => typing(t, "Restore rehearsal", f, area),
        Prompt::Pins(p) => pins(
            p,
            "These PINs go onto every card of this ceremony.",
            f,
            area,
        ),
        Prompt::TokenPin { token, entry } => {
            let lines = vec![
                Line::from(format!(
                    "The cosign key goes into the PKCS#11 token {token:?}: type its user PIN."
                )),
                Line::from("It is tried once now, before any key exists, and kept only in memory."),
                Line::from(""),
                Line::from(format!("User PIN: {}_", "*".repeat(entry.len()))),
            ];
            f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
        }
        Prompt::Witness { screen, pin } => {
            let mut lines = vec![
                Line::styled(
                    format!(
                        "Witness {} of {}: {} (key {})",
                        screen.number,
                        screen.total,
                        crate::text::printable(&screen.name),
                        screen.fingerprint
                    ),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Line::from("Read the statement; signing it on your own card says you saw this ceremony end so:"),
                Line::from(""),
            ];
            lines.extend(
                screen
                    .statement
                    .lines()
                    .map(|l| Line::from(format!("  {}", crate::text::printable(l)))),
            );
            lines.push(Line::from(""));
            if let Some(p) = &screen.problem {
                lines.push(Line::styled(crate::text::printable(p), problem_style()));
            }
            match pin {
                None => lines.push(Line::from(
                    "s  sign: insert your card, then type its PIN    d  decline    a  absent",
                )),
                Some(entry) => lines.push(Line::from(format!(
                    "Your card's PIN: {}_   (Enter signs on the card; Esc goes back)",
                    "*".repeat(entry.len())
                ))),
            }
            f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
        }
        Prompt::CardFailed { number, error } => {
            let lines = vec![
                Line::styled(format!("Card {number} failed:"), problem_style()),
                Line::from(error.as_str()),
                Line::from(""),
                Line::from("r  retry: put the card (or another) in a reader first"),
                Line::from(
                    "s  skip: the transcript records why; provision it later from a restore",
                ),
            ];
            f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
        }
    }
}

fn gate(f: &mut Frame<'_>, area: Rect, text: &[&str]) {
    let lines: Vec<Line<'_>> = text.iter().map(|l| Line::from(l.to_string())).collect();
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

/// Words in numbered columns, read down each column: how sheets print them.
pub fn columns<'a>(words: &[&'a str], cols: usize, bold: bool) -> Vec<Line<'a>> {
    columns_of(words, cols, words.len().div_ceil(cols), bold)
}

/// `columns` with a fixed number of rows: a grid that is filled as words are
/// typed keeps its shape (and every column its width) from the first word.
fn columns_of<'a>(words: &[&'a str], cols: usize, rows: usize, bold: bool) -> Vec<Line<'a>> {
    let width = words
        .iter()
        .map(|w| w.chars().count())
        .max()
        .unwrap_or(0)
        .max(10);
    let style = if bold {
        Style::new().fg(Color::White).add_modifier(Modifier::BOLD)
    } else {
        Style::new()
    };
    (0..rows)
        .map(|r| {
            let mut spans = Vec::new();
            for c in 0..cols {
                let i = c * rows + r;
                if let Some(w) = words.get(i) {
                    spans.push(Span::raw(format!("{:>3} ", i + 1)));
                    spans.push(Span::styled(format!("{w:<width$} "), style));
                }
            }
            Line::from(spans)
        })
        .collect()
}

pub fn typing(t: &Typing, title: &str, f: &mut Frame<'_>, area: Rect) {
    let mut lines = vec![
        Line::styled(
            format!(
                "{title}: share {} of the {} needed (set {}), {} words each",
                t.shares.len() + 1,
                t.needed(),
                t.set.set_id,
                t.entry.expected
            ),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Line::from(""),
    ];
    let mut words: Vec<&str> = t.entry.words().collect();
    // Share words on their way to the screen are zeroized when drawn.
    let current = Zeroizing::new(format!("{}_", t.entry.current()));
    let marked;
    match t.entry.cursor() {
        // The word being replaced shows what is typed over it.
        Some(i) => {
            marked = Zeroizing::new(format!("[{}] {}", words[i], current.as_str()));
            words[i] = marked.as_str();
        }
        None if !t.entry.is_complete() => words.push(current.as_str()),
        None => {}
    }
    let rows = t.entry.expected.max(words.len()).div_ceil(3).max(1);
    lines.extend(columns_of(&words, 3, rows, false));
    lines.push(Line::from(""));
    if let Some(p) = t.entry.problem.as_ref().or(t.problem.as_ref()) {
        lines.push(Line::styled(p.as_str(), problem_style()));
    } else if let Some(w) = t.entry.completion() {
        let at = t.entry.cursor().unwrap_or(t.entry.words().count()) + 1;
        lines.push(Line::from(format!("word {at}: {w} (Space takes it)")));
    } else if let Some(i) = t.entry.cursor() {
        lines.push(Line::from(format!(
            "word {}: type its replacement (Left/Right move, Space takes it)",
            i + 1
        )));
    } else if t.entry.is_complete() {
        lines.push(Line::from("All words typed: Enter checks the share."));
    }
    // No trimming: the grid's leading spaces are its alignment.
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

pub fn pins(p: &PinEntry, what: &str, f: &mut Frame<'_>, area: Rect) {
    let field = |stage: PinStage, label: &str| {
        let marker = if p.stage == stage { "> " } else { "  " };
        let mut mask = "*".repeat(p.typed_len(stage));
        if p.stage == stage {
            mask.push('_');
        }
        Line::from(format!("{marker}{label:<18}{mask}"))
    };
    let mut lines = vec![
        Line::from(what.to_owned()),
        Line::from("User PIN: 6 or more characters; admin PIN: 8 or more, different."),
        Line::from(""),
        field(PinStage::User, "User PIN"),
        field(PinStage::UserAgain, "User PIN again"),
        field(PinStage::Admin, "Admin PIN"),
        field(PinStage::AdminAgain, "Admin PIN again"),
        Line::from(""),
    ];
    if let Some(problem) = &p.problem {
        lines.push(Line::styled(problem.as_str(), problem_style()));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}
