//! The online side tried as an attacker would (issue 23): someone who can
//! write to the bundle's directory, to the host's /etc below `--root`, or
//! who holds a retired key's backup; and as a careless operator. Each test
//! is one item of what was seen, through the real binary.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::*;

fn install(bundle: &Path, root: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "install",
        bundle.to_str().unwrap(),
        "--root",
        root.to_str().unwrap(),
    ];
    args.extend(extra);
    run(&args)
}

/// A genesis whose plan declares a docker scope, a dir: scope and a
/// lookaside (so every file `install` writes is written).
fn full_ceremony(dir: &Path) -> PathBuf {
    let images = dir.join("images");
    std::fs::create_dir_all(&images).unwrap();
    let scopes = format!(
        "scopes = [\"registry.example.org/team\", \"dir:{}=example.org/app\"]\nlookaside = \"file:///srv/sigs\"",
        images.display()
    );
    crate::harness::genesis(dir, &[("scopes = []", scopes.as_str())], None);
    bundles(&dir.join("export")).pop().unwrap()
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().mode() & 0o7777
}

/// Makes `file` in `bundle` a FIFO.
fn fifo(bundle: &Path, file: &str) {
    let p = bundle.join(file);
    let _ = std::fs::remove_file(&p);
    let o = Command::new("mkfifo").arg(&p).output().unwrap();
    assert_exit(&o, 0);
}

/// Seen 1 and 12: a state that followed a rotation never goes back to the
/// old key, whatever sequence a bundle of the old key claims; the ceremony
/// side refuses a renew on the retired key's backup unless told (recorded);
/// trust on first use says which key it pinned and how to pin another.
#[test]
fn a_state_that_followed_a_rotation_never_goes_back_to_the_old_key() {
    let dir = tempdir();
    let dir = dir.path();
    let plan = ceremony(dir);
    let first = bundles(&dir.join("export")).pop().unwrap();
    let old_fpr = fingerprint(&first);
    let old_backup = bundles(&dir.join("backup-1")).pop().unwrap();
    let (_, report) = rotate(dir, &old_backup);
    let new_fpr = report["fingerprint"].as_str().unwrap().to_owned();
    let second = bundles(&dir.join("export")).pop().unwrap();

    // The ceremony side: a renew on the old key's backup is refused before
    // anything is written, naming the rotation.
    let exports = bundles(&dir.join("export")).len();
    let o = renew(&plan, &old_backup, &sheets(dir, &[1, 2, 3]), &[]);
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("was rotated away") && stderr(&o).contains(&new_fpr),
        "{}",
        stderr(&o)
    );
    assert_eq!(bundles(&dir.join("export")).len(), exports);
    // Told to, it goes on and records the override.
    let o = renew(
        &plan,
        &old_backup,
        &sheets(dir, &[1, 2, 3]),
        &["--allow-retired-key"],
    );
    assert_exit(&o, 0);
    let stale = bundles(&dir.join("export")).pop().unwrap();
    assert_eq!(fingerprint(&stale), old_fpr);
    let t = std::fs::read_to_string(stale.join("transcript.jsonl")).unwrap();
    assert!(
        t.lines().next().unwrap().contains("retired_key_override"),
        "{t}"
    );

    // A node: pinned on first use, then through the rotation.
    let work = tempdir();
    let state = work.path().join("state.json");
    let s = state.to_str().unwrap();
    let o = verify(&first, &["--state", s]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains(&format!("key {old_fpr} is now pinned"))
            && stdout(&o).contains("--trust"),
        "{}",
        stdout(&o)
    );
    assert_exit(&verify(&second, &["--state", s]), 0);
    let accepted = std::fs::read(&state).unwrap();
    let root = work.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    let o = install(&stale, &root, &["--state", s]);
    assert_exit(&o, 5);
    assert!(
        stderr(&o).contains("rotated-away key") && stderr(&o).contains(&new_fpr),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(&state).unwrap(), accepted, "the state moved");
    assert!(
        names_in(&root).is_empty(),
        "installed: {:?}",
        files_below(&root)
    );
    // The same with --trust on the new key: no path leads back.
    assert_exit(&verify(&stale, &["--trust", &new_fpr]), 5);

    // Trust on first use of the rotation bundle pins the key it is for, and says so.
    let fresh = work.path().join("fresh.json");
    let o = verify(&second, &["--state", fresh.to_str().unwrap()]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains(&format!("key {new_fpr} is now pinned")),
        "{}",
        stdout(&o)
    );
    // ...and the old key is retired in it at once: its later bundle is refused.
    let o = verify(&stale, &["--state", fresh.to_str().unwrap()]);
    assert_exit(&o, 5);
    // A state can be started on a fingerprint of the administrator's choice.
    let chosen = work.path().join("chosen.json");
    let c = chosen.to_str().unwrap();
    assert_exit(&verify(&second, &["--state", c, "--trust", &old_fpr]), 0);
    let st: serde_json::Value = serde_json::from_slice(&std::fs::read(&chosen).unwrap()).unwrap();
    assert_eq!(st["pinned"], old_fpr.as_str());
    assert_eq!(st["current"], new_fpr.as_str());
    assert_eq!(mode(&chosen), 0o600);
    let o = verify(&second, &["--state", c, "--trust", &new_fpr]);
    assert_exit(&o, 2);
}

