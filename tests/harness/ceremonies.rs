//! Ceremonies on an existing key through the real binary, as the tests of
//! every later flow start them: a genesis, then renew, subkey changes.

use std::path::{Path, PathBuf};
use std::process::Output;

use super::*;

/// A fresh genesis of the example plan (2 backups, 3 of 5 shares), in `dir`.
pub fn genesis(dir: &Path, extra: &[(&str, &str)], faketime: Option<&str>) -> PathBuf {
    let plan = write_plan(dir, extra);
    let mut cmd = match faketime {
        Some(t) => {
            let mut c = tool("faketime");
            c.arg(t).arg(env!("CARGO_BIN_EXE_keyceremony"));
            c
        }
        None => bin(),
    };
    let o = cmd
        .args(["genesis", "--plan", plan.to_str().unwrap()])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_exit(&o, 0);
    plan
}

pub fn renew(plan: &Path, backup: &Path, shares: &[PathBuf], extra: &[&str]) -> Output {
    let mut args = vec![
        "renew".to_owned(),
        "--plan".into(),
        plan.display().to_string(),
        "--backup".into(),
        backup.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(shares.iter().map(|p| p.display().to_string()));
    bin().args(&args).stdin(Stdio::null()).output().unwrap()
}

/// The ceremony directories on a medium, oldest first.
pub fn bundles(medium: &Path) -> Vec<PathBuf> {
    let mut b: Vec<PathBuf> = std::fs::read_dir(medium)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    b.sort();
    b
}

pub fn sheets(dir: &Path, which: &[u8]) -> Vec<PathBuf> {
    let shares = bundle(&dir.join("shares"));
    which
        .iter()
        .map(|i| shares.join(format!("share-{i}-of-5.txt")))
        .collect()
}

pub fn subkey(args: &[&str], plan: &Path, backup: &Path, shares: &[PathBuf]) -> Output {
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    all.extend([
        "--plan".into(),
        plan.display().to_string(),
        "--backup".into(),
        backup.display().to_string(),
    ]);
    all.extend(shares.iter().map(|p| p.display().to_string()));
    bin().args(&all).stdin(Stdio::null()).output().unwrap()
}

/// A batch genesis of `plan` through the binary; its JSON report.
pub fn genesis_report(plan: &Path) -> serde_json::Value {
    let o = run(&[
        "genesis",
        "--plan",
        plan.to_str().unwrap(),
        "--output-format",
        "json",
    ]);
    assert_exit(&o, 0);
    serde_json::from_slice(&o.stdout).unwrap()
}
