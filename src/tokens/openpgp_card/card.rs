//! What is done to one OpenPGP card: openpgp-card 0.7 over pcscd, through our own
//! connection (`reader`), which never resets a card another program uses.

use std::time::SystemTime;

use openpgp_card::ocard::data::{KdfDo, TouchPolicy};
use openpgp_card::ocard::KeyType;
use openpgp_card::state::{Open, Transaction};
use openpgp_card::{Card, Error as CardError};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sequoia_openpgp as pgp;
use serde::Serialize;

use crate::openpgp::KeyRole;
use pgp::packet::signature::SignatureBuilder;
use pgp::types::SignatureType;
use pgp::Cert;

use super::kdf;
use super::reader::{Access, ConnectError, Reader};
use super::signer::CardSigner;
use super::upload::Uploadable;
use super::{
    CardInfo, CardPins, OpenPgpCardError, ProvisionSpec, Touch, DEFAULT_ADMIN_PIN, DEFAULT_USER_PIN,
};
use crate::openpgp::{verify_detached, SignWith};

fn pcsc_err(e: impl std::fmt::Display) -> OpenPgpCardError {
    OpenPgpCardError::Pcsc(e.to_string())
}

/// A smart-card reader pcscd knows, and whether a card is in it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReaderInfo {
    pub name: String,
    pub card_present: bool,
}

/// Every reader pcscd knows. Read from pcscd's reader states, without
/// connecting to any card, so it disturbs nothing; it answers "is my reader
/// (or YubiKey) seen at all?", which a card listing cannot when the card in
/// it is not an OpenPGP card.
pub fn list_readers() -> Result<Vec<ReaderInfo>, OpenPgpCardError> {
    let ctx = pcsc::Context::establish(pcsc::Scope::User).map_err(pcsc_err)?;
    let names = match ctx.list_readers_owned() {
        Ok(r) => r,
        Err(pcsc::Error::NoReadersAvailable) => return Ok(Vec::new()),
        Err(e) => return Err(pcsc_err(e)),
    };
    let mut states: Vec<pcsc::ReaderState> = names
        .iter()
        .map(|n| pcsc::ReaderState::new(n.as_c_str(), pcsc::State::UNAWARE))
        .collect();
    ctx.get_status_change(std::time::Duration::ZERO, &mut states)
        .map_err(pcsc_err)?;
    Ok(states
        .iter()
        .map(|st| ReaderInfo {
            name: st.name().to_string_lossy().into_owned(),
            card_present: st.event_state().contains(pcsc::State::PRESENT),
        })
        .collect())
}

/// Every reader with an OpenPGP card in it, with what the card says of itself.
/// Cards are read over shared connections that leave them as they were, so
/// listing (the TUI polls this) never disturbs a program using a card.
pub fn list_cards() -> Result<Vec<CardInfo>, OpenPgpCardError> {
    Ok(scan()?.cards)
}

/// What one look at the readers found.
struct Scan {
    cards: Vec<CardInfo>,
    /// Readers whose card another program holds exclusively.
    busy: Vec<String>,
}

fn scan() -> Result<Scan, OpenPgpCardError> {
    let ctx = pcsc::Context::establish(pcsc::Scope::User).map_err(pcsc_err)?;
    let readers = match ctx.list_readers_owned() {
        Ok(r) => r,
        Err(pcsc::Error::NoReadersAvailable) => Vec::new(),
        Err(e) => return Err(pcsc_err(e)),
    };
    let mut scan = Scan {
        cards: Vec::new(),
        busy: Vec::new(),
    };
    for reader in readers {
        let backend = match Reader::connect(&ctx, &reader, Access::Shared) {
            Ok(r) => r,
            Err(ConnectError::Busy) => {
                scan.busy.push(reader.to_string_lossy().into_owned());
                continue;
            }
            Err(_) => continue, // an empty reader
        };
        let name = backend.name.clone();
        // A card without the OpenPGP application fails SELECT: not ours to list.
        let Ok(mut card) = Card::<Open>::new(backend) else {
            continue;
        };
        let info = card
            .transaction()
            .and_then(|mut tx| describe(&mut tx, &name));
        if let Ok(info) = info {
            scan.cards.push(info);
        }
    }
    Ok(scan)
}

