//! The cosign key's steps, shared by the flows: made with the keys (genesis),
//! kept on the backups under the ceremony's passphrase where it exists
//! outside a device, put where the plan says after the rehearsal (a key file
//! for a CI secret store, or a PKCS#11 token) and proven there by a
//! signature checked against its public key, then bound to the OpenPGP key
//! by a signed statement that travels in every later bundle.
//!
//! Nothing here touches the terminal: the key file's password goes to the
//! plan's hand-over, and the token's PIN comes through the UI port (the TUI
//! asks for it) or, in a batch run, from the plan's source.

use std::path::PathBuf;
use std::time::SystemTime;

use secrecy::SecretString;
use sequoia_openpgp::Cert;
use serde_json::json;
use zeroize::Zeroizing;

use super::session::Session;
use super::{CeremonyError, Event};
use crate::cosign::binding::{self, Binding};
use crate::cosign::{csr_pem, CosignKey, CosignPublic, KEY_FILE, PUBLIC_FILE};
use crate::media::{limits, read_bounded, write_new_file, FileMode, Handover};
use crate::openpgp::{self, SignWith};
use crate::plan::{CosignSpec, Plan};
use crate::tokens::openpgp_card::CardPins;
use crate::tokens::piv;
use crate::tokens::pkcs11::{KeySource, Module};
use crate::transcript::EventKind;

/// The key in memory, if the plan keeps it outside a device (and so on
/// the backups): made with the OpenPGP keys, before any backup is written.
pub fn make(plan: &Plan) -> Result<Option<CosignKey>, CeremonyError> {
    Ok(if plan.cosign.backed_up() {
        Some(CosignKey::generate()?)
    } else {
        None
    })
}

/// Before any key exists: where the plan puts the cosign key is there and
/// ready (the key file's directory exists; the token is present, its PIN
/// has tries to spare and opens it, and its label is free), so that a
/// ceremony does not stop at the token step with backups and shares already
/// written. Returns the token's PIN (read once: `pin_from` may be a pipe).
pub fn check(
    plan: &Plan,
    ui: &mut dyn super::CeremonyUi,
) -> Result<Option<SecretString>, CeremonyError> {
    match &plan.cosign {
        CosignSpec::None => Ok(None),
        CosignSpec::File(k) => {
            if !k.key_to.is_dir() {
                return Err(CeremonyError::Request(format!(
                    "cosign.key_to ({}) is not a directory: mount the medium for the CI secret store there (or create the directory) and start again",
                    k.key_to.display()
                )));
            }
            // The CI secret store's stick is a medium like the others.
            crate::media::Medium::check(&k.key_to)?
                .refuse_root_disk(plan.media.allow_same_device)?;
            new_destination(&k.password_deliver_to)?;
            Ok(None)
        }
        CosignSpec::Pkcs11(h) => {
            // The module first: a wrong path or a missing token is said
            // before anyone types a PIN.
            let module = Module::load(&h.module)?;
            module.check_ready(&h.token, &h.label, None)?;
            let pin = match (ui.token_pin(&h.token)?, &h.pin_from) {
                (Some(pin), _) => pin,
                (None, Some(from)) => read_pin(from)?,
                (None, None) => {
                    return Err(plan_error(
                        "cosign.pin_from is missing: a batch run reads the token's user PIN from a file or fd:N",
                    ))
                }
            };
            module.check_ready(&h.token, &h.label, Some(&pin))?;
            Ok(Some(pin))
        }
        CosignSpec::Piv(p) => {
            new_destination(&p.pins_deliver_to)?;
            for &serial in &p.serials {
                piv::check_fresh(serial)?;
            }
            Ok(None)
        }
    }
}

/// Yubico's PKCS#11 module, through which cosign signs with a PIV token.
pub const YKCS11_MODULE: &str = "/usr/lib/x86_64-linux-gnu/libykcs11.so";

/// The key in slot 9c as ykcs11 names it (id 2, Digital Signature): no
/// token in the URI, since every token of the plan holds the same key.
pub fn piv_uri() -> String {
    format!("pkcs11:id=%02;type=private?module-path={YKCS11_MODULE}")
}

