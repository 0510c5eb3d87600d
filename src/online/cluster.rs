//! Cluster policies: what a Kubernetes cluster's admission controller needs
//! to refuse a pod whose image the key's cosign key did not sign, for the
//! two controllers the runbooks use: sigstore's policy-controller (a
//! `ClusterImagePolicy`) and Kyverno (a `ClusterPolicy` with
//! `verifyImages`).
//!
//! They are made from the same verified facts as the node's policy (the
//! bundle's docker scopes and its cosign.pub), never copied from the
//! bundle: `verify` regenerates them and refuses a bundle whose copies
//! differ, and `install --kubernetes` writes what it regenerated. JSON, not
//! YAML: `kubectl apply -f` takes both, and JSON cannot be bent by a
//! value (a scope, a key) into another key of the document.
//!
//! Only docker scopes become images a cluster pulls; `dir:` and `oci:`
//! scopes are the node's alone.

use serde_json::{json, Value};

use super::bundle::Scope;

/// The policy-controller's policy, in the export and from `install --kubernetes`.
pub const CLUSTER_IMAGE_POLICY_FILE: &str = "cluster-image-policy.json";
/// Kyverno's policy, likewise.
pub const KYVERNO_POLICY_FILE: &str = "kyverno-policy.json";

/// The Kubernetes name of this key's policies: lowercase, short, the same
/// for every bundle of the key (so that a new bundle's policy replaces the
/// old one on `kubectl apply`).
pub fn policy_name(key: &str) -> String {
    format!(
        "keyceremony-{}",
        key.to_ascii_lowercase()
            .chars()
            .take(16)
            .collect::<String>()
    )
}

/// The images a scope covers, as globs: the repository itself and
/// everything below it (containers' scopes match both).
fn globs(scope: &Scope) -> [String; 2] {
    [scope.scope.clone(), format!("{}/**", scope.scope)]
}

/// The two policies for `key`, whose images in the docker `scopes` must be
/// signed by one of `cosign_keys` (cosign.pub PEM texts; two while a
/// rotation's transition lasts): (file name, JSON text) each, or none when
/// no scope is a cluster's or there is no cosign key.
pub fn policies(
    key: &str,
    scopes: &[Scope],
    cosign_keys: &[&str],
) -> Option<[(&'static str, String); 2]> {
    let docker: Vec<&Scope> = scopes.iter().filter(|s| s.transport == "docker").collect();
    if docker.is_empty() || cosign_keys.is_empty() {
        return None;
    }
    let name = policy_name(key);
    let annotations = json!({
        "keyceremony/key": key,
        "keyceremony/note": "made by keyceremony from a verified bundle: regenerate it with keyceremony install --kubernetes, do not edit",
    });
    let digest = |pem: &str| {
        crate::cosign::CosignPublic::from_pem(pem)
            .map(|k| k.fingerprint())
            .unwrap_or_else(|_| crate::media::sha256_hex(pem.as_bytes()))
    };
    let cip = json!({
        "apiVersion": "policy.sigstore.dev/v1beta1",
        "kind": "ClusterImagePolicy",
        "metadata": { "name": name, "annotations": annotations },
        "spec": {
            "images": docker.iter().flat_map(|s| globs(s)).map(|g| json!({ "glob": g })).collect::<Vec<_>>(),
            "authorities": cosign_keys.iter().map(|pem| json!({
                "name": format!("cosign-{}", &digest(pem)[..16]),
                "key": { "data": pem, "hashAlgorithm": "sha256" },
            })).collect::<Vec<_>>(),
        },
    });
    // Kyverno's wildcards match any characters, slashes included: the
    // repository's tags and digests, and every repository below it.
    let references: Vec<String> = docker
        .iter()
        .flat_map(|s| {
            [
                format!("{}:*", s.scope),
                format!("{}@*", s.scope),
                format!("{}/*", s.scope),
            ]
        })
        .collect();
    let kyverno = json!({
        "apiVersion": "kyverno.io/v1",
        "kind": "ClusterPolicy",
        "metadata": { "name": name, "annotations": annotations },
        "spec": {
            "validationFailureAction": "Enforce",
            "background": false,
            "webhookTimeoutSeconds": 30,
            "rules": [{
                "name": "signed-by-the-release-key",
                "match": { "any": [{ "resources": { "kinds": ["Pod"] } }] },
                "verifyImages": [{
                    "imageReferences": references,
                    "required": true,
                    "verifyDigest": true,
                    "mutateDigest": true,
                    "attestors": [{
                        // Any one of the keys: two only during a rotation's transition.
                        "count": 1,
                        "entries": cosign_keys.iter().map(|pem| json!({
                            "keys": {
                                "publicKeys": pem,
                                "signatureAlgorithm": "sha256",
                                // Signed on an air-gapped machine: no transparency log.
                                "rekor": { "ignoreTlog": true },
                                "ctlog": { "ignoreSCT": true },
                            }
                        })).collect::<Vec<_>>(),
                    }],
                }],
            }],
        },
    });
    let text = |v: &Value| format!("{}\n", serde_json::to_string_pretty(v).unwrap_or_default());
    Some([
        (CLUSTER_IMAGE_POLICY_FILE, text(&cip)),
        (KYVERNO_POLICY_FILE, text(&kyverno)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &str = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n";

    #[test]
    fn only_docker_scopes_with_a_cosign_key_make_policies() {
        let docker = Scope::parse("registry.example.org/team").unwrap();
        let dir = Scope::parse("dir:/srv/images=example.org/app").unwrap();
        assert!(policies("ABCD", std::slice::from_ref(&dir), &[PEM]).is_none());
        assert!(policies("ABCD", std::slice::from_ref(&docker), &[]).is_none());
        let [(n1, cip), (n2, kyv)] =
            policies("ABCDEF0123456789ABCD", &[docker, dir], &[PEM]).unwrap();
        assert_eq!((n1, n2), (CLUSTER_IMAGE_POLICY_FILE, KYVERNO_POLICY_FILE));
        let cip: Value = serde_json::from_str(&cip).unwrap();
        assert_eq!(cip["metadata"]["name"], "keyceremony-abcdef0123456789");
        assert_eq!(
            cip["spec"]["images"],
            json!([{ "glob": "registry.example.org/team" }, { "glob": "registry.example.org/team/**" }])
        );
        assert_eq!(cip["spec"]["authorities"][0]["key"]["data"], PEM);
        let kyv: Value = serde_json::from_str(&kyv).unwrap();
        let v = &kyv["spec"]["rules"][0]["verifyImages"][0];
        assert_eq!(v["imageReferences"][0], "registry.example.org/team:*");
        assert_eq!(v["attestors"][0]["entries"][0]["keys"]["publicKeys"], PEM);
    }
}
