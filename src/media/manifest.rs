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

/// Checks every file a bundle's MANIFEST lists; returns the names checked.
pub fn check_manifest(dir: &Path) -> Result<Vec<String>, MediaError> {
    let path = dir.join(MANIFEST);
    let bytes = super::read_bounded(&path, "MANIFEST", super::limits::MANIFEST)?;
    let bad = |problem: String| MediaError::Manifest {
        path: path.clone(),
        problem,
    };
    let text = String::from_utf8(bytes).map_err(|_| bad("it is not text".into()))?;
    let mut names = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let (hash, name) = line
            .split_once("  ")
            .ok_or_else(|| bad(format!("line {} is not `SHA256  NAME`", i + 1)))?;
        if name.contains('/') || name.starts_with('.') {
            return Err(bad(format!(
                "line {} names {name:?}, outside the bundle",
                i + 1
            )));
        }
        let file = dir.join(name);
        let contents = super::read_bounded(&file, "bundle file", super::limits::TRANSCRIPT)?;
        let found = sha256_hex(&contents);
        if found != hash {
            return Err(bad(format!(
                "{name} does not match: listed {hash}, found {found}"
            )));
        }
        names.push(name.to_owned());
    }
    Ok(names)
}
