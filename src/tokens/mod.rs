//! Hardware tokens, one module per backend, each with its own error:
//!
//! - `openpgp_card`: OpenPGP cards (YubiKeys and others) over PC/SC, which
//!   hold the OpenPGP subkeys (`OpenPgpCardError`);
//! - `piv`: YubiKeys' PIV application, which holds the cosign key (`PivError`);
//! - `pkcs11`: PKCS#11 tokens (HSMs, SoftHSM2), which hold the cosign key
//!   (`Pkcs11Error`).
//!
//! The backends know nothing of the plan or the command line: the ceremony
//! layer turns the plan's choices into each backend's own types.
//!
//! PIN safety is every backend's first rule: retry counters are read before
//! any PIN is presented, a PIN is never tried when one try is left, and a
//! wrong PIN reports how many tries remain.

pub mod openpgp_card;
pub mod piv;
pub mod pkcs11;
mod reader_lock;

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// The two PINs a card or token gets (an OpenPGP card's user and admin
/// PINs, a PIV token's PIN and PUK). Secret: redacted Debug, never displayed.
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