/// Where the key was put: what the statement and the report say.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Placed {
    pub tier: &'static str,
    /// SHA-256 of cosign.pub's DER key.
    pub public_sha256: String,
    #[serde(skip)]
    pub public: CosignPublic,
    /// The key file (file tier).
    pub key_file: Option<PathBuf>,
    pub pkcs11_uri: Option<String>,
    pub generated_on_device: bool,
    /// A PKCS#10 request for the plan's CA, signed where the key is.
    #[serde(skip)]
    pub csr: Option<String>,
}

impl Placed {
    /// A key the ceremony made (and the backups keep), placed; its request,
    /// if the plan asks for one, signed by the key in memory (the same key
    /// the device holds).
    fn of_backed_up(
        tier: &'static str,
        key: &CosignKey,
        key_file: Option<PathBuf>,
        pkcs11_uri: Option<String>,
        csr_subject: Option<&str>,
    ) -> Result<Placed, CeremonyError> {
        Ok(Placed {
            tier,
            public_sha256: key.public().fingerprint(),
            public: key.public(),
            key_file,
            pkcs11_uri,
            generated_on_device: false,
            csr: csr_subject
                .map(|subject| csr_pem(subject, &key.public(), &|m| Ok(key.sign(m))))
                .transpose()?,
        })
    }

    pub fn line(&self) -> String {
        match (&self.key_file, &self.pkcs11_uri) {
            (Some(f), _) => format!(
                "cosign key: {} (public key {})",
                f.display(),
                short(&self.public_sha256)
            ),
            (_, Some(u)) => format!(
                "cosign key: {u} ({}; public key {})",
                if self.generated_on_device {
                    "made in the token, no backup holds it"
                } else {
                    "imported; the backups hold it"
                },
                short(&self.public_sha256)
            ),
            _ => format!("cosign key: public key {}", short(&self.public_sha256)),
        }
    }
}

fn short(hex: &str) -> &str {
    &hex[..hex.len().min(16)]
}

/// Reads a token PIN from a source (a file or fd:N): its first line.
pub fn read_pin(source: &str) -> Result<SecretString, CeremonyError> {
    let h = Handover::parse(source)
        .map_err(|e| CeremonyError::Request(format!("the PIN source {e}")))?;
    let bytes = Zeroizing::new(read_bounded(&h.open_path(), "token PIN", limits::PIN)?);
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| CeremonyError::Request(format!("the PIN source {source} holds no text")))?;
    let pin = text.lines().next().unwrap_or("").trim_end_matches('\r');
    if pin.is_empty() {
        return Err(CeremonyError::Request(format!(
            "the PIN source {source} holds no PIN: put the token's user PIN on its first line"
        )));
    }
    Ok(SecretString::from(pin.to_owned()))
}

/// A fresh password for the key file: 24 random bytes, base64 (32 characters).
fn new_password() -> Result<SecretString, CeremonyError> {
    use base64::Engine as _;
    let mut raw = Zeroizing::new([0u8; 24]);
    getrandom::getrandom(raw.as_mut())
        .map_err(|e| CeremonyError::Cosign(crate::cosign::CosignError::Random(e.to_string())))?;
    let text = Zeroizing::new(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&raw[..]));
    Ok(SecretString::from(text.to_string()))
}

/// A hand-over destination that does not exist yet (a file is never
/// overwritten; a descriptor is taken as given).
pub fn new_destination(dest: &str) -> Result<Handover, CeremonyError> {
    let to = Handover::parse(dest).map_err(CeremonyError::Delivery)?;
    if let Some(p) = to.file().filter(|p| p.symlink_metadata().is_ok()) {
        return Err(crate::media::MediaError::Exists { path: p.to_owned() }.into());
    }
    Ok(to)
}

/// A key file written and proven.
pub struct KeyFile {
    pub path: PathBuf,
    pub sha256: String,
    /// Where the password went (public text).
    pub password_to: String,
}

