//! The cosign key on YubiKeys' PIV application (slot 9c, Digital
//! Signature), through the `yubikey` crate.
//!
//! The ceremony's key is imported into every token of the plan, as the
//! OpenPGP subkeys are put on every card: any of them signs, and the
//! backup replaces a lost one. A token is taken over only from its factory
//! state (PIN, PUK and management key the defaults, slot 9c empty): its
//! PIN and PUK become generated ones handed over like the OpenPGP cards'
//! PINs, and its management key a random one stored on the token under the
//! PIN (Yubico's "PIN-protected" scheme, what `ykman` and `yubico-piv-tool`
//! read), so nobody has a third secret to keep. A token that is not in its
//! factory state is refused with what to do, never guessed at: a guess
//! costs a try.
//!
//! Tries: the remaining count is read (GET METADATA) before a PIN or PUK
//! goes out, and a try that would be the last is not made.
//!
//! The slot also gets a self-signed certificate, signed on the token:
//! OpenSC's and Yubico's PKCS#11 modules and `yubico-piv-tool -a status`
//! find keys through certificates, and cosign signs through them. Then the
//! token signs a challenge, and the signature is checked against the
//! ceremony's public key, not against what the token says it holds.
//!
//! Connections end with `SCARD_LEAVE_CARD` (the `pcsc` crate's drop
//! resets the card, which wipes other programs' state: see reader.rs), and a
//! token being written holds its reader's lock, as the OpenPGP cards do.
//!
//! The `yubikey` crate brings its own RustCrypto generation (p256 0.14);
//! keys cross between it and ours as bytes (a scalar in, a SEC1 point out).

use std::cell::RefCell;

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use yubikey::certificate::{CertInfo, Certificate};
use yubikey::piv::{self, AlgorithmId, ManagementSlotId, Origin, SlotAlgorithmId, SlotId};
use yubikey::{MgmKey, MgmType, PinPolicy, TouchPolicy, YubiKey};

use super::reader_lock::ReaderLock;
use super::CardPins;
use crate::cosign::{CosignKey, CosignPublic};

/// The slot the cosign key goes to: Digital Signature.
pub const SLOT: SlotId = SlotId::Signature;
const DEFAULT_PIN: &[u8] = b"123456";
const DEFAULT_PUK: &[u8] = b"12345678";
/// How long the slot's self-signed certificate is valid (ten years: it only
/// makes the key visible to PKCS#11 modules; trust comes from the binding).
const CERT_DAYS: u64 = 3650;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PivError {
    #[error("PC/SC: {0}. Is pcscd running (`systemctl start pcscd`)?")]
    Pcsc(String),
    #[error("no YubiKey with serial {serial} in a reader (these are: {found}); insert it, or check its serial with `keyceremony piv list`")]
    NoToken { serial: u32, found: String },
    #[error("the reader of YubiKey {serial} is being written by another keyceremony process; let it finish, then run again")]
    Busy { serial: u32 },
    #[error("YubiKey {serial}: its PIV {what} has {tries} tries left; keyceremony will not spend the last one. Unblock it with the PUK, or reset the PIV application (`ykman piv reset`) if it holds nothing you need")]
    LastTry {
        serial: u32,
        what: &'static str,
        tries: u8,
    },
    #[error("YubiKey {serial}: its PIV {what}, so it is not in its factory state and keyceremony will not guess at it. If its PIV application holds nothing you need, reset it (`ykman piv reset`) and run again")]
    NotFresh { serial: u32, what: String },
    #[error("YubiKey {serial}: {step} failed: {message}")]
    Step {
        serial: u32,
        step: &'static str,
        message: String,
    },
    #[error("YubiKey {serial}: the key in slot 9c is not the cosign key (public key SHA-256 {found}); do not use this token")]
    WrongKey { serial: u32, found: String },
    #[error("YubiKey {serial}: wrong PIV PIN, {tries} tries left; check the PIN sheet of this token before trying again")]
    WrongPin { serial: u32, tries: u8 },
    #[error("YubiKey {serial}: the proof signature does not verify against the cosign public key; do not use this token")]
    Proof { serial: u32 },
}

/// The PIN and touch policies of slot 9c.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PinUse {
    /// The PIN before every signature (the YubiKey's default for slot 9c).
    #[default]
    Always,
    /// The PIN once per session.
    Once,
    /// No PIN: whoever holds the token signs.
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TouchUse {
    #[default]
    Never,
    /// A touch for every signature.
    Always,
    /// A touch, then 15 s without.
    Cached,
}

