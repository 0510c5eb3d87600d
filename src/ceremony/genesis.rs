//! Genesis: a new certify-only primary with its subkeys, backed up and exported.
//!
//! The order is chosen so that a failure never strands a key:
//! every medium is checked before a key exists; the passphrase is handed over
//! before anything is written (a lost passphrase would make every backup
//! useless); each backup is read back and opened with the passphrase before the
//! public cert is exported, so nothing goes online for a key whose backup does
//! not work. The transcript, on the export medium, is written as we go.

use std::path::PathBuf;

use serde::Serialize;
use serde_json::json;

use super::{CeremonyError, CeremonyUi, Clock, Event};
use crate::airgap::{self, Severity};
use crate::media::{self, Bundle, FileMode, Medium, WrittenFile};
use crate::openpgp::{self, GeneratedKey, KeyInfo, KeyRequest, SignWith};
use crate::passphrase::Passphrase;
use crate::plan::Plan;
use crate::transcript::{Transcript, TRANSCRIPT, TRANSCRIPT_SIG};

pub const SECRET_KEY_FILE: &str = "secret-key.asc";
pub const REVOCATION_FILE: &str = "revocation.asc";
pub const CERT_FILE: &str = "cert.asc";
pub const MANIFEST_SIG: &str = "MANIFEST.asc";

const STEPS: usize = 7;

/// What a genesis produced; public facts only.
#[derive(Debug, Serialize)]
pub struct GenesisReport {
    pub ceremony_id: String,
    pub fingerprint: String,
    pub keys: Vec<KeyInfo>,
    pub backups: Vec<PathBuf>,
    pub export: PathBuf,
    pub transcript: PathBuf,
    pub passphrase_delivered_to: String,
}

/// Options that are not part of the plan because they describe this run, not the ceremony.
#[derive(Debug, Default, Clone)]
pub struct RunOptions {
    /// SHA-256 of the plan file as the operator reviewed it, for the transcript.
    pub plan_sha256: Option<String>,
    /// Root for air-gap checks (`/` in production).
    pub system_root: Option<PathBuf>,
}