/// Writes `key` as cosign's key file `dir/cosign.key` under a fresh
/// password, never over an existing file; reads it back, opens it with that
/// password and signs `challenge` with what it opened, checked against the
/// key; only then hands the password over to `password_to` (a path or fd:N).
pub fn write_key_file(
    key: &CosignKey,
    dir: &std::path::Path,
    password_to: &str,
    challenge: &[u8],
) -> Result<KeyFile, CeremonyError> {
    // The password's destination first: a key file whose password could
    // not be handed over would be a key nobody can open.
    let to = new_destination(password_to)?;
    std::fs::create_dir_all(dir)
        .map_err(|e| crate::media::MediaError::from_io("create", dir, e))?;
    let path = dir.join(KEY_FILE);
    let password = new_password()?;
    let pem = key.to_encrypted_pem(&password)?;
    let sha256 = write_new_file(&path, pem.as_bytes(), FileMode::Private)?;
    let back = read_bounded(&path, "cosign key file", limits::COSIGN_KEY)?;
    let opened = CosignKey::from_encrypted_pem(&back, &password)?;
    key.public().verify(challenge, &opened.sign(challenge))?;
    let to = {
        use secrecy::ExposeSecret;
        to.deliver(password.expose_secret().as_bytes())
            .map_err(CeremonyError::Delivery)?
    };
    Ok(KeyFile {
        path,
        sha256,
        password_to: to,
    })
}

