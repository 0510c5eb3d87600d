//! The online side's equipment: bundles from a ceremony, altered copies,
//! OCI images and skopeo under an installed policy, a signer made from a
//! backup, a rotation to follow.

use std::path::{Path, PathBuf};

use super::*;

/// A genesis whose plan makes images under `DIR/images` require our key.
pub fn ceremony(dir: &Path) -> PathBuf {
    let images = dir.join("images");
    std::fs::create_dir_all(&images).unwrap();
    let scope = format!("scopes = [\"dir:{}=example.org/app\"]", images.display());
    genesis(dir, &[("scopes = []", scope.as_str())], None)
}

pub fn verify(bundle: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["verify", bundle.to_str().unwrap()];
    args.extend(extra);
    run(&args)
}

pub fn fingerprint(bundle: &Path) -> String {
    let info: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bundle.join("bundle.json")).unwrap()).unwrap();
    info["key"].as_str().unwrap().to_owned()
}

/// A copy of `bundle` with `file` changed by `f`.
pub fn altered(bundle: &Path, to: &Path, file: &str, f: impl Fn(&mut Vec<u8>)) -> PathBuf {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(bundle).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
    }
    let mut bytes = std::fs::read(to.join(file)).unwrap();
    f(&mut bytes);
    std::fs::write(to.join(file), bytes).unwrap();
    to.to_owned()
}

/// A one-layer OCI image layout at `dir`, tagged v1, whose layer holds `text`.
pub fn oci_image(dir: &Path, text: &str) {
    let sha = |b: &[u8]| keyceremony::media::sha256_hex(b);
    std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
    let src = dir.with_extension("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("hello.txt"), text).unwrap();
    let tar = dir.with_extension("tar");
    let o = Command::new("tar")
        .args(["--mtime=@0", "--owner=0", "--group=0", "-cf"])
        .arg(&tar)
        .arg("-C")
        .arg(&src)
        .arg("hello.txt")
        .output()
        .unwrap();
    assert_exit(&o, 0);
    let layer = std::fs::read(&tar).unwrap();
    let blob = |b: &[u8]| {
        let h = sha(b);
        std::fs::write(dir.join("blobs/sha256").join(&h), b).unwrap();
        (format!("sha256:{h}"), b.len())
    };
    let (ld, ls) = blob(&layer);
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": { "type": "layers", "diff_ids": [ld] }
    })
    .to_string();
    let (cd, cs) = blob(config.as_bytes());
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": { "mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs },
        "layers": [{ "mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": ld, "size": ls }]
    })
    .to_string();
    let (md, ms) = blob(manifest.as_bytes());
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": md, "size": ms,
            "annotations": { "org.opencontainers.image.ref.name": "v1" }
        }]
    });
    std::fs::write(dir.join("index.json"), index.to_string()).unwrap();
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
}

/// The policy `install` wrote below `root`, with each `keyPath` (a path on
/// the installed system) moved below `root` too, for a skopeo running
/// here rather than in that system (the registry test runs one there).
pub fn rooted_policy(root: &Path) -> PathBuf {
    let text = std::fs::read_to_string(root.join("etc/containers/policy.json")).unwrap();
    let fixed = text.replace(
        "\"/etc/pki/containers/",
        &format!("\"{}/etc/pki/containers/", root.display()),
    );
    let path = root.join("policy-as-seen-from-the-host.json");
    std::fs::write(&path, fixed).unwrap();
    path
}

pub fn skopeo_accepts(policy: &Path, image: &Path, out: &Path) -> std::process::Output {
    tool("skopeo")
        .arg("copy")
        .arg("--policy")
        .arg(policy)
        .arg(format!("dir:{}", image.display()))
        .arg(format!("dir:{}", out.display()))
        .output()
        .unwrap()
}

/// Rewrites `bundle`'s MANIFEST for the files as they are now and signs it
/// with the key from the backup (as someone holding the key, or its
/// careless operator, would): what only the merge rules can stop.
pub fn resign(dir: &Path, bundle: &Path) {
    resign_with(dir, bundle, "passphrase.txt")
}

/// `resign` with the key whose passphrase `passphrase` holds (a rotation's
/// new key: passphrase-2.txt).
pub fn resign_with(dir: &Path, bundle: &Path, passphrase: &str) {
    resign_by(dir, bundle, passphrase, None)
}

