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
/// old one on `kubectl apply`). A rotation of the primary changes it: the
/// old key's policies are then deleted (`install --kubernetes` says how).
pub fn policy_name(key: &str) -> String {
    format!(
        "keyceremony-{}",
        key.to_ascii_lowercase()
            .chars()
            .take(16)
            .collect::<String>()
    )
}

/// The images a scope covers, as policy-controller's globs, which it
/// matches against the whole reference (`app@sha256:...`, `app:v1`; `*`
/// stops at a slash, `**` does not): the repository's digests and tags,
/// and every repository below it (containers' scopes match both). A bare
/// `registry.example.org/app` matched no image at all.
fn globs(scope: &Scope) -> [String; 3] {
    let s = &scope.scope;
    [format!("{s}@**"), format!("{s}:**"), format!("{s}/**")]
}

/// The cosign keys a cluster accepts at `at`, or None when it is told
/// nothing (the key never had a cosign key): the bound key `current`, and
/// the `previous` one while the cosign rotation statement `rotation` (its
/// bytes) is in a scheduled transition at `at`. A key whose cosign key was
/// revoked (`revoked`, and no new one bound) gets an empty list: every image
/// of its scopes is refused until a new cosign key is made.
pub fn keys_at<'a>(
    current: Option<&'a str>,
    previous: Option<&'a str>,
    rotation: Option<&[u8]>,
    revoked: bool,
    at: std::time::SystemTime,
) -> Option<Vec<&'a str>> {
    let Some(current) = current else {
        return revoked.then(Vec::new);
    };
    let lasting = rotation
        .and_then(|b| crate::cosign::rotation::CosignRotation::parse(b).ok())
        .is_some_and(|st| st.in_transition(at));
    Some(
        std::iter::once(current)
            .chain(previous.filter(|_| lasting))
            .collect(),
    )
}

