//! A real registry, as a node sees it (issue 23): Debian's docker-registry
//! on 127.0.0.1, images pushed and signed by skopeo with the key from the
//! backup (its GPG signatures in the lookaside the bundle declares), the
//! bundle installed with `--root /` in a private mount namespace (a tmpfs
//! over /etc/containers and /etc/pki/containers, so the host's are never
//! touched), and skopeo pulling with the system's own policy and
//! registries.d, as podman and CRI-O on a node would. Needs root for the
//! mount namespace, as CI is. A physical YubiKey in place of the backup's
//! key changes only who signs (the card tests sign through scdaemon).

use crate::harness::*;

#[test]
fn a_node_enforces_the_installed_policy_on_a_real_registry_through_a_rotation() {
    let registry = Registry::start();
    let host = registry.host();
    let dir = tempdir();
    let dir = dir.path();
    let (sigs, online) = lookaside(dir, &host);
    let plan = genesis(dir, &[("scopes = []", online.as_str())], None);
    let first = bundles(&dir.join("export")).pop().unwrap();
    let old_fpr = fingerprint(&first);
    let (signer, _) = signer_from_backup(dir, "passphrase.txt");

    // Each image its own content, so each has its own digest and its own
    // signatures in the lookaside (they are stored by repository and digest).
    let image = |name: &str| {
        let src = dir.join(format!("oci-{name}"));
        oci_image(&src, &format!("release {name}\n"));
        src
    };
    let app = format!("{host}/app:v1");
    push(&image("v1"), &app, Some((&signer, &old_fpr)), &sigs, None);
    let unsigned = format!("{host}/app:unsigned");
    push(&image("unsigned"), &unsigned, None, &sigs, None);
    let mallory = Gpg::stranger();
    let mallory_fpr = mallory.colons("--list-keys", "fpr")[0][9].clone();
    let forged = format!("{host}/app:forged");
    push(
        &image("forged"),
        &forged,
        Some((&mallory, &mallory_fpr)),
        &sigs,
        None,
    );
    // Signed by our key, but as another repository's image.
    let elsewhere = format!("{host}/other:v1");
    push(
        &image("elsewhere"),
        &elsewhere,
        Some((&signer, &old_fpr)),
        &sigs,
        Some(&app),
    );

    let state = dir.join("node-state.json");
    let s = state.to_str().unwrap();
    let (install, pulls, err) = node(
        &first,
        &["--state", s],
        &[&app, &unsigned, &forged, &elsewhere],
    );
    assert_eq!(install, 0, "{err}");
    assert_eq!(code(&pulls, &app), 0, "the signed image: {err}");
    for refused in [&unsigned, &forged, &elsewhere] {
        assert_ne!(code(&pulls, refused), 0, "{refused} was accepted: {err}");
    }
    assert!(
        err.contains("no signature exists") || err.contains("A signature was required"),
        "{err}"
    );

    // A rotation: the new key's images, and the old key's only while the
    // transition lasts.
    let old_backup = bundles(&dir.join("backup-1")).pop().unwrap();
    let (_, report) = rotate_with(dir, &old_backup, &online);
    let new_fpr = report["fingerprint"].as_str().unwrap().to_owned();
    let second = bundles(&dir.join("export")).pop().unwrap();
    let (new_signer, _) = signer_from_backup(dir, "passphrase-2.txt");
    let app2 = format!("{host}/app:v2");
    push(
        &image("v2"),
        &app2,
        Some((&new_signer, &new_fpr)),
        &sigs,
        None,
    );
    let (install, pulls, err) = node(&second, &["--state", s], &[&app2, &app]);
    assert_eq!(install, 0, "{err}");
    assert_eq!(code(&pulls, &app2), 0, "the new key's image: {err}");
    assert_eq!(
        code(&pulls, &app),
        0,
        "the old key's image in the transition: {err}"
    );
    let (install, pulls, err) = node(&second, &["--state", s, "--at", "31d"], &[&app2, &app]);
    assert_eq!(install, 0, "{err}");
    assert_eq!(code(&pulls, &app2), 0, "{err}");
    assert_ne!(
        code(&pulls, &app),
        0,
        "the old key's image after the transition: {err}"
    );

    // A later bundle of the rotated-away key (a renew from its old backup)
    // is refused by the node's state, and the node keeps the new key.
    let o = renew(
        &plan,
        &old_backup,
        &sheets(dir, &[1, 2, 3]),
        &["--allow-retired-key"],
    );
    assert_exit(&o, 0);
    let stale = bundles(&dir.join("export")).pop().unwrap();
    let (install, _, err) = node(&stale, &["--state", s], &[]);
    assert_eq!(install, 5, "{err}");
    assert!(err.contains("rotated-away key"), "{err}");
    let st: serde_json::Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert_eq!(st["current"], new_fpr.as_str());
}

