//! What custodians hold: a printable text sheet, a QR code, and optionally an
//! age-encrypted copy of the sheet for the custodian's own X25519 key.
//!
//! The sheet is for people first (numbered words in columns, what the share is
//! for) and is also read back by `read_share`, which takes a sheet, a bare list
//! of words, a QR payload, or an age file of any of these.

use std::io::{Read, Write};
use std::str::FromStr;

use zeroize::Zeroizing;

use super::codec::{set_id_text, Share};
use super::ShareError;

/// Public facts printed on a sheet besides the words.
#[derive(Debug, Clone)]
pub struct SheetInfo<'a> {
    pub custodian: &'a str,
    pub fingerprint: &'a str,
    pub date: &'a str,
}

pub const SHEET_HEADER: &str = "KEYCEREMONY SHARE";
/// Prefix of the QR payload: QR alphanumeric mode takes upper case, digits and spaces.
pub const QR_PREFIX: &str = "KCSHARE1";

/// The text sheet for one share.
pub fn render(share: &Share, info: &SheetInfo<'_>) -> Zeroizing<String> {
    let words = share.to_words();
    let rows = words.len().div_ceil(3);
    // A sheet is under 2 KiB: reserved up front, so no reallocation leaves
    // a copy of the words behind.
    let mut s = Zeroizing::new(String::with_capacity(4096));
    let mut line = |l: &str| {
        s.push_str(l);
        s.push('\n');
    };
    line(&format!(
        "{SHEET_HEADER}                                         format 1"
    ));
    line("");
    line(&format!(
        "Share {} of {}. Any {} shares of this set restore the passphrase.",
        share.index, share.count, share.threshold
    ));
    line(&format!("Share set:  {}", set_id_text(share.set_id)));
    line(&format!("Key:        {}", spaced(info.fingerprint)));
    line(&format!("Custodian:  {}", info.custodian));
    line(&format!("Date:       {}", info.date));
    line("");
    line("Words, in order (the first four letters of each are enough):");
    line("");
    for r in 0..rows {
        // The row's words are share material: built in a wiped buffer with
        // room for three columns, written into it without temporaries.
        let mut cols = Zeroizing::new(String::with_capacity(64));
        for c in 0..3 {
            let i = c * rows + r;
            if let Some(w) = words.get(i) {
                use std::fmt::Write;
                let _ = write!(cols, "  {:>2} {:<12}", i + 1, w);
            }
        }
        line(cols.trim_end());
    }
    line("");
    line("Keep this sheet private and apart from the other shares. Alone it reveals");
    line(&format!(
        "nothing about the passphrase; any {} together restore it.",
        share.threshold
    ));
    s
}

