//! `keyceremony certify` through the real binary, against keys gpg made:
//! gpg and sq must see our primary's certification with the level, expiry
//! and trust signature asked for; damaged, revoked and expired certs are
//! refused before the backup is opened.

use std::path::{Path, PathBuf};

use crate::harness::subkey as on_existing_key;
use crate::harness::*;

fn certify(dir: &Path, plan: &Path, cert: &Path, extra: &[&str]) -> std::process::Output {
    let backup = bundles(&dir.join("backup-1")).pop().unwrap();
    let mut args = vec!["certify", "--output-format", "json", "--cert"];
    args.push(cert.to_str().unwrap());
    args.extend(extra);
    on_existing_key(&args, plan, &backup, &sheets(dir, &[1, 2, 4]))
}

#[test]
fn gpg_and_sq_see_our_certification_with_its_level_expiry_and_trust() {
    let dir = tempdir();
    let dir = dir.path();
    let plan = genesis(dir, &[], None);
    let ours = bundles(&dir.join("export"))[0].join("cert.asc");
    let theirs = dir.join("theirs.asc");
    let (_home, fpr) = gpg_key(
        &["Team CA <ca@team.example.org>", "Private <me@home.test>"],
        &theirs,
        None,
    );
    let o = certify(
        dir,
        &plan,
        &theirs,
        &[
            "--user-id",
            "Team CA <ca@team.example.org>",
            "--level",
            "3",
            "--expiry",
            "90d",
            "--trust-depth",
            "1",
            "--trust-domain",
            "example.org",
        ],
    );
    assert_exit(&o, 0);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["certified"], fpr.as_str());
    let certified = PathBuf::from(report["certified_cert"].as_str().unwrap());
    assert!(certified.starts_with(dir.join("export")));

    let gpg = Gpg::new();
    gpg.ok(&["--import", ours.to_str().unwrap()]);
    gpg.ok(&["--import", certified.to_str().unwrap()]);
    let our_id = gpg.colons("--list-keys", "pub")[0][4].clone();
    let o = gpg.ok(&["--with-colons", "--check-sigs", &fpr]);
    let text = stdout(&o);
    // uid, then its signatures; ours is on the Team CA user ID only.
    let mut uid = String::new();
    let mut ours_on = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split(':').collect();
        match f[0] {
            "uid" => uid = f[9].to_owned(),
            "sig" if f[4] == our_id => {
                assert_eq!(f[1], "!", "gpg checks it good: {line}");
                assert_eq!(f[10], "13x", "positive certification: {line}");
                assert!(!f[6].is_empty(), "it expires: {line}");
                ours_on.push(uid.clone());
            }
            _ => {}
        }
    }
    assert_eq!(ours_on, ["Team CA <ca@team.example.org>"], "{text}");
    // gpg's list-sigs: level 3, and the trust depth (1) before the key id.
    let o = gpg.ok(&["--list-sigs", &fpr]);
    let listing = stdout(&o);
    assert!(
        listing
            .lines()
            .any(|l| l.starts_with("sig 3") && l.contains(&format!(" 1 {our_id}"))),
        "{listing}"
    );

    let o = tool("sq")
        .args(["inspect", "--certifications"])
        .arg(&certified)
        .output()
        .unwrap();
    assert_exit(&o, 0);
    let sq = stdout(&o);
    let our_fpr = report["fingerprint"].as_str().unwrap();
    for want in [
        "Trust depth: 1",
        "Trust amount: 120",
        r#"Regular expression: "<[^>]+[@.]example\\.org>$""#,
        &format!("Alleged certifier: {our_fpr}"),
        "Expiration time: ",
    ] {
        assert!(sq.contains(want), "{want}: {sq}");
    }
}

/// A cert's user ID self-signature with one byte changed: find the user ID
/// packet (tag 13) in the binary cert and flip the last byte of the
/// signature packet after it.
fn break_self_signature(armored: &Path, out: &Path) {
    let bin = tool("gpg")
        .args(["--dearmor"])
        .stdin(std::fs::File::open(armored).unwrap())
        .output()
        .unwrap()
        .stdout;
    let mut bytes = bin;
    let mut i = 0;
    let mut after_uid = false;
    while i < bytes.len() {
        let ctb = bytes[i];
        assert!(ctb & 0x80 != 0, "a packet starts at {i}");
        if ctb & 0x40 == 0 {
            // Old format (gpg's): tag in bits 5-2, length of 1, 2 or 4 octets.
            let tag = (ctb >> 2) & 0x0F;
            let n = [1, 2, 4][usize::from(ctb & 0x03)];
            let len = bytes[i + 1..i + 1 + n]
                .iter()
                .fold(0usize, |a, b| (a << 8) | usize::from(*b));
            if tag == 2 && after_uid {
                bytes[i + 1 + n + len - 1] ^= 0x01;
                std::fs::write(out, &bytes).unwrap();
                return;
            }
            after_uid = tag == 13;
            i += 1 + n + len;
            continue;
        }
        let tag = ctb & 0x3F;
        let (len, hdr) = match bytes[i + 1] {
            l @ 0..=191 => (l as usize, 2),
            l @ 192..=223 => ((((l as usize) - 192) << 8) + bytes[i + 2] as usize + 192, 3),
            255 => (
                u32::from_be_bytes(bytes[i + 2..i + 6].try_into().unwrap()) as usize,
                6,
            ),
            _ => panic!("partial lengths are not used in certs"),
        };
        if tag == 2 && after_uid {
            bytes[i + hdr + len - 1] ^= 0x01;
            std::fs::write(out, &bytes).unwrap();
            return;
        }
        after_uid = tag == 13;
        i += hdr + len;
    }
    panic!("no user ID self-signature found");
}

#[test]
fn damaged_revoked_and_expired_certs_are_refused_before_the_backup_is_opened() {
    let dir = tempdir();
    let dir = dir.path();
    let plan = genesis(dir, &[], None);
    let good = dir.join("good.asc");
    let (home, fpr) = gpg_key(&["Dev <dev@x.test>"], &good, None);

    let damaged = dir.join("damaged.gpg");
    break_self_signature(&good, &damaged);
    let revoked = dir.join("revoked.asc");
    let rev = std::fs::read_to_string(
        home.home
            .path()
            .join("openpgp-revocs.d")
            .join(format!("{fpr}.rev")),
    )
    .unwrap()
    .replace(":-----BEGIN", "-----BEGIN");
    let rev_file = dir.join("rev.asc");
    std::fs::write(&rev_file, rev).unwrap();
    home.ok(&["--import", rev_file.to_str().unwrap()]);
    export_keys(&home, &revoked);
    let expired = dir.join("expired.asc");
    gpg_key(&["Old <old@x.test>"], &expired, Some("20200101T000000"));

    for (cert, says) in [
        (&damaged, "does not verify"),
        (&revoked, "revoked"),
        (&expired, "not valid now"),
    ] {
        let o = certify(dir, &plan, cert, &[]);
        assert_ne!(o.status.code(), Some(0), "{}", cert.display());
        assert!(
            stderr(&o).contains(says),
            "{}: {}",
            cert.display(),
            stderr(&o)
        );
    }
    let o = certify(dir, &plan, &good, &["--user-id", "Mallory <m@x.test>"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("Dev <dev@x.test>"), "{}", stderr(&o));
    // Nothing was written to the backup media for any of them.
    for m in ["backup-1", "backup-2"] {
        assert_eq!(bundles(&dir.join(m)).len(), 1, "{m}");
    }
}
