//! Rotate: a new primary key replaces the old one, and says so verifiably.
//!
//! The old key is proven and opened from its shares first. Then, as in a
//! genesis, a new key with its own passphrase and share set, backups, a
//! rehearsal and cards; and, binding the two: each primary certifies the
//! other's user IDs (a cross-certification carrying the statement's hash),
//! and a rotation statement (crate::online::rotation) signed by both. The online
//! side, pinned to the old fingerprint, follows the statement to the new key
//! (`keyceremony verify`), and keeps trusting the old key's signatures until
//! the transition ends. A revocation of the old primary ("superseded") goes
//! to the new backups, to publish when the transition is over.
//!
//! The ceremony continues the old key's history (its transcript names the
//! old backup's transcript) and starts the new key's: every later ceremony
//! opens the new backups, and carries the rotation files into its bundle.

use std::path::PathBuf;
use std::time::SystemTime;

use serde::Serialize;
use serde_json::json;

use super::cards::{provision_cards, CardOutcome};
use super::layout::{BackupFiles, CERT_FILE};
use super::restore::Previous;
use super::session::{open_existing, Flow, RunOptions};
use super::sharing::{new_passphrase, rehearse, share_media, write_shares, SharesReport};
use super::{Cards, CeremonyError, CeremonyUi, Clock, Event};
use crate::media::sha256_hex;
use crate::online::rotation::{self, Statement};
use crate::openpgp::{self, Certification, KeyInfo, SignWith};
use crate::plan::Plan;
use crate::shares::{self, Share};
use crate::transcript::EventKind;

const STEPS: usize = 10;

pub struct RotateRequest {
    pub backup: PathBuf,
    /// k shares of the old key's set.
    pub shares: Vec<Share>,
    /// Until when the old key's signatures are still trusted.
    pub transition_until: SystemTime,
    pub reason: String,
}

/// What a rotation produced; public facts only.
#[derive(Debug, Serialize)]
pub struct RotateReport {
    #[serde(flatten)]
    pub written: super::Written,
    pub old_fingerprint: String,
    pub previous: Previous,
    pub statement: PathBuf,
    pub transition_until: String,
    pub keys: Vec<KeyInfo>,
    pub shares: SharesReport,
    pub cards: Vec<CardOutcome>,
    pub passphrase_delivered_to: Option<String>,
}

impl super::Outcome for RotateReport {
    fn heading(&self) -> &'static str {
        "Rotation complete"
    }
    fn written(&self) -> &super::Written {
        &self.written
    }
    fn lines(&self) -> Vec<String> {
        let mut l = vec![
            format!("Replaces:   {}", self.old_fingerprint),
            format!(
                "Old key trusted until {} (end of transition)",
                self.transition_until
            ),
            format!("Statement:  {}", self.statement.display()),
        ];
        l.extend(self.keys.iter().map(super::key_line));
        l.extend(self.written.lines());
        l.extend(self.shares.lines());
        l.extend(self.cards.iter().map(CardOutcome::line));
        if let Some(to) = &self.passphrase_delivered_to {
            l.push(format!("Passphrase: also delivered whole to {to}"));
        }
        l.push("Publish the bundle now; publish the old key's revocation (revocation-superseded-OLD.asc on the new backups) when the transition ends.".into());
        l
    }
}

