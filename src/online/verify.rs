//! `verify`: whether a bundle, as read once (`read::Bundle`), can be
//! trusted from a pinned key or a state file, at a given time.
//!
//! Accepted only when its MANIFEST is signed by the key's signing subkey
//! and lists every file, its transcript is complete, intact and signed by
//! the primary, the key reaches the trusted one through rotation
//! statements both keys signed, the key is valid at the time judged, the
//! bundle is not past its own end (a freeze), its policy fragment asks
//! nothing but signatures by this key for the scopes it declares, and,
//! with a state, it continues the history the state accepted (`state`).

use std::time::SystemTime;

use sequoia_openpgp::Cert;
use serde::Serialize;

use super::bundle::{self, BundleInfo, Scope, MANIFEST_SIG};
use super::read::Bundle;
use super::rotation::{self, Statement};
use super::state::State;
use super::OnlineError;
use crate::cosign::binding::{self, Binding};
use crate::cosign::CosignPublic;
use crate::media::{sha256_hex, MANIFEST};
use crate::openpgp::{self, SignWith};
use crate::transcript;

/// Where trust comes from.
pub enum Anchor<'a> {
    /// A fingerprint the administrator pinned.
    Fingerprint(&'a str),
    /// A state file's contents (none on first use), and the fingerprint to
    /// pin on first use if the administrator gave one.
    State {
        state: Option<&'a State>,
        trust: Option<&'a str>,
    },
}

/// A bundle that verified: what it holds and what to install.
#[derive(Debug, Serialize)]
pub struct Verified {
    /// Who of the pinned witnesses countersigned its ceremony, when the
    /// caller asked for witnesses (`super::witnesses`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witnessed: Option<super::witnesses::Witnessed>,
    pub dir: std::path::PathBuf,
    pub key: String,
    pub sequence: u64,
    pub ceremony_id: String,
    pub flow: String,
    pub valid_until: String,
    /// The time it was judged at (RFC 3339).
    pub at: String,
    /// Pinned now, on first use of the state file: the key pinned.
    pub pinned_now: Option<String>,
    /// The rotations followed from the trusted key to this bundle's key.
    pub followed: Vec<Statement>,
    /// Every rotation statement the bundle carries, checked: their old keys
    /// are rotated away.
    #[serde(skip)]
    pub rotations: Vec<Statement>,
    /// The last rotation's old key, while its transition lasts at the time
    /// judged: its signatures are still to be accepted.
    pub transition: Option<Transition>,
    /// Old primaries whose revocation the bundle publishes (their transition
    /// ended), each checked to revoke that key.
    pub revoked: Vec<String>,
    /// The cosign key's statement, checked, if the bundle has a cosign key.
    pub cosign: Option<Binding>,
    /// The statement that made the cosign key replace another, checked, if
    /// the bundle carries one.
    pub cosign_rotation: Option<crate::cosign::rotation::CosignRotation>,
    /// Every cosign key the key revoked, checked, if it revoked one: none of
    /// them is accepted by this bundle's policies.
    pub cosign_revocations: Option<crate::cosign::revocation::CosignRevocations>,
    pub info: BundleInfo,
    /// SHA-256 of the bundle's `bundle.json`.
    pub bundle_sha256: String,
    #[serde(skip)]
    pub cert: Cert,
    /// The bytes verified: all `install` writes comes from here.
    #[serde(skip)]
    pub bundle: Bundle,
}

impl Verified {
    pub fn scopes(&self) -> Vec<Scope> {
        self.info
            .scopes
            .iter()
            .filter_map(|s| Scope::parse(s).ok())
            .collect()
    }

