//! A whole bundle directory, as `verify` reads it on the online side: the
//! input is a list of files (`NAME\n` then the bytes, records separated by
//! `\n--KC--\n`) written into a scratch directory, read once and verified from
//! the key it names. Never panics; what it accepts is for the key checked.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

static DIR: OnceLock<PathBuf> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let dir = DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("keyceremony-fuzz-bundle-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    });
    for e in std::fs::read_dir(dir).unwrap() {
        let _ = std::fs::remove_file(e.unwrap().path());
    }
    const SEP: &[u8] = b"\n--KC--\n";
    let mut rest = data;
    for _ in 0..64 {
        let end = rest.windows(SEP.len()).position(|w| w == SEP).unwrap_or(rest.len());
        let record = &rest[..end];
        if let Some(nl) = record.iter().position(|b| *b == b'\n') {
            if let Ok(name) = std::str::from_utf8(&record[..nl]) {
                if !name.is_empty() && !name.contains('/') && !name.starts_with('.') && name.len() <= 64 {
                    let _ = std::fs::write(dir.join(name), &record[nl + 1..]);
                }
            }
        }
        if end == rest.len() {
            break;
        }
        rest = &rest[end + SEP.len()..];
    }
    use keyceremony::online::{read::Bundle, verify, Anchor};
    if let Ok(b) = Bundle::read(dir) {
        let key = b.info.key.clone();
        if let Ok(v) = verify(b, Anchor::Fingerprint(&key), std::time::SystemTime::now()) {
            assert!(v.key.eq_ignore_ascii_case(&key));
            assert!(v.cert.fingerprint().to_hex().eq_ignore_ascii_case(&key));
        }
    }
});
