//! Our PC/SC connection to a card, the backend openpgp-card talks through.
//!
//! Why not card-backend-pcsc: its connection ends with `SCardDisconnect(
//! SCARD_RESET_CARD)` (the `pcsc` crate's `Drop`), and when it finds a card
//! reset it reconnects with another reset. A reset wipes every other
//! program's state on that card: the PIN it verified, the application it
//! selected. pcscd makes a resetting disconnect wait for a running
//! transaction, but it checks the lock and resets in two steps, so the reset
//! can land inside the *next* transaction of the program that is writing the
//! card. That is how a second PC/SC client (the TUI's pre-flight listing
//! cards every few seconds, `keyceremony card list` in another terminal,
//! gpg's scdaemon) broke a provisioning half-way on real readers as on the
//! virtual one: "Unexpected status for reset", "card removed during setting
//! the PINs", "Card error" in gpg.
//!
//! So every connection here ends with `SCARD_LEAVE_CARD`: reading a card
//! never disturbs anyone. And a card being written or signed with is opened
//! exclusively (`Access::Exclusive`), so no other program can connect, let
//! alone reset it, until we let go; one that holds it already makes us wait
//! (bounded) and then say who to stop. A card is never reset by us except
//! through the OpenPGP factory reset the operator confirmed.
//!
//! An exclusive connection needs a moment when no other program is connected
//! at all, and PC/SC does not queue for one: two `keyceremony card list`
//! loops (or the TUI polling while a second terminal lists) kept a card in
//! use for ten seconds on end, and provisioning gave up ("in use by another
//! program", seen in `scripts/stress-cards`). So keyceremony's own processes
//! take turns through a lock file per reader (`ReaderLock`): a writer holds
//! it exclusively for as long as it has the card, and a listing that finds it
//! held leaves that reader alone and calls the card busy. Only programs that
//! are not keyceremony can still keep a card from us, and then we say so.

use std::ffi::CStr;
use std::time::Instant;

use card_backend::{CardBackend, CardCaps, CardTransaction, PinType, SmartcardError};
use pcsc::{Context, Disposition, Protocols, ShareMode};

use crate::tokens::reader_lock::{ReaderLock, BUSY_POLL, BUSY_WAIT};

/// How we share a card with other programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read only: others may use the card at the same time.
    Shared,
    /// Writing keys, PINs, or signing: nobody else may connect meanwhile.
    Exclusive,
}

impl Access {
    fn mode(self) -> ShareMode {
        match self {
            Access::Shared => ShareMode::Shared,
            Access::Exclusive => ShareMode::Exclusive,
        }
    }
}

/// Why a reader gave us no connection.
#[derive(Debug)]
pub enum ConnectError {
    /// No card in the reader (or it went away while we connected).
    NoCard,
    /// Another program holds the card exclusively (or, for an exclusive
    /// connection, holds it at all).
    Busy,
    Other(pcsc::Error),
}

/// One card in one reader, as openpgp-card's backend.
pub struct Reader {
    /// `None` only while being dropped.
    card: Option<pcsc::Card>,
    mode: ShareMode,
    pub name: String,
    /// Held for as long as the card is (writers only); released after it.
    _lock: Option<ReaderLock>,
}

impl Reader {
    /// Connects to the card in `reader`; an exclusive connection waits a
    /// bounded time for other programs to let the card go.
    pub fn connect(ctx: &Context, reader: &CStr, access: Access) -> Result<Reader, ConnectError> {
        let name = reader.to_string_lossy().into_owned();
        let lock = match access {
            Access::Shared if ReaderLock::being_written(&name) => return Err(ConnectError::Busy),
            Access::Shared => None,
            Access::Exclusive => ReaderLock::for_writing(&name).map_err(|()| ConnectError::Busy)?,
        };
        let start = Instant::now();
        loop {
            match ctx.connect(reader, access.mode(), Protocols::ANY) {
                Ok(card) => {
                    return Ok(Reader {
                        card: Some(card),
                        mode: access.mode(),
                        name,
                        _lock: lock,
                    })
                }
                Err(pcsc::Error::NoSmartcard | pcsc::Error::RemovedCard) => {
                    return Err(ConnectError::NoCard)
                }
                Err(pcsc::Error::SharingViolation)
                    if access == Access::Exclusive && start.elapsed() < BUSY_WAIT =>
                {
                    std::thread::sleep(BUSY_POLL);
                }
                Err(pcsc::Error::SharingViolation) => return Err(ConnectError::Busy),
                Err(e) => return Err(ConnectError::Other(e)),
            }
        }
    }

