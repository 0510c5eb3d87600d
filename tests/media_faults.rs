//! Media that fail: a full stick must leave no partial file and say what to do.
//!
//! A real full medium needs a small file system: the test mounts a tmpfs in a
//! private mount namespace (`unshare -m`), which needs root, as CI is. A USB
//! stick adds slower and less honest failure modes (write caches, EIO on pull)
//! that a tmpfs cannot show; the atomic write handles them the same way.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::*;

#[test]
fn a_full_backup_medium_leaves_no_partial_file_and_says_what_to_do() {
    let dir = tempdir();
    let plan = write_plan(dir.path(), &[]);
    let b2 = dir.path().join("backup-2");
    // Inside the namespace: a 2 MiB tmpfs (the pre-flight wants 1 MiB free,
    // so a medium that is too small is refused before anything is
    // written), filled up by another writer once the ceremony has begun on
    // it (each atomic rename slowed, so that it is mid-way); then list what
    // is left on the full medium before the mount goes away with the
    // namespace.
    let script = format!(
        "mount -t tmpfs -o size=2m tmpfs '{b2}' || exit 99; \
         strace -f -qq -o /dev/null -e trace=renameat2 -e inject=renameat2:delay_enter=100000 \"$0\" genesis --plan '{plan}' 2>'{b2}.err' & pid=$!; \
         while [ -z \"$(ls -A '{b2}')\" ] && kill -0 $pid 2>/dev/null; do sleep 0.05; done; \
         head -c 4M /dev/zero > '{b2}/filler' 2>/dev/null; \
         wait $pid; echo \"exit=$?\"; cat '{b2}.err' >&2; \
         for d in '{b2}'/FAILED-ceremony-*; do echo \"bundle=$d\"; \
           for f in \"$d\"/* \"$d\"/.[!.]*; do [ -e \"$f\" ] && sha256sum \"$f\"; done; done",
        b2 = b2.display(),
        plan = plan.display()
    );
    let o = in_mount_namespace(&script);
    assert_ne!(
        o.status.code(),
        Some(99),
        "this test needs root to mount a tmpfs (CI runs as root): {}",
        stderr(&o)
    );
    let out = stdout(&o);
    let after_exit: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("exit="))
        .collect();
    assert_eq!(after_exit.first(), Some(&"exit=4"), "{out}{}", stderr(&o));
    assert!(
        after_exit.get(1).is_some_and(|l| l.starts_with("bundle=")),
        "{out}"
    );
    let err = stderr(&o);
    // Every file left on the full medium is whole: the same as on the
    // first backup (no temporary or cut-off file).
    let b1 = bundle(&dir.path().join("backup-1"));
    for line in &after_exit[2..] {
        let (hash, path) = line.split_once("  ").unwrap();
        let name = std::path::Path::new(path).file_name().unwrap();
        let whole =
            keyceremony::media::sha256_hex(&std::fs::read(b1.join(name)).unwrap_or_default());
        assert_eq!(hash, whole, "{path} is not whole: {out}");
    }
    assert!(
        err.contains("is full: free space on it or use a larger medium"),
        "{err}"
    );
    // The first backup is whole; the transcript records the failure; nothing went online.
    // The operator is told what was left where, and to destroy it.
    assert!(
        err.contains("Left on the media:") && err.contains(b1.to_str().unwrap()),
        "{err}"
    );
    assert!(err.contains("destroy them"), "{err}");
    assert!(b1.join("secret-key.asc").exists());
    let export = bundle(&dir.path().join("export"));
    // Marked as failed where a glob and a person both see it: no
    // `ceremony-*` is left to be taken for a ceremony.
    for d in [&b1, &export] {
        let name = d.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("FAILED-ceremony-"), "{name}");
    }
    let o = run(&[
        "verify",
        export.to_str().unwrap(),
        "--trust",
        &"A".repeat(40),
    ]);
    assert_exit(&o, 5);
    assert!(
        stderr(&o).contains("what a ceremony that stopped left")
            && stderr(&o).contains("run again"),
        "{}",
        stderr(&o)
    );
    let t = std::fs::read_to_string(export.join("transcript.jsonl")).unwrap();
    let last: serde_json::Value = serde_json::from_str(t.lines().last().unwrap()).unwrap();
    assert_eq!(last["event"], "ceremony.failed");
    assert!(last["data"]["error"].as_str().unwrap().contains("full"));
    assert!(
        !export.join("cert.asc").exists(),
        "the cert went online for a failed ceremony"
    );
}