fn describe(tx: &mut Card<Transaction<'_>>, reader: &str) -> Result<CardInfo, CardError> {
    let aid = tx.application_identifier()?;
    let fprs = tx.fingerprints()?;
    let pw = tx.pw_status_bytes()?;
    let firmware = tx
        .firmware_version()
        .ok()
        .filter(|v| !v.is_empty())
        .map(|v| v.iter().map(u8::to_string).collect::<Vec<_>>().join("."));
    let hex =
        |f: Option<&openpgp_card::ocard::data::Fingerprint>| f.map(|f| f.to_hex().to_uppercase());
    Ok(CardInfo {
        reader: reader.to_owned(),
        ident: aid.ident(),
        manufacturer: manufacturer(aid.manufacturer(), aid.manufacturer_name()),
        serial: format!("{:08X}", aid.serial()),
        version: format!("{}.{}", aid.version() >> 8, aid.version() & 0xff),
        firmware,
        signing: hex(fprs.signature()),
        decryption: hex(fprs.decryption()),
        authentication: hex(fprs.authentication()),
        user_pin_tries: pw.err_count_pw1(),
        reset_code_tries: pw.err_count_rc(),
        admin_pin_tries: pw.err_count_pw3(),
        kdf: tx.kdf_do().is_ok_and(|k| k.kdf_algo() != 0),
    })
}

/// Finds the card whose serial (8 hex digits, any case) or ident matches.
pub fn card_status(serial: &str) -> Result<CardInfo, OpenPgpCardError> {
    let scan = scan()?;
    find_card(&scan.cards, serial).map_err(|e| busy_instead(e, &scan.busy))
}

/// A card not found while some reader's card was held by another program is
/// probably that one: say so, and who usually holds cards.
fn busy_instead(e: OpenPgpCardError, busy: &[String]) -> OpenPgpCardError {
    match (e, busy.first()) {
        (OpenPgpCardError::NotFound(serial), Some(reader)) => OpenPgpCardError::Busy {
            serial: serial.rsplit(':').next().unwrap_or(&serial).to_owned(),
            reader: reader.clone(),
        },
        (e, _) => e,
    }
}

/// Picks the card whose serial or ident matches from cards already listed.
pub fn find_card(cards: &[CardInfo], serial: &str) -> Result<CardInfo, OpenPgpCardError> {
    let want = serial.to_ascii_uppercase();
    cards
        .iter()
        .find(|c| c.serial == want || c.ident == want)
        .cloned()
        .ok_or(OpenPgpCardError::NotFound(serial.to_owned()))
}

/// Opens the card `ident` exclusively, for writing or signing: no other
/// program can connect to it, let alone reset it, until it is dropped.
/// The reader is found by a shared look first, so that cards in other
/// readers are never held.
fn open(ident: &str) -> Result<Card<Open>, OpenPgpCardError> {
    let scan = scan()?;
    let info = find_card(&scan.cards, ident).map_err(|e| busy_instead(e, &scan.busy))?;
    let ctx = pcsc::Context::establish(pcsc::Scope::User).map_err(pcsc_err)?;
    let reader = std::ffi::CString::new(info.reader.clone())
        .map_err(|_| OpenPgpCardError::NotFound(ident.to_owned()))?;
    let backend = Reader::connect(&ctx, &reader, Access::Exclusive).map_err(|e| match e {
        ConnectError::Busy => OpenPgpCardError::Busy {
            serial: info.serial.clone(),
            reader: info.reader.clone(),
        },
        ConnectError::NoCard => OpenPgpCardError::NotFound(ident.to_owned()),
        ConnectError::Other(e) => pcsc_err(e),
    })?;
    let mut card =
        Card::<Open>::new(backend).map_err(|_| OpenPgpCardError::NotFound(ident.to_owned()))?;
    // Between the look and the connection the card may have been swapped.
    let same = card
        .transaction()
        .and_then(|mut tx| describe(&mut tx, &info.reader))
        .is_ok_and(|now| now.ident == info.ident);
    if !same {
        return Err(OpenPgpCardError::NotFound(ident.to_owned()));
    }
    Ok(card)
}

/// What a provisioned card holds and how it proved itself; public facts only.
#[derive(Debug, Clone, Serialize)]
pub struct ProvisionReport {
    pub ident: String,
    pub serial: String,
    pub reset: bool,
    /// Whether the card hashes PINs on the host (KDF).
    pub kdf: bool,
    pub signing: String,
    pub decryption: Option<String>,
    pub authentication: Option<String>,
    pub touch: Vec<String>,
    pub proof: String,
    /// The named signing role the card holds (none: the default role).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_role: Option<String>,
}

