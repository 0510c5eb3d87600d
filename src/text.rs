//! Text from files and devices, made safe to show: whatever a bundle, a
//! stick's label, a transcript or a plan says is shown as text, never as
//! terminal commands. The lowest layer: everything may use it.

/// `s` with every control, bidirectional-override and zero-width character
/// written as an escape (`\u{1b}`): text from a file never moves the
/// cursor, clears the screen or reorders what a person reads.
pub fn printable(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_deceptive(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters that change how the text around them is shown rather than
/// showing themselves: C0/C1 controls, bidi overrides and isolates,
/// zero-width characters.
pub fn is_deceptive(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_escapes_what_could_forge_a_screen() {
        assert_eq!(printable("ok"), "ok");
        assert_eq!(
            printable("a\u{1b}[2J\nVERIFIED OK"),
            "a\\u{1b}[2J\\u{a}VERIFIED OK"
        );
        assert_eq!(printable("x\u{202E}y\u{200B}"), "x\\u{202e}y\\u{200b}");
        assert_eq!(printable("Zoë 鍵"), "Zoë 鍵");
    }
}
