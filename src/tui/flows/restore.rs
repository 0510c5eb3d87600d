//! The restore: a backup and k shares open the key in memory, then a
//! replacement card can be provisioned. Its page (the backup and the share
//! files) is the first page of every flow on an existing key.

use std::path::{Path, PathBuf};

use super::{Ctx, Spec, Start, Wrong};
use crate::tui::forms::{fields, split, text, Form, Page};

pub struct Restore;

impl Spec for Restore {
    fn key(&self) -> char {
        'r'
    }

    fn describe(&self) -> &'static str {
        "Restore: k shares open a backup; provision a replacement card"
    }

    fn pages(&self) -> &'static [Page] {
        &[Page::Restore]
    }

    fn review_title(&self) -> &'static str {
        "Restore: the backup is open"
    }

    fn what(&self, _ctx: &Ctx<'_>) -> Result<String, Wrong> {
        Ok("opening the backup".into())
    }

    /// A restore has no review: once its shares are in, the backup opens.
    fn start(&self, _ctx: &Ctx<'_>) -> Result<Start, Wrong> {
        Ok(Start::Unlock)
    }
}

pub const HELP: &str = "Name the ceremony directory on a backup medium (it holds secret-key.asc and shares.json), or press F2 to pick it from those on the mounted media; on the share files field F2 picks sheets and age files found there, one after another. Share files may be sheets (.txt) or age files (.txt.age, with the custodian's identity file); leave the field empty to type shares in.";

fields! {
    /// The backup and where its shares come from.
    SourceField {
        Backup,
        ShareFiles,
        Identity,
    }
}

impl SourceField {
    /// The fields the mounted media's list picks for.
    pub fn picks(self) -> bool {
        matches!(self, SourceField::Backup | SourceField::ShareFiles)
    }
}

pub fn source() -> Form {
    use SourceField as F;
    Form::new(Page::Restore, F::ALL, |f| match f {
        F::Backup => text(
            "Backup directory",
            "the ceremony-... directory on a backup medium",
            "",
        ),
        F::ShareFiles => text(
            "Share files",
            "sheets or .age files separated by ;, or empty to type shares",
            "",
        ),
        F::Identity => text("age identity file", "for .age share files (optional)", ""),
    })
}

/// The backup to open and the files its shares are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub backup: PathBuf,
    pub files: Vec<PathBuf>,
    pub identity: Option<PathBuf>,
}

pub fn request(form: &Form, base: &Path) -> Result<Source, (usize, String)> {
    use SourceField as F;
    if form.get(F::Backup).is_empty() {
        return Err(form.wrong(F::Backup, "name the backup directory"));
    }
    Ok(Source {
        backup: base.join(form.get(F::Backup)),
        files: split(form.get(F::ShareFiles))
            .iter()
            .map(|s| base.join(s))
            .collect(),
        identity: Some(form.get(F::Identity))
            .filter(|s| !s.is_empty())
            .map(|s| base.join(s)),
    })
}
