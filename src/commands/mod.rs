//! The commands behind the CLI: glue between clap's arguments, the engine and
//! the printers. Data goes to stdout, messages for people to stderr.

#[macro_use]
pub(crate) mod out;

mod airgap;
mod batch_ui;
mod card;
mod certify;
mod genesis;
mod hsm;
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

use crate::cli::{
    CardCommand, Command, CosignCommand, HsmCommand, PivCommand, PlanCommand, SharesCommand,
    TranscriptCommand,
};
pub use crate::exit::{Exit, Failure};
use crate::harden::Hardening;

/// A finished ceremony's report: JSON, or its heading and lines for people.
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
        Command::AirgapCheck {
            output_format,
            root,
        } => airgap::check(&root, output_format, hardening),
        Command::Demo { dir } => genesis::demo(&dir, hardening),
        Command::GenerateDocs { dir } => generate_docs(&dir),
        Command::Media { action } => media::media(action),
        Command::Subkey { action } => subkey::subkey(action, hardening),
        Command::Reshare { key } => reshare::reshare(key, hardening),
        Command::Rotate {
            reason,
            transition,
            key,
        } => rotate::rotate(&transition, reason, key, hardening),
        Command::Verify(a) => online::verify(&a),
        Command::Install(a) => online::install(&a),
        Command::Certify(a) => certify::certify(a, hardening),
        Command::LostCard {
            serial,
            keep: _,
            rotate,
            card_pins,
            key,
        } => subkey::run(
            crate::ceremony::subkey::Change::LostCard { serial, rotate },
            key,
            card_pins.as_deref(),
            hardening,
        ),
        Command::Genesis {
            plan,
            output_format,
            airgap_root,
        } => genesis::genesis(&plan, output_format, airgap_root, hardening),
        Command::Renew {
            expiry,
            subkey_expiry,
            card_pins,
            key,
        } => renew::renew(
            renew::Args {
                expiry,
                subkey_expiry,
                card_pins,
                key,
            },
            hardening,
        ),
        Command::Plan { action } => match action {
            PlanCommand::Init { path } => plan::init(&path),
            PlanCommand::Check { plan } => plan::check(&plan),
        },
        Command::Restore {
            backup,
            shares: files,
            identity,
        } => restore::restore(&backup, &files, &identity),
        Command::Shares { action } => match action {
            SharesCommand::Split {
                threshold,
                count,
                passphrase_file,
                out,
                fingerprint,
                custodian,
            } => shares::split(
                threshold,
                count,
                &passphrase_file,
                &out,
                &fingerprint,
                &custodian,
            ),
            SharesCommand::Combine {
                shares: files,
                identity,
                check,
                out,
            } => shares::combine(&files, &identity, &check, &out),
            SharesCommand::Show { share, identity } => shares::show(&share, &identity),
            SharesCommand::Verify {
                shares: files,
                identity,
                check,
            } => shares::verify(&files, &identity, check.as_deref()),
        },
        Command::Card { action } => match action {
            CardCommand::List { output_format } => card::list(output_format),
            CardCommand::Readers { output_format } => card::readers(output_format),
            CardCommand::Status {
                serial,
                output_format,
            } => card::status(&serial, output_format),
            CardCommand::Provision(args) => card::provision(*args),
            CardCommand::Prove { serial, cert, pins } => card::prove(&serial, &cert, &pins),
        },
        Command::Hsm { action } => match action {
            HsmCommand::List {
                module,
                output_format,
            } => hsm::list(&module, output_format),
            HsmCommand::Provision(args) => hsm::provision(*args),
        },
        Command::Piv { action } => match action {
            PivCommand::List { output_format } => piv::list(output_format),
            PivCommand::Status {
                serial,
                output_format,
            } => piv::status(serial, output_format),
            PivCommand::Provision(args) => piv::provision(*args),
        },
        Command::Cosign { action } => match action {
            CosignCommand::KeyFile {
                from,
                to,
                password_to,
            } => hsm::key_file(&from, &to, &password_to),
        },
        Command::Tui { plan } => crate::tui::run(plan.as_deref(), hardening),
        Command::Transcript { action } => match action {
            TranscriptCommand::Verify {
                files,
                cert,
                signature,
            } => transcript::verify(&files, cert.as_deref(), signature.as_deref()),
        },
    }
}