/// Seen 2: a bundle that continues another bundle than the one accepted is
/// a fork, refused; two bundles at one place likewise; a bundle after a gap
/// is accepted when its list of ancestors holds the accepted one.
#[test]
fn a_fork_of_the_history_is_refused() {
    let dir = tempdir();
    let dir = dir.path();
    let plan = ceremony(dir);
    let first = bundles(&dir.join("export")).pop().unwrap();
    let genesis_backup = bundles(&dir.join("backup-1")).pop().unwrap();
    let shares = sheets(dir, &[1, 2, 3]);
    assert_exit(&renew(&plan, &genesis_backup, &shares, &[]), 0);
    let a = bundles(&dir.join("export")).pop().unwrap();
    // A second ceremony from the same (now older) backup is refused, as
    // the forks seen came about; told to, it makes the fork this test needs.
    let exports = bundles(&dir.join("export")).len();
    let o = renew(&plan, &genesis_backup, &shares, &[]);
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("is not the newest backup"),
        "{}",
        stderr(&o)
    );
    assert_eq!(bundles(&dir.join("export")).len(), exports);
    assert_exit(
        &renew(&plan, &genesis_backup, &shares, &["--allow-older-backup"]),
        0,
    );
    let b = bundles(&dir.join("export")).pop().unwrap();
    let b_backup = bundles(&dir.join("backup-1")).pop().unwrap();
    assert_exit(&renew(&plan, &b_backup, &shares, &[]), 0);
    let c = bundles(&dir.join("export")).pop().unwrap();

    let work = tempdir();
    let state = work.path().join("s.json");
    let s = state.to_str().unwrap();
    assert_exit(&verify(&first, &["--state", s]), 0);
    // c continues b, b continues the genesis: across the gap, c lists it.
    let gap = work.path().join("gap.json");
    std::fs::copy(&state, &gap).unwrap();
    assert_exit(&verify(&c, &["--state", gap.to_str().unwrap()]), 0);

    assert_exit(&verify(&a, &["--state", s]), 0);
    let o = verify(&b, &["--state", s]);
    assert_exit(&o, 5);
    assert!(
        stderr(&o).contains("two bundles cannot hold one place"),
        "{}",
        stderr(&o)
    );
    let o = verify(&c, &["--state", s]);
    assert_exit(&o, 5);
    assert!(
        stderr(&o).contains("a fork of the key's history"),
        "{}",
        stderr(&o)
    );
}

