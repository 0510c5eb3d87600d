//! `keyceremony transcript verify` on real transcripts, intact and tampered.

use crate::harness::*;

fn copy_export(c: &Ceremony) -> tempfile::TempDir {
    let dir = tempdir();
    for f in files_below(&c.export) {
        std::fs::copy(&f, dir.path().join(f.file_name().unwrap())).unwrap();
    }
    dir
}

#[test]
fn an_intact_transcript_verifies() {
    let c = ed25519();
    let o = run(&[
        "transcript",
        "verify",
        c.export.join("transcript.jsonl").to_str().unwrap(),
    ]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains(&c.fingerprint), "{}", stdout(&o));
    // The copies on the backup media are the same transcript.
    for b in &c.backups {
        assert_eq!(
            std::fs::read(b.join("transcript.jsonl")).unwrap(),
            std::fs::read(c.export.join("transcript.jsonl")).unwrap()
        );
    }
}

#[test]
fn the_transcript_records_the_ceremony_in_order() {
    let c = ed25519();
    let text = std::fs::read_to_string(c.export.join("transcript.jsonl")).unwrap();
    let entries: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let events: Vec<&str> = entries
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events[..4],
        [
            "ceremony.start",
            "preflight",
            "passphrase.generated",
            "keys.generated"
        ]
    );
    assert_eq!(*events.last().unwrap(), "ceremony.complete");
    assert_eq!(
        events.iter().filter(|e| **e == "rehearsal.passed").count(),
        2
    );
    let rehearsal = entries
        .iter()
        .find(|e| e["event"] == "rehearsal.passed")
        .unwrap();
    assert_eq!(
        rehearsal["data"]["shares_used"].as_array().unwrap().len(),
        3
    );
    assert_eq!(entries[3]["data"]["fingerprint"], c.fingerprint.as_str());
    // Each medium is recorded as a device (major:minor) as the ceremony starts.
    let devices = entries[1]["data"]["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 3, "two backups and the export");
    for d in devices {
        let dev = d["device"].as_str().unwrap();
        assert!(
            dev.split_once(':')
                .is_some_and(|(a, b)| a.parse::<u32>().is_ok() && b.parse::<u32>().is_ok()),
            "{d}"
        );
        assert!(d["free"].as_u64().unwrap() >= 1 << 20, "{d}");
    }
    assert_eq!(entries[0]["data"]["operator"], "Release Engineer");
    let plan_hash =
        keyceremony::media::sha256_hex(&std::fs::read(c.dir.join("plan.toml")).unwrap());
    assert_eq!(entries[0]["data"]["plan_sha256"], plan_hash.as_str());
    // Every file.written entry names a file whose hash it has right.
    let written: Vec<&serde_json::Value> = entries
        .iter()
        .filter(|e| e["event"] == "file.written")
        .collect();
    // 4 files on each of 2 backups and later bundle.json on each, sheet and
    // QR for 5 shares, the exported cert, keyring and bundle.json.
    assert_eq!(written.len(), 5 * 2 + 2 * 5 + 3);
    for w in written {
        let path = w["data"]["path"].as_str().unwrap();
        let hash = keyceremony::media::sha256_hex(&std::fs::read(path).unwrap());
        assert_eq!(w["data"]["sha256"], hash.as_str(), "{path}");
    }
}

#[test]
fn a_changed_line_is_named() {
    let c = ed25519();
    let d = copy_export(c);
    let t = d.path().join("transcript.jsonl");
    let text = std::fs::read_to_string(&t).unwrap();
    std::fs::write(&t, text.replacen("Release Engineer", "Someone Else", 1)).unwrap();
    let o = run(&["transcript", "verify", t.to_str().unwrap()]);
    assert_exit(&o, 5);
    assert!(stderr(&o).contains("line 2"), "{}", stderr(&o));
}

