//! The cosign signing key: ECDSA P-256, in the formats cosign and the rest
//! of sigstore read. Container images are signed with it by `cosign sign
//! --key` (a key file, or a `pkcs11:` URI for a key in an HSM) and checked
//! with `cosign verify --key cosign.pub` or a containers `sigstoreSigned`
//! policy.
//!
//! Three formats live here, each as its peers write it, so that the
//! ceremony's output is used by those tools without conversion:
//! - `cosign.pub`: the public key as a PEM `PUBLIC KEY` (SubjectPublicKeyInfo);
//! - the encrypted private key file cosign writes (`cosign generate-key-pair`):
//!   PEM `ENCRYPTED SIGSTORE PRIVATE KEY` around JSON holding scrypt
//!   parameters (N = 32768, r = 8, p = 1, the only ones cosign and sigstore-rs
//!   accept), a 32-byte salt, a NaCl secretbox nonce and the box of the PKCS#8
//!   private key;
//! - RFC 7512 `pkcs11:` URIs naming a key in a token.
//!
//! Signatures are what cosign makes: ECDSA over SHA-256, ASN.1 DER.
//!
//! The private scalar lives in `p256::SecretKey` (wiped on drop); PKCS#8 and
//! scrypt outputs in `Zeroizing` buffers; passwords in `SecretString`.

pub mod binding;
pub mod pkcs11_uri;
pub mod revocation;
pub mod rotation;

use base64::Engine as _;
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::pkcs8::der::pem as pem_rfc7468;
use p256::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// The PEM label cosign writes today; it also reads the older one.
pub const PRIVATE_PEM_LABEL: &str = "ENCRYPTED SIGSTORE PRIVATE KEY";
const OLD_PRIVATE_PEM_LABEL: &str = "ENCRYPTED COSIGN PRIVATE KEY";

/// The public key's file name in an export bundle and on a CI machine.
pub const PUBLIC_FILE: &str = "cosign.pub";
/// The encrypted private key's file name (backups, the CI-secrets medium).
pub const KEY_FILE: &str = "cosign.key";
/// The certificate request's file name in the export bundle.
pub const CSR_FILE: &str = "cosign.csr";

/// cosign's scrypt work factor (log2 N = 15), r and p: sigstore-rs refuses
/// any other, so a file made with stronger ones would open nowhere.
const SCRYPT_LOG_N: u8 = 15;
const SCRYPT_R: u32 = 8;
const SCRYPT_P: u32 = 1;

/// What can go wrong with a cosign key or its files; each says what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CosignError {
    #[error("the password does not open this cosign key file: check it (it was handed over with the file), or restore the key from a backup")]
    WrongPassword,
    #[error("this is not a cosign key file: {0}. Use the cosign.key written by the ceremony, or the copy on a backup medium")]
    NotAKeyFile(String),
    #[error("this cosign key file uses {0}, which cosign does not read: it was not written by cosign or keyceremony")]
    Unsupported(String),
    #[error("this is not a cosign public key (a PEM PUBLIC KEY for ECDSA P-256): {0}")]
    NotAPublicKey(String),
    #[error("the signature does not verify with this cosign public key")]
    BadSignature,
    #[error("the system random number generator failed: {0}")]
    Random(String),
    #[error("the certificate request cannot be made: {0}")]
    Request(String),
    #[error("the issued certificate {0}")]
    Certificate(String),
}

/// A cosign signing key whose secret is in this process (generated for the
/// ceremony, or opened from a backup), not in a device.
pub struct CosignKey {
    secret: p256::SecretKey,
}

impl std::fmt::Debug for CosignKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CosignKey")
            .field("public", &self.public().fingerprint())
            .finish_non_exhaustive()
    }
}

/// The public half, wherever the secret is (in memory, in an HSM, on a card).
#[derive(Clone, PartialEq, Eq)]
pub struct CosignPublic {
    key: p256::PublicKey,
}

impl std::fmt::Debug for CosignPublic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CosignPublic({})", self.fingerprint())
    }
}

