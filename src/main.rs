//! `keyceremony`: parse, run, map to a fixed exit code (see `cli::EXIT_CODES`).

#![forbid(unsafe_code)]

use clap::Parser;

fn main() {
    // Before the process opens anything: which descriptors were handed to it.
    keyceremony::media::record_inherited_descriptors();
    // Before anything else: no core dumps, no ptrace, no swapping of secrets.
    let hardening = keyceremony::harden::harden_process();
    let cli = keyceremony::cli::Cli::parse();
    if let Err(failure) = keyceremony::commands::run(cli.command, &hardening) {
        eprintln!("{failure}");
        std::process::exit(failure.code as i32);
    }
}
