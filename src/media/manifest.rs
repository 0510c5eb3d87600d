//! The MANIFEST of a bundle: `sha256sum` format, sorted by name.

use std::collections::BTreeMap;
use std::path::Path;

use super::{sha256_hex, MediaError, WrittenFile};

pub const MANIFEST: &str = "MANIFEST";
/// The MANIFEST's detached signature by the key's signing subkey.
pub const MANIFEST_SIG: &str = "MANIFEST.asc";

pub fn manifest_text(files: &[WrittenFile]) -> String {
    let mut lines: Vec<String> = files
        .iter()
        .filter(|f| f.name != MANIFEST)
        .map(|f| format!("{}  {}\n", f.sha256, f.name))
        .collect();
    lines.sort_by(|a, b| a[66..].cmp(&b[66..]));
    lines.concat()
}

/// The `(SHA-256, name)` lines of a MANIFEST, each name a plain file of the
/// bundle (no path, no dot file). Linear in the text; fuzzed (fuzz/).
pub fn parse_manifest(text: &str) -> Result<Vec<(&str, &str)>, String> {
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            let (hash, name) = line
                .split_once("  ")
                .ok_or_else(|| format!("line {} is not `SHA256  NAME`", i + 1))?;
            if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!("line {} has no SHA-256 (64 hex digits)", i + 1));
            }
            if name.len() > 255 || name.chars().any(|c| c.is_control() || c == '\u{FFFD}') {
                return Err(format!(
                    "line {} names a file no ceremony writes (control characters, or over 255 bytes)",
                    i + 1
                ));
            }
            if name.is_empty() || name.contains('/') || name.starts_with('.') {
                return Err(format!("line {} names {name:?}, outside the bundle", i + 1));
            }
            Ok((hash, name))
        })
        .collect()
}

/// At most this many bytes in all the files one MANIFEST lists.
pub const MAX_TOTAL: u64 = 64 << 20;

/// Reads every file the MANIFEST `text` of the directory `d` lists, each a
/// regular file (no link followed, nothing blocking), at most `limit(name)`
/// bytes and all together at most `MAX_TOTAL`, none listed twice, each
/// matching its SHA-256: the files by name, as read once. The restore's
/// check and the online side's one read of a bundle both stand on it.
pub fn read_listed(
    d: &super::Dir,
    text: &str,
    limit: impl Fn(&str) -> u64,
) -> Result<BTreeMap<String, Vec<u8>>, MediaError> {
    let bad = |problem: String| MediaError::Manifest {
        path: d.path().join(MANIFEST),
        problem,
    };
    let mut files = BTreeMap::new();
    let mut total = 0u64;
    for (hash, name) in parse_manifest(text).map_err(bad)? {
        if files.contains_key(name) {
            return Err(bad(format!("it lists {name} twice")));
        }
        let (limit, left) = (limit(name), MAX_TOTAL - total);
        let contents = match d.read(name, "bundle file", limit.min(left)) {
            Err(MediaError::TooLarge { .. }) if left < limit => {
                return Err(bad(format!(
                    "its files together are larger than any ceremony writes ({} MiB)",
                    MAX_TOTAL >> 20
                )))
            }
            r => r?.ok_or_else(|| MediaError::NoSuchFile {
                dir: d.path().to_owned(),
                name: name.to_owned(),
            })?,
        };
        total += contents.len() as u64;
        let found = sha256_hex(&contents);
        if !found.eq_ignore_ascii_case(hash) {
            return Err(bad(format!(
                "{name} does not match: listed {hash}, found {found}"
            )));
        }
        files.insert(name.to_owned(), contents);
    }
    Ok(files)
}

/// Checks every file a bundle's MANIFEST lists (`read_listed`); returns the
/// names checked.
pub fn check_manifest(dir: &Path) -> Result<Vec<String>, MediaError> {
    check_manifest_read(dir).map(|(names, _)| names)
}

/// `check_manifest`, also returning the MANIFEST as it was read (once: its
/// signature is then checked over the very bytes whose lines held).
pub fn check_manifest_read(dir: &Path) -> Result<(Vec<String>, Vec<u8>), MediaError> {
    let d = super::Dir::open(dir)?;
    let bytes = d
        .read(MANIFEST, "MANIFEST", super::limits::MANIFEST)?
        .ok_or_else(|| MediaError::NoSuchFile {
            dir: dir.to_owned(),
            name: MANIFEST.into(),
        })?;
    let text = String::from_utf8(bytes).map_err(|_| MediaError::Manifest {
        path: dir.join(MANIFEST),
        problem: "it is not text".into(),
    })?;
    let files = read_listed(&d, &text, |_| super::limits::TRANSCRIPT)?;
    Ok((files.into_keys().collect(), text.into_bytes()))
}
