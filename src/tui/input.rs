//! Input components: a line of text, a share typed word by word, a PIN typed
//! twice. Each takes key events and says what they amounted to; none draws.
//!
//! What is typed into the secret ones (share words, PINs) lives in zeroizing
//! buffers from the first key press; words are kept as list indices, so no
//! `String` of the share ever exists outside `Zeroizing`.

use bip39::Language;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use secrecy::SecretString;
use zeroize::Zeroizing;

use crate::shares::{complete, Completion};

/// What a key did to an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// Taken; keep editing.
    Edited,
    /// Enter on a complete input.
    Submit,
    /// Not a key this input uses (the screen may use it).
    Ignored,
}

fn ctrl(k: &KeyEvent, c: char) -> bool {
    k.code == KeyCode::Char(c) && k.modifiers.contains(KeyModifiers::CONTROL)
}

/// One line of plain (public) text, for plan fields.
#[derive(Debug, Clone, Default)]
pub struct TextField {
    pub value: String,
}

impl TextField {
    pub fn new(value: impl Into<String>) -> TextField {
        TextField {
            value: value.into(),
        }
    }

    pub fn key(&mut self, k: &KeyEvent) -> Input {
        if ctrl(k, 'u') {
            self.value.clear();
            return Input::Edited;
        }
        match k.code {
            KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => {
                self.value.push(c);
                Input::Edited
            }
            KeyCode::Backspace => {
                self.value.pop();
                Input::Edited
            }
            KeyCode::Enter => Input::Submit,
            _ => Input::Ignored,
        }
    }
}

/// A share typed word by word. Four letters name a BIP39 word, so from there
/// the word is shown completed and Space (or Tab, or Enter) takes it; a letter
/// that no word continues is refused at once, naming the word's position.
///
/// The word is not taken at the fourth letter by itself: an operator who types
/// words out in full would then have the rest of one word run into the next
/// ("exam" then "pear" reads as "example", "ar...").
pub struct WordEntry {
    /// Accepted words as indices into the BIP39 English list.
    words: Zeroizing<Vec<u16>>,
    current: Zeroizing<String>,
    pub expected: usize,
    /// What is wrong, with the word's position; cleared by the next good key.
    pub problem: Option<String>,
    /// A word moved back to (Left/Right) to be typed again: the word taken
    /// next replaces it, and the cursor goes back to the end. Fixing word 9
    /// of 18 then costs that word, not the nine after it.
    at: Option<usize>,
    /// The word the share's checksum says belongs at `at` (a located
    /// mistake): Tab puts it in.
    suggested: Option<u16>,
}

impl WordEntry {
    pub fn new(expected: usize) -> WordEntry {
        WordEntry {
            words: Zeroizing::new(Vec::with_capacity(expected)),
            // Room for any prefix of a BIP39 word and more: the buffer never
            // grows, so no copy of typed letters is left behind by a reallocation.
            current: Zeroizing::new(String::with_capacity(16)),
            expected,
            problem: None,
            at: None,
            suggested: None,
        }
    }

    /// Puts the cursor on word `position` (1-based), which a check of the
    /// whole share found wrong, with the word that probably belongs there:
    /// Tab takes it, or the word is typed again. Moving to it by hand cost
    /// an operator a dozen keys.
    pub fn locate(&mut self, position: usize, likely: Option<&str>) {
        if position == 0 || position > self.words.len() {
            return;
        }
        self.current.clear();
        self.at = Some(position - 1);
        self.suggested = likely.and_then(|w| Language::English.find_word(w));
    }

