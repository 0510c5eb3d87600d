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
use crate::cosign::pkcs11_uri::KeyUri;
use crate::cosign::revocation::RevokeReason;
use crate::plan::CosignSpec;
use crate::plan::Plan;
use crate::shares::Share;
use crate::tokens::pkcs11::Module;
use crate::transcript::EventKind;

const STEPS: usize = 7;

/// What the operator brings to a cosign revocation, besides the plan.
pub struct CosignRevokeRequest {
    pub backup: PathBuf,
    pub shares: Vec<Share>,
    pub reason: RevokeReason,
    /// Destroy the key in the HSM the plan's `[cosign]` names (pkcs11
    /// tier: its module, token and PIN), where the bound key lives.
    pub destroy_in_token: bool,
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
    /// The token whose copy this ceremony destroyed, if it was asked to.
    pub destroyed_in: Option<String>,
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
                "The previous cosign key {p} (in its rotation's transition) is revoked as well"
            ));
        }
        if let Some(uri) = &self.destroyed_in {
            l.push(format!("Destroyed in the HSM: {uri}"));
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
    // The HSM to destroy the key in is ready before anything is written:
    // its module loads and its PIN opens it (never on its last try).
    let hsm = if req.destroy_in_token {
        let CosignSpec::Pkcs11(h) = &plan.cosign else {
            return Err(CeremonyError::Request(
                "--destroy-in-token needs the plan's [cosign] to name the HSM the key is in: tier = \"pkcs11\", its module, token and pin_from".into(),
            ));
        };
        let from = h.pin_from.as_deref().ok_or_else(|| {
            CeremonyError::Request(
                "--destroy-in-token: the plan's cosign.pin_from says where the token's user PIN is read from".into(),
            )
        })?;
        let pin = super::cosign::read_pin(from)?;
        let module = Module::load(&h.module)?;
        module.check_login(&h.token, &pin)?;
        Some((module, pin, h.token.clone()))
    } else {
        None
    };
    let flow = Flow {
        name: "cosign-revoke",
        steps: STEPS,
        start: json!({ "reason": req.reason.as_str() }),
    };
    let refuse = |o: &super::restore::Opened| -> Result<(), CeremonyError> {
        if super::cosign::carried_public(&o.carried).is_some() {
            if let Some((_, _, token)) = &hsm {
                let uri = o
                    .carried
                    .iter()
                    .find(|(n, _)| n == crate::cosign::binding::STATEMENT_FILE)
                    .and_then(|(_, b)| Binding::parse(b).ok())
                    .and_then(|b| b.pkcs11_uri);
                let in_token = uri
                    .as_deref()
                    .and_then(KeyUri::parse)
                    .is_some_and(|u| u.token == *token);
                if !in_token {
                    return Err(CeremonyError::Request(format!(
                        "--destroy-in-token: the cosign key is not in token {token:?} (its cosign.json names {}); nothing was written",
                        uri.as_deref().unwrap_or("no token")
                    )));
                }
            }
            return keeps_scopes(plan, &req.backup);
        }
        let last = super::cosign::carried_revocations(&o.carried)
            .ok()
            .flatten()
            .and_then(|l| l.revoked.last().cloned());
        Err(CeremonyError::Request(match last {
            Some(r) => format!(
                "this key has no cosign key to revoke: its last one ({}) was revoked ({}) by {}; nothing was written",
                r.cosign_public_key_sha256,
                r.reason.as_str(),
                r.ceremony_id
            ),
            None => "this key has no cosign key to revoke (its backup carries no cosign.pub): nothing was written".into(),
        }))
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
    let copies = copies(binding.as_ref(), &plan.media.backup, &req.backup);
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
        s.forget_cosign_tokens();
        // A previous key still in its rotation's transition goes too, on
        // the list with the same reason: no cosign key stands after this.
        let revoked = std::iter::once(sha256.clone())
            .chain(previous_key.clone())
            .map(|digest| (digest, req.reason))
            .collect();
        let list = super::cosign::revocation_files(&opened.carried, &key, revoked, s.id(), now)?;
        s.add_carried_files(list);
        // The HSM's copy, if asked: destroyed now, recorded either way
        // (a failure to destroy does not stop the revocation).
        let uri = binding
            .as_ref()
            .and_then(|b| b.pkcs11_uri.as_deref())
            .and_then(KeyUri::parse);
        let (destroyed, destroy_error) = match (&hsm, &uri) {
            (Some((module, pin, _)), Some(uri)) => match module.destroy_key(uri, pin) {
                Ok(n) if n > 0 => (true, None),
                Ok(_) => (
                    false,
                    Some("no such key in the token (destroyed already?)".to_owned()),
                ),
                Err(e) => (false, Some(e.to_string())),
            },
            _ => (false, None),
        };
        if let Some(e) = &destroy_error {
            s.event(super::Event::Warning(format!(
                "the HSM's copy was not destroyed: {e}; destroy it there by hand"
            )));
        }
        s.record(
            EventKind::CosignRevoked,
            json!({
                "public_key_sha256": sha256,
                "reason": req.reason.as_str(),
                "tier": binding.as_ref().map(|b| b.tier.clone()),
                "pkcs11_uri": binding.as_ref().and_then(|b| b.pkcs11_uri.clone()),
                "previous_key_dropped": previous_key,
                "copies": copies,
                "destroyed": destroyed,
                "destroy_error": destroy_error,
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
            copies: if destroyed {
                copies
                    .into_iter()
                    .filter(|c| !c.starts_with("the HSM token's key"))
                    .collect()
            } else {
                copies
            },
            destroyed_in: destroyed
                .then(|| binding.as_ref().and_then(|b| b.pkcs11_uri.clone()))
                .flatten(),
        })
    })
}

