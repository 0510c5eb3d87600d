//! The commands behind the CLI: glue between clap's arguments, the engine and
//! the printers. Data goes to stdout, messages for people to stderr.

#[macro_use]
pub(crate) mod out;

mod airgap;
mod batch_ui;
mod card;
mod certify;
mod cosign;
mod demo;
mod genesis;
mod hsm;
pub mod install;
mod lost_card;
mod media;
pub mod online;
mod piv;
mod plan;
mod renew;
mod reshare;
mod restore;
mod rotate;
pub(crate) mod shares;
mod subkey;
mod transcript;
mod tui;
pub mod verify;

use crate::cli::Command;
pub use crate::exit::{Exit, Failure};
use crate::harden::Hardening;

/// What every batch ceremony on an existing key reads before anything is
/// written: the plan (its hash goes into the transcript), and the shares
/// that will open the backup. A missing or bad file costs nothing.
pub(crate) struct OnKey {
    pub plan: crate::plan::Plan,
    pub backup: std::path::PathBuf,
    pub shares: Vec<crate::shares::Share>,
    pub share_files: Vec<std::path::PathBuf>,
    pub format: crate::cli::OutputFormat,
    pub opts: crate::ceremony::session::RunOptions,
}

impl OnKey {
    pub fn read(
        key: crate::cli::ExistingKeyArgs,
        hardening: &crate::harden::Hardening,
    ) -> Result<OnKey, Failure> {
        let (plan, text) = genesis::load_plan(&key.plan)?;
        let shares = shares::shares_for(&key.backup, &key.shares, &key.identity)?;
        Ok(OnKey {
            plan,
            backup: key.backup,
            shares,
            share_files: key.shares,
            format: key.output_format,
            opts: crate::ceremony::session::RunOptions {
                plan_sha256: Some(crate::media::sha256_hex(text.as_bytes())),
                system_root: key.airgap_root,
                hardening: Some(hardening.clone()),
                allow_older_backup: key.allow_older_backup,
            },
        })
    }

    /// A ceremony's error, naming the share file a bad share came from.
    pub fn failure(
        &self,
        e: crate::ceremony::CeremonyError,
        shares: &[crate::shares::Share],
    ) -> Failure {
        shares::share_error_with_files(e, shares, &self.share_files)
    }
}

/// The failure a batch run ends with when `failed` cards were skipped:
/// `done` says what was finished anyway, the hint how to finish the cards.
pub(crate) fn cards_not_done(failed: usize, done: &str) -> Result<(), Failure> {
    if failed == 0 {
        return Ok(());
    }
    Err(Failure::new(
        Exit::Cards,
        format!("{failed} card(s) were not provisioned; {done}"),
    )
    .hint("insert the card and run `keyceremony card provision --backup BACKUP --pins PINFILE SHARES...`"))
}

pub(crate) fn print_outcome(r: &impl crate::ceremony::Outcome, format: crate::cli::OutputFormat) {
    match format {
        crate::cli::OutputFormat::Json => {
            // The reports are plain data; serialisation cannot fail.
            outln!("{}", serde_json::to_string_pretty(r).unwrap_or_default());
        }
        crate::cli::OutputFormat::Human => {
            outln!("{}: {}", r.heading(), r.ceremony_id());
            outln!("Primary fingerprint: {}", r.fingerprint());
            for line in r.lines() {
                outln!("{line}");
            }
        }
    }
}

