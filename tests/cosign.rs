//! The cosign key through the real binary, checked by its peers: sigstore's
//! own Rust implementation (tests/cosign-peer: Debian 12 packages no cosign)
//! opens the key file and checks signatures, openssl verifies against
//! cosign.pub, SoftHSM2 holds the key of the pkcs11 tier, which opensc's
//! `pkcs11-tool` finds by the id in the exported URI and signs with; gpg
//! checks the statement that binds cosign.pub to the OpenPGP key.
//!
//! A physical HSM adds what SoftHSM2 does not model: PIN retry counters
//! that lock (SoftHSM2 never reports a final try), its own key generation
//! hardware, and a vendor's module path.

use std::path::Path;
use std::process::Output;

use crate::harness::*;

/// sigstore opens `key` with the password in `password` to the public key
/// `expected` (PEM text; sigstore writes CRLF line ends).
fn assert_peer_opens_to(key: &Path, password: &Path, expected: impl AsRef<str>) {
    let o = peer(&[Path::new("public"), key, password]);
    assert_exit(&o, 0);
    assert_eq!(
        stdout(&o).replace("\r\n", "\n").trim(),
        expected.as_ref().trim()
    );
}

/// pkcs11-tool has key `id` in `token` sign a payload's digest (cosign's:
/// SHA-256), and openssl and sigstore verify it with `public`.
fn token_signs_for(hsm: &SoftHsm, token: &str, id: &str, public: &Path, dir: &Path) {
    let (data, digest) = payload(dir, "payload");
    let sig = dir.join("payload.sig");
    let (digest, sig_s) = (digest.display().to_string(), sig.display().to_string());
    let o = hsm.pkcs11_tool_on(
        token,
        &[
            "--sign",
            "--id",
            id,
            "-m",
            "ECDSA",
            "--signature-format",
            "openssl",
            "-i",
            &digest,
            "-o",
            &sig_s,
        ],
    );
    assert_exit(&o, 0);
    assert!(openssl_verifies(public, &data, &sig));
    assert_exit(&peer(&[Path::new("verify"), public, &data, &sig]), 0);
}

/// The cluster's admission policies in the export, checked field by field
/// against the bundle (the key data is cosign.pub, a glob per docker
/// scope), written by `install --kubernetes` as the same bytes, and a
/// bundle whose policy was edited (and its MANIFEST re-made to match) is
/// refused. What a cluster adds that cannot run here (the admission
/// webhook itself, pulling through the cluster's registry credentials) is
/// said in docs/cosign.md.
fn cluster_policies_enforce_the_cosign_key(c: &Ceremony, public: &Path, dir: &Path) {
    let pem = std::fs::read_to_string(public).unwrap();
    let read = |p: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
    };
    let info = read(&c.export.join("bundle.json"));
    assert_eq!(
        info["files"]["cluster"],
        serde_json::json!(["cluster-image-policy.json", "kyverno-policy.json"])
    );
    let name = format!("keyceremony-{}", &c.fingerprint.to_lowercase()[..16]);
    let cip = read(&c.export.join("cluster-image-policy.json"));
    assert_eq!(cip["apiVersion"], "policy.sigstore.dev/v1beta1");
    assert_eq!(cip["kind"], "ClusterImagePolicy");
    assert_eq!(cip["metadata"]["name"], name);
    assert_eq!(
        cip["spec"]["images"],
        serde_json::json!([
            { "glob": "registry.example.org/app@**" },
            { "glob": "registry.example.org/app:**" },
            { "glob": "registry.example.org/app/**" }
        ])
    );
    let authorities = cip["spec"]["authorities"].as_array().unwrap();
    assert_eq!(authorities.len(), 1);
    assert_eq!(authorities[0]["key"]["data"], pem.as_str());
    let kyv = read(&c.export.join("kyverno-policy.json"));
    assert_eq!(
        (kyv["apiVersion"].as_str(), kyv["kind"].as_str()),
        (Some("kyverno.io/v1"), Some("ClusterPolicy"))
    );
    assert_eq!(kyv["spec"]["validationFailureAction"], "Enforce");
    let v = &kyv["spec"]["rules"][0]["verifyImages"][0];
    assert_eq!(
        v["imageReferences"],
        serde_json::json!([
            "registry.example.org/app:*",
            "registry.example.org/app@*",
            "registry.example.org/app/*"
        ])
    );
    assert_eq!(v["attestors"][0]["count"], 1);
    assert_eq!(
        v["attestors"][0]["entries"][0]["keys"]["publicKeys"],
        pem.as_str()
    );

    let k8s = dir.join("k8s");
    std::fs::create_dir_all(&k8s).unwrap();
    let root = dir.join("root-k8s");
    std::fs::create_dir_all(&root).unwrap();
    let o = run(&[
        "install",
        c.export.to_str().unwrap(),
        "--root",
        root.to_str().unwrap(),
        "--trust",
        &c.fingerprint,
        "--kubernetes",
        k8s.to_str().unwrap(),
    ]);
    assert_exit(&o, 0);
    for f in ["cluster-image-policy.json", "kyverno-policy.json"] {
        assert_eq!(
            std::fs::read(k8s.join(format!("{name}-{f}"))).unwrap(),
            std::fs::read(c.export.join(f)).unwrap(),
            "{f}"
        );
    }
    // A missing --kubernetes directory is named, and nothing is written.
    std::fs::create_dir_all(dir.join("root-none")).unwrap();
    let o = run(&[
        "install",
        c.export.to_str().unwrap(),
        "--root",
        dir.join("root-none").to_str().unwrap(),
        "--trust",
        &c.fingerprint,
        "--kubernetes",
        dir.join("no-such-dir").to_str().unwrap(),
    ]);
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("is not a directory: make it first"),
        "{}",
        stderr(&o)
    );
    assert!(names_in(&dir.join("root-none")).is_empty());

    // A policy that lets any image in, in a bundle whose MANIFEST and its
    // signature were re-made by someone holding the signing subkey: still
    // not what the scopes and key make, refused.
    let forged = dir.join("forged");
    let o = tool("cp")
        .arg("-a")
        .arg(&c.export)
        .arg(&forged)
        .output()
        .unwrap();
    assert_exit(&o, 0);
    let mut any = cip.clone();
    any["spec"]["images"] = serde_json::json!([{ "glob": "**" }]);
    any["spec"]["authorities"] =
        serde_json::json!([{ "name": "any", "static": { "action": "pass" } }]);
    std::fs::write(
        forged.join("cluster-image-policy.json"),
        format!("{}\n", serde_json::to_string_pretty(&any).unwrap()),
    )
    .unwrap();
    resign(dir, &forged);
    verify_refuses(
        &forged,
        &c.fingerprint,
        "cluster-image-policy.json is not the policy its declared scopes and cosign key make",
    );
}

/// `keyceremony verify` from `trust` refuses `bundle`, saying `why`.
fn verify_refuses(bundle: &Path, trust: &str, why: &str) {
    let o = run(&["verify", bundle.to_str().unwrap(), "--trust", trust]);
    assert_ne!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stderr(&o).contains(why), "{}", stderr(&o));
}

/// `keyceremony verify` from `trust` accepts the bundle and names its cosign key.
fn verify_names_the_cosign_key(bundle: &Path, trust: &str) {
    let o = run(&["verify", bundle.to_str().unwrap(), "--trust", trust]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("cosign    cosign.pub"),
        "{}",
        stdout(&o)
    );
}

