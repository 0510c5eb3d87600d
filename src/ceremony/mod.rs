//! The ceremony engine: one module per flow, each taking a [`Plan`] and ports.
//!
//! The engine never touches the terminal. It reports through [`CeremonyUi`]
//! (events out, the passphrase handed over) and reads time through [`Clock`],
//! so the batch CLI, the TUI and tests are three implementations of the same
//! two traits and every flow runs without a screen.
//!
//! [`Plan`]: crate::plan::Plan

pub mod cards;
pub mod certify;
pub mod cosign;
pub mod cosign_audit;
pub mod cosign_revoke;
pub mod cosign_rotate;
pub mod genesis;
pub mod layout;
pub mod lost_card;
pub mod renew;
pub mod reshare;
pub mod restore;
pub mod rotate;
pub mod session;
pub mod sharing;
pub mod subkey;
pub mod witness;

use std::path::PathBuf;
use std::time::SystemTime;

use crate::media::MediaError;
use crate::openpgp::OpenPgpError;
use crate::passphrase::{Passphrase, PassphraseError};
use crate::plan::PlanError;
use crate::shares::sheet::SheetError;
use crate::shares::{SetInfo, Share, ShareError};
use crate::tokens::openpgp_card::{
    self, CardInfo, CardPins, OpenPgpCardError, ProvisionReport, ProvisionSpec,
};
use crate::transcript::TranscriptError;
use secrecy::SecretString;
use sequoia_openpgp::Cert;

/// Where every ceremony wrote: its directory name, the key, the backup
/// directories, the export and the transcript. Each report flattens it in,
/// so the JSON a ceremony prints has these fields at its top.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Written {
    pub ceremony_id: String,
    pub fingerprint: String,
    pub backups: Vec<PathBuf>,
    pub export: PathBuf,
    pub transcript: PathBuf,
}

impl Written {
    /// The summary lines every report ends its own with.
    pub fn lines(&self) -> Vec<String> {
        let mut l: Vec<String> = self
            .backups
            .iter()
            .map(|b| format!("Backup:     {}", b.display()))
            .collect();
        l.push(format!("Export:     {}", self.export.display()));
        l.push(format!("Transcript: {}", self.transcript.display()));
        l
    }
}

/// What a finished ceremony reports, as a person reads it: the batch front
/// end prints these lines under its heading, the TUI's finished screen shows
/// them. Public facts only.
pub trait Outcome: serde::Serialize {
    /// "Genesis complete", "Renew complete", ...
    fn heading(&self) -> &'static str;
    fn written(&self) -> &Written;
    fn lines(&self) -> Vec<String>;
    fn ceremony_id(&self) -> &str {
        &self.written().ceremony_id
    }
    fn fingerprint(&self) -> &str {
        &self.written().fingerprint
    }
}

/// A key's line in a summary: role, fingerprint, algorithm, expiry, revoked.
pub fn key_line(k: &crate::openpgp::KeyInfo) -> String {
    let until = k
        .expires
        .map(|e| {
            humantime::format_rfc3339_seconds(
                std::time::UNIX_EPOCH + std::time::Duration::from_secs(e),
            )
            .to_string()
        })
        .unwrap_or_else(|| "never".into());
    let revoked = if k.revoked { "  REVOKED" } else { "" };
    // With signing roles, each signing subkey says whose it is.
    let role = match &k.signing_role {
        Some(r) => format!("Signing ({r})"),
        None => format!("{:?}", k.role),
    };
    format!(
        "  {:<15} {}  {}, expires {until}{revoked}",
        role, k.fingerprint, k.algorithm
    )
}