impl CosignKey {
    /// A new key from the OS RNG.
    pub fn generate() -> Result<CosignKey, CosignError> {
        // A 32-byte string is a valid scalar unless it is 0 or >= n (about
        // 2^-32 of them): draw again then.
        loop {
            let mut bytes = Zeroizing::new([0u8; 32]);
            getrandom::getrandom(bytes.as_mut()).map_err(|e| CosignError::Random(e.to_string()))?;
            if let Ok(secret) = p256::SecretKey::from_slice(bytes.as_ref()) {
                return Ok(CosignKey { secret });
            }
        }
    }

    pub fn public(&self) -> CosignPublic {
        CosignPublic {
            key: self.secret.public_key(),
        }
    }

    /// The private scalar, big-endian, for a device that imports it (an HSM,
    /// a PIV slot).
    pub fn scalar(&self) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(&self.secret.to_bytes());
        out
    }

    /// An ECDSA P-256 signature over SHA-256 of `data`, DER, as cosign makes.
    pub fn sign(&self, data: &[u8]) -> Vec<u8> {
        let signer = p256::ecdsa::SigningKey::from(&self.secret);
        let sig: p256::ecdsa::Signature = signer.sign(data);
        sig.to_der().as_bytes().to_vec()
    }

    /// cosign's encrypted key file, protected by `password`.
    pub fn to_encrypted_pem(&self, password: &SecretString) -> Result<String, CosignError> {
        use crypto_secretbox::aead::{Aead, KeyInit};
        let der = self
            .secret
            .to_pkcs8_der()
            .map_err(|e| CosignError::NotAKeyFile(e.to_string()))?;
        let mut salt = [0u8; 32];
        let mut nonce = [0u8; 24];
        getrandom::getrandom(&mut salt).map_err(|e| CosignError::Random(e.to_string()))?;
        getrandom::getrandom(&mut nonce).map_err(|e| CosignError::Random(e.to_string()))?;
        let key = derive(password, &salt)?;
        let cipher = crypto_secretbox::XSalsa20Poly1305::new(crypto_secretbox::Key::from_slice(
            key.as_ref(),
        ));
        let boxed = cipher
            .encrypt(&nonce.into(), der.as_bytes())
            .map_err(|_| CosignError::Unsupported("a message too long to seal".into()))?;
        let b64 = base64::engine::general_purpose::STANDARD;
        let data = Encrypted {
            kdf: Kdf {
                name: "scrypt".into(),
                params: ScryptParams {
                    n: 1 << SCRYPT_LOG_N,
                    r: SCRYPT_R,
                    p: SCRYPT_P,
                },
                salt: b64.encode(salt),
            },
            cipher: Cipher {
                name: "nacl/secretbox".into(),
                nonce: b64.encode(nonce),
            },
            ciphertext: b64.encode(boxed),
        };
        let json =
            serde_json::to_vec(&data).map_err(|e| CosignError::NotAKeyFile(e.to_string()))?;
        pem_rfc7468::encode_string(PRIVATE_PEM_LABEL, LineEnding::LF, &json)
            .map_err(|e| CosignError::NotAKeyFile(e.to_string()))
    }

    /// Opens cosign's encrypted key file (either PEM label) with `password`.
    pub fn from_encrypted_pem(
        text: &[u8],
        password: &SecretString,
    ) -> Result<CosignKey, CosignError> {
        use crypto_secretbox::aead::{Aead, KeyInit};
        let (label, json) = pem_rfc7468::decode_vec(text)
            .map_err(|e| CosignError::NotAKeyFile(format!("not PEM ({e})")))?;
        if label != PRIVATE_PEM_LABEL && label != OLD_PRIVATE_PEM_LABEL {
            return Err(CosignError::NotAKeyFile(format!(
                "its PEM label is {label:?}"
            )));
        }
        let data: Encrypted = serde_json::from_slice(&json)
            .map_err(|e| CosignError::NotAKeyFile(format!("its contents do not parse ({e})")))?;
        if data.kdf.name != "scrypt" {
            return Err(CosignError::Unsupported(format!(
                "the KDF {:?}",
                data.kdf.name
            )));
        }
        if data.cipher.name != "nacl/secretbox" {
            return Err(CosignError::Unsupported(format!(
                "the cipher {:?}",
                data.cipher.name
            )));
        }
        let p = &data.kdf.params;
        // Other parameters are refused before any work: a file with N = 2^60
        // would otherwise hold the machine.
        if (p.n, p.r, p.p) != (1 << SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P) {
            return Err(CosignError::Unsupported(format!(
                "scrypt N = {}, r = {}, p = {}",
                p.n, p.r, p.p
            )));
        }
        let b64 = base64::engine::general_purpose::STANDARD;
        let field = |what: &str, v: &str, len: Option<usize>| {
            let bytes = b64
                .decode(v)
                .map_err(|_| CosignError::NotAKeyFile(format!("its {what} is not base64")))?;
            match len {
                Some(n) if bytes.len() != n => Err(CosignError::NotAKeyFile(format!(
                    "its {what} is {} bytes, not {n}",
                    bytes.len()
                ))),
                _ => Ok(bytes),
            }
        };
        let salt = field("salt", &data.kdf.salt, None)?;
        let nonce = field("nonce", &data.cipher.nonce, Some(24))?;
        let boxed = field("ciphertext", &data.ciphertext, None)?;
        let key = derive(password, &salt)?;
        let cipher = crypto_secretbox::XSalsa20Poly1305::new(crypto_secretbox::Key::from_slice(
            key.as_ref(),
        ));
        let der = Zeroizing::new(
            cipher
                .decrypt(
                    crypto_secretbox::Nonce::from_slice(&nonce),
                    boxed.as_slice(),
                )
                .map_err(|_| CosignError::WrongPassword)?,
        );
        let secret = p256::SecretKey::from_pkcs8_der(&der).map_err(|e| {
            CosignError::NotAKeyFile(format!("it opens, but holds no P-256 key ({e})"))
        })?;
        Ok(CosignKey { secret })
    }
}

