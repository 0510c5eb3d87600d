//! A virtual OpenPGP card for keyceremony's tests: Nitrokey's `opcard` on
//! trussed's virtual platform, attached to a vpcd reader slot (vsmartcard) so
//! that pcscd, and through it keyceremony and GnuPG, see a card in a reader.
//!
//! Usage: virtual-card --port PORT [--serial HEX8] [--state DIR]
//!
//! The card is in the reader while this process runs: killing it pulls the
//! card out. With --state, the card's storage lives in DIR, so running again
//! with the same DIR puts the same card (keys, PINs, counters) back.

mod apdu;
#[path = "../../vpcd-link/link.rs"]
mod vpcd_link;
mod dispatch;

use std::path::PathBuf;

use trussed::virt::{StorageConfig, StoreConfig};

struct Args {
    port: u16,
    serial: [u8; 4],
    state: Option<PathBuf>,
    /// Play an older card that takes no Curve25519 keys (RSA only).
    rsa_only: bool,
}

fn usage() -> ! {
    eprintln!("usage: virtual-card --port PORT [--serial HEX8] [--state DIR] [--rsa-only yes]");
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut args = Args {
        port: 35963,
        serial: [0, 0, 0, 1],
        state: None,
        rsa_only: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let v = it.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--port" => args.port = v.parse().unwrap_or_else(|_| usage()),
            "--serial" => {
                let n = u32::from_str_radix(&v, 16).unwrap_or_else(|_| usage());
                args.serial = n.to_be_bytes();
            }
            "--state" => args.state = Some(PathBuf::from(v)),
            "--rsa-only" => args.rsa_only = v == "yes",
            _ => usage(),
        }
    }
    args
}

fn main() {
    let args = parse_args();
    let store = match &args.state {
        Some(dir) => {
            std::fs::create_dir_all(dir).expect("cannot create the state directory");
            StoreConfig {
                internal: StorageConfig::filesystem(dir.join("internal")),
                external: StorageConfig::filesystem(dir.join("external")),
                volatile: StorageConfig::ram(),
            }
        }
        None => StoreConfig::ram(),
    };
    trussed::virt::with_platform(store, |platform| {
        platform.run_client_with_backends(
            "opcard",
            dispatch::CardDispatch::new(),
            dispatch::BACKENDS,
            |client| {
                let mut options = opcard::Options::default();
                // 0xFF00-0xFFFE are manufacturer IDs reserved for testing.
                options.manufacturer = [0xff, 0x00];
                options.serial = args.serial;
                if args.rsa_only {
                    use opcard::AllowedAlgorithms as A;
                    options.allowed_imports = A::RSA_2048 | A::RSA_3072 | A::RSA_4096;
                }
                let mut card = apdu::VirtualCard::new(opcard::Card::new(client, options));
                vpcd_link::insert(args.port, "virtual-card", &mut card);
            },
        )
    });
}
