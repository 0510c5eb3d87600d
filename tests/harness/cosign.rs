//! The cosign key's peers: sigstore's own Rust implementation
//! (tests/cosign-peer), openssl, and gpg checking the statement that binds
//! cosign.pub to the OpenPGP key; shared by the file, PKCS#11 and PIV tiers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use super::*;

pub fn peer_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| harness_bin("cosign-peer"))
}

pub fn peer(args: &[&Path]) -> Output {
    Command::new(peer_bin()).args(args).output().unwrap()
}

/// A payload to sign, `dir/NAME.json`, and its SHA-256 as openssl writes
/// it (`dir/NAME.sha256`), which a token signs.
pub fn payload(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let data = dir.join(format!("{name}.json"));
    std::fs::write(&data, b"{\"critical\":{\"image\":{}}}").unwrap();
    let digest = dir.join(format!("{name}.sha256"));
    let o = tool("openssl")
        .args(["dgst", "-sha256", "-binary", "-out"])
        .arg(&digest)
        .arg(&data)
        .output()
        .unwrap();
    assert_exit(&o, 0);
    (data, digest)
}

pub fn openssl_verifies(public: &Path, data: &Path, sig: &Path) -> bool {
    let o = tool("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(public)
        .arg("-signature")
        .arg(sig)
        .arg(data)
        .output()
        .unwrap();
    o.status.success() && stdout(&o).contains("Verified OK")
}

/// The export's statement binding cosign.pub, as gpg checks it with the cert.
pub fn gpg_checks_the_binding(export: &Path) {
    let gpg = Gpg::new();
    gpg.ok(&["--import", export.join("cert.asc").to_str().unwrap()]);
    let o = gpg.run(&[
        "--verify",
        export.join("cosign.json.subkey.asc").to_str().unwrap(),
        export.join("cosign.json").to_str().unwrap(),
    ]);
    assert_exit(&o, 0);
    assert!(stderr(&o).contains("Good signature"), "{}", stderr(&o));
}

pub fn statement(export: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(export.join("cosign.json")).unwrap()).unwrap()
}

/// The newest ceremony directory on a medium (audit records beside them,
/// `cosign-audit-*`, are not ceremonies).
pub fn newest(medium: &Path) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(medium)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("ceremony-"))
        })
        .collect();
    dirs.sort();
    dirs.pop().unwrap()
}