impl PinUse {
    fn policy(self) -> PinPolicy {
        match self {
            PinUse::Always => PinPolicy::Always,
            PinUse::Once => PinPolicy::Once,
            PinUse::Never => PinPolicy::Never,
        }
    }
}

impl TouchUse {
    fn policy(self) -> TouchPolicy {
        match self {
            TouchUse::Never => TouchPolicy::Never,
            TouchUse::Always => TouchPolicy::Always,
            TouchUse::Cached => TouchPolicy::Cached,
        }
    }
}

/// What `piv list` and `piv status` show of one token.
#[derive(Debug, Clone, Serialize)]
pub struct PivInfo {
    pub reader: String,
    pub serial: u32,
    pub version: String,
    pub pin_tries_left: Option<u8>,
    pub puk_tries_left: Option<u8>,
    /// PIN, PUK and management key still the factory defaults.
    pub factory_pins: bool,
    pub management_key: &'static str,
    /// Slot 9c, if it holds a key.
    pub signature_slot: Option<SlotInfo>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SlotInfo {
    pub algorithm: String,
    pub pin_policy: String,
    pub touch_policy: String,
    pub origin: String,
    pub public_key_sha256: Option<String>,
    pub certificate_subject: Option<String>,
}

/// A token that took the key and proved it.
#[derive(Debug, Clone, Serialize)]
pub struct Provisioned {
    pub serial: u32,
    pub reader: String,
    pub public_key_sha256: String,
    /// SHA-256 of the slot's certificate (DER).
    pub certificate_sha256: String,
    pub pin_policy: PinUse,
    pub touch_policy: TouchUse,
}

/// An open token; dropping it leaves the card as it is (no reset).
struct Token {
    yk: Option<YubiKey>,
    reader: String,
    _lock: Option<ReaderLock>,
}

impl Token {
    fn yk(&mut self) -> &mut YubiKey {
        self.yk.as_mut().expect("open until dropped")
    }

