//! Shamir shares of the passphrase: split, combine, encode as words, render.
//!
//! The passphrase's entropy (16 or 32 bytes) is split with `blahaj`, the
//! maintained fork of `sharks` that fixes RUSTSEC-2024-0398. blahaj does no
//! integrity checking of its own: it takes a share with x = 0 and interpolates
//! duplicate x values into a wrong secret without complaint. So this layer
//! does what SLIP-39 taught: a random set id on every share, a checksum that
//! catches and locates word errors (`checksum`), refusal of foreign, duplicate
//! and missing shares before blahaj sees them, and a check value of the secret
//! kept with the backup, so a well-formed but wrong combination is caught and
//! never used.

mod checksum;
mod codec;
pub mod sheet;
mod split;

pub use codec::{complete, set_id_text, word_count, Completion, Share, FORMAT_VERSION};
pub use split::{combine, combine_checked, split, SetInfo, ShareSet};

fn forged_text(indices: &[u8]) -> String {
    let list: Vec<String> = indices.iter().map(u8::to_string).collect();
    format!(
        "share {} is not on this split (the others agree with each other and with the check value): it is damaged or forged; do not use that sheet",
        list.join(" and ")
    )
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ShareError {
    #[error("word {position} is not a BIP39 English word{}: check the sheet and type it again", did_you_mean(.suggestions))]
    UnknownWord {
        position: usize,
        suggestions: Vec<&'static str>,
    },
    #[error("{}", missing(*.position, *.likely))]
    MissingWord {
        position: usize,
        likely: Option<&'static str>,
    },
    #[error("there is one word too many{}: compare with the sheet", .position.map(|p| format!(" (word {p} does not belong)")).unwrap_or_default())]
    ExtraWord { position: Option<usize> },
    #[error("{found} words given, but a share has 18 (12-word passphrase) or 30 (24-word passphrase) words")]
    WordCount { found: usize },
    #[error("words {first} and {} are swapped: exchange them", .first + 1)]
    SwappedWords { first: usize },
    #[error("word {position} is wrong; it is probably \"{likely}\": check the sheet")]
    WrongWord {
        position: usize,
        likely: &'static str,
    },
    #[error("the words do not check out and no single mistake explains it: several words are wrong; compare with the sheet word by word")]
    Checksum,
    #[error("the words check out but are not a keyceremony share: {0}")]
    Malformed(String),
    #[error("{0}")]
    Parameters(String),
    #[error("share {index} (the {} given) belongs to another set: set {found}, where the others are set {expected}; it comes from a different ceremony", ordinal(*.position))]
    ForeignSet {
        position: usize,
        index: u8,
        found: String,
        expected: String,
    },
    /// Every share given is of one set, and the backup of another.
    #[error("the shares given are of set {found}, but this backup's shares.json is set {expected}: they open another backup (of another key, or from before a reshare); bring this backup's shares, or the backup they belong to")]
    OtherBackup { found: String, expected: String },
    #[error("share {index} was given twice: bring another custodian's share")]
    Duplicate { index: u8 },
    #[error("two different shares both claim to be share {index}: one of them is corrupted")]
    Conflict { index: u8 },
    #[error("share {position} disagrees with the others about the split ({what}): it is corrupted or from another split")]
    Inconsistent { position: usize, what: &'static str },
    #[error("{given} of {needed} shares given; {} needed", more_needed(*.needed - *.given))]
    TooFew { given: usize, needed: usize },
    #[error("the shares do not agree with each other: at least one is damaged, forged or from another split{}", odd.map(|i| format!(", and share {i} is the one that disagrees")).unwrap_or_else(|| "; with the backup's shares.json (--check) or one share more, keyceremony can tell which".into()))]
    Disagree { odd: Option<u8> },
    #[error("{}", forged_text(indices))]
    Forged { indices: Vec<u8> },
    #[error("the shares combine to a secret that does not match the check value of set {set}: a share is not from this split, or this is not the backup they were made for")]
    Mismatch { set: String },
    #[error("the operating system's random number generator failed: {0}")]
    Rng(getrandom::Error),
}

fn did_you_mean(s: &[&str]) -> String {
    match s {
        [] => String::new(),
        [one] => format!(" (did you mean \"{one}\"?)"),
        more => format!(" (did you mean one of: {}?)", more.join(", ")),
    }
}

fn missing(position: usize, likely: Option<&str>) -> String {
    match likely {
        Some(w) => format!("a word is missing before word {position}; it is probably \"{w}\""),
        None => "a word is missing: compare with the sheet to find which".into(),
    }
}

fn more_needed(n: usize) -> String {
    match n {
        1 => "one more".into(),
        n => format!("{n} more"),
    }
}

/// "1st", "2nd", "3rd", "4th": which of the shares given, in order.
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}
