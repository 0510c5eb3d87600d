//! New custodians (`reshare`) and a key's history across ceremonies
//! (`transcript verify` with several transcripts), through the real binary;
//! gpg proves which passphrase opens which backup.

use std::path::{Path, PathBuf};

use crate::harness::subkey as on_existing_key;
use crate::harness::*;

/// The example plan for a reshare in the genesis's directory: 2 of 3 new
/// shares to `new-shares`, the new passphrase also whole to `passphrase-2.txt`.
fn reshare_plan(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir.join("new-shares")).unwrap();
    write_plan(
        dir,
        &[
            (
                "deliver_to = \"passphrase.txt\"",
                "deliver_to = \"passphrase-2.txt\"",
            ),
            ("threshold = 3", "threshold = 2"),
            ("count = 5", "count = 3"),
            ("output = \"shares\"", "output = \"new-shares\""),
        ],
    )
}

fn new_sheets(dir: &Path, which: &[u8]) -> Vec<PathBuf> {
    let shares = bundle(&dir.join("new-shares"));
    which
        .iter()
        .map(|i| shares.join(format!("share-{i}-of-3.txt")))
        .collect()
}

fn restore(backup: &Path, shares: &[PathBuf]) -> std::process::Output {
    let mut args = vec![
        "restore".to_owned(),
        "--backup".into(),
        backup.display().to_string(),
    ];
    args.extend(shares.iter().map(|p| p.display().to_string()));
    run_owned(&args)
}

/// Whether gpg, given the passphrase in `file`, signs with `backup`'s key.
fn gpg_opens(backup: &Path, file: &Path) -> bool {
    let gpg = Gpg::new();
    let msg = gpg.home.path().join("msg");
    std::fs::write(&msg, b"release\n").unwrap();
    let pass = file.to_str().unwrap();
    gpg.ok(&[
        "--passphrase-file",
        pass,
        "--import",
        backup.join("secret-key.asc").to_str().unwrap(),
    ]);
    gpg.run(&[
        "--passphrase-file",
        pass,
        "--detach-sign",
        msg.to_str().unwrap(),
    ])
    .status
    .success()
}

#[test]
fn a_reshare_retires_the_old_shares_and_only_the_new_ones_open_the_new_backups() {
    let dir = tempdir();
    let dir = dir.path();
    genesis(dir, &[], None);
    let old = bundle(&dir.join("backup-1"));
    let old_set: serde_json::Value =
        serde_json::from_slice(&std::fs::read(old.join("shares.json")).unwrap()).unwrap();
    let plan = reshare_plan(dir);

    let o = on_existing_key(
        &["reshare", "--output-format", "json"],
        &plan,
        &old,
        &sheets(dir, &[1, 3, 5]),
    );
    assert_exit(&o, 0);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["retired_set"], old_set["set_id"], "{report}");
    assert_ne!(report["shares"]["set_id"], old_set["set_id"], "{report}");
    assert_eq!(report["shares"]["threshold"], 2);
    // Both genesis backups still open with the old shares: both listed.
    let listed: Vec<PathBuf> = report["to_destroy"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| PathBuf::from(p.as_str().unwrap()))
        .collect();
    let genesis_dirs: Vec<PathBuf> = ["backup-1", "backup-2"]
        .iter()
        .map(|m| bundles(&dir.join(m))[0].canonicalize().unwrap())
        .collect();
    assert_eq!(listed, genesis_dirs, "{report}");

    let new = bundles(&dir.join("backup-1")).pop().unwrap();
    assert_ne!(new, old);
    // The old shares open the old backup only; two new ones open the new.
    let o = restore(&new, &sheets(dir, &[1, 3, 5]));
    assert_ne!(o.status.code(), Some(0), "old shares opened a new backup");
    assert_exit(&restore(&old, &sheets(dir, &[1, 3, 5])), 0);
    assert_exit(&restore(&new, &new_sheets(dir, &[1, 3])), 0);
    for m in ["backup-1", "backup-2"] {
        let b = bundles(&dir.join(m)).pop().unwrap();
        assert_exit(&restore(&b, &new_sheets(dir, &[2, 3])), 0);
    }
    // gpg agrees: the new passphrase opens the new backup, the old one does not.
    assert!(gpg_opens(&new, &dir.join("passphrase-2.txt")));
    assert!(!gpg_opens(&new, &dir.join("passphrase.txt")));

    let export = bundles(&dir.join("export")).pop().unwrap();
    let t = std::fs::read_to_string(export.join("transcript.jsonl")).unwrap();
    assert!(t.contains("\"event\":\"shares.retired\""), "{t}");
    assert!(t.contains("\"opens_new_backups\":false"), "{t}");
}

