//! Genesis: a new certify-only primary with its subkeys, backed up and exported.
//!
//! The order is chosen so that a failure never strands a key: every medium is
//! checked before a key exists; the backups are written, then the passphrase
//! is split into shares and the shares written; then the restore rehearsal
//! combines k shares *read back from the media*, checks them against the
//! backup's check value and opens every backup with the result. Only then is
//! the public cert exported, so nothing goes online for a key whose backup
//! cannot be restored. The transcript, on the export medium, is written as we go.

use serde::Serialize;
use serde_json::json;

use super::cards::{provision_cards, CardOutcome};
use super::cosign;
use super::layout::{BackupFiles, CERT_FILE};
pub use super::session::RunOptions;
use super::session::{preflight, Flow, Session};
use super::sharing::{new_passphrase, rehearse, share_media, write_shares, SharesReport};
use super::{Cards, CeremonyError, CeremonyUi, Clock, Event};
use crate::openpgp::{self, KeyInfo};
use crate::plan::Plan;
use crate::shares;
use crate::transcript::EventKind;

const STEPS: usize = 9;

/// What a genesis produced; public facts only.
#[derive(Debug, Serialize)]
pub struct GenesisReport {
    #[serde(flatten)]
    pub written: super::Written,
    pub keys: Vec<KeyInfo>,
    /// Where the passphrase went whole (batch mode with `deliver_to`), if anywhere.
    pub passphrase_delivered_to: Option<String>,
    pub shares: SharesReport,
    /// One entry per planned card, provisioned or not.
    pub cards: Vec<CardOutcome>,
    /// Where the cosign key went, if the plan makes one.
    pub cosign: Option<super::cosign::Placed>,
}

