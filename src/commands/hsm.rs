//! `keyceremony hsm list|provision`: the PKCS#11 tokens a module offers (so
//! that the plan's `cosign.token` can name one before the ceremony), and the
//! cosign key a backup keeps put into a replacement token.

use std::path::Path;

use super::cosign::backup_key;
use super::Failure;
use crate::ceremony::cosign::read_pin;
use crate::cli::HsmCommand;
use crate::cli::{HsmProvisionArgs, OutputFormat};
use crate::tokens::pkcs11::{KeySource, Module};

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

pub fn provision(args: HsmProvisionArgs) -> Result<(), Failure> {
    let (restored, key) = backup_key(&args.from)?;
    super::cosign::audit_ready(&args.from, &restored)?;
    let pin = read_pin(&args.pin_from)?;
    let module = Module::load(&args.module).map_err(crate::ceremony::CeremonyError::from)?;
    module
        .check_ready(&args.token, &args.label, Some(&pin))
        .map_err(crate::ceremony::CeremonyError::from)?;
    let challenge = format!("keyceremony cosign provision {}\n", restored.fingerprint).into_bytes();
    let hsm = module
        .put_key(
            &args.token,
            &pin,
            &args.label,
            KeySource::Import(&key),
            &challenge,
        )
        .map_err(crate::ceremony::CeremonyError::from)?;
    let record = super::cosign::audit(
        &args.from,
        &restored,
        "hsm-provision",
        "pkcs11",
        &hsm.uri,
        &key.public().fingerprint(),
        vec![(
            crate::transcript::EventKind::CosignKeyPlaced,
            serde_json::json!({
                "tier": "pkcs11",
                "token": hsm.token,
                "pkcs11_uri": hsm.uri,
                "public_key_sha256": key.public().fingerprint(),
                "generated_on_device": false,
            }),
        )],
    )?;
    outln!(
        "Token {:?} holds the cosign key of {} (public key SHA-256 {}), signed a challenge that verifies, and signs as:",
        hsm.token,
        restored.fingerprint,
        key.public().fingerprint()
    );
    outln!("  {}", hsm.uri);
    outln!("{record}");
    Ok(())
}

/// `keyceremony hsm ...`
pub fn run(action: HsmCommand) -> Result<(), Failure> {
    match action {
        HsmCommand::List {
            module,
            output_format,
        } => list(&module, output_format),
        HsmCommand::Provision(args) => provision(*args),
    }
}
