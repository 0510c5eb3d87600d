//! The online side through the real binary: `verify` and `install` on the
//! bundles real ceremonies wrote, and skopeo enforcing the installed policy
//! on images signed with gpg (the key from the backup; on a physical token
//! the signing subkey would sit on a YubiKey behind scdaemon, which the
//! card tests cover).

use std::path::Path;
use std::process::Command;

use crate::harness::*;

#[test]
fn verify_accepts_the_bundles_from_the_pinned_key_and_refuses_what_it_must() {
    let dir = tempdir();
    let dir = dir.path();
    let plan = ceremony(dir);
    let first = bundles(&dir.join("export")).pop().unwrap();
    let fpr = fingerprint(&first);

    let o = verify(&first, &["--trust", &fpr, "--output-format", "json"]);
    assert_exit(&o, 0);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["sequence"], 1);
    assert_eq!(v["info"]["previous_bundle_sha256"], serde_json::Value::Null);
    assert!(v["info"]["files"]["policy"].is_string(), "{v}");

    // A renew continues the count and names the bundle before.
    let backup = bundles(&dir.join("backup-1")).pop().unwrap();
    assert_exit(&renew(&plan, &backup, &sheets(dir, &[1, 2, 3]), &[]), 0);
    let second = bundles(&dir.join("export")).pop().unwrap();
    let o = verify(&second, &["--trust", &fpr, "--output-format", "json"]);
    assert_exit(&o, 0);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["sequence"], 2);
    let first_sha =
        keyceremony::media::sha256_hex(&std::fs::read(first.join("bundle.json")).unwrap());
    assert_eq!(v["info"]["previous_bundle_sha256"], first_sha.as_str());

    // Another pinned key; a changed keyring; a changed bundle.json.
    let other = "0".repeat(40);
    let o = verify(&second, &["--trust", &other]);
    assert_exit(&o, 5);
    assert!(
        stderr(&o).contains("no rotation statement leads to it"),
        "{}",
        stderr(&o)
    );
    let work = tempdir();
    let bad = altered(&second, &work.path().join("ring"), "keyring.gpg", |b| {
        let n = b.len() - 1;
        b[n] ^= 1
    });
    let o = verify(&bad, &["--trust", &fpr]);
    assert_exit(&o, 5);
    assert!(
        stderr(&o).contains("keyring.gpg does not match"),
        "{}",
        stderr(&o)
    );
    let bad = altered(&second, &work.path().join("seq"), "bundle.json", |b| {
        let t = String::from_utf8(b.clone()).unwrap();
        *b = t.replace("\"sequence\": 2", "\"sequence\": 9").into_bytes();
    });
    let o = verify(&bad, &["--trust", &fpr]);
    assert_exit(&o, 5);
    assert!(
        stderr(&o).contains("bundle.json does not match"),
        "{}",
        stderr(&o)
    );

    // A freeze: judged after the bundle's end (the plan's 1y), refused.
    let o = verify(&second, &["--trust", &fpr, "--at", "400d"]);
    assert_exit(&o, 5);
    assert!(stderr(&o).contains("newer bundle is due"), "{}", stderr(&o));

    // The state file pins on first use, then refuses the older bundle.
    let state = work.path().join("state.json");
    let s = state.to_str().unwrap();
    let o = verify(&second, &["--state", s]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("now pinned"), "{}", stdout(&o));
    assert_exit(&verify(&second, &["--state", s]), 0);
    let o = verify(&first, &["--state", s]);
    assert_exit(&o, 5);
    assert!(stderr(&o).contains("downgrade"), "{}", stderr(&o));
    // A damaged state file is named, not overwritten.
    std::fs::write(&state, b"{ not json").unwrap();
    let o = verify(&second, &["--state", s]);
    assert_exit(&o, 5);
    assert!(stderr(&o).contains("state file"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&state).unwrap(), b"{ not json");
}

/// skopeo signs `src` (oci:, tag v1) with the key `fpr` in `gpg`'s home into `dst` (dir:).
fn skopeo_sign(gpg: &Gpg, fpr: &str, src: &Path, dst: &Path) {
    let o = tool("skopeo")
        .env("GNUPGHOME", gpg.home.path())
        .args([
            "copy",
            "--quiet",
            "--sign-by",
            fpr,
            "--sign-identity",
            "example.org/app:v1",
        ])
        .arg(format!("oci:{}:v1", src.display()))
        .arg(format!("dir:{}", dst.display()))
        .output()
        .unwrap();
    assert_exit(&o, 0);
}

