//! Certifying another key's user IDs with our primary, as `gpg --sign-key`,
//! `gpg --edit-key tsign` and `sq pki vouch` do: a certification of a chosen
//! level, optionally with an expiry, and optionally a trust signature that
//! makes the certified key an introducer (a CA) for a domain.
//!
//! A certification vouches for a binding of a name to a key, so the key must
//! be whole first: Sequoia reads certs leniently and drops self-signatures
//! that do not verify, which could leave a user ID that looks bound when the
//! signature binding it was forged. Those dropped signatures are kept aside
//! (`bad_signatures`) and are checked here before anything is signed.

use std::time::SystemTime;

use sequoia_openpgp as pgp;

use pgp::cert::amalgamation::ValidAmalgamation;
use pgp::packet::signature::SignatureBuilder;
use pgp::packet::UserID;
use pgp::policy::StandardPolicy;
use pgp::types::{RevocationStatus, SignatureType};
use pgp::{Cert, KeyHandle};

use super::{Context, OpenPgpError};

/// What a certification says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Certification {
    /// The user IDs to certify; empty: every valid one.
    pub user_ids: Vec<String>,
    /// 0 (no claim), 1 (persona: not checked), 2 (casual), 3 (positive:
    /// checked thoroughly), as gpg's `--default-cert-level`.
    pub level: u8,
    /// When the certification ends, if it does.
    pub until: Option<SystemTime>,
    pub trust: Option<Trust>,
    /// Human-readable notations (name@domain, value) on each certification.
    pub notations: Vec<(String, String)>,
}

/// A trust signature: the certified key may introduce others.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Trust {
    /// 1: the key may certify others' keys; 2: and name further introducers ...
    pub depth: u8,
    /// 120 full, 60 partial (OpenPGP's conventional amounts).
    pub amount: u8,
    /// Only user IDs in this mail domain, as gpg's `tsign` builds it.
    pub domain: Option<String>,
}

impl Trust {
    /// Whether `d` is a mail domain a trust signature can be limited to
    /// (labels of letters, digits and hyphens): anything else would put
    /// regular-expression syntax into the signature.
    pub fn valid_domain(d: &str) -> bool {
        !d.is_empty()
            && d.split('.')
                .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    }

    /// The regular expression gpg's `tsign` writes for a domain: any address
    /// in it or in its subdomains.
    pub fn regex(&self) -> Option<String> {
        self.domain
            .as_ref()
            .map(|d| format!("<[^>]+[@.]{}>$", d.replace('.', "\\.")))
    }
}

/// Checks that `other` can be certified at `now`: every self-signature
/// verifies, it holds under the standard policy, it is neither revoked nor
/// expired. Returns its valid user IDs.
pub fn check_certifiable(other: &Cert, now: SystemTime) -> Result<Vec<String>, OpenPgpError> {
    let own: Vec<KeyHandle> = other.keys().map(|k| k.key().key_handle()).collect();
    let forged = other.bad_signatures().find(|sig| {
        let issuers = sig.get_issuers();
        issuers.is_empty() || issuers.iter().any(|i| own.iter().any(|k| k.aliases(i)))
    });
    if let Some(sig) = forged {
        return Err(OpenPgpError::Invalid(format!(
            "cert {}: a self-signature ({}) does not verify: the cert is damaged or forged; get it again from its owner",
            other.fingerprint(),
            sig.typ()
        )));
    }
    let policy = StandardPolicy::new();
    let vc = other.with_policy(&policy, now).map_err(|e| {
        OpenPgpError::Invalid(format!(
            "cert {} has no valid self-signature under the standard policy: {e}",
            other.fingerprint()
        ))
    })?;
    if let RevocationStatus::Revoked(_) = vc.revocation_status() {
        return Err(OpenPgpError::Invalid(format!(
            "cert {} is revoked by its owner: certifying it would vouch for a key its owner withdrew",
            other.fingerprint()
        )));
    }
    if let Err(e) = vc.alive() {
        return Err(OpenPgpError::Invalid(format!(
            "cert {} is not valid now ({e}): ask its owner to renew it first",
            other.fingerprint()
        )));
    }
    let uids: Vec<String> = vc
        .userids()
        .filter(|u| !matches!(u.revocation_status(), RevocationStatus::Revoked(_)))
        .map(|u| String::from_utf8_lossy(u.userid().value()).into_owned())
        .collect();
    if uids.is_empty() {
        return Err(OpenPgpError::Invalid(format!(
            "cert {} has no valid user ID to certify",
            other.fingerprint()
        )));
    }
    Ok(uids)
}

