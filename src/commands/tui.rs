//! `keyceremony tui` (and `keyceremony` alone, in a terminal): the terminal
//! UI, which is its own front end over the same engine (`crate::tui`).

use super::Failure;
use crate::cli::TuiArgs;
use crate::harden::Hardening;

pub fn tui(a: TuiArgs, hardening: &Hardening) -> Result<(), Failure> {
    crate::tui::run(a.plan.as_deref(), hardening)
}
