//! Subkey rotation and revocation: the key keeps its primary (and with it
//! its fingerprint, its certifications, the trust the online side placed in
//! it); a signing, encryption or authentication subkey is replaced by a new
//! one, or revoked without a replacement.
//!
//! A rotation's old subkey is either revoked at once with the reason
//! "superseded" (what was signed with it stays good; nothing new verifies),
//! or left valid until a transition date (its expiry), so that signatures
//! made in the meantime still verify while the online side picks up the new
//! cert. A revocation without a replacement says why: "compromised" (its
//! signatures may be forged, verifiers should distrust them all) or
//! "retired". Same order as every ceremony on an existing key: backup proven
//! and opened before anything is written, new backups opened by the same
//! shares before the cert is exported. New subkeys then go onto the plan's
//! cards, each proven by a signature, as in a genesis; a card holding the
//! key's earlier subkeys is reset for them without further confirmation,
//! since the backup holds all it held.
//!
//! A lost card is one of these changes (`lost_card` finds what it held).

use std::path::PathBuf;
use std::time::SystemTime;

use serde::Serialize;
use serde_json::json;

use sequoia_openpgp::Cert;

use super::cards::{provision_cards, CardOutcome};
use super::lost_card;
use super::restore::Previous;
use super::session::{open_existing_checked, Flow, RunOptions, Session};
use super::{Cards, CeremonyError, CeremonyUi, Clock, Event};
use crate::openpgp::{self, KeyInfo, KeyRole, RevokeReason};
use crate::plan::Plan;
use crate::shares::Share;
use crate::tokens::openpgp_card::CardPins;
use crate::transcript::EventKind;

const STEPS: usize = 7;

/// What happens to the subkey a rotation replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OldSubkey {
    /// Revoked now, reason "superseded".
    Revoke,
    /// Left valid until then, and expires.
    ValidUntil(SystemTime),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A new subkey for `role`, valid for the plan's `[subkeys] expiry`; the
    /// one in force now (if any) treated as `old` says.
    Rotate {
        role: KeyRole,
        /// For a signing subkey, its signing role (`None`: the default);
        /// only that role's subkey is replaced, and only its cards.
        signing_role: Option<String>,
        old: OldSubkey,
        /// Why, in the operator's words: goes into the old subkey's
        /// revocation and the transcript.
        reason: Option<String>,
    },
    /// The subkey `fingerprint` revoked for `reason`, no replacement.
    Revoke {
        fingerprint: String,
        reason: RevokeReason,
    },
    /// A card is lost: the loss recorded, and either the subkeys kept (the
    /// card is PIN- and touch-protected) or every subkey it held rotated.
    LostCard { serial: String, rotate: bool },
}

pub struct SubkeyRequest {
    pub backup: PathBuf,
    pub shares: Vec<Share>,
    pub change: Change,
    /// The PINs to give the cards that take new subkeys (the ceremony's PIN
    /// file, so the card holders keep theirs); without them, new PINs as in
    /// a genesis.
    pub card_pins: Option<CardPins>,
}

/// What a subkey ceremony produced; public facts only.
#[derive(Debug, Serialize)]
pub struct SubkeyReport {
    #[serde(flatten)]
    pub written: super::Written,
    pub previous: Previous,
    /// New subkeys' fingerprints.
    pub added: Vec<String>,
    /// Subkeys revoked, with the reason.
    pub revoked: Vec<(String, RevokeReason)>,
    /// Subkeys left valid until a transition date (seconds since the epoch).
    pub ending: Vec<(String, u64)>,
    pub keys: Vec<KeyInfo>,
    /// The plan's cards, given the new subkeys (none when nothing was added).
    pub cards: Vec<CardOutcome>,
}

impl super::Outcome for SubkeyReport {
    fn heading(&self) -> &'static str {
        "Subkeys changed"
    }
    fn written(&self) -> &super::Written {
        &self.written
    }
    fn lines(&self) -> Vec<String> {
        let mut l: Vec<String> = self
            .added
            .iter()
            .map(|f| format!("  added     {f}"))
            .collect();
        l.extend(
            self.revoked
                .iter()
                .map(|(f, why)| format!("  revoked   {f} ({why:?})")),
        );
        l.extend(self.ending.iter().map(|(f, t)| {
            format!(
                "  ends      {f} at {}",
                humantime::format_rfc3339_seconds(
                    std::time::UNIX_EPOCH + std::time::Duration::from_secs(*t)
                )
            )
        }));
        l.extend(self.keys.iter().map(super::key_line));
        l.extend(self.written.lines());
        l.extend(self.cards.iter().map(CardOutcome::line));
        let provisioned = self
            .cards
            .iter()
            .filter(|c| c.provisioned.is_some())
            .count();
        if !self.added.is_empty() && provisioned < self.cards.len().max(1) {
            // A named role's new signing subkey goes onto that role's cards.
            let role = self
                .keys
                .iter()
                .filter(|k| self.added.contains(&k.fingerprint))
                .find_map(|k| k.signing_role.as_deref())
                .map(|r| format!(" --signing-role {r}"))
                .unwrap_or_default();
            l.push(format!(
                "Put the new subkeys on each remaining card: keyceremony card provision{role} --backup {} --pins PINFILE SHARES...",
                self.written.backups.first().map(|b| b.display().to_string()).unwrap_or_default()
            ));
        }
        l
    }
}