/// `resign_with`, signed by the subkey `by` (the one that signed it
/// before when none: the release role's, where gpg would otherwise choose
/// among the signing roles).
pub fn resign_by(dir: &Path, bundle: &Path, passphrase: &str, by: Option<&str>) {
    let text = std::fs::read_to_string(bundle.join("MANIFEST")).unwrap();
    let mut out = String::new();
    for line in text.lines() {
        let (_, name) = line.split_once("  ").unwrap();
        let bytes = std::fs::read(bundle.join(name)).unwrap();
        out.push_str(&format!(
            "{}  {name}\n",
            keyceremony::media::sha256_hex(&bytes)
        ));
    }
    std::fs::write(bundle.join("MANIFEST"), out).unwrap();
    let (gpg, fpr) = signer_from_backup(dir, passphrase);
    let packets = gpg.ok(&[
        "--list-packets",
        bundle.join("MANIFEST.asc").to_str().unwrap(),
    ]);
    let before = stdout(&packets)
        .lines()
        .find_map(|l| l.split_once("issuer fpr v4 ").map(|(_, f)| f.to_owned()))
        .map(|f| {
            f.chars()
                .take_while(char::is_ascii_hexdigit)
                .collect::<String>()
        });
    // Exactly that subkey ("!"), not the one gpg would choose.
    let signer = by
        .map(str::to_owned)
        .or(before)
        .map(|f| format!("{f}!"))
        .unwrap_or(fpr);
    let _ = std::fs::remove_file(bundle.join("MANIFEST.asc"));
    gpg.ok(&[
        "--armor",
        "--detach-sign",
        "-u",
        &signer,
        "-o",
        bundle.join("MANIFEST.asc").to_str().unwrap(),
        bundle.join("MANIFEST").to_str().unwrap(),
    ]);
}

/// Our key from the backup in a gpg home, its passphrase preset in the
/// agent so that skopeo (through gpgme) signs without a pinentry.
pub fn signer_from_backup(dir: &Path, passphrase_file: &str) -> (Gpg, String) {
    let gpg = Gpg::new();
    std::fs::write(
        gpg.home.path().join("gpg-agent.conf"),
        "allow-preset-passphrase\n",
    )
    .unwrap();
    let pass = dir.join(passphrase_file);
    let backup = bundles(&dir.join("backup-1")).pop().unwrap();
    gpg.ok(&[
        "--passphrase-file",
        pass.to_str().unwrap(),
        "--import",
        backup.join("secret-key.asc").to_str().unwrap(),
    ]);
    let phrase = std::fs::read_to_string(&pass).unwrap();
    let listing = gpg.ok(&["--with-colons", "--with-keygrip", "--list-secret-keys"]);
    let grips: Vec<String> = stdout(&listing)
        .lines()
        .filter_map(|l| l.strip_prefix("grp:"))
        .map(|l| l.trim_matches(':').to_owned())
        .collect();
    assert!(!grips.is_empty());
    for grip in grips {
        let o = Command::new("/usr/lib/gnupg/gpg-preset-passphrase")
            .env("GNUPGHOME", gpg.home.path())
            .args(["--preset", "-P", phrase.trim(), &grip])
            .output()
            .unwrap();
        assert_exit(&o, 0);
    }
    let fpr = gpg.colons("--list-secret-keys", "fpr")[0][9].clone();
    (gpg, fpr)
}

/// A rotation of the key made by `ceremony(dir)` from `old_backup`: a new
/// primary whose passphrase goes to passphrase-2.txt and shares to
/// new-shares, the same scopes, 30 days of transition. Returns the plan and
/// the report.
pub fn rotate(dir: &Path, old_backup: &Path) -> (PathBuf, serde_json::Value) {
    let images = dir.join("images");
    let scope = format!("scopes = [\"dir:{}=example.org/app\"]", images.display());
    rotate_with(dir, old_backup, &scope)
}

/// `rotate`, with `online` in place of the plan's `scopes = []`.
pub fn rotate_with(dir: &Path, old_backup: &Path, online: &str) -> (PathBuf, serde_json::Value) {
    rotate_edited(dir, old_backup, &[("scopes = []", online)])
}

/// `rotate`, with `edits` to the example plan besides the new passphrase
/// and shares.
pub fn rotate_edited(
    dir: &Path,
    old_backup: &Path,
    edits: &[(&str, &str)],
) -> (PathBuf, serde_json::Value) {
    std::fs::create_dir_all(dir.join("new-shares")).unwrap();
    let mut all = vec![
        (
            "deliver_to = \"passphrase.txt\"",
            "deliver_to = \"passphrase-2.txt\"",
        ),
        ("output = \"shares\"", "output = \"new-shares\""),
    ];
    all.extend_from_slice(edits);
    let plan = write_plan(dir, &all);
    let mut args: Vec<String> = [
        "rotate",
        "--reason",
        "yearly rotation",
        "--transition",
        "30d",
        "--output-format",
        "json",
        "--plan",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    args.push(plan.display().to_string());
    args.push("--backup".into());
    args.push(old_backup.display().to_string());
    args.extend(
        sheets(dir, &[2, 3, 5])
            .iter()
            .map(|p| p.display().to_string()),
    );
    let o = run_owned(&args);
    assert_exit(&o, 0);
    (plan, serde_json::from_slice(&o.stdout).unwrap())
}
