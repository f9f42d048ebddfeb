//! Exact values decoded from JSON documents (top-level arrays and objects).

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_schema::{DataType, Field, Fields};
use sluice_core::{DecodeInput, Decoder, ScanOptions};
use sluice_format_json::JsonDecoder;

use crate::*;

const PRETTY: &str = r#"[
  {
    "id": 1,
    "name": "a, [b] {c}",
    "point": {"x": 1.5, "y": -2},
    "list": [
      [1, 2],
      []
    ]
  },
  {"id": 2, "name": null},

  {
    "id": 3,
    "point": {
      "y": 7
    }
  }
]
"#;

#[test]
fn pretty_printed_array() {
    for bs in [1, 2, 3, 100] {
        let batches = ok(json(PRETTY, &ScanOptions::new().with_batch_size(bs)));
        assert!(sizes(&batches).iter().all(|&n| n <= bs));
        assert_eq!(names(&batches), ["id", "name", "point", "list"]);
        assert_eq!(
            dtype(&batches, "point"),
            DataType::Struct(Fields::from(vec![
                Field::new("x", DataType::Float64, true),
                Field::new("y", DataType::Int64, true),
            ]))
        );
        let inner = DataType::List(Arc::new(Field::new_list_field(DataType::Int64, true)));
        assert_eq!(
            dtype(&batches, "list"),
            DataType::List(Arc::new(Field::new_list_field(inner, true)))
        );
        assert_eq!(ints(&batches, "id"), [Some(1), Some(2), Some(3)]);
        assert_eq!(
            strings(&batches, "name"),
            [Some("a, [b] {c}".into()), None, None]
        );
        let ys: Vec<_> = batches
            .iter()
            .flat_map(|b| {
                let point = b.column(2).as_struct();
                point
                    .column(1)
                    .as_primitive::<Int64Type>()
                    .iter()
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(ys, [Some(-2), None, Some(7)]);
    }
}

#[test]
fn single_top_level_object() {
    let batches = ok(json(
        "\u{feff}\n{\n  \"a\": 1,\n  \"b\": [true]\n}\n",
        &ScanOptions::new(),
    ));
    assert_eq!(sizes(&batches), [1]);
    assert_eq!(names(&batches), ["a", "b"]);
    assert_eq!(ints(&batches, "a"), [Some(1)]);
}

#[test]
fn concatenated_top_level_objects() {
    // JSON Lines saved as `.json` is common; each top-level object is a row.
    let batches = ok(json(
        "{\"a\": 1}\n{\"a\": 2}\n{\n\"a\": 3}",
        &ScanOptions::new(),
    ));
    assert_eq!(ints(&batches, "a"), [Some(1), Some(2), Some(3)]);
}

#[test]
fn empty_documents_are_zero_rows() {
    for data in ["", "  \n", "[]", " [ \n ] \n"] {
        let input = DecodeInput::new(
            Arc::new(sluice_core::MemorySource::new("data/x.json", data)),
            None,
        );
        let stream = ok(JsonDecoder.open(&input, &ScanOptions::new()));
        assert_eq!(stream.schema(), sluice_core::empty_schema(), "{data:?}");
        let batches: Vec<RecordBatch> = ok(stream.collect());
        assert!(batches.is_empty(), "{data:?}");
    }
}

#[test]
fn sample_boundary_and_projection() {
    let data = format!(
        "[{}]",
        (0..10)
            .map(|i| format!("{{\"i\": {i},\n \"f\": {i}.5}}"))
            .collect::<Vec<_>>()
            .join(",\n")
    );
    let opts = ScanOptions::new()
        .with_infer_rows(3)
        .with_batch_size(4)
        .with_projection(["f", "i"]);
    let batches = ok(json(&data, &opts));
    assert_eq!(sizes(&batches), [4, 4, 2]);
    assert_eq!(names(&batches), ["f", "i"]);
    assert_eq!(ints(&batches, "i"), (0..10).map(Some).collect::<Vec<_>>());
    assert_eq!(
        floats(&batches, "f"),
        (0..10).map(|i| Some(i as f64 + 0.5)).collect::<Vec<_>>()
    );
}

#[test]
fn large_array_streams_through_small_reads() {
    let n = 40_000;
    let body: Vec<String> = (0..n)
        .map(|i| format!("{{\"i\": {i}, \"s\": \"{}\\\"]}}\"}}", "y".repeat(i % 50)))
        .collect();
    let data = format!("[\n{}\n]\n", body.join(",\n"));
    assert!(data.len() > 1 << 20);
    let want: i64 = (0..n as i64).sum();
    for chunk in [1 << 20, 4093] {
        let input = DecodeInput::new(
            Arc::new(TrickleSource::new("t.json", data.clone(), chunk)),
            None,
        );
        let opts = ScanOptions::new().with_batch_size(3000);
        let batches: Vec<RecordBatch> = ok(ok(JsonDecoder.open(&input, &opts)).collect());
        let sum: i64 = ints(&batches, "i").into_iter().flatten().sum();
        assert_eq!(sum, want);
        assert_eq!(batches.len(), 14);
        let last = strings(&batches, "s").pop().flatten();
        assert_eq!(last, Some(format!("{}\"]}}", "y".repeat((n - 1) % 50))));
    }
}

/// `n` elements of about 2 KiB each, separated by runs of whitespace.
fn wide_elements(n: usize) -> String {
    let body: Vec<String> = (0..n)
        .map(|i| format!("{{\"i\": {i}, \"pad\": \"{}\"}}", "p".repeat(2000)))
        .collect();
    format!("[{}]", body.join(",\n   \n"))
}

#[test]
fn sample_larger_than_the_buffer() {
    // 1500 records of 2 KiB: the sample outgrows the 1 MiB buffer while it is held.
    let data = wide_elements(1500);
    for chunk in [1 << 20, 65_521] {
        let input = DecodeInput::new(
            Arc::new(TrickleSource::new("t.json", data.clone(), chunk)),
            None,
        );
        let opts = ScanOptions::new()
            .with_infer_rows(1200)
            .with_batch_size(700);
        let batches: Vec<RecordBatch> = ok(ok(JsonDecoder.open(&input, &opts)).collect());
        assert_eq!(ints(&batches, "i"), (0..1500).map(Some).collect::<Vec<_>>());
        assert!(
            strings(&batches, "pad")
                .iter()
                .all(|s| s.as_deref().map(str::len) == Some(2000))
        );
    }
    let lines = data[1..data.len() - 1].replace(",\n   \n", "\n\n");
    let opts = ScanOptions::new()
        .with_infer_rows(1200)
        .with_batch_size(700);
    let batches = ok(jsonl(&lines, &opts));
    assert_eq!(ints(&batches, "i"), (0..1500).map(Some).collect::<Vec<_>>());
}

#[test]
fn error_located_in_a_batch_larger_than_the_buffer() {
    // One batch of 2 MiB; its last record does not fit the inferred type.
    let mut data = wide_elements(1000);
    data.truncate(data.len() - 1);
    data.push_str(",\n{\"i\": \"late\"}]");
    let line = data.matches('\n').count() + 1;
    let opts = ScanOptions::new().with_infer_rows(5).with_batch_size(5000);
    let input = DecodeInput::new(Arc::new(TrickleSource::new("t.json", data, 8191)), None);
    let e = err(ok(JsonDecoder.open(&input, &opts)).collect::<sluice_core::Result<Vec<_>>>());
    let msg = e.to_string();
    assert!(
        msg.starts_with(&format!(
            "invalid JSON at t.json line {line}: whilst decoding field 'i'"
        )),
        "{msg}"
    );
}
