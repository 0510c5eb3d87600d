//! The online side: what CI and cluster administrators run on a connected
//! machine with the export bundle a ceremony wrote. `verify` decides whether
//! a bundle can be trusted; `install` puts what it holds where gpg, skopeo
//! and podman read it.
//!
//! Trust starts from a pinned fingerprint (`--trust`, or a state file that
//! pins on first use) and never from the bundle itself. A bundle is
//! accepted only when its MANIFEST is signed by the key and lists every file
//! with the right hash, its transcript is intact and signed by the primary,
//! the key is valid at the time judged, the bundle is not past its own end
//! (a freeze), and its sequence number is not lower than one already seen
//! (a replay). This path touches no card and needs no pcscd.

pub mod install;
pub mod state;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Serialize;

use crate::bundle::{BundleInfo, BUNDLE_FILE, FORMAT};
use crate::ceremony::layout::{MANIFEST, MANIFEST_SIG};
use crate::ceremony::{history, CeremonyError};
use crate::cosign::binding::{self, Binding};
use crate::cosign::CosignPublic;
use crate::media::{check_manifest, limits, read_bounded, sha256_hex};
use crate::openpgp::{self, SignWith};
use crate::rotation::{self, Statement};
use sequoia_openpgp::Cert;

/// Where trust comes from.
pub enum Anchor<'a> {
    /// A fingerprint the administrator pinned.
    Fingerprint(&'a str),
    /// A state file: pinned on first use, and remembering the newest bundle seen.
    State(&'a Path),
}

/// A bundle that verified: what it holds and what to install.
#[derive(Debug, Serialize)]
pub struct Verified {
    pub dir: PathBuf,
    pub key: String,
    pub sequence: u64,
    pub ceremony_id: String,
    pub flow: String,
    pub valid_until: String,
    /// The time it was judged at (RFC 3339).
    pub at: String,
    /// Pinned now, on first use of the state file.
    pub pinned_now: bool,
    /// The rotations followed from the pinned key to this bundle's key.
    pub followed: Vec<Statement>,
    /// The last rotation's old key, while its transition lasts at the time
    /// judged: its signatures are still to be accepted.
    pub transition: Option<Transition>,
    /// Old primaries whose revocation the bundle publishes (their transition
    /// ended), each checked to revoke that key.
    pub revoked: Vec<String>,
    /// The cosign key's statement, checked, if the bundle has a cosign key.
    pub cosign: Option<Binding>,
    pub info: BundleInfo,
    #[serde(skip)]
    pub cert: Cert,
}

impl Verified {
    pub fn lines(&self) -> Vec<String> {
        let mut l = vec![
            format!(
                "Bundle {} verified: key {}, sequence {}, from ceremony {} ({})",
                self.dir.display(),
                self.key,
                self.sequence,
                self.ceremony_id,
                self.flow
            ),
            format!(
                "Good until {} (judged at {}); publish a newer bundle before then",
                self.valid_until, self.at
            ),
        ];
        for st in &self.followed {
            l.push(format!(
                "Rotation followed: {} -> {} ({}), old key trusted until {}",
                st.old, st.new, st.reason, st.transition_until
            ));
        }
        if let Some(t) = &self.transition {
            l.push(format!(
                "In transition: signatures by {} are accepted until {}",
                t.old, t.until
            ));
        }
        for r in &self.revoked {
            l.push(format!(
                "Publish: the revocation of {r} ({}) where its cert was published: its transition is over",
                crate::rotation::revocation_file(r)
            ));
        }
        if self.pinned_now {
            l.push(format!(
                "First use of the state file: key {} is now pinned; compare it with the fingerprint the ceremony printed",
                self.key
            ));
        }
        l.push("To install:".into());
        let f = &self.info.files;
        l.push(format!(
            "  keyring   {} (gpg, containers keyPath)",
            f.keyring
        ));
        if let Some(p) = &f.policy {
            l.push(format!(
                "  policy    {p} (merged into containers policy.json)"
            ));
        }
        if let Some(r) = &f.registries_d {
            l.push(format!("  lookaside {r} (registries.d)"));
        }
        if let (Some(c), Some(b)) = (&f.cosign, &self.cosign) {
            l.push(format!(
                "  cosign    {c} (key SHA-256 {}, {}{}; for cosign verify --key and sigstoreSigned)",
                b.cosign_public_key_sha256,
                b.tier,
                b.pkcs11_uri
                    .as_deref()
                    .map(|u| format!(", signs as {u}"))
                    .unwrap_or_default()
            ));
        }
        l
    }
}

/// The old key of a rotation whose transition has not ended.
#[derive(Debug, Clone, Serialize)]
pub struct Transition {
    pub old: String,
    pub until: String,
    /// Its containers keyring, in the bundle.
    pub keyring: String,
}

fn untrusted(dir: &Path, why: impl std::fmt::Display) -> CeremonyError {
    CeremonyError::Untrusted(format!("bundle {}: {why}", dir.display()))
}

/// Verifies the bundle in `dir` at time `at`, from `anchor`. With a state
/// file, a bundle that verifies is remembered there.
pub fn verify(dir: &Path, anchor: Anchor<'_>, at: SystemTime) -> Result<Verified, CeremonyError> {
    let bytes = read_bounded(
        &dir.join(BUNDLE_FILE),
        "bundle description",
        limits::MANIFEST,
    )?;
    let info: BundleInfo = serde_json::from_slice(&bytes).map_err(|e| {
        untrusted(
            dir,
            format!("{BUNDLE_FILE} is not a bundle description: {e}"),
        )
    })?;
    if info.format != FORMAT {
        return Err(untrusted(
            dir,
            format!(
                "format {} is not one this keyceremony reads ({FORMAT}): update it",
                info.format
            ),
        ));
    }
    // Trust first: the pinned key, before anything the bundle says is used.
    let pinned = match &anchor {
        Anchor::Fingerprint(f) => Some(normalise(f)),
        Anchor::State(p) => state::State::load(p)?.map(|s| s.pinned),
    };
    let listed = check_manifest(dir).map_err(|e| untrusted(dir, e))?;
    let (followed, transition) = follow_rotations(dir, &info, pinned.as_deref(), &listed, at)?;
    let cert_bytes = read_bounded(&dir.join(&info.files.cert), "cert", limits::KEY)?;
    let cert =
        openpgp::read_strict(&info.files.cert, &cert_bytes).map_err(|e| untrusted(dir, e))?;
    if !cert.fingerprint().to_hex().eq_ignore_ascii_case(&info.key) {
        return Err(untrusted(
            dir,
            format!(
                "{} holds key {}, not {}",
                info.files.cert,
                cert.fingerprint(),
                info.key
            ),
        ));
    }
    // Every file the bundle names is listed in MANIFEST with its hash, and
    // MANIFEST is signed by the key's signing subkey.
    let f = &info.files;
    let named = [
        Some(BUNDLE_FILE),
        Some(f.cert.as_str()),
        Some(f.keyring.as_str()),
        Some(f.transcript.as_str()),
        f.policy.as_deref(),
        f.registries_d.as_deref(),
    ];
    for name in named.into_iter().flatten() {
        if !listed.iter().any(|l| l == name) {
            return Err(untrusted(dir, format!("{MANIFEST} does not list {name}")));
        }
    }
    let manifest = read_bounded(&dir.join(MANIFEST), "MANIFEST", limits::MANIFEST)?;
    let sig = read_bounded(&dir.join(MANIFEST_SIG), "signature", limits::MANIFEST)?;
    openpgp::verify_detached(&cert, SignWith::SigningSubkey, &sig, &manifest)
        .map_err(|e| untrusted(dir, format!("{MANIFEST_SIG}: {e}")))?;
    let keyring = read_bounded(&dir.join(&f.keyring), "keyring", limits::KEY)?;
    openpgp::check_signing_keyring(&cert, &keyring)
        .map_err(|e| untrusted(dir, format!("{}: {e}", f.keyring)))?;
    history::verify(&[dir.join(&f.transcript)], Some(&dir.join(&f.cert)), None)?;
    let cosign = check_cosign(dir, &info, &cert, &listed)?;

    let stamp = |t: SystemTime| humantime::format_rfc3339_seconds(t).to_string();
    let until = humantime::parse_rfc3339(&info.valid_until)
        .map_err(|e| untrusted(dir, format!("valid_until: {e}")))?;
    if at > until {
        return Err(untrusted(
            dir,
            format!(
                "it was good until {} and it is {} now: a newer bundle is due (an old one served again is how a freeze looks)",
                info.valid_until,
                stamp(at)
            ),
        ));
    }
    openpgp::valid_at(&cert, at).map_err(|e| untrusted(dir, e))?;

    let revoked = check_revocations(dir, &info, &listed)?;
    let mut pinned_now = false;
    if let Anchor::State(path) = anchor {
        let digest = sha256_hex(&bytes);
        pinned_now = state::State::advance(path, &info, &digest).map_err(|e| untrusted(dir, e))?;
    }
    Ok(Verified {
        dir: dir.to_owned(),
        key: info.key.clone(),
        sequence: info.sequence,
        ceremony_id: info.ceremony_id.clone(),
        flow: info.flow.clone(),
        valid_until: info.valid_until.clone(),
        at: stamp(at),
        pinned_now,
        followed,
        transition,
        revoked,
        cosign,
        info,
        cert,
    })
}

/// The cosign key the bundle names: its statement signed by the key's
/// primary (pinned, or reached through the rotations) and by its signing
/// subkey, naming this key and exactly the cosign.pub beside it.
fn check_cosign(
    dir: &Path,
    info: &BundleInfo,
    cert: &Cert,
    listed: &[String],
) -> Result<Option<Binding>, CeremonyError> {
    let Some(public_file) = &info.files.cosign else {
        return Ok(None);
    };
    for name in std::iter::once(public_file.as_str()).chain([
        binding::STATEMENT_FILE,
        binding::PRIMARY_SIG_FILE,
        binding::SUBKEY_SIG_FILE,
    ]) {
        if !listed.iter().any(|l| l == name) {
            return Err(untrusted(dir, format!("{MANIFEST} does not list {name}")));
        }
    }
    let read = |name: &str| read_bounded(&dir.join(name), "cosign file", limits::MANIFEST);
    let statement = read(binding::STATEMENT_FILE)?;
    for (sig, with) in [
        (binding::PRIMARY_SIG_FILE, SignWith::Primary),
        (binding::SUBKEY_SIG_FILE, SignWith::SigningSubkey),
    ] {
        openpgp::verify_detached(cert, with, &read(sig)?, &statement)
            .map_err(|e| untrusted(dir, format!("{sig}: {e}")))?;
    }
    let b = Binding::parse(&statement)
        .map_err(|e| untrusted(dir, format!("{}: {e}", binding::STATEMENT_FILE)))?;
    if !b.key.eq_ignore_ascii_case(&info.key) {
        return Err(untrusted(
            dir,
            format!(
                "{} binds the cosign key to {}, not to {}",
                binding::STATEMENT_FILE,
                b.key,
                info.key
            ),
        ));
    }
    let pem = read_bounded(
        &dir.join(public_file),
        "cosign public key",
        limits::COSIGN_PUB,
    )?;
    let public = CosignPublic::from_pem(&String::from_utf8_lossy(&pem))
        .map_err(|e| untrusted(dir, format!("{public_file}: {e}")))?;
    if public.fingerprint() != b.cosign_public_key_sha256 {
        return Err(untrusted(
            dir,
            format!(
                "{public_file} is not the cosign key {} binds (SHA-256 {} instead of {})",
                binding::STATEMENT_FILE,
                public.fingerprint(),
                b.cosign_public_key_sha256
            ),
        ));
    }
    // A CA's certificate rides along only for the key the statement binds.
    let cert_file = crate::cosign::CERT_FILE;
    if listed.iter().any(|l| l == cert_file) {
        let pem = read_bounded(
            &dir.join(cert_file),
            "cosign certificate",
            limits::COSIGN_CERT,
        )?;
        crate::cosign::check_issued(&pem, &public, None)
            .map_err(|e| untrusted(dir, format!("{cert_file}: {e}")))?;
    }
    Ok(Some(b))
}

/// Checks the bundle's rotation statements, each signed by both keys and
/// continuing the one before, and follows them from `pinned` to the
/// bundle's key. Returns the statements followed and, if the last one's
/// transition lasts at `at`, the old key's.
fn follow_rotations(
    dir: &Path,
    info: &BundleInfo,
    pinned: Option<&str>,
    listed: &[String],
    at: SystemTime,
) -> Result<(Vec<Statement>, Option<Transition>), CeremonyError> {
    let mut current = pinned
        .map(str::to_owned)
        .unwrap_or_else(|| info.key.clone());
    let mut followed = Vec::new();
    let mut last: Option<Statement> = None;
    let mut previous: Option<String> = None;
    for (i, name) in info.files.rotations.iter().enumerate() {
        let f = rotation::files(i + 1);
        if *name != f.statement {
            return Err(untrusted(
                dir,
                format!("rotation {} is named {name}, not {}", i + 1, f.statement),
            ));
        }
        for file in [
            &f.statement,
            &f.old_sig,
            &f.new_sig,
            &f.old_cert,
            &f.new_cert,
            &f.old_keyring,
        ] {
            if !listed.iter().any(|l| l == file) {
                return Err(untrusted(dir, format!("{MANIFEST} does not list {file}")));
            }
        }
        let read = |n: &str| read_bounded(&dir.join(n), "rotation file", limits::KEY);
        let bytes = read(&f.statement)?;
        let st = Statement::parse(&bytes)
            .map_err(|e| untrusted(dir, format!("{}: {e}", f.statement)))?;
        if st.previous_statement_sha256 != previous {
            return Err(untrusted(
                dir,
                format!("{} does not continue the statement before it", f.statement),
            ));
        }
        previous = Some(sha256_hex(&bytes));
        for (cert_file, sigs, fpr, role) in [
            (&f.old_cert, [&f.old_sig, &f.old_subkey_sig], &st.old, "old"),
            (&f.new_cert, [&f.new_sig, &f.new_subkey_sig], &st.new, "new"),
        ] {
            let cert = openpgp::read_strict(cert_file, &read(cert_file)?)
                .map_err(|e| untrusted(dir, e))?;
            if !cert.fingerprint().to_hex().eq_ignore_ascii_case(fpr) {
                return Err(untrusted(
                    dir,
                    format!("{cert_file} is not the {role} key {fpr}"),
                ));
            }
            for (sig_file, by) in sigs
                .into_iter()
                .zip([SignWith::Primary, SignWith::SigningSubkey])
            {
                openpgp::verify_detached(&cert, by, &read(sig_file)?, &bytes).map_err(|e| {
                    untrusted(dir, format!("{sig_file}: the {role} key's signature: {e}"))
                })?;
            }
        }
        if st.old.eq_ignore_ascii_case(&current) {
            current = st.new.clone();
            followed.push(st.clone());
        }
        last = Some(st);
    }
    if !current.eq_ignore_ascii_case(&info.key) {
        return Err(untrusted(
            dir,
            format!(
                "it is for key {}, and no rotation statement leads to it from the trusted {}",
                info.key,
                pinned.unwrap_or_default()
            ),
        ));
    }
    // The newest rotation's old key stays trusted until its transition ends,
    // whichever key the verifier pinned.
    let transition = match (last, info.files.rotations.len()) {
        (Some(st), n) if st.new.eq_ignore_ascii_case(&info.key) => {
            let until = humantime::parse_rfc3339(&st.transition_until)
                .map_err(|e| untrusted(dir, format!("transition_until: {e}")))?;
            (at <= until).then(|| Transition {
                old: st.old.clone(),
                until: st.transition_until.clone(),
                keyring: rotation::files(n).old_keyring,
            })
        }
        _ => None,
    };
    Ok((followed, transition))
}

/// Each revocation the bundle publishes is listed in MANIFEST, names an old
/// key of the bundle's rotations, and revokes that key (signed by it).
fn check_revocations(
    dir: &Path,
    info: &BundleInfo,
    listed: &[String],
) -> Result<Vec<String>, CeremonyError> {
    use sequoia_openpgp::parse::Parse;
    let mut revoked = Vec::new();
    for name in &info.files.revocations {
        if !listed.iter().any(|l| l == name) {
            return Err(untrusted(dir, format!("{MANIFEST} does not list {name}")));
        }
        let old = rotation::revoked_by_file(name)
            .ok_or_else(|| untrusted(dir, format!("{name} is not a revocation file")))?;
        let cert_file = (1..=info.files.rotations.len())
            .map(|n| rotation::files(n).old_cert)
            .find(|f| {
                read_bounded(&dir.join(f), "cert", limits::KEY)
                    .ok()
                    .and_then(|b| Cert::from_bytes(&b).ok())
                    .is_some_and(|c| c.fingerprint().to_hex().eq_ignore_ascii_case(old))
            })
            .ok_or_else(|| {
                untrusted(
                    dir,
                    format!("{name}: no rotation of the bundle replaces {old}"),
                )
            })?;
        let cert = Cert::from_bytes(&read_bounded(&dir.join(&cert_file), "cert", limits::KEY)?)
            .map_err(|e| untrusted(dir, e))?;
        let bytes = read_bounded(&dir.join(name), "revocation", limits::KEY)?;
        let sig = sequoia_openpgp::Packet::from_bytes(&bytes)
            .map_err(|e| untrusted(dir, format!("{name}: {e}")))?;
        let (with, _) = cert
            .insert_packets(sig)
            .map_err(|e| untrusted(dir, format!("{name}: {e}")))?;
        let policy = sequoia_openpgp::policy::StandardPolicy::new();
        let revokes = matches!(
            with.revocation_status(&policy, None),
            sequoia_openpgp::types::RevocationStatus::Revoked(_)
        );
        if !revokes {
            return Err(untrusted(dir, format!("{name} does not revoke {old}")));
        }
        revoked.push(old.to_owned());
    }
    Ok(revoked)
}

/// A fingerprint as typed: spaces dropped, upper case.
pub fn normalise(f: &str) -> String {
    f.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase()
}
