//! Generating the ceremony's keys and protecting them for the backup.

use std::fmt;
use std::time::{Duration, SystemTime};

use sequoia_openpgp as pgp;

use pgp::armor;
use pgp::cert::{CertBuilder, CipherSuite};
use pgp::crypto::Password;
use pgp::packet::{Packet, Signature};
use pgp::parse::Parse;
use pgp::policy::StandardPolicy;
use pgp::serialize::{Serialize, SerializeInto};
use pgp::types::KeyFlags;
use pgp::Cert;

use super::{Context, OpenPgpError};

/// What to generate. The plan builds one (`Plan::key_request`); tests ask for less.
#[derive(Debug, Clone)]
pub struct KeyRequest {
    pub user_ids: Vec<String>,
    pub profile: Profile,
    pub primary_validity: Duration,
    pub encryption: bool,
    pub authentication: bool,
    pub subkey_validity: Duration,
    /// Named signing roles besides the default one (two-person signing):
    /// each its own signing subkey, marked with its role.
    pub signing_roles: Vec<String>,
}

/// Algorithm profile. Both produce OpenPGP v4 keys, which OpenPGP cards and
/// GnuPG 2.2 accept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Profile {
    /// EdDSA (Ed25519) primary and signing/authentication subkeys, ECDH cv25519 encryption.
    #[default]
    #[serde(rename = "ed25519")]
    Ed25519,
    /// RSA 4096 for every key, as in runbooks written for older cards.
    #[serde(rename = "rsa4096")]
    Rsa4096,
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Profile::Ed25519 => "ed25519",
            Profile::Rsa4096 => "rsa4096",
        })
    }
}

/// What a key is for, as the transcript and the summary name it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum KeyRole {
    Certification,
    Signing,
    Encryption,
    Authentication,
}

/// Public facts about one key: safe to print, log and put in the transcript.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KeyInfo {
    pub role: KeyRole,
    pub fingerprint: String,
    pub algorithm: String,
    pub created: u64,
    pub expires: Option<u64>,
    /// Revoked (a rotated or retired subkey): kept in the cert, no longer used.
    pub revoked: bool,
    /// A signing subkey's named role (two-person signing); none for the
    /// default role and every other key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_role: Option<String>,
}

/// A freshly generated key, its secret parts unencrypted in (sequoia's protected) memory.
pub struct GeneratedKey {
    cert: Cert,
    revocation: Signature,
}

impl fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "GeneratedKey({}, secret parts redacted)",
            self.fingerprint()
        )
    }
}

/// Generates the certify-only primary, its subkeys and the primary's revocation certificate.
pub fn generate(req: &KeyRequest, now: SystemTime) -> Result<GeneratedKey, OpenPgpError> {
    let suite = match req.profile {
        Profile::Ed25519 => CipherSuite::Cv25519,
        Profile::Rsa4096 => CipherSuite::RSA4k,
    };
    let sub = Some(req.subkey_validity);
    let mut builder = CertBuilder::new()
        .set_profile(pgp::Profile::RFC4880)
        .ctx("cannot select the OpenPGP v4 profile")?
        .set_cipher_suite(suite)
        .set_creation_time(now)
        .set_primary_key_flags(KeyFlags::empty().set_certification())
        .set_validity_period(Some(req.primary_validity))
        .add_subkey(KeyFlags::empty().set_signing(), sub, None);
    for uid in &req.user_ids {
        builder = builder.add_userid(uid.as_str());
    }
    for role in &req.signing_roles {
        let binding =
            pgp::packet::signature::SignatureBuilder::new(pgp::types::SignatureType::SubkeyBinding);
        let binding =
            super::subkeys::mark_role(binding, role).ctx("cannot mark a signing subkey's role")?;
        builder = builder
            .add_subkey_with(KeyFlags::empty().set_signing(), sub, None, binding)
            .ctx("cannot add a signing role's subkey")?;
    }
    if req.encryption {
        builder = builder.add_subkey(
            KeyFlags::empty()
                .set_transport_encryption()
                .set_storage_encryption(),
            sub,
            None,
        );
    }
    if req.authentication {
        builder = builder.add_subkey(KeyFlags::empty().set_authentication(), sub, None);
    }
    let (cert, revocation) = builder.generate().ctx("key generation failed")?;
    Ok(GeneratedKey { cert, revocation })
}

