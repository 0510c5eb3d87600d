//! Changing a key's subkeys: a new one added, an old one revoked (with the
//! reason OpenPGP has for it) or given an end. The primary signs each
//! change; a new signing or authentication subkey signs its binding back.

use std::time::SystemTime;

use sequoia_openpgp as pgp;

use pgp::cert::amalgamation::ValidAmalgamation;
use pgp::cert::prelude::*;
use pgp::crypto::Signer;
use pgp::policy::StandardPolicy;
use pgp::types::{KeyFlags, ReasonForRevocation, RevocationStatus};
use pgp::Cert;

use super::{primary_signer, Context, KeyRole, OpenPgpError};

/// Why a subkey is revoked, as OpenPGP records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RevokeReason {
    /// Replaced by a new subkey (a rotation).
    Superseded,
    /// Its secret may be known to someone else: signatures it made may be forged.
    Compromised,
    /// No longer used; what it signed stays good.
    Retired,
}

impl RevokeReason {
    fn openpgp(self) -> ReasonForRevocation {
        match self {
            RevokeReason::Superseded => ReasonForRevocation::KeySuperseded,
            RevokeReason::Compromised => ReasonForRevocation::KeyCompromised,
            RevokeReason::Retired => ReasonForRevocation::KeyRetired,
        }
    }
}

fn flags(role: KeyRole) -> KeyFlags {
    match role {
        KeyRole::Signing => KeyFlags::empty().set_signing(),
        KeyRole::Encryption => KeyFlags::empty()
            .set_transport_encryption()
            .set_storage_encryption(),
        KeyRole::Authentication => KeyFlags::empty().set_authentication(),
        KeyRole::Certification => KeyFlags::empty().set_certification(),
    }
}

/// The fingerprints of the subkeys with `role` that are in force at `now`
/// (not revoked, not expired).
pub fn live_subkeys(key: &Cert, role: KeyRole, now: SystemTime) -> Vec<String> {
    let policy = StandardPolicy::new();
    let Ok(vc) = key.with_policy(&policy, now) else {
        return Vec::new();
    };
    let want = flags(role);
    vc.keys()
        .subkeys()
        .alive()
        .revoked(false)
        .filter(|ka| ka.key_flags().is_some_and(|f| !(&f & &want).is_empty()))
        .map(|ka| ka.key().fingerprint().to_hex())
        .collect()
}

/// The subkeys in force at `now` whose secrets are at hand, one per role
/// (signing, encryption, authentication, in that order): for each role the
/// newest that is alive and not revoked.
///
/// Why newest, and why not the first match: a rotation with a transition date
/// leaves the old subkey alive beside the new one, and a rotation without one
/// leaves it revoked beside it; Sequoia orders subkeys canonically, which says
/// nothing about age, so a first match put the revoked subkey on a card in
/// about one rotation in three (seen in CI: gpg then found no usable secret).
pub fn current_secret_subkeys(
    key: &Cert,
    now: SystemTime,
) -> Vec<(
    KeyRole,
    pgp::packet::Key<pgp::packet::key::SecretParts, pgp::packet::key::UnspecifiedRole>,
)> {
    let policy = StandardPolicy::new();
    let Ok(vc) = key.with_policy(&policy, now) else {
        return Vec::new();
    };
    let mut keys: Vec<_> = vc
        .keys()
        .subkeys()
        .alive()
        .revoked(false)
        .unencrypted_secret()
        .filter_map(|ka| {
            let f = ka.key_flags()?;
            let role = if f.for_signing() {
                KeyRole::Signing
            } else if f.for_transport_encryption() || f.for_storage_encryption() {
                KeyRole::Encryption
            } else if f.for_authentication() {
                KeyRole::Authentication
            } else {
                return None;
            };
            Some((role, ka.key().clone().role_into_unspecified()))
        })
        .collect();
    let rank = |r: &KeyRole| match r {
        KeyRole::Signing => 0,
        KeyRole::Encryption => 1,
        _ => 2,
    };
    keys.sort_by(|(ra, a), (rb, b)| {
        rank(ra)
            .cmp(&rank(rb))
            .then(b.creation_time().cmp(&a.creation_time()))
    });
    keys.dedup_by(|(later, _), (kept, _)| later == kept);
    keys
}

