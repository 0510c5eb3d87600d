//! The export bundle: what every ceremony leaves on the export medium for
//! the online side, in one documented, versioned layout (docs/online-side.md).
//!
//! Besides the cert, transcript and signed MANIFEST every ceremony writes,
//! `bundle.json` says which key this is, the bundle's sequence number (one
//! more at every ceremony of the key) and the SHA-256 of the bundle before,
//! until when the bundle is good, and which files serve which tool: a binary
//! keyring (containers' `keyPath` takes no armor), a containers-policy
//! fragment and a registries.d entry. `bundle.json` is also kept on every
//! backup, so that the next ceremony, which opens a backup and not the old
//! export, knows which number comes next.
//!
//! The sequence number and "valid until" are TUF's answers to replay and
//! freeze: `verify` refuses a bundle older than one it has seen, and one
//! past its end, so that an attacker cannot serve an old, validly signed
//! bundle for ever.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

pub const BUNDLE_FILE: &str = "bundle.json";
pub const KEYRING_FILE: &str = "keyring.gpg";
pub const POLICY_FILE: &str = "containers-policy.json";
pub const REGISTRIES_D_FILE: &str = "registries.d.yaml";
pub use crate::media::MANIFEST_SIG;
pub const FORMAT: u32 = 1;

/// Where `install` puts the keyring, relative to its root; the policy
/// fragment's `keyPath` names it there.
pub fn keyring_install_path(fingerprint: &str) -> String {
    format!("etc/pki/containers/keyceremony-{fingerprint}.gpg")
}

/// The bundle's keyring of the named signing role `role` (two-person
/// signing): that role's signing subkeys only.
pub fn role_keyring_file(role: &str) -> String {
    format!("keyring-{role}.gpg")
}

/// Where `install` puts role `role`'s keyring (below the root).
pub fn role_keyring_install_path(fingerprint: &str, role: &str) -> String {
    format!("etc/pki/containers/keyceremony-{fingerprint}-role-{role}.gpg")
}

/// What a scope's rule asks for, as the installed system names the key
/// files: this key's (default role's) keyring, each named role's keyring
/// for the two-person scopes, and the cosign key, if there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirements {
    pub keyring: String,
    pub roles: Vec<String>,
    pub two_person: Vec<Scope>,
    pub cosign: Option<String>,
}

impl BundleInfo {
    /// What this bundle's policy rules ask for, with a cosign key or not.
    pub fn requirements(&self, cosign: bool) -> Requirements {
        Requirements::of(&self.key, &self.signing_roles, &self.two_person, cosign)
    }
}

impl Requirements {
    /// For key `fpr` with named signing `roles`, the scopes (as declared)
    /// in `two_person`, and a cosign key or not.
    pub fn of(fpr: &str, roles: &[String], two_person: &[String], cosign: bool) -> Requirements {
        Requirements {
            keyring: format!("/{}", keyring_install_path(fpr)),
            roles: roles
                .iter()
                .map(|r| format!("/{}", role_keyring_install_path(fpr, r)))
                .collect(),
            two_person: two_person
                .iter()
                .filter_map(|s| Scope::parse(s).ok())
                .collect(),
            cosign: cosign.then(|| format!("/{}", cosign_install_path(fpr))),
        }
    }
}

/// Where `install` puts the key's cosign.pub (below the root), for
/// `sigstoreSigned` requirements and `cosign verify --key`.
pub fn cosign_install_path(fingerprint: &str) -> String {
    format!("etc/pki/containers/keyceremony-{fingerprint}-cosign.pub")
}

