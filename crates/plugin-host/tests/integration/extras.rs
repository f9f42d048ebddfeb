//! Codecs and storage backends from a plugin, priorities, typed errors and explicit schemas
//! across the boundary.

use std::io::Read;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, Schema};
use sluice_core::{
    Codec, DecodeInput, ErrorKind, Location, MemorySource, Origin, Position, Registry, Result,
    Scan, ScanOptions, SourceOptions, SourceReader,
};
use sluice_plugin_host::{RegistryPluginExt, load_plugin};
use sluice_test_misbehave::{MEM_OBJECTS, xor_encode};

use crate::build::misbehave_plugin;

fn registry() -> Arc<Registry> {
    let mut registry = Registry::from_inventory();
    registry.load_plugin(misbehave_plugin(), false).unwrap();
    Arc::new(registry)
}

fn scan(locations: &[&str]) -> Result<Vec<RecordBatch>> {
    Scan::new(locations.iter().map(|l| l.to_string()))
        .with_registry(registry())
        .reader()?
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(Into::into)
}

use crate::int64_column as column;

#[test]
fn the_plugin_declares_codecs_sources_and_priorities() {
    let plugin = load_plugin(misbehave_plugin()).unwrap();
    assert_eq!(plugin.format_names(), ["misbehave"]);
    assert_eq!(plugin.codec_names(), ["xor"]);
    assert_eq!(plugin.source_names(), ["mbmem"]);
    let registry = registry();
    let origin = Origin::Plugin {
        path: misbehave_plugin().display().to_string(),
        version: "0.0.1".to_string(),
    };
    let format = registry
        .decoders()
        .iter()
        .find(|e| e.item.name() == "misbehave")
        .unwrap();
    assert_eq!((format.priority, &format.origin), (42, &origin));
    let codec = registry
        .codecs()
        .iter()
        .find(|e| e.item.name() == "xor")
        .unwrap();
    assert_eq!((codec.priority, &codec.origin), (7, &origin));
    assert_eq!(codec.item.extensions(), ["xor"]);
    assert_eq!(codec.item.magic(), [b"XOR1".as_slice()]);
    let source = registry
        .sources()
        .iter()
        .find(|e| e.item.name() == "mbmem")
        .unwrap();
    assert_eq!((source.priority, &source.origin), (100, &origin));
    assert_eq!(source.item.schemes(), ["mbmem"]);
    // Priorities order the registry: the plugin codec (7) sorts after gzip and zstd (0).
    assert_eq!(registry.codec_names(), ["gzip", "zstd", "xor"]);
}

#[test]
fn a_plugin_codec_decompresses_for_built_in_and_plugin_formats() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("t.csv.xor");
    std::fs::write(&csv, xor_encode(b"a,b\n1,10\n2,20\n3,30\n")).unwrap();
    let batches = scan(&[csv.to_str().unwrap()]).unwrap();
    assert_eq!(column(&batches, 0), [1, 2, 3]);
    assert_eq!(column(&batches, 1), [10, 20, 30]);

    // Found by its magic when the name says nothing; read by the plugin's own format.
    let mb = dir.path().join("numbers.mb.bin");
    std::fs::write(&mb, xor_encode(b"#misbehave\n7\n8\n")).unwrap();
    let batches = Scan::new([mb.display().to_string()])
        .with_options(ScanOptions::new().with_format("misbehave"))
        .with_registry(registry())
        .reader()
        .unwrap()
        .collect::<std::result::Result<Vec<_>, _>>()
        .unwrap();
    assert_eq!(column(&batches, 0), [7, 8]);

    // The codec alone, outside a scan: a large stream crosses intact.
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let codec = registry().codec("xor").unwrap();
    let mut out = Vec::new();
    codec
        .decompress(Box::new(std::io::Cursor::new(xor_encode(&data))))
        .unwrap()
        .read_to_end(&mut out)
        .unwrap();
    assert!(out == data, "{} bytes back of {}", out.len(), data.len());
}

#[test]
fn a_corrupt_stream_of_a_plugin_codec_is_a_decompression_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.csv.xor");
    let mut bytes = xor_encode(b"a\n1\n2\n3\n4\n");
    bytes.truncate(bytes.len() - 3);
    std::fs::write(&path, bytes).unwrap();
    let err = scan(&[path.to_str().unwrap()]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decompress, "{err}");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "corrupt or truncated xor data in {}: the xor payload ends 3 bytes early",
            path.display()
        )),
        "{text}"
    );
    assert!(text.contains("plugin misbehave 0.0.1"), "{text}");
}

