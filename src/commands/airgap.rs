//! `keyceremony airgap-check`.

use std::path::Path;

use super::{Exit, Failure};
use crate::airgap::{self, Severity};
use crate::cli::OutputFormat;
use crate::harden::Hardening;

pub fn check(root: &Path, format: OutputFormat, hardening: &Hardening) -> Result<(), Failure> {
    let report = airgap::check(root, std::time::SystemTime::now());
    match format {
        OutputFormat::Json => {
            let doc = serde_json::json!({
                "worst": report.worst(),
                "findings": report.findings,
                "hardening": hardening,
            });
            outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        OutputFormat::Human => {
            for f in &report.findings {
                let tag = match f.severity {
                    Severity::Critical => "CRITICAL",
                    Severity::Warning => "warning ",
                    Severity::Info => "ok      ",
                };
                outln!("{tag} {:<12} {}", f.check, f.message);
            }
            for h in hardening.failures() {
                outln!("warning  {:<12} {h}", "process");
            }
        }
    }
    if report.worst() == Severity::Critical {
        return Err(Failure::new(
            Exit::AirGap,
            "this machine is not air-gapped: fix the CRITICAL findings before a ceremony",
        ));
    }
    Ok(())
}
