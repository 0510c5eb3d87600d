//! Checking what ceremonies wrote: one transcript (its chain, its signature
//! by the primary, its key), or several as a key's history from its genesis
//! (`history` checks the links). The CLI's `transcript verify` and the TUI's
//! history screen both call this; it reads files and judges them, and knows
//! nothing of the ceremonies that wrote them.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::history::{key_of, verify_history, Ceremony};
use super::{verify_chain, TranscriptError, CERT_FILE, TRANSCRIPT};
use crate::media::{limits, read_bounded};
use crate::openpgp::{read_cert, verify_detached, SignWith};

/// One transcript as checked.
#[derive(Debug, Clone, Serialize)]
pub struct Verified {
    pub file: PathBuf,
    pub entries: usize,
    pub head: String,
    pub key: String,
    /// Who witnessed the ceremony, as its transcript records it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witnesses: Option<String>,
}

/// What `verify` found: every transcript intact and, for several, the history.
#[derive(Debug, Serialize)]
pub struct Checked {
    pub transcripts: Vec<Verified>,
    /// The ceremonies, oldest first, when several transcripts were given.
    pub history: Option<Vec<Ceremony>>,
}

impl Checked {
    pub fn lines(&self) -> Vec<String> {
        let mut l: Vec<String> = self
            .transcripts
            .iter()
            .flat_map(|t| {
                let mut l = vec![format!(
                    "Transcript {} is intact: {} entries, chain head {}, signed by primary {}",
                    crate::text::printable(&t.file.display().to_string()),
                    t.entries,
                    t.head,
                    t.key
                )];
                if let Some(w) = &t.witnesses {
                    l.push(format!("  Witnesses (as the transcript records): {w}"));
                }
                l
            })
            .collect();
        if let Some(h) = &self.history {
            l.push(format!(
                "History intact: {} ceremonies of one key, from its genesis, each continuing the one before:",
                h.len()
            ));
            l.extend(h.iter().map(|c| {
                crate::text::printable(&format!(
                    "  {}  {:<14} {}{}",
                    c.started,
                    c.flow,
                    c.ceremony_id,
                    c.witnesses
                        .as_deref()
                        .map(|w| format!("  witnesses {w}"))
                        .unwrap_or_default()
                ))
            }));
        }
        l
    }
}

/// Checks `files` (oldest first when several). `cert` is the primary's
/// cert (default: `cert.asc` beside each transcript); `signature` names one
/// transcript's signature (default: the transcript's name with `.asc`).
pub fn verify(
    files: &[PathBuf],
    cert: Option<&Path>,
    signature: Option<&Path>,
) -> Result<Checked, TranscriptError> {
    if files.len() > 1 && signature.is_some() {
        return Err(TranscriptError::Request(
            "a signature file names one transcript's signature: with several, each FILE.asc is read".into(),
        ));
    }
    let mut transcripts = Vec::new();
    let mut read = Vec::new();
    for file in files {
        let (v, bytes) = verify_one(file, cert, signature)?;
        transcripts.push(v);
        read.push((file.display().to_string(), bytes));
    }
    let history = match files.len() {
        0 => return Err(TranscriptError::Request("no transcript given".into())),
        1 => None,
        _ => Some(verify_history(&read)?),
    };
    Ok(Checked {
        transcripts,
        history,
    })
}

/// The transcripts of the ceremony directories right below `root` (a
/// medium), oldest first: what a key's history on one stick is.
pub fn transcripts_on(root: &Path) -> Result<Vec<PathBuf>, TranscriptError> {
    let entries =
        std::fs::read_dir(root).map_err(|e| crate::media::MediaError::from_io("list", root, e))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        // A failed ceremony's directory (FAILED-ceremony-...) is no link in
        // the history.
        .filter(|e| e.file_name().to_string_lossy().starts_with("ceremony-"))
        .map(|e| e.path().join(TRANSCRIPT))
        .filter(|t| t.is_file())
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(TranscriptError::Request(format!(
            "{} holds no ceremony directory with a transcript: give the export or a backup medium",
            root.display()
        )));
    }
    Ok(files)
}

/// Checks the MANIFEST of the ceremony directory `dir`: every file it lists
/// (read once, with its lines), and its signature `MANIFEST.asc` by
/// `cert`'s signing subkey over those same bytes. Returns the names listed;
/// the error says which part failed.
pub fn check_signed_manifest(
    dir: &Path,
    cert: &sequoia_openpgp::Cert,
) -> Result<Vec<String>, String> {
    use crate::media::MANIFEST_SIG;
    let (listed, manifest) = crate::media::check_manifest_read(dir).map_err(|e| e.to_string())?;
    let sig = crate::media::read_in(dir, MANIFEST_SIG, "signature", limits::MANIFEST)
        .map_err(|e| e.to_string())?;
    verify_detached(cert, SignWith::SigningSubkey, &sig, &manifest)
        .map_err(|e| format!("{MANIFEST_SIG}: {e}"))?;
    Ok(listed)
}

