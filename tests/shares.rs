//! Shares end to end: test vectors in Rust and in the hand-recovery script,
//! every k-subset of a real genesis, age files the Go age binary opens, and
//! each kind of bad input with the message it must give.

use std::path::{Path, PathBuf};

use keyceremony::ceremony::restore;
use keyceremony::passphrase::Passphrase;
use keyceremony::shares::{combine, SetInfo, Share};

use crate::harness::*;

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/ceremony-scripts/recover-passphrase.py"
);

fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
    (0u32..1 << n)
        .filter(|m| m.count_ones() as usize == k)
        .map(|m| (0..n).filter(|i| m & (1 << i) != 0).collect())
        .collect()
}

struct Vector {
    passphrase: String,
    info: SetInfo,
    shares: Vec<String>,
}

fn vectors() -> Vec<Vector> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/shares-v1.json"
    ))
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| Vector {
            passphrase: v["passphrase"].as_str().unwrap().to_owned(),
            info: serde_json::from_value(v["shares_json"].clone()).unwrap(),
            shares: v["shares"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_owned())
                .collect(),
        })
        .collect()
}

fn python(args: &[&Path]) -> std::process::Output {
    tool("python3").arg(SCRIPT).args(args).output().unwrap()
}

#[test]
fn test_vectors_combine_the_same_in_rust_and_in_the_hand_recovery_script() {
    for v in vectors() {
        let (k, n) = (v.info.threshold as usize, v.info.count as usize);
        let dir = tempdir();
        let files: Vec<PathBuf> = v
            .shares
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let p = dir.path().join(format!("s{i}"));
                std::fs::write(&p, s).unwrap();
                p
            })
            .collect();
        let check = dir.path().join("shares.json");
        std::fs::write(&check, serde_json::to_string(&v.info).unwrap()).unwrap();
        for subset in subsets(n, k) {
            let shares: Vec<Share> = subset
                .iter()
                .map(|&i| Share::from_words(&v.shares[i]).unwrap())
                .collect();
            let secret = combine(&shares).unwrap();
            v.info.verify(&secret).unwrap();
            assert_eq!(
                Passphrase::from_entropy(&secret).unwrap().expose_phrase(),
                v.passphrase
            );

            let mut args: Vec<&Path> = vec![Path::new("--check"), &check];
            args.extend(subset.iter().map(|&i| files[i].as_path()));
            let o = python(&args);
            assert_exit(&o, 0);
            assert_eq!(stdout(&o).trim(), v.passphrase, "script, subset {subset:?}");
        }
        for subset in subsets(n, k - 1) {
            let args: Vec<&Path> = subset.iter().map(|&i| files[i].as_path()).collect();
            let o = python(&args);
            assert_ne!(o.status.code(), Some(0));
            assert!(
                stderr(&o).contains(&format!("{} of {k} shares given", k - 1)),
                "{}",
                stderr(&o)
            );
        }
    }
}

#[test]
fn the_script_refuses_a_wrong_word_and_a_wrong_check_value() {
    let v = &vectors()[0];
    let dir = tempdir();
    let mut words: Vec<&str> = v.shares[0].split(' ').collect();
    words[4] = if words[4] == "zoo" { "abandon" } else { "zoo" };
    let bad = dir.path().join("bad");
    std::fs::write(&bad, words.join(" ")).unwrap();
    let good = dir.path().join("good");
    std::fs::write(&good, &v.shares[1]).unwrap();
    let o = python(&[&bad, &good]);
    assert!(stderr(&o).contains("checksum fails"), "{}", stderr(&o));

    let mut info = v.info.clone();
    info.check = "00".repeat(32);
    let check = dir.path().join("shares.json");
    std::fs::write(&check, serde_json::to_string(&info).unwrap()).unwrap();
    let first = dir.path().join("first");
    std::fs::write(&first, &v.shares[0]).unwrap();
    let o = python(&[Path::new("--check"), &check, &first, &good]);
    assert!(
        stderr(&o).contains("do not match the check value"),
        "{}",
        stderr(&o)
    );
    assert!(!stdout(&o).contains("legal"));
}

