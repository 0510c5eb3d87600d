//! A key's history: the transcripts of its ceremonies, genesis first.
//!
//! Every ceremony on an existing key opens a backup, and its first entry
//! (`ceremony.start`) records `previous`: the ceremony that wrote that backup
//! and the SHA-256 of the signed transcript the backup holds. Each transcript
//! is itself hash-chained and signed, so the history is a chain of chains:
//! given the transcripts in order, a forged one breaks its own chain or
//! signature, and one removed, swapped or edited in the middle no longer has
//! the hash its successor recorded. This module checks the links; the
//! signatures are the caller's (they need the cert).

use serde::Serialize;
use serde_json::Value;

use super::{verify_chain, ChainSummary, TranscriptError};
use crate::media::sha256_hex;

/// One verified ceremony of the history.
#[derive(Debug, Clone, Serialize)]
pub struct Ceremony {
    /// What the caller called it (a path).
    pub label: String,
    pub ceremony_id: String,
    pub flow: String,
    /// The time of its first entry.
    pub started: String,
    pub sha256: String,
    /// Who witnessed it, as its transcript records it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witnesses: Option<String>,
}

/// Checks that `transcripts` (label, bytes), in the order given, are one
/// key's complete history from its genesis: each intact and complete, each
/// continuing the one before it.
pub fn verify_history(transcripts: &[(String, Vec<u8>)]) -> Result<Vec<Ceremony>, TranscriptError> {
    let err = TranscriptError::History;
    let mut out: Vec<Ceremony> = Vec::new();
    let mut key: Option<String> = None;
    let hashes: Vec<String> = transcripts.iter().map(|(_, b)| sha256_hex(b)).collect();
    for (i, (label, bytes)) in transcripts.iter().enumerate() {
        let chain = verify_chain(bytes).map_err(|e| err(format!("{label}: {e}")))?;
        let start = &chain.entries[0];
        if start.event != "ceremony.start" {
            return Err(err(format!(
                "{label}: the first entry is {}, not ceremony.start",
                start.event
            )));
        }
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let this = Ceremony {
            label: label.clone(),
            ceremony_id: text(&start.data["ceremony_id"]),
            flow: text(&start.data["flow"]),
            started: start.time.clone(),
            sha256: hashes[i].clone(),
            witnesses: super::witness::recorded(&chain),
        };
        if chain.entries.last().map(|e| e.event.as_str()) != Some("ceremony.complete") {
            return Err(err(format!(
                "{label}: ceremony {} did not complete, so no later ceremony continues it: leave it out",
                this.ceremony_id
            )));
        }
        let fpr =
            key_of(&chain).ok_or_else(|| err(format!("{label}: the transcript names no key")))?;
        // The key a ceremony continues is the one it opened; a rotation
        // opens the old key and hands the history on to the new one.
        let continues = start.data["key"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| fpr.clone());
        match &key {
            Some(k) if !k.eq_ignore_ascii_case(&continues) => {
                return Err(err(format!(
                    "{label}: ceremony {} is of key {continues}, not of {k} like the ones before",
                    this.ceremony_id
                )))
            }
            _ => key = Some(fpr),
        }
        let previous = &start.data["previous"];
        match out.last() {
            None if this.flow == "genesis" => {}
            None => {
                return Err(err(format!(
                    "{label}: the history starts with a {} ceremony ({}), which continues ceremony {}: give the transcripts from the genesis on, oldest first",
                    this.flow,
                    this.ceremony_id,
                    text(&previous["ceremony_id"])
                )))
            }
            Some(before) => check_link(&this, previous, before, &hashes, transcripts)?,
        }
        out.push(this);
    }
    Ok(out)
}

/// Whether `this` continues `before`, and if not, what happened in between.
fn check_link(
    this: &Ceremony,
    previous: &Value,
    before: &Ceremony,
    hashes: &[String],
    transcripts: &[(String, Vec<u8>)],
) -> Result<(), TranscriptError> {
    let recorded_id = previous["ceremony_id"].as_str().unwrap_or_default();
    let Some(recorded) = previous["transcript_sha256"].as_str() else {
        return Err(TranscriptError::History(format!(
            "{}: ceremony {} records no transcript for the ceremony it continues ({}): that backup held none, so the history cannot be checked past it",
            this.label,
            this.ceremony_id,
            if recorded_id.is_empty() { "none named" } else { recorded_id }
        )));
    };
    if recorded.eq_ignore_ascii_case(&before.sha256) {
        return Ok(());
    }
    if let Some(j) = hashes.iter().position(|h| h.eq_ignore_ascii_case(recorded)) {
        return Err(TranscriptError::History(format!(
            "{}: out of order: ceremony {} continues {} ({}), not {} ({})",
            this.label,
            this.ceremony_id,
            transcripts[j].0,
            recorded_id,
            before.label,
            before.ceremony_id
        )));
    }
    if recorded_id == before.ceremony_id {
        return Err(TranscriptError::History(format!(
            "{}: ceremony {} continues {} whose transcript had SHA-256 {recorded}; {} has {}: it was changed",
            this.label, this.ceremony_id, recorded_id, before.label, before.sha256
        )));
    }
    Err(TranscriptError::History(format!(
        "{}: ceremony {} continues ceremony {recorded_id}, whose transcript is not among those given (missing between {} and it)",
        this.label, this.ceremony_id, before.label
    )))
}