impl GeneratedKey {
    pub fn fingerprint(&self) -> String {
        self.cert.fingerprint().to_hex()
    }

    pub fn cert(&self) -> &Cert {
        &self.cert
    }

    /// The public cert, ASCII-armored: what goes online.
    pub fn public_armored(&self) -> Result<Vec<u8>, OpenPgpError> {
        public_armored(&self.cert)
    }

    /// The whole key, every secret part protected by `password`.
    pub fn encrypted_secret_armored(&self, password: &Password) -> Result<Vec<u8>, OpenPgpError> {
        protected_armored(&self.cert, password)
    }

    /// The revocation certificate as GnuPG writes one: the bare signature, armored.
    pub fn revocation_armored(&self) -> Result<Vec<u8>, OpenPgpError> {
        let comment = format!("Revocation certificate for {}", self.fingerprint());
        let mut w = armor::Writer::with_headers(
            Vec::new(),
            armor::Kind::PublicKey,
            vec![("Comment", comment.as_str())],
        )
        .ctx("cannot armor the revocation certificate")?;
        Packet::from(self.revocation.clone())
            .serialize(&mut w)
            .ctx("cannot serialise the revocation certificate")?;
        w.finalize().ctx("cannot armor the revocation certificate")
    }

    pub fn key_infos(&self, now: SystemTime) -> Vec<KeyInfo> {
        key_infos(&self.cert, now)
    }
}

/// Describes every key of a cert that is valid under the standard policy at `now`.
pub fn key_infos(cert: &Cert, now: SystemTime) -> Vec<KeyInfo> {
    let policy = StandardPolicy::new();
    let Ok(vc) = cert.with_policy(&policy, now) else {
        return Vec::new();
    };
    let secs = |t: SystemTime| {
        t.duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    };
    let mut infos: Vec<KeyInfo> = vc
        .keys()
        .map(|ka| {
            let flags = ka.key_flags().unwrap_or_else(KeyFlags::empty);
            let role = if flags.for_certification() {
                KeyRole::Certification
            } else if flags.for_signing() {
                KeyRole::Signing
            } else if flags.for_storage_encryption() || flags.for_transport_encryption() {
                KeyRole::Encryption
            } else {
                KeyRole::Authentication
            };
            let key = ka.key();
            use pgp::crypto::mpi::PublicKey as Mpis;
            let algorithm = match key.mpis() {
                Mpis::EdDSA { curve, .. }
                | Mpis::ECDH { curve, .. }
                | Mpis::ECDSA { curve, .. } => {
                    format!("{} {}", key.pk_algo(), curve)
                }
                other => format!("{} {}", key.pk_algo(), other.bits().unwrap_or(0)),
            };
            KeyInfo {
                role,
                fingerprint: key.fingerprint().to_hex(),
                algorithm,
                created: secs(key.creation_time()),
                expires: ka.key_expiration_time().map(secs),
                revoked: matches!(
                    pgp::cert::amalgamation::ValidAmalgamation::revocation_status(&ka),
                    pgp::types::RevocationStatus::Revoked(_)
                ),
                signing_role: if role == KeyRole::Signing {
                    super::subkeys::role_of_binding(ka.binding_signature())
                } else {
                    None
                },
            }
        })
        .collect();
    // Sequoia orders subkeys canonically, not by role; reports read better by role.
    infos.sort_by_key(|k| k.role);
    infos
}

/// Opens a passphrase-protected key (as written to a backup) and proves every
/// secret part decrypts. Returns the key with secrets decrypted in memory.
pub fn unlock_secret(armored: &[u8], password: &Password) -> Result<Cert, OpenPgpError> {
    let cert = Cert::from_bytes(armored).ctx("the backup does not hold an OpenPGP key")?;
    unlock_cert(&cert, password)
}

