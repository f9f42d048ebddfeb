//! Exact values decoded from JSON Lines.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, Field, Fields, Schema};
use sluice_core::{DecodeInput, Decoder, ScanOptions};
use sluice_format_json::JsonLinesDecoder;

use crate::*;

const NESTED: &str = r#"{"id": 1, "user": {"name": "ann", "age": 31}, "tags": ["a", "b"], "score": 1.5}
{"id": 2, "user": {"name": "bob"}, "tags": [], "score": null, "extra": true}

   
{"id": 3, "user": null, "tags": null}
"#;

#[test]
fn nested_objects_arrays_nulls_and_missing_keys() {
    let batches = ok(jsonl(NESTED, &ScanOptions::new()));
    assert_eq!(sizes(&batches), [3]);
    assert_eq!(names(&batches), ["id", "user", "tags", "score", "extra"]);
    let user_fields = Fields::from(vec![
        Field::new("name", DataType::Utf8, true),
        Field::new("age", DataType::Int64, true),
    ]);
    assert_eq!(dtype(&batches, "user"), DataType::Struct(user_fields));
    assert_eq!(
        dtype(&batches, "tags"),
        DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
    );
    assert_eq!(dtype(&batches, "extra"), DataType::Boolean);
    assert!(batches[0].schema().fields().iter().all(|f| f.is_nullable()));

    let b = &batches[0];
    assert_eq!(ints(&batches, "id"), [Some(1), Some(2), Some(3)]);
    assert_eq!(floats(&batches, "score"), [Some(1.5), None, None]);
    let extra = b.column(4).as_boolean();
    assert_eq!(extra.iter().collect::<Vec<_>>(), [None, Some(true), None]);

    let user = b.column(1).as_struct();
    assert_eq!(user.null_count(), 1);
    assert!(user.is_null(2));
    let name = user.column(0).as_string::<i32>();
    assert_eq!((name.value(0), name.value(1)), ("ann", "bob"));
    let age = user.column(1).as_primitive::<Int64Type>();
    assert_eq!((age.value(0), age.is_null(1)), (31, true));

    let tags = b.column(2).as_list::<i32>();
    assert_eq!(tags.value_offsets(), &[0, 2, 2, 2]);
    assert!(tags.is_valid(1) && tags.is_null(2));
    let items = tags.values().as_string::<i32>();
    assert_eq!((items.value(0), items.value(1)), ("a", "b"));
}

#[test]
fn int_float_widening_and_big_integers() {
    let data = concat!(
        "{\"n\": 1, \"f\": 2, \"u\": 1, \"m\": -1}\n",
        "{\"n\": 2, \"f\": 2.5, \"u\": 18446744073709551615, \"m\": 9223372036854775808}\n",
        "{\"n\": -9223372036854775808, \"f\": 1e3, \"u\": 9223372036854775808, \"m\": 0}\n",
    );
    let batches = ok(jsonl(data, &ScanOptions::new()));
    assert_eq!(dtype(&batches, "n"), DataType::Int64);
    assert_eq!(dtype(&batches, "f"), DataType::Float64);
    assert_eq!(dtype(&batches, "u"), DataType::UInt64);
    // Negative and above i64::MAX: no integer type holds both.
    assert_eq!(dtype(&batches, "m"), DataType::Float64);
    assert_eq!(ints(&batches, "n"), [Some(1), Some(2), Some(i64::MIN)]);
    assert_eq!(floats(&batches, "f"), [Some(2.0), Some(2.5), Some(1000.0)]);
    assert_eq!(
        uints(&batches, "u"),
        [Some(1), Some(u64::MAX), Some(1 << 63)]
    );
    assert_eq!(
        floats(&batches, "m"),
        [Some(-1.0), Some(9223372036854775808.0), Some(0.0)]
    );
}

#[test]
fn unicode_escapes_and_crlf() {
    let data = "{\"s\": \"caf\\u00e9 \\ud83d\\ude00\", \"k\\u00e9y\": \"\\\"q\\\"\\n\\t\\\\\"}\r\n\
                {\"s\": \"日本語\"}\r\n\r\n";
    let batches = ok(jsonl(data, &ScanOptions::new()));
    assert_eq!(names(&batches), ["s", "kéy"]);
    assert_eq!(
        strings(&batches, "s"),
        [Some("café 😀".to_string()), Some("日本語".to_string())]
    );
    assert_eq!(strings(&batches, "kéy"), [Some("\"q\"\n\t\\".into()), None]);
}

#[test]
fn bom_is_skipped() {
    let batches = ok(jsonl("\u{feff}{\"a\": 1}\n{\"a\": 2}", &ScanOptions::new()));
    assert_eq!(names(&batches), ["a"]);
    assert_eq!(ints(&batches, "a"), [Some(1), Some(2)]);
}

#[test]
fn all_null_column_has_null_type() {
    let batches = ok(jsonl(
        "{\"a\": null, \"b\": 1}\n{\"b\": 2}\n",
        &ScanOptions::new(),
    ));
    assert_eq!(dtype(&batches, "a"), DataType::Null);
    assert_eq!(batches[0].column(0).logical_null_count(), 2);
}

fn numbered(n: usize) -> String {
    (0..n)
        .map(|i| format!("{{\"i\": {i}, \"s\": \"v{i}\"}}\n"))
        .collect()
}

