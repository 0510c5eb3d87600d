//! Renew: the same key with new expiry times, the ceremony administrators
//! come back for every year (the primary and subkeys expire after a year by
//! default). Also for a key that has already expired.
//!
//! The order keeps to genesis's rule that nothing goes online for a key whose
//! backup cannot be restored: the old backup is proven and opened from k
//! shares before anything is written (a wrong share costs nothing); the
//! renewed key goes to a new ceremony directory on every backup medium,
//! protected by the same passphrase, so the custodians' shares go on working;
//! the same shares must open every new backup before the renewed cert is
//! exported. Cards keep their subkeys (the key material does not change):
//! given the PINs, each card holding the signing subkey proves it with a
//! signature that verifies against the renewed cert.

use std::path::PathBuf;
use std::time::SystemTime;

use serde::Serialize;
use serde_json::json;

use super::cards::prove_cards;
use super::restore::Previous;
use super::session::{open_existing, Flow, RunOptions};
use super::{Cards, CeremonyError, CeremonyUi, Clock, Event};
use crate::openpgp::{self, KeyInfo};
use crate::plan::Plan;
use crate::shares::Share;
use crate::tokens::openpgp_card::CardPins;
use crate::transcript::EventKind;

const STEPS: usize = 7;

/// What the operator brings to a renew, besides the plan.
pub struct RenewRequest {
    /// The ceremony directory on a backup medium to renew from.
    pub backup: PathBuf,
    /// k shares (or more) of the backup's share set.
    pub shares: Vec<Share>,
    /// The primary's new expiry.
    pub primary_until: SystemTime,
    /// Every subkey's new expiry.
    pub subkeys_until: SystemTime,
    /// The cards' PINs, to prove each card against the renewed cert; without
    /// them the cards are left untouched and the report says how to prove them.
    pub card_pins: Option<CardPins>,
}

/// What a renew produced; public facts only.
#[derive(Debug, Serialize)]
pub struct RenewReport {
    #[serde(flatten)]
    pub written: super::Written,
    pub keys: Vec<KeyInfo>,
    pub previous: Previous,
    /// Cards proven against the renewed cert: serial and what was proven.
    pub cards_proven: Vec<(String, String)>,
}

impl super::Outcome for RenewReport {
    fn heading(&self) -> &'static str {
        "Renew complete"
    }
    fn written(&self) -> &super::Written {
        &self.written
    }
    fn lines(&self) -> Vec<String> {
        let mut l = vec![format!(
            "Renewed from: {} (the previous ceremony)",
            self.previous.ceremony_id
        )];
        l.extend(self.keys.iter().map(super::key_line));
        l.extend(self.written.lines());
        l.extend(
            self.cards_proven
                .iter()
                .map(|(serial, proof)| format!("Card {serial}: {proof}")),
        );
        l
    }
}

pub fn run(
    plan: &Plan,
    req: &RenewRequest,
    opts: &RunOptions,
    ui: &mut dyn CeremonyUi,
    clock: &dyn Clock,
    cards: &mut dyn Cards,
) -> Result<RenewReport, CeremonyError> {
    let now = clock.now();
    for (what, t) in [
        ("the primary's", req.primary_until),
        ("the subkeys'", req.subkeys_until),
    ] {
        if t <= now {
            return Err(CeremonyError::Request(format!(
                "{what} new expiry, {}, is not in the future: give a later date or a duration such as 1y",
                humantime::format_rfc3339_seconds(t)
            )));
        }
    }
    let flow = Flow {
        name: "renew",
        steps: STEPS,
        start: json!({}),
    };
    let (session, opened) = open_existing(flow, plan, &req.backup, &req.shares, opts, ui, clock)?;
    let restored = &opened.restored;
    session.run(|s| {
        s.step(3, "New expiry for the primary and every subkey");
        let renewed = openpgp::renew(
            &restored.cert,
            req.primary_until,
            req.subkeys_until,
            s.now(),
        )?;
        let keys = openpgp::key_infos(&renewed, s.now());
        for k in &keys {
            s.event(Event::Note(super::key_line(k).trim().to_owned()));
        }
        s.record(
            EventKind::KeysRenewed,
            json!({ "fingerprint": restored.fingerprint, "keys": keys }),
        )?;

        let files = s.write_key(4, &renewed, &opened, &req.shares)?;

        s.step(6, "Cards: each proven against the renewed cert");
        let cards_proven = prove_cards(s, &renewed, &keys, req.card_pins.as_ref(), cards)?;

        s.export_and_close(7, &renewed, &files, json!({}), &mut [])?;
        Ok(RenewReport {
            written: s.written(&restored.fingerprint.clone()),
            keys,
            previous: opened.previous.clone(),
            cards_proven,
        })
    })
}
