//! Cosign revoke: the key's cosign key is dropped from every policy at
//! once, with no replacement, and added to the key's signed list of revoked
//! cosign keys (crate::cosign::revocation) that every later bundle carries.
//!
//! The runbooks' emergency: a cosign key leaked and clusters must stop
//! running what it signs within the hour, before anyone has a new key to
//! hand (`cosign rotate --reason compromised` when one is ready). There is
//! no transition, compromised or retired: a verifier installs the bundle and
//! the key is gone from the node's policy.json, from the cluster policies
//! (which then refuse every image of the scopes, rather than let unsigned
//! ones in) and from the installed key files. A previous key still in a
//! rotation's transition goes too: no cosign key stands after a revocation.
//!
//! The new backups no longer keep the key; the old backups still do, and a
//! token that holds it keeps it until someone destroys it there: the
//! transcript records where the copies were, and the report says how.

use std::path::PathBuf;

use serde::Serialize;
use serde_json::json;

use super::restore::Previous;
use super::session::{open_existing_checked, Flow, RunOptions};
use super::{CeremonyError, CeremonyUi, Clock};
use crate::cosign::binding::Binding;
use crate::cosign::revocation::{RevokeReason, Revoked};
use crate::plan::Plan;
use crate::shares::Share;
use crate::transcript::EventKind;

const STEPS: usize = 6;

/// What the operator brings to a cosign revocation, besides the plan.
pub struct CosignRevokeRequest {
    pub backup: PathBuf,
    pub shares: Vec<Share>,
    pub reason: RevokeReason,
}

/// What a cosign revocation produced; public facts only.
#[derive(Debug, Serialize)]
pub struct CosignRevokeReport {
    #[serde(flatten)]
    pub written: super::Written,
    pub previous: Previous,
    pub revoked_public_key_sha256: String,
    pub reason: RevokeReason,
    /// A previous key whose rotation transition the revocation ended.
    pub previous_key_dropped: Option<String>,
    /// Where copies of the key may still be, and how to destroy each.
    pub copies: Vec<String>,
}

impl super::Outcome for CosignRevokeReport {
    fn heading(&self) -> &'static str {
        "Cosign key revoked"
    }
    fn written(&self) -> &super::Written {
        &self.written
    }
    fn lines(&self) -> Vec<String> {
        let mut l = vec![
            format!(
                "Revoked cosign key: SHA-256 {} ({})",
                self.revoked_public_key_sha256,
                self.reason.as_str()
            ),
            "No cosign key is bound now: every policy made from the new bundle drops the key, and the cluster policies refuse every image of the scopes until a new cosign key is made (keyceremony cosign rotate)".into(),
        ];
        if let Some(p) = &self.previous_key_dropped {
            l.push(format!(
                "The previous cosign key {p} (in its rotation's transition) is dropped as well"
            ));
        }
        for c in &self.copies {
            l.push(format!("Copy left to destroy: {c}"));
        }
        l.extend(self.written.lines());
        l
    }
}

pub fn run(
    plan: &Plan,
    req: &CosignRevokeRequest,
    opts: &RunOptions,
    ui: &mut dyn CeremonyUi,
    clock: &dyn Clock,
) -> Result<CosignRevokeReport, CeremonyError> {
    let flow = Flow {
        name: "cosign-revoke",
        steps: STEPS,
        start: json!({ "reason": req.reason.as_str() }),
    };
    let refuse = |o: &super::restore::Opened| -> Result<(), CeremonyError> {
        match super::cosign::carried_public(&o.carried) {
            Some(_) => Ok(()),
            None => Err(CeremonyError::Request(
                "this key has no cosign key to revoke (its backup carries no cosign.pub): nothing was written".into(),
            )),
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
    let revoked = super::cosign::carried_public(&opened.carried)
        .ok_or_else(|| CeremonyError::Bug("no cosign key to revoke".into()))?;
    let binding = opened
        .carried
        .iter()
        .find(|(n, _)| n == crate::cosign::binding::STATEMENT_FILE)
        .and_then(|(_, b)| Binding::parse(b).ok());
    let previous_key = opened
        .carried
        .iter()
        .find(|(n, _)| n == crate::cosign::rotation::PREVIOUS_PUBLIC_FILE)
        .and_then(|(_, pem)| {
            crate::cosign::CosignPublic::from_pem(&String::from_utf8_lossy(pem)).ok()
        })
        .map(|k| k.fingerprint());
    let copies = copies(binding.as_ref(), opened.restored.cosign.is_some());
    let key = opened.restored.cert.clone();
    let fpr = opened.restored.fingerprint.clone();
    let sha256 = revoked.fingerprint();
    session.run(|s| {
        s.step(3, "The cosign key leaves the new backups");
        opened.restored.cosign = None;
        let files = s.write_key(4, &key, &opened, &req.shares)?;

        s.step(6, "The cosign key revoked in the key's signed list");
        let now = s.now();
        let mut dropped: Vec<&str> = crate::cosign::binding::PUBLIC_FILES.to_vec();
        dropped.extend(crate::cosign::rotation::FILES);
        s.drop_carried_files(&dropped);
        let list = super::cosign::revocation_files(
            &opened.carried,
            &key,
            vec![Revoked {
                cosign_public_key_sha256: sha256.clone(),
                reason: req.reason,
                revoked: humantime::format_rfc3339_seconds(now).to_string(),
                ceremony_id: s.id().to_owned(),
            }],
            now,
        )?;
        s.add_carried_files(list);
        s.record(
            EventKind::CosignRevoked,
            json!({
                "public_key_sha256": sha256,
                "reason": req.reason.as_str(),
                "tier": binding.as_ref().map(|b| b.tier.clone()),
                "pkcs11_uri": binding.as_ref().and_then(|b| b.pkcs11_uri.clone()),
                "previous_key_dropped": previous_key,
                "copies": copies,
                "destroyed": false,
            }),
        )?;
        s.seal_backups(&key)?;
        s.export_and_close(
            STEPS,
            &key,
            &files,
            json!({ "cosign_revoked_sha256": sha256 }),
            &mut [],
        )?;
        Ok(CosignRevokeReport {
            written: s.written(&fpr),
            previous: opened.previous.clone(),
            revoked_public_key_sha256: sha256,
            reason: req.reason,
            previous_key_dropped: previous_key,
            copies,
        })
    })
}

/// Where the revoked key may still be, in words an operator acts on.
fn copies(binding: Option<&Binding>, in_backup: bool) -> Vec<String> {
    let mut c = Vec::new();
    if in_backup {
        c.push("the backups of earlier ceremonies keep the key (encrypted): keep or destroy those media as the key's policy says".into());
    }
    match binding.map(|b| (b.tier.as_str(), b.pkcs11_uri.as_deref())) {
        Some(("file", _)) => c.push(
            "cosign.key in every CI secret store it was given to: delete it there, with its password".into(),
        ),
        Some(("pkcs11", Some(uri))) => c.push(format!(
            "the HSM token's key {uri}: delete it there (pkcs11-tool --delete-object --type privkey with its label, or the HSM's own tool)"
        )),
        Some(("piv", _)) => c.push(
            "slot 9c of every YubiKey it was put on: overwrite it (ykman piv keys generate 9c, or reset the PIV application)".into(),
        ),
        _ => {}
    }
    c
}