#[test]
fn a_panic_in_a_plugin_codec_is_an_error_and_the_host_survives() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join(misbehave_plugin().file_name().unwrap());
    std::fs::copy(misbehave_plugin(), &copy).unwrap();
    let plugin = load_plugin(&copy).unwrap();
    let codec = plugin.codecs().remove(0);
    let mut stream = b"XOR1".to_vec();
    stream.extend_from_slice(&u64::MAX.to_le_bytes());
    let mut out = Vec::new();
    let err = codec
        .decompress(Box::new(std::io::Cursor::new(stream)))
        .unwrap()
        .read_to_end(&mut out)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("plugin panic: xor: asked to panic by the length u64::MAX"),
        "{err}"
    );
    // Poisoned: the next stream fails cleanly.
    let err = codec
        .decompress(Box::new(std::io::Cursor::new(xor_encode(b"1\n"))))
        .err()
        .unwrap();
    assert_eq!(err.kind(), ErrorKind::Internal);
    assert!(err.to_string().contains("plugin poisoned"), "{err}");
}

#[test]
fn a_plugin_storage_backend_passes_the_conformance_suite() {
    let registry = registry();
    let source = registry.source("mbmem").unwrap();
    let expected: Vec<(&str, &[u8])> = MEM_OBJECTS
        .iter()
        .map(|(k, v)| (k.strip_prefix("mbmem://bucket/").unwrap(), *v))
        .collect();
    sluice_core::conformance::check_source(
        source.as_ref(),
        &Location::parse("mbmem://bucket/"),
        &expected,
    );
}

#[test]
fn a_scan_lists_and_reads_a_plugin_storage_backend() {
    // A prefix: every object with a known extension, in byte order, through the plugin's
    // format; then one CSV object through the built-in format.
    let batches = scan(&["mbmem://bucket/sub/", "mbmem://bucket/a.mb"]).unwrap();
    assert_eq!(column(&batches, 0), [3, 1, 2]);
    let batches = scan(&["mbmem://bucket/c.csv"]).unwrap();
    assert_eq!(column(&batches, 0), [1, 3]);
    assert_eq!(column(&batches, 1), [2, 4]);
    // Random access crosses too: the plugin format reads the plugin object by ranges.
    let source = registry().source("mbmem").unwrap();
    let object = source
        .open(
            &Location::parse("mbmem://bucket/a.mb"),
            &SourceOptions::new(),
        )
        .unwrap();
    let input = DecodeInput::new(object, None);
    let d = registry().decoder("misbehave").unwrap();
    let batches: Vec<_> = d
        .open(
            &input,
            &ScanOptions::new().with_format_option("mode", "random_access"),
        )
        .unwrap()
        .collect::<Result<_>>()
        .unwrap();
    assert_eq!(column(&batches, 0), [1, 2]);

    let err = scan(&["mbmem://bucket/missing.mb"]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert!(
        err.to_string().contains("mbmem://bucket/missing.mb"),
        "{err}"
    );
}

#[test]
fn storage_options_reach_the_plugin_and_secrets_never_come_back() {
    let source = registry().source("mbmem").unwrap();
    let root = Location::parse("mbmem://bucket/");
    let good = SourceOptions::new().with("token", "letmein-42");
    let mut listed: Vec<String> = source
        .list(&root, &good)
        .unwrap()
        .iter()
        .map(|m| m.location.to_string())
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        MEM_OBJECTS
            .iter()
            .map(|(k, _)| k.to_string())
            .collect::<Vec<_>>()
    );
    let bad = SourceOptions::new().with("token", "hunter2-secret");
    let err = source.list(&root, &bad).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    let text = err.to_string();
    assert!(text.contains("the token *** is refused"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(!format!("{err:?}").contains("hunter2"));
    // Also in the errors of reading an opened object.
    let object = source
        .open(&Location::parse("mbmem://bucket/fail-read.mb"), &good)
        .unwrap();
    let err = object.reader().unwrap().read(&mut [0u8; 8]).unwrap_err();
    let err = sluice_core::Error::from_io("mbmem://bucket/fail-read.mb", err);
    assert_eq!(err.kind(), ErrorKind::Io, "{err}");
    let text = err.to_string();
    assert!(
        text.contains("the read was refused for token ***"),
        "{text}"
    );
    assert!(!text.contains("letmein-42"), "{text}");
}

#[test]
fn a_panic_in_a_plugin_storage_backend_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join(misbehave_plugin().file_name().unwrap());
    std::fs::copy(misbehave_plugin(), &copy).unwrap();
    let source = load_plugin(&copy).unwrap().sources().remove(0);
    let err = source
        .open(
            &Location::parse("mbmem://bucket/panic.mb"),
            &SourceOptions::new(),
        )
        .err()
        .unwrap();
    assert_eq!(err.kind(), ErrorKind::Internal);
    assert!(
        err.to_string()
            .contains("plugin panic: mbmem: asked to panic in open"),
        "{err}"
    );
    let err = source
        .list(&Location::parse("mbmem://bucket/"), &SourceOptions::new())
        .unwrap_err();
    assert!(err.to_string().contains("plugin poisoned"), "{err}");
}

#[test]
fn parse_errors_keep_their_position_and_read_once() {
    let d = registry().decoder("misbehave").unwrap();
    let input = DecodeInput::new(
        Arc::new(MemorySource::new("mem.mb", "1\nx\n".to_string())),
        None,
    );
    let err = d.open(&input, &ScanOptions::new()).err().unwrap();
    let sluice_core::Error::Parse {
        format, position, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(format, "misbehave");
    assert_eq!(*position, Position::line(2));
    assert_eq!(
        err.to_string(),
        format!(
            "invalid misbehave at mem.mb line 2: invalid digit found in string (plugin misbehave 0.0.1 at {})",
            misbehave_plugin().display()
        )
    );
    // Mid-stream, through the Arrow C stream's error text.
    let input = DecodeInput::new(
        Arc::new(MemorySource::new("mem.mb", "1\n2\n3\n".to_string())),
        None,
    );
    let mut stream = d
        .open(
            &input,
            &ScanOptions::new()
                .with_batch_size(2)
                .with_format_option("mode", "stream_error"),
        )
        .unwrap();
    stream.next().unwrap().unwrap();
    let err = stream.next().unwrap().unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "invalid misbehave at mem.mb line 2: asked to fail mid-stream (plugin misbehave 0.0.1 at {})",
            misbehave_plugin().display()
        )
    );
}

