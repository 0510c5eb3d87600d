//! The MANIFEST of a bundle: `sha256sum` format, sorted by name.

use std::path::Path;

use super::{sha256_hex, MediaError, WrittenFile};

pub const MANIFEST: &str = "MANIFEST";

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

/// Checks every file a bundle's MANIFEST lists (each a regular file, no link
/// followed, none listed twice, all together bounded); returns the names
/// checked.
pub fn check_manifest(dir: &Path) -> Result<Vec<String>, MediaError> {
    let path = dir.join(MANIFEST);
    let d = super::Dir::open(dir)?;
    let bytes = d
        .read(MANIFEST, "MANIFEST", super::limits::MANIFEST)?
        .ok_or_else(|| MediaError::NoSuchFile {
            dir: dir.to_owned(),
            name: MANIFEST.into(),
        })?;
    let bad = |problem: String| MediaError::Manifest {
        path: path.clone(),
        problem,
    };
    let text = String::from_utf8(bytes).map_err(|_| bad("it is not text".into()))?;
    let mut names: Vec<String> = Vec::new();
    let mut total = 0u64;
    for (hash, name) in parse_manifest(&text).map_err(bad)? {
        if names.iter().any(|n| n == name) {
            return Err(bad(format!("it lists {name} twice")));
        }
        let left = MAX_TOTAL.saturating_sub(total);
        let contents = d
            .read(name, "bundle file", super::limits::TRANSCRIPT.min(left))?
            .ok_or_else(|| MediaError::NoSuchFile {
                dir: dir.to_owned(),
                name: name.to_owned(),
            })?;
        total += contents.len() as u64;
        let found = sha256_hex(&contents);
        if !found.eq_ignore_ascii_case(hash) {
            return Err(bad(format!(
                "{name} does not match: listed {hash}, found {found}"
            )));
        }
        names.push(name.to_owned());
    }
    Ok(names)
}
