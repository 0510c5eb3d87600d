//! Sequoia's own tools (Debian's sq and sqop) read what a genesis writes.

use crate::harness::*;

fn sq_inspect(path: &std::path::Path) -> String {
    let o = tool("sq").arg("inspect").arg(path).output().unwrap();
    assert_exit(&o, 0);
    stdout(&o)
}

/// (fingerprint, key flags) pairs in the order `sq inspect` prints them.
fn keys_and_flags(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut fpr = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(f) = line
            .strip_prefix("Fingerprint: ")
            .or(line.strip_prefix("Subkey: "))
        {
            fpr = Some(f.trim().to_owned());
        } else if let Some(flags) = line.strip_prefix("Key flags: ") {
            out.push((fpr.take().unwrap(), flags.trim().to_owned()));
        }
    }
    out
}

fn check(c: &Ceremony, expected_flags: &[&str]) {
    let text = sq_inspect(&c.cert());
    assert!(text.contains("OpenPGP Certificate"), "{text}");
    let keys = keys_and_flags(&text);
    assert_eq!(keys[0].0, c.fingerprint, "{text}");
    assert_eq!(keys[0].1, "certification", "{text}");
    let mut flags: Vec<&str> = keys[1..].iter().map(|(_, f)| f.as_str()).collect();
    flags.sort();
    let mut expected: Vec<&str> = expected_flags.to_vec();
    expected.sort();
    assert_eq!(flags, expected, "{text}");
    // Our own report names the same subkey fingerprints.
    for (fpr, _) in &keys {
        assert!(c.stdout.contains(fpr.as_str()), "{fpr} not in report");
    }
}

#[test]
fn sq_inspect_agrees_on_fingerprints_and_flags_ed25519() {
    check(
        ed25519(),
        &[
            "signing",
            "transport encryption, data-at-rest encryption",
            "authentication",
        ],
    );
}

#[test]
fn sq_inspect_agrees_on_fingerprints_and_flags_rsa4096() {
    check(
        rsa4096(),
        &["signing", "transport encryption, data-at-rest encryption"],
    );
}

#[test]
fn sq_reads_the_protected_secret_key_as_such() {
    let c = ed25519();
    let text = sq_inspect(&c.backups[0].join("secret-key.asc"));
    assert!(text.contains("Transferable Secret Key"), "{text}");
    assert!(!text.to_lowercase().contains("unencrypted"), "{text}");
}

#[test]
fn sqop_verifies_the_manifest_signed_by_the_signing_subkey() {
    let c = rsa4096();
    let o = tool("sqop")
        .arg("verify")
        .arg(c.export.join("MANIFEST.asc"))
        .arg(c.cert())
        .stdin(std::fs::File::open(c.export.join("MANIFEST")).unwrap())
        .output()
        .unwrap();
    assert_exit(&o, 0);
    let line = stdout(&o);
    // sqop names the signing key, then the primary.
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(fields[2], c.fingerprint, "{line}");
    assert_ne!(fields[1], c.fingerprint, "{line}");
}
