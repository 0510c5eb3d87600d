//! KDF-DO (OpenPGP card 3.4, section 4.3.2): PINs hashed on the host, so the
//! card never receives or stores a PIN as typed.
//!
//! The card only keeps the parameters (algorithm, salts, iteration count) and
//! compares whatever bytes it is sent; the client hashes. Cards differ in
//! what writing the KDF-DO does to the PINs: a YubiKey sets them to the
//! "initial hashes" the DO carries, while others (SmartPGP, Nitrokey's opcard)
//! only store the DO. So before writing it we change both PINs, with the
//! factory PINs as typed, to those same hashes of the factory PINs: afterwards
//! every kind of card holds the hashed factory PINs, and the usual PIN changes
//! (which openpgp-card hashes with the card's KDF-DO) work on all of them.
//!
//! The hash is RFC 4880's iterated and salted S2K over SHA-256, written here
//! because openpgp-card keeps its own private; the test vectors are the
//! specification's, and every provisioning cross-checks the two: the PIN
//! change after setup only succeeds if openpgp-card's hash equals ours.

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Bytes hashed per PIN (as GnuPG's `kdf-setup` does in spirit): about a
/// tenth of a second with SHA-256, paid at every PIN entry.
pub const ITERATION_COUNT: u32 = 0x0100_0000;
const SALT_LEN: usize = 8;
const KDF_ITERSALTED_S2K: u8 = 0x03;
const SHA256: u8 = 0x08;

/// RFC 4880 iterated and salted S2K with SHA-256: `count` bytes of
/// salt || pin repeated (salt and pin hashed whole at least once).
pub fn itersalt(pin: &[u8], salt: &[u8], count: usize) -> Zeroizing<Vec<u8>> {
    let mut h = Sha256::new();
    let unit = salt.len() + pin.len();
    let total = count.max(unit);
    let mut done = 0;
    while done + unit <= total {
        h.update(salt);
        h.update(pin);
        done += unit;
    }
    let rest = total - done;
    let from_salt = rest.min(salt.len());
    h.update(&salt[..from_salt]);
    h.update(&pin[..rest - from_salt]);
    Zeroizing::new(h.finalize().to_vec())
}

/// A fresh KDF-DO and the hashes of the factory PINs under it.
pub struct Setup {
    /// The DO's content (without the F9 tag), as PUT DATA sends it.
    pub data_object: Vec<u8>,
    pub user: Zeroizing<Vec<u8>>,
    pub admin: Zeroizing<Vec<u8>>,
}

impl Setup {
    pub fn generate(default_user: &str, default_admin: &str) -> Result<Setup, getrandom::Error> {
        let mut salts = [[0u8; SALT_LEN]; 3];
        for s in &mut salts {
            getrandom::getrandom(s)?;
        }
        Ok(Setup::with_salts(default_user, default_admin, salts))
    }

    fn with_salts(user_pin: &str, admin_pin: &str, salts: [[u8; SALT_LEN]; 3]) -> Setup {
        let [pw1, rc, pw3] = salts;
        let count = ITERATION_COUNT as usize;
        let user = itersalt(user_pin.as_bytes(), &pw1, count);
        let admin = itersalt(admin_pin.as_bytes(), &pw3, count);
        let mut d = vec![
            0x81,
            0x01,
            KDF_ITERSALTED_S2K,
            0x82,
            0x01,
            SHA256,
            0x83,
            0x04,
        ];
        d.extend_from_slice(&ITERATION_COUNT.to_be_bytes());
        for (tag, value) in [
            (0x84u8, &pw1[..]),
            (0x85, &rc[..]),
            (0x86, &pw3[..]),
            (0x87, &user[..]),
            (0x88, &admin[..]),
        ] {
            d.push(tag);
            d.push(value.len() as u8);
            d.extend_from_slice(value);
        }
        Setup {
            data_object: d,
            user,
            admin,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specification_vectors_hash_alike() {
        // OpenPGP card 3.4.1, section 4.3.2: 100000 bytes, salts "01234567" and "ABCDEFGH".
        let user = itersalt(b"123456", b"01234567", 100_000);
        assert_eq!(
            hex::encode_upper(&*user),
            "773784A602B6C81E3F092F4D7D00E17CC822D88F7360FCF2D2EF2D9D901F44B6"
        );
        let admin = itersalt(b"12345678", b"ABCDEFGH", 100_000);
        assert_eq!(
            hex::encode_upper(&*admin),
            "2675D6164A0D4827D1D00C7EEA620D015C00030A1CAB38B4D0DD600B27DC9630"
        );
    }

    #[test]
    fn the_data_object_parses_as_openpgp_card_reads_it() {
        let s = Setup::with_salts("123456", "12345678", [[1; 8], [2; 8], [3; 8]]);
        let kdf = openpgp_card::ocard::data::KdfDo::try_from(s.data_object.as_slice()).unwrap();
        assert_eq!(kdf.kdf_algo(), KDF_ITERSALTED_S2K);
        assert_eq!(kdf.hash_algo(), Some(SHA256));
        assert_eq!(kdf.iter_count(), Some(ITERATION_COUNT));
        assert_eq!(kdf.salt_pw1(), Some(&[1u8; 8][..]));
        assert_eq!(kdf.salt_rc(), Some(&[2u8; 8][..]));
        assert_eq!(kdf.initial_hash_pw1(), Some(&s.user[..]));
        assert_eq!(kdf.initial_hash_pw3(), Some(&s.admin[..]));
        assert_eq!(
            *s.user,
            *itersalt(b"123456", &[1; 8], ITERATION_COUNT as usize)
        );
    }
}
