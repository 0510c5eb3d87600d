//! A real registry, as a node sees it (issue 23): Debian's docker-registry
//! on 127.0.0.1, images pushed and signed by skopeo with the key from the
//! backup (its GPG signatures in the lookaside the bundle declares), the
//! bundle installed with `--root /` in a private mount namespace (a tmpfs
//! over /etc/containers and /etc/pki/containers, so the host's are never
//! touched), and skopeo pulling with the system's own policy and
//! registries.d, as podman and CRI-O on a node would. Needs root for the
//! mount namespace, as CI is. A physical YubiKey in place of the backup's
//! key changes only who signs (the card tests sign through scdaemon).

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Stdio};

use crate::harness::*;

/// A docker-registry on 127.0.0.1 with its storage in a temporary directory;
/// stopped when dropped.
struct Registry {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Registry {
    fn start() -> Registry {
        let dir = tempdir();
        // A port the kernel just gave out and took back: free now.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
                dir.path().join("data").display()
            ),
        )
        .unwrap();
        let child = tool("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut r = Registry {
            child,
            port,
            _dir: dir,
        };
        // Ready when it accepts connections; a registry that died says so.
        for _ in 0..300 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return r;
            }
            if let Ok(Some(status)) = r.child.try_wait() {
                panic!("docker-registry exited: {status}");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("docker-registry did not listen on 127.0.0.1:{port} within 15 s");
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Pushes the OCI layout `src` (tag v1) to `reference`, signed by `fpr`
/// from `gpg` (unsigned when none) into the lookaside `sigs`; `identity`
/// overrides the reference the signature names.
fn push(
    src: &Path,
    reference: &str,
    signer: Option<(&Gpg, &str)>,
    sigs: &Path,
    identity: Option<&str>,
) {
    push_signed(src, reference, signer, None, sigs, identity)
}

/// `push`, also signed in cosign's own format by `cosign` (a cosign.key and
/// its password file): skopeo's sigstore signer, which writes what `cosign
/// sign` writes, the simple-signing payload as a layer of the
/// `sha256-<digest>.sig` tag in the registry itself.
fn push_signed(
    src: &Path,
    reference: &str,
    signer: Option<(&Gpg, &str)>,
    cosign: Option<(&Path, &Path)>,
    sigs: &Path,
    identity: Option<&str>,
) {
    let work = tempdir();
    let policy = work.path().join("push-policy.json");
    std::fs::write(
        &policy,
        r#"{"default":[{"type":"insecureAcceptAnything"}]}"#,
    )
    .unwrap();
    let d = work.path().join("registries.d");
    std::fs::create_dir_all(&d).unwrap();
    let host = reference.split('/').next().unwrap();
    std::fs::write(
        d.join("push.yaml"),
        format!(
            "docker:\n  {host}:\n    lookaside: file://{0}\n    lookaside-staging: file://{0}\n    use-sigstore-attachments: true\n",
            sigs.display()
        ),
    )
    .unwrap();
    let mut c = tool("skopeo");
    c.arg("--registries.d").arg(&d).arg("--policy").arg(&policy);
    c.args(["copy", "--quiet", "--dest-tls-verify=false"]);
    if let Some((gpg, fpr)) = signer {
        c.env("GNUPGHOME", gpg.home.path()).args(["--sign-by", fpr]);
    }
    if let Some((key, password)) = cosign {
        c.arg("--sign-by-sigstore-private-key")
            .arg(key)
            .arg("--sign-passphrase-file")
            .arg(password);
    }
    if let Some(i) = identity {
        c.args(["--sign-identity", i]);
    }
    let o = c
        .arg(format!("oci:{}:v1", src.display()))
        .arg(format!("docker://{reference}"))
        .output()
        .unwrap();
    assert_exit(&o, 0);
}

/// As a node: in a private mount namespace with a fresh /etc/containers and
/// /etc/pki/containers, `keyceremony install BUNDLE --root / ARGS`, then a
/// pull of each image with the system's policy. Returns install's exit code
/// and each pull's.
fn node(bundle: &Path, args: &[&str], images: &[&str]) -> (i32, Vec<(String, i32)>, String) {
    for d in ["/etc/containers", "/etc/pki/containers"] {
        std::fs::create_dir_all(d).unwrap();
    }
    let out = tempdir();
    let mut script = String::from(
        "mount -t tmpfs tmpfs /etc/containers && mount -t tmpfs tmpfs /etc/pki/containers || exit 99\n\
         b=\"$1\"; shift; \"$0\" install \"$b\" --root / \"$@\" >&2; echo \"install=$?\"\n",
    );
    for (i, image) in images.iter().enumerate() {
        script.push_str(&format!(
            "skopeo copy --quiet --src-tls-verify=false docker://{image} dir:{out}/{i}; echo \"pull {image}=$?\"\n",
            out = out.path().display()
        ));
    }
    let o = tool("unshare")
        .args([
            "-m",
            "--propagation",
            "private",
            "sh",
            "-c",
            &script,
            env!("CARGO_BIN_EXE_keyceremony"),
        ])
        .arg(bundle)
        .args(args)
        .output()
        .unwrap();
    let text = stdout(&o);
    assert!(
        !text.is_empty() && o.status.code() != Some(99),
        "this test needs root for a mount namespace (CI runs as root): {}",
        stderr(&o)
    );
    let mut install = -1;
    let mut pulls = Vec::new();
    for l in text.lines() {
        if let Some(c) = l.strip_prefix("install=") {
            install = c.parse().unwrap();
        } else if let Some(rest) = l.strip_prefix("pull ") {
            let (image, code) = rest.rsplit_once('=').unwrap();
            pulls.push((image.to_owned(), code.parse().unwrap()));
        }
    }
    (install, pulls, stderr(&o))
}

fn code(pulls: &[(String, i32)], image: &str) -> i32 {
    pulls
        .iter()
        .find(|(i, _)| i == image)
        .map(|(_, c)| *c)
        .unwrap()
}

#[test]
fn a_node_enforces_the_installed_policy_on_a_real_registry_through_a_rotation() {
    let registry = Registry::start();
    let host = registry.host();
    let dir = tempdir();
    let dir = dir.path();
    let sigs = dir.join("sigs");
    std::fs::create_dir_all(&sigs).unwrap();
    let online = format!(
        "scopes = [\"{host}\"]\nlookaside = \"file://{}\"",
        sigs.display()
    );
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
/// rotation. Images are signed with the OpenPGP key (the lookaside) and
/// with the cosign key file the ceremony wrote, by skopeo's sigstore signer,
/// which stores the signature as cosign does: a `sha256-<digest>.sig` tag
/// whose layer is the simple-signing payload, its signature in the
/// `dev.cosignproject.cosign/signature` annotation. A node with the bundle
/// installed pulls through containers/image's own cosign verification: the
/// image signed by both keys is accepted, one without the cosign signature
/// refused. After `cosign rotate`, the new key's image is accepted and the
/// old key's refused (nodes take the new key alone; clusters get the
/// transition, which a cluster would enforce). After `cosign revoke`, the
/// node's policy asks for no cosign signature at all, and the OpenPGP one
/// still decides. The PKCS#11 and PIV tiers sign the same payload with the
/// token (tests/cosign.rs, tests/piv.rs check those signatures against
/// cosign.pub with openssl and sigstore); skopeo cannot sign through a token.
#[test]
fn a_node_checks_cosign_signatures_in_the_registry_through_a_cosign_rotation() {
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
    let fpr = fingerprint(&first);
    let (signer, _) = signer_from_backup(dir, "passphrase.txt");
    let key1 = bundle(&dir.join("ci")).join("cosign.key");
    let pw1 = dir.join("cosign-password.txt");
    let image = |name: &str| {
        let src = dir.join(format!("oci-{name}"));
        oci_image(&src, &format!("release {name}\n"));
        src
    };
    let app = format!("{host}/app:v1");
    push_signed(
        &image("v1"),
        &app,
        Some((&signer, &fpr)),
        Some((&key1, &pw1)),
        &sigs,
        None,
    );
    let gpg_only = format!("{host}/app:gpg-only");
    push(&image("gpg-only"), &gpg_only, Some((&signer, &fpr)), &sigs, None);

    // In the registry as cosign writes it.
    let o = tool("skopeo")
        .args(["list-tags", "--tls-verify=false"])
        .arg(format!("docker://{host}/app"))
        .output()
        .unwrap();
    assert_exit(&o, 0);
    let tags: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let sig_tag = tags["Tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t.as_str())
        .find(|t| t.starts_with("sha256-") && t.ends_with(".sig") && t.len() == 7 + 64 + 4)
        .unwrap_or_else(|| panic!("no cosign signature tag: {tags}"))
        .to_owned();
    let o = tool("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false"])
        .arg(format!("docker://{host}/app:{sig_tag}"))
        .output()
        .unwrap();
    assert_exit(&o, 0);
    let manifest: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let layer = &manifest["layers"][0];
    assert_eq!(
        layer["mediaType"], "application/vnd.dev.cosign.simplesigning.v1+json",
        "{manifest}"
    );
    assert!(
        layer["annotations"]["dev.cosignproject.cosign/signature"].is_string(),
        "{manifest}"
    );

    let state = dir.join("node-state.json");
    let s = state.to_str().unwrap();
    let (install, pulls, err) = node(&first, &["--state", s], &[&app, &gpg_only]);
    assert_eq!(install, 0, "{err}");
    assert_eq!(code(&pulls, &app), 0, "signed by both keys: {err}");
    assert_ne!(
        code(&pulls, &gpg_only),
        0,
        "no cosign signature, accepted: {err}"
    );

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
    args.extend(sheets(dir, &[1, 2, 3]).iter().map(|p| p.display().to_string()));
    assert_exit(&bin().args(&args).output().unwrap(), 0);
    let second = bundles(&dir.join("export")).pop().unwrap();
    let key2 = bundle(&dir.join("ci-2")).join("cosign.key");
    let app2 = format!("{host}/app:v2");
    push_signed(
        &image("v2"),
        &app2,
        Some((&signer, &fpr)),
        Some((&key2, &dir.join("cosign-password-2.txt"))),
        &sigs,
        None,
    );
    let (install, pulls, err) = node(&second, &["--state", s], &[&app2, &app]);
    assert_eq!(install, 0, "{err}");
    assert_eq!(code(&pulls, &app2), 0, "the new cosign key's image: {err}");
    assert_ne!(
        code(&pulls, &app),
        0,
        "the old cosign key's image on a node after the rotation: {err}"
    );

    // Revoked: no cosign signature is asked for; the OpenPGP one decides.
    let backup = bundles(&dir.join("backup-1")).pop().unwrap();
    let mut args = vec![
        "cosign".to_owned(),
        "revoke".into(),
        "--reason".into(),
        "compromised".into(),
        "--plan".into(),
        plan.display().to_string(),
        "--backup".into(),
        backup.display().to_string(),
    ];
    args.extend(sheets(dir, &[1, 2, 3]).iter().map(|p| p.display().to_string()));
    assert_exit(&bin().args(&args).output().unwrap(), 0);
    let third = bundles(&dir.join("export")).pop().unwrap();
    let (install, pulls, err) = node(&third, &["--state", s], &[&gpg_only]);
    assert_eq!(install, 0, "{err}");
    assert_eq!(code(&pulls, &gpg_only), 0, "{err}");
}
