//! The ceremony transcript: an append-only, hash-chained JSON Lines log.
//!
//! Each line is one entry: `{"seq", "time", "prev", "event", "data"}` where `prev`
//! is the SHA-256 of the previous line's bytes (64 zeros for the first). Lines
//! are written and synced as they happen, so a ceremony that dies leaves a record
//! up to its last step. At the end the primary key signs the whole file
//! (`transcript.jsonl.asc`); a line removed, changed or reordered breaks the
//! chain, and anything appended after signing breaks the signature.
//!
//! The transcript is public: it records fingerprints, file hashes and findings,
//! never a secret. Callers pass only public data; `data` is never derived from
//! a secret type here.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::media::{sha256_hex, MediaError};

pub mod history;
pub mod verify;
pub mod witness;

pub const TRANSCRIPT: &str = "transcript.jsonl";
pub const TRANSCRIPT_SIG: &str = "transcript.jsonl.asc";
/// The primary's cert beside a transcript: what signed it.
pub const CERT_FILE: &str = "cert.asc";
const GENESIS_PREV: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Every kind of entry a ceremony writes. One list, so that docs/formats.md
/// can be checked against it (tests/transcript.rs) and no event is written
/// that the format does not describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Start,
    Preflight,
    PassphraseGenerated,
    KeysGenerated,
    BackupOpened,
    KeysRenewed,
    SubkeysChanged,
    CardLost,
    Certified,
    RotationStated,
    FileWritten,
    SharesWritten,
    SharesRetired,
    RehearsalPassed,
    BundleWritten,
    PinsChosen,
    PinsDelivered,
    CardProvisioned,
    CardFailed,
    CardRetry,
    CardSkipped,
    CardProven,
    CosignKeyPlaced,
    CosignCertified,
    CosignRotated,
    CosignRevoked,
    CosignAudited,
    Witnessed,
    Complete,
    Failed,
}

impl EventKind {
    pub const ALL: &[EventKind] = &[
        EventKind::Start,
        EventKind::Preflight,
        EventKind::PassphraseGenerated,
        EventKind::KeysGenerated,
        EventKind::BackupOpened,
        EventKind::KeysRenewed,
        EventKind::SubkeysChanged,
        EventKind::CardLost,
        EventKind::Certified,
        EventKind::RotationStated,
        EventKind::FileWritten,
        EventKind::SharesWritten,
        EventKind::SharesRetired,
        EventKind::RehearsalPassed,
        EventKind::BundleWritten,
        EventKind::PinsChosen,
        EventKind::PinsDelivered,
        EventKind::CardProvisioned,
        EventKind::CardFailed,
        EventKind::CardRetry,
        EventKind::CardSkipped,
        EventKind::CardProven,
        EventKind::CosignKeyPlaced,
        EventKind::CosignCertified,
        EventKind::CosignRotated,
        EventKind::CosignRevoked,
        EventKind::CosignAudited,
        EventKind::Witnessed,
        EventKind::Complete,
        EventKind::Failed,
    ];