pub fn run(
    plan: &Plan,
    req: &RotateRequest,
    opts: &RunOptions,
    ui: &mut dyn CeremonyUi,
    clock: &dyn Clock,
    cards: &mut dyn Cards,
) -> Result<RotateReport, CeremonyError> {
    plan.validate()?;
    if req.transition_until <= clock.now() {
        return Err(CeremonyError::Request(
            "the end of the transition is not in the future: give a later date or duration".into(),
        ));
    }
    if let Some(c) = crate::text::first_deceptive(&req.reason) {
        return Err(CeremonyError::Request(format!(
            "the rotation's reason holds {c}: it goes into the signed statement people read; type it without"
        )));
    }
    if req.reason.trim().is_empty() {
        return Err(CeremonyError::Request(
            "give the rotation's reason: one line of text (it goes into the signed statement)"
                .into(),
        ));
    }
    let media = share_media(plan)?;
    if !matches!(plan.cosign, crate::plan::CosignSpec::None) {
        // The plan's [cosign] is never ignored without a word.
        ui.event(&super::Event::Warning(
            "the plan's [cosign] section is not used by rotate: the key's cosign key (if it has one) stays, bound by the new primary; `keyceremony cosign rotate` makes a new one".into(),
        ));
    }
    let stamp = |t: SystemTime| humantime::format_rfc3339_seconds(t).to_string();
    let flow = Flow {
        name: "rotate",
        steps: STEPS,
        start: json!({
            "reason": req.reason,
            "transition_until": stamp(req.transition_until),
        }),
    };
    let (session, opened) = open_existing(flow, plan, &req.backup, &req.shares, opts, ui, clock)?;
    let old = &opened.restored.cert;
    let old_fpr = opened.restored.fingerprint.clone();
    session.run(|s| {
        s.open_backups()?;
        let mut share_bundles = s.open_bundles(&media)?;

        s.step(3, "The new key's passphrase");
        let (passphrase, delivered_to) = new_passphrase(s, plan)?;

        s.step(4, "Generating the new primary key and subkeys");
        let now = s.now();
        let new = openpgp::generate(&plan.key_request(), now)?;
        let new_fpr = new.fingerprint();
        let keys = new.key_infos(now);
        s.record(
            EventKind::KeysGenerated,
            json!({ "fingerprint": new_fpr, "keys": keys, "replaces": old_fpr }),
        )?;

        s.step(
            5,
            "Cross-certification and the rotation statement, signed by both keys",
        );
        let n = s.last_statement().map_or(1, |(n, _)| n + 1);
        let statement = Statement {
            kind: rotation::KIND.into(),
            old: old_fpr.clone(),
            new: new_fpr.clone(),
            effective: stamp(now),
            transition_until: stamp(req.transition_until),
            reason: req.reason.clone(),
            previous_statement_sha256: s.last_statement().map(|(_, b)| sha256_hex(b)),
            created: stamp(now),
            cosign_public_key_sha256: super::cosign::carried_public(&opened.carried)
                .map(|p| p.fingerprint()),
        };
        let canonical = statement.canonical();
        let digest = sha256_hex(&canonical);
        let cross = Certification {
            user_ids: Vec::new(),
            level: 3,
            until: None,
            trust: None,
            notations: vec![(rotation::NOTATION.into(), digest.clone())],
        };
        let (new_certified, _) = openpgp::certify(old, new.cert(), &cross, now)?;
        let (old_certified, _) = openpgp::certify(new.cert(), old, &cross, now)?;
        let f = rotation::files(n);
        let rotation_files = vec![
            (f.statement.clone(), canonical.clone()),
            (f.text.clone(), statement.text().into_bytes()),
            (
                f.old_sig.clone(),
                openpgp::sign_detached(old, SignWith::Primary, &canonical, now)?,
            ),
            (
                f.new_sig.clone(),
                openpgp::sign_detached(new.cert(), SignWith::Primary, &canonical, now)?,
            ),
            (
                f.old_subkey_sig.clone(),
                openpgp::sign_detached(old, SignWith::SigningSubkey, &canonical, now)?,
            ),
            (
                f.new_subkey_sig.clone(),
                openpgp::sign_detached(new.cert(), SignWith::SigningSubkey, &canonical, now)?,
            ),
            (f.old_cert.clone(), openpgp::public_armored(&old_certified)?),
            (f.new_cert.clone(), openpgp::public_armored(&new_certified)?),
            (
                f.old_keyring.clone(),
                openpgp::signing_keyring(old, None, now)?,
            ),
        ];
        // Each named role's old keyring too: a two-person scope keeps
        // accepting the old key's signatures, of both roles, until the
        // transition ends.
        let mut rotation_files = rotation_files;
        for role in openpgp::signing_roles(old, now) {
            rotation_files.push((
                rotation::old_role_keyring(n, &role),
                openpgp::signing_keyring(old, Some(&role), now)?,
            ));
        }
        s.record(
            EventKind::RotationStated,
            json!({
                "number": n,
                "old": old_fpr,
                "new": new_fpr,
                "statement_sha256": digest,
                "effective": statement.effective,
                "transition_until": statement.transition_until,
                "reason": statement.reason,
                "previous_statement_sha256": statement.previous_statement_sha256,
            }),
        )?;
        s.event(Event::Verified(format!(
            "rotation statement {n} signed by {old_fpr} and {new_fpr}"
        )));

        s.step(6, "Writing the backup media");
        let set = shares::split(
            passphrase.entropy(),
            plan.shares.threshold,
            plan.shares.count,
        )?;
        let backup = BackupFiles::new(
            &new_certified,
            &passphrase,
            new.revocation_armored()?,
            &set.info,
            opened.restored.cosign.as_ref(),
        )?;
        drop(passphrase);
        s.write_backups(&backup.files())?;
        let old_revocation =
            openpgp::superseded_revocation(old, &format!("superseded by {new_fpr}"), now)?;
        s.add_pending_revocation(rotation::revocation_file(&old_fpr), old_revocation);
        s.add_carried_files(rotation_files);
        // The cosign key stays; the new primary vouches for it now.
        let rebound = super::cosign::rebind(&opened.carried, &new_certified, now)?;
        s.add_carried_files(rebound);
        let rekeyed = super::cosign::rekey_cosign_rotation(&opened.carried, &new_certified, now)?;
        s.add_carried_files(rekeyed);
        let revocations =
            super::cosign::rekey_cosign_revocations(&opened.carried, &new_certified, now)?;
        s.add_carried_files(revocations);

        s.step(7, "Writing the new shares");
        let share_files = write_shares(s, plan, &set, &new_fpr, &mut share_bundles)?;

        s.step(8, "Restore rehearsal: the new shares open every new backup");
        let used = rehearse(s, plan, &set, &share_bundles, &new_fpr)?;

        s.step(
            9,
            "Cards: the new subkeys onto each card, each proven by a signature",
        );
        let card_outcomes = provision_cards(s, plan, &new_certified, cards, None, false, None)?;

        s.step(10, "Writing the export medium, signing the transcript");
        s.seal_backups(&new_certified)?;
        s.export(CERT_FILE, &backup.public)?;
        let complete = json!({
            "fingerprint": new_fpr,
            "replaces": old_fpr,
            "backups": s.backup_dirs(),
            "export": s.export_dir(),
        });
        s.close(&new_certified, complete, &mut share_bundles)?;
        Ok(RotateReport {
            written: s.written(&new_fpr.clone()),
            old_fingerprint: old_fpr.clone(),
            previous: opened.previous.clone(),
            statement: s.export_dir().join(&f.statement),
            transition_until: statement.transition_until.clone(),
            keys,
            shares: SharesReport::new(&set, share_files, used),
            cards: card_outcomes,
            passphrase_delivered_to: delivered_to,
        })
    })
}
