//! sluice-source-local: the local file system and standard input as a sluice
//! [`SourceReader`].
//!
//! - [`LocalSource`] serves the `file` scheme (plain paths and `file://` URLs) and `stdin`
//!   (`-`). Listing walks directories recursively; hidden entries are filtered by core.
//! - [`LocalFile`] is an opened file with positional (random-access) reads.
//! - [`StdinSource`] reads standard input once and replays the first bytes it buffered, so
//!   that sniffing the head and decoding can both start from offset 0.
//!
//! ```
//! use sluice_core::{Location, SourceOptions, SourceReader};
//! use sluice_source_local::LocalSource;
//! # let dir = tempfile::tempdir()?;
//! std::fs::write(dir.path().join("a.txt"), "hello\n")?;
//! let root = Location::parse(dir.path().to_str().unwrap());
//! let files = LocalSource.list(&root, &SourceOptions::new())?;
//! assert_eq!(files.len(), 1);
//! assert_eq!(files[0].size, Some(6));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod file;
mod stdin;

use std::sync::Arc;

use sluice_core::{
    ByteSource, Error, Location, ObjectMeta, Result, SourceOptions, SourceReader,
    SourceRegistration,
};

pub use file::LocalFile;
pub use stdin::StdinSource;

/// Directory depth beyond which listing stops (guards against symlink cycles).
const MAX_DEPTH: usize = 64;

/// The local file system (`file`) and standard input (`stdin`).
#[derive(Debug, Default, Clone, Copy)]
pub struct LocalSource;

sluice_core::inventory::submit! {
    SourceRegistration { name: "local", priority: 0, create: || Arc::new(LocalSource) }
}

impl SourceReader for LocalSource {
    fn name(&self) -> &str {
        "local"
    }

    fn schemes(&self) -> &[&str] {
        &["file", sluice_core::STDIN_SCHEME]
    }

    fn head(&self, location: &Location, _: &SourceOptions) -> Result<Option<ObjectMeta>> {
        if location.is_stdin() {
            return Ok(Some(ObjectMeta {
                location: location.clone(),
                size: None,
            }));
        }
        match std::fs::metadata(fs_path(location)) {
            Ok(m) if m.is_dir() => Ok(None),
            Ok(m) => Ok(Some(ObjectMeta {
                location: location.clone(),
                size: Some(m.len()),
            })),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::from_io(location.to_string(), e)),
        }
    }

    fn list(&self, location: &Location, _: &SourceOptions) -> Result<Vec<ObjectMeta>> {
        let mut out = Vec::new();
        let root = location.path();
        match std::fs::metadata(fs_path(location)) {
            Ok(m) if m.is_dir() => walk(location, root, 0, &mut out)?,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::from_io(location.to_string(), e)),
        }
        Ok(out)
    }

    fn open(&self, location: &Location, _: &SourceOptions) -> Result<Arc<dyn ByteSource>> {
        if location.is_stdin() {
            return Ok(Arc::new(StdinSource::new()));
        }
        Ok(Arc::new(LocalFile::open(location.clone())?))
    }
}

/// The file-system path of a location (`""` is the current directory).
fn fs_path(location: &Location) -> &str {
    match location.path() {
        "" => ".",
        p => p,
    }
}

fn walk(root: &Location, dir: &str, depth: usize, out: &mut Vec<ObjectMeta>) -> Result<()> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let fs_dir = if dir.is_empty() { "." } else { dir };
    let entries = std::fs::read_dir(fs_dir)
        .map_err(|e| Error::from_io(root.with_path(dir).to_string(), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::from_io(root.with_path(dir).to_string(), e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let child = if dir.is_empty() {
            name.to_string()
        } else if dir.ends_with('/') {
            format!("{dir}{name}")
        } else {
            format!("{dir}/{name}")
        };
        // Follow symlinks; an entry that vanished or dangles is skipped, not an error.
        let Ok(meta) = std::fs::metadata(&child) else {
            continue;
        };
        if meta.is_dir() {
            walk(root, &child, depth + 1, out)?;
        } else {
            out.push(ObjectMeta {
                location: root.with_path(child),
                size: Some(meta.len()),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conformance() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("sub/deeper")).unwrap();
        let files: &[(&str, &[u8])] = &[
            ("a.csv", b"x,y\n1,2\n"),
            ("sub/b.jsonl", b"{\"a\":1}\n"),
            ("sub/deeper/c.txt", b"hello world\n"),
            ("empty.txt", b""),
        ];
        for (p, d) in files {
            std::fs::write(dir.path().join(p), d).unwrap();
        }
        let root = Location::parse(dir.path().to_str().unwrap());
        sluice_core::conformance::check_source(&LocalSource, &root, files);
    }

    #[test]
    fn file_urls_list_as_urls() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.csv"), "x\n1\n").unwrap();
        let url = format!("file://{}", dir.path().display());
        let listed = LocalSource
            .list(&Location::parse(&url), &SourceOptions::new())
            .unwrap();
        assert_eq!(listed[0].location.to_string(), format!("{url}/a.csv"));
    }
}
