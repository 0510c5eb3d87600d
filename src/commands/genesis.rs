//! `keyceremony genesis` and `keyceremony demo`.

use std::path::Path;

use super::batch_ui::BatchUi;
use super::{Exit, Failure};
use crate::ceremony::genesis::{self, RunOptions};
use crate::ceremony::{PcscCards, SystemClock};
use crate::cli::OutputFormat;
use crate::harden::Hardening;
use crate::media::{sha256_hex, write_new_file, FileMode};
use crate::plan::{Plan, EXAMPLE_PLAN};

/// Reads and validates a plan for a batch ceremony; also returns its text,
/// whose hash goes into the transcript.
pub fn load_plan(plan_path: &Path) -> Result<(Plan, String), Failure> {
    let text = crate::media::read_bounded(plan_path, "plan", crate::media::limits::PLAN)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| {
            Failure::new(
                Exit::Plan,
                format!(
                    "cannot read the plan {}: it is missing, not text, or larger than {} bytes",
                    plan_path.display(),
                    crate::media::limits::PLAN
                ),
            )
            .hint("`keyceremony plan init plan.toml` writes an example plan")
        })?;
    let plan = Plan::parse_at(plan_path, &text)?;
    Ok((plan, text))
}

pub fn genesis(
    plan_path: &Path,
    format: OutputFormat,
    airgap_root: Option<std::path::PathBuf>,
    hardening: &Hardening,
) -> Result<(), Failure> {
    let (plan, text) = load_plan(plan_path)?;
    plan.validate_batch()?;
    let opts = RunOptions {
        plan_sha256: Some(sha256_hex(text.as_bytes())),
        system_root: airgap_root,
        hardening: Some(hardening.clone()),
        allow_older_backup: false,
    };
    let report = genesis::run(
        &plan,
        &opts,
        &mut BatchUi::new(
            plan.passphrase.deliver_to.clone(),
            plan.cards.pins_deliver_to.clone(),
        ),
        &SystemClock,
        &mut PcscCards,
    )?;
    super::print_outcome(&report, format);
    super::cards_not_done(
        report.failed_cards(),
        "the keys, backups, shares and export are done",
    )?;
    Ok(())
}

pub fn demo(dir: &Path, hardening: &Hardening) -> Result<(), Failure> {
    let plan_path = dir.join("plan.toml");
    for sub in ["backup-1", "backup-2", "export", "shares"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(|e| {
            Failure::new(
                Exit::Media,
                format!("cannot create {}: {e}", dir.join(sub).display()),
            )
        })?;
    }
    // A demo runs on ordinary, networked machines: it is a rehearsal by definition.
    let plan_text = EXAMPLE_PLAN
        .replace("# allow_network = true", "allow_network = true")
        .replace("# allow_same_device = true", "allow_same_device = true");
    write_new_file(&plan_path, plan_text.as_bytes(), FileMode::Public).map_err(|e| {
        Failure::from(e).hint(format!(
            "{} already holds a demo; give another directory",
            dir.display()
        ))
    })?;
    eprintln!(
        "Demo: the example plan is {}; backups go to backup-1 and backup-2, the export to export, share sheets to shares.",
        plan_path.display()
    );
    genesis(&plan_path, OutputFormat::Human, None, hardening)?;
    // The fingerprint the online side pins, as the bundle states it.
    let fingerprint = std::fs::read_dir(dir.join("export"))
        .ok()
        .and_then(|mut d| d.next())
        .and_then(|e| e.ok())
        .and_then(|e| std::fs::read(e.path().join(crate::online::bundle::BUNDLE_FILE)).ok())
        .and_then(|b| serde_json::from_slice::<crate::online::bundle::BundleInfo>(&b).ok())
        .map(|i| i.key)
        .unwrap_or_else(|| "FINGERPRINT".into());
    eprintln!(
        "\nTry:\n  gpg --import {0}/cert.asc   (a throwaway GNUPGHOME is best)\n  keyceremony transcript verify {0}/transcript.jsonl\n  (cd {0} && sha256sum -c MANIFEST)\n  keyceremony restore --backup {1} {2}/share-1-of-5.txt {2}/share-3-of-5.txt {2}/share-5-of-5.txt\n  keyceremony verify {0} --trust {4}\n  keyceremony renew --plan {3} --backup {1} {2}/share-2-of-5.txt {2}/share-3-of-5.txt {2}/share-4-of-5.txt\nOr, instead of the renew, replace the key and follow it from the same fingerprint:\n  keyceremony rotate --reason 'demo rotation' --plan {3} --backup {1} {2}/share-1-of-5.txt {2}/share-2-of-5.txt {2}/share-4-of-5.txt\n  keyceremony verify \"$(ls -d {0} | tail -n 1)\" --trust {4}",
        dir.join("export").join("ceremony-*").display(),
        dir.join("backup-1").join("ceremony-*").display(),
        dir.join("shares").join("ceremony-*").display(),
        plan_path.display(),
        fingerprint,
    );
    Ok(())
}
