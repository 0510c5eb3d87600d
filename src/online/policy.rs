//! The merge rules: what a bundle may change in a host's containers
//! `policy.json`.
//!
//! The policy belongs to the host's administrator; a bundle is signed by
//! someone else, who may be careless, or whose key may leak. So a bundle
//! only adds (or replaces) requirements for the scopes its signed
//! `bundle.json` declares, and only `signedBy` and `sigstoreSigned`
//! requirements naming the key files `install` writes for this key. They
//! are generated here from the declared scopes; nothing is copied from the
//! bundle's fragment, which `verify` already refused if it asked for more.
//! Never `insecureAcceptAnything`, never `default`, never another scope.
//! A rule for a declared scope that the administrator wrote (or another
//! key's) is shown and kept, unless `--replace-local`.

use serde_json::{json, Value};

use super::bundle::{self, Scope};

/// What merging did to each declared scope, in a person's words.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Change {
    Added(String),
    Replaced(String),
    Unchanged(String),
    /// A local rule kept: the scope, and the rule as found.
    KeptLocal(String, String),
    ReplacedLocal(String, String),
    /// This key's rule on a scope the bundle no longer declares, removed.
    Removed(String),
    /// A rule of someone else's inside a two-person scope (the scope, the
    /// rule's scope), kept: containers apply it, not the two-person rule,
    /// to its images.
    Shadowed(String, String),
}

impl Change {
    pub fn line(&self) -> String {
        match self {
            Change::Added(s) => format!("policy: {s} now requires this key's signatures (added)"),
            Change::Replaced(s) => {
                format!("policy: {s} now requires this key's signatures (replaced this key's earlier rule)")
            }
            Change::Unchanged(s) => format!("policy: {s} already required this key's signatures"),
            Change::KeptLocal(s, r) => format!(
                "policy: {s} has a local rule, kept: {r}. This key's signatures are NOT required there; to replace the rule, install again with --replace-local"
            ),
            Change::ReplacedLocal(s, r) => {
                format!("policy: {s} now requires this key's signatures (replaced the local rule {r}, as --replace-local asked)")
            }
            Change::Removed(s) => format!(
                "policy: {s} no longer requires this key's signatures: the bundle does not declare it any more (this key's rule removed)"
            ),
            Change::Shadowed(s, inner) => format!(
                "policy: {inner} has a rule of its own inside the two-person scope {s}, kept: containers apply it, not the two-person rule, to its images. Remove it from policy.json if two people should sign those too"
            ),
        }
    }

    pub fn changed(&self) -> bool {
        !matches!(
            self,
            Change::Unchanged(_) | Change::KeptLocal(..) | Change::Shadowed(..)
        )
    }
}

/// Whether `reqs` is a rule keyceremony wrote for one of `keys` (this key,
/// or one it replaced by rotation).
fn is_ours(reqs: &Value, keys: &[String]) -> bool {
    let prefixes: Vec<String> = keys
        .iter()
        .map(|k| format!("/etc/pki/containers/keyceremony-{}", k.to_uppercase()))
        .collect();
    reqs.as_array().is_some_and(|a| {
        !a.is_empty()
            && a.iter().all(|r| {
                matches!(r["type"].as_str(), Some("signedBy" | "sigstoreSigned"))
                    && r["keyPath"]
                        .as_str()
                        .is_some_and(|p| prefixes.iter().any(|x| p.starts_with(x.as_str())))
            })
    })
}