/// Turns a card-level error during `step` into what the operator should know.
fn step_err<'a>(
    serial: &'a str,
    step: &'static str,
) -> impl Fn(CardError) -> OpenPgpCardError + 'a {
    move |e| match e {
        CardError::Smartcard(_) => OpenPgpCardError::Removed {
            serial: serial.to_owned(),
            step: step.to_owned(),
        },
        CardError::UnsupportedAlgo(m) | CardError::UnsupportedFeature(m) => {
            OpenPgpCardError::Unsupported {
                serial: serial.to_owned(),
                message: format!("{step}: {m}"),
            }
        }
        other => OpenPgpCardError::Step {
            serial: serial.to_owned(),
            step,
            message: other.to_string(),
        },
    }
}

/// Presents a PIN only if more than one try is left; reports the tries left when wrong.
fn verify_pin(
    tx: &mut Card<Transaction<'_>>,
    serial: &str,
    admin: bool,
    pin: &SecretString,
) -> Result<(), OpenPgpCardError> {
    let which = if admin { "admin" } else { "user" };
    let tries = |tx: &mut Card<Transaction<'_>>| {
        // The counters are cached with the application data: read them fresh.
        tx.invalidate_cache()
            .map_err(step_err(serial, "reading the PIN retry counters"))?;
        tx.pw_status_bytes()
            .map(|p| {
                if admin {
                    p.err_count_pw3()
                } else {
                    p.err_count_pw1()
                }
            })
            .map_err(step_err(serial, "reading the PIN retry counters"))
    };
    let left = tries(tx)?;
    if left <= 1 {
        return Err(OpenPgpCardError::LastTry {
            serial: serial.to_owned(),
            which,
            left,
        });
    }
    let result = if admin {
        tx.verify_admin_pin(pin.clone())
    } else {
        tx.verify_user_signing_pin(pin.clone())
    };
    match result {
        Ok(()) => Ok(()),
        Err(CardError::CardStatus(_)) => Err(OpenPgpCardError::WrongPin {
            serial: serial.to_owned(),
            which,
            left: tries(tx).unwrap_or(left - 1),
        }),
        Err(e) => Err(step_err(serial, "verifying a PIN")(e)),
    }
}

fn check_pin_length(
    serial: &str,
    which: &'static str,
    pin: &SecretString,
    min: usize,
    max: u8,
) -> Result<(), OpenPgpCardError> {
    let len = pin.expose_secret().len();
    if len < min || len > usize::from(max) {
        return Err(OpenPgpCardError::Unsupported {
            serial: serial.to_owned(),
            message: format!(
                "the new {which} PIN has {len} characters; this card takes {min} to {max}"
            ),
        });
    }
    Ok(())
}

/// A card maker's name for people. 0xFF00..=0xFFFE is the range OpenPGP
/// leaves to cards with randomly assigned serials (test and virtual cards,
/// some DIY ones); openpgp-card names it by the range's description, which
/// reads like an error on a screen.
fn manufacturer(id: u16, name: &str) -> String {
    if (0xFF00..=0xFFFE).contains(&id) {
        format!("unregistered maker (ID {id:04X}: a test, virtual or self-built card)")
    } else {
        name.to_owned()
    }
}

/// The subkeys of `key` that go onto cards, by slot.
/// EUCLEAK (Yubico YSA-2024-03): on YubiKey firmware before 5.7 an attacker
/// with the key in hand and lab equipment can extract ECDSA private keys. Our
/// profiles make EdDSA, ECDH and RSA keys, so this speaks only for a key made
/// elsewhere; it warns and goes on, since the operator may accept the risk.
fn eucleak_warning(card: &CardInfo, key: &Cert) -> Option<String> {
    let ecdsa = key
        .keys()
        .subkeys()
        .any(|k| k.key().pk_algo() == pgp::types::PublicKeyAlgorithm::ECDSA);
    let fw: Vec<u32> = card
        .firmware
        .as_deref()?
        .split('.')
        .map_while(|p| p.parse().ok())
        .collect();
    let old = matches!(fw.as_slice(), [major, minor, ..] if (*major, *minor) < (5, 7));
    (ecdsa && old && card.manufacturer.contains("Yubico")).then(|| {
        format!(
            "warning: YubiKey firmware {} is affected by EUCLEAK for ECDSA keys (key extraction with physical access): prefer firmware 5.7 or later, and keep this card physically safe",
            card.firmware.as_deref().unwrap_or_default()
        )
    })
}