/// Puts the key where the plan says and proves it there (after the
/// rehearsal, with the cards): `key` is what `make` made (None where the
/// token generates it).
pub fn place(
    s: &mut Session<'_>,
    plan: &Plan,
    key: Option<&CosignKey>,
    pin: Option<&SecretString>,
) -> Result<Option<Placed>, CeremonyError> {
    let challenge = format!("keyceremony cosign proof {}\n", s.id()).into_bytes();
    let placed = match &plan.cosign {
        CosignSpec::None => return Ok(None),
        CosignSpec::File(spec) => {
            let key = key.ok_or_else(|| CeremonyError::Bug("no cosign key was made".into()))?;
            let written = write_key_file(
                key,
                &spec.key_to.join(s.id()),
                &spec.password_deliver_to,
                &challenge,
            )?;
            s.event(Event::FileWritten {
                path: written.path.clone(),
                sha256: written.sha256.clone(),
            });
            s.event(Event::Verified(format!(
                "{} opens with its password (handed over to {}) and signs",
                written.path.display(),
                written.password_to
            )));
            let placed = Placed::of_backed_up(
                "file",
                key,
                Some(written.path.clone()),
                None,
                spec.ca.csr_subject.as_deref(),
            )?;
            // The CI copy is audited like every file the ceremony writes:
            // its hash in the transcript.
            s.record(
                EventKind::FileWritten,
                json!({ "name": KEY_FILE, "path": written.path, "sha256": written.sha256 }),
            )?;
            s.record(
                EventKind::CosignKeyPlaced,
                json!({ "tier": "file", "public_key_sha256": placed.public_sha256, "key_file": written.path, "key_file_sha256": written.sha256, "password_delivered_to": written.password_to }),
            )?;
            placed
        }
        CosignSpec::Pkcs11(spec) => {
            let (module, token) = (&spec.module, &spec.token);
            let pin =
                pin.ok_or_else(|| CeremonyError::Bug("the token's PIN was not read".into()))?;
            s.event(Event::Note(format!(
                "cosign key: {} token {token:?} through {}",
                if spec.generate_on_device {
                    "generating it in"
                } else {
                    "importing it into"
                },
                module.display()
            )));
            let source = match (spec.generate_on_device, key) {
                (true, _) => KeySource::Generate,
                (false, Some(k)) => KeySource::Import(k),
                (false, None) => {
                    return Err(CeremonyError::Bug(
                        "no cosign key was made to import".into(),
                    ))
                }
            };
            let m = Module::load(module)?;
            let hsm = m.put_key(token, pin, &spec.label, source, &challenge)?;
            let public = hsm
                .public
                .clone()
                .ok_or_else(|| CeremonyError::ReadBack("the token gave no public key".into()))?;
            if let Some(k) = key {
                if !spec.generate_on_device && k.public() != public {
                    return Err(CeremonyError::ReadBack(format!(
                        "token {token:?} holds another public key than the one imported: do not use it"
                    )));
                }
            }
            s.event(Event::Verified(format!(
                "token {token:?}: key {:?} (id {}) signs, and the signature verifies",
                hsm.label, hsm.id
            )));
            // The request is signed by the token: the key may never have
            // been anywhere else.
            let csr = spec
                .ca
                .csr_subject
                .as_deref()
                .map(|subject| {
                    csr_pem(subject, &public, &|data| {
                        m.sign(token, pin, &hsm.id, data)
                            .map_err(|e| crate::cosign::CosignError::Request(e.to_string()))
                    })
                })
                .transpose()?;
            let placed = Placed {
                tier: "pkcs11",
                public_sha256: public.fingerprint(),
                public,
                key_file: None,
                pkcs11_uri: Some(hsm.uri.clone()),
                generated_on_device: hsm.generated_on_device,
                csr,
            };
            s.record(
                EventKind::CosignKeyPlaced,
                json!({
                    "tier": "pkcs11",
                    "public_key_sha256": placed.public_sha256,
                    "token": hsm.token,
                    "label": hsm.label,
                    "id": hsm.id,
                    "uri": hsm.uri,
                    "generated_on_device": hsm.generated_on_device,
                }),
            )?;
            placed
        }
        CosignSpec::Piv(spec) => {
            let key = key.ok_or_else(|| CeremonyError::Bug("no cosign key was made".into()))?;
            let to = new_destination(&spec.pins_deliver_to)?;
            let pins = CardPins::generate().map_err(|e| {
                CeremonyError::Cosign(crate::cosign::CosignError::Random(e.to_string()))
            })?;
            // Handed over before any token takes them: a token whose PINs
            // nobody received would be lost.
            let delivered = to
                .deliver(piv::pins_text(&spec.serials, &pins).as_bytes())
                .map_err(CeremonyError::Delivery)?;
            s.event(Event::Note(format!(
                "cosign key: the YubiKeys' new PIV PIN and PUK went to {delivered}"
            )));
            let subject = format!("CN=keyceremony cosign key {}", s.id());
            let mut tokens = Vec::new();
            for &serial in &spec.serials {
                s.event(Event::Note(format!(
                    "cosign key: importing it into YubiKey {serial} (PIV slot 9c)"
                )));
                let done = piv::provision(
                    serial,
                    key,
                    &pins,
                    piv_pin(spec.pin_policy),
                    piv_touch(spec.touch_policy),
                    &subject,
                    &challenge,
                    &mut |note| s.event(Event::Note(note)),
                )?;
                s.event(Event::Verified(format!(
                    "YubiKey {serial}: slot 9c holds the cosign key with its certificate, and its signature verifies"
                )));
                tokens.push(done);
            }
            let placed = Placed::of_backed_up(
                "piv",
                key,
                None,
                Some(piv_uri()),
                spec.ca.csr_subject.as_deref(),
            )?;
            s.record(
                EventKind::CosignKeyPlaced,
                json!({
                    "tier": "piv",
                    "public_key_sha256": placed.public_sha256,
                    "tokens": tokens,
                    "pins_delivered_to": delivered,
                }),
            )?;
            placed
        }
    };
    Ok(Some(placed))
}

/// The public files that bind the placed key to `cert` (cosign.pub and the
/// statement with its two signatures): they go on the backups and into
/// this and every later bundle.
pub fn binding_files(
    cert: &Cert,
    placed: &Placed,
    now: SystemTime,
) -> Result<Vec<(String, Vec<u8>)>, CeremonyError> {
    bind(
        cert,
        &placed.public,
        placed.tier,
        placed.pkcs11_uri.clone(),
        placed.generated_on_device,
        now,
    )
}

