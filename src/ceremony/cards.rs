//! The card steps every flow shares: put a key's current subkeys on the
//! plan's cards, each proven by a signature (genesis, and the flows that make
//! new subkeys), and prove cards that keep theirs (renew).
//!
//! A card that fails is reported and recorded, and the others go on: the key
//! is safe in its backups whatever a card does, and `keyceremony card
//! provision` resumes. Cards are taken in reader order and may be swapped
//! while the step waits.

use sequoia_openpgp::Cert;
use serde::Serialize;
use serde_json::json;

use super::session::Session;
use super::{CardDecision, CardState, Cards, CeremonyError, CeremonyUi, Event};
use crate::openpgp::{self, KeyInfo, KeyRole};
use crate::plan::Plan;
use crate::tokens::openpgp_card::{CardInfo, CardPins, ProvisionReport, ProvisionSpec};
use crate::transcript::EventKind;

/// How one planned card fared.
#[derive(Debug, Serialize)]
pub struct CardOutcome {
    pub number: usize,
    pub provisioned: Option<ProvisionReport>,
    pub error: Option<String>,
}

impl CardOutcome {
    /// The card's line in a summary.
    pub fn line(&self) -> String {
        match (&self.provisioned, &self.error) {
            (Some(p), _) => format!(
                "Card {}:     serial {}{}, {}",
                self.number,
                p.serial,
                p.signing_role
                    .as_deref()
                    .map(|r| format!(" ({r} role)"))
                    .unwrap_or_default(),
                p.proof
            ),
            (None, Some(e)) => format!("Card {}:     NOT DONE: {e}", self.number),
            (None, None) => format!("Card {}:     not provisioned", self.number),
        }
    }
}

/// How many of `outcomes` failed (and were skipped).
pub fn failed(outcomes: &[CardOutcome]) -> usize {
    outcomes.iter().filter(|c| c.error.is_some()).count()
}

