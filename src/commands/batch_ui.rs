//! The batch implementation of the engine's UI port: events to stderr, the
//! passphrase to the file descriptor or path the plan names.

use zeroize::Zeroizing;

use crate::ceremony::{CeremonyError, CeremonyUi, Event};
use crate::media::deliver;
use crate::passphrase::Passphrase;
use crate::tokens::openpgp_card::CardPins;

pub struct BatchUi {
    deliver_to: Option<String>,
    pins_to: Option<String>,
}

impl BatchUi {
    pub fn new(deliver_to: Option<String>, pins_to: Option<String>) -> BatchUi {
        BatchUi {
            deliver_to,
            pins_to,
        }
    }
}

impl CeremonyUi for BatchUi {
    fn event(&mut self, event: &Event) {
        let line = match event {
            Event::Step {
                number,
                total,
                title,
            } => format!("[{number}/{total}] {title}"),
            Event::Note(n) => format!("      {n}"),
            Event::Warning(w) => format!("      warning: {w}"),
            Event::FileWritten { path, sha256 } => {
                format!("      wrote {} (sha256 {})", path.display(), &sha256[..16])
            }
            Event::Verified(v) => format!("      ok: {v}"),
            Event::Card {
                number,
                total,
                state,
            } => format!("      {}", state.describe(*number, *total)),
        };
        // Events name paths and labels from the media.
        eprintln!("{}", crate::text::printable_lines(&line));
    }

    fn deliver_passphrase(&mut self, passphrase: &Passphrase) -> Result<String, CeremonyError> {
        let Some(deliver_to) = &self.deliver_to else {
            return Err(CeremonyError::Delivery(
                "the plan names no passphrase.deliver_to".into(),
            ));
        };
        let text = Zeroizing::new(format!("{}\n", passphrase.expose_phrase()));
        deliver(deliver_to, text.as_bytes()).map_err(CeremonyError::Delivery)
    }

    fn deliver_card_pins(&mut self, pins: &CardPins) -> Result<String, CeremonyError> {
        let Some(to) = &self.pins_to else {
            return Err(CeremonyError::Delivery(
                "the plan names no cards.pins_deliver_to".into(),
            ));
        };
        deliver(to, pins.to_text().as_bytes()).map_err(CeremonyError::Delivery)
    }
}
