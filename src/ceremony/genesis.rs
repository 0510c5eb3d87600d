//! Genesis: a new certify-only primary with its subkeys, backed up and exported.
//!
//! The order is chosen so that a failure never strands a key: every medium is
//! checked before a key exists; the backups are written, then the passphrase
//! is split into shares and the shares written; then the restore rehearsal
//! combines k shares *read back from the media*, checks them against the
//! backup's check value and opens every backup with the result. Only then is
//! the public cert exported, so nothing goes online for a key whose backup
//! cannot be restored. The transcript, on the export medium, is written as we go.

use std::path::PathBuf;

use serde::Serialize;
use serde_json::json;

use super::cards::{provision_cards, CardOutcome};
use super::layout::{share_file, BackupFiles, CERT_FILE};
pub use super::session::RunOptions;
use super::session::{check_delivery_targets, preflight, Flow, Session};
use super::{Cards, CeremonyError, CeremonyUi, Clock, Event};
use crate::media::{self, Bundle, FileMode, Medium, WrittenFile};
use crate::openpgp::{self, KeyInfo};
use crate::passphrase::Passphrase;
use crate::plan::Plan;
use crate::shares::{self, sheet, Share};
use crate::transcript::EventKind;

const STEPS: usize = 9;

/// What a genesis produced; public facts only.
#[derive(Debug, Serialize)]
pub struct GenesisReport {
    pub ceremony_id: String,
    pub fingerprint: String,
    pub keys: Vec<KeyInfo>,
    pub backups: Vec<PathBuf>,
    pub export: PathBuf,
    pub transcript: PathBuf,
    /// Where the passphrase went whole (batch mode with `deliver_to`), if anywhere.
    pub passphrase_delivered_to: Option<String>,
    pub shares: SharesReport,
    /// One entry per planned card, provisioned or not.
    pub cards: Vec<CardOutcome>,
}

impl super::Outcome for GenesisReport {
    fn heading(&self) -> &'static str {
        "Genesis complete"
    }
    fn ceremony_id(&self) -> &str {
        &self.ceremony_id
    }
    fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
    fn lines(&self) -> Vec<String> {
        let mut l: Vec<String> = self.keys.iter().map(super::key_line).collect();
        l.extend(
            self.backups
                .iter()
                .map(|b| format!("Backup:     {}", b.display())),
        );
        l.push(format!("Export:     {}", self.export.display()));
        l.push(format!("Transcript: {}", self.transcript.display()));
        let s = &self.shares;
        l.push(format!(
            "Shares:     set {}, {} of {}; the rehearsal opened every backup with shares {:?}",
            s.set_id, s.threshold, s.count, s.rehearsal_used
        ));
        l.extend(
            s.files
                .iter()
                .filter(|f| f.extension().is_some_and(|e| e == "txt"))
                .map(|f| format!("  sheet     {}", f.display())),
        );
        l.extend(self.cards.iter().map(CardOutcome::line));
        if let Some(to) = &self.passphrase_delivered_to {
            l.push(format!("Passphrase: also delivered whole to {to}"));
        }
        l
    }
}

impl GenesisReport {
    pub fn failed_cards(&self) -> usize {
        super::cards::failed(&self.cards)
    }
}

/// Where the shares went and which the rehearsal used.
#[derive(Debug, Serialize)]
pub struct SharesReport {
    pub set_id: String,
    pub threshold: u8,
    pub count: u8,
    pub files: Vec<PathBuf>,
    pub rehearsal_used: Vec<u8>,
}

