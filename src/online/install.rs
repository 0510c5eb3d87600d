//! `install`: after `verify`, the bundle's files where the tools read them,
//! below a root (`/` on a real machine): the binary keyring for
//! containers' `keyPath`, the policy fragment merged into
//! `etc/containers/policy.json` (every other entry kept), and the
//! registries.d entry. Each file is written whole or not at all (a
//! temporary file renamed over it), so a policy is never left half-written.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{json, Value};

use super::Verified;
use crate::bundle::{cosign_install_path, keyring_install_path};
use crate::ceremony::CeremonyError;
use crate::media::{limits, read_bounded, MediaError};

pub const POLICY_PATH: &str = "etc/containers/policy.json";
pub const REGISTRIES_D_DIR: &str = "etc/containers/registries.d";

#[derive(Debug, Serialize)]
pub struct Installed {
    pub keyring: PathBuf,
    pub cosign: Option<PathBuf>,
    pub policy: Option<PathBuf>,
    pub registries_d: Option<PathBuf>,
}

impl Installed {
    pub fn lines(&self) -> Vec<String> {
        let mut l = vec![format!("Installed keyring {}", self.keyring.display())];
        l.extend(
            self.cosign
                .iter()
                .map(|p| format!("Installed cosign  {}", p.display())),
        );
        l.extend(
            self.policy
                .iter()
                .map(|p| format!("Merged policy     {}", p.display())),
        );
        l.extend(
            self.registries_d
                .iter()
                .map(|p| format!("Wrote lookaside   {}", p.display())),
        );
        l
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory,
/// synced and renamed over it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), MediaError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| MediaError::from_io("create", dir, e))?;
    let tmp = dir.join(format!(
        ".{}.keyceremony-tmp",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ));
    let io = |e| MediaError::from_io("write", &tmp, e);
    let mut f = std::fs::File::create(&tmp).map_err(io)?;
    f.write_all(bytes).map_err(io)?;
    f.sync_all().map_err(io)?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(|e| MediaError::from_io("replace", path, e))
}

/// Installs what `v` holds below `root`.
pub fn install(v: &Verified, root: &Path) -> Result<Installed, CeremonyError> {
    let files = &v.info.files;
    let keyring_rel = keyring_install_path(&v.key);
    let keyring = root.join(&keyring_rel);
    let mut bytes = read_bounded(&v.dir.join(&files.keyring), "keyring", limits::KEY)?;
    // While a rotation's transition lasts, the old key's signatures stand.
    if let Some(t) = &v.transition {
        bytes.extend(read_bounded(
            &v.dir.join(&t.keyring),
            "keyring",
            limits::KEY,
        )?);
    }
    write_atomic(&keyring, &bytes)?;
    let cosign = match &files.cosign {
        None => None,
        Some(name) => {
            let path = root.join(cosign_install_path(&v.key));
            let bytes = read_bounded(&v.dir.join(name), "cosign public key", limits::COSIGN_PUB)?;
            write_atomic(&path, &bytes)?;
            Some(path)
        }
    };

    let policy = match &files.policy {
        None => None,
        Some(name) => {
            let fragment: Value = serde_json::from_slice(&read_bounded(
                &v.dir.join(name),
                "policy fragment",
                limits::MANIFEST,
            )?)
            .map_err(|e| CeremonyError::Untrusted(format!("{name} is not JSON: {e}")))?;
            let path = root.join(POLICY_PATH);
            let mut policy: Value = if path.exists() {
                serde_json::from_slice(&read_bounded(&path, "policy.json", limits::MANIFEST)?)
                    .map_err(|e| {
                        CeremonyError::Refused(format!(
                            "{} is not JSON ({e}): fix it first; nothing was changed",
                            path.display()
                        ))
                    })?
            } else {
                // What containers-common ships: this policy adds requirements
                // for the plan's scopes and leaves everything else as it was.
                json!({ "default": [{ "type": "insecureAcceptAnything" }] })
            };
            merge(&mut policy, &fragment, &keyring, cosign.as_deref())?;
            let text = serde_json::to_string_pretty(&policy).unwrap_or_default();
            write_atomic(&path, format!("{text}\n").as_bytes())?;
            Some(path)
        }
    };
    let registries_d = match &files.registries_d {
        None => None,
        Some(name) => {
            let bytes = read_bounded(&v.dir.join(name), "registries.d entry", limits::MANIFEST)?;
            let path = root
                .join(REGISTRIES_D_DIR)
                .join(format!("keyceremony-{}.yaml", v.key));
            write_atomic(&path, &bytes)?;
            Some(path)
        }
    };
    Ok(Installed {
        keyring,
        cosign,
        policy,
        registries_d,
    })
}

/// Puts each of the fragment's scope requirements into `policy`, pointing
/// `keyPath` at the keyring (or, for `sigstoreSigned`, the cosign key) as
/// installed; other transports and scopes stay.
fn merge(
    policy: &mut Value,
    fragment: &Value,
    keyring: &Path,
    cosign: Option<&Path>,
) -> Result<(), CeremonyError> {
    let Some(obj) = policy.as_object_mut() else {
        return Err(CeremonyError::Refused(
            "policy.json is not a JSON object: fix it first; nothing was changed".into(),
        ));
    };
    let transports = obj.entry("transports").or_insert_with(|| json!({}));
    let Some(fragment) = fragment["transports"].as_object() else {
        return Ok(());
    };
    for (transport, scopes) in fragment {
        let t = transports
            .as_object_mut()
            .ok_or_else(|| {
                CeremonyError::Refused("policy.json's transports is not an object".into())
            })?
            .entry(transport.clone())
            .or_insert_with(|| json!({}));
        for (scope, reqs) in scopes.as_object().into_iter().flatten() {
            let mut reqs = reqs.clone();
            for r in reqs.as_array_mut().into_iter().flatten() {
                let path = match (r["type"].as_str(), cosign) {
                    (Some("sigstoreSigned"), Some(c)) => c,
                    (Some("sigstoreSigned"), None) => {
                        return Err(CeremonyError::Untrusted(
                            "the policy fragment asks for a cosign signature, but the bundle names no cosign key".into(),
                        ))
                    }
                    _ => keyring,
                };
                r["keyPath"] = json!(path.display().to_string());
            }
            t[scope] = reqs;
        }
    }
    Ok(())
}
