//! Exact values: types, quoting, nulls, header handling, projection and batching.

use std::sync::Arc;

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Int32Type, TimestampMillisecondType, TimestampSecondType};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use sluice_core::{ScanOptions, empty_schema};
use sluice_format_csv::CsvDecoder;

use crate::*;

#[test]
fn infers_each_type_from_the_sample() {
    let data = "id,score,ok,name,when,day,ms\n\
                1,1.5,true,a,2024-01-02T03:04:05,2024-01-02,2024-01-02 03:04:05.250\n\
                -2,2,FALSE,b b,2024-01-02 03:04:06,2024-02-03,2024-01-02 03:04:05\n";
    let b = one(data, &ScanOptions::new());
    assert_eq!(
        names(&b),
        ["id", "score", "ok", "name", "when", "day", "ms"]
    );
    assert_eq!(
        types(&b),
        [
            DataType::Int64,
            DataType::Float64,
            DataType::Boolean,
            DataType::Utf8,
            DataType::Timestamp(TimeUnit::Second, None),
            DataType::Date32,
            DataType::Timestamp(TimeUnit::Millisecond, None),
        ]
    );
    assert_eq!(ints(&b, 0), [Some(1), Some(-2)]);
    assert_eq!(floats(&b, 1), [Some(1.5), Some(2.0)]);
    assert_eq!(bools(&b, 2), [Some(true), Some(false)]);
    assert_eq!(strs(&b, 3), some(&["a", "b b"]));
    let when = b.column(4).as_primitive::<TimestampSecondType>();
    assert_eq!(when.values(), &[1704164645, 1704164646]);
    let day = b.column(5).as_primitive::<Date32Type>();
    assert_eq!(day.values(), &[19724, 19756]);
    let ms = b.column(6).as_primitive::<TimestampMillisecondType>();
    assert_eq!(ms.values(), &[1704164645250, 1704164645000]);
}

#[test]
fn empty_cells_are_null_and_empty_columns_are_utf8() {
    let b = one("a,b,c\n1,,x\n,,\n3,,z\n", &ScanOptions::new());
    assert_eq!(types(&b), [DataType::Int64, DataType::Utf8, DataType::Utf8]);
    assert_eq!(ints(&b, 0), [Some(1), None, Some(3)]);
    assert_eq!(strs(&b, 1), [None, None, None]);
    assert_eq!(strs(&b, 2), [Some("x".into()), None, Some("z".into())]);
    assert_eq!(b.column(0).null_count(), 1);
}

#[test]
fn quoted_fields_hold_delimiters_doubled_quotes_and_newlines() {
    let data = "name,quote\n\"Smith, J\",\"say \"\"hi\"\"\"\n\"two\nlines\",\"a\r\nb\"\n";
    let b = one(data, &ScanOptions::new());
    assert_eq!(strs(&b, 0), some(&["Smith, J", "two\nlines"]));
    assert_eq!(strs(&b, 1), some(&["say \"hi\"", "a\r\nb"]));
}

#[test]
fn bom_is_not_part_of_the_first_name() {
    let b = one("\u{feff}id,v\n7,x\n", &ScanOptions::new());
    assert_eq!(names(&b), ["id", "v"]);
    assert_eq!(ints(&b, 0), [Some(7)]);
    // Without a header the BOM is not part of the first value either.
    let opts = ScanOptions::new().with_format_option("header", false);
    let b = one("\u{feff}7,x\n", &opts);
    assert_eq!(ints(&b, 0), [Some(7)]);
}

#[test]
fn crlf_line_ends() {
    let b = one("a,b\r\n1,x\r\n2,y\r\n", &ScanOptions::new());
    assert_eq!(names(&b), ["a", "b"]);
    assert_eq!(ints(&b, 0), [Some(1), Some(2)]);
    assert_eq!(strs(&b, 1), some(&["x", "y"]));
}

