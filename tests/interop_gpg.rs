//! GnuPG reads what a genesis writes: the cert, the protected secret key, the
//! revocation certificate and the signed MANIFEST.

use std::path::Path;

use crate::harness::*;

/// Lowercase capability letters of a colon record: what this key itself may do.
fn own_caps(rec: &[String]) -> String {
    rec[11].chars().filter(|c| c.is_ascii_lowercase()).collect()
}

fn check_public_cert(c: &Ceremony, subkeys: &[&str]) {
    let gpg = Gpg::new();
    gpg.ok(&["--import", c.cert().to_str().unwrap()]);
    let pubs = gpg.colons("--list-keys", "pub");
    assert_eq!(pubs.len(), 1);
    let p = &pubs[0];
    assert_eq!(own_caps(p), "c", "primary must be certify-only");
    let fprs = gpg.colons("--list-keys", "fpr");
    assert_eq!(fprs[0][9], c.fingerprint);
    let created: u64 = p[5].parse().unwrap();
    let expires: u64 = p[6].parse().unwrap();
    assert_eq!(expires - created, c.primary_days * 86_400);
    let subs = gpg.colons("--list-keys", "sub");
    let mut caps: Vec<String> = subs.iter().map(|s| own_caps(s)).collect();
    caps.sort();
    let mut expected: Vec<&str> = subkeys.to_vec();
    expected.sort();
    assert_eq!(caps, expected);
    for s in &subs {
        let created: u64 = s[5].parse().unwrap();
        let expires: u64 = s[6].parse().unwrap();
        assert_eq!(expires - created, c.subkey_days * 86_400);
    }
}

#[test]
fn gpg_sees_a_certify_only_primary_and_the_planned_subkeys_ed25519() {
    check_public_cert(ed25519(), &["s", "e", "a"]);
}

#[test]
fn gpg_sees_a_certify_only_primary_and_the_planned_subkeys_rsa4096() {
    check_public_cert(rsa4096(), &["s", "e"]);
}

fn sign_with_backup(
    c: &Ceremony,
    passphrase: &str,
) -> (Gpg, std::process::Output, tempfile::TempDir) {
    let gpg = Gpg::new();
    let work = tempdir();
    let pf = work.path().join("pass");
    std::fs::write(&pf, passphrase).unwrap();
    let msg = work.path().join("msg");
    std::fs::write(&msg, b"release v1.0\n").unwrap();
    gpg.ok(&[
        "--passphrase-file",
        pf.to_str().unwrap(),
        "--import",
        c.backups[1].join("secret-key.asc").to_str().unwrap(),
    ]);
    let o = gpg.run(&[
        "--passphrase-file",
        pf.to_str().unwrap(),
        "--local-user",
        &c.fingerprint,
        "--armor",
        "--detach-sign",
        msg.to_str().unwrap(),
    ]);
    (gpg, o, work)
}

fn sign_and_verify(c: &Ceremony) {
    let (gpg, o, work) = sign_with_backup(c, &c.passphrase);
    assert_exit(&o, 0);
    let secs = gpg.colons("--list-secret-keys", "ssb");
    assert!(!secs.is_empty(), "no secret subkeys imported");
    let sig = work.path().join("msg.asc");
    let msg = work.path().join("msg");
    // A fresh gpg with only the public cert accepts it.
    let verifier = Gpg::new();
    verifier.ok(&["--import", c.cert().to_str().unwrap()]);
    let v = verifier.run(&["--verify", sig.to_str().unwrap(), msg.to_str().unwrap()]);
    assert_exit(&v, 0);
    assert!(stderr(&v).contains("Good signature"), "{}", stderr(&v));
    // sqop agrees, with the exported cert.
    let s = tool("sqop")
        .args(["verify", sig.to_str().unwrap(), c.cert().to_str().unwrap()])
        .stdin(std::fs::File::open(&msg).unwrap())
        .output()
        .unwrap();
    assert_exit(&s, 0);
    assert!(stdout(&s).contains(&c.fingerprint), "{}", stdout(&s));
}

#[test]
fn gpg_imports_the_backup_with_the_passphrase_and_signs_ed25519() {
    sign_and_verify(ed25519());
}

#[test]
fn gpg_imports_the_backup_with_the_passphrase_and_signs_rsa4096() {
    sign_and_verify(rsa4096());
}

#[test]
fn a_wrong_passphrase_does_not_open_the_backup_in_gpg() {
    let c = ed25519();
    let mut words: Vec<&str> = c.passphrase.split(' ').collect();
    words.swap(0, 1);
    let (_gpg, o, _work) = sign_with_backup(c, &words.join(" "));
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("Bad passphrase"), "{}", stderr(&o));
}

#[test]
fn importing_the_revocation_certificate_revokes_the_key() {
    let c = ed25519();
    let gpg = Gpg::new();
    gpg.ok(&["--import", c.cert().to_str().unwrap()]);
    assert_eq!(gpg.colons("--list-keys", "pub")[0][1], "-");
    let o = gpg.ok(&[
        "--import",
        c.backups[0].join("revocation.asc").to_str().unwrap(),
    ]);
    assert!(
        stderr(&o).contains("revocation certificate imported"),
        "{}",
        stderr(&o)
    );
    assert_eq!(gpg.colons("--list-keys", "pub")[0][1], "r");
}

#[test]
fn gpg_verifies_every_manifest_signature() {
    let c = ed25519();
    let gpg = Gpg::new();
    gpg.ok(&["--import", c.cert().to_str().unwrap()]);
    for dir in c.backups.iter().chain(Some(&c.export)) {
        let m = |n: &str| dir.join(n).to_str().unwrap().to_owned();
        let o = gpg.run(&["--verify", &m("MANIFEST.asc"), &m("MANIFEST")]);
        assert_exit(&o, 0);
    }
    // And refuses a MANIFEST changed after signing.
    let d = tempdir();
    let copy = |n: &str| {
        let to = d.path().join(n);
        std::fs::copy(c.export.join(n), &to).unwrap();
        to
    };
    let sig = copy("MANIFEST.asc");
    let man = copy("MANIFEST");
    let mut text = std::fs::read_to_string(&man).unwrap();
    text.push_str(&format!("{}  extra\n", "0".repeat(64)));
    std::fs::write(&man, text).unwrap();
    let o = gpg.run(&["--verify", sig.to_str().unwrap(), man.to_str().unwrap()]);
    assert_ne!(o.status.code(), Some(0));
    assert!(Path::new(&man).exists());
}
