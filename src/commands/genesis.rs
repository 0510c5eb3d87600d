//! `keyceremony genesis` and `keyceremony demo`.

use std::path::Path;

use super::batch_ui::BatchUi;
use super::{Exit, Failure};
use crate::ceremony::genesis::{self, GenesisReport, RunOptions};
use crate::ceremony::SystemClock;
use crate::cli::OutputFormat;
use crate::media::{sha256_hex, write_new_file, FileMode};
use crate::plan::{Plan, EXAMPLE_PLAN};

pub fn genesis(plan_path: &Path, format: OutputFormat) -> Result<(), Failure> {
    let bytes = std::fs::read(plan_path).map_err(|e| {
        Failure::new(
            Exit::Plan,
            format!("cannot read the plan {}: {e}", plan_path.display()),
        )
        .hint("`keyceremony plan init plan.toml` writes an example plan")
    })?;
    let plan = Plan::load(plan_path)?;
    let deliver_to = plan.passphrase.deliver_to.clone().ok_or_else(|| {
        Failure::new(
            Exit::Plan,
            "batch genesis needs somewhere to hand over the passphrase, and the plan names none",
        )
        .hint("add to [passphrase]: deliver_to = \"fd:3\" (and run with 3>somewhere) or a path")
    })?;
    let opts = RunOptions {
        plan_sha256: Some(sha256_hex(&bytes)),
        system_root: None,
    };
    let report = genesis::run(&plan, &opts, &mut BatchUi::new(deliver_to), &SystemClock)?;
    print_report(&report, format);
    Ok(())
}

pub fn demo(dir: &Path) -> Result<(), Failure> {
    let plan_path = dir.join("plan.toml");
    for sub in ["backup-1", "backup-2", "export"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(|e| {
            Failure::new(
                Exit::Media,
                format!("cannot create {}: {e}", dir.join(sub).display()),
            )
        })?;
    }
    write_new_file(&plan_path, EXAMPLE_PLAN.as_bytes(), FileMode::Public).map_err(|e| {
        Failure::from(e).hint(format!(
            "{} already holds a demo; give another directory",
            dir.display()
        ))
    })?;
    eprintln!(
        "Demo: the example plan is {}; backups go to backup-1 and backup-2, the export to export.",
        plan_path.display()
    );
    genesis(&plan_path, OutputFormat::Human)?;
    eprintln!(
        "\nTry:\n  gpg --import {0}/cert.asc   (a throwaway GNUPGHOME is best)\n  keyceremony transcript verify {0}/transcript.jsonl\n  (cd {0} && sha256sum -c MANIFEST)",
        dir.join("export").join("ceremony-*").display()
    );
    Ok(())
}

fn print_report(r: &GenesisReport, format: OutputFormat) {
    match format {
        OutputFormat::Json => {
            // The report is plain data; serialisation cannot fail.
            println!("{}", serde_json::to_string_pretty(r).unwrap_or_default());
        }
        OutputFormat::Human => {
            println!("Genesis complete: {}", r.ceremony_id);
            println!("Primary fingerprint: {}", r.fingerprint);
            for k in &r.keys {
                println!(
                    "  {:<15} {}  {}",
                    format!("{:?}", k.role),
                    k.fingerprint,
                    k.algorithm
                );
            }
            for b in &r.backups {
                println!("Backup:     {}", b.display());
            }
            println!("Export:     {}", r.export.display());
            println!("Transcript: {}", r.transcript.display());
            println!("Passphrase: delivered to {}", r.passphrase_delivered_to);
        }
    }
}