/// One demo stopped by SIGINT at its `n`th atomic rename (strace's fault
/// injection): its exit code and the directories it left.
fn demo_interrupted_at(n: usize) -> (Option<i32>, tempfile::TempDir, String) {
    demo_signalled_at(n, "SIGINT")
}

/// One demo sent `signal` at its `n`th atomic rename.
fn demo_signalled_at(n: usize, signal: &str) -> (Option<i32>, tempfile::TempDir, String) {
    let dir = tempdir();
    let o = tool("strace")
        .args(["-f", "-qq", "-o", "/dev/null", "-e", "trace=renameat2"])
        .arg(format!("-einject=renameat2:signal={signal}:when={n}"))
        .arg(env!("CARGO_BIN_EXE_keyceremony"))
        .arg("demo")
        .arg(dir.path().join("demo"))
        .output()
        .unwrap();
    (o.status.code(), dir, stderr(&o))
}

/// A signal at any moment of a ceremony: SIGINT at each atomic rename of a
/// demo in turn. After each, either the ceremony is complete (every
/// directory has its MANIFEST and `sha256sum -c` holds, the transcript
/// verifies) or it is visibly not: exit 9, every directory it made renamed
/// FAILED-, no partial file anywhere, the transcript saying it stopped and
/// `transcript verify` saying it did not complete. Never complete-looking
/// with a medium missing its MANIFEST.
#[test]
fn a_signal_at_any_write_leaves_a_complete_ceremony_or_a_visibly_failed_one() {
    let mut n = 1;
    let mut stopped = 0;
    let mut last = 0;
    loop {
        // Two at a time: this machine has two cores.
        let runs: Vec<_> = (n..n + 2)
            .map(|i| std::thread::spawn(move || (i, demo_interrupted_at(i))))
            .collect();
        let mut completed = false;
        for r in runs {
            let (i, (code, dir, err)) = r.join().unwrap();
            let media = dir.path().join("demo");
            let dirs: Vec<std::path::PathBuf> = ["backup-1", "backup-2", "export", "shares"]
                .iter()
                .filter_map(|m| std::fs::read_dir(media.join(m)).ok())
                .flatten()
                .map(|e| e.unwrap().path())
                .filter(|p| p.is_dir())
                .collect();
            let partial: Vec<_> = dirs
                .iter()
                .flat_map(|d| names_in(d))
                .filter(|n| n.ends_with(".partial"))
                .collect();
            assert!(partial.is_empty(), "rename {i}: partial files {partial:?}");
            match code {
                Some(0) => {
                    completed = true;
                    for d in &dirs {
                        let name = d.file_name().unwrap().to_string_lossy().into_owned();
                        assert!(name.starts_with("ceremony-"), "rename {i}: {name}");
                        let o = tool("sha256sum")
                            .args(["--quiet", "-c", "MANIFEST"])
                            .current_dir(d)
                            .output()
                            .unwrap();
                        assert_exit(&o, 0);
                    }
                    let export = dirs
                        .iter()
                        .find(|d| d.starts_with(media.join("export")))
                        .unwrap();
                    assert_exit(
                        &run(&[
                            "transcript",
                            "verify",
                            export.join("transcript.jsonl").to_str().unwrap(),
                        ]),
                        0,
                    );
                }
                Some(9) => {
                    stopped += 1;
                    last = last.max(i);
                    assert!(err.contains("stopped by SIGINT"), "rename {i}: {err}");
                    for d in &dirs {
                        let name = d.file_name().unwrap().to_string_lossy().into_owned();
                        assert!(
                            name.starts_with("FAILED-ceremony-"),
                            "rename {i}: {name} left unmarked"
                        );
                    }
                    let export = dirs
                        .iter()
                        .find(|d| d.starts_with(media.join("export")))
                        .unwrap_or_else(|| panic!("rename {i}: no export directory: {err}"));
                    let t = export.join("transcript.jsonl");
                    let text = std::fs::read_to_string(&t).unwrap();
                    let end: serde_json::Value =
                        serde_json::from_str(text.lines().last().unwrap()).unwrap();
                    assert_eq!(end["event"], "ceremony.failed", "rename {i}");
                    let o = run(&["transcript", "verify", t.to_str().unwrap()]);
                    assert_exit(&o, 5);
                    assert!(
                        stderr(&o).contains("did not complete"),
                        "rename {i}: {}",
                        stderr(&o)
                    );
                }
                // Before the ceremony opens its directories (the demo
                // writing its plan), a signal ends the process as always:
                // there is nothing of a ceremony yet.
                None => assert!(dirs.is_empty(), "rename {i}: killed, leaving {dirs:?}"),
                other => panic!("rename {i}: exit {other:?}: {err}"),
            }
        }
        if completed {
            break;
        }
        n += 2;
        assert!(n < 200, "the demo never completed");
    }
    assert!(stopped > 20, "only {stopped} runs were stopped");
    a_late_failure_s_backups_never_pass_for_whole(last);
    killed_late_leaves_nothing_that_verifies_as_complete(last);
}