fn spaced(fpr: &str) -> String {
    fpr.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The QR payload: `KCSHARE1 WORD WORD ...` in upper case.
pub fn qr_payload(share: &Share) -> Zeroizing<String> {
    let words = share.to_words();
    let joined = Zeroizing::new(words.join(" "));
    Zeroizing::new(format!("{QR_PREFIX} {}", joined.to_uppercase()))
}

/// The share's QR code as SVG.
pub fn qr_svg(share: &Share) -> Result<Zeroizing<String>, ShareError> {
    let code = qrcode::QrCode::with_error_correction_level(
        qr_payload(share).as_bytes(),
        qrcode::EcLevel::M,
    )
    .map_err(|e| ShareError::Malformed(format!("QR encoding failed: {e}")))?;
    Ok(Zeroizing::new(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(240, 240)
            .build(),
    ))
}

/// The share's QR code for a terminal, two modules per character cell, with a
/// quiet zone; light-on-dark terminals show it inverted, which scanners read too.
pub fn qr_terminal(share: &Share) -> Result<Zeroizing<String>, ShareError> {
    let code = qrcode::QrCode::with_error_correction_level(
        qr_payload(share).as_bytes(),
        qrcode::EcLevel::M,
    )
    .map_err(|e| ShareError::Malformed(format!("QR encoding failed: {e}")))?;
    Ok(Zeroizing::new(
        code.render::<qrcode::render::unicode::Dense1x2>()
            .dark_color(qrcode::render::unicode::Dense1x2::Light)
            .light_color(qrcode::render::unicode::Dense1x2::Dark)
            .build(),
    ))
}

/// Extracts the words of a share from a sheet, a QR payload or a bare word list.
pub fn words_from_text(text: &str) -> Zeroizing<String> {
    let text = text.trim_start_matches('\u{feff}');
    if let Some(rest) = text.trim_start().strip_prefix(QR_PREFIX) {
        return Zeroizing::new(rest.trim().to_owned());
    }
    if !text.trim_start().starts_with(SHEET_HEADER) {
        return Zeroizing::new(text.to_owned());
    }
    // A sheet: take `N word` pairs from lines made only of such pairs, by N.
    let mut pairs: Vec<(usize, String)> = Vec::new();
    for l in text.lines() {
        let t: Vec<&str> = l.split_whitespace().collect();
        if t.is_empty() || !t.len().is_multiple_of(2) {
            continue;
        }
        let parsed: Option<Vec<(usize, String)>> = t
            .chunks(2)
            .map(|p| {
                let n = p[0].parse::<usize>().ok()?;
                p[1].chars()
                    .all(|c| c.is_ascii_alphabetic())
                    .then(|| (n, p[1].to_owned()))
            })
            .collect();
        if let Some(p) = parsed {
            pairs.extend(p);
        }
    }
    pairs.sort_by_key(|(n, _)| *n);
    let words = Zeroizing::new(
        pairs
            .iter()
            .map(|(_, w)| w.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    );
    pairs
        .iter_mut()
        .for_each(|(_, w)| zeroize::Zeroize::zeroize(w));
    words
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SheetError {
    #[error("{0} is not an age recipient (age1...): check the plan")]
    Recipient(String),
    #[error(
        "the age file is damaged or not an age file: {0}; ask the custodian for the printed sheet"
    )]
    AgeFile(String),
    #[error("the age identity does not open this file: use the custodian's own identity file")]
    WrongIdentity,
    #[error("the identity file cannot be used: {0}")]
    Identity(String),
    #[error(transparent)]
    Share(#[from] ShareError),
    #[error("the sheet was altered: {0}. A sheet keyceremony wrote never is: ask its custodian for theirs, or type its words alone")]
    Altered(String),
    #[error("the sheet's header says {header}, but its words are share {index} of {count} (any {threshold}) of set {set}: the sheet was altered or mixed up with another; ask its custodian for theirs")]
    HeaderMismatch {
        header: String,
        index: u8,
        count: u8,
        threshold: u8,
        set: String,
    },
}

/// Encrypts a sheet to one custodian's age X25519 recipient, ASCII-armored.
pub fn age_encrypt(plaintext: &[u8], recipient: &str) -> Result<Vec<u8>, SheetError> {
    let r = age::x25519::Recipient::from_str(recipient.trim())
        .map_err(|_| SheetError::Recipient(recipient.to_owned()))?;
    let enc = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient))
        .map_err(|e| SheetError::Recipient(e.to_string()))?;
    let mut out = Vec::new();
    let io = |e: std::io::Error| SheetError::AgeFile(e.to_string());
    let armor = age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor)
        .map_err(io)?;
    let mut w = enc.wrap_output(armor).map_err(io)?;
    w.write_all(plaintext).map_err(io)?;
    w.finish().and_then(|a| a.finish()).map_err(io)?;
    Ok(out)
}

/// Whether bytes look like an age file (armored or binary).
pub fn is_age(bytes: &[u8]) -> bool {
    bytes.starts_with(b"age-encryption.org/")
        || bytes.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----")
}

