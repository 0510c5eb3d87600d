//! The ceremonies on an existing key, through the real binary, checked as gpg
//! and sq see the result. `keyceremony renew`: the same key with new expiry
//! times, new backups that the same shares open, the renewed cert exported,
//! the transcript naming the ceremony it continues; a key that had already
//! expired. `keyceremony subkey rotate|revoke`: a new subkey in force, the old
//! one revoked as superseded or ending at a transition date, a subkey revoked
//! as compromised; the primary and its fingerprint unchanged.

use std::path::Path;
use std::process::Stdio;

use crate::harness::*;

/// Expiry (seconds since the epoch) of the primary and of each subkey, as gpg reads `cert`.
fn gpg_expiry(cert: &Path) -> (u64, Vec<u64>, Vec<String>) {
    let gpg = Gpg::new();
    gpg.ok(&["--import", cert.to_str().unwrap()]);
    let field = |r: &Vec<String>| r[6].parse::<u64>().unwrap_or(0);
    let validity = |r: &Vec<String>| r[1].clone();
    let pubs = gpg.colons("--list-keys", "pub");
    let subs = gpg.colons("--list-keys", "sub");
    let mut v: Vec<String> = pubs.iter().map(validity).collect();
    v.extend(subs.iter().map(validity));
    (field(&pubs[0]), subs.iter().map(field).collect(), v)
}