/// The demo stopped at its last write but one: its backups got their
/// MANIFEST and the transcript saying "complete" before the export failed.
/// Each backup is marked (renamed, and a file inside saying so), its
/// transcript says the ceremony did not complete, and `restore` refuses it
/// under any name: `--backup .` from inside it, a link to it, a copy of it
/// named like a good one.
fn a_late_failure_s_backups_never_pass_for_whole(at: usize) {
    let (code, dir, err) = demo_interrupted_at(at);
    assert_eq!(code, Some(9), "{err}");
    let media = dir.path().join("demo");
    let only = |m: &str| {
        let d: Vec<PathBuf> = std::fs::read_dir(media.join(m))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        assert_eq!(d.len(), 1, "{m}: {d:?}");
        d[0].clone()
    };
    let shares: Vec<String> = names_in(&only("shares"))
        .into_iter()
        .filter(|n| n.ends_with(".txt") && n.starts_with("share-"))
        .map(|n| only("shares").join(n).display().to_string())
        .collect();
    let export = only("export");
    let o = run(&[
        "verify",
        export.to_str().unwrap(),
        "--trust",
        &"0".repeat(40),
    ]);
    assert_ne!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("what a ceremony that stopped left"),
        "{}",
        stderr(&o)
    );
    for b in ["backup-1", "backup-2"] {
        let failed = only(b);
        let name = failed.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("FAILED-ceremony-"), "{name}");
        assert!(failed.join("FAILED-README.txt").is_file());
        let o = run(&[
            "transcript",
            "verify",
            failed.join("transcript.jsonl").to_str().unwrap(),
        ]);
        assert_exit(&o, 5);
        assert!(stderr(&o).contains("did not complete"), "{}", stderr(&o));

        let link = media.join(format!("{b}-link"));
        std::os::unix::fs::symlink(&failed, &link).unwrap();
        let copy = media.join(b).join(name.trim_start_matches("FAILED-"));
        let o = tool("cp")
            .arg("-a")
            .arg(&failed)
            .arg(&copy)
            .output()
            .unwrap();
        assert_exit(&o, 0);
        for (backup, cwd) in [
            (".", failed.as_path()),
            (link.to_str().unwrap(), media.as_path()),
            (copy.to_str().unwrap(), media.as_path()),
        ] {
            let o = Command::new(env!("CARGO_BIN_EXE_keyceremony"))
                .args(["restore", "--backup", backup])
                .args(&shares[..3])
                .current_dir(cwd)
                .output()
                .unwrap();
            assert_ne!(o.status.code(), Some(0), "{backup} opened");
            assert!(
                stderr(&o).contains("what a ceremony that stopped left"),
                "{backup}: {}",
                stderr(&o)
            );
        }
    }
}

