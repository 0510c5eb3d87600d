//! The audit of the cosign key's touches outside a ceremony: `cosign
//! key-file`, `hsm provision` and `piv provision` put the key a backup
//! keeps somewhere new (a CI secret store, an HSM, a YubiKey), with no plan
//! and no export medium. Each leaves a signed record on the backup's own
//! medium, beside the ceremony directories: `cosign-audit-<time>/` with a
//! transcript (what was done, where, each file's SHA-256), signed by the
//! primary, the public cert, and a MANIFEST signed by the signing subkey,
//! the same shape as a ceremony directory, so `transcript verify` checks it.
//!
//! The next ceremony opened from a backup on that medium reads every such
//! record newer than its backup, checks it against the key, records it in
//! its own transcript (`cosign.audited`) and names the places in its bundle
//! (`cosign_tokens`): a verifier learns from the bundle where the key now
//! lives, a URI per token.
//!
//! Records are named `cosign-audit-`, not `ceremony-`: pickers, the
//! older-backup check and the key's history read ceremony directories only.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Serialize;
use serde_json::{json, Value};

use super::layout::{CERT_FILE, MANIFEST_SIG, TRANSCRIPT, TRANSCRIPT_SIG};
use super::restore::Restored;
use super::CeremonyError;
use crate::media::{FileMode, Medium};
use crate::openpgp::{self, SignWith};
use crate::transcript::{EventKind, Transcript};

pub const PREFIX: &str = "cosign-audit-";

/// Where the key went, as an audit record says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Placement {
    /// "file", "pkcs11" or "piv".
    pub tier: String,
    /// The token's RFC 7512 URI (pkcs11), `piv:SERIAL` (piv), or the key
    /// file's path (file).
    pub place: String,
    /// Which cosign key went there (SHA-256 of its DER public key): a
    /// record of a key since replaced says nothing of the current one.
    pub public_key_sha256: String,
}

/// What writing a record needs, checked before the key is put anywhere: a
/// record that could not be written after the act would leave the act
/// unaudited. The backup's medium takes a new directory, and the key signs
/// with its primary and its signing subkey now.
pub fn ready(backup: &Path, restored: &Restored, now: SystemTime) -> Result<(), CeremonyError> {
    Medium::check(backup.parent().unwrap_or(Path::new(".")))?;
    for with in [SignWith::Primary, SignWith::SigningSubkey] {
        openpgp::sign_detached(&restored.cert, with, b"keyceremony audit probe", now)?;
    }
    Ok(())
}

/// Writes the record of `flow` (what was done to the cosign key of
/// `restored`, opened from `backup`) on the backup's medium; `facts` are the
/// events between start and completion. Returns the record's directory.
pub fn record(
    backup: &Path,
    restored: &Restored,
    flow: &str,
    placement: &Placement,
    facts: Vec<(EventKind, Value)>,
    now: SystemTime,
) -> Result<PathBuf, CeremonyError> {
    let medium_root = backup.parent().unwrap_or(Path::new("."));
    let medium = Medium::check(medium_root)?;
    let stamp = humantime::format_rfc3339_seconds(now).to_string();
    let base = format!("{PREFIX}{}", stamp.replace(['-', ':'], ""));
    // Two records in one second (two tokens provisioned one after the
    // other) take the next free suffix, as ceremony directories do; a name
    // taken between the look and the creation is skipped too.
    let mut attempt = 1;
    let (name, dir) = loop {
        let name = match attempt {
            1 => base.clone(),
            n => format!("{base}-{n}"),
        };
        match medium.create_bundle(&name, true) {
            Ok(dir) => break (name, dir),
            Err(crate::media::MediaError::Exists { .. }) if attempt < 100 => attempt += 1,
            Err(e) => return Err(e.into()),
        }
    };
    let path = dir.dir().to_owned();
    let written = write_record(dir, &name, backup, restored, flow, placement, facts, now);
    if written.is_err() {
        // Half a record would read as a forged one to the next ceremony.
        let _ = std::fs::remove_dir_all(&path);
    }
    written.map(|()| path)
}

#[allow(clippy::too_many_arguments)]
fn write_record(
    mut dir: crate::media::Bundle,
    name: &str,
    backup: &Path,
    restored: &Restored,
    flow: &str,
    placement: &Placement,
    facts: Vec<(EventKind, Value)>,
    now: SystemTime,
) -> Result<(), CeremonyError> {
    let mut t = Transcript::create(&dir.dir().join(TRANSCRIPT))?;
    t.append(
        now,
        EventKind::Start,
        json!({
            "ceremony_id": name,
            "flow": flow,
            "key": restored.fingerprint,
            "backup": backup.file_name().map(|n| n.to_string_lossy().into_owned()),
        }),
    )?;
    for (kind, data) in facts {
        t.append(now, kind, data)?;
    }
    t.append(
        now,
        EventKind::Complete,
        json!({ "cosign_placed": placement }),
    )?;
    let key = &restored.cert;
    let sig = openpgp::sign_detached(key, SignWith::Primary, t.contents(), now)?;
    dir.adopt(TRANSCRIPT)?;
    dir.write(TRANSCRIPT_SIG, &sig, FileMode::Public)?;
    dir.write(CERT_FILE, &openpgp::public_armored(key)?, FileMode::Public)?;
    let (_, text) = dir.write_manifest()?;
    let sig = openpgp::sign_detached(key, SignWith::SigningSubkey, &text, now)?;
    dir.write(MANIFEST_SIG, &sig, FileMode::Public)?;
    crate::media::check_manifest(dir.dir())?;
    Ok(())
}