/// Seen 3: what is installed is exactly what was verified. A FIFO serving
/// anything is refused at once; a writer swapping files in the bundle's
/// directory during installs never gets a byte it wrote installed.
#[test]
fn install_writes_only_the_bytes_it_verified() {
    let dir = tempdir();
    let dir = dir.path();
    let bundle = full_ceremony(dir);
    let fpr = fingerprint(&bundle);
    let work = tempdir();
    let work = work.path();

    for file in [
        "MANIFEST",
        "MANIFEST.asc",
        "bundle.json",
        "keyring.gpg",
        "containers-policy.json",
        "transcript.jsonl",
    ] {
        let copy = altered(
            &bundle,
            &work.join(format!("fifo-{file}")),
            "cert.asc",
            |_| {},
        );
        fifo(&copy, file);
        let o = tool("timeout")
            .args(["60", env!("CARGO_BIN_EXE_keyceremony"), "verify"])
            .arg(&copy)
            .args(["--trust", &fpr])
            .output()
            .unwrap();
        assert_exit(&o, 5);
        assert!(stderr(&o).contains("FIFO"), "{file}: {}", stderr(&o));
    }

    // The swapper: a foreign keyring and an evil policy fragment renamed
    // over the good ones and back, as fast as it can, during the installs.
    let target = altered(&bundle, &work.join("swapped"), "cert.asc", |_| {});
    let good_keyring = std::fs::read(bundle.join("keyring.gpg")).unwrap();
    let stranger = Gpg::stranger();
    let evil_keyring = stranger.ok(&["--export"]).stdout;
    let evil_policy = br#"{"default":[{"type":"insecureAcceptAnything"}]}"#.to_vec();
    let good_policy = std::fs::read(bundle.join("containers-policy.json")).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let swapper = {
        let (stop, target) = (stop.clone(), target.clone());
        let (gk, ek, gp, ep) = (
            good_keyring.clone(),
            evil_keyring.clone(),
            good_policy.clone(),
            evil_policy.clone(),
        );
        std::thread::spawn(move || {
            let put = |name: &str, bytes: &[u8]| {
                let tmp = target.join(format!(".{name}.swap"));
                std::fs::write(&tmp, bytes).unwrap();
                std::fs::rename(&tmp, target.join(name)).unwrap();
            };
            let mut swaps = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                put("keyring.gpg", &ek);
                put("containers-policy.json", &ep);
                put("keyring.gpg", &gk);
                put("containers-policy.json", &gp);
                swaps += 1;
            }
            swaps
        })
    };
    let (mut accepted, mut refused) = (0, 0);
    for i in 0..40 {
        let root = work.join(format!("root-{i}"));
        std::fs::create_dir_all(&root).unwrap();
        let o = install(&target, &root, &["--trust", &fpr]);
        let keyring = root.join(format!("etc/pki/containers/keyceremony-{fpr}.gpg"));
        match o.status.code() {
            Some(0) => {
                accepted += 1;
                assert_eq!(
                    std::fs::read(&keyring).unwrap(),
                    good_keyring,
                    "install {i}"
                );
                let p = std::fs::read_to_string(root.join("etc/containers/policy.json")).unwrap();
                assert!(!p.contains("insecureAcceptAnything"), "install {i}: {p}");
            }
            Some(5) => {
                refused += 1;
                assert!(
                    files_below(&root).is_empty(),
                    "install {i} refused, yet wrote {:?}",
                    files_below(&root)
                );
            }
            _ => panic!("install {i}: {}", stderr(&o)),
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let swaps = swapper.join().unwrap();
    assert!(swaps > 0);
    eprintln!("swapping bundle: {accepted} installs accepted (the good bytes), {refused} refused, {swaps} swaps");
}

/// Seen 4: nothing is written outside `--root`, whatever symlinks are
/// under it, and modes are explicit whatever the umask.
#[test]
fn install_never_writes_outside_the_root_and_sets_its_modes() {
    let dir = tempdir();
    let dir = dir.path();
    let bundle = full_ceremony(dir);
    let fpr = fingerprint(&bundle);
    let work = tempdir();
    let work = work.path();
    let outside = work.join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let victim = outside.join("victim");
    std::fs::write(&victim, b"precious").unwrap();

    // The old temporary name as a symlink: no longer a name we write.
    let root = work.join("r1");
    std::fs::create_dir_all(root.join("etc/containers")).unwrap();
    std::os::unix::fs::symlink(
        &victim,
        root.join("etc/containers/.policy.json.keyceremony-tmp"),
    )
    .unwrap();
    assert_exit(&install(&bundle, &root, &["--trust", &fpr]), 0);
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");

    // policy.json itself a symlink out of the root: refused, nothing written.
    let root = work.join("r2");
    std::fs::create_dir_all(root.join("etc/containers")).unwrap();
    std::os::unix::fs::symlink(&victim, root.join("etc/containers/policy.json")).unwrap();
    let o = install(&bundle, &root, &["--trust", &fpr]);
    assert_exit(&o, 5);
    assert!(stderr(&o).contains("symbolic link"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert!(!root.join("etc/pki").exists());

    // A directory on the way a symlink out of the root: refused.
    let root = work.join("r3");
    std::fs::create_dir_all(root.join("etc/pki")).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("etc/pki/containers")).unwrap();
    let o = install(&bundle, &root, &["--trust", &fpr]);
    assert_exit(&o, 5);
    assert!(stderr(&o).contains("symbolic link"), "{}", stderr(&o));
    assert_eq!(names_in(&outside), ["victim"]);

    // Under umask 000: files 0644, directories 0755, the state 0600.
    let root = work.join("r4");
    std::fs::create_dir_all(&root).unwrap();
    let state = work.join("var/lib/kc/state.json");
    let o = Command::new("sh")
        .arg("-c")
        .arg("umask 000 && exec \"$@\"")
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_keyceremony"))
        .args([
            "install",
            bundle.to_str().unwrap(),
            "--root",
            root.to_str().unwrap(),
            "--state",
        ])
        .arg(&state)
        .output()
        .unwrap();
    assert_exit(&o, 0);
    let written = files_below(&root);
    assert_eq!(written.len(), 3, "{written:?}");
    for f in &written {
        assert_eq!(mode(f), 0o644, "{}", f.display());
    }
    for d in [
        "etc",
        "etc/containers",
        "etc/containers/registries.d",
        "etc/pki",
        "etc/pki/containers",
    ] {
        assert_eq!(mode(&root.join(d)), 0o755, "{d}");
    }
    assert_eq!(mode(&state), 0o600);
    assert_eq!(mode(state.parent().unwrap()), 0o755);
    // The registries.d entry is generated: the lookaside and the scope.
    let y = std::fs::read_to_string(root.join(format!(
        "etc/containers/registries.d/keyceremony-{fpr}.yaml"
    )))
    .unwrap();
    assert!(
        y.contains("\"registry.example.org/team\":\n    lookaside: \"file:///srv/sigs\"\n"),
        "{y}"
    );
    // keyPath is the installed system's path, without the root's prefix.
    let p = std::fs::read_to_string(root.join("etc/containers/policy.json")).unwrap();
    assert!(
        p.contains(&format!(
            "\"keyPath\": \"/etc/pki/containers/keyceremony-{fpr}.gpg\""
        )),
        "{p}"
    );
    assert!(!p.contains(root.to_str().unwrap()), "{p}");
}

/// Seen 5: a failure before the commit changes nothing under the root and
/// does not move the state.
#[test]
fn a_failed_install_changes_nothing_and_keeps_the_state() {
    let dir = tempdir();
    let dir = dir.path();
    let bundle = full_ceremony(dir);
    let work = tempdir();
    let work = work.path();
    let state = work.join("state.json");
    let s = state.to_str().unwrap();

    type Setup<'a> = &'a dyn Fn(&Path);
    let fpr = fingerprint(&bundle);
    let keyring_dir = format!("etc/pki/containers/keyceremony-{fpr}.gpg");
    let cases: [(&str, Setup, &str); 4] = [
        (
            "not-json",
            &|r: &Path| std::fs::write(r.join("etc/containers/policy.json"), "{ not json").unwrap(),
            "is not JSON",
        ),
        (
            "huge",
            &|r: &Path| {
                std::fs::write(
                    r.join("etc/containers/policy.json"),
                    vec![b' '; (4 << 20) + 1],
                )
                .unwrap()
            },
            "larger than",
        ),
        (
            "registries-d-a-file",
            &|r: &Path| std::fs::write(r.join("etc/containers/registries.d"), "").unwrap(),
            "not a directory",
        ),
        (
            "keyring-a-directory",
            &|r: &Path| std::fs::create_dir_all(r.join(&keyring_dir)).unwrap(),
            "a directory, not a file",
        ),
    ];
    for (name, setup, said) in cases {
        let root = work.join(name);
        std::fs::create_dir_all(root.join("etc/containers")).unwrap();
        setup(&root);
        let before: Vec<(PathBuf, Vec<u8>)> = files_below(&root)
            .into_iter()
            .map(|f| (f.clone(), std::fs::read(&f).unwrap()))
            .collect();
        let dirs_before = dirs_below(&root);
        let o = install(&bundle, &root, &["--state", s]);
        assert_exit(&o, 5);
        assert!(
            stderr(&o).contains(said) && stderr(&o).contains("nothing was changed"),
            "{name}: {}",
            stderr(&o)
        );
        let after: Vec<(PathBuf, Vec<u8>)> = files_below(&root)
            .into_iter()
            .map(|f| (f.clone(), std::fs::read(&f).unwrap()))
            .collect();
        assert_eq!(before, after, "{name}");
        assert_eq!(dirs_before, dirs_below(&root), "{name}");
        assert!(!state.exists(), "{name}: the state moved");
    }

    // policy.json bind-mounted (as containers and subPath mounts do): it
    // cannot be replaced, and install stops before anything else is.
    let root = work.join("bind");
    std::fs::create_dir_all(root.join("etc/containers")).unwrap();
    let host_policy = work.join("mounted-policy.json");
    std::fs::write(&host_policy, r#"{"default":[{"type":"reject"}]}"#).unwrap();
    std::fs::write(root.join("etc/containers/policy.json"), "").unwrap();
    let script = format!(
        "mount --bind '{}' '{}/etc/containers/policy.json' || exit 99; \"$0\" install '{}' --root '{}' --state '{}'; echo \"exit=$?\"; find '{}' | sort",
        host_policy.display(),
        root.display(),
        bundle.display(),
        root.display(),
        state.display(),
        root.display()
    );
    let o = in_mount_namespace(&script);
    let out = stdout(&o);
    assert!(out.contains("exit=4"), "{out}{}", stderr(&o));
    assert!(stderr(&o).contains("nothing was changed"), "{}", stderr(&o));
    assert!(!out.contains("etc/pki"), "{out}");
    assert!(!state.exists());
}

/// Seen 6: a signed fragment can ask for nothing but this key's signatures
/// on the scopes bundle.json declares; a local rule is shown and kept.
#[test]
fn a_signed_bundle_can_only_require_its_own_signatures() {
    let dir = tempdir();
    let dir = dir.path();
    let bundle = full_ceremony(dir);
    let fpr = fingerprint(&bundle);
    let work = tempdir();
    let work = work.path();

    let hostile = [
        (
            "docker.io",
            r#"{"transports":{"docker":{"docker.io":[{"type":"insecureAcceptAnything"}]}}}"#,
            "does not declare",
        ),
        (
            "empty-scope",
            r#"{"transports":{"docker":{"":[{"type":"insecureAcceptAnything"}]}}}"#,
            "does not declare",
        ),
        (
            "default",
            r#"{"default":[{"type":"insecureAcceptAnything"}],"transports":{}}"#,
            "may never set",
        ),
        (
            "accept",
            r#"{"transports":{"docker":{"registry.example.org/team":[{"type":"insecureAcceptAnything"}]}}}"#,
            "insecureAcceptAnything",
        ),
    ];
    for (name, fragment, said) in hostile {
        let copy = altered(&bundle, &work.join(name), "containers-policy.json", |b| {
            *b = fragment.as_bytes().to_vec()
        });
        resign(dir, &copy);
        let o = verify(&copy, &["--trust", &fpr]);
        assert_exit(&o, 5);
        assert!(stderr(&o).contains(said), "{name}: {}", stderr(&o));
    }
    let copy = altered(&bundle, &work.join("yaml"), "registries.d.yaml", |b| {
        b.extend_from_slice(b"  docker.io:\n    lookaside: https://evil.example\n")
    });
    resign(dir, &copy);
    let o = verify(&copy, &["--trust", &fpr]);
    assert_exit(&o, 5);
    assert!(stderr(&o).contains("registries.d"), "{}", stderr(&o));

    // The administrator's own rules: `default` and other scopes untouched; a
    // rule for a declared scope kept and shown, replaced only when asked.
    let root = work.join("root");
    std::fs::create_dir_all(root.join("etc/containers")).unwrap();
    let local = r#"{"default":[{"type":"reject"}],"transports":{"docker":{"docker.io":[{"type":"reject"}],"registry.example.org/team":[{"type":"reject"}]}}}"#;
    std::fs::write(root.join("etc/containers/policy.json"), local).unwrap();
    let o = install(&bundle, &root, &["--trust", &fpr]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("docker:registry.example.org/team has a local rule, kept"),
        "{}",
        stdout(&o)
    );
    let p: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("etc/containers/policy.json")).unwrap())
            .unwrap();
    assert_eq!(p["default"][0]["type"], "reject");
    assert_eq!(p["transports"]["docker"]["docker.io"][0]["type"], "reject");
    assert_eq!(
        p["transports"]["docker"]["registry.example.org/team"][0]["type"],
        "reject"
    );
    assert_eq!(p["transports"]["dir"].as_object().unwrap().len(), 1, "{p}");
    let o = install(&bundle, &root, &["--trust", &fpr, "--replace-local"]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("replaced the local rule"),
        "{}",
        stdout(&o)
    );
    let p: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("etc/containers/policy.json")).unwrap())
            .unwrap();
    assert_eq!(
        p["transports"]["docker"]["registry.example.org/team"][0]["type"],
        "signedBy"
    );
    assert_eq!(p["transports"]["docker"]["docker.io"][0]["type"], "reject");
    assert_eq!(p["default"][0]["type"], "reject");
}