/// What goes into each card slot: the key's current subkeys.
fn slot_keys(
    key: &Cert,
    signing_role: Option<&str>,
    now: SystemTime,
) -> Vec<(KeyType, Uploadable, pgp::Fingerprint)> {
    crate::openpgp::current_secret_subkeys(key, signing_role, now)
        .into_iter()
        .map(|(role, secret)| {
            let slot = match role {
                KeyRole::Signing => KeyType::Signing,
                KeyRole::Encryption => KeyType::Decryption,
                _ => KeyType::Authentication,
            };
            let fpr = secret.fingerprint();
            (slot, Uploadable::new(secret), fpr)
        })
        .collect()
}

fn touch_policy(t: Touch) -> Option<TouchPolicy> {
    match t {
        Touch::Off => None,
        Touch::On => Some(TouchPolicy::On),
        Touch::Cached => Some(TouchPolicy::Cached),
        Touch::Fixed => Some(TouchPolicy::Fixed),
    }
}

thread_local! {
    /// Whether this thread is inside `guarded` card work.
    static IN_CARD_WORK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs card work, turning a panic inside openpgp-card into "the card went
/// away": openpgp-card 0.7 reaches `unreachable!()` (state.rs) when a card
/// disappears between commands. The panic's own message is kept off the
/// operator's screen; what they see is the error that says what to do.
///
/// The panic hook is process-wide, so it is never swapped while card work
/// runs (a panic on another thread meanwhile, say the TUI's, would then skip
/// the hook that restores the terminal): one hook, installed once, stays
/// quiet for threads inside card work and hands every other panic on.
fn guarded<T>(
    ident: &str,
    f: impl FnOnce(&mut String) -> Result<T, OpenPgpCardError>,
) -> Result<T, OpenPgpCardError> {
    static QUIET_HOOK: std::sync::Once = std::sync::Once::new();
    QUIET_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_CARD_WORK.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    let mut step = String::from("talking to the card");
    IN_CARD_WORK.with(|w| w.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut step)));
    IN_CARD_WORK.with(|w| w.set(false));
    result.unwrap_or_else(|_| {
        Err(OpenPgpCardError::Removed {
            serial: ident.rsplit(':').next().unwrap_or(ident).to_owned(),
            step,
        })
    })
}

/// Provisions the card `ident` with the subkeys of `key` (secrets decrypted),
/// in the order the OpenPGP card needs: reset, PINs, keys, cardholder data,
/// touch, read-back, proof. `progress` hears each step as it starts.
pub fn provision(
    ident: &str,
    key: &Cert,
    pins: &CardPins,
    spec: &ProvisionSpec,
    progress: &mut dyn FnMut(&str),
) -> Result<ProvisionReport, OpenPgpCardError> {
    guarded(ident, |step| {
        provision_inner(ident, key, pins, spec, &mut |s: &str| {
            *step = s.to_owned();
            progress(s)
        })
    })
}

