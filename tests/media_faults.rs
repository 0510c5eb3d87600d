//! Media that fail: a full stick must leave no partial file and say what to do.
//!
//! A real full medium needs a small file system: the test mounts a tmpfs in a
//! private mount namespace (`unshare -m`), which needs root, as CI is. A USB
//! stick adds slower and less honest failure modes (write caches, EIO on pull)
//! that a tmpfs cannot show; the atomic write handles them the same way.

use crate::harness::*;

#[test]
fn a_full_backup_medium_leaves_no_partial_file() {
    let dir = tempdir();
    let plan = write_plan(dir.path(), &[]);
    let b2 = dir.path().join("backup-2");
    let script = format!(
        "set -e; mount -t tmpfs -o size=8k tmpfs '{b2}'; \
         head -c 8192 /dev/zero > '{b2}/filler' || true; \
         \"$0\" genesis --plan '{plan}'; echo never-reached",
        b2 = b2.display(),
        plan = plan.display()
    );
    let o = tool("unshare")
        .args(["-m", "sh", "-c", &script, env!("CARGO_BIN_EXE_keyceremony")])
        .output()
        .unwrap();
    assert!(
        !stderr(&o).contains("Operation not permitted"),
        "this test needs root (CI runs as root): {}",
        stderr(&o)
    );
    assert_exit(&o, 4);
    let err = stderr(&o);
    assert!(
        err.contains("is full: free space on it or use a larger medium"),
        "{err}"
    );
    // The tmpfs is gone with the namespace; what the first backup and the
    // transcript say is on disk.
    let b1 = bundle(&dir.path().join("backup-1"));
    assert!(b1.join("secret-key.asc").exists());
    let t = std::fs::read_to_string(bundle(&dir.path().join("export")).join("transcript.jsonl"))
        .unwrap();
    let last: serde_json::Value = serde_json::from_str(t.lines().last().unwrap()).unwrap();
    assert_eq!(last["event"], "ceremony.failed");
    assert!(last["data"]["error"].as_str().unwrap().contains("full"));
    assert!(!dir.path().join("export").join("cert.asc").exists());
}

#[test]
fn a_full_medium_inside_the_namespace_holds_no_partial_file() {
    // Same fault, this time looking at the full medium itself before it vanishes.
    let dir = tempdir();
    let plan = write_plan(dir.path(), &[]);
    let b2 = dir.path().join("backup-2");
    let script = format!(
        "mount -t tmpfs -o size=8k tmpfs '{b2}'; head -c 8192 /dev/zero > '{b2}/filler'; \
         \"$0\" genesis --plan '{plan}' >/dev/null 2>&1; echo exit=$?; ls -A '{b2}'/*/",
        b2 = b2.display(),
        plan = plan.display()
    );
    let o = tool("unshare")
        .args(["-m", "sh", "-c", &script, env!("CARGO_BIN_EXE_keyceremony")])
        .output()
        .unwrap();
    let out = stdout(&o);
    assert!(out.starts_with("exit=4\n"), "{out}{}", stderr(&o));
    assert_eq!(
        out.lines().count(),
        1,
        "files left on the full medium: {out}"
    );
}