    /// The word Tab would put at the cursor, if a check suggested one.
    pub fn suggestion(&self) -> Option<&'static str> {
        let list = Language::English.word_list();
        self.suggested
            .filter(|_| self.at.is_some())
            .map(|i| list[usize::from(i)])
    }

    /// The word the cursor is on, when it is not at the end.
    pub fn cursor(&self) -> Option<usize> {
        self.at
    }

    /// The accepted words, for drawing.
    pub fn words(&self) -> impl Iterator<Item = &'static str> + '_ {
        let list = Language::English.word_list();
        self.words.iter().map(move |&i| list[usize::from(i)])
    }

    pub fn current(&self) -> &str {
        &self.current
    }

    /// The word the letters typed so far name, if they name one.
    pub fn completion(&self) -> Option<&'static str> {
        match complete(&self.current) {
            Completion::Word(w) | Completion::WordOrLonger(w) => Some(w),
            _ => None,
        }
    }

    pub fn is_complete(&self) -> bool {
        self.words.len() == self.expected
    }

    /// The words as one space-separated string, for `Share::from_words`.
    pub fn text(&self) -> Zeroizing<String> {
        // Nine bytes a word (eight letters and a space): never reallocated.
        let mut out = Zeroizing::new(String::with_capacity(self.expected * 9));
        for (i, w) in self.words().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(w);
        }
        out
    }

    fn position(&self) -> usize {
        self.at.unwrap_or(self.words.len()) + 1
    }

    pub fn key(&mut self, k: &KeyEvent) -> Input {
        if ctrl(k, 'u') {
            self.current.clear();
            return Input::Edited;
        }
        match k.code {
            KeyCode::Char(c) if c.is_ascii_alphabetic() => {
                if self.is_complete() && self.at.is_none() {
                    self.problem = Some(format!(
                        "all {} words are typed: Enter checks the share",
                        self.expected
                    ));
                    return Input::Edited;
                }
                self.current.push(c.to_ascii_lowercase());
                if complete(&self.current) == Completion::NoSuch {
                    self.problem = Some(format!(
                        "word {}: no BIP39 word starts with \"{}\": check the sheet",
                        self.position(),
                        self.current.as_str()
                    ));
                    self.current.pop();
                } else {
                    self.problem = None;
                }
                Input::Edited
            }
            KeyCode::Tab if self.current.is_empty() && self.suggestion().is_some() => {
                if let (Some(i), Some(w)) = (self.at.take(), self.suggested.take()) {
                    self.words[i] = w;
                }
                self.problem = None;
                Input::Edited
            }
            KeyCode::Char(' ') | KeyCode::Tab => {
                self.finish_word();
                Input::Edited
            }
            // Back to an earlier word, only between words: letters typed
            // would otherwise be lost.
            KeyCode::Left if self.current.is_empty() && !self.words.is_empty() => {
                self.suggested = None;
                let here = self.at.unwrap_or(self.words.len());
                self.at = Some(here.saturating_sub(1));
                self.problem = None;
                Input::Edited
            }
            KeyCode::Right if self.current.is_empty() => {
                self.suggested = None;
                self.at = self.at.map(|i| i + 1).filter(|i| *i < self.words.len());
                Input::Edited
            }
            KeyCode::Backspace => {
                if self.current.pop().is_none() && self.at.is_none() {
                    self.words.pop();
                }
                self.problem = None;
                Input::Edited
            }
            KeyCode::Enter => {
                self.finish_word();
                if self.is_complete() {
                    Input::Submit
                } else {
                    if self.problem.is_none() {
                        self.problem = Some(format!(
                            "{} of {} words typed",
                            self.words.len(),
                            self.expected
                        ));
                    }
                    Input::Edited
                }
            }
            _ => Input::Ignored,
        }
    }

    fn finish_word(&mut self) {
        if self.current.is_empty() {
            return;
        }
        match self.completion() {
            Some(w) => {
                let index = Language::English.find_word(w).unwrap_or_default();
                self.suggested = None;
                match self.at.take() {
                    Some(i) => self.words[i] = index,
                    None => self.words.push(index),
                }
                self.current.clear();
                self.problem = None;
            }
            None => {
                self.problem = Some(format!(
                    "word {}: \"{}\" is the start of several words: type more letters",
                    self.position(),
                    self.current.as_str()
                ))
            }
        }
    }
}

/// Which of the four PIN fields is being typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinStage {
    User,
    UserAgain,
    Admin,
    AdminAgain,
}

/// The user and admin PINs, each typed twice and never shown.
pub struct PinEntry {
    pub stage: PinStage,
    typed: [Zeroizing<String>; 4],
    pub problem: Option<String>,
}

/// The lengths the OpenPGP card specification guarantees every card accepts;
/// a card with other limits says so when provisioning and costs no PIN try.
pub const USER_PIN_MIN: usize = 6;
pub const ADMIN_PIN_MIN: usize = 8;
pub const PIN_MAX: usize = 32;

impl Default for PinEntry {
    fn default() -> Self {
        PinEntry {
            stage: PinStage::User,
            typed: Default::default(),
            problem: None,
        }
    }
}

impl PinEntry {
    fn slot(&self) -> usize {
        self.stage as usize
    }

    /// How many characters the current field has, for the masked echo.
    pub fn typed_len(&self, stage: PinStage) -> usize {
        self.typed[stage as usize].chars().count()
    }

