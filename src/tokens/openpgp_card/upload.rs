//! Sequoia key material in the shape openpgp-card imports.
//!
//! `openpgp-card-sequoia` did this, but is unmaintained (RUSTSEC-2025-0011);
//! the adapter is small enough to own. ECC keys go as OpenPGP stores them:
//! the secret as its MPI (for Curve25519 ECDH that is big-endian, the reverse
//! of X25519's own order; cards expect it so, as GnuPG sends it) and the
//! public point with its 0x40 prefix. RSA keys need the CRT parts the card wants
//! (p, q, 1/q mod p, d mod p-1, d mod q-1), computed here with crypto-bigint:
//! its integers are fixed-size values that zeroize (num-bigint's heap
//! buffers were freed with the secret still in them), and it is already in
//! the tree through age's P-256.

use crypto_bigint::{Encoding, NonZero, U4096};
use openpgp_card::ocard::crypto::{CardUploadableKey, EccKey, EccType, PrivateKeyMaterial, RSAKey};
use openpgp_card::ocard::data::{Fingerprint, KeyGenerationTime};
use openpgp_card::Error as CardError;
use pgp::crypto::mpi;
use pgp::packet::key::{SecretParts, UnspecifiedRole};
use pgp::packet::Key;
use pgp::types::Curve;
use sequoia_openpgp as pgp;
use zeroize::Zeroizing;

/// One subkey ready to go onto a card. Holds secret material: no Debug.
pub struct Uploadable {
    key: Key<SecretParts, UnspecifiedRole>,
}

impl Uploadable {
    pub fn new(key: Key<SecretParts, UnspecifiedRole>) -> Uploadable {
        Uploadable { key }
    }
}

struct Ecc {
    oid: Vec<u8>,
    private: Zeroizing<Vec<u8>>,
    public: Vec<u8>,
    kind: EccType,
}

impl EccKey for Ecc {
    fn oid(&self) -> &[u8] {
        &self.oid
    }
    fn private(&self) -> &[u8] {
        &self.private
    }
    fn public(&self) -> &[u8] {
        &self.public
    }
    fn ecc_type(&self) -> EccType {
        self.kind
    }
}

struct Rsa {
    e: Vec<u8>,
    p: Zeroizing<Vec<u8>>,
    q: Zeroizing<Vec<u8>>,
    pq: Zeroizing<Vec<u8>>,
    dp1: Zeroizing<Vec<u8>>,
    dq1: Zeroizing<Vec<u8>>,
    n: Vec<u8>,
}

impl RSAKey for Rsa {
    fn e(&self) -> &[u8] {
        &self.e
    }
    fn p(&self) -> &[u8] {
        &self.p
    }
    fn q(&self) -> &[u8] {
        &self.q
    }
    fn pq(&self) -> &[u8] {
        &self.pq
    }
    fn dp1(&self) -> &[u8] {
        &self.dp1
    }
    fn dq1(&self) -> &[u8] {
        &self.dq1
    }
    fn n(&self) -> &[u8] {
        &self.n
    }
}

fn unsupported(what: &str) -> CardError {
    CardError::UnsupportedAlgo(format!("keyceremony does not put {what} keys on cards"))
}

/// A secret scalar left-padded to the curve's size.
fn padded(bytes: &[u8], len: usize) -> Zeroizing<Vec<u8>> {
    let mut v = Zeroizing::new(vec![0u8; len.saturating_sub(bytes.len())]);
    v.extend_from_slice(bytes);
    v
}

impl CardUploadableKey for Uploadable {
    fn private_key(&self) -> Result<PrivateKeyMaterial, CardError> {
        let secret = self
            .key
            .optional_secret()
            .ok_or_else(|| unsupported("secret-less"))?;
        let pgp::packet::key::SecretKeyMaterial::Unencrypted(u) = secret else {
            return Err(CardError::InternalError(
                "the key is still encrypted".into(),
            ));
        };
        u.map(|sec| match (self.key.mpis(), sec) {
            (mpi::PublicKey::EdDSA { curve, q }, mpi::SecretKeyMaterial::EdDSA { scalar }) => {
                ecc(curve, q.value(), scalar.value(), EccType::EdDSA)
            }
            (mpi::PublicKey::ECDH { curve, q, .. }, mpi::SecretKeyMaterial::ECDH { scalar }) => {
                ecc(curve, q.value(), scalar.value(), EccType::ECDH)
            }
            (mpi::PublicKey::RSA { e, n }, mpi::SecretKeyMaterial::RSA { d, p, q, u }) => rsa(
                e.value(),
                n.value(),
                d.value(),
                p.value(),
                q.value(),
                u.value(),
            ),
            _ => Err(unsupported(&self.key.pk_algo().to_string())),
        })
    }

