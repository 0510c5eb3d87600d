//! A share as BIP39 words, and the diagnosis of words typed wrong.
//!
//! Layout (bits, most significant first; see docs/share-format.md):
//! version 4 | set id 20 | threshold-1 4 | count-1 4 | index-1 4 | value 128 or 256 |
//! zero padding to a whole word | 3 check words. That is 18 words for a
//! 128-bit secret and 30 for a 256-bit one.

use std::fmt;

use bip39::Language;
use zeroize::Zeroizing;

use super::checksum::{self, CHECK_WORDS};
use super::ShareError;

pub const FORMAT_VERSION: u8 = 1;
const HEADER_BITS: usize = 4 + 20 + 4 + 4 + 4;

/// One share of a split secret. The value is secret material: no Display, redacted Debug.
#[derive(Clone, PartialEq, Eq)]
pub struct Share {
    pub set_id: u32,
    pub threshold: u8,
    pub count: u8,
    /// 1..=count; the x coordinate of the share.
    pub index: u8,
    pub value: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for Share {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Share {{ set {}, {} of {}, index {}, value: [REDACTED] }}",
            set_id_text(self.set_id),
            self.threshold,
            self.count,
            self.index
        )
    }
}

/// The set id as people read it: five hex digits.
pub fn set_id_text(id: u32) -> String {
    format!("{id:05X}")
}

fn data_words(value_len: usize) -> usize {
    (HEADER_BITS + value_len * 8).div_ceil(11)
}

/// Word counts of a whole share, for 16- and 32-byte secrets.
pub fn word_count(value_len: usize) -> usize {
    data_words(value_len) + CHECK_WORDS
}

fn value_len_for(words: usize) -> Option<usize> {
    [16, 32].into_iter().find(|&l| word_count(l) == words)
}

impl Share {
    /// The share as word indices (0..2048), checksum included.
    pub fn to_indices(&self) -> Zeroizing<Vec<u16>> {
        let mut bits = BitWriter::default();
        bits.push(u32::from(FORMAT_VERSION), 4);
        bits.push(self.set_id, 20);
        bits.push(u32::from(self.threshold - 1), 4);
        bits.push(u32::from(self.count - 1), 4);
        bits.push(u32::from(self.index - 1), 4);
        for b in self.value.iter() {
            bits.push(u32::from(*b), 8);
        }
        let mut words = bits.into_words();
        let check = checksum::checksum(&words);
        words.extend_from_slice(&check);
        words
    }

    /// The share as words. References into the static word list; the
    /// indices they came from are zeroized, and callers zeroize what they build.
    pub fn to_words(&self) -> Vec<&'static str> {
        let list = Language::English.word_list();
        self.to_indices()
            .iter()
            .map(|&i| list[i as usize])
            .collect()
    }

    /// Decodes word indices whose checksum is already known to be valid.
    fn from_valid_indices(words: &[u16]) -> Result<Share, String> {
        let value_len =
            value_len_for(words.len()).ok_or_else(|| format!("{} words", words.len()))?;
        let mut r = BitReader::new(&words[..words.len() - CHECK_WORDS]);
        let version = r.take(4);
        if version != u32::from(FORMAT_VERSION) {
            return Err(format!(
                "format version {version}; this keyceremony reads version {FORMAT_VERSION}"
            ));
        }
        let set_id = r.take(20);
        let threshold = r.take(4) as u8 + 1;
        let count = r.take(4) as u8 + 1;
        let index = r.take(4) as u8 + 1;
        let mut value = Zeroizing::new(Vec::with_capacity(value_len));
        for _ in 0..value_len {
            value.push(r.take(8) as u8);
        }
        if r.rest_is_zero() && threshold >= 2 && threshold <= count && index <= count {
            Ok(Share {
                set_id,
                threshold,
                count,
                index,
                value,
            })
        } else {
            Err("its header is inconsistent".into())
        }
    }

    /// Parses a share from words as typed or read from a sheet, and names what
    /// is wrong if it does not parse: the position, and where it can be worked
    /// out, the word that probably belongs there.
    pub fn from_words(text: &str) -> Result<Share, ShareError> {
        let typed: Vec<&str> = text.split_whitespace().collect();
        let mut indices = Zeroizing::new(Vec::with_capacity(typed.len()));
        for (i, w) in typed.iter().enumerate() {
            indices.push(lookup(w).map_err(|suggestions| ShareError::UnknownWord {
                position: i + 1,
                suggestions,
            })?);
        }
        if checksum::is_valid(&indices) {
            return Share::from_valid_indices(&indices).map_err(ShareError::Malformed);
        }
        Err(diagnose(&indices))
    }
}

