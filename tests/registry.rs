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
            "docker:\n  {host}:\n    lookaside: file://{0}\n    lookaside-staging: file://{0}\n",
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

/// Signs the image at `reference` (repository:tag) in cosign's own format
/// with `key` (a cosign.key, its password in `password`) and stores the
/// signature in the registry as `cosign sign` does: the simple-signing
/// payload naming the manifest's digest, signed by sigstore's crate
/// (tests/cosign-peer), as the one layer of an OCI manifest tagged
/// `sha256-<digest>.sig` in the same repository, the signature in the
/// layer's `dev.cosignproject.cosign/signature` annotation. Debian 12's
/// skopeo has sigstore signing switched off, and Debian packages no cosign:
/// the registry API calls are python3's. Returns the signature's tag.
fn cosign_sign(reference: &str, key: &Path, password: &Path) -> String {
    let (repository, _) = reference.rsplit_once(':').unwrap();
    let o = tool("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false"])
        .arg(format!("docker://{reference}"))
        .output()
        .unwrap();
    assert_exit(&o, 0);
    let digest = keyceremony::media::sha256_hex(&o.stdout);
    let work = tempdir();
    let payload = work.path().join("payload.json");
    std::fs::write(
        &payload,
        serde_json::to_vec(&serde_json::json!({
            "critical": {
                "identity": { "docker-reference": repository },
                "image": { "docker-manifest-digest": format!("sha256:{digest}") },
                "type": "cosign container image signature",
            },
            "optional": null,
        }))
        .unwrap(),
    )
    .unwrap();
    let sig = work.path().join("payload.sig");
    let o = peer(&[Path::new("sign"), key, password, &payload, &sig]);
    assert_exit(&o, 0);
    let tag = format!("sha256-{digest}.sig");
    let (host, name) = repository.split_once('/').unwrap();
    let o = tool("python3")
        .arg("-c")
        .arg(COSIGN_UPLOAD)
        .args([host, name, &tag])
        .arg(&payload)
        .arg(&sig)
        .output()
        .unwrap();
    assert_exit(&o, 0);
    tag
}

/// The registry calls `cosign sign` makes (OCI distribution API): the
/// payload and config blobs, then the manifest under the signature's tag.
const COSIGN_UPLOAD: &str = r#"
import base64, hashlib, json, sys, urllib.request
host, name, tag, payload_file, sig_file = sys.argv[1:]
payload = open(payload_file, "rb").read()
sig = base64.b64encode(open(sig_file, "rb").read()).decode()
def digest(b): return "sha256:" + hashlib.sha256(b).hexdigest()
def blob(b):
    r = urllib.request.urlopen(urllib.request.Request(f"http://{host}/v2/{name}/blobs/uploads/", method="POST"))
    loc = r.headers["Location"]
    loc = loc if loc.startswith("http") else f"http://{host}{loc}"
    sep = "&" if "?" in loc else "?"
    urllib.request.urlopen(urllib.request.Request(f"{loc}{sep}digest={digest(b)}", data=b, method="PUT",
        headers={"Content-Type": "application/octet-stream"}))
    return {"digest": digest(b), "size": len(b)}
config = json.dumps({"architecture": "", "config": {}, "created": "0001-01-01T00:00:00Z",
    "history": [{"created": "0001-01-01T00:00:00Z"}], "os": "",
    "rootfs": {"type": "layers", "diff_ids": [digest(payload)]}}).encode()
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": dict(mediaType="application/vnd.oci.image.config.v1+json", **blob(config)),
    "layers": [dict(mediaType="application/vnd.dev.cosign.simplesigning.v1+json", **blob(payload),
        annotations={"dev.cosignproject.cosign/signature": sig})]}).encode()
urllib.request.urlopen(urllib.request.Request(f"http://{host}/v2/{name}/manifests/{tag}", data=manifest,
    method="PUT", headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"}))
"#;

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

/// What a verifier of cosign's format reads back from the registry for the
/// image `reference`: the `sha256-<digest>.sig` tag's manifest, its one
/// layer (the simple-signing payload, which must name the image's manifest
/// digest) and the signature in the layer's annotation; then sigstore's
/// crate checks the signature with `public` (a cosign.pub), as `cosign
/// verify --key` does. Returns the peer's output.
fn cosign_verify(reference: &str, public: &Path) -> std::process::Output {
    let (repository, _) = reference.rsplit_once(':').unwrap();
    let raw = |r: &str| {
        let o = tool("skopeo")
            .args(["inspect", "--raw", "--tls-verify=false"])
            .arg(format!("docker://{r}"))
            .output()
            .unwrap();
        assert_exit(&o, 0);
        o.stdout
    };
    let digest = keyceremony::media::sha256_hex(&raw(reference));
    let manifest: serde_json::Value =
        serde_json::from_slice(&raw(&format!("{repository}:sha256-{digest}.sig"))).unwrap();
    let layer = &manifest["layers"][0];
    assert_eq!(
        layer["mediaType"], "application/vnd.dev.cosign.simplesigning.v1+json",
        "{manifest}"
    );
    let work = tempdir();
    let o = tool("skopeo")
        .args(["copy", "--quiet", "--src-tls-verify=false"])
        .arg(format!("docker://{repository}:sha256-{digest}.sig"))
        .arg(format!("dir:{}", work.path().join("sig").display()))
        .output()
        .unwrap();
    assert_exit(&o, 0);
    let blob = layer["digest"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:");
    let payload = work.path().join("sig").join(blob);
    let p: serde_json::Value = serde_json::from_slice(&std::fs::read(&payload).unwrap()).unwrap();
    assert_eq!(
        p["critical"]["image"]["docker-manifest-digest"],
        format!("sha256:{digest}")
    );
    assert_eq!(p["critical"]["identity"]["docker-reference"], repository);
    let sig = work.path().join("payload.sig");
    use base64::Engine;
    std::fs::write(
        &sig,
        base64::engine::general_purpose::STANDARD
            .decode(
                layer["annotations"]["dev.cosignproject.cosign/signature"]
                    .as_str()
                    .unwrap(),
            )
            .unwrap(),
    )
    .unwrap();
    peer(&[Path::new("verify"), public, &payload, &sig])
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
    let tag = cosign_sign(
        &app,
        &bundle(&dir.join("ci")).join("cosign.key"),
        &dir.join("cosign-password.txt"),
    );
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
    cosign_sign(
        &app2,
        &bundle(&dir.join("ci-2")).join("cosign.key"),
        &dir.join("cosign-password-2.txt"),
    );
    assert_exit(&cosign_verify(&app2, &second.join("cosign.pub")), 0);
    let o = cosign_verify(&app, &second.join("cosign.pub"));
    assert_ne!(
        o.status.code(),
        Some(0),
        "the old key's signature verified with the new key"
    );
    assert_exit(&cosign_verify(&app, &second.join("cosign-previous.pub")), 0);
}
