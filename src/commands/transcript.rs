//! `keyceremony transcript verify`: one transcript, or a key's history
//! (`transcript::verify`).

use std::path::{Path, PathBuf};

use super::{Exit, Failure};
use crate::cli::TranscriptCommand;
use crate::transcript::verify as history;

pub fn verify(
    files: &[PathBuf],
    cert: Option<&Path>,
    signature: Option<&Path>,
) -> Result<(), Failure> {
    let checked = history::verify(files, cert, signature).map_err(|e| {
        let f = Failure::from(e);
        match f.code {
            // A missing signature is most often that of a ceremony that
            // stopped before its end.
            Exit::Media if f.message.contains(".jsonl.asc") => f.hint(
                "a transcript is signed when its ceremony completes; an unsigned one ended early",
            ),
            _ => f,
        }
    })?;
    for line in checked.lines() {
        outln!("{line}");
    }
    Ok(())
}

/// `keyceremony transcript ...`
pub fn run(action: TranscriptCommand) -> Result<(), Failure> {
    match action {
        TranscriptCommand::Verify {
            files,
            cert,
            signature,
        } => verify(&files, cert.as_deref(), signature.as_deref()),
    }
}