/// The file tier: cosign's encrypted key file for a CI secret store, its
/// password handed over apart; sigstore opens it and signs, and the
/// signature verifies with the exported cosign.pub (sigstore and openssl);
/// the backups keep the key under the ceremony's passphrase, which sigstore
/// opens too; verify and install on the online side; a renew carries it.
#[test]
fn the_file_tier_writes_a_key_file_sigstore_opens_and_binds_its_public_key() {
    let dir = tempdir();
    let dir = dir.path().to_owned();
    std::fs::create_dir_all(dir.join("ci")).unwrap();
    let c = Ceremony::run(
        dir.clone(),
        &[
            (
                "tier = \"none\"",
                "tier = \"file\"\nkey_to = \"ci\"\npassword_deliver_to = \"cosign-password.txt\"\ncsr_subject = \"CN=Release Signing,O=Acme\"",
            ),
            ("scopes = []", "scopes = [\"registry.example.org/app\"]"),
        ],
        365,
        365,
    );
    let key = bundle(&dir.join("ci")).join("cosign.key");
    let password = dir.join("cosign-password.txt");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::metadata(&password).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let public = c.export.join("cosign.pub");
    assert_peer_opens_to(&key, &password, std::fs::read_to_string(&public).unwrap());
    let report: serde_json::Value = serde_json::from_str(&c.stdout).unwrap();
    assert_eq!(report["cosign"]["tier"], "file", "{}", c.stdout);

    // sigstore signs with the key file; sigstore and openssl verify with cosign.pub.
    let data = dir.join("payload.json");
    std::fs::write(
        &data,
        br#"{"critical":{"image":{"docker-manifest-digest":"sha256:00"}}}"#,
    )
    .unwrap();
    let sig = dir.join("payload.sig");
    assert_exit(&peer(&[Path::new("sign"), &key, &password, &data, &sig]), 0);
    assert_exit(&peer(&[Path::new("verify"), &public, &data, &sig]), 0);
    assert!(openssl_verifies(&public, &data, &sig));
    // Another key, or changed data, is refused by both.
    let (other_key, other_pub) = (dir.join("other.key"), dir.join("other.pub"));
    assert_exit(
        &peer(&[Path::new("generate"), &other_key, &other_pub, &password]),
        0,
    );
    assert_exit(&peer(&[Path::new("verify"), &other_pub, &data, &sig]), 1);
    assert!(!openssl_verifies(&other_pub, &data, &sig));
    std::fs::write(dir.join("changed.json"), b"{}").unwrap();
    assert_exit(
        &peer(&[
            Path::new("verify"),
            &public,
            &dir.join("changed.json"),
            &sig,
        ]),
        1,
    );
    // A wrong password opens nothing.
    let wrong = dir.join("wrong-password.txt");
    std::fs::write(&wrong, "not-the-password\n").unwrap();
    assert_exit(&peer(&[Path::new("public"), &key, &wrong]), 1);

    // Each backup keeps the key under the ceremony's passphrase: cosign's
    // own format, so sigstore opens it with the passphrase.
    let passphrase = dir.join("passphrase.txt");
    for b in &c.backups {
        assert_peer_opens_to(
            &b.join("cosign.key"),
            &passphrase,
            std::fs::read_to_string(&public).unwrap(),
        );
    }
    assert!(
        !c.export.join("cosign.key").exists(),
        "the export is public"
    );

    let st = statement(&c.export);
    assert_eq!(st["key"], c.fingerprint.as_str());
    assert_eq!(st["tier"], "file");
    openssl_checks_the_request(&c.export);
    gpg_checks_the_binding(&c.export);

    // The online side: verify names the key, install puts it where the
    // containers policy's sigstoreSigned requirement points.
    verify_names_the_cosign_key(&c.export, &c.fingerprint);
    let root = dir.join("root");
    std::fs::create_dir_all(&root).unwrap();
    let o = run(&[
        "install",
        c.export.to_str().unwrap(),
        "--root",
        root.to_str().unwrap(),
        "--trust",
        &c.fingerprint,
    ]);
    assert_exit(&o, 0);
    let installed = root.join(format!(
        "etc/pki/containers/keyceremony-{}-cosign.pub",
        c.fingerprint
    ));
    assert_eq!(
        std::fs::read(&installed).unwrap(),
        std::fs::read(&public).unwrap()
    );
    let policy: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("etc/containers/policy.json")).unwrap())
            .unwrap();
    let reqs = policy["transports"]["docker"]["registry.example.org/app"]
        .as_array()
        .unwrap();
    assert_eq!(reqs[0]["type"], "signedBy");
    assert_eq!(reqs[1]["type"], "sigstoreSigned");
    // keyPath is the path on the installed system, without --root's prefix.
    assert_eq!(
        reqs[1]["keyPath"],
        format!(
            "/etc/pki/containers/keyceremony-{}-cosign.pub",
            c.fingerprint
        )
    );
    assert_eq!(reqs[1]["signedIdentity"]["type"], "matchRepository");
    // cosign keeps its signatures in the registry: registries.d says so.
    let yaml = std::fs::read_to_string(root.join(format!(
        "etc/containers/registries.d/keyceremony-{}.yaml",
        c.fingerprint
    )))
    .unwrap();
    assert!(
        yaml.contains("  \"registry.example.org/app\":\n    use-sigstore-attachments: true\n"),
        "{yaml}"
    );
    cluster_policies_enforce_the_cosign_key(&c, &public, &dir);

    // A restore opens the cosign key with the OpenPGP key; a renew carries
    // it to the new backups and its binding to the new bundle.
    let shares: Vec<String> = [1, 2, 3]
        .iter()
        .map(|i| c.sheet(*i).display().to_string())
        .collect();
    let mut args = vec!["restore", "--backup", c.backups[0].to_str().unwrap()];
    args.extend(shares.iter().map(String::as_str));
    let o = run(&args);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("cosign key"), "{}", stdout(&o));
    // The CI secret store lost its copy: a new key file from a backup, under
    // a new password, that sigstore opens to the same key; never over one.
    let (ci2, pw2) = (dir.join("ci2"), dir.join("password-2.txt"));
    let (ci2_s, pw2_s) = (ci2.display().to_string(), pw2.display().to_string());
    let mut args = vec![
        "cosign",
        "key-file",
        "--backup",
        c.backups[1].to_str().unwrap(),
    ];
    args.extend(["--to", &ci2_s, "--password-to", &pw2_s]);
    args.extend(shares.iter().map(String::as_str));
    assert_exit(&run(&args), 0);
    assert_peer_opens_to(
        &ci2.join("cosign.key"),
        &pw2,
        std::fs::read_to_string(&public).unwrap(),
    );
    assert_ne!(
        std::fs::read(&pw2).unwrap(),
        std::fs::read(&password).unwrap()
    );
    // Two more key files in one second (two CI stores served one after the
    // other, under a clock frozen an hour on): each leaves its audit
    // record, the second under the next free name (the two collided once).
    let frozen = humantime::format_rfc3339_seconds(
        std::time::SystemTime::now() + std::time::Duration::from_secs(3600),
    )
    .to_string()
    .replace('T', " ")
    .replace('Z', "");
    for n in ["3", "4"] {
        let (to, pw) = (
            dir.join(format!("ci{n}")),
            dir.join(format!("password-{n}.txt")),
        );
        // -f: the time as given, frozen (without it faketime starts the
        // clock there and lets it run: the second run a second later).
        let o = tool("faketime")
            // Timeouts measure with the monotonic clock: left running.
            .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
            .arg("-f")
            .arg(&frozen)
            .arg(env!("CARGO_BIN_EXE_keyceremony"))
            .args([
                "cosign",
                "key-file",
                "--backup",
                c.backups[1].to_str().unwrap(),
            ])
            .arg("--to")
            .arg(&to)
            .arg("--password-to")
            .arg(&pw)
            .args(shares.iter().map(String::as_str))
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert_exit(&o, 0);
    }
    let stamp = frozen.replace(['-', ':'], "").replace(' ', "T");
    let medium = c.backups[1].parent().unwrap();
    for name in [
        format!("cosign-audit-{stamp}Z"),
        format!("cosign-audit-{stamp}Z-2"),
    ] {
        assert!(
            medium.join(&name).is_dir(),
            "{name}: {:?}",
            names_in(medium)
        );
    }
    // The password's file is never overwritten, and nothing is written
    // when it cannot be handed over; then the key file is never overwritten.
    std::fs::remove_dir_all(&ci2).unwrap();
    let o = run(&args);
    assert_exit(&o, 4);
    assert!(stderr(&o).contains("password-2.txt"), "{}", stderr(&o));
    assert!(!ci2.exists());
    std::fs::create_dir_all(&ci2).unwrap();
    std::fs::write(ci2.join("cosign.key"), "an older key file").unwrap();
    std::fs::remove_file(&pw2).unwrap();
    let o = run(&args);
    assert_exit(&o, 4);
    assert!(stderr(&o).contains("cosign.key"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(ci2.join("cosign.key")).unwrap(),
        b"an older key file"
    );
    let plan = c.dir.join("plan.toml").display().to_string();
    let backup0 = c.backups[0].display().to_string();
    let mut args = vec!["renew", "--plan", &plan, "--backup", &backup0];
    args.extend(shares.iter().map(String::as_str));
    // The file tier's key file is written once, by the genesis.
    let o = run(&args);
    assert_exit(&o, 0);
    let renewed = newest(&dir.join("export"));
    assert_eq!(
        std::fs::read(renewed.join("cosign.pub")).unwrap(),
        std::fs::read(&public).unwrap()
    );
    verify_names_the_cosign_key(&renewed, &c.fingerprint);
    let backup = newest(&dir.join("backup-1"));
    assert_peer_opens_to(
        &backup.join("cosign.key"),
        &passphrase,
        std::fs::read_to_string(&public).unwrap(),
    );
}

