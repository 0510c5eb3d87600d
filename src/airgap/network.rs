//! Network: interfaces, radios, routes, sockets, Bluetooth.

use std::path::Path;

use super::{Finding, Severity};

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

/// Radios that rfkill does not block (soft or hard) could come up at any time.
pub fn rfkill_findings(root: &Path) -> Vec<Finding> {
    let dir = root.join("sys/class/rfkill");
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let read = |p: &Path, f: &str| {
        std::fs::read_to_string(p.join(f))
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    let mut out: Vec<Finding> = rd
        .filter_map(|e| e.ok())
        .map(|e| {
            let p = e.path();
            let (kind, name) = (read(&p, "type"), read(&p, "name"));
            if read(&p, "soft") == "1" || read(&p, "hard") == "1" {
                Finding::new(Severity::Info, "rfkill", format!("radio {name} ({kind}) is blocked"))
            } else {
                Finding::new(
                    Severity::Warning,
                    "rfkill",
                    format!("radio {name} ({kind}) is not blocked: run `rfkill block all`, or remove the hardware"),
                )
            }
        })
        .collect();
    out.sort_by(|a, b| a.message.cmp(&b.message));
    out
}

/// Default routes in /proc/net/route and /proc/net/ipv6_route.
pub fn route_findings(root: &Path) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Ok(t) = std::fs::read_to_string(root.join("proc/net/route")) {
        for l in t.lines().skip(1) {
            let f: Vec<&str> = l.split_whitespace().collect();
            // Iface Destination Gateway Flags ...; flag 0x1 is RTF_UP.
            let up = f
                .get(3)
                .and_then(|x| u32::from_str_radix(x, 16).ok())
                .is_some_and(|x| x & 1 == 1);
            if f.len() > 7 && f[1] == "00000000" && f[7] == "00000000" && up {
                out.push(Finding::new(
                    Severity::Critical,
                    "routes",
                    format!(
                        "an IPv4 default route leaves through {}: the machine can reach a network",
                        f[0]
                    ),
                ));
            }
        }
    }
    if let Ok(t) = std::fs::read_to_string(root.join("proc/net/ipv6_route")) {
        for l in t.lines() {
            let f: Vec<&str> = l.split_whitespace().collect();
            // dest, dest prefix length, ..., device last; lo carries the unreachable default.
            if f.len() >= 10 && f[0].chars().all(|c| c == '0') && f[1] == "00" && f[9] != "lo" {
                out.push(Finding::new(
                    Severity::Critical,
                    "routes",
                    format!(
                        "an IPv6 default route leaves through {}: the machine can reach a network",
                        f[9]
                    ),
                ));
            }
        }
    }
    out
}

fn is_loopback(hex_addr: &str) -> bool {
    match hex_addr.len() {
        // IPv4 in host byte order (little-endian here): 127.x.x.x ends in 7F.
        8 => hex_addr.ends_with("7F"),
        // IPv6 ::1, or an IPv4-mapped loopback.
        32 => {
            hex_addr == "00000000000000000000000001000000"
                || (hex_addr.starts_with("0000000000000000FFFF0000") && hex_addr.ends_with("7F"))
        }
        _ => false,
    }
}

/// TCP sockets listening on or connected to anything but loopback, from /proc/net.
pub fn socket_findings(root: &Path) -> Vec<Finding> {
    let mut listening = 0;
    let mut connected = 0;
    for table in ["tcp", "tcp6"] {
        let Ok(t) = std::fs::read_to_string(root.join("proc/net").join(table)) else {
            continue;
        };
        for l in t.lines().skip(1) {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() < 4 {
                continue;
            }
            let local = f[1].split(':').next().unwrap_or("");
            let remote = f[2].split(':').next().unwrap_or("");
            match f[3] {
                "0A" if !is_loopback(local) => listening += 1,
                "01" if !is_loopback(remote) => connected += 1,
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    if connected > 0 {
        out.push(Finding::new(
            Severity::Critical,
            "sockets",
            format!("{connected} TCP connection(s) to other machines are open"),
        ));
    }
    if listening > 0 {
        out.push(Finding::new(
            Severity::Warning,
            "sockets",
            format!(
                "{listening} TCP socket(s) listen on non-loopback addresses: stop those services"
            ),
        ));
    }
    out
}

/// Any Bluetooth controller is a radio the ceremony does not need.
pub fn bluetooth_findings(root: &Path) -> Vec<Finding> {
    let n = std::fs::read_dir(root.join("sys/class/bluetooth"))
        .map(|rd| rd.count())
        .unwrap_or(0);
    if n == 0 {
        return Vec::new();
    }
    vec![Finding::new(
        Severity::Warning,
        "bluetooth",
        format!("{n} Bluetooth controller(s) present: block them (`rfkill block bluetooth`) or remove them"),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::airgap::write_fake as write;

    #[test]
    fn radios_routes_sockets_and_bluetooth() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        write(r, "sys/class/rfkill/rfkill0/type", "wlan\n");
        write(r, "sys/class/rfkill/rfkill0/name", "phy0\n");
        write(r, "sys/class/rfkill/rfkill0/soft", "0\n");
        write(r, "sys/class/rfkill/rfkill0/hard", "0\n");
        write(r, "sys/class/rfkill/rfkill1/type", "bluetooth\n");
        write(r, "sys/class/rfkill/rfkill1/name", "hci0\n");
        write(r, "sys/class/rfkill/rfkill1/soft", "1\n");
        write(r, "sys/class/rfkill/rfkill1/hard", "0\n");
        let rf = rfkill_findings(r);
        assert_eq!(rf.len(), 2);
        assert_eq!(rf[0].severity, Severity::Info, "{rf:?}");
        assert_eq!(rf[1].severity, Severity::Warning, "{rf:?}");
        assert!(rf[1].message.contains("phy0"));

        write(
            r,
            "proc/net/route",
            "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n\
            eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n\
            eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n",
        );
        write(r, "proc/net/ipv6_route", "00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200 lo\n");
        let routes = route_findings(r);
        assert_eq!(routes.len(), 1, "{routes:?}");
        assert!(routes[0]
            .message
            .contains("IPv4 default route leaves through eth0"));

        write(
            r,
            "proc/net/tcp",
            "  sl  local_address rem_address   st\n\
               0: 00000000:07E8 00000000:0000 0A 0\n\
               1: 0100007F:1F90 00000000:0000 0A 0\n\
               2: 020200C0:A606 507100CB:0050 01 0\n\
               3: 0100007F:A000 0100007F:1F90 01 0\n",
        );
        let s = socket_findings(r);
        assert_eq!(s.len(), 2, "{s:?}");
        assert!(s[0].message.starts_with("1 TCP connection"));
        assert!(s[1].message.starts_with("1 TCP socket(s) listen"));

        std::fs::create_dir_all(r.join("sys/class/bluetooth/hci0")).unwrap();
        assert_eq!(bluetooth_findings(r).len(), 1);
    }

    #[test]
    fn a_quiet_tree_has_no_radio_route_or_socket_findings() {
        let root = tempfile::tempdir().unwrap();
        assert!(rfkill_findings(root.path()).is_empty());
        assert!(route_findings(root.path()).is_empty());
        assert!(socket_findings(root.path()).is_empty());
        assert!(bluetooth_findings(root.path()).is_empty());
    }

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
