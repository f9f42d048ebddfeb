//! Bad inputs: every error has the right kind and names the file and the exact line.

use sluice_core::{Error, ErrorKind, ScanOptions};

use crate::*;

/// Asserts the kind, that the message names `at` (e.g. `data/x.jsonl line 3:`), and that
/// it contains `detail`.
fn check(e: Error, kind: ErrorKind, at: &str, detail: &str) {
    let msg = e.to_string();
    assert_eq!(e.kind(), kind, "{msg}");
    assert!(msg.contains(at), "{msg:?} does not name {at:?}");
    assert!(msg.contains(detail), "{msg:?} does not contain {detail:?}");
}

fn opts() -> ScanOptions {
    ScanOptions::new()
}

const MALFORMED: &str = "{\"a\": 1}\n\n{\"a\": 2}\n{\"a\": 3 x}\n{\"a\": 4}\n";

#[test]
fn malformed_line_in_the_sample() {
    let e = err(jsonl(MALFORMED, &opts()));
    check(
        e,
        ErrorKind::Parse,
        "invalid JSON at data/x.jsonl line 4:",
        "expected ',' or '}', found 'x'",
    );
}

#[test]
fn malformed_line_after_the_sample() {
    for bs in [1, 2, 10] {
        let e = err(jsonl(
            MALFORMED,
            &opts().with_infer_rows(1).with_batch_size(bs),
        ));
        check(
            e,
            ErrorKind::Parse,
            "data/x.jsonl line 4:",
            "expected ',' or '}', found 'x'",
        );
    }
    // Rows before the bad line are delivered first with batch size 1.
    let input = sluice_core::DecodeInput::new(
        std::sync::Arc::new(sluice_core::MemorySource::new("data/x.jsonl", MALFORMED)),
        None,
    );
    let opts = opts().with_infer_rows(1).with_batch_size(1);
    let results: Vec<_> = ok(sluice_format_json::JsonLinesDecoder.open(&input, &opts)).collect();
    assert_eq!(results.len(), 3, "two rows, then the error, then nothing");
    assert!(results[0].is_ok() && results[1].is_ok() && results[2].is_err());
}

#[test]
fn truncated_last_line_and_two_objects_on_a_line() {
    let e = err(jsonl(
        "{\"a\": 1}\n{\"a\": [1, 2",
        &opts().with_infer_rows(1),
    ));
    check(
        e,
        ErrorKind::Parse,
        "data/x.jsonl line 2:",
        "found the end of the record",
    );
    for infer in [1, 10] {
        let data = "{\"a\": 1}\n{\"a\": 2}\n{\"a\": 3} {\"a\": 4}\n";
        let e = err(jsonl(data, &opts().with_infer_rows(infer)));
        check(
            e,
            ErrorKind::Parse,
            "data/x.jsonl line 3:",
            "expected the end of the record after the JSON object, found an object",
        );
    }
}

#[test]
fn type_conflict_in_the_sample_names_the_column() {
    let data = "{\"a\": 1}\n{\"b\": 2}\n\n{\"a\": \"x\"}\n";
    let e = err(jsonl(data, &opts()));
    check(
        e,
        ErrorKind::Schema,
        "data/x.jsonl",
        "column \"a\" is a number at line 1 but a string at line 4",
    );
    let data = "[{\"s\": {\"t\": [true]}},\n {\"s\": {\"t\": [1]}}]";
    let e = err(json(data, &opts()));
    check(
        e,
        ErrorKind::Schema,
        "data/x.json",
        "column \"s.t.[]\" is a boolean at line 1 but a number at line 2",
    );
}

#[test]
fn value_after_the_sample_that_does_not_fit() {
    let data = "{\"a\": 1}\n{\"a\": 2}\n{\"a\": 3}\n{\"a\": \"x\"}\n";
    for bs in [1, 3, 100] {
        let e = err(jsonl(data, &opts().with_infer_rows(2).with_batch_size(bs)));
        check(
            e,
            ErrorKind::Parse,
            "data/x.jsonl line 4:",
            "whilst decoding field 'a': failed to parse \"x\" as Int64 (column types were \
             inferred from the first 2 records",
        );
    }
    // A fraction in an integer column is an error, not a silent truncation.
    let data = "{\"a\": 1}\n{\"a\": 2.0}\n{\"a\": 2.5}\n";
    let e = err(jsonl(data, &opts().with_infer_rows(1)));
    check(
        e,
        ErrorKind::Parse,
        "data/x.jsonl line 3:",
        "expected an integer, got 2.5",
    );
    // A column that was null in the whole sample.
    let data = "{\"a\": null}\n{\"a\": [1]}\n";
    let e = err(jsonl(data, &opts().with_infer_rows(1)));
    check(
        e,
        ErrorKind::Parse,
        "data/x.jsonl line 2:",
        "field 'a': expected null",
    );
}