fn pkcs11_plan(generate: bool) -> String {
    format!(
        "tier = \"pkcs11\"\nmodule = \"{MODULE}\"\ntoken = \"release\"\npin_from = \"pin.txt\"\ngenerate_on_device = {generate}\ncsr_subject = \"CN=Release Signing,O=Acme\""
    )
}

/// openssl checks the export's certificate request: its signature, its
/// subject, and that it is for the key in cosign.pub.
fn openssl_checks_the_request(export: &Path) {
    let csr = export.join("cosign.csr");
    let o = tool("openssl")
        .args(["req", "-noout", "-verify", "-subject", "-in"])
        .arg(&csr)
        .output()
        .unwrap();
    assert_exit(&o, 0);
    let text = format!("{}{}", stdout(&o), stderr(&o));
    assert!(text.contains("verify OK"), "{text}");
    // RFC 4514 writes the most specific name first; DER (and openssl) the
    // other way round.
    assert!(
        text.contains("subject=O = Acme, CN = Release Signing"),
        "{text}"
    );
    // It asks for code signing, so its extension request is not empty.
    let o = tool("openssl")
        .args(["req", "-noout", "-text", "-in"])
        .arg(&csr)
        .output()
        .unwrap();
    assert_exit(&o, 0);
    let text = stdout(&o);
    assert!(
        text.contains("X509v3 Extended Key Usage") && text.contains("Code Signing"),
        "{text}"
    );
    let o = tool("openssl")
        .args(["req", "-noout", "-pubkey", "-in"])
        .arg(&csr)
        .output()
        .unwrap();
    assert_exit(&o, 0);
    assert_eq!(
        stdout(&o).trim(),
        std::fs::read_to_string(export.join("cosign.pub"))
            .unwrap()
            .trim()
    );
}

/// A genesis through `hsm` with the plan's cosign section, as JSON.
fn genesis_with_hsm(hsm: &SoftHsm, dir: &Path, generate: bool) -> Output {
    std::fs::write(dir.join("pin.txt"), "123456\n").unwrap();
    let plan = write_plan(dir, &[("tier = \"none\"", &pkcs11_plan(generate))]);
    hsm.keyceremony(&["genesis", "--plan", plan.to_str().unwrap()])
}

/// The pkcs11 tier, key made in the token: it never leaves (no backup holds
/// it, the token refuses to export it), pkcs11-tool finds it by the id in
/// the exported URI and signs with it, and openssl and sigstore verify that
/// signature with the exported cosign.pub. A second ceremony with the same
/// label stops before any key exists, naming the label.
#[test]
fn the_pkcs11_tier_makes_the_key_in_softhsm_and_proves_it_there() {
    let dir = tempdir();
    let dir = dir.path();
    let hsm = SoftHsm::new(dir);
    let o = hsm.keyceremony(&["hsm", "list", "--module", MODULE]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("\"release\": SoftHSM"),
        "{}",
        stdout(&o)
    );

    let o = genesis_with_hsm(&hsm, dir, true);
    assert_exit(&o, 0);
    let export = bundle(&dir.join("export"));
    let st = statement(&export);
    let uri = st["pkcs11_uri"].as_str().unwrap().to_owned();
    assert!(
        uri.starts_with("pkcs11:token=release;object=cosign;id=%"),
        "{uri}"
    );
    assert!(uri.ends_with(&format!("?module-path={MODULE}")), "{uri}");
    assert_eq!(st["generated_on_device"], true);
    // The request is signed by the token: the key never left it.
    openssl_checks_the_request(&export);
    let id = uri_id(&uri);
    for b in ["backup-1", "backup-2"] {
        assert!(!bundle(&dir.join(b)).join("cosign.key").exists());
    }
    gpg_checks_the_binding(&export);

    let listed = hsm.pkcs11_tool(&["--list-objects", "--type", "privkey"]);
    assert_exit(&listed, 0);
    assert!(
        stdout(&listed).contains("label:      cosign"),
        "{}",
        stdout(&listed)
    );
    assert!(
        stdout(&listed).contains(&format!("ID:         {id}")),
        "{}",
        stdout(&listed)
    );
    // Made in the token, never extractable, and for signing only.
    let text = stdout(&listed);
    assert!(text.contains("Usage:      sign\n"), "{text}");
    assert!(text.contains("never extractable, local"), "{text}");

    // The token signs, the exported public key verifies it.
    let public = export.join("cosign.pub");
    token_signs_for(&hsm, "release", &id, &public, dir);

    // The label is taken now: the next ceremony stops before any key exists.
    let again = dir.join("again");
    std::fs::create_dir_all(&again).unwrap();
    let o = genesis_with_hsm(&hsm, &again, true);
    assert_exit(&o, 8);
    assert!(
        stderr(&o).contains("already holds a key labelled \"cosign\""),
        "{}",
        stderr(&o)
    );
    assert!(!again.join("backup-1").read_dir().unwrap().any(|_| true));

    // A key made in the token is on no backup: nothing to put elsewhere.
    hsm.add_token("spare");
    let o = provision_spare(&hsm, dir);
    assert_exit(&o, 6);
    assert!(stderr(&o).contains("keeps no cosign key"), "{}", stderr(&o));
}

