//! The steps every ceremony flow is made of: the pre-flight that checks media
//! and the air gap before anything exists, and a [`Session`] that owns what a
//! running ceremony writes (its transcript on the export medium, its
//! directories on the backup media) and closes it the one way every flow
//! must: transcript signed by the primary and copied to every backup, every
//! directory given a MANIFEST signed by the signing subkey and read back.
//!
//! A flow is then a short list: `preflight`, `Session::open`, its own steps
//! between `open_backups` and `close`, all inside `Session::run`, which
//! records a failure in the transcript whatever step it came from.

use std::path::{Path, PathBuf};

use sequoia_openpgp::Cert;
use serde_json::{json, Value};

use super::layout::{
    ceremony_id, BackupFiles, CERT_FILE, MANIFEST_SIG, TRANSCRIPT, TRANSCRIPT_SIG,
};
use super::{restore, CeremonyError, CeremonyUi, Clock, Event};
use crate::airgap::{self, Severity};
use crate::harden::Hardening;
use crate::media::{self, Bundle, FileMode, Medium, WrittenFile};
use crate::openpgp::{self, SignWith};
use crate::plan::Plan;
use crate::shares::Share;
use crate::transcript::{EventKind, Transcript};

/// Options that are not part of the plan because they describe this run, not the ceremony.
#[derive(Debug, Default, Clone)]
pub struct RunOptions {
    /// SHA-256 of the plan file as the operator reviewed it, for the transcript.
    pub plan_sha256: Option<String>,
    /// Root for air-gap checks (`/` in production).
    pub system_root: Option<PathBuf>,
    /// What the process could do to protect itself (see `harden`), for the transcript.
    pub hardening: Option<Hardening>,
    /// Open a backup of a key that a later ceremony on the same medium
    /// rotated away (recorded; refused otherwise).
    pub allow_older_backup: bool,
}

/// What the pre-flight found fit: the media to write and the air-gap report.
pub struct Preflight {
    backups: Vec<Medium>,
    export: Medium,
    airgap: airgap::Report,
    root: PathBuf,
    /// Signals stop the ceremony from here on (the session takes it over):
    /// a Ctrl-C during the checks is a stop like any other, not a process
    /// killed with the media's in-use files left behind.
    armed: media::interrupt::Armed,
    /// The witnesses who countersign, their certs checked.
    witnesses: Vec<super::witness::Witness>,
}

/// Checks everything a ceremony needs before anything is written or made:
/// the plan's identity is not the example's (unless a rehearsal), the backup
/// and export media are usable, and the machine is air-gapped with a plausible clock (or the plan, for a
/// rehearsal, says otherwise, and the transcript will say so).
pub fn preflight(
    plan: &Plan,
    opts: &RunOptions,
    ui: &mut dyn CeremonyUi,
    clock: &dyn Clock,
) -> Result<Preflight, CeremonyError> {
    let armed = media::interrupt::arm();
    plan.check_no_placeholders()?;
    if plan.is_rehearsal() && !plan.placeholders().is_empty() {
        ui.event(&Event::Warning(
            "this rehearsal keeps the example's placeholder identity: never use its key".into(),
        ));
    }
    let (backups, export) = checked_media(plan).map_err(|(_, e)| e)?;
    // A witness's cert that cannot be used is said before any key exists.
    let witnesses = super::witness::load(plan, clock.now())?;
    let all = plan.media.backup.iter().map(PathBuf::as_path);
    for m in all
        .chain(Some(plan.media.export.as_path()))
        .chain(plan.shares.media())
    {
        for d in media::failed_on(m) {
            ui.event(&Event::Warning(format!(
                "{} is what a ceremony that stopped left: destroy it (it may hold a key or shares of a passphrase)",
                crate::text::printable(&d.display().to_string())
            )));
        }
    }
    let root = opts
        .system_root
        .clone()
        .unwrap_or_else(|| PathBuf::from("/"));
    let airgap = airgap::check(&root, clock.now());
    for f in airgap
        .findings
        .iter()
        .filter(|f| f.severity > Severity::Info)
    {
        ui.event(&Event::Warning(f.message.clone()));
    }
    if airgap.network_up() {
        if !plan.airgap.allow_network {
            return Err(CeremonyError::AirGap(
                "a network interface is up, and a ceremony needs an air gap: unplug it or take it \
                 down (`ip link set DEV down`), or for a rehearsal only set [airgap] \
                 allow_network = true in the plan"
                    .into(),
            ));
        }
        ui.event(&Event::Warning(
            "the plan allows a network (allow_network = true): this is a rehearsal, and the transcript says so".into(),
        ));
    }
    if let Some(clock) = airgap.clock_wrong() {
        if !plan.airgap.allow_wrong_clock {
            return Err(CeremonyError::AirGap(format!(
                "{}; keys and signatures made now would carry that wrong date. For a rehearsal \
                 only, set [airgap] allow_wrong_clock = true in the plan",
                clock.message
            )));
        }
        ui.event(&Event::Warning(
            "the plan allows a wrong clock (allow_wrong_clock = true): this is a rehearsal, and the transcript says so".into(),
        ));
    }
    for failure in opts.hardening.iter().flat_map(Hardening::failures) {
        ui.event(&Event::Warning(failure));
    }
    Ok(Preflight {
        backups,
        export,
        airgap,
        root,
        armed,
        witnesses,
    })
}

/// The plan's media as they are now, as a form shows them: the field (0
/// backups, 1 export, 2 share sheets) and the problem. A ceremony's
/// pre-flight checks the same before its first write.
pub fn check_media(plan: &Plan) -> Result<(), (usize, media::MediaError)> {
    checked_media(plan).map(|_| ())
}