/// Decrypts an age file with the identities in `identity_file` (age-keygen format).
pub fn age_decrypt(bytes: &[u8], identity_file: &[u8]) -> Result<Zeroizing<Vec<u8>>, SheetError> {
    let ids = age::IdentityFile::from_buffer(identity_file)
        .map_err(|e| SheetError::Identity(e.to_string()))?
        .into_identities()
        .map_err(|e| SheetError::Identity(e.to_string()))?;
    let dec = age::Decryptor::new(age::armor::ArmoredReader::new(bytes))
        .map_err(|e| SheetError::AgeFile(e.to_string()))?;
    let mut r = dec
        .decrypt(ids.iter().map(|i| i.as_ref() as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => SheetError::WrongIdentity,
            other => SheetError::AgeFile(other.to_string()),
        })?;
    let mut out = Zeroizing::new(Vec::new());
    r.read_to_end(&mut out)
        .map_err(|e| SheetError::AgeFile(e.to_string()))?;
    Ok(out)
}

/// Reads one share from file contents: a sheet, words, a QR payload, or an age file of one.
pub fn read_share(bytes: &[u8], identity: Option<&[u8]>) -> Result<Share, SheetError> {
    let plain = if is_age(bytes) {
        let id = identity.ok_or_else(|| {
            SheetError::Identity(
                "this share is age-encrypted: give the custodian's identity with --identity".into(),
            )
        })?;
        age_decrypt(bytes, id)?
    } else {
        Zeroizing::new(bytes.to_vec())
    };
    let text = Zeroizing::new(String::from_utf8_lossy(&plain).into_owned());
    // A sheet keyceremony wrote is plain text: a control or invisible
    // character anywhere in it (an escape sequence hiding a changed digit
    // or word) is an alteration, named before its words are read.
    if is_sheet(&text) {
        let body = text
            .trim_start_matches('\u{feff}')
            .replace(['\n', '\r'], "");
        if let Some(c) = crate::text::first_deceptive(&body) {
            return Err(SheetError::Altered(format!("it holds {c}")));
        }
    }
    let share = Share::from_words(&words_from_text(&text))?;
    check_header(&text, &share)?;
    Ok(share)
}

/// A sheet's header (share number, count, threshold, set) must say what its
/// words are: a header copied over another share's words would otherwise be
/// believed by the person reading the sheet, and the words by the tool.
/// Whether `text` is a sheet keyceremony wrote (by its first line).
fn is_sheet(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with(SHEET_HEADER)
}