#[test]
fn install_merges_the_policy_and_skopeo_enforces_it() {
    let dir = tempdir();
    let dir = dir.path();
    ceremony(dir);
    let bundle = bundles(&dir.join("export")).pop().unwrap();
    let fpr = fingerprint(&bundle);
    let root = dir.join("root");
    let policy = root.join("etc/containers/policy.json");
    std::fs::create_dir_all(policy.parent().unwrap()).unwrap();
    std::fs::write(
        &policy,
        r#"{"default":[{"type":"insecureAcceptAnything"}],"transports":{"docker":{"other.example/x":[{"type":"reject"}]}}}"#,
    )
    .unwrap();
    // A bundle that does not verify installs nothing.
    let o = run(&[
        "install",
        bundle.to_str().unwrap(),
        "--root",
        root.to_str().unwrap(),
        "--trust",
        &"0".repeat(40),
    ]);
    assert_exit(&o, 5);
    assert!(!root.join("etc/pki").exists());
    let o = run(&[
        "install",
        bundle.to_str().unwrap(),
        "--root",
        root.to_str().unwrap(),
        "--trust",
        &fpr,
    ]);
    assert_exit(&o, 0);
    let p: serde_json::Value = serde_json::from_slice(&std::fs::read(&policy).unwrap()).unwrap();
    assert_eq!(
        p["transports"]["docker"]["other.example/x"][0]["type"], "reject",
        "{p}"
    );
    let images = dir.join("images");
    let ours = &p["transports"]["dir"][images.to_str().unwrap()][0];
    let keyring = root.join(format!("etc/pki/containers/keyceremony-{fpr}.gpg"));
    assert_eq!(
        ours["keyPath"],
        format!("/etc/pki/containers/keyceremony-{fpr}.gpg"),
        "{p}"
    );
    assert!(keyring.is_file());
    let policy = rooted_policy(&root);

    // Images: one signed with our key, one with another, one unsigned.
    let work = tempdir();
    let src = work.path().join("oci");
    oci_image(&src, "release v1\n");
    let (signer, our_fpr) = signer_from_backup(dir, "passphrase.txt");
    assert_eq!(our_fpr, fpr);
    let good = images.join("good");
    skopeo_sign(&signer, &fpr, &src, &good);
    let stranger = Gpg::stranger();
    let their_fpr = stranger.colons("--list-keys", "fpr")[0][9].clone();
    let forged = images.join("forged");
    skopeo_sign(&stranger, &their_fpr, &src, &forged);
    let unsigned = images.join("unsigned");
    let o = tool("skopeo")
        .args(["copy", "--quiet"])
        .arg(format!("oci:{}:v1", src.display()))
        .arg(format!("dir:{}", unsigned.display()))
        .output()
        .unwrap();
    assert_exit(&o, 0);

    let o = skopeo_accepts(&policy, &good, &work.path().join("out-good"));
    assert_exit(&o, 0);
    let o = skopeo_accepts(&policy, &forged, &work.path().join("out-forged"));
    assert_ne!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("Invalid GPG signature"),
        "{}",
        stderr(&o)
    );
    let o = skopeo_accepts(&policy, &unsigned, &work.path().join("out-unsigned"));
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("no signature exists"), "{}", stderr(&o));
}

fn install_at(bundle: &Path, root: &Path, trust: &str, at: &str) -> std::process::Output {
    std::fs::create_dir_all(root).unwrap();
    run(&[
        "install",
        bundle.to_str().unwrap(),
        "--root",
        root.to_str().unwrap(),
        "--trust",
        trust,
        "--at",
        at,
    ])
}