/// Every medium of the plan checked (there, a writable directory with room,
/// not the machine's own disk), and checked against each other: no two are
/// one directory under two names or one inside another, and unless a
/// rehearsal allows it, backups are on devices of their own, and the export
/// and the share sheets each on a device apart from every backup and from
/// each other (the sheets must never go online with the export). The
/// backups and the export, for the ceremony; errors by form field.
fn checked_media(plan: &Plan) -> Result<(Vec<Medium>, Medium), (usize, media::MediaError)> {
    let plain = plan.media.allow_same_device;
    let backups = Medium::check_backups(&plan.media.backup, plain).map_err(|e| (0, e))?;
    let export = Medium::check(&plan.media.export)
        .and_then(|m| m.refuse_root_disk(plain))
        .map_err(|e| (1, e))?;
    let sheets: Vec<Medium> = plan
        .shares
        .media()
        .into_iter()
        .map(|m| Medium::check(m).and_then(|m| m.refuse_root_disk(plain)))
        .collect::<Result<_, _>>()
        .map_err(|e| (2, e))?;
    const BACKUP: &str = "the backup medium";
    const EXPORT: &str = "the export medium";
    const SHEETS: &str = "the share sheets' medium";
    for b in &backups {
        export
            .refuse_overlap(EXPORT, b, BACKUP)
            .map_err(|e| (1, e))?;
    }
    for (i, s) in sheets.iter().enumerate() {
        for (other, what) in backups
            .iter()
            .map(|b| (b, BACKUP))
            .chain(Some((&export, EXPORT)))
            .chain(sheets[..i].iter().map(|s| (s, SHEETS)))
        {
            s.refuse_overlap(SHEETS, other, what).map_err(|e| (2, e))?;
        }
    }
    if !plain {
        // Sheets and the export travel apart from the backups: a backup
        // stick that also held the shares would hold the key and its
        // passphrase.
        let apart = Some((EXPORT, &export, 1))
            .into_iter()
            .chain(sheets.iter().map(|s| (SHEETS, s, 2)));
        for (what, m, field) in apart {
            if let Some(b) = backups.iter().find(|b| b.device() == m.device()) {
                return Err((
                    field,
                    media::MediaError::WithBackup {
                        what,
                        path: m.root().to_owned(),
                        backup: b.root().to_owned(),
                    },
                ));
            }
        }
        if let Some(s) = sheets.iter().find(|s| s.device() == export.device()) {
            return Err((
                2,
                media::MediaError::SharesWithExport {
                    shares: s.root().to_owned(),
                    export: export.root().to_owned(),
                },
            ));
        }
    }
    Ok((backups, export))
}

/// Every file a secret will be handed to must not exist yet: checked before
/// the first write, so that a refusal costs nothing (the card PIN file used
/// to be found only at the card step, after backups and shares were written).
pub fn check_delivery_targets(plan: &Plan) -> Result<(), CeremonyError> {
    let targets = [
        plan.passphrase.deliver_to.as_deref(),
        plan.cards
            .pins_deliver_to
            .as_deref()
            .filter(|_| plan.cards_total() > 0),
    ];
    for d in targets.into_iter().flatten() {
        let to = media::Handover::parse(d).map_err(CeremonyError::Delivery)?;
        if let Some(p) = to.file().filter(|p| p.symlink_metadata().is_ok()) {
            return Err(media::MediaError::Exists { path: p.to_owned() }.into());
        }
    }
    Ok(())
}

/// The start every ceremony on an existing key shares (renew, subkey
/// changes): the pre-flight, then the backup proven and opened from the
/// shares before anything is written (a wrong share costs nothing), then the
/// session, whose first event names the key and the ceremony it continues,
/// and whose next records which backup and shares opened it. Step 1 and 2.
pub fn open_existing<'a>(
    flow: Flow,
    plan: &Plan,
    backup: &Path,
    shares: &[Share],
    opts: &RunOptions,
    ui: &'a mut dyn CeremonyUi,
    clock: &'a dyn Clock,
) -> Result<(Session<'a>, restore::Opened), CeremonyError> {
    open_existing_checked(flow, plan, backup, shares, opts, ui, clock, &|_| Ok(()))
}

/// `open_existing`, with `refuse` asked, once the key is open and before
/// anything is written, whether the flow can do what it was asked on this
/// key (a change it would only find impossible after writing backups).
#[allow(clippy::too_many_arguments)]
pub fn open_existing_checked<'a>(
    mut flow: Flow,
    plan: &Plan,
    backup: &Path,
    shares: &[Share],
    opts: &RunOptions,
    ui: &'a mut dyn CeremonyUi,
    clock: &'a dyn Clock,
    refuse: &dyn Fn(&restore::Opened) -> Result<(), CeremonyError>,
) -> Result<(Session<'a>, restore::Opened), CeremonyError> {
    plan.validate_on_key()?;
    let total = flow.steps;
    let step = |ui: &mut dyn CeremonyUi, number, title| {
        ui.event(&Event::Step {
            number,
            total,
            title,
        })
    };
    step(ui, 1, "Pre-flight: media and air gap");
    let pre = preflight(plan, opts, ui, clock)?;
    step(ui, 2, "Opening the backup from the shares");
    let opened = restore::open_for_ceremony(backup, shares)?;
    refuse(&opened)?;
    super::witness::refuse_own_key(&pre.witnesses, &opened.restored.cert)?;
    check_roles_kept(
        plan,
        flow.name,
        backup,
        &opened.restored.cert,
        ui,
        clock.now(),
    )?;
    let r = &opened.restored;
    let retired = restore::rotated_away(backup, &r.fingerprint);
    let own = opened.previous_bundle.as_ref().map_or(0, |p| p.sequence);
    // On the backup's own medium, or on any medium this ceremony writes
    // to (the backup may be a copy of an older one, brought from elsewhere).
    let newer = restore::newer_on_medium(backup, &r.fingerprint, own).or_else(|| {
        plan.media
            .backup
            .iter()
            .chain(std::iter::once(&plan.media.export))
            .find_map(|m| {
                restore::newer_in(m, None, &r.fingerprint, own)
                    .map(|(name, seq)| (m.join(name).display().to_string(), seq))
            })
    });
    let what = match (&retired, &newer) {
        (Some((dir, st)), _) => Some(format!(
            "key {} was rotated away: ceremony {} on the same medium replaced it by {} ({}, effective {})",
            r.fingerprint, dir, st.new, st.reason, st.effective
        )),
        (None, Some((dir, seq))) => Some(format!(
            "{} is not the newest backup of key {}: ceremony {dir} is newer (bundle {seq}, this one {own}), and a ceremony from this one would undo what came after it (a subkey revoked, a cosign key revoked, say)",
            backup.display(),
            r.fingerprint
        )),
        (None, None) => None,
    };
    if let Some(what) = &what {
        if !opts.allow_older_backup {
            return Err(CeremonyError::OlderBackup(what.clone()));
        }
        ui.event(&Event::Warning(format!(
            "{what}. Going on as --allow-older-backup asks: verifiers that saw the newer ceremony will refuse this one's bundle, and the transcript records the override"
        )));
    }
    ui.event(&Event::Verified(format!(
        "shares {:?} open {} to {}",
        r.indices,
        backup.display(),
        r.fingerprint
    )));
    if let Value::Object(extra) = &mut flow.start {
        extra.insert("key".into(), json!(r.fingerprint));
        extra.insert("previous".into(), json!(opened.previous));
        if let Some((dir, st)) = &retired {
            extra.insert(
                "retired_key_override".into(),
                json!({ "rotated_by": dir, "replaced_by": st.new, "effective": st.effective }),
            );
        }
        if let (None, Some((dir, seq))) = (&retired, &newer) {
            extra.insert(
                "older_backup_override".into(),
                json!({ "newer": dir, "newer_sequence": seq, "this_sequence": own }),
            );
        }
    }
    // A certificate the plan brings is checked (and the tokens' PIN read)
    // before anything is written.
    let certificate = super::cosign::certificate_check(plan, &opened.carried, ui, clock.now())?;
    // Where the cosign key went since its last ceremony (audit records on
    // the backup media), each checked against the key before anything is
    // written; the bundle names every token it is in.
    let current = super::cosign::carried_public(&opened.carried).map(|p| p.fingerprint());
    let audited = super::cosign_audit::newer_records(
        backup,
        &plan.media.backup,
        &opened.restored.cert,
        current.as_deref(),
    )?;
    let mut session = Session::open(flow, plan, pre, opts, ui, clock)?;
    session.previous_bundle = opened.previous_bundle.clone();
    session.carried = opened.carried.clone();
    session.pending_revocations = opened.pending_revocations.clone();
    session.cosign_tokens = restore::bundle_info(backup)
        .map(|i| i.cosign_tokens)
        .unwrap_or_default();
    for a in &audited {
        if a.placement.tier != "file" && !session.cosign_tokens.contains(&a.placement.place) {
            session.cosign_tokens.push(a.placement.place.clone());
        }
    }
    session.record(
        EventKind::BackupOpened,
        json!({
            "bundle": backup,
            "fingerprint": r.fingerprint,
            "set_id": r.set_id,
            "shares_used": r.indices,
        }),
    )?;
    if !audited.is_empty() {
        session.record(EventKind::CosignAudited, json!({ "records": audited }))?;
    }
    if let Some(c) = certificate {
        super::cosign::certificate_place(&mut session, plan, c)?;
    }
    Ok((session, opened))
}

