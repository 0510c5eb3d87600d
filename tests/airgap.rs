//! `keyceremony airgap-check` on fake /sys and /proc trees, on the real machine,
//! and the genesis refusal when a network interface is up.

use std::path::Path;

use crate::harness::*;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A tree that looks like an air-gapped live USB.
fn clean_tree() -> tempfile::TempDir {
    let d = tempdir();
    let r = d.path();
    write(r, "sys/class/net/lo/operstate", "unknown\n");
    write(
        r,
        "proc/mounts",
        "/dev/loop0 /run/live/rootfs squashfs ro 0 0\noverlay / overlay rw 0 0\n",
    );
    std::fs::create_dir_all(r.join("run/live/medium")).unwrap();
    write(r, "proc/swaps", "Filename Type Size Used Priority\n");
    write(
        r,
        "proc/self/limits",
        "Max core file size        0                    0                    bytes\n",
    );
    write(r, "proc/sys/kernel/core_pattern", "core\n");
    write(r, "proc/sys/kernel/random/entropy_avail", "256\n");
    write(
        r,
        "proc/net/route",
        "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n",
    );
    write(r, "proc/net/tcp", "  sl  local_address rem_address   st\n");
    d
}

fn check_json(root: &Path) -> (i32, serde_json::Value) {
    let o = run(&[
        "airgap-check",
        "--output-format",
        "json",
        "--root",
        root.to_str().unwrap(),
    ]);
    (
        o.status.code().unwrap(),
        serde_json::from_slice(&o.stdout).unwrap(),
    )
}

fn messages(v: &serde_json::Value, check: &str) -> Vec<(String, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == check)
        .map(|f| {
            (
                f["severity"].as_str().unwrap().to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_clean_live_system_passes() {
    let t = clean_tree();
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["worst"], "info", "{v:#}");
    assert_eq!(
        messages(&v, "live-medium")[0].1,
        "running from a live medium"
    );
}

#[test]
fn each_finding_is_reported_with_its_severity() {
    let t = clean_tree();
    let r = t.path();
    write(r, "sys/class/net/eth0/operstate", "up\n");
    write(r, "sys/class/net/wlan0/operstate", "down\n");
    std::fs::create_dir_all(r.join("sys/class/net/wlan0/wireless")).unwrap();
    write(r, "sys/class/rfkill/rfkill0/type", "wlan\n");
    write(r, "sys/class/rfkill/rfkill0/name", "phy0\n");
    write(r, "sys/class/rfkill/rfkill0/soft", "0\n");
    write(r, "sys/class/rfkill/rfkill0/hard", "0\n");
    std::fs::create_dir_all(r.join("sys/class/bluetooth/hci0")).unwrap();
    write(r, "proc/net/route", "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\neth0\t00000000\t0102A8C0\t0003\t0\t0\t0\t00000000\n");
    write(
        r,
        "proc/net/tcp",
        "  sl  local_address rem_address   st\n   0: 0202A8C0:A606 507100CB:01BB 01 0\n",
    );
    write(
        r,
        "proc/swaps",
        "Filename Type Size Used Priority\n/dev/sda2 partition 1 0 -2\n",
    );
    write(r, "proc/mounts", "/dev/sda1 / ext4 rw 0 0\n");
    std::fs::remove_dir_all(r.join("run/live")).unwrap();
    write(
        r,
        "proc/self/limits",
        "Max core file size        unlimited            unlimited            bytes\n",
    );
    write(r, "proc/sys/kernel/random/entropy_avail", "20\n");

    let (code, v) = check_json(r);
    assert_eq!(code, 7, "{v:#}");
    let expect = [
        (
            "network",
            "critical",
            "network interface eth0 is present (state up)",
        ),
        (
            "network",
            "warning",
            "network wireless interface wlan0 is present (state down)",
        ),
        ("rfkill", "warning", "radio phy0 (wlan) is not blocked"),
        ("bluetooth", "warning", "1 Bluetooth controller(s) present"),
        (
            "routes",
            "critical",
            "an IPv4 default route leaves through eth0",
        ),
        (
            "sockets",
            "critical",
            "1 TCP connection(s) to other machines are open",
        ),
        ("swap", "warning", "swap is active on /dev/sda2"),
        (
            "live-medium",
            "warning",
            "the root file system is ext4, not a live medium",
        ),
        (
            "core-dumps",
            "warning",
            "this process may dump core (limit unlimited)",
        ),
        (
            "entropy",
            "warning",
            "the kernel reports 20 bits of entropy",
        ),
    ];
    for (check, severity, start) in expect {
        let found = messages(&v, check);
        assert!(
            found
                .iter()
                .any(|(s, m)| s == severity && m.starts_with(start)),
            "{check}: wanted {severity} {start:?}, got {found:?}"
        );
    }
    // Human output says CRITICAL and exits 7 too.
    let o = run(&["airgap-check", "--root", r.to_str().unwrap()]);
    assert_exit(&o, 7);
    assert!(stdout(&o).contains("CRITICAL network"), "{}", stdout(&o));
}

#[test]
fn the_real_machine_is_checked_and_reported() {
    // Not asserted: whether this machine is air-gapped. Only that the check runs
    // on the real /sys and /proc and answers with a consistent exit code.
    let o = run(&["airgap-check", "--output-format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let critical = v["worst"] == "critical";
    assert_eq!(o.status.code(), Some(if critical { 7 } else { 0 }));
    // The process hardened itself before checking: its own core limit is 0.
    assert_eq!(messages(&v, "core-dumps")[0].0, "info", "{v:#}");
    eprintln!("this machine: {v:#}");
}

#[test]
fn genesis_refuses_while_a_network_interface_is_up_and_writes_nothing() {
    let t = clean_tree();
    write(t.path(), "sys/class/net/eth0/operstate", "up\n");
    let dir = tempdir();
    let plan = write_plan(dir.path(), &not_a_rehearsal());
    let root = t.path().to_str().unwrap();
    let o = run(&[
        "genesis",
        "--plan",
        plan.to_str().unwrap(),
        "--airgap-root",
        root,
    ]);
    assert_exit(&o, 7);
    assert!(
        stderr(&o).contains("a network interface is up"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("allow_network"), "{}", stderr(&o));
    for m in ["backup-1", "backup-2", "export", "shares"] {
        assert_eq!(
            std::fs::read_dir(dir.path().join(m)).unwrap().count(),
            0,
            "{m}"
        );
    }
    assert!(!dir.path().join("passphrase.txt").exists());
}

#[test]
fn the_network_override_is_recorded_in_the_transcript() {
    let c = ed25519();
    let text = std::fs::read_to_string(c.export.join("transcript.jsonl")).unwrap();
    let pre: serde_json::Value = serde_json::from_str(text.lines().nth(1).unwrap()).unwrap();
    assert_eq!(pre["event"], "preflight");
    assert_eq!(pre["data"]["allow_network"], true);
    assert!(pre["data"]["airgap"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["check"] == "clock"));
    assert!(
        pre["data"]["hardening"]["core_dumps_off"]
            .get("Ok")
            .is_some(),
        "{:#}",
        pre["data"]["hardening"]
    );
}

#[test]
fn a_clean_tree_lets_genesis_run_without_the_override() {
    let t = clean_tree();
    let dir = tempdir();
    let plan = write_plan(dir.path(), &not_a_rehearsal());
    let o = run(&[
        "genesis",
        "--plan",
        plan.to_str().unwrap(),
        "--airgap-root",
        t.path().to_str().unwrap(),
    ]);
    assert_exit(&o, 0);
}