/// Merges the requirements `req` for `scopes` into `policy`. `keys` are
/// this key and the keys it replaced, whose rules are ours to replace.
pub fn merge(
    policy: &mut Value,
    scopes: &[Scope],
    req: &bundle::Requirements,
    keys: &[String],
    replace_local: bool,
) -> Result<Vec<Change>, String> {
    let obj = policy.as_object_mut().ok_or("it is not a JSON object")?;
    let transports = obj.entry("transports").or_insert_with(|| json!({}));
    let transports = transports
        .as_object_mut()
        .ok_or("its \"transports\" is not an object")?;
    let mut changes = Vec::new();
    for s in scopes {
        let fragment = bundle::policy_fragment(std::slice::from_ref(s), req);
        let ours = fragment["transports"][&s.transport][&s.scope].clone();
        let t = transports
            .entry(s.transport.clone())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .ok_or_else(|| format!("its transport {:?} is not an object", s.transport))?;
        let name = format!("{}:{}", s.transport, s.scope);
        let change = match t.get(&s.scope) {
            None => Change::Added(name),
            Some(old) if *old == ours => Change::Unchanged(name),
            Some(old) if is_ours(old, keys) => Change::Replaced(name),
            Some(old) if replace_local => Change::ReplacedLocal(name, old.to_string()),
            Some(old) => Change::KeptLocal(name, old.to_string()),
        };
        if change.changed() {
            t.insert(s.scope.clone(), ours);
        }
        changes.push(change);
    }
    // This key's (or a key it replaced) rules on scopes no longer declared
    // go: a rotated-away key must not stay trusted where the new one
    // stopped asking.
    for (transport, t) in transports.iter_mut() {
        let Some(t) = t.as_object_mut() else {
            continue;
        };
        let gone: Vec<String> = t
            .iter()
            .filter(|(scope, reqs)| {
                is_ours(reqs, keys)
                    && !scopes
                        .iter()
                        .any(|s| s.transport == *transport && s.scope == **scope)
            })
            .map(|(scope, _)| scope.clone())
            .collect();
        for scope in gone {
            t.remove(&scope);
            changes.push(Change::Removed(format!("{transport}:{scope}")));
        }
    }
    // Another rule more specific than a two-person scope undoes it for
    // the images it matches: named, never changed (it is not ours).
    for outer in &req.two_person {
        let Some(t) = transports.get(&outer.transport).and_then(|t| t.as_object()) else {
            continue;
        };
        for (scope, reqs) in t {
            let inner = Scope {
                transport: outer.transport.clone(),
                scope: scope.clone(),
                repository: None,
            };
            if bundle::shadows(&inner, outer) && !is_ours(reqs, keys) {
                changes.push(Change::Shadowed(
                    format!("{}:{}", outer.transport, outer.scope),
                    format!("{}:{scope}", outer.transport),
                ));
            }
        }
    }
    Ok(changes)
}