/// A record found beside a backup, checked.
#[derive(Debug, Clone, Serialize)]
pub struct Audited {
    pub record: String,
    pub flow: String,
    pub transcript_sha256: String,
    #[serde(flatten)]
    pub placement: Placement,
}

/// The records on `media` (the medium the backup came from and the plan's
/// backup media: a record is written where the backup it was made from
/// was) newer than the backup's own ceremony, oldest first, each checked:
/// of this key (another key's records on a shared stick are not looked
/// at), named as its transcript says, its MANIFEST signed by `cert`'s
/// signing subkey, its transcript whole, complete and signed by the
/// primary. One that fails is refused by name: it claims something was
/// done with the key that its signatures do not bear out. Only records of
/// the cosign key `current` place it (an older key's say nothing of it).
pub fn newer_records(
    backup: &Path,
    media: &[PathBuf],
    cert: &sequoia_openpgp::Cert,
    current: Option<&str>,
) -> Result<Vec<Audited>, CeremonyError> {
    let own = backup
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Ceremony and record names both end in the same UTC stamp format.
    let own_stamp = own.trim_start_matches("ceremony-").to_owned();
    let mut dirs: Vec<(String, PathBuf)> = Vec::new();
    for medium in backup
        .parent()
        .into_iter()
        .chain(media.iter().map(PathBuf::as_path))
    {
        let names = super::restore::names_with_prefix(medium, PREFIX)
            .into_iter()
            .filter(|n| n.strip_prefix(PREFIX).is_some_and(|s| *s > *own_stamp));
        for n in names {
            let dir = medium.join(&n);
            let same = |(_, d): &(String, PathBuf)| {
                std::fs::canonicalize(d).ok() == std::fs::canonicalize(&dir).ok()
            };
            if !dirs.iter().any(same) {
                dirs.push((n, dir));
            }
        }
    }
    dirs.sort();
    let fpr = cert.fingerprint().to_hex();
    let mut out = Vec::new();
    for (name, dir) in dirs {
        let bad = |why: String| {
            CeremonyError::ReadBack(format!(
                "the cosign audit record {} does not check: {why}. It claims the cosign key was put somewhere: find out who wrote it before going on (move it off the medium once understood)",
                crate::text::printable(&dir.display().to_string())
            ))
        };
        let bytes = crate::media::read_bounded(
            &dir.join(TRANSCRIPT),
            "transcript",
            crate::media::limits::TRANSCRIPT,
        )
        .map_err(|e| bad(e.to_string()))?;
        let chain = crate::transcript::verify_chain(&bytes).map_err(|e| bad(e.to_string()))?;
        let first = &chain.entries[0];
        let of_this_key = first.data["key"]
            .as_str()
            .is_some_and(|k| k.eq_ignore_ascii_case(&fpr));
        if !of_this_key {
            continue;
        }
        crate::transcript::verify::check_signed_manifest(&dir, cert).map_err(bad)?;
        let sig = crate::media::read_bounded(
            &dir.join(TRANSCRIPT_SIG),
            "signature",
            crate::media::limits::MANIFEST,
        )
        .map_err(|e| bad(e.to_string()))?;
        openpgp::verify_detached(cert, SignWith::Primary, &sig, &bytes)
            .map_err(|e| bad(format!("{TRANSCRIPT_SIG}: {e}")))?;
        // A genuine record copied under a newer name is a replay.
        if first.data["ceremony_id"].as_str() != Some(name.as_str()) {
            return Err(bad(format!(
                "it says it is {}, not {name}: a record copied under another name",
                first.data["ceremony_id"]
            )));
        }
        let last = chain.entries.last().unwrap_or(first);
        if last.event != EventKind::Complete.name() {
            return Err(bad("it did not complete".into()));
        }
        let placed = &last.data["cosign_placed"];
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let placement = Placement {
            tier: text(&placed["tier"]),
            place: text(&placed["place"]),
            public_key_sha256: text(&placed["public_key_sha256"]),
        };
        if current != Some(placement.public_key_sha256.as_str()) {
            continue;
        }
        out.push(Audited {
            record: name,
            flow: text(&first.data["flow"]),
            transcript_sha256: crate::media::sha256_hex(&bytes),
            placement,
        });
    }
    Ok(out)
}
