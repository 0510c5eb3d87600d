//! A plan form: one field a line, the focused one marked, its hint and the
//! first problem under the fields; detected media under the media form.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::{good_style, problem_style};
use crate::tui::app::{App, Screen};
use crate::tui::forms::{Kind, Page};

pub fn draw(app: &App, f: &mut Frame<'_>, area: Rect) {
    let Some(form) = app.form() else {
        return;
    };
    let label_width = form.fields.iter().map(|x| x.label.len()).max().unwrap_or(0) + 2;
    let value_width = (area.width as usize).saturating_sub(label_width + 4);
    let mut lines: Vec<Line<'_>> = Vec::new();
    for (i, field) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let wrong = form.problem.as_ref().is_some_and(|(at, _)| *at == i);
        let value = match field.kind {
            Kind::Choice(_) => format!("< {} >", field.input.value),
            Kind::Text if focused => format!("{}_", field.input.value),
            Kind::Text => field.input.value.clone(),
        };
        // A long value shows its end where the typing is (the focused
        // field), its start elsewhere (a list of files reads from its first).
        let shown: String = {
            let n = value.chars().count();
            if focused || n <= value_width {
                value.chars().skip(n.saturating_sub(value_width)).collect()
            } else {
                let head: String = value.chars().take(value_width.saturating_sub(1)).collect();
                format!("{head}…")
            }
        };
        let marker = if focused { "> " } else { "  " };
        let style = match (focused, wrong) {
            (_, true) => Style::new().fg(Color::Red),
            (true, false) => Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            _ => Style::new(),
        };
        lines.push(Line::from(vec![
            Span::raw(marker),
            Span::raw(format!("{:<label_width$}", field.label)),
            Span::styled(shown, style),
        ]));
    }
    lines.push(Line::from(""));
    let focus = &form.fields[form.focus];
    // A wrong value is cleared in one key, not a backspace a character.
    let clears = if matches!(focus.kind, Kind::Text) && !focus.input.value.is_empty() {
        " (Ctrl-U clears)"
    } else {
        ""
    };
    lines.push(Line::styled(
        format!("{}: {}{clears}", focus.label, focus.hint),
        Style::new().fg(Color::Cyan),
    ));
    match &form.problem {
        // A field below the cursor not typed yet is "needed", not wrong:
        // the operator has not reached it.
        Some((at, why)) if *at > form.focus && form.fields[*at].input.value.trim().is_empty() => {
            lines.push(Line::styled(
                format!("{}: {why}", form.fields[*at].label),
                Style::new().fg(Color::Yellow),
            ))
        }
        Some((at, why)) => lines.push(Line::styled(
            format!("{}: {why}", form.fields[*at].label),
            problem_style(),
        )),
        // A required field still empty is not "fine": say what is needed.
        None => match form
            .fields
            .iter()
            .position(|x| x.required() && x.input.value.trim().is_empty())
        {
            Some(i) => lines.push(Line::styled(
                format!(
                    "{}: needed before this page can go on",
                    form.fields[i].label
                ),
                Style::new().fg(Color::Yellow),
            )),
            None => lines.push(Line::styled(
                "Every field is fine: Enter on the last one goes on.",
                good_style(),
            )),
        },
    }
    if app.screen == Screen::Form(Page::Media) {
        if let Some(scan) = &app.scan {
            // One wrapped line: at 80x24 a list under its own heading fell
            // below the screen's edge, the heading alone showing.
            // What the picker offers (writable, room for a ceremony).
            if !scan.choices.is_empty() {
                let names: Vec<String> = scan
                    .choices
                    .iter()
                    .map(|m| crate::text::printable(&m.path.display().to_string()))
                    .collect();
                lines.push(Line::from(format!(
                    "Mounted media (F2 picks): {}",
                    names.join(", ")
                )));
            }
        }
    }
    let [body] = Layout::vertical([Constraint::Min(1)]).areas(area);
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);
}
