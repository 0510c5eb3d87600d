//! `keyceremony plan init|check`.

use std::path::Path;

use super::Failure;
use crate::cli::PlanCommand;
use crate::media::{write_new_file, FileMode};
use crate::plan::{Plan, EXAMPLE_PLAN};

pub fn init(path: &Path) -> Result<(), Failure> {
    // `-` is standard output, as for every tool that writes a file.
    if path == Path::new("-") {
        out!("{EXAMPLE_PLAN}");
        return Ok(());
    }
    write_new_file(path, EXAMPLE_PLAN.as_bytes(), FileMode::Public)?;
    eprintln!(
        "Wrote an example plan to {}. Edit it, then: keyceremony plan check {0}",
        path.display()
    );
    Ok(())
}

pub fn check(path: &Path) -> Result<(), Failure> {
    let plan = Plan::load(path)?;
    // The media as they are now: there, writable directories with room,
    // sticks apart from each other. A ceremony checks the same before its
    // first write.
    crate::ceremony::session::check_media(&plan).map_err(|(_, e)| e)?;
    // The witnesses' certs as the pre-flight checks them.
    let witnesses = crate::ceremony::witness::load(&plan, std::time::SystemTime::now())?;
    outln!("Plan {} is valid.", path.display());
    for w in &witnesses {
        outln!(
            "  witness:    {} (key {}, signs on their card)",
            w.name,
            w.fingerprint
        );
    }
    outln!("  user IDs:   {}", plan.key.user_ids.join(", "));
    outln!(
        "  primary:    {} certify-only, expires after {}",
        plan.key.profile,
        plan.key.expiry
    );
    let mut subs = vec!["signing"];
    if plan.subkeys.encryption {
        subs.push("encryption");
    }
    if plan.subkeys.authentication {
        subs.push("authentication");
    }
    outln!(
        "  subkeys:    {}, expire after {}",
        subs.join(", "),
        plan.subkeys.expiry
    );
    if !plan.subkeys.roles.is_empty() {
        outln!(
            "  roles:      signing roles {} (a subkey and cards each: cards {})",
            std::iter::once(crate::openpgp::DEFAULT_ROLE)
                .chain(plan.subkeys.roles.iter().map(|r| r.name.as_str()))
                .collect::<Vec<_>>()
                .join(", "),
            plan.cards_text()
        );
    }
    for s in &plan.online.scopes {
        if plan.online.two_person.contains(s) {
            outln!("  scope:      {s} (two people: a signature from every signing role)");
        } else {
            outln!("  scope:      {s} (a signature by this key)");
        }
    }
    if let Some(l) = &plan.online.lookaside {
        outln!("  lookaside:  {l}");
    }
    outln!("  passphrase: {} words", plan.passphrase.words);
    for b in &plan.media.backup {
        outln!("  backup:     {}", b.display());
    }
    outln!("  export:     {}", plan.media.export.display());
    outln!(
        "  shares:     {} of {}",
        plan.shares.threshold,
        plan.shares.count
    );
    if let Some(c) = plan.cosign.describe() {
        outln!("  cosign:     {c}");
    }
    if let Err(e) = plan.validate_batch() {
        outln!("  note:       fine for the TUI; {e}");
    }
    if let Err(e) = plan.check_no_placeholders() {
        outln!("  warning:    a genesis refuses this plan: {e}");
    } else if !plan.placeholders().is_empty() {
        outln!(
            "  note:       a rehearsal with the example's placeholder identity: never use its key"
        );
    }
    Ok(())
}

/// `keyceremony plan ...`
pub fn run(action: PlanCommand) -> Result<(), Failure> {
    match action {
        PlanCommand::Init { path } => init(&path),
        PlanCommand::Check { plan } => check(&plan),
    }
}
