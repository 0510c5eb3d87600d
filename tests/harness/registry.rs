//! A real registry for the tests that need one: Debian's docker-registry
//! on 127.0.0.1, images pushed by skopeo, and cosign's own signature format
//! written into it and read back as `cosign sign` and `cosign verify --key`
//! would (Debian packages no cosign: sigstore's crate signs and verifies,
//! python3 makes the registry calls).

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Stdio};

use super::*;

/// A docker-registry on 127.0.0.1 with its storage in a temporary directory;
/// stopped when dropped.
pub struct Registry {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Registry {
    pub fn start() -> Registry {
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

    pub fn host(&self) -> String {
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
pub fn push(
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
/// with `sign` (which writes the DER signature of its first file into its
/// second: sigstore's crate with a key file, or a token) and stores the
/// signature in the registry as `cosign sign` does: the simple-signing
/// payload naming the manifest's digest as the one layer of an OCI manifest tagged
/// `sha256-<digest>.sig` in the same repository, the signature in the
/// layer's `dev.cosignproject.cosign/signature` annotation. Debian 12's
/// skopeo has sigstore signing switched off, and Debian packages no cosign:
/// the registry API calls are python3's. Returns the signature's tag.
/// The manifest the registry serves for `reference`, as skopeo reads it.
pub fn manifest_of(reference: &str) -> Vec<u8> {
    let o = tool("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false"])
        .arg(format!("docker://{reference}"))
        .output()
        .unwrap();
    assert_exit(&o, 0);
    o.stdout
}

/// A lookaside directory `sigs` in `dir` and the plan's `[online]` lines
/// naming `host` as the scope with it.
pub fn lookaside(dir: &Path, host: &str) -> (std::path::PathBuf, String) {
    let sigs = dir.join("sigs");
    std::fs::create_dir_all(&sigs).unwrap();
    let online = format!(
        "scopes = [\"{host}\"]\nlookaside = \"file://{}\"",
        sigs.display()
    );
    (sigs, online)
}

pub fn cosign_sign(reference: &str, sign: &dyn Fn(&Path, &Path)) -> String {
    let (repository, _) = reference.rsplit_once(':').unwrap();
    let manifest = manifest_of(reference);
    let digest = keyceremony::media::sha256_hex(&manifest);
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
    sign(&payload, &sig);
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
pub const COSIGN_UPLOAD: &str = r#"
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

/// A signer for `cosign_sign`: sigstore's crate with a cosign key file.
pub fn key_file_signer<'a>(key: &'a Path, password: &'a Path) -> impl Fn(&Path, &Path) + 'a {
    move |payload: &Path, sig: &Path| {
        assert_exit(&peer(&[Path::new("sign"), key, password, payload, sig]), 0);
    }
}

/// A signer for `cosign_sign`: a token through PKCS#11 (`pkcs11-tool`
/// with `args` naming the module, token, PIN and key, and `env` its
/// module's configuration), ECDSA over the payload's SHA-256 as openssl
/// computes it, DER as cosign stores it.
pub fn pkcs11_signer(args: Vec<String>, env: Vec<(String, String)>) -> impl Fn(&Path, &Path) {
    move |payload: &Path, sig: &Path| {
        let digest = payload.with_extension("sha256");
        let o = tool("openssl")
            .args(["dgst", "-sha256", "-binary", "-out"])
            .arg(&digest)
            .arg(payload)
            .output()
            .unwrap();
        assert_exit(&o, 0);
        let o = tool("pkcs11-tool")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .args(&args)
            .args([
                "--sign",
                "-m",
                "ECDSA",
                "--signature-format",
                "openssl",
                "-i",
            ])
            .arg(&digest)
            .arg("-o")
            .arg(sig)
            .output()
            .unwrap();
        assert_exit(&o, 0);
    }
}

/// What a verifier of cosign's format reads back from the registry for the
/// image `reference`: the `sha256-<digest>.sig` tag's manifest, its one
/// layer (the simple-signing payload, which must name the image's manifest
/// digest) and the signature in the layer's annotation; then sigstore's
/// crate checks the signature with `public` (a cosign.pub), as `cosign
/// verify --key` does. Returns the peer's output.
pub fn cosign_verify(reference: &str, public: &Path) -> std::process::Output {
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

/// As a node: in a private mount namespace with a fresh /etc/containers and
/// /etc/pki/containers, `keyceremony install BUNDLE --root / ARGS`, then a
/// pull of each image with the system's policy. Returns install's exit code
/// and each pull's.
pub fn node(bundle: &Path, args: &[&str], images: &[&str]) -> (i32, Vec<(String, i32)>, String) {
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

pub fn code(pulls: &[(String, i32)], image: &str) -> i32 {
    pulls
        .iter()
        .find(|(i, _)| i == image)
        .map(|(_, c)| *c)
        .unwrap()
}