#[test]
fn last_line_without_newline_and_blank_lines() {
    let b = one("a,b\n\n1,x\n\n\n2,y", &ScanOptions::new());
    assert_eq!(ints(&b, 0), [Some(1), Some(2)]);
    assert_eq!(strs(&b, 1), some(&["x", "y"]));
}

#[test]
fn without_header_columns_are_f0_f1() {
    let opts = ScanOptions::new().with_format_option("header", false);
    let b = one("1,x\n2,y\n", &opts);
    assert_eq!(names(&b), ["f0", "f1"]);
    assert_eq!(ints(&b, 0), [Some(1), Some(2)]);
    assert_eq!(strs(&b, 1), some(&["x", "y"]));
}

#[test]
fn header_only_is_utf8_columns_and_no_rows() {
    let batches = decode("h.csv", "a,b\n", &ScanOptions::new()).unwrap();
    assert_eq!(total_rows(&batches), 0);
    let schema = CsvDecoder::csv()
        .infer_schema(&input("h.csv", "a,b\n"), &ScanOptions::new())
        .unwrap();
    assert_eq!(
        schema.as_ref(),
        &Schema::new(vec![
            Field::new("a", DataType::Utf8, true),
            Field::new("b", DataType::Utf8, true)
        ])
    );
}

#[test]
fn empty_inputs_are_zero_rows_with_an_empty_schema() {
    for data in ["", "\u{feff}", "\n\n", "  \r\n \t", "\u{feff}\r\n"] {
        let stream = CsvDecoder::csv()
            .open(&input("e.csv", data), &ScanOptions::new())
            .unwrap();
        assert_eq!(stream.schema(), empty_schema(), "{data:?}");
        let batches: Vec<_> = stream.collect::<Result<_, _>>().unwrap();
        assert_eq!(total_rows(&batches), 0, "{data:?}");
    }
    // With an explicit schema, the schema is kept.
    let schema = Arc::new(Schema::new(vec![Field::new("a", DataType::Int64, true)]));
    let opts = ScanOptions::new().with_schema(Arc::clone(&schema));
    let stream = CsvDecoder::csv().open(&input("e.csv", ""), &opts).unwrap();
    assert_eq!(stream.schema(), schema);
}

#[test]
fn tsv_uses_tabs() {
    let data = "a\tb\n1\tx,y\n2\t\"q\tq\"\n";
    let batches = decode_with(
        &CsvDecoder::tsv(),
        &input("t.tsv", data),
        &ScanOptions::new(),
    )
    .unwrap();
    let b = &batches[0];
    assert_eq!(names(b), ["a", "b"]);
    assert_eq!(ints(b, 0), [Some(1), Some(2)]);
    assert_eq!(strs(b, 1), some(&["x,y", "q\tq"]));
}

#[test]
fn custom_delimiter_quote_escape_and_comment() {
    let opts = ScanOptions::new()
        .with_format_option("delimiter", ";")
        .with_format_option("quote", "'")
        .with_format_option("escape", "\\")
        .with_format_option("comment", "#");
    let data = "# generated\na;b\n1;'x;y'\n# middle\n2;'it\\'s'\n";
    let b = one(data, &opts);
    assert_eq!(names(&b), ["a", "b"]);
    assert_eq!(ints(&b, 0), [Some(1), Some(2)]);
    assert_eq!(strs(&b, 1), some(&["x;y", "it's"]));
}

#[test]
fn explicit_schema_is_used_without_inference() {
    let schema = Arc::new(Schema::new(vec![
        Field::new("a", DataType::Utf8, true),
        Field::new("b", DataType::Int32, true),
    ]));
    let opts = ScanOptions::new().with_schema(Arc::clone(&schema));
    let b = one("x,y\n007,1\n,2\n", &opts);
    assert_eq!(b.schema(), schema);
    assert_eq!(strs(&b, 0), [Some("007".into()), None]);
    assert_eq!(b.column(1).as_primitive::<Int32Type>().values(), &[1, 2]);
    // Without a header the first line is data.
    let opts = opts.with_format_option("header", false);
    let b = one("1,2\n3,4\n", &opts);
    assert_eq!(strs(&b, 0), some(&["1", "3"]));
}

