//! Certify: our primary vouches for another key's user IDs. The page
//! names the cert and what the certification says; `request` makes the
//! engine's `Certification` from it.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::{on, Ctx, Spec, Start, Wrong};
use crate::openpgp::{Certification, Trust};
use crate::plan::Plan;
use crate::tui::forms::{
    apply_people, choice, fields, operator, split, text, witnesses, Form, Page, TRUST_DEPTHS,
};

pub struct Certify;

impl Spec for Certify {
    fn key(&self) -> char {
        'c'
    }

    fn describe(&self) -> &'static str {
        "Certify: our primary vouches for another key's user IDs"
    }

    fn pages(&self) -> &'static [Page] {
        &[Page::Restore, Page::Certify, Page::Media]
    }

    fn title(&self, page: Page) -> Option<&'static str> {
        match page {
            Page::Restore => Some("Certify: the backup holding our key and the shares"),
            Page::Media => Some("Certify 2/2: where the new backups and the certified cert go"),
            _ => None,
        }
    }

    fn review_title(&self) -> &'static str {
        "Review the certification before anything is signed"
    }

    fn review(&self, ctx: &Ctx<'_>) -> Result<Vec<String>, Wrong> {
        let (cert, c) =
            request(ctx.forms.get(Page::Certify), ctx.base, ctx.now).map_err(on(Page::Certify))?;
        let mut lines = vec![
            format!("Certify:    {}", cert.display()),
            format!(
                "User IDs:   {}",
                if c.user_ids.is_empty() {
                    "every valid one".to_owned()
                } else {
                    c.user_ids.join("; ")
                }
            ),
            format!("Level:      {}", c.level),
            format!(
                "Valid:      {}",
                c.until.map_or("with no end".to_owned(), |t| format!(
                    "until {}",
                    &humantime::format_rfc3339_seconds(t).to_string()[..10]
                ))
            ),
        ];
        if let Some(t) = &c.trust {
            lines.push(format!(
                "Trust:      depth {}{}",
                t.depth,
                t.domain
                    .as_deref()
                    .map(|d| format!(", only in {d}"))
                    .unwrap_or_default()
            ));
        }
        Ok(lines)
    }

    fn what(&self, ctx: &Ctx<'_>) -> Result<String, Wrong> {
        let (cert, _) =
            request(ctx.forms.get(Page::Certify), ctx.base, ctx.now).map_err(on(Page::Certify))?;
        Ok(format!("the certification of {}", cert.display()))
    }

    fn start(&self, ctx: &Ctx<'_>) -> Result<Start, Wrong> {
        let (cert, certification) =
            request(ctx.forms.get(Page::Certify), ctx.base, ctx.now).map_err(on(Page::Certify))?;
        Ok(Start::Certify {
            cert,
            certification,
        })
    }
}

pub const HELP: &str = "Our primary signs the other key's user IDs. Name its cert file (as its owner exported it); it is checked first: a self-signature that does not verify, a revoked or an expired cert is refused before any share is used. User IDs: exactly as in the cert, or empty for every valid one. Level 0 makes no claim; 3 says you checked thoroughly. Valid for: empty for no end. A trust depth of 1 makes the key an introducer (a CA) whose certifications count for those who trust ours; a trust domain limits that to addresses in it. The certified cert goes to the export medium; `keyceremony certify` does the same in batch mode.";

fields! {
    CertifyField {
        Cert,
        UserIds,
        Level,
        ValidFor,
        TrustDepth,
        TrustDomain,
        Operator,
        Witnesses,
    }
}

pub fn form(plan: &Plan) -> Form {
    use CertifyField as F;
    Form::new(Page::Certify, F::ALL, |f| match f {
        F::Cert => text(
            "Cert file",
            "the other key's cert, as its owner exported it",
            "",
        ),
        F::UserIds => text(
            "User IDs",
            "exactly as in the cert, separated by ;, or empty for all",
            "",
        ),
        F::Level => choice(
            "Level",
            "0 no claim, 1 persona, 2 casual, 3 checked thoroughly",
            &["0", "1", "2", "3"],
            "0",
        ),
        F::ValidFor => text("Valid for", "empty: no end; or 1y, 90d, 2027-12-31", ""),
        F::TrustDepth => choice(
            "Trust depth",
            "1: the key may introduce others (a CA)",
            &TRUST_DEPTHS,
            "none",
        ),
        F::TrustDomain => text(
            "Trust domain",
            "with a depth: only addresses in this domain, e.g. example.org",
            "",
        ),
        F::Operator => operator(plan),
        F::Witnesses => witnesses(plan),
    })
}

/// The cert to read and the certification, or the field that is wrong.
pub fn request(
    form: &Form,
    base: &Path,
    now: SystemTime,
) -> Result<(PathBuf, Certification), (usize, String)> {
    use CertifyField as F;
    if form.get(F::Cert).is_empty() {
        return Err(form.wrong(F::Cert, "name the cert file to certify"));
    }
    let until = match form.get(F::ValidFor) {
        "" => None,
        v => Some(super::future(v, now).map_err(|e| form.wrong(F::ValidFor, e))?),
    };
    let level = form
        .get(F::Level)
        .parse()
        .map_err(|_| form.wrong(F::Level, "a level from 0 to 3"))?;
    let domain = Some(form.get(F::TrustDomain).to_owned()).filter(|d| !d.is_empty());
    let trust = match (form.get(F::TrustDepth), &domain) {
        ("none", Some(_)) => {
            return Err(form.wrong(F::TrustDepth, "a trust domain needs a trust depth (1)"))
        }
        ("none", None) => None,
        (depth, _) => Some(Trust {
            depth: depth
                .parse()
                .map_err(|_| form.wrong(F::TrustDepth, "a depth of 1 or 2, or none"))?,
            amount: 120,
            domain,
        }),
    };
    if let Some(d) = trust.as_ref().and_then(|t| t.domain.as_deref()) {
        if !Trust::valid_domain(d) {
            return Err(form.wrong(F::TrustDomain, "a mail domain such as example.org"));
        }
    }
    Ok((
        base.join(form.get(F::Cert)),
        Certification {
            user_ids: split(form.get(F::UserIds)),
            level,
            until,
            trust,
            notations: Vec::new(),
        },
    ))
}

pub fn apply(
    form: &Form,
    plan: &mut Plan,
    base: &Path,
    now: SystemTime,
) -> Result<(), (usize, String)> {
    use CertifyField as F;
    request(form, base, now)?;
    apply_people(form, plan, F::Operator, F::Witnesses)?;
    plan.validate_settings()
        .map_err(|e| form.on_its_field(&e.to_string()))
}