/// Two years ago as faketime takes an absolute time: `2024-11-25 04:00:00`.
fn two_years_ago() -> String {
    let t = std::time::SystemTime::now() - std::time::Duration::from_secs(730 * 86_400);
    let s = humantime::format_rfc3339_seconds(t).to_string();
    s.trim_end_matches('Z').replace('T', " ")
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn renew_gives_the_same_key_new_expiry_new_backups_and_an_export() {
    let dir = tempdir();
    let dir = dir.path();
    let plan = genesis(dir, &[("encryption = false", "encryption = true")], None);
    let old_backup = bundle(&dir.join("backup-1"));
    let old_cert = bundle(&dir.join("export")).join("cert.asc");
    let o = renew(
        &plan,
        &old_backup,
        &sheets(dir, &[2, 4, 5]),
        &["--expiry", "3y", "--subkey-expiry", "2030-06-30"],
    );
    assert_exit(&o, 0);
    let out = stdout(&o);
    assert!(out.contains("Renew complete: ceremony-"), "{out}");

    // A new ceremony directory on every medium; the old ones untouched.
    for m in ["backup-1", "backup-2", "export"] {
        assert_eq!(bundles(&dir.join(m)).len(), 2, "{m}");
    }
    // The TUI's pickers tell the two backups apart (#28): whose key, its
    // expiry, which ceremony, and which one a later one superseded.
    let backups = bundles(&dir.join("backup-1"));
    let old = keyceremony::ceremony::restore::describe_backup(&backups[0]);
    let new = keyceremony::ceremony::restore::describe_backup(&backups[1]);
    let new_name = backups[1]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(
        old.contains("Example Release Signing")
            && old.contains(&format!("SUPERSEDED by {new_name}")),
        "{old}"
    );
    assert!(old.contains("genesis ceremony-"), "{old}");
    assert!(
        new.contains("renew ceremony-") && !new.contains("SUPERSEDED"),
        "{new}"
    );
    let year = |s: &str| s.split("expires ").nth(1).map(|r| r[..4].to_owned());
    assert_ne!(year(&old), year(&new), "{old} / {new}");
    let export = bundles(&dir.join("export")).pop().unwrap();
    let cert = export.join("cert.asc");
    let (primary, subs, validity) = gpg_expiry(&cert);
    let day = 86_400;
    assert!(primary.abs_diff(now() + 3 * 365 * day) < day, "{primary}");
    assert_eq!(subs.len(), 2);
    let june_2030 = 1_909_094_399; // 2030-06-30T23:59:59Z
    assert!(subs.iter().all(|&s| s == june_2030), "{subs:?}");
    assert!(
        validity.iter().all(|v| v != "e" && v != "r"),
        "{validity:?}"
    );

    // The same key: the fingerprints did not change.
    let fprs = |c: &Path| {
        let gpg = Gpg::new();
        gpg.ok(&["--import", c.to_str().unwrap()]);
        gpg.colons("--list-keys", "fpr")
            .iter()
            .map(|r| r[9].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(fprs(&cert), fprs(&old_cert));

    // sq agrees that the renewed cert is valid and names the new expiry.
    let sq = tool("sq")
        .args(["inspect", cert.to_str().unwrap()])
        .output()
        .unwrap();
    let sq_out = stdout(&sq);
    assert!(sq.status.success(), "{}", stderr(&sq));
    assert!(sq_out.contains("2030-06-30"), "{sq_out}");
    assert!(!sq_out.contains("Invalid"), "{sq_out}");

    // The new backups open with other shares of the same set, and the
    // export's MANIFEST and transcript check out.
    for m in ["backup-1", "backup-2"] {
        let b = bundles(&dir.join(m)).pop().unwrap();
        let o = run(&[
            "restore",
            "--backup",
            b.to_str().unwrap(),
            sheets(dir, &[1, 3, 5])[0].to_str().unwrap(),
            sheets(dir, &[1, 3, 5])[1].to_str().unwrap(),
            sheets(dir, &[1, 3, 5])[2].to_str().unwrap(),
        ]);
        assert_exit(&o, 0);
    }
    let sums = tool("sha256sum")
        .args(["--quiet", "-c", "MANIFEST"])
        .current_dir(&export)
        .output()
        .unwrap();
    assert!(sums.status.success(), "{}", stdout(&sums));
    let o = run(&[
        "transcript",
        "verify",
        export.join("transcript.jsonl").to_str().unwrap(),
    ]);
    assert_exit(&o, 0);
    let t = std::fs::read_to_string(export.join("transcript.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(t.lines().next().unwrap()).unwrap();
    assert_eq!(first["data"]["flow"], "renew");
    assert_eq!(
        first["data"]["previous"]["ceremony_id"],
        old_backup.file_name().unwrap().to_str().unwrap()
    );
    let old_transcript = std::fs::read(old_backup.join("transcript.jsonl")).unwrap();
    assert_eq!(
        first["data"]["previous"]["transcript_sha256"],
        keyceremony::media::sha256_hex(&old_transcript)
    );
    for event in ["backup.opened", "keys.renewed", "rehearsal.passed"] {
        assert!(t.contains(&format!("\"event\":\"{event}\"")), "{event}");
    }
    // The revocation certificate made at genesis still revokes the renewed key.
    let gpg = Gpg::new();
    gpg.ok(&["--import", cert.to_str().unwrap()]);
    let new_backup = bundles(&dir.join("backup-1")).pop().unwrap();
    gpg.ok(&[
        "--import",
        new_backup.join("revocation.asc").to_str().unwrap(),
    ]);
    let pubs = gpg.colons("--list-keys", "pub");
    assert_eq!(pubs[0][1], "r", "{pubs:?}");
}

#[test]
fn an_expired_key_is_renewed_and_gpg_sees_it_valid_again() {
    let dir = tempdir();
    let dir = dir.path();
    // Made two years ago with a one-year primary and subkeys: expired now.
    let plan = genesis(
        dir,
        &[("# allow_wrong_clock = true", "allow_wrong_clock = true")],
        Some(&two_years_ago()),
    );
    let old_cert = bundle(&dir.join("export")).join("cert.asc");
    let (primary, _, validity) = gpg_expiry(&old_cert);
    assert!(primary < now(), "made expired");
    assert!(validity.iter().all(|v| v == "e"), "{validity:?}");

    let o = renew(
        &plan,
        &bundle(&dir.join("backup-2")),
        &sheets(dir, &[1, 2, 3]),
        &[],
    );
    assert_exit(&o, 0);
    let cert = bundles(&dir.join("export")).pop().unwrap().join("cert.asc");
    let (primary, subs, validity) = gpg_expiry(&cert);
    let day = 86_400;
    // The plan's 1y, from now.
    assert!(primary.abs_diff(now() + 365 * day) < day, "{primary}");
    assert!(subs.iter().all(|&s| s.abs_diff(now() + 365 * day) < day));
    assert!(validity.iter().all(|v| v != "e"), "{validity:?}");

    // gpg signs with the renewed key (from the new backup) and verifies
    // against the exported cert.
    let gpg = Gpg::new();
    let new_backup = bundles(&dir.join("backup-1")).pop().unwrap();
    let passphrase = std::fs::read_to_string(dir.join("passphrase.txt")).unwrap();
    let pass_file = dir.join("pass");
    std::fs::write(&pass_file, passphrase.trim()).unwrap();
    let batch = [
        "--batch",
        "--pinentry-mode",
        "loopback",
        "--passphrase-file",
        pass_file.to_str().unwrap(),
    ];
    let secret = new_backup.join("secret-key.asc");
    let mut import = batch.to_vec();
    import.extend(["--import", secret.to_str().unwrap()]);
    gpg.ok(&import);
    let msg = dir.join("msg");
    std::fs::write(&msg, "release 1.0").unwrap();
    let mut sign = batch.to_vec();
    sign.extend(["--detach-sign", msg.to_str().unwrap()]);
    gpg.ok(&sign);
    let verifier = Gpg::new();
    verifier.ok(&["--import", cert.to_str().unwrap()]);
    let sig = dir.join("msg.sig");
    verifier.ok(&["--verify", sig.to_str().unwrap(), msg.to_str().unwrap()]);
}

#[test]
fn a_wrong_share_or_a_past_expiry_writes_nothing() {
    let dir = tempdir();
    let dir = dir.path();
    let plan = genesis(dir, &[], None);
    let backup = bundle(&dir.join("backup-1"));

    // A share of another set: refused before anything is written.
    let other = tempdir();
    genesis(other.path(), &[], None);
    let mut shares = sheets(dir, &[1, 2]);
    shares.extend(sheets(other.path(), &[3]));
    let o = renew(&plan, &backup, &shares, &[]);
    assert_exit(&o, 5);
    assert!(stderr(&o).contains("share"), "{}", stderr(&o));

    let o = renew(
        &plan,
        &backup,
        &sheets(dir, &[1, 2, 3]),
        &["--expiry", "2020-01-01"],
    );
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("not in the future"), "{}", stderr(&o));

    let o = renew(
        &plan,
        &backup,
        &sheets(dir, &[1, 2, 3]),
        &["--expiry", "forever"],
    );
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("--expiry"), "{}", stderr(&o));

    for m in ["backup-1", "backup-2", "export"] {
        assert_eq!(bundles(&dir.join(m)).len(), 1, "{m} was written to");
    }
}

/// A newcomer renews the demo's key with what the demo prints: its `renew`
/// line, run by a shell as they would paste it.
#[test]
fn the_demo_key_renews_with_the_line_the_demo_prints() {
    let dir = tempdir();
    let demo = dir.path().join("demo");
    let o = run(&["demo", demo.to_str().unwrap()]);
    assert_exit(&o, 0);
    let line = stderr(&o)
        .lines()
        .find(|l| l.trim_start().starts_with("keyceremony renew "))
        .expect("the demo prints a renew line")
        .trim()
        .to_owned();
    let script = line.replacen("keyceremony", env!("CARGO_BIN_EXE_keyceremony"), 1);
    let o = std::process::Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("Renew complete"), "{}", stdout(&o));
    assert_eq!(bundles(&demo.join("export")).len(), 2);
}

/// A newcomer replaces the demo's key with the lines the demo prints, and
/// the online side follows the rotation from the genesis fingerprint.
#[test]
fn the_demo_key_rotates_with_the_lines_the_demo_prints_and_verify_follows() {
    let dir = tempdir();
    let demo = dir.path().join("demo");
    let o = run(&["demo", demo.to_str().unwrap()]);
    assert_exit(&o, 0);
    let err = stderr(&o);
    let line = |start: &str| {
        err.lines()
            .filter(|l| l.trim_start().starts_with(start))
            .map(|l| {
                l.trim()
                    .replacen("keyceremony", env!("CARGO_BIN_EXE_keyceremony"), 1)
            })
            .collect::<Vec<_>>()
    };
    let sh = |script: &str| {
        std::process::Command::new("sh")
            .args(["-c", script])
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let verifies = line("keyceremony verify ");
    assert_eq!(verifies.len(), 2, "{err}");
    assert_exit(&sh(&verifies[0]), 0);
    let o = sh(&line("keyceremony rotate ")[0]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("Rotation complete"), "{}", stdout(&o));
    let o = sh(&verifies[1]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("Rotation followed"), "{}", stdout(&o));
}

/// gpg's view of the newest exported cert: (validity, key id, capabilities,
/// expiry) per subkey, and the revocation reasons sq reports.
fn subkeys_as_gpg_sees(dir: &Path) -> (Vec<(String, String, String, u64)>, String) {
    let cert = bundles(&dir.join("export")).pop().unwrap().join("cert.asc");
    let gpg = Gpg::new();
    gpg.ok(&["--import", cert.to_str().unwrap()]);
    let subs = gpg
        .colons("--list-keys", "sub")
        .into_iter()
        .map(|r| {
            (
                r[1].clone(),
                r[4].clone(),
                r[11].clone(),
                r[6].parse().unwrap_or(0),
            )
        })
        .collect();
    let sq = tool("sq")
        .args(["inspect", cert.to_str().unwrap()])
        .output()
        .unwrap();
    (subs, stdout(&sq))
}

#[test]
fn a_signing_subkey_rotated_is_revoked_as_superseded_and_the_new_one_signs() {
    let dir = tempdir();
    let dir = dir.path();
    let plan = genesis(dir, &[("encryption = false", "encryption = true")], None);
    let (before, _) = subkeys_as_gpg_sees(dir);
    let old_signing = before.iter().find(|s| s.2.contains('s')).unwrap().1.clone();
    let o = subkey(
        &["subkey", "rotate"],
        &plan,
        &bundle(&dir.join("backup-1")),
        &sheets(dir, &[1, 2, 5]),
    );
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("card provision --backup"),
        "{}",
        stdout(&o)
    );
    let (after, sq) = subkeys_as_gpg_sees(dir);
    assert_eq!(after.len(), 3, "{after:?}");
    let old = after.iter().find(|s| s.1 == old_signing).unwrap();
    assert_eq!(old.0, "r", "the old signing subkey is revoked: {after:?}");
    let new: Vec<_> = after
        .iter()
        .filter(|s| s.2.contains('s') && s.0 != "r")
        .collect();
    assert_eq!(new.len(), 1, "{after:?}");
    assert!(sq.contains("superseded"), "{sq}");
    // The primary did not change.
    let fpr = |d: &Path| {
        let gpg = Gpg::new();
        let certs = bundles(&d.join("export"));
        gpg.ok(&["--import", certs[0].join("cert.asc").to_str().unwrap()]);
        gpg.colons("--list-keys", "fpr")[0][9].clone()
    };
    let first = fpr(dir);
    let gpg = Gpg::new();
    let newest = bundles(&dir.join("export")).pop().unwrap();
    gpg.ok(&["--import", newest.join("cert.asc").to_str().unwrap()]);
    assert_eq!(gpg.colons("--list-keys", "fpr")[0][9], first);

    // gpg signs with the rotated key from the new backup: the new subkey
    // makes the signature, and it verifies against the exported cert.
    let new_backup = bundles(&dir.join("backup-2")).pop().unwrap();
    let pass_file = dir.join("pass");
    std::fs::write(
        &pass_file,
        std::fs::read_to_string(dir.join("passphrase.txt"))
            .unwrap()
            .trim(),
    )
    .unwrap();
    let signer = Gpg::new();
    let secret = new_backup.join("secret-key.asc");
    let batch = ["--passphrase-file", pass_file.to_str().unwrap()];
    let mut import = batch.to_vec();
    import.extend(["--import", secret.to_str().unwrap()]);
    signer.ok(&import);
    let msg = dir.join("release.txt");
    std::fs::write(&msg, "1.0").unwrap();
    let mut sign = batch.to_vec();
    sign.extend(["--detach-sign", msg.to_str().unwrap()]);
    signer.ok(&sign);
    let v = gpg.run(&[
        "--status-fd",
        "1",
        "--verify",
        dir.join("release.txt.sig").to_str().unwrap(),
        msg.to_str().unwrap(),
    ]);
    assert_exit(&v, 0);
    let status = stdout(&v);
    assert!(status.contains("GOODSIG"), "{status}");
    assert!(
        !status.contains(&old_signing),
        "signed by the old subkey: {status}"
    );
}

#[test]
fn a_rotation_can_leave_the_old_subkey_valid_until_a_transition_date() {
    let dir = tempdir();
    let dir = dir.path();
    let plan = genesis(dir, &[], None);
    let o = subkey(
        &["subkey", "rotate", "--keep-old-until", "30d"],
        &plan,
        &bundle(&dir.join("backup-1")),
        &sheets(dir, &[2, 3, 4]),
    );
    assert_exit(&o, 0);
    let (subs, _) = subkeys_as_gpg_sees(dir);
    assert_eq!(subs.len(), 2, "{subs:?}");
    assert!(subs.iter().all(|s| s.0 != "r"), "nothing revoked: {subs:?}");
    let day = 86_400;
    let ends: Vec<u64> = subs.iter().map(|s| s.3).collect();
    assert!(
        ends.iter().any(|&e| e.abs_diff(now() + 30 * day) < day),
        "{ends:?}"
    );
    assert!(
        ends.iter().any(|&e| e.abs_diff(now() + 365 * day) < day),
        "{ends:?}"
    );
}

#[test]
fn a_compromised_subkey_is_revoked_and_bad_requests_write_nothing() {
    let dir = tempdir();
    let dir = dir.path();
    let plan = genesis(dir, &[("encryption = false", "encryption = true")], None);
    let backup = bundle(&dir.join("backup-1"));
    let (subs, _) = subkeys_as_gpg_sees(dir);
    let enc = subs.iter().find(|s| s.2.contains('e')).unwrap().1.clone();
    // gpg lists key ids; the full fingerprint comes from the exported cert.
    let gpg = Gpg::new();
    let cert = bundle(&dir.join("export")).join("cert.asc");
    gpg.ok(&["--import", cert.to_str().unwrap()]);
    let fprs = gpg.colons("--list-keys", "fpr");
    let enc_fpr = fprs
        .iter()
        .map(|r| r[9].clone())
        .find(|f| f.ends_with(&enc))
        .unwrap();

    for (args, code) in [
        (
            vec![
                "subkey",
                "revoke",
                "--fingerprint",
                &enc_fpr,
                "--reason",
                "lost",
            ],
            2,
        ),
        (
            vec![
                "subkey",
                "revoke",
                "--fingerprint",
                "0000000000000000000000000000000000000000",
                "--reason",
                "retired",
            ],
            6,
        ),
        (vec!["subkey", "rotate", "--role", "certification"], 2),
    ] {
        let o = subkey(&args, &plan, &backup, &sheets(dir, &[1, 2, 3]));
        assert_exit(&o, code);
    }
    // A plan with cards, and neither the ceremony's PINs nor a place for new
    // ones: refused before the shares are even read.
    let with_cards = dir.join("plan-with-cards.toml");
    let text = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(&with_cards, text.replace("count = 0", "count = 1")).unwrap();
    let o = subkey(
        &["subkey", "rotate"],
        &with_cards,
        &backup,
        &sheets(dir, &[1, 2, 3]),
    );
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("--card-pins"), "{}", stderr(&o));
    // Nothing is written to a backup medium for a refused change (the export
    // medium keeps the transcript that records the refusal).
    for m in ["backup-1", "backup-2"] {
        assert_eq!(bundles(&dir.join(m)).len(), 1, "{m}");
    }

    let o = subkey(
        &[
            "subkey",
            "revoke",
            "--fingerprint",
            &enc_fpr,
            "--reason",
            "compromised",
        ],
        &plan,
        &backup,
        &sheets(dir, &[1, 2, 3]),
    );
    assert_exit(&o, 0);
    let (subs, sq) = subkeys_as_gpg_sees(dir);
    let revoked = subs.iter().find(|s| s.1 == enc).unwrap();
    assert_eq!(revoked.0, "r", "{subs:?}");
    assert!(sq.to_lowercase().contains("compromised"), "{sq}");
}

/// #25: a revocation that would leave no signing subkey is refused before
/// anything is written (it used to fail after the backups and an export
/// directory were written); a rotation says why; a subkey superseded by a
/// rotation can later be marked compromised.
#[test]
fn what_a_subkey_change_refuses_it_refuses_before_writing() {
    let dir = tempdir();
    let dir = dir.path();
    let plan = genesis(dir, &[], None);
    let backup = bundle(&dir.join("backup-1"));
    let signing = |d: &Path| -> String {
        let gpg = Gpg::new();
        let newest = bundles(&d.join("export")).pop().unwrap();
        gpg.ok(&["--import", newest.join("cert.asc").to_str().unwrap()]);
        let o = gpg.ok(&["--with-colons", "--list-keys"]);
        let text = stdout(&o);
        let lines: Vec<&str> = text.lines().collect();
        let i = lines
            .iter()
            .position(|l| {
                l.starts_with("sub:")
                    && l.split(':').nth(11).is_some_and(|c| c.contains('s'))
                    && !l.starts_with("sub:r")
            })
            .unwrap();
        lines[i + 1].split(':').nth(9).unwrap().to_owned()
    };
    let only = signing(dir);
    let count = |m: &str| bundles(&dir.join(m)).len();
    let before: Vec<usize> = ["backup-1", "backup-2", "export"]
        .iter()
        .map(|m| count(m))
        .collect();
    let o = subkey(
        &[
            "subkey",
            "revoke",
            "--fingerprint",
            &only,
            "--reason",
            "retired",
        ],
        &plan,
        &backup,
        &sheets(dir, &[1, 2, 3]),
    );
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("without a signing subkey in force")
            && stderr(&o).contains("subkey rotate"),
        "{}",
        stderr(&o)
    );
    let after: Vec<usize> = ["backup-1", "backup-2", "export"]
        .iter()
        .map(|m| count(m))
        .collect();
    assert_eq!(before, after, "a refused revocation wrote something");

    let o = subkey(
        &["subkey", "rotate", "--reason", "yearly rotation"],
        &plan,
        &backup,
        &sheets(dir, &[1, 2, 3]),
    );
    assert_exit(&o, 0);
    let (_, sq) = subkeys_as_gpg_sees(dir);
    assert!(sq.contains("yearly rotation"), "{sq}");
    // The superseded one, found compromised later: marked so.
    let newer = bundles(&dir.join("backup-1")).pop().unwrap();
    let o = subkey(
        &[
            "subkey",
            "revoke",
            "--fingerprint",
            &only,
            "--reason",
            "compromised",
        ],
        &plan,
        &newer,
        &sheets(dir, &[1, 2, 3]),
    );
    assert_exit(&o, 0);
    let (_, sq) = subkeys_as_gpg_sees(dir);
    assert!(sq.to_lowercase().contains("compromised"), "{sq}");
    // Twice compromised: refused, before anything is written.
    let newest = bundles(&dir.join("backup-1")).pop().unwrap();
    let n = count("export");
    let o = subkey(
        &[
            "subkey",
            "revoke",
            "--fingerprint",
            &only,
            "--reason",
            "compromised",
        ],
        &plan,
        &newest,
        &sheets(dir, &[1, 2, 3]),
    );
    assert_ne!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("revoked already as compromised"),
        "{}",
        stderr(&o)
    );
    assert_eq!(count("export"), n);
}