/// `bundle.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleInfo {
    pub format: u32,
    /// The primary fingerprint this bundle is about.
    pub key: String,
    pub ceremony_id: String,
    pub flow: String,
    /// 1 at genesis, one more at every later ceremony of the key.
    pub sequence: u64,
    /// SHA-256 of the previous bundle's `bundle.json`, from the backup the
    /// ceremony opened (none at genesis).
    pub previous_bundle_sha256: Option<String>,
    /// SHA-256 of every earlier bundle's `bundle.json`, oldest first (the
    /// last is `previous_bundle_sha256`): a verifier that missed some
    /// bundles still sees that this one continues the one it accepted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ancestors: Vec<String>,
    /// RFC 3339, UTC.
    pub created: String,
    /// Past this, `verify` refuses the bundle.
    pub valid_until: String,
    /// The containers-policy scopes (as the plan gives them, `Scope::parse`)
    /// whose images must be signed by this key: the only scopes `install`
    /// touches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// Where the docker scopes' signatures are kept (registries.d's
    /// `lookaside`), if the plan says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookaside: Option<String>,
    /// Tokens the cosign key was put into after the ceremony that made or
    /// bound it (`hsm provision`, `piv provision`, each with a signed audit
    /// record on the backup medium): a pkcs11 URI or `piv:SERIAL` each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cosign_tokens: Vec<String>,
    /// The key's named signing roles (two-person signing), sorted; each
    /// has its keyring (`role_keyring_file`) of that role's subkeys only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signing_roles: Vec<String>,
    /// The scopes (each one of `scopes`) whose images need a signature
    /// from the default role and from every named role.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub two_person: Vec<String>,
    pub files: BundleFiles,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleFiles {
    pub cert: String,
    pub keyring: String,
    pub transcript: String,
    pub policy: Option<String>,
    pub registries_d: Option<String>,
    /// The key's rotation statements, oldest first (`rotation-N.json`; the
    /// other files of rotation N are named after it, see crate::online::rotation).
    #[serde(default)]
    pub rotations: Vec<String>,
    /// Revocations of old primaries whose transition has ended: to publish
    /// (keyservers, wherever the old cert was published).
    #[serde(default)]
    pub revocations: Vec<String>,
    /// The cosign public key bound to this key (`cosign.pub`; the statement
    /// `cosign.json` and its signatures beside it), if the key has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cosign: Option<String>,
    /// The statement that made the cosign key replace another
    /// (`cosign-rotation.json`, crate::cosign::rotation), if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cosign_rotation: Option<String>,
    /// The replaced cosign key's public half, while its transition lasts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cosign_previous: Option<String>,
    /// The signed list of every cosign key this key revoked
    /// (`cosign-revocations.json`, crate::cosign::revocation), if it revoked one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cosign_revocations: Option<String>,
    /// Kubernetes admission policies for the cosign key and the docker
    /// scopes (crate::online::cluster), if the bundle has both.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cluster: Vec<String>,
}

/// The bundle a new one continues, as the backup's `bundle.json` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Previous {
    pub sequence: u64,
    pub sha256: String,
    /// The whole list of the bundles before it, if it carried one.
    pub ancestors: Vec<String>,
}

impl Previous {
    /// `bytes` is a backup's `bundle.json`, as read.
    pub fn of(bytes: &[u8]) -> Result<Previous, String> {
        let info: BundleInfo = serde_json::from_slice(bytes)
            .map_err(|e| format!("bundle.json is not a bundle description: {e}"))?;
        Ok(Previous {
            sequence: info.sequence,
            sha256: crate::media::sha256_hex(bytes),
            ancestors: info.ancestors,
        })
    }

    /// The next bundle's `ancestors`: this one's and its own hash, when this
    /// one had the whole list (bundles from before the list have none; the
    /// chain then starts again from `previous_bundle_sha256`).
    pub fn next_ancestors(&self) -> Vec<String> {
        if self.ancestors.len() as u64 + 1 != self.sequence {
            return Vec::new();
        }
        let mut a = self.ancestors.clone();
        a.push(self.sha256.clone());
        a
    }
}

/// One containers-policy scope the plan names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub transport: String,
    pub scope: String,
    /// For images without a Docker reference (dir:, oci:): the repository
    /// their signatures must name.
    pub repository: Option<String>,
}

impl Scope {
    /// `registry.example.org/team`, `docker:registry.example.org/team`,
    /// `dir:/srv/images=example.org/app`.
    pub fn parse(text: &str) -> Result<Scope, String> {
        let (head, repository) = match text.split_once('=') {
            Some((h, r)) => (h, Some(r.to_owned())),
            None => (text, None),
        };
        let (transport, scope) = match head.split_once(':') {
            Some((t, s))
                if ["docker", "dir", "oci", "oci-archive", "docker-archive"].contains(&t) =>
            {
                (t.to_owned(), s.to_owned())
            }
            _ => ("docker".to_owned(), head.to_owned()),
        };
        let bad = |c: char| c.is_whitespace() || c.is_control() || c == '"';
        if scope.is_empty() || scope.chars().any(bad) {
            return Err("a scope is a registry, repository or path without spaces".into());
        }
        if let Some(r) = &repository {
            if r.is_empty() || r.chars().any(bad) || r.contains(':') {
                return Err("=REPOSITORY names a repository such as example.org/app".into());
            }
        }
        if transport != "docker" && repository.is_none() {
            return Err(format!(
                "images in {transport}: carry no Docker reference: add =REPOSITORY, the repository their signatures name"
            ));
        }
        if transport == "docker" && !is_reference(&scope, true) {
            return Err(format!(
                "{scope:?} is not a docker scope: a registry host (with an optional :port), then lowercase repository path components (a-z, 0-9, . _ -), separated by single slashes"
            ));
        }
        if transport != "docker"
            && (!scope.starts_with('/')
                || scope == "/"
                || scope.ends_with('/')
                || scope.contains("//")
                || scope.split('/').any(|c| c == "." || c == ".."))
        {
            return Err(format!(
                "a {transport}: scope is an absolute path below / written plainly (no trailing slash, no //, no . or ..)"
            ));
        }
        if let Some(r) = &repository {
            if !is_reference(r, false) {
                return Err(format!(
                    "={r} is not a repository: lowercase path components (a-z, 0-9, . _ -) such as example.org/app"
                ));
            }
        }
        Ok(Scope {
            transport,
            scope,
            repository,
        })
    }
}

