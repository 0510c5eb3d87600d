//! Issue 11, "trust nothing that is read back": hostile plans, closed pipes
//! and a wrong clock, each met through the real binary as a user would.

use std::process::Stdio;

use crate::harness::*;

/// A plan with `edits`, checked: returns the output of `plan check`.
fn check_plan(edits: &[(&str, &str)]) -> (tempfile::TempDir, std::process::Output) {
    let dir = tempdir();
    let plan = write_plan(dir.path(), edits);
    let o = run(&["plan", "check", plan.to_str().unwrap()]);
    (dir, o)
}

/// A genesis on a plan that `plan check` refuses makes nothing at all.
fn genesis_refused_before_any_key(dir: &std::path::Path, want: &str) {
    let o = run(&["genesis", "--plan", dir.join("plan.toml").to_str().unwrap()]);
    assert_exit(&o, 3);
    assert!(stderr(&o).contains(want), "{}", stderr(&o));
    for medium in ["backup-1", "backup-2", "export", "shares"] {
        assert!(
            names_in(&dir.join(medium)).is_empty(),
            "{medium} was written to"
        );
    }
}

#[test]
fn issue11_a_user_id_gpg_would_refuse_is_refused_before_any_key_exists() {
    let long = format!("{} <release@example.org>", "R".repeat(2100));
    let (dir, o) = check_plan(&[(
        "Example Release Signing <release@example.org>",
        long.as_str(),
    )]);
    assert_exit(&o, 3);
    let want = "GnuPG refuses user IDs over 2038 bytes";
    assert!(stderr(&o).contains(want), "{}", stderr(&o));
    genesis_refused_before_any_key(dir.path(), want);

    // The longest user ID allowed is one gpg imports.
    let edge = format!("{} <r@example.org>", "R".repeat(2038 - 16));
    let dir = tempdir();
    let c = Ceremony::run(
        dir.path().to_owned(),
        &[(
            "Example Release Signing <release@example.org>",
            edge.as_str(),
        )],
        365,
        365,
    );
    let gpg = Gpg::new();
    gpg.ok(&["--import", c.cert().to_str().unwrap()]);
    let uids = gpg.colons("--list-keys", "uid");
    assert_eq!(uids.len(), 1);
    assert_eq!(uids[0][9].len(), 2038);

    let (_, o) = check_plan(&[(
        "user_ids = [\"Example Release Signing <release@example.org>\"]",
        "user_ids = [\"A <a@example.org>\", \"A <a@example.org>\"]",
    )]);
    assert_exit(&o, 3);
    assert!(stderr(&o).contains("twice"), "{}", stderr(&o));
}

#[test]
fn issue11_a_name_with_a_newline_is_refused_before_any_key_exists() {
    for (from, to) in [
        (
            "operator = \"Release Engineer\"",
            "operator = \"Release\\nEngineer\"",
        ),
        ("\"First Witness\"", "\"First\\u0007Witness\""),
    ] {
        let (dir, o) = check_plan(&[(from, to)]);
        assert_exit(&o, 3);
        let want = "a name is one line of visible text";
        assert!(stderr(&o).contains(want), "{}", stderr(&o));
        genesis_refused_before_any_key(dir.path(), want);
    }
}

#[test]
fn issue11_an_out_of_range_expiry_is_named_as_such_not_as_bad_toml() {
    let (_, o) = check_plan(&[(
        "expiry = \"1y\"\n\n[subkeys]",
        "expiry = \"99y\"\n\n[subkeys]",
    )]);
    assert_exit(&o, 3);
    let err = stderr(&o);
    assert!(
        err.contains("expiry = \"99y\"")
            && err.contains("the duration \"99y\" is out of range")
            && !err.contains("not valid TOML"),
        "{err}"
    );
}

