//! A share as a custodian hands it over: a sheet, a bare word list or a QR
//! payload (or bytes that claim to be an age file): decoding never panics,
//! and whatever decodes encodes back to the same share.
#![no_main]
use keyceremony::shares::{sheet, Share};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(share) = sheet::read_share(data, None) {
        let again = Share::from_words(&share.to_words().join(" ")).expect("a decoded share re-encodes");
        assert_eq!(again, share);
    }
});