/// Whether `inner` is a more specific scope than `outer` for some of the
/// images `outer` matches: containers-policy.json(5) applies only the most
/// specific scope's requirements, so a one-person rule there would undo a
/// two-person `outer` for those images. Docker scopes: a repository below a
/// namespace or host (`host/ns/app` below `host/ns`), any host or
/// narrower wildcard within a wildcard (`reg.example.org` or
/// `*.sub.example.org` within `*.example.org`); other transports: a path
/// below a path.
pub fn shadows(inner: &Scope, outer: &Scope) -> bool {
    if inner.transport != outer.transport || inner.scope == outer.scope {
        return false;
    }
    let below = |a: &str, b: &str| b == "/" || a.starts_with(&format!("{b}/"));
    if inner.transport != "docker" {
        return below(&inner.scope, &outer.scope);
    }
    match outer.scope.strip_prefix("*.") {
        None => !inner.scope.starts_with("*.") && below(&inner.scope, &outer.scope),
        Some(domain) => {
            let host = inner.scope.split('/').next().unwrap_or_default();
            let host = host.strip_prefix("*.").unwrap_or(host);
            let name = host.split(':').next().unwrap_or_default();
            name.ends_with(&format!(".{domain}"))
        }
    }
}

/// The first two declared scopes that are one rule in policy.json (the
/// same transport and scope, whatever their spelling or repository): the
/// second would replace the first's requirements.
pub fn same_rule(scopes: &[String]) -> Option<(&str, &str)> {
    let parsed: Vec<(&str, Scope)> = scopes
        .iter()
        .filter_map(|s| Scope::parse(s).ok().map(|p| (s.as_str(), p)))
        .collect();
    parsed.iter().enumerate().find_map(|(i, (a, pa))| {
        parsed[..i]
            .iter()
            .find(|(_, pb)| pb.transport == pa.transport && pb.scope == pa.scope)
            .map(|(b, _)| (*b, *a))
    })
}

/// The first declared scope that is not two-person but shadows a
/// two-person one (see `shadows`), with the scope it shadows.
pub fn shadowed_two_person<'a>(
    scopes: &'a [String],
    two_person: &'a [String],
) -> Option<(&'a str, &'a str)> {
    let parsed = |s: &String| Scope::parse(s).ok();
    scopes
        .iter()
        .filter(|s| !two_person.contains(s))
        .find_map(|s| {
            let inner = parsed(s)?;
            two_person
                .iter()
                .find(|t| parsed(t).is_some_and(|outer| shadows(&inner, &outer)))
                .map(|t| (s.as_str(), t.as_str()))
        })
}

/// A docker reference without tag or digest, as containers-policy.json(5)
/// takes it: a host (with a port, when `port` allows one) and lowercase path
/// components; anything else makes containers refuse the whole policy file.
fn is_reference(s: &str, port: bool) -> bool {
    let mut parts = s.split('/');
    let host = parts.next().unwrap_or_default();
    let (name, p) = match host.split_once(':') {
        Some((n, p)) if port => (n, Some(p)),
        Some(_) => return false,
        None => (host, None),
    };
    let name = name.strip_prefix("*.").unwrap_or(name);
    let label = |c: &str| {
        !c.is_empty()
            && c.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
            && !c.starts_with(['.', '_', '-'])
            && !c.ends_with(['.', '_', '-'])
    };
    label(name)
        && p.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
        && parts.all(label)
}

