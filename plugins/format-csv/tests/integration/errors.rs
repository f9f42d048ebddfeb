//! Bad input: every error names the file and the physical line.

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema};
use sluice_core::{ErrorKind, ScanOptions};
use sluice_format_csv::CsvDecoder;

use crate::*;

#[test]
fn ragged_row_names_file_and_line() {
    let data = "a,b,c\n1,2,3\n4,5,6\n7,8,9\n1,2,3\n4,5,6\n4,5\n7,8,9\n";
    let err = error("data/a.csv", data, &ScanOptions::new());
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert_eq!(
        err.to_string(),
        "invalid CSV at data/a.csv line 7: expected 3 fields, found 2"
    );
    let err = error("data/a.csv", "a,b\n1,2\n3,4,5,6\n", &ScanOptions::new());
    assert_eq!(
        err.to_string(),
        "invalid CSV at data/a.csv line 3: expected 2 fields, found 4"
    );
}

#[test]
fn ragged_row_line_counts_quoted_newlines_blank_lines_and_comments() {
    let data = "# comment\na,b\n\"x\ny\nz\",1\n\n\r\n# more\n2,2\n3\n";
    let opts = ScanOptions::new().with_format_option("comment", "#");
    let err = error("q.csv", data, &opts);
    assert_eq!(
        err.to_string(),
        "invalid CSV at q.csv line 10: expected 2 fields, found 1"
    );
}

#[test]
fn ragged_row_late_in_a_large_file_and_in_later_batches() {
    // Rows with quoted line breaks, across several 1 MiB refills and batches.
    let mut data = String::from("id,text\n");
    let mut line = 2;
    for i in 0..40_000 {
        if i % 3 == 0 {
            data.push_str(&format!("{i},\"a\nb\"\n"));
            line += 2;
        } else {
            data.push_str(&format!("{i},plain text {i}\n"));
            line += 1;
        }
    }
    data.push_str("oops\n");
    let expected = format!("invalid CSV at big.csv line {line}: expected 2 fields, found 1");
    for batch_size in [8192, 1000, 7] {
        let opts = ScanOptions::new().with_batch_size(batch_size);
        let err = error("big.csv", &data, &opts);
        assert_eq!(err.to_string(), expected, "batch size {batch_size}");
    }
    let gz = gz_input("big.csv.gz", gzip(data.as_bytes()));
    let err = decode_with(&CsvDecoder::csv(), &gz, &ScanOptions::new()).unwrap_err();
    assert_eq!(
        err.to_string(),
        expected.replace("big.csv", "big.csv.gz"),
        "through gzip"
    );
}

#[test]
fn invalid_utf8_names_the_line() {
    let mut data = b"a,b\n1,x\n2,y\n3,".to_vec();
    data.extend_from_slice(b"\xff\xfe\n4,z\n");
    let err = error("data/u.csv", &data, &ScanOptions::new());
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert_eq!(
        err.to_string(),
        "invalid CSV at data/u.csv line 4 byte offset 14: invalid UTF-8 (bytes 0xff)"
    );
    // In the header.
    let err = error("data/u.csv", b"a\xc3(,b\n1,2\n", &ScanOptions::new());
    assert_eq!(
        err.to_string(),
        "invalid CSV at data/u.csv line 1 byte offset 1: invalid UTF-8 (bytes 0xc3)"
    );
}

#[test]
fn invalid_utf8_after_the_sample_in_gzip() {
    let mut data = b"a,b\n".to_vec();
    for i in 0..5000 {
        data.extend_from_slice(format!("{i},text\n").as_bytes());
    }
    data.extend_from_slice(b"5000,bad\xe9value\n");
    let gz = gz_input("late.csv.gz", gzip(&data));
    let err = decode_with(&CsvDecoder::csv(), &gz, &ScanOptions::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Parse);
    let offset = data.len() - b"\xe9value\n".len();
    assert_eq!(
        err.to_string(),
        format!(
            "invalid CSV at late.csv.gz line 5002 byte offset {offset}: invalid UTF-8 (bytes 0xe9)"
        )
    );
}

#[test]
fn type_mismatch_after_the_sample_names_line_and_column() {
    let mut data = String::from("id,n\n");
    for i in 2..5000 {
        data.push_str(&format!("{i},{i}\n"));
    }
    data.push_str("5000,abc\n5001,1\n");
    let err = error("data/a.csv", &data, &ScanOptions::new());
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert_eq!(
        err.to_string(),
        "invalid CSV at data/a.csv line 5000: column \"n\": cannot parse \"abc\" as Int64"
    );
    // The same in a later, smaller batch, with projection and through gzip.
    let opts = ScanOptions::new()
        .with_batch_size(100)
        .with_projection(["n"]);
    let gz = gz_input("data/a.csv.gz", gzip(data.as_bytes()));
    let err = decode_with(&CsvDecoder::csv(), &gz, &opts).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid CSV at data/a.csv.gz line 5000: column \"n\": cannot parse \"abc\" as Int64"
    );
}

