//! Detached signatures over ceremony files, and their verification.
//!
//! Two signers, for two audiences. The transcript is signed by the primary: it
//! attests the ceremony itself, and only `keyceremony transcript verify` checks
//! it (GnuPG and sq refuse data signatures from a certify-only key by design).
//! MANIFESTs are signed by the signing subkey, so that the online side can check
//! them with nothing but `gpg --verify` or `sqop verify` and the exported cert.

use std::time::SystemTime;

use sequoia_openpgp as pgp;

use pgp::armor;
use pgp::cert::amalgamation::ValidAmalgamation;
use pgp::packet::signature::SignatureBuilder;
use pgp::packet::{Key, Packet, Signature};
use pgp::parse::Parse;
use pgp::policy::{Policy, StandardPolicy};
use pgp::serialize::Serialize;
use pgp::types::SignatureType;
use pgp::Cert;

use super::{Context, OpenPgpError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignWith {
    Primary,
    SigningSubkey,
}

/// Makes an armored detached signature over `data` with a key whose secret is in memory.
pub fn sign_detached(
    cert: &Cert,
    with: SignWith,
    data: &[u8],
    now: SystemTime,
) -> Result<Vec<u8>, OpenPgpError> {
    let secret = match with {
        SignWith::Primary => cert
            .primary_key()
            .key()
            .clone()
            .parts_into_secret()
            .ctx("the primary key's secret is not at hand")?
            .role_into_unspecified(),
        SignWith::SigningSubkey => super::current_secret_subkeys(cert, None, now)
            .into_iter()
            .find_map(|(role, key)| (role == super::KeyRole::Signing).then_some(key))
            .ok_or_else(|| {
                OpenPgpError::Invalid("no usable signing subkey with its secret at hand".into())
            })?,
    };
    let mut signer = secret
        .into_keypair()
        .ctx("the signing key cannot be used")?;
    let sig = SignatureBuilder::new(SignatureType::Binary)
        .set_signature_creation_time(now)
        .ctx("cannot set the signature time")?
        .sign_message(&mut signer, data)
        .ctx("signing failed")?;
    let mut w =
        armor::Writer::new(Vec::new(), armor::Kind::Signature).ctx("cannot armor the signature")?;
    Packet::from(sig)
        .serialize(&mut w)
        .ctx("cannot serialise the signature")?;
    w.finalize().ctx("cannot armor the signature")
}

/// Checks a detached signature over `data` made by `with` of `cert`, with no policy
/// on key flags (see the module doc). Returns the fingerprint of the key that signed.
pub fn verify_detached(
    cert: &Cert,
    with: SignWith,
    signature: &[u8],
    data: &[u8],
) -> Result<String, OpenPgpError> {
    let fail = |fpr: &str, reason: &str| OpenPgpError::BadSignature {
        fingerprint: fpr.to_owned(),
        reason: reason.to_owned(),
    };
    let sig = match Packet::from_bytes(signature) {
        Ok(Packet::Signature(sig)) => sig,
        _ => {
            return Err(fail(
                &cert.fingerprint().to_hex(),
                "the signature file does not hold an OpenPGP signature",
            ))
        }
    };
    let candidates: Vec<&Key<_, _>> = match with {
        SignWith::Primary => vec![cert.primary_key().key().role_as_unspecified()],
        // A subkey revoked as compromised (or for no reason given, which
        // counts as that) vouches for nothing, whenever it signed: whoever
        // holds it could sign anything. One retired or superseded is only
        // no longer used.
        SignWith::SigningSubkey => {
            let policy = StandardPolicy::new();
            let compromised: Vec<pgp::Fingerprint> = cert
                .with_policy(&policy, None)
                .map(|vc| {
                    vc.keys()
                        .subkeys()
                        .filter(|ka| match ka.revocation_status() {
                            pgp::types::RevocationStatus::Revoked(sigs) => sigs.iter().any(|s| {
                                s.reason_for_revocation().is_none_or(|(r, _)| {
                                    r.revocation_type() == pgp::types::RevocationType::Hard
                                })
                            }),
                            _ => false,
                        })
                        .map(|ka| ka.key().fingerprint())
                        .collect()
                })
                .unwrap_or_default();
            cert.keys()
                .subkeys()
                .filter(|ka| !compromised.contains(&ka.key().fingerprint()))
                .map(|ka| ka.key().role_as_unspecified())
                .collect()
        }
    };
    let issuer_matches = |sig: &Signature, key: &Key<_, _>| {
        sig.get_issuers()
            .iter()
            .any(|h| h.aliases(key.key_handle()))
    };
    let mut last = "no key of the cert issued it".to_owned();
    for key in candidates {
        if !issuer_matches(&sig, key) {
            continue;
        }
        match sig.verify_message(key, data) {
            Ok(()) => return Ok(key.fingerprint().to_hex()),
            Err(e) => last = e.to_string(),
        }
    }
    Err(fail(&cert.fingerprint().to_hex(), &last))
}

/// The fingerprints (upper-case hex) of `cert`'s keys that can make a
/// data signature at `at`: valid under the standard policy, signing-capable,
/// alive and not revoked (a witness's own key: its primary or a subkey).
pub fn signing_keys(cert: &Cert, at: SystemTime) -> Vec<String> {
    let policy = StandardPolicy::new();
    let Ok(vc) = cert.with_policy(&policy, at) else {
        return Vec::new();
    };
    vc.keys()
        .for_signing()
        .alive()
        .revoked(false)
        .map(|ka| ka.key().fingerprint().to_hex())
        .collect()
}

/// The public key material of each of `cert`'s keys: what a card holds.
/// Compared rather than fingerprints, which also hash a key's creation
/// time: the same key bound again at another second is another
/// fingerprint, but the same card.
pub fn key_material(cert: &Cert) -> Vec<pgp::crypto::mpi::PublicKey> {
    cert.keys().map(|k| k.key().mpis().clone()).collect()
}

/// Whether two certs share a key (by its material).
pub fn share_a_key(a: &Cert, b: &Cert) -> bool {
    let theirs = key_material(b);
    key_material(a).iter().any(|m| theirs.contains(m))
}

/// Checks a detached signature over `data` by a key of `cert` that can sign
/// at `at` (`signing_keys` then: the cert as it is now, so a witness who
/// extended her key keeps her signatures) and existed when it signed: how a
/// witness's countersignature is checked, under the standard policy (no
/// SHA-1) and in binary mode, as keyceremony makes them. Returns the key
/// that signed (fingerprint) and when it signed.
pub fn verify_by_signing_key(
    cert: &Cert,
    signature: &[u8],
    data: &[u8],
    at: SystemTime,
) -> Result<(String, SystemTime), OpenPgpError> {
    let fail = |reason: &str| OpenPgpError::BadSignature {
        fingerprint: cert.fingerprint().to_hex(),
        reason: reason.to_owned(),
    };
    let sig = match Packet::from_bytes(signature) {
        Ok(Packet::Signature(sig)) => sig,
        _ => return Err(fail("the file does not hold an OpenPGP signature")),
    };
    let Some(made) = sig.signature_creation_time() else {
        return Err(fail("the signature has no creation time"));
    };
    if sig.typ() != SignatureType::Binary {
        return Err(fail(&format!(
            "it is a {} signature; keyceremony's are binary ones (gpg --detach-sign without --textmode)",
            sig.typ()
        )));
    }
    StandardPolicy::new()
        .signature(&sig, pgp::policy::HashAlgoSecurity::CollisionResistance)
        .map_err(|e| fail(&format!("the signature is not acceptable: {e}")))?;
    let usable = signing_keys(cert, at);
    let mut last = "no key of the cert that can sign now, and existed when it signed, issued it (expired or revoked since?)".to_owned();
    for ka in cert.keys() {
        let key = ka.key().role_as_unspecified();
        if !usable.contains(&key.fingerprint().to_hex())
            || key.creation_time() > made
            || !sig
                .get_issuers()
                .iter()
                .any(|h| h.aliases(key.key_handle()))
        {
            continue;
        }
        match sig.verify_message(key, data) {
            Ok(()) => return Ok((key.fingerprint().to_hex(), made)),
            Err(e) => last = e.to_string(),
        }
    }
    Err(fail(&last))
}

/// Reads a public cert (armored or binary).
/// Whether `cert` holds at `at`: valid under the standard policy, not
/// revoked, not expired; the error says which.
pub fn valid_at(cert: &Cert, at: SystemTime) -> Result<(), String> {
    let policy = StandardPolicy::new();
    let vc = cert
        .with_policy(&policy, at)
        .map_err(|e| format!("key {} is not valid then: {e}", cert.fingerprint()))?;
    if let pgp::types::RevocationStatus::Revoked(_) = vc.revocation_status() {
        return Err(format!("key {} is revoked", cert.fingerprint()));
    }
    vc.alive()
        .map_err(|e| format!("key {} is expired then: {e}", cert.fingerprint()))
}

pub fn read_cert(bytes: &[u8]) -> Result<Cert, OpenPgpError> {
    Cert::from_bytes(bytes).ctx("the file does not hold an OpenPGP cert")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openpgp::Profile;
    use crate::openpgp::{generate, KeyRequest};
    use std::time::Duration;

    #[test]
    fn signatures_verify_with_their_key_and_not_after_tampering() {
        let now = SystemTime::now();
        let req = KeyRequest {
            user_ids: vec!["T <t@example.org>".into()],
            profile: Profile::Ed25519,
            primary_validity: Duration::from_secs(86_400),
            encryption: false,
            authentication: false,
            subkey_validity: Duration::from_secs(86_400),
            signing_roles: Vec::new(),
        };
        let key = generate(&req, now).unwrap();
        let cert = key.cert();
        let public = read_cert(&key.public_armored().unwrap()).unwrap();
        for with in [SignWith::Primary, SignWith::SigningSubkey] {
            let sig = sign_detached(cert, with, b"hello", now).unwrap();
            let fpr = verify_detached(&public, with, &sig, b"hello").unwrap();
            assert_eq!(fpr == key.fingerprint(), with == SignWith::Primary);
            assert!(verify_detached(&public, with, &sig, b"hellO").is_err());
        }
        let by_sub = sign_detached(cert, SignWith::SigningSubkey, b"x", now).unwrap();
        assert!(verify_detached(&public, SignWith::Primary, &by_sub, b"x").is_err());
    }
}