/// Provisions the plan's cards in reader order with `key`'s current subkeys.
///
/// `pins`: the PINs to set; without them the operator chooses (TUI) or new
/// ones are made and handed over where the plan says. `replace_ours`: a card
/// that holds nothing but subkeys of `key` (an earlier generation, before a
/// rotation) is reset without its serial in `cards.reset`: the operator
/// asked for its subkeys to be replaced, and the backup holds everything it
/// held, so nothing is lost. A card with anything else on it still needs the
/// plan's confirmation.
pub fn provision_cards(
    s: &mut Session<'_>,
    plan: &Plan,
    key: &Cert,
    cards: &mut dyn Cards,
    pins: Option<&CardPins>,
    replace_ours: bool,
    only: Option<&[Option<String>]>,
) -> Result<Vec<CardOutcome>, CeremonyError> {
    // The cards of each signing role in turn (the default role's first):
    // card numbers run on across roles; `only` keeps the roles whose
    // subkeys changed.
    let mut roles: Vec<Option<String>> = Vec::new();
    for (role, n) in plan.subkeys.card_roles(plan.cards.count) {
        if only.is_none_or(|o| o.contains(&role)) {
            roles.extend(std::iter::repeat_n(role, n));
        }
    }
    let named = !plan.subkeys.roles.is_empty();
    let want = roles.len();
    if want == 0 {
        s.ui().event(&Event::Note("the plan has no cards".into()));
        return Ok(Vec::new());
    }
    let chosen;
    let pins = match pins {
        Some(pins) => {
            s.record(EventKind::PinsChosen, json!({ "by": "pin file" }))?;
            pins
        }
        None => {
            chosen = match s.ui().choose_card_pins()? {
                Some(pins) => {
                    s.record(EventKind::PinsChosen, json!({ "by": "operator" }))?;
                    pins
                }
                None => {
                    let pins = CardPins::generate().map_err(|e| {
                        CeremonyError::Bug(format!("the random number generator failed: {e}"))
                    })?;
                    let to = s.ui().deliver_card_pins(&pins)?;
                    s.record(EventKind::PinsDelivered, json!({ "to": to }))?;
                    pins
                }
            };
            &chosen
        }
    };
    let mut done: Vec<String> = Vec::new();
    let mut outcomes = Vec::new();
    let mut number = 1;
    while number <= want {
        let role = roles[number - 1].as_deref();
        if named && (number == 1 || roles[number - 2].as_deref() != role) {
            let of_role = roles.iter().filter(|r| r.as_deref() == role).count();
            s.ui().event(&Event::Note(format!(
                "the next {of_role} card(s) hold the {} role's signing subkey: one person's cards; a card never holds two roles",
                openpgp::role_name(role)
            )));
        }
        let next = next_card(
            cards,
            &done,
            |c| fits_role(c, key, role),
            number,
            want,
            plan.cards.wait_seconds,
            s.ui(),
        )?;
        let outcome = match &next {
            None => Err(format!(
                "no card for card {number} of {want} within {} s: insert one and run `keyceremony card provision`",
                plan.cards.wait_seconds
            )),
            Some(card) => {
                let event = |state| Event::Card {
                    number,
                    total: want,
                    state,
                };
                s.ui().event(&event(CardState::Found {
                    serial: card.serial.clone(),
                    manufacturer: card.manufacturer.clone(),
                    reader: card.reader.clone(),
                }));
                let mut reset = plan.cards.reset.clone();
                if replace_ours && holds_only_subkeys_of(card, key) {
                    s.ui().event(&event(CardState::Step {
                        serial: card.serial.clone(),
                        step: "holds earlier subkeys of this key: reset and provisioned again (the backup holds all it held)".into(),
                    }));
                    reset.push(card.serial.clone());
                }
                let mut spec = provision_spec(&plan.cards, reset);
                spec.signing_role = role.map(str::to_owned);
                let mut progress = |step: &str| {
                    s.ui().event(&event(CardState::Step {
                        serial: card.serial.clone(),
                        step: step.to_owned(),
                    }))
                };
                cards
                    .provision(&card.ident, key, pins, &spec, &mut progress)
                    .map_err(|e| e.to_string())
            }
        };
        match outcome {
            Ok(report) => {
                done.extend(next.map(|c| c.ident));
                s.record(EventKind::CardProvisioned, json!(report))?;
                s.ui().event(&Event::Card {
                    number,
                    total: want,
                    state: CardState::Proven {
                        serial: report.serial.clone(),
                        proof: report.proof.clone(),
                    },
                });
                outcomes.push(CardOutcome {
                    number,
                    provisioned: Some(report),
                    error: None,
                });
            }
            Err(error) => {
                s.record(
                    EventKind::CardFailed,
                    json!({ "number": number, "error": error }),
                )?;
                s.ui().event(&Event::Card {
                    number,
                    total: want,
                    state: CardState::Failed(error.clone()),
                });
                if s.ui().card_failed(number, &error) == CardDecision::Retry {
                    s.record(EventKind::CardRetry, json!({ "number": number }))?;
                    continue;
                }
                // A skipped card is not offered again as the next card.
                done.extend(next.map(|c| c.ident));
                s.record(
                    EventKind::CardSkipped,
                    json!({ "number": number, "reason": error }),
                )?;
                outcomes.push(CardOutcome {
                    number,
                    provisioned: None,
                    error: Some(error),
                });
            }
        }
        number += 1;
    }
    Ok(outcomes)
}

/// Whether every slot of `card` that holds a key holds a subkey of `key`
/// (and at least one does).
fn holds_only_subkeys_of(card: &CardInfo, key: &Cert) -> bool {
    let ours: Vec<String> = key
        .keys()
        .subkeys()
        .map(|k| k.key().fingerprint().to_hex())
        .collect();
    let held: Vec<&String> = [&card.signing, &card.decryption, &card.authentication]
        .into_iter()
        .flatten()
        .collect();
    !held.is_empty()
        && held
            .iter()
            .all(|f| ours.iter().any(|o| o.eq_ignore_ascii_case(f)))
}

/// Whether `card` may take `role`: not when its signing slot holds a
/// subkey of `key` of another role. That card is another person's, never
/// taken for a role (with `replace_ours` it would otherwise be reset as
/// "ours"); the error says so, for the operator.
fn fits_role(card: &CardInfo, key: &Cert, role: Option<&str>) -> Result<(), String> {
    let held = card
        .signing
        .as_deref()
        .and_then(|f| openpgp::role_of_subkey(key, f));
    match held {
        Some(held) if held.as_deref() != role => Err(format!(
            "card {} holds the {} role's subkey: left alone (a card holds one role); insert a card for the {} role",
            card.serial,
            openpgp::role_name(held.as_deref()),
            openpgp::role_name(role)
        )),
        _ => Ok(()),
    }
}