/// `other` with certifications by `ours`'s primary (its secret unlocked) of
/// the user IDs `what` names; returns it and the user IDs certified.
pub fn certify(
    ours: &Cert,
    other: &Cert,
    what: &Certification,
    now: SystemTime,
) -> Result<(Cert, Vec<String>), OpenPgpError> {
    if ours.fingerprint() == other.fingerprint() {
        return Err(OpenPgpError::Invalid(
            "that is this key's own cert: a key does not certify itself".into(),
        ));
    }
    if let Some(d) = what.trust.as_ref().and_then(|t| t.domain.as_deref()) {
        if !Trust::valid_domain(d) {
            return Err(OpenPgpError::Invalid(format!(
                "trust domain {d:?}: give a mail domain such as example.org"
            )));
        }
    }
    let valid = check_certifiable(other, now)?;
    let chosen: Vec<String> = if what.user_ids.is_empty() {
        valid
    } else {
        for u in &what.user_ids {
            if !valid.contains(u) {
                return Err(OpenPgpError::Invalid(format!(
                    "cert {} has no valid user ID {u:?}; it has: {}",
                    other.fingerprint(),
                    valid.join("; ")
                )));
            }
        }
        what.user_ids.clone()
    };
    let typ = match what.level {
        0 => SignatureType::GenericCertification,
        1 => SignatureType::PersonaCertification,
        2 => SignatureType::CasualCertification,
        3 => SignatureType::PositiveCertification,
        l => {
            return Err(OpenPgpError::Invalid(format!(
                "certification level {l}: use 0, 1, 2 or 3"
            )))
        }
    };
    if let Some(until) = what.until {
        if until <= now {
            return Err(OpenPgpError::Invalid(
                "the certification's expiry is not in the future".into(),
            ));
        }
    }
    let mut signer = super::primary_signer(ours)?;
    let mut packets: Vec<pgp::Packet> = Vec::new();
    for u in &chosen {
        let uid = UserID::from(u.as_str());
        let mut b = SignatureBuilder::new(typ)
            .set_signature_creation_time(now)
            .ctx("cannot date the certification")?;
        if let Some(until) = what.until {
            let period = until.duration_since(now).unwrap_or_default();
            b = b
                .set_signature_validity_period(period)
                .ctx("cannot set the certification's expiry")?;
        }
        for (name, value) in &what.notations {
            b = b
                .add_notation(
                    name,
                    value.as_bytes(),
                    pgp::packet::signature::subpacket::NotationDataFlags::empty()
                        .set_human_readable(),
                    false,
                )
                .ctx("cannot add the notation")?;
        }
        if let Some(t) = &what.trust {
            b = b
                .set_trust_signature(t.depth, t.amount)
                .ctx("cannot set the trust signature")?;
            if let Some(re) = t.regex() {
                b = b
                    .set_regular_expression(re.as_bytes())
                    .ctx("cannot set the trust signature's domain")?;
            }
        }
        let sig = b
            .sign_userid_binding(&mut signer, other.primary_key().key(), &uid)
            .ctx("cannot sign the certification")?;
        packets.push(uid.into());
        packets.push(sig.into());
    }
    let (certified, _) = other
        .clone()
        .insert_packets(packets)
        .ctx("cannot add the certifications")?;
    Ok((certified, chosen))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use pgp::cert::CertBuilder;
    use pgp::parse::Parse;
    use pgp::serialize::MarshalInto;

    use super::*;

    fn ours(now: SystemTime) -> Cert {
        crate::openpgp::test_key(now)
    }

    fn theirs(now: SystemTime) -> Cert {
        CertBuilder::general_purpose(["Dev <dev@team.example.org>", "Dev <dev@home.test>"])
            .set_creation_time(now - Duration::from_secs(60))
            .generate()
            .unwrap()
            .0
    }

    #[test]
    fn chosen_user_ids_are_certified_with_level_expiry_and_trust() {
        let now = SystemTime::now();
        let (us, them) = (ours(now), theirs(now));
        let what = Certification {
            user_ids: vec!["Dev <dev@team.example.org>".into()],
            level: 3,
            until: Some(now + Duration::from_secs(86_400 * 90)),
            trust: Some(Trust {
                depth: 1,
                amount: 120,
                domain: Some("example.org".into()),
            }),
            notations: vec![("n@example.org".into(), "v".into())],
        };
        let (c, uids) = certify(&us, &them, &what, now).unwrap();
        assert_eq!(uids, what.user_ids);
        let policy = StandardPolicy::new();
        let vc = c.with_policy(&policy, now).unwrap();
        for u in vc.userids() {
            let certs: Vec<_> = u.certifications().collect();
            if u.userid().value() == b"Dev <dev@team.example.org>" {
                assert_eq!(certs.len(), 1);
                let s = certs[0];
                assert_eq!(s.typ(), SignatureType::PositiveCertification);
                assert_eq!(s.trust_signature(), Some((1, 120)));
                assert_eq!(
                    s.regular_expressions().next(),
                    Some(&b"<[^>]+[@.]example\\.org>$"[..])
                );
                assert!(s.signature_validity_period().is_some());
                assert!(s
                    .notation_data()
                    .any(|n| n.name() == "n@example.org" && n.value() == b"v"));
                s.clone()
                    .verify_userid_binding(
                        us.primary_key().key(),
                        them.primary_key().key(),
                        u.userid(),
                    )
                    .unwrap();
            } else {
                assert!(certs.is_empty(), "only the chosen user ID");
            }
        }
    }

    #[test]
    fn revoked_expired_forged_and_unknown_are_refused() {
        let now = SystemTime::now();
        let us = ours(now);
        let all = Certification {
            user_ids: vec![],
            level: 0,
            until: None,
            trust: None,
            notations: Vec::new(),
        };
        let (them, rev) = CertBuilder::general_purpose(["Dev <dev@x.test>"])
            .set_creation_time(now - Duration::from_secs(60))
            .generate()
            .unwrap();
        let (revoked, _) = them.clone().insert_packets(rev).unwrap();
        let e = certify(&us, &revoked, &all, now).unwrap_err().to_string();
        assert!(e.contains("revoked"), "{e}");

        let (short, _) = CertBuilder::general_purpose(["Dev <dev@x.test>"])
            .set_creation_time(now - Duration::from_secs(7200))
            .set_validity_period(Duration::from_secs(3600))
            .generate()
            .unwrap();
        let e = certify(&us, &short, &all, now).unwrap_err().to_string();
        assert!(e.contains("not valid now"), "{e}");

        let some = Certification {
            user_ids: vec!["Mallory <m@x.test>".into()],
            ..all.clone()
        };
        let e = certify(&us, &them, &some, now).unwrap_err().to_string();
        assert!(
            e.contains("no valid user ID") && e.contains("Dev <dev@x.test>"),
            "{e}"
        );

        assert!(certify(&us, &us, &all, now).is_err(), "not itself");

        // The last byte of the user ID's self-signature flipped: it no
        // longer verifies, and Sequoia sets it aside.
        let mut packets: Vec<pgp::Packet> = them.clone().into_packets().collect();
        let at = packets
            .iter()
            .position(|p| matches!(p, pgp::Packet::UserID(u) if u.value() == b"Dev <dev@x.test>"))
            .unwrap();
        let pgp::Packet::Signature(sig) = &packets[at + 1] else {
            panic!("a self-signature follows the user ID")
        };
        let mut b = sig.to_vec().unwrap();
        let last = b.len() - 1;
        b[last] ^= 0x01;
        packets[at + 1] = pgp::packet::Signature::from_bytes(&b).unwrap().into();
        let damaged = Cert::from_packets(packets.into_iter()).unwrap();
        assert!(damaged.bad_signatures().count() > 0);
        let e = certify(&us, &damaged, &all, now).unwrap_err().to_string();
        assert!(e.contains("does not verify"), "{e}");
    }
}
