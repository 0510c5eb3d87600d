//! A lost card: its loss recorded in the transcript, and either its subkeys
//! kept (a card is PIN- and touch-protected, and the others hold the same
//! subkeys) or every subkey it held rotated. It runs as a subkey ceremony
//! (`subkey::Change::LostCard`): the same steps, backups and export; this
//! module knows what is particular to it, which subkeys the card held.
//!
//! What a card held is read from the transcripts the backup medium keeps
//! (the card's `card.provisioned`, or an earlier `card.lost` that kept its
//! subkeys), not from the operator's memory: the card itself is gone.

use std::path::Path;

use serde_json::json;

use super::layout::TRANSCRIPT;
use super::session::Session;
use super::{CeremonyError, Event};
use crate::media::{limits, read_bounded};
use crate::openpgp::KeyRole;
use crate::transcript::EventKind;

/// Records the loss of card `serial`, holding `slots`, and what was decided.
pub fn record(
    s: &mut Session<'_>,
    serial: &str,
    rotate: bool,
    slots: &[(KeyRole, String)],
) -> Result<(), CeremonyError> {
    let decision = if rotate { "rotate" } else { "keep" };
    s.record(
        EventKind::CardLost,
        json!({ "serial": serial, "decision": decision, "subkeys": slots }),
    )?;
    if !rotate {
        s.event(Event::Warning(format!(
            "card {serial} is recorded as lost; its subkeys stay in force (its PIN and touch protect them). If it may be in other hands and unlocked, rotate them instead"
        )));
    }
    Ok(())
}

/// The subkeys a card held, by role, as the transcript of the ceremony that
/// provisioned it recorded (`card.provisioned`), read from the backup.
pub fn card_slots(backup: &Path, serial: &str) -> Result<Vec<(KeyRole, String)>, CeremonyError> {
    // This backup's ceremony, then the earlier ones of the medium, newest
    // first: the card may have been provisioned several ceremonies ago, or
    // recorded as lost (and kept) by the one before.
    let mut transcripts = vec![backup.join(TRANSCRIPT)];
    if let (Some(medium), Some(this)) = (backup.parent(), backup.file_name()) {
        let earlier = super::restore::ceremony_dirs(medium);
        transcripts.extend(
            earlier
                .iter()
                .rev()
                .filter(|n| std::ffi::OsStr::new(n.as_str()) < this)
                .map(|n| medium.join(n).join(TRANSCRIPT)),
        );
    }
    let mut known = Vec::new();
    for path in transcripts {
        let Ok(text) = read_bounded(&path, "transcript", limits::TRANSCRIPT) else {
            continue;
        };
        let text = String::from_utf8_lossy(&text);
        for line in text.lines().rev() {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let d = &v["data"];
            let this = d["serial"].as_str().unwrap_or_default();
            match v["event"].as_str() {
                Some("card.provisioned") if this.eq_ignore_ascii_case(serial) => {
                    let slots = [
                        (KeyRole::Signing, &d["signing"]),
                        (KeyRole::Encryption, &d["decryption"]),
                        (KeyRole::Authentication, &d["authentication"]),
                    ];
                    return Ok(slots
                        .into_iter()
                        .filter_map(|(role, f)| f.as_str().map(|f| (role, f.to_owned())))
                        .collect());
                }
                // A loss recorded (and the subkeys kept): what it held then.
                Some("card.lost") if this.eq_ignore_ascii_case(serial) => {
                    if let Ok(slots) =
                        serde_json::from_value::<Vec<(KeyRole, String)>>(d["subkeys"].clone())
                    {
                        if !slots.is_empty() {
                            return Ok(slots);
                        }
                    }
                }
                Some("card.provisioned") => known.push(this.to_owned()),
                _ => {}
            }
        }
    }
    Err(CeremonyError::Request(format!(
        "no card {serial} was provisioned in the ceremony of {} (cards it provisioned: {}); to replace its subkeys anyway, use `keyceremony subkey rotate` for each role",
        backup.display(),
        if known.is_empty() { "none".to_owned() } else { known.join(", ") }
    )))
}