/// The older-backup check counts only ceremonies that completed, and sees
/// them among any number of other files: a directory a crash (or a hand)
/// left with a newer bundle.json but no signed MANIFEST does not block a
/// renew, and thousands of junk files at a stick's root do not hide a
/// newer ceremony (the check looked at the first 4096 names only).
#[test]
fn only_a_completed_newer_ceremony_makes_a_backup_older() {
    let dir = tempdir();
    let dir = dir.path();
    let plan = genesis(dir, &[], None);
    let first = bundle(&dir.join("backup-1"));
    let mut info: serde_json::Value =
        serde_json::from_slice(&std::fs::read(first.join("bundle.json")).unwrap()).unwrap();
    info["sequence"] = 99.into();
    let half = dir.join("backup-1").join("ceremony-29990101T000000Z");
    std::fs::create_dir(&half).unwrap();
    std::fs::write(half.join("bundle.json"), info.to_string()).unwrap();
    let o = renew(&plan, &first, &sheets(dir, &[1, 2, 3]), &[]);
    assert_exit(&o, 0);
    std::fs::remove_dir_all(&half).unwrap();
    for i in 0..5000 {
        std::fs::write(dir.join("backup-1").join(format!("junk-{i:05}")), b"").unwrap();
    }
    let o = renew(&plan, &first, &sheets(dir, &[1, 2, 3]), &[]);
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("is not the newest backup"),
        "{}",
        stderr(&o)
    );
}
