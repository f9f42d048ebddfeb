//! Compressed inputs: values, line numbers in the decompressed text, truncated streams.

use std::io::Write;
use std::sync::Arc;

use sluice_core::{Codec, ErrorKind, MultiGzCodec, ScanOptions, ZstdCodec};
use sluice_format_json::{JsonDecoder, JsonLinesDecoder};

use crate::*;

/// `data` gzip-compressed.
pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    ok(enc
        .write_all(data)
        .map_err(|e| sluice_core::Error::from_io("gz", e)));
    ok(enc
        .finish()
        .map_err(|e| sluice_core::Error::from_io("gz", e)))
}

fn zstd(data: &[u8]) -> Vec<u8> {
    ok(zstd::encode_all(data, 3).map_err(|e| sluice_core::Error::from_io("zst", e)))
}

fn gz() -> Option<Arc<dyn Codec>> {
    Some(Arc::new(MultiGzCodec))
}

fn zst() -> Option<Arc<dyn Codec>> {
    Some(Arc::new(ZstdCodec))
}

fn lines(n: usize) -> String {
    (0..n).map(|i| format!("{{\"i\": {i}}}\n")).collect()
}

#[test]
fn gzip_and_zstd_decode() {
    let data = lines(1000);
    let want: Vec<_> = (0..1000).map(Some).collect();
    let opts = ScanOptions::new().with_batch_size(300);
    let b = ok(decode_with(
        &JsonLinesDecoder,
        "x.jsonl.gz",
        gzip(data.as_bytes()),
        &opts,
        gz(),
    ));
    assert_eq!(ints(&b, "i"), want);
    let b = ok(decode_with(
        &JsonLinesDecoder,
        "x.jsonl.zst",
        zstd(data.as_bytes()),
        &opts,
        zst(),
    ));
    assert_eq!(ints(&b, "i"), want);
    let doc = format!("[{}]", data.trim_end().replace('\n', ",\n"));
    let b = ok(decode_with(
        &JsonDecoder,
        "x.json.gz",
        gzip(doc.as_bytes()),
        &opts,
        gz(),
    ));
    assert_eq!(ints(&b, "i"), want);
}

#[test]
fn concatenated_gzip_members() {
    let mut data = gzip(b"{\"a\": 1}\n");
    data.extend(gzip(b"{\"a\": 2}\n"));
    let b = ok(decode_with(
        &JsonLinesDecoder,
        "x.jsonl.gz",
        data,
        &ScanOptions::new(),
        gz(),
    ));
    assert_eq!(ints(&b, "a"), [Some(1), Some(2)]);
}

#[test]
fn error_lines_count_decompressed_text() {
    let data = format!("{}{{\"i\": oops}}\n", lines(500));
    let opts = ScanOptions::new().with_infer_rows(10);
    let e = err(decode_with(
        &JsonLinesDecoder,
        "data/b.jsonl.zst",
        zstd(data.as_bytes()),
        &opts,
        zst(),
    ));
    assert_eq!(e.kind(), ErrorKind::Parse);
    let msg = e.to_string();
    assert!(
        msg.starts_with("invalid JSON at data/b.jsonl.zst line 501: "),
        "{msg}"
    );
}

#[test]
fn truncated_gzip_is_a_decompress_error() {
    let full = gzip(lines(5000).as_bytes());
    let cut = full[..full.len() / 2].to_vec();
    for decoder in [&JsonLinesDecoder as &dyn sluice_core::Decoder, &JsonDecoder] {
        let e = err(decode_with(
            decoder,
            "data/t.jsonl.gz",
            cut.clone(),
            &ScanOptions::new(),
            gz(),
        ));
        assert_eq!(e.kind(), ErrorKind::Decompress, "{e}");
        assert!(e.to_string().contains("data/t.jsonl.gz"), "{e}");
    }
    // Truncated after the sample too.
    let opts = ScanOptions::new().with_infer_rows(1).with_batch_size(7);
    let e = err(decode_with(
        &JsonLinesDecoder,
        "data/t.jsonl.gz",
        cut,
        &opts,
        gz(),
    ));
    assert_eq!(e.kind(), ErrorKind::Decompress, "{e}");
}

#[test]
fn truncated_zstd_is_a_decompress_error() {
    let full = zstd(lines(5000).as_bytes());
    let cut = full[..full.len() - 10].to_vec();
    let e = err(decode_with(
        &JsonLinesDecoder,
        "data/t.jsonl.zst",
        cut,
        &ScanOptions::new(),
        zst(),
    ));
    assert_eq!(e.kind(), ErrorKind::Decompress, "{e}");
    assert!(e.to_string().contains("data/t.jsonl.zst"), "{e}");
}
