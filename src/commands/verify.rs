//! `keyceremony verify` (and `keyceremony-online verify`): the front end of
//! `online::verify`.

use super::online::{checked, print, save};
use super::Failure;
use crate::cli::VerifyArgs;

pub fn verify(v: &VerifyArgs) -> Result<(), Failure> {
    let a = &v.anchor;
    let (v, next, _lock) = checked(&v.bundle, a)?;
    save(a, next, "the bundle verified")?;
    print(
        a.output_format,
        serde_json::to_value(&v).unwrap_or_default(),
        v.lines(),
    );
    Ok(())
}
