//! Whole scans of local files: format resolution by extension and by content, with the
//! statically registered decoder and with the plugin.

use std::path::Path;
use std::sync::Arc;

use sluice_core::{ErrorKind, Registry, Scan};
use sluice_plugin_host::RegistryPluginExt;

use crate::*;

// Links the local file system into `Registry::from_inventory`.
use sluice_source_local as _;

fn scan(registry: &Arc<Registry>, path: &Path) -> Result<Vec<RecordBatch>> {
    let mut reader = Scan::new([path.display().to_string()])
        .with_registry(Arc::clone(registry))
        .reader()?;
    let mut batches = Vec::new();
    while let Some(batch) = reader.next_batch()? {
        batches.push(batch);
    }
    Ok(batches)
}

fn registries() -> [(&'static str, Arc<Registry>); 2] {
    let mut dynamic = Registry::from_inventory();
    dynamic
        .load_plugin(crate::dynamic::library(), true)
        .unwrap();
    [
        ("static", Arc::new(Registry::from_inventory())),
        ("dynamic", Arc::new(dynamic)),
    ]
}

#[test]
fn files_resolve_by_extension_and_content() {
    let dir = tempfile::tempdir().unwrap();
    let zst = dir.path().join("data.libsvm.zst");
    std::fs::write(&zst, zstd(SAMPLE)).unwrap();
    let gz = dir.path().join("rank.svmlight.gz");
    std::fs::write(&gz, gzip(RANKING)).unwrap();
    let bare = dir.path().join("noext");
    std::fs::write(&bare, SAMPLE).unwrap();
    for (which, registry) in registries() {
        assert_eq!(
            rows(&scan(&registry, &zst).unwrap()),
            sample_rows(),
            "{which}"
        );
        assert_eq!(rows(&scan(&registry, &gz).unwrap()).len(), 5, "{which}");
        assert_eq!(
            rows(&scan(&registry, &bare).unwrap()),
            sample_rows(),
            "{which}"
        );
    }
}

#[test]
fn a_bad_value_in_a_libsvm_file_is_a_parse_error_not_a_format_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.svm");
    std::fs::write(&bad, "1 1:1\n# c\n-1 3:abc\n").unwrap();
    for (which, registry) in registries() {
        let err = scan(&registry, &bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Parse, "{which}: {err}");
        let message = err.to_string();
        assert!(
            message.contains(&format!(
                "invalid LIBSVM at {} line 3: feature \"3:abc\": the value \"abc\" is not a number",
                bad.display()
            )),
            "{which}: {message}"
        );
    }
}
