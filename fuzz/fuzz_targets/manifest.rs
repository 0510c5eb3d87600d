//! A MANIFEST from a medium: parsing never panics, and every name it accepts
//! stays inside the bundle.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(lines) = keyceremony::media::parse_manifest(text) {
        for (_, name) in lines {
            assert!(!name.contains('/') && !name.starts_with('.') && !name.is_empty());
        }
    }
});
