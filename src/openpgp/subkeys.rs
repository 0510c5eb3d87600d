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

/// The notation that names a signing subkey's role (two-person signing,
/// docs/two-person.md) on its binding signature. Non-critical and
/// human-readable, so gpg and sq show it and ignore it; the primary signs
/// it with the binding, so the role cannot be changed without the primary.
/// A signing subkey without it belongs to the default role, which works as
/// every key made before roles did.
pub const ROLE_NOTATION: &str = "signing-role@keyceremony.invalid";

/// The default signing role's name, in messages, plans and bundles.
pub const DEFAULT_ROLE: &str = "release";

/// A signing role as the key records it: `None` for the default role (no
/// notation), `Some(name)` for a named one.
pub type SigningRole<'a> = Option<&'a str>;

/// A role name the key, the bundle's file names and the policies carry:
/// lowercase letters, digits and dashes, starting with a letter.
pub fn check_role_name(name: &str) -> Result<(), String> {
    let ok = name.len() <= 32
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !ok {
        return Err(format!(
            "{name:?} is not a role name: lowercase letters, digits and dashes, starting with a letter, at most 32 characters (e.g. \"approve\")"
        ));
    }
    if name == DEFAULT_ROLE {
        return Err(format!(
            "{name:?} is the default role's name (the signing subkey on cards.count cards): name the other roles"
        ));
    }
    Ok(())
}

/// A role's name as people read it.
pub fn role_name(role: SigningRole<'_>) -> &str {
    role.unwrap_or(DEFAULT_ROLE)
}

