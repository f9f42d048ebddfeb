//! Bad input and bad options: every error names the file, the line and the token.

use std::sync::Arc;

use sluice_core::{Decoder, ErrorKind, ScanOptions, ZstdCodec};

use crate::*;

/// The message of decoding `data` as `bad.libsvm`, checked to be a parse error.
fn parse_error(data: &str) -> String {
    let err = error("bad.libsvm", data);
    assert_eq!(err.kind(), ErrorKind::Parse, "{err}");
    err.to_string()
}

#[test]
fn malformed_tokens_name_line_and_token() {
    let cases = [
        (
            "1 1:1\n-1 3:abc\n",
            "line 2: feature \"3:abc\": the value \"abc\" is not a number",
        ),
        (
            "# c\n\n1 x:1\n",
            "line 3: feature \"x:1\": the index \"x\" is not a non-negative integer",
        ),
        (
            "1 1:1 2\n",
            "line 1: expected <index>:<value>, found \"2\" (no ':')",
        ),
        (
            "1 4294967296:1\n",
            "line 1: feature \"4294967296:1\": the index \"4294967296\" is larger than 4294967295",
        ),
        (
            "1 -2:1\n",
            "line 1: feature \"-2:1\": the index \"-2\" is not a non-negative integer",
        ),
        (
            "1 :1\n",
            "line 1: feature \":1\": the index \"\" is not a non-negative integer",
        ),
        (
            "1 1:\n",
            "line 1: feature \"1:\": the value \"\" is not a number",
        ),
        (
            "1 1:1e39\n",
            "line 1: feature \"1:1e39\": the value \"1e39\" is out of the float32 range",
        ),
        (
            "1 1:1\n2 3:1 2:1\n",
            "line 2: feature \"2:1\": indices must be strictly ascending, and 2 follows 3",
        ),
        (
            "1 3:1 3:2\n",
            "line 1: feature \"3:2\": indices must be strictly ascending, and 3 follows 3",
        ),
        ("abc 1:1\n", "line 1: the label \"abc\" is not a number"),
        (
            "1:1 2:1\n",
            "line 1: the line starts with \"1:1\" instead of a label",
        ),
        (
            "1,2 1:1\n",
            "line 1: the label \"1,2\" is a multi-label list, which this format does not read",
        ),
        (
            "1 qid:x 1:1\n",
            "line 1: \"qid:x\": the qid \"x\" is not an integer",
        ),
        ("1 qid:1 qid:2\n", "line 1: a second qid \"qid:2\""),
        (
            "1 1:1 qid:2\n",
            "line 1: \"qid:2\" after a feature; qid must come right after the label",
        ),
    ];
    for (data, want) in cases {
        assert_eq!(
            parse_error(data),
            format!("invalid LIBSVM at bad.libsvm {want}"),
            "{data:?}"
        );
    }
}

#[test]
fn long_tokens_are_cut_in_messages() {
    let data = format!("1 1:{}\n", "x".repeat(100));
    assert_eq!(
        parse_error(&data),
        format!(
            "invalid LIBSVM at bad.libsvm line 1: feature {:?}…: the value {:?}… is not a number",
            format!("1:{}", "x".repeat(58)),
            "x".repeat(60)
        )
    );
}

#[test]
fn invalid_utf8_names_file_and_line() {
    let err = error("data/u.libsvm", b"1 1:1\n# \xe9t\xe9\n");
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert_eq!(
        err.to_string(),
        "invalid LIBSVM at data/u.libsvm line 2: invalid UTF-8 at byte 3 of the line (bytes 0xe9)"
    );
}

#[test]
fn zero_based_refuses_index_zero() {
    let opts = ScanOptions::new().with_format_option("zero_based", true);
    let err = decode("1 1:1\n1 0:1\n", &opts).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid LIBSVM at data/x.libsvm line 2: feature \"0:1\": index 0 in a 1-based file \
         (the option zero_based is true)"
    );
}

#[test]
fn line_numbers_count_every_line_across_batches_and_codecs() {
    let mut data = String::new();
    for i in 0..5000 {
        data.push_str(&format!("{} {}:1\n# comment {i}\n\n", i % 2, i + 1));
    }
    data.push_str("1 1:oops\n");
    let zst = compressed_input(
        "data/big.libsvm.zst",
        zstd(data.as_bytes()),
        Some(Arc::new(ZstdCodec)),
    );
    let opts = ScanOptions::new().with_batch_size(777);
    let mut stream = LibsvmDecoder.open(&zst, &opts).unwrap();
    let mut good = 0;
    let err = loop {
        match stream.next().unwrap() {
            Ok(b) => good += b.num_rows(),
            Err(e) => break e,
        }
    };
    assert_eq!(good, 777 * 6);
    assert_eq!(
        err.to_string(),
        "invalid LIBSVM at data/big.libsvm.zst line 15001: feature \"1:oops\": the value \
         \"oops\" is not a number"
    );
    assert!(stream.next().is_none());
}

#[test]
fn truncated_zstd_is_a_decompress_error() {
    let data: String = (0..20_000)
        .map(|i| format!("1 {}:0.25 {}:1\n", i + 1, i + 2))
        .collect();
    let compressed = zstd(data.as_bytes());
    let cut = compressed[..compressed.len() / 2].to_vec();
    let err = decode_input(
        &compressed_input("data/t.libsvm.zst", cut, Some(Arc::new(ZstdCodec))),
        &ScanOptions::new(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decompress, "{err}");
    assert!(err.to_string().contains("data/t.libsvm.zst"), "{err}");
}

#[test]
fn unknown_and_mistyped_options_are_errors() {
    let opts = ScanOptions::new().with_format_option("zerobased", true);
    let err = LibsvmDecoder.validate_options(&opts).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidOption);
    assert_eq!(
        err.to_string(),
        "invalid option: unknown libsvm option(s) zerobased; known options: block_size, \
         zero_based"
    );
    let opts = ScanOptions::new().with_format_option("zero_based", 1);
    let err = decode(SAMPLE, &opts).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid option: libsvm option \"zero_based\" must be true or false, got 1"
    );
    let err = LibsvmDecoder
        .infer_schema(
            &input("a.libsvm", ""),
            &ScanOptions::new().with_format_option("x", 1),
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidOption);
}