fn provision_inner(
    ident: &str,
    key: &Cert,
    pins: &CardPins,
    spec: &ProvisionSpec,
    progress: &mut dyn FnMut(&str),
) -> Result<ProvisionReport, OpenPgpCardError> {
    let now = SystemTime::now();
    let mut card = open(ident)?;
    let mut tx = card
        .transaction()
        .map_err(|_| OpenPgpCardError::NotFound(ident.to_owned()))?;
    let info = describe(&mut tx, "").map_err(|_| OpenPgpCardError::NotFound(ident.to_owned()))?;
    let serial = info.serial.clone();
    let confirmed = spec.reset.iter().any(|s| s.eq_ignore_ascii_case(&serial));
    // Before anything on the card changes: a role without a subkey in
    // force would leave the card reset and without its signing key.
    if !slot_keys(key, spec.signing_role.as_deref(), now)
        .iter()
        .any(|(t, _, _)| *t == KeyType::Signing)
    {
        return Err(OpenPgpCardError::Step {
            serial,
            step: "choosing the subkeys",
            message: format!(
                "the key has no signing subkey of the {} role in force (with its secret): nothing was changed on the card",
                crate::openpgp::role_name(spec.signing_role.as_deref())
            ),
        });
    }

    if !info.is_empty() && !confirmed {
        let slots = [
            ("signing", &info.signing),
            ("decryption", &info.decryption),
            ("authentication", &info.authentication),
        ]
        .iter()
        .filter(|(_, f)| f.is_some())
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ");
        return Err(OpenPgpCardError::NotEmpty { serial, slots });
    }
    if let Some(w) = eucleak_warning(&info, key) {
        progress(&w);
    }
    if confirmed {
        progress("factory reset");
        tx.factory_reset()
            .map_err(step_err(&serial, "the factory reset"))?;
    }

    progress("setting the PINs");
    let pw = tx
        .pw_status_bytes()
        .map_err(step_err(&serial, "reading the PIN status"))?;
    check_pin_length(&serial, "user", &pins.user, 6, pw.pw1_max_len())?;
    check_pin_length(&serial, "admin", &pins.admin, 8, pw.pw3_max_len())?;
    let default_admin = SecretString::from(DEFAULT_ADMIN_PIN);
    verify_pin(&mut tx, &serial, true, &default_admin).map_err(|e| match e {
        OpenPgpCardError::WrongPin { serial, left, .. } => OpenPgpCardError::Step {
            serial,
            step: "setting the PINs",
            message: format!(
                "the admin PIN is not the factory default ({left} tries left): confirm a factory reset for this card in the plan's cards.reset"
            ),
        },
        other => other,
    })?;
    let kdf = spec.kdf && setup_kdf(&mut tx, &serial, progress)?;
    tx.change_admin_pin(default_admin, pins.admin.clone())
        .map_err(step_err(&serial, "changing the admin PIN"))?;
    // The user PIN is set with the admin PIN's authority (RESET RETRY
    // COUNTER), never by presenting the factory user PIN: on a card whose
    // user PIN was changed that would cost a try each time, the last one
    // included. This also gives the user PIN its full retry counter back.
    verify_pin(&mut tx, &serial, true, &pins.admin)?;
    tx.as_admin_card(pins.admin.clone())
        .map_err(step_err(&serial, "opening the card for administration"))?
        .reset_user_pin(pins.user.clone())
        .map_err(step_err(&serial, "setting the user PIN"))?;

    let slots = slot_keys(key, spec.signing_role.as_deref(), now);
    let mut touched = Vec::new();
    {
        verify_pin(&mut tx, &serial, true, &pins.admin)?;
        let mut admin = tx
            .as_admin_card(pins.admin.clone())
            .map_err(step_err(&serial, "opening the card for administration"))?;
        for (slot, upload, _) in &slots {
            progress(&format!("importing the {slot:?} key"));
            admin.import_key(upload, *slot).map_err(|e| match e {
                // The card refusing the key's algorithm (say, Ed25519 on an old card).
                CardError::CardStatus(_) | CardError::UnsupportedAlgo(_) => {
                    OpenPgpCardError::Unsupported {
                        serial: serial.clone(),
                        message: format!(
                            "it does not take the {slot:?} key's algorithm ({e}): use a card that does \
                             (YubiKey firmware 5.2.3 or later for Ed25519/Cv25519) or the rsa4096 profile"
                        ),
                    }
                }
                other => step_err(&serial, "importing a key")(other),
            })?;
        }
        progress("writing cardholder name and URL");
        if let Some(name) = &spec.cardholder {
            admin
                .set_cardholder_name(name)
                .map_err(step_err(&serial, "writing the cardholder name"))?;
        }
        if let Some(url) = &spec.url {
            admin
                .set_url(url)
                .map_err(step_err(&serial, "writing the URL"))?;
        }
    }
    // Touch goes after import: re-importing a key resets it. Attestation is never touched.
    if let Some(policy) = touch_policy(spec.touch) {
        progress("setting the touch policy");
        for (slot, _, _) in &slots {
            let supported = tx
                .user_interaction_flag(*slot)
                .map_err(step_err(&serial, "reading the touch policy"))?
                .is_some();
            if !supported {
                continue;
            }
            verify_pin(&mut tx, &serial, true, &pins.admin)?;
            let mut admin = tx
                .as_admin_card(pins.admin.clone())
                .map_err(step_err(&serial, "opening the card for administration"))?;
            admin
                .set_touch_policy(*slot, policy)
                .map_err(step_err(&serial, "setting the touch policy"))?;
            touched.push(format!("{slot:?}"));
        }
    }

    progress("reading the keys back");
    let fprs = tx
        .fingerprints()
        .map_err(step_err(&serial, "reading fingerprints back"))?;
    for (slot, _, fpr) in &slots {
        let on_card = match slot {
            KeyType::Signing => fprs.signature(),
            KeyType::Decryption => fprs.decryption(),
            _ => fprs.authentication(),
        };
        if on_card.map(|f| f.as_bytes()) != Some(fpr.as_bytes()) {
            return Err(OpenPgpCardError::Mismatch {
                serial,
                what: "the fingerprint",
                detail: format!(
                    "{slot:?} slot holds {:?}, expected {fpr}",
                    on_card.map(|f| f.to_hex())
                ),
            });
        }
        check_public(&mut tx, &serial, *slot, key, fpr)?;
    }
    let slot_fpr = |t: KeyType| {
        slots
            .iter()
            .find(|(s, _, _)| *s == t)
            .map(|(_, _, f)| f.to_hex())
    };
    progress("signing a challenge with the card");
    let proof = prove_on(&mut tx, &serial, key, &pins.user)?;
    Ok(ProvisionReport {
        ident: ident.to_owned(),
        serial,
        reset: confirmed,
        signing: slot_fpr(KeyType::Signing).unwrap_or_default(),
        decryption: slot_fpr(KeyType::Decryption),
        authentication: slot_fpr(KeyType::Authentication),
        touch: touched,
        kdf,
        proof,
        signing_role: spec.signing_role.clone(),
    })
}