fn bind(
    cert: &Cert,
    public: &CosignPublic,
    tier: &str,
    pkcs11_uri: Option<String>,
    generated_on_device: bool,
    now: SystemTime,
) -> Result<Vec<(String, Vec<u8>)>, CeremonyError> {
    let statement = Binding {
        kind: binding::KIND.into(),
        key: cert.fingerprint().to_hex(),
        user_ids: cert
            .userids()
            .map(|u| String::from_utf8_lossy(u.userid().value()).into_owned())
            .collect(),
        cosign_public_key_sha256: public.fingerprint(),
        tier: tier.to_owned(),
        pkcs11_uri,
        generated_on_device,
        created: humantime::format_rfc3339_seconds(now).to_string(),
    }
    .canonical();
    let mut files = vec![(PUBLIC_FILE.to_owned(), public.to_pem().into_bytes())];
    files.extend(co_signed(
        cert,
        statement,
        [
            binding::STATEMENT_FILE,
            binding::PRIMARY_SIG_FILE,
            binding::SUBKEY_SIG_FILE,
        ],
        now,
    )?);
    Ok(files)
}

/// A statement and its two signatures by `cert` (the primary, which
/// verifiers pin; the signing subkey, which gpg and sq check), as the files
/// `names` (statement, primary's signature, subkey's signature).
fn co_signed(
    cert: &Cert,
    statement: Vec<u8>,
    [file, primary_sig, subkey_sig]: [&str; 3],
    now: SystemTime,
) -> Result<Vec<(String, Vec<u8>)>, CeremonyError> {
    Ok(vec![
        (
            primary_sig.to_owned(),
            openpgp::sign_detached(cert, SignWith::Primary, &statement, now)?,
        ),
        (
            subkey_sig.to_owned(),
            openpgp::sign_detached(cert, SignWith::SigningSubkey, &statement, now)?,
        ),
        (file.to_owned(), statement),
    ])
}

/// A certificate the plan names, checked before anything is written.
pub struct PendingCertificate {
    issued: crate::cosign::Issued,
    public: CosignPublic,
    pem: Vec<u8>,
    /// The YubiKeys' PIV PIN (piv tier): the slot's certificate is theirs too.
    pin: Option<SecretString>,
}

/// Before anything is written: the certificate the plan names
/// (`cosign.certificate`, a CA's answer to cosign.csr) is for the cosign
/// key the backup's files bind and valid now; for piv, the tokens' PIN is
/// read (the TUI asks for it). None when the plan names no certificate.
pub fn certificate_check(
    plan: &Plan,
    carried: &[(String, Vec<u8>)],
    ui: &mut dyn super::CeremonyUi,
    now: SystemTime,
) -> Result<Option<PendingCertificate>, CeremonyError> {
    let Some(path) = plan.cosign.certificate() else {
        return Ok(None);
    };
    let public = carried_public(carried).ok_or_else(|| {
        plan_error(
            "cosign.certificate: this key has no cosign key (its backup binds none); a certificate is for the key a ceremony made and its cosign.csr",
        )
    })?;
    let pem = read_bounded(path, "cosign certificate", limits::COSIGN_CERT)?;
    let issued = crate::cosign::check_issued(&pem, &public, Some(now))?;
    let pin = if let CosignSpec::Piv(p) = &plan.cosign {
        let names: Vec<String> = p.serials.iter().map(u32::to_string).collect();
        Some(
            match (
                ui.token_pin(&format!("YubiKey {} (PIV)", names.join(", ")))?,
                &p.pin_from,
            ) {
                (Some(pin), _) => pin,
                (None, Some(from)) => read_pin(from)?,
                (None, None) => {
                    return Err(plan_error(
                        "cosign.pin_from is missing: a batch run reads the YubiKeys' PIV PIN from a file or fd:N",
                    ))
                }
            },
        )
    } else {
        None
    };
    Ok(Some(PendingCertificate {
        issued,
        public,
        pem,
        pin,
    }))
}