/// Seen 8 and 9: hostile bundles are refused at once, in the online side's
/// words and exit code, and nothing from a file reaches the terminal raw.
#[test]
fn hostile_bundles_are_refused_at_once_and_never_printed_raw() {
    let dir = tempdir();
    let dir = dir.path();
    let bundle = ceremony(dir);
    let bundle = bundles(&dir.join("export")).pop().unwrap_or(bundle);
    let fpr = fingerprint(&bundle);
    let work = tempdir();
    let work = work.path();
    // Unsigned edits with the MANIFEST's hashes made to match: the reads
    // come before the signature check, so they are the attack surface.
    let rehash = |b: &Path| {
        let text = std::fs::read_to_string(b.join("MANIFEST")).unwrap();
        let out: String = text
            .lines()
            .map(|l| {
                let (_, n) = l.split_once("  ").unwrap();
                format!(
                    "{}  {n}\n",
                    keyceremony::media::sha256_hex(&std::fs::read(b.join(n)).unwrap_or_default())
                )
            })
            .collect();
        std::fs::write(b.join("MANIFEST"), out).unwrap();
    };
    let edit_info = |name: &str, f: &dyn Fn(&mut serde_json::Value)| {
        let copy = altered(&bundle, &work.join(name), "bundle.json", |b| {
            let mut v: serde_json::Value = serde_json::from_slice(b).unwrap();
            f(&mut v);
            *b = serde_json::to_vec_pretty(&v).unwrap();
        });
        rehash(&copy);
        copy
    };
    let shadow = edit_info("shadow", &|v| v["files"]["cert"] = "/etc/shadow".into());
    let o = verify(&shadow, &["--trust", &fpr]);
    assert_exit(&o, 5);
    assert!(
        stderr(&o).contains("does not list \"/etc/shadow\""),
        "{}",
        stderr(&o)
    );
    let esc = edit_info("esc", &|v| v["\u{1b}[2J\nVERIFIED OK"] = "x".into());
    let o = verify(&esc, &["--trust", &fpr]);
    assert_exit(&o, 5);
    assert!(
        !o.stderr.contains(&0x1b) && !o.stdout.contains(&0x1b),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("\\u{1b}[2J\\u{a}VERIFIED OK"),
        "{}",
        stderr(&o)
    );

    // One 16 MiB file listed 300 times (900 is over the bound on names).
    let big = altered(&bundle, &work.join("big"), "cert.asc", |_| {});
    std::fs::write(big.join("junk"), vec![0u8; 16 << 20]).unwrap();
    let h = keyceremony::media::sha256_hex(&std::fs::read(big.join("junk")).unwrap());
    let many: String = (0..300).map(|_| format!("{h}  junk\n")).collect();
    std::fs::write(big.join("MANIFEST"), many).unwrap();
    let o = verify(&big, &["--trust", &fpr]);
    assert_exit(&o, 5);
    assert!(stderr(&o).contains("larger than"), "{}", stderr(&o));
    let twice = altered(&bundle, &work.join("twice"), "MANIFEST", |m| {
        let first = String::from_utf8(m.clone())
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_owned();
        m.extend_from_slice(format!("{first}\n").as_bytes());
    });
    let o = verify(&twice, &["--trust", &fpr]);
    assert_exit(&o, 5);
    assert!(stderr(&o).contains("twice"), "{}", stderr(&o));

    // A MANIFEST line naming a file with escapes in its name.
    let named = altered(&bundle, &work.join("named"), "MANIFEST", |m| {
        m.extend_from_slice(
            format!(
                "{}  \u{1b}]0;pwned\u{7}\u{1b}[2JBundle verified OK\n",
                "a".repeat(64)
            )
            .as_bytes(),
        )
    });
    let o = verify(&named, &["--trust", &fpr]);
    assert_exit(&o, 5);
    assert!(!o.stderr.contains(&0x1b), "{}", stderr(&o));
    // A deleted MANIFEST.asc: refused (5) in the online side's words.
    let unsigned = altered(&bundle, &work.join("unsigned"), "cert.asc", |_| {});
    std::fs::remove_file(unsigned.join("MANIFEST.asc")).unwrap();
    let o = verify(&unsigned, &["--trust", &fpr]);
    assert_exit(&o, 5);
    assert!(
        stderr(&o).contains("no MANIFEST.asc: it is not a whole bundle"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("mount it"), "{}", stderr(&o));
    // A directory that is no bundle, and no directory at all.
    let o = verify(work, &["--trust", &fpr]);
    assert_exit(&o, 5);
    let o = verify(&work.join("nowhere"), &["--trust", &fpr]);
    assert_exit(&o, 5);
}

/// Seen 9: a closed stdout never turns a failed check into a success.
#[test]
fn a_closed_pipe_never_turns_a_failure_into_success() {
    let bin = env!("CARGO_BIN_EXE_keyceremony");
    // This machine has a network: the air-gap check fails (7) and prints
    // its findings into a pipe whose reader has gone.
    let o = Command::new("bash")
        .arg("-c")
        .arg("\"$0\" airgap-check | (exec 0<&-; sleep 1); echo \"status=${PIPESTATUS[0]}\"")
        .arg(bin)
        .output()
        .unwrap();
    assert!(
        stdout(&o).contains("status=7"),
        "{}{}",
        stdout(&o),
        stderr(&o)
    );
    // A share of another set: 5, whatever happened to the output.
    let (c, other) = (crate::harness::ed25519(), crate::harness::rsa4096());
    let o = Command::new("bash")
        .arg("-c")
        .arg("\"$0\" shares verify \"$1\" \"$2\" \"$3\" | (exec 0<&-; sleep 1); echo \"status=${PIPESTATUS[0]}\"")
        .arg(bin)
        .arg(c.sheet(1))
        .arg(other.sheet(2))
        .arg(c.sheet(3))
        .output()
        .unwrap();
    assert!(
        stdout(&o).contains("status=5"),
        "{}{}",
        stdout(&o),
        stderr(&o)
    );
}

/// From the attack review: a scope a later bundle no longer declares loses
/// this key's rule; a rotation takes the replaced key's rules and files away
/// (a second registries.d file for one scope would make containers refuse
/// both); a rotation's old keyring can hold only the old key's subkeys.
#[test]
fn rules_and_files_the_key_no_longer_needs_go_and_a_smuggled_old_keyring_is_refused() {
    let dir = tempdir();
    let dir = dir.path();
    let first = full_ceremony(dir);
    let old_fpr = fingerprint(&first);
    let work = tempdir();
    let root = work.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    assert_exit(&install(&first, &root, &["--trust", &old_fpr]), 0);
    let policy = || -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(root.join("etc/containers/policy.json")).unwrap())
            .unwrap()
    };
    assert_eq!(policy()["transports"]["dir"].as_object().unwrap().len(), 1);

    // A renew whose plan declares the docker scope only.
    let docker_only = "scopes = [\"registry.example.org/team\"]\nlookaside = \"file:///srv/sigs\"";
    let plan = write_plan(dir, &[("scopes = []", docker_only)]);
    let backup = bundles(&dir.join("backup-1")).pop().unwrap();
    assert_exit(&renew(&plan, &backup, &sheets(dir, &[1, 2, 3]), &[]), 0);
    let second = bundles(&dir.join("export")).pop().unwrap();
    let o = install(&second, &root, &["--trust", &old_fpr]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("no longer requires this key's signatures"),
        "{}",
        stdout(&o)
    );
    assert!(
        policy()["transports"]["dir"]
            .as_object()
            .unwrap()
            .is_empty(),
        "{}",
        policy()
    );

    // A rotation: the new key's files and rules; the old key's gone.
    let backup = bundles(&dir.join("backup-1")).pop().unwrap();
    let (_, report) = crate::harness::rotate_with(dir, &backup, docker_only);
    let new_fpr = report["fingerprint"].as_str().unwrap().to_owned();
    let third = bundles(&dir.join("export")).pop().unwrap();
    // A stale staged file an interrupted install left is swept.
    let leftover = root.join(format!(
        "etc/pki/containers/.keyceremony-{new_fpr}.gpg.0123.keyceremony-new"
    ));
    std::fs::write(&leftover, b"half").unwrap();
    let o = install(&third, &root, &["--trust", &old_fpr]);
    assert_exit(&o, 0);
    assert!(!leftover.exists());
    let keys = root.join("etc/pki/containers");
    assert_eq!(
        names_in(&keys),
        [format!("keyceremony-{new_fpr}.gpg")],
        "{}",
        stdout(&o)
    );
    assert_eq!(
        names_in(&root.join("etc/containers/registries.d")),
        [format!("keyceremony-{new_fpr}.yaml")]
    );
    let rule = &policy()["transports"]["docker"]["registry.example.org/team"];
    assert_eq!(rule.as_array().unwrap().len(), 1, "{rule}");
    assert_eq!(
        rule[0]["keyPath"],
        format!("/etc/pki/containers/keyceremony-{new_fpr}.gpg")
    );

    // The old key's keyring in the rotation bundle replaced by a stranger's,
    // re-signed by the new key: refused.
    let stranger = Gpg::stranger();
    let theirs = stranger.ok(&["--export"]).stdout;
    let smuggled = altered(
        &third,
        &work.path().join("smuggled"),
        "rotation-1-old-keyring.gpg",
        |b| *b = theirs.clone(),
    );
    resign_with(dir, &smuggled, "passphrase-2.txt");
    let o = verify(&smuggled, &["--trust", &old_fpr]);
    assert_exit(&o, 5);
    assert!(
        stderr(&o).contains("rotation-1-old-keyring.gpg"),
        "{}",
        stderr(&o)
    );
}

