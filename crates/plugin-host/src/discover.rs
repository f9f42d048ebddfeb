//! Finding plugin libraries from a `SLUICE_PLUGIN_PATH`-style list.

use std::path::{Path, PathBuf};

use sluice_core::{Error, Result};

/// The environment variable listing plugin libraries and directories, `:`-separated
/// (`;` on Windows).
pub const PLUGIN_PATH_ENV: &str = "SLUICE_PLUGIN_PATH";

fn is_library(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("so" | "dylib" | "dll")
    )
}

/// The libraries a path list names: each entry is a library file, or a directory whose
/// `.so`/`.dylib`/`.dll` files (not recursive) are taken in name order. Empty entries are
/// skipped; an entry that does not exist is an error.
pub fn plugin_paths(list: &str) -> Result<Vec<PathBuf>> {
    let separator = if cfg!(windows) { ';' } else { ':' };
    let mut out = Vec::new();
    for entry in list.split(separator).filter(|e| !e.is_empty()) {
        let path = Path::new(entry);
        if path.is_dir() {
            let dir = std::fs::read_dir(path).map_err(|e| Error::from_io(entry, e))?;
            let mut found: Vec<PathBuf> = dir
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && is_library(p))
                .collect();
            found.sort();
            out.extend(found);
        } else if path.exists() {
            out.push(path.to_path_buf());
        } else {
            return Err(Error::NotFound {
                location: entry.to_string(),
                detail: Some(format!("named in {PLUGIN_PATH_ENV} or --plugin")),
            });
        }
    }
    Ok(out)
}