/// Puts a checked certificate where it goes: slot 9c of each of the plan's
/// YubiKeys (piv), read back there; and cosign.crt, carried into this and
/// every later bundle.
pub fn certificate_place(
    s: &mut Session<'_>,
    plan: &Plan,
    c: PendingCertificate,
) -> Result<(), CeremonyError> {
    let mut tokens = Vec::new();
    if let (Some(pin), CosignSpec::Piv(p)) = (&c.pin, &plan.cosign) {
        for &serial in &p.serials {
            piv::write_certificate(serial, pin, &c.issued.der, &c.public)?;
            s.event(Event::Verified(format!(
                "YubiKey {serial}: slot 9c holds the certificate {} issued",
                c.issued.issuer
            )));
            tokens.push(serial);
        }
    }
    let sha256 = crate::media::sha256_hex(&c.pem);
    s.add_carried_files(vec![(crate::cosign::CERT_FILE.to_owned(), c.pem)]);
    s.event(Event::Note(format!(
        "cosign key: {} carries the certificate for {} (issued by {}, until {})",
        crate::cosign::CERT_FILE,
        c.issued.subject,
        c.issued.issuer,
        c.issued.not_after
    )));
    s.record(
        EventKind::CosignCertified,
        json!({
            "certificate": c.issued,
            "sha256": sha256,
            "piv_tokens": tokens,
        }),
    )?;
    Ok(())
}

/// The cosign public key among a key's carried files, if it has one.
pub fn carried_public(carried: &[(String, Vec<u8>)]) -> Option<CosignPublic> {
    let (_, pem) = carried.iter().find(|(n, _)| n == PUBLIC_FILE)?;
    CosignPublic::from_pem(&String::from_utf8_lossy(pem)).ok()
}

/// A rotation's new primary vouches for the cosign key the old one bound
/// (`carried` are the old key's carried files): the same key, a new
/// statement. Nothing when the old key had no cosign key.
pub fn rebind(
    carried: &[(String, Vec<u8>)],
    new: &Cert,
    now: SystemTime,
) -> Result<Vec<(String, Vec<u8>)>, CeremonyError> {
    let file = |name: &str| {
        carried
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_slice())
    };
    let (Some(pem), Some(statement)) = (file(PUBLIC_FILE), file(binding::STATEMENT_FILE)) else {
        return Ok(Vec::new());
    };
    let old = Binding::parse(statement).map_err(CeremonyError::ReadBack)?;
    let public = CosignPublic::from_pem(&String::from_utf8_lossy(pem))?;
    bind(
        new,
        &public,
        &old.tier,
        old.pkcs11_uri,
        old.generated_on_device,
        now,
    )
}

/// The files that replace the cosign key `old` by `new` (cosign rotate):
/// the rotation statement signed by `cert`'s primary and signing subkey,
/// and, for a scheduled rotation, the old key's public half, carried while
/// its transition lasts.
pub fn rotation_files(
    cert: &Cert,
    old: &CosignPublic,
    new: &CosignPublic,
    reason: crate::cosign::rotation::Reason,
    transition_until: SystemTime,
    now: SystemTime,
) -> Result<Vec<(String, Vec<u8>)>, CeremonyError> {
    use crate::cosign::rotation::{self, CosignRotation, Reason};
    let stamp = |t| humantime::format_rfc3339_seconds(t).to_string();
    let statement = CosignRotation {
        kind: rotation::KIND.into(),
        key: cert.fingerprint().to_hex(),
        old_cosign_public_key_sha256: old.fingerprint(),
        new_cosign_public_key_sha256: new.fingerprint(),
        reason,
        transition_until: stamp(if reason == Reason::Compromised {
            now
        } else {
            transition_until
        }),
        created: stamp(now),
    }
    .canonical();
    let mut files = co_signed(cert, statement, ROTATION_FILES, now)?;
    if reason == Reason::Scheduled {
        files.push((
            rotation::PREVIOUS_PUBLIC_FILE.to_owned(),
            old.to_pem().into_bytes(),
        ));
    }
    Ok(files)
}

/// A rotation of the primary carries the cosign key's own rotation (its
/// transition may still last): the new primary signs the same statement,
/// naming itself as the key that vouches for it. Nothing when there is none.
pub fn rekey_cosign_rotation(
    carried: &[(String, Vec<u8>)],
    new: &Cert,
    now: SystemTime,
) -> Result<Vec<(String, Vec<u8>)>, CeremonyError> {
    use crate::cosign::rotation::{self, CosignRotation};
    let Some((_, bytes)) = carried.iter().find(|(n, _)| n == rotation::STATEMENT_FILE) else {
        return Ok(Vec::new());
    };
    let mut st = CosignRotation::parse(bytes).map_err(CeremonyError::ReadBack)?;
    st.key = new.fingerprint().to_hex();
    co_signed(new, st.canonical(), ROTATION_FILES, now)
}