/// The pkcs11 tier with the ceremony's key imported: the token holds the
/// same key the backups keep (so a lost token is replaced from a backup),
/// unextractable; a wrong PIN stops the ceremony before any key exists and
/// says so, without the PIN in any output.
#[test]
fn the_pkcs11_tier_imports_the_backed_up_key() {
    let dir = tempdir();
    let dir = dir.path();
    let hsm = SoftHsm::new(dir);
    std::fs::write(dir.join("pin.txt"), "654321\n").unwrap();
    let plan = write_plan(dir, &[("tier = \"none\"", &pkcs11_plan(false))]);
    let o = hsm.keyceremony(&["genesis", "--plan", plan.to_str().unwrap()]);
    assert_exit(&o, 8);
    assert!(stderr(&o).contains("wrong user PIN"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("654321") && !stdout(&o).contains("654321"));

    let o = genesis_with_hsm(&hsm, dir, false);
    assert_exit(&o, 0);
    let export = newest(&dir.join("export"));
    assert_eq!(statement(&export)["generated_on_device"], false);
    let public = export.join("cosign.pub");
    let passphrase = dir.join("passphrase.txt");
    let backup = newest(&dir.join("backup-1"));
    assert_peer_opens_to(
        &backup.join("cosign.key"),
        &passphrase,
        std::fs::read_to_string(&public).unwrap(),
    );
    let listed = hsm.pkcs11_tool(&["--list-objects", "--type", "privkey"]);
    let text = stdout(&listed);
    assert!(text.contains("label:      cosign"), "{text}");
    assert!(text.contains("Usage:      sign\n"), "{text}");
    assert!(text.contains("Access:     sensitive"), "{text}");
    assert!(
        !text.contains("local"),
        "imported, not made in the token: {text}"
    );
    // #27: cosign's own signature format on a real registry, made by the
    // token through PKCS#11 (as `cosign sign --key pkcs11:...` would), read
    // back and verified by sigstore's crate with the bundle's cosign.pub.
    let registry = Registry::start();
    let image = dir.join("oci-app");
    oci_image(&image, "release\n");
    let app = format!("{}/app:v1", registry.host());
    let sigs = dir.join("sigs");
    std::fs::create_dir_all(&sigs).unwrap();
    push(&image, &app, None, &sigs, None);
    let id = uri_id(statement(&export)["pkcs11_uri"].as_str().unwrap());
    let signer = pkcs11_signer(
        [
            "--module",
            MODULE,
            "--token-label",
            "release",
            "--login",
            "--pin",
            "123456",
            "--id",
            &id,
        ]
        .map(str::to_owned)
        .to_vec(),
        vec![("SOFTHSM2_CONF".into(), hsm.conf.display().to_string())],
    );
    cosign_sign(&app, &signer);
    assert_exit(&cosign_verify(&app, &public), 0);

    // The token is lost: a replacement gets the same key from a backup, and
    // signs what cosign.pub verifies.
    hsm.add_token("spare");
    let o = provision_spare(&hsm, dir);
    assert_exit(&o, 0);
    let uri = stdout(&o)
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("pkcs11:"))
        .unwrap_or_else(|| panic!("{}", stdout(&o)))
        .to_owned();
    assert!(
        uri.contains("pkcs11:token=spare;object=cosign;id=%"),
        "{uri}"
    );
    token_signs_for(&hsm, "spare", &uri_id(&uri), &public, dir);
    // #27: the provisioning left a signed audit record beside the backup,
    // which transcript verify checks; the next ceremony from that medium
    // records it and its bundle names the token.
    let records: Vec<std::path::PathBuf> = names_in(&dir.join("backup-1"))
        .into_iter()
        .filter(|n| n.starts_with("cosign-audit-"))
        .map(|n| dir.join("backup-1").join(n))
        .collect();
    assert_eq!(records.len(), 1, "{}", stdout(&o));
    let record = &records[0];
    let o = run(&[
        "transcript",
        "verify",
        record.join("transcript.jsonl").to_str().unwrap(),
    ]);
    assert_exit(&o, 0);
    let text = std::fs::read_to_string(record.join("transcript.jsonl")).unwrap();
    assert!(
        text.contains("hsm-provision") && text.contains(&uri),
        "{text}"
    );
    let sheets: Vec<String> = [1, 2, 4]
        .iter()
        .map(|i| {
            bundle(&dir.join("shares"))
                .join(format!("share-{i}-of-5.txt"))
                .display()
                .to_string()
        })
        .collect();
    // Opened from the other backup medium: the record on backup-1 is read
    // all the same (the plan names both).
    let backup = newest(&dir.join("backup-2")).display().to_string();
    let plan = plan.display().to_string();
    let mut args = vec!["renew", "--plan", &plan, "--backup", &backup];
    args.extend(sheets.iter().map(String::as_str));
    assert_exit(&hsm.keyceremony(&args), 0);
    let renewed = newest(&dir.join("export"));
    let info: serde_json::Value =
        serde_json::from_slice(&std::fs::read(renewed.join("bundle.json")).unwrap()).unwrap();
    assert_eq!(info["cosign_tokens"][0], uri.as_str(), "{info}");
    let transcript = std::fs::read_to_string(renewed.join("transcript.jsonl")).unwrap();
    assert!(transcript.contains("\"cosign.audited\""), "{transcript}");
    let o = run(&[
        "verify",
        renewed.to_str().unwrap(),
        "--trust",
        &fingerprint(&renewed),
    ]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains(&format!("also in {uri}")),
        "{}",
        stdout(&o)
    );
    // A genuine record copied under a newer name (a replay) stops the next
    // ceremony, as does one whose signature does not hold.
    let replayed = dir.join("backup-1").join("cosign-audit-29990101T000000Z");
    assert_exit(
        &tool("cp")
            .arg("-a")
            .arg(record)
            .arg(&replayed)
            .output()
            .unwrap(),
        0,
    );
    let backup = newest(&dir.join("backup-1")).display().to_string();
    let mut args = vec!["renew", "--plan", &plan, "--backup", &backup];
    args.extend(sheets.iter().map(String::as_str));
    let o = hsm.keyceremony(&args);
    assert_exit(&o, 5);
    assert!(
        stderr(&o).contains("copied under another name"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(&replayed).unwrap();
    let forged_record = dir.join("backup-1").join("cosign-audit-29991231T000000Z");
    assert_exit(
        &tool("cp")
            .arg("-a")
            .arg(record)
            .arg(&forged_record)
            .output()
            .unwrap(),
        0,
    );
    std::fs::write(
        forged_record.join("transcript.jsonl.asc"),
        b"not a signature",
    )
    .unwrap();
    let backup = newest(&dir.join("backup-1")).display().to_string();
    let mut args = vec!["renew", "--plan", &plan, "--backup", &backup];
    args.extend(sheets.iter().map(String::as_str));
    let o = hsm.keyceremony(&args);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("does not check"), "{}", stderr(&o));
    std::fs::remove_dir_all(&forged_record).unwrap();
    // Twice into one token: its label is taken, nothing is imported.
    let o = provision_spare(&hsm, dir);
    assert_exit(&o, 8);
    assert!(
        stderr(&o).contains("already holds a key labelled"),
        "{}",
        stderr(&o)
    );

    // #27: the key leaked; revoked, and destroyed in the HSM its cosign.json
    // names (the plan's [cosign] token), recorded in the transcript. A plan
    // naming another token is refused before anything is written.
    let revoke = |plan: &str| {
        let backup = newest(&dir.join("backup-1")).display().to_string();
        let mut args = vec![
            "cosign",
            "revoke",
            "--reason",
            "compromised",
            "--destroy-in-token",
            "--plan",
            plan,
            "--backup",
            &backup,
        ];
        args.extend(sheets.iter().map(String::as_str));
        hsm.keyceremony(&args)
    };
    let elsewhere = write_plan(
        dir,
        &[(
            "tier = \"none\"",
            &pkcs11_plan(false).replace("token = \"release\"", "token = \"spare\""),
        )],
    );
    let o = revoke(elsewhere.to_str().unwrap());
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("the cosign key is not in token \"spare\""),
        "{}",
        stderr(&o)
    );
    let plan = write_plan(dir, &[("tier = \"none\"", &pkcs11_plan(false))]);
    let o = revoke(plan.to_str().unwrap());
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("Destroyed in the HSM: pkcs11:token=release;object=cosign"),
        "{}",
        stdout(&o)
    );
    let listed = hsm.pkcs11_tool(&["--list-objects", "--type", "privkey"]);
    assert!(
        !stdout(&listed).contains("label:      cosign"),
        "{}",
        stdout(&listed)
    );
    let transcript =
        std::fs::read_to_string(newest(&dir.join("export")).join("transcript.jsonl")).unwrap();
    let revoked = transcript
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["event"] == "cosign.revoked")
        .unwrap();
    assert_eq!(revoked["data"]["destroyed"], true, "{revoked}");
}

