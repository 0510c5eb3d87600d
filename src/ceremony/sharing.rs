//! The share steps genesis and reshare have in common: a new passphrase, its
//! Shamir shares written to the custodians' media (sheet, QR code, age copy),
//! each read back, and the restore rehearsal that opens every new backup with
//! k of the shares as read back (or as the operator types them).
//!
//! The rehearsal uses the shares read back from the media, not the ones in
//! memory: what is proven is what the custodians will hold.

use std::path::PathBuf;

use serde::Serialize;
use serde_json::json;

use super::layout::share_file;
use super::session::{check_delivery_targets, Session};
use super::{CeremonyError, CeremonyUi, Event};
use crate::media::{self, Bundle, FileMode, Medium, WrittenFile};
use crate::passphrase::Passphrase;
use crate::plan::Plan;
use crate::shares::{self, sheet, Share};
use crate::transcript::EventKind;

/// Where the shares went and which the rehearsal used.
#[derive(Debug, Serialize)]
pub struct SharesReport {
    pub set_id: String,
    pub threshold: u8,
    pub count: u8,
    pub files: Vec<PathBuf>,
    pub rehearsal_used: Vec<u8>,
}

impl SharesReport {
    pub fn new(set: &shares::ShareSet, files: Vec<PathBuf>, rehearsal_used: Vec<u8>) -> Self {
        SharesReport {
            set_id: set.info.set_id.clone(),
            threshold: set.info.threshold,
            count: set.info.count,
            files,
            rehearsal_used,
        }
    }

    /// The share set's lines in a summary.
    pub fn lines(&self) -> Vec<String> {
        let mut l = vec![format!(
            "Shares:     set {}, {} of {}; the rehearsal opened every backup with shares {:?}",
            self.set_id, self.threshold, self.count, self.rehearsal_used
        )];
        l.extend(
            self.files
                .iter()
                .filter(|f| f.extension().is_some_and(|e| e == "txt"))
                .map(|f| format!("  sheet     {}", f.display())),
        );
        l
    }
}

/// The custodians' media, each checked, and the plan's hand-over targets:
/// all before anything is written.
pub fn share_media(plan: &Plan) -> Result<Vec<Medium>, CeremonyError> {
    check_delivery_targets(plan)?;
    Ok(plan
        .shares
        .media()
        .into_iter()
        .map(Medium::check)
        .collect::<Result<_, _>>()?)
}

/// A new passphrase of the plan's length, handed over whole where the plan
/// says (batch) and shown if the operator asks (TUI); returns it and where it
/// went.
pub fn new_passphrase(
    s: &mut Session<'_>,
    plan: &Plan,
) -> Result<(Passphrase, Option<String>), CeremonyError> {
    let passphrase = Passphrase::generate(plan.passphrase.words)?;
    let delivered_to = match plan.passphrase.deliver_to {
        Some(_) => Some(s.ui().deliver_passphrase(&passphrase)?),
        None => None,
    };
    let shown = s.ui().show_passphrase(&passphrase)?;
    s.record(
        EventKind::PassphraseGenerated,
        json!({
            "words": passphrase.word_count(),
            "delivered_whole_to": delivered_to,
            "shown_on_screen": shown,
        }),
    )?;
    Ok((passphrase, delivered_to))
}

/// The restore rehearsal: every share read back from its medium as written,
/// then k of them (typed by the operator, or a random k) open every backup
/// directory of this ceremony to `fingerprint`. Returns the indices used.
pub fn rehearse(
    s: &mut Session<'_>,
    plan: &Plan,
    set: &shares::ShareSet,
    bundles: &[Bundle],
    fingerprint: &str,
) -> Result<Vec<u8>, CeremonyError> {
    let read_back: Vec<Share> = set
        .shares
        .iter()
        .map(|sh| read_back_share(plan, bundles, sh))
        .collect::<Result<_, _>>()?;
    s.event(Event::Verified(format!(
        "all {} share sheets read back as written",
        read_back.len()
    )));
    let subset = rehearsal_subset(s.ui(), set, &read_back)?;
    s.open_backups_with(&subset, fingerprint)?;
    Ok(subset.iter().map(|sh| sh.index).collect())
}

/// Writes every share's sheet, QR code and age copy to its medium, each read
/// back, and hands each to its custodian on screen (the TUI) in turn.
pub fn write_shares(
    s: &mut Session<'_>,
    plan: &Plan,
    set: &shares::ShareSet,
    fingerprint: &str,
    bundles: &mut [Bundle],
) -> Result<Vec<PathBuf>, CeremonyError> {
    let date = humantime::format_rfc3339_seconds(s.now()).to_string();
    let mut files = Vec::new();
    for share in &set.shares {
        let (custodian, dir) = plan.shares.destination(share.index);
        let bundle = bundles
            .iter_mut()
            .find(|b| b.dir().parent() == Some(dir))
            .ok_or_else(|| CeremonyError::Bug(format!("no medium for share {}", share.index)))?;
        let info = sheet::SheetInfo {
            custodian: &custodian,
            fingerprint,
            date: &date[..10],
        };
        for w in write_share(bundle, share, &info, plan)? {
            s.record_file(&w)?;
            files.push(w.path);
        }
    }
    for share in &set.shares {
        let (custodian, _) = plan.shares.destination(share.index);
        s.ui().hand_over_share(share, &custodian)?;
    }
    s.record(
        EventKind::SharesWritten,
        json!({ "set_id": set.info.set_id, "threshold": set.info.threshold, "count": set.info.count }),
    )?;
    Ok(files)
}