/// scrypt(password, salt) -> the secretbox key.
fn derive(password: &SecretString, salt: &[u8]) -> Result<Zeroizing<[u8; 32]>, CosignError> {
    let params = scrypt::Params::new(SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P, 32)
        .map_err(|e| CosignError::Unsupported(e.to_string()))?;
    let mut key = Zeroizing::new([0u8; 32]);
    scrypt::scrypt(
        password.expose_secret().as_bytes(),
        salt,
        &params,
        key.as_mut(),
    )
    .map_err(|e| CosignError::Unsupported(e.to_string()))?;
    Ok(key)
}

#[derive(Serialize, Deserialize)]
struct Encrypted {
    kdf: Kdf,
    cipher: Cipher,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
struct Kdf {
    name: String,
    params: ScryptParams,
    salt: String,
}

#[derive(Serialize, Deserialize)]
struct ScryptParams {
    #[serde(rename = "N")]
    n: u64,
    r: u32,
    p: u32,
}

#[derive(Serialize, Deserialize)]
struct Cipher {
    name: String,
    nonce: String,
}

impl CosignPublic {
    /// From an uncompressed (or compressed) SEC1 point, as devices report it.
    pub fn from_sec1(point: &[u8]) -> Result<CosignPublic, CosignError> {
        p256::PublicKey::from_sec1_bytes(point)
            .map(|key| CosignPublic { key })
            .map_err(|_| CosignError::NotAPublicKey("not a P-256 point".into()))
    }

    /// From `cosign.pub` (PEM `PUBLIC KEY`).
    pub fn from_pem(text: &str) -> Result<CosignPublic, CosignError> {
        p256::PublicKey::from_public_key_pem(text.trim())
            .map(|key| CosignPublic { key })
            .map_err(|e| CosignError::NotAPublicKey(e.to_string()))
    }

    /// `cosign.pub` as cosign writes it.
    pub fn to_pem(&self) -> String {
        // Encoding a valid point into SPKI cannot fail.
        self.key
            .to_public_key_pem(LineEnding::LF)
            .unwrap_or_default()
    }

    /// The uncompressed SEC1 point (65 bytes).
    pub fn sec1(&self) -> Vec<u8> {
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        self.key.to_encoded_point(false).as_bytes().to_vec()
    }

    /// SHA-256 of the DER SubjectPublicKeyInfo, hex: how a policy or a
    /// statement names this key.
    pub fn fingerprint(&self) -> String {
        use sha2::Digest;
        let der = self
            .key
            .to_public_key_der()
            .map(|d| d.as_bytes().to_vec())
            .unwrap_or_default();
        hex::encode(sha2::Sha256::digest(der))
    }

