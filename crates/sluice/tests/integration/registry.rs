//! The default build registers exactly the plugins its features name: a plugin crate that
//! was listed in Cargo.toml but never linked would vanish from here.

use sluice::Registry;

#[test]
fn default_features_register_exactly_these_plugins() {
    let r = Registry::from_inventory();
    assert_eq!(
        r.decoder_names(),
        [
            "csv", "tsv", "jsonl", "json", "parquet", "arrow", "npy", "text"
        ]
    );
    assert_eq!(r.codec_names(), ["gzip", "zstd"]);
    assert_eq!(r.source_names(), ["local"]);
}

#[test]
fn registration_order_is_deterministic() {
    let a = Registry::from_inventory();
    let b = Registry::from_inventory();
    assert_eq!(a.decoder_names(), b.decoder_names());
    let exts: Vec<Vec<String>> = a
        .decoders()
        .iter()
        .map(|e| e.item.extensions().iter().map(|s| s.to_string()).collect())
        .collect();
    assert_eq!(
        exts,
        [
            vec!["csv"],
            vec!["tsv"],
            vec!["jsonl", "ndjson"],
            vec!["json"],
            vec!["parquet", "parq"],
            vec!["arrow", "ipc", "feather", "arrows"],
            vec!["npy"],
            vec!["txt", "text"]
        ]
    );
}

#[test]
fn a_clashing_name_is_refused_unless_replacing() {
    let mut r = Registry::from_inventory();
    let csv = r.decoder("csv").expect("csv");
    let err = r
        .register_decoder(
            std::sync::Arc::clone(&csv),
            0,
            sluice::Origin::BuiltIn,
            false,
        )
        .expect_err("duplicate");
    assert_eq!(err.kind(), sluice::ErrorKind::InvalidOption);
    assert!(
        err.to_string().contains("\"csv\" is already registered"),
        "{err}"
    );
    r.register_decoder(csv, 0, sluice::Origin::BuiltIn, true)
        .expect("replace");
    assert_eq!(r.decoder_names().iter().filter(|n| *n == "csv").count(), 1);
}
