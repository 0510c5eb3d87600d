//! Air-gap pre-flight: what on this machine could leak a secret, as findings.
//!
//! Every check reads through a root path it is given (`/` in production), so
//! tests hand in fake `/sys` and `/proc` trees and still run the real code.
//! The checks only observe; what to do about a finding is the ceremony's
//! decision (a network interface that is up stops a genesis unless the plan
//! carries an override, which the transcript records).

mod network;
mod platform;

use std::path::Path;
use std::time::SystemTime;

use serde::Serialize;

pub use network::network_findings;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub check: &'static str,
    pub message: String,
}

impl Finding {
    pub(crate) fn new(severity: Severity, check: &'static str, message: impl Into<String>) -> Self {
        Finding {
            severity,
            check,
            message: message.into(),
        }
    }
}

/// All findings, most severe first.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn worst(&self) -> Severity {
        self.findings
            .iter()
            .map(|f| f.severity)
            .max()
            .unwrap_or(Severity::Info)
    }

    /// The critical clock finding (set before this build), if any.
    pub fn clock_wrong(&self) -> Option<&Finding> {
        self.findings
            .iter()
            .find(|f| f.check == "clock" && f.severity == Severity::Critical)
    }

    /// Whether a network interface is up (the finding that stops a ceremony).
    pub fn network_up(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.check == "network" && f.severity == Severity::Critical)
    }
}

/// Test helper: writes a file of a fake /sys or /proc tree.
#[cfg(test)]
pub(crate) fn write_fake(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Runs every check against the tree at `root`, with `now` for the clock check.
pub fn check(root: &Path, now: SystemTime) -> Report {
    let mut findings = Vec::new();
    findings.extend(network::network_findings(root));
    findings.extend(network::rfkill_findings(root));
    findings.extend(network::route_findings(root));
    findings.extend(network::socket_findings(root));
    findings.extend(network::bluetooth_findings(root));
    findings.extend(platform::live_medium_findings(root));
    findings.extend(platform::swap_findings(root));
    findings.extend(platform::core_dump_findings(root));
    findings.push(platform::clock_finding(now));
    findings.extend(platform::entropy_findings(root));
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    Report { findings }
}