#[test]
fn any_three_of_five_genesis_shares_open_every_backup_and_two_do_not() {
    let c = ed25519();
    let sheets: Vec<Share> = (1..=5)
        .map(|i| {
            Share::from_words(&keyceremony::shares::sheet::words_from_text(
                &std::fs::read_to_string(c.sheet(i)).unwrap(),
            ))
            .unwrap()
        })
        .collect();
    let all = subsets(5, 3);
    assert_eq!(all.len(), 10);
    for subset in all {
        let chosen: Vec<Share> = subset.iter().map(|&i| sheets[i].clone()).collect();
        for b in &c.backups {
            let r = restore::unlock(b, &chosen, restore::Proof::Full).unwrap();
            assert_eq!(r.fingerprint, c.fingerprint);
            assert_eq!(r.passphrase.expose_phrase(), c.passphrase);
        }
    }
    for subset in subsets(5, 2) {
        let files: Vec<String> = subset
            .iter()
            .map(|&i| c.sheet(i as u8 + 1).display().to_string())
            .collect();
        let mut args = vec!["restore", "--backup", c.backups[0].to_str().unwrap()];
        args.extend(files.iter().map(String::as_str));
        let o = run(&args);
        assert_exit(&o, 5);
        assert!(
            stderr(&o).contains("2 of 3 shares given; one more needed"),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn restore_through_the_cli_from_sheets_and_from_typed_words() {
    let c = rsa4096();
    let b = c.backups[1].to_str().unwrap();
    let o = run(&[
        "restore",
        "--backup",
        b,
        c.sheet(2).to_str().unwrap(),
        c.sheet(5).to_str().unwrap(),
        c.sheet(3).to_str().unwrap(),
    ]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains(&c.fingerprint) && stdout(&o).contains("[2, 5, 3]"),
        "{}",
        stdout(&o)
    );

    // Typed: four-letter prefixes, one share per line, a bad line retyped.
    let typed: Vec<String> = [1u8, 4, 5]
        .iter()
        .map(|&i| {
            let words = keyceremony::shares::sheet::words_from_text(
                &std::fs::read_to_string(c.sheet(i)).unwrap(),
            );
            words
                .split(' ')
                .map(|w| &w[..w.len().min(4)])
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let input = format!("{}\nnot a share\n{}\n{}\n", typed[0], typed[1], typed[2]);
    let mut child = bin()
        .args(["restore", "--backup", b])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_exit(&o, 0);
    assert!(
        stderr(&o).contains("type the whole share again"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).contains(&c.fingerprint));
}

#[test]
fn the_hand_recovery_script_restores_a_genesis_passphrase_that_gpg_accepts() {
    let c = ed25519();
    let check = c.backups[0].join("shares.json");
    let o = python(&[
        Path::new("--check"),
        &check,
        &c.sheet(5),
        &c.sheet(1),
        &c.sheet(3),
    ]);
    assert_exit(&o, 0);
    assert_eq!(stdout(&o).trim(), c.passphrase);
    // And that passphrase opens the backup in plain gpg.
    let gpg = Gpg::new();
    let work = tempdir();
    let pf = work.path().join("pass");
    std::fs::write(&pf, stdout(&o).trim()).unwrap();
    let msg = work.path().join("msg");
    std::fs::write(&msg, b"recovered\n").unwrap();
    gpg.ok(&[
        "--passphrase-file",
        pf.to_str().unwrap(),
        "--import",
        c.backups[0].join("secret-key.asc").to_str().unwrap(),
    ]);
    gpg.ok(&[
        "--passphrase-file",
        pf.to_str().unwrap(),
        "-u",
        &c.fingerprint,
        "--detach-sign",
        msg.to_str().unwrap(),
    ]);
}

/// Error messages must never carry the passphrase.
fn assert_no_passphrase(c: &Ceremony, o: &std::process::Output) {
    let words: Vec<&str> = c.passphrase.split(' ').collect();
    let all = format!("{}{}", stdout(o), stderr(o));
    for w in words.windows(3) {
        assert!(
            !all.contains(&w.join(" ")),
            "output carries passphrase words: {all}"
        );
    }
}

fn sheet_words(c: &Ceremony, i: u8) -> Vec<String> {
    keyceremony::shares::sheet::words_from_text(&std::fs::read_to_string(c.sheet(i)).unwrap())
        .split(' ')
        .map(str::to_owned)
        .collect()
}

/// Restores with share 1 given as `first` (typed words) and sheets 2 and 3.
fn restore_with_first(c: &Ceremony, first: &[String]) -> std::process::Output {
    let dir = tempdir();
    let f = dir.path().join("first.txt");
    std::fs::write(&f, first.join(" ")).unwrap();
    let o = run(&[
        "restore",
        "--backup",
        c.backups[0].to_str().unwrap(),
        f.to_str().unwrap(),
        c.sheet(2).to_str().unwrap(),
        c.sheet(3).to_str().unwrap(),
    ]);
    assert_no_passphrase(c, &o);
    o
}

#[test]
fn bad_words_are_named_with_position_and_likely_word() {
    let c = ed25519();
    let good = sheet_words(c, 1);

    let mut wrong = good.clone();
    wrong[6] = if wrong[6] == "zoo" {
        "abandon".into()
    } else {
        "zoo".into()
    };
    let o = restore_with_first(c, &wrong);
    assert_exit(&o, 5);
    assert!(
        stderr(&o).contains(&format!("word 7 is wrong; it is probably \"{}\"", good[6])),
        "{}",
        stderr(&o)
    );

    let mut misspelt = good.clone();
    misspelt[2] = format!("{}x{}", &good[2][..1], &good[2][1..]);
    let o = restore_with_first(c, &misspelt);
    assert_exit(&o, 5);
    assert!(
        stderr(&o).contains("word 3 is not a BIP39 English word"),
        "{}",
        stderr(&o)
    );

    let mut french = good.clone();
    french[0] = "échelle".into();
    let o = restore_with_first(c, &french);
    assert!(
        stderr(&o).contains("word 1 is not a BIP39 English word"),
        "{}",
        stderr(&o)
    );

    let mut missing = good.clone();
    missing.remove(11);
    let o = restore_with_first(c, &missing);
    assert!(stderr(&o).contains("a word is missing"), "{}", stderr(&o));

    let mut swapped = good.clone();
    let p = (0..good.len() - 1)
        .find(|&i| good[i] != good[i + 1])
        .unwrap();
    swapped.swap(p, p + 1);
    let o = restore_with_first(c, &swapped);
    assert!(
        stderr(&o).contains(&format!("words {} and {} are swapped", p + 1, p + 2)),
        "{}",
        stderr(&o)
    );
}

#[test]
fn foreign_duplicate_and_mismatched_shares_are_refused() {
    let c = ed25519();
    let other = rsa4096();
    let b = c.backups[0].to_str().unwrap();

    let o = run(&[
        "restore",
        "--backup",
        b,
        c.sheet(1).to_str().unwrap(),
        other.sheet(2).to_str().unwrap(),
        c.sheet(3).to_str().unwrap(),
    ]);
    assert_exit(&o, 5);
    assert!(
        stderr(&o).contains("share 2 (the 2nd given) belongs to another set"),
        "{}",
        stderr(&o)
    );
    assert_no_passphrase(c, &o);

    let o = run(&[
        "restore",
        "--backup",
        b,
        c.sheet(1).to_str().unwrap(),
        c.sheet(1).to_str().unwrap(),
        c.sheet(3).to_str().unwrap(),
    ]);
    assert_exit(&o, 5);
    assert!(
        stderr(&o).contains("share 1 was given twice"),
        "{}",
        stderr(&o)
    );

    // A backup whose check value does not match what the shares combine to:
    // its signed MANIFEST catches the edited shares.json before any share is
    // combined (the check value itself is tested in src/shares/split.rs).
    let dir = tempdir();
    for f in files_below(&c.backups[0]) {
        std::fs::copy(&f, dir.path().join(f.file_name().unwrap())).unwrap();
    }
    let mut info: SetInfo =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("shares.json")).unwrap())
            .unwrap();
    info.check = "ab".repeat(32);
    std::fs::write(
        dir.path().join("shares.json"),
        serde_json::to_string(&info).unwrap(),
    )
    .unwrap();
    let o = run(&[
        "restore",
        "--backup",
        dir.path().to_str().unwrap(),
        c.sheet(1).to_str().unwrap(),
        c.sheet(2).to_str().unwrap(),
        c.sheet(3).to_str().unwrap(),
    ]);
    assert_exit(&o, 5);
    assert!(
        stderr(&o).contains("shares.json does not match"),
        "{}",
        stderr(&o)
    );
    assert_no_passphrase(c, &o);
}

/// A ceremony whose five custodians each have an age identity made by the Go age-keygen.
struct AgeCeremony {
    ceremony: Ceremony,
    keys: Vec<PathBuf>,
}

fn age_ceremony() -> &'static AgeCeremony {
    static C: std::sync::OnceLock<AgeCeremony> = std::sync::OnceLock::new();
    C.get_or_init(|| {
        let dir = tempdir().keep();
        let mut keys = Vec::new();
        let mut custodians = String::new();
        for i in 1..=5 {
            let key = dir.join(format!("custodian-{i}.key"));
            let o = tool("age-keygen").arg("-o").arg(&key).output().unwrap();
            assert_exit(&o, 0);
            let public = stderr(&o)
                .trim()
                .trim_start_matches("Public key: ")
                .to_owned();
            custodians.push_str(&format!(
                "\n[[shares.custodians]]\nname = \"Custodian {i}\"\nage_recipient = \"{public}\"\n"
            ));
            keys.push(key);
        }
        let edit = format!("output = \"shares\"\n{custodians}");
        let ceremony = Ceremony::run(dir, &[("output = \"shares\"\n", edit.as_str())], 365, 365);
        AgeCeremony { ceremony, keys }
    })
}

#[test]
fn the_go_age_binary_decrypts_every_custodian_file() {
    let a = age_ceremony();
    for i in 1..=5u8 {
        let enc = a.ceremony.shares.join(format!("share-{i}-of-5.txt.age"));
        let o = tool("age")
            .arg("-d")
            .arg("-i")
            .arg(&a.keys[i as usize - 1])
            .arg(&enc)
            .output()
            .unwrap();
        assert_exit(&o, 0);
        let text = String::from_utf8(o.stdout).unwrap();
        assert!(text.contains(&format!("Custodian:  Custodian {i}")));
        // What age decrypts is the share: it checks against the set.
        let clear = a.ceremony.dir.join(format!("decrypted-{i}.txt"));
        std::fs::write(&clear, &text).unwrap();
        let check = a.ceremony.backups[0].join("shares.json");
        let o = run(&[
            "shares",
            "verify",
            "--check",
            check.to_str().unwrap(),
            clear.to_str().unwrap(),
        ]);
        assert_exit(&o, 0);
    }
}

/// Issue 11, item 8: a custodian with an age recipient gets the `.age` file
/// only; a clear sheet or QR code beside it would leave the encryption
/// protecting nothing on that medium. A plan that wants both (to print in
/// the room) says so.
#[test]
fn issue11_an_age_custodian_gets_no_clear_copy_unless_the_plan_asks() {
    let a = age_ceremony();
    for i in 1..=5u8 {
        let base = a.ceremony.shares.join(format!("share-{i}-of-5"));
        assert!(base.with_extension("txt.age").exists());
        assert!(
            !base.with_extension("txt").exists(),
            "share {i}: clear sheet"
        );
        assert!(
            !base.with_extension("svg").exists(),
            "share {i}: clear QR code"
        );
    }
    // The rehearsal still passed: the age copies read back as written.
    let transcript = std::fs::read_to_string(a.ceremony.export.join("transcript.jsonl")).unwrap();
    assert!(transcript.contains("rehearsal.passed"));

    let dir = tempdir();
    let dir = dir.path().to_owned();
    let key = dir.join("custodian.key");
    let o = tool("age-keygen").arg("-o").arg(&key).output().unwrap();
    let public = stderr(&o)
        .trim()
        .trim_start_matches("Public key: ")
        .to_owned();
    let custodians: String = (1..=5)
        .map(|i| {
            format!("\n[[shares.custodians]]\nname = \"C{i}\"\nage_recipient = \"{public}\"\n")
        })
        .collect();
    let edit = format!("output = \"shares\"\nclear_sheets_with_age = true\n{custodians}");
    let c = Ceremony::run(dir, &[("output = \"shares\"\n", edit.as_str())], 365, 365);
    for i in 1..=5u8 {
        assert!(c.sheet(i).exists() && c.sheet(i).with_extension("txt.age").exists());
    }
}

#[test]
fn restore_from_age_files_with_identities_and_the_errors_of_wrong_ones() {
    let a = age_ceremony();
    let c = &a.ceremony;
    let enc = |i: u8| {
        c.shares
            .join(format!("share-{i}-of-5.txt.age"))
            .display()
            .to_string()
    };
    let key = |i: usize| a.keys[i - 1].display().to_string();
    let b = c.backups[0].to_str().unwrap();
    let (e2, e4, e5) = (enc(2), enc(4), enc(5));
    let (k2, k4, k5) = (key(2), key(4), key(5));
    let o = run(&[
        "restore",
        "--backup",
        b,
        "--identity",
        &k2,
        "--identity",
        &k4,
        "--identity",
        &k5,
        &e2,
        &e4,
        &e5,
    ]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains(&c.fingerprint));

    let k1 = key(1);
    let o = run(&["restore", "--backup", b, "--identity", &k1, &e2, &e4, &e5]);
    assert_exit(&o, 5);
    assert!(
        stderr(&o).contains("the age identity does not open this file"),
        "{}",
        stderr(&o)
    );
    assert_no_passphrase(c, &o);

    let dir = tempdir();
    let broken = dir.path().join("broken.age");
    let mut bytes = std::fs::read(&e2).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] = if bytes[mid] == b'A' { b'B' } else { b'A' };
    std::fs::write(&broken, bytes).unwrap();
    let o = run(&[
        "restore",
        "--backup",
        b,
        "--identity",
        &k2,
        broken.to_str().unwrap(),
        &e4,
        &e5,
    ]);
    assert_exit(&o, 5);
    assert!(
        stderr(&o).contains("the age file is damaged"),
        "{}",
        stderr(&o)
    );
    assert_no_passphrase(c, &o);
}

#[test]
fn shares_show_prints_the_words_and_a_terminal_qr_code() {
    let c = ed25519();
    let o = run(&["shares", "show", c.sheet(4).to_str().unwrap()]);
    assert_exit(&o, 0);
    let out = stdout(&o);
    assert!(out.starts_with("Share 4 of 5"), "{out}");
    for w in sheet_words(c, 4) {
        assert!(out.contains(&w), "{w} missing");
    }
    assert!(
        out.lines()
            .filter(|l| l.contains('▄') || l.contains('▀'))
            .count()
            > 10
    );
}

/// A sheet is plain text: an escape sequence hiding a changed digit in its
/// header ("Share 2\e[0m of 5" read as "share 2 of 0"), a key line that
/// holds no fingerprint, or a date that is none, is an altered sheet,
/// named as that without a word of the share. Paths and names someone else
/// chose reach the terminal escaped: an escape sequence in a `--backup`
/// path, and in the name of a ceremony directory a restore lists.
#[test]
fn an_altered_sheet_is_named_and_what_others_named_reaches_the_terminal_escaped() {
    let c = ed25519();
    let b = c.backups[0].to_str().unwrap();
    let sheet = std::fs::read_to_string(c.sheet(2)).unwrap();
    let dir = tempdir();
    let cases = [
        ("Share 2 of 5.", "Share 2\u{1b}[0m of 5.", "U+001B (escape"),
        (
            "Share 2 of 5.",
            "Share 2 of 5 and more.",
            "is not the one a sheet has",
        ),
        (
            "Key:        ",
            "Key:        not a fingerprint ",
            "holds no fingerprint",
        ),
        ("Date:       ", "Date:       yesterday ", "holds no date"),
        ("   1 ", "   1 \u{1b}[1m", "U+001B (escape"),
    ];
    for (i, (from, to, named)) in cases.iter().enumerate() {
        assert!(sheet.contains(from), "the sheet lacks {from:?}");
        let altered = dir.path().join(format!("altered-{i}.txt"));
        std::fs::write(&altered, sheet.replacen(from, to, 1)).unwrap();
        let o = run(&[
            "restore",
            "--backup",
            b,
            c.sheet(1).to_str().unwrap(),
            altered.to_str().unwrap(),
            c.sheet(3).to_str().unwrap(),
        ]);
        assert_exit(&o, 5);
        assert!(
            stderr(&o).contains("the sheet was altered") && stderr(&o).contains(named),
            "{to:?}: {}",
            stderr(&o)
        );
        assert!(!stderr(&o).contains('\u{1b}'), "{}", stderr(&o));
        assert_no_passphrase(c, &o);
    }

    let hostile = dir.path().join("x\u{1b}[2Jy");
    std::fs::create_dir(&hostile).unwrap();
    let child = hostile.join("ceremony-\u{1b}]0;owned\u{7}");
    std::fs::create_dir(&child).unwrap();
    std::fs::write(child.join("secret-key.asc"), "x").unwrap();
    let o = run(&[
        "restore",
        "--backup",
        hostile.to_str().unwrap(),
        c.sheet(1).to_str().unwrap(),
        c.sheet(2).to_str().unwrap(),
        c.sheet(3).to_str().unwrap(),
    ]);
    assert_ne!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert!(
        err.contains("x\\u{1b}[2Jy") && err.contains("ceremony-\\u{1b}]0;owned\\u{7}"),
        "{err}"
    );

    // A line break in a directory's name cannot fake a line of output.
    let faked = dir.path().join("fake\nBackup OTHER opens: primary 0000");
    let o = tool("cp")
        .arg("-a")
        .arg(&c.backups[0])
        .arg(&faked)
        .output()
        .unwrap();
    assert_exit(&o, 0);
    let o = run(&[
        "restore",
        "--backup",
        faked.to_str().unwrap(),
        c.sheet(1).to_str().unwrap(),
        c.sheet(2).to_str().unwrap(),
        c.sheet(3).to_str().unwrap(),
    ]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).lines().count() >= 1 && !stdout(&o).contains("\nBackup OTHER"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("fake\\u{a}Backup OTHER"),
        "{}",
        stdout(&o)
    );

    // A descriptor opened for reading is never written to: the passphrase
    // would have gone onto the custodian's own sheet.
    let sheet1 = std::fs::read(c.sheet(1)).unwrap();
    let script = format!(
        "exec \"$0\" shares combine --check '{}' --out fd:3 '{}' '{}' '{}' 3<'{}'",
        c.backups[0].join("shares.json").display(),
        c.sheet(1).display(),
        c.sheet(2).display(),
        c.sheet(3).display(),
        c.sheet(1).display()
    );
    let o = std::process::Command::new("sh")
        .args(["-c", &script, env!("CARGO_BIN_EXE_keyceremony")])
        .output()
        .unwrap();
    assert_ne!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("open for reading only"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(c.sheet(1)).unwrap(), sheet1);
}
