//! `keyceremony piv list|status|provision`: the YubiKeys whose PIV
//! application can take the cosign key (so that the plan's
//! `cosign.piv_serials` can name them before the ceremony), and the key a
//! backup keeps put into a replacement token.

use super::cosign::backup_key;
use super::Failure;
use crate::ceremony::cosign::new_destination;
use crate::ceremony::CeremonyError;
use crate::cli::PivCommand;
use crate::cli::{OutputFormat, PivProvisionArgs};
use crate::tokens::openpgp_card::CardPins;
use crate::tokens::piv::{self, PivInfo};

fn show(t: &PivInfo) {
    outln!(
        "YubiKey {} (firmware {}) in {:?}: PIN {} tries left, PUK {}; {}; management key {}",
        t.serial,
        t.version,
        t.reader,
        t.pin_tries_left.map_or("?".into(), |n| n.to_string()),
        t.puk_tries_left.map_or("?".into(), |n| n.to_string()),
        if t.factory_pins {
            "factory PINs"
        } else {
            "PINs set"
        },
        t.management_key
    );
    match &t.signature_slot {
        None => outln!("  slot 9c: empty"),
        Some(s) => outln!(
            "  slot 9c: {} ({}), PIN {}, touch {}, public key SHA-256 {}{}",
            s.algorithm,
            s.origin,
            s.pin_policy,
            s.touch_policy,
            s.public_key_sha256.as_deref().unwrap_or("?"),
            s.certificate_subject
                .as_deref()
                .map(|c| format!(", certificate {c}"))
                .unwrap_or_default()
        ),
    }
}

pub fn list(format: OutputFormat) -> Result<(), Failure> {
    let tokens = piv::list().map_err(CeremonyError::from)?;
    match format {
        OutputFormat::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&tokens).unwrap_or_default()
        ),
        OutputFormat::Human if tokens.is_empty() => {
            outln!("No YubiKey with a PIV application in a reader: insert one.")
        }
        OutputFormat::Human => tokens.iter().for_each(show),
    }
    Ok(())
}

pub fn status(serial: u32, format: OutputFormat) -> Result<(), Failure> {
    let t = piv::status(serial).map_err(CeremonyError::from)?;
    match format {
        OutputFormat::Json => outln!("{}", serde_json::to_string_pretty(&t).unwrap_or_default()),
        OutputFormat::Human => show(&t),
    }
    Ok(())
}

/// The PIN and PUK on a sheet a ceremony handed over (a file or fd:N).
fn sheet_pins(from: &str) -> Result<CardPins, Failure> {
    let h = crate::media::Handover::parse(from)
        .map_err(|e| CeremonyError::Request(format!("--pins-from {e}")))?;
    let bytes = zeroize::Zeroizing::new(crate::media::read_bounded(
        &h.open_path(),
        "PIN sheet",
        crate::media::limits::PIN,
    )?);
    std::str::from_utf8(&bytes)
        .ok()
        .and_then(piv::pins_from_text)
        .ok_or_else(|| {
            CeremonyError::Request(format!(
                "{from} is not a PIV PIN sheet: give the file a ceremony handed over (lines \"pin: ...\" and \"puk: ...\")"
            ))
            .into()
        })
}

pub fn provision(args: PivProvisionArgs) -> Result<(), Failure> {
    // Everything that can be checked before the shares are typed is.
    let to = args.pins_to.as_deref().map(new_destination).transpose()?;
    let sheet = args.pins_from.as_deref().map(sheet_pins).transpose()?;
    piv::check_fresh(args.serial).map_err(CeremonyError::from)?;
    let (restored, key) = backup_key(&args.from)?;
    super::cosign::audit_ready(&args.from, &restored)?;
    let (pins, delivered) = match (sheet, to) {
        (Some(pins), _) => (
            pins,
            format!(
                "are those on {}",
                args.pins_from.as_deref().unwrap_or_default()
            ),
        ),
        (None, Some(to)) => {
            let pins = CardPins::generate().map_err(|e| {
                CeremonyError::Cosign(crate::cosign::CosignError::Random(e.to_string()))
            })?;
            // Handed over before the token takes them: a token whose PINs
            // nobody received would be lost.
            let delivered = to
                .deliver(piv::pins_text(&[args.serial], &pins).as_bytes())
                .map_err(CeremonyError::Delivery)?;
            (pins, format!("went to {delivered}"))
        }
        (None, None) => {
            return Err(CeremonyError::Request(
                "name --pins-to (new PINs) or --pins-from (its siblings' PIN sheet)".into(),
            )
            .into())
        }
    };
    let challenge = format!("keyceremony cosign provision {}\n", restored.fingerprint).into_bytes();
    let subject = format!("CN=cosign key of {}", restored.fingerprint);
    let done = piv::provision(
        args.serial,
        &key,
        &pins,
        crate::ceremony::cosign::piv_pin(args.pin_policy),
        crate::ceremony::cosign::piv_touch(args.touch_policy),
        &subject,
        &challenge,
        &mut |note| eprintln!("{note}"),
    )
    .map_err(CeremonyError::from)?;
    let record = super::cosign::audit(
        &args.from,
        &restored,
        "piv-provision",
        "piv",
        &format!("piv:{}", done.serial),
        &done.public_key_sha256,
        vec![(
            crate::transcript::EventKind::CosignKeyPlaced,
            serde_json::json!({
                "tier": "piv",
                "serial": done.serial,
                "slot": "9c",
                "public_key_sha256": done.public_key_sha256,
            }),
        )],
    )?;
    outln!(
        "YubiKey {} holds the cosign key of {} in slot 9c (public key SHA-256 {}) and signed a challenge that verifies; its new PIN and PUK {delivered}.",
        done.serial,
        restored.fingerprint,
        done.public_key_sha256
    );
    outln!("{record}");
    Ok(())
}

/// `keyceremony piv ...`
pub fn run(action: PivCommand) -> Result<(), Failure> {
    match action {
        PivCommand::List { output_format } => list(output_format),
        PivCommand::Status {
            serial,
            output_format,
        } => status(serial, output_format),
        PivCommand::Provision(args) => provision(*args),
    }
}