    /// The name in the transcript's `event` field.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Start => "ceremony.start",
            EventKind::Preflight => "preflight",
            EventKind::PassphraseGenerated => "passphrase.generated",
            EventKind::KeysGenerated => "keys.generated",
            EventKind::BackupOpened => "backup.opened",
            EventKind::KeysRenewed => "keys.renewed",
            EventKind::SubkeysChanged => "subkeys.changed",
            EventKind::CardLost => "card.lost",
            EventKind::Certified => "certification.made",
            EventKind::RotationStated => "rotation.stated",
            EventKind::FileWritten => "file.written",
            EventKind::SharesWritten => "shares.written",
            EventKind::SharesRetired => "shares.retired",
            EventKind::RehearsalPassed => "rehearsal.passed",
            EventKind::BundleWritten => "bundle.written",
            EventKind::PinsChosen => "cards.pins_chosen",
            EventKind::PinsDelivered => "cards.pins_delivered",
            EventKind::CardProvisioned => "card.provisioned",
            EventKind::CardFailed => "card.failed",
            EventKind::CardRetry => "card.retry",
            EventKind::CardSkipped => "card.skipped",
            EventKind::CardProven => "card.proven",
            EventKind::CosignKeyPlaced => "cosign.placed",
            EventKind::CosignCertified => "cosign.certified",
            EventKind::CosignRotated => "cosign.rotated",
            EventKind::CosignRevoked => "cosign.revoked",
            EventKind::CosignAudited => "cosign.audited",
            EventKind::Witnessed => "witnesses.signed",
            EventKind::Complete => "ceremony.complete",
            EventKind::Failed => "ceremony.failed",
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TranscriptError {
    #[error(transparent)]
    Media(#[from] MediaError),
    #[error("transcript line {line}: {problem}")]
    Broken { line: usize, problem: String },
    #[error("the transcript is empty")]
    Empty,
    /// A transcript that does not belong where it was given: another key's,
    /// a bad signature, a broken link in a key's history. Names the file.
    #[error("{0}")]
    History(String),
    /// What was asked cannot be done as asked (exit 2).
    #[error("{0}")]
    Request(String),
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Entry {
    pub seq: u64,
    pub time: String,
    pub prev: String,
    pub event: String,
    pub data: Value,
}

/// An open transcript being written.
#[derive(Debug)]
pub struct Transcript {
    file: File,
    path: PathBuf,
    seq: u64,
    prev: String,
    contents: Vec<u8>,
}

impl Transcript {
    /// Starts a new transcript at `path`, which must not exist.
    pub fn create(path: &Path) -> Result<Transcript, TranscriptError> {
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| MediaError::from_io("create", path, e))?;
        // Public, whatever the umask.
        file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644))
            .map_err(|e| MediaError::from_io("set the mode of", path, e))?;
        Ok(Transcript {
            file,
            path: path.to_owned(),
            seq: 0,
            prev: GENESIS_PREV.to_owned(),
            contents: Vec::new(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The bytes written so far, exactly as on the medium.
    pub fn contents(&self) -> &[u8] {
        &self.contents
    }

    /// Appends one entry and syncs it to the medium before returning.
    pub fn append(
        &mut self,
        time: SystemTime,
        event: EventKind,
        data: Value,
    ) -> Result<(), TranscriptError> {
        let entry = Entry {
            seq: self.seq,
            time: humantime::format_rfc3339_seconds(time).to_string(),
            prev: self.prev.clone(),
            event: event.name().to_owned(),
            data,
        };
        // An Entry is strings, numbers and a JSON value: serialising cannot fail.
        let line = serde_json::to_string(&entry).unwrap_or_default();
        let io = |e| MediaError::from_io("append to", &self.path, e);
        self.file
            .write_all(format!("{line}\n").as_bytes())
            .map_err(io)?;
        self.file.sync_data().map_err(io)?;
        self.prev = sha256_hex(line.as_bytes());
        self.seq += 1;
        self.contents.extend_from_slice(line.as_bytes());
        self.contents.push(b'\n');
        Ok(())
    }
}

/// What a verified chain holds.
#[derive(Debug)]
pub struct ChainSummary {
    pub entries: Vec<Entry>,
    pub head: String,
}

impl ChainSummary {
    /// The primary fingerprint the ceremony recorded, if it got that far.
    pub fn fingerprint(&self) -> Option<&str> {
        self.entries
            .iter()
            .find(|e| e.event == "keys.generated")
            .and_then(|e| e.data.get("fingerprint"))
            .and_then(Value::as_str)
    }
}

/// Checks the hash chain and sequence numbers of a transcript.
pub fn verify_chain(bytes: &[u8]) -> Result<ChainSummary, TranscriptError> {
    let text = std::str::from_utf8(bytes).map_err(|e| TranscriptError::Broken {
        line: 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count(),
        problem: "not UTF-8 text".into(),
    })?;
    if !text.is_empty() && !text.ends_with('\n') {
        return Err(TranscriptError::Broken {
            line: text.lines().count(),
            problem: "the last line is cut off (no newline): the transcript was truncated".into(),
        });
    }
    let mut prev = GENESIS_PREV.to_owned();
    let mut entries = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let broken = |problem: String| TranscriptError::Broken {
            line: i + 1,
            problem,
        };
        let entry: Entry = serde_json::from_str(line)
            .map_err(|e| broken(format!("not a transcript entry: {e}")))?;
        if entry.seq != i as u64 {
            return Err(broken(format!(
                "sequence number {} where {i} was expected: an entry was removed or moved",
                entry.seq
            )));
        }
        if entry.prev != prev {
            return Err(broken(
                "its hash of the previous line does not match: the line before it was changed"
                    .into(),
            ));
        }
        prev = sha256_hex(line.as_bytes());
        entries.push(entry);
    }
    if entries.is_empty() {
        return Err(TranscriptError::Empty);
    }
    Ok(ChainSummary {
        entries,
        head: prev,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> (tempfile::TempDir, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        let mut t = Transcript::create(&dir.path().join(TRANSCRIPT)).unwrap();
        let now = SystemTime::now();
        t.append(now, EventKind::Start, json!({"operator": "o"}))
            .unwrap();
        t.append(now, EventKind::KeysGenerated, json!({"fingerprint": "AB"}))
            .unwrap();
        t.append(now, EventKind::Complete, json!({})).unwrap();
        let on_disk = std::fs::read(t.path()).unwrap();
        assert_eq!(on_disk, t.contents());
        (dir, on_disk)
    }

    #[test]
    fn a_written_transcript_verifies() {
        let (_d, bytes) = sample();
        let s = verify_chain(&bytes).unwrap();
        assert_eq!(s.entries.len(), 3);
        assert_eq!(s.fingerprint(), Some("AB"));
    }

    #[test]
    fn changed_removed_and_truncated_lines_are_caught() {
        let (_d, bytes) = sample();
        let text = String::from_utf8(bytes).unwrap();
        let lines: Vec<&str> = text.lines().collect();

        let changed = text.replace("\"o\"", "\"x\"");
        let err = verify_chain(changed.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");

        let removed = format!("{}\n{}\n", lines[0], lines[2]);
        let err = verify_chain(removed.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("sequence"), "{err}");

        let cut = &text[..text.len() - 5];
        assert!(verify_chain(cut.as_bytes()).is_err());
        assert!(matches!(verify_chain(b""), Err(TranscriptError::Empty)));
    }

    #[test]
    fn an_existing_transcript_is_not_reopened() {
        let (d, _) = sample();
        let err = Transcript::create(&d.path().join(TRANSCRIPT)).unwrap_err();
        assert!(err.to_string().contains("already exists"), "{err}");
    }
}
