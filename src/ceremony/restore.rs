//! Restore: k shares give the passphrase, the passphrase opens the backup, and
//! the fingerprint proves it is the key that was meant.
//!
//! Genesis runs the same code as its restore rehearsal, on shares read back
//! from the media it just wrote, so the path administrators rely on later is
//! the one every ceremony has already proven once.

use std::fmt;
use std::path::{Path, PathBuf};

use sequoia_openpgp::Cert;

use serde::Serialize;

use super::layout::{
    CERT_FILE, COSIGN_KEY_FILE, MANIFEST, REVOCATION_FILE, SECRET_KEY_FILE, SHARES_FILE, TRANSCRIPT,
};
use super::CeremonyError;
use crate::media::{limits, read_bounded, read_in, sha256_hex};
use crate::openpgp;
use crate::passphrase::Passphrase;
use crate::shares::{self, set_id_text, sheet, SetInfo, Share, ShareError};
use zeroize::Zeroizing;

/// A backup opened in memory.
pub struct Restored {
    pub cert: Cert,
    pub fingerprint: String,
    /// The share set the backup was split into (public).
    pub set_id: String,
    /// Which shares were used (their indices, never their contents).
    pub indices: Vec<u8>,
    pub passphrase: Passphrase,
    /// The cosign key the backup keeps, opened with the same passphrase.
    pub cosign: Option<crate::cosign::CosignKey>,
}

impl fmt::Debug for Restored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Restored({}, shares {:?}, secrets redacted)",
            self.fingerprint, self.indices
        )
    }
}

fn backup_error(backup: &Path, reason: String) -> CeremonyError {
    CeremonyError::BackupCheck {
        medium: backup.to_owned(),
        reason,
    }
}

/// All identity files, concatenated: age reads several identities from one buffer.
fn identities(paths: &[PathBuf]) -> Result<Option<Zeroizing<Vec<u8>>>, CeremonyError> {
    if paths.is_empty() {
        return Ok(None);
    }
    let mut all = Zeroizing::new(Vec::new());
    for p in paths {
        let bytes = Zeroizing::new(read_bounded(p, "age identity file", limits::SHARE)?);
        all.extend_from_slice(&bytes);
        all.push(b'\n');
    }
    Ok(Some(all))
}

/// Reads share files as custodians bring them (a sheet, a word list, a QR
/// payload, or an age file opened with the identities in `identity`),
/// naming the file in any error.
pub fn load_shares(paths: &[PathBuf], identity: &[PathBuf]) -> Result<Vec<Share>, CeremonyError> {
    let ids = identities(identity)?;
    paths
        .iter()
        .map(|p| {
            let bytes = Zeroizing::new(read_bounded(p, "share sheet", limits::SHARE)?);
            sheet::read_share(&bytes, ids.as_deref().map(|v| v.as_slice())).map_err(|e| {
                CeremonyError::ShareFile {
                    path: p.clone(),
                    reason: e.to_string(),
                }
            })
        })
        .collect()
}

/// Reads `shares.json` from a backup bundle.
pub fn read_set_info(backup: &Path) -> Result<SetInfo, CeremonyError> {
    let path: PathBuf = backup.join(SHARES_FILE);
    if path.symlink_metadata().is_err() {
        return Err(not_a_ceremony_dir(backup));
    }
    let bytes = read_in(
        backup,
        SHARES_FILE,
        "share set description",
        limits::SET_INFO,
    )
    .map_err(|e| backup_error(backup, e.to_string()))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        backup_error(
            backup,
            format!("{} is not a share-set description: {e}", path.display()),
        )
    })
}

/// Reads a share set's description (`shares.json`) from any file, bounded;
/// the error says what is wrong with it.
pub fn parse_set_info(path: &Path) -> Result<SetInfo, String> {
    let bytes =
        read_bounded(path, "share set description", limits::SET_INFO).map_err(|e| e.to_string())?;
    serde_json::from_slice(&bytes)
        .map_err(|e| format!("{} is not a share-set description: {e}", path.display()))
}

