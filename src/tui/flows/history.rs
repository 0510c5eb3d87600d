//! History: a key's transcripts checked from its genesis, one by one and
//! as one chain. Writes nothing, so it needs no pre-flight.

use std::path::{Path, PathBuf};

use super::{on, Ctx, Spec, Start, Wrong};
use crate::plan::Plan;
use crate::tui::forms::{fields, text, Form, Page};

pub struct History;

impl Spec for History {
    fn key(&self) -> char {
        'h'
    }

    fn describe(&self) -> &'static str {
        "History: check a key's transcripts from its genesis (writes nothing)"
    }

    fn pages(&self) -> &'static [Page] {
        &[Page::History]
    }

    fn review_title(&self) -> &'static str {
        "Transcripts checked"
    }

    fn what(&self, _ctx: &Ctx<'_>) -> Result<String, Wrong> {
        Ok("checking the transcripts".into())
    }

    fn start(&self, ctx: &Ctx<'_>) -> Result<Start, Wrong> {
        let (root, cert) =
            request(ctx.forms.get(Page::History), ctx.base).map_err(on(Page::History))?;
        Ok(Start::History { root, cert })
    }
}

pub const HELP: &str = "Every ceremony's transcript names the one before by the SHA-256 of its signed transcript. Name a medium holding ceremony directories (the export medium, or a backup medium); their transcripts, oldest first, are checked one by one (chain, signature, key) and as one history from the genesis. One missing, swapped or edited is named. Nothing is written. `keyceremony transcript verify` does the same.";

fields! {
    HistoryField {
        Transcripts,
        Cert,
    }
}

pub fn form(plan: &Plan) -> Form {
    use HistoryField as F;
    Form::new(Page::History, F::ALL, |f| match f {
        F::Transcripts => text(
            "Transcripts on",
            "a medium holding ceremony directories (export or backup)",
            plan.media.export.display().to_string(),
        ),
        F::Cert => text(
            "Cert",
            "the primary's cert (optional: cert.asc beside each transcript)",
            "",
        ),
    })
}

/// The medium to read and the cert to check against.
pub fn request(form: &Form, base: &Path) -> Result<(PathBuf, Option<PathBuf>), (usize, String)> {
    use HistoryField as F;
    if form.get(F::Transcripts).is_empty() {
        return Err(form.wrong(F::Transcripts, "name the medium whose transcripts to check"));
    }
    Ok((
        base.join(form.get(F::Transcripts)),
        Some(form.get(F::Cert))
            .filter(|c| !c.is_empty())
            .map(|c| base.join(c)),
    ))
}