/// Why a bundle's policy fragment is not what its declared scopes make,
/// naming the first thing it asks that a bundle may not: for `verify`'s
/// refusal.
pub fn fragment_violation(fragment: &Value, declared: &[String]) -> Option<String> {
    let declared: Vec<Scope> = declared
        .iter()
        .filter_map(|s| Scope::parse(s).ok())
        .collect();
    let Some(obj) = fragment.as_object() else {
        return Some("it is not a JSON object".into());
    };
    if let Some(k) = obj.keys().find(|k| *k != "transports") {
        return Some(format!("it sets {k:?}, which a bundle may never set"));
    }
    for (transport, scopes) in obj.get("transports")?.as_object()? {
        for (scope, reqs) in scopes.as_object()? {
            if !declared
                .iter()
                .any(|d| d.transport == *transport && d.scope == *scope)
            {
                return Some(format!(
                    "it names {transport}:{scope:?}, a scope its bundle.json does not declare"
                ));
            }
            for r in reqs.as_array()? {
                match r["type"].as_str() {
                    Some("signedBy" | "sigstoreSigned") => {}
                    other => {
                        return Some(format!(
                            "it asks for {} for {transport}:{scope}: a bundle may only require signatures",
                            other.unwrap_or("a requirement without a type")
                        ))
                    }
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes() -> Vec<Scope> {
        vec![Scope::parse("registry.example.org/team").unwrap()]
    }

    fn req(key: &str, cosign: bool) -> bundle::Requirements {
        bundle::Requirements::of(key, &[], &[], cosign)
    }

    #[test]
    fn ours_added_local_kept_unless_asked_and_nothing_else_touched() {
        let key = "A".repeat(40);
        let mut p = json!({
            "default": [{"type": "reject"}],
            "transports": {"docker": {
                "docker.io": [{"type": "insecureAcceptAnything"}],
                "registry.example.org/team": [{"type": "reject"}]
            }}
        });
        let before = p.clone();
        let c = merge(
            &mut p,
            &scopes(),
            &req(&key, false),
            std::slice::from_ref(&key),
            false,
        )
        .unwrap();
        assert!(matches!(&c[0], Change::KeptLocal(..)), "{c:?}");
        assert_eq!(p, before);
        let c = merge(
            &mut p,
            &scopes(),
            &req(&key, false),
            std::slice::from_ref(&key),
            true,
        )
        .unwrap();
        assert!(matches!(&c[0], Change::ReplacedLocal(..)), "{c:?}");
        assert_eq!(p["default"], before["default"]);
        assert_eq!(
            p["transports"]["docker"]["docker.io"],
            before["transports"]["docker"]["docker.io"]
        );
        let ours = &p["transports"]["docker"]["registry.example.org/team"];
        assert_eq!(
            ours[0]["keyPath"],
            format!("/etc/pki/containers/keyceremony-{key}.gpg")
        );
        // Again: unchanged. With a cosign key now: ours, replaced.
        let c = merge(
            &mut p,
            &scopes(),
            &req(&key, false),
            std::slice::from_ref(&key),
            false,
        )
        .unwrap();
        assert!(matches!(&c[0], Change::Unchanged(_)), "{c:?}");
        let c = merge(
            &mut p,
            &scopes(),
            &req(&key, true),
            std::slice::from_ref(&key),
            false,
        )
        .unwrap();
        assert!(matches!(&c[0], Change::Replaced(_)), "{c:?}");
        // Another key's rule is a local rule to this one.
        let other = "B".repeat(40);
        let c = merge(
            &mut p,
            &scopes(),
            &req(&other, false),
            std::slice::from_ref(&other),
            false,
        )
        .unwrap();
        assert!(matches!(&c[0], Change::KeptLocal(..)), "{c:?}");
        assert!(merge(&mut json!([]), &scopes(), &req(&key, false), &[], false).is_err());
    }

    /// A rule inside a two-person scope that is not this key's is named
    /// and kept; this key's own rules there are not "shadows".
    #[test]
    fn a_local_rule_inside_a_two_person_scope_is_named_and_kept() {
        let key = "A".repeat(40);
        let mut p = json!({ "transports": { "docker": {
            "registry.example.org/team/app": [{"type": "insecureAcceptAnything"}],
            "registry.example.org/teams": [{"type": "reject"}]
        }}});
        let req = bundle::Requirements::of(
            &key,
            &["approve".to_owned()],
            &["registry.example.org/team".to_owned()],
            false,
        );
        let c = merge(&mut p, &scopes(), &req, std::slice::from_ref(&key), false).unwrap();
        assert_eq!(
            c[0],
            Change::Added("docker:registry.example.org/team".into())
        );
        assert_eq!(
            c[1],
            Change::Shadowed(
                "docker:registry.example.org/team".into(),
                "docker:registry.example.org/team/app".into()
            )
        );
        assert_eq!(c.len(), 2, "{c:?}");
        assert!(!c[1].changed());
        assert_eq!(
            p["transports"]["docker"]["registry.example.org/team/app"][0]["type"],
            "insecureAcceptAnything"
        );
        assert_eq!(
            p["transports"]["docker"]["registry.example.org/team"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn a_fragment_asking_for_more_than_signatures_is_named() {
        let d = vec!["registry.example.org/team".to_owned()];
        let v = |f: Value| fragment_violation(&f, &d).unwrap_or_default();
        assert!(v(json!({"default": []})).contains("\"default\""));
        assert!(
            v(json!({"transports": {"docker": {"docker.io": []}}})).contains("does not declare")
        );
        assert!(v(json!({"transports": {"docker": {"": []}}})).contains("does not declare"));
        assert!(v(json!({"transports": {"docker": {"registry.example.org/team": [{"type": "insecureAcceptAnything"}]}}}))
            .contains("insecureAcceptAnything"));
    }
}