/// From the attack review: two verifiers on one state take turns, so both
/// sides of a fork are never accepted; a state for another key says so; a
/// damaged state is named.
#[test]
fn one_state_takes_one_verifier_at_a_time_and_says_what_is_wrong_with_it() {
    let dir = tempdir();
    let dir = dir.path();
    let plan = ceremony(dir);
    let first = bundles(&dir.join("export")).pop().unwrap();
    let backup = bundles(&dir.join("backup-1")).pop().unwrap();
    let shares = sheets(dir, &[1, 2, 3]);
    assert_exit(&renew(&plan, &backup, &shares, &[]), 0);
    let a = bundles(&dir.join("export")).pop().unwrap();
    assert_exit(
        &renew(&plan, &backup, &shares, &["--allow-older-backup"]),
        0,
    );
    let b = bundles(&dir.join("export")).pop().unwrap();
    let work = tempdir();
    let state = work.path().join("s.json");
    let s = state.to_str().unwrap();
    assert_exit(&verify(&first, &["--state", s]), 0);
    // The first verifier is slowed at its fsyncs (strace), holding the
    // state; the second waits for it, then sees the fork.
    let slow = tool("strace")
        .args([
            "-f",
            "-qq",
            "-o",
            "/dev/null",
            "-e",
            "trace=fsync",
            "-e",
            "inject=fsync:delay_enter=1000000",
        ])
        .arg(env!("CARGO_BIN_EXE_keyceremony"))
        .args(["verify", a.to_str().unwrap(), "--state", s])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let other = verify(&b, &["--state", s]);
    let slow = slow.wait_with_output().unwrap();
    let codes = [slow.status.code(), other.status.code()];
    assert!(
        codes.contains(&Some(0)) && codes.contains(&Some(5)),
        "{codes:?}: {}{}",
        stderr(&slow),
        stderr(&other)
    );

    // Another key's bundle: named as that, not as a fork.
    let elsewhere = tempdir();
    ceremony(elsewhere.path());
    let theirs = bundles(&elsewhere.path().join("export")).pop().unwrap();
    let o = verify(&theirs, &["--state", s]);
    assert_exit(&o, 5);
    assert!(
        stderr(&o).contains("no rotation statement leads to it"),
        "{}",
        stderr(&o)
    );
    // A damaged field in the state.
    let text = std::fs::read_to_string(&state).unwrap();
    let bad = text.replacen("\"sequence\": 2", "\"sequence\": 0", 1);
    assert_ne!(bad, text);
    std::fs::write(&state, bad).unwrap();
    let o = verify(&a, &["--state", s]);
    assert_exit(&o, 5);
    assert!(stderr(&o).contains("is damaged"), "{}", stderr(&o));
}

/// Every directory below `dir`, `dir` included, sorted.
fn dirs_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_owned()];
    let mut i = 0;
    while i < out.len() {
        let d = out[i].clone();
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() && !p.is_symlink() {
                out.push(p);
            }
        }
        i += 1;
    }
    out.sort();
    out
}
