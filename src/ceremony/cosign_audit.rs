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
    let name = format!("{PREFIX}{}", stamp.replace(['-', ':'], ""));
    let mut dir = medium.create_bundle(&name, true)?;
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
    Ok(dir.dir().to_owned())
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

/// The records on `backup`'s medium newer than the backup's own ceremony,
/// oldest first, each checked: its MANIFEST signed by `cert`'s signing
/// subkey, its transcript whole, complete and signed by the primary, of
/// this key. A record that fails is refused by name: it claims something
/// was done with the key that its signatures do not bear out.
pub fn newer_records(
    backup: &Path,
    cert: &sequoia_openpgp::Cert,
) -> Result<Vec<Audited>, CeremonyError> {
    let Some(medium) = backup.parent() else {
        return Ok(Vec::new());
    };
    let own = backup
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Ceremony and record names both end in the same UTC stamp format.
    let own_stamp = own.trim_start_matches("ceremony-").to_owned();
    let mut names: Vec<String> = std::fs::read_dir(medium)
        .into_iter()
        .flatten()
        .take(4096)
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.strip_prefix(PREFIX).is_some_and(|s| *s > *own_stamp))
        .collect();
    names.sort();
    let fpr = cert.fingerprint().to_hex();
    let mut out = Vec::new();
    for name in names {
        let dir = medium.join(&name);
        let bad = |why: String| {
            CeremonyError::ReadBack(format!(
                "the cosign audit record {} does not check: {why}. It claims the cosign key was put somewhere: find out who wrote it before going on (move it off the medium once understood)",
                crate::text::printable(&dir.display().to_string())
            ))
        };
        crate::transcript::verify::check_signed_manifest(&dir, cert).map_err(bad)?;
        let bytes = crate::media::read_bounded(
            &dir.join(TRANSCRIPT),
            "transcript",
            crate::media::limits::TRANSCRIPT,
        )
        .map_err(|e| bad(e.to_string()))?;
        let sig = crate::media::read_bounded(
            &dir.join(TRANSCRIPT_SIG),
            "signature",
            crate::media::limits::MANIFEST,
        )
        .map_err(|e| bad(e.to_string()))?;
        openpgp::verify_detached(cert, SignWith::Primary, &sig, &bytes)
            .map_err(|e| bad(format!("{TRANSCRIPT_SIG}: {e}")))?;
        let chain = crate::transcript::verify_chain(&bytes).map_err(|e| bad(e.to_string()))?;
        let first = &chain.entries[0];
        let last = chain.entries.last().unwrap_or(first);
        if !first.data["key"]
            .as_str()
            .is_some_and(|k| k.eq_ignore_ascii_case(&fpr))
        {
            return Err(bad(format!("it is not a record of key {fpr}")));
        }
        if last.event != EventKind::Complete.name() {
            return Err(bad("it did not complete".into()));
        }
        let placed = &last.data["cosign_placed"];
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        out.push(Audited {
            record: name.clone(),
            flow: text(&first.data["flow"]),
            transcript_sha256: crate::media::sha256_hex(&bytes),
            placement: Placement {
                tier: text(&placed["tier"]),
                place: text(&placed["place"]),
            },
        });
    }
    Ok(out)
}