    /// Checks a DER (or raw r||s) ECDSA P-256 signature over SHA-256 of `data`.
    pub fn verify(&self, data: &[u8], signature: &[u8]) -> Result<(), CosignError> {
        let sig = p256::ecdsa::Signature::from_der(signature)
            .or_else(|_| p256::ecdsa::Signature::from_slice(signature))
            .map_err(|_| CosignError::BadSignature)?;
        p256::ecdsa::VerifyingKey::from(&self.key)
            .verify(data, &sig)
            .map_err(|_| CosignError::BadSignature)
    }
}

/// Whether `subject` is an RFC 4514 name a request can carry.
pub fn check_subject(subject: &str) -> Result<(), String> {
    use std::str::FromStr;
    match x509_cert::name::Name::from_str(subject) {
        Ok(n) if !n.0.is_empty() => Ok(()),
        Ok(_) => Err("empty: give e.g. CN=Release Signing,O=Example".into()),
        Err(e) => Err(format!(
            "{subject:?} is not an RFC 4514 name ({e}): give e.g. CN=Release Signing,O=Example"
        )),
    }
}

/// Signs as the cosign key does (DER ECDSA over SHA-256 of what it is given),
/// wherever the key is.
pub type SignFn<'a> = dyn Fn(&[u8]) -> Result<Vec<u8>, CosignError> + 'a;

/// A PKCS#10 certificate request (PEM) for the cosign key, for a CA that
/// issues code-signing certificates: `subject` in RFC 4514 form
/// ("CN=Release Signing,O=Acme"), signed by `sign` (the key in memory, or a
/// token), checked against `public` before it is returned.
pub fn csr_pem(
    subject: &str,
    public: &CosignPublic,
    sign: &SignFn<'_>,
) -> Result<String, CosignError> {
    use std::str::FromStr;
    use x509_cert::builder::{Builder, RequestBuilder};
    use x509_cert::der::EncodePem;
    let name = x509_cert::name::Name::from_str(subject)
        .map_err(|e| CosignError::Request(format!("the subject {subject:?} is not an RFC 4514 name ({e}); write it as CN=Release Signing,O=Example")))?;
    let signer = CsrSigner {
        public: p256::ecdsa::VerifyingKey::from(&public.key),
        sign,
    };
    // The request asks for what the key is for (code signing), so that its
    // extension request holds something: an empty one is refused by some CAs.
    let eku = x509_cert::ext::pkix::ExtendedKeyUsage(vec![
        x509_cert::der::oid::db::rfc5280::ID_KP_CODE_SIGNING,
    ]);
    let req = RequestBuilder::new(name, &signer)
        .and_then(|mut b| {
            b.add_extension(&eku)?;
            b.build::<p256::ecdsa::DerSignature>()
        })
        .map_err(|e| CosignError::Request(e.to_string()))?;
    req.to_pem(LineEnding::LF)
        .map_err(|e| CosignError::Request(e.to_string()))
}

/// A self-signed X.509 certificate (DER) for the cosign key, as a PIV slot
/// carries one beside its key: `subject` in RFC 4514 form, valid for
/// `days` from now, signed by `sign` (the token) and checked against
/// `public` before it is returned. Tools that find keys through
/// certificates (OpenSC, `yubico-piv-tool -a status`) see the key by it.
pub fn self_signed_der(
    subject: &str,
    public: &CosignPublic,
    days: u64,
    sign: &SignFn<'_>,
) -> Result<Vec<u8>, CosignError> {
    use std::str::FromStr;
    use x509_cert::builder::{Builder, CertificateBuilder, Profile};
    use x509_cert::der::Encode;
    let bad = |e: &dyn std::fmt::Display| CosignError::Request(e.to_string());
    let name = x509_cert::name::Name::from_str(subject).map_err(|e| bad(&e))?;
    let mut serial = [0u8; 16];
    getrandom::getrandom(&mut serial).map_err(|e| CosignError::Random(e.to_string()))?;
    // A positive INTEGER: the top bit clear.
    serial[0] &= 0x7f;
    let serial = x509_cert::serial_number::SerialNumber::new(&serial).map_err(|e| bad(&e))?;
    let validity =
        x509_cert::time::Validity::from_now(std::time::Duration::from_secs(days * 86_400))
            .map_err(|e| bad(&e))?;
    let verifying = p256::ecdsa::VerifyingKey::from(&public.key);
    let spki =
        x509_cert::spki::SubjectPublicKeyInfoOwned::from_key(verifying).map_err(|e| bad(&e))?;
    let signer = CsrSigner {
        public: verifying,
        sign,
    };
    let cert = CertificateBuilder::new(Profile::Root, serial, validity, name, spki, &signer)
        .and_then(|b| b.build::<p256::ecdsa::DerSignature>())
        .map_err(|e| bad(&e))?;
    cert.to_der().map_err(|e| bad(&e))
}

/// The file a CA-issued certificate for the cosign key travels in (PEM:
/// the certificate, then its chain as the CA gave it).
pub const CERT_FILE: &str = "cosign.crt";

/// What an issued certificate says, once it is known to be for the cosign key.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Issued {
    pub subject: String,
    pub issuer: String,
    pub not_after: String,
    /// Certificates in the file: the cosign key's, then its chain.
    pub chain_length: usize,
    /// The cosign key's certificate, DER (what a PIV slot takes).
    #[serde(skip)]
    pub der: Vec<u8>,
}

