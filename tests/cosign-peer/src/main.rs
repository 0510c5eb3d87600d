//! Test equipment: sigstore's own Rust implementation (the `sigstore` crate,
//! as cosign's formats go) on the other side of what keyceremony writes.
//! Debian 12 packages no cosign, and its skopeo has sigstore switched off,
//! so this is the peer the tests run.
//!
//!   cosign-peer public KEY PASSWORD_FILE          cosign.key opened: its public key (PEM) on stdout
//!   cosign-peer sign KEY PASSWORD_FILE DATA SIG   signs DATA as cosign does (DER) into SIG
//!   cosign-peer verify PUB DATA SIG               exit 0 if SIG verifies with cosign.pub PUB
//!   cosign-peer generate KEY PUB PASSWORD_FILE    a key pair as sigstore writes it
//!
//! Exit 1 with the library's error on stderr for anything refused.

use sigstore::crypto::signing_key::SigStoreKeyPair;
use sigstore::crypto::{CosignVerificationKey, Signature, SigningScheme};

fn read(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| fail(format!("{path}: {e}")))
}

fn password(path: &str) -> Vec<u8> {
    let mut p = read(path);
    while p.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        p.pop();
    }
    p
}

fn fail(message: String) -> ! {
    eprintln!("cosign-peer: {message}");
    std::process::exit(1)
}

fn open(key: &str, password_file: &str) -> SigStoreKeyPair {
    SigStoreKeyPair::from_encrypted_pem(&read(key), &password(password_file))
        .unwrap_or_else(|e| fail(format!("opening {key}: {e}")))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    match a.as_slice() {
        ["public", key, pw] => {
            let pem = open(key, pw)
                .public_key_to_pem()
                .unwrap_or_else(|e| fail(e.to_string()));
            print!("{pem}");
        }
        ["sign", key, pw, data, sig] => {
            let signer = open(key, pw)
                .to_sigstore_signer(&SigningScheme::ECDSA_P256_SHA256_ASN1)
                .unwrap_or_else(|e| fail(e.to_string()));
            let s = signer.sign(&read(data)).unwrap_or_else(|e| fail(e.to_string()));
            std::fs::write(sig, s).unwrap_or_else(|e| fail(e.to_string()));
        }
        ["verify", public, data, sig] => {
            let key = CosignVerificationKey::from_pem(&read(public), &SigningScheme::ECDSA_P256_SHA256_ASN1)
                .unwrap_or_else(|e| fail(format!("{public}: {e}")));
            key.verify_signature(Signature::Raw(&read(sig)), &read(data))
                .unwrap_or_else(|e| fail(format!("{sig}: {e}")));
            println!("verified");
        }
        ["generate", key, public, pw] => {
            let pair = SigStoreKeyPair::ECDSA(
                sigstore::crypto::signing_key::ecdsa::ECDSAKeys::new(
                    sigstore::crypto::signing_key::ecdsa::EllipticCurve::P256,
                )
                .unwrap_or_else(|e| fail(e.to_string())),
            );
            let pem = pair
                .private_key_to_encrypted_pem(&password(pw))
                .unwrap_or_else(|e| fail(e.to_string()));
            std::fs::write(key, pem.as_bytes()).unwrap_or_else(|e| fail(e.to_string()));
            let p = pair.public_key_to_pem().unwrap_or_else(|e| fail(e.to_string()));
            std::fs::write(public, p).unwrap_or_else(|e| fail(e.to_string()));
        }
        _ => fail("usage: see the top of tests/cosign-peer/src/main.rs".into()),
    }
}
