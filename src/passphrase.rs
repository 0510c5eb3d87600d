//! The ceremony passphrase: a BIP39 mnemonic drawn from the operating system's RNG.
//!
//! BIP39 words are what custodians can copy by hand without mistakes (every word
//! is unique in its first four letters, and the last word carries a checksum).
//! The passphrase's *entropy* is what the shares split, so the text form is
//! derived, never stored. Both forms live in zeroizing memory and neither has a
//! `Display` or a revealing `Debug`.

use std::fmt;

use bip39::{Language, Mnemonic};
use secrecy::{ExposeSecret, SecretString};
use sequoia_openpgp::crypto::Password;
use zeroize::Zeroizing;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PassphraseError {
    #[error("the operating system's random number generator failed: {0}")]
    Rng(getrandom::Error),
    #[error("{0} words is not a passphrase length keyceremony makes: use 12 or 24")]
    Length(usize),
    #[error("the passphrase words are not a valid BIP39 mnemonic: {0}")]
    Invalid(String),
}

pub struct Passphrase {
    entropy: Zeroizing<Vec<u8>>,
    phrase: SecretString,
}

impl Passphrase {
    /// Draws a fresh passphrase of `words` words (12 or 24) from the OS RNG.
    pub fn generate(words: usize) -> Result<Passphrase, PassphraseError> {
        let len = match words {
            12 => 16,
            24 => 32,
            n => return Err(PassphraseError::Length(n)),
        };
        let mut entropy = Zeroizing::new(vec![0u8; len]);
        getrandom::getrandom(&mut entropy).map_err(PassphraseError::Rng)?;
        Passphrase::from_entropy(&entropy)
    }

    /// Rebuilds the passphrase from its entropy (16 or 32 bytes), as a restore does.
    pub fn from_entropy(entropy: &[u8]) -> Result<Passphrase, PassphraseError> {
        if entropy.len() != 16 && entropy.len() != 32 {
            return Err(PassphraseError::Length(entropy.len() * 3 / 4));
        }
        let mnemonic = Mnemonic::from_entropy_in(Language::English, entropy)
            .map_err(|e| PassphraseError::Invalid(e.to_string()))?;
        let phrase = Zeroizing::new(mnemonic.words().collect::<Vec<_>>().join(" "));
        Ok(Passphrase {
            entropy: Zeroizing::new(entropy.to_vec()),
            phrase: SecretString::from(phrase.as_str()),
        })
    }

    /// Parses words typed or read back (lower case, single spaces are not required).
    pub fn from_words(text: &str) -> Result<Passphrase, PassphraseError> {
        let normal = Zeroizing::new(
            text.split_whitespace()
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
                .join(" "),
        );
        let mnemonic = Mnemonic::parse_in_normalized(Language::English, &normal)
            .map_err(|e| PassphraseError::Invalid(e.to_string()))?;
        let (array, len) = mnemonic.to_entropy_array();
        let array = Zeroizing::new(array);
        Passphrase::from_entropy(&array[..len])
    }

    pub fn word_count(&self) -> usize {
        self.entropy.len() * 3 / 4
    }

    /// The secret bytes that shares split.
    pub fn entropy(&self) -> &[u8] {
        &self.entropy
    }

    /// The words, space separated. Callers must not log or display it except
    /// on the one screen (or file descriptor) meant for it.
    pub fn expose_phrase(&self) -> &str {
        self.phrase.expose_secret()
    }

    /// The passphrase as the password of the backup's cosign key file.
    pub fn to_secret_string(&self) -> secrecy::SecretString {
        secrecy::SecretString::from(self.expose_phrase().to_owned())
    }

    /// The passphrase as OpenPGP S2K input; sequoia keeps it in protected memory.
    pub fn to_password(&self) -> Password {
        Password::from(self.expose_phrase())
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Passphrase([REDACTED {} words])", self.word_count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passphrases_have_the_asked_length_and_differ() {
        let a = Passphrase::generate(24).unwrap();
        let b = Passphrase::generate(24).unwrap();
        assert_eq!(a.expose_phrase().split(' ').count(), 24);
        assert_eq!(a.entropy().len(), 32);
        assert_ne!(a.entropy(), b.entropy());
        assert_eq!(Passphrase::generate(12).unwrap().entropy().len(), 16);
        assert!(Passphrase::generate(18).is_err());
    }

    #[test]
    fn words_round_trip_through_entropy() {
        let a = Passphrase::generate(12).unwrap();
        let b = Passphrase::from_words(&a.expose_phrase().to_uppercase()).unwrap();
        assert_eq!(a.entropy(), b.entropy());
    }

    #[test]
    fn bip39_test_vector() {
        // Trezor's BIP39 vector: 16 bytes of 0x7f.
        let p = Passphrase::from_entropy(&[0x7f; 16]).unwrap();
        assert_eq!(
            p.expose_phrase(),
            "legal winner thank year wave sausage worth useful legal winner thank yellow"
        );
    }

    #[test]
    fn debug_does_not_reveal_words() {
        let p = Passphrase::from_entropy(&[0x7f; 16]).unwrap();
        let d = format!("{p:?}");
        assert!(!d.contains("legal"), "{d}");
        assert!(d.contains("REDACTED"));
    }

    #[test]
    fn a_wrong_checksum_word_is_refused() {
        let text = "legal winner thank year wave sausage worth useful legal winner thank thank";
        assert!(Passphrase::from_words(text).is_err());
    }
}