/// The key's list of revoked cosign keys (crate::cosign::revocation) with
/// the keys `revoked` (SHA-256, reason) added as revoked now by ceremony
/// `ceremony_id`: the list the key carries (or a new one), signed by
/// `cert`'s primary and signing subkey. Every later bundle carries it whole.
pub fn revocation_files(
    carried: &[(String, Vec<u8>)],
    cert: &Cert,
    revoked: Vec<(String, crate::cosign::revocation::RevokeReason)>,
    ceremony_id: &str,
    now: SystemTime,
) -> Result<Vec<(String, Vec<u8>)>, CeremonyError> {
    let mut list = carried_revocations(carried)?
        .unwrap_or_else(|| crate::cosign::revocation::CosignRevocations::new(""));
    list.key = cert.fingerprint().to_hex();
    for (digest, reason) in revoked {
        list.add(crate::cosign::revocation::Revoked {
            cosign_public_key_sha256: digest,
            reason,
            revoked: humantime::format_rfc3339_seconds(now).to_string(),
            ceremony_id: ceremony_id.to_owned(),
        });
    }
    co_signed(cert, list.canonical(), REVOCATION_FILES, now)
}

/// The list of revoked cosign keys among a key's carried files, if it has one.
pub fn carried_revocations(
    carried: &[(String, Vec<u8>)],
) -> Result<Option<crate::cosign::revocation::CosignRevocations>, CeremonyError> {
    use crate::cosign::revocation::{CosignRevocations, STATEMENT_FILE};
    carried
        .iter()
        .find(|(n, _)| n == STATEMENT_FILE)
        .map(|(_, b)| CosignRevocations::parse(b).map_err(CeremonyError::ReadBack))
        .transpose()
}

/// A rotation of the primary carries the list of revoked cosign keys: the
/// new primary signs it, naming itself. Nothing when there is none.
pub fn rekey_cosign_revocations(
    carried: &[(String, Vec<u8>)],
    new: &Cert,
    now: SystemTime,
) -> Result<Vec<(String, Vec<u8>)>, CeremonyError> {
    if carried_revocations(carried)?.is_none() {
        return Ok(Vec::new());
    }
    revocation_files(carried, new, Vec::new(), "", now)
}

/// The revocation list's files, as `co_signed` takes them.
const REVOCATION_FILES: [&str; 3] = [
    crate::cosign::revocation::STATEMENT_FILE,
    crate::cosign::revocation::PRIMARY_SIG_FILE,
    crate::cosign::revocation::SUBKEY_SIG_FILE,
];

/// The cosign rotation statement's files, as `co_signed` takes them.
const ROTATION_FILES: [&str; 3] = [
    crate::cosign::rotation::STATEMENT_FILE,
    crate::cosign::rotation::PRIMARY_SIG_FILE,
    crate::cosign::rotation::SUBKEY_SIG_FILE,
];

/// A plan that asks for something this tier cannot do (exit 3).
fn plan_error(what: &str) -> CeremonyError {
    CeremonyError::Plan(crate::plan::PlanError::Invalid(what.to_owned()))
}

/// The plan's PIN policy for slot 9c, as the PIV backend takes it.
pub fn piv_pin(p: crate::plan::PivPin) -> piv::PinUse {
    use crate::plan::PivPin;
    match p {
        PivPin::Always => piv::PinUse::Always,
        PivPin::Once => piv::PinUse::Once,
        PivPin::Never => piv::PinUse::Never,
    }
}

/// The plan's touch policy for slot 9c, as the PIV backend takes it.
pub fn piv_touch(t: crate::plan::PivTouch) -> piv::TouchUse {
    use crate::plan::PivTouch;
    match t {
        PivTouch::Never => piv::TouchUse::Never,
        PivTouch::Always => piv::TouchUse::Always,
        PivTouch::Cached => piv::TouchUse::Cached,
    }
}
