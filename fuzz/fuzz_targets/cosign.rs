//! The cosign files read from a backup or a bundle: cosign.key (cosign's
//! encrypted key file), cosign.pub, the binding statement, the rotation
//! statement and the list of revoked keys. Parsing never
//! panics; a key file whose scrypt parameters are not cosign's is refused
//! before any work (a fuzzer that found N = 2^40 would otherwise hang here);
//! what parses round-trips.
#![no_main]
use keyceremony::cosign::binding::Binding;
use keyceremony::cosign::revocation::CosignRevocations;
use keyceremony::cosign::rotation::CosignRotation;
use keyceremony::cosign::{CosignKey, CosignPublic};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(b) = Binding::parse(data) {
        assert_eq!(b.canonical(), data);
    }
    if let Ok(r) = CosignRotation::parse(data) {
        assert_eq!(r.canonical(), data);
    }
    if let Ok(l) = CosignRevocations::parse(data) {
        assert_eq!(l.canonical(), data);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(p) = CosignPublic::from_pem(text) {
            assert_eq!(CosignPublic::from_pem(&p.to_pem()).unwrap(), p);
        }
    }
    let password = secrecy::SecretString::from("fuzz".to_owned());
    let _ = CosignKey::from_encrypted_pem(data, &password);
});