/// A ceremony killed outright (no signal handler runs, nothing is marked)
/// in its last writes: every ceremony directory it left either checks
/// whole (`sha256sum -c MANIFEST`, transcript verified) or its transcript
/// says the ceremony did not complete. None looks complete without its
/// MANIFEST.
fn killed_late_leaves_nothing_that_verifies_as_complete(last: usize) {
    let runs: Vec<_> = (last.saturating_sub(7)..=last)
        .map(|i| (i, demo_signalled_at(i, "SIGKILL")))
        .collect();
    for (i, (code, dir, err)) in runs {
        assert_eq!(code, None, "rename {i}: {err}");
        let media = dir.path().join("demo");
        for m in ["backup-1", "backup-2", "export"] {
            for d in std::fs::read_dir(media.join(m)).unwrap() {
                let d = d.unwrap().path();
                let t = d.join("transcript.jsonl");
                if !d.is_dir() || !t.exists() {
                    continue;
                }
                let o = run(&["transcript", "verify", t.to_str().unwrap()]);
                let whole = d.join("MANIFEST.asc").exists()
                    && tool("sha256sum")
                        .args(["--quiet", "-c", "MANIFEST"])
                        .current_dir(&d)
                        .output()
                        .unwrap()
                        .status
                        .success();
                if o.status.success() {
                    assert!(
                        whole,
                        "rename {i}: {} verifies but is not whole",
                        d.display()
                    );
                } else {
                    assert!(
                        stderr(&o).contains("did not complete")
                            || stderr(&o).contains("has no transcript.jsonl.asc"),
                        "rename {i}: {}: {}",
                        d.display(),
                        stderr(&o)
                    );
                }
            }
        }
    }
}