#[test]
fn an_explicit_schema_crosses_to_a_plugin_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("n.mb");
    std::fs::write(&path, "#misbehave\n5\n6\n").unwrap();
    let schema = Arc::new(Schema::new(vec![Field::new(
        "count",
        DataType::Int64,
        false,
    )]));
    let batches = Scan::new([path.display().to_string()])
        .with_options(ScanOptions::new().with_schema(Arc::clone(&schema)))
        .with_registry(registry())
        .reader()
        .unwrap()
        .collect::<std::result::Result<Vec<_>, _>>()
        .unwrap();
    assert_eq!(batches[0].schema().field(0).name(), "count");
    assert_eq!(column(&batches, 0), [5, 6]);
    let wrong = Arc::new(Schema::new(vec![Field::new("s", DataType::Utf8, true)]));
    let err = Scan::new([path.display().to_string()])
        .with_options(ScanOptions::new().with_schema(wrong))
        .with_registry(registry())
        .reader()
        .and_then(|r| {
            r.collect::<std::result::Result<Vec<_>, _>>()
                .map_err(Into::into)
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Schema, "{err}");
}

#[test]
fn a_reader_made_before_a_rewind_fails_instead_of_reading_the_wrong_bytes() {
    let source = registry().source("mbmem").unwrap();
    let object = source
        .open(
            &Location::parse("mbmem://bucket/a.mb"),
            &SourceOptions::new(),
        )
        .unwrap();
    let mut first = object.reader().unwrap();
    let mut two = [0u8; 2];
    first.read_exact(&mut two).unwrap();
    assert_eq!(&two, b"#m");
    let mut second = object.reader().unwrap();
    let err = first.read(&mut two).unwrap_err();
    assert!(
        err.to_string()
            .contains("a reader was used after the input was restarted"),
        "{err}"
    );
    let mut all = Vec::new();
    second.read_to_end(&mut all).unwrap();
    assert_eq!(all, MEM_OBJECTS[0].1);
}
