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

/// `s` as [`printable`] makes it, but keeping its line breaks and tabs: a
/// whole message, whose lines are the tool's own, with whatever a file or
/// a path put in it made harmless. The last guard before a terminal.
pub fn printable_lines(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_deceptive(c) && c != '\n' && c != '\t' {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters that change how the text around them is shown, or show as
/// nothing, rather than showing themselves: C0/C1 controls, Unicode's
/// format characters (bidi overrides and isolates, zero-width ones, the soft
/// hyphen, tags), blanks that look like no character (the Hangul fillers,
/// the combining grapheme joiner), variation selectors, and private-use
/// characters (no two fonts agree on them). Two user IDs that differ only
/// in these look the same to the person comparing them.
pub fn is_deceptive(c: char) -> bool {
    c.is_control()
        || matches!(c,
            // Format characters (Unicode's Cf), every one of them.
            '\u{00AD}' | '\u{0600}'..='\u{0605}' | '\u{061C}' | '\u{06DD}' | '\u{070F}'
            | '\u{0890}' | '\u{0891}' | '\u{08E2}' | '\u{180E}'
            | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}' | '\u{110CD}' | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
            // Line and paragraph separators.
            | '\u{2028}' | '\u{2029}'
            // Blanks that look like no character, or like an ordinary space.
            | '\u{00A0}' | '\u{034F}' | '\u{115F}' | '\u{1160}' | '\u{1680}' | '\u{17B4}'
            | '\u{17B5}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{2800}'
            | '\u{3000}' | '\u{3164}' | '\u{FFA0}' | '\u{FFFC}' | '\u{1D159}'
            // Variation selectors, tags' plane, private use.
            | '\u{180B}'..='\u{180D}' | '\u{180F}' | '\u{FE00}'..='\u{FE0F}'
            | '\u{E0000}'..='\u{E0FFF}' | '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{10FFFF}')
}

/// The first character of `s` that [`is_deceptive`], named as a person can
/// find it in their input: `the character U+202E (right-to-left override)`.
pub fn first_deceptive(s: &str) -> Option<String> {
    s.chars().find(|c| is_deceptive(*c)).map(|c| {
        let what = match c {
            '\u{0}'..='\u{1F}' | '\u{7F}'..='\u{9F}' => match c {
                '\n' => "a line break",
                '\r' => "a carriage return",
                '\t' => "a tab",
                '\u{1b}' => "escape, which starts terminal commands",
                _ => "a control character",
            },
            '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{061C}'
            | '\u{200E}'
            | '\u{200F}' => "a bidirectional control, which reorders the text around it",
            '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => "a zero-width character",
            '\u{00AD}' => "a soft hyphen, invisible in most places",
            '\u{FE00}'..='\u{FE0F}' | '\u{180B}'..='\u{180F}' => "a variation selector",
            '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{10FFFF}' => {
                "a private-use character, which fonts show differently"
            }
            '\u{E0000}'..='\u{E0FFF}' => "an invisible tag character",
            '\u{00A0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200A}'
            | '\u{202F}'
            | '\u{205F}'
            | '\u{3000}' => "a space that is not the ordinary one",
            _ => "an invisible character",
        };
        format!("the character U+{:04X} ({what})", c as u32)
    })
}

/// `n` with its noun in the right number: "1 name", "3 names".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `s` in quotes, made [`printable`]: how an error shows a value someone
/// typed or a file held (Rust's `{:?}` would escape printable's escapes again).
pub fn quoted(s: &str) -> String {
    format!("\"{}\"", printable(s))
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

    #[test]
    fn invisible_characters_are_named() {
        for (s, named) in [
            ("Ann\u{AD}a", "U+00AD (a soft hyphen"),
            ("a\u{34F}b", "U+034F (an invisible character)"),
            ("\u{115F}x", "U+115F"),
            ("\u{3164}", "U+3164"),
            ("ok\u{FE0F}", "U+FE0F (a variation selector)"),
            ("tag\u{E0041}", "U+E0041 (an invisible tag"),
            ("pua\u{E000}", "U+E000 (a private-use"),
            ("x\u{202E}y", "U+202E (a bidirectional"),
            ("x\u{1b}[2J", "U+001B (escape"),
            ("two\nlines", "U+000A (a line break)"),
            ("Alice\u{A0}Release", "U+00A0 (a space that is not"),
            ("Alice\u{3000}Release", "U+3000"),
            ("Alice\u{2800}", "U+2800"),
            ("Alice\u{600}", "U+0600"),
            ("Alice\u{110BD}", "U+110BD"),
            ("Alice\u{13430}", "U+13430"),
            ("Alice\u{1D159}", "U+1D159"),
            ("Alice\u{FFFC}", "U+FFFC"),
        ] {
            let found = first_deceptive(s).unwrap_or_default();
            assert!(found.contains(named), "{s:?}: {found}");
        }
        assert_eq!(first_deceptive("Zoë Ärger 鍵 <z@example.org>"), None);
        assert_eq!(quoted("a\\b\u{1b}"), "\"a\\b\\u{1b}\"");
    }
}