    /// Enter on the admin PIN's second field returns `Submit`: take them with `pins`.
    pub fn key(&mut self, k: &KeyEvent) -> Input {
        if ctrl(k, 'u') {
            self.typed[self.slot()].clear();
            return Input::Edited;
        }
        match k.code {
            KeyCode::Char(c) if !c.is_control() => {
                if self.typed[self.slot()].len() < PIN_MAX {
                    self.typed[self.slot()].push(c);
                }
                self.problem = None;
                Input::Edited
            }
            KeyCode::Backspace => {
                self.typed[self.slot()].pop();
                Input::Edited
            }
            KeyCode::Enter => self.advance(),
            _ => Input::Ignored,
        }
    }

    fn advance(&mut self) -> Input {
        let (min, name) = match self.stage {
            PinStage::User | PinStage::UserAgain => (USER_PIN_MIN, "user PIN"),
            PinStage::Admin | PinStage::AdminAgain => (ADMIN_PIN_MIN, "admin PIN"),
        };
        let this = self.typed[self.slot()].chars().count();
        let next = match self.stage {
            PinStage::User | PinStage::Admin if this < min => {
                self.problem = Some(format!(
                    "the {name} needs at least {min} characters (every OpenPGP card accepts {min} to {PIN_MAX})"
                ));
                return Input::Edited;
            }
            PinStage::User => PinStage::UserAgain,
            PinStage::Admin => PinStage::AdminAgain,
            PinStage::UserAgain | PinStage::AdminAgain => {
                let first = self.slot() - 1;
                if !constant_time_eq(&self.typed[first], &self.typed[self.slot()]) {
                    self.typed[first].clear();
                    self.typed[self.slot()].clear();
                    self.problem = Some(format!(
                        "the two {name}s differ: type the {name} again, twice"
                    ));
                    self.stage = if self.stage == PinStage::UserAgain {
                        PinStage::User
                    } else {
                        PinStage::Admin
                    };
                    return Input::Edited;
                }
                if self.stage == PinStage::AdminAgain {
                    if constant_time_eq(&self.typed[0], &self.typed[2]) {
                        self.typed[2].clear();
                        self.typed[3].clear();
                        self.stage = PinStage::Admin;
                        self.problem = Some("the admin PIN must differ from the user PIN".into());
                        return Input::Edited;
                    }
                    return Input::Submit;
                }
                PinStage::Admin
            }
        };
        self.problem = None;
        self.stage = next;
        Input::Edited
    }

    /// The PINs once both were typed twice alike; clears this entry.
    pub fn take(&mut self) -> Option<crate::tokens::openpgp_card::CardPins> {
        if self.stage != PinStage::AdminAgain {
            return None;
        }
        let pins = crate::tokens::openpgp_card::CardPins {
            user: SecretString::from(self.typed[0].as_str()),
            admin: SecretString::from(self.typed[2].as_str()),
        };
        *self = PinEntry::default();
        Some(pins)
    }
}

/// Compares secrets without an early exit, so timing says nothing of where they differ.
fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// One secret typed once and never shown (an existing PIN, such as a
/// token's user PIN): a count of dots on screen, the characters in a
/// zeroizing buffer reserved up front (no reallocation leaves a copy).
pub struct SecretLine {
    typed: Zeroizing<String>,
}

impl Default for SecretLine {
    fn default() -> Self {
        SecretLine {
            typed: Zeroizing::new(String::with_capacity(PIN_MAX * 4)),
        }
    }
}

impl SecretLine {
    pub fn len(&self) -> usize {
        self.typed.chars().count()
    }

    pub fn is_empty(&self) -> bool {
        self.typed.is_empty()
    }

    /// Enter on a non-empty line returns `Submit`: take it with `take`.
    pub fn key(&mut self, k: &KeyEvent) -> Input {
        if ctrl(k, 'u') {
            self.typed.clear();
            return Input::Edited;
        }
        match k.code {
            KeyCode::Char(c) if !c.is_control() => {
                if self.len() < PIN_MAX {
                    self.typed.push(c);
                }
                Input::Edited
            }
            KeyCode::Backspace => {
                self.typed.pop();
                Input::Edited
            }
            KeyCode::Enter if !self.typed.is_empty() => Input::Submit,
            _ => Input::Ignored,
        }
    }

