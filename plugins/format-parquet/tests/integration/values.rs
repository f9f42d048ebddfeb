//! Exact types and values of the fixtures written by pyarrow and pandas.

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::{DataType, TimeUnit};

use crate::*;

/// The values of column `name` as arrow displays them (`null` for nulls).
fn shown(batch: &RecordBatch, name: &str) -> Vec<String> {
    let col = batch.column_by_name(name).unwrap();
    let opts = FormatOptions::new().with_null("null");
    let f = ArrayFormatter::try_new(col.as_ref(), &opts).unwrap();
    (0..col.len()).map(|i| f.value(i).to_string()).collect()
}

fn types() -> RecordBatch {
    one(&read("types.parquet"))
}

#[test]
fn integers_keep_their_width_and_sign() {
    let b = types();
    let want = [
        ("i8", DataType::Int8, ["-128", "0", "127", "null"]),
        ("i16", DataType::Int16, ["-32768", "1", "32767", "null"]),
        (
            "i32",
            DataType::Int32,
            ["-2147483648", "2", "2147483647", "null"],
        ),
        (
            "i64",
            DataType::Int64,
            ["-9223372036854775808", "3", "9223372036854775807", "null"],
        ),
        ("u8", DataType::UInt8, ["0", "1", "255", "null"]),
        ("u16", DataType::UInt16, ["0", "2", "65535", "null"]),
        ("u32", DataType::UInt32, ["0", "3", "4294967295", "null"]),
        (
            "u64",
            DataType::UInt64,
            ["0", "9007199254740993", "18446744073709551615", "null"],
        ),
    ];
    for (name, dt, values) in want {
        assert_eq!(b.schema().field_with_name(name).unwrap().data_type(), &dt);
        assert_eq!(shown(&b, name), values, "{name}");
    }
}

#[test]
fn floats_bools_strings_and_binaries() {
    let b = types();
    let s = b.schema();
    let ty = |n: &str| s.field_with_name(n).unwrap().data_type().clone();
    assert_eq!(ty("f32"), DataType::Float32);
    assert_eq!(shown(&b, "f32"), ["1.5", "-0.25", "inf", "null"]);
    assert_eq!(ty("f64"), DataType::Float64);
    assert_eq!(shown(&b, "f64"), ["0.1", "NaN", "-1e300", "null"]);
    assert_eq!(ty("flag"), DataType::Boolean);
    assert_eq!(shown(&b, "flag"), ["true", "false", "null", "true"]);
    assert_eq!(ty("s"), DataType::Utf8);
    assert_eq!(shown(&b, "s"), ["a", "ünï ✓", "", "null"]);
    assert_eq!(ty("ls"), DataType::LargeUtf8);
    assert_eq!(shown(&b, "ls")[2], "x".repeat(40));
    assert_eq!(ty("bin"), DataType::Binary);
    let bin = b.column_by_name("bin").unwrap().as_binary::<i32>();
    assert_eq!(bin.value(0), b"\x00\x01");
    assert_eq!(bin.value(3), b"\xff\xff\xff\xff\xff");
    assert!(bin.is_null(2));
    assert_eq!(ty("lbin"), DataType::LargeBinary);
    assert_eq!(
        b.column_by_name("lbin")
            .unwrap()
            .as_binary::<i64>()
            .value(0),
        b"abc"
    );
    assert_eq!(ty("fbin"), DataType::FixedSizeBinary(4));
    assert_eq!(
        b.column_by_name("fbin")
            .unwrap()
            .as_fixed_size_binary()
            .value(3),
        b"wxyz"
    );
}

#[test]
fn dictionaries_dates_timestamps_and_decimals() {
    let b = types();
    let s = b.schema();
    let ty = |n: &str| s.field_with_name(n).unwrap().data_type().clone();
    assert_eq!(
        ty("dict"),
        DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
    );
    assert_eq!(shown(&b, "dict"), ["red", "green", "null", "red"]);
    assert_eq!(ty("date"), DataType::Date32);
    assert_eq!(
        shown(&b, "date"),
        ["2024-01-02", "1970-01-01", "null", "1900-02-28"]
    );
    assert_eq!(
        ty("ts_ms"),
        DataType::Timestamp(TimeUnit::Millisecond, None)
    );
    assert_eq!(shown(&b, "ts_ms")[0], "2024-01-02T03:04:05");
    assert_eq!(
        ty("ts_us_utc"),
        DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
    );
    assert_eq!(shown(&b, "ts_us_utc")[0], "2024-01-02T03:04:05.123456Z");
    assert_eq!(ty("dec"), DataType::Decimal128(10, 2));
    assert_eq!(shown(&b, "dec"), ["12.34", "-0.50", "null", "99999999.99"]);
}

#[test]
fn a_zone_is_kept_when_the_unit_changes() {
    // pyarrow wrote timestamp[s, America/New_York]; Parquet stores milliseconds, and pyarrow
    // reads timestamp[ms, America/New_York] back.
    let b = types();
    assert_eq!(
        b.schema().field_with_name("ts_ny").unwrap().data_type(),
        &DataType::Timestamp(TimeUnit::Millisecond, Some("America/New_York".into()))
    );
    assert_eq!(
        shown(&b, "ts_ny"),
        [
            "2024-01-01T22:04:05-05:00",
            "2024-07-01T08:00:00-04:00",
            "null",
            "1999-12-31T19:00:00-05:00"
        ]
    );
}