/// The containers-policy fragment: each scope requires a signature by the
/// keyring `req.keyring`, a two-person scope also one by each named role's
/// keyring (containers AND every requirement of a scope's list), and each a
/// cosign signature when there is a cosign key. `install` merges it into
/// an existing policy.json.
pub fn policy_fragment(scopes: &[Scope], req: &Requirements) -> Value {
    let mut transports = serde_json::Map::new();
    let signed_by = |path: &str| {
        json!({
            "type": "signedBy",
            "keyType": "GPGKeys",
            "keyPath": path,
        })
    };
    for s in scopes {
        let mut gpg = vec![signed_by(&req.keyring)];
        if req.two_person.contains(s) {
            gpg.extend(req.roles.iter().map(|p| signed_by(p)));
        }
        // With a cosign key, an image needs its cosign signature as well:
        // every requirement in a scope's list must hold.
        let mut reqs = vec![];
        // cosign signs a repository, not a tag (containers-policy.json(5)):
        // without matchRepository the default (digest or exact tag) would
        // refuse every cosign-signed image pulled by tag.
        let sigstore = req.cosign.as_ref().map(|p| {
            json!({ "type": "sigstoreSigned", "keyPath": p,
                    "signedIdentity": { "type": "matchRepository" } })
        });
        for mut r in gpg.into_iter().chain(sigstore) {
            if let Some(repo) = &s.repository {
                r["signedIdentity"] =
                    json!({ "type": "exactRepository", "dockerRepository": repo });
            }
            reqs.push(r);
        }
        let t = transports
            .entry(s.transport.clone())
            .or_insert_with(|| json!({}));
        t[&s.scope] = Value::Array(reqs);
    }
    json!({ "transports": transports })
}

/// The registries.d entry for the docker scopes: where their GPG
/// signatures are kept (`lookaside`) and, with a cosign key, that cosign's
/// signatures are read from the registry (`use-sigstore-attachments`).
/// Generated, never copied: every value is quoted as a JSON string, which
/// YAML reads as the same string, so no scope or URL can add a key.
pub fn registries_d(scopes: &[Scope], lookaside: Option<&str>, cosign: bool) -> Option<String> {
    let docker: Vec<&Scope> = scopes.iter().filter(|s| s.transport == "docker").collect();
    if docker.is_empty() || (lookaside.is_none() && !cosign) {
        return None;
    }
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let mut y = String::from(
        "# Written by keyceremony: where signatures for these scopes are kept.\ndocker:\n",
    );
    for s in docker {
        y.push_str(&format!("  {}:\n", q(&s.scope)));
        if let Some(l) = lookaside {
            y.push_str(&format!("    lookaside: {}\n", q(l)));
        }
        if cosign {
            y.push_str("    use-sigstore-attachments: true\n");
        }
    }
    Some(y)
}

