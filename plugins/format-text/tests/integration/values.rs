//! Exact values: line splitting, schema, projection, batching, gzip, registration.

use arrow_array::Array;
use arrow_schema::DataType;
use sluice_core::conformance::check_decoder;
use sluice_core::{Decoder, DecoderRegistration, ScanOptions};
use sluice_format_text::TextDecoder;

use crate::*;

#[test]
fn one_row_per_line_with_line_breaks_stripped() {
    assert_eq!(text_lines("a\nb\n"), ["a", "b"]);
    assert_eq!(text_lines("a\r\nb\r\n"), ["a", "b"]);
    assert_eq!(text_lines("a\nlast"), ["a", "last"]);
    assert_eq!(text_lines("a\n\n\nb"), ["a", "", "", "b"]);
    assert_eq!(text_lines("\n"), [""]);
    assert_eq!(text_lines("\r\n\r\n"), ["", ""]);
    assert_eq!(text_lines("x\ry\n"), ["x\ry"]);
    assert_eq!(text_lines("end\r"), ["end"]);
    assert_eq!(text_lines("  spaced \t\n"), ["  spaced \t"]);
    assert_eq!(
        text_lines("\u{feff}first\nzweite ü\n"),
        ["first", "zweite ü"]
    );
}

#[test]
fn schema_is_one_non_nullable_utf8_column() {
    let batches = decode("a\nb\n", &ScanOptions::new()).unwrap();
    let schema = batches[0].schema();
    assert_eq!(schema.fields().len(), 1);
    let field = schema.field(0);
    assert_eq!(
        (
            field.name().as_str(),
            field.data_type(),
            field.is_nullable()
        ),
        ("text", &DataType::Utf8, false)
    );
    assert_eq!(batches[0].column(0).null_count(), 0);
    let inferred = TextDecoder
        .infer_schema(&input("a.txt", "x"), &ScanOptions::new())
        .unwrap();
    assert_eq!(inferred, schema);
}

#[test]
fn empty_input_is_zero_rows_with_the_text_schema() {
    for data in ["", "\u{feff}"] {
        let stream = TextDecoder
            .open(&input("e.txt", data), &ScanOptions::new())
            .unwrap();
        assert_eq!(stream.schema(), TextDecoder::schema());
        assert_eq!(stream.count(), 0, "{data:?}");
    }
}

#[test]
fn batches_hold_at_most_batch_size_rows() {
    let data: String = (0..10).map(|i| format!("line {i}\n")).collect();
    let batches = decode(&data, &ScanOptions::new().with_batch_size(4)).unwrap();
    let sizes: Vec<usize> = batches.iter().map(|b| b.num_rows()).collect();
    assert_eq!(sizes, [4, 4, 2]);
    let want: Vec<String> = (0..10).map(|i| format!("line {i}")).collect();
    assert_eq!(lines(&batches), want);
}

#[test]
fn long_lines_and_large_inputs_cross_buffer_boundaries() {
    let long = "x".repeat(3 << 20);
    let mut data = format!("short\n{long}\r\n");
    for i in 0..200_000 {
        data.push_str(&format!("row {i} é\n"));
    }
    data.push_str("tail");
    let got = lines(&decode(&data, &ScanOptions::new()).unwrap());
    assert_eq!(got.len(), 200_003);
    assert_eq!(got[0], "short");
    assert_eq!(got[1], long);
    assert_eq!(got[2], "row 0 é");
    assert_eq!(got[200_001], "row 199999 é");
    assert_eq!(got[200_002], "tail");
    let gz = gz_input("big.txt.gz", gzip(data.as_bytes()));
    let via_gzip = lines(&decode_input(&gz, &ScanOptions::new()).unwrap());
    assert_eq!(via_gzip, got);
}

#[test]
fn projection_of_the_text_column() {
    let opts = ScanOptions::new().with_projection(["text", "text"]);
    let batches = decode("a\nb\n", &opts).unwrap();
    assert_eq!(batches[0].num_columns(), 2);
    assert_eq!(lines(&batches), ["a", "b"]);
    let opts = ScanOptions::new().with_projection(Vec::<String>::new());
    let batches = decode("a\nb\nc", &opts).unwrap();
    assert_eq!((batches[0].num_columns(), batches[0].num_rows()), (0, 3));
}

#[test]
fn explicit_utf8_schema_renames_the_column() {
    let schema = std::sync::Arc::new(arrow_schema::Schema::new(vec![arrow_schema::Field::new(
        "line",
        DataType::Utf8,
        true,
    )]));
    let opts = ScanOptions::new().with_schema(std::sync::Arc::clone(&schema));
    let batches = decode("a\n", &opts).unwrap();
    assert_eq!(batches[0].schema(), schema);
    assert_eq!(lines(&batches), ["a"]);
}

#[test]
fn conformance() {
    check_decoder(
        &TextDecoder,
        "sample.txt",
        b"first line\nsecond, with comma\r\n\nlast",
    );
}

#[test]
fn registered_as_text() {
    let ours: Vec<(&str, i32, Vec<String>)> = sluice_core::inventory::iter::<DecoderRegistration>
        .into_iter()
        .filter(|r| r.name == "text")
        .map(|r| {
            let d = (r.create)();
            (
                r.name,
                r.priority,
                d.extensions().iter().map(|e| e.to_string()).collect(),
            )
        })
        .collect();
    assert_eq!(
        ours,
        [("text", 50, vec!["txt".to_string(), "text".to_string()])]
    );
}
