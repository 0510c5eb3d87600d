//! Air-gap findings, read through a root path so that tests can hand in fake trees.
//!
//! This is the first slice: network interfaces other than loopback, as the
//! kernel lists them in `/sys/class/net`. Every finding goes into the transcript.
//! The full pre-flight (rfkill, routes, sockets, swap, core dumps, live medium,
//! clock) builds on this module.

use std::path::Path;

use serde::Serialize;

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

/// Lists network interfaces other than `lo`; an interface that is up is critical.
pub fn network_findings(root: &Path) -> Vec<Finding> {
    let net = root.join("sys/class/net");
    let mut names: Vec<String> = match std::fs::read_dir(&net) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n != "lo")
            .collect(),
        Err(e) => {
            return vec![Finding {
                severity: Severity::Warning,
                check: "network",
                message: format!(
                    "cannot list {}: {e}; the network state is unknown",
                    net.display()
                ),
            }]
        }
    };
    names.sort();
    if names.is_empty() {
        return vec![Finding {
            severity: Severity::Info,
            check: "network",
            message: "no network interface but loopback".into(),
        }];
    }
    names
        .into_iter()
        .map(|name| {
            let state = std::fs::read_to_string(net.join(&name).join("operstate"))
                .map(|s| s.trim().to_owned())
                .unwrap_or_else(|_| "unknown".into());
            let wireless = net.join(&name).join("wireless").exists();
            let kind = if wireless { "wireless interface" } else { "interface" };
            let up = state == "up" || state == "unknown";
            Finding {
                severity: if up { Severity::Critical } else { Severity::Warning },
                check: "network",
                message: format!(
                    "network {kind} {name} is present (state {state}): an air-gapped machine has none; unplug or disable it"
                ),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake(ifaces: &[(&str, &str, bool)]) -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        for (name, state, wireless) in ifaces {
            let d = root.path().join("sys/class/net").join(name);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join("operstate"), format!("{state}\n")).unwrap();
            if *wireless {
                std::fs::create_dir(d.join("wireless")).unwrap();
            }
        }
        root
    }

    #[test]
    fn loopback_only_is_clean() {
        let root = fake(&[("lo", "unknown", false)]);
        let f = network_findings(root.path());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
    }

    #[test]
    fn interfaces_up_are_critical_and_down_are_warnings() {
        let root = fake(&[
            ("lo", "unknown", false),
            ("eth0", "up", false),
            ("wlan0", "down", true),
        ]);
        let f = network_findings(root.path());
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].severity, Severity::Critical);
        assert!(f[0].message.contains("eth0"));
        assert_eq!(f[1].severity, Severity::Warning);
        assert!(f[1].message.contains("wireless interface wlan0"));
    }

    #[test]
    fn the_real_machine_can_be_read() {
        // Not asserted: this machine may or may not have a network. Reported only.
        let f = network_findings(Path::new("/"));
        assert!(!f.is_empty());
        eprintln!("this machine: {f:?}");
    }
}