/// Turns on KDF (see `kdf`) on a card whose admin PIN, still the factory one,
/// was just verified; the admin PIN is then the hashed factory admin PIN. Returns
/// whether KDF is on: a card without a KDF-DO keeps taking PINs as typed.
fn setup_kdf(
    tx: &mut Card<Transaction<'_>>,
    serial: &str,
    progress: &mut dyn FnMut(&str),
) -> Result<bool, OpenPgpCardError> {
    let offered = tx
        .extended_capabilities()
        .map_err(step_err(serial, "reading the card's capabilities"))?
        .kdf_do();
    if !offered {
        progress("this card has no KDF-DO: its PINs are sent as typed");
        return Ok(false);
    }
    if tx.kdf_do().is_ok_and(|k| k.kdf_algo() != 0) {
        progress("KDF is on already");
        return Ok(true);
    }
    progress("setting up KDF: PINs are hashed on this machine from now on");
    let setup = kdf::Setup::generate(DEFAULT_USER_PIN, DEFAULT_ADMIN_PIN).map_err(|e| {
        OpenPgpCardError::Step {
            serial: serial.to_owned(),
            step: "setting up KDF",
            message: e.to_string(),
        }
    })?;
    let bytes = |b: &[u8]| SecretBox::<[u8]>::from(b.to_vec());
    // Half-way (one PIN hashed, not the other) the card needs a factory reset.
    let half_way = |what: &'static str| {
        move |e: CardError| {
            OpenPgpCardError::Step {
            serial: serial.to_owned(),
            step: what,
            message: format!(
                "{e}; the card's PINs may be half set up for KDF: factory-reset it (confirm its serial) and provision it again"
            ),
        }
        }
    };
    // The user PIN is not presented here (it may not be the factory one):
    // provisioning sets it next with the admin PIN's authority, hashed.
    tx.card()
        .change_pw3(bytes(DEFAULT_ADMIN_PIN.as_bytes()), bytes(&setup.admin))
        .map_err(half_way("hashing the admin PIN"))?;
    tx.card()
        .verify_pw3(bytes(&setup.admin))
        .map_err(half_way("verifying the hashed admin PIN"))?;
    let kdf_do =
        KdfDo::try_from(setup.data_object.as_slice()).map_err(half_way("encoding the KDF-DO"))?;
    tx.card()
        .set_kdf_do(&kdf_do)
        .map_err(half_way("writing the KDF-DO"))?;
    tx.invalidate_cache()
        .map_err(step_err(serial, "reading the KDF-DO back"))?;
    Ok(true)
}

/// The card computes the public key from the imported private key: comparing
/// it with the cert catches a key that went in wrong (say, a byte order slip).
fn check_public(
    tx: &mut Card<Transaction<'_>>,
    serial: &str,
    slot: KeyType,
    key: &Cert,
    fpr: &pgp::Fingerprint,
) -> Result<(), OpenPgpCardError> {
    use openpgp_card::ocard::crypto::PublicKeyMaterial;
    use pgp::crypto::mpi;
    // A check that cannot be made is a failure, not a pass: an import that
    // cannot be read back is not proven.
    let unproven = |detail: String| OpenPgpCardError::Mismatch {
        serial: serial.to_owned(),
        what: "the public key the card derives",
        detail,
    };
    let material = tx
        .public_key_material(slot)
        .map_err(|e| unproven(format!("{slot:?} slot: the card did not return it ({e})")))?;
    let ka = key
        .keys()
        .find(|k| &k.key().fingerprint() == fpr)
        .ok_or_else(|| unproven(format!("{fpr} is not a key of this cert")))?;
    let expected: Vec<u8> = match ka.key().mpis() {
        mpi::PublicKey::EdDSA { q, .. } | mpi::PublicKey::ECDH { q, .. } => bare_point(q.value()),
        mpi::PublicKey::RSA { n, .. } => n.value().to_vec(),
        other => {
            return Err(unproven(format!(
                "{slot:?} slot: keyceremony cannot compare a {:?} key",
                other.algo()
            )))
        }
    };
    let found = match &material {
        PublicKeyMaterial::E(e) => bare_point(e.data()),
        PublicKeyMaterial::R(r) => r.n().to_vec(),
    };
    if found != expected {
        return Err(OpenPgpCardError::Mismatch {
            serial: serial.to_owned(),
            what: "the public key the card derives",
            detail: format!(
                "{slot:?} slot holds public key {} where {fpr} has {}",
                hex::encode(&found),
                hex::encode(&expected)
            ),
        });
    }
    Ok(())
}