/// `hsm provision` of the newest backup's cosign key into token "spare".
fn provision_spare(hsm: &SoftHsm, dir: &Path) -> Output {
    let sheets = bundle(&dir.join("shares"));
    let shares: Vec<String> = [1, 2, 4]
        .iter()
        .map(|i| {
            sheets
                .join(format!("share-{i}-of-5.txt"))
                .display()
                .to_string()
        })
        .collect();
    let backup = newest(&dir.join("backup-1")).display().to_string();
    let pin = dir.join("pin.txt").display().to_string();
    let mut args = vec!["hsm", "provision", "--backup", &backup, "--module", MODULE];
    args.extend(["--token", "spare", "--pin-from", &pin]);
    args.extend(shares.iter().map(String::as_str));
    hsm.keyceremony(&args)
}

/// The hex `CKA_ID` in a `pkcs11:` URI.
fn uri_id(uri: &str) -> String {
    uri.split(";id=")
        .nth(1)
        .and_then(|r| r.split(';').next())
        .unwrap_or_else(|| panic!("no id in {uri}"))
        .replace('%', "")
        .to_lowercase()
}

/// A rotation of the primary keeps the cosign key: the new primary signs a
/// new statement for the same cosign.pub, the rotation statement names it,
/// the new backups keep cosign.key under the new passphrase, and a verifier
/// pinned to the old fingerprint reaches the cosign key through the chain.
#[test]
fn a_rotation_keeps_the_cosign_key_under_the_new_primary() {
    let dir = tempdir();
    let dir = dir.path().to_owned();
    std::fs::create_dir_all(dir.join("ci")).unwrap();
    let file_tier = (
        "tier = \"none\"",
        "tier = \"file\"\nkey_to = \"ci\"\npassword_deliver_to = \"cosign-password.txt\"",
    );
    let c = Ceremony::run(dir.clone(), &[file_tier], 365, 365);
    let public = std::fs::read(c.export.join("cosign.pub")).unwrap();
    std::fs::create_dir_all(dir.join("new-shares")).unwrap();
    let plan = write_plan(
        &dir,
        &[
            file_tier,
            (
                "deliver_to = \"passphrase.txt\"",
                "deliver_to = \"passphrase-2.txt\"",
            ),
            ("output = \"shares\"", "output = \"new-shares\""),
        ],
    );
    let plan = plan.display().to_string();
    let backup = c.backups[0].display().to_string();
    let shares: Vec<String> = [2, 3, 5]
        .iter()
        .map(|i| c.sheet(*i).display().to_string())
        .collect();
    let mut args = vec![
        "rotate",
        "--reason",
        "yearly",
        "--transition",
        "30d",
        "--plan",
        &plan,
        "--backup",
        &backup,
    ];
    args.extend(shares.iter().map(String::as_str));
    let o = run(&args);
    assert_exit(&o, 0);
    // The plan's [cosign] is not what rotate acts on, and it says so.
    assert!(
        stderr(&o).contains("the plan's [cosign] section is not used by rotate"),
        "{}",
        stderr(&o)
    );

    let export = newest(&dir.join("export"));
    assert_ne!(export, c.export);
    assert_eq!(std::fs::read(export.join("cosign.pub")).unwrap(), public);
    let st = statement(&export);
    let new_fpr = st["key"].as_str().unwrap().to_owned();
    assert_ne!(new_fpr, c.fingerprint);
    let rotation: serde_json::Value =
        serde_json::from_slice(&std::fs::read(export.join("rotation-1.json")).unwrap()).unwrap();
    assert_eq!(rotation["new"], new_fpr.as_str());
    assert_eq!(
        rotation["cosign_public_key_sha256"],
        st["cosign_public_key_sha256"]
    );
    gpg_checks_the_binding(&export);
    verify_names_the_cosign_key(&export, &c.fingerprint);
    assert_peer_opens_to(
        &newest(&dir.join("backup-1")).join("cosign.key"),
        &dir.join("passphrase-2.txt"),
        String::from_utf8_lossy(&public).trim(),
    );
}

/// The transcript in `export` records the key file `key` (the CI secret
/// store's copy) with its SHA-256, as every file a ceremony writes.
fn transcript_records_the_key_file(export: &Path, key: &Path) {
    let sha = keyceremony::media::sha256_hex(&std::fs::read(key).unwrap());
    let text = std::fs::read_to_string(export.join("transcript.jsonl")).unwrap();
    assert!(
        text.lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .any(|e| e["event"] == "file.written"
                && e["data"]["name"] == "cosign.key"
                && e["data"]["sha256"] == sha.as_str()),
        "no file.written for {} ({sha})",
        key.display()
    );
}

/// `cosign rotate`, a new key file for a new CI secret store, as every
/// cosign.key on the export medium would get it.
fn cosign_rotate(c: &Ceremony, backup: &Path, n: u32, reason: &str, extra: &[&str]) -> Output {
    let dir = &c.dir;
    let store = format!("ci-{n}");
    std::fs::create_dir_all(dir.join(&store)).unwrap();
    let plan = write_plan(
        dir,
        &[(
            "tier = \"none\"",
            &format!("tier = \"file\"\nkey_to = \"{store}\"\npassword_deliver_to = \"cosign-password-{n}.txt\""),
        ),
        ("scopes = []", "scopes = [\"registry.example.org/app\"]")],
    );
    let shares: Vec<String> = [1, 3, 5]
        .iter()
        .map(|i| c.sheet(*i).display().to_string())
        .collect();
    let mut args = vec![
        "cosign".to_owned(),
        "rotate".into(),
        "--reason".into(),
        reason.into(),
        "--plan".into(),
        plan.display().to_string(),
        "--backup".into(),
        backup.display().to_string(),
    ];
    args.extend(extra.iter().map(|e| e.to_string()));
    args.extend(shares);
    run_owned(&args)
}

/// A genesis with a cosign key file for the CI store `ci` and the docker
/// scope registry.example.org/app: what the cosign key's ceremonies start
/// from. Keep the first value: the directory goes with it.
fn file_tier_for_a_registry() -> (tempfile::TempDir, std::path::PathBuf, Ceremony) {
    let keep = tempdir();
    let dir = keep.path().to_owned();
    std::fs::create_dir_all(dir.join("ci")).unwrap();
    let c = Ceremony::run(
        dir.clone(),
        &[
            (
                "tier = \"none\"",
                "tier = \"file\"\nkey_to = \"ci\"\npassword_deliver_to = \"cosign-password.txt\"",
            ),
            ("scopes = []", "scopes = [\"registry.example.org/app\"]"),
        ],
        365,
        365,
    );
    (keep, dir, c)
}

