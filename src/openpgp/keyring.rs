//! The keyring containers' `signedBy` policies read (`keyPath`).
//!
//! containers/image (skopeo, podman) before 5.37 accepts a signature only
//! when the key that made it is a *primary* key of the keyring: signatures
//! by a subkey are refused ("Signature by key ... is not accepted";
//! podman#16406, fixed by containers/image#2905 in 2025). Debian 12's skopeo
//! 1.9 is such a version, and our primary only certifies: every signature
//! comes from the signing subkey. So the keyring holds, for each signing
//! subkey in force, a cert whose primary *is* that subkey: the same key
//! material and creation time, hence the same fingerprint, self-signed by
//! it for signing only, with our primary user ID, and certified by our
//! primary so that anyone can see where it comes from. Signatures made by
//! the subkey (by gpg, from the backup or a card) then verify against it in
//! old and new containers/image alike. Made at a ceremony, where the secrets
//! are open; a rotation or renew makes it again.

use std::time::SystemTime;

use sequoia_openpgp as pgp;

use pgp::packet::signature::SignatureBuilder;
use pgp::packet::UserID;
use pgp::policy::StandardPolicy;
use pgp::serialize::Serialize;
use pgp::types::{KeyFlags, SignatureType};
use pgp::{Cert, Packet};

use super::subkeys::{role_name, role_of_binding, SigningRole};
use super::{Context, OpenPgpError};

/// One cert per signing subkey of `role` in force at `now` (see the
/// module), binary. A role's keyring holds that role's subkeys only: a
/// policy that asks for a signature from each role would otherwise take
/// one role's signature for another's.
pub fn signing_keyring(
    key: &Cert,
    role: SigningRole<'_>,
    now: SystemTime,
) -> Result<Vec<u8>, OpenPgpError> {
    let policy = StandardPolicy::new();
    let vc = key
        .with_policy(&policy, now)
        .ctx("the key's self-signatures do not hold under the standard policy")?;
    let uid = vc
        .primary_userid()
        .map(|u| u.userid().clone())
        .ctx("the key has no primary user ID")?;
    let mut certifier = super::primary_signer(key)?;
    let mut out = Vec::new();
    let signing: Vec<_> = vc
        .keys()
        .subkeys()
        .alive()
        .revoked(false)
        .for_signing()
        .filter(|ka| role_of_binding(ka.binding_signature()).as_deref() == role)
        .collect();
    for ka in signing {
        let expires = ka.key_expiration_time();
        let secret = ka
            .key()
            .clone()
            .parts_into_secret()
            .ctx("a signing subkey's secret is not at hand")?;
        let primary = ka.key().clone().parts_into_public().role_into_primary();
        let mut own = secret
            .into_keypair()
            .ctx("a signing subkey's secret is still locked")?;
        let mut b = SignatureBuilder::new(SignatureType::PositiveCertification)
            .set_signature_creation_time(now)
            .ctx("cannot date the binding")?
            .set_key_flags(KeyFlags::empty().set_signing())
            .ctx("cannot set the key flags")?
            .set_primary_userid(true)
            .ctx("cannot mark the user ID")?;
        if let Some(end) = expires {
            b = b
                .set_key_validity_period(end.duration_since(primary.creation_time()).ok())
                .ctx("cannot set the expiry")?;
        }
        let own_sig = b
            .sign_userid_binding(&mut own, &primary, &uid)
            .ctx("cannot self-sign the signing key's cert")?;
        let ours = SignatureBuilder::new(SignatureType::GenericCertification)
            .set_signature_creation_time(now)
            .ctx("cannot date the certification")?
            .sign_userid_binding(&mut certifier, &primary, &uid)
            .ctx("cannot certify the signing key's cert")?;
        let cert = Cert::from_packets(
            vec![
                Packet::from(primary),
                Packet::from(UserID::from(uid.value())),
                Packet::from(own_sig),
                Packet::from(ours),
            ]
            .into_iter(),
        )
        .ctx("cannot assemble the signing key's cert")?;
        cert.serialize(&mut out)
            .ctx("cannot serialise the keyring")?;
    }
    if out.is_empty() {
        return Err(OpenPgpError::Invalid(format!(
            "the key has no signing subkey of the {} role in force: nothing for containers to trust",
            role_name(role)
        )));
    }
    Ok(out)
}