/// A Curve25519 point without OpenPGP's 0x40 prefix (only a 33-byte point has one).
fn bare_point(p: &[u8]) -> Vec<u8> {
    match p {
        [0x40, rest @ ..] if rest.len() == 32 => rest.to_vec(),
        other => other.to_vec(),
    }
}

/// Signs `data` on the card with its signature key, which must be a key of
/// `signer` (a witness's own card and cert), after the user PIN (never its
/// last try). Returns the armored detached signature; the caller checks it.
pub fn sign(
    ident: &str,
    signer: &Cert,
    data: &[u8],
    user_pin: &SecretString,
) -> Result<Vec<u8>, OpenPgpCardError> {
    guarded(ident, |_| {
        with_card(ident, |tx, serial| {
            let public = card_signing_key(tx, serial, signer, signer.keys())?;
            Ok((
                serial.to_owned(),
                sign_on_card(tx, serial, public, data, user_pin)?,
            ))
        })
    })
    .and_then(|(serial, sig)| {
        let armor_err = |e: std::io::Error| OpenPgpCardError::Step {
            serial: serial.clone(),
            step: "armoring the signature",
            message: e.to_string(),
        };
        let mut w =
            pgp::armor::Writer::new(Vec::new(), pgp::armor::Kind::Signature).map_err(armor_err)?;
        {
            use pgp::serialize::Serialize;
            pgp::packet::Packet::from(sig)
                .serialize(&mut w)
                .map_err(|e| OpenPgpCardError::Step {
                    serial: serial.clone(),
                    step: "serialising the signature",
                    message: e.to_string(),
                })?;
        }
        w.finalize().map_err(armor_err)
    })
}

/// The card's signature key, found among `keys` of `cert` by fingerprint:
/// a card holding someone else's key is named, not used.
fn card_signing_key<'a>(
    tx: &mut Card<Transaction<'_>>,
    serial: &str,
    cert: &Cert,
    mut keys: impl Iterator<
        Item = pgp::cert::amalgamation::key::KeyAmalgamation<
            'a,
            pgp::packet::key::PublicParts,
            pgp::packet::key::UnspecifiedRole,
            bool,
        >,
    >,
) -> Result<
    pgp::packet::Key<pgp::packet::key::PublicParts, pgp::packet::key::UnspecifiedRole>,
    OpenPgpCardError,
> {
    let on_card = tx
        .fingerprints()
        .map_err(step_err(serial, "reading fingerprints"))?
        .signature()
        .map(|f| f.to_hex().to_uppercase())
        .ok_or_else(|| OpenPgpCardError::Step {
            serial: serial.to_owned(),
            step: "signing",
            message: "the card has no signing key".into(),
        })?;
    keys.find(|k| k.key().fingerprint().to_hex() == on_card)
        .map(|k| k.key().clone().parts_into_public().role_into_unspecified())
        .ok_or_else(|| OpenPgpCardError::Mismatch {
            serial: serial.to_owned(),
            what: "the signing key",
            detail: format!("{on_card} is not a key of {}", cert.fingerprint()),
        })
}

/// Verifies the user PIN (never its last try) and signs `data` with the
/// card's signature key, whose public half is `public`.
fn sign_on_card(
    tx: &mut Card<Transaction<'_>>,
    serial: &str,
    public: pgp::packet::Key<pgp::packet::key::PublicParts, pgp::packet::key::UnspecifiedRole>,
    data: &[u8],
    user_pin: &SecretString,
) -> Result<pgp::packet::Signature, OpenPgpCardError> {
    verify_pin(tx, serial, false, user_pin)?;
    let mut signer = CardSigner {
        tx: tx.card(),
        public,
    };
    SignatureBuilder::new(SignatureType::Binary)
        .set_signature_creation_time(SystemTime::now())
        .and_then(|b| b.sign_message(&mut signer, data))
        .map_err(|e| OpenPgpCardError::Step {
            serial: serial.to_owned(),
            step: "signing on the card",
            message: e.to_string(),
        })
}

