//! The test equipment: fresh directories, the real binary, shared
//! ceremonies (`fixture`), and in submodules the real peers and devices:
//! gpg homes (`gpg`), sticks in mount namespaces (`media`), pcscd with
//! virtual OpenPGP cards (`smartcard`) and PIV tokens (`piv`), SoftHSM2
//! (`softhsm`), the cosign peers (`cosign`), ceremonies on an existing key
//! (`ceremonies`) and the online side's (`online`).
//!
//! Every directory lives under cargo's target tmpdir, so tests leave nothing
//! outside the repository. Ceremonies are slow enough (S2K, RSA) that the
//! read-only tests share one ceremony per profile through `fixture`.

#![allow(dead_code)]

pub mod ceremonies;
pub mod cosign;
pub mod gpg;
pub mod media;
pub mod online;
pub mod piv;
pub mod registry;
pub mod smartcard;
pub mod softhsm;

pub use ceremonies::*;
pub use cosign::*;
pub use gpg::*;
pub use media::*;
pub use online::*;
pub use piv::*;
pub use registry::*;
pub use smartcard::*;
pub use softhsm::*;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("kc")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap()
}

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_keyceremony"))
}

pub fn run(args: &[&str]) -> Output {
    bin().args(args).stdin(Stdio::null()).output().unwrap()
}

pub fn run_owned(args: &[String]) -> Output {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&refs)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts that a command exited with `code`, showing its output if not.
pub fn assert_exit(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "exit code\nstdout:\n{}\nstderr:\n{}",
        stdout(o),
        stderr(o)
    );
}

/// Requires an external tool; CI installs them all, so missing is a failure, not a skip.
pub fn tool(name: &str) -> Command {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "{name} is not installed: run .ci/run or apt-get install it"
    );
    Command::new(name)
}

/// Builds the test-equipment crate in `tests/NAME` (its own Cargo package,
/// outside keyceremony's dependency tree) into `target/NAME` and returns its
/// binary `NAME`.
pub fn harness_bin(name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = root.join("target").join(name);
    let o = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--locked", "--manifest-path"])
        .arg(root.join("tests").join(name).join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .unwrap();
    assert!(o.status.success(), "building {name}: {}", stderr(&o));
    target.join("debug").join(name)
}

/// A plan for tests: the example with edits applied as `(from, to)` replacements.
pub fn write_plan(dir: &Path, edits: &[(&str, &str)]) -> PathBuf {
    // Tests read the passphrase whole as well as through the shares.
    // CI machines have a network: every test ceremony is a rehearsal.
    let mut text = keyceremony::plan::EXAMPLE_PLAN
        .replace(
            "# deliver_to = \"passphrase.txt\"",
            "deliver_to = \"passphrase.txt\"",
        )
        .replace("# allow_network = true", "allow_network = true")
        // Test media are directories of one disk.
        .replace("# allow_same_device = true", "allow_same_device = true");
    for (from, to) in edits {
        assert!(text.contains(from), "example plan lacks {from:?}");
        text = text.replace(from, to);
    }
    for sub in ["backup-1", "backup-2", "export", "shares"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    let path = dir.join("plan.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Edits that make the example plan a real ceremony's: no air-gap override,
/// and people and a user ID in place of the example's placeholders (which a
/// genesis refuses outside a rehearsal).
pub fn not_a_rehearsal() -> [(&'static str, &'static str); 4] {
    [
        ("allow_network = true", "allow_network = false"),
        (
            "Example Release Signing <release@example.org>",
            "Acme Release Signing <release@acme.test>",
        ),
        (
            "operator = \"Release Engineer\"",
            "operator = \"Ada Lovelace\"",
        ),
        (
            "[\"First Witness\", \"Second Witness\"]",
            "[\"Grace Hopper\", \"Alan Turing\"]",
        ),
    ]
}

/// The one bundle directory a ceremony made on a medium.
pub fn bundle(medium: &Path) -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir(medium)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(found.len(), 1, "bundles on {}: {found:?}", medium.display());
    found.pop().unwrap()
}

/// A finished genesis whose outputs tests read but never change.
pub struct Ceremony {
    pub dir: PathBuf,
    pub stdout: String,
    pub passphrase: String,
    pub fingerprint: String,
    pub export: PathBuf,
    pub backups: Vec<PathBuf>,
    pub primary_days: u64,
    pub subkey_days: u64,
    pub shares: PathBuf,
}

impl Ceremony {
    pub fn run(
        dir: PathBuf,
        edits: &[(&str, &str)],
        primary_days: u64,
        subkey_days: u64,
    ) -> Ceremony {
        let plan = write_plan(&dir, edits);
        let out = run(&[
            "genesis",
            "--plan",
            plan.to_str().unwrap(),
            "--output-format",
            "json",
        ]);
        assert_exit(&out, 0);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let passphrase = std::fs::read_to_string(dir.join("passphrase.txt"))
            .unwrap()
            .trim()
            .to_owned();
        Ceremony {
            fingerprint: report["fingerprint"].as_str().unwrap().to_owned(),
            export: bundle(&dir.join("export")),
            backups: vec![bundle(&dir.join("backup-1")), bundle(&dir.join("backup-2"))],
            shares: bundle(&dir.join("shares")),
            stdout: stdout(&out),
            dir,
            passphrase,
            primary_days,
            subkey_days,
        }
    }

    pub fn cert(&self) -> PathBuf {
        self.export.join("cert.asc")
    }

    /// The sheet of share `i`.
    pub fn sheet(&self, i: u8) -> PathBuf {
        self.shares.join(format!("share-{i}-of-5.txt"))
    }
}

fn leak_dir() -> PathBuf {
    tempdir().keep()
}

/// Ed25519 with every subkey, primary 2y, subkeys 90d.
pub fn ed25519() -> &'static Ceremony {
    static C: OnceLock<Ceremony> = OnceLock::new();
    C.get_or_init(|| {
        Ceremony::run(
            leak_dir(),
            &[
                (
                    "expiry = \"1y\"\n\n[subkeys]",
                    "expiry = \"2y\"\n\n[subkeys]",
                ),
                ("encryption = false", "encryption = true"),
                ("authentication = false", "authentication = true"),
                (
                    "expiry = \"1y\"\n\n[passphrase]",
                    "expiry = \"90d\"\n\n[passphrase]",
                ),
            ],
            730,
            90,
        )
    })
}

/// RSA 4096 with signing and encryption subkeys, default expiry.
pub fn rsa4096() -> &'static Ceremony {
    static C: OnceLock<Ceremony> = OnceLock::new();
    C.get_or_init(|| {
        Ceremony::run(
            leak_dir(),
            &[
                ("profile = \"ed25519\"", "profile = \"rsa4096\""),
                ("encryption = false", "encryption = true"),
                ("words = 24", "words = 12"),
            ],
            365,
            365,
        )
    })
}

/// The names in a directory, sorted.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every regular file below `dir`, recursively.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