    /// The secret, and an empty line for the next.
    pub fn take(&mut self) -> SecretString {
        let secret = SecretString::from(self.typed.as_str());
        self.typed.clear();
        secret
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn press(input: &mut impl FnMut(&KeyEvent) -> Input, text: &str) -> Input {
        let mut last = Input::Ignored;
        for c in text.chars() {
            let code = match c {
                '\n' => KeyCode::Enter,
                '\x08' => KeyCode::Backspace,
                c => KeyCode::Char(c),
            };
            last = input(&KeyEvent::new(code, KeyModifiers::NONE));
        }
        last
    }

    /// A word located wrong by the checksum is fixed by moving back to it:
    /// the words after it stay as typed.
    #[test]
    fn left_moves_back_to_a_word_and_the_next_word_taken_replaces_it() {
        let mut w = WordEntry::new(4);
        press(&mut |k| w.key(k), "exam pear aban act ");
        assert!(w.is_complete());
        for _ in 0..3 {
            w.key(&KeyEvent::new(KeyCode::Left, KeyModifiers::NONE));
        }
        assert_eq!(w.cursor(), Some(1));
        press(&mut |k| w.key(k), "orbi");
        assert_eq!(w.completion(), Some("orbit"));
        // Backspace edits the letters, never the words, while moved back.
        press(&mut |k| w.key(k), "\x08\x08\x08\x08\x08");
        assert!(w.is_complete(), "no word was removed");
        press(&mut |k| w.key(k), "orbi ");
        assert_eq!(w.cursor(), None);
        assert_eq!(
            w.words().collect::<Vec<_>>(),
            ["example", "orbit", "abandon", "act"]
        );
        // Right past the last word is the end again; letters mid-word block moving.
        w.key(&KeyEvent::new(KeyCode::Left, KeyModifiers::NONE));
        w.key(&KeyEvent::new(KeyCode::Right, KeyModifiers::NONE));
        assert_eq!(w.cursor(), None);
        let mut v = WordEntry::new(4);
        press(&mut |k| v.key(k), "exam pe");
        assert_eq!(
            v.key(&KeyEvent::new(KeyCode::Left, KeyModifiers::NONE)),
            Input::Ignored
        );
    }

    #[test]
    fn four_letters_name_a_word_and_space_takes_it_typed_short_or_in_full() {
        let mut w = WordEntry::new(4);
        press(&mut |k| w.key(k), "exam");
        assert_eq!(w.completion(), Some("example"));
        press(&mut |k| w.key(k), " pear abandon act ");
        assert_eq!(
            w.words().collect::<Vec<_>>(),
            ["example", "pear", "abandon", "act"]
        );
        assert!(w.is_complete());
        assert_eq!(w.key(&KeyEvent::from(KeyCode::Enter)), Input::Submit);
    }

    #[test]
    fn a_letter_no_word_has_is_refused_at_once_with_its_position() {
        let mut w = WordEntry::new(18);
        press(&mut |k| w.key(k), "zoo x");
        assert_eq!(w.current(), "");
        press(&mut |k| w.key(k), "abandonx");
        assert!(w.problem.clone().unwrap().contains("\"abandonx\""));
        press(&mut |k| w.key(k), "\x08\x08\x08\x08\x08\x08\x08");
        press(&mut |k| w.key(k), "x");
        let p = w.problem.clone().unwrap();
        assert!(p.contains("word 2") && p.contains("\"x\""), "{p}");
        press(&mut |k| w.key(k), "ab ");
        assert!(w.problem.clone().unwrap().contains("several words"));
        assert_eq!(w.key(&KeyEvent::from(KeyCode::Enter)), Input::Edited);
    }

    #[test]
    fn backspace_on_an_empty_word_takes_back_the_last_word() {
        let mut w = WordEntry::new(3);
        press(&mut |k| w.key(k), "zoo act \x08");
        assert_eq!(w.words().collect::<Vec<_>>(), ["zoo"]);
        assert_eq!(&*w.text(), "zoo");
    }

    #[test]
    fn pins_are_typed_twice_checked_and_taken_once() {
        let mut p = PinEntry::default();
        press(&mut |k| p.key(k), "123\n");
        assert!(p.problem.clone().unwrap().contains("at least 6"));
        press(&mut |k| p.key(k), "456\n123457\n");
        assert!(p.problem.clone().unwrap().contains("differ"));
        assert_eq!(p.stage, PinStage::User);
        press(&mut |k| p.key(k), "12345678\n12345678\n1234567\n");
        assert!(p.problem.clone().unwrap().contains("at least 8"));
        press(
            &mut |k| p.key(k),
            "\x08\x08\x08\x08\x08\x08\x0812345678\n12345678\n",
        );
        assert!(p
            .problem
            .clone()
            .unwrap()
            .contains("differ from the user PIN"));
        assert_eq!(
            press(&mut |k| p.key(k), "87654321\n87654321\n"),
            Input::Submit
        );
        let pins = p.take().unwrap();
        assert_eq!(pins.user.expose_secret(), "12345678");
        assert_eq!(pins.admin.expose_secret(), "87654321");
        assert!(p.take().is_none());
        assert_eq!(p.typed_len(PinStage::User), 0);
    }
}
