//! The cosign key in a PKCS#11 token (an HSM, SoftHSM2, a smart card's
//! PKCS#11 module), through `cryptoki`.
//!
//! The key is either generated inside the token (`CKA_EXTRACTABLE` false,
//! `CKA_SENSITIVE` true: it never leaves, and no backup holds it), or the
//! ceremony's own key imported with the same attributes (so that the
//! backup can replace a lost token). Either way the token gets the private
//! key and its public key under one `CKA_ID` and `CKA_LABEL`, which is how
//! cosign (crypto11) and `pkcs11-tool` find a key pair, and the key proves
//! itself by signing a challenge that is checked against the public key
//! read back from the token.
//!
//! The user PIN is sent only when the token reports tries to spare: a token
//! that says the next try is its last, or that the PIN is locked, is refused
//! before the PIN is sent, as the OpenPGP cards are.

use std::path::{Path, PathBuf};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use secrecy::SecretString;
use serde::Serialize;

use crate::cosign::pkcs11_uri::KeyUri;
use crate::cosign::{CosignKey, CosignPublic};

/// DER of the P-256 curve's OID (1.2.840.10045.3.1.7): `CKA_EC_PARAMS`.
const P256_PARAMS: [u8; 10] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Pkcs11Error {
    #[error("cannot load the PKCS#11 module {module}: {message}. Name the module's path (e.g. /usr/lib/softhsm/libsofthsm2.so) in the plan's cosign.module")]
    Module { module: PathBuf, message: String },
    #[error("no token labelled {label:?} through {module}; these are: {found}. Check the label with `keyceremony hsm list --module {module}`")]
    NoToken {
        label: String,
        module: PathBuf,
        found: String,
    },
    #[error("token {label:?}: the user PIN {state}; keyceremony will not spend a last try. Reset the user PIN with the security officer PIN (e.g. `pkcs11-tool --init-pin --login --login-type so`), then run the ceremony again")]
    LastTry { label: String, state: &'static str },
    #[error("token {label:?}: wrong user PIN; check it before trying again (the token counts failed tries)")]
    WrongPin { label: String },
    #[error("token {label:?} already holds a key labelled {object:?}: choose another cosign.label in the plan, or remove the old key once it is retired")]
    Exists { label: String, object: String },
    #[error("token {label:?}: {step} failed: {message}")]
    Step {
        label: String,
        step: &'static str,
        message: String,
    },
    #[error("token {label:?}: the key's proof signature does not verify against the public key read back; do not use this token")]
    Proof { label: String },
}

/// What `hsm list` shows of one token.
#[derive(Debug, Clone, Serialize)]
pub struct TokenSummary {
    pub slot: u64,
    pub label: String,
    pub manufacturer: String,
    pub model: String,
    pub serial: String,
    pub initialized: bool,
    /// "ok", "count low", "final try" or "locked".
    pub user_pin: &'static str,
}

/// Where a key in a token is, and its public half.
#[derive(Debug, Clone, Serialize)]
pub struct HsmKey {
    pub token: String,
    pub label: String,
    /// `CKA_ID`, hex.
    pub id: String,
    /// RFC 7512 URI for `cosign sign --key`.
    pub uri: String,
    /// Whether the key was made inside the token (no backup holds it).
    pub generated_on_device: bool,
    #[serde(skip)]
    pub public: Option<CosignPublic>,
}

/// How the key gets into the token.
pub enum KeySource<'a> {
    /// Generated inside, never extractable.
    Generate,
    /// The ceremony's key (also on the backups), imported unextractable.
    Import(&'a CosignKey),
}

/// A loaded, initialised module.
pub struct Module {
    ctx: Pkcs11,
    path: PathBuf,
}

impl Module {
    pub fn load(path: &Path) -> Result<Module, Pkcs11Error> {
        let err = |e: cryptoki::error::Error| Pkcs11Error::Module {
            module: path.to_owned(),
            message: e.to_string(),
        };
        let ctx = Pkcs11::new(path).map_err(err)?;
        ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
            .map_err(err)?;
        Ok(Module {
            ctx,
            path: path.to_owned(),
        })
    }

    /// Every token the module offers.
    pub fn tokens(&self) -> Result<Vec<TokenSummary>, Pkcs11Error> {
        let err = |e: cryptoki::error::Error| Pkcs11Error::Module {
            module: self.path.clone(),
            message: e.to_string(),
        };
        let mut out = Vec::new();
        for slot in self.ctx.get_slots_with_token().map_err(err)? {
            let t = self.ctx.get_token_info(slot).map_err(err)?;
            out.push(TokenSummary {
                slot: slot.id(),
                label: t.label().trim().to_owned(),
                manufacturer: t.manufacturer_id().trim().to_owned(),
                model: t.model().trim().to_owned(),
                serial: t.serial_number().trim().to_owned(),
                initialized: t.token_initialized(),
                user_pin: if t.user_pin_locked() {
                    "locked"
                } else if t.user_pin_final_try() {
                    "final try"
                } else if t.user_pin_count_low() {
                    "count low"
                } else {
                    "ok"
                },
            });
        }
        Ok(out)
    }

    fn slot(&self, label: &str) -> Result<(Slot, TokenSummary), Pkcs11Error> {
        let tokens = self.tokens()?;
        let found = tokens
            .iter()
            .map(|t| format!("{:?}", t.label))
            .collect::<Vec<_>>()
            .join(", ");
        let t = tokens
            .into_iter()
            .find(|t| t.label == label)
            .ok_or_else(|| Pkcs11Error::NoToken {
                label: label.to_owned(),
                module: self.path.clone(),
                found: if found.is_empty() {
                    "none".into()
                } else {
                    found
                },
            })?;
        let slot = self
            .ctx
            .get_slots_with_token()
            .ok()
            .and_then(|s| s.into_iter().find(|s| s.id() == t.slot))
            .ok_or_else(|| Pkcs11Error::NoToken {
                label: label.to_owned(),
                module: self.path.clone(),
                found: "(it went away)".into(),
            })?;
        Ok((slot, t))
    }

    /// Before a ceremony makes anything: the token is there, its user PIN
    /// has tries to spare, no key of that label is in it (public objects are
    /// visible without a login, so that is known before the PIN is sent),
    /// and, given a PIN, that it opens the token.
    pub fn check_ready(
        &self,
        token: &str,
        label: &str,
        pin: Option<&SecretString>,
    ) -> Result<(), Pkcs11Error> {
        let (slot, t) = self.slot(token)?;
        spare_tries(token, &t)?;
        let session = self
            .ctx
            .open_ro_session(slot)
            .map_err(|e| Pkcs11Error::Step {
                label: token.to_owned(),
                step: "opening a session",
                message: e.to_string(),
            })?;
        let found = session
            .find_objects(&[Attribute::Label(label.as_bytes().to_vec())])
            .map_err(|e| Pkcs11Error::Step {
                label: token.to_owned(),
                step: "looking for an older key",
                message: e.to_string(),
            })?;
        if !found.is_empty() {
            return Err(Pkcs11Error::Exists {
                label: token.to_owned(),
                object: label.to_owned(),
            });
        }
        drop(session);
        // The PIN, tried now: a wrong one stops the ceremony before any key
        // exists (it costs the try it would have cost later anyway).
        match pin {
            Some(pin) => self.login(token, pin).map(drop),
            None => Ok(()),
        }
    }

    /// A logged-in read-write session on the token `label`; the PIN is not
    /// sent to a token on its last try.
    fn login(&self, label: &str, pin: &SecretString) -> Result<Session, Pkcs11Error> {
        let (slot, t) = self.slot(label)?;
        spare_tries(label, &t)?;
        let step = |step: &'static str| {
            move |e: cryptoki::error::Error| Pkcs11Error::Step {
                label: label.to_owned(),
                step,
                message: e.to_string(),
            }
        };
        let session = self
            .ctx
            .open_rw_session(slot)
            .map_err(step("opening a session"))?;
        match session.login(UserType::User, Some(pin)) {
            Ok(()) => Ok(session),
            Err(cryptoki::error::Error::Pkcs11(cryptoki::error::RvError::PinIncorrect, _)) => {
                Err(Pkcs11Error::WrongPin {
                    label: label.to_owned(),
                })
            }
            Err(cryptoki::error::Error::Pkcs11(
                cryptoki::error::RvError::UserAlreadyLoggedIn,
                _,
            )) => Ok(session),
            Err(e) => Err(step("logging in")(e)),
        }
    }

    /// The PIN tried on `token` (never on its last try): before a ceremony
    /// writes anything that will need it.
    pub fn check_login(&self, token: &str, pin: &SecretString) -> Result<(), Pkcs11Error> {
        self.login(token, pin).map(drop)
    }

    /// Destroys the key `uri` names (its private and public objects, by
    /// label and id) in its token: what a revoked cosign key leaves in an
    /// HSM. Returns how many objects went; none found is zero, not an
    /// error (someone destroyed it already).
    pub fn destroy_key(&self, uri: &KeyUri, pin: &SecretString) -> Result<usize, Pkcs11Error> {
        let session = self.login(&uri.token, pin)?;
        let step = |step: &'static str| {
            move |e: cryptoki::error::Error| Pkcs11Error::Step {
                label: uri.token.clone(),
                step,
                message: e.to_string(),
            }
        };
        let mut gone = 0;
        for class in [ObjectClass::PRIVATE_KEY, ObjectClass::PUBLIC_KEY] {
            let found = session
                .find_objects(&[
                    Attribute::Class(class),
                    Attribute::Label(uri.object.as_bytes().to_vec()),
                    Attribute::Id(uri.id.clone()),
                ])
                .map_err(step("looking for the key"))?;
            for o in found {
                session
                    .destroy_object(o)
                    .map_err(step("destroying the key"))?;
                gone += 1;
            }
        }
        Ok(gone)
    }

    /// Puts a cosign key into the token `token` under `label`, proves it by
    /// a signature over `challenge`, and says where it is.
    pub fn put_key(
        &self,
        token: &str,
        pin: &SecretString,
        label: &str,
        source: KeySource<'_>,
        challenge: &[u8],
    ) -> Result<HsmKey, Pkcs11Error> {
        let session = self.login(token, pin)?;
        let step = |step: &'static str| {
            move |e: cryptoki::error::Error| Pkcs11Error::Step {
                label: token.to_owned(),
                step,
                message: e.to_string(),
            }
        };
        let existing = session
            .find_objects(&[Attribute::Label(label.as_bytes().to_vec())])
            .map_err(step("looking for an older key"))?;
        if !existing.is_empty() {
            return Err(Pkcs11Error::Exists {
                label: token.to_owned(),
                object: label.to_owned(),
            });
        }
        let mut id = vec![0u8; 16];
        getrandom::getrandom(&mut id).map_err(|e| Pkcs11Error::Step {
            label: token.to_owned(),
            step: "drawing the key id",
            message: e.to_string(),
        })?;
        let common = |class: ObjectClass| {
            vec![
                Attribute::Class(class),
                Attribute::KeyType(KeyType::EC),
                Attribute::Token(true),
                Attribute::Label(label.as_bytes().to_vec()),
                Attribute::Id(id.clone()),
            ]
        };
        let private_attrs = |mut v: Vec<Attribute>| {
            v.extend([
                Attribute::Private(true),
                Attribute::Sensitive(true),
                Attribute::Extractable(false),
                Attribute::Sign(true),
                // A signing key only signs (SoftHSM2 would allow more).
                Attribute::Decrypt(false),
                Attribute::Unwrap(false),
                Attribute::Derive(false),
            ]);
            v
        };
        // The curve goes with the public half when generating, and with
        // each object when importing (a private key's template for
        // generation may not name it).
        let public_attrs = |mut v: Vec<Attribute>| {
            v.extend([
                Attribute::Private(false),
                Attribute::Verify(true),
                Attribute::Encrypt(false),
                Attribute::Wrap(false),
                Attribute::EcParams(P256_PARAMS.to_vec()),
            ]);
            v
        };
        let (generated, private) = match source {
            KeySource::Generate => {
                let strip = |mut v: Vec<Attribute>| {
                    // Generation takes class and key type from the mechanism.
                    v.drain(0..2);
                    v
                };
                let (_, private) = session
                    .generate_key_pair(
                        &Mechanism::EccKeyPairGen,
                        &strip(public_attrs(common(ObjectClass::PUBLIC_KEY))),
                        &strip(private_attrs(common(ObjectClass::PRIVATE_KEY))),
                    )
                    .map_err(step("generating the key"))?;
                (true, private)
            }
            KeySource::Import(key) => {
                let mut attrs = private_attrs(common(ObjectClass::PRIVATE_KEY));
                attrs.push(Attribute::EcParams(P256_PARAMS.to_vec()));
                attrs.push(Attribute::Value(key.scalar().to_vec()));
                let created = session.create_object(&attrs);
                // The template held the private scalar in a plain Vec: wipe
                // it before it is freed, whatever the token said.
                for a in &mut attrs {
                    if let Attribute::Value(v) = a {
                        zeroize::Zeroize::zeroize(v);
                    }
                }
                let private = created.map_err(step("importing the key"))?;
                let mut attrs = public_attrs(common(ObjectClass::PUBLIC_KEY));
                attrs.push(Attribute::EcPoint(der_octet_string(&key.public().sec1())));
                session
                    .create_object(&attrs)
                    .map_err(step("importing the public key"))?;
                (false, private)
            }
        };
        let public = self.public_key(&session, token, &id)?;
        let sig = sign_with(&session, private, challenge).map_err(step("signing the proof"))?;
        let der = crate::cosign::raw_signature_to_der(&sig).map_err(|_| Pkcs11Error::Proof {
            label: token.to_owned(),
        })?;
        public
            .verify(challenge, &der)
            .map_err(|_| Pkcs11Error::Proof {
                label: token.to_owned(),
            })?;
        Ok(HsmKey {
            token: token.to_owned(),
            label: label.to_owned(),
            id: hex::encode(&id),
            uri: KeyUri {
                token: token.to_owned(),
                object: label.to_owned(),
                id: id.clone(),
                module_path: self.path.display().to_string(),
            }
            .to_uri(),
            generated_on_device: generated,
            public: Some(public),
        })
    }

    /// Signs `data` with the key `id` (hex) in `token`: DER, as cosign signs.
    pub fn sign(
        &self,
        token: &str,
        pin: &SecretString,
        id: &str,
        data: &[u8],
    ) -> Result<Vec<u8>, Pkcs11Error> {
        let session = self.login(token, pin)?;
        let step = |step: &'static str| {
            move |message: String| Pkcs11Error::Step {
                label: token.to_owned(),
                step,
                message,
            }
        };
        let id = hex::decode(id).map_err(|e| step("reading the key id")(e.to_string()))?;
        let key = session
            .find_objects(&[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::Id(id),
            ])
            .map_err(|e| step("finding the key")(e.to_string()))?
            .into_iter()
            .next()
            .ok_or_else(|| step("finding the key")("no private key with that id".into()))?;
        let raw = sign_with(&session, key, data).map_err(|e| step("signing")(e.to_string()))?;
        crate::cosign::raw_signature_to_der(&raw).map_err(|e| step("signing")(e.to_string()))
    }

    fn public_key(
        &self,
        session: &Session,
        token: &str,
        id: &[u8],
    ) -> Result<CosignPublic, Pkcs11Error> {
        let step = |message: String| Pkcs11Error::Step {
            label: token.to_owned(),
            step: "reading the public key back",
            message,
        };
        let handle = session
            .find_objects(&[
                Attribute::Class(ObjectClass::PUBLIC_KEY),
                Attribute::Id(id.to_vec()),
            ])
            .map_err(|e| step(e.to_string()))?
            .into_iter()
            .next()
            .ok_or_else(|| step("no public key object".into()))?;
        let attrs = session
            .get_attributes(handle, &[AttributeType::EcPoint])
            .map_err(|e| step(e.to_string()))?;
        let point = attrs
            .into_iter()
            .find_map(|a| match a {
                Attribute::EcPoint(p) => Some(p),
                _ => None,
            })
            .ok_or_else(|| step("no CKA_EC_POINT".into()))?;
        // PKCS#11 says a DER OCTET STRING; some modules give the bare point.
        let bare = match point.as_slice() {
            [0x04, len, rest @ ..] if usize::from(*len) == rest.len() => rest,
            other => other,
        };
        CosignPublic::from_sec1(bare).map_err(|e| step(e.to_string()))
    }
}

/// The user PIN is sent only to a token that can spare a wrong try.
fn spare_tries(token: &str, t: &TokenSummary) -> Result<(), Pkcs11Error> {
    match t.user_pin {
        "locked" | "final try" => Err(Pkcs11Error::LastTry {
            label: token.to_owned(),
            state: if t.user_pin == "locked" {
                "is locked"
            } else {
                "has one try left"
            },
        }),
        _ => Ok(()),
    }
}

/// CKM_ECDSA signs a hash the caller made: SHA-256, as cosign's signatures are.
fn sign_with(
    session: &Session,
    key: ObjectHandle,
    data: &[u8],
) -> Result<Vec<u8>, cryptoki::error::Error> {
    use sha2::Digest;
    session.sign(&Mechanism::Ecdsa, key, &sha2::Sha256::digest(data))
}

/// A DER OCTET STRING around `bytes` (shorter than 128 bytes: a P-256 point).
fn der_octet_string(bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![0x04, bytes.len() as u8];
    out.extend_from_slice(bytes);
    out
}
