//! OpenPGP through sequoia: key generation, passphrase protection, revocation,
//! signatures and their verification.
//!
//! Everything here makes OpenPGP v4 material (RFC 4880 profile) because OpenPGP
//! cards take 20-byte fingerprints and GnuPG 2.2, still common on the online
//! side, reads no v6. This module knows nothing of media, plans or terminals:
//! it turns a [`KeyRequest`] into keys and bytes, and checks bytes against keys.

mod certify;
mod keyring;
mod keys;
mod sign;
mod strict;
mod subkeys;

pub use certify::{certify, check_certifiable, Certification, Trust};
pub use keyring::{check_signing_keyring, signing_keyring};
pub use keys::{
    generate, key_infos, protected_armored, public_armored, renew,
    settle_after_latest_self_signature, superseded_revocation, unlock_cert, unlock_secret,
    GeneratedKey, KeyInfo, KeyRequest, KeyRole, Profile,
};
pub use sign::{
    key_material, read_cert, share_a_key, sign_detached, signing_keys, valid_at,
    verify_by_signing_key, verify_detached, SignWith,
};
pub use strict::read_strict;
pub use subkeys::{
    add_subkey, check_role_name, current_secret_subkeys, end_subkey, live_signing_subkeys,
    live_subkeys, revoke_subkey, role_name, role_of_subkey, signing_roles, RevokeReason,
    SigningRole, DEFAULT_ROLE, ROLE_NOTATION,
};

/// The primary key's signer: its secret must be in the cert and unlocked
/// (a cert from a backup opened with the shares).
pub(crate) fn primary_signer(
    key: &sequoia_openpgp::Cert,
) -> Result<sequoia_openpgp::crypto::KeyPair, OpenPgpError> {
    key.primary_key()
        .key()
        .clone()
        .parts_into_secret()
        .ctx("the primary key has no secret part: this needs the backup, not the cert")?
        .into_keypair()
        .ctx("the primary key's secret part is still locked")
}

/// A small ed25519 key made at `now` (signing and encryption subkeys, a
/// year and a month), for unit tests across the crate.
#[cfg(test)]
pub(crate) fn test_key(now: std::time::SystemTime) -> sequoia_openpgp::Cert {
    use std::time::Duration;
    let req = KeyRequest {
        user_ids: vec!["Test <test@example.org>".into()],
        profile: Profile::Ed25519,
        primary_validity: Duration::from_secs(86_400 * 365),
        encryption: true,
        authentication: false,
        subkey_validity: Duration::from_secs(86_400 * 30),
        signing_roles: Vec::new(),
    };
    generate(&req, now).unwrap().cert().clone()
}

/// Sequoia reports errors as `anyhow::Error`; we keep its text and add what we were doing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenPgpError {
    #[error("{what}: {source}")]
    Sequoia {
        what: &'static str,
        source: anyhow::Error,
    },
    #[error("the passphrase does not open the secret key {fingerprint}")]
    WrongPassphrase { fingerprint: String },
    #[error("{0}")]
    Invalid(String),
    #[error("the signature does not verify against {fingerprint}: {reason}")]
    BadSignature { fingerprint: String, reason: String },
}

pub(crate) trait Context<T> {
    fn ctx(self, what: &'static str) -> Result<T, OpenPgpError>;
}

impl<T> Context<T> for anyhow::Result<T> {
    fn ctx(self, what: &'static str) -> Result<T, OpenPgpError> {
        self.map_err(|source| OpenPgpError::Sequoia { what, source })
    }
}

impl<T> Context<T> for std::io::Result<T> {
    fn ctx(self, what: &'static str) -> Result<T, OpenPgpError> {
        self.map_err(|e| OpenPgpError::Sequoia {
            what,
            source: e.into(),
        })
    }
}