/// A medium is a device, not a path: a stick's mount point with no stick
/// mounted (an unmount between the review and the start) is on the
/// machine's own disk and refused before anything is written; a stick
/// unmounted during the run stops the ceremony, and nothing lands on the
/// machine's own disk. Sticks are tmpfs mounts in a private mount
/// namespace (root, as CI is); a USB stick pulled out adds I/O errors,
/// which end the same way.
#[test]
fn a_stick_that_is_not_mounted_or_goes_away_never_gets_the_ceremony_on_the_machine_s_disk() {
    let dir = tempdir();
    let d = dir.path();
    let plan = write_plan(
        d,
        &[("allow_same_device = true", "allow_same_device = false")],
    );
    let mounts = format!(
        "rm -f '{d}/passphrase.txt'; for m in backup-1 backup-2 export shares; do mount -t tmpfs -o size=16m \"kc-$m\" '{d}/'$m || exit 99; done",
        d = d.display()
    );
    // Between review and start: the share medium's stick went away.
    let script = format!(
        "{mounts}; umount '{d}/shares'; \"$0\" genesis --plan '{plan}'; echo \"exit=$?\"; ls -A '{d}/backup-1' '{d}/shares'",
        d = d.display(),
        plan = plan.display()
    );
    let o = in_mount_namespace(&script);
    assert!(
        !stdout(&o).is_empty() && o.status.code() != Some(99),
        "needs root: {}",
        stderr(&o)
    );
    assert!(
        stdout(&o).contains("exit=4"),
        "{}{}",
        stdout(&o),
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("on this machine's own disk"),
        "{}",
        stderr(&o)
    );
    assert!(!stdout(&o).contains("ceremony-"), "written: {}", stdout(&o));

    // During the run: the second backup's stick unmounted while the
    // ceremony writes (each atomic rename slowed, so that it is mid-way).
    let script = format!(
        "{mounts}; strace -f -qq -o /dev/null -e trace=renameat2 -e inject=renameat2:delay_enter=150000 \"$0\" genesis --plan '{plan}' > '{d}/out' 2>&1 & \
         pid=$!; while [ -z \"$(ls -A '{d}/backup-2')\" ] && kill -0 $pid 2>/dev/null; do sleep 0.1; done; umount -l '{d}/backup-2'; wait $pid; echo \"exit=$?\"; \
         echo \"left on the machine's disk: $(ls -A '{d}/backup-2')\"; cat '{d}/out' >&2",
        d = d.display(),
        plan = plan.display()
    );
    stopped_writing_nothing_more(
        &in_mount_namespace(&script),
        "left on the machine's disk: \n",
    );

    // During the run: the second backup's stick swapped for another that
    // the kernel gives the same device number, with a directory of the
    // ceremony's name made on it (a tmpfs after a lazy unmount can get
    // its predecessor's number): the file the pre-flight left on the
    // medium is not there, so the ceremony stops.
    let script = format!(
        "{mounts}; strace -f -qq -o /dev/null -e trace=renameat2 -e inject=renameat2:delay_enter=150000 \"$0\" genesis --plan '{plan}' > '{d}/out' 2>&1 & \
         pid=$!; while ! ls '{d}/backup-2' | grep -q ceremony- && kill -0 $pid 2>/dev/null; do sleep 0.1; done; name=$(ls '{d}/backup-2' | grep ceremony-); \
         umount -l '{d}/backup-2'; mount -t tmpfs -o size=16m kc-swapped '{d}/backup-2' && mkdir '{d}/backup-2/'$name; wait $pid; echo \"exit=$?\"; \
         echo \"on the swapped stick: $(ls '{d}/backup-2/'$name)\"; cat '{d}/out' >&2",
        d = d.display(),
        plan = plan.display()
    );
    stopped_writing_nothing_more(&in_mount_namespace(&script), "on the swapped stick: \n");

    // The share sheets' "stick" a directory of the export stick (a bind
    // mount): the sheets would go online with the export. Refused.
    let script = format!(
        "{mounts}; umount '{d}/shares'; mkdir '{d}/export/sheets'; mount --bind '{d}/export/sheets' '{d}/shares'; \"$0\" genesis --plan '{plan}'; echo \"exit=$?\"; ls -A '{d}/export'",
        d = d.display(),
        plan = plan.display()
    );
    let o = in_mount_namespace(&script);
    assert!(
        stdout(&o).contains("exit=4"),
        "{}{}",
        stdout(&o),
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("is on the same device as the export medium"),
        "{}",
        stderr(&o)
    );
    assert!(!stdout(&o).contains("ceremony-"), "written: {}", stdout(&o));

    // The share sheets' "stick" a directory of a backup stick (a bind
    // mount): the sheets would travel with the key. Refused.
    let script = format!(
        "{mounts}; umount '{d}/shares'; mkdir '{d}/backup-1/sheets'; mount --bind '{d}/backup-1/sheets' '{d}/shares'; \"$0\" genesis --plan '{plan}'; echo \"exit=$?\"",
        d = d.display(),
        plan = plan.display()
    );
    let o = in_mount_namespace(&script);
    assert!(
        stdout(&o).contains("exit=4"),
        "{}{}",
        stdout(&o),
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("is on the same device as the backup"),
        "{}",
        stderr(&o)
    );

    // A backup at an empty mount point under /run/media (RAM in the live
    // image; udisks mounts sticks there): refused.
    let r = d.join("run");
    let run_plan = write_plan(
        &r,
        &[
            ("allow_same_device = true", "allow_same_device = false"),
            (
                "backup = [\"backup-1\", \"backup-2\"]",
                "backup = [\"backup-1\", \"/run/media/op/BACKUP2\"]",
            ),
        ],
    );
    let script = format!(
        "for m in backup-1 export shares; do mount -t tmpfs -o size=16m \"kc-$m\" '{r}/'$m || exit 99; done; mount -t tmpfs tmpfs /run && mkdir -p /run/media/op/BACKUP2; \"$0\" genesis --plan '{plan}'; echo \"exit=$?\"; ls -A /run/media/op/BACKUP2",
        r = r.display(),
        plan = run_plan.display()
    );
    let o = in_mount_namespace(&script);
    assert!(
        stdout(&o).contains("exit=4"),
        "{}{}",
        stdout(&o),
        stderr(&o)
    );
    assert!(stderr(&o).contains("not on a stick"), "{}", stderr(&o));
    assert!(!stdout(&o).contains("ceremony-"), "{}", stdout(&o));
}