#[test]
fn an_appended_entry_breaks_the_signature() {
    let c = ed25519();
    let d = copy_export(c);
    let t = d.path().join("transcript.jsonl");
    let text = std::fs::read_to_string(&t).unwrap();
    let last = text.lines().last().unwrap();
    let n = text.lines().count();
    let prev = keyceremony::media::sha256_hex(last.as_bytes());
    let extra = format!(
        "{{\"seq\":{n},\"time\":\"2026-01-01T00:00:00Z\",\"prev\":\"{prev}\",\"event\":\"forged\",\"data\":{{}}}}\n"
    );
    std::fs::write(&t, format!("{text}{extra}")).unwrap();
    let o = run(&["transcript", "verify", t.to_str().unwrap()]);
    assert_exit(&o, 5);
    assert!(stderr(&o).contains("does not verify"), "{}", stderr(&o));
}

#[test]
fn another_key_cannot_vouch_for_the_transcript() {
    let c = ed25519();
    let other = rsa4096();
    let o = run(&[
        "transcript",
        "verify",
        c.export.join("transcript.jsonl").to_str().unwrap(),
        "--cert",
        other.cert().to_str().unwrap(),
    ]);
    assert_exit(&o, 5);
    assert!(stderr(&o).contains(&c.fingerprint), "{}", stderr(&o));
}

#[test]
fn a_missing_signature_says_why_it_may_be_missing() {
    let c = ed25519();
    let d = copy_export(c);
    std::fs::remove_file(d.path().join("transcript.jsonl.asc")).unwrap();
    let o = run(&[
        "transcript",
        "verify",
        d.path().join("transcript.jsonl").to_str().unwrap(),
    ]);
    assert_exit(&o, 4);
    assert!(stderr(&o).contains("ended early"), "{}", stderr(&o));
}

/// The events docs/formats.md lists, in its table's first column.
fn documented_events() -> Vec<String> {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/formats.md")).unwrap();
    let table = &doc[doc.find("| event | when |").expect("the events table")..];
    table
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.split('`').nth(1).unwrap().to_owned())
        .collect()
}

#[test]
fn the_documented_events_are_exactly_those_a_ceremony_can_write() {
    use keyceremony::transcript::EventKind;
    let code: Vec<String> = EventKind::ALL.iter().map(|e| e.name().to_owned()).collect();
    assert_eq!(documented_events(), code, "docs/formats.md's events table");
    // And a real genesis writes only documented events, the main ones among them.
    let c = ed25519();
    let t = std::fs::read_to_string(c.export.join("transcript.jsonl")).unwrap();
    let written: Vec<String> = t
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["event"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    for e in &written {
        assert!(code.contains(e), "{e} is written but not documented");
    }
    for e in [
        "ceremony.start",
        "preflight",
        "keys.generated",
        "shares.written",
        "rehearsal.passed",
        "ceremony.complete",
    ] {
        assert!(
            written.iter().any(|w| w == e),
            "{e} missing from {written:?}"
        );
    }
}

/// An appended entry that claims the ceremony failed, chained correctly,
/// is an edit like any other: "does not verify", not "did not complete",
/// and its text reaches the terminal escaped.
#[test]
fn an_appended_failure_is_an_edit_not_a_stop() {
    let c = ed25519();
    let d = copy_export(c);
    let t = d.path().join("transcript.jsonl");
    let text = std::fs::read_to_string(&t).unwrap();
    let last = text.lines().last().unwrap();
    let n = text.lines().count();
    let prev = keyceremony::media::sha256_hex(last.as_bytes());
    let extra = format!(
        "{{\"seq\":{n},\"time\":\"2026-01-01T00:00:00Z\",\"prev\":\"{prev}\",\"event\":\"ceremony.failed\",\"data\":{{\"error\":\"\\u001b[2J\\nTranscript is intact\"}}}}\n"
    );
    std::fs::write(&t, format!("{text}{extra}")).unwrap();
    let o = run(&["transcript", "verify", t.to_str().unwrap()]);
    assert_exit(&o, 5);
    assert!(stderr(&o).contains("does not verify"), "{}", stderr(&o));
    assert!(!o.stderr.contains(&0x1b), "{}", stderr(&o));
}
