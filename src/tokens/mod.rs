//! Hardware tokens: OpenPGP cards (YubiKeys and others) over PC/SC.
//!
//! The subkeys are in memory once and go to every card; each card is then
//! proven by a signature made on it and verified against the public cert.
//! Every step is checked before the next, and each card's failure ends only
//! that card's provisioning, with a message that says how to resume.
//!
//! PIN safety is this module's first rule: retry counters are read before any
//! PIN is presented, a PIN is never tried when one try is left, and a wrong
//! PIN reports how many tries remain.

pub mod kdf;
mod pcsc;
pub mod piv;
pub mod pkcs11;
mod reader;
mod signer;
mod upload;

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

pub use pcsc::{
    card_status, find_card, list_cards, list_readers, prove, provision, ProvisionReport, ReaderInfo,
};

/// Factory-default PINs of OpenPGP cards (and what a factory reset restores).
pub const DEFAULT_USER_PIN: &str = "123456";
pub const DEFAULT_ADMIN_PIN: &str = "12345678";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    #[error("cannot reach PC/SC ({0}): is pcscd running? Start it with `pcscd` (or `systemctl start pcscd`)")]
    Pcsc(String),
    #[error("no OpenPGP card {0} is in any reader: insert it, or check the serial with `keyceremony card list`")]
    NotFound(String),
    #[error("card {serial} in {reader} is in use by another program: close it (gpg's scdaemon holds cards open: `gpgconf --kill scdaemon`) and try again")]
    Busy { serial: String, reader: String },
    #[error("card {serial} was removed or stopped answering during {step}: put it back and run `keyceremony card provision` again for this card; the other cards are done")]
    Removed { serial: String, step: String },
    #[error("card {serial} already holds keys ({slots}): confirm a factory reset by naming the serial in the plan's cards.reset, or use another card")]
    NotEmpty { serial: String, slots: String },
    #[error("card {serial}: the {which} PIN has {left} tries left; keyceremony will not spend the last one. Reset it first (`gpg --card-edit`, then `admin` and `passwd`; a blocked admin PIN needs a factory reset)")]
    LastTry {
        serial: String,
        which: &'static str,
        left: u8,
    },
    #[error("card {serial}: wrong {which} PIN; {left} tries left")]
    WrongPin {
        serial: String,
        which: &'static str,
        left: u8,
    },
    #[error("card {serial}: {message}")]
    Unsupported { serial: String, message: String },
    #[error("card {serial}: {step} failed: {message}")]
    Step {
        serial: String,
        step: &'static str,
        message: String,
    },
    #[error("card {serial}: {what} read back wrong: {detail}; do not use this card")]
    Mismatch {
        serial: String,
        what: &'static str,
        detail: String,
    },
}

/// What `card list` shows: public facts of one card.
#[derive(Debug, Clone, Serialize)]
pub struct CardInfo {
    pub reader: String,
    /// `MMMM:SSSSSSSS`: manufacturer and serial, how openpgp-card names a card.
    pub ident: String,
    pub manufacturer: String,
    pub serial: String,
    pub version: String,
    pub firmware: Option<String>,
    pub signing: Option<String>,
    pub decryption: Option<String>,
    pub authentication: Option<String>,
    pub user_pin_tries: u8,
    pub reset_code_tries: u8,
    pub admin_pin_tries: u8,
    /// Whether the card hashes PINs on the host (KDF-DO set).
    pub kdf: bool,
}

impl CardInfo {
    pub fn is_empty(&self) -> bool {
        self.signing.is_none() && self.decryption.is_none() && self.authentication.is_none()
    }

    /// An empty card as a fresh one reads, for tests of what shows cards.
    #[cfg(test)]
    pub fn example(serial: &str) -> CardInfo {
        CardInfo {
            reader: "Virtual PCD 00 00".into(),
            ident: format!("0000:{serial}"),
            manufacturer: "Testing".into(),
            serial: serial.into(),
            version: "3.4".into(),
            firmware: None,
            signing: None,
            decryption: None,
            authentication: None,
            user_pin_tries: 3,
            reset_code_tries: 0,
            admin_pin_tries: 3,
            kdf: false,
        }
    }
}

/// The two PINs a card gets. Secret: redacted Debug, never displayed.
pub struct CardPins {
    pub user: SecretString,
    pub admin: SecretString,
}

impl fmt::Debug for CardPins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CardPins([REDACTED])")
    }
}

impl CardPins {
    /// Fresh random PINs: 8 digits each, from the OS RNG without modulo bias.
    pub fn generate() -> Result<CardPins, getrandom::Error> {
        Ok(CardPins {
            user: SecretString::from(random_digits(8)?.as_str()),
            admin: SecretString::from(random_digits(8)?.as_str()),
        })
    }

    /// A second copy, for a retry after the first went into a failed attempt.
    pub fn duplicate(&self) -> CardPins {
        CardPins {
            user: SecretString::from(self.user.expose_secret()),
            admin: SecretString::from(self.admin.expose_secret()),
        }
    }

    /// The text handed to the operator (and read back by `card provision --pins`).
    pub fn to_text(&self) -> zeroize::Zeroizing<String> {
        zeroize::Zeroizing::new(format!(
            "user-pin: {}\nadmin-pin: {}\n",
            self.user.expose_secret(),
            self.admin.expose_secret()
        ))
    }

    pub fn from_text(text: &str) -> Option<CardPins> {
        let field = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_owned()))
                .filter(|v| !v.is_empty())
        };
        let user = zeroize::Zeroizing::new(field("user-pin:")?);
        let admin = zeroize::Zeroizing::new(field("admin-pin:")?);
        Some(CardPins {
            user: SecretString::from(user.as_str()),
            admin: SecretString::from(admin.as_str()),
        })
    }
}

fn random_digits(n: usize) -> Result<zeroize::Zeroizing<String>, getrandom::Error> {
    let mut out = zeroize::Zeroizing::new(String::with_capacity(n));
    while out.len() < n {
        let mut b = [0u8; 1];
        getrandom::getrandom(&mut b)?;
        // 250 is the largest multiple of 10 below 256: reject above it.
        if b[0] < 250 {
            out.push(char::from(b'0' + b[0] % 10));
        }
    }
    Ok(out)
}

/// What to do to each card, from the plan.
#[derive(Debug, Clone)]
pub struct ProvisionSpec {
    /// Serials (8 hex digits) whose factory reset the plan confirms.
    pub reset: Vec<String>,
    pub cardholder: Option<String>,
    pub url: Option<String>,
    pub touch: Touch,
    /// Set up KDF (PINs hashed on the host) where the card offers it.
    pub kdf: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Touch {
    /// Leave the card's touch policy as it is.
    #[default]
    Off,
    On,
    Cached,
    /// Permanent until the next factory reset.
    Fixed,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_round_trip_and_stay_out_of_debug() {
        let p = CardPins::generate().unwrap();
        assert_eq!(p.user.expose_secret().len(), 8);
        assert!(p.user.expose_secret().chars().all(|c| c.is_ascii_digit()));
        let back = CardPins::from_text(&p.to_text()).unwrap();
        assert_eq!(back.admin.expose_secret(), p.admin.expose_secret());
        assert_eq!(format!("{p:?}"), "CardPins([REDACTED])");
        assert!(CardPins::from_text("user-pin: 1\n").is_none());
    }
}
