//! Plugins written in C against `docs/sluice_plugin.h`, compiled with the system C
//! compiler: one that works end to end, and descriptors that are wrong.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use sluice_core::{
    DecodeInput, Decoder, ErrorKind, MemorySource, Origin, Registry, Result, ScanOptions,
};
use sluice_plugin_host::{RegistryPluginExt, load_plugin};

use crate::build::c_plugin;

#[test]
fn a_c_plugin_reads_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let lib = c_plugin(dir.path(), "digits.c", "c_digits", &[]);
    let plugin = load_plugin(&lib).unwrap();
    assert_eq!((plugin.name(), plugin.version()), ("c-digits", "1.2.3"));
    let d = plugin.decoders().remove(0);
    assert_eq!(d.extensions(), ["digits", "dg"]);

    let input = DecodeInput::new(
        Arc::new(MemorySource::new("mem.digits", "1\n22\n\n333\n4444")),
        None,
    );
    let batches: Vec<_> = d
        .open(&input, &ScanOptions::new())
        .unwrap()
        .collect::<Result<_>>()
        .unwrap();
    let values: Vec<i64> = batches
        .iter()
        .flat_map(|b| b.column(0).as_primitive::<Int64Type>().values().to_vec())
        .collect();
    assert_eq!(values, [1, 22, 333, 4444]);
    assert_eq!(batches[0].schema().field(0).name(), "n");

    let input = DecodeInput::new(Arc::new(MemorySource::new("bad.digits", "1\n2\nx\n")), None);
    let err = d.open(&input, &ScanOptions::new()).err().unwrap();
    assert_eq!(err.kind(), ErrorKind::Parse);
    // The C plugin's detail prefix gives the line.
    assert_eq!(
        err.to_string(),
        format!(
            "invalid digits at bad.digits line 3: digits: a line holds something else than digits (plugin c-digits 1.2.3 at {})",
            lib.display()
        )
    );

    // A scan of a zstd file: decompression stays in the host.
    let path = dir.path().join("n.digits.zst");
    std::fs::write(&path, zstd::encode_all(&b"7\n8\n9\n"[..], 0).unwrap()).unwrap();
    let mut registry = Registry::from_inventory();
    registry.load_plugin(&lib, false).unwrap();
    let entry = registry
        .decoders()
        .iter()
        .find(|e| e.item.name() == "digits")
        .unwrap();
    assert_eq!(
        entry.origin,
        Origin::Plugin {
            path: lib.display().to_string(),
            version: "1.2.3".to_string()
        }
    );
    let got = crate::int64_column(&crate::scan_with(registry, &path), 0);
    assert_eq!(got, [7, 8, 9]);
}

#[test]
fn a_descriptor_of_the_first_layout_still_loads() {
    // struct_size stops before the codec and source fields, which hold garbage: the host
    // must not read them.
    let dir = tempfile::tempdir().unwrap();
    let lib = c_plugin(dir.path(), "digits.c", "first_layout", &["FIRST_LAYOUT"]);
    let plugin = load_plugin(&lib).unwrap();
    assert_eq!(plugin.format_names(), ["digits"]);
    assert!(plugin.codec_names().is_empty());
    assert!(plugin.source_names().is_empty());
    let input = DecodeInput::new(Arc::new(MemorySource::new("m.digits", "5\n")), None);
    let batches: Vec<_> = plugin.decoders()[0]
        .open(&input, &ScanOptions::new())
        .unwrap()
        .collect::<Result<_>>()
        .unwrap();
    assert_eq!(crate::int64_column(&batches, 0), [5]);
}

fn load_error(defines: &[&str], stem: &str) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let lib = c_plugin(dir.path(), "digits.c", stem, defines);
    let err = load_plugin(&lib).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    let text = err.to_string();
    assert!(text.contains(&lib.display().to_string()), "{text}");
    (text, lib.display().to_string())
}

#[test]
fn an_unsupported_abi_version_is_refused_after_falling_back() {
    let (text, _) = load_error(&["SPEAKS_ABI=99"], "abi99");
    assert!(
        text.contains("speaks none of the sluice plugin ABI versions this host does (1 to 1)"),
        "{text}"
    );
    assert!(
        text.contains("version 1: c-digits speaks another ABI version"),
        "{text}"
    );
}

#[test]
fn a_format_with_a_wrong_struct_size_is_refused() {
    let (text, _) = load_error(&["BAD_STRUCT_SIZE"], "small");
    assert!(
        text.contains("format 0 has struct_size 8, smaller than the 64 bytes of ABI version 1"),
        "{text}"
    );
}

#[test]
fn a_format_with_a_null_name_is_refused() {
    let (text, _) = load_error(&["NULL_NAME"], "nullname");
    assert!(
        text.contains("the name of format 0 is a null pointer"),
        "{text}"
    );
}

#[test]
fn a_duplicate_format_is_refused() {
    let (text, _) = load_error(&["DUPLICATE_FORMAT"], "dup");
    assert!(
        text.contains("it declares the format \"digits\" twice"),
        "{text}"
    );
}