/// The first card in a reader that this ceremony has not handled yet and
/// that `fits` (a card that does not is named once, with why); waits up to
/// `wait` seconds for one to be inserted (cards may be swapped).
#[allow(clippy::too_many_arguments)]
fn next_card(
    cards: &mut dyn Cards,
    done: &[String],
    fits: impl Fn(&CardInfo) -> Result<(), String>,
    number: usize,
    want: usize,
    wait: u64,
    ui: &mut dyn CeremonyUi,
) -> Result<Option<CardInfo>, CeremonyError> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(wait);
    let mut asked = false;
    let mut named: Vec<String> = Vec::new();
    loop {
        for card in cards.list()? {
            if done.contains(&card.ident) {
                continue;
            }
            match fits(&card) {
                Ok(()) => return Ok(Some(card)),
                Err(why) if !named.contains(&card.ident) => {
                    ui.event(&Event::Note(why));
                    named.push(card.ident);
                }
                Err(_) => {}
            }
        }
        if std::time::Instant::now() >= deadline {
            return Ok(None);
        }
        if !asked {
            ui.event(&Event::Card {
                number,
                total: want,
                state: CardState::Waiting { seconds: wait },
            });
            asked = true;
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
}

/// Every card in a reader that holds this key's signing subkey signs a fresh
/// challenge, checked against the renewed cert.
pub fn prove_cards(
    s: &mut Session<'_>,
    renewed: &Cert,
    keys: &[KeyInfo],
    pins: Option<&CardPins>,
    cards: &mut dyn Cards,
) -> Result<Vec<(String, String)>, CeremonyError> {
    let Some(pins) = pins else {
        s.event(Event::Note(
            "cards need no change: the key material is the same. To prove a card against the renewed cert: keyceremony card prove --serial SERIAL --cert EXPORT/cert.asc --pins PINFILE".into(),
        ));
        return Ok(Vec::new());
    };
    // Every signing role's cards: each holds one of the signing subkeys.
    let signing: Vec<String> = keys
        .iter()
        .filter(|k| k.role == KeyRole::Signing && !k.revoked)
        .map(|k| k.fingerprint.to_uppercase())
        .collect();
    let ours: Vec<_> = cards
        .list()?
        .into_iter()
        .filter(|c| {
            c.signing
                .as_deref()
                .is_some_and(|f| signing.contains(&f.to_uppercase()))
        })
        .collect();
    if ours.is_empty() {
        s.event(Event::Warning(
            "no card in the readers holds this key's signing subkey: nothing to prove".into(),
        ));
    }
    let total = ours.len();
    let mut proven = Vec::new();
    for (i, card) in ours.into_iter().enumerate() {
        let proof = cards.prove(&card.ident, renewed, &pins.user)?;
        s.record(
            EventKind::CardProven,
            json!({ "serial": card.serial, "proof": proof }),
        )?;
        s.event(Event::Card {
            number: i + 1,
            total,
            state: CardState::Proven {
                serial: card.serial.clone(),
                proof: proof.clone(),
            },
        });
        proven.push((card.serial, proof));
    }
    Ok(proven)
}

/// What provisioning a card from this plan asks of it; `reset` names the
/// cards (serials) that may be factory-reset.
pub fn provision_spec(cards: &crate::plan::CardSpec, reset: Vec<String>) -> ProvisionSpec {
    use crate::plan::CardTouch;
    use crate::tokens::openpgp_card::Touch;
    ProvisionSpec {
        reset,
        cardholder: cards.cardholder.clone(),
        url: cards.url.clone(),
        touch: match cards.touch {
            CardTouch::Off => Touch::Off,
            CardTouch::On => Touch::On,
            CardTouch::Cached => Touch::Cached,
            CardTouch::Fixed => Touch::Fixed,
        },
        kdf: cards.kdf,
        signing_role: None,
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;

    fn key() -> Cert {
        crate::openpgp::test_key(SystemTime::now())
    }

    /// A card is reset without the plan's word only when everything on it
    /// is in the backup: a foreign key in any slot, or an empty card, is not
    /// "ours".
    #[test]
    fn only_a_card_holding_nothing_but_this_keys_subkeys_is_ours() {
        let k = key();
        let subs: Vec<String> = k
            .keys()
            .subkeys()
            .map(|s| s.key().fingerprint().to_hex().to_lowercase())
            .collect();
        let other = key()
            .keys()
            .subkeys()
            .next()
            .unwrap()
            .key()
            .fingerprint()
            .to_hex();
        let mut card = CardInfo::example("0000A001");
        assert!(!holds_only_subkeys_of(&card, &k), "empty card");
        card.signing = Some(subs[0].clone());
        card.decryption = Some(subs[1].clone());
        assert!(holds_only_subkeys_of(&card, &k));
        card.authentication = Some(other);
        assert!(!holds_only_subkeys_of(&card, &k), "a foreign key on it");
        card.authentication = Some(k.fingerprint().to_hex());
        assert!(
            !holds_only_subkeys_of(&card, &k),
            "the primary is never on a card of ours"
        );
    }
}