/// A new subkey for `role`, of the primary's family (Curve25519 for an EdDSA
/// primary, RSA 4096 for an RSA one), valid until `until`; returns the cert
/// with it and its fingerprint.
pub fn add_subkey(
    key: &Cert,
    role: KeyRole,
    until: SystemTime,
    now: SystemTime,
) -> Result<(Cert, String), OpenPgpError> {
    if role == KeyRole::Certification {
        return Err(OpenPgpError::Invalid(
            "certification stays with the primary key: rotate the primary instead".into(),
        ));
    }
    let policy = StandardPolicy::new();
    let vc = key
        .with_policy(&policy, now)
        .ctx("the key's self-signatures do not hold under the standard policy")?;
    let suite = match key.primary_key().key().pk_algo() {
        pgp::types::PublicKeyAlgorithm::EdDSA | pgp::types::PublicKeyAlgorithm::Ed25519 => {
            CipherSuite::Cv25519
        }
        _ => CipherSuite::RSA4k,
    };
    let builder = KeyBuilder::new(flags(role))
        .set_cipher_suite(suite)
        .set_creation_time(now)
        .subkey(vc)
        .ctx("cannot make the new subkey")?
        .set_signature_creation_time(now)
        .ctx("cannot date the new subkey's binding")?
        .set_key_expiration_time(until)
        .ctx("cannot set the new subkey's expiry")?
        .set_primary_key_signer(primary_signer(key)?);
    let fingerprint = builder.key().fingerprint().to_hex();
    let cert = builder.attach_cert().ctx("cannot bind the new subkey")?;
    Ok((cert, fingerprint))
}

/// Finds a subkey by fingerprint (hex, any case, spaces ignored).
fn subkey<'a>(
    key: &'a Cert,
    fingerprint: &str,
) -> Result<
    pgp::cert::amalgamation::key::SubordinateKeyAmalgamation<'a, pgp::packet::key::PublicParts>,
    OpenPgpError,