#[test]
fn invalid_utf8() {
    let mut data = b"{\"a\": \"x\"}\n{\"a\": \"".to_vec();
    data.extend_from_slice(b"\xff\xfe\"}\n{\"a\": \"z\"}\n");
    for infer in [1, 10] {
        let e = err(decode_with(
            &sluice_format_json::JsonLinesDecoder,
            "data/x.jsonl",
            data.clone(),
            &opts().with_infer_rows(infer),
            None,
        ));
        check(e, ErrorKind::Parse, "data/x.jsonl line 2:", "invalid UTF-8");
    }
    // Outside a string.
    let data = b"[{\"a\": 1},\n{\"a\": 2}\xff]".to_vec();
    let e = err(decode_with(
        &sluice_format_json::JsonDecoder,
        "data/x.json",
        data,
        &opts(),
        None,
    ));
    check(e, ErrorKind::Parse, "data/x.json line 2:", "byte 0xff");
}

#[test]
fn truncated_array_and_missing_comma() {
    let e = err(json("[{\"a\": 1},\n {\"a\": 2}\n\n", &opts()));
    check(
        e,
        ErrorKind::Parse,
        "invalid JSON at data/x.json line 2:",
        "unexpected end of input inside the top-level array (missing ']')",
    );
    let e = err(json("[{\"a\": 1},\n {\"a\":\n 2", &opts()));
    check(
        e,
        ErrorKind::Parse,
        "data/x.json line 2:",
        "unexpected end of input inside a JSON object",
    );
    let e = err(json("[\n{\"a\": 1}\n{\"a\": 2}]", &opts()));
    check(
        e,
        ErrorKind::Parse,
        "data/x.json line 3:",
        "missing ',' between array elements",
    );
    let e = err(json("[{\"a\": 1}] ,", &opts()));
    check(
        e,
        ErrorKind::Parse,
        "data/x.json line 1:",
        "expected the end of input after the top-level array",
    );
}

#[test]
fn scalars_are_not_records() {
    let e = err(jsonl("{\"a\": 1}\n\n  \"text\"\n", &opts()));
    check(
        e,
        ErrorKind::Parse,
        "data/x.jsonl line 3:",
        "expected a JSON object on each line, found a string",
    );
    let e = err(json("[{\"a\": 1},\n 42]", &opts()));
    check(
        e,
        ErrorKind::Parse,
        "data/x.json line 2:",
        "expected every array element to be a JSON object, found a number",
    );
    let e = err(json("\n\ntrue", &opts()));
    check(
        e,
        ErrorKind::Parse,
        "data/x.json line 3:",
        "expected a JSON array of objects or a JSON object, found a boolean",
    );
}

#[test]
fn malformed_pretty_element_points_at_the_line() {
    // After the sample, the strict parser re-reads the failing element for the exact line.
    let data = "[{\"a\": 1},\n{\n  \"a\": 2,\n  \"b\" 3\n}]";
    for infer in [1, 10] {
        let e = err(json(data, &opts().with_infer_rows(infer)));
        check(
            e,
            ErrorKind::Parse,
            "data/x.json line 4:",
            "expected ':' after a key",
        );
    }
}

#[test]
fn unknown_format_option() {
    let o = opts().with_format_option("delimiter", ",");
    let e = err(jsonl("{}\n", &o));
    check(
        e,
        ErrorKind::InvalidOption,
        "unknown jsonl option(s) delimiter",
        "",
    );
    use sluice_core::Decoder;
    let e = err(sluice_format_json::JsonDecoder.validate_options(&o));
    check(
        e,
        ErrorKind::InvalidOption,
        "unknown json option(s) delimiter",
        "",
    );
    assert!(
        sluice_format_json::JsonDecoder
            .validate_options(&opts())
            .is_ok()
    );
}
