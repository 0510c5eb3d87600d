//! Witnesses who countersign: each ceremony's outcome signed on the
//! witnesses' own OpenPGP cards, so that a ceremony is attested by people
//! other than its operator, cryptographically.
//!
//! Why a statement of its own rather than the transcript: the transcript is
//! long and machine-made; a witness signs what they can read on the screen
//! (which ceremony, which key, what was done) and the transcript's SHA-256
//! as it stood when they signed. The outcome (who signed, who declined, who
//! was absent) is then recorded in the transcript (`witnesses.signed`) after
//! that point, so the primary's signature over the whole transcript covers
//! it, and the statement and each signature go beside the transcript on
//! every medium, listed in the MANIFEST.
//!
//! What a countersignature proves, and what it does not, is in
//! docs/witnesses.md: it proves a witness's card signed this statement; not
//! that the machine did what the transcript says.

use std::time::SystemTime;

use secrecy::SecretString;
use sequoia_openpgp::Cert;
use serde::Serialize;

use super::{Cards, CeremonyError, CeremonyUi, Event};
use crate::plan::Plan;
pub use crate::transcript::witness::{signature_file, Stage, Statement, STATEMENT_FILE};

/// A witness of the plan, their cert read and checked.
#[derive(Clone)]
pub struct Witness {
    pub name: String,
    pub cert: Cert,
    /// The primary key's fingerprint (upper-case hex): who they are.
    pub fingerprint: String,
    /// Their keys that can sign now: one of them is on their card.
    pub signing: Vec<String>,
    pub pin_from: Option<String>,
}

impl std::fmt::Debug for Witness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Witness")
            .field("name", &self.name)
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

/// The plan's witnesses who sign, each cert read (bounded) and checked:
/// a public cert, valid, unrevoked, unexpired, with a key that can sign;
/// no two with one key, no two with one name.
pub fn load(plan: &Plan, now: SystemTime) -> Result<Vec<Witness>, CeremonyError> {
    let bad = |m: String| CeremonyError::Plan(crate::plan::PlanError::Invalid(m));
    let mut out: Vec<Witness> = Vec::new();
    for w in &plan.ceremony.signing_witnesses {
        let what = format!("ceremony.witness {:?}", w.name);
        let bytes = crate::media::read_bounded(&w.cert, "witness cert", crate::media::limits::KEY)
            .map_err(|e| bad(format!("{what}: cert {}: {e}", w.cert.display())))?;
        let cert = crate::openpgp::read_cert(&bytes)
            .map_err(|e| bad(format!("{what}: {} {e}", w.cert.display())))?;
        if cert.is_tsk() {
            return Err(bad(format!(
                "{what}: {} holds secret key material: give the witness's public cert (gpg --export), and keep their secret key on their card",
                w.cert.display()
            )));
        }
        crate::openpgp::valid_at(&cert, now).map_err(|e| {
            bad(format!(
                "{what}: {e}: a witness signs with a valid key of their own"
            ))
        })?;
        let signing = crate::openpgp::signing_keys(&cert, now);
        if signing.is_empty() {
            return Err(bad(format!(
                "{what}: key {} has no key that can sign now: a witness signs on their card with a signing key",
                cert.fingerprint()
            )));
        }
        let fingerprint = cert.fingerprint().to_hex();
        // One key in two certs is one card: every key's material is
        // compared (gpg can bind a key to a second primary, and at another
        // second it has another fingerprint).
        if let Some(other) = out
            .iter()
            .find(|o| o.name == w.name || crate::openpgp::share_a_key(&o.cert, &cert))
        {
            return Err(bad(format!(
                "{what} and {:?} are one witness (the same key or name): each witness signs with a key of their own",
                other.name
            )));
        }
        out.push(Witness {
            name: w.name.clone(),
            cert,
            fingerprint,
            signing,
            pin_from: w.pin_from.clone(),
        });
    }
    Ok(out)
}

/// Refuses a witness whose key is the ceremony's own (its primary or any of
/// its subkeys): the key does not witness itself.
pub fn refuse_own_key(witnesses: &[Witness], key: &Cert) -> Result<(), CeremonyError> {
    for w in witnesses {
        if crate::openpgp::share_a_key(&w.cert, key) {
            return Err(CeremonyError::Plan(crate::plan::PlanError::Invalid(format!(
                "ceremony.witness {:?} has key {}, which holds a key of this ceremony's own key {}: a witness signs with a key of their own",
                w.name,
                w.fingerprint,
                key.fingerprint()
            ))));
        }
    }
    Ok(())
}

/// What the front end asks a witness.
pub struct WitnessAsk<'a> {
    pub statement: &'a str,
    pub name: &'a str,
    pub fingerprint: &'a str,
    pub number: usize,
    pub total: usize,
    /// What went wrong with the last try (a wrong card, a wrong PIN).
    pub problem: Option<&'a str>,
}

/// A witness's answer.
#[derive(Debug)]
pub enum WitnessAnswer {
    /// Their card is in a reader; this is its user PIN.
    Sign(SecretString),
    Decline,
    Absent,
}

