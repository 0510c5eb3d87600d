//! `keyceremony card list|readers|status|provision|prove`.

use std::path::Path;

use zeroize::Zeroizing;

use super::shares::unlock_backup;
use super::{Exit, Failure};
use crate::cli::CardCommand;
use crate::cli::{OutputFormat, ProvisionArgs};
use crate::media::deliver;
use crate::plan::CardSpec;
use crate::tokens::openpgp_card::{self, CardInfo, CardPins, OpenPgpCardError};

impl From<OpenPgpCardError> for Failure {
    fn from(e: OpenPgpCardError) -> Failure {
        let code = match e {
            OpenPgpCardError::Pcsc(_)
            | OpenPgpCardError::NotFound(_)
            | OpenPgpCardError::Busy { .. } => Exit::Media,
            _ => Exit::Cards,
        };
        Failure::new(code, e.to_string())
    }
}

fn print_card(c: &CardInfo) {
    let slot = |f: &Option<String>| f.clone().unwrap_or_else(|| "[empty]".into());
    outln!(
        "{} {} (OpenPGP {}), serial {} in {}",
        c.manufacturer,
        c.ident,
        c.version,
        c.serial,
        c.reader
    );
    if let Some(fw) = &c.firmware {
        outln!("  firmware        {fw}");
    }
    outln!("  signing         {}", slot(&c.signing));
    outln!("  decryption      {}", slot(&c.decryption));
    outln!("  authentication  {}", slot(&c.authentication));
    outln!(
        "  PIN tries left  user {}, reset code {}, admin {}",
        c.user_pin_tries,
        c.reset_code_tries,
        c.admin_pin_tries
    );
    outln!(
        "  PIN hashing     {}",
        if c.kdf {
            "KDF on (PINs hashed on the host)"
        } else {
            "off (PINs sent as typed)"
        }
    );
}

pub fn list(format: OutputFormat) -> Result<(), Failure> {
    let cards = openpgp_card::list_cards()?;
    match format {
        OutputFormat::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&cards).unwrap_or_default()
        ),
        OutputFormat::Human if cards.is_empty() => {
            outln!("No OpenPGP card in any reader. Insert one; `pcsc_scan` shows what pcscd sees.")
        }
        OutputFormat::Human => cards.iter().for_each(print_card),
    }
    Ok(())
}

pub fn readers(format: OutputFormat) -> Result<(), Failure> {
    let readers = openpgp_card::list_readers()?;
    match format {
        OutputFormat::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&readers).unwrap_or_default()
        ),
        OutputFormat::Human if readers.is_empty() => outln!(
            "No smart-card reader. Plug in the YubiKey or reader; if it still does not appear, pcscd may need restarting."
        ),
        OutputFormat::Human => {
            for r in &readers {
                let card = if r.card_present { "card present" } else { "empty" };
                outln!("{} ({card})", r.name);
            }
        }
    }
    Ok(())
}

pub fn status(serial: &str, format: OutputFormat) -> Result<(), Failure> {
    let card = openpgp_card::card_status(serial)?;
    match format {
        OutputFormat::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&card).unwrap_or_default()
        ),
        OutputFormat::Human => print_card(&card),
    }
    Ok(())
}

pub fn provision(a: ProvisionArgs) -> Result<(), Failure> {
    if let Some(r) = &a.signing_role {
        crate::openpgp::check_role_name(r)
            .map_err(|e| Failure::new(Exit::Usage, format!("--signing-role {e}")))?;
    }
    // Choose the card before asking for shares: a missing card costs nothing.
    let cards = openpgp_card::list_cards()?;
    let card = match &a.serial {
        Some(s) => openpgp_card::find_card(&cards, s)?,
        None => match cards.as_slice() {
            [one] => one.clone(),
            [] => return Err(OpenPgpCardError::NotFound("(any)".into()).into()),
            _ => {
                return Err(Failure::new(Exit::Usage, "more than one card is present")
                    .hint("name one with --serial; `keyceremony card list` shows them"))
            }
        },
    };
    let pins = match (&a.pins, &a.new_pins_to) {
        (Some(p), _) => read_pins(p)?,
        (None, Some(_)) => {
            CardPins::generate().map_err(|e| Failure::new(Exit::Internal, e.to_string()))?
        }
        (None, None) => {
            return Err(Failure::new(
                Exit::Usage,
                "give --pins FILE (the ceremony's PINs) or --new-pins-to DEST",
            ))
        }
    };
    let restored = unlock_backup(&a.from.backup, &a.from.shares, &a.from.identity)?;
    if let Some(to) = &a.new_pins_to {
        let where_ =
            deliver(to, pins.to_text().as_bytes()).map_err(|e| Failure::new(Exit::Media, e))?;
        eprintln!("New card PINs went to {where_}.");
    }
    let spec = crate::ceremony::cards::provision_spec(
        &CardSpec {
            cardholder: a.cardholder,
            url: a.url,
            touch: a.touch,
            kdf: a.kdf,
            ..CardSpec::default()
        },
        a.reset.into_iter().collect(),
    );
    let spec = openpgp_card::ProvisionSpec {
        signing_role: a.signing_role.clone(),
        ..spec
    };
    let mut progress = |s: &str| eprintln!("card {}: {s}", card.serial);
    let report = openpgp_card::provision(&card.ident, &restored.cert, &pins, &spec, &mut progress)?;
    outln!(
        "Card {} holds the subkeys of {} (signing: the {} role) and {}",
        report.serial,
        restored.fingerprint,
        crate::openpgp::role_name(report.signing_role.as_deref()),
        report.proof
    );
    Ok(())
}

pub(crate) fn read_pins(path: &Path) -> Result<CardPins, Failure> {
    let bytes = Zeroizing::new(crate::media::read_bounded(
        path,
        "PIN file",
        crate::media::limits::SET_INFO,
    )?);
    let text = Zeroizing::new(String::from_utf8_lossy(&bytes).into_owned());
    CardPins::from_text(&text).ok_or_else(|| {
        Failure::new(
            Exit::Usage,
            format!(
                "{} is not a PIN file (user-pin: / admin-pin: lines)",
                path.display()
            ),
        )
    })
}

pub fn prove(serial: &str, cert: &Path, pins: &Path) -> Result<(), Failure> {
    let card = openpgp_card::card_status(serial)?;
    let bytes = crate::media::read_bounded(cert, "cert", crate::media::limits::KEY)?;
    let cert = crate::openpgp::read_cert(&bytes)?;
    let pins = read_pins(pins)?;
    let proof = openpgp_card::prove(&card.ident, &cert, &pins.user)?;
    outln!("Card {}: {proof}", card.serial);
    Ok(())
}

/// `keyceremony card ...`
pub fn run(action: CardCommand) -> Result<(), Failure> {
    match action {
        CardCommand::List { output_format } => list(output_format),
        CardCommand::Readers { output_format } => readers(output_format),
        CardCommand::Status {
            serial,
            output_format,
        } => status(&serial, output_format),
        CardCommand::Provision(args) => provision(*args),
        CardCommand::Prove { serial, cert, pins } => prove(&serial, &cert, &pins),
    }
}