/// Which flow a session runs: its name in the transcript, its number of
/// steps on screen, and its own facts for the transcript's first event.
pub struct Flow {
    pub name: &'static str,
    pub steps: usize,
    pub start: Value,
}

/// A ceremony in progress: its transcript, its directories, the operator.
pub struct Session<'a> {
    ui: &'a mut dyn CeremonyUi,
    clock: &'a dyn Clock,
    id: String,
    transcript: Transcript,
    export: Bundle,
    backups: Vec<Bundle>,
    backup_media: Vec<Medium>,
    steps: usize,
    flow: &'static str,
    online: crate::plan::OnlineSpec,
    /// The bundle this ceremony's bundle continues: sequence and SHA-256.
    previous_bundle: Option<crate::online::bundle::Previous>,
    /// The files that travel with the key (rotation files, the cosign key's
    /// public files), carried into this ceremony's backups and bundle.
    carried: Vec<(String, Vec<u8>)>,
    /// The tokens the cosign key was put into after its ceremony (by
    /// `hsm provision`, `piv provision`: crate::ceremony::cosign_audit), as
    /// the last bundle and the audit records since name them.
    cosign_tokens: Vec<String>,
    /// Old primaries' revocations kept on the backups until their transition ends.
    pending_revocations: Vec<(String, Vec<u8>)>,
    /// Directories made on other media (share sheets), for a failure's account.
    others: std::cell::RefCell<Vec<PathBuf>>,
    /// The bundle description, once the backups got theirs.
    sealed: Option<(crate::online::bundle::BundleInfo, String)>,
    /// Signals stop the ceremony at a safe point while it writes.
    _armed: media::interrupt::Armed,
    /// The failure is in the transcript already (signed, after "complete").
    failure_recorded: bool,
    /// The witnesses who countersign at the end (docs/witnesses.md).
    witnesses: Vec<super::witness::Witness>,
    /// The witnesses' files from the start (statement and signatures), for
    /// the backups once they exist.
    start_witness_files: Vec<(String, Vec<u8>)>,
}