fn check_header(text: &str, share: &Share) -> Result<(), SheetError> {
    if !is_sheet(text) {
        return Ok(());
    }
    let mut said = Vec::new();
    for l in text.lines().map(str::trim) {
        if let Some(rest) = l.strip_prefix("Share set:") {
            let set = rest.trim();
            if set != set_id_text(share.set_id) {
                said.push(format!("set {set}"));
            }
        } else if let Some(rest) = l.strip_prefix("Share ") {
            // "Share 3 of 5. Any 3 shares of this set restore the passphrase."
            let nums = (|| -> Option<[u8; 3]> {
                let (i, rest) = rest.split_once(" of ")?;
                let (n, rest) = rest.split_once(". Any ")?;
                let (k, rest) = rest.split_once(' ')?;
                if !rest.starts_with("shares of this set") {
                    return None;
                }
                Some([i.parse().ok()?, n.parse().ok()?, k.parse().ok()?])
            })();
            match nums {
                Some(n) if n == [share.index, share.count, share.threshold] => {}
                Some([i, n, k]) => said.push(format!("share {i} of {n} (any {k})")),
                None => {
                    return Err(SheetError::Altered(format!(
                        "its line {} is not the one a sheet has",
                        crate::text::quoted(l)
                    )))
                }
            }
        } else if let Some(rest) = l.strip_prefix("Key:") {
            let hex: String = rest.split_whitespace().collect();
            if hex.len() != 40 && hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(SheetError::Altered(format!(
                    "its key line {} holds no fingerprint",
                    crate::text::quoted(l)
                )));
            }
        } else if let Some(rest) = l.strip_prefix("Date:") {
            if humantime::parse_rfc3339(&format!("{}T00:00:00Z", rest.trim())).is_err() {
                return Err(SheetError::Altered(format!(
                    "its date line {} holds no date",
                    crate::text::quoted(l)
                )));
            }
        }
    }
    if said.is_empty() {
        return Ok(());
    }
    Err(SheetError::HeaderMismatch {
        header: said.join(", "),
        index: share.index,
        count: share.count,
        threshold: share.threshold,
        set: set_id_text(share.set_id),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shares::split;

    fn share() -> Share {
        split(b"0123456789abcdef0123456789abcdef", 3, 5)
            .unwrap()
            .shares
            .remove(2)
    }

    const INFO: SheetInfo<'static> = SheetInfo {
        custodian: "Alice",
        fingerprint: "D9B4064F3B6BEEA560AB16AA9D00E10E063022A1",
        date: "2026-11-23",
    };

    #[test]
    fn a_sheet_reads_back_as_its_share() {
        let s = share();
        let sheet = render(&s, &INFO);
        assert!(sheet.contains("Share 3 of 5. Any 3 shares"));
        assert!(sheet.contains("D9B4 064F"));
        assert!(sheet.lines().all(|l| l.len() <= 80), "{}", *sheet);
        assert_eq!(read_share(sheet.as_bytes(), None).unwrap(), s);
    }

    /// #25: a header copied over another share's words is refused.
    #[test]
    fn a_sheet_whose_header_is_another_share_s_is_refused() {
        let s = share();
        let sheet = render(&s, &INFO);
        let forged = sheet.replacen("Share 3 of 5.", "Share 2 of 5.", 1);
        let e = read_share(forged.as_bytes(), None).unwrap_err().to_string();
        assert!(
            e.contains("share 2 of 5") && e.contains("words are share 3 of 5"),
            "{e}"
        );
        let set = set_id_text(s.set_id);
        let other = sheet.replacen(&format!("Share set:  {set}"), "Share set:  00000", 1);
        assert!(read_share(other.as_bytes(), None).is_err());
    }

    #[test]
    fn bare_words_and_qr_payloads_read_back() {
        let s = share();
        assert_eq!(
            read_share(s.to_words().join("\n").as_bytes(), None).unwrap(),
            s
        );
        assert_eq!(read_share(qr_payload(&s).as_bytes(), None).unwrap(), s);
        assert!(qr_svg(&s).unwrap().starts_with("<?xml"));
        let term = qr_terminal(&s).unwrap();
        assert!(term.lines().count() > 20 && term.contains('█'), "{}", *term);
    }

    #[test]
    fn age_round_trip_and_wrong_identity() {
        let id = age::x25519::Identity::generate();
        let other = age::x25519::Identity::generate();
        let id_file = |i: &age::x25519::Identity| {
            use secrecy::ExposeSecret;
            format!("{}\n", i.to_string().expose_secret())
        };
        let s = share();
        let sheet = render(&s, &INFO);
        let enc = age_encrypt(sheet.as_bytes(), &id.to_public().to_string()).unwrap();
        assert!(is_age(&enc));
        assert_eq!(read_share(&enc, Some(id_file(&id).as_bytes())).unwrap(), s);
        let err = read_share(&enc, Some(id_file(&other).as_bytes())).unwrap_err();
        assert!(matches!(err, SheetError::WrongIdentity), "{err}");
        let mut broken = enc.clone();
        let mid = broken.len() / 2;
        broken[mid] = if broken[mid] == b'A' { b'B' } else { b'A' };
        let err = read_share(&broken, Some(id_file(&id).as_bytes())).unwrap_err();
        assert!(matches!(err, SheetError::AgeFile(_)), "{err}");
        assert!(read_share(&enc, None).is_err());
        assert!(age_encrypt(b"x", "age1notarecipient").is_err());
    }
}
