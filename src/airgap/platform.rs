//! Platform: live medium, swap, core dumps, clock, entropy.

use std::path::Path;
use std::time::{Duration, SystemTime};

use super::{Finding, Severity};

/// When this binary was built (SOURCE_DATE_EPOCH for reproducible builds).
pub fn build_time() -> SystemTime {
    let secs: u64 = env!("KEYCEREMONY_BUILD_EPOCH").parse().unwrap_or(0);
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

/// Whether `/` is a read-only live system (squashfs, overlay on one, an ISO).
pub fn live_medium_findings(root: &Path) -> Vec<Finding> {
    let mounts = std::fs::read_to_string(root.join("proc/mounts")).unwrap_or_default();
    let root_fs = mounts
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|f| f.len() >= 3 && f[1] == "/")
        .map(|f| f[2].to_owned())
        .next_back();
    let live_marker = root.join("run/live/medium").exists();
    match root_fs.as_deref() {
        Some("squashfs" | "iso9660" | "overlay" | "tmpfs" | "rootfs") | None if live_marker => vec![Finding::new(
            Severity::Info,
            "live-medium",
            "running from a live medium",
        )],
        Some(fs @ ("squashfs" | "iso9660" | "rootfs" | "tmpfs")) => vec![Finding::new(
            Severity::Info,
            "live-medium",
            format!("the root file system is {fs}: nothing written outside the media persists"),
        )],
        Some(fs) => vec![Finding::new(
            Severity::Warning,
            "live-medium",
            format!("the root file system is {fs}, not a live medium: secrets could persist on this machine's disk; boot the keyceremony live USB"),
        )],
        None => vec![Finding::new(
            Severity::Warning,
            "live-medium",
            "cannot tell what / is mounted from (no /proc/mounts)",
        )],
    }
}

/// Active swap could page secrets to disk.
pub fn swap_findings(root: &Path) -> Vec<Finding> {
    let text = std::fs::read_to_string(root.join("proc/swaps")).unwrap_or_default();
    text.lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .map(|dev| {
            Finding::new(
                Severity::Warning,
                "swap",
                format!(
                    "swap is active on {dev}: secrets could be paged to disk; run `swapoff -a`"
                ),
            )
        })
        .collect()
}

/// Core dumps: the kernel's pattern and this process's limit.
pub fn core_dump_findings(root: &Path) -> Vec<Finding> {
    let mut out = Vec::new();
    let limits = std::fs::read_to_string(root.join("proc/self/limits")).unwrap_or_default();
    let soft = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .and_then(|l| l.split_whitespace().nth(4).map(str::to_owned));
    match soft.as_deref() {
        Some("0") => out.push(Finding::new(
            Severity::Info,
            "core-dumps",
            "core dumps are off for this process",
        )),
        Some(v) => out.push(Finding::new(
            Severity::Warning,
            "core-dumps",
            format!("this process may dump core (limit {v}): a crash could write secrets to disk"),
        )),
        None => {}
    }
    let pattern =
        std::fs::read_to_string(root.join("proc/sys/kernel/core_pattern")).unwrap_or_default();
    if pattern.trim_start().starts_with('|') {
        out.push(Finding::new(
            Severity::Warning,
            "core-dumps",
            format!(
                "core dumps are piped to {}: other processes' crashes may be stored",
                pattern.trim()
            ),
        ));
    }
    out
}

/// The clock must not be earlier than the build: key creation and expiry depend on it.
pub fn clock_finding(now: SystemTime) -> Finding {
    let built = build_time();
    let show = |t| humantime::format_rfc3339_seconds(t).to_string();
    if now < built {
        Finding::new(
            Severity::Critical,
            "clock",
            format!(
                "the clock says {}, earlier than this build ({}): set it (`date -s`) before making keys, whose dates depend on it",
                show(now),
                show(built)
            ),
        )
    } else if now.duration_since(built).unwrap_or_default() > Duration::from_secs(5 * 365 * 86_400)
    {
        Finding::new(
            Severity::Warning,
            "clock",
            format!(
                "the clock says {}, over five years after this build: check it",
                show(now)
            ),
        )
    } else {
        Finding::new(
            Severity::Info,
            "clock",
            format!("the clock says {} (UTC)", show(now)),
        )
    }
}

pub fn entropy_findings(root: &Path) -> Vec<Finding> {
    let Ok(t) = std::fs::read_to_string(root.join("proc/sys/kernel/random/entropy_avail")) else {
        return Vec::new();
    };
    let bits: u32 = t.trim().parse().unwrap_or(0);
    vec![if bits < 128 {
        Finding::new(
            Severity::Warning,
            "entropy",
            format!("the kernel reports {bits} bits of entropy: wait, or type and move the mouse, before making keys"),
        )
    } else {
        Finding::new(
            Severity::Info,
            "entropy",
            format!("the kernel reports {bits} bits of entropy"),
        )
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::airgap::write_fake as write;

    #[test]
    fn live_medium_or_disk() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "proc/mounts", "/dev/sda1 / ext4 rw 0 0\n");
        let f = live_medium_findings(d.path());
        assert_eq!(f[0].severity, Severity::Warning);
        assert!(f[0].message.contains("ext4"));
        write(
            d.path(),
            "proc/mounts",
            "/dev/loop0 /run/live/rootfs squashfs ro 0 0\noverlay / overlay rw 0 0\n",
        );
        std::fs::create_dir_all(d.path().join("run/live/medium")).unwrap();
        assert_eq!(live_medium_findings(d.path())[0].severity, Severity::Info);
    }

    #[test]
    fn swap_and_core_dumps() {
        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            "proc/swaps",
            "Filename Type Size Used Priority\n/dev/sda2 partition 1 0 -2\n",
        );
        let s = swap_findings(d.path());
        assert_eq!(s.len(), 1);
        assert!(s[0].message.contains("/dev/sda2"));
        write(d.path(), "proc/self/limits", "Limit Soft Hard Units\nMax core file size        unlimited            unlimited            bytes\n");
        write(
            d.path(),
            "proc/sys/kernel/core_pattern",
            "|/usr/lib/systemd/systemd-coredump %P\n",
        );
        let c = core_dump_findings(d.path());
        assert_eq!(c.len(), 2);
        assert!(c.iter().all(|f| f.severity == Severity::Warning));
        write(
            d.path(),
            "proc/self/limits",
            "Max core file size        0                    unlimited            bytes\n",
        );
        write(d.path(), "proc/sys/kernel/core_pattern", "core\n");
        let c = core_dump_findings(d.path());
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].severity, Severity::Info);
    }

    #[test]
    fn clock_before_the_build_is_critical() {
        let before = build_time() - Duration::from_secs(86_400);
        assert_eq!(clock_finding(before).severity, Severity::Critical);
        assert_eq!(clock_finding(SystemTime::now()).severity, Severity::Info);
        let far = build_time() + Duration::from_secs(6 * 365 * 86_400);
        assert_eq!(clock_finding(far).severity, Severity::Warning);
    }

    #[test]
    fn low_entropy_is_a_warning() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "proc/sys/kernel/random/entropy_avail", "42\n");
        assert_eq!(entropy_findings(d.path())[0].severity, Severity::Warning);
        write(d.path(), "proc/sys/kernel/random/entropy_avail", "256\n");
        assert_eq!(entropy_findings(d.path())[0].severity, Severity::Info);
    }
}
