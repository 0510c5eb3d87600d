//! `keyceremony hsm list`: the PKCS#11 tokens a module offers, so that the
//! plan's `cosign.token` can name one before the ceremony.

use std::path::Path;

use super::Failure;
use crate::cli::OutputFormat;
use crate::tokens::pkcs11::Module;

pub fn list(module: &Path, format: OutputFormat) -> Result<(), Failure> {
    let tokens = Module::load(module)
        .and_then(|m| m.tokens())
        .map_err(crate::ceremony::CeremonyError::from)?;
    match format {
        OutputFormat::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&tokens).unwrap_or_default()
        ),
        OutputFormat::Human if tokens.is_empty() => outln!(
            "No token through {}: initialise one (SoftHSM2: `softhsm2-util --init-token --free --label LABEL`), or check the HSM's connection.",
            module.display()
        ),
        OutputFormat::Human => {
            for t in &tokens {
                outln!(
                    "{:?}: {} {}, serial {} (slot {}); user PIN {}{}",
                    t.label,
                    t.manufacturer,
                    t.model,
                    t.serial,
                    t.slot,
                    t.user_pin,
                    if t.initialized { "" } else { "; not initialised" }
                );
            }
        }
    }
    Ok(())
}