/// #27: the cosign key's yearly rotation and its emergency replacement.
/// A scheduled rotation makes a new key (sigstore opens it and its
/// signature verifies with the new cosign.pub), binds it, and signs a
/// statement naming both keys (gpg checks it); the bundle carries the old
/// key's public half, `verify` names both, and the cluster policies accept
/// both until the transition ends. A compromised key is replaced at once:
/// the next bundle has no previous key and its policies name the new key
/// alone. Both transcripts continue the key's history. A bundle that
/// carries a previous key though its statement says compromised is refused.
#[test]
fn a_cosign_key_is_rotated_through_a_transition_and_replaced_at_once_when_compromised() {
    let (_keep, dir, c) = file_tier_for_a_registry();
    let old = std::fs::read_to_string(c.export.join("cosign.pub")).unwrap();
    let o = cosign_rotate(&c, &c.backups[0], 2, "scheduled", &[]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("Cosign key rotated"), "{}", stdout(&o));
    let export = newest(&dir.join("export"));
    let new = std::fs::read_to_string(export.join("cosign.pub")).unwrap();
    assert_ne!(new, old);
    assert_eq!(
        std::fs::read_to_string(export.join("cosign-previous.pub")).unwrap(),
        old
    );
    let key = bundle(&dir.join("ci-2")).join("cosign.key");
    assert_peer_opens_to(&key, &dir.join("cosign-password-2.txt"), &new);
    transcript_records_the_key_file(&export, &key);
    transcript_records_the_key_file(&c.export, &bundle(&dir.join("ci")).join("cosign.key"));
    let st: serde_json::Value =
        serde_json::from_slice(&std::fs::read(export.join("cosign-rotation.json")).unwrap())
            .unwrap();
    assert_eq!(st["reason"], "scheduled");
    assert_eq!(st["key"], c.fingerprint.as_str());
    assert_eq!(
        st["new_cosign_public_key_sha256"],
        statement(&export)["cosign_public_key_sha256"]
    );
    assert_ne!(
        st["old_cosign_public_key_sha256"],
        st["new_cosign_public_key_sha256"]
    );
    // gpg checks the rotation statement's subkey signature with the cert.
    let gpg = Gpg::new();
    gpg.ok(&["--import", export.join("cert.asc").to_str().unwrap()]);
    gpg.ok(&[
        "--verify",
        export
            .join("cosign-rotation.json.subkey.asc")
            .to_str()
            .unwrap(),
        export.join("cosign-rotation.json").to_str().unwrap(),
    ]);
    let o = run(&[
        "verify",
        export.to_str().unwrap(),
        "--trust",
        &c.fingerprint,
    ]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("cosign-previous.pub: the key replaced")
            && stdout(&o).contains(st["transition_until"].as_str().unwrap()),
        "{}",
        stdout(&o)
    );
    // Past the transition, verify says it ended.
    let o = tool("faketime")
        .args(["-f", "+31d"])
        .arg(env!("CARGO_BIN_EXE_keyceremony"))
        .args([
            "verify",
            export.to_str().unwrap(),
            "--trust",
            &c.fingerprint,
        ])
        .output()
        .unwrap();
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("its transition ended"),
        "{}",
        stdout(&o)
    );
    let cip: serde_json::Value =
        serde_json::from_slice(&std::fs::read(export.join("cluster-image-policy.json")).unwrap())
            .unwrap();
    let data: Vec<&str> = cip["spec"]["authorities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["key"]["data"].as_str().unwrap())
        .collect();
    assert_eq!(data, [new.as_str(), old.as_str()]);
    let o = run(&[
        "transcript",
        "verify",
        c.export.join("transcript.jsonl").to_str().unwrap(),
        export.join("transcript.jsonl").to_str().unwrap(),
    ]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("cosign-rotate"), "{}", stdout(&o));

    // A second scheduled rotation while the first one's transition lasts
    // would drop the key it still vouches for: refused before anything is
    // written; and a transition is no option for a compromised key.
    let exports = names_in(&dir.join("export")).len();
    let o = cosign_rotate(&c, &newest(&dir.join("backup-1")), 9, "scheduled", &[]);
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("transition lasts until"),
        "{}",
        stderr(&o)
    );
    let o = cosign_rotate(
        &c,
        &newest(&dir.join("backup-1")),
        9,
        "compromised",
        &["--transition", "5y"],
    );
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("--transition is for a scheduled rotation"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        names_in(&dir.join("export")).len(),
        exports,
        "something was written"
    );

    // Compromised: the newest backup's key replaced at once.
    let o = cosign_rotate(&c, &newest(&dir.join("backup-1")), 3, "compromised", &[]);
    assert_exit(&o, 0);
    let export3 = newest(&dir.join("export"));
    let newest_pub = std::fs::read_to_string(export3.join("cosign.pub")).unwrap();
    assert!(newest_pub != new && newest_pub != old);
    assert!(!export3.join("cosign-previous.pub").exists());
    let info: serde_json::Value =
        serde_json::from_slice(&std::fs::read(export3.join("bundle.json")).unwrap()).unwrap();
    assert!(info["files"].get("cosign_previous").is_none(), "{info}");
    let cip: serde_json::Value =
        serde_json::from_slice(&std::fs::read(export3.join("cluster-image-policy.json")).unwrap())
            .unwrap();
    assert_eq!(cip["spec"]["authorities"].as_array().unwrap().len(), 1);
    assert_eq!(
        cip["spec"]["authorities"][0]["key"]["data"],
        newest_pub.as_str()
    );
    let o = run(&[
        "verify",
        export3.to_str().unwrap(),
        "--trust",
        &c.fingerprint,
    ]);
    assert_exit(&o, 0);

    // The compromised key smuggled back as "previous", re-signed: refused.
    let forged = dir.join("forged");
    let o = tool("cp")
        .arg("-a")
        .arg(&export3)
        .arg(&forged)
        .output()
        .unwrap();
    assert_exit(&o, 0);
    std::fs::write(forged.join("cosign-previous.pub"), &new).unwrap();
    let mut info = info.clone();
    info["files"]["cosign_previous"] = "cosign-previous.pub".into();
    std::fs::write(
        forged.join("bundle.json"),
        format!("{}\n", serde_json::to_string_pretty(&info).unwrap()),
    )
    .unwrap();
    let manifest = std::fs::read_to_string(forged.join("MANIFEST")).unwrap();
    std::fs::write(
        forged.join("MANIFEST"),
        format!("{manifest}{}  cosign-previous.pub\n", "0".repeat(64)),
    )
    .unwrap();
    resign(&dir, &forged);
    verify_refuses(
        &forged,
        &c.fingerprint,
        "says the old cosign key was compromised",
    );

    // A rotation of the primary carries the cosign rotation, now signed by
    // the new primary: the bundle still verifies from the old fingerprint;
    // installed for a cluster after the old key's bundle, it takes the old
    // key's policies away and says to delete them in the cluster.
    let (k8s, root, state) = (dir.join("k8s"), dir.join("root"), dir.join("state.json"));
    std::fs::create_dir_all(&k8s).unwrap();
    std::fs::create_dir_all(&root).unwrap();
    let install = |bundle: &Path| {
        run(&[
            "install",
            bundle.to_str().unwrap(),
            "--root",
            root.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
            "--trust",
            &c.fingerprint,
            "--kubernetes",
            k8s.to_str().unwrap(),
        ])
    };
    assert_exit(&install(&export3), 0);
    let old_name = format!("keyceremony-{}", &c.fingerprint.to_lowercase()[..16]);
    assert!(k8s
        .join(format!("{old_name}-cluster-image-policy.json"))
        .exists());
    std::fs::create_dir_all(dir.join("new-shares")).unwrap();
    let plan = write_plan(
        &dir,
        &[
            (
                "deliver_to = \"passphrase.txt\"",
                "deliver_to = \"passphrase-2.txt\"",
            ),
            ("output = \"shares\"", "output = \"new-shares\""),
            ("scopes = []", "scopes = [\"registry.example.org/app\"]"),
        ],
    );
    let mut args = vec![
        "rotate".to_owned(),
        "--reason".into(),
        "yearly".into(),
        "--plan".into(),
        plan.display().to_string(),
        "--backup".into(),
        newest(&dir.join("backup-1")).display().to_string(),
    ];
    args.extend([1, 3, 5].iter().map(|i| c.sheet(*i).display().to_string()));
    assert_exit(&run_owned(&args), 0);
    let export4 = newest(&dir.join("export"));
    let st: serde_json::Value =
        serde_json::from_slice(&std::fs::read(export4.join("cosign-rotation.json")).unwrap())
            .unwrap();
    assert_ne!(st["key"], c.fingerprint.as_str());
    let o = run(&[
        "verify",
        export4.to_str().unwrap(),
        "--trust",
        &c.fingerprint,
    ]);
    assert_exit(&o, 0);
}

