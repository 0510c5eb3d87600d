//! Sticks without hardware: tmpfs and loop-mounted file systems in a private
//! mount namespace (`unshare`), so that a test can mount, fill, remount
//! read-only and pull a "stick" without touching the host's mounts.

use std::process::Output;

use super::*;

/// Runs `script` with `sh` in a private mount namespace (root, as CI is), the
/// keyceremony binary as `$0`: sticks are tmpfs mounts there, and the host's
/// mounts are never touched. Exit 99 from the script means a mount failed.
pub fn in_mount_namespace(script: &str) -> Output {
    let o = tool("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", script])
        .arg(env!("CARGO_BIN_EXE_keyceremony"))
        .output()
        .unwrap();
    assert_ne!(
        o.status.code(),
        Some(99),
        "this test needs root to mount in a namespace (CI runs as root): {}",
        stderr(&o)
    );
    o
}