/// Decrypts every secret part of `cert` (read already, say strictly).
pub fn unlock_cert(cert: &Cert, password: &Password) -> Result<Cert, OpenPgpError> {
    if !cert.is_tsk() {
        return Err(OpenPgpError::Invalid(
            "the backup holds only a public cert, not the secret key".into(),
        ));
    }
    let wrong = || OpenPgpError::WrongPassphrase {
        fingerprint: cert.fingerprint().to_hex(),
    };
    let mut packets: Vec<Packet> = Vec::new();
    let primary = cert
        .primary_key()
        .key()
        .clone()
        .parts_into_secret()
        .map_err(|_| wrong())?
        .decrypt_secret(password)
        .map_err(|_| wrong())?;
    packets.push(primary.into());
    for ka in cert.keys().subkeys().secret() {
        let k = ka
            .key()
            .clone()
            .decrypt_secret(password)
            .map_err(|_| wrong())?;
        packets.push(k.into());
    }
    let (open, _) = cert
        .clone()
        .insert_packets(packets)
        .ctx("cannot assemble the unlocked key")?;
    Ok(open)
}

/// OpenPGP takes the newest self-signature as the one in force, to the
/// second, and sequoia dates new ones with the system clock: a renewal in
/// the same second as the signatures it replaces (a renew run right after a
/// genesis) would tie with them, and sq and gpg then choose differently.
/// Waits (at most two seconds) until the clock is past the newest
/// self-signature; a key whose signatures are dated further ahead means a
/// wrong clock, and is refused.
pub fn settle_after_latest_self_signature(key: &Cert) -> Result<(), OpenPgpError> {
    let latest = key
        .primary_key()
        .self_signatures()
        .chain(key.userids().flat_map(|u| u.self_signatures()))
        .chain(key.keys().subkeys().flat_map(|k| k.self_signatures()))
        .filter_map(|sig| sig.signature_creation_time())
        .max();
    let Some(latest) = latest else {
        return Ok(());
    };
    let next_second = latest + Duration::from_secs(1);
    match next_second.duration_since(SystemTime::now()) {
        Err(_) => Ok(()),
        Ok(wait) if wait <= Duration::from_secs(2) => {
            std::thread::sleep(wait);
            Ok(())
        }
        Ok(_) => Err(OpenPgpError::Invalid(format!(
            "the key's newest self-signature is dated {}, ahead of this machine's clock: set the clock (`date -s`) and run the ceremony again",
            humantime::format_rfc3339_seconds(latest)
        ))),
    }
}

/// The public cert, ASCII-armored: what goes online.
pub fn public_armored(cert: &Cert) -> Result<Vec<u8>, OpenPgpError> {
    cert.clone()
        .strip_secret_key_material()
        .armored()
        .to_vec()
        .ctx("cannot serialise the public cert")
}

/// A revocation certificate for `key`'s primary with the reason "superseded"
/// (a rotation: what it signed stays good), armored as GnuPG writes one.
pub fn superseded_revocation(
    key: &Cert,
    message: &str,
    now: SystemTime,
) -> Result<Vec<u8>, OpenPgpError> {
    let mut signer = super::primary_signer(key)?;
    let sig = pgp::cert::CertRevocationBuilder::new()
        .set_signature_creation_time(now)
        .ctx("cannot date the revocation")?
        .set_reason_for_revocation(
            pgp::types::ReasonForRevocation::KeySuperseded,
            message.as_bytes(),
        )
        .ctx("cannot give the revocation its reason")?
        .build(&mut signer, key, None)
        .ctx("cannot sign the revocation")?;
    let comment = format!(
        "Revocation certificate for {} (superseded)",
        key.fingerprint()
    );
    let mut w = armor::Writer::with_headers(
        Vec::new(),
        armor::Kind::PublicKey,
        vec![("Comment", comment.as_str())],
    )
    .ctx("cannot armor the revocation certificate")?;
    Packet::from(sig)
        .serialize(&mut w)
        .ctx("cannot serialise the revocation certificate")?;
    w.finalize().ctx("cannot armor the revocation certificate")
}

