//! Bad input and bad options.

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema};
use sluice_core::{Decoder, ErrorKind, ScanOptions};
use sluice_format_text::TextDecoder;

use crate::*;

#[test]
fn invalid_utf8_names_file_and_line() {
    let err = error("data/b.txt", b"ok\nfine\nbad \xff here\nok\n");
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert_eq!(
        err.to_string(),
        "invalid text at data/b.txt line 3: invalid UTF-8 at byte 5 of the line (bytes 0xff)"
    );
    // A character split across a line break is invalid on both sides.
    let err = error("data/b.txt", b"a\xc3\n\xa9b\n");
    assert_eq!(
        err.to_string(),
        "invalid text at data/b.txt line 1: invalid UTF-8 at byte 2 of the line (bytes 0xc3)"
    );
}

#[test]
fn invalid_utf8_in_a_later_batch_through_gzip() {
    let mut data = Vec::new();
    for i in 0..10_000 {
        data.extend_from_slice(format!("line {i}\n").as_bytes());
    }
    data.extend_from_slice(b"\xe9t\xe9\n");
    let gz = gz_input("data/l.txt.gz", gzip(&data));
    let opts = ScanOptions::new().with_batch_size(333);
    let err = decode_input(&gz, &opts).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid text at data/l.txt.gz line 10001: invalid UTF-8 at byte 1 of the line (bytes 0xe9)"
    );
}

#[test]
fn truncated_and_corrupt_gzip_are_decompress_errors() {
    let data: String = (0..50_000).map(|i| format!("line number {i}\n")).collect();
    let compressed = gzip(data.as_bytes());
    let gz = gz_input("data/t.txt.gz", compressed[..compressed.len() / 2].to_vec());
    let err = decode_input(&gz, &ScanOptions::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decompress, "{err}");
    assert!(
        err.to_string()
            .starts_with("corrupt or truncated gzip data in data/t.txt.gz: "),
        "{err}"
    );
    let mut corrupt = compressed.clone();
    let mid = corrupt.len() / 2;
    for b in &mut corrupt[mid..mid + 16] {
        *b ^= 0x5a;
    }
    let err = decode_input(&gz_input("data/c.txt.gz", corrupt), &ScanOptions::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decompress, "{err}");
    assert!(err.to_string().contains("data/c.txt.gz"), "{err}");
}

#[test]
fn unknown_column_and_options_are_errors() {
    let err = decode("a\n", &ScanOptions::new().with_projection(["line"])).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownColumn);
    assert_eq!(
        err.to_string(),
        "unknown column \"line\" in data/x.txt; available columns: text"
    );
    let opts = ScanOptions::new().with_format_option("header", false);
    let err = TextDecoder.validate_options(&opts).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidOption);
    assert_eq!(
        err.to_string(),
        "invalid option: unknown text option(s) header; known options: none"
    );
    assert_eq!(
        decode("a\n", &opts).unwrap_err().kind(),
        ErrorKind::InvalidOption
    );
}

#[test]
fn a_schema_that_is_not_one_utf8_column_is_an_error() {
    let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, true)]));
    let err = decode("1\n", &ScanOptions::new().with_schema(schema)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Schema);
    assert_eq!(
        err.to_string(),
        "data/x.txt is text, read as one Utf8 column; the given schema has columns n: Int64"
    );
}