/// A genesis in a mount namespace whose stick went away mid-run: exit 4,
/// named as not the medium it started on, and `nothing` (what the script
/// printed of the place the stick was) shows nothing written there.
fn stopped_writing_nothing_more(o: &std::process::Output, nothing: &str) {
    assert!(stdout(o).contains("exit=4"), "{}{}", stdout(o), stderr(o));
    assert!(
        stderr(o).contains("is not the one this ceremony started on"),
        "{}",
        stderr(o)
    );
    assert!(stdout(o).contains(nothing), "{}", stdout(o));
}

/// Files that are not files: a FIFO, a device, a directory and a symlink in
/// place of each file of a backup are refused at once (a FIFO used to hang
/// `restore` for ever), and a MANIFEST listing one big file many times is
/// refused at its second line.
#[test]
fn a_backup_whose_files_are_not_files_is_refused_at_once() {
    let c = ed25519();
    let shares: Vec<String> = [1, 2, 3]
        .iter()
        .map(|i| c.sheet(*i).display().to_string())
        .collect();
    let work = tempdir();
    let copy = |name: &str| -> PathBuf {
        let d = work.path().join(name);
        std::fs::create_dir_all(&d).unwrap();
        for f in files_below(&c.backups[0]) {
            std::fs::copy(&f, d.join(f.file_name().unwrap())).unwrap();
        }
        d
    };
    let restore = |backup: &Path| {
        tool("timeout")
            .args([
                "60",
                env!("CARGO_BIN_EXE_keyceremony"),
                "restore",
                "--backup",
            ])
            .arg(backup)
            .args(&shares)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    for file in [
        "secret-key.asc",
        "cert.asc",
        "MANIFEST",
        "MANIFEST.asc",
        "shares.json",
    ] {
        for kind in ["fifo", "device", "directory", "symlink"] {
            let d = copy(&format!("{kind}-{file}"));
            let p = d.join(file);
            let original = std::fs::read(&p).unwrap();
            std::fs::remove_file(&p).unwrap();
            let made = match kind {
                "fifo" => Command::new("mkfifo").arg(&p).status().unwrap().success(),
                "device" => Command::new("mknod")
                    .arg(&p)
                    .args(["c", "1", "3"])
                    .status()
                    .unwrap()
                    .success(),
                "directory" => std::fs::create_dir(&p).is_ok(),
                _ => {
                    let elsewhere = work.path().join(format!("elsewhere-{kind}-{file}"));
                    std::fs::write(&elsewhere, &original).unwrap();
                    std::os::unix::fs::symlink(&elsewhere, &p).is_ok()
                }
            };
            assert!(made, "making a {kind} needs root (CI runs as root)");
            let o = restore(&d);
            assert_ne!(o.status.code(), Some(124), "{kind} as {file}: restore hung");
            assert_exit(&o, 5);
            let err = stderr(&o);
            let said = match kind {
                "fifo" => "FIFO",
                "device" => "a device",
                "directory" => "a directory",
                _ => "symbolic link",
            };
            assert!(
                err.contains(said) && err.contains(file),
                "{kind} as {file}: {err}"
            );
        }
    }
    let d = copy("manifest-many");
    std::fs::write(d.join("junk"), vec![0u8; 16 << 20]).unwrap();
    let h = keyceremony::media::sha256_hex(&std::fs::read(d.join("junk")).unwrap());
    let many: String = (0..900).map(|_| format!("{h}  junk\n")).collect();
    std::fs::write(d.join("MANIFEST"), many).unwrap();
    let o = restore(&d);
    assert_exit(&o, 5);
    assert!(
        stderr(&o).contains("twice") || stderr(&o).contains("larger than"),
        "{}",
        stderr(&o)
    );
}

/// A medium with less room than a ceremony writes to it is refused by the
/// pre-flight, before anything is written (one with 16 to 32 KiB used to
/// pass it and fill up part way).
#[test]
fn a_medium_too_small_for_the_ceremony_is_refused_before_anything_is_written() {
    let dir = tempdir();
    let d = dir.path();
    let plan = write_plan(d, &[]);
    let script = format!(
        "mount -t tmpfs -o size=512k kc-small '{d}/backup-2' || exit 99; \"$0\" genesis --plan '{plan}'; echo \"exit=$?\"; ls -A '{d}/backup-1' '{d}/backup-2' '{d}/export' '{d}/shares'",
        d = d.display(),
        plan = plan.display()
    );
    let o = in_mount_namespace(&script);
    assert_ne!(o.status.code(), Some(99), "needs root: {}", stderr(&o));
    assert!(
        stdout(&o).contains("exit=4"),
        "{}{}",
        stdout(&o),
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("needs at least 1048576"),
        "{}",
        stderr(&o)
    );
    assert!(!stdout(&o).contains("ceremony-"), "{}", stdout(&o));
    // Room for bytes but not for files (inodes): refused as well.
    let script = format!(
        "mount -t tmpfs -o size=16m,nr_inodes=8 kc-few '{d}/backup-2' || exit 99; \"$0\" genesis --plan '{plan}'; echo \"exit=$?\"",
        d = d.display(),
        plan = plan.display()
    );
    let o = in_mount_namespace(&script);
    assert!(
        stdout(&o).contains("exit=4"),
        "{}{}",
        stdout(&o),
        stderr(&o)
    );
    assert!(stderr(&o).contains("more files"), "{}", stderr(&o));
    // A failed ceremony's backup is never opened as a backup.
    let c = ed25519();
    let failed = d.join("FAILED-ceremony-20261201T000000Z");
    std::fs::create_dir_all(&failed).unwrap();
    for f in files_below(&c.backups[0]) {
        std::fs::copy(&f, failed.join(f.file_name().unwrap())).unwrap();
    }
    let mut args = vec![
        "restore".to_owned(),
        "--backup".into(),
        failed.display().to_string(),
    ];
    args.extend([1, 2, 3].map(|i| c.sheet(i).display().to_string()));
    let o = run_owned(&args);
    assert_exit(&o, 5);
    assert!(
        stderr(&o).contains("what a ceremony that stopped left"),
        "{}",
        stderr(&o)
    );
}

/// What a failed ceremony left is named by the next ceremony's pre-flight,
/// with what to do, and never taken for a ceremony (`transcript verify` of
/// a medium's history skips it).
#[test]
fn a_failed_ceremony_s_leftovers_are_named_by_the_next_pre_flight() {
    let dir = tempdir();
    let d = dir.path();
    let plan = write_plan(d, &[]);
    let left = d.join("backup-1/FAILED-ceremony-20261201T000000Z");
    std::fs::create_dir_all(&left).unwrap();
    let o = run(&["genesis", "--plan", plan.to_str().unwrap()]);
    assert_exit(&o, 0);
    assert!(
        stderr(&o).contains(&format!(
            "{} is what a ceremony that stopped left: destroy it",
            left.display()
        )),
        "{}",
        stderr(&o)
    );
}

/// The file a ceremony keeps open on each medium: one a killed process
/// left is removed by the next pre-flight; one another keyceremony holds
/// (locked) makes the medium refused, naming why; a Ctrl-C during the
/// pre-flight's checks stops the ceremony (exit 9) and leaves none.
#[test]
fn in_use_files_are_cleared_when_left_and_respected_when_held() {
    let dir = tempdir();
    let d = dir.path();
    let plan = write_plan(d, &[]);
    let left = d.join("backup-1/.keyceremony-in-use-left");
    std::fs::write(&left, b"").unwrap();
    let held = d.join("export/.keyceremony-in-use-held");
    std::fs::write(&held, b"").unwrap();
    let mut holder = tool("flock")
        .args(["-x", held.to_str().unwrap(), "sleep", "60"])
        .spawn()
        .unwrap();
    // flock(1) holds the lock once it runs sleep: wait for that.
    while !std::fs::read_to_string(format!(
        "/proc/{}/task/{}/children",
        holder.id(),
        holder.id()
    ))
    .is_ok_and(|c| !c.trim().is_empty())
    {
        std::thread::yield_now();
    }
    let o = run(&["genesis", "--plan", plan.to_str().unwrap()]);
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert_exit(&o, 4);
    assert!(
        stderr(&o).contains("in use by another keyceremony running now"),
        "{}",
        stderr(&o)
    );
    assert!(!left.exists(), "the leftover stayed");
    std::fs::remove_file(&held).unwrap();

    let o = tool("strace")
        .args([
            "-f",
            "-qq",
            "-o",
            "/dev/null",
            "-e",
            "trace=statfs",
            "-e",
            "inject=statfs:signal=SIGINT:when=3",
        ])
        .arg(env!("CARGO_BIN_EXE_keyceremony"))
        .args(["genesis", "--plan", plan.to_str().unwrap()])
        .output()
        .unwrap();
    assert_exit(&o, 9);
    assert!(stderr(&o).contains("stopped by SIGINT"), "{}", stderr(&o));
    for m in ["backup-1", "backup-2", "export", "shares"] {
        let names = names_in(&d.join(m));
        assert!(names.is_empty(), "{m}: {names:?}");
    }
}

/// A backup medium that is a link to another is one medium under two
/// names: named as that (it used to end in "already exists" part way).
#[test]
fn a_backup_medium_that_links_to_another_is_named_as_one_medium() {
    let dir = tempdir();
    let d = dir.path();
    let plan = write_plan(d, &[]);
    std::fs::remove_dir(d.join("backup-2")).unwrap();
    std::os::unix::fs::symlink(d.join("backup-1"), d.join("backup-2")).unwrap();
    let o = run(&["genesis", "--plan", plan.to_str().unwrap()]);
    assert_exit(&o, 4);
    assert!(
        stderr(&o).contains("one directory, or one inside the other, under two names"),
        "{}",
        stderr(&o)
    );
    assert!(names_in(&d.join("backup-1")).is_empty());
    std::fs::remove_file(d.join("backup-2")).unwrap();
    std::fs::create_dir(d.join("backup-2")).unwrap();

    // The sheets' medium a link to the export medium, and a backup a link
    // into it: found by `plan check` and by the pre-flight, before anything
    // is written (they used to end part way in "already exists").
    std::fs::remove_dir(d.join("shares")).unwrap();
    std::os::unix::fs::symlink(d.join("export"), d.join("shares")).unwrap();
    for args in [["plan", "check"], ["genesis", "--plan"]] {
        let o = run(&[args[0], args[1], plan.to_str().unwrap()]);
        assert_exit(&o, 4);
        assert!(
            stderr(&o).contains("the share sheets' medium")
                && stderr(&o).contains("the export medium")
                && stderr(&o).contains("under two names"),
            "{}",
            stderr(&o)
        );
    }
    std::fs::remove_file(d.join("shares")).unwrap();
    std::fs::create_dir(d.join("shares")).unwrap();
    std::fs::remove_dir(d.join("backup-2")).unwrap();
    std::fs::create_dir(d.join("export/inside")).unwrap();
    std::os::unix::fs::symlink(d.join("export/inside"), d.join("backup-2")).unwrap();
    let o = run(&["genesis", "--plan", plan.to_str().unwrap()]);
    assert_exit(&o, 4);
    assert!(
        stderr(&o).contains("one inside the other"),
        "{}",
        stderr(&o)
    );
    for m in ["backup-1", "export", "shares"] {
        assert!(
            !names_in(&d.join(m))
                .iter()
                .any(|n| n.starts_with("ceremony-")),
            "{m} written"
        );
    }
}
