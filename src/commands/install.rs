//! `keyceremony install` (and `keyceremony-online install`): the front end of
//! `online::install`, which runs only on a bundle `verify` accepted.

use super::online::{checked, print, save};
use super::Failure;
use crate::cli::InstallArgs;
use crate::online::install::{self, Installed};

pub fn install(i: &InstallArgs) -> Result<(), Failure> {
    let a = &i.anchor;
    let (v, next, _lock) = checked(&i.bundle, a)?;
    let opts = install::Options {
        replace_local: i.replace_local,
        kubernetes: i.kubernetes.clone(),
    };
    let done: Installed = install::install(&v, &i.root, opts)?;
    // The state moves last: a failed install leaves it where it was.
    save(a, next, "installed")?;
    print(
        a.output_format,
        serde_json::json!({ "verified": v, "installed": done }),
        v.lines().into_iter().chain(done.lines()).collect(),
    );
    Ok(())
}