/// A directory that is not a ceremony directory: say which ones are below it,
/// since operators often name the medium's root.
fn not_a_ceremony_dir(dir: &Path) -> CeremonyError {
    let mut found: Vec<String> = Vec::new();
    let mut look = vec![(dir.to_owned(), 0)];
    while let Some((d, depth)) = look.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if !p.is_dir() {
                continue;
            }
            if p.join(SECRET_KEY_FILE).is_file() {
                let mut line = crate::text::printable(&p.display().to_string());
                if crate::media::is_failed_dir(&p)
                    || p.join(crate::media::MANIFEST).symlink_metadata().is_err()
                {
                    line.push_str("  (what a ceremony that stopped left: never to be used)");
                }
                found.push(line);
            } else if depth < 2 {
                look.push((p, depth + 1));
            }
        }
    }
    found.sort();
    let what = if found.is_empty() {
        "no ceremony directory is below it either: name the ceremony-<time> directory on a backup medium".to_owned()
    } else {
        format!("these are:\n  {}", found.join("\n  "))
    };
    CeremonyError::NotACeremonyDir {
        dir: dir.to_owned(),
        what,
    }
}

/// How much of a backup can be checked: all of it, or, during genesis's
/// rehearsal (before the MANIFEST is written), all but the MANIFEST.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    Full,
    BeforeManifest,
}

/// A backup proven whole: its cert and its (still locked) secret key.
pub struct ProvenBackup {
    pub cert: Cert,
    key: Cert,
    /// cosign.key as the backup holds it (still locked), if it has one.
    cosign: Option<Vec<u8>>,
}

/// Proves a backup before anything uses it: a ceremony directory; MANIFEST
/// hashes and its signature by the cert's signing subkey hold (`Proof::Full`);
/// `cert.asc` and `secret-key.asc` are intact armor of packets that all
/// parse, with every self-signature and binding valid; and the secret key is
/// the cert's key, subkey for subkey.
pub fn prove(backup: &Path, proof: Proof) -> Result<ProvenBackup, CeremonyError> {
    if backup.join(SECRET_KEY_FILE).symlink_metadata().is_err() {
        return Err(not_a_ceremony_dir(backup));
    }
    let fail = |reason: String| backup_error(backup, reason);
    if crate::media::is_failed_dir(backup) {
        return Err(fail(format!(
            "it is marked as what a ceremony that stopped left (named FAILED-, or holding {}, which says why): a stopped ceremony's key was never exported, and no restore uses it. If someone else put that file in a backup whose ceremony completed, take it out and run again",
            crate::media::FAILED_MARKER
        )));
    }
    let read_key = |name: &str| -> Result<Cert, CeremonyError> {
        let bytes =
            read_in(backup, name, "key file", limits::KEY).map_err(|e| fail(e.to_string()))?;
        openpgp::read_strict(name, &bytes).map_err(|e| fail(e.to_string()))
    };
    let cert = read_key(CERT_FILE)?;
    if proof == Proof::Full {
        let listed =
            crate::transcript::verify::check_signed_manifest(backup, &cert).map_err(fail)?;
        for name in [SECRET_KEY_FILE, CERT_FILE, SHARES_FILE] {
            if !listed.iter().any(|l| l == name) {
                return Err(fail(format!("{MANIFEST} does not list {name}")));
            }
        }
    }
    let key = read_key(SECRET_KEY_FILE)?;
    let fingerprints = |c: &Cert| {
        let mut f: Vec<String> = c.keys().map(|k| k.key().fingerprint().to_hex()).collect();
        f.sort();
        f
    };
    if fingerprints(&key) != fingerprints(&cert) {
        return Err(fail(format!(
            "{SECRET_KEY_FILE} holds key {} and {CERT_FILE} cert {}: they are not the same key",
            key.fingerprint(),
            cert.fingerprint()
        )));
    }
    let cosign_path = backup.join(COSIGN_KEY_FILE);
    let cosign = if cosign_path.symlink_metadata().is_ok() {
        Some(
            read_in(
                backup,
                COSIGN_KEY_FILE,
                "cosign key file",
                limits::COSIGN_KEY,
            )
            .map_err(|e| fail(e.to_string()))?,
        )
    } else {
        None
    };
    Ok(ProvenBackup { cert, key, cosign })
}