pub fn run(
    plan: &Plan,
    opts: &RunOptions,
    ui: &mut dyn CeremonyUi,
    clock: &dyn Clock,
) -> Result<GenesisReport, CeremonyError> {
    plan.validate()?;
    let step = |ui: &mut dyn CeremonyUi, number, title| {
        ui.event(&Event::Step {
            number,
            total: STEPS,
            title,
        })
    };

    step(ui, 1, "Pre-flight: media and air gap");
    let backups: Vec<Medium> = plan
        .media
        .backup
        .iter()
        .map(|p| Medium::check(p))
        .collect::<Result<_, _>>()?;
    let export = Medium::check(&plan.media.export)?;
    check_delivery_target(plan)?;
    let root = opts
        .system_root
        .clone()
        .unwrap_or_else(|| PathBuf::from("/"));
    let findings = airgap::network_findings(&root);
    for f in findings.iter().filter(|f| f.severity > Severity::Info) {
        ui.event(&Event::Warning(f.message.clone()));
    }

    let started = clock.now();
    let ceremony_id = ceremony_id(started);
    let mut export_bundle = export.create_bundle(&ceremony_id)?;
    let mut transcript = Transcript::create(&export_bundle.dir().join(TRANSCRIPT))?;
    let result: Result<GenesisReport, CeremonyError> = (|| {
        transcript.append(
            started,
            "ceremony.start",
            json!({
                "flow": "genesis",
                "ceremony_id": ceremony_id,
                "tool": env!("CARGO_PKG_NAME"),
                "version": env!("CARGO_PKG_VERSION"),
                "operator": plan.ceremony.operator,
                "witnesses": plan.ceremony.witnesses,
                "host": hostname(&root),
                "plan_sha256": opts.plan_sha256,
                "plan": plan,
            }),
        )?;
        transcript.append(
            clock.now(),
            "preflight",
            json!({
                "backup_media": plan.media.backup,
                "export_medium": plan.media.export,
                "airgap": findings,
            }),
        )?;
        let mut backup_bundles: Vec<Bundle> = backups
            .iter()
            .map(|m| m.create_bundle(&ceremony_id))
            .collect::<Result<_, _>>()?;

        step(ui, 2, "Passphrase");
        let passphrase = Passphrase::generate(plan.passphrase.words)?;
        let delivered_to = ui.deliver_passphrase(&passphrase)?;
        transcript.append(
            clock.now(),
            "passphrase.delivered",
            json!({ "words": passphrase.word_count(), "to": delivered_to }),
        )?;

        step(ui, 3, "Generating the primary key and subkeys");
        ui.event(&Event::Note(format!(
            "profile {}: this takes {}",
            plan.key.profile,
            match plan.key.profile {
                crate::plan::Profile::Ed25519 => "a moment",
                crate::plan::Profile::Rsa4096 => "several seconds per key",
            }
        )));
        let now = clock.now();
        let key = openpgp::generate(&KeyRequest::from_plan(plan), now)?;
        let keys = key.key_infos(now);
        for k in &keys {
            ui.event(&Event::Note(format!(
                "{:?} key {} ({})",
                k.role, k.fingerprint, k.algorithm
            )));
        }
        transcript.append(
            clock.now(),
            "keys.generated",
            json!({ "fingerprint": key.fingerprint(), "keys": keys }),
        )?;
        let artefacts = Artefacts::new(&key, &passphrase)?;

        step(ui, 4, "Writing the backup media");
        for bundle in &mut backup_bundles {
            for (name, bytes, mode) in artefacts.backup_files() {
                let w = bundle.write(name, bytes, mode)?;
                record_file(ui, &mut transcript, clock, &w)?;
            }
        }

        step(ui, 5, "Opening each backup with the passphrase");
        for bundle in &backup_bundles {
            check_backup(bundle, &passphrase, &key.fingerprint())?;
            let what = format!(
                "backup {} opens to {}",
                bundle.dir().display(),
                key.fingerprint()
            );
            transcript.append(
                clock.now(),
                "backup.verified",
                json!({ "bundle": bundle.dir(), "fingerprint": key.fingerprint() }),
            )?;
            ui.event(&Event::Verified(what));
        }
        drop(passphrase);

        step(ui, 6, "Writing the export medium");
        let w = export_bundle.write(CERT_FILE, &artefacts.public, FileMode::Public)?;
        record_file(ui, &mut transcript, clock, &w)?;

        step(ui, 7, "Signing the transcript and closing every medium");
        transcript.append(
            clock.now(),
            "ceremony.complete",
            json!({
                "fingerprint": key.fingerprint(),
                "backups": backup_bundles.iter().map(|b| b.dir()).collect::<Vec<_>>(),
                "export": export_bundle.dir(),
            }),
        )?;
        let sig = openpgp::sign_detached(
            key.cert(),
            SignWith::Primary,
            transcript.contents(),
            clock.now(),
        )?;
        export_bundle.adopt(TRANSCRIPT)?;
        export_bundle.write(TRANSCRIPT_SIG, &sig, FileMode::Public)?;
        for bundle in &mut backup_bundles {
            bundle.write(TRANSCRIPT, transcript.contents(), FileMode::Public)?;
            bundle.write(TRANSCRIPT_SIG, &sig, FileMode::Public)?;
        }
        for bundle in backup_bundles.iter_mut().chain(Some(&mut export_bundle)) {
            close_bundle(bundle, &key, clock, ui)?;
        }

        Ok(GenesisReport {
            ceremony_id: ceremony_id.clone(),
            fingerprint: key.fingerprint(),
            keys,
            backups: backup_bundles.iter().map(|b| b.dir().to_owned()).collect(),
            export: export_bundle.dir().to_owned(),
            transcript: transcript.path().to_owned(),
            passphrase_delivered_to: delivered_to,
        })
    })();
    if let Err(e) = &result {
        // Best effort: the medium may be what failed. Error texts carry no secrets.
        let _ = transcript.append(
            clock.now(),
            "ceremony.failed",
            json!({ "error": e.to_string() }),
        );
    }
    result
}

