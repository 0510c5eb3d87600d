//! `keyceremony verify` and `keyceremony install`: the front end of `online`.

use std::time::SystemTime;

use super::{Exit, Failure};
use crate::ceremony::{Clock, SystemClock};
use crate::cli::{AnchorArgs, InstallArgs, OutputFormat, VerifyArgs};
use crate::online::{self, install::Installed, Anchor, Verified};
use crate::plan::expiry_at;

fn judged(a: &AnchorArgs) -> Result<(Anchor<'_>, SystemTime), Failure> {
    let at = match &a.at {
        None => SystemClock.now(),
        Some(t) => expiry_at(t, SystemClock.now())
            .map_err(|e| Failure::new(Exit::Usage, format!("--at: {e}")))?,
    };
    let anchor = match (&a.trust, &a.state) {
        (Some(_), Some(_)) => {
            return Err(Failure::new(
                Exit::Usage,
                "give --trust or --state, not both: the state file pins its own key",
            ))
        }
        (Some(f), None) => Anchor::Fingerprint(f),
        (None, Some(p)) => Anchor::State(p),
        (None, None) => {
            return Err(Failure::new(
                Exit::Usage,
                "give --trust FPR or --state FILE",
            ))
        }
    };
    Ok((anchor, at))
}

pub fn verify(v: &VerifyArgs) -> Result<(), Failure> {
    let a = &v.anchor;
    let (anchor, at) = judged(a)?;
    let v = online::verify(&v.bundle, anchor, at)?;
    match a.output_format {
        OutputFormat::Json => outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default()),
        OutputFormat::Human => {
            for l in v.lines() {
                outln!("{l}");
            }
        }
    }
    Ok(())
}

pub fn install(i: &InstallArgs) -> Result<(), Failure> {
    let a = &i.anchor;
    let (anchor, at) = judged(a)?;
    let v: Verified = online::verify(&i.bundle, anchor, at)?;
    let done: Installed = online::install::install(&v, &i.root)?;
    match a.output_format {
        OutputFormat::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "verified": v, "installed": done }))
                .unwrap_or_default()
        ),
        OutputFormat::Human => {
            for l in v.lines().into_iter().chain(done.lines()) {
                outln!("{l}");
            }
        }
    }
    Ok(())
}
