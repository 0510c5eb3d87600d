//! Certify: our primary vouches for another key's user IDs (a team's new
//! release key, a maintainer's key, a successor), optionally as a trusted
//! introducer for a domain.
//!
//! The other cert is read and checked before the backup is opened (a cert
//! that is damaged, forged, revoked or expired costs no share), then the
//! primary signs, and the certified cert goes to the export medium beside our
//! own. Our key does not change, but it is still written to new backup
//! directories, proven by the same shares: every ceremony leaves one, so the
//! next ceremony continues this one and the key's history stays one line.

use std::path::PathBuf;

use serde::Serialize;
use serde_json::json;

use super::restore::Previous;
use super::session::{open_existing, Flow, RunOptions};
use super::{CeremonyError, CeremonyUi, Clock, Event};
use crate::media::{limits, read_bounded};
use crate::openpgp::{self, Certification};
use crate::plan::Plan;
use crate::shares::Share;
use crate::transcript::EventKind;

const STEPS: usize = 6;

pub struct CertifyRequest {
    pub backup: PathBuf,
    pub shares: Vec<Share>,
    /// The cert to certify, as its owner handed it over.
    pub cert: PathBuf,
    pub certification: Certification,
}

/// What a certification produced; public facts only.
#[derive(Debug, Serialize)]
pub struct CertifyReport {
    #[serde(flatten)]
    pub written: super::Written,
    pub previous: Previous,
    /// The certified key's fingerprint.
    pub certified: String,
    pub user_ids: Vec<String>,
    pub certification: Certification,
    /// The certified cert on the export medium.
    pub certified_cert: PathBuf,
}

impl super::Outcome for CertifyReport {
    fn heading(&self) -> &'static str {
        "Certification complete"
    }
    fn written(&self) -> &super::Written {
        &self.written
    }
    fn lines(&self) -> Vec<String> {
        let c = &self.certification;
        let mut l = vec![format!(
            "Certified:  {} (level {})",
            self.certified, c.level
        )];
        l.extend(self.user_ids.iter().map(|u| format!("  user ID   {u}")));
        if let Some(t) = c.until {
            l.push(format!(
                "  until     {}",
                humantime::format_rfc3339_seconds(t)
            ));
        }
        if let Some(t) = &c.trust {
            l.push(format!(
                "  trust     depth {}, amount {}{}",
                t.depth,
                t.amount,
                t.regex()
                    .map(|r| format!(", only user IDs matching {r}"))
                    .unwrap_or_default()
            ));
        }
        l.push(format!(
            "Cert:       {} (hand it back to its owner, or publish it)",
            self.certified_cert.display()
        ));
        l.extend(self.written.lines());
        l
    }
}

pub fn run(
    plan: &Plan,
    req: &CertifyRequest,
    opts: &RunOptions,
    ui: &mut dyn CeremonyUi,
    clock: &dyn Clock,
) -> Result<CertifyReport, CeremonyError> {
    let bytes = read_bounded(&req.cert, "cert", limits::KEY)?;
    let other = openpgp::read_cert(&bytes)?;
    let valid = openpgp::check_certifiable(&other, clock.now())?;
    let flow = Flow {
        name: "certify",
        steps: STEPS,
        start: json!({
            "cert": other.fingerprint().to_hex(),
            "user_ids_offered": valid,
        }),
    };
    let (session, opened) = open_existing(flow, plan, &req.backup, &req.shares, opts, ui, clock)?;
    let key = &opened.restored.cert;
    session.run(|s| {
        s.step(3, "Certifying the other key's user IDs with the primary");
        let now = s.now();
        let (certified, user_ids) = openpgp::certify(key, &other, &req.certification, now)?;
        for u in &user_ids {
            s.event(Event::Note(format!("certified {u}")));
        }
        s.record(
            EventKind::Certified,
            json!({
                "cert": other.fingerprint().to_hex(),
                "user_ids": user_ids,
                "level": req.certification.level,
                "until": req.certification.until.map(|t| humantime::format_rfc3339_seconds(t).to_string()),
                "trust": req.certification.trust,
                "regex": req.certification.trust.as_ref().and_then(|t| t.regex()),
            }),
        )?;
        let files = s.write_key(4, key, &opened, &req.shares)?;
        let name = format!("certified-{}.asc", other.fingerprint().to_hex());
        s.export(&name, &openpgp::public_armored(&certified)?)?;
        s.export_and_close(
            6,
            key,
            &files,
            json!({ "certified": other.fingerprint().to_hex() }),
            &mut [],
        )?;
        Ok(CertifyReport {
            written: s.written(&opened.restored.fingerprint.clone()),
            previous: opened.previous.clone(),
            certified: other.fingerprint().to_hex(),
            user_ids,
            certification: req.certification.clone(),
            certified_cert: s.export_dir().join(&name),
        })
    })
}