/// Proves the backup (`prove`), combines `shares`, checks the result against
/// the backup's check value, and opens the backup's secret key with it.
pub fn unlock(backup: &Path, shares: &[Share], proof: Proof) -> Result<Restored, CeremonyError> {
    let proven = prove(backup, proof)?;
    let info = read_set_info(backup)?;
    if shares.len() < info.threshold as usize {
        return Err(ShareError::TooFew {
            given: shares.len(),
            needed: info.threshold as usize,
        }
        .into());
    }
    // All of one other set: the backup is the odd one out, not a share.
    if let Some(first) = shares.first() {
        let set = set_id_text(first.set_id);
        if set != info.set_id && shares.iter().all(|s| s.set_id == first.set_id) {
            return Err(ShareError::OtherBackup {
                found: set,
                expected: info.set_id.clone(),
            }
            .into());
        }
    }
    for (i, s) in shares.iter().enumerate() {
        if set_id_text(s.set_id) != info.set_id {
            return Err(ShareError::ForeignSet {
                position: i + 1,
                index: s.index,
                found: set_id_text(s.set_id),
                expected: info.set_id.clone(),
            }
            .into());
        }
    }
    let secret = shares::combine_checked(shares, &info)?;
    let passphrase = Passphrase::from_entropy(&secret)?;
    let cert = openpgp::unlock_cert(&proven.key, &passphrase.to_password())
        .map_err(|e| backup_error(backup, e.to_string()))?;
    let cosign = match &proven.cosign {
        None => None,
        Some(text) => Some(
            crate::cosign::CosignKey::from_encrypted_pem(text, &passphrase.to_secret_string())
                .map_err(|e| backup_error(backup, format!("{COSIGN_KEY_FILE}: {e}")))?,
        ),
    };
    Ok(Restored {
        cosign,
        fingerprint: cert.fingerprint().to_hex(),
        set_id: info.set_id,
        cert,
        indices: shares.iter().map(|s| s.index).collect(),
        passphrase,
    })
}

/// The ceremony a later one continues: named in the new transcript, so that
/// a key's history can be followed back to its genesis.
#[derive(Debug, Clone, Serialize)]
pub struct Previous {
    pub ceremony_id: String,
    /// SHA-256 of the previous ceremony's transcript as the backup holds it.
    pub transcript_sha256: Option<String>,
}

/// A backup opened for a ceremony that continues the key's history (renew,
/// subkey changes): the key, what the new backups carry over unchanged (the
/// revocation certificate, the share set), and the ceremony it continues.
pub struct Opened {
    pub restored: Restored,
    pub revocation: Vec<u8>,
    pub set_info: SetInfo,
    pub previous: Previous,
    /// The export bundle the previous ceremony wrote (kept on the backup):
    /// its sequence number and SHA-256, which the next bundle continues.
    pub previous_bundle: Option<crate::online::bundle::Previous>,
    /// The files that travel with the key, in name order: its rotation
    /// files (statements, their signatures, the certs) and the cosign key's
    /// public files; every later bundle carries them.
    pub carried: Vec<(String, Vec<u8>)>,
    /// Old primaries' revocations a rotation left for the end of its
    /// transition (crate::online::rotation::revocation_file).
    pub pending_revocations: Vec<(String, Vec<u8>)>,
}

/// Proves and opens `backup` with `shares` (as `unlock` with `Proof::Full`),
/// and reads what a continuing ceremony carries over. Nothing is written.
pub fn open_for_ceremony(backup: &Path, shares: &[Share]) -> Result<Opened, CeremonyError> {
    let restored = unlock(backup, shares, Proof::Full)?;
    let revocation = read_in(
        backup,
        REVOCATION_FILE,
        "revocation certificate",
        limits::KEY,
    )
    .map_err(|e| backup_error(backup, e.to_string()))?;
    Ok(Opened {
        restored,
        revocation,
        set_info: read_set_info(backup)?,
        previous: previous_ceremony(backup),
        previous_bundle: previous_bundle(backup)?,
        carried: rotation_files(backup, |n| {
            crate::online::rotation::is_rotation_file(n)
                || crate::cosign::binding::is_public_file(n)
                || crate::cosign::rotation::is_rotation_file(n)
                || crate::cosign::revocation::is_revocation_file(n)
        })?,
        pending_revocations: rotation_files(backup, |n| {
            crate::online::rotation::revoked_by_file(n).is_some()
        })?,
    })
}

