//! Cosign rotate: a new cosign key for an existing OpenPGP key (its first,
//! when it had none), in the tier
//! the plan's `[cosign]` names (the same tier or another), bound by the
//! primary, with a signed statement that the old key gives way to it.
//!
//! The runbooks rotate the cosign key yearly and replace it within the hour
//! when it leaks; both are this ceremony. A scheduled rotation keeps the old
//! key's signatures standing until its transition ends (clusters accept both
//! keys until then, so that running images keep running while they are
//! re-signed); a compromised key gets none. Like every ceremony on an
//! existing key, the backup is proven and opened from k shares before
//! anything is written; the new backups keep the new cosign key (if it is
//! backed up at all: a key made inside a token is not) under the same
//! passphrase, and the same shares must open them before the export.

use std::path::PathBuf;
use std::time::SystemTime;

use serde::Serialize;
use serde_json::json;

use super::cosign::{self, Placed};
use super::restore::Previous;
use super::session::{open_existing_checked, Flow, RunOptions};
use super::{CeremonyError, CeremonyUi, Clock};
use crate::cosign::rotation::Reason;
use crate::cosign::CosignPublic;
use crate::plan::{CosignSpec, Plan};
use crate::shares::Share;
use crate::transcript::EventKind;

const STEPS: usize = 7;

/// What the operator brings to a cosign rotation, besides the plan.
pub struct CosignRotateRequest {
    pub backup: PathBuf,
    pub shares: Vec<Share>,
    pub reason: Reason,
    /// Until when the old key's signatures stand, if the operator said
    /// (a scheduled rotation's default is 30 days; never with compromised).
    pub transition_until: Option<SystemTime>,
}

/// What a cosign rotation produced; public facts only.
#[derive(Debug, Serialize)]
pub struct CosignRotateReport {
    #[serde(flatten)]
    pub written: super::Written,
    pub previous: Previous,
    /// None when the key had no cosign key before: this is its first.
    pub old_public_key_sha256: Option<String>,
    pub reason: Reason,
    pub transition_until: Option<String>,
    pub cosign: Placed,
    /// The key had none because its last was revoked.
    pub after_revocation: bool,
}

impl super::Outcome for CosignRotateReport {
    fn heading(&self) -> &'static str {
        "Cosign key rotated"
    }
    fn written(&self) -> &super::Written {
        &self.written
    }
    fn lines(&self) -> Vec<String> {
        let mut l = vec![
            format!(
                "Rotated from: {} (the previous ceremony)",
                self.previous.ceremony_id
            ),
            match &self.old_public_key_sha256 {
                Some(old) => format!("Old cosign key: SHA-256 {old}"),
                None if self.after_revocation => {
                    "The key's last cosign key was revoked: this is its new one".into()
                }
                None => "The key had no cosign key: this is its first".into(),
            },
            self.cosign.line(),
        ];
        if self.old_public_key_sha256.is_some() {
            l.push(match &self.transition_until {
                Some(t) => {
                    format!("The old key's signatures stand until {t} (scheduled rotation)")
                }
                None => "The old key's signatures stand nowhere from this bundle on (compromised)"
                    .into(),
            });
        }
        l.extend(self.written.lines());
        l
    }
}

