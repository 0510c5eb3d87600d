//! `keyceremony genesis`.

use std::path::Path;

use super::batch_ui::BatchUi;
use super::{Exit, Failure};
use crate::ceremony::genesis::{self, RunOptions};
use crate::ceremony::{PcscCards, SystemClock};
use crate::cli::OutputFormat;
use crate::harden::Hardening;
use crate::media::sha256_hex;
use crate::plan::Plan;

/// Reads and validates a plan for a batch ceremony; also returns its text,
/// whose hash goes into the transcript.
pub fn load_plan(plan_path: &Path) -> Result<(Plan, String), Failure> {
    let text = crate::media::read_bounded(plan_path, "plan", crate::media::limits::PLAN)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| {
            Failure::new(
                Exit::Plan,
                format!(
                    "cannot read the plan {}: it is missing, not text, or larger than {} bytes",
                    plan_path.display(),
                    crate::media::limits::PLAN
                ),
            )
            .hint("`keyceremony plan init plan.toml` writes an example plan")
        })?;
    let plan = Plan::parse_at(plan_path, &text)?;
    Ok((plan, text))
}

pub fn genesis(
    plan_path: &Path,
    format: OutputFormat,
    airgap_root: Option<std::path::PathBuf>,
    hardening: &Hardening,
) -> Result<(), Failure> {
    let (plan, text) = load_plan(plan_path)?;
    plan.validate_batch()?;
    let opts = RunOptions {
        plan_sha256: Some(sha256_hex(text.as_bytes())),
        system_root: airgap_root,
        hardening: Some(hardening.clone()),
        allow_older_backup: false,
    };
    let report = genesis::run(
        &plan,
        &opts,
        &mut BatchUi::new(
            plan.passphrase.deliver_to.clone(),
            plan.cards.pins_deliver_to.clone(),
        ),
        &SystemClock,
        &mut PcscCards,
    )?;
    super::print_outcome(&report, format);
    super::cards_not_done(
        report.failed_cards(),
        "the keys, backups, shares and export are done",
    )?;
    Ok(())
}
