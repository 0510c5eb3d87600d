//! keyceremony: offline OpenPGP key ceremonies on an air-gapped machine.
//!
//! The library holds the engine and everything it stands on; the binary is a
//! thin CLI over [`commands`]. README.md has the layout and docs/ the
//! operator's view, the formats and the reasons behind each dependency.

#![forbid(unsafe_code)]

pub mod airgap;
pub mod ceremony;
pub mod cli;
pub mod commands;
pub mod cosign;
pub mod exit;
pub mod harden;
pub mod media;
pub mod online;
pub mod openpgp;
pub mod passphrase;
pub mod plan;
pub mod shares;
pub mod text;
pub mod tokens;
pub mod transcript;
pub mod tui;

/// The commit this binary was built from (12 hex digits), or "unknown".
pub fn build_id() -> &'static str {
    env!("KEYCEREMONY_COMMIT")
}
