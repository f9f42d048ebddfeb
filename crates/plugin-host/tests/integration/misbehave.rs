//! A Rust plugin built with the SDK: the round trip, and every misbehaviour on demand.

use std::sync::Arc;

use arrow_array::Int64Array;
use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use sluice_core::{
    DecodeInput, Decoder, ErrorKind, MemorySource, Origin, Registry, Result, Scan, ScanOptions,
};
use sluice_plugin_host::{RegistryPluginExt, load_plugin, register};

use crate::build::misbehave_plugin;

fn decoder() -> Arc<dyn Decoder> {
    let plugin = load_plugin(misbehave_plugin()).unwrap();
    Arc::new(plugin.decoders().remove(0))
}

fn input(text: &str) -> DecodeInput {
    DecodeInput::new(
        Arc::new(MemorySource::new("mem.mb", text.to_string())),
        None,
    )
}

fn with_mode(mode: &str) -> ScanOptions {
    ScanOptions::new()
        .with_batch_size(2)
        .with_format_option("mode", mode)
}

fn values(batches: &[arrow_array::RecordBatch]) -> Vec<i64> {
    batches
        .iter()
        .flat_map(|b| b.column(0).as_primitive::<Int64Type>().values().to_vec())
        .collect()
}

#[test]
fn loads_and_describes_the_plugin() {
    let plugin = load_plugin(misbehave_plugin()).unwrap();
    assert_eq!(plugin.name(), "misbehave");
    assert_eq!(plugin.version(), "0.0.1");
    assert_eq!(plugin.abi_version(), 1);
    assert_eq!(plugin.format_names(), ["misbehave"]);
    let mut registry = Registry::new();
    register(&plugin, &mut registry, false).unwrap();
    let entry = &registry.decoders()[0];
    assert_eq!(entry.item.name(), "misbehave");
    assert_eq!(entry.item.extensions(), ["mb"]);
    assert_eq!(
        entry.origin,
        Origin::Plugin {
            path: misbehave_plugin().display().to_string(),
            version: "0.0.1".to_string()
        }
    );
    // A second registration of the same name is refused unless replacing.
    let err = register(&plugin, &mut registry, false).unwrap_err();
    assert!(err.to_string().contains("already registered"), "{err}");
    register(&plugin, &mut registry, true).unwrap();
    assert_eq!(registry.decoder_names(), ["misbehave"]);
}

#[test]
fn batches_round_trip_through_the_c_stream() {
    let d = decoder();
    let batches: Vec<_> = d
        .open(&input("#misbehave\n1\n2\n3\n-4\n5\n"), &with_mode("ok"))
        .unwrap()
        .collect::<Result<_>>()
        .unwrap();
    assert_eq!(
        batches.iter().map(|b| b.num_rows()).collect::<Vec<_>>(),
        [2, 2, 1]
    );
    assert_eq!(values(&batches), [1, 2, 3, -4, 5]);
    assert_eq!(batches[0].schema().field(0).name(), "n");
    assert_eq!(
        batches[1].column(0).as_primitive::<Int64Type>(),
        &Int64Array::from(vec![3, -4])
    );
}

#[test]
fn sniff_and_options_cross_the_boundary() {
    use sluice_core::{Probe, Sniff};
    let d = decoder();
    let probe = |head: &'static [u8]| Probe {
        head,
        complete: true,
        name: "x",
    };
    assert_eq!(d.sniff(&probe(b"#misbehave\n1")), Sniff::Yes);
    assert_eq!(d.sniff(&probe(b"1\n2")), Sniff::No);
    let err = d
        .validate_options(&ScanOptions::new().with_format_option("bogus", 1))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidOption);
    assert!(
        err.to_string()
            .contains("unknown misbehave option(s) bogus"),
        "{err}"
    );
    assert!(err.to_string().contains("plugin misbehave 0.0.1"), "{err}");
}

#[test]
fn a_scan_reads_compressed_local_files_through_the_plugin() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("numbers.mb.zst");
    let data = zstd::encode_all(&b"#misbehave\n10\n20\n30\n"[..], 0).unwrap();
    std::fs::write(&path, data).unwrap();
    let mut registry = Registry::from_inventory();
    registry.load_plugin(misbehave_plugin(), false).unwrap();
    let got = crate::int64_column(&crate::scan_with(registry, &path), 0);
    assert_eq!(got, [10, 20, 30]);
}

#[test]
fn errors_cross_with_their_kind_and_name_the_plugin() {
    let d = decoder();
    let err = d.open(&input("1\n"), &with_mode("error")).err().unwrap();
    assert_eq!(err.kind(), ErrorKind::Parse);
    let text = err.to_string();
    assert!(text.contains("asked to fail"), "{text}");
    assert!(text.contains("mem.mb"), "{text}");
    assert!(
        text.contains(&misbehave_plugin().display().to_string()),
        "{text}"
    );

    let err = d
        .open(&input("1\n"), &with_mode("nul_message"))
        .err()
        .unwrap();
    assert!(err.to_string().contains("a NUL\\0in the message"), "{err}");

    let mut stream = d
        .open(&input("1\n2\n3\n"), &with_mode("stream_error"))
        .unwrap();
    assert_eq!(stream.next().unwrap().unwrap().num_rows(), 2);
    let err = stream.next().unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert!(
        err.to_string().contains("asked to fail mid-stream"),
        "{err}"
    );
    assert!(err.to_string().contains("mem.mb"), "{err}");
    assert!(stream.next().is_none());

    let err = d.open(&input("x\n"), &with_mode("ok")).err().unwrap();
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert!(err.to_string().contains("line 1"), "{err}");
}

