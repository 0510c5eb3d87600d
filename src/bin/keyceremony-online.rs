//! `keyceremony-online`: the online side alone, `verify` and `install`, for
//! CI images and admission hosts. The same code as `keyceremony verify` and
//! `keyceremony install`, in a binary that reaches no card code, so the
//! linker leaves libpcsclite out: it runs where no PC/SC library is
//! installed (tests/online.rs checks its dynamic dependencies).

#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};
use keyceremony::cli::{InstallArgs, VerifyArgs};
use keyceremony::commands::{install, verify};

#[derive(Parser)]
#[command(
    name = "keyceremony-online",
    version,
    about = "Verify a keyceremony export bundle and install its keyring and containers policy",
    after_help = "Exit codes: 0 accepted, 2 usage, 4 the host's files could not be read or written, 5 refused.\nSee docs/online-side.md."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check an export bundle from a pinned fingerprint or a state file
    Verify(VerifyArgs),
    /// Verify a bundle, then install its keyring, policy and lookaside below ROOT
    Install(InstallArgs),
}

fn main() {
    let result = match Cli::parse().command {
        Command::Verify(a) => verify::verify(&a),
        Command::Install(a) => install::install(&a),
    };
    if let Err(failure) = result {
        eprintln!("{failure}");
        std::process::exit(failure.code as i32);
    }
}
