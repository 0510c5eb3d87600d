//! `keyceremony shares split|combine|verify|show`, and the share reading
//! every command that opens a backup uses.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::{Exit, Failure};
use crate::ceremony::layout::{share_file, SHARES_FILE};
use crate::ceremony::restore;
use crate::cli::SharesCommand;
use crate::media::{deliver, Handover};
use crate::media::{limits, read_bounded};
use crate::media::{write_new_file, FileMode, Medium};
use crate::passphrase::Passphrase;
use crate::shares::{self, set_id_text, sheet, SetInfo, Share};

fn share_failure(e: impl std::fmt::Display) -> Failure {
    Failure::new(Exit::Verification, e.to_string())
}

/// Reads share files (sheets, word lists, QR payloads, age files opened
/// with the identities in `identity`), naming the file in any error.
pub(crate) fn load_shares(paths: &[PathBuf], identity: &[PathBuf]) -> Result<Vec<Share>, Failure> {
    Ok(restore::load_shares(paths, identity)?)
}

/// A share error that names sheets by number, with the files they came from.
fn name_files(e: shares::ShareError, shares: &[Share], paths: &[PathBuf]) -> Failure {
    let file = |index: u8| {
        shares
            .iter()
            .zip(paths)
            .find(|(s, _)| s.index == index)
            .map(|(_, p)| p.display().to_string())
            .unwrap_or_default()
    };
    let files: Vec<String> = match &e {
        shares::ShareError::Forged { indices } => indices.iter().map(|&i| file(i)).collect(),
        shares::ShareError::Disagree { odd: Some(i) } => vec![file(*i)],
        _ => Vec::new(),
    };
    if files.is_empty() {
        share_failure(e)
    } else {
        share_failure(format!("{e} (file {})", files.join(", ")))
    }
}

fn read_set_info(path: &Path) -> Result<SetInfo, Failure> {
    restore::parse_set_info(path).map_err(share_failure)
}

pub fn split(
    threshold: u8,
    count: u8,
    passphrase_file: &str,
    out: &Path,
    fingerprint: &str,
    custodians: &[String],
) -> Result<(), Failure> {
    let source = Handover::parse(passphrase_file)
        .map_err(|e| Failure::new(Exit::Usage, format!("--passphrase-file {e}")))?
        .open_path();
    let bytes = Zeroizing::new(read_bounded(&source, "passphrase file", limits::SET_INFO)?);
    let words = Zeroizing::new(String::from_utf8_lossy(&bytes).into_owned());
    let passphrase = Passphrase::from_words(&words).map_err(share_failure)?;
    if !custodians.is_empty() && custodians.len() != usize::from(count) {
        return Err(Failure::new(
            Exit::Usage,
            format!(
                "{} for {count} shares: give one per share, or none",
                crate::text::count(custodians.len(), "custodian name", "custodian names")
            ),
        ));
    }
    Medium::check(out)?;
    let set = shares::split(passphrase.entropy(), threshold, count).map_err(share_failure)?;
    let date = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    for s in &set.shares {
        let name = custodians
            .get(usize::from(s.index) - 1)
            .cloned()
            .unwrap_or_else(|| format!("Custodian {}", s.index));
        let info = sheet::SheetInfo {
            custodian: &name,
            fingerprint,
            date: &date[..10],
        };
        let text = sheet::render(s, &info);
        let path = out.join(share_file(s.index, s.count, "txt"));
        write_new_file(&path, text.as_bytes(), FileMode::Private)?;
        let qr = sheet::qr_svg(s).map_err(share_failure)?;
        write_new_file(
            &out.join(share_file(s.index, s.count, "svg")),
            qr.as_bytes(),
            FileMode::Private,
        )?;
        outln!("share {} of {}: {}", s.index, s.count, path.display());
    }
    let mut info = serde_json::to_vec_pretty(&set.info).unwrap_or_default();
    info.push(b'\n');
    write_new_file(&out.join(SHARES_FILE), &info, FileMode::Public)?;
    outln!(
        "set {}: any {} of {} restore the passphrase; keep {} with the backup",
        set.info.set_id,
        threshold,
        count,
        out.join(SHARES_FILE).display()
    );
    Ok(())
}

pub fn combine(
    paths: &[PathBuf],
    identity: &[PathBuf],
    check: &Path,
    out: &str,
) -> Result<(), Failure> {
    let info = read_set_info(check)?;
    let shares = load_shares(paths, identity)?;
    let secret =
        shares::combine_checked(&shares, &info).map_err(|e| name_files(e, &shares, paths))?;
    let passphrase = Passphrase::from_entropy(&secret).map_err(share_failure)?;
    let text = Zeroizing::new(format!("{}\n", passphrase.expose_phrase()));
    let to = deliver(out, text.as_bytes()).map_err(|e| Failure::new(Exit::Media, e))?;
    eprintln!(
        "Combined shares {:?} of set {}, matching the check value; the passphrase went to {to}",
        shares.iter().map(|s| s.index).collect::<Vec<_>>(),
        set_id_text(shares[0].set_id),
    );
    Ok(())
}

