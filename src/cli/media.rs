//! `keyceremony media`: sticks by label.

use super::OutputFormat;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum MediaCommand {
    /// Every labelled file system (udev's /dev/disk/by-label) and where it is mounted
    List {
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        output_format: OutputFormat,
    },
    /// Mount the stick labelled LABEL read-write at /media/LABEL (vfat, exfat or ext4)
    #[command(after_help = "Example:\n  keyceremony media mount KC-BACKUP1")]
    Mount { label: String },
    /// Write everything out to the stick and unmount it, so that it can be pulled out
    #[command(after_help = "Example:\n  keyceremony media unmount KC-BACKUP1")]
    Unmount {
        /// Its label, or its mount point
        label: String,
    },
}
