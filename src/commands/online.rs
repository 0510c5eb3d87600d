//! What `keyceremony verify` and `keyceremony install` share: the bundle
//! read and checked from the anchor the arguments give, the state saved,
//! the report printed.
//!
//! Everything printed that came from a bundle is made printable first
//! (`text::printable`): a bundle is untrusted until verified, and even
//! then its words are someone else's.

use std::time::SystemTime;

use super::{Exit, Failure};
use crate::ceremony::{Clock, SystemClock};
use crate::cli::{AnchorArgs, OutputFormat};
use crate::online::read::Bundle;
use crate::online::state::State;
use crate::online::{self, Anchor, Verified};
use crate::plan::expiry_at;
use crate::text::printable;

fn at(a: &AnchorArgs) -> Result<SystemTime, Failure> {
    match &a.at {
        None => Ok(SystemClock.now()),
        Some(t) => expiry_at(t, SystemClock.now())
            .map_err(|e| Failure::new(Exit::Usage, format!("--at: {e}"))),
    }
}

/// Reads and verifies the bundle from the anchor the arguments give;
/// returns it with the state to record once the caller is done, and the
/// state's lock, held until then.
pub(crate) fn checked(
    bundle: &std::path::Path,
    a: &AnchorArgs,
) -> Result<(Verified, Option<State>, Option<std::fs::File>), Failure> {
    let at = at(a)?;
    let lock = a.state.as_deref().map(State::lock).transpose()?;
    let loaded = match &a.state {
        Some(p) => State::load(p)?,
        None => None,
    };
    let anchor = match (&a.trust, &a.state) {
        (Some(f), None) => Anchor::Fingerprint(f),
        (trust, Some(_)) => Anchor::State {
            state: loaded.as_ref(),
            trust: trust.as_deref(),
        },
        (None, None) => {
            return Err(Failure::new(
                Exit::Usage,
                "give --trust FPR or --state FILE",
            ))
        }
    };
    let required = match (&a.witnesses, a.require) {
        (Some(dir), Some(n)) => Some(online::witnesses::load_pinned(dir, n)?),
        _ => None,
    };
    let read = Bundle::read(bundle)?;
    let witnessed = required
        .as_ref()
        .map(|r| online::witnesses::check(&read, r, at))
        .transpose();
    let mut v = online::verify(read, anchor, at)?;
    // The bundle's own trust first (a forged bundle is that, before it is
    // one without witnesses), then the witnesses.
    v.witnessed = witnessed?;
    let next = a.state.as_ref().map(|_| State::after(loaded.as_ref(), &v));
    Ok((v, next, lock))
}

pub(crate) fn save(a: &AnchorArgs, next: Option<State>, done: &str) -> Result<(), Failure> {
    if let (Some(path), Some(s)) = (&a.state, next) {
        s.save(path).map_err(|e| {
            let f = Failure::from(e);
            Failure {
                message: format!(
                    "{done}, but the state file could not be written: {}",
                    f.message
                ),
                ..f
            }
        })?;
    }
    Ok(())
}

pub(crate) fn print(format: OutputFormat, json: serde_json::Value, lines: Vec<String>) {
    match format {
        OutputFormat::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        ),
        OutputFormat::Human => {
            for l in lines {
                outln!("{}", printable(&l));
            }
        }
    }
}
