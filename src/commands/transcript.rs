//! `keyceremony transcript verify`: one transcript, or a key's history.

use std::path::{Path, PathBuf};

use super::{Exit, Failure};
use crate::ceremony::layout::CERT_FILE;
use crate::media::{limits, read_bounded};
use crate::openpgp::{read_cert, verify_detached, SignWith};
use crate::transcript::history::{key_of, verify_history};
use crate::transcript::verify_chain;

pub fn verify(
    files: &[PathBuf],
    cert: Option<&Path>,
    signature: Option<&Path>,
) -> Result<(), Failure> {
    if files.len() > 1 && signature.is_some() {
        return Err(Failure::new(
            Exit::Usage,
            "--signature names one transcript's signature: with several, each FILE.asc is read",
        ));
    }
    let mut read_all = Vec::new();
    for file in files {
        let bytes = verify_one(file, cert, signature)?;
        read_all.push((file.display().to_string(), bytes));
    }
    if files.len() == 1 {
        return Ok(());
    }
    let history =
        verify_history(&read_all).map_err(|e| Failure::new(Exit::Verification, e.to_string()))?;
    outln!(
        "History intact: {} ceremonies of one key, from its genesis, each continuing the one before:",
        history.len()
    );
    for c in &history {
        outln!("  {}  {:<14} {}", c.started, c.flow, c.ceremony_id);
    }
    Ok(())
}

/// Checks one transcript's chain and signature; returns its bytes.
fn verify_one(
    file: &Path,
    cert: Option<&Path>,
    signature: Option<&Path>,
) -> Result<Vec<u8>, Failure> {
    let read = |p: &Path, what: &'static str| -> Result<Vec<u8>, Failure> {
        let limit = match what {
            "transcript" => limits::TRANSCRIPT,
            "cert" => limits::KEY,
            _ => limits::MANIFEST,
        };
        Ok(read_bounded(p, what, limit)?)
    };
    let bytes = read(file, "transcript")?;
    let named = |f: Failure| Failure {
        message: format!("{}: {}", file.display(), f.message),
        ..f
    };
    let chain = verify_chain(&bytes).map_err(|e| named(e.into()))?;
    let beside = |name: &str| file.parent().unwrap_or(Path::new(".")).join(name);
    let cert_path = cert
        .map(Path::to_owned)
        .unwrap_or_else(|| beside(CERT_FILE));
    let sig_path = signature.map(Path::to_owned).unwrap_or_else(|| {
        let mut p = file.as_os_str().to_owned();
        p.push(".asc");
        PathBuf::from(p)
    });
    let cert = read_cert(&read(&cert_path, "cert")?)?;
    let sig = read(&sig_path, "signature").map_err(|f| {
        f.hint("a transcript is signed when its ceremony completes; an unsigned one ended early")
    })?;
    if let Some(recorded) = key_of(&chain) {
        if !recorded.eq_ignore_ascii_case(&cert.fingerprint().to_hex()) {
            return Err(Failure::new(
                Exit::Verification,
                format!(
                    "{}: the transcript records key {recorded}, but {} holds {}",
                    file.display(),
                    cert_path.display(),
                    cert.fingerprint()
                ),
            ));
        }
    }
    verify_detached(&cert, SignWith::Primary, &sig, &bytes).map_err(|e| named(e.into()))?;
    outln!(
        "Transcript {} is intact: {} entries, chain head {}, signed by primary {}",
        file.display(),
        chain.entries.len(),
        chain.head,
        cert.fingerprint().to_hex()
    );
    Ok(bytes)
}