#[test]
fn nested_types() {
    let b = types();
    let s = b.schema();
    let ty = |n: &str| s.field_with_name(n).unwrap().data_type().to_string();
    assert_eq!(ty("list"), "List(Int64, field: 'element')");
    assert_eq!(shown(&b, "list"), ["[1, 2, 3]", "[]", "null", "[null, 5]"]);
    assert_eq!(shown(&b, "list_s"), ["[a]", "[b, null]", "null", "[]"]);
    assert_eq!(
        shown(&b, "nested"),
        ["[[1], [2, 3]]", "[]", "[null, []]", "null"]
    );
    assert_eq!(ty("st"), "Struct(\"a\": Int32, \"b\": Utf8)");
    assert_eq!(
        shown(&b, "st"),
        ["{a: 1, b: x}", "{a: null, b: y}", "null", "{a: 4, b: null}"]
    );
    assert_eq!(
        shown(&b, "st_list"),
        [
            "{xs: [1.5], t: {u: true}}",
            "{xs: [], t: null}",
            "null",
            "{xs: null, t: {u: false}}"
        ]
    );
    assert_eq!(
        shown(&b, "list_st"),
        ["[{k: 1}]", "[{k: null}, {k: 3}]", "null", "[]"]
    );
    assert!(matches!(
        s.field_with_name("map").unwrap().data_type(),
        DataType::Map(_, false)
    ));
    assert_eq!(
        shown(&b, "map"),
        ["{a: 1, b: 2}", "{}", "null", "{c: null}"]
    );
    assert_eq!(
        shown(&b, "map_int"),
        ["{1: one}", "null", "{}", "{2: null, 3: three}"]
    );
    assert_eq!(ty("fsl"), "FixedSizeList(3 x Int16, field: 'element')");
    assert_eq!(
        shown(&b, "fsl"),
        ["[1, 2, 3]", "[4, 5, 6]", "null", "[7, null, 9]"]
    );
}

#[test]
fn every_codec_reads_the_same_rows() {
    let reference = one(&read("codec_none.parquet"));
    assert_eq!(reference.num_rows(), 120);
    let ids = reference.column(0).as_primitive::<Int64Type>();
    assert_eq!(ids.value(119), 119);
    assert_eq!(shown(&reference, "text")[3], "r3ababab");
    assert_eq!(shown(&reference, "score")[11], "null");
    for codec in ["snappy", "gzip", "zstd", "lz4", "brotli"] {
        let got = one(&read(&format!("codec_{codec}.parquet")));
        assert_eq!(got, reference, "{codec}");
    }
}

#[test]
fn v2_pages_with_delta_encodings() {
    let b = one(&read("v2_delta.parquet"));
    assert_eq!(b.num_rows(), 215);
    let ids = b.column(0).as_primitive::<Int64Type>();
    assert_eq!(
        ids.values().iter().copied().collect::<Vec<_>>(),
        (0..1500).step_by(7).collect::<Vec<_>>()
    );
    assert_eq!(shown(&b, "name")[214], "name-01498");
    assert_eq!(b.column(2).as_binary::<i32>().value(1), b"b7");
    assert_eq!(shown(&b, "x")[2], "3.5");
}

#[test]
fn int96_timestamps() {
    let b = one(&read("int96.parquet"));
    assert_eq!(
        b.schema().field(0).data_type(),
        &DataType::Timestamp(TimeUnit::Nanosecond, None)
    );
    assert_eq!(
        shown(&b, "when"),
        [
            "2024-01-02T03:04:05",
            "1970-01-01T00:00:00",
            "null",
            "2262-04-11T23:47:16.123456"
        ]
    );
    assert_eq!(
        b.column(1).as_primitive::<Int32Type>().values(),
        &[1, 2, 3, 4]
    );
}

#[test]
fn pandas_index_columns_and_metadata() {
    let b = one(&read("pandas_index.parquet"));
    let s = b.schema();
    let names: Vec<_> = s.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, ["price", "label", "when", "count", "key"]);
    assert!(s.metadata()["pandas"].contains("\"index_columns\": [\"key\"]"));
    assert_eq!(shown(&b, "key"), ["x", "y", "z"]);
    assert_eq!(
        s.field_with_name("label").unwrap().data_type(),
        &DataType::Dictionary(Box::new(DataType::Int8), Box::new(DataType::LargeUtf8))
    );
    assert_eq!(shown(&b, "label"), ["a", "b", "a"]);
    assert_eq!(
        s.field_with_name("when").unwrap().data_type(),
        &DataType::Timestamp(TimeUnit::Microsecond, Some("Europe/Paris".into()))
    );
    assert_eq!(shown(&b, "when")[0], "2024-01-02T03:04:05+01:00");
    assert_eq!(shown(&b, "count"), ["1", "null", "3"]);

    let b = one(&read("pandas_unnamed_index.parquet"));
    assert_eq!(shown(&b, "__index_level_0__"), ["10", "30", "20"]);
}

#[test]
fn a_zero_row_file_has_its_schema_and_no_rows() {
    let input = local("empty.parquet");
    let stream = ParquetDecoder.open(&input, &ScanOptions::new()).unwrap();
    let s = stream.schema();
    assert_eq!(s.field(0).data_type(), &DataType::Int64);
    assert_eq!(s.field(1).data_type(), &DataType::Utf8);
    assert_eq!(stream.count(), 0);
    assert_eq!(
        ParquetDecoder
            .count_rows(&input, &ScanOptions::new())
            .unwrap()
            .unwrap(),
        0
    );
}