fn verify_one(
    file: &Path,
    cert: Option<&Path>,
    signature: Option<&Path>,
) -> Result<(Verified, Vec<u8>), TranscriptError> {
    let named =
        |e: &dyn std::fmt::Display| TranscriptError::History(format!("{}: {e}", file.display()));
    // The transcript and what lies beside it are read as a ceremony
    // directory's files are: no link followed (a link in a copied
    // directory would vouch for a file elsewhere), no FIFO blocked on.
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let beside_file = |name: &str, what: &'static str, limit: u64| match file.file_name() {
        Some(_) => crate::media::read_in(dir, name, what, limit),
        None => read_bounded(&dir.join(name), what, limit),
    };
    let name_of = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    let bytes = match name_of(file) {
        Some(n) => beside_file(&n, "transcript", limits::TRANSCRIPT)?,
        None => read_bounded(file, "transcript", limits::TRANSCRIPT)?,
    };
    let chain = verify_chain(&bytes).map_err(|e| named(&e))?;
    // A ceremony that stopped is reported as that: a failure recorded at
    // the end of an intact chain, signed or not (a ceremony that failed part
    // way has no key to sign with), or any other end under a good signature.
    let stopped = |last: &crate::transcript::Entry| {
        let why = last
            .data
            .get("error")
            .and_then(|e| e.as_str())
            .map(|e| format!(": {}", crate::text::printable(e)))
            .unwrap_or_default();
        named(&format!(
            "the chain is intact, but the ceremony did not complete (its last event is {}{why}); do not rely on what it left",
            last.event
        ))
    };
    let last = chain.entries.last();
    // The directory says it failed (renamed, or its marker inside): the
    // ceremony stopped after its transcript's copy here was signed.
    if crate::media::is_failed_dir(dir) {
        return Err(named(&format!(
            "the ceremony did not complete: its directory {} is marked as what a ceremony that stopped left (named FAILED-, or holding {}, which says why); do not rely on what it left. If someone else put that file in a directory whose ceremony completed, take it out and check again",
            crate::text::printable(&dir.display().to_string()),
            crate::media::FAILED_MARKER
        )));
    }
    let sig_path = signature.map(Path::to_owned).unwrap_or_else(|| {
        let mut p = file.as_os_str().to_owned();
        p.push(".asc");
        PathBuf::from(p)
    });
    let failed = last.filter(|l| l.event == crate::transcript::EventKind::Failed.name());
    if let Some(l) = failed {
        if sig_path.symlink_metadata().is_err() {
            return Err(stopped(l));
        }
    }
    let complete = last.is_some_and(|l| l.event == crate::transcript::EventKind::Complete.name());
    let beside = |name: &str| file.parent().unwrap_or(Path::new(".")).join(name);
    let cert_path = cert
        .map(Path::to_owned)
        .unwrap_or_else(|| beside(CERT_FILE));
    let cert_bytes = match cert {
        Some(_) => read_bounded(&cert_path, "cert", limits::KEY)?,
        None => beside_file(CERT_FILE, "cert", limits::KEY)?,
    };
    let cert = read_cert(&cert_bytes)
        .map_err(|e| TranscriptError::History(format!("{}: {e}", cert_path.display())))?;
    let sig = match (signature, name_of(&sig_path)) {
        (None, Some(n)) => beside_file(&n, "signature", limits::MANIFEST)?,
        _ => read_bounded(&sig_path, "signature", limits::MANIFEST)?,
    };
    let key = cert.fingerprint().to_hex();
    if let Some(recorded) = key_of(&chain) {
        if !recorded.eq_ignore_ascii_case(&key) {
            return Err(named(&format!(
                "the transcript records key {recorded}, but {} holds {key}",
                cert_path.display()
            )));
        }
    }
    // A signature that does not verify is that, whatever the last entry
    // says (an appended "failed" entry is an edit like any other).
    verify_detached(&cert, SignWith::Primary, &sig, &bytes).map_err(|e| named(&e))?;
    if !complete {
        if let Some(l) = last {
            return Err(stopped(l));
        }
    }
    // A ceremony closes each of its directories with a MANIFEST after the
    // transcript says "complete": one without (a stick pulled, the power
    // cut at that moment) did not complete, whatever its transcript says
    // and whatever its directory is called now. A transcript is believed
    // complete only beside the MANIFEST that closed it.
    check_signed_manifest(dir, &cert).map_err(|e| {
        named(&format!(
            "the ceremony did not complete here: {e} (it stopped before closing this directory, or the directory was not copied whole); do not rely on what it left"
        ))
    })?;
    // The witnesses' statements and signatures the transcript records lie
    // beside it as recorded: who it says signed, signed this.
    super::witness::check_rounds(&chain).map_err(|e| named(&e))?;
    for (name, sha) in super::witness::recorded_files(&chain) {
        let ok = beside_file(&name, "witness file", limits::MANIFEST)
            .is_ok_and(|b| crate::media::sha256_hex(&b) == sha);
        if !ok {
            return Err(named(&format!(
                "the witnesses' file {name} the transcript records is missing beside it or not what was recorded: who it says signed cannot be shown; copy the ceremony directory whole"
            )));
        }
    }
    Ok((
        Verified {
            file: file.to_owned(),
            entries: chain.entries.len(),
            witnesses: super::witness::recorded(&chain),
            head: chain.head,
            key,
        },
        bytes,
    ))
}
