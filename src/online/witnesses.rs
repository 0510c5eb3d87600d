//! Witnesses pinned on the online side: a bundle whose ceremony was not
//! countersigned by N of them is refused, naming who is missing.
//!
//! What is checked: the statement (`witness-statement.txt`) names this
//! bundle's ceremony, flow and key, and the SHA-256 of its transcript's
//! lines before `witnesses.signed` (so it is this ceremony's record as it
//! stood when they signed, and the primary's signature over the transcript,
//! which `verify` checks, covers what the witnesses did); each pinned
//! witness's signature file over the statement verifies with their cert.
//! Signatures of keys not pinned count for nothing.

use std::path::Path;

use sequoia_openpgp::Cert;
use serde::Serialize;

use super::read::Bundle;
use super::OnlineError;
use crate::transcript::witness::{signature_file, Statement, STATEMENT_FILE};

/// The witnesses' certs a host pins, and how many must have signed.
pub struct Required {
    pub certs: Vec<Cert>,
    pub count: usize,
}

/// Who countersigned the bundle's ceremony, of the pinned witnesses.
#[derive(Debug, Clone, Serialize)]
pub struct Witnessed {
    pub required: usize,
    /// "Name <email> FINGERPRINT" of each pinned witness who signed.
    pub signed: Vec<String>,
}

/// The most pinned witnesses a directory may hold: more is not a list of
/// people but a mistake (a keyring export, a home directory).
const MAX_PINNED: usize = 64;

/// Reads the pinned witnesses' certs from `dir`: each regular file one
/// public cert (armored or binary), bounded; no two of one key.
pub fn load_pinned(dir: &Path, count: usize) -> Result<Required, OnlineError> {
    let usage = |m: String| OnlineError::Usage(m);
    let entries = std::fs::read_dir(dir).map_err(|e| {
        usage(format!(
            "--witnesses {}: {e}: give a directory holding each witness's cert, one per file",
            dir.display()
        ))
    })?;
    let mut names: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    names.sort();
    if names.len() > MAX_PINNED {
        return Err(usage(format!(
            "--witnesses {} holds {} files: a directory of at most {MAX_PINNED} witness certs, one per file",
            dir.display(),
            names.len()
        )));
    }
    let mut certs: Vec<Cert> = Vec::new();
    for path in names {
        let bytes = crate::media::read_bounded(&path, "witness cert", crate::media::limits::KEY)?;
        let cert = crate::openpgp::read_cert(&bytes).map_err(|e| {
            usage(format!(
                "--witnesses: {}: {e}: the directory holds only witnesses' certs",
                crate::text::printable(&path.display().to_string())
            ))
        })?;
        if cert.is_tsk() {
            return Err(usage(format!(
                "--witnesses: {} holds secret key material: pin the witness's public cert only",
                crate::text::printable(&path.display().to_string())
            )));
        }
        if certs.iter().any(|c| c.fingerprint() == cert.fingerprint()) {
            return Err(usage(format!(
                "--witnesses: {} pins key {} a second time: one file per witness",
                crate::text::printable(&path.display().to_string()),
                cert.fingerprint()
            )));
        }
        certs.push(cert);
    }
    if count == 0 || count > certs.len() {
        return Err(usage(format!(
            "--require {count}: between 1 and the {} witnesses pinned in {}",
            certs.len(),
            dir.display()
        )));
    }
    Ok(Required { certs, count })
}

fn who(cert: &Cert) -> String {
    let uid = cert
        .userids()
        .next()
        .map(|u| String::from_utf8_lossy(u.userid().value()).into_owned())
        .unwrap_or_else(|| "(no user ID)".into());
    format!(
        "{} {}",
        crate::text::printable(&uid),
        cert.fingerprint().to_hex()
    )
}

/// Checks that `b`'s ceremony was countersigned by `req.count` of the
/// pinned witnesses.
pub fn check(b: &Bundle, req: &Required) -> Result<Witnessed, OnlineError> {
    let names: Vec<String> = req.certs.iter().map(who).collect();
    if !b.has(STATEMENT_FILE) {
        return Err(b.refused(format!(
            "its ceremony was not countersigned by witnesses (no {STATEMENT_FILE}), and {} of these must have signed it: {}",
            req.count,
            names.join("; ")
        )));
    }
    let text = std::str::from_utf8(b.get(STATEMENT_FILE)?)
        .map_err(|_| b.refused(format!("{STATEMENT_FILE} is not text")))?;
    let st = Statement::parse(text).map_err(|e| b.refused(format!("{STATEMENT_FILE}: {e}")))?;
    let info = &b.info;
    for (what, said, is) in [
        ("ceremony", &st.ceremony, &info.ceremony_id),
        ("flow", &st.flow, &info.flow),
        ("key", &st.key, &info.key),
    ] {
        if !said.eq_ignore_ascii_case(is) {
            return Err(b.refused(format!(
                "{STATEMENT_FILE} is about {what} {said}, and this bundle's {what} is {is}: the witnesses signed another ceremony"
            )));
        }
    }
    let transcript = b.get(&info.files.transcript)?;
    let prefix = before_witnesses(transcript).ok_or_else(|| {
        b.refused(format!(
            "{} records no witnesses' signatures (witnesses.signed), though {STATEMENT_FILE} is there",
            info.files.transcript
        ))
    })?;
    if crate::media::sha256_hex(prefix) != st.transcript_sha256.to_lowercase() {
        return Err(b.refused(format!(
            "{STATEMENT_FILE} is over another transcript than {} (its transcript-sha256 is not the SHA-256 of the transcript's lines before witnesses.signed)",
            info.files.transcript
        )));
    }
    let mut signed = Vec::new();
    let mut missing = Vec::new();
    for (cert, name) in req.certs.iter().zip(&names) {
        let file = signature_file(&cert.fingerprint().to_hex());
        if !b.has(&file) {
            missing.push(format!("{name} (no {file})"));
            continue;
        }
        match crate::openpgp::verify_by_signing_key(cert, b.get(&file)?, text.as_bytes()) {
            Ok(_) => signed.push(name.clone()),
            Err(e) => missing.push(format!("{name} ({file} does not verify: {e})")),
        }
    }
    if signed.len() < req.count {
        return Err(b.refused(format!(
            "its ceremony was countersigned by {} of the pinned witnesses, and {} must have signed; missing: {}",
            signed.len(),
            req.count,
            missing.join("; ")
        )));
    }
    Ok(Witnessed {
        required: req.count,
        signed,
    })
}

/// The transcript's bytes before its `witnesses.signed` line, if it has one.
fn before_witnesses(transcript: &[u8]) -> Option<&[u8]> {
    let mut at = 0;
    for line in transcript.split_inclusive(|&c| c == b'\n') {
        let event = serde_json::from_slice::<serde_json::Value>(line)
            .ok()
            .and_then(|v| v.get("event").and_then(|e| e.as_str()).map(str::to_owned));
        if event.as_deref() == Some(crate::transcript::EventKind::Witnessed.name()) {
            return Some(&transcript[..at]);
        }
        at += line.len();
    }
    None
}