/// A private copy of the plugin: a panic poisons the library it happens in, and a copy
/// under another path is a separate library with its own statics.
fn private_copy(dir: &std::path::Path) -> Arc<dyn Decoder> {
    let path = dir.join(misbehave_plugin().file_name().unwrap());
    std::fs::copy(misbehave_plugin(), &path).unwrap();
    let plugin = load_plugin(&path).unwrap();
    Arc::new(plugin.decoders().remove(0))
}

#[test]
fn a_panic_in_open_is_an_error_and_poisons_the_plugin() {
    let dir = tempfile::tempdir().unwrap();
    let d = private_copy(dir.path());
    let err = d
        .open(&input("1\n"), &with_mode("panic_open"))
        .err()
        .unwrap();
    assert_eq!(err.kind(), ErrorKind::Internal);
    let text = err.to_string();
    assert!(
        text.contains(
            "plugin panic: misbehave: asked to panic in open (at plugins/test-misbehave/src/lib.rs:"
        ),
        "{text}"
    );
    assert!(text.contains("mem.mb"), "{text}");
    assert!(text.contains(&dir.path().display().to_string()), "{text}");
    // Every later call fails cleanly; the host lives on.
    let err = d.open(&input("1\n"), &with_mode("ok")).err().unwrap();
    assert_eq!(err.kind(), ErrorKind::Internal);
    assert!(
        err.to_string()
            .contains("plugin poisoned by an earlier panic"),
        "{err}"
    );
    let err = d.validate_options(&ScanOptions::new()).unwrap_err();
    assert!(
        err.to_string()
            .contains("plugin poisoned by an earlier panic"),
        "{err}"
    );
    assert_eq!(
        d.sniff(&sluice_core::Probe {
            head: b"#misbehave",
            complete: true,
            name: "a.mb"
        }),
        sluice_core::Sniff::No
    );
}

#[test]
fn a_panic_mid_stream_is_an_error_and_poisons_the_plugin() {
    let dir = tempfile::tempdir().unwrap();
    let d = private_copy(dir.path());
    let mut stream = d
        .open(&input("1\n2\n3\n"), &with_mode("panic_stream"))
        .unwrap();
    assert_eq!(stream.next().unwrap().unwrap().num_rows(), 2);
    let err = stream.next().unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Internal);
    assert!(
        err.to_string()
            .contains("plugin panic: misbehave: asked to panic mid-stream (at plugins/test-misbehave/src/lib.rs:"),
        "{err}"
    );
    assert!(err.to_string().contains("mem.mb"), "{err}");
    assert!(stream.next().is_none());
    drop(stream);
    let err = d.open(&input("1\n"), &with_mode("ok")).err().unwrap();
    assert!(
        err.to_string()
            .contains("plugin poisoned by an earlier panic"),
        "{err}"
    );
}

#[test]
fn the_host_input_rewinds_and_reads_ranges() {
    let d = decoder();
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("n.mb");
    std::fs::write(&plain, b"#misbehave\n4\n5\n6\n").unwrap();
    let compressed = dir.path().join("n.mb.zst");
    std::fs::write(
        &compressed,
        zstd::encode_all(&b"#misbehave\n4\n5\n6\n"[..], 0).unwrap(),
    )
    .unwrap();
    let mut registry = Registry::from_inventory();
    registry
        .register_decoder(d, 0, Origin::BuiltIn, false)
        .unwrap();
    let registry = Arc::new(registry);
    let read = |path: &std::path::Path, mode: &str| -> Result<Vec<i64>> {
        let mut reader = Scan::new([path.display().to_string()])
            .with_registry(Arc::clone(&registry))
            .with_options(with_mode(mode))
            .reader()?;
        let mut got = Vec::new();
        while let Some(batch) = reader.next_batch()? {
            got.extend(
                batch
                    .column(0)
                    .as_primitive::<Int64Type>()
                    .values()
                    .iter()
                    .copied(),
            );
        }
        Ok(got)
    };
    // A rewind restarts decompression from the start.
    assert_eq!(read(&compressed, "read_twice").unwrap(), [4, 5, 6]);
    assert_eq!(read(&plain, "read_twice").unwrap(), [4, 5, 6]);
    // Ranges of an uncompressed file; none on a compressed one.
    assert_eq!(read(&plain, "random_access").unwrap(), [4, 5, 6]);
    let err = read(&compressed, "random_access").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(err.to_string().contains("no random access"), "{err}");
}