/// The role a binding signature names (`None`: the default role).
pub fn role_of_binding(sig: &pgp::packet::Signature) -> Option<String> {
    sig.notation(ROLE_NOTATION)
        .next()
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

/// The signing role of `key`'s subkey `fingerprint`, as its newest
/// self-signature names it (renewals and ends keep the notation), whether
/// or not the subkey is in force; `None` when `key` has no such subkey.
pub fn role_of_subkey(key: &Cert, fingerprint: &str) -> Option<Option<String>> {
    key.keys()
        .subkeys()
        .find(|ka| {
            ka.key()
                .fingerprint()
                .to_hex()
                .eq_ignore_ascii_case(fingerprint)
        })
        .map(|ka| ka.self_signatures().next().and_then(role_of_binding))
}

/// Each signing subkey of `key` in force at `now`: its fingerprint and
/// role (`None`: the default).
fn live_signing(key: &Cert, now: SystemTime) -> Vec<(String, Option<String>)> {
    let policy = StandardPolicy::new();
    let Ok(vc) = key.with_policy(&policy, now) else {
        return Vec::new();
    };
    vc.keys()
        .subkeys()
        .alive()
        .revoked(false)
        .for_signing()
        .map(|ka| {
            (
                ka.key().fingerprint().to_hex(),
                role_of_binding(ka.binding_signature()),
            )
        })
        .collect()
}

/// The named signing roles (not the default) among `key`'s signing subkeys
/// in force at `now`, sorted.
pub fn signing_roles(key: &Cert, now: SystemTime) -> Vec<String> {
    let mut roles: Vec<String> = live_signing(key, now)
        .into_iter()
        .filter_map(|(_, role)| role)
        .collect();
    roles.sort();
    roles.dedup();
    roles
}

/// The fingerprints of `key`'s signing subkeys of `role` in force at `now`.
pub fn live_signing_subkeys(key: &Cert, role: SigningRole<'_>, now: SystemTime) -> Vec<String> {
    live_signing(key, now)
        .into_iter()
        .filter(|(_, r)| r.as_deref() == role)
        .map(|(fpr, _)| fpr)
        .collect()
}

/// The fingerprints of the subkeys with `role` that are in force at `now`
/// (not revoked, not expired), signing subkeys of every signing role alike.
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
/// newest that is alive and not revoked; the signing subkey of
/// `signing_role` only, never another role's (a card holds one role).
///
/// Why newest, and why not the first match: a rotation with a transition date
/// leaves the old subkey alive beside the new one, and a rotation without one
/// leaves it revoked beside it; Sequoia orders subkeys canonically, which says
/// nothing about age, so a first match put the revoked subkey on a card in
/// about one rotation in three (seen in CI: gpg then found no usable secret).
pub fn current_secret_subkeys(
    key: &Cert,
    signing_role: SigningRole<'_>,
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
                if role_of_binding(ka.binding_signature()).as_deref() != signing_role {
                    return None;
                }
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
/// primary, RSA 4096 for an RSA one), valid until `until`; a signing one
/// marked with `signing_role` when that is a named role. Returns the cert
/// with it and its fingerprint.
pub fn add_subkey(
    key: &Cert,
    role: KeyRole,
    signing_role: SigningRole<'_>,
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
    // A binding of its own: sequoia would otherwise take the newest
    // subkey's as the template, and with it that subkey's role (a release
    // rotation came out marked "approve").
    let builder = KeyBuilder::new(flags(role))
        .set_cipher_suite(suite)
        .set_creation_time(now)
        .subkey(vc)
        .ctx("cannot make the new subkey")?
        .set_signature_template(
            pgp::packet::signature::SignatureBuilder::new(pgp::types::SignatureType::SubkeyBinding)
                .set_key_flags(flags(role))
                .ctx("cannot set the new subkey's flags")?,
        )
        .set_signature_creation_time(now)
        .ctx("cannot date the new subkey's binding")?
        .set_key_expiration_time(until)
        .ctx("cannot set the new subkey's expiry")?
        .set_primary_key_signer(primary_signer(key)?);
    let builder = match signing_role {
        Some(name) if role == KeyRole::Signing => builder
            .with_signature_template(|sig| mark_role(sig, name))
            .ctx("cannot mark the new subkey's role")?,
        _ => builder,
    };
    let fingerprint = builder.key().fingerprint().to_hex();
    let cert = builder.attach_cert().ctx("cannot bind the new subkey")?;
    Ok((cert, fingerprint))
}

/// `sig` with the notation naming signing role `name`.
pub(crate) fn mark_role(
    sig: pgp::packet::signature::SignatureBuilder,
    name: &str,
) -> pgp::Result<pgp::packet::signature::SignatureBuilder> {
    sig.set_notation(
        ROLE_NOTATION,
        name.as_bytes(),
        pgp::packet::signature::subpacket::NotationDataFlags::empty().set_human_readable(),
        false,
    )
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
        current_secret_subkeys(key, None, now)
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
            let (k, new) = add_subkey(&k, KeyRole::Signing, None, until, t1).unwrap();
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

    /// Two-person signing: each role's subkey is its own, marked by the
    /// binding the primary signed; renewals, ends and rotations keep each
    /// role, and nothing of one role is taken for another's.
    #[test]
    fn each_signing_role_keeps_its_own_subkey_through_renewal_and_rotation() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000);
        let req = crate::openpgp::KeyRequest {
            user_ids: vec!["Test <test@example.org>".into()],
            profile: crate::openpgp::Profile::Ed25519,
            primary_validity: Duration::from_secs(86_400 * 365),
            encryption: true,
            authentication: false,
            subkey_validity: Duration::from_secs(86_400 * 30),
            signing_roles: vec!["approve".into(), "qa".into()],
        };
        let k = crate::openpgp::generate(&req, t0).unwrap().cert().clone();
        assert_eq!(signing_roles(&k, t0), ["approve", "qa"]);
        let release = live_signing_subkeys(&k, None, t0);
        let approve = live_signing_subkeys(&k, Some("approve"), t0);
        assert_eq!((release.len(), approve.len()), (1, 1));
        assert_ne!(release, approve);
        assert_eq!(live_subkeys(&k, KeyRole::Signing, t0).len(), 3);
        assert_eq!(
            role_of_subkey(&k, &approve[0]),
            Some(Some("approve".into()))
        );
        assert_eq!(role_of_subkey(&k, &release[0]), Some(None));
        let signing = |k: &Cert, role, at| {
            current_secret_subkeys(k, role, at)
                .into_iter()
                .filter(|(r, _)| *r == KeyRole::Signing)
                .map(|(_, k)| k.fingerprint().to_hex())
                .collect::<Vec<_>>()
        };
        assert_eq!(signing(&k, Some("approve"), t0), approve);
        assert_eq!(signing(&k, None, t0), release);
        assert!(signing(&k, Some("nobody"), t0).is_empty());

        // A renewal keeps each role (sequoia's new bindings copy the old).
        let t1 = t0 + Duration::from_secs(60);
        let until = t1 + Duration::from_secs(86_400 * 300);
        let renewed = crate::openpgp::renew(&k, until, until, t1).unwrap();
        let t2 = SystemTime::now().max(t1) + Duration::from_secs(5);
        assert_eq!(live_signing_subkeys(&renewed, Some("approve"), t1), approve);
        assert_eq!(signing_roles(&renewed, t1), ["approve", "qa"]);

        // Rotating the approve role: a new approve subkey, the release one untouched.
        let (rotated, new) =
            add_subkey(&renewed, KeyRole::Signing, Some("approve"), until, t2).unwrap();
        let rotated =
            revoke_subkey(&rotated, &approve[0], RevokeReason::Superseded, "lost", t2).unwrap();
        let t3 = t2 + Duration::from_secs(1);
        assert_eq!(
            live_signing_subkeys(&rotated, Some("approve"), t3),
            std::slice::from_ref(&new)
        );
        assert_eq!(live_signing_subkeys(&rotated, None, t3), release);
        assert_eq!(
            signing(&rotated, Some("approve"), t3),
            std::slice::from_ref(&new)
        );

        // The release role rotated after it: no role taken from the newest
        // subkey's binding (sequoia's default template), nor onto an
        // encryption subkey.
        let t4 = t3 + Duration::from_secs(1);
        let (rotated, release2) = add_subkey(&rotated, KeyRole::Signing, None, until, t4).unwrap();
        assert_eq!(role_of_subkey(&rotated, &release2), Some(None));
        let (rotated, enc) = add_subkey(&rotated, KeyRole::Encryption, None, until, t4).unwrap();
        assert_eq!(role_of_subkey(&rotated, &enc), Some(None));
        assert_eq!(signing(&rotated, Some("approve"), t4), [new]);
        assert_eq!(signing(&rotated, None, t4), [release2]);

        // Each role's keyring holds its own subkeys only; another role's is refused.
        let ring = crate::openpgp::signing_keyring(&rotated, Some("approve"), t3).unwrap();
        assert!(crate::openpgp::check_signing_keyring(&rotated, Some("approve"), &ring).is_ok());
        let e = crate::openpgp::check_signing_keyring(&rotated, None, &ring).unwrap_err();
        assert!(
            e.contains("of the approve role, not of the release role"),
            "{e}"
        );
        let ring = crate::openpgp::signing_keyring(&rotated, None, t3).unwrap();
        assert!(crate::openpgp::check_signing_keyring(&rotated, Some("qa"), &ring).is_err());
    }
}