/// The primary fingerprint a transcript ends with, which signed it: the one
/// a genesis or rotation made, or else the one a ceremony opened.
pub fn key_of(chain: &ChainSummary) -> Option<String> {
    chain
        .fingerprint()
        .map(str::to_owned)
        .or_else(|| chain.entries[0].data["key"].as_str().map(str::to_owned))
}
#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use serde_json::json;

    use super::*;
    use crate::transcript::{EventKind, Transcript, TRANSCRIPT};

    /// A completed transcript of `flow` for key AB, continuing `before`.
    fn ceremony(id: &str, flow: &str, before: Option<(&str, &[u8])>) -> Vec<u8> {
        ceremony_of("AB", id, flow, before)
    }

    fn ceremony_of(key: &str, id: &str, flow: &str, before: Option<(&str, &[u8])>) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let mut t = Transcript::create(&dir.path().join(TRANSCRIPT)).unwrap();
        let now = SystemTime::now();
        let mut start = json!({ "flow": flow, "ceremony_id": id });
        match before {
            None => {}
            Some((prev, bytes)) => {
                start["key"] = json!(key);
                start["previous"] =
                    json!({ "ceremony_id": prev, "transcript_sha256": sha256_hex(bytes) });
            }
        }
        t.append(now, EventKind::Start, start).unwrap();
        if before.is_none() {
            t.append(now, EventKind::KeysGenerated, json!({ "fingerprint": key }))
                .unwrap();
        }
        t.append(now, EventKind::Complete, json!({})).unwrap();
        t.contents().to_vec()
    }

    fn history() -> Vec<(String, Vec<u8>)> {
        let g = ceremony("c1", "genesis", None);
        let r = ceremony("c2", "renew", Some(("c1", &g)));
        let s = ceremony("c3", "subkey-rotate", Some(("c2", &r)));
        let x = ceremony("c4", "reshare", Some(("c3", &s)));
        [g, r, s, x]
            .into_iter()
            .enumerate()
            .map(|(i, b)| (format!("t{}", i + 1), b))
            .collect()
    }

    fn refused(h: &[(String, Vec<u8>)]) -> String {
        verify_history(h).unwrap_err().to_string()
    }

    #[test]
    fn four_ceremonies_from_genesis_verify_in_order() {
        let ok = verify_history(&history()).unwrap();
        let ids: Vec<_> = ok.iter().map(|c| c.ceremony_id.as_str()).collect();
        assert_eq!(ids, ["c1", "c2", "c3", "c4"]);
        assert_eq!(ok[3].flow, "reshare");
    }

    #[test]
    fn a_removed_swapped_or_edited_transcript_is_named() {
        let mut h = history();
        h.remove(2);
        let e = refused(&h);
        assert!(
            e.starts_with("t4") && e.contains("c3") && e.contains("not among"),
            "{e}"
        );

        let mut h = history();
        h.swap(1, 2);
        let e = refused(&h);
        assert!(e.contains("out of order"), "{e}");

        // A line edited: the transcript's own chain breaks.
        let mut h = history();
        h[1].1 = String::from_utf8(h[1].1.clone())
            .unwrap()
            .replace("\"renew\"", "\"renew2\"")
            .into_bytes();
        let e = refused(&h);
        assert!(e.starts_with("t2: transcript line 2"), "{e}");
        // The whole transcript re-made, as a forger would, with its own chain
        // intact: the link from the next one breaks.
        let mut h = history();
        let g = h[0].1.clone();
        h[1].1 = ceremony("c2", "renew2", Some(("c1", &g)));
        let e = refused(&h);
        assert!(e.starts_with("t3") && e.contains("was changed"), "{e}");
    }

    #[test]
    fn a_history_must_start_at_genesis_and_stay_with_one_key() {
        let h = history();
        let e = refused(&h[1..]);
        assert!(e.contains("from the genesis on"), "{e}");

        let mut h = history();
        h[1].1 = String::from_utf8(h[1].1.clone())
            .unwrap()
            .replace("\"AB\"", "\"CD\"")
            .into_bytes();
        let e = refused(&h);
        assert!(e.starts_with("t2: transcript line 2"), "{e}");
        let mut h = history();
        let g = h[0].1.clone();
        h[1].1 = ceremony_of("CD", "c2", "renew", Some(("c1", &g)));
        let e = refused(&h);
        assert!(e.contains("of key CD, not of AB"), "{e}");

        let mut h = history();
        let incomplete = {
            let dir = tempfile::tempdir().unwrap();
            let mut t = Transcript::create(&dir.path().join(TRANSCRIPT)).unwrap();
            t.append(
                SystemTime::now(),
                EventKind::Start,
                json!({ "flow": "renew", "ceremony_id": "c5", "key": "AB" }),
            )
            .unwrap();
            t.contents().to_vec()
        };
        h.push(("t5".into(), incomplete));
        assert!(refused(&h).contains("did not complete"));
    }
}