    /// What a person reads; every value from the bundle made printable by
    /// the caller (`super::printable`).
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
                rotation::revocation_file(r)
            ));
        }
        if let Some(w) = &self.witnessed {
            l.push(format!(
                "Countersigned by {} of the pinned witnesses ({} required): {}",
                w.signed.len(),
                w.required,
                w.signed.join("; ")
            ));
        }
        if let Some(k) = &self.pinned_now {
            l.push(format!(
                "First use of the state file: key {k} is now pinned (trust on first use pins the key of the first bundle seen). Compare it with the fingerprint the ceremony printed; to pin another, start a new state file with --trust FINGERPRINT --state FILE"
            ));
        }
        let f = &self.info.files;
        l.push("Holds:".into());
        l.push(format!(
            "  keyring   {} (gpg, containers keyPath)",
            f.keyring
        ));
        for role in &self.info.signing_roles {
            l.push(format!(
                "  keyring   {} (the {role} role's signing subkeys only)",
                super::bundle::role_keyring_file(role)
            ));
        }
        for s in &self.info.scopes {
            if self.info.two_person.contains(s) {
                l.push(format!(
                    "  scope     {s} (two people: a signature by each of the roles {}, {} required)",
                    crate::openpgp::DEFAULT_ROLE,
                    self.info.signing_roles.join(", ")
                ));
            } else {
                l.push(format!("  scope     {s} (signatures by this key required)"));
            }
        }
        if let Some(lk) = &self.info.lookaside {
            l.push(format!("  lookaside {lk} (registries.d)"));
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
        if self.cosign.is_some() {
            for t in &self.info.cosign_tokens {
                l.push(format!(
                    "  cosign    also in {} (put there after its ceremony; an audit record on the backup medium says when)",
                    crate::text::printable(t)
                ));
            }
        }
        if let Some(st) = &self.cosign_rotation {
            let at = humantime::parse_rfc3339(&self.at).unwrap_or_else(|_| SystemTime::now());
            let old = &st.old_cosign_public_key_sha256;
            l.push(match (st.reason, &f.cosign_previous) {
                (crate::cosign::rotation::Reason::Compromised, _) => format!(
                    "  cosign    replaced {old} (compromised): its signatures stand nowhere"
                ),
                (_, Some(p)) if st.in_transition(at) => format!(
                    "  cosign    {p}: the key replaced ({old}), accepted by clusters until {} (run install --kubernetes again after that); nodes take the new key alone",
                    st.transition_until
                ),
                _ => format!(
                    "  cosign    replaced {old}: its transition ended {}; install --kubernetes drops it from the cluster policies",
                    st.transition_until
                ),
            });
        }
        if let Some(list) = &self.cosign_revocations {
            for r in &list.revoked {
                l.push(format!(
                    "  cosign    revoked {} ({}, {}): no policy accepts it",
                    r.cosign_public_key_sha256,
                    r.reason.as_str(),
                    r.revoked
                ));
            }
            if self.cosign.is_none() && !self.info.files.cluster.is_empty() {
                l.push("  cosign    no cosign key is bound: the cluster policies refuse every image of the scopes until a new one is (keyceremony cosign rotate)".into());
            }
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
    /// Its named signing roles' keyrings (role, file in the bundle), each
    /// checked to hold only the old key's subkeys of that role.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub role_keyrings: Vec<(String, String)>,
}

/// Verifies `b` at time `at`, from `anchor`. Writes nothing: the caller
/// records an accepted bundle in the state (`State::after`) once what it
/// does with it is done.
pub fn verify(b: Bundle, anchor: Anchor<'_>, at: SystemTime) -> Result<Verified, OnlineError> {
    let info = b.info.clone();
    // Trust first: from the pinned key, or the state's current key, before
    // anything the bundle says is used.
    let (start, pinned_now) = match &anchor {
        Anchor::Fingerprint(f) => (normalise(f), None),
        Anchor::State {
            state: Some(s),
            trust,
        } => {
            if let Some(t) = trust {
                if !normalise(t).eq_ignore_ascii_case(&s.pinned) {
                    return Err(OnlineError::Usage(format!(
                        "the state file pins {}, not {}: give --trust only with a new state file, or use another state file",
                        s.pinned,
                        normalise(t)
                    )));
                }
            }
            s.refuse_retired(&info.key)?;
            (s.current().to_owned(), None)
        }
        Anchor::State { state: None, trust } => {
            let k = trust
                .map(normalise)
                .unwrap_or_else(|| info.key.to_uppercase());
            (k.clone(), Some(k))
        }
    };
    if !start.bytes().all(|c| c.is_ascii_hexdigit()) || start.len() != 40 {
        return Err(OnlineError::Usage(format!(
            "{start:?} is not a fingerprint (40 hex digits, as the ceremony printed it)"
        )));
    }
    let (rotations, followed, transition) = follow_rotations(&b, &start, at)?;
    // The key first (a bundle of another key is that, not a fork), then
    // the history.
    if let Anchor::State { state: Some(s), .. } = &anchor {
        s.check_continues(&info, &b.sha256)?;
        s.check_roles_kept(&info)?;
    }
    let cert = openpgp::read_strict(&info.files.cert, b.get(&info.files.cert)?)
        .map_err(|e| b.refused(e))?;
    if !cert.fingerprint().to_hex().eq_ignore_ascii_case(&info.key) {
        return Err(b.refused(format!(
            "{} holds key {}, not {}",
            info.files.cert,
            cert.fingerprint(),
            info.key
        )));
    }
    // MANIFEST, whose lines `read` checked every file against, is signed by
    // the key's signing subkey: the same bytes.
    let by = openpgp::verify_detached(&cert, SignWith::SigningSubkey, &b.manifest_sig, &b.manifest)
        .map_err(|e| b.refused(format!("{MANIFEST_SIG} over {MANIFEST}: {e}")))?;
    // The ceremony signs with the release role's subkey; another role's
    // (one person's card) does not speak for a ceremony.
    if let Some(Some(role)) = openpgp::role_of_subkey(&cert, &by) {
        return Err(b.refused(format!(
            "{MANIFEST_SIG} is signed by {by}, the {role} role's subkey: a ceremony signs its MANIFEST with the release role's"
        )));
    }
    openpgp::check_signing_keyring(&cert, None, b.get(&info.files.keyring)?)
        .map_err(|e| b.refused(format!("{}: {e}", info.files.keyring)))?;
    check_roles(&b)?;
    for role in &info.signing_roles {
        let name = bundle::role_keyring_file(role);
        openpgp::check_signing_keyring(&cert, Some(role), b.get(&name)?)
            .map_err(|e| b.refused(format!("{name}: {e}")))?;
    }
    let chain = check_transcript(&b, &cert)?;
    let cosign = check_cosign(&b, &cert)?;
    let cosign_rotation = match &cosign {
        Some(bind) => check_cosign_rotation(&b, &cert, bind)?,
        None => None,
    };
    let cosign_revocations = check_cosign_revocations(&b, &cert)?;
    check_containers_files(&b, cosign.is_some())?;

    let stamp = |t: SystemTime| humantime::format_rfc3339_seconds(t).to_string();
    let until = humantime::parse_rfc3339(&info.valid_until)
        .map_err(|e| b.refused(format!("valid_until: {e}")))?;
    if at > until {
        return Err(b.refused(format!(
            "it was good until {} and it is {} now: a newer bundle is due (an old one served again is how a freeze looks)",
            info.valid_until,
            stamp(at)
        )));
    }
    openpgp::valid_at(&cert, at).map_err(|e| b.refused(e))?;
    let revoked = check_revocations(&b)?;
    check_files_recorded(&b, &chain)?;
    Ok(Verified {
        witnessed: None,
        dir: b.dir.clone(),
        key: info.key.clone(),
        sequence: info.sequence,
        ceremony_id: info.ceremony_id.clone(),
        flow: info.flow.clone(),
        valid_until: info.valid_until.clone(),
        at: stamp(at),
        pinned_now,
        followed,
        rotations,
        transition,
        revoked,
        cosign,
        cosign_rotation,
        cosign_revocations,
        bundle_sha256: b.sha256.clone(),
        info,
        cert,
        bundle: b,
    })
}

/// The signing roles and two-person scopes `bundle.json` declares are
/// well formed: role names as a plan takes them, sorted and each once (the
/// state compares them as lists), and every two-person scope one of the
/// bundle's scopes, with a named role to sign beside the default one.
fn check_roles(b: &Bundle) -> Result<(), OnlineError> {
    let info = &b.info;
    for role in &info.signing_roles {
        openpgp::check_role_name(role).map_err(|e| b.refused(format!("signing_roles: {e}")))?;
    }
    if info.signing_roles.windows(2).any(|w| w[0] >= w[1]) {
        return Err(b.refused("signing_roles is not sorted, or names a role twice"));
    }
    for (i, scope) in info.two_person.iter().enumerate() {
        if info.two_person[..i].contains(scope) {
            return Err(b.refused(format!("two_person names {scope:?} twice")));
        }
        if !info.scopes.contains(scope) {
            return Err(b.refused(format!(
                "two_person names {scope:?}, which is not one of its scopes"
            )));
        }
        if info.signing_roles.is_empty() {
            return Err(b.refused(format!(
                "two_person names {scope:?}, but the key has no named signing role: one person's signature would pass for two"
            )));
        }
    }
    if let Some((a, c)) = bundle::same_rule(&info.scopes) {
        return Err(b.refused(format!(
            "its scopes {a:?} and {c:?} are one rule in policy.json: the second would replace the first's requirements"
        )));
    }
    if let Some((inner, outer)) = bundle::shadowed_two_person(&info.scopes, &info.two_person) {
        return Err(b.refused(format!(
            "its scope {inner:?} lies inside the two-person scope {outer:?} without being two-person: containers apply only the most specific scope's rule, so one person's signature would pass there"
        )));
    }
    Ok(())
}

/// Every file of the bundle is one its ceremony recorded writing, with its
/// SHA-256, in the transcript the primary signed (`check_transcript`): a
/// signing subkey, which one person's card holds, can sign a MANIFEST, not
/// a transcript. Last, so that what the other checks name comes first.
fn check_files_recorded(b: &Bundle, chain: &transcript::ChainSummary) -> Result<(), OnlineError> {
    let round_files: Vec<String> = transcript::witness::recorded_files(chain)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let skip = round_files.iter().map(String::as_str).collect();
    b.check_recorded(&chain.entries, &skip, |file| {
        format!(
            "{file:?} is not a file its ceremony wrote (the transcript, signed by the primary, records no file.written of it with this SHA-256): it was changed or added after the ceremony"
        )
    })
}

/// The transcript is intact, records this key, is signed by its primary,
/// and ends with the ceremony's completion. Returns its entries, as read.
fn check_transcript(b: &Bundle, cert: &Cert) -> Result<transcript::ChainSummary, OnlineError> {
    let name = &b.info.files.transcript;
    let bytes = b.get(name)?;
    let sig_name = format!("{name}.asc");
    let sig = b.get(&sig_name)?;
    let chain = transcript::verify_chain(bytes).map_err(|e| b.refused(format!("{name}: {e}")))?;
    let key = cert.fingerprint().to_hex();
    if let Some(recorded) = transcript::history::key_of(&chain) {
        if !recorded.eq_ignore_ascii_case(&key) {
            return Err(b.refused(format!("{name} records key {recorded}, not {key}")));
        }
    }
    openpgp::verify_detached(cert, SignWith::Primary, sig, bytes)
        .map_err(|e| b.refused(format!("{sig_name}: {e}")))?;
    let last = chain.entries.last().map(|e| e.event.as_str());
    if last != Some(transcript::EventKind::Complete.name()) {
        return Err(b.refused(format!(
            "{name} does not end with the ceremony's completion (its last event is {}): the ceremony did not complete",
            last.unwrap_or("none")
        )));
    }
    Ok(chain)
}

/// The policy fragment and registries.d entry, if the bundle carries them,
/// are exactly what its declared scopes make: a fragment that asks for
/// anything else (`insecureAcceptAnything`, `default`, a scope not
/// declared, another key) is refused, naming what it asked.
fn check_containers_files(b: &Bundle, cosign: bool) -> Result<(), OnlineError> {
    let info = &b.info;
    let scopes: Vec<Scope> = info
        .scopes
        .iter()
        .filter_map(|s| Scope::parse(s).ok())
        .collect();
    if let Some(name) = &info.files.policy {
        let found: serde_json::Value = serde_json::from_slice(b.get(name)?)
            .map_err(|e| b.refused(format!("{name} is not JSON: {e}")))?;
        let req = info.requirements(cosign);
        let expected = bundle::policy_fragment(&scopes, &req);
        if found != expected {
            let why = super::policy::fragment_violation(&found, &info.scopes)
                .unwrap_or_else(|| "it is not the requirements its declared scopes make".into());
            return Err(b.refused(format!("{name}: {why}; nothing of it is installed")));
        }
    }
    if let Some(name) = &info.files.registries_d {
        let expected = bundle::registries_d(&scopes, info.lookaside.as_deref(), cosign);
        if expected.as_deref().map(str::as_bytes) != Some(b.get(name)?) {
            return Err(b.refused(format!(
                "{name} is not the registries.d entry its declared scopes and lookaside make"
            )));
        }
    }
    // The cluster policies: exactly what the scopes and the cosign key
    // make at the bundle's making, or none (an edited one could let any
    // image into a cluster).
    let created =
        humantime::parse_rfc3339(&info.created).map_err(|e| b.refused(format!("created: {e}")))?;
    let expected = cluster_policies(b, cosign, created)?;
    let names: Vec<&str> = expected.iter().flatten().map(|(n, _)| *n).collect();
    if info
        .files
        .cluster
        .iter()
        .map(String::as_str)
        .ne(names.iter().copied())
    {
        return Err(b.refused(format!(
            "bundle.json lists the cluster policies {:?}, but its scopes and cosign key make {names:?}",
            info.files.cluster
        )));
    }
    for (name, text) in expected.iter().flatten() {
        if b.get(name)? != text.as_bytes() {
            return Err(b.refused(format!(
                "{name} is not the policy its declared scopes and cosign key make; nothing of it is installed"
            )));
        }
    }
    Ok(())
}

/// The cluster policies the verified bundle's scopes and cosign key make
/// at `at` (crate::online::cluster), if it has both: with the previous
/// cosign key too while a scheduled rotation's transition lasts at `at`.
pub fn cluster_policies(
    b: &Bundle,
    cosign: bool,
    at: SystemTime,
) -> Result<Option<[(&'static str, String); 2]>, OnlineError> {
    let info = &b.info;
    let scopes: Vec<Scope> = info
        .scopes
        .iter()
        .filter_map(|s| Scope::parse(s).ok())
        .collect();
    let text = |name: &str| -> Result<String, OnlineError> {
        Ok(String::from_utf8_lossy(b.get(name)?).into_owned())
    };
    let current = match (cosign, &info.files.cosign) {
        (true, Some(public_file)) => Some(text(public_file)?),
        _ => None,
    };
    let previous = info
        .files
        .cosign_previous
        .as_deref()
        .map(text)
        .transpose()?;
    let rotation = match &info.files.cosign_rotation {
        Some(name) => Some(b.get(name)?),
        None => None,
    };
    let Some(keys) = super::cluster::keys_at(
        current.as_deref(),
        previous.as_deref(),
        rotation,
        info.files.cosign_revocations.is_some(),
        at,
    ) else {
        return Ok(None);
    };
    Ok(super::cluster::policies(&info.key, &scopes, &keys))
}

/// `statement` is signed by `cert`'s primary (`primary_sig`) and its
/// signing subkey (`subkey_sig`): how every statement about the cosign key
/// (its binding, its rotation, the revoked keys) is vouched for.
fn co_signed(
    b: &Bundle,
    cert: &Cert,
    statement: &[u8],
    primary_sig: &str,
    subkey_sig: &str,
) -> Result<(), OnlineError> {
    for (sig, with) in [
        (primary_sig, SignWith::Primary),
        (subkey_sig, SignWith::SigningSubkey),
    ] {
        openpgp::verify_detached(cert, with, b.get(sig)?, statement)
            .map_err(|e| b.refused(format!("{sig}: {e}")))?;
    }
    Ok(())
}

/// The cosign key the bundle names: its statement signed by the key's
/// primary and by its signing subkey, naming this key and exactly the
/// cosign.pub beside it.
fn check_cosign(b: &Bundle, cert: &Cert) -> Result<Option<Binding>, OnlineError> {
    let info = &b.info;
    let Some(public_file) = &info.files.cosign else {
        return Ok(None);
    };
    let statement = b.get(binding::STATEMENT_FILE)?;
    co_signed(
        b,
        cert,
        statement,
        binding::PRIMARY_SIG_FILE,
        binding::SUBKEY_SIG_FILE,
    )?;
    let bind = Binding::parse(statement)
        .map_err(|e| b.refused(format!("{}: {e}", binding::STATEMENT_FILE)))?;
    if !bind.key.eq_ignore_ascii_case(&info.key) {
        return Err(b.refused(format!(
            "{} binds the cosign key to {}, not to {}",
            binding::STATEMENT_FILE,
            bind.key,
            info.key
        )));
    }
    let pem = b.get(public_file)?;
    if pem.len() as u64 > crate::media::limits::COSIGN_PUB {
        return Err(b.refused(format!("{public_file} is larger than a cosign public key")));
    }
    let public = CosignPublic::from_pem(&String::from_utf8_lossy(pem))
        .map_err(|e| b.refused(format!("{public_file}: {e}")))?;
    if public.fingerprint() != bind.cosign_public_key_sha256 {
        return Err(b.refused(format!(
            "{public_file} is not the cosign key {} binds (SHA-256 {} instead of {})",
            binding::STATEMENT_FILE,
            public.fingerprint(),
            bind.cosign_public_key_sha256
        )));
    }
    // A CA's certificate rides along only for the key the statement binds.
    let cert_file = crate::cosign::CERT_FILE;
    if b.has(cert_file) {
        crate::cosign::check_issued(b.get(cert_file)?, &public, None)
            .map_err(|e| b.refused(format!("{cert_file}: {e}")))?;
    }
    Ok(Some(bind))
}

/// A cosign rotation the bundle carries: its statement signed by the key's
/// primary and signing subkey, naming this key, the cosign key the bundle
/// binds as the new one, and the previous key beside it (only while a
/// scheduled rotation's transition may last) as the old one.
fn check_cosign_rotation(
    b: &Bundle,
    cert: &Cert,
    bind: &Binding,
) -> Result<Option<crate::cosign::rotation::CosignRotation>, OnlineError> {
    use crate::cosign::rotation::{self, CosignRotation, Reason};
    let info = &b.info;
    let Some(name) = &info.files.cosign_rotation else {
        if info.files.cosign_previous.is_some() {
            return Err(b.refused(
                "it carries a previous cosign key but no rotation statement that replaced it",
            ));
        }
        return Ok(None);
    };
    if name != rotation::STATEMENT_FILE {
        return Err(b.refused(format!(
            "its cosign rotation is {name:?}, not {}",
            rotation::STATEMENT_FILE
        )));
    }
    let statement = b.get(name)?;
    co_signed(
        b,
        cert,
        statement,
        rotation::PRIMARY_SIG_FILE,
        rotation::SUBKEY_SIG_FILE,
    )?;
    let st = CosignRotation::parse(statement).map_err(|e| b.refused(format!("{name}: {e}")))?;
    if !st.key.eq_ignore_ascii_case(&info.key) {
        return Err(b.refused(format!(
            "{name} is signed for key {}, not {}",
            st.key, info.key
        )));
    }
    if st.new_cosign_public_key_sha256 != bind.cosign_public_key_sha256 {
        return Err(b.refused(format!(
            "{name} replaces the cosign key by {}, but the bundle binds {}",
            st.new_cosign_public_key_sha256, bind.cosign_public_key_sha256
        )));
    }
    if let Some(prev) = &info.files.cosign_previous {
        if st.reason == Reason::Compromised {
            return Err(b.refused(format!(
                "{name} says the old cosign key was compromised, yet the bundle carries it as {prev}"
            )));
        }
        let pem = b.get(prev)?;
        let old = CosignPublic::from_pem(&String::from_utf8_lossy(pem))
            .map_err(|e| b.refused(format!("{prev}: {e}")))?;
        if old.fingerprint() != st.old_cosign_public_key_sha256 {
            return Err(b.refused(format!("{prev} is not the cosign key {name} replaced")));
        }
    }
    Ok(Some(st))
}

/// The list of cosign keys the key revoked, if the bundle carries one:
/// signed by the key's primary and signing subkey, naming this key; and
/// neither the cosign key the bundle binds nor a previous one in transition
/// is on it (a revoked key brought back is how a leaked key would return).
fn check_cosign_revocations(
    b: &Bundle,
    cert: &Cert,
) -> Result<Option<crate::cosign::revocation::CosignRevocations>, OnlineError> {
    use crate::cosign::revocation::{self, CosignRevocations};
    let info = &b.info;
    let Some(name) = &info.files.cosign_revocations else {
        return Ok(None);
    };
    if name != revocation::STATEMENT_FILE {
        return Err(b.refused(format!(
            "its cosign revocation list is {name:?}, not {}",
            revocation::STATEMENT_FILE
        )));
    }
    let statement = b.get(name)?;
    co_signed(
        b,
        cert,
        statement,
        revocation::PRIMARY_SIG_FILE,
        revocation::SUBKEY_SIG_FILE,
    )?;
    let list =
        CosignRevocations::parse(statement).map_err(|e| b.refused(format!("{name}: {e}")))?;
    if !list.key.eq_ignore_ascii_case(&info.key) {
        return Err(b.refused(format!(
            "{name} is signed for key {}, not {}",
            list.key, info.key
        )));
    }
    for file in [&info.files.cosign, &info.files.cosign_previous]
        .into_iter()
        .flatten()
    {
        let pem = b.get(file)?;
        let Ok(public) = CosignPublic::from_pem(&String::from_utf8_lossy(pem)) else {
            continue;
        };
        if let Some(r) = list.find(&public.fingerprint()) {
            return Err(b.refused(format!(
                "{file} is the cosign key {} that {name} revoked ({}, {}): a revoked key is never accepted again",
                r.cosign_public_key_sha256,
                r.reason.as_str(),
                r.revoked
            )));
        }
    }
    Ok(Some(list))
}

/// Every statement checked, those followed, and the transition that lasts.
type Followed = (Vec<Statement>, Vec<Statement>, Option<Transition>);

/// Checks the bundle's rotation statements, each signed by both keys and
/// continuing the one before, and follows them from `start` to the
/// bundle's key. Returns the statements followed and, if the last one's
/// transition lasts at `at`, the old key's.
fn follow_rotations(b: &Bundle, start: &str, at: SystemTime) -> Result<Followed, OnlineError> {
    let info = &b.info;
    let mut current = start.to_owned();
    let mut all = Vec::new();
    let mut followed = Vec::new();
    let mut last: Option<Statement> = None;
    let mut previous: Option<String> = None;
    for (i, name) in info.files.rotations.iter().enumerate() {
        let st = checked_statement(b, i + 1, name, previous.as_deref())?;
        previous = Some(sha256_hex(b.get(name)?));
        if st.old.eq_ignore_ascii_case(&current) {
            current = st.new.clone();
            followed.push(st.clone());
        }
        all.push(st.clone());
        last = Some(st);
    }
    if !current.eq_ignore_ascii_case(&info.key) {
        return Err(b.refused(format!(
            "it is for key {}, and no rotation statement leads to it from the trusted {start}",
            info.key
        )));
    }
    // The newest rotation's old key stays trusted until its transition ends,
    // whichever key the verifier pinned.
    let transition = match (last, info.files.rotations.len()) {
        (Some(st), n) if st.new.eq_ignore_ascii_case(&info.key) => {
            let until = humantime::parse_rfc3339(&st.transition_until)
                .map_err(|e| b.refused(format!("transition_until: {e}")))?;
            (at <= until).then(|| Transition {
                old: st.old.clone(),
                until: st.transition_until.clone(),
                keyring: rotation::files(n).old_keyring,
                role_keyrings: b
                    .names()
                    .filter_map(|name| {
                        rotation::old_role_keyring_role(n, name)
                            .map(|r| (r.to_owned(), name.to_owned()))
                    })
                    .collect(),
            })
        }
        _ => None,
    };
    if let Some(t) = &transition {
        b.get(&t.keyring)?;
    }
    Ok((all, followed, transition))
}

/// Rotation statement `n` of the bundle, named `name`, continuing the one
/// before (`previous`, its SHA-256) and signed by both keys' primaries and
/// signing subkeys.
fn checked_statement(
    b: &Bundle,
    n: usize,
    name: &str,
    previous: Option<&str>,
) -> Result<Statement, OnlineError> {
    let f = rotation::files(n);
    if name != f.statement {
        return Err(b.refused(format!("rotation {n} is named {name}, not {}", f.statement)));
    }
    let bytes = b.get(&f.statement)?;
    let st = Statement::parse(bytes).map_err(|e| b.refused(format!("{}: {e}", f.statement)))?;
    if st.previous_statement_sha256.as_deref() != previous {
        return Err(b.refused(format!(
            "{} does not continue the statement before it",
            f.statement
        )));
    }
    for (cert_file, sigs, fpr, role) in [
        (&f.old_cert, [&f.old_sig, &f.old_subkey_sig], &st.old, "old"),
        (&f.new_cert, [&f.new_sig, &f.new_subkey_sig], &st.new, "new"),
    ] {
        let cert = openpgp::read_strict(cert_file, b.get(cert_file)?).map_err(|e| b.refused(e))?;
        if !cert.fingerprint().to_hex().eq_ignore_ascii_case(fpr) {
            return Err(b.refused(format!("{cert_file} is not the {role} key {fpr}")));
        }
        for (sig_file, by) in sigs
            .into_iter()
            .zip([SignWith::Primary, SignWith::SigningSubkey])
        {
            openpgp::verify_detached(&cert, by, b.get(sig_file)?, bytes)
                .map_err(|e| b.refused(format!("{sig_file}: the {role} key's signature: {e}")))?;
        }
    }
    // The old key's keyring joins the installed one during the transition:
    // it holds only the old key's signing subkeys, certified by it.
    let old = openpgp::read_strict(&f.old_cert, b.get(&f.old_cert)?).map_err(|e| b.refused(e))?;
    openpgp::check_signing_keyring(&old, None, b.get(&f.old_keyring)?)
        .map_err(|e| b.refused(format!("{}: {e}", f.old_keyring)))?;
    let roles: Vec<&str> = b
        .names()
        .filter(|name| name.starts_with(&format!("rotation-{n}-old-keyring-")))
        .collect();
    for name in roles {
        let role = rotation::old_role_keyring_role(n, name)
            .ok_or_else(|| b.refused(format!("{name} is not a rotation keyring")))?;
        openpgp::check_role_name(role).map_err(|e| b.refused(format!("{name}: {e}")))?;
        openpgp::check_signing_keyring(&old, Some(role), b.get(name)?)
            .map_err(|e| b.refused(format!("{name}: {e}")))?;
    }
    Ok(st)
}

/// Each revocation the bundle publishes names an old key of the bundle's
/// rotations, and revokes that key (signed by it).
fn check_revocations(b: &Bundle) -> Result<Vec<String>, OnlineError> {
    use sequoia_openpgp::parse::Parse;
    let info = &b.info;
    let mut revoked = Vec::new();
    for name in &info.files.revocations {
        let old = rotation::revoked_by_file(name)
            .ok_or_else(|| b.refused(format!("{name} is not a revocation file")))?;
        let cert = (1..=info.files.rotations.len())
            .filter_map(|n| b.get(&rotation::files(n).old_cert).ok())
            .filter_map(|bytes| Cert::from_bytes(bytes).ok())
            .find(|c| c.fingerprint().to_hex().eq_ignore_ascii_case(old))
            .ok_or_else(|| {
                b.refused(format!("{name}: no rotation of the bundle replaces {old}"))
            })?;
        let sig = sequoia_openpgp::Packet::from_bytes(b.get(name)?)
            .map_err(|e| b.refused(format!("{name}: {e}")))?;
        let (with, _) = cert
            .insert_packets(sig)
            .map_err(|e| b.refused(format!("{name}: {e}")))?;
        let policy = sequoia_openpgp::policy::StandardPolicy::new();
        let revokes = matches!(
            with.revocation_status(&policy, None),
            sequoia_openpgp::types::RevocationStatus::Revoked(_)
        );
        if !revokes {
            return Err(b.refused(format!("{name} does not revoke {old}")));
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