/// A lookaside the registries.d entry may name: an https or file URL of
/// printable characters.
pub fn check_lookaside(l: &str) -> Result<(), String> {
    let scheme = ["https://", "file:///"].iter().any(|p| l.starts_with(p));
    if !scheme
        || l.chars()
            .any(|c| c.is_whitespace() || crate::text::is_deceptive(c) || c == '"')
        || l.len() > 2048
    {
        return Err("give an https:// URL (or file:/// for a local store), without spaces".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_with_their_transport_and_repository() {
        for good in [
            "127.0.0.1:5000",
            "registry.example.org:443/team/app",
            "*.example.org",
            "quay.io/my_org/app-1",
        ] {
            assert!(Scope::parse(good).is_ok(), "{good}");
        }
        let s = Scope::parse("registry.example.org/team").unwrap();
        assert_eq!((s.transport.as_str(), s.repository), ("docker", None));
        let s = Scope::parse("dir:/srv/images=example.org/app").unwrap();
        assert_eq!(s.transport, "dir");
        assert_eq!(s.scope, "/srv/images");
        assert_eq!(s.repository.as_deref(), Some("example.org/app"));
        for bad in [
            "",
            "a b",
            "dir:/srv",
            "dir:relative=x/y",
            "reg=",
            "x=a:b",
            "dir:/srv/images/=example.org/app",
            "dir:/srv//images=example.org/app",
            "dir:/srv/../etc=example.org/app",
            "dir:/srv/images=Example.org/APP",
            "Registry.example.org/team",
            "registry.example.org//team",
            "registry.example.org/team/",
            "registry.example.org:port/team",
        ] {
            assert!(Scope::parse(bad).is_err(), "{bad:?}");
        }
    }

    /// A more specific scope replaces a two-person one's rule for the
    /// images it matches: each way to be more specific is seen, and
    /// nothing else is.
    #[test]
    fn a_scope_inside_a_two_person_scope_shadows_it() {
        let p = |s: &str| Scope::parse(s).unwrap();
        for (inner, outer) in [
            ("reg.example.org/team/app", "reg.example.org/team"),
            ("reg.example.org/team", "reg.example.org"),
            ("reg.example.org:5000/team", "reg.example.org:5000"),
            ("reg.example.org/team", "*.example.org"),
            ("reg.example.org:443", "*.example.org"),
            ("*.sub.example.org", "*.example.org"),
            (
                "dir:/srv/images/app=example.org/app",
                "dir:/srv/images=example.org/x",
            ),
        ] {
            assert!(shadows(&p(inner), &p(outer)), "{inner} in {outer}");
        }
        for (inner, outer) in [
            ("reg.example.org/team", "reg.example.org/team"),
            ("reg.example.org/teams", "reg.example.org/team"),
            ("*.example.org", "reg.example.org"),
            ("reg.other.org/team", "*.example.org"),
            ("example.org", "*.example.org"),
            ("reg.example.org/team", "dir:/reg.example.org=example.org/x"),
            (
                "dir:/srv/imagesx=example.org/x",
                "dir:/srv/images=example.org/x",
            ),
        ] {
            assert!(!shadows(&p(inner), &p(outer)), "{inner} in {outer}");
        }
        let scopes = [
            "reg.example.org/team".to_owned(),
            "reg.example.org/team/app".to_owned(),
        ];
        let two = [scopes[0].clone()];
        assert_eq!(
            shadowed_two_person(&scopes, &two),
            Some(("reg.example.org/team/app", "reg.example.org/team"))
        );
        assert_eq!(shadowed_two_person(&scopes, &scopes), None);
    }

    #[test]
    fn the_policy_fragment_requires_our_keyring_per_scope() {
        let scopes = [
            Scope::parse("registry.example.org/team").unwrap(),
            Scope::parse("dir:/srv/images=example.org/app").unwrap(),
        ];
        let req = |cosign: Option<&str>| Requirements {
            keyring: "/etc/pki/containers/k.gpg".into(),
            roles: vec!["/approve.gpg".into(), "/qa.gpg".into()],
            two_person: vec![scopes[1].clone()],
            cosign: cosign.map(str::to_owned),
        };
        let p = policy_fragment(&scopes, &req(None));
        assert_eq!(
            p["transports"]["docker"]["registry.example.org/team"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        let with = policy_fragment(&scopes, &req(Some("/k-cosign.pub")));
        // The two-person scope: the default role's keyring, each named
        // role's, then cosign's; each with the scope's identity.
        let all = with["transports"]["dir"]["/srv/images"].as_array().unwrap();
        let paths: Vec<&str> = all.iter().map(|r| r["keyPath"].as_str().unwrap()).collect();
        assert_eq!(
            paths,
            [
                "/etc/pki/containers/k.gpg",
                "/approve.gpg",
                "/qa.gpg",
                "/k-cosign.pub"
            ]
        );
        assert_eq!(all[3]["type"], "sigstoreSigned");
        for r in all {
            assert_eq!(r["signedIdentity"]["dockerRepository"], "example.org/app");
        }
        let docker = &p["transports"]["docker"]["registry.example.org/team"][0];
        assert_eq!(docker["type"], "signedBy");
        assert_eq!(docker["keyPath"], "/etc/pki/containers/k.gpg");
        assert!(docker.get("signedIdentity").is_none());
        let dir = &p["transports"]["dir"]["/srv/images"][0];
        assert_eq!(dir["signedIdentity"]["dockerRepository"], "example.org/app");
        let y = registries_d(&scopes, Some("https://sigs.example.org"), false).unwrap();
        assert!(
            y.contains(
                "  \"registry.example.org/team\":\n    lookaside: \"https://sigs.example.org\"\n"
            ),
            "{y}"
        );
        assert!(!y.contains("/srv/images"));
        assert!(!y.contains("sigstore"));
        let y = registries_d(&scopes, None, true).unwrap();
        assert!(y.contains("    use-sigstore-attachments: true\n"), "{y}");
        assert!(registries_d(&scopes, None, false).is_none());
        let docker = &with["transports"]["docker"]["registry.example.org/team"];
        assert_eq!(docker.as_array().unwrap().len(), 2, "one person: {docker}");
        assert_eq!(docker[1]["signedIdentity"]["type"], "matchRepository");
    }
}