/// What each witness did, as the transcript records it.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub name: String,
    pub fingerprint: String,
    /// "signed", "declined" or "absent".
    pub outcome: &'static str,
    /// Signed: the key that signed, and the card it is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card: Option<String>,
    /// Absent after a try that failed: why (a wrong PIN, no card).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Signed: the signature file, armored.
    #[serde(skip)]
    pub signature: Option<Vec<u8>>,
}

/// Asks each witness in turn to sign `statement` on their card. A witness
/// may decline or be absent; a wrong card or PIN is named and asked again
/// (a batch run tries the plan's PIN source once). A PIN is never tried on
/// a card with one try left. Nothing here stops the ceremony: what each
/// did is returned for the transcript.
pub fn countersign(
    ui: &mut dyn CeremonyUi,
    cards: &mut dyn Cards,
    witnesses: &[Witness],
    statement: &str,
) -> Result<Vec<Outcome>, CeremonyError> {
    let mut out = Vec::new();
    for (i, w) in witnesses.iter().enumerate() {
        let mut problem: Option<String> = None;
        let outcome = loop {
            let ask = WitnessAsk {
                statement,
                name: &w.name,
                fingerprint: &w.fingerprint,
                number: i + 1,
                total: witnesses.len(),
                problem: problem.as_deref(),
            };
            let (answer, batch) = match ui.witness(&ask)? {
                Some(a) => (a, false),
                // A batch run: the PIN from where the plan says, once.
                None => match (&w.pin_from, &problem) {
                    (Some(_), Some(_)) | (None, _) => (WitnessAnswer::Absent, true),
                    (Some(from), None) => match super::cosign::read_pin(from) {
                        Ok(pin) => (WitnessAnswer::Sign(pin), true),
                        Err(e) => {
                            problem = Some(e.to_string());
                            (WitnessAnswer::Absent, true)
                        }
                    },
                },
            };
            let pin = match answer {
                WitnessAnswer::Decline => break outcome(w, "declined", None),
                WitnessAnswer::Absent => break outcome(w, "absent", problem.take()),
                WitnessAnswer::Sign(pin) => pin,
            };
            match sign_once(cards, w, statement.as_bytes(), &pin) {
                Ok((signature, key, card)) => {
                    ui.event(&Event::Verified(format!(
                        "witness {} signed the statement on card {card} (key {key}), checked against their cert",
                        w.name
                    )));
                    let mut o = outcome(w, "signed", None);
                    o.signing_key = Some(key);
                    o.card = Some(card);
                    o.signature = Some(signature);
                    break o;
                }
                Err(e) => {
                    ui.event(&Event::Warning(format!("witness {}: {e}", w.name)));
                    if batch {
                        break outcome(w, "absent", Some(e));
                    }
                    problem = Some(e);
                }
            }
        };
        out.push(outcome);
    }
    Ok(out)
}

fn outcome(w: &Witness, what: &'static str, reason: Option<String>) -> Outcome {
    Outcome {
        name: w.name.clone(),
        fingerprint: w.fingerprint.clone(),
        outcome: what,
        signing_key: None,
        card: None,
        reason,
        signature: None,
    }
}

/// How many more looks at the readers (250 ms apart) before a witness's
/// card is said to be missing.
const CARD_LOOKS: usize = 20;

/// One try: the witness's card found among the readers by its signing
/// key, the statement signed there and checked against their cert.
/// Returns the signature, the key that signed and the card's serial.
fn sign_once(
    cards: &mut dyn Cards,
    w: &Witness,
    statement: &[u8],
    pin: &SecretString,
) -> Result<(Vec<u8>, String, String), String> {
    let is_theirs = |c: &crate::tokens::openpgp_card::CardInfo| {
        c.signing.as_deref().is_some_and(|f| {
            w.signing
                .iter()
                .any(|s| s.eq_ignore_ascii_case(&f.replace(' ', "")))
        })
    };
    // A card put in just now, or a reader another program looks at this
    // moment, may miss one look: the readers are looked at again for a few
    // seconds before the witness's card is said to be missing.
    let mut listed = cards.list().map_err(|e| e.to_string())?;
    for _ in 0..CARD_LOOKS {
        if listed.iter().any(is_theirs) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
        listed = cards.list().map_err(|e| e.to_string())?;
    }
    let theirs = listed.iter().find(|c| is_theirs(c));
    let Some(card) = theirs else {
        let seen: Vec<String> = listed
            .iter()
            .map(|c| {
                format!(
                    "card {} holds {}",
                    c.serial,
                    c.signing.as_deref().unwrap_or("no signing key")
                )
            })
            .collect();
        return Err(format!(
            "no card in the readers holds {}'s signing key ({}){}: insert {}'s own card",
            w.name,
            w.signing.join(" or "),
            if seen.is_empty() {
                String::new()
            } else {
                format!("; {}", seen.join(", "))
            },
            w.name
        ));
    };
    let signature = cards
        .sign(&card.ident, &w.cert, statement, pin)
        .map_err(|e| e.to_string())?;
    let (key, _) = crate::openpgp::verify_by_signing_key(
        &w.cert,
        &signature,
        statement,
        std::time::SystemTime::now(),
    )
    .map_err(|e| {
        format!(
            "the signature card {} made does not verify: {e}",
            card.serial
        )
    })?;
    Ok((signature, key, card.serial.clone()))
}