/// The files on the backup whose names `wanted` picks, in name order
/// (MANIFEST has covered them).
fn rotation_files(
    backup: &Path,
    wanted: impl Fn(&str) -> bool,
) -> Result<Vec<(String, Vec<u8>)>, CeremonyError> {
    let entries = std::fs::read_dir(backup).map_err(|e| backup_error(backup, e.to_string()))?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| wanted(n))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let bytes = read_in(backup, &n, "rotation file", limits::KEY)
                .map_err(|e| backup_error(backup, e.to_string()))?;
            Ok((n, bytes))
        })
        .collect()
}

/// The backup's `bundle.json` (MANIFEST has covered it), if the ceremony
/// that wrote the backup wrote one.
fn previous_bundle(
    backup: &Path,
) -> Result<Option<crate::online::bundle::Previous>, CeremonyError> {
    let path = backup.join(crate::online::bundle::BUNDLE_FILE);
    if path.symlink_metadata().is_err() {
        return Ok(None);
    }
    let bytes = read_in(
        backup,
        crate::online::bundle::BUNDLE_FILE,
        "bundle description",
        limits::MANIFEST,
    )
    .map_err(|e| backup_error(backup, e.to_string()))?;
    crate::online::bundle::Previous::of(&bytes)
        .map(Some)
        .map_err(|e| backup_error(backup, e))
}

/// The `bundle.json` a ceremony directory keeps (its ceremony's bundle
/// description), if it has a readable one: what the pickers, the cosign
/// checks and the next bundle read of a backup.
pub fn bundle_info(dir: &Path) -> Option<crate::online::bundle::BundleInfo> {
    read_bounded(
        &dir.join(crate::online::bundle::BUNDLE_FILE),
        "bundle description",
        limits::MANIFEST,
    )
    .ok()
    .and_then(|b| serde_json::from_slice(&b).ok())
}

/// The ceremony directory renewed from, and its transcript's hash.
fn previous_ceremony(backup: &Path) -> Previous {
    Previous {
        ceremony_id: backup
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        transcript_sha256: read_in(backup, TRANSCRIPT, "transcript", limits::TRANSCRIPT)
            .ok()
            .map(|t| sha256_hex(&t)),
    }
}

/// A rotation that replaced key `fingerprint`, found in a later ceremony
/// directory on the same medium as `backup`: that directory's name and the
/// statement. A backup of a retired key opened by mistake would otherwise
/// make a bundle every verifier that followed the rotation refuses, or, on
/// one that did not, bring the retired key back.
pub fn rotated_away(
    backup: &Path,
    fingerprint: &str,
) -> Option<(String, crate::online::rotation::Statement)> {
    use crate::online::rotation::{files, Statement};
    let medium = backup.parent()?;
    let dir = crate::media::Dir::open(medium).ok()?;
    for name in ceremony_dirs(medium) {
        let Ok(sub) = dir.open_beneath(Path::new(&name), None) else {
            continue;
        };
        for n in 1..=64 {
            let Ok(Some(bytes)) = sub.read(&files(n).statement, "rotation statement", limits::KEY)
            else {
                break;
            };
            if let Ok(st) = Statement::parse(&bytes) {
                if st.old.eq_ignore_ascii_case(fingerprint) {
                    return Some((name, st));
                }
            }
        }
    }
    None
}

/// A later ceremony directory of key `fingerprint` on the same medium as
/// `backup` whose bundle is newer than `own` (the backup's own bundle
/// sequence): its name and sequence. A ceremony opened from an older
/// backup would bring back what came after it (a subkey revoked as
/// compromised, an expiry renewed).
pub fn newer_on_medium(backup: &Path, fingerprint: &str, own: u64) -> Option<(String, u64)> {
    let medium = backup.parent()?;
    let this = backup.file_name()?.to_str()?;
    newer_in(medium, Some(this), fingerprint, own)
}