pub fn show(path: &Path, identity: &[PathBuf]) -> Result<(), Failure> {
    let share = load_shares(&[path.to_owned()], identity)?.remove(0);
    let words = share.to_words();
    outln!(
        "Share {} of {}, set {}, any {} restore the passphrase:\n",
        share.index,
        share.count,
        set_id_text(share.set_id),
        share.threshold
    );
    for (i, chunk) in words.chunks(6).enumerate() {
        let line: Vec<String> = chunk
            .iter()
            .enumerate()
            .map(|(j, w)| format!("{:>2} {:<9}", i * 6 + j + 1, w))
            .collect();
        outln!("  {}", line.join(" "));
    }
    outln!("\n{}", *sheet::qr_terminal(&share).map_err(share_failure)?);
    Ok(())
}

pub fn verify(
    paths: &[PathBuf],
    identity: &[PathBuf],
    check: Option<&Path>,
) -> Result<(), Failure> {
    let shares = load_shares(paths, identity)?;
    for (p, s) in paths.iter().zip(&shares) {
        outln!(
            "{}: share {} of {}, set {}, threshold {}: reads correctly",
            p.display(),
            s.index,
            s.count,
            set_id_text(s.set_id),
            s.threshold
        );
    }
    let k = usize::from(shares[0].threshold);
    if shares.len() >= k {
        let secret = shares::combine(&shares).map_err(share_failure)?;
        match check {
            Some(c) => {
                read_set_info(c)?.verify(&secret).map_err(share_failure)?;
                outln!("The shares combine to the secret {} checks.", c.display());
            }
            None => outln!(
                "The shares agree with each other (give --check to test them against a backup)."
            ),
        }
    } else {
        // Only the checks that need no combination: same set, no duplicates.
        match shares::combine(&shares) {
            Err(shares::ShareError::TooFew { given, needed }) => {
                outln!("{given} of {needed} shares: enough to check each, not to combine them.")
            }
            Err(e) => return Err(share_failure(e)),
            Ok(_) => {}
        }
    }
    Ok(())
}

/// Reads shares typed on standard input, one per line, until `needed` are in.
/// A line that does not parse is reported and may be typed again.
fn shares_from_stdin(needed: usize) -> Result<Vec<Share>, Failure> {
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let mut shares: Vec<Share> = Vec::new();
    let mut failures = 0;
    while shares.len() < needed {
        eprintln!(
            "Share {} of {needed}: type its words on one line (four letters each are enough), then Enter:",
            shares.len() + 1
        );
        let Some(line) = lines.next() else { break };
        let line = Zeroizing::new(
            line.map_err(|e| Failure::new(Exit::Media, format!("reading standard input: {e}")))?,
        );
        match Share::from_words(&line) {
            Ok(s) if shares.iter().any(|o| o.index == s.index) => {
                eprintln!(
                    "  share {} was given already: bring another custodian's share",
                    s.index
                );
            }
            Ok(s) => {
                eprintln!(
                    "  share {} of set {} accepted",
                    s.index,
                    set_id_text(s.set_id)
                );
                shares.push(s);
            }
            Err(e) => {
                failures += 1;
                eprintln!("  {e}; type the whole share again");
                if failures >= 5 {
                    return Err(share_failure(
                        "five shares in a row did not read; stopping so nothing is guessed",
                    ));
                }
            }
        }
    }
    Ok(shares)
}

/// The shares for `backup`: from files, or typed on standard input (k of
/// them, k read from the backup's share set).
pub fn shares_for(
    backup: &Path,
    paths: &[PathBuf],
    identity: &[PathBuf],
) -> Result<Vec<Share>, Failure> {
    if paths.is_empty() {
        let info = restore::read_set_info(backup)?;
        shares_from_stdin(usize::from(info.threshold))
    } else {
        load_shares(paths, identity)
    }
}

/// A ceremony's failure, with a share error naming the sheets' files.
pub fn share_error_with_files(
    e: crate::ceremony::CeremonyError,
    shares: &[Share],
    paths: &[PathBuf],
) -> Failure {
    match e {
        crate::ceremony::CeremonyError::Share(e) => name_files(e, shares, paths),
        other => other.into(),
    }
}

/// Opens a backup with shares from files, or typed on standard input.
pub fn unlock_backup(
    backup: &Path,
    paths: &[PathBuf],
    identity: &[PathBuf],
) -> Result<restore::Restored, Failure> {
    let shares = shares_for(backup, paths, identity)?;
    restore::unlock(backup, &shares, restore::Proof::Full)
        .map_err(|e| share_error_with_files(e, &shares, paths))
}

/// `keyceremony shares ...`
pub fn run(action: SharesCommand) -> Result<(), Failure> {
    match action {
        SharesCommand::Split {
            threshold,
            count,
            passphrase_file,
            out,
            fingerprint,
            custodian,
        } => split(
            threshold,
            count,
            &passphrase_file,
            &out,
            &fingerprint,
            &custodian,
        ),
        SharesCommand::Combine {
            shares: files,
            identity,
            check,
            out,
        } => combine(&files, &identity, &check, &out),
        SharesCommand::Show { share, identity } => show(&share, &identity),
        SharesCommand::Verify {
            shares: files,
            identity,
            check,
        } => verify(&files, &identity, check.as_deref()),
    }
}