pub fn run(
    plan: &Plan,
    opts: &RunOptions,
    ui: &mut dyn CeremonyUi,
    clock: &dyn Clock,
    cards: &mut dyn Cards,
) -> Result<GenesisReport, CeremonyError> {
    plan.validate()?;
    ui.event(&Event::Step {
        number: 1,
        total: STEPS,
        title: "Pre-flight: media and air gap",
    });
    let pre = preflight(plan, opts, ui, clock)?;
    check_delivery_targets(plan)?;
    let share_media: Vec<Medium> = plan
        .shares
        .media()
        .into_iter()
        .map(Medium::check)
        .collect::<Result<_, _>>()?;
    let flow = Flow {
        name: "genesis",
        steps: STEPS,
        start: json!({}),
    };
    let session = Session::open(flow, plan, pre, opts, ui, clock)?;
    session.run(|s| {
        s.open_backups()?;
        let mut share_bundles = s.open_bundles(&share_media)?;

        s.step(2, "Passphrase");
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

        s.step(3, "Generating the primary key and subkeys");
        s.event(Event::Note(format!(
            "profile {}: this takes {}",
            plan.key.profile,
            match plan.key.profile {
                crate::plan::Profile::Ed25519 => "a moment",
                crate::plan::Profile::Rsa4096 => "several seconds per key",
            }
        )));
        let now = s.now();
        let key = openpgp::generate(&plan.key_request(), now)?;
        let keys = key.key_infos(now);
        for k in &keys {
            s.event(Event::Note(format!(
                "{:?} key {} ({})",
                k.role, k.fingerprint, k.algorithm
            )));
        }
        s.record(
            EventKind::KeysGenerated,
            json!({ "fingerprint": key.fingerprint(), "keys": keys }),
        )?;
        let set = shares::split(
            passphrase.entropy(),
            plan.shares.threshold,
            plan.shares.count,
        )?;
        let backup = BackupFiles::new(
            key.cert(),
            &passphrase,
            key.revocation_armored()?,
            &set.info,
        )?;
        drop(passphrase);

        s.step(4, "Writing the backup media");
        s.write_backups(&backup.files())?;

        s.step(5, "Writing the shares");
        let share_files = write_shares(s, plan, &set, &key.fingerprint(), &mut share_bundles)?;

        s.step(6, "Restore rehearsal: shares read back open every backup");
        let read_back: Vec<Share> = set
            .shares
            .iter()
            .map(|sh| read_back_share(plan, &share_bundles, sh))
            .collect::<Result<_, _>>()?;
        s.event(Event::Verified(format!(
            "all {} share sheets read back as written",
            read_back.len()
        )));
        let subset = rehearsal_subset(s.ui(), &set, &read_back)?;
        s.open_backups_with(&subset, &key.fingerprint())?;
        let rehearsal_used = subset.iter().map(|sh| sh.index).collect();

        s.step(
            7,
            "Cards: the subkeys onto each card, each proven by a signature",
        );
        let card_outcomes = provision_cards(s, plan, key.cert(), cards, None, false)?;

        s.step(8, "Writing the export medium");
        s.export(CERT_FILE, &backup.public)?;

        s.step(9, "Signing the transcript and closing every medium");
        let complete = json!({
            "fingerprint": key.fingerprint(),
            "backups": s.backup_dirs(),
            "export": s.export_dir(),
        });
        s.close(key.cert(), complete, &mut share_bundles)?;

        Ok(GenesisReport {
            ceremony_id: s.id().to_owned(),
            fingerprint: key.fingerprint(),
            keys,
            backups: s.backup_dirs(),
            export: s.export_dir(),
            transcript: s.transcript_path(),
            passphrase_delivered_to: delivered_to,
            shares: SharesReport {
                set_id: set.info.set_id.clone(),
                threshold: set.info.threshold,
                count: set.info.count,
                files: share_files,
                rehearsal_used,
            },
            cards: card_outcomes,
        })
    })
}

/// Writes every share's sheet, QR code and age copy to its medium, each read
/// back, and hands each to its custodian on screen (the TUI) in turn.
fn write_shares(
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
            .ok_or_else(|| {
                CeremonyError::Refused(format!("no medium for share {}", share.index))
            })?;
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
    let text = sheet::render(share, info);
    let qr = sheet::qr_svg(share)?;
    let mut written = vec![
        bundle.write(&share_file(i, n, "txt"), text.as_bytes(), FileMode::Private)?,
        bundle.write(&share_file(i, n, "svg"), qr.as_bytes(), FileMode::Private)?,
    ];
    let recipient = plan
        .shares
        .custodians
        .get(usize::from(i) - 1)
        .and_then(|c| c.age_recipient.as_deref());
    if let Some(r) = recipient {
        let enc = sheet::age_encrypt(text.as_bytes(), r)?;
        written.push(bundle.write(&share_file(i, n, "txt.age"), &enc, FileMode::Private)?);
    }
    Ok(written)
}