/// The bytes that go onto media, made once and written to every medium alike.
struct Artefacts {
    secret: Vec<u8>,
    revocation: Vec<u8>,
    public: Vec<u8>,
}

impl Artefacts {
    fn new(key: &GeneratedKey, passphrase: &Passphrase) -> Result<Artefacts, CeremonyError> {
        Ok(Artefacts {
            secret: key.encrypted_secret_armored(&passphrase.to_password())?,
            revocation: key.revocation_armored()?,
            public: key.public_armored()?,
        })
    }

    fn backup_files(&self) -> [(&'static str, &[u8], FileMode); 3] {
        [
            (SECRET_KEY_FILE, &self.secret, FileMode::Private),
            (REVOCATION_FILE, &self.revocation, FileMode::Private),
            (CERT_FILE, &self.public, FileMode::Public),
        ]
    }
}

fn record_file(
    ui: &mut dyn CeremonyUi,
    transcript: &mut Transcript,
    clock: &dyn Clock,
    w: &WrittenFile,
) -> Result<(), CeremonyError> {
    transcript.append(clock.now(), "file.written", json!(w))?;
    ui.event(&Event::FileWritten {
        path: w.path.clone(),
        sha256: w.sha256.clone(),
    });
    Ok(())
}

/// Reads the secret key back from the medium and opens it, as a restore would.
fn check_backup(
    bundle: &Bundle,
    passphrase: &Passphrase,
    fingerprint: &str,
) -> Result<(), CeremonyError> {
    let fail = |reason: String| CeremonyError::BackupCheck {
        medium: bundle.dir().to_owned(),
        reason,
    };
    let path = bundle.dir().join(SECRET_KEY_FILE);
    let bytes = std::fs::read(&path).map_err(|e| fail(format!("cannot read it back: {e}")))?;
    let cert = openpgp::unlock_secret(&bytes, &passphrase.to_password())
        .map_err(|e| fail(e.to_string()))?;
    if cert.fingerprint().to_hex() != fingerprint {
        return Err(fail(format!(
            "it holds {} instead of {fingerprint}",
            cert.fingerprint()
        )));
    }
    Ok(())
}

fn close_bundle(
    bundle: &mut Bundle,
    key: &GeneratedKey,
    clock: &dyn Clock,
    ui: &mut dyn CeremonyUi,
) -> Result<(), CeremonyError> {
    let (manifest, text) = bundle.write_manifest()?;
    let sig = openpgp::sign_detached(key.cert(), SignWith::SigningSubkey, &text, clock.now())?;
    bundle.write(MANIFEST_SIG, &sig, FileMode::Public)?;
    media::check_manifest(bundle.dir())?;
    ui.event(&Event::Verified(format!(
        "{} lists {} files, all read back",
        manifest.path.display(),
        bundle.files().len() - 2
    )));
    Ok(())
}

fn check_delivery_target(plan: &Plan) -> Result<(), CeremonyError> {
    match plan.passphrase.deliver_to.as_deref() {
        Some(d) if !d.starts_with("fd:") => {
            let p = std::path::Path::new(d);
            if p.symlink_metadata().is_ok() {
                return Err(media::MediaError::Exists { path: p.to_owned() }.into());
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// `ceremony-20261123T072716Z`: sortable, and legal on FAT sticks (no colons).
pub fn ceremony_id(t: std::time::SystemTime) -> String {
    let stamp = humantime::format_rfc3339_seconds(t).to_string();
    format!("ceremony-{}", stamp.replace(['-', ':'], ""))
}

fn hostname(root: &std::path::Path) -> String {
    std::fs::read_to_string(root.join("proc/sys/kernel/hostname"))
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    #[test]
    fn ceremony_ids_have_no_colons() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        assert_eq!(ceremony_id(t), "ceremony-20270115T080000Z");
    }
}