pub fn run(
    plan: &Plan,
    req: &CosignRotateRequest,
    opts: &RunOptions,
    ui: &mut dyn CeremonyUi,
    clock: &dyn Clock,
) -> Result<CosignRotateReport, CeremonyError> {
    let now = clock.now();
    if matches!(plan.cosign, CosignSpec::None) {
        return Err(CeremonyError::Request(
            "the plan's [cosign] says tier = \"none\": give the tier the new cosign key goes to (file, pkcs11 or piv) and where".into(),
        ));
    }
    if req.reason == Reason::Compromised && req.transition_until.is_some() {
        return Err(CeremonyError::Request(
            "--transition is for a scheduled rotation: a compromised key's signatures stand nowhere from this bundle on; leave it out".into(),
        ));
    }
    let stamp = |t: SystemTime| humantime::format_rfc3339_seconds(t).to_string();
    // With a key to replace, a scheduled rotation has a transition: 30 days
    // unless the operator said, in the future and within a year.
    let transition_for = |has_old: bool| -> Result<Option<SystemTime>, CeremonyError> {
        if !has_old || req.reason == Reason::Compromised {
            return Ok(None);
        }
        let until = req
            .transition_until
            .unwrap_or(now + std::time::Duration::from_secs(30 * 86_400));
        let year = now + std::time::Duration::from_secs(366 * 86_400);
        if until <= now || until > year {
            return Err(CeremonyError::Request(format!(
                "the transition would end {}, {}: give --transition as a duration (30d) or a date within the coming year",
                stamp(until),
                if until <= now { "which is not in the future" } else { "more than a year ahead" }
            )));
        }
        Ok(Some(until))
    };
    // Where the new key goes is ready before anything is written (a token's
    // PIN read once, its label free; a key file's directory there).
    let token_pin = cosign::check(plan, ui)?;
    let flow = Flow {
        name: "cosign-rotate",
        steps: STEPS,
        start: json!({ "reason": req.reason.as_str() }),
    };
    // Refused before anything is written: a transition out of range, and a
    // scheduled rotation while the last one's transition lasts (it would
    // drop the key that statement still vouches for).
    let refuse = |o: &super::restore::Opened| -> Result<(), CeremonyError> {
        transition_for(cosign::carried_public(&o.carried).is_some())?;
        let lasting = o
            .carried
            .iter()
            .find(|(n, _)| n == crate::cosign::rotation::STATEMENT_FILE)
            .and_then(|(_, b)| crate::cosign::rotation::CosignRotation::parse(b).ok())
            .filter(|st| st.in_transition(now));
        match lasting {
            Some(st) if req.reason == Reason::Scheduled => Err(CeremonyError::Request(format!(
                "the last cosign rotation's transition lasts until {}: clusters still accept the key it replaced, and a scheduled rotation now would drop that key early. Rotate after that date, or now with --reason compromised if a key leaked",
                st.transition_until
            ))),
            _ => Ok(()),
        }
    };
    let (session, mut opened) = open_existing_checked(
        flow,
        plan,
        &req.backup,
        &req.shares,
        opts,
        ui,
        clock,
        &refuse,
    )?;
    // A key without a cosign key gets its first: bound, with nothing to replace.
    let old = cosign::carried_public(&opened.carried);
    let after_revocation = old.is_none() && cosign::carried_revocations(&opened.carried)?.is_some();
    let transition = transition_for(old.is_some())?;
    let key = opened.restored.cert.clone();
    let fpr = opened.restored.fingerprint.clone();
    session.run(|s| {
        s.step(3, "A new cosign key");
        // The new backups keep the new key (when it is kept outside a
        // device at all), never the old one.
        opened.restored.cosign = cosign::make(plan)?;
        let files = s.write_key(4, &key, &opened, &req.shares)?;

        s.step(
            6,
            "The new cosign key where the plan puts it, bound and the old one replaced",
        );
        let placed = cosign::place(s, plan, opened.restored.cosign.as_ref(), token_pin.as_ref())?
            .ok_or_else(|| CeremonyError::Bug("no cosign key was placed".into()))?;
        if old.as_ref() == Some(&placed.public) {
            return Err(CeremonyError::Bug(
                "the new cosign key is the old one".into(),
            ));
        }
        let now = s.now();
        s.forget_cosign_tokens();
        // The old key's CA certificate is for the old key: it goes.
        s.drop_carried_files(&[crate::cosign::CERT_FILE]);
        let mut carried = cosign::binding_files(&key, &placed, now)?;
        if let Some(old) = &old {
            carried.extend(cosign::rotation_files(
                &key,
                old,
                &placed.public,
                req.reason,
                transition.unwrap_or(now),
                now,
            )?);
        }
        // A compromised key joins the key's list of revoked cosign keys,
        // which outlives this rotation's statement.
        if let (Some(old), Reason::Compromised) = (&old, req.reason) {
            carried.extend(cosign::revocation_files(
                &opened.carried,
                &key,
                vec![(
                    old.fingerprint(),
                    crate::cosign::revocation::RevokeReason::Compromised,
                )],
                s.id(),
                now,
            )?);
        }
        if transition.is_none() || old.is_none() {
            s.drop_carried_files(&[crate::cosign::rotation::PREVIOUS_PUBLIC_FILE]);
        }
        s.add_carried_files(carried);
        s.record(
            EventKind::CosignRotated,
            json!({
                "old_public_key_sha256": old.as_ref().map(CosignPublic::fingerprint),
                "new_public_key_sha256": placed.public_sha256,
                "reason": req.reason.as_str(),
                "transition_until": transition.map(stamp),
                "tier": placed.tier,
                "key_file": placed.key_file,
                "pkcs11_uri": placed.pkcs11_uri,
            }),
        )?;
        // The backups are sealed before anything is exported.
        s.seal_backups(&key)?;
        if let Some(csr) = &placed.csr {
            s.export(crate::cosign::CSR_FILE, csr.as_bytes())?;
        }
        s.export_and_close(
            7,
            &key,
            &files,
            json!({ "cosign_public_key_sha256": placed.public_sha256 }),
            &mut [],
        )?;
        Ok(CosignRotateReport {
            written: s.written(&fpr),
            previous: opened.previous.clone(),
            old_public_key_sha256: old.as_ref().map(CosignPublic::fingerprint),
            reason: req.reason,
            transition_until: transition.map(stamp),
            cosign: placed,
            after_revocation,
        })
    })
}