/// What a word typed so far can still become, for completion as it is typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// Exactly one list word: the typed text is it, or a prefix of four or
    /// more letters that names it (BIP39 words differ in their first four).
    Word(&'static str),
    /// A list word and also the start of longer ones (`act`, `action`): the
    /// operator ends it with a space.
    WordOrLonger(&'static str),
    /// The start of this many list words, none of them yet.
    Prefix(usize),
    /// No list word starts so: the typing is wrong at once.
    NoSuch,
}

/// How `typed` completes against the BIP39 English list.
pub fn complete(typed: &str) -> Completion {
    let lang = Language::English;
    let w = Zeroizing::new(typed.to_lowercase());
    let matches = lang.words_by_prefix(&w);
    match (lang.find_word(&w), matches) {
        (_, []) => Completion::NoSuch,
        (Some(i), [_]) => Completion::Word(lang.word_list()[i as usize]),
        (Some(i), _) => Completion::WordOrLonger(lang.word_list()[i as usize]),
        (None, [only]) if w.len() >= 4 => Completion::Word(only),
        (None, many) => Completion::Prefix(many.len()),
    }
}

/// Accepts a whole BIP39 word, or a prefix of four or more letters that names one.
fn lookup(typed: &str) -> Result<u16, Vec<&'static str>> {
    let lang = Language::English;
    let w = Zeroizing::new(typed.to_lowercase());
    if let Some(i) = lang.find_word(&w) {
        return Ok(i);
    }
    if w.len() >= 4 {
        if let [only] = lang.words_by_prefix(&w) {
            return lang.find_word(only).ok_or_else(Vec::new);
        }
    }
    Err(suggest(&w))
}

/// Up to three list words within two edits of what was typed (or sharing its first four letters).
fn suggest(typed: &str) -> Vec<&'static str> {
    let list = Language::English.word_list();
    let prefix: String = typed.chars().take(4).collect();
    let typed_letters = letters(typed);
    let foreign = typed.chars().filter(|c| !c.is_ascii_lowercase()).count();
    let masks = word_letters();
    let mut scored: Vec<(usize, &'static str)> = list
        .iter()
        .zip(masks)
        .filter_map(|(w, &mask)| {
            // Cheap tests first, so that a share of garbage costs one pass of
            // bit operations over the list, not 2048 edit distances: words
            // further apart in length than two edits are never near (which
            // also keeps a hostile 100 kB "word" linear), and each edit adds
            // at most one letter the other word lacks, or removes one
            // character that is not a list letter.
            let near = typed.len().abs_diff(w.len()) <= 2
                && foreign <= 2
                && (typed_letters & !mask).count_ones() <= 2
                && (mask & !typed_letters).count_ones() <= 2;
            let by_prefix = prefix.len() == 4 && w.starts_with(&prefix);
            if !near {
                let far = typed.len().abs_diff(w.len()) > 2;
                return by_prefix.then(|| {
                    (
                        if far {
                            usize::MAX
                        } else {
                            edit_distance(typed, w)
                        },
                        *w,
                    )
                });
            }
            let d = edit_distance(typed, w);
            (d <= 2 || by_prefix).then_some((d, *w))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, w)| w).collect()
}

/// The set of a-z letters in `w`, one bit each.
fn letters(w: &str) -> u32 {
    w.bytes()
        .filter(u8::is_ascii_lowercase)
        .fold(0, |m, b| m | 1 << (b - b'a'))
}