/// Writes one share's sheet, QR code and (if the custodian has a recipient) age file.
fn write_share(
    bundle: &mut Bundle,
    share: &Share,
    info: &sheet::SheetInfo<'_>,
    plan: &Plan,
) -> Result<Vec<WrittenFile>, CeremonyError> {
    let (i, n) = (share.index, share.count);
    let text = zeroize::Zeroizing::new(sheet::render(share, info));
    let mut written = Vec::new();
    if plan.shares.clear_sheet(i) {
        let qr = sheet::qr_svg(share)?;
        written.push(bundle.write(&share_file(i, n, "txt"), text.as_bytes(), FileMode::Private)?);
        written.push(bundle.write(&share_file(i, n, "svg"), qr.as_bytes(), FileMode::Private)?);
    }
    if let Some(r) = plan.shares.recipient(i) {
        let enc = sheet::age_encrypt(text.as_bytes(), r)?;
        written.push(bundle.write(&share_file(i, n, "txt.age"), &enc, FileMode::Private)?);
    }
    Ok(written)
}

/// Reads share `s`'s sheet back from its medium; it must decode to the same share.
pub(crate) fn read_back_share(
    plan: &Plan,
    bundles: &[Bundle],
    s: &Share,
) -> Result<Share, CeremonyError> {
    let (_, dir) = plan.shares.destination(s.index);
    let bundle = bundles
        .iter()
        .find(|b| b.dir().parent() == Some(dir))
        .ok_or_else(|| CeremonyError::Bug(format!("no medium for share {}", s.index)))?;
    if !plan.shares.clear_sheet(s.index) {
        // Only the custodian's identity opens the age copy: it must read
        // back byte for byte as written; the share itself is the one in
        // memory (the custodian checks the file with `shares verify`).
        let name = share_file(s.index, s.count, "txt.age");
        let path = bundle.dir().join(&name);
        let written = bundle.files().iter().find(|f| f.name == name);
        let back =
            std::fs::read(&path).map_err(|e| media::MediaError::from_io("read back", &path, e))?;
        return match written {
            Some(w) if media::sha256_hex(&back) == w.sha256 => Ok(s.clone()),
            _ => Err(media::MediaError::Unreadable {
                path,
                what: "age-encrypted share",
            }
            .into()),
        };
    }
    let path = bundle.dir().join(share_file(s.index, s.count, "txt"));
    let bytes = zeroize::Zeroizing::new(
        std::fs::read(&path).map_err(|e| media::MediaError::from_io("read back", &path, e))?,
    );
    // What a decoder says of a damaged sheet names its words (suggestions,
    // the word that should be there): secret material, kept out of the error,
    // which reaches the screen and the public transcript.
    match sheet::read_share(&bytes, None) {
        Ok(back) if back == *s => Ok(back),
        _ => Err(media::MediaError::Unreadable {
            path,
            what: "share sheet",
        }
        .into()),
    }
}

/// The shares the rehearsal combines: those the operator types back, each
/// checked against the share written, or else a random k of those read back.
fn rehearsal_subset(
    ui: &mut dyn CeremonyUi,
    set: &shares::ShareSet,
    read_back: &[Share],
) -> Result<Vec<Share>, CeremonyError> {
    let mut problem: Option<String> = None;
    loop {
        let Some(typed) = ui.rehearsal_shares(&set.info, problem.as_deref())? else {
            let chosen = rehearsal_choice(set.info.count, set.info.threshold)?;
            return Ok(chosen.iter().map(|&i| read_back[i].clone()).collect());
        };
        let mut indices: Vec<u8> = typed.iter().map(|s| s.index).collect();
        indices.sort();
        indices.dedup();
        let wrong = typed
            .iter()
            .find(|t| !set.shares.iter().any(|s| s == *t))
            .map(|t| t.index);
        let why = match wrong {
            Some(i) => format!(
                "share {i} as typed is not share {i} as written: check it against its sheet and type it again"
            ),
            None if indices.len() < usize::from(set.info.threshold) => format!(
                "{} different shares typed; the rehearsal needs {}",
                indices.len(),
                set.info.threshold
            ),
            None => return Ok(typed),
        };
        ui.event(&Event::Warning(why.clone()));
        problem = Some(why);
    }
}

/// A random choice of `k` of the `n` shares (0-based), so that every ceremony
/// proves an arbitrary subset rather than always the first k.
fn rehearsal_choice(n: u8, k: u8) -> Result<Vec<usize>, CeremonyError> {
    let mut order: Vec<usize> = (0..usize::from(n)).collect();
    // Fisher-Yates with rejection sampling, so that no index is favoured.
    for i in (1..order.len()).rev() {
        let bound = (i + 1) as u32;
        let zone = u32::MAX - u32::MAX % bound;
        let j = loop {
            let mut b = [0u8; 4];
            getrandom::getrandom(&mut b).map_err(|e| {
                CeremonyError::Bug(format!("the random number generator failed: {e}"))
            })?;
            let v = u32::from_le_bytes(b);
            if v < zone {
                break (v % bound) as usize;
            }
        };
        order.swap(i, j);
    }
    let mut chosen = order[..usize::from(k)].to_vec();
    chosen.sort();
    Ok(chosen)
}
