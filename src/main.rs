//! `keyceremony`: parse, run, map to a fixed exit code (see `cli::EXIT_CODES`).

#![forbid(unsafe_code)]

use clap::Parser;

fn main() {
    let cli = keyceremony::cli::Cli::parse();
    if let Err(failure) = keyceremony::commands::run(cli.command) {
        eprintln!("{failure}");
        std::process::exit(failure.code as i32);
    }
}
