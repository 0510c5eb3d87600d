//! The restore flow after its form: shares typed, the backup opening, what it
//! holds, and a replacement card.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::{good_style, log_tail, problem_style, secrets};
use crate::tui::app::{App, CardStage, Screen};

pub fn draw(app: &App, f: &mut Frame<'_>, area: Rect) {
    match app.screen {
        Screen::RestoreShares => {
            if let Some(t) = &app.typing {
                secrets::typing(t, "Restore", f, area);
            }
        }
        Screen::Unlocking => f.render_widget(
            Paragraph::new(format!(
                "Combining the shares and opening {} ...",
                app.restore_backup.display()
            ))
            .wrap(Wrap { trim: true }),
            area,
        ),
        Screen::Restored => restored(app, f, area),
        _ => card(app, f, area),
    }
}

fn restored(app: &App, f: &mut Frame<'_>, area: Rect) {
    let lines: Vec<Line<'_>> = match &app.restored {
        Some(Ok(s)) => {
            let mut v = vec![
                Line::styled("The backup is open.", good_style()),
                Line::from(format!(
                    "Primary fingerprint: {}",
                    super::grouped(&s.fingerprint)
                )),
                Line::from(""),
            ];
            v.extend(s.lines.iter().map(|l| Line::from(l.as_str())));
            v.push(Line::from(""));
            v.push(Line::from(
                "Compare the fingerprint with the one the ceremony exported.",
            ));
            v
        }
        Some(Err(e)) => vec![
            Line::styled("The backup did not open.", problem_style()),
            Line::from(e.as_str()),
            Line::from(""),
            Line::from("Esc goes back to the backup and the shares."),
        ],
        None => vec![],
    };
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}

fn card(app: &App, f: &mut Frame<'_>, area: Rect) {
    match &app.card {
        Some(CardStage::Pins(p)) => secrets::pins(
            p,
            "PINs for the replacement card (the ceremony's, or new ones).",
            f,
            area,
        ),
        Some(CardStage::Choose { cards, selected }) => {
            let mut lines = vec![Line::from("Cards in the readers:"), Line::from("")];
            match cards {
                Ok(list) if list.is_empty() => lines.push(Line::from(
                    "No OpenPGP card in a reader: insert one and press r.",
                )),
                Ok(list) => {
                    for (i, c) in list.iter().enumerate() {
                        let marker = if i == *selected { "> " } else { "  " };
                        lines.push(Line::from(format!(
                            "{marker}{} {} in {} ({})",
                            c.manufacturer,
                            c.serial,
                            c.reader,
                            if c.is_empty() {
                                "empty"
                            } else {
                                "holds keys: reset needed"
                            }
                        )));
                    }
                }
                Err(e) => lines.push(Line::styled(e.as_str(), problem_style())),
            }
            f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
        }
        Some(CardStage::Provisioning) | None => log_tail(app, f, area),
        Some(CardStage::Finished(r)) => {
            let [head, log] =
                Layout::vertical([Constraint::Length(3), Constraint::Min(1)]).areas(area);
            let line = match r {
                Ok(proof) => Line::styled(format!("Card done: {proof}"), good_style()),
                Err(e) => Line::styled(format!("The card failed: {e}"), problem_style()),
            };
            f.render_widget(Paragraph::new(line).wrap(Wrap { trim: true }), head);
            log_tail(app, f, log);
        }
    }
}
