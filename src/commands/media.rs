//! `keyceremony media list|mount|unmount`: sticks by label.

use super::Failure;
use crate::cli::MediaCommand;

pub fn media(action: MediaCommand) -> Result<(), Failure> {
    use crate::media::removable;
    match action {
        MediaCommand::List { output_format } => {
            let sticks = removable::list();
            match output_format {
                crate::cli::OutputFormat::Json => outln!(
                    "{}",
                    serde_json::to_string_pretty(&sticks).unwrap_or_default()
                ),
                crate::cli::OutputFormat::Human if sticks.is_empty() => outln!(
                    "No labelled stick. Plug one in; a stick needs a label (mkfs.vfat -n LABEL) to be listed."
                ),
                crate::cli::OutputFormat::Human => {
                    for s in &sticks {
                        let at = s
                            .mounted_at
                            .as_ref()
                            .map(|p| format!("mounted at {}", p.display()))
                            .unwrap_or_else(|| "not mounted".into());
                        outln!("{:<16} {}  {at}", s.label, s.device.display());
                        for d in s.mounted_at.iter().flat_map(|m| crate::media::failed_on(m)) {
                            outln!(
                                "{:<16} holds {}: what a ceremony that stopped left; destroy it",
                                "",
                                crate::text::printable(&d.display().to_string())
                            );
                        }
                    }
                }
            }
        }
        MediaCommand::Mount { label } => {
            let at = removable::mount(&label)?;
            outln!("{label} is mounted at {}", at.display());
        }
        MediaCommand::Unmount { label } => {
            let at = removable::unmount(&label)?;
            outln!(
                "{} is written out and unmounted: the stick can be pulled out",
                at.display()
            );
        }
    }
    Ok(())
}
