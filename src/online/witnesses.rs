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
use std::time::SystemTime;

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
        // One key in two certs is one card, one witness: every key's
        // material is compared (bound again at another second, a key has
        // another fingerprint).
        if let Some(other) = certs.iter().find(|c| crate::openpgp::share_a_key(c, &cert)) {
            return Err(usage(format!(
                "--witnesses: {} shares a key with {} (pinned already): one file per witness, each with keys of their own",
                crate::text::printable(&path.display().to_string()),
                who(other)
            )));
        }
        certs.push(cert);
    }
    if certs.is_empty() {
        return Err(usage(format!(
            "--witnesses {} holds no witness cert: put each witness's public cert in it, one per file",
            dir.display()
        )));
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
/// pinned witnesses, judged at `at`.
///
/// The witnesses' signatures are over the statement, and the statement
/// over the transcript before their round; so every file of the bundle (but
/// the transcript's end, the MANIFEST and their own files) must be one the
/// transcript recorded there, with its hash, and nothing but "complete" may
/// follow their round: what they did not see is not what they signed. A
/// witness's key must be valid now and when it signed, and it signed
/// between the statement's time and its round's record.
pub fn check(b: &Bundle, req: &Required, at: SystemTime) -> Result<Witnessed, OnlineError> {
    let names: Vec<String> = req.certs.iter().map(who).collect();
    let fix =
        "run the ceremony again with them at it, or pin the witnesses who were (--witnesses DIR)";
    if !b.has(STATEMENT_FILE) {
        return Err(b.refused(format!(
            "its ceremony was not countersigned by witnesses (no {STATEMENT_FILE}), and {} of these must have signed it: {}; {fix}",
            req.count,
            names.join("; ")
        )));
    }
    // The ceremony's own key is no witness of it.
    let info = &b.info;
    let own = crate::openpgp::read_cert(b.get(&info.files.cert)?)
        .map_err(|e| b.refused(format!("{}: {e}", info.files.cert)))?;
    for (cert, name) in req.certs.iter().zip(&names) {
        if crate::openpgp::share_a_key(cert, &own) {
            return Err(OnlineError::Usage(format!(
                "--witnesses pins {name}, which holds a key of the ceremony's own key {}: a key does not witness itself; take it out of the directory",
                own.fingerprint()
            )));
        }
    }
    let text = std::str::from_utf8(b.get(STATEMENT_FILE)?)
        .map_err(|_| b.refused(format!("{STATEMENT_FILE} is not text")))?;
    let st = Statement::parse(text).map_err(|e| b.refused(format!("{STATEMENT_FILE}: {e}")))?;
    for (what, said, is) in [
        ("ceremony", &st.ceremony, &info.ceremony_id),
        ("flow", &st.flow, &info.flow),
        ("key", &st.key, &info.key),
    ] {
        if !said.eq_ignore_ascii_case(is) {
            return Err(b.refused(format!(
                "{STATEMENT_FILE} is about {what} {said:?}, and this bundle's {what} is {is:?}: the witnesses signed another ceremony"
            )));
        }
    }
    let transcript = b.get(&info.files.transcript)?;
    // Read as `verify` reads it (one entry a line, chained), with where
    // each line starts: the statement's hash is over a prefix of lines.
    let lines = crate::transcript::verify_chain(transcript)
        .map_err(|e| b.refused(format!("{}: {e}", info.files.transcript)))?
        .entries;
    let starts: Vec<usize> = transcript
        .split_inclusive(|&c| c == b'\n')
        .scan(0, |at, line| {
            let start = *at;
            *at += line.len();
            Some(start)
        })
        .collect();
    let witnessed = crate::transcript::EventKind::Witnessed.name();
    let start = crate::transcript::witness::Stage::Start.name();
    let end = lines
        .iter()
        .rposition(|l| {
            l.event == witnessed && l.data.get("stage").and_then(|s| s.as_str()) != Some(start)
        })
        .ok_or_else(|| {
            b.refused(format!(
                "{} records no witnesses' signatures (witnesses.signed), though {STATEMENT_FILE} is there",
                info.files.transcript
            ))
        })?;
    let round = &lines[end];
    let prefix = &transcript[..starts[end]];
    if crate::media::sha256_hex(prefix) != st.transcript_sha256.to_lowercase() {
        return Err(b.refused(format!(
            "{STATEMENT_FILE} is over another transcript than {} (its transcript-sha256 is not the SHA-256 of the transcript's lines before witnesses.signed)",
            info.files.transcript
        )));
    }
    let after: Vec<&str> = lines[end + 1..].iter().map(|l| l.event.as_str()).collect();
    if after != [crate::transcript::EventKind::Complete.name()] {
        return Err(b.refused(format!(
            "{} records {after:?} after the witnesses' signatures, where only the ceremony's completion may follow: the witnesses did not see it",
            info.files.transcript
        )));
    }
    // Every file of the bundle is one the witnesses' transcript recorded
    // in the export directory (not a backup's or the shares' directory of
    // the same name), or one a witnesses' round lists.
    let round_files: std::collections::HashSet<&str> = lines
        .iter()
        .filter(|l| l.event == witnessed)
        .flat_map(|l| crate::transcript::witness::round_files(&l.data))
        .map(|(name, _)| name)
        .collect();
    b.check_recorded(&lines[..end], &round_files, |name| {
        format!(
            "{name:?} is not what the transcript recorded before the witnesses signed (no file.written of it with this SHA-256): the witnesses' signatures do not cover it"
        )
    })?;
    // The round's own record names the statement and each signature file.
    let listed: std::collections::HashMap<&str, &str> =
        crate::transcript::witness::round_files(&round.data)
            .into_iter()
            .collect();
    let matches_round = |name: &str, bytes: &[u8]| {
        listed.get(name).copied() == Some(crate::media::sha256_hex(bytes).as_str())
    };
    if !matches_round(STATEMENT_FILE, text.as_bytes()) {
        return Err(b.refused(format!(
            "{STATEMENT_FILE} is not the statement the transcript's witnesses.signed records"
        )));
    }
    let stamp = |t: SystemTime| humantime::format_rfc3339_seconds(t).to_string();
    let st_time = humantime::parse_rfc3339(&st.time)
        .map_err(|e| b.refused(format!("{STATEMENT_FILE}: time {:?}: {e}", st.time)))?;
    let round_time = humantime::parse_rfc3339(&round.time).map_err(|_| {
        b.refused(format!(
            "witnesses.signed's time {:?} is not a UTC time as keyceremony writes them",
            round.time
        ))
    })?;
    let mut signed = Vec::new();
    // The material of each key that counted: one card is one witness.
    let mut signing_keys: Vec<sequoia_openpgp::crypto::mpi::PublicKey> = Vec::new();
    let mut missing = Vec::new();
    for (cert, name) in req.certs.iter().zip(&names) {
        let file = signature_file(&cert.fingerprint().to_hex());
        if !b.has(&file) {
            missing.push(format!("{name} (no {file})"));
            continue;
        }
        let sig = b.get(&file)?;
        let verdict = crate::openpgp::verify_by_signing_key(cert, sig, text.as_bytes(), at)
            .map_err(|e| format!("{file} does not verify: {e}"))
            .and_then(|(key, when)| {
                if !matches_round(&file, sig) {
                    return Err(format!("{file} is not the one the transcript's witnesses.signed records"));
                }
                // Made during the round, by a key that can sign now: a
                // backdated signature by a key since expired or retired is
                // not a witness's today.
                if when < st_time || when > round_time {
                    return Err(format!(
                        "{file} was made at {}, not between the statement ({}) and the round's record ({})",
                        stamp(when),
                        st.time,
                        stamp(round_time)
                    ));
                }
                crate::openpgp::valid_at(cert, at)?;
                let material = cert
                    .keys()
                    .find(|k| k.key().fingerprint().to_hex() == key)
                    .map(|k| k.key().mpis().clone())
                    .ok_or_else(|| format!("{file}: key {key} is not in the cert"))?;
                if signing_keys.contains(&material) {
                    return Err(format!("{file} was made by key {key}, which signed for another pinned witness: one card is one witness"));
                }
                Ok(material)
            });
        match verdict {
            Ok(key) => {
                signing_keys.push(key);
                signed.push(name.clone());
            }
            Err(e) => missing.push(format!("{name} ({e})")),
        }
    }
    if signed.len() < req.count {
        return Err(b.refused(format!(
            "its ceremony was countersigned by {} of the pinned witnesses, and {} must have signed; missing: {}; {fix}",
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