/// Checks a certificate a CA issued for `cosign.csr` (PEM, the cosign key's
/// certificate first, its chain after): it is for `public`, and valid at
/// `now` (when given: a verifier of an old bundle checks the key only). The
/// chain is the CA's to vouch for; it is carried as given.
pub fn check_issued(
    pem: &[u8],
    public: &CosignPublic,
    now: Option<std::time::SystemTime>,
) -> Result<Issued, CosignError> {
    use x509_cert::der::Encode;
    let bad = |m: String| CosignError::Certificate(m);
    let chain = pem_chain(pem).map_err(|e| {
        bad(format!(
            "is not PEM certificates ({e}): give the CA's answer to cosign.csr as PEM"
        ))
    })?;
    let leaf = chain
        .first()
        .ok_or_else(|| bad("holds no certificate".into()))?;
    let tbs = &leaf.tbs_certificate;
    let spki = tbs
        .subject_public_key_info
        .to_der()
        .map_err(|e| bad(format!("has a public key that does not encode ({e})")))?;
    let ours = public
        .key
        .to_public_key_der()
        .map_err(|e| bad(e.to_string()))?;
    if spki != ours.as_bytes() {
        use sha2::Digest;
        return Err(bad(format!(
            "is for another key (public key SHA-256 {}), not for the cosign key ({}): the CA must answer this key's cosign.csr",
            hex::encode(sha2::Sha256::digest(&spki)),
            public.fingerprint()
        )));
    }
    let (from, until) = (
        tbs.validity.not_before.to_system_time(),
        tbs.validity.not_after.to_system_time(),
    );
    let at = |t: std::time::SystemTime| humantime::format_rfc3339_seconds(t).to_string();
    if let Some(now) = now.filter(|now| *now < from || *now > until) {
        return Err(bad(format!(
            "is valid from {} until {}, not now ({}): ask the CA for a current one",
            at(from),
            at(until),
            at(now)
        )));
    }
    Ok(Issued {
        subject: tbs.subject.to_string(),
        issuer: tbs.issuer.to_string(),
        not_after: at(until),
        chain_length: chain.len(),
        der: leaf.to_der().map_err(|e| bad(e.to_string()))?,
    })
}

/// The certificates of a PEM file, in order. Not x509-cert 0.2's
/// `load_pem_chain`: it underflows on an empty file (a panic in a debug
/// build) and takes no blank line between certificates.
fn pem_chain(pem: &[u8]) -> Result<Vec<x509_cert::Certificate>, String> {
    use x509_cert::der::DecodePem;
    const END: &str = "-----END CERTIFICATE-----";
    let text = std::str::from_utf8(pem).map_err(|_| "not text".to_owned())?;
    let mut chain = Vec::new();
    for part in text.split_inclusive(END) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        if !part.ends_with(END) {
            return Err("text after the last certificate".into());
        }
        chain.push(x509_cert::Certificate::from_pem(part).map_err(|e| e.to_string())?);
    }
    Ok(chain)
}

/// The CSR builder's view of a cosign key: its public half and a signature.
struct CsrSigner<'a> {
    public: p256::ecdsa::VerifyingKey,
    sign: &'a SignFn<'a>,
}