    fn serial(&self) -> u32 {
        self.yk.as_ref().map_or(0, |y| y.serial().0)
    }
}

impl Drop for Token {
    fn drop(&mut self) {
        if let Some(yk) = self.yk.take() {
            let _ = yk.disconnect(pcsc::Disposition::LeaveCard);
        }
    }
}

fn pcsc_error(e: yubikey::Error) -> PivError {
    PivError::Pcsc(e.to_string())
}

/// Every reader holding a token with a PIV application, opened without
/// disturbing it; readers another keyceremony process writes are skipped.
fn tokens() -> Result<Vec<Token>, PivError> {
    let mut ctx = yubikey::Context::open().map_err(pcsc_error)?;
    let mut out = Vec::new();
    for reader in ctx.iter().map_err(pcsc_error)? {
        let name = reader.name().into_owned();
        if ReaderLock::being_written(&name) {
            continue;
        }
        // A card without a PIV application (an OpenPGP-only card, an empty
        // reader) does not open: not a token.
        if let Ok(yk) = reader.open() {
            out.push(Token {
                yk: Some(yk),
                reader: name,
                _lock: None,
            });
        }
    }
    Ok(out)
}

/// No token `serial` among those `found` (their serials).
fn no_token(serial: u32, found: impl Iterator<Item = u32>) -> PivError {
    let seen: Vec<String> = found.map(|s| s.to_string()).collect();
    PivError::NoToken {
        serial,
        found: if seen.is_empty() {
            "none".into()
        } else {
            seen.join(", ")
        },
    }
}

/// The token with `serial`, its reader locked for writing.
fn open_for_writing(serial: u32) -> Result<Token, PivError> {
    let found = tokens()?;
    let Some(reader) = found
        .iter()
        .find(|t| t.serial() == serial)
        .map(|t| t.reader.clone())
    else {
        return Err(no_token(serial, found.iter().map(Token::serial)));
    };
    drop(found);
    let lock = ReaderLock::for_writing(&reader).map_err(|()| PivError::Busy { serial })?;
    let mut ctx = yubikey::Context::open().map_err(pcsc_error)?;
    for r in ctx.iter().map_err(pcsc_error)? {
        if r.name() == reader {
            let yk = r.open().map_err(pcsc_error)?;
            let token = Token {
                yk: Some(yk),
                reader,
                _lock: lock,
            };
            if token.serial() != serial {
                break;
            }
            return Ok(token);
        }
    }
    Err(PivError::NoToken {
        serial,
        found: "it was taken out".into(),
    })
}

fn tries_left(yk: &mut YubiKey, slot: ManagementSlotId) -> Option<(u8, bool)> {
    let m = piv::metadata(yk, SlotId::Management(slot)).ok()?;
    Some((m.retries?.remaining_count, m.default.unwrap_or(false)))
}

fn mgm_default(yk: &mut YubiKey) -> Option<bool> {
    piv::metadata(yk, SlotId::Management(ManagementSlotId::Management))
        .ok()?
        .default
}

/// The public key in a slot's metadata, as ours (a SEC1 point crosses).
fn public_of(m: &piv::SlotMetadata) -> Option<CosignPublic> {
    CosignPublic::from_sec1(m.public.as_ref()?.subject_public_key.raw_bytes()).ok()
}

fn slot_info(yk: &mut YubiKey) -> Option<SlotInfo> {
    let m = piv::metadata(yk, SLOT).ok()?;
    let (pin, touch) = m.policy.unzip();
    let certificate_subject = Certificate::read(yk, SLOT).ok().map(|c| c.subject());
    Some(SlotInfo {
        algorithm: match m.algorithm {
            SlotAlgorithmId::Asymmetric(AlgorithmId::EccP256) => "ECDSA P-256".into(),
            other => format!("{other:?}"),
        },
        pin_policy: pin.map(|p| format!("{p:?}")).unwrap_or_default(),
        touch_policy: touch.map(|t| format!("{t:?}")).unwrap_or_default(),
        origin: match m.origin {
            Some(Origin::Imported) => "imported".into(),
            Some(Origin::Generated) => "generated on the token".into(),
            None => String::new(),
        },
        public_key_sha256: public_of(&m).map(|p| p.fingerprint()),
        certificate_subject,
    })
}

fn info(t: &mut Token) -> PivInfo {
    let reader = t.reader.clone();
    let yk = t.yk();
    let pin = tries_left(yk, ManagementSlotId::Pin);
    let puk = tries_left(yk, ManagementSlotId::Puk);
    let mgm = mgm_default(yk);
    let management_key = match (mgm, yk.config().map(|c| c.mgm_type)) {
        (Some(true), _) => "the factory default",
        (_, Ok(MgmType::Protected)) => "random, kept on the token under the PIN",
        (_, Ok(MgmType::Derived)) => "derived from the PIN (deprecated)",
        _ => "set by hand (keyceremony does not know it)",
    };
    PivInfo {
        reader,
        serial: yk.serial().0,
        version: yk.version().to_string(),
        pin_tries_left: pin.map(|p| p.0),
        puk_tries_left: puk.map(|p| p.0),
        factory_pins: pin.is_some_and(|p| p.1) && puk.is_some_and(|p| p.1) && mgm == Some(true),
        management_key,
        signature_slot: slot_info(yk),
    }
}

/// Every PIV token in a reader.
pub fn list() -> Result<Vec<PivInfo>, PivError> {
    Ok(tokens()?.iter_mut().map(info).collect())
}

/// One token, by serial.
pub fn status(serial: u32) -> Result<PivInfo, PivError> {
    let mut all = tokens()?;
    match all.iter_mut().find(|t| t.serial() == serial) {
        Some(t) => Ok(info(t)),
        None => Err(no_token(serial, all.iter().map(Token::serial))),
    }
}

/// Before anything is written: the token is there, in its factory state,
/// with tries to spare. Sends no PIN.
pub fn check_fresh(serial: u32) -> Result<(), PivError> {
    let mut t = open_for_writing(serial)?;
    fresh(t.yk())
}

fn fresh(yk: &mut YubiKey) -> Result<(), PivError> {
    let serial = yk.serial().0;
    let step = |step, e: yubikey::Error| PivError::Step {
        serial,
        step,
        message: e.to_string(),
    };
    for (slot, what) in [
        (ManagementSlotId::Pin, "PIN"),
        (ManagementSlotId::Puk, "PUK"),
    ] {
        let (tries, default) = tries_left(yk, slot).ok_or_else(|| PivError::Step {
            serial,
            step: "reading the tries left (firmware 5.3 or later is needed)",
            message: format!("no {what} metadata"),
        })?;
        if tries <= 1 {
            return Err(PivError::LastTry {
                serial,
                what,
                tries,
            });
        }
        if !default {
            return Err(PivError::NotFresh {
                serial,
                what: format!("{what} is not the factory default"),
            });
        }
    }
    if mgm_default(yk) != Some(true) {
        return Err(PivError::NotFresh {
            serial,
            what: "management key is not the factory default".into(),
        });
    }
    match piv::metadata(yk, SLOT) {
        Err(yubikey::Error::NotFound) => Ok(()),
        Ok(_) => Err(PivError::NotFresh {
            serial,
            what: "slot 9c holds a key".into(),
        }),
        Err(e) => Err(step("reading slot 9c", e)),
    }
}

/// Puts `key` into slot 9c of the token `serial` (in its factory state) and
/// takes the token over: the certificate, the PIN-protected random
/// management key, `pins` as its PIN and PUK; then proves it by signing
/// `challenge`. `note` tells the operator what the token waits for (a touch).
#[allow(clippy::too_many_arguments)]
pub fn provision(
    serial: u32,
    key: &CosignKey,
    pins: &CardPins,
    pin_use: PinUse,
    touch_use: TouchUse,
    subject: &str,
    challenge: &[u8],
    note: &mut dyn FnMut(String),
) -> Result<Provisioned, PivError> {
    let mut t = open_for_writing(serial)?;
    let reader = t.reader.clone();
    fresh(t.yk())?;
    let step = |step, e: yubikey::Error| PivError::Step {
        serial,
        step,
        message: e.to_string(),
    };
    let yk = t.yk();
    yk.verify_pin(DEFAULT_PIN)
        .map_err(|e| step("verifying the default PIN", e))?;
    let default = MgmKey::get_default(yk).map_err(|e| step("choosing the management key", e))?;
    yk.authenticate(&default)
        .map_err(|e| step("authenticating with the default management key", e))?;
    piv::import_ecc_key(
        yk,
        SLOT,
        AlgorithmId::EccP256,
        key.scalar().as_ref(),
        touch_use.policy(),
        pin_use.policy(),
    )
    .map_err(|e| step("importing the key into slot 9c", e))?;
    // What the token says it holds, against what was imported.
    let public = key.public();
    let held = piv::metadata(yk, SLOT).ok().and_then(|m| public_of(&m));
    if held.as_ref() != Some(&public) {
        return Err(PivError::WrongKey {
            serial,
            found: held
                .map(|p| p.fingerprint())
                .unwrap_or_else(|| "none".into()),
        });
    }
    if touch_use != TouchUse::Never {
        note(format!(
            "YubiKey {serial}: touch it when it blinks (its certificate and proof are signed on it)"
        ));
    }
    // The certificate is signed on the token, with the default PIN still in place.
    let cell = RefCell::new(&mut *yk);
    let sign = |msg: &[u8]| -> Result<Vec<u8>, crate::cosign::CosignError> {
        let mut yk = cell.borrow_mut();
        token_sign(&mut yk, DEFAULT_PIN, msg)
            .map_err(|e| crate::cosign::CosignError::Request(e.to_string()))
    };
    let der = crate::cosign::self_signed_der(subject, &public, CERT_DAYS, &sign).map_err(|e| {
        PivError::Step {
            serial,
            step: "signing the slot's certificate",
            message: e.to_string(),
        }
    })?;
    let yk = t.yk();
    Certificate::from_bytes(der.clone())
        .and_then(|c| c.write(yk, SLOT, CertInfo::Uncompressed))
        .map_err(|e| step("writing the slot's certificate", e))?;
    let mgm =
        random_mgm_key(default.algorithm_id()).map_err(|e| step("making the management key", e))?;
    mgm.set_protected(yk)
        .map_err(|e| step("setting the PIN-protected management key", e))?;
    yk.change_puk(DEFAULT_PUK, pins.admin.expose_secret().as_bytes())
        .map_err(|e| step("setting the PUK", e))?;
    yk.change_pin(DEFAULT_PIN, pins.user.expose_secret().as_bytes())
        .map_err(|e| step("setting the PIN", e))?;
    let pin = pins.user.expose_secret().as_bytes();
    let sig = token_sign(yk, pin, challenge).map_err(|e| step("the proof signature", e))?;
    public
        .verify(challenge, &sig)
        .map_err(|_| PivError::Proof { serial })?;
    Ok(Provisioned {
        serial,
        reader,
        public_key_sha256: public.fingerprint(),
        certificate_sha256: crate::media::sha256_hex(&der),
        pin_policy: pin_use,
        touch_policy: touch_use,
    })
}

/// Signs `msg` (ECDSA over its SHA-256) with slot 9c, verifying `pin` just
/// before (the policy "always" asks for it every time). DER.
fn token_sign(yk: &mut YubiKey, pin: &[u8], msg: &[u8]) -> Result<Vec<u8>, yubikey::Error> {
    use sha2::Digest;
    yk.verify_pin(pin)?;
    let digest = sha2::Sha256::digest(msg);
    let sig = piv::sign_data(yk, &digest, AlgorithmId::EccP256, SLOT)?;
    Ok(sig.to_vec())
}

/// A random management key of the token's algorithm (3DES before firmware
/// 5.7, AES-192 after); a 3DES weak key is drawn again.
fn random_mgm_key(alg: yubikey::MgmAlgorithmId) -> Result<MgmKey, yubikey::Error> {
    let mut last = yubikey::Error::GenericError;
    for _ in 0..8 {
        let mut bytes = zeroize::Zeroizing::new([0u8; 24]);
        getrandom::getrandom(bytes.as_mut()).map_err(|_| yubikey::Error::GenericError)?;
        match MgmKey::from_bytes(&bytes[..], Some(alg)) {
            Ok(k) => return Ok(k),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// The PIN and PUK on a sheet `pins_text` wrote.
pub fn pins_from_text(text: &str) -> Option<CardPins> {
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name).map(str::trim))
            .filter(|v| (6..=8).contains(&v.len()) && v.is_ascii())
    };
    Some(CardPins {
        user: SecretString::from(field("pin:")?),
        admin: SecretString::from(field("puk:")?),
    })
}

/// The text a token's new PIN and PUK are handed over in: the token named,
/// so that a sheet is never put with the wrong one.
pub fn pins_text(serials: &[u32], pins: &CardPins) -> zeroize::Zeroizing<String> {
    let names: Vec<String> = serials.iter().map(u32::to_string).collect();
    zeroize::Zeroizing::new(format!(
        "YubiKey PIV (serial {}):\npin: {}\npuk: {}\n",
        names.join(", "),
        pins.user.expose_secret(),
        pins.admin.expose_secret()
    ))
}

/// Replaces the certificate in slot 9c of the token `serial` with `der`
/// (one a CA issued for the key), after checking that the slot holds the
/// key `public`: the PIN opens the PIN-protected management key. Read back.
pub fn write_certificate(
    serial: u32,
    pin: &SecretString,
    der: &[u8],
    public: &CosignPublic,
) -> Result<(), PivError> {
    let mut t = open_for_writing(serial)?;
    let yk = t.yk();
    let step = |step, e: yubikey::Error| PivError::Step {
        serial,
        step,
        message: e.to_string(),
    };
    let held = piv::metadata(yk, SLOT).ok().and_then(|m| public_of(&m));
    if held.as_ref() != Some(public) {
        return Err(PivError::WrongKey {
            serial,
            found: held
                .map(|p| p.fingerprint())
                .unwrap_or_else(|| "none".into()),
        });
    }
    match tries_left(yk, ManagementSlotId::Pin) {
        Some((tries, _)) if tries <= 1 => {
            return Err(PivError::LastTry {
                serial,
                what: "PIN",
                tries,
            })
        }
        _ => {}
    }
    yk.verify_pin(pin.expose_secret().as_bytes())
        .map_err(|e| match e {
            yubikey::Error::WrongPin { tries } => PivError::WrongPin { serial, tries },
            e => step("verifying the PIN", e),
        })?;
    let mgm = MgmKey::get_protected(yk).map_err(|e| {
        step(
            "reading the PIN-protected management key (was this token set up by keyceremony?)",
            e,
        )
    })?;
    yk.authenticate(&mgm)
        .map_err(|e| step("authenticating with the management key", e))?;
    let cert =
        Certificate::from_bytes(der.to_vec()).map_err(|e| step("reading the certificate", e))?;
    cert.write(yk, SLOT, CertInfo::Uncompressed)
        .map_err(|e| step("writing the certificate", e))?;
    let back = Certificate::read(yk, SLOT).map_err(|e| step("reading the certificate back", e))?;
    if back.cert != cert.cert {
        return Err(PivError::Step {
            serial,
            step: "reading the certificate back",
            message: "the slot holds another certificate than the one written".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PIN sheet reads back to the PINs it was written from; a sheet
    /// without a PUK, or with a PIN a PIV token cannot take, is none.
    #[test]
    fn a_pin_sheet_reads_back_and_a_bad_one_is_refused() {
        let pins = CardPins::generate().unwrap();
        let text = pins_text(&[12_345_678, 7], &pins);
        assert!(text.starts_with("YubiKey PIV (serial 12345678, 7):\n"));
        let back = pins_from_text(&text).unwrap();
        assert_eq!(back.user.expose_secret(), pins.user.expose_secret());
        assert_eq!(back.admin.expose_secret(), pins.admin.expose_secret());
        assert!(pins_from_text("pin: 12345678\n").is_none());
        assert!(pins_from_text("pin: 123456789\npuk: 12345678\n").is_none());
        assert!(pins_from_text("pin: 12345\npuk: 12345678\n").is_none());
        assert!(format!("{back:?}").contains("REDACTED"));
    }
}