    fn timestamp(&self) -> KeyGenerationTime {
        let secs = self
            .key
            .creation_time()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as u32)
            .unwrap_or(0);
        KeyGenerationTime::from(secs)
    }

    fn fingerprint(&self) -> Result<Fingerprint, CardError> {
        Fingerprint::try_from(self.key.fingerprint().as_bytes())
    }
}

fn ecc(
    curve: &Curve,
    public: &[u8],
    scalar: &[u8],
    kind: EccType,
) -> Result<PrivateKeyMaterial, CardError> {
    let oid = curve.oid().to_vec();
    let size = match curve {
        Curve::Ed25519 | Curve::Cv25519 => 32,
        other => return Err(unsupported(&other.to_string())),
    };
    let private = padded(scalar, size);
    let public = public.to_vec();
    Ok(PrivateKeyMaterial::E(Box::new(Ecc {
        oid,
        private,
        public,
        kind,
    })))
}

fn rsa(
    e: &[u8],
    n: &[u8],
    d: &[u8],
    p: &[u8],
    q: &[u8],
    u: &[u8],
) -> Result<PrivateKeyMaterial, CardError> {
    // OpenPGP has p < q and u = 1/p mod q; the card wants 1/q' mod p'. With
    // p' = q and q' = p that is u itself.
    let (big_p, big_q, big_d) = (wide(q)?, wide(p)?, wide(d)?);
    let dp1 = reduce(&big_d, &big_p)?;
    let dq1 = reduce(&big_d, &big_q)?;
    Ok(PrivateKeyMaterial::R(Box::new(Rsa {
        e: e.to_vec(),
        p: Zeroizing::new(q.to_vec()),
        q: Zeroizing::new(p.to_vec()),
        pq: Zeroizing::new(u.to_vec()),
        dp1,
        dq1,
        n: n.to_vec(),
    })))
}

/// An RSA number (up to 4096 bits) as a fixed-size integer, wiped on drop.
fn wide(bytes: &[u8]) -> Result<Zeroizing<U4096>, CardError> {
    let width = U4096::BYTES;
    let bytes = &bytes[bytes.iter().take_while(|&&b| b == 0).count()..];
    if bytes.len() > width {
        return Err(unsupported("RSA over 4096-bit"));
    }
    let mut padded = Zeroizing::new([0u8; U4096::BYTES]);
    padded[width - bytes.len()..].copy_from_slice(bytes);
    Ok(Zeroizing::new(U4096::from_be_bytes(*padded)))
}

/// d mod (prime - 1), big-endian without leading zeros, as the card takes it.
fn reduce(d: &U4096, prime: &U4096) -> Result<Zeroizing<Vec<u8>>, CardError> {
    let modulus = Zeroizing::new(prime.wrapping_sub(&U4096::ONE));
    let modulus = Option::<NonZero<U4096>>::from(NonZero::new(*modulus))
        .ok_or_else(|| unsupported("malformed RSA"))?;
    let rem = Zeroizing::new(d.rem(&modulus));
    let bytes = Zeroizing::new(rem.to_be_bytes());
    let start = bytes.iter().take_while(|&&b| b == 0).count();
    Ok(Zeroizing::new(bytes[start..].to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pgp::cert::{CertBuilder, CipherSuite};

    /// The CRT exponents are checked by what defines them, e·dp ≡ 1 (mod p−1),
    /// not by the same reduction again; the card test signs with them.
    #[test]
    fn rsa_crt_exponents_invert_e_modulo_each_prime_less_one() {
        let (cert, _) = CertBuilder::new()
            .set_cipher_suite(CipherSuite::RSA2k)
            .generate()
            .unwrap();
        let key = cert
            .primary_key()
            .key()
            .clone()
            .parts_into_secret()
            .unwrap();
        let up = Uploadable::new(key.role_into_unspecified());
        let PrivateKeyMaterial::R(rsa) = up.private_key().unwrap() else {
            panic!("not RSA")
        };
        let e = wide(rsa.e()).unwrap();
        for (prime, exp) in [(rsa.p(), rsa.dp1()), (rsa.q(), rsa.dq1())] {
            let less_one = wide(prime).unwrap().wrapping_sub(&U4096::ONE);
            let product = e.wrapping_mul(&wide(exp).unwrap());
            let m = Option::<NonZero<U4096>>::from(NonZero::new(less_one)).unwrap();
            assert_eq!(product.rem(&m), U4096::ONE);
        }
        assert!(wide(&[1u8; 513]).is_err(), "over 4096 bits is refused");
    }
}