impl p256::ecdsa::signature::Keypair for CsrSigner<'_> {
    type VerifyingKey = p256::ecdsa::VerifyingKey;
    fn verifying_key(&self) -> Self::VerifyingKey {
        self.public
    }
}

impl p256::pkcs8::spki::DynSignatureAlgorithmIdentifier for CsrSigner<'_> {
    fn signature_algorithm_identifier(
        &self,
    ) -> p256::pkcs8::spki::Result<p256::pkcs8::spki::AlgorithmIdentifierOwned> {
        Ok(p256::pkcs8::spki::AlgorithmIdentifierOwned {
            // ecdsa-with-SHA256
            oid: p256::pkcs8::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2"),
            parameters: None,
        })
    }
}

impl p256::ecdsa::signature::Signer<p256::ecdsa::DerSignature> for CsrSigner<'_> {
    fn try_sign(
        &self,
        msg: &[u8],
    ) -> Result<p256::ecdsa::DerSignature, p256::ecdsa::signature::Error> {
        let der = (self.sign)(msg).map_err(p256::ecdsa::signature::Error::from_source)?;
        let sig = p256::ecdsa::DerSignature::from_bytes(&der)?;
        // What a device signed must verify before it goes to a CA.
        use p256::ecdsa::signature::Verifier;
        self.public.verify(msg, &sig)?;
        Ok(sig)
    }
}