/// `letters` of every list word, worked out once.
fn word_letters() -> &'static [u32] {
    static MASKS: std::sync::OnceLock<Vec<u32>> = std::sync::OnceLock::new();
    MASKS.get_or_init(|| {
        Language::English
            .word_list()
            .iter()
            .map(|w| letters(w))
            .collect()
    })
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Works out the one mistake that explains an invalid share, if exactly one
/// does. Each kind of mistake is located algebraically (checksum.rs), so a
/// diagnosis costs a few thousand field operations however the words are
/// wrong; the search it replaces tried every word at every position.
fn diagnose(words: &[u16]) -> ShareError {
    let list = Language::English.word_list();
    let valid = |w: &[u16]| checksum::is_valid(w) && Share::from_valid_indices(w).is_ok();
    let n = words.len();
    let expected = [word_count(16), word_count(32)];
    if expected.contains(&(n + 1)) {
        let found: Vec<(usize, &'static str)> = (0..=n)
            .filter_map(|pos| {
                let sym = checksum::insert_one(words, pos)?;
                let mut t = Zeroizing::new(words.to_vec());
                t.insert(pos, sym);
                valid(&t).then(|| (pos + 1, list[sym as usize]))
            })
            .collect();
        return match found.as_slice() {
            [(position, word)] => ShareError::MissingWord {
                position: *position,
                likely: Some(word),
            },
            _ => ShareError::MissingWord {
                position: 0,
                likely: None,
            },
        };
    }
    if expected.contains(&(n.wrapping_sub(1))) {
        let extra: Vec<usize> = (0..n)
            .filter(|&pos| {
                let mut t = Zeroizing::new(words.to_vec());
                t.remove(pos);
                valid(&t)
            })
            .collect();
        return ShareError::ExtraWord {
            position: (extra.len() == 1).then(|| extra[0] + 1),
        };
    }
    if !expected.contains(&n) {
        return ShareError::WordCount { found: n };
    }
    for pos in 0..n.saturating_sub(1) {
        let mut t = Zeroizing::new(words.to_vec());
        t.swap(pos, pos + 1);
        if t[..] != words[..] && valid(&t) {
            return ShareError::SwappedWords { first: pos + 1 };
        }
    }
    if let Some((pos, sym)) = checksum::correct_one(words) {
        let mut t = Zeroizing::new(words.to_vec());
        t[pos] = sym;
        if valid(&t) {
            return ShareError::WrongWord {
                position: pos + 1,
                likely: list[sym as usize],
            };
        }
    }
    ShareError::Checksum
}

#[derive(Default)]
struct BitWriter {
    acc: u64,
    len: usize,
    words: Zeroizing<Vec<u16>>,
}

impl BitWriter {
    fn push(&mut self, value: u32, bits: usize) {
        for i in (0..bits).rev() {
            self.acc = (self.acc << 1) | u64::from((value >> i) & 1);
            self.len += 1;
            if self.len == 11 {
                self.words.push(self.acc as u16);
                self.acc = 0;
                self.len = 0;
            }
        }
    }

    fn into_words(mut self) -> Zeroizing<Vec<u16>> {
        if self.len > 0 {
            let pad = 11 - self.len;
            self.push(0, pad);
        }
        self.acc = 0;
        std::mem::take(&mut self.words)
    }
}

struct BitReader<'a> {
    words: &'a [u16],
    pos: usize,
}

impl<'a> BitReader<'a> {
    fn new(words: &'a [u16]) -> Self {
        BitReader { words, pos: 0 }
    }

    fn bit(&self, p: usize) -> u32 {
        u32::from((self.words[p / 11] >> (10 - p % 11)) & 1)
    }

    fn take(&mut self, bits: usize) -> u32 {
        let mut v = 0;
        for _ in 0..bits {
            v = (v << 1) | self.bit(self.pos);
            self.pos += 1;
        }
        v
    }

    fn rest_is_zero(&self) -> bool {
        (self.pos..self.words.len() * 11).all(|p| self.bit(p) == 0)
    }
}

#[cfg(test)]
mod completion_tests {
    use super::*;

