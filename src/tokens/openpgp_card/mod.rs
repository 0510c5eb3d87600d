//! OpenPGP cards (YubiKeys and others) over PC/SC: the backend that holds
//! the OpenPGP subkeys.
//!
//! The subkeys are in memory once and go to every card; each card is then
//! proven by a signature made on it and verified against the public cert.
//! Every step is checked before the next, and each card's failure ends only
//! that card's provisioning, with a message that says how to resume.
//!
//! `card` is what is done to one card (openpgp-card 0.7), `reader` our PC/SC
//! connection under it, `upload` the key material in the card's shape,
//! `signer` a sequoia signer on the card, `kdf` PINs hashed on the host.

mod card;
pub mod kdf;
mod reader;
mod signer;
mod upload;

use serde::Serialize;

pub use super::CardPins;

pub use card::{
    card_status, find_card, list_cards, list_readers, prove, provision, sign, ProvisionReport,
    ReaderInfo,
};

/// Factory-default PINs of OpenPGP cards (and what a factory reset restores).
pub const DEFAULT_USER_PIN: &str = "123456";
pub const DEFAULT_ADMIN_PIN: &str = "12345678";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenPgpCardError {
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
    /// The signing role whose subkey goes into the signing slot (`None`:
    /// the default role); a card holds one role.
    pub signing_role: Option<String>,
}

/// A touch policy for the card's key slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Touch {
    /// Leave the card's touch policy as it is.
    #[default]
    Off,
    On,
    Cached,
    /// Permanent until the next factory reset.
    Fixed,
}