/// The whole key with every secret part protected by `password` (iterated and
/// salted S2K, AES-256), so that plain `gpg --import` with the passphrase opens it.
pub fn protected_armored(cert: &Cert, password: &Password) -> Result<Vec<u8>, OpenPgpError> {
    let mut packets: Vec<Packet> = Vec::new();
    let primary = cert
        .primary_key()
        .key()
        .clone()
        .parts_into_secret()
        .ctx("the primary key has no secret part")?
        .encrypt_secret(password)
        .ctx("cannot protect the primary key")?;
    packets.push(primary.into());
    for ka in cert.keys().subkeys().secret() {
        let k = ka
            .key()
            .clone()
            .encrypt_secret(password)
            .ctx("cannot protect a subkey")?;
        packets.push(k.into());
    }
    let (protected, _) = cert
        .clone()
        .insert_packets(packets)
        .ctx("cannot assemble the protected key")?;
    if protected.keys().unencrypted_secret().next().is_some() {
        return Err(OpenPgpError::Invalid(
            "a secret key part was left unprotected; nothing was written".into(),
        ));
    }
    let armored = protected
        .as_tsk()
        .armored()
        .to_vec()
        .ctx("cannot serialise the protected key");
    armored
}

/// The same key with new expiry times: the primary (and with it every user
/// ID's binding) until `primary`, every subkey not revoked until `subkeys`.
/// The key material is unchanged, so cards holding the subkeys need nothing
/// new. Works on a key that has already expired: sequoia tells a key that is
/// valid (its self-signatures hold) from one that is alive (not expired).
/// Signing subkeys sign their new binding back (a backsig), so their secret
/// parts must be in `key`, as they are in a backup.
pub fn renew(
    key: &Cert,
    primary: SystemTime,
    subkeys: SystemTime,
    now: SystemTime,
) -> Result<Cert, OpenPgpError> {
    use pgp::cert::amalgamation::ValidAmalgamation;
    use pgp::crypto::Signer;
    use pgp::types::RevocationStatus;
    settle_after_latest_self_signature(key)?;
    let policy = StandardPolicy::new();
    let valid = key
        .with_policy(&policy, now)
        .ctx("the key's self-signatures do not hold under the standard policy")?;
    let mut primary_signer = super::primary_signer(key)?;
    let mut sigs = valid
        .primary_key()
        .set_expiration_time(&mut primary_signer, Some(primary))
        .ctx("cannot sign the primary key's new expiry")?;
    for ka in valid.keys().subkeys() {
        if matches!(ka.revocation_status(), RevocationStatus::Revoked(_)) {
            continue;
        }
        // Only a subkey that can sign (sequoia counts authentication) makes
        // a backsig, and it must.
        let mut own = if ka.for_signing() || ka.for_certification() || ka.for_authentication() {
            let k = ka
                .key()
                .clone()
                .parts_into_secret()
                .ctx("a signing subkey has no secret part: renew needs the backup")?;
            Some(
                k.into_keypair()
                    .ctx("a subkey's secret part is still locked")?,
            )
        } else {
            None
        };
        sigs.extend(
            ka.set_expiration_time(
                &mut primary_signer,
                own.as_mut().map(|k| k as &mut dyn Signer),
                Some(subkeys),
            )
            .ctx("cannot sign a subkey's new expiry")?,
        );
    }
    let (renewed, _) = key
        .clone()
        .insert_packets(sigs)
        .ctx("cannot add the new self-signatures")?;
    Ok(renewed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(encryption: bool, authentication: bool) -> KeyRequest {
        KeyRequest {
            user_ids: vec!["Test <test@example.org>".into()],
            profile: Profile::Ed25519,
            primary_validity: Duration::from_secs(86_400 * 365),
            encryption,
            authentication,
            subkey_validity: Duration::from_secs(86_400 * 30),
            signing_roles: Vec::new(),
        }
    }

    #[test]
    fn primary_certifies_only_and_subkeys_have_their_roles() {
        let now = SystemTime::now();
        let key = generate(&request(true, true), now).unwrap();
        let infos = key.key_infos(now);
        let roles: Vec<_> = infos.iter().map(|i| i.role).collect();
        assert_eq!(
            roles,
            [
                KeyRole::Certification,
                KeyRole::Signing,
                KeyRole::Encryption,
                KeyRole::Authentication
            ]
        );
        let policy = StandardPolicy::new();
        let vc = key.cert().with_policy(&policy, now).unwrap();
        let pflags = vc.primary_key().key_flags().unwrap();
        assert!(pflags.for_certification());
        assert!(!pflags.for_signing() && !pflags.for_transport_encryption());
        assert_eq!(key.cert().primary_key().key().version(), 4);
        assert_eq!(
            infos[1].expires.unwrap() - infos[1].created,
            86_400 * 30,
            "subkey expiry"
        );
        assert_eq!(infos[0].expires.unwrap() - infos[0].created, 86_400 * 365);
    }

    #[test]
    fn protected_secret_opens_with_the_passphrase_only() {
        let key = generate(&request(false, false), SystemTime::now()).unwrap();
        let good = Password::from("correct horse battery staple");
        let armored = key.encrypted_secret_armored(&good).unwrap();
        let text = String::from_utf8(armored.clone()).unwrap();
        assert!(text.starts_with("-----BEGIN PGP PRIVATE KEY BLOCK-----"));
        let cert = Cert::from_bytes(&armored).unwrap();
        assert!(cert.keys().unencrypted_secret().next().is_none());
        let open = unlock_secret(&armored, &good).unwrap();
        assert_eq!(open.fingerprint(), key.cert().fingerprint());
        assert_eq!(open.keys().unencrypted_secret().count(), 2);
        let err = unlock_secret(&armored, &Password::from("wrong")).unwrap_err();
        assert!(matches!(err, OpenPgpError::WrongPassphrase { .. }));
    }

    #[test]
    fn public_export_carries_no_secret() {
        let key = generate(&request(true, false), SystemTime::now()).unwrap();
        let public = key.public_armored().unwrap();
        let cert = Cert::from_bytes(&public).unwrap();
        assert!(!cert.is_tsk());
        assert_eq!(cert.keys().count(), 3);
    }

    #[test]
    fn an_expired_key_is_renewed_with_the_same_key_material() {
        let day = Duration::from_secs(86_400);
        let now = SystemTime::now();
        let made = now - day * 800;
        let key = generate(&request(true, true), made).unwrap();
        let policy = StandardPolicy::new();
        let before = key.cert().with_policy(&policy, now).unwrap();
        assert!(before.primary_key().alive().is_err(), "made expired");
        let (primary, subkeys) = (now + day * 730, now + day * 365);
        let renewed = renew(key.cert(), primary, subkeys, now).unwrap();
        // Sequoia dates the new bindings by the clock, not by `now`: judged
        // at `now`, a renewal that crossed a second would not count yet.
        let vc = renewed.with_policy(&policy, SystemTime::now()).unwrap();
        assert!(vc.primary_key().alive().is_ok());
        // The same keys; not necessarily in the same order, since Sequoia
        // orders subkeys by their packets, which the new bindings change.
        let fps = |c: &Cert| {
            let mut f = c.keys().map(|k| k.key().fingerprint()).collect::<Vec<_>>();
            f.sort();
            f
        };
        assert_eq!(fps(&renewed), fps(key.cert()));
        let until = |ka_expiry: Option<SystemTime>| {
            ka_expiry
                .unwrap()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_secs()
        };
        let secs = |t: SystemTime| t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
        assert_eq!(until(vc.primary_key().key_expiration_time()), secs(primary));
        assert_eq!(vc.keys().subkeys().count(), 3);
        for ka in vc.keys().subkeys() {
            assert!(ka.alive().is_ok());
            assert_eq!(until(ka.key_expiration_time()), secs(subkeys));
        }
        // A cert without secrets cannot be renewed: it says what to bring.
        let public = key.cert().clone().strip_secret_key_material();
        let e = renew(&public, primary, subkeys, now)
            .unwrap_err()
            .to_string();
        assert!(e.contains("the backup"), "{e}");
    }

    #[test]
    fn a_renewal_in_the_second_the_key_was_made_still_supersedes() {
        let now = SystemTime::now();
        let key = generate(&request(false, false), now).unwrap();
        let until = now + Duration::from_secs(86_400 * 1000);
        let renewed = renew(key.cert(), until, until, now).unwrap();
        let later = SystemTime::now() + Duration::from_secs(5);
        let policy = StandardPolicy::new();
        let vc = renewed.with_policy(&policy, later).unwrap();
        let secs = |t: SystemTime| t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
        assert_eq!(
            secs(vc.primary_key().key_expiration_time().unwrap()),
            secs(until)
        );
    }
}