impl super::Outcome for GenesisReport {
    fn heading(&self) -> &'static str {
        "Genesis complete"
    }
    fn written(&self) -> &super::Written {
        &self.written
    }
    fn lines(&self) -> Vec<String> {
        let mut l: Vec<String> = self.keys.iter().map(super::key_line).collect();
        l.extend(self.written.lines());
        l.extend(self.shares.lines());
        l.extend(self.cards.iter().map(CardOutcome::line));
        l.extend(self.cosign.iter().map(super::cosign::Placed::line));
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
    let share_media = share_media(plan)?;
    let token_pin = cosign::check(plan, ui)?;
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
        let (passphrase, delivered_to) = new_passphrase(s, plan)?;

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
        let cosign_key = cosign::make(plan)?;
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
            cosign_key.as_ref(),
        )?;
        drop(passphrase);

        s.step(4, "Writing the backup media");
        s.write_backups(&backup.files())?;

        s.step(5, "Writing the shares");
        let share_files = write_shares(s, plan, &set, &key.fingerprint(), &mut share_bundles)?;

        s.step(6, "Restore rehearsal: shares read back open every backup");
        let rehearsal_used = rehearse(s, plan, &set, &share_bundles, &key.fingerprint())?;

        s.step(
            7,
            "Tokens: the subkeys onto each card, the cosign key where the plan puts it, each proven",
        );
        let card_outcomes = provision_cards(s, plan, key.cert(), cards, None, false, None)?;
        let cosign = cosign::place(s, plan, cosign_key.as_ref(), token_pin.as_ref())?;
        drop(cosign_key);
        if let Some(placed) = &cosign {
            let files = cosign::binding_files(key.cert(), placed, s.now())?;
            s.add_carried_files(files);
        }

        s.step(8, "Writing the export medium");
        s.seal_backups(key.cert())?;
        s.export(CERT_FILE, &backup.public)?;
        if let Some(csr) = cosign.as_ref().and_then(|c| c.csr.as_ref()) {
            s.export(crate::cosign::CSR_FILE, csr.as_bytes())?;
        }

        s.step(9, "Signing the transcript and closing every medium");
        let complete = json!({
            "fingerprint": key.fingerprint(),
            "backups": s.backup_dirs(),
            "export": s.export_dir(),
        });
        s.close(key.cert(), complete, &mut share_bundles)?;

        Ok(GenesisReport {
            written: s.written(&key.fingerprint()),
            keys,
            passphrase_delivered_to: delivered_to,
            shares: SharesReport::new(&set, share_files, rehearsal_used),
            cards: card_outcomes,
            cosign,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ceremony::layout::share_file;
    use crate::ceremony::sharing::read_back_share;
    use crate::ceremony::{CardDecision, SystemClock};
    use crate::media;
    use crate::passphrase::Passphrase;
    use crate::shares::Share;
    use crate::tokens::openpgp_card::{CardInfo, CardPins, OpenPgpCardError, ProvisionReport};
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
        fn list(&mut self) -> Result<Vec<CardInfo>, OpenPgpCardError> {
            Ok(vec![CardInfo::example("0000C0DE")])
        }
        fn provision(
            &mut self,
            ident: &str,
            key: &sequoia_openpgp::Cert,
            _: &CardPins,
            _: &crate::tokens::openpgp_card::ProvisionSpec,
            _: &mut dyn FnMut(&str),
        ) -> Result<ProvisionReport, OpenPgpCardError> {
            self.attempts += 1;
            if self.failures_left > 0 {
                self.failures_left -= 1;
                return Err(OpenPgpCardError::Removed {
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
                signing_role: None,
            })
        }
        fn prove(
            &mut self,
            _: &str,
            _: &sequoia_openpgp::Cert,
            _: &secrecy::SecretString,
        ) -> Result<String, OpenPgpCardError> {
            Err(OpenPgpCardError::NotFound(
                "genesis never proves a card twice".into(),
            ))
        }

        fn sign(
            &mut self,
            _: &str,
            _: &sequoia_openpgp::Cert,
            _: &[u8],
            _: &secrecy::SecretString,
        ) -> Result<Vec<u8>, OpenPgpCardError> {
            Err(OpenPgpCardError::NotFound(
                "this plan has no witnesses".into(),
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
        plan.media.allow_same_device = true;
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

    /// The error names the file, never a word of the share: its text is
    /// the same whatever the share holds (checking that no share word
    /// appears would fail by chance: "share", "use" and "another" are BIP39
    /// words, and the message's own).
    #[test]
    fn a_sheet_that_reads_back_wrong_is_a_medium_error_that_names_no_word() {
        let dir = tempfile::tempdir().unwrap();
        let plan = screen_plan(dir.path(), 0);
        let bundle = media::Medium::check(&plan.shares.output)
            .unwrap()
            .create_bundle("c", false)
            .unwrap();
        let error_for = |secret: u8| {
            let set = shares::split(&[secret; 16], 3, 5).unwrap();
            let share = set.shares[0].clone();
            let words = share.to_words();
            // The sheet on the medium has its third word changed.
            let mut damaged = words.clone();
            damaged[2] = if words[2] == "zoo" { "abandon" } else { "zoo" };
            let path = bundle
                .dir()
                .join(share_file(share.index, share.count, "txt"));
            let _ = std::fs::remove_file(&path);
            std::fs::write(&path, damaged.join(" ")).unwrap();
            let e = read_back_share(&plan, std::slice::from_ref(&bundle), &share).unwrap_err();
            assert!(matches!(e, CeremonyError::Media(_)), "{e}");
            (e.to_string(), words)
        };
        let (text, words) = error_for(7);
        assert!(
            text.contains("does not read back as the share sheet written"),
            "{text}"
        );
        assert_eq!(text, error_for(9).0, "the message depends on the share");
        for run in words.windows(2) {
            assert!(!text.contains(&run.join(" ")), "{run:?} in {text}");
        }
    }

    fn transcript_of(report: &GenesisReport) -> String {
        std::fs::read_to_string(&report.written.transcript).unwrap()
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