#[test]
fn a_reshare_short_of_shares_or_with_another_sets_writes_nothing() {
    let dir = tempdir();
    let dir = dir.path();
    genesis(dir, &[], None);
    let other = tempdir();
    genesis(other.path(), &[], None);
    let old = bundle(&dir.join("backup-1"));
    let plan = reshare_plan(dir);
    let mut foreign = sheets(dir, &[1, 2]);
    foreign.extend(sheets(other.path(), &[3]));
    for shares in [sheets(dir, &[1, 2]), foreign] {
        let o = on_existing_key(&["reshare"], &plan, &old, &shares);
        assert_ne!(o.status.code(), Some(0), "{}", stderr(&o));
        for m in ["backup-1", "backup-2"] {
            assert_eq!(bundles(&dir.join(m)).len(), 1, "{m}");
        }
        assert!(std::fs::read_dir(dir.join("new-shares"))
            .unwrap()
            .next()
            .is_none());
        assert!(!dir.join("passphrase-2.txt").exists());
    }
}

/// Four ceremonies of one key, each opening the newest backup: genesis,
/// renew, subkey rotation, reshare. Their transcripts, oldest first, verify
/// as one history; one removed, two swapped, or one edited is refused.
#[test]
fn a_history_of_four_ceremonies_verifies_and_each_single_change_is_refused() {
    let dir = tempdir();
    let dir = dir.path();
    let plan = genesis(dir, &[], None);
    let newest = || bundles(&dir.join("backup-1")).pop().unwrap();
    assert_exit(&renew(&plan, &newest(), &sheets(dir, &[1, 2, 3]), &[]), 0);
    assert_exit(
        &on_existing_key(
            &["subkey", "rotate"],
            &plan,
            &newest(),
            &sheets(dir, &[2, 4, 5]),
        ),
        0,
    );
    let plan = reshare_plan(dir);
    assert_exit(
        &on_existing_key(&["reshare"], &plan, &newest(), &sheets(dir, &[1, 4, 5])),
        0,
    );
    let exports = bundles(&dir.join("export"));
    assert_eq!(exports.len(), 4);
    let transcripts: Vec<String> = exports
        .iter()
        .map(|e| e.join("transcript.jsonl").display().to_string())
        .collect();
    let verify = |files: &[String]| {
        let mut args = vec!["transcript".to_owned(), "verify".into()];
        args.extend(files.iter().cloned());
        run_owned(&args)
    };
    let o = verify(&transcripts);
    assert_exit(&o, 0);
    let out = stdout(&o);
    assert!(out.contains("History intact: 4 ceremonies"), "{out}");
    for flow in ["genesis", "renew", "subkey-rotate", "reshare"] {
        assert!(out.contains(flow), "{out}");
    }
    // The backup copies of the transcripts are the same history.
    let on_backup: Vec<String> = bundles(&dir.join("backup-2"))
        .iter()
        .map(|b| b.join("transcript.jsonl").display().to_string())
        .collect();
    let mut args = vec!["transcript".to_owned(), "verify".into(), "--cert".into()];
    args.push(exports[3].join("cert.asc").display().to_string());
    args.extend(on_backup);
    assert_exit(&run_owned(&args), 0);

    let mut removed = transcripts.clone();
    removed.remove(2);
    let o = verify(&removed);
    assert_exit(&o, 5);
    assert!(
        stderr(&o).contains("not among those given"),
        "{}",
        stderr(&o)
    );

    let mut swapped = transcripts.clone();
    swapped.swap(1, 2);
    let o = verify(&swapped);
    assert_exit(&o, 5);
    assert!(stderr(&o).contains("out of order"), "{}", stderr(&o));

    // One entry of the renew's transcript edited, in a copy of its directory.
    let copy = dir.join("edited");
    std::fs::create_dir(&copy).unwrap();
    for f in ["transcript.jsonl", "transcript.jsonl.asc", "cert.asc"] {
        std::fs::copy(exports[1].join(f), copy.join(f)).unwrap();
    }
    let t = std::fs::read_to_string(copy.join("transcript.jsonl")).unwrap();
    std::fs::write(
        copy.join("transcript.jsonl"),
        t.replacen("\"renew\"", "\"renaw\"", 1),
    )
    .unwrap();
    let mut edited = transcripts.clone();
    edited[1] = copy.join("transcript.jsonl").display().to_string();
    let o = verify(&edited);
    assert_exit(&o, 5);
    assert!(
        stderr(&o).contains("transcript line 2") && stderr(&o).contains("was changed"),
        "{}",
        stderr(&o)
    );

    // Starting after the genesis is not a whole history.
    let o = verify(&transcripts[1..]);
    assert_exit(&o, 5);
    assert!(stderr(&o).contains("from the genesis on"), "{}", stderr(&o));
}