/// #27: a key made without a cosign key gets its first from `cosign
/// rotate`: bound by the primary, no rotation statement (nothing was
/// replaced), accepted by `verify`.
#[test]
fn a_key_without_a_cosign_key_gets_its_first() {
    let dir = tempdir();
    let dir = dir.path().to_owned();
    let c = Ceremony::run(
        dir.clone(),
        &[("scopes = []", "scopes = [\"registry.example.org/app\"]")],
        365,
        365,
    );
    assert!(!c.export.join("cosign.pub").exists());
    let o = cosign_rotate(&c, &c.backups[0], 1, "scheduled", &[]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("this is its first"), "{}", stdout(&o));
    let export = newest(&dir.join("export"));
    assert!(export.join("cosign.pub").exists());
    assert!(!export.join("cosign-rotation.json").exists());
    assert!(!export.join("cosign-previous.pub").exists());
    gpg_checks_the_binding(&export);
    verify_names_the_cosign_key(&export, &c.fingerprint);
}

/// A signing subkey revoked as compromised vouches for nothing: the
/// statements it co-signed (cosign.json's second signature) are signed
/// again by the subkey in force at every ceremony, gpg finds the new
/// signature good and by a key not revoked, and `verify` refuses a bundle
/// that carries the revoked subkey's signature back (MANIFEST re-signed).
#[test]
fn statements_are_signed_again_by_the_subkey_in_force() {
    let dir = tempdir();
    let dir = dir.path().to_owned();
    std::fs::create_dir_all(dir.join("ci")).unwrap();
    let c = Ceremony::run(
        dir.clone(),
        &[(
            "tier = \"none\"",
            "tier = \"file\"\nkey_to = \"ci\"\npassword_deliver_to = \"cosign-password.txt\"",
        )],
        365,
        365,
    );
    let gpg = Gpg::new();
    gpg.ok(&["--import", c.export.join("cert.asc").to_str().unwrap()]);
    let old_sub = gpg
        .colons("--list-keys", "sub")
        .into_iter()
        .find(|r| r[11].contains('s'))
        .map(|r| r[4].clone())
        .unwrap();
    let old_sig = std::fs::read(c.export.join("cosign.json.subkey.asc")).unwrap();
    let plan = write_plan(&dir, &[]);
    let o = subkey(
        &["subkey", "rotate"],
        &plan,
        &c.backups[0],
        &sheets(&dir, &[1, 2, 3]),
    );
    assert_exit(&o, 0);
    let full = gpg
        .colons("--list-keys", "fpr")
        .into_iter()
        .map(|r| r[9].clone())
        .find(|f| f.ends_with(&old_sub))
        .unwrap();
    let o = subkey(
        &[
            "subkey",
            "revoke",
            "--fingerprint",
            &full,
            "--reason",
            "compromised",
        ],
        &plan,
        &newest(&dir.join("backup-1")),
        &sheets(&dir, &[1, 2, 3]),
    );
    assert_exit(&o, 0);
    let export = newest(&dir.join("export"));
    assert_ne!(
        std::fs::read(export.join("cosign.json.subkey.asc")).unwrap(),
        old_sig
    );
    let g = Gpg::new();
    g.ok(&["--import", export.join("cert.asc").to_str().unwrap()]);
    let checked = g.ok(&[
        "--verify",
        export.join("cosign.json.subkey.asc").to_str().unwrap(),
        export.join("cosign.json").to_str().unwrap(),
    ]);
    assert!(
        !stderr(&checked).contains("revoked"),
        "{}",
        stderr(&checked)
    );
    assert_exit(
        &run(&[
            "verify",
            export.to_str().unwrap(),
            "--trust",
            &c.fingerprint,
        ]),
        0,
    );

    let forged = dir.join("forged");
    let o = tool("cp")
        .arg("-a")
        .arg(&export)
        .arg(&forged)
        .output()
        .unwrap();
    assert_exit(&o, 0);
    std::fs::write(forged.join("cosign.json.subkey.asc"), &old_sig).unwrap();
    resign(&dir, &forged);
    verify_refuses(&forged, &c.fingerprint, "cosign.json.subkey.asc");
}

/// `cosign revoke` (the hour a key leaks, before a new one is at hand).
fn cosign_revoke(c: &Ceremony, backup: &Path, reason: &str) -> Output {
    let plan = write_plan(
        &c.dir,
        &[("scopes = []", "scopes = [\"registry.example.org/app\"]")],
    );
    let mut args = vec![
        "cosign".to_owned(),
        "revoke".into(),
        "--reason".into(),
        reason.into(),
        "--plan".into(),
        plan.display().to_string(),
        "--backup".into(),
        backup.display().to_string(),
    ];
    args.extend([1, 3, 5].iter().map(|i| c.sheet(*i).display().to_string()));
    run_owned(&args)
}