> {
    let want: String = fingerprint
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    key.keys()
        .subkeys()
        .find(|ka| ka.key().fingerprint().to_hex() == want)
        .ok_or_else(|| {
            OpenPgpError::Invalid(format!(
                "the key has no subkey {want}; its subkeys are {}",
                key.keys()
                    .subkeys()
                    .map(|k| k.key().fingerprint().to_hex())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}

/// Revokes the subkey `fingerprint` for `reason`, signed by the primary.
pub fn revoke_subkey(
    key: &Cert,
    fingerprint: &str,
    reason: RevokeReason,
    message: &str,
    now: SystemTime,
) -> Result<Cert, OpenPgpError> {
    let sub = subkey(key, fingerprint)?;
    let policy = StandardPolicy::new();
    if let Ok(valid) = sub.clone().with_policy(&policy, now) {
        if let RevocationStatus::Revoked(sigs) = valid.revocation_status() {
            // A subkey superseded or retired can still be found compromised
            // later: that revocation says more (nothing it ever signed holds).
            let hard = sigs.iter().any(|s| {
                s.reason_for_revocation()
                    .is_none_or(|(r, _)| r == ReasonForRevocation::KeyCompromised)
            });
            if hard || reason != RevokeReason::Compromised {
                return Err(OpenPgpError::Invalid(format!(
                    "subkey {} is revoked already{}",
                    sub.key().fingerprint().to_hex(),
                    if hard {
                        " as compromised"
                    } else {
                        ": only --reason compromised says more"
                    }
                )));
            }
        }
    }
    let mut signer = primary_signer(key)?;
    let sig = SubkeyRevocationBuilder::new()
        .set_signature_creation_time(now)
        .ctx("cannot date the revocation")?
        .set_reason_for_revocation(reason.openpgp(), message.as_bytes())
        .ctx("cannot give the revocation its reason")?
        .build(&mut signer, key, sub.key(), None)
        .ctx("cannot sign the revocation")?;
    let (cert, _) = key
        .clone()
        .insert_packets(sig)
        .ctx("cannot add the revocation")?;
    Ok(cert)
}

/// Gives the subkey `fingerprint` an end at `until` (a rotation's
/// transition: the old subkey stays valid until then, and expires).
pub fn end_subkey(
    key: &Cert,
    fingerprint: &str,
    until: SystemTime,
    now: SystemTime,
) -> Result<Cert, OpenPgpError> {
    let policy = StandardPolicy::new();
    let vc = key
        .with_policy(&policy, now)
        .ctx("the key's self-signatures do not hold under the standard policy")?;
    let want = subkey(key, fingerprint)?.key().fingerprint();
    let ka = vc
        .keys()
        .subkeys()
        .find(|k| k.key().fingerprint() == want)
        .ok_or_else(|| OpenPgpError::Invalid("the subkey is not valid now".into()))?;
    let mut primary = primary_signer(key)?;
    let mut own = if ka.for_signing() || ka.for_certification() || ka.for_authentication() {
        Some(
            ka.key()
                .clone()
                .parts_into_secret()
                .ctx("a signing subkey has no secret part: this needs the backup")?
                .into_keypair()
                .ctx("a subkey's secret part is still locked")?,
        )
    } else {
        None
    };
    let sigs = ka
        .set_expiration_time(
            &mut primary,
            own.as_mut().map(|k| k as &mut dyn Signer),
            Some(until),
        )
        .ctx("cannot sign the subkey's end")?;
    let (cert, _) = key
        .clone()
        .insert_packets(sigs)
        .ctx("cannot add the subkey's end")?;
    Ok(cert)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn key(now: SystemTime) -> Cert {
        crate::openpgp::test_key(now)
    }

    fn current(key: &Cert, now: SystemTime) -> Vec<(KeyRole, String)> {
        current_secret_subkeys(key, now)
            .into_iter()
            .map(|(r, k)| (r, k.fingerprint().to_hex()))
            .collect()
    }

    /// Sequoia's canonical order of subkeys is by content, so one rotated
    /// key can pass by luck; eight keys each with a new subkey beside a
    /// revoked one and beside one still in its transition almost never do.
    #[test]
    fn the_newest_live_subkey_of_each_role_is_current_whatever_the_order() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000);
        let t1 = t0 + Duration::from_secs(60);
        let until = t1 + Duration::from_secs(86_400 * 30);
        for _ in 0..8 {
            let k = key(t0);
            let old = live_subkeys(&k, KeyRole::Signing, t0)[0].clone();
            let enc = live_subkeys(&k, KeyRole::Encryption, t0)[0].clone();
            let (k, new) = add_subkey(&k, KeyRole::Signing, until, t1).unwrap();
            let want = vec![
                (KeyRole::Signing, new.clone()),
                (KeyRole::Encryption, enc.clone()),
            ];

            let transition = end_subkey(&k, &old, t1 + Duration::from_secs(86_400), t1).unwrap();
            assert_eq!(live_subkeys(&transition, KeyRole::Signing, t1).len(), 2);
            assert_eq!(current(&transition, t1), want);

            let revoked = revoke_subkey(&k, &old, RevokeReason::Superseded, "rotated", t1).unwrap();
            assert_eq!(current(&revoked, t1), want);
            // Before the rotation, the old subkey is the current one.
            assert_eq!(current(&revoked, t0)[0], (KeyRole::Signing, old));
        }
    }
}