/// An ECDSA signature as two 32-byte halves (r || s), as PKCS#11 and PIV
/// return it, in the DER form cosign writes.
pub fn raw_signature_to_der(raw: &[u8]) -> Result<Vec<u8>, CosignError> {
    let sig = p256::ecdsa::Signature::from_slice(raw).map_err(|_| CosignError::BadSignature)?;
    Ok(sig.to_der().as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pw(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[test]
    fn a_key_file_opens_with_its_password_and_no_other() {
        let key = CosignKey::generate().unwrap();
        let pem = key.to_encrypted_pem(&pw("correct horse")).unwrap();
        assert!(pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
        let opened = CosignKey::from_encrypted_pem(pem.as_bytes(), &pw("correct horse")).unwrap();
        assert_eq!(opened.public(), key.public());
        assert!(matches!(
            CosignKey::from_encrypted_pem(pem.as_bytes(), &pw("wrong")),
            Err(CosignError::WrongPassword)
        ));
        // The older label, as cosign still reads it.
        let old = pem.replace(PRIVATE_PEM_LABEL, OLD_PRIVATE_PEM_LABEL);
        assert!(CosignKey::from_encrypted_pem(old.as_bytes(), &pw("correct horse")).is_ok());
    }

    #[test]
    fn damaged_and_hostile_key_files_are_named() {
        let key = CosignKey::generate().unwrap();
        let pem = key.to_encrypted_pem(&pw("pw")).unwrap();
        let (_, json) = pem_rfc7468::decode_vec(pem.as_bytes()).unwrap();
        let mut v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        let wrap = |v: &serde_json::Value| {
            pem_rfc7468::encode_string(
                PRIVATE_PEM_LABEL,
                LineEnding::LF,
                &serde_json::to_vec(v).unwrap(),
            )
            .unwrap()
        };
        // A flipped bit in the box: the MAC fails, as with a wrong password.
        let mut flipped = v.clone();
        let ct = flipped["ciphertext"].as_str().unwrap().to_owned();
        let mut bytes = base64::engine::general_purpose::STANDARD
            .decode(ct)
            .unwrap();
        bytes[20] ^= 1;
        flipped["ciphertext"] = base64::engine::general_purpose::STANDARD
            .encode(bytes)
            .into();
        assert!(matches!(
            CosignKey::from_encrypted_pem(wrap(&flipped).as_bytes(), &pw("pw")),
            Err(CosignError::WrongPassword)
        ));
        // A work factor that would hold the machine is refused unrun.
        v["kdf"]["params"]["N"] = (1u64 << 40).into();
        let err = CosignKey::from_encrypted_pem(wrap(&v).as_bytes(), &pw("pw")).unwrap_err();
        assert!(err.to_string().contains("N = 1099511627776"), "{err}");
        for junk in [
            "",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
            "{}",
        ] {
            assert!(matches!(
                CosignKey::from_encrypted_pem(junk.as_bytes(), &pw("pw")),
                Err(CosignError::NotAKeyFile(_))
            ));
        }
    }

    #[test]
    fn signatures_verify_with_the_public_pem_and_not_another_key() {
        let key = CosignKey::generate().unwrap();
        let public = CosignPublic::from_pem(&key.public().to_pem()).unwrap();
        assert!(key
            .public()
            .to_pem()
            .starts_with("-----BEGIN PUBLIC KEY-----\n"));
        let sig = key.sign(b"payload");
        public.verify(b"payload", &sig).unwrap();
        assert!(public.verify(b"payload!", &sig).is_err());
        let other = CosignKey::generate().unwrap();
        assert!(other.public().verify(b"payload", &sig).is_err());
        assert_eq!(CosignPublic::from_sec1(&public.sec1()).unwrap(), public);
        assert_eq!(public.fingerprint().len(), 64);
    }

    #[test]
    fn a_request_is_signed_by_the_key_and_names_the_subject() {
        use x509_cert::der::DecodePem;
        let key = CosignKey::generate().unwrap();
        let pem = csr_pem("CN=Release Signing,O=Acme", &key.public(), &|m| {
            Ok(key.sign(m))
        })
        .unwrap();
        let req = x509_cert::request::CertReq::from_pem(pem.as_bytes()).unwrap();
        assert_eq!(req.info.subject.to_string(), "CN=Release Signing,O=Acme");
        // A device that signs with another key is caught before the CA sees it.
        let other = CosignKey::generate().unwrap();
        assert!(csr_pem("CN=x", &key.public(), &|m| Ok(other.sign(m))).is_err());
        assert!(csr_pem("not a name", &key.public(), &|m| Ok(key.sign(m))).is_err());
    }

    #[test]
    fn a_raw_device_signature_becomes_der() {
        let key = CosignKey::generate().unwrap();
        let der = key.sign(b"x");
        let raw = p256::ecdsa::Signature::from_der(&der).unwrap().to_bytes();
        assert_eq!(raw_signature_to_der(&raw).unwrap(), der);
        assert!(raw_signature_to_der(&[0u8; 10]).is_err());
    }

    fn pem_of(der: &[u8]) -> Vec<u8> {
        use x509_cert::der::{Decode, EncodePem};
        x509_cert::Certificate::from_der(der)
            .unwrap()
            .to_pem(LineEnding::LF)
            .unwrap()
            .into_bytes()
    }

    /// An issued certificate is taken for its own key only, while valid,
    /// and damaged text is named as such.
    #[test]
    fn an_issued_certificate_is_checked_against_the_key_and_the_time() {
        let key = CosignKey::generate().unwrap();
        let sign = |m: &[u8]| Ok(key.sign(m));
        let der = self_signed_der("CN=Release Signing,O=Acme", &key.public(), 30, &sign).unwrap();
        let mut pem = pem_of(&der);
        let now = std::time::SystemTime::now();
        let issued = check_issued(&pem, &key.public(), Some(now)).unwrap();
        assert_eq!(issued.subject, "CN=Release Signing,O=Acme");
        assert_eq!(
            (issued.chain_length, issued.der.as_slice()),
            (1, der.as_slice())
        );
        // A chain after it is carried along.
        pem.extend(pem_of(&der));
        assert_eq!(
            check_issued(&pem, &key.public(), Some(now))
                .unwrap()
                .chain_length,
            2
        );

        let other = CosignKey::generate().unwrap();
        let e = check_issued(&pem, &other.public(), Some(now))
            .unwrap_err()
            .to_string();
        assert!(e.contains("is for another key"), "{e}");
        let later = now + std::time::Duration::from_secs(40 * 86_400);
        let e = check_issued(&pem, &key.public(), Some(later))
            .unwrap_err()
            .to_string();
        assert!(e.contains("not now"), "{e}");
        // A verifier of an old bundle checks the key only.
        assert!(check_issued(&pem, &key.public(), None).is_ok());
        let e = check_issued(
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            &key.public(),
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("is not PEM certificates"), "{e}");
        let e = check_issued(b"", &key.public(), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("holds no certificate") || e.contains("is not PEM"),
            "{e}"
        );
    }
}