    fn card(&mut self) -> &mut pcsc::Card {
        self.card
            .as_mut()
            .unwrap_or_else(|| unreachable!("the card is taken only in drop"))
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        if let Some(card) = self.card.take() {
            // On failure the handle comes back; dropping it would reset the
            // card, so it is forgotten: pcscd releases it with our context.
            if let Err((card, _)) = card.disconnect(Disposition::LeaveCard) {
                std::mem::forget(card);
            }
        }
    }
}

impl From<Reader> for Box<dyn CardBackend + Send + Sync> {
    fn from(reader: Reader) -> Self {
        Box::new(reader)
    }
}

impl CardBackend for Reader {
    fn limit_card_caps(&self, card_caps: CardCaps) -> CardCaps {
        card_caps
    }

    fn transaction(
        &mut self,
        reselect_application: Option<&[u8]>,
    ) -> Result<Box<dyn CardTransaction + Send + Sync + '_>, SmartcardError> {
        let mode = self.mode;
        let mut card = self.card();
        // A card reset by someone else (or by a power loss) since our last
        // transaction: reconnect without resetting it again, and select the
        // application again, as the card forgot it.
        let mut was_reset = false;
        loop {
            match card.transaction2() {
                Ok(tx) => {
                    let mut tx = Transaction { tx, was_reset };
                    if let (true, Some(app)) = (was_reset, reselect_application) {
                        let res = tx.select(app)?;
                        if !res.ends_with(&[0x90, 0x00]) {
                            return Err(SmartcardError::Error(format!(
                                "selecting the application again after a reset: status {res:02x?}"
                            )));
                        }
                    }
                    return Ok(Box::new(tx));
                }
                Err((c, pcsc::Error::ResetCard)) if !was_reset => {
                    c.reconnect(mode, Protocols::ANY, Disposition::LeaveCard)
                        .map_err(|e| {
                            SmartcardError::Error(format!("reconnecting after a reset: {e}"))
                        })?;
                    was_reset = true;
                    card = c;
                }
                Err((_, pcsc::Error::RemovedCard | pcsc::Error::NoSmartcard)) => {
                    return Err(SmartcardError::CardNotFound(String::new()))
                }
                Err((_, e)) => return Err(SmartcardError::Error(e.to_string())),
            }
        }
    }
}

/// A PC/SC transaction: other programs wait while it lasts. It ends with
/// `SCARD_LEAVE_CARD` (the `pcsc` crate's `Transaction` drop).
struct Transaction<'a> {
    tx: pcsc::Transaction<'a>,
    was_reset: bool,
}

impl CardTransaction for Transaction<'_> {
    fn transmit(&mut self, cmd: &[u8], buf_size: usize) -> Result<Vec<u8>, SmartcardError> {
        // Room for the largest short or extended response plus status bytes.
        let mut buf = vec![0; buf_size.max(pcsc::MAX_BUFFER_SIZE_EXTENDED)];
        self.tx
            .transmit(cmd, &mut buf)
            .map(<[u8]>::to_vec)
            .map_err(|e| match e {
                pcsc::Error::NotTransacted => SmartcardError::NotTransacted,
                e => SmartcardError::Error(format!("transmit failed: {e}")),
            })
    }

    // Keys and PINs travel from this machine; a reader's PIN pad is not used.
    fn feature_pinpad_verify(&self) -> bool {
        false
    }

    fn feature_pinpad_modify(&self) -> bool {
        false
    }

    fn pinpad_verify(
        &mut self,
        _pin: PinType,
        _card_caps: &Option<CardCaps>,
    ) -> Result<Vec<u8>, SmartcardError> {
        Err(SmartcardError::Error("PIN pad entry is not used".into()))
    }

    fn pinpad_modify(
        &mut self,
        _pin: PinType,
        _card_caps: &Option<CardCaps>,
    ) -> Result<Vec<u8>, SmartcardError> {
        Err(SmartcardError::Error("PIN pad entry is not used".into()))
    }

    fn was_reset(&self) -> bool {
        self.was_reset
    }
}
