//! A backup's key file: the strict reader never panics, and what it accepts
//! has every signature valid.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(cert) = keyceremony::openpgp::read_strict("secret-key.asc", data) {
        assert_eq!(cert.bad_signatures().count(), 0);
    }
});