#[test]
fn projection_yields_the_requested_order() {
    let opts = ScanOptions::new().with_projection(["c", "a"]);
    let b = one("a,b,c\n1,x,1.5\n2,y,2.5\n", &opts);
    assert_eq!(names(&b), ["c", "a"]);
    assert_eq!(types(&b), [DataType::Float64, DataType::Int64]);
    assert_eq!(floats(&b, 0), [Some(1.5), Some(2.5)]);
    assert_eq!(ints(&b, 1), [Some(1), Some(2)]);
    // No columns: the rows are still counted.
    let opts = ScanOptions::new().with_projection(Vec::<String>::new());
    let b = one("a,b\n1,2\n3,4\n", &opts);
    assert_eq!((b.num_columns(), b.num_rows()), (0, 2));
}

#[test]
fn batches_hold_at_most_batch_size_rows() {
    let mut data = String::from("n,s\n");
    for i in 0..10 {
        data.push_str(&format!("{i},\"v\n{i}\"\n"));
    }
    let opts = ScanOptions::new().with_batch_size(3);
    let batches = decode("b.csv", &data, &opts).unwrap();
    let sizes: Vec<usize> = batches.iter().map(|b| b.num_rows()).collect();
    assert_eq!(sizes, [3, 3, 3, 1]);
    assert_eq!(all_ints(&batches, 0), (0..10).map(Some).collect::<Vec<_>>());
    assert_eq!(strs(&batches[3], 1), some(&["v\n9"]));
}

#[test]
fn large_input_crosses_buffer_boundaries() {
    // About 3 MiB with quoted line breaks, read through 1 MiB refills.
    let mut data = String::from("id,text,x\n");
    let rows = 60_000;
    for i in 0..rows {
        data.push_str(&format!(
            "{i},\"line one {i}\nline two, with comma\",{}.5\n",
            i % 7
        ));
    }
    let batches = decode("big.csv", &data, &ScanOptions::new()).unwrap();
    assert_eq!(total_rows(&batches), rows);
    assert!(batches.iter().all(|b| b.num_rows() <= 8192));
    let ids = all_ints(&batches, 0);
    assert_eq!(ids, (0..rows as i64).map(Some).collect::<Vec<_>>());
    let last = batches.last().unwrap();
    assert_eq!(
        strs(last, 1).last().unwrap().as_deref(),
        Some("line one 59999\nline two, with comma")
    );
    // The same through gzip.
    let gz = gz_input("big.csv.gz", gzip(data.as_bytes()));
    let batches = decode_with(&CsvDecoder::csv(), &gz, &ScanOptions::new()).unwrap();
    assert_eq!(all_ints(&batches, 0), ids);
}

#[test]
fn gzip_input_and_concatenated_members() {
    let mut compressed = gzip(b"a,b\n1,x\n");
    compressed.extend(gzip(b"2,y\n"));
    let batches = decode_with(
        &CsvDecoder::csv(),
        &gz_input("data/m.csv.gz", compressed),
        &ScanOptions::new(),
    )
    .unwrap();
    assert_eq!(all_ints(&batches, 0), [Some(1), Some(2)]);
    assert_eq!(strs(&batches[0], 1), some(&["x", "y"]));
}

#[test]
fn infer_rows_limits_the_sample() {
    // With a sample of 2 rows the column is Int64; with 3 it is Float64.
    let data = "v\n1\n2\n3.5\n";
    let opts = ScanOptions::new().with_infer_rows(3);
    let b = one(data, &opts);
    assert_eq!(floats(&b, 0), [Some(1.0), Some(2.0), Some(3.5)]);
    let schema = CsvDecoder::csv()
        .infer_schema(
            &input("s.csv", data),
            &ScanOptions::new().with_infer_rows(2),
        )
        .unwrap();
    assert_eq!(schema.field(0).data_type(), &DataType::Int64);
}