    #[test]
    fn four_letters_name_a_word_and_three_letter_words_wait_for_a_space() {
        assert_eq!(complete("aban"), Completion::Word("abandon"));
        assert_eq!(complete("ABANDON"), Completion::Word("abandon"));
        assert_eq!(complete("act"), Completion::WordOrLonger("act"));
        assert_eq!(complete("zoo"), Completion::Word("zoo"));
        assert!(matches!(complete("ab"), Completion::Prefix(n) if n > 1));
        assert_eq!(complete("xq"), Completion::NoSuch);
        assert_eq!(complete("abandonx"), Completion::NoSuch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(len: usize) -> Share {
        Share {
            set_id: 0xABCDE,
            threshold: 3,
            count: 5,
            index: 4,
            value: Zeroizing::new((0..len as u8).map(|i| i.wrapping_mul(37)).collect()),
        }
    }

    #[test]
    fn shares_round_trip_through_words() {
        for len in [16, 32] {
            let s = share(len);
            let words = s.to_words().join(" ");
            assert_eq!(words.split(' ').count(), word_count(len));
            assert_eq!(Share::from_words(&words).unwrap(), s);
        }
        assert_eq!(word_count(16), 18);
        assert_eq!(word_count(32), 30);
    }

    #[test]
    fn four_letter_prefixes_and_capitals_are_accepted() {
        let s = share(16);
        let short: Vec<String> = s
            .to_words()
            .iter()
            .map(|w| w.chars().take(4).collect::<String>().to_uppercase())
            .collect();
        assert_eq!(Share::from_words(&short.join("  ")).unwrap(), s);
    }

    fn words(len: usize) -> Vec<String> {
        share(len)
            .to_words()
            .iter()
            .map(|w| w.to_string())
            .collect()
    }

    fn err(w: &[String]) -> String {
        Share::from_words(&w.join(" ")).unwrap_err().to_string()
    }

    #[test]
    fn a_wrong_word_is_located_and_corrected() {
        for len in [16, 32] {
            let good = words(len);
            for pos in [0, 7, good.len() - 1] {
                let mut w = good.clone();
                w[pos] = if w[pos] == "zoo" {
                    "zone".into()
                } else {
                    "zoo".into()
                };
                let e = err(&w);
                assert_eq!(
                    e,
                    format!(
                        "word {} is wrong; it is probably \"{}\": check the sheet",
                        pos + 1,
                        good[pos]
                    )
                );
            }
        }
    }

    #[test]
    fn a_misspelt_word_gets_suggestions() {
        let mut w = words(16);
        let right = w[4].clone();
        let mut typo: Vec<char> = right.chars().collect();
        typo[1] = if typo[1] == 'q' { 'x' } else { 'q' };
        w[4] = typo.into_iter().collect();
        let e = err(&w);
        assert!(e.starts_with("word 5 is not a BIP39 English word"), "{e}");
        assert!(
            e.contains(&format!("\"{right}\"")) || e.contains(&right),
            "{e}"
        );
    }

    #[test]
    fn a_word_from_another_language_is_named() {
        let mut w = words(16);
        // French BIP39 list; not in the English one.
        w[2] = "abaisser".into();
        assert!(
            err(&w).starts_with("word 3 is not a BIP39 English word"),
            "{}",
            err(&w)
        );
    }

    #[test]
    fn a_missing_word_is_located() {
        let good = words(16);
        let mut w = good.clone();
        w.remove(9);
        let e = err(&w);
        assert!(e.starts_with("a word is missing"), "{e}");
        assert!(
            e.contains(&format!("\"{}\"", good[9])) || !e.contains("probably"),
            "{e}"
        );
    }

    #[test]
    fn swapped_words_are_located() {
        let good = words(32);
        let mut pos = 11;
        while good[pos] == good[pos + 1] {
            pos += 1;
        }
        let mut w = good.clone();
        w.swap(pos, pos + 1);
        assert_eq!(
            err(&w),
            format!(
                "words {} and {} are swapped: exchange them",
                pos + 1,
                pos + 2
            )
        );
    }

    #[test]
    fn extra_and_far_off_word_counts_are_named() {
        let mut w = words(16);
        w.insert(3, "abandon".into());
        assert!(
            err(&w).starts_with("there is one word too many"),
            "{}",
            err(&w)
        );
        assert!(err(&words(16)[..10]).starts_with("10 words given"));
    }

    #[test]
    fn several_wrong_words_are_caught_not_miscorrected() {
        let good = words(16);
        let mut w = good.clone();
        for p in [1, 5, 9] {
            w[p] = if w[p] == "zoo" {
                "abandon".into()
            } else {
                "zoo".into()
            };
        }
        assert!(Share::from_words(&w.join(" ")).is_err());
    }

    #[test]
    fn a_bip39_passphrase_is_not_a_share() {
        let p = crate::passphrase::Passphrase::generate(24).unwrap();
        assert!(Share::from_words(p.expose_phrase()).is_err());
    }

    #[test]
    fn debug_hides_the_value() {
        let d = format!("{:?}", share(16));
        assert!(d.contains("REDACTED") && d.contains("ABCDE"), "{d}");
        assert!(!d.contains("37"), "{d}");
    }

    /// The diagnosis as it was first written: every word at every position.
    /// Slow, obviously right, and the oracle for the algebraic one.
    fn diagnose_by_search(words: &[u16]) -> ShareError {
        let list = Language::English.word_list();
        let valid = |w: &[u16]| checksum::is_valid(w) && Share::from_valid_indices(w).is_ok();
        let n = words.len();
        let expected = [word_count(16), word_count(32)];
        if expected.contains(&(n + 1)) {
            let mut found = Vec::new();
            for pos in 0..=n {
                for sym in 0..2048u16 {
                    let mut t = words.to_vec();
                    t.insert(pos, sym);
                    if valid(&t) {
                        found.push((pos + 1, list[sym as usize]));
                    }
                }
            }
            return match found.as_slice() {
                [(position, word)] => ShareError::MissingWord {
                    position: *position,
                    likely: Some(word),
                },
                _ => ShareError::MissingWord {
                    position: 0,
                    likely: None,
                },
            };
        }
        if expected.contains(&(n.wrapping_sub(1))) || !expected.contains(&n) {
            return diagnose(words);
        }
        for pos in 0..n - 1 {
            let mut t = words.to_vec();
            t.swap(pos, pos + 1);
            if t[..] != words[..] && valid(&t) {
                return ShareError::SwappedWords { first: pos + 1 };
            }
        }
        let mut found = Vec::new();
        for pos in 0..n {
            for sym in (0..2048u16).filter(|&s| s != words[pos]) {
                let mut t = words.to_vec();
                t[pos] = sym;
                if valid(&t) {
                    found.push((pos + 1, list[sym as usize]));
                }
            }
        }
        match found.as_slice() {
            [(position, word)] => ShareError::WrongWord {
                position: *position,
                likely: word,
            },
            _ => ShareError::Checksum,
        }
    }

    #[test]
    fn the_algebraic_diagnosis_agrees_with_trying_every_word() {
        // xorshift: reproducible damage of every kind, one and two mistakes.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |m: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % m as u64) as usize
        };
        let mut kinds = std::collections::HashMap::new();
        for round in 0..120 {
            let len = if round % 2 == 0 { 16 } else { 32 };
            let mut w = share(len).to_indices().to_vec();
            for _ in 0..1 + round % 3 / 2 {
                match next(4) {
                    0 => {
                        let p = next(w.len());
                        w[p] = next(2048) as u16;
                    }
                    1 => {
                        w.remove(next(w.len()));
                    }
                    2 => {
                        let p = next(w.len() + 1);
                        w.insert(p, next(2048) as u16);
                    }
                    _ => {
                        let p = next(w.len() - 1);
                        w.swap(p, p + 1);
                    }
                }
            }
            if checksum::is_valid(&w) {
                continue;
            }
            let fast = diagnose(&w);
            assert_eq!(
                fast.to_string(),
                diagnose_by_search(&w).to_string(),
                "{w:?}"
            );
            *kinds.entry(std::mem::discriminant(&fast)).or_insert(0) += 1;
        }
        // Wrong, missing, extra and swapped words and plain checksum failures all came up.
        assert!(
            kinds.len() >= 5,
            "only {} kinds of diagnosis exercised",
            kinds.len()
        );
    }

    #[test]
    fn the_letter_filter_keeps_every_suggestion_a_full_search_finds() {
        let list = Language::English.word_list();
        let by_search = |typed: &str| {
            let prefix: String = typed.chars().take(4).collect();
            let mut scored: Vec<(usize, &str)> = list
                .iter()
                .filter_map(|w| {
                    let d = if typed.len().abs_diff(w.len()) > 2 {
                        usize::MAX
                    } else {
                        edit_distance(typed, w)
                    };
                    (d <= 2 || (prefix.len() == 4 && w.starts_with(&prefix))).then_some((d, *w))
                })
                .collect();
            scored.sort();
            scored
                .into_iter()
                .take(3)
                .map(|(_, w)| w)
                .collect::<Vec<_>>()
        };
        let mut typed: Vec<String> = Vec::new();
        for (i, w) in list.iter().enumerate().step_by(7) {
            let b = w.as_bytes();
            let c = (b'a' + (i % 26) as u8) as char;
            typed.push(format!("{}{c}{}", &w[..1], &w[2..])); // substitution
            typed.push(format!("{c}{w}")); // insertion
            typed.push(w[1..].to_string()); // deletion
            typed.push(format!("{}{}{c}", &w[..b.len() - 1], "é")); // foreign letter
            typed.push(format!("{}{}", &w[2..], &w[..2])); // rotated: far in letters
        }
        let mut with_suggestions = 0;
        for t in &typed {
            let got = suggest(t);
            with_suggestions += usize::from(!got.is_empty());
            assert_eq!(got, by_search(t), "{t}");
        }
        assert!(with_suggestions > typed.len() / 2);
    }
}