/// The man pages (one per command) and shell completions, generated from
/// the same clap definitions the binary parses with, so they cannot drift;
/// the copies in the repository's `dist/` are checked by a test.
/// The live image's init starts each console's session as a background job
/// of a shell without job control, which leaves SIGINT and SIGQUIT ignored
/// for good in everything below it: Ctrl-C in the operator's shell ended
/// nothing. exec resets a *handled* signal to its default (an ignored one
/// stays ignored): so handlers are registered, then `command` replaces
/// this process.
fn live_exec(command: &[std::ffi::OsString]) -> Result<(), Failure> {
    use std::os::unix::process::CommandExt;
    let Some((program, args)) = command.split_first() else {
        return Err(Failure::new(Exit::Usage, "live-exec: give a command"));
    };
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGQUIT] {
        signal_hook::flag::register(sig, std::sync::Arc::new(Default::default())).map_err(|e| {
            Failure::new(
                Exit::Internal,
                format!("live-exec: cannot handle a signal: {e}"),
            )
        })?;
    }
    let e = std::process::Command::new(program).args(args).exec();
    Err(Failure::new(
        Exit::Usage,
        format!("live-exec: cannot run {}: {e}", program.to_string_lossy()),
    ))
}

fn generate_docs(dir: &std::path::Path) -> Result<(), Failure> {
    use clap::CommandFactory;
    let io = |what: &str, e: std::io::Error| {
        Failure::new(
            Exit::Media,
            format!("cannot write the {what} in {}: {e}", dir.display()),
        )
    };
    let man = dir.join("man");
    let completions = dir.join("completions");
    for d in [&man, &completions] {
        std::fs::create_dir_all(d).map_err(|e| io("directories", e))?;
    }
    let mut cmd = crate::cli::Cli::command();
    clap_mangen::generate_to(cmd.clone(), &man).map_err(|e| io("man pages", e))?;
    for shell in [
        clap_complete::Shell::Bash,
        clap_complete::Shell::Zsh,
        clap_complete::Shell::Fish,
    ] {
        clap_complete::generate_to(shell, &mut cmd, "keyceremony", &completions)
            .map_err(|e| io("completions", e))?;
    }
    outln!(
        "man pages in {}, completions in {}",
        man.display(),
        completions.display()
    );
    Ok(())
}

/// Runs one command; `hardening` is what `main` could do to protect the process.
/// `keyceremony` alone: the TUI in a terminal; elsewhere (a script, a pipe)
/// the help, since a script that forgot its command must not hang on a screen.
fn no_command(hardening: &Hardening) -> Result<(), Failure> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        return crate::tui::run(None, hardening);
    }
    use clap::CommandFactory;
    eprintln!("{}", crate::cli::Cli::command().render_help());
    Err(Failure::new(
        Exit::Usage,
        "no command given, and this is not a terminal for the TUI",
    )
    .hint("give one of the commands above, or run `keyceremony` in a terminal"))
}

pub fn run(command: Option<Command>, hardening: &Hardening) -> Result<(), Failure> {
    let Some(command) = command else {
        return no_command(hardening);
    };
    match command {
        Command::AirgapCheck(a) => airgap::check(&a.root, a.output_format, hardening),
        Command::Demo(a) => demo::demo(&a.dir, hardening),
        Command::GenerateDocs { dir } => generate_docs(&dir),
        Command::LiveExec { command } => live_exec(&command),
        Command::Media { action } => media::media(action),
        Command::Subkey { action } => subkey::subkey(action, hardening),
        Command::Reshare(a) => reshare::reshare(a.key, hardening),
        Command::Rotate(a) => rotate::rotate(&a.transition, a.reason, a.key, hardening),
        Command::Verify(a) => verify::verify(&a),
        Command::Install(a) => install::install(&a),
        Command::Certify(a) => certify::certify(a, hardening),
        Command::LostCard(a) => lost_card::lost_card(a, hardening),
        Command::Genesis(a) => genesis::genesis(&a.plan, a.output_format, a.airgap_root, hardening),
        Command::Renew(a) => renew::renew(a, hardening),
        Command::Plan { action } => plan::run(action),
        Command::Restore(a) => restore::restore(&a.backup, &a.shares, &a.identity),
        Command::Shares { action } => shares::run(action),
        Command::Card { action } => card::run(action),
        Command::Hsm { action } => hsm::run(action),
        Command::Piv { action } => piv::run(action),
        Command::Cosign { action } => cosign::run(action, hardening),
        Command::Tui(a) => tui::tui(a, hardening),
        Command::Transcript { action } => transcript::run(action),
    }
}
