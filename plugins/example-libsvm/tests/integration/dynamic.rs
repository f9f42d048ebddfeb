//! The same crate loaded at run time as a plugin: the cdylib that this test build made,
//! through `sluice-plugin-host`, gives the same batches as the statically linked decoder.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use sluice_core::{
    Codec, Decoder, ErrorKind, MultiGzCodec, Origin, Registry, ScanOptions, ZstdCodec,
};
use sluice_plugin_host::{LoadedPlugin, RegistryPluginExt, load_plugin};

use crate::*;

/// The cdylib of this crate, built by Cargo next to this test binary (the library target
/// of the package is compiled with both of its crate types before the tests).
pub(crate) fn library() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/integration-<hash>
    let deps = exe.parent().unwrap();
    let name = format!(
        "{}sluice_example_libsvm{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    [deps.join(&name), deps.parent().unwrap().join(&name)]
        .into_iter()
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("{name} is not next to {}", exe.display()))
}

/// The plugin, loaded once per process (libraries are never unloaded).
fn plugin() -> &'static LoadedPlugin {
    static PLUGIN: OnceLock<LoadedPlugin> = OnceLock::new();
    PLUGIN.get_or_init(|| load_plugin(library()).unwrap())
}

fn foreign() -> Arc<dyn Decoder> {
    Arc::new(plugin().decoders().remove(0))
}

/// Decodes `data` (compressed with `codec`, if any) with both decoders and checks that
/// the batches are equal; returns them.
fn same_batches(
    name: &str,
    data: &[u8],
    codec: Option<Arc<dyn Codec>>,
    opts: &ScanOptions,
) -> Vec<RecordBatch> {
    let input = compressed_input(name, data, codec);
    let local = decode_input(&input, opts).unwrap();
    let remote: Vec<RecordBatch> = foreign()
        .open(&input, opts)
        .unwrap()
        .collect::<Result<_>>()
        .unwrap();
    assert_eq!(local, remote, "{name} with {opts:?}");
    local
}

#[test]
fn the_plugin_describes_itself() {
    let plugin = plugin();
    assert_eq!(plugin.name(), "libsvm");
    assert_eq!(plugin.version(), env!("CARGO_PKG_VERSION"));
    assert_eq!(plugin.format_names(), ["libsvm"]);
    let decoder = foreign();
    assert_eq!(decoder.name(), "libsvm");
    assert_eq!(decoder.extensions(), ["libsvm", "svm", "svmlight"]);
    assert_eq!(decoder.access(), sluice_core::Access::Sequential);
}

#[test]
fn static_and_dynamic_give_identical_batches() {
    let big: String = (0..20_000)
        .map(|i| {
            format!(
                "{} qid:{} {}:{i}.5 {}:1e-3 # row {i}\n",
                i % 5,
                i / 100,
                i % 7 + 1,
                i + 10
            )
        })
        .collect();
    for (name, data) in [
        ("sample.libsvm", SAMPLE),
        ("ranking.svmlight", RANKING),
        ("big.libsvm", big.as_bytes()),
    ] {
        for opts in [
            ScanOptions::new(),
            ScanOptions::new().with_batch_size(2),
            ScanOptions::new().with_projection(["indices", "qid"]),
            ScanOptions::new().with_format_option("zero_based", true),
            // Chunks of 4 KiB decoded on four threads, on both sides of the boundary.
            ScanOptions::new()
                .with_threads(4)
                .with_batch_size(100)
                .with_format_option("block_size", 4096),
        ] {
            same_batches(name, data, None, &opts);
        }
    }
    let batches = same_batches("sample.libsvm", SAMPLE, None, &ScanOptions::new());
    assert_eq!(rows(&batches), sample_rows());
    let batches = same_batches("big.libsvm", big.as_bytes(), None, &ScanOptions::new());
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 20_000);
}

#[test]
fn compressed_files_are_decompressed_by_the_host_for_the_plugin() {
    let opts = ScanOptions::new().with_batch_size(3);
    let zst: Arc<dyn Codec> = Arc::new(ZstdCodec);
    let batches = same_batches("data.libsvm.zst", &zstd(SAMPLE), Some(zst), &opts);
    assert_eq!(rows(&batches), sample_rows());
    let gz: Arc<dyn Codec> = Arc::new(MultiGzCodec);
    let batches = same_batches("data.libsvm.gz", &gzip(RANKING), Some(gz), &opts);
    assert_eq!(rows(&batches).len(), 5);
}

