//! New custodians: a new passphrase and a new share set for the same key.
//!
//! Splitting the same passphrase again would leave the old shares working:
//! anyone holding k old shares could still open every backup. So a reshare
//! makes a new passphrase, re-encrypts the key to it in a new ceremony
//! directory on every backup medium, writes the new shares to the new
//! custodians' media, and proves with the shares read back that every new
//! backup opens, and that the old shares open none of them. The old set is
//! declared retired in the transcript, with the backup directories that
//! still open with it: those are to be destroyed (the old shares keep
//! opening them for as long as they exist).
//!
//! Same order as every ceremony on an existing key: the backup is proven and
//! opened with the old shares before anything is written; the custodians'
//! media are checked before that.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::json;

use super::layout::BackupFiles;
use super::restore::{self, Previous};
use super::session::{open_existing, Flow, RunOptions};
use super::sharing::{new_passphrase, rehearse, share_media, write_shares, SharesReport};
use super::{CeremonyError, CeremonyUi, Clock, Event};
use crate::plan::Plan;
use crate::shares::{self, Share};
use crate::transcript::EventKind;

const STEPS: usize = 7;

pub struct ReshareRequest {
    pub backup: PathBuf,
    /// k shares of the set being retired.
    pub shares: Vec<Share>,
}

/// What a reshare produced; public facts only.
#[derive(Debug, Serialize)]
pub struct ReshareReport {
    #[serde(flatten)]
    pub written: super::Written,
    pub previous: Previous,
    /// The share set retired.
    pub retired_set: String,
    pub shares: SharesReport,
    /// Backup directories that the retired shares still open: destroy them.
    pub to_destroy: Vec<PathBuf>,
    pub passphrase_delivered_to: Option<String>,
}

impl super::Outcome for ReshareReport {
    fn heading(&self) -> &'static str {
        "Reshare complete"
    }
    fn written(&self) -> &super::Written {
        &self.written
    }
    fn lines(&self) -> Vec<String> {
        let mut l = self.written.lines();
        l.extend(self.shares.lines());
        l.push(format!(
            "Retired:    share set {}; its shares open none of the new backups",
            self.retired_set
        ));
        if self.to_destroy.is_empty() {
            l.push("No backup on the plan's media still opens with the retired shares.".into());
        } else {
            l.push("Destroy these backups: the retired shares still open them".into());
            l.extend(
                self.to_destroy
                    .iter()
                    .map(|d| format!("  destroy   {}", d.display())),
            );
        }
        if let Some(to) = &self.passphrase_delivered_to {
            l.push(format!("Passphrase: also delivered whole to {to}"));
        }
        l
    }
}

pub fn run(
    plan: &Plan,
    req: &ReshareRequest,
    opts: &RunOptions,
    ui: &mut dyn CeremonyUi,
    clock: &dyn Clock,
) -> Result<ReshareReport, CeremonyError> {
    plan.validate_on_key()?;
    let media = share_media(plan)?;
    let flow = Flow {
        name: "reshare",
        steps: STEPS,
        start: json!({}),
    };
    let (session, opened) = open_existing(flow, plan, &req.backup, &req.shares, opts, ui, clock)?;
    let key = &opened.restored.cert;
    let fpr = opened.restored.fingerprint.clone();
    let retired = opened.set_info.set_id.clone();
    session.run(|s| {
        s.open_backups()?;
        let mut share_bundles = s.open_bundles(&media)?;

        s.step(3, "A new passphrase and share set");
        let (passphrase, delivered_to) = new_passphrase(s, plan)?;
        let set = shares::split(
            passphrase.entropy(),
            plan.shares.threshold,
            plan.shares.count,
        )?;

        s.step(
            4,
            "Writing the backup media, the key under the new passphrase",
        );
        let files = BackupFiles::new(
            key,
            &passphrase,
            opened.revocation.clone(),
            &set.info,
            opened.restored.cosign.as_ref(),
        )?;
        drop(passphrase);
        s.write_backups(&files.files())?;

        s.step(5, "Writing the new shares");
        let share_files = write_shares(s, plan, &set, &fpr, &mut share_bundles)?;

        s.step(
            6,
            "Rehearsal: the new shares open every new backup, the old ones none",
        );
        let used = rehearse(s, plan, &set, &share_bundles, &fpr)?;
        for dir in s.backup_dirs() {
            if restore::unlock(&dir, &req.shares, restore::Proof::BeforeManifest).is_ok() {
                return Err(CeremonyError::BackupCheck {
                    medium: dir,
                    reason: "the retired shares open it".into(),
                });
            }
        }
        s.event(Event::Verified(format!(
            "the retired shares (set {retired}) open none of the new backups"
        )));
        let mine = s.backup_dirs();
        let to_destroy = still_opened_by(&retired, plan, &req.backup, &mine);
        s.record(
            EventKind::SharesRetired,
            json!({
                "retired_set": retired,
                "new_set": set.info.set_id,
                "opens_new_backups": false,
                "to_destroy": to_destroy,
            }),
        )?;
        for d in &to_destroy {
            s.event(Event::Warning(format!(
                "{} still opens with the retired shares: destroy it",
                d.display()
            )));
        }

        s.export_and_close(
            7,
            key,
            &files,
            json!({ "retired_set": retired, "new_set": set.info.set_id }),
            &mut share_bundles,
        )?;
        Ok(ReshareReport {
            written: s.written(&fpr.clone()),
            previous: opened.previous.clone(),
            retired_set: retired.clone(),
            shares: SharesReport::new(&set, share_files, used),
            to_destroy,
            passphrase_delivered_to: delivered_to,
        })
    })
}

/// The ceremony directories on the plan's backup media (and the one opened)
/// whose share set is `set_id`, except `mine`.
fn still_opened_by(set_id: &str, plan: &Plan, opened: &Path, mine: &[PathBuf]) -> Vec<PathBuf> {
    // One spelling per directory, so that the one opened is not listed twice.
    let real = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned());
    let mine: Vec<PathBuf> = mine.iter().map(|d| real(d)).collect();
    let mut dirs: Vec<PathBuf> = plan
        .media
        .backup
        .iter()
        .filter_map(|root| std::fs::read_dir(root).ok())
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .chain(std::iter::once(opened.to_owned()))
        .map(|d| real(&d))
        .filter(|d| d.is_dir() && !mine.contains(d))
        .filter(|d| restore::read_set_info(d).is_ok_and(|i| i.set_id == set_id))
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}