/// The two policies for `key`, whose images in the docker `scopes` must be
/// signed by one of `cosign_keys` (cosign.pub PEM texts; two while a
/// rotation's transition lasts; none after a revocation, when every image
/// of the scopes is refused): (file name, JSON text) each, or none when no
/// scope is a cluster's.
pub fn policies(
    key: &str,
    scopes: &[Scope],
    cosign_keys: &[&str],
) -> Option<[(&'static str, String); 2]> {
    let docker: Vec<&Scope> = scopes.iter().filter(|s| s.transport == "docker").collect();
    if docker.is_empty() {
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
    // No key left (revoked, none bound since): policy-controller's static
    // authority that fails every image, rather than no policy, which would
    // let unsigned images in where no other policy matches.
    let authorities: Vec<Value> = if cosign_keys.is_empty() {
        vec![json!({ "name": "cosign-key-revoked", "static": { "action": "fail" } })]
    } else {
        cosign_keys
            .iter()
            .map(|pem| {
                json!({
                    "name": format!("cosign-{}", &digest(pem)[..16]),
                    "key": { "data": pem, "hashAlgorithm": "sha256" },
                })
            })
            .collect()
    };
    let cip = json!({
        "apiVersion": "policy.sigstore.dev/v1beta1",
        "kind": "ClusterImagePolicy",
        "metadata": { "name": name, "annotations": annotations },
        "spec": {
            "images": docker.iter().flat_map(|s| globs(s)).map(|g| json!({ "glob": g })).collect::<Vec<_>>(),
            "authorities": authorities,
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
    const LISTS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];
    let rule = if cosign_keys.is_empty() {
        // Every container of a pod (init and ephemeral ones too) whose
        // image is in a scope is denied; `{{ element.image }}` is the pod's
        // text, not normalised as verifyImages does, so the scope itself
        // (an image named without tag or digest) is listed too.
        let references: Vec<String> = docker
            .iter()
            .map(|s| s.scope.clone())
            .chain(references.iter().cloned())
            .collect();
        json!({
            "name": "cosign-key-revoked",
            "match": { "any": [{ "resources": { "kinds": ["Pod"] } }] },
            "validate": {
                "message": "the release key's cosign key was revoked and no new one is bound: images of this scope cannot run until a ceremony makes a new cosign key (keyceremony cosign rotate)",
                "foreach": LISTS.iter().map(|list| json!({
                    "list": format!("request.object.spec.{list}"),
                    "deny": { "conditions": { "any": [{
                        "key": "{{ element.image }}",
                        "operator": "AnyIn",
                        "value": references,
                    }] } },
                })).collect::<Vec<_>>(),
            },
        })
    } else {
        json!({
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
        })
    };
    let kyverno = json!({
        "apiVersion": "kyverno.io/v1",
        "kind": "ClusterPolicy",
        "metadata": { "name": name, "annotations": annotations },
        "spec": {
            "validationFailureAction": "Enforce",
            "background": false,
            "webhookTimeoutSeconds": 30,
            "rules": [rule],
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

    /// policy-controller's glob: `**` any characters, `*` any but `/`.
    fn glob_matches(glob: &str, s: &str) -> bool {
        if let Some(rest) = glob.strip_prefix("**") {
            return (0..=s.len()).any(|i| s.is_char_boundary(i) && glob_matches(rest, &s[i..]));
        }
        if let Some(rest) = glob.strip_prefix('*') {
            let end = s.find('/').unwrap_or(s.len());
            return (0..=end).any(|i| s.is_char_boundary(i) && glob_matches(rest, &s[i..]));
        }
        match (glob.chars().next(), s.chars().next()) {
            (None, None) => true,
            (Some(g), Some(c)) if g == c => glob_matches(&glob[g.len_utf8()..], &s[c.len_utf8()..]),
            _ => false,
        }
    }

    const PEM: &str = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n";

    #[test]
    fn only_docker_scopes_with_a_cosign_key_make_policies() {
        let docker = Scope::parse("registry.example.org/team").unwrap();
        let dir = Scope::parse("dir:/srv/images=example.org/app").unwrap();
        assert!(policies("ABCD", std::slice::from_ref(&dir), &[PEM]).is_none());
        // Revoked, no key bound since: every image of the scope refused.
        let [(_, cip), (_, kyv)] = policies("ABCD", std::slice::from_ref(&docker), &[]).unwrap();
        let cip: Value = serde_json::from_str(&cip).unwrap();
        assert_eq!(cip["spec"]["authorities"].as_array().unwrap().len(), 1);
        assert_eq!(cip["spec"]["authorities"][0]["static"]["action"], "fail");
        let kyv: Value = serde_json::from_str(&kyv).unwrap();
        let rule = &kyv["spec"]["rules"][0];
        assert!(rule.get("verifyImages").is_none());
        let each = &rule["validate"]["foreach"][0];
        assert_eq!(each["list"], "request.object.spec.containers");
        let denied: Vec<&str> = each["deny"]["conditions"]["any"][0]["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        for r in [
            "registry.example.org/team",
            "registry.example.org/team:*",
            "registry.example.org/team@*",
            "registry.example.org/team/*",
        ] {
            assert!(denied.contains(&r), "{r}: {denied:?}");
        }
        let [(n1, cip), (n2, kyv)] =
            policies("ABCDEF0123456789ABCD", &[docker, dir], &[PEM]).unwrap();
        assert_eq!((n1, n2), (CLUSTER_IMAGE_POLICY_FILE, KYVERNO_POLICY_FILE));
        let cip: Value = serde_json::from_str(&cip).unwrap();
        assert_eq!(cip["metadata"]["name"], "keyceremony-abcdef0123456789");
        let globs: Vec<&str> = cip["spec"]["images"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["glob"].as_str().unwrap())
            .collect();
        // As policy-controller matches them (pkg/apis/glob: `**` any
        // characters, `*` any but a slash, the rest literal, anchored),
        // against the references its admission webhook sees.
        let matched = |image: &str| globs.iter().any(|g| glob_matches(g, image));
        for image in [
            "registry.example.org/team@sha256:0123abcd",
            "registry.example.org/team:v1.2",
            "registry.example.org/team/worker@sha256:0123abcd",
            "registry.example.org/team/a/b:latest",
        ] {
            assert!(matched(image), "{image} is in the scope: {globs:?}");
        }
        for image in [
            "registry.example.org/teams@sha256:0123abcd",
            "registry.example.org/other@sha256:0123abcd",
            "evil.example/registry.example.org/team@sha256:0",
        ] {
            assert!(!matched(image), "{image} is not in the scope: {globs:?}");
        }
        assert_eq!(cip["spec"]["authorities"][0]["key"]["data"], PEM);
        let kyv: Value = serde_json::from_str(&kyv).unwrap();
        let v = &kyv["spec"]["rules"][0]["verifyImages"][0];
        assert_eq!(v["imageReferences"][0], "registry.example.org/team:*");
        assert_eq!(v["attestors"][0]["entries"][0]["keys"]["publicKeys"], PEM);
    }
}