/// #27: a leaked cosign key revoked with no replacement. The new bundle
/// binds no cosign key and carries the signed list of revoked keys (gpg
/// checks it); `verify` names the revoked key; installed on a node, the
/// key file and its sigstoreSigned rule are gone; the cluster policies
/// refuse every image of the scope (policy-controller's static fail,
/// Kyverno's deny) instead of letting unsigned images in. A later `cosign
/// rotate` binds a new key and the list stays. A bundle that brings the
/// revoked key back, with its own genuine binding and a re-signed
/// MANIFEST, is refused; a key with no cosign key has nothing to revoke.
#[test]
fn a_leaked_cosign_key_is_revoked_from_every_policy_at_once() {
    let (_keep, dir, c) = file_tier_for_a_registry();
    let revoked_sha = statement(&c.export)["cosign_public_key_sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    let (k8s, root, state) = (dir.join("k8s"), dir.join("root"), dir.join("state.json"));
    std::fs::create_dir_all(&k8s).unwrap();
    std::fs::create_dir_all(&root).unwrap();
    let install = |bundle: &Path| {
        run(&[
            "install",
            bundle.to_str().unwrap(),
            "--root",
            root.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
            "--trust",
            &c.fingerprint,
            "--kubernetes",
            k8s.to_str().unwrap(),
        ])
    };
    assert_exit(&install(&c.export), 0);
    let installed_pub = files_below(&root.join("etc/pki/containers"))
        .into_iter()
        .find(|p| p.to_string_lossy().ends_with("cosign.pub"))
        .expect("the cosign key installed");
    let policy = || std::fs::read_to_string(root.join("etc/containers/policy.json")).unwrap();
    assert!(policy().contains("sigstoreSigned"), "{}", policy());

    // A plan that dropped the scope would leave the cluster's old policy,
    // which trusts the key, in force: refused before anything is written.
    let exports = names_in(&dir.join("export")).len();
    let narrow = write_plan(&c.dir, &[]);
    let mut args = vec![
        "cosign".to_owned(),
        "revoke".into(),
        "--reason".into(),
        "compromised".into(),
        "--plan".into(),
        narrow.display().to_string(),
        "--backup".into(),
        c.backups[0].display().to_string(),
    ];
    args.extend([1, 3, 5].iter().map(|i| c.sheet(*i).display().to_string()));
    let o = run_owned(&args);
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("lacks \"registry.example.org/app\""),
        "{}",
        stderr(&o)
    );
    assert_eq!(names_in(&dir.join("export")).len(), exports);

    // A copy of the backup from before the revocation, kept elsewhere.
    let offsite = dir.join("offsite");
    std::fs::create_dir_all(&offsite).unwrap();
    assert_exit(
        &tool("cp")
            .arg("-a")
            .arg(&c.backups[0])
            .arg(&offsite)
            .output()
            .unwrap(),
        0,
    );
    let old_copy = bundle(&offsite);

    let o = cosign_revoke(&c, &c.backups[0], "compromised");
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("Cosign key revoked")
            && stdout(&o).contains(&revoked_sha)
            && stdout(&o).contains("Copy left to destroy: cosign.key in every CI secret store"),
        "{}",
        stdout(&o)
    );
    let export = newest(&dir.join("export"));
    for gone in ["cosign.pub", "cosign.json", "cosign.json.asc"] {
        assert!(!export.join(gone).exists(), "{gone} still in the bundle");
    }
    let list: serde_json::Value =
        serde_json::from_slice(&std::fs::read(export.join("cosign-revocations.json")).unwrap())
            .unwrap();
    assert_eq!(list["key"], c.fingerprint.as_str());
    assert_eq!(
        list["revoked"][0]["cosign_public_key_sha256"],
        revoked_sha.as_str()
    );
    assert_eq!(list["revoked"][0]["reason"], "compromised");
    let gpg = Gpg::new();
    gpg.ok(&["--import", export.join("cert.asc").to_str().unwrap()]);
    // gpg checks the subkey's signature (a certify-only primary's data
    // signature is one gpg will not check; verify does).
    gpg.ok(&[
        "--verify",
        export
            .join("cosign-revocations.json.subkey.asc")
            .to_str()
            .unwrap(),
        export.join("cosign-revocations.json").to_str().unwrap(),
    ]);
    // The backups no longer keep the key.
    assert!(!newest(&dir.join("backup-1")).join("cosign.key").exists());
    // The report names the earlier backups' copies by path.
    assert!(
        stdout(&o).contains(&format!(
            "{}/cosign.key (an earlier backup keeps it",
            c.backups[0].display()
        )),
        "{}",
        stdout(&o)
    );
    let o = run(&[
        "verify",
        export.to_str().unwrap(),
        "--trust",
        &c.fingerprint,
    ]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains(&format!("revoked {revoked_sha} (compromised"))
            && stdout(&o).contains("no cosign key is bound"),
        "{}",
        stdout(&o)
    );
    let cip: serde_json::Value =
        serde_json::from_slice(&std::fs::read(export.join("cluster-image-policy.json")).unwrap())
            .unwrap();
    assert_eq!(cip["spec"]["authorities"][0]["static"]["action"], "fail");
    assert!(!cip.to_string().contains("BEGIN PUBLIC KEY"), "{cip}");

    // Installed: the node drops the key and its rule, the cluster refuses.
    let o = install(&export);
    assert_exit(&o, 0);
    assert!(
        !installed_pub.exists(),
        "the revoked key is still installed"
    );
    assert!(!policy().contains("sigstoreSigned"), "{}", policy());
    assert!(policy().contains("signedBy"), "{}", policy());
    let name = format!("keyceremony-{}", &c.fingerprint.to_lowercase()[..16]);
    let kyverno: serde_json::Value = serde_json::from_slice(
        &std::fs::read(k8s.join(format!("{name}-kyverno-policy.json"))).unwrap(),
    )
    .unwrap();
    let rule = &kyverno["spec"]["rules"][0];
    assert!(rule.get("verifyImages").is_none(), "{kyverno}");
    assert_eq!(
        rule["validate"]["foreach"][0]["deny"]["conditions"]["any"][0]["value"][0],
        "registry.example.org/app"
    );
    let history = run(&[
        "transcript",
        "verify",
        c.export.join("transcript.jsonl").to_str().unwrap(),
        export.join("transcript.jsonl").to_str().unwrap(),
    ]);
    assert_exit(&history, 0);
    assert!(
        stdout(&history).contains("cosign-revoke"),
        "{}",
        stdout(&history)
    );

    // The revoked key brought back with its own genuine binding: refused.
    let forged = dir.join("forged");
    assert_exit(
        &tool("cp")
            .arg("-a")
            .arg(&export)
            .arg(&forged)
            .output()
            .unwrap(),
        0,
    );
    let mut info: serde_json::Value =
        serde_json::from_slice(&std::fs::read(forged.join("bundle.json")).unwrap()).unwrap();
    let mut manifest = std::fs::read_to_string(forged.join("MANIFEST")).unwrap();
    for f in [
        "cosign.pub",
        "cosign.json",
        "cosign.json.asc",
        "cosign.json.subkey.asc",
    ] {
        std::fs::copy(c.export.join(f), forged.join(f)).unwrap();
        manifest.push_str(&format!("{}  {f}\n", "0".repeat(64)));
    }
    std::fs::write(forged.join("MANIFEST"), manifest).unwrap();
    info["files"]["cosign"] = "cosign.pub".into();
    std::fs::write(
        forged.join("bundle.json"),
        format!("{}\n", serde_json::to_string_pretty(&info).unwrap()),
    )
    .unwrap();
    resign(&dir, &forged);
    verify_refuses(
        &forged,
        &c.fingerprint,
        "a revoked key is never accepted again",
    );
    // Or dropped in unlisted, where a script reading the directory takes it.
    let added = dir.join("added");
    assert_exit(
        &tool("cp")
            .arg("-a")
            .arg(&export)
            .arg(&added)
            .output()
            .unwrap(),
        0,
    );
    std::fs::copy(c.export.join("cosign.pub"), added.join("cosign.pub")).unwrap();
    verify_refuses(&added, &c.fingerprint, "which MANIFEST does not list");

    // The pre-revocation copy cannot undo it: a ceremony writing to media
    // that hold the newer ceremony refuses it, and no key file is made
    // from it.
    let plan = write_plan(
        &c.dir,
        &[("scopes = []", "scopes = [\"registry.example.org/app\"]")],
    );
    let sheets: Vec<std::path::PathBuf> = [1, 3, 5].iter().map(|i| c.sheet(*i)).collect();
    let o = renew(&plan, &old_copy, &sheets, &[]);
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("is not the newest backup"),
        "{}",
        stderr(&o)
    );
    let mut args = vec![
        "cosign".to_owned(),
        "key-file".into(),
        "--backup".into(),
        c.backups[0].display().to_string(),
        "--to".into(),
        dir.join("ci-again").display().to_string(),
        "--password-to".into(),
        dir.join("again.txt").display().to_string(),
    ];
    args.extend(sheets.iter().map(|p| p.display().to_string()));
    std::fs::create_dir_all(dir.join("ci-again")).unwrap();
    let o = run_owned(&args);
    assert_ne!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("is not the newest backup"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.join("again.txt").exists());

    // Nothing left to revoke: refused before anything is written.
    let exports = names_in(&dir.join("export")).len();
    let o = cosign_revoke(&c, &newest(&dir.join("backup-1")), "retired");
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("no cosign key to revoke"),
        "{}",
        stderr(&o)
    );
    assert_eq!(names_in(&dir.join("export")).len(), exports);

    // A new key later: bound, the cluster accepts it, the list stays.
    let o = cosign_rotate(&c, &newest(&dir.join("backup-1")), 2, "scheduled", &[]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("this is its new one"), "{}", stdout(&o));
    let export2 = newest(&dir.join("export"));
    assert!(export2.join("cosign-revocations.json").exists());
    let new = std::fs::read_to_string(export2.join("cosign.pub")).unwrap();
    let cip: serde_json::Value =
        serde_json::from_slice(&std::fs::read(export2.join("cluster-image-policy.json")).unwrap())
            .unwrap();
    assert_eq!(cip["spec"]["authorities"][0]["key"]["data"], new.as_str());
    let o = install(&export2);
    assert_exit(&o, 0);
    assert!(policy().contains("sigstoreSigned"), "{}", policy());

    // A later bundle that makes no cluster policy (its scope dropped):
    // install --kubernetes takes this key's policies out of the directory
    // and says how to delete them from the cluster.
    let unscoped = write_plan(&c.dir, &[]);
    let o = renew(&unscoped, &newest(&dir.join("backup-1")), &sheets, &[]);
    assert_exit(&o, 0);
    let o = install(&newest(&dir.join("export")));
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains(&format!("kubectl delete clusterimagepolicy {name}")),
        "{}",
        stdout(&o)
    );
    assert!(!k8s.join(format!("{name}-kyverno-policy.json")).exists());
    assert!(!k8s
        .join(format!("{name}-cluster-image-policy.json"))
        .exists());
}