/// A ceremony directory of key `fingerprint` right below `medium` (other
/// than `this`) whose bundle is newer than `own`: its name and sequence.
/// Asked of the medium a backup was opened from, and of every medium a
/// ceremony will write to: a copy of an older backup elsewhere must not
/// undo what a newer ceremony on those media did (a cosign key revoked).
pub fn newer_in(
    medium: &Path,
    this: Option<&str>,
    fingerprint: &str,
    own: u64,
) -> Option<(String, u64)> {
    let dir = crate::media::Dir::open(medium).ok()?;
    let names = ceremony_dirs(medium);
    names
        .into_iter()
        .rev()
        .filter(|n| Some(n.as_str()) != this)
        .find_map(|name| {
            let sub = dir.open_beneath(Path::new(&name), None).ok()?;
            // Only a ceremony that completed (its MANIFEST signed; not one
            // a crash or a hand left half written) is newer.
            let closed = [crate::media::MANIFEST, super::layout::MANIFEST_SIG]
                .iter()
                .all(|f| sub.path().join(f).is_file());
            if !closed || crate::media::is_failed_dir(sub.path()) {
                return None;
            }
            let bytes = sub
                .read(
                    crate::online::bundle::BUNDLE_FILE,
                    "bundle description",
                    limits::MANIFEST,
                )
                .ok()??;
            let info: crate::online::bundle::BundleInfo = serde_json::from_slice(&bytes).ok()?;
            (info.key.eq_ignore_ascii_case(fingerprint) && info.sequence > own)
                .then_some((name, info.sequence))
        })
}

/// The ceremony directories right below `medium`, oldest first by name (a
/// key's history on one stick; failed ones, renamed `FAILED-`, are not
/// among them). Bounded: a stick full of other things is not walked.
pub fn ceremony_dirs(medium: &Path) -> Vec<String> {
    names_with_prefix(medium, "ceremony-")
}

/// The names right below `medium` that start with `prefix`, in name order
/// (oldest first, for names that end in a time stamp). Bounded after the
/// names are picked out: other files by the thousand must not push them
/// out of sight.
pub fn names_with_prefix(medium: &Path, prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(medium)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(prefix))
        .take(4096)
        .collect();
    names.sort();
    names
}

/// What a picker shows of a backup directory, read from its public files
/// (bundle.json, cert.asc) without any share: the key (fingerprint, first
/// user ID, expiry), the ceremony that wrote it, and whether a later
/// ceremony of the same key on that medium superseded it. Entries an
/// operator could not tell apart (`.../ceremony-...  (a backup)`) cost a
/// restore from a superseded backup.
pub fn describe_backup(dir: &Path) -> String {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let info = bundle_info(dir);
    let cert = read_bounded(&dir.join(CERT_FILE), "certificate", limits::KEY)
        .ok()
        .and_then(|b| openpgp::read_strict(CERT_FILE, &b).ok());
    let mut parts = Vec::new();
    match &cert {
        Some(c) => {
            let fpr = c.fingerprint().to_hex();
            parts.push(format!("key {}", &fpr[fpr.len().saturating_sub(16)..]));
            if let Some(uid) = c.userids().next() {
                parts.push(crate::text::printable(&String::from_utf8_lossy(
                    uid.userid().value(),
                )));
            }
            let policy = sequoia_openpgp::policy::StandardPolicy::new();
            let expiry = c
                .with_policy(&policy, std::time::SystemTime::now())
                .ok()
                .and_then(|vc| vc.primary_key().key_expiration_time());
            parts.push(match expiry {
                Some(t) => format!(
                    "expires {}",
                    &humantime::format_rfc3339_seconds(t).to_string()[..10]
                ),
                None => "no valid expiry now (expired or revoked?)".into(),
            });
        }
        None => parts.push("no readable cert.asc".into()),
    }
    if let Some(i) = &info {
        parts.push(format!("{} {name}", i.flow));
        if let Some((later, _)) = newer_on_medium(dir, &i.key, i.sequence) {
            parts.push(format!("SUPERSEDED by {later}"));
        }
    } else {
        parts.push(name);
    }
    parts.join("  ")
}