/// Where the time comes from; tests fix it, production asks the system.
pub trait Clock {
    fn now(&self) -> SystemTime;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// The engine's way to OpenPGP cards; `PcscCards` in production.
pub trait Cards {
    fn list(&mut self) -> Result<Vec<CardInfo>, OpenPgpCardError>;
    fn provision(
        &mut self,
        ident: &str,
        key: &Cert,
        pins: &CardPins,
        spec: &ProvisionSpec,
        progress: &mut dyn FnMut(&str),
    ) -> Result<ProvisionReport, OpenPgpCardError>;
    /// A fresh challenge signed on the card with the user PIN, checked
    /// against `key`; returns what was proven.
    fn prove(
        &mut self,
        ident: &str,
        key: &Cert,
        user_pin: &SecretString,
    ) -> Result<String, OpenPgpCardError>;
    /// Signs `data` on the card `ident`, whose signature key is one of
    /// `signer`'s (a witness's own card): an armored detached signature.
    fn sign(
        &mut self,
        ident: &str,
        signer: &Cert,
        data: &[u8],
        user_pin: &SecretString,
    ) -> Result<Vec<u8>, OpenPgpCardError>;
}

/// Cards in PC/SC readers, through pcscd.
pub struct PcscCards;

impl Cards for PcscCards {
    fn list(&mut self) -> Result<Vec<CardInfo>, OpenPgpCardError> {
        openpgp_card::list_cards()
    }

    fn provision(
        &mut self,
        ident: &str,
        key: &Cert,
        pins: &CardPins,
        spec: &ProvisionSpec,
        progress: &mut dyn FnMut(&str),
    ) -> Result<ProvisionReport, OpenPgpCardError> {
        openpgp_card::provision(ident, key, pins, spec, progress)
    }

    fn prove(
        &mut self,
        ident: &str,
        key: &Cert,
        user_pin: &SecretString,
    ) -> Result<String, OpenPgpCardError> {
        openpgp_card::prove(ident, key, user_pin)
    }

    fn sign(
        &mut self,
        ident: &str,
        signer: &Cert,
        data: &[u8],
        user_pin: &SecretString,
    ) -> Result<Vec<u8>, OpenPgpCardError> {
        openpgp_card::sign(ident, signer, data, user_pin)
    }
}

/// What the engine tells whoever is watching. Events carry public data only.
#[derive(Debug, Clone)]
pub enum Event {
    /// A numbered step of the flow begins.
    Step {
        number: usize,
        total: usize,
        title: &'static str,
    },
    /// Something the operator should read.
    Note(String),
    /// Something the operator should act on or at least know before going on.
    Warning(String),
    /// A file went onto a medium and read back as written.
    FileWritten { path: PathBuf, sha256: String },
    /// A check passed.
    Verified(String),
    /// Where planned card `number` of `total` stands.
    Card {
        number: usize,
        total: usize,
        state: CardState,
    },
}

/// One planned card's progress, for a screen that shows every card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardState {
    /// No new card in a reader yet; waiting up to `seconds`.
    Waiting {
        seconds: u64,
    },
    Found {
        serial: String,
        manufacturer: String,
        reader: String,
    },
    Step {
        serial: String,
        step: String,
    },
    Proven {
        serial: String,
        proof: String,
    },
    Failed(String),
}

impl CardState {
    /// The state as one line of text, as the batch UI prints it.
    pub fn describe(&self, number: usize, total: usize) -> String {
        match self {
            CardState::Waiting { seconds } => format!(
                "insert card {number} of {total} (waiting up to {seconds} s; you may take out a card that is done)"
            ),
            CardState::Found {
                serial,
                manufacturer,
                reader,
            } => format!("card {number} of {total}: {manufacturer} serial {serial} in {reader}"),
            CardState::Step { serial, step } => format!("  card {serial}: {step}"),
            CardState::Proven { serial, proof } => format!("ok: card {serial}: {proof}"),
            CardState::Failed(e) => format!("warning: {e}"),
        }
    }
}

/// The engine's way to the operator.
pub trait CeremonyUi {
    fn event(&mut self, event: &Event);

    /// Hands the fresh passphrase to the operator (a screen shown once, or in
    /// batch mode a file descriptor or path). Returns a public description of
    /// where it went, for the transcript. Called before anything is written,
    /// so a failure here loses nothing.
    fn deliver_passphrase(&mut self, passphrase: &Passphrase) -> Result<String, CeremonyError>;

    /// Hands the generated card PINs to the operator; like the passphrase, once.
    fn deliver_card_pins(&mut self, pins: &CardPins) -> Result<String, CeremonyError>;

    /// Shows the fresh passphrase on a screen meant for it, once, and returns
    /// when the operator has put it away. Returns whether it was shown: the
    /// batch UI has no such screen (the passphrase exists only as shares).
    fn show_passphrase(&mut self, _passphrase: &Passphrase) -> Result<bool, CeremonyError> {
        Ok(false)
    }

