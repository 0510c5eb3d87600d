//! `keyceremony demo`: a whole batch genesis on the example plan, every
//! medium a subdirectory of one directory, so that a newcomer sees every
//! artefact of a ceremony (and the commands that check them) in a minute.

use std::path::Path;

use super::genesis::genesis;
use super::{Exit, Failure};
use crate::cli::OutputFormat;
use crate::harden::Hardening;
use crate::media::{write_new_file, FileMode};
use crate::plan::EXAMPLE_PLAN;

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