/// Reads share `s`'s sheet back from its medium; it must decode to the same share.
fn read_back_share(plan: &Plan, bundles: &[Bundle], s: &Share) -> Result<Share, CeremonyError> {
    let (_, dir) = plan.shares.destination(s.index);
    let path = bundles
        .iter()
        .find(|b| b.dir().parent() == Some(dir))
        .map(|b| b.dir().join(share_file(s.index, s.count, "txt")))
        .ok_or_else(|| CeremonyError::Refused(format!("no medium for share {}", s.index)))?;
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
            getrandom::getrandom(&mut b).map_err(|e| CeremonyError::Refused(e.to_string()))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ceremony::{CardDecision, SystemClock};
    use crate::tokens::{CardInfo, CardPins, ProvisionReport, TokenError};
    use std::time::{Duration, SystemTime};

    /// A person at a screen, scripted: shows nothing, answers from its lists.
    #[derive(Default)]
    struct ScreenUi {
        shown_passphrase: usize,
        handed: Vec<Share>,
        rehearsal_problems: Vec<String>,
        /// How many times to answer the rehearsal with a forged share first.
        forged_answers: usize,
        card_decisions: Vec<CardDecision>,
        card_failures: Vec<String>,
    }

    impl CeremonyUi for ScreenUi {
        fn event(&mut self, _: &Event) {}
        fn deliver_passphrase(&mut self, _: &Passphrase) -> Result<String, CeremonyError> {
            unreachable!("the plan has no deliver_to")
        }
        fn deliver_card_pins(&mut self, _: &CardPins) -> Result<String, CeremonyError> {
            unreachable!("PINs are chosen")
        }
        fn show_passphrase(&mut self, _: &Passphrase) -> Result<bool, CeremonyError> {
            self.shown_passphrase += 1;
            Ok(true)
        }
        fn hand_over_share(&mut self, share: &Share, _: &str) -> Result<(), CeremonyError> {
            self.handed.push(share.clone());
            Ok(())
        }
        fn rehearsal_shares(
            &mut self,
            set: &shares::SetInfo,
            problem: Option<&str>,
        ) -> Result<Option<Vec<Share>>, CeremonyError> {
            self.rehearsal_problems.extend(problem.map(str::to_owned));
            let k = usize::from(set.threshold);
            let mut typed: Vec<Share> = self.handed.iter().rev().take(k).cloned().collect();
            if self.forged_answers > 0 {
                self.forged_answers -= 1;
                typed[0].value[0] ^= 1;
            }
            Ok(Some(typed))
        }
        fn choose_card_pins(&mut self) -> Result<Option<CardPins>, CeremonyError> {
            Ok(Some(CardPins::generate().unwrap()))
        }
        fn card_failed(&mut self, _: usize, error: &str) -> CardDecision {
            self.card_failures.push(error.to_owned());
            self.card_decisions.pop().unwrap_or(CardDecision::Skip)
        }
    }

    /// One card in a reader whose first provisioning attempts fail as a pulled card does.
    struct FlakyCard {
        failures_left: usize,
        attempts: usize,
    }

    impl Cards for FlakyCard {
        fn list(&mut self) -> Result<Vec<CardInfo>, TokenError> {
            Ok(vec![CardInfo::example("0000C0DE")])
        }
        fn provision(
            &mut self,
            ident: &str,
            key: &sequoia_openpgp::Cert,
            _: &CardPins,
            _: &crate::tokens::ProvisionSpec,
            _: &mut dyn FnMut(&str),
        ) -> Result<ProvisionReport, TokenError> {
            self.attempts += 1;
            if self.failures_left > 0 {
                self.failures_left -= 1;
                return Err(TokenError::Removed {
                    serial: "0000C0DE".into(),
                    step: "importing the signing key".into(),
                });
            }
            Ok(ProvisionReport {
                ident: ident.into(),
                serial: "0000C0DE".into(),
                reset: false,
                kdf: false,
                signing: key.fingerprint().to_hex(),
                decryption: None,
                authentication: None,
                touch: vec![],
                proof: "a signature made here".into(),
            })
        }
        fn prove(
            &mut self,
            _: &str,
            _: &sequoia_openpgp::Cert,
            _: &secrecy::SecretString,
        ) -> Result<String, TokenError> {
            Err(TokenError::NotFound(
                "genesis never proves a card twice".into(),
            ))
        }
    }

    fn screen_plan(dir: &std::path::Path, cards: usize) -> Plan {
        let mut plan = Plan::from_toml(crate::plan::EXAMPLE_PLAN).unwrap();
        for m in ["b1", "b2", "export", "shares"] {
            std::fs::create_dir(dir.join(m)).unwrap();
        }
        plan.media.backup = vec![dir.join("b1"), dir.join("b2")];
        plan.media.export = dir.join("export");
        plan.shares.output = dir.join("shares");
        plan.passphrase.words = 12;
        plan.airgap.allow_network = true;
        plan.cards.count = cards;
        plan
    }

    /// A genesis into fresh temporary media with `ui` at the screen and one
    /// card that fails its first `failures` attempts: the report, the attempts
    /// made, and the directory (kept alive while the report is read).
    fn genesis_on_screen(
        cards: usize,
        ui: &mut ScreenUi,
        failures: usize,
    ) -> (GenesisReport, usize, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let plan = screen_plan(dir.path(), cards);
        let mut card = FlakyCard {
            failures_left: failures,
            attempts: 0,
        };
        let report = run(&plan, &RunOptions::default(), ui, &SystemClock, &mut card).unwrap();
        (report, card.attempts, dir)
    }

    #[test]
    fn a_sheet_that_reads_back_wrong_is_a_medium_error_that_names_no_word() {
        let dir = tempfile::tempdir().unwrap();
        let plan = screen_plan(dir.path(), 0);
        let set = shares::split(&[7u8; 16], 3, 5).unwrap();
        let share = &set.shares[0];
        let bundle = media::Medium::check(&plan.shares.output)
            .unwrap()
            .create_bundle("c", false)
            .unwrap();
        let words = share.to_words();
        // The sheet on the medium has its third word changed.
        let mut damaged = words.clone();
        damaged[2] = if words[2] == "zoo" { "abandon" } else { "zoo" };
        let path = bundle
            .dir()
            .join(share_file(share.index, share.count, "txt"));
        std::fs::write(&path, damaged.join(" ")).unwrap();
        let e = read_back_share(&plan, &[bundle], share).unwrap_err();
        let text = e.to_string();
        assert!(matches!(e, CeremonyError::Media(_)), "{text}");
        assert!(
            text.contains("does not read back as the share sheet written"),
            "{text}"
        );
        for w in &words {
            assert!(
                !text.split_whitespace().any(|t| t.trim_matches('"') == *w),
                "{w} in {text}"
            );
        }
    }

    fn transcript_of(report: &GenesisReport) -> String {
        std::fs::read_to_string(&report.transcript).unwrap()
    }

    #[test]
    fn typed_rehearsal_shares_are_checked_against_those_written() {
        let mut ui = ScreenUi {
            forged_answers: 1,
            ..ScreenUi::default()
        };
        let (report, _, _dir) = genesis_on_screen(0, &mut ui, 0);
        assert_eq!(ui.shown_passphrase, 1);
        assert_eq!(ui.handed.len(), 5);
        // The forged share was refused by index, and the honest answer used.
        assert_eq!(
            ui.rehearsal_problems.len(),
            1,
            "{:?}",
            ui.rehearsal_problems
        );
        assert!(ui.rehearsal_problems[0].contains("as typed is not share"));
        let mut used = report.shares.rehearsal_used.clone();
        used.sort();
        assert_eq!(used, [3, 4, 5]);
        let t = transcript_of(&report);
        assert!(t.contains("\"shown_on_screen\":true"), "{t}");
    }

    #[test]
    fn a_failed_card_is_retried_when_the_operator_says_so() {
        let mut ui = ScreenUi {
            card_decisions: vec![CardDecision::Retry],
            ..ScreenUi::default()
        };
        let (report, attempts, _dir) = genesis_on_screen(1, &mut ui, 1);
        assert_eq!(attempts, 2);
        assert_eq!(report.failed_cards(), 0);
        assert!(
            ui.card_failures[0].contains("0000C0DE"),
            "{:?}",
            ui.card_failures
        );
        let t = transcript_of(&report);
        assert!(
            t.contains("card.retry") && t.contains("cards.pins_chosen"),
            "{t}"
        );

        // Skipped, the card is recorded as failed with its reason.
        let mut ui = ScreenUi::default();
        let (report, attempts, _dir) = genesis_on_screen(1, &mut ui, 1);
        assert_eq!((attempts, report.failed_cards()), (1, 1));
        assert!(transcript_of(&report).contains("card.skipped"));
    }

    #[test]
    fn ceremony_ids_have_no_colons() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        assert_eq!(
            crate::ceremony::layout::ceremony_id(t),
            "ceremony-20270115T080000Z"
        );
    }
}