/// Checks a keyring `signing_keyring` made for `key` and `role`: every cert
/// in it is a signing subkey of `key` of that role (by the binding the
/// primary signed) and carries our primary's certification. Returns their
/// fingerprints.
pub fn check_signing_keyring(
    key: &Cert,
    role: SigningRole<'_>,
    bytes: &[u8],
) -> Result<Vec<String>, String> {
    use pgp::cert::CertParser;
    use pgp::parse::Parse;
    let subkeys: Vec<_> = key
        .keys()
        .subkeys()
        .map(|k| k.key().fingerprint())
        .collect();
    let mut found = Vec::new();
    for c in CertParser::from_bytes(bytes).map_err(|e| e.to_string())? {
        let c = c.map_err(|e| format!("it is not an OpenPGP keyring: {e}"))?;
        if !subkeys.contains(&c.fingerprint()) {
            return Err(format!(
                "it holds key {}, which is no subkey of {}",
                c.fingerprint(),
                key.fingerprint()
            ));
        }
        let of = super::subkeys::role_of_subkey(key, &c.fingerprint().to_hex()).flatten();
        if of.as_deref() != role {
            return Err(format!(
                "it holds subkey {} of the {} role, not of the {} role: one role's signature would count as another's",
                c.fingerprint(),
                role_name(of.as_deref()),
                role_name(role)
            ));
        }
        let certified = c.userids().any(|u| {
            u.certifications().any(|s| {
                s.clone()
                    .verify_userid_binding(
                        key.primary_key().key(),
                        c.primary_key().key(),
                        u.userid(),
                    )
                    .is_ok()
            })
        });
        if !certified {
            return Err(format!(
                "its key {} is not certified by {}",
                c.fingerprint(),
                key.fingerprint()
            ));
        }
        found.push(c.fingerprint().to_hex());
    }
    if found.is_empty() {
        return Err("it holds no key".into());
    }
    Ok(found)
}

#[cfg(test)]
mod tests {

    use pgp::cert::CertParser;
    use pgp::parse::Parse;

    use super::*;
    use crate::openpgp::{live_subkeys, KeyRole};

    #[test]
    fn each_signing_subkey_becomes_a_primary_with_its_own_fingerprint() {
        let now = SystemTime::now();
        let key = crate::openpgp::test_key(now);
        let ring = signing_keyring(&key, None, now).unwrap();
        let certs: Vec<Cert> = CertParser::from_bytes(&ring)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(certs.len(), 1);
        let c = &certs[0];
        assert!(!c.is_tsk(), "public material only");
        assert_eq!(
            c.fingerprint().to_hex(),
            live_subkeys(&key, KeyRole::Signing, now)[0]
        );
        let policy = StandardPolicy::new();
        let vc = c.with_policy(&policy, now).unwrap();
        let flags = vc.primary_key().key_flags().unwrap();
        assert!(flags.for_signing() && !flags.for_certification());
        assert!(vc.primary_key().key_expiration_time().is_some());
        // Our primary's certification of it verifies.
        let u = vc.userids().next().unwrap();
        let cert_sig = u.certifications().next().unwrap();
        cert_sig
            .clone()
            .verify_userid_binding(key.primary_key().key(), c.primary_key().key(), u.userid())
            .unwrap();
        assert_eq!(
            check_signing_keyring(&key, None, &ring).unwrap(),
            [c.fingerprint().to_hex()]
        );
        // Another key's keyring is refused.
        let other = crate::openpgp::test_key(now);
        let theirs = signing_keyring(&other, None, now).unwrap();
        assert!(check_signing_keyring(&key, None, &theirs)
            .unwrap_err()
            .contains("no subkey"));
    }
}