/// #27: cosign's own signature format on a real registry, through a cosign
/// rotation. Images are pushed by skopeo and signed with the cosign key
/// file the ceremony wrote, stored as `cosign sign` stores them (the
/// `sha256-<digest>.sig` tag, its layer the simple-signing payload, the
/// signature in the layer's annotation), then read back from the registry
/// and checked by sigstore's crate with the bundle's cosign.pub, as `cosign
/// verify --key` would. After `cosign rotate`, the new image verifies with
/// the new cosign.pub and the old image's signature does not (it verifies
/// only with `cosign-previous.pub`, which the cluster policies accept during
/// the transition).
///
/// What a node adds cannot be run here: Debian 12's containers/image has
/// sigstore switched off ("Debian-local change: sigstore disabled"), so a
/// Debian 12 node refuses every image under a `sigstoreSigned` requirement
/// (docs/cosign.md says so); a cluster's admission controller is not
/// packaged for Debian.
#[test]
fn cosign_signatures_round_trip_through_a_real_registry_and_a_cosign_rotation() {
    let registry = Registry::start();
    let host = registry.host();
    let dir = tempdir();
    let dir = dir.path();
    let sigs = dir.join("sigs");
    std::fs::create_dir_all(&sigs).unwrap();
    std::fs::create_dir_all(dir.join("ci")).unwrap();
    let online = format!(
        "scopes = [\"{host}\"]\nlookaside = \"file://{}\"",
        sigs.display()
    );
    let plan = genesis(
        dir,
        &[
            ("scopes = []", online.as_str()),
            (
                "tier = \"none\"",
                "tier = \"file\"\nkey_to = \"ci\"\npassword_deliver_to = \"cosign-password.txt\"",
            ),
        ],
        None,
    );
    let first = bundles(&dir.join("export")).pop().unwrap();
    let image = |name: &str| {
        let src = dir.join(format!("oci-{name}"));
        oci_image(&src, &format!("release {name}\n"));
        src
    };
    let app = format!("{host}/app:v1");
    push(&image("v1"), &app, None, &sigs, None);
    let key1 = bundle(&dir.join("ci")).join("cosign.key");
    let pw1 = dir.join("cosign-password.txt");
    let tag = cosign_sign(&app, &key_file_signer(&key1, &pw1));
    let o = tool("skopeo")
        .args(["list-tags", "--tls-verify=false"])
        .arg(format!("docker://{host}/app"))
        .output()
        .unwrap();
    assert_exit(&o, 0);
    assert!(stdout(&o).contains(&tag), "{}", stdout(&o));
    assert_exit(&cosign_verify(&app, &first.join("cosign.pub")), 0);

    // The yearly rotation, into a new CI secret store.
    std::fs::create_dir_all(dir.join("ci-2")).unwrap();
    let text = std::fs::read_to_string(&plan).unwrap().replace(
        "key_to = \"ci\"\npassword_deliver_to = \"cosign-password.txt\"",
        "key_to = \"ci-2\"\npassword_deliver_to = \"cosign-password-2.txt\"",
    );
    std::fs::write(&plan, text).unwrap();
    let backup = bundles(&dir.join("backup-1")).pop().unwrap();
    let mut args = vec![
        "cosign".to_owned(),
        "rotate".into(),
        "--reason".into(),
        "scheduled".into(),
        "--plan".into(),
        plan.display().to_string(),
        "--backup".into(),
        backup.display().to_string(),
    ];
    args.extend(
        sheets(dir, &[1, 2, 3])
            .iter()
            .map(|p| p.display().to_string()),
    );
    assert_exit(&bin().args(&args).output().unwrap(), 0);
    let second = bundles(&dir.join("export")).pop().unwrap();
    let app2 = format!("{host}/app:v2");
    push(&image("v2"), &app2, None, &sigs, None);
    let key2 = bundle(&dir.join("ci-2")).join("cosign.key");
    let pw2 = dir.join("cosign-password-2.txt");
    cosign_sign(&app2, &key_file_signer(&key2, &pw2));
    assert_exit(&cosign_verify(&app2, &second.join("cosign.pub")), 0);
    let o = cosign_verify(&app, &second.join("cosign.pub"));
    assert_ne!(
        o.status.code(),
        Some(0),
        "the old key's signature verified with the new key"
    );
    assert_exit(&cosign_verify(&app, &second.join("cosign-previous.pub")), 0);
}
