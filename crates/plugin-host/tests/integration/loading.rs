//! Files that are no plugin give clear errors.

use sluice_core::ErrorKind;
use sluice_plugin_host::{load_plugin, plugin_paths};

use crate::build::c_plugin;

#[test]
fn a_file_that_is_not_a_library() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("libfake.so");
    std::fs::write(&path, b"not an ELF file").unwrap();
    let err = load_plugin(&path).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "{}: not a usable sluice plugin: it cannot be loaded as a library",
            path.display()
        )),
        "{text}"
    );
}

#[test]
fn a_missing_file() {
    let err = load_plugin("/nonexistent/libnothing.so").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(
        err.to_string().contains("/nonexistent/libnothing.so"),
        "{err}"
    );
}

#[test]
fn a_library_without_the_entry_symbol() {
    let dir = tempfile::tempdir().unwrap();
    let path = c_plugin(dir.path(), "no_entry.c", "no_entry", &[]);
    let err = load_plugin(&path).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    let text = err.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(
        text.contains("does not export the entry symbol `sluice_plugin_init`"),
        "{text}"
    );
}

#[test]
fn plugin_path_lists_take_files_and_directories() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("b.so"), b"").unwrap();
    std::fs::write(dir.path().join("a.so"), b"").unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"").unwrap();
    let one = dir.path().join("a.so");
    let list = format!("{}::{}", dir.path().display(), one.display());
    let found = plugin_paths(&list).unwrap();
    assert_eq!(
        found,
        [dir.path().join("a.so"), dir.path().join("b.so"), one]
    );
    let err = plugin_paths("/nonexistent/dir").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}