#[test]
fn batch_sizes_1_2_3() {
    let data = numbered(7);
    for (bs, want) in [(1, vec![1; 7]), (2, vec![2, 2, 2, 1]), (3, vec![3, 3, 1])] {
        let batches = ok(jsonl(&data, &ScanOptions::new().with_batch_size(bs)));
        assert_eq!(sizes(&batches), want, "batch size {bs}");
        let want_ids: Vec<_> = (0..7).map(Some).collect();
        assert_eq!(ints(&batches, "i"), want_ids);
    }
}

#[test]
fn sample_smaller_than_file_and_batches() {
    // The schema comes from the first 2 records; the rest (a widened key order, a key not
    // in the sample) decode against it.
    let data = format!(
        "{}{{\"s\": \"late\", \"i\": 100, \"new\": 1}}\n",
        numbered(5)
    );
    for bs in [1, 2, 3, 4, 10] {
        let opts = ScanOptions::new().with_infer_rows(2).with_batch_size(bs);
        let batches = ok(jsonl(&data, &opts));
        assert_eq!(
            names(&batches),
            ["i", "s"],
            "unknown keys after the sample are dropped"
        );
        assert_eq!(
            ints(&batches, "i"),
            [0, 1, 2, 3, 4, 100].map(Some),
            "batch size {bs}"
        );
        assert_eq!(strings(&batches, "s")[5].as_deref(), Some("late"));
        assert!(sizes(&batches).iter().all(|&n| n <= bs));
    }
}

#[test]
fn projection_picks_columns_in_order() {
    let opts = ScanOptions::new().with_projection(["score", "id"]);
    let batches = ok(jsonl(NESTED, &opts));
    assert_eq!(names(&batches), ["score", "id"]);
    assert_eq!(ints(&batches, "id"), [Some(1), Some(2), Some(3)]);
    assert_eq!(floats(&batches, "score"), [Some(1.5), None, None]);

    let e = err(jsonl(NESTED, &ScanOptions::new().with_projection(["nope"])));
    assert_eq!(e.kind(), sluice_core::ErrorKind::UnknownColumn);
    assert!(e.to_string().contains("data/x.jsonl"), "{e}");
}

#[test]
fn empty_projection_keeps_row_count() {
    let batches = ok(jsonl(
        NESTED,
        &ScanOptions::new().with_projection(Vec::<String>::new()),
    ));
    assert_eq!(sizes(&batches), [3]);
    assert_eq!(batches[0].num_columns(), 0);
}

#[test]
fn explicit_schema() {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, true),
        Field::new("score", DataType::Float64, true),
    ]));
    let batches = ok(jsonl(
        "{\"id\": \"x\", \"score\": 1}\n{\"other\": [1]}\n",
        &ScanOptions::new().with_schema(schema),
    ));
    assert_eq!(names(&batches), ["id", "score"]);
    assert_eq!(strings(&batches, "id"), [Some("x".into()), None]);
    assert_eq!(floats(&batches, "score"), [Some(1.0), None]);
}

#[test]
fn empty_inputs_are_zero_rows() {
    for data in ["", "\n\n  \r\n", "\u{feff}"] {
        let input = DecodeInput::new(
            Arc::new(sluice_core::MemorySource::new("data/x.jsonl", data)),
            None,
        );
        let stream = ok(JsonLinesDecoder.open(&input, &ScanOptions::new()));
        assert_eq!(stream.schema(), sluice_core::empty_schema());
        let batches: Vec<RecordBatch> = ok(stream.collect());
        assert!(batches.is_empty(), "{data:?}");
    }
}

#[test]
fn empty_objects_are_rows_without_columns() {
    let batches = ok(jsonl("{}\n{}\n", &ScanOptions::new()));
    assert_eq!(sizes(&batches), [2]);
    assert_eq!(batches[0].num_columns(), 0);
}

#[test]
fn large_input_across_buffer_refills() {
    // ~3 MiB: several refills of the 1 MiB buffer, read a few bytes at a time too.
    let n = 60_000;
    let data: String = (0..n)
        .map(|i| format!("{{\"i\": {i}, \"pad\": \"{}\"}}\n", "x".repeat(i % 70)))
        .collect();
    let want: i64 = (0..n as i64).sum();
    let opts = ScanOptions::new().with_batch_size(5000);
    let batches = ok(jsonl(&data, &opts));
    let sum: i64 = ints(&batches, "i").into_iter().flatten().sum();
    assert_eq!((sum, batches.len()), (want, 12));

    let input = DecodeInput::new(Arc::new(TrickleSource::new("t.jsonl", data, 997)), None);
    let batches: Vec<RecordBatch> = ok(ok(JsonLinesDecoder.open(&input, &opts)).collect());
    let sum: i64 = ints(&batches, "i").into_iter().flatten().sum();
    assert_eq!(sum, want);
}

#[test]
fn reads_from_a_local_file() {
    let dir = ok(tempfile::tempdir().map_err(|e| sluice_core::Error::from_io("tmp", e)));
    let path = dir.path().join("f.jsonl");
    ok(std::fs::write(&path, NESTED).map_err(|e| sluice_core::Error::from_io("tmp", e)));
    let location = sluice_core::Location::parse(path.to_str().unwrap_or_default());
    let file = ok(sluice_source_local::LocalFile::open(location));
    let input = DecodeInput::new(Arc::new(file), None);
    let batches: Vec<RecordBatch> =
        ok(ok(JsonLinesDecoder.open(&input, &ScanOptions::new())).collect());
    assert_eq!(ints(&batches, "id"), [Some(1), Some(2), Some(3)]);
}