/// A rotation of the primary: the bundle leads a verifier pinned to the old
/// fingerprint to the new key through the statement both keys signed; gpg
/// sees the cross-certifications; skopeo accepts the old key's images only
/// while the transition lasts; a replayed pre-rotation bundle is refused.
#[test]
fn a_rotation_is_followed_from_the_old_fingerprint_and_the_transition_ends() {
    let dir = tempdir();
    let dir = dir.path();
    ceremony(dir);
    let first = bundles(&dir.join("export")).pop().unwrap();
    let old_fpr = fingerprint(&first);
    let (old_signer, _) = signer_from_backup(dir, "passphrase.txt");
    let old_backup = bundles(&dir.join("backup-1")).pop().unwrap();

    let (plan, report) = rotate(dir, &old_backup);
    let images = dir.join("images");
    let new_fpr = report["fingerprint"].as_str().unwrap().to_owned();
    assert_eq!(report["old_fingerprint"], old_fpr.as_str());
    assert_ne!(new_fpr, old_fpr);
    let second = bundles(&dir.join("export")).pop().unwrap();

    // From the old fingerprint, through the statement, to the new key.
    let o = verify(&second, &["--trust", &old_fpr, "--output-format", "json"]);
    assert_exit(&o, 0);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["key"], new_fpr.as_str());
    assert_eq!(v["sequence"], 2);
    assert_eq!(v["followed"][0]["old"], old_fpr.as_str());
    assert_eq!(v["transition"]["old"], old_fpr.as_str());
    assert_exit(&verify(&second, &["--trust", &new_fpr]), 0);
    let stranger = "0".repeat(40);
    assert_exit(&verify(&second, &["--trust", &stranger]), 5);

    // gpg checks the cross-certifications, each carrying the statement's hash.
    let gpg = Gpg::new();
    for f in ["rotation-1-old-cert.asc", "rotation-1-new-cert.asc"] {
        gpg.ok(&["--import", second.join(f).to_str().unwrap()]);
    }
    let statement = std::fs::read(second.join("rotation-1.json")).unwrap();
    let digest = keyceremony::media::sha256_hex(&statement);
    for (signed, by) in [(&new_fpr, &old_fpr), (&old_fpr, &new_fpr)] {
        let o = gpg.ok(&["--with-colons", "--check-sigs", signed]);
        let by_id = &by[24..];
        assert!(
            stdout(&o)
                .lines()
                .any(|l| l.starts_with("sig:!:") && l.split(':').nth(4) == Some(by_id)),
            "{signed} certified by {by}: {}",
            stdout(&o)
        );
        let o = gpg.ok(&["--list-options", "show-notations", "--check-sigs", signed]);
        assert!(stdout(&o).contains(&digest), "{}", stdout(&o));
    }

    // gpg and sq check the statement's signatures by both keys' signing subkeys.
    for (cert, sig) in [
        ("rotation-1-old-cert.asc", "rotation-1.json.old-subkey.asc"),
        ("rotation-1-new-cert.asc", "rotation-1.json.new-subkey.asc"),
    ] {
        let o = gpg.run(&[
            "--verify",
            second.join(sig).to_str().unwrap(),
            second.join("rotation-1.json").to_str().unwrap(),
        ]);
        assert!(
            stderr(&o).contains("Good signature"),
            "{sig}: {}",
            stderr(&o)
        );
        let o = tool("sq")
            .args(["verify", "--signer-cert"])
            .arg(second.join(cert))
            .arg("--detached")
            .arg(second.join(sig))
            .arg(second.join("rotation-1.json"))
            .output()
            .unwrap();
        assert_exit(&o, 0);
    }

    // The history from the genesis through the rotation.
    let transcripts: Vec<String> = bundles(&dir.join("export"))
        .iter()
        .map(|b| b.join("transcript.jsonl").display().to_string())
        .collect();
    let mut targs = vec!["transcript".to_owned(), "verify".into()];
    targs.extend(transcripts);
    let o = run_owned(&targs);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("History intact: 2 ceremonies"),
        "{}",
        stdout(&o)
    );

    // Images signed by the old key and by the new one.
    let work = tempdir();
    let src = work.path().join("oci");
    oci_image(&src, "release v2\n");
    let by_old = images.join("by-old");
    skopeo_sign(&old_signer, &old_fpr, &src, &by_old);
    let (new_signer, signer_fpr) = signer_from_backup(dir, "passphrase-2.txt");
    assert_eq!(signer_fpr, new_fpr);
    let by_new = images.join("by-new");
    skopeo_sign(&new_signer, &new_fpr, &src, &by_new);

    // During the transition both are accepted; after it, only the new key's.
    let during = work.path().join("during");
    assert_exit(&install_at(&second, &during, &old_fpr, "1d"), 0);
    let policy = rooted_policy(&during);
    assert_exit(
        &skopeo_accepts(&policy, &by_new, &work.path().join("o1")),
        0,
    );
    assert_exit(
        &skopeo_accepts(&policy, &by_old, &work.path().join("o2")),
        0,
    );
    let after = work.path().join("after");
    assert_exit(&install_at(&second, &after, &old_fpr, "31d"), 0);
    let policy = rooted_policy(&after);
    assert_exit(
        &skopeo_accepts(&policy, &by_new, &work.path().join("o3")),
        0,
    );
    let o = skopeo_accepts(&policy, &by_old, &work.path().join("o4"));
    assert_ne!(o.status.code(), Some(0), "the old key after the transition");

    // A verifier that saw the rotation refuses the pre-rotation bundle.
    let state = work.path().join("state.json");
    let s = state.to_str().unwrap();
    assert_exit(&verify(&first, &["--state", s]), 0);
    assert_exit(&verify(&second, &["--state", s]), 0);
    let o = verify(&first, &["--state", s]);
    assert_exit(&o, 5);
    assert!(stderr(&o).contains("rotated-away key"), "{}", stderr(&o));

    // The old primary's revocation waits on the backups, not online...
    let revocation = format!("revocation-superseded-{old_fpr}.asc");
    assert!(!second.join(&revocation).exists());
    assert!(bundles(&dir.join("backup-1"))
        .pop()
        .unwrap()
        .join(&revocation)
        .exists());
    // ...until a ceremony after the transition (a renew, 31 days on)
    // publishes it in its bundle.
    let new_backup = bundles(&dir.join("backup-1")).pop().unwrap();
    let new_shares = bundles(&dir.join("new-shares")).pop().unwrap();
    let o = tool("faketime")
        .args(["-f", "+31d"])
        .arg(env!("CARGO_BIN_EXE_keyceremony"))
        .args(["renew", "--plan", plan.to_str().unwrap(), "--backup"])
        .arg(&new_backup)
        .args(["1", "2", "3"].map(|i| new_shares.join(format!("share-{i}-of-5.txt"))))
        .output()
        .unwrap();
    assert_exit(&o, 0);
    let third = bundles(&dir.join("export")).pop().unwrap();
    assert!(third.join(&revocation).exists());
    let o = verify(&third, &["--trust", &old_fpr, "--at", "32d"]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains(&format!("Publish: the revocation of {old_fpr}")),
        "{}",
        stdout(&o)
    );
    // gpg agrees: with it, the old key is revoked.
    let g = Gpg::new();
    g.ok(&["--import", first.join("cert.asc").to_str().unwrap()]);
    g.ok(&["--import", third.join(&revocation).to_str().unwrap()]);
    assert_eq!(g.colons("--list-keys", "pub")[0][1], "r");
}

/// `keyceremony-online`, the online side alone, verifies as `keyceremony
/// verify` does and links no PC/SC library: it runs in CI images that have
/// none.
#[test]
fn the_online_binary_verifies_and_needs_no_pcsc_library() {
    let online = env!("CARGO_BIN_EXE_keyceremony-online");
    let o = tool("readelf").args(["-d", online]).output().unwrap();
    assert_exit(&o, 0);
    let needed = stdout(&o);
    assert!(needed.contains("NEEDED"), "{needed}");
    assert!(!needed.contains("pcsclite"), "{needed}");

    let dir = tempdir();
    ceremony(dir.path());
    let bundle = bundles(&dir.path().join("export")).pop().unwrap();
    let fpr = fingerprint(&bundle);
    let o = Command::new(online)
        .args(["verify", bundle.to_str().unwrap(), "--trust", &fpr])
        .output()
        .unwrap();
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("verified"), "{}", stdout(&o));
    let o = Command::new(online)
        .args([
            "verify",
            bundle.to_str().unwrap(),
            "--trust",
            &"0".repeat(40),
        ])
        .output()
        .unwrap();
    assert_exit(&o, 5);
}