/// The plan keeps every docker scope the backup's bundle declared: the
/// cluster policies that refuse the revoked key's images are made for the
/// new bundle's scopes, and a scope dropped now (or misspelt) would leave
/// clusters enforcing the old policy, which still trusts the key.
fn keeps_scopes(plan: &Plan, backup: &std::path::Path) -> Result<(), CeremonyError> {
    let Some(info) = super::restore::bundle_info(backup) else {
        return Ok(());
    };
    let dropped: Vec<&String> = info
        .scopes
        .iter()
        .filter(|s| {
            crate::online::bundle::Scope::parse(s).is_ok_and(|p| p.transport == "docker")
                && !plan.online.scopes.contains(s)
        })
        .collect();
    if dropped.is_empty() {
        return Ok(());
    }
    Err(CeremonyError::Request(format!(
        "the plan's online.scopes lacks {}, which the key's last bundle declared: the policies that refuse the revoked key are made for the plan's scopes, and a scope left out keeps its old policy, which trusts the key. Put every scope of the last bundle in the plan (drop scopes in a later ceremony); nothing was written",
        dropped
            .iter()
            .map(|s| crate::text::quoted(s))
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// Where the revoked key may still be, in words an operator acts on: each
/// earlier backup directory that keeps it (on the plan's backup media and
/// the one opened), and where its tier put it.
fn copies(binding: Option<&Binding>, media: &[PathBuf], opened: &std::path::Path) -> Vec<String> {
    let mut dirs: Vec<PathBuf> = media
        .iter()
        .map(PathBuf::as_path)
        .chain(opened.parent())
        .flat_map(|m| {
            super::restore::ceremony_dirs(m)
                .into_iter()
                .map(move |n| m.join(n))
        })
        .filter(|d| d.join(super::layout::COSIGN_KEY_FILE).is_file())
        .collect();
    dirs.sort();
    dirs.dedup();
    let mut c: Vec<String> = dirs
        .iter()
        .map(|d| {
            format!(
                "{} (an earlier backup keeps it, encrypted under the passphrase: that ceremony directory can go once the new backups are proven, or stay as the key's policy says; the medium holds the new backups too)",
                crate::text::printable(&d.join(super::layout::COSIGN_KEY_FILE).display().to_string())
            )
        })
        .collect();
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
