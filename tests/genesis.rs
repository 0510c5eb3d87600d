//! What a genesis leaves on the media: layout, modes, manifests, and no secret in clear.

use std::os::unix::fs::MetadataExt;

use pgp::parse::Parse;
use sequoia_openpgp as pgp;

use crate::harness::*;

#[test]
fn every_backup_holds_the_protected_key_revocation_cert_and_transcript() {
    let c = ed25519();
    for b in &c.backups {
        assert_eq!(
            names_in(b),
            [
                "MANIFEST",
                "MANIFEST.asc",
                "bundle.json",
                "cert.asc",
                "revocation.asc",
                "secret-key.asc",
                "shares.json",
                "transcript.jsonl",
                "transcript.jsonl.asc"
            ]
        );
        for (name, mode) in [
            ("secret-key.asc", 0o600),
            ("revocation.asc", 0o600),
            ("cert.asc", 0o644),
        ] {
            assert_eq!(
                std::fs::metadata(b.join(name)).unwrap().mode() & 0o777,
                mode,
                "{name}"
            );
        }
        let key = pgp::Cert::from_file(b.join("secret-key.asc")).unwrap();
        assert_eq!(key.fingerprint().to_hex(), c.fingerprint);
        assert_eq!(key.keys().secret().count(), 4);
        assert_eq!(
            key.keys().unencrypted_secret().count(),
            0,
            "a secret is in clear"
        );
    }
    let first = std::fs::read(c.backups[0].join("secret-key.asc")).unwrap();
    assert_eq!(
        first,
        std::fs::read(c.backups[1].join("secret-key.asc")).unwrap()
    );
}

#[test]
fn the_export_medium_holds_public_material_only() {
    let c = ed25519();
    assert_eq!(
        names_in(&c.export),
        [
            "MANIFEST",
            "MANIFEST.asc",
            "bundle.json",
            "cert.asc",
            "keyring.gpg",
            "transcript.jsonl",
            "transcript.jsonl.asc"
        ]
    );
    let cert = pgp::Cert::from_file(c.cert()).unwrap();
    assert!(!cert.is_tsk());
    // The containers keyring: our signing subkey as a primary of its own.
    let keyring = pgp::Cert::from_file(c.export.join("keyring.gpg")).unwrap();
    assert!(!keyring.is_tsk());
    assert!(cert
        .keys()
        .subkeys()
        .any(|k| k.key().fingerprint() == keyring.fingerprint()));
}

#[test]
fn sha256sum_checks_every_manifest() {
    let c = ed25519();
    for dir in c.backups.iter().chain(Some(&c.export)) {
        let o = tool("sha256sum")
            .args(["-c", "--strict", "MANIFEST"])
            .current_dir(dir)
            .output()
            .unwrap();
        assert_exit(&o, 0);
        let listed = stdout(&o).lines().count();
        let on_disk = std::fs::read_dir(dir).unwrap().count();
        assert_eq!(
            listed + 2,
            on_disk,
            "MANIFEST misses a file in {}",
            dir.display()
        );
    }
}

#[test]
fn the_passphrase_appears_nowhere_but_where_it_was_delivered() {
    for c in [ed25519(), rsa4096()] {
        let words: Vec<&str> = c.passphrase.split(' ').collect();
        assert!(words.len() == 24 || words.len() == 12);
        // Any three consecutive words would be a leak worth catching.
        let needles: Vec<String> = words.windows(3).map(|w| w.join(" ")).collect();
        for f in files_below(&c.dir) {
            if f.file_name().unwrap() == "passphrase.txt" {
                continue;
            }
            let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
            for n in &needles {
                assert!(
                    !text.contains(n.as_str()),
                    "{} holds passphrase words",
                    f.display()
                );
            }
        }
        // Nor in the report printed on stdout.
        for n in &needles {
            assert!(
                !c.stdout.contains(n.as_str()),
                "the report holds passphrase words"
            );
        }
    }
}

#[test]
fn the_passphrase_file_is_private() {
    let c = ed25519();
    let m = std::fs::metadata(c.dir.join("passphrase.txt")).unwrap();
    assert_eq!(m.mode() & 0o777, 0o600);
}

#[test]
fn rsa4096_makes_4096_bit_keys() {
    let c = rsa4096();
    let cert = pgp::Cert::from_file(c.cert()).unwrap();
    for k in cert.keys() {
        assert_eq!(k.key().mpis().bits(), Some(4096));
    }
    assert_eq!(cert.keys().count(), 3);
}