#[test]
fn issue11_shares_inside_a_backup_medium_are_refused() {
    for output in ["backup-1/shares", "export/sheets/today"] {
        let edit = format!("output = \"{output}\"");
        let (_, o) = check_plan(&[("output = \"shares\"", edit.as_str())]);
        assert_exit(&o, 3);
        assert!(
            stderr(&o).contains("shares must travel apart from the backup"),
            "{output}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn issue11_plan_init_dash_writes_to_standard_output() {
    let dir = tempdir();
    let o = bin()
        .args(["plan", "init", "-"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_exit(&o, 0);
    assert_eq!(stdout(&o), keyceremony::plan::EXAMPLE_PLAN);
    assert!(names_in(dir.path()).is_empty(), "a file was written");
}

#[test]
fn issue11_a_closed_pipe_ends_quietly_instead_of_panicking() {
    // The reader is gone before the program writes: as `| head -0` would,
    // but deterministic.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let o = bin()
        .args(["plan", "init", "-"])
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_exit(&o, 0);
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
}

#[test]
fn issue11_a_clock_before_the_build_stops_a_genesis_unless_a_rehearsal_allows_it() {
    let dir = tempdir();
    let plan = write_plan(dir.path(), &[]);
    let genesis = |plan: &std::path::Path| {
        tool("faketime")
            .arg("2001-01-01 00:00:00")
            .arg(env!("CARGO_BIN_EXE_keyceremony"))
            .args(["genesis", "--plan", plan.to_str().unwrap()])
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let o = genesis(&plan);
    assert_exit(&o, 7);
    assert!(
        stderr(&o).contains("earlier than this build") && stderr(&o).contains("date -s"),
        "{}",
        stderr(&o)
    );
    assert!(names_in(&dir.path().join("backup-1")).is_empty());

    let dir = tempdir();
    let plan = write_plan(
        dir.path(),
        &[("# allow_wrong_clock = true", "allow_wrong_clock = true")],
    );
    let o = genesis(&plan);
    assert_exit(&o, 0);
    let t = std::fs::read_to_string(bundle(&dir.path().join("export")).join("transcript.jsonl"))
        .unwrap();
    assert!(t.contains("\"allow_wrong_clock\":true"), "{t}");
}

/// A copy of the shared ed25519 ceremony's first backup directory, to damage.
fn backup_copy() -> (tempfile::TempDir, std::path::PathBuf) {
    let c = ed25519();
    let dir = tempdir();
    let copy = dir.path().join(c.backups[0].file_name().unwrap());
    std::fs::create_dir(&copy).unwrap();
    for f in files_below(&c.backups[0]) {
        std::fs::copy(&f, copy.join(f.file_name().unwrap())).unwrap();
    }
    (dir, copy)
}

fn restore(backup: &std::path::Path) -> std::process::Output {
    let c = ed25519();
    run(&[
        "restore",
        "--backup",
        backup.to_str().unwrap(),
        c.sheet(2).to_str().unwrap(),
        c.sheet(3).to_str().unwrap(),
        c.sheet(5).to_str().unwrap(),
    ])
}

#[test]
fn issue11_one_changed_character_in_a_backup_is_refused_naming_the_file() {
    let (_dir, copy) = backup_copy();
    assert_exit(&restore(&copy), 0);
    let key = copy.join("secret-key.asc");
    let intact = std::fs::read(&key).unwrap();
    // Positions spread over the base64 body (after the armor header).
    let body_start = intact.windows(2).position(|w| w == b"\n\n").unwrap() + 2;
    let body_end = intact.len() - 40;
    for k in 0..12 {
        let pos = body_start + (body_end - body_start) * k / 12;
        let mut damaged = intact.clone();
        if !damaged[pos].is_ascii_alphanumeric() {
            continue;
        }
        damaged[pos] = if damaged[pos] == b'A' { b'B' } else { b'A' };
        std::fs::write(&key, &damaged).unwrap();
        let o = restore(&copy);
        assert_exit(&o, 5);
        let err = stderr(&o);
        assert!(
            err.contains("secret-key.asc") && err.contains("Use the other backup medium"),
            "byte {pos}: {err}"
        );
        assert!(!stdout(&o).contains("opens"), "byte {pos}");
    }
}

#[test]
fn issue11_a_manifest_signed_by_another_key_is_refused() {
    let (_dir, copy) = backup_copy();
    let other = &rsa4096().backups[0];
    std::fs::copy(other.join("MANIFEST.asc"), copy.join("MANIFEST.asc")).unwrap();
    let o = restore(&copy);
    assert_exit(&o, 5);
    assert!(stderr(&o).contains("MANIFEST.asc"), "{}", stderr(&o));
}

#[test]
fn issue11_a_medium_root_lists_the_ceremony_directories_on_it() {
    let c = ed25519();
    let medium = c.backups[0].parent().unwrap();
    let o = restore(medium);
    assert_exit(&o, 5);
    let err = stderr(&o);
    assert!(
        err.contains("is not a ceremony directory")
            && err.contains("these are:")
            && err.contains(c.backups[0].to_str().unwrap()),
        "{err}"
    );
    assert!(!err.contains("rerun the ceremony"), "{err}");
}

#[test]
fn issue11_an_oversized_share_file_is_refused_before_it_is_parsed() {
    let dir = tempdir();
    let big = dir.path().join("share.txt");
    // One long "word": the old suggestion search was quadratic in it.
    std::fs::write(&big, "a".repeat(10 << 20)).unwrap();
    let o = run(&["shares", "show", big.to_str().unwrap()]);
    assert_exit(&o, 4);
    assert!(
        stderr(&o).contains("is larger than any share sheet keyceremony writes"),
        "{}",
        stderr(&o)
    );
    // Just under the bound, the same hostile word is refused at once.
    std::fs::write(&big, "a".repeat(60_000)).unwrap();
    let o = run(&["shares", "show", big.to_str().unwrap()]);
    assert_exit(&o, 5);
    assert!(
        stderr(&o).contains("word 1 is not a BIP39"),
        "{}",
        stderr(&o)
    );
}

/// Share `i` of the shared ceremony with one byte of its value changed,
/// re-encoded with a valid checksum and the right set id: a forgery that
/// every format check accepts. Written to a file of its own.
fn forged_share(dir: &std::path::Path, i: u8) -> std::path::PathBuf {
    let text = std::fs::read_to_string(ed25519().sheet(i)).unwrap();
    let words = keyceremony::shares::sheet::words_from_text(&text);
    let mut share = keyceremony::shares::Share::from_words(&words).unwrap();
    share.value[5] ^= 0x21;
    let path = dir.join(format!("forged-{i}.txt"));
    std::fs::write(&path, share.to_words().join(" ")).unwrap();
    path
}

#[test]
fn issue11_a_forged_share_is_named_and_never_yields_a_passphrase() {
    let c = ed25519();
    let dir = tempdir();
    let forged = forged_share(dir.path(), 4);
    let check = c.backups[0].join("shares.json");
    let s = |i: u8| c.sheet(i).display().to_string();
    let out = dir.path().join("passphrase.txt");
    let forged_s = forged.display().to_string();
    // `shares combine` with the check value (if given) and share files.
    let combine = |check: Option<&std::path::Path>, shares: &[&str]| {
        let mut args = vec!["shares", "combine", "--out", out.to_str().unwrap()];
        if let Some(c) = check {
            args.extend(["--check", c.to_str().unwrap()]);
        }
        args.extend(shares);
        run(&args)
    };

    // Without the check value nothing is combined at all.
    let o = combine(None, &[&s(1), &s(2), &forged_s]);
    assert_exit(&o, 2);
    // clap says it: --check is required, and --help lists it so.
    assert!(stderr(&o).contains("--check <CHECK>"), "{}", stderr(&o));
    let help = run(&["shares", "combine", "--help"]);
    assert!(!stdout(&help).contains("[--check"), "{}", stdout(&help));
    assert!(!out.exists());

    // With it, every share given is used, and the forged one is named by
    // its sheet number and file, wherever it stands on the command line.
    let o = combine(Some(&check), &[&forged_s, &s(1), &s(2), &s(3)]);
    assert_exit(&o, 5);
    let err = stderr(&o);
    assert!(
        err.contains("share 4 is not on this split") && err.contains(forged.to_str().unwrap()),
        "{err}"
    );
    assert!(!out.exists());

    // restore does the same, and opens nothing.
    let o = run(&[
        "restore",
        "--backup",
        c.backups[0].to_str().unwrap(),
        &s(2),
        forged.to_str().unwrap(),
        &s(5),
        &s(1),
    ]);
    assert_exit(&o, 5);
    assert!(
        stderr(&o).contains(forged.to_str().unwrap()),
        "{}",
        stderr(&o)
    );
    assert!(!stdout(&o).contains("opens"));

    // Exactly k shares, one forged: which one cannot be told, but nothing is handed out.
    let o = combine(Some(&check), &[&s(1), &s(2), &forged_s]);
    assert_exit(&o, 5);
    assert!(
        stderr(&o).contains("does not match the check value"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}

#[test]
fn issue11_the_hand_recovery_script_uses_every_share_and_names_a_forged_one() {
    let c = ed25519();
    let dir = tempdir();
    let forged = forged_share(dir.path(), 4);
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/ceremony-scripts/recover-passphrase.py"
    );
    let py = |args: &[&str]| tool("python3").arg(script).args(args).output().unwrap();
    let s = |i: u8| c.sheet(i).display().to_string();
    // The forged share last, beyond the first k: it used to be ignored.
    let o = py(&[&s(1), &s(2), &s(3), forged.to_str().unwrap()]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stdout(&o).is_empty(), "a passphrase was printed");
    assert!(
        stderr(&o).contains("share 4") && stderr(&o).contains(forged.to_str().unwrap()),
        "{}",
        stderr(&o)
    );
    // Four good shares agree and give the passphrase; unchecked, it says so loudly.
    let o = py(&[&s(1), &s(2), &s(3), &s(5)]);
    assert_exit(&o, 0);
    assert_eq!(stdout(&o).trim(), c.passphrase);
    assert!(stderr(&o).contains("NOT CHECKED"), "{}", stderr(&o));
}

#[test]
fn issue11_modes_are_set_whatever_the_umask() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempdir();
    let plan = write_plan(dir.path(), &[]);
    let o = tool("sh")
        .arg("-c")
        .arg(format!(
            "umask 000; exec {} genesis --plan {}",
            env!("CARGO_BIN_EXE_keyceremony"),
            plan.display()
        ))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_exit(&o, 0);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().mode() & 0o777;
    let export = bundle(&dir.path().join("export"));
    assert_eq!(mode(&export), 0o755);
    assert_eq!(mode(&export.join("transcript.jsonl")), 0o644);
    for private in ["backup-1", "backup-2", "shares"] {
        let b = bundle(&dir.path().join(private));
        assert_eq!(mode(&b), 0o700, "{private}");
        for f in files_below(&b) {
            assert_eq!(mode(&f) & 0o022, 0, "{} is writable by others", f.display());
        }
    }
    for f in files_below(&export) {
        assert_eq!(mode(&f) & 0o022, 0, "{} is writable by others", f.display());
    }
}

#[test]
fn issue11_an_existing_pin_file_is_refused_before_anything_is_written() {
    let dir = tempdir();
    let plan = write_plan(
        dir.path(),
        &[
            ("count = 0", "count = 1"),
            (
                "# pins_deliver_to = \"card-pins.txt\"",
                "pins_deliver_to = \"card-pins.txt\"",
            ),
        ],
    );
    let text = std::fs::read_to_string(&plan).unwrap();
    let pins = text
        .lines()
        .find_map(|l| l.strip_prefix("pins_deliver_to = \""))
        .map(|l| dir.path().join(l.trim_end_matches('"')))
        .unwrap();
    std::fs::write(&pins, "an earlier ceremony's PINs\n").unwrap();
    let o = run(&["genesis", "--plan", plan.to_str().unwrap()]);
    assert_exit(&o, 4);
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    for medium in ["backup-1", "backup-2", "export", "shares"] {
        assert!(
            names_in(&dir.path().join(medium)).is_empty(),
            "{medium} was written to"
        );
    }
    assert_eq!(
        std::fs::read_to_string(&pins).unwrap(),
        "an earlier ceremony's PINs\n"
    );
}

/// Issue 17, item 2: what `plan check` said was fine failed only once the
/// ceremony ran. Media are checked as they are, and nesting is refused.
#[test]
fn plan_check_refuses_a_file_as_a_medium_and_one_medium_inside_another() {
    let dir = tempdir();
    let plan = write_plan(dir.path(), &[]);
    std::fs::remove_dir(dir.path().join("backup-2")).unwrap();
    std::fs::write(dir.path().join("backup-2"), "not a stick").unwrap();
    let o = run(&["plan", "check", plan.to_str().unwrap()]);
    assert_exit(&o, 4);
    assert!(stderr(&o).contains("is not a directory"), "{}", stderr(&o));
    std::fs::remove_file(dir.path().join("backup-2")).unwrap();
    let o = run(&["plan", "check", plan.to_str().unwrap()]);
    assert_exit(&o, 4);
    assert!(stderr(&o).contains("is not there"), "{}", stderr(&o));

    let dir = tempdir();
    let plan = write_plan(dir.path(), &[("\"backup-2\"", "\"backup-1/inner\"")]);
    let o = run(&["plan", "check", plan.to_str().unwrap()]);
    assert_exit(&o, 3);
    assert!(
        stderr(&o).contains("are one inside the other"),
        "{}",
        stderr(&o)
    );
}

/// Issue 17, item 4: the example's placeholder identity never reaches a real
/// key; a rehearsal (an air-gap override) may keep it, and says so.
#[test]
fn the_example_placeholders_stop_a_real_genesis() {
    let dir = tempdir();
    let plan = write_plan(
        dir.path(),
        &[("\nallow_network = true", "\n# allow_network = true")],
    );
    let o = run(&["genesis", "--plan", plan.to_str().unwrap()]);
    assert_exit(&o, 3);
    let err = stderr(&o);
    assert!(
        err.contains("placeholders are still in the plan")
            && err.contains("Example Release Signing")
            && err.contains("Release Engineer"),
        "{err}"
    );
    for medium in ["backup-1", "backup-2", "export", "shares"] {
        assert!(names_in(&dir.path().join(medium)).is_empty());
    }
    let check = run(&["plan", "check", plan.to_str().unwrap()]);
    assert_exit(&check, 0);
    assert!(
        stdout(&check).contains("a genesis refuses this plan"),
        "{}",
        stdout(&check)
    );

    // A rehearsal keeps them, with a warning.
    let dir = tempdir();
    let plan = write_plan(dir.path(), &[]);
    let o = run(&["genesis", "--plan", plan.to_str().unwrap()]);
    assert_exit(&o, 0);
    assert!(stderr(&o).contains("never use its key"), "{}", stderr(&o));
}

/// Two backup "media" that are directories of one disk are one backup: plan
/// check and genesis refuse them, naming both, unless a rehearsal says so
/// (which the transcript then records).
#[test]
fn backups_on_one_device_are_refused_unless_a_rehearsal_allows_it() {
    let dir = tempdir();
    let plan = write_plan(
        dir.path(),
        &[("allow_same_device = true", "allow_same_device = false")],
    );
    let o = run(&["plan", "check", plan.to_str().unwrap()]);
    assert_exit(&o, 4);
    assert!(
        stderr(&o).contains("are on the same device") && stderr(&o).contains("backup-2"),
        "{}",
        stderr(&o)
    );
    let o = run(&["genesis", "--plan", plan.to_str().unwrap()]);
    assert_exit(&o, 4);
    for m in ["backup-1", "backup-2", "export", "shares"] {
        assert!(
            std::fs::read_dir(dir.path().join(m))
                .unwrap()
                .next()
                .is_none(),
            "{m} was written to"
        );
    }
    // The rehearsal's override goes into the transcript.
    let plan = write_plan(dir.path(), &[]);
    assert_exit(&run(&["genesis", "--plan", plan.to_str().unwrap()]), 0);
    let t = std::fs::read_to_string(bundle(&dir.path().join("export")).join("transcript.jsonl"))
        .unwrap();
    assert!(t.contains("\"allow_same_device\":true"), "{t}");
}