#[test]
fn type_mismatch_for_bool_and_timestamp_columns() {
    let mut data = String::from("ok,t\n");
    for _ in 0..3 {
        data.push_str("true,2024-01-01T00:00:00\n");
    }
    let opts = ScanOptions::new().with_infer_rows(3);
    let err = error("b.csv", format!("{data}maybe,2024-01-01T00:00:00\n"), &opts);
    assert_eq!(
        err.to_string(),
        "invalid CSV at b.csv line 5: column \"ok\": cannot parse \"maybe\" as Boolean"
    );
    let err = error("b.csv", format!("{data}\"true\",\"x\ny\"\n"), &opts);
    assert!(
        err.to_string().starts_with(
            "invalid CSV at b.csv line 5: column \"t\": cannot parse \"x\\ny\" as Timestamp"
        ),
        "{err}"
    );
}

#[test]
fn null_in_a_non_nullable_column_names_the_line() {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("v", DataType::Utf8, true),
    ]));
    let opts = ScanOptions::new().with_schema(schema);
    let err = error("n.csv", "id,v\n1,a\n2,b\n,c\n", &opts);
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert_eq!(
        err.to_string(),
        "invalid CSV at n.csv line 4: column \"id\" is not nullable but has an empty value"
    );
}

#[test]
fn truncated_gzip_is_a_decompress_error() {
    let mut data = String::from("a,b\n");
    for i in 0..20_000 {
        data.push_str(&format!("{i},value {i}\n"));
    }
    let compressed = gzip(data.as_bytes());
    for cut in [compressed.len() / 2, compressed.len() - 4, 20] {
        let gz = gz_input("data/t.csv.gz", compressed[..cut].to_vec());
        let err = decode_with(&CsvDecoder::csv(), &gz, &ScanOptions::new()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decompress, "cut {cut}: {err}");
        assert!(
            err.to_string()
                .starts_with("corrupt or truncated gzip data in data/t.csv.gz: "),
            "{err}"
        );
    }
}

#[test]
fn corrupt_gzip_is_a_decompress_error() {
    let mut data = String::from("a,b,c\n");
    for i in 0..50_000 {
        data.push_str(&format!("{i},value {i},{}.5\n", i % 13));
    }
    let compressed = gzip(data.as_bytes());
    // Garbage decompressed before the gzip check fails (ragged rows, invalid UTF-8, bad
    // numbers) must not hide the decompression error.
    for (at, pattern) in [(2, 0xa5), (3, 0x5a), (5, 0xff), (7, 0x01)] {
        let mut corrupt = compressed.clone();
        let from = corrupt.len() * at / 10;
        for b in &mut corrupt[from..from + 16] {
            *b ^= pattern;
        }
        let gz = gz_input("data/c.csv.gz", corrupt);
        let err = decode_with(&CsvDecoder::csv(), &gz, &ScanOptions::new()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decompress, "{at}/10: {err}");
        assert!(
            err.to_string()
                .starts_with("corrupt or truncated gzip data in data/c.csv.gz: "),
            "{err}"
        );
    }
    // Not gzip at all.
    let gz = gz_input("data/c.csv.gz", b"not gzip at all".to_vec());
    let err = decode_with(&CsvDecoder::csv(), &gz, &ScanOptions::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decompress, "{err}");
}

#[test]
fn unknown_projected_column_lists_the_columns() {
    let opts = ScanOptions::new().with_projection(["a", "zz"]);
    let err = error("p.csv", "a,b\n1,2\n", &opts);
    assert_eq!(err.kind(), ErrorKind::UnknownColumn);
    assert_eq!(
        err.to_string(),
        "unknown column \"zz\" in p.csv; available columns: a, b"
    );
}

#[test]
fn an_unclosed_quote_never_panics() {
    let batches = decode("q.csv", "a,b\n1,\"open\n2,3\n", &ScanOptions::new()).unwrap();
    assert_eq!(strs(&batches[0], 1), some(&["open\n2,3\n"]));
}

#[test]
fn odd_options_and_schemas_never_panic() {
    // An explicit schema with no column, for data that has some.
    let opts = ScanOptions::new().with_schema(Arc::new(Schema::empty()));
    let err = error("z.csv", "a,b\n1,2\n", &opts);
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert_eq!(
        err.to_string(),
        "invalid CSV at z.csv line 2: expected 0 fields, found 2"
    );
    // Huge batch and sample sizes are capped, not allocated.
    let opts = ScanOptions::new()
        .with_batch_size(usize::MAX)
        .with_infer_rows(usize::MAX);
    let batches = decode("h.csv", "a\n1\n2\n", &opts).unwrap();
    assert_eq!(all_ints(&batches, 0), [Some(1), Some(2)]);
    // Duplicate header names are kept; projection takes the first.
    let b = one("a,a\n1,2\n", &ScanOptions::new().with_projection(["a"]));
    assert_eq!(ints(&b, 0), [Some(1)]);
}