impl<'a> Session<'a> {
    /// Opens the ceremony's directory on the export medium and starts the
    /// transcript there: who, where, which flow, the plan, and the pre-flight.
    /// `start` adds the flow's own facts to the first event.
    pub fn open(
        flow: Flow,
        plan: &Plan,
        pre: Preflight,
        opts: &RunOptions,
        ui: &'a mut dyn CeremonyUi,
        clock: &'a dyn Clock,
    ) -> Result<Session<'a>, CeremonyError> {
        let Flow { name, steps, start } = flow;
        // The key a flow on an existing key opened, for a start statement.
        let start_key = start.get("key").and_then(Value::as_str).map(str::to_owned);
        // A signal before anything is written stops the ceremony here.
        if let Some(signal) = media::interrupt::requested() {
            return Err(media::MediaError::Interrupted {
                signal,
                path: pre.export.root().to_owned(),
            }
            .into());
        }
        let started = clock.now();
        // Two ceremonies in one second (a renew right after the demo) would
        // want the same directory name: the later one takes the next free
        // suffix on every medium it writes, and older directories stay as
        // they are.
        let base = ceremony_id(started);
        let taken = |id: &str| {
            pre.backups
                .iter()
                .chain(Some(&pre.export))
                .any(|m| m.root().join(id).symlink_metadata().is_ok())
        };
        let id = std::iter::once(base.clone())
            .chain((2..).map(|n| format!("{base}-{n}")))
            .find(|id| !taken(id))
            .unwrap_or(base);
        // Each medium as a device, recorded as the ceremony starts: the
        // transcript says which file system every directory went to.
        let devices: Vec<Value> = pre
            .backups
            .iter()
            .chain(Some(&pre.export))
            .map(|m| {
                json!({
                    "medium": m.root(),
                    "device": format!("{}:{}", rustix::fs::major(m.device()), rustix::fs::minor(m.device())),
                    "free": m.free(),
                })
            })
            .collect();
        let export = pre.export.create_bundle(&id, true)?;
        let transcript = Transcript::create(&export.dir().join(TRANSCRIPT))?;
        let mut session = Session {
            ui,
            clock,
            id,
            transcript,
            export,
            backups: Vec::new(),
            backup_media: pre.backups,
            steps,
            flow: name,
            online: plan.online.clone(),
            previous_bundle: None,
            carried: Vec::new(),
            cosign_tokens: Vec::new(),
            pending_revocations: Vec::new(),
            others: std::cell::RefCell::new(Vec::new()),
            sealed: None,
            _armed: pre.armed,
            failure_recorded: false,
            witnesses: pre.witnesses,
            start_witness_files: Vec::new(),
        };
        let mut data = json!({
            "flow": name,
            "ceremony_id": session.id,
            "tool": env!("CARGO_PKG_NAME"),
            "version": env!("CARGO_PKG_VERSION"),
            "operator": plan.ceremony.operator,
            "witnesses": plan.ceremony.witnesses,
            "signing_witnesses": session
                .witnesses
                .iter()
                .map(|w| json!({ "name": w.name, "fingerprint": w.fingerprint }))
                .collect::<Vec<_>>(),
            "host": hostname(&pre.root),
            "plan_sha256": opts.plan_sha256,
            "plan": plan,
        });
        if let (Some(d), Value::Object(extra)) = (data.as_object_mut(), start) {
            d.extend(extra);
        }
        session.transcript.append(started, EventKind::Start, data)?;
        session.record(
            EventKind::Preflight,
            json!({
                "backup_media": plan.media.backup,
                "export_medium": plan.media.export,
                "devices": devices,
                "airgap": pre.airgap.findings,
                "allow_network": plan.airgap.allow_network,
                "allow_same_device": plan.media.allow_same_device,
                                "allow_wrong_clock": plan.airgap.allow_wrong_clock,
                "hardening": opts.hardening,
            }),
        )?;
        // The witnesses sign what they saw before anything is made: the
        // plan (its hash) and the pre-flight's findings.
        if plan.ceremony.witnesses_sign_start && !session.witnesses.is_empty() {
            let worst = pre
                .airgap
                .findings
                .iter()
                .filter(|f| f.severity > Severity::Info)
                .map(|f| f.message.clone())
                .collect::<Vec<_>>();
            let done = format!(
                "the {} starts from the plan with SHA-256 {}; the air-gap check found {}",
                session.flow,
                opts.plan_sha256
                    .as_deref()
                    .unwrap_or("(not given: a plan made on screen)"),
                if worst.is_empty() {
                    "nothing to warn of".to_owned()
                } else {
                    worst.join("; ")
                }
            );
            let key = start_key.unwrap_or_else(|| "(to be made)".to_owned());
            session.start_witness_files =
                session.witness_stage(super::witness::Stage::Start, &key, done)?;
        }
        Ok(session)
    }

    /// Runs the flow's steps; whatever fails is recorded in the transcript
    /// (best effort: the medium may be what failed; error texts carry no secrets).
    pub fn run<T>(
        mut self,
        steps: impl FnOnce(&mut Session<'a>) -> Result<T, CeremonyError>,
    ) -> Result<T, CeremonyError> {
        let result = steps(&mut self);
        let Err(e) = result else {
            return result;
        };
        if !self.failure_recorded {
            let _ = self.record(EventKind::Failed, json!({ "error": e.to_string() }));
        }
        // Mark what was left (renamed FAILED-...), and say where, and what
        // to do with it.
        let why = format!(
            "Ceremony {} ({}) stopped: {}",
            self.id,
            self.flow,
            crate::text::printable(&e.to_string())
        );
        // A directory whose medium went away (unmounted, pulled) cannot be
        // marked: it is named all the same, for when the stick is back.
        let (present, gone): (Vec<PathBuf>, Vec<PathBuf>) = self
            .backup_dirs()
            .into_iter()
            .chain(self.others.borrow().iter().cloned())
            .partition(|d| d.exists());
        let mut made: Vec<PathBuf> = present
            .iter()
            .map(|d| media::mark_failed(d, &why))
            .collect();
        made.extend(gone.iter().map(|d| {
            let mut p = d.clone().into_os_string();
            p.push(" (its medium went away: when that stick is back, this directory is on it)");
            PathBuf::from(p)
        }));
        let export = media::mark_failed(&self.export_dir(), &why);
        Err(CeremonyError::Stopped {
            advice: stopped_advice(self.flow, &made, &export),
            cause: Box::new(e),
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn ui(&mut self) -> &mut dyn CeremonyUi {
        self.ui
    }

    pub fn now(&self) -> std::time::SystemTime {
        self.clock.now()
    }

    pub fn step(&mut self, number: usize, title: &'static str) {
        self.ui.event(&Event::Step {
            number,
            total: self.steps,
            title,
        });
    }

    pub fn event(&mut self, event: Event) {
        self.ui.event(&event);
    }

    pub fn record(&mut self, kind: EventKind, data: Value) -> Result<(), CeremonyError> {
        self.transcript.append(self.clock.now(), kind, data)?;
        Ok(())
    }

    pub fn record_file(&mut self, w: &WrittenFile) -> Result<(), CeremonyError> {
        self.record(EventKind::FileWritten, json!(w))?;
        self.ui.event(&Event::FileWritten {
            path: w.path.clone(),
            sha256: w.sha256.clone(),
        });
        Ok(())
    }

    /// The ceremony's directory on every backup medium (private: 0700).
    pub fn open_backups(&mut self) -> Result<(), CeremonyError> {
        for m in &self.backup_media {
            self.backups.push(m.create_bundle(&self.id, false)?);
        }
        Ok(())
    }

    /// A new private directory of this ceremony on each of `media`.
    pub fn open_bundles(&self, media: &[Medium]) -> Result<Vec<Bundle>, CeremonyError> {
        let bundles: Vec<Bundle> = media
            .iter()
            .map(|m| m.create_bundle(&self.id, false))
            .collect::<Result<_, _>>()?;
        self.others
            .borrow_mut()
            .extend(bundles.iter().map(|b| b.dir().to_owned()));
        Ok(bundles)
    }

    pub fn backups(&self) -> &[Bundle] {
        &self.backups
    }

    pub fn backup_dirs(&self) -> Vec<PathBuf> {
        self.backups.iter().map(|b| b.dir().to_owned()).collect()
    }

    pub fn export_dir(&self) -> PathBuf {
        self.export.dir().to_owned()
    }

    pub fn transcript_path(&self) -> PathBuf {
        self.transcript.path().to_owned()
    }

    /// Where this ceremony wrote, for its report; `fingerprint` is the key's.
    pub fn written(&self, fingerprint: &str) -> super::Written {
        super::Written {
            ceremony_id: self.id.clone(),
            fingerprint: fingerprint.to_owned(),
            backups: self.backup_dirs(),
            export: self.export_dir(),
            transcript: self.transcript_path(),
        }
    }

    /// Writes the same files to every backup directory, each read back.
    pub fn write_backups(
        &mut self,
        files: &[(&str, &[u8], FileMode)],
    ) -> Result<(), CeremonyError> {
        for i in 0..self.backups.len() {
            for (name, bytes, mode) in files {
                let w = self.backups[i].write(name, bytes, *mode)?;
                self.record_file(&w)?;
            }
        }
        Ok(())
    }

    /// The restore rehearsal's last part, and every later flow's proof that
    /// what it wrote opens: `shares` (read back from their media, or typed
    /// by the operator) open every backup directory of this ceremony, each
    /// proven as a restore proves it, to the key `fingerprint`.
    pub fn open_backups_with(
        &mut self,
        shares: &[Share],
        fingerprint: &str,
    ) -> Result<Vec<u8>, CeremonyError> {
        let dirs = self.backup_dirs();
        let mut used = Vec::new();
        for dir in dirs {
            let restored = restore::unlock(&dir, shares, restore::Proof::BeforeManifest)?;
            if restored.fingerprint != fingerprint {
                return Err(CeremonyError::BackupCheck {
                    medium: dir,
                    reason: format!("it holds {} instead of {fingerprint}", restored.fingerprint),
                });
            }
            self.record(
                EventKind::RehearsalPassed,
                json!({
                    "bundle": dir,
                    "fingerprint": restored.fingerprint,
                    "shares_used": restored.indices,
                }),
            )?;
            self.event(Event::Verified(format!(
                "shares {:?} open {} to {}",
                restored.indices,
                dir.display(),
                restored.fingerprint
            )));
            used = restored.indices;
        }
        Ok(used)
    }

    /// The middle every ceremony on an existing key shares: `key` goes to
    /// every backup protected by the passphrase the shares hold, with the
    /// revocation certificate and share set carried over from `opened`;
    /// then `shares` must open every new backup. Steps `first` and `first + 1`.
    pub fn write_key(
        &mut self,
        first: usize,
        key: &Cert,
        opened: &restore::Opened,
        shares: &[Share],
    ) -> Result<BackupFiles, CeremonyError> {
        self.step(first, "Writing the backup media");
        // The directories are made only now, when there is a key to put in
        // them: a change refused before leaves no empty ones behind.
        self.open_backups()?;
        let files = BackupFiles::new(
            key,
            &opened.restored.passphrase,
            opened.revocation.clone(),
            &opened.set_info,
            opened.restored.cosign.as_ref(),
        )?;
        self.write_backups(&files.files())?;
        self.step(
            first + 1,
            "Rehearsal: the same shares open every new backup",
        );
        self.open_backups_with(shares, &opened.restored.fingerprint)?;
        Ok(files)
    }

    /// The end of a ceremony on an existing key: its cert to the export
    /// medium, then `close` (`complete` adds the flow's own facts; `others`
    /// are further directories to close, such as new shares' media).
    pub fn export_and_close(
        &mut self,
        step: usize,
        key: &Cert,
        files: &BackupFiles,
        complete: Value,
        others: &mut [Bundle],
    ) -> Result<(), CeremonyError> {
        self.step(step, "Writing the export medium, signing the transcript");
        self.seal_backups(key)?;
        self.export(CERT_FILE, &files.public)?;
        let mut data = json!({
            "fingerprint": key.fingerprint().to_hex(),
            "backups": self.backup_dirs(),
            "export": self.export_dir(),
        });
        if let (Some(d), Value::Object(extra)) = (data.as_object_mut(), complete) {
            d.extend(extra);
        }
        self.close(key, data, others)
    }

    /// Writes one public file to the export directory.
    pub fn export(&mut self, name: &str, bytes: &[u8]) -> Result<(), CeremonyError> {
        let w = self.export.write(name, bytes, FileMode::Public)?;
        self.record_file(&w)
    }

    /// Ends the ceremony: `complete` goes into the last event, the transcript
    /// is signed by `key`'s primary and copied to every backup, and every
    /// directory (the backups, `others` such as share media, the export) gets
    /// its MANIFEST signed by `key`'s signing subkey, checked as read back.
    pub fn close(
        &mut self,
        key: &Cert,
        complete: Value,
        others: &mut [Bundle],
    ) -> Result<(), CeremonyError> {
        self.write_bundle(key)?;
        self.countersign(key)?;
        self.record(EventKind::Complete, complete)?;
        let sig = openpgp::sign_detached(
            key,
            SignWith::Primary,
            self.transcript.contents(),
            self.clock.now(),
        )?;
        let written = self.write_signed_transcript_and_manifests(key, &sig, others);
        if let Err(e) = &written {
            // "Complete" was signed, but a medium did not get its whole
            // copy or its MANIFEST: the transcript says so, signed again,
            // so that it reads as a ceremony that did not complete rather
            // than as one that did (or as a manipulated one).
            if self
                .record(EventKind::Failed, json!({ "error": e.to_string() }))
                .is_ok()
            {
                self.failure_recorded = true;
                if let Ok(sig) = openpgp::sign_detached(
                    key,
                    SignWith::Primary,
                    self.transcript.contents(),
                    self.clock.now(),
                ) {
                    let path = self.export.dir().join(TRANSCRIPT_SIG);
                    let _ = media::replace_file(&path, &sig, 0o644);
                    // The backups' copies say "complete" too, if they got
                    // theirs: each gets the failure as well, where its
                    // medium still takes it.
                    for b in &self.backups {
                        if b.dir().join(TRANSCRIPT).symlink_metadata().is_ok() {
                            let _ = media::replace_file(
                                &b.dir().join(TRANSCRIPT),
                                self.transcript.contents(),
                                0o644,
                            );
                            let _ = media::replace_file(&b.dir().join(TRANSCRIPT_SIG), &sig, 0o644);
                        }
                    }
                }
            }
        }
        written
    }

    /// The witnesses countersign the ceremony as its transcript stands
    /// (everything done, before "complete"): the statement shown to each,
    /// signed on their cards, checked, written beside the transcript on
    /// every medium (the MANIFEST lists it), and what each did recorded.
    /// With `at_start`'s files (the witnesses' signatures at the start, when
    /// the plan asks for them), which the backups get here too.
    fn countersign(&mut self, key: &Cert) -> Result<(), CeremonyError> {
        if self.witnesses.is_empty() {
            return Ok(());
        }
        let done = format!(
            "the {} of key {} as its transcript records it, written to {} and the export medium {}",
            self.flow,
            key.fingerprint().to_hex(),
            crate::text::count(self.backups.len(), "backup", "backups"),
            self.export.dir().display()
        );
        let files = self.witness_stage(
            super::witness::Stage::End,
            &key.fingerprint().to_hex(),
            done,
        )?;
        let start = std::mem::take(&mut self.start_witness_files);
        for (name, bytes) in start.iter().chain(&files) {
            for b in &mut self.backups {
                b.write(name, bytes, FileMode::Public)?;
            }
        }
        Ok(())
    }

    /// One round of witnesses: the statement over the transcript as it
    /// stands, signed on their cards, written to the export directory and
    /// recorded (`witnesses.signed`, with the stage). Returns the files.
    fn witness_stage(
        &mut self,
        stage: super::witness::Stage,
        key: &str,
        done: String,
    ) -> Result<Vec<(String, Vec<u8>)>, CeremonyError> {
        use super::witness::{self, Statement};
        let statement = Statement {
            ceremony: self.id.clone(),
            flow: stage.flow(self.flow),
            key: key.to_owned(),
            transcript_sha256: crate::media::sha256_hex(self.transcript.contents()),
            time: humantime::format_rfc3339_seconds(self.clock.now()).to_string(),
            done,
            witnesses: self
                .witnesses
                .iter()
                .map(|w| format!("{} {}", w.name, w.fingerprint))
                .collect(),
        }
        .text();
        let outcomes =
            witness::countersign(self.ui, &mut super::PcscCards, &self.witnesses, &statement)?;
        let mut files = vec![(stage.statement_file(), statement.clone().into_bytes())];
        for o in &outcomes {
            if let Some(sig) = &o.signature {
                files.push((stage.signature_file(&o.fingerprint), sig.clone()));
            }
        }
        for (name, bytes) in &files {
            self.export.write(name, bytes, FileMode::Public)?;
        }
        self.record(
            EventKind::Witnessed,
            json!({
                "stage": stage.name(),
                "statement": stage.statement_file(),
                "statement_sha256": crate::media::sha256_hex(statement.as_bytes()),
                "witnesses": outcomes,
                "files": files
                    .iter()
                    .map(|(n, b)| json!({ "name": n, "sha256": crate::media::sha256_hex(b) }))
                    .collect::<Vec<_>>(),
            }),
        )?;
        Ok(files)
    }

    /// `close`'s second half: the signed transcript on every medium, then
    /// every directory's MANIFEST, signed and read back.
    fn write_signed_transcript_and_manifests(
        &mut self,
        key: &Cert,
        sig: &[u8],
        others: &mut [Bundle],
    ) -> Result<(), CeremonyError> {
        self.export.adopt(TRANSCRIPT)?;
        self.export.write(TRANSCRIPT_SIG, sig, FileMode::Public)?;
        for bundle in &mut self.backups {
            bundle.write(TRANSCRIPT, self.transcript.contents(), FileMode::Public)?;
            bundle.write(TRANSCRIPT_SIG, sig, FileMode::Public)?;
        }
        let all = self
            .backups
            .iter_mut()
            .chain(others.iter_mut())
            .chain(Some(&mut self.export));
        for bundle in all {
            let (manifest, text) = bundle.write_manifest()?;
            let sig =
                openpgp::sign_detached(key, SignWith::SigningSubkey, &text, self.clock.now())?;
            bundle.write(MANIFEST_SIG, &sig, FileMode::Public)?;
            media::check_manifest(bundle.dir())?;
            self.ui.event(&Event::Verified(format!(
                "{} lists {} files, all read back",
                manifest.path.display(),
                bundle.files().len() - 2
            )));
        }
        Ok(())
    }
}

impl Session<'_> {
    /// Keeps an old primary's revocation on the backups until its transition
    /// ends (then a ceremony's bundle publishes it).
    pub fn add_pending_revocation(&mut self, name: String, bytes: Vec<u8>) {
        self.pending_revocations.push((name, bytes));
    }

    /// The pending revocations whose rotation's transition has ended at `now`.
    fn due_revocations(&self, now: std::time::SystemTime) -> Vec<String> {
        let statements: Vec<crate::online::rotation::Statement> = self
            .carried
            .iter()
            .filter(|(n, _)| crate::online::rotation::is_rotation_file(n) && n.ends_with(".json"))
            .filter_map(|(_, b)| crate::online::rotation::Statement::parse(b).ok())
            .collect();
        self.pending_revocations
            .iter()
            .map(|(n, _)| n)
            .filter(|n| {
                let Some(old) = crate::online::rotation::revoked_by_file(n) else {
                    return false;
                };
                statements.iter().any(|st| {
                    st.old.eq_ignore_ascii_case(old)
                        && humantime::parse_rfc3339(&st.transition_until)
                            .is_ok_and(|end| now >= end)
                })
            })
            .cloned()
            .collect()
    }

    /// Adds files that travel with the key from now on (a rotation's, the
    /// cosign key's binding), replacing any of the same name.
    pub fn add_carried_files(&mut self, files: Vec<(String, Vec<u8>)>) {
        self.carried
            .retain(|(n, _)| !files.iter().any(|(f, _)| f == n));
        self.carried.extend(files);
    }

    /// A new cosign key (or none) lives in no token the old one was put in.
    pub fn forget_cosign_tokens(&mut self) {
        self.cosign_tokens.clear();
    }

    /// The carried file `name`, if the key carries it.
    fn carried_file(&self, name: &str) -> Option<&[u8]> {
        self.carried
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_slice())
    }

    /// Stops carrying the files `names` (a replaced cosign key's certificate).
    pub fn drop_carried_files(&mut self, names: &[&str]) {
        self.carried.retain(|(n, _)| !names.contains(&n.as_str()));
    }

    /// The newest rotation statement carried (name, bytes), if any.
    pub fn last_statement(&self) -> Option<(usize, &[u8])> {
        (1..)
            .map_while(|n| {
                let name = crate::online::rotation::files(n).statement;
                self.carried
                    .iter()
                    .find(|(f, _)| *f == name)
                    .map(|(_, b)| (n, b.as_slice()))
            })
            .last()
    }

    /// Writes what the backups get at the end before anything goes to the
    /// export medium: the rotation files this key carries and `bundle.json`.
    /// A backup medium that fills up now stops the ceremony with nothing
    /// exported (flows call this before exporting the cert; `close` makes
    /// sure it ran).
    pub fn seal_backups(&mut self, key: &Cert) -> Result<(), CeremonyError> {
        use crate::online::bundle::{self, BundleFiles, BundleInfo};
        if self.sealed.is_some() {
            return Ok(());
        }
        let now = self.clock.now();
        let fpr = key.fingerprint().to_hex();
        let scopes: Vec<bundle::Scope> = self
            .online
            .scopes
            .iter()
            .map(|s| {
                bundle::Scope::parse(s).map_err(|e| {
                    CeremonyError::Plan(crate::plan::PlanError::Invalid(format!(
                        "online.scopes has {s:?}: {e}"
                    )))
                })
            })
            .collect::<Result<_, _>>()?;
        let signing_roles = openpgp::signing_roles(key, now);
        if signing_roles.is_empty() {
            if let Some(scope) = self.online.two_person.first() {
                return Err(CeremonyError::Request(format!(
                    "online.two_person has {scope:?}, but key {fpr} has no named signing role in force: add one first (`keyceremony subkey rotate --role signing --signing-role NAME` adds a role's subkey), or take the scope from two_person"
                )));
            }
        }
        // A cosign rotation's transition that has ended: the old key's
        // public half stops travelling with the key.
        let ended = self
            .carried_file(crate::cosign::rotation::STATEMENT_FILE)
            .and_then(|b| crate::cosign::rotation::CosignRotation::parse(b).ok())
            .is_some_and(|st| !st.in_transition(now));
        if ended {
            self.drop_carried_files(&[crate::cosign::rotation::PREVIOUS_PUBLIC_FILE]);
        }
        // The statements a signing subkey co-signs are signed again by the
        // subkey in force: one revoked since (as compromised) vouches for
        // nothing, and verify refuses its signature.
        for (statement, sig) in [
            (
                crate::cosign::binding::STATEMENT_FILE,
                crate::cosign::binding::SUBKEY_SIG_FILE,
            ),
            (
                crate::cosign::rotation::STATEMENT_FILE,
                crate::cosign::rotation::SUBKEY_SIG_FILE,
            ),
            (
                crate::cosign::revocation::STATEMENT_FILE,
                crate::cosign::revocation::SUBKEY_SIG_FILE,
            ),
        ] {
            if let Some(bytes) = self.carried_file(statement).map(<[u8]>::to_vec) {
                let fresh = openpgp::sign_detached(key, SignWith::SigningSubkey, &bytes, now)?;
                self.add_carried_files(vec![(sig.to_owned(), fresh)]);
            }
        }
        for (name, bytes) in self.carried.clone() {
            for i in 0..self.backups.len() {
                let w = self.backups[i].write(&name, &bytes, FileMode::Public)?;
                self.record_file(&w)?;
            }
        }
        for (name, bytes) in self.pending_revocations.clone() {
            for i in 0..self.backups.len() {
                let w = self.backups[i].write(&name, &bytes, FileMode::Private)?;
                self.record_file(&w)?;
            }
        }
        let statements: Vec<String> = (1..)
            .map(|n| crate::online::rotation::files(n).statement)
            .take_while(|name| self.carried.iter().any(|(f, _)| f == name))
            .collect();
        let policy = (!scopes.is_empty()).then(|| bundle::POLICY_FILE.to_owned());
        let cosign = self
            .carried
            .iter()
            .any(|(n, _)| n == crate::cosign::PUBLIC_FILE)
            .then(|| crate::cosign::PUBLIC_FILE.to_owned());
        let registries_d =
            bundle::registries_d(&scopes, self.online.lookaside.as_deref(), cosign.is_some())
                .map(|_| bundle::REGISTRIES_D_FILE.to_owned());
        let carries = |name: &str| self.carried_file(name).map(|_| name.to_owned());
        let cluster = self
            .cluster_policies(&fpr, &scopes, now)
            .map(|ps| ps.iter().map(|(n, _)| (*n).to_owned()).collect())
            .unwrap_or_default();
        // A bundle is good for the plan's period, and never past the key.
        let mut until = now + self.online.valid_for.duration();
        let policy_std = sequoia_openpgp::policy::StandardPolicy::new();
        if let Ok(vc) = key.with_policy(&policy_std, now) {
            if let Some(end) = vc.primary_key().key_expiration_time() {
                until = until.min(end);
            }
        }
        let stamp = |t| humantime::format_rfc3339_seconds(t).to_string();
        let info = BundleInfo {
            format: bundle::FORMAT,
            key: fpr,
            ceremony_id: self.id.clone(),
            flow: self.flow.to_owned(),
            sequence: self.previous_bundle.as_ref().map_or(1, |p| p.sequence + 1),
            previous_bundle_sha256: self.previous_bundle.as_ref().map(|p| p.sha256.clone()),
            ancestors: self
                .previous_bundle
                .as_ref()
                .map(|p| p.next_ancestors())
                .unwrap_or_default(),
            created: stamp(now),
            valid_until: stamp(until),
            scopes: self.online.scopes.clone(),
            lookaside: self.online.lookaside.clone(),
            // Where the bound key is besides what cosign.json says: tokens
            // it was provisioned into since its ceremony.
            cosign_tokens: if cosign.is_some() {
                self.cosign_tokens.clone()
            } else {
                Vec::new()
            },
            signing_roles,
            two_person: self.online.two_person.clone(),
            files: BundleFiles {
                cert: CERT_FILE.to_owned(),
                keyring: bundle::KEYRING_FILE.to_owned(),
                transcript: TRANSCRIPT.to_owned(),
                policy,
                registries_d,
                rotations: statements,
                revocations: self.due_revocations(now),
                cosign_rotation: carries(crate::cosign::rotation::STATEMENT_FILE),
                cosign_previous: carries(crate::cosign::rotation::PREVIOUS_PUBLIC_FILE),
                cosign_revocations: carries(crate::cosign::revocation::STATEMENT_FILE),
                cosign,
                cluster,
            },
        };
        let text = format!(
            "{}\n",
            serde_json::to_string_pretty(&info).unwrap_or_default()
        );
        for i in 0..self.backups.len() {
            let w =
                self.backups[i].write(bundle::BUNDLE_FILE, text.as_bytes(), FileMode::Public)?;
            self.record_file(&w)?;
        }
        self.record(
            EventKind::BundleWritten,
            json!({ "sequence": info.sequence, "previous_bundle_sha256": info.previous_bundle_sha256, "valid_until": info.valid_until }),
        )?;
        self.sealed = Some((info, text));
        Ok(())
    }

    /// The cluster policies for the cosign key this key carries (or the
    /// refusal of every image when it revoked its last) and the plan's
    /// docker scopes (crate::online::cluster), if both are there.
    fn cluster_policies(
        &self,
        fpr: &str,
        scopes: &[crate::online::bundle::Scope],
        now: std::time::SystemTime,
    ) -> Option<[(&'static str, String); 2]> {
        let text = |name: &str| {
            self.carried_file(name)
                .and_then(|b| std::str::from_utf8(b).ok())
        };
        let keys = crate::online::cluster::keys_at(
            text(crate::cosign::PUBLIC_FILE),
            text(crate::cosign::rotation::PREVIOUS_PUBLIC_FILE),
            self.carried_file(crate::cosign::rotation::STATEMENT_FILE),
            self.carried_file(crate::cosign::revocation::STATEMENT_FILE)
                .is_some(),
            now,
        )?;
        crate::online::cluster::policies(fpr, scopes, &keys)
    }

    /// The export bundle's own files (crate::online::bundle): the keyring, the
    /// rotation files, the containers files the plan asks for, and
    /// `bundle.json` as `seal_backups` made it.
    fn write_bundle(&mut self, key: &Cert) -> Result<(), CeremonyError> {
        use crate::online::bundle;
        self.seal_backups(key)?;
        let Some((info, text)) = self.sealed.clone() else {
            return Ok(());
        };
        let now = self.clock.now();
        self.export(
            bundle::KEYRING_FILE,
            &openpgp::signing_keyring(key, None, now)?,
        )?;
        for role in &info.signing_roles {
            let ring = openpgp::signing_keyring(key, Some(role), now)?;
            self.export(&bundle::role_keyring_file(role), &ring)?;
        }
        let scopes: Vec<bundle::Scope> = self
            .online
            .scopes
            .iter()
            .filter_map(|s| bundle::Scope::parse(s).ok())
            .collect();
        if !info.files.cluster.is_empty() {
            // As made for bundle.json: at its creation.
            let created = humantime::parse_rfc3339(&info.created).unwrap_or(now);
            for (name, text) in self
                .cluster_policies(&info.key, &scopes, created)
                .into_iter()
                .flatten()
            {
                self.export(name, text.as_bytes())?;
            }
        }
        for (name, bytes) in std::mem::take(&mut self.carried) {
            self.export(&name, &bytes)?;
        }
        // Due revocations go online now: their transition is over.
        for (name, bytes) in self.pending_revocations.clone() {
            if info.files.revocations.contains(&name) {
                self.export(&name, &bytes)?;
            }
        }
        if info.files.policy.is_some() {
            let req = info.requirements(info.files.cosign.is_some());
            let fragment = bundle::policy_fragment(&scopes, &req);
            let text = serde_json::to_string_pretty(&fragment).unwrap_or_default();
            self.export(bundle::POLICY_FILE, format!("{text}\n").as_bytes())?;
        }
        if let Some(y) = bundle::registries_d(
            &scopes,
            self.online.lookaside.as_deref(),
            info.files.cosign.is_some(),
        ) {
            self.export(bundle::REGISTRIES_D_FILE, y.as_bytes())?;
        }
        self.export(bundle::BUNDLE_FILE, text.as_bytes())
    }
}

/// What the nodes that installed the key's last bundle hold the next one
/// to (two-person signing, docs/two-person.md): its two-person scopes kept,
/// and, for a new primary, its signing roles; refused before anything is
/// written, since those nodes would refuse the bundle. A plan role the key
/// lacks is named (a subkey rotation adds it).
fn check_roles_kept(
    plan: &Plan,
    flow: &str,
    backup: &Path,
    key: &sequoia_openpgp::Cert,
    ui: &mut dyn CeremonyUi,
    now: std::time::SystemTime,
) -> Result<(), CeremonyError> {
    let Some(last) = restore::bundle_info(backup) else {
        return Ok(());
    };
    if let Some(s) = last
        .two_person
        .iter()
        .find(|s| !plan.online.two_person.contains(s))
    {
        return Err(CeremonyError::Request(format!(
            "the key's last bundle (sequence {}) required two people's signatures for {s:?}, and every node that installed it refuses a bundle that does not: keep {s:?} in the plan's online.scopes and online.two_person",
            last.sequence
        )));
    }
    let planned: Vec<&str> = plan.subkeys.roles.iter().map(|r| r.name.as_str()).collect();
    if flow == "rotate" {
        if let Some(r) = last
            .signing_roles
            .iter()
            .find(|r| !planned.contains(&r.as_str()))
        {
            return Err(CeremonyError::Request(format!(
                "the key's last bundle has the signing role {r:?}, and every node that installed it refuses a bundle without it: the new key needs it too, so add [[subkeys.role]] name = {r:?} to the plan"
            )));
        }
    } else if flow != "subkey-rotate" {
        let has = openpgp::signing_roles(key, now);
        for r in planned.iter().filter(|r| !has.iter().any(|h| h == *r)) {
            ui.event(&Event::Warning(format!(
                "the plan names the signing role {r:?}, which this key does not have: this ceremony does not add it (`keyceremony subkey rotate --signing-role {r}` does)"
            )));
        }
    }
    Ok(())
}

/// What the operator should do with what a stopped ceremony of `flow` left
/// in `made` (and its transcript in `export`).
fn stopped_advice(flow: &str, made: &[PathBuf], export: &Path) -> String {
    let list = |dirs: &[PathBuf]| {
        dirs.iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if made.is_empty() {
        return format!(
            "Nothing was written but the transcript of the failure in {}; fix the cause and run the ceremony again.",
            export.display()
        );
    }
    let what = match flow {
        "genesis" | "rotate" => "a new key that no export names, and shares of its passphrase: destroy them (delete the directories, wipe or reformat the sticks, shred printed sheets)",
        "reshare" => "the key under a new passphrase and shares of it that no completed ceremony names: destroy them",
        _ => "new copies of the key, not yet exported: delete them; the backups the ceremony opened are untouched",
    };
    format!(
        "Left on the media: {}. They hold {what}, then fix the cause and run the ceremony again. The transcript of the failure is in {}.",
        list(made),
        export.display()
    )
}

fn hostname(root: &Path) -> String {
    std::fs::read_to_string(root.join("proc/sys/kernel/hostname"))
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}
