//! The online side: what CI and cluster administrators run on a connected
//! machine with the export bundle a ceremony wrote. `verify` decides whether
//! a bundle can be trusted; `install` puts what it holds where gpg, skopeo
//! and podman read it.
//!
//! This is where a ceremony's trust is handed to the machines that enforce
//! it, so it assumes the worst of everything around it (docs/online-side.md
//! has the threat model):
//! - the bundle arrived over an untrusted path, and someone may write to its
//!   directory while we read it. So it is read once, into memory
//!   (`read::Bundle`): no symlink followed, no FIFO or device opened, every
//!   file bounded, names only from a fixed layout and the MANIFEST; every
//!   check runs on those bytes, and `install` writes exactly those bytes.
//! - trust starts from a pinned fingerprint (`--trust`) or a state file,
//!   never from the bundle. The state follows the key: forward along one
//!   history (sequence and the previous bundle's hash), and only to the
//!   current key or one its rotation statements lead to, never back to a
//!   rotated-away key (`state`).
//! - other users may write to the host's directories. `install` stages
//!   everything under unpredictable names, never through a symlink, with
//!   explicit modes, and renames only when all of it is staged (`install`).
//! - the bundle's signer may be careless or compromised: what it may change
//!   in a host's policy is limited to signature requirements by its own key
//!   for the scopes it declares (`policy`).
//!
//! Arrows point down: nothing here imports the engine, tokens or the TUI
//! (tests/repo.rs checks), so `keyceremony-online` builds without PC/SC.

pub mod bundle;
pub mod cluster;
pub mod install;
pub mod policy;
pub mod read;
pub mod rotation;
pub mod state;
pub mod verify;
pub mod witnesses;

pub use verify::{verify, Anchor, Transition, Verified};

use crate::media::MediaError;
use crate::text::printable;

/// Why the online side refused or could not finish.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OnlineError {
    /// The bundle, the state or the host is not what it must be: nothing
    /// was installed and the state did not move (exit 5).
    #[error("{0}")]
    Refused(String),
    /// Reading or writing the host's files failed (exit 4).
    #[error(transparent)]
    Media(#[from] MediaError),
    /// The host's files could not be written as install needs (exit 4).
    #[error("{0}")]
    Host(String),
    /// What was asked cannot be done as asked (exit 2).
    #[error("{0}")]
    Usage(String),
}

impl OnlineError {
    /// A refusal; anything in `why` that came from a file is made printable.
    pub fn refused(why: impl std::fmt::Display) -> OnlineError {
        OnlineError::Refused(printable(&why.to_string()))
    }
}