/// Signs a fresh random challenge on the card with the user PIN and verifies
/// the signature against `key`'s public signing subkey. Returns a summary.
pub fn prove(ident: &str, key: &Cert, user_pin: &SecretString) -> Result<String, OpenPgpCardError> {
    guarded(ident, |_| prove_inner(ident, key, user_pin))
}

fn prove_inner(
    ident: &str,
    key: &Cert,
    user_pin: &SecretString,
) -> Result<String, OpenPgpCardError> {
    with_card(ident, |tx, serial| prove_on(tx, serial, key, user_pin))
}

/// Opens the card `ident` exclusively and runs `f` on it with its serial.
fn with_card<T>(
    ident: &str,
    f: impl FnOnce(&mut Card<Transaction<'_>>, &str) -> Result<T, OpenPgpCardError>,
) -> Result<T, OpenPgpCardError> {
    let mut card = open(ident)?;
    let mut tx = card
        .transaction()
        .map_err(|_| OpenPgpCardError::NotFound(ident.to_owned()))?;
    let serial = describe(&mut tx, "")
        .map(|i| i.serial)
        .map_err(|_| OpenPgpCardError::NotFound(ident.to_owned()))?;
    f(&mut tx, &serial)
}

/// The proof signature on a card already open (and held exclusively).
fn prove_on(
    tx: &mut Card<Transaction<'_>>,
    serial: &str,
    key: &Cert,
    user_pin: &SecretString,
) -> Result<String, OpenPgpCardError> {
    let serial = serial.to_owned();
    let public = card_signing_key(tx, &serial, key, key.keys().subkeys().map(|k| k.into()))?;
    let mut challenge = vec![0u8; 32];
    getrandom::getrandom(&mut challenge).map_err(|e| OpenPgpCardError::Step {
        serial: serial.clone(),
        step: "drawing a challenge",
        message: e.to_string(),
    })?;
    let challenge = [
        format!("keyceremony card proof {serial} ").into_bytes(),
        challenge,
    ]
    .concat();
    let sig = sign_on_card(tx, &serial, public, &challenge, user_pin)?;
    let mut armored = Vec::new();
    {
        use pgp::serialize::Serialize;
        pgp::packet::Packet::from(sig)
            .serialize(&mut armored)
            .map_err(|e| OpenPgpCardError::Step {
                serial: serial.clone(),
                step: "serialising the proof",
                message: e.to_string(),
            })?;
    }
    let by = verify_detached(
        &key.clone().strip_secret_key_material(),
        SignWith::SigningSubkey,
        &armored,
        &challenge,
    )
    .map_err(|e| OpenPgpCardError::Mismatch {
        serial: serial.clone(),
        what: "the proof signature",
        detail: e.to_string(),
    })?;
    Ok(format!("signature by {by} verified against the cert"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pgp::cert::{CertBuilder, CipherSuite};

    fn cert(suite: CipherSuite) -> Cert {
        CertBuilder::new()
            .set_cipher_suite(suite)
            .add_signing_subkey()
            .generate()
            .unwrap()
            .0
    }

    #[test]
    fn an_unregistered_maker_is_named_as_such_not_by_its_range() {
        assert_eq!(manufacturer(0x0006, "Yubico AB"), "Yubico AB");
        let m = manufacturer(
            0xFF00,
            "Range reserved for randomly assigned serial numbers.",
        );
        assert!(m.starts_with("unregistered maker (ID FF00"), "{m}");
    }

    #[test]
    fn eucleak_is_named_for_ecdsa_on_old_yubikeys_only() {
        let mut card = CardInfo::example("0000000A");
        card.manufacturer = "Yubico AB".into();
        card.firmware = Some("5.4.3".into());
        let ecdsa = cert(CipherSuite::P256);
        let eddsa = cert(CipherSuite::Cv25519);
        assert!(eucleak_warning(&card, &ecdsa).unwrap().contains("5.4.3"));
        assert!(eucleak_warning(&card, &eddsa).is_none());
        card.firmware = Some("5.7.1".into());
        assert!(eucleak_warning(&card, &ecdsa).is_none());
        card.firmware = None;
        assert!(eucleak_warning(&card, &ecdsa).is_none());
        card.firmware = Some("5.2.7".into());
        card.manufacturer = "Nitrokey".into();
        assert!(eucleak_warning(&card, &ecdsa).is_none());
    }
}
