//! `keyceremony lost-card`: the batch front end of a lost card, which runs
//! as a subkey change (`ceremony::lost_card`).

use super::Failure;
use crate::ceremony::subkey::Change;
use crate::cli::LostCardArgs;
use crate::harden::Hardening;

pub fn lost_card(a: LostCardArgs, hardening: &Hardening) -> Result<(), Failure> {
    super::subkey::run(
        Change::LostCard {
            serial: a.serial,
            rotate: a.rotate,
        },
        a.key,
        a.card_pins.as_deref(),
        hardening,
    )
}