pub fn run(
    plan: &Plan,
    req: &SubkeyRequest,
    opts: &RunOptions,
    ui: &mut dyn CeremonyUi,
    clock: &dyn Clock,
    cards: &mut dyn Cards,
) -> Result<SubkeyReport, CeremonyError> {
    let now = clock.now();
    if let Change::Rotate {
        old: OldSubkey::ValidUntil(t),
        ..
    } = req.change
    {
        if t <= now {
            return Err(CeremonyError::Request(
                "the transition date is not in the future: give a later one, or revoke the old subkey at once".into(),
            ));
        }
    }
    let (name, start) = match &req.change {
        Change::Rotate {
            role,
            signing_role,
            reason,
            ..
        } => (
            "subkey-rotate",
            json!({ "role": role, "signing_role": signing_role, "reason": reason }),
        ),
        Change::LostCard { serial, rotate } => (
            "lost-card",
            json!({ "card": serial, "decision": if *rotate { "rotate" } else { "keep" } }),
        ),
        Change::Revoke {
            fingerprint,
            reason,
        } => (
            "subkey-revoke",
            json!({ "subkey": fingerprint, "reason": reason }),
        ),
    };
    let flow = Flow {
        name,
        steps: STEPS,
        start,
    };
    // Which subkeys a lost card held is known before anything is opened.
    let lost_slots = match &req.change {
        Change::LostCard { serial, .. } => lost_card::card_slots(&req.backup, serial)?,
        _ => Vec::new(),
    };
    // A revocation that would leave no signing subkey in force is refused
    // here, before anything is written (it used to fail after the backups).
    let refuse = |o: &super::restore::Opened| -> Result<(), CeremonyError> {
        if let Change::Rotate {
            signing_role: Some(r),
            ..
        } = &req.change
        {
            // A role, once in a bundle, is required on every node that saw
            // it for good: a new one comes from the plan, never a typo.
            let has = openpgp::signing_roles(&o.restored.cert, now);
            if !has.contains(r) && !plan.subkeys.roles.iter().any(|p| p.name == *r) {
                return Err(CeremonyError::Request(format!(
                    "the key has no signing role {r:?} (its roles: {}) and the plan names none: a role added to the key is required by every node that installs its bundles, for good. Check the name; to add the role, name it in the plan's [[subkeys.role]] first",
                    std::iter::once(openpgp::DEFAULT_ROLE)
                        .chain(has.iter().map(String::as_str))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
        let Change::Revoke {
            fingerprint,
            reason,
        } = &req.change
        else {
            return Ok(());
        };
        let key = &o.restored.cert;
        let cert = openpgp::revoke_subkey(key, fingerprint, *reason, "", now)?;
        let role = openpgp::role_of_subkey(key, fingerprint).flatten();
        let was_signing = openpgp::live_subkeys(key, KeyRole::Signing, now)
            .iter()
            .any(|f| f.eq_ignore_ascii_case(fingerprint.trim()));
        if was_signing && openpgp::live_signing_subkeys(&cert, role.as_deref(), now).is_empty() {
            let why = match &role {
                None => "every bundle and MANIFEST is signed by one".to_owned(),
                Some(r) => format!(
                    "verifiers that saw the {r} role refuse a bundle without it (two-person signing)"
                ),
            };
            let flag = role
                .as_deref()
                .map(|r| format!(" --signing-role {r}"))
                .unwrap_or_default();
            return Err(CeremonyError::Request(format!(
                "revoking {} leaves the key without a signing subkey in force for the {} role, and {why}: rotate it instead (`keyceremony subkey rotate{flag} --reason ...`), which adds a new one and revokes this one",
                fingerprint.to_uppercase(),
                openpgp::role_name(role.as_deref())
            )));
        }
        Ok(())
    };
    let (session, opened) = open_existing_checked(
        flow,
        plan,
        &req.backup,
        &req.shares,
        opts,
        ui,
        clock,
        &refuse,
    )?;
    let key = &opened.restored.cert;
    session.run(|s| {
        s.step(3, "Changing the subkeys, signed by the primary");
        // New self-signatures must be newer than the ones they replace, to
        // the second (a change right after a genesis would tie with it).
        openpgp::settle_after_latest_self_signature(key)?;
        let now = s.now();
        let (mut added, mut revoked, mut ending) = (Vec::new(), Vec::new(), Vec::new());
        // The card roles whose subkeys changed (`None` inside: the default
        // role); an encryption or authentication subkey is on every card.
        let mut card_roles: Vec<Option<String>> = Vec::new();
        let mut every_card = false;
        let mut rotate = |cert: Cert,
                          role: KeyRole,
                          signing_role: Option<&str>,
                          old: OldSubkey,
                          why: &str,
                          s: &mut Session<'_>|
         -> Result<Cert, CeremonyError> {
            let current = if role == KeyRole::Signing {
                card_roles.push(signing_role.map(str::to_owned));
                openpgp::live_signing_subkeys(&cert, signing_role, now)
            } else {
                every_card = true;
                openpgp::live_subkeys(&cert, role, now)
            };
            let until = now + plan.subkeys.expiry.duration();
            let (mut cert, new) = openpgp::add_subkey(&cert, role, signing_role, until, now)?;
            match signing_role {
                Some(r) if role == KeyRole::Signing => s.event(Event::Note(format!(
                    "new signing subkey {new} of the {r} role"
                ))),
                _ => s.event(Event::Note(format!("new {role:?} subkey {new}"))),
            }
            added.push(new.clone());
            for fpr in current {
                cert = match old {
                    OldSubkey::Revoke => {
                        let message = format!("superseded by {new}{why}");
                        revoked.push((fpr.clone(), RevokeReason::Superseded));
                        openpgp::revoke_subkey(
                            &cert,
                            &fpr,
                            RevokeReason::Superseded,
                            &message,
                            now,
                        )?
                    }
                    OldSubkey::ValidUntil(t) => {
                        ending.push((fpr.clone(), secs(t)));
                        openpgp::end_subkey(&cert, &fpr, t, now)?
                    }
                };
            }
            Ok(cert)
        };
        let changed = match &req.change {
            Change::Rotate {
                role,
                signing_role,
                old,
                reason,
            } => {
                let why = reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default();
                rotate(key.clone(), *role, signing_role.as_deref(), *old, &why, s)?
            }
            Change::LostCard {
                serial,
                rotate: false,
            } => {
                lost_card::record(s, serial, false, &lost_slots)?;
                key.clone()
            }
            Change::LostCard {
                serial,
                rotate: true,
            } => {
                lost_card::record(s, serial, true, &lost_slots)?;
                let why = format!(" (card {serial} lost)");
                let mut cert = key.clone();
                // A card holds one signing role: only that role's subkey
                // (and a shared encryption or authentication subkey it held)
                // is replaced; the other roles' cards keep working.
                for (role, fpr) in &lost_slots {
                    let signing_role = openpgp::role_of_subkey(key, fpr).flatten();
                    cert = rotate(
                        cert,
                        *role,
                        signing_role.as_deref(),
                        OldSubkey::Revoke,
                        &why,
                        s,
                    )?;
                }
                cert
            }
            Change::Revoke {
                fingerprint,
                reason,
            } => {
                let cert = openpgp::revoke_subkey(key, fingerprint, *reason, "", now)?;
                revoked.push((fingerprint.to_uppercase(), *reason));
                cert
            }
        };
        for (fpr, reason) in &revoked {
            s.event(Event::Note(format!("subkey {fpr} revoked ({reason:?})")));
        }
        for (fpr, t) in &ending {
            s.event(Event::Note(format!(
                "subkey {fpr} stays valid until {}",
                humantime::format_rfc3339_seconds(
                    SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(*t)
                )
            )));
        }
        let keys = openpgp::key_infos(&changed, now);
        s.record(
            EventKind::SubkeysChanged,
            json!({
                "fingerprint": opened.restored.fingerprint,
                "added": added,
                "revoked": revoked,
                "valid_until": ending,
                "keys": keys,
            }),
        )?;
        let files = s.write_key(4, &changed, &opened, &req.shares)?;
        s.step(
            6,
            "Cards: the new subkeys onto each card, each proven by a signature",
        );
        let cards = if added.is_empty() {
            s.event(Event::Note(
                "no new subkeys: the cards need no change".into(),
            ));
            Vec::new()
        } else {
            let only = (!every_card).then_some(card_roles.as_slice());
            provision_cards(s, plan, &changed, cards, req.card_pins.as_ref(), true, only)?
        };
        s.export_and_close(7, &changed, &files, json!({ "added": added }), &mut [])?;
        Ok(SubkeyReport {
            written: s.written(&opened.restored.fingerprint.clone()),
            previous: opened.previous.clone(),
            added,
            revoked,
            ending,
            keys,
            cards,
        })
    })
}

fn secs(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