#[test]
fn errors_cross_the_boundary_with_line_and_token() {
    let input = input("bad.libsvm", "1 1:1\n\n-1 3:abc\n");
    let err = foreign()
        .open(&input, &ScanOptions::new())
        .and_then(|s| s.collect::<Result<Vec<_>>>())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Parse, "{err}");
    // The plugin's message, then the plugin that produced it.
    let plugin = format!("(plugin libsvm 0.1.0 at {})", library().display());
    let message = err.to_string();
    assert!(
        message.ends_with(&format!(
            "invalid LIBSVM at bad.libsvm line 3: feature \"3:abc\": the value \"abc\" is \
             not a number {plugin}"
        )),
        "{message}"
    );
    let err = foreign()
        .validate_options(&ScanOptions::new().with_format_option("zerobased", true))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidOption, "{err}");
    let message = err.to_string();
    assert!(
        message.ends_with(&format!(
            "unknown libsvm option(s) zerobased; known options: block_size, zero_based {plugin}"
        )),
        "{message}"
    );
}

#[test]
fn a_registry_with_the_static_decoder_refuses_the_plugin_unless_replacing() {
    // This test binary links the crate with `static`, as a program using both would.
    let mut registry = Registry::from_inventory();
    let err = registry.load_plugin(library(), false).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidOption, "{err}");
    registry.load_plugin(library(), true).unwrap();
    let entry = registry
        .decoders()
        .iter()
        .find(|e| e.item.name() == "libsvm")
        .unwrap();
    assert_eq!(
        entry.origin,
        Origin::Plugin {
            path: library().display().to_string(),
            version: env!("CARGO_PKG_VERSION").to_string()
        }
    );
}

/// The error each decoder gives for `data`, opening and reading to the end.
fn errors_of(
    name: &str,
    data: &[u8],
    opts: &ScanOptions,
) -> (sluice_core::Error, sluice_core::Error) {
    let input = compressed_input(name, data, None);
    let local = decode_input(&input, opts).unwrap_err();
    let remote = foreign()
        .open(&input, opts)
        .and_then(|s| s.collect::<Result<Vec<_>>>())
        .unwrap_err();
    (local, remote)
}

#[test]
fn errors_are_the_static_decoders_plus_the_plugins_name() {
    let plugin = format!(" (plugin libsvm 0.1.0 at {})", library().display());
    let cases: [(&str, &[u8]); 4] = [
        ("token.libsvm", b"1 1:1\n\n-1 3:abc\n"),
        ("utf8.libsvm", b"1 1:1\n1 2:\xff\n"),
        ("order.libsvm", b"1 5:1 2:1\n"),
        ("label.libsvm", b"one 1:1\n"),
    ];
    for (name, data) in cases {
        for threads in [1, 4] {
            let opts = ScanOptions::new().with_threads(threads);
            let (local, remote) = errors_of(name, data, &opts);
            assert_eq!(remote.kind(), local.kind(), "{name}: {remote}");
            assert_eq!(remote.to_string(), format!("{local}{plugin}"), "{name}");
            // The position is typed, not only in the text.
            if let (
                sluice_core::Error::Parse { position: l, .. },
                sluice_core::Error::Parse { position: r, .. },
            ) = (&local, &remote)
            {
                assert_eq!(l, r, "{name}");
            }
        }
    }
}

#[test]
fn an_explicit_schema_crosses_to_the_plugin() {
    let data = b"1 1:0.5\n-1 qid:2 4:1\n";
    let opts = ScanOptions::new().with_schema(LibsvmDecoder::schema());
    let batches = same_batches("schema.libsvm", data, None, &opts);
    assert_eq!(batches[0].num_rows(), 2);
    let wrong = Arc::new(arrow_schema::Schema::new(vec![arrow_schema::Field::new(
        "label",
        arrow_schema::DataType::Utf8,
        true,
    )]));
    let (local, remote) = errors_of(
        "schema.libsvm",
        data,
        &ScanOptions::new().with_schema(wrong),
    );
    assert_eq!(local.kind(), ErrorKind::Schema);
    assert_eq!(remote.kind(), ErrorKind::Schema);
    assert!(
        remote.to_string().starts_with(&local.to_string()),
        "{remote}"
    );
}

#[test]
fn the_loaded_plugin_passes_the_conformance_suite() {
    // Every truncation, byte flip and invalid UTF-8 splice of the samples, through the C
    // ABI: no panic or abort on either side, and every error names the input.
    sluice_core::conformance::check_decoder(foreign().as_ref(), "sample.libsvm", SAMPLE);
    sluice_core::conformance::check_decoder(foreign().as_ref(), "ranking.svmlight", RANKING);
}
