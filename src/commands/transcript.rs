//! `keyceremony transcript verify`.

use std::path::{Path, PathBuf};

use super::{Exit, Failure};
use crate::ceremony::layout::CERT_FILE;
use crate::media::{limits, read_bounded};
use crate::openpgp::{read_cert, verify_detached, SignWith};
use crate::transcript::verify_chain;

pub fn verify(file: &Path, cert: Option<&Path>, signature: Option<&Path>) -> Result<(), Failure> {
    let read = |p: &Path, what: &'static str| -> Result<Vec<u8>, Failure> {
        let limit = match what {
            "transcript" => limits::TRANSCRIPT,
            "cert" => limits::KEY,
            _ => limits::MANIFEST,
        };
        Ok(read_bounded(p, what, limit)?)
    };
    let bytes = read(file, "transcript")?;
    let chain = verify_chain(&bytes)?;
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
    if let Some(recorded) = chain.fingerprint() {
        if recorded != cert.fingerprint().to_hex() {
            return Err(Failure::new(
                Exit::Verification,
                format!(
                    "the transcript records key {recorded}, but {} holds {}",
                    cert_path.display(),
                    cert.fingerprint()
                ),
            ));
        }
    }
    verify_detached(&cert, SignWith::Primary, &sig, &bytes)?;
    outln!(
        "Transcript {} is intact: {} entries, chain head {}, signed by primary {}",
        file.display(),
        chain.entries.len(),
        chain.head,
        cert.fingerprint().to_hex()
    );
    Ok(())
}