    /// Shows one share, written and read back, to its custodian in person; returns
    /// when the custodian has taken it. The batch UI leaves shares on their media.
    fn hand_over_share(&mut self, _share: &Share, _custodian: &str) -> Result<(), CeremonyError> {
        Ok(())
    }

    /// The shares the operator types back for the restore rehearsal, or `None`
    /// to let the engine choose k of the sheets it read back from the media.
    /// `problem` says why the previous answer was refused.
    fn rehearsal_shares(
        &mut self,
        _set: &SetInfo,
        _problem: Option<&str>,
    ) -> Result<Option<Vec<Share>>, CeremonyError> {
        Ok(None)
    }

    /// PINs the operator chose for the cards, or `None` to have the engine
    /// generate them and hand them over with `deliver_card_pins`.
    fn choose_card_pins(&mut self) -> Result<Option<CardPins>, CeremonyError> {
        Ok(None)
    }

    /// The user PIN of the PKCS#11 token `token`, typed by the operator, or
    /// `None` to read it from the plan's `cosign.pin_from` (batch runs).
    fn token_pin(&mut self, _token: &str) -> Result<Option<secrecy::SecretString>, CeremonyError> {
        Ok(None)
    }

    /// A card's step failed with `error`: try that card again or go on without it.
    /// Batch runs go on; `keyceremony card provision` resumes later.
    fn card_failed(&mut self, _number: usize, _error: &str) -> CardDecision {
        CardDecision::Skip
    }

    /// A witness at the screen: the statement shown, their card inserted
    /// and their PIN typed (`Sign`), or they decline or are not there.
    /// `None`: this front end asks no one (a batch run reads the PIN from
    /// where the plan's witness says, once).
    fn witness(
        &mut self,
        _ask: &witness::WitnessAsk<'_>,
    ) -> Result<Option<witness::WitnessAnswer>, CeremonyError> {
        Ok(None)
    }
}

/// What the operator chose after a card failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardDecision {
    Retry,
    Skip,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CeremonyError {
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Media(#[from] MediaError),
    #[error(transparent)]
    OpenPgp(#[from] OpenPgpError),
    #[error(transparent)]
    Transcript(#[from] TranscriptError),
    #[error(transparent)]
    Passphrase(#[from] PassphraseError),
    #[error(transparent)]
    Share(#[from] ShareError),
    #[error(transparent)]
    Sheet(#[from] SheetError),
    #[error("the passphrase could not be handed over ({0}); nothing was written to the media, run the ceremony again")]
    Delivery(String),
    #[error("the backup in {medium} cannot be trusted: {reason}. Use the other backup medium, and do not rely on this one (in a genesis, this is its own rehearsal failing: run the ceremony again)")]
    BackupCheck { medium: PathBuf, reason: String },
    #[error("{} is not a ceremony directory (it has no secret-key.asc); {what}", crate::text::printable(&dir.display().to_string()))]
    NotACeremonyDir { dir: PathBuf, what: String },
    #[error("share file {path}: {reason}", path = path.display())]
    ShareFile { path: PathBuf, reason: String },
    /// A broken invariant or a failed random number generator: a bug (exit 1).
    #[error("internal error: {0}")]
    Bug(String),
    /// Something read back from a token or a backup is not what it must be
    /// (exit 5).
    #[error("{0}")]
    ReadBack(String),
    /// What the operator asked for cannot be done as asked (a date in the past).
    #[error("{0}")]
    Request(String),
    #[error("{0}")]
    AirGap(String),
    /// A ceremony stopped part way: the cause, and what it left on the media
    /// and what to do with it.
    #[error("{cause}\n{advice}")]
    Stopped {
        cause: Box<CeremonyError>,
        advice: String,
    },
    /// The backup given holds a key a later rotation replaced.
    #[error("{0}. Open the newest backup instead; to work on this one anyway (to revoke a subkey of a retired key, say), give --allow-older-backup, which the transcript records")]
    OlderBackup(String),
    #[error(transparent)]
    OpenPgpCard(#[from] OpenPgpCardError),
    #[error(transparent)]
    Pkcs11(#[from] crate::tokens::pkcs11::Pkcs11Error),
    #[error(transparent)]
    Piv(#[from] crate::tokens::piv::PivError),
    #[error(transparent)]
    Cosign(#[from] crate::cosign::CosignError),
}
