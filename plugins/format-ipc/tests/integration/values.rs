//! Exact types and values of the pyarrow fixtures, projection, batch sizes, row counts.

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt64Type,
};
use arrow_schema::{DataType, Field, TimeUnit};
use sluice_core::{Decoder, ScanOptions};
use sluice_format_ipc::IpcDecoder;

use crate::{column, decode, fixture, input, sizes};

/// The files holding the same 12 rows of `mixed(12)` in batches of 5.
const MIXED: &[&str] = &[
    "file_plain.arrow",
    "file_zstd.arrow",
    "feather_lz4.feather",
    "stream.arrows",
    "stream_named.arrow",
];

#[test]
fn flat_types_and_values_are_exact_in_every_flavour() {
    for name in MIXED {
        let batches = decode(name, &ScanOptions::new()).unwrap();
        assert_eq!(sizes(&batches), [5, 5, 2], "{name}");
        let schema = batches[0].schema();
        let types: Vec<(&str, &DataType)> = schema
            .fields()
            .iter()
            .map(|f| (f.name().as_str(), f.data_type()))
            .collect();
        assert_eq!(
            types,
            [
                ("id", &DataType::Int64),
                ("small", &DataType::Int8),
                ("big", &DataType::UInt64),
                ("ratio", &DataType::Float64),
                ("half", &DataType::Float32),
                ("flag", &DataType::Boolean),
                ("name", &DataType::Utf8),
            ],
            "{name}"
        );
        let ids = column(&batches, "id", |a, i| {
            a.as_primitive::<Int64Type>().value(i)
        });
        assert_eq!(ids, (0..12).collect::<Vec<i64>>(), "{name}");
        let small = column(&batches, "small", |a, i| {
            a.as_primitive::<Int8Type>().value(i)
        });
        assert_eq!(small, (-100..-88).collect::<Vec<i8>>(), "{name}");
        let big = column(&batches, "big", |a, i| {
            a.as_primitive::<UInt64Type>().value(i)
        });
        assert_eq!(big[..4], [1 << 63, 1, 2, (1 << 63) + 3], "{name}");
        let ratio = column(&batches, "ratio", |a, i| {
            a.is_valid(i)
                .then(|| a.as_primitive::<Float64Type>().value(i))
        });
        assert_eq!(
            ratio[..6],
            [
                Some(0.0),
                Some(0.25),
                Some(0.5),
                Some(0.75),
                None,
                Some(1.25)
            ]
        );
        let half = column(&batches, "half", |a, i| {
            a.as_primitive::<Float32Type>().value(i)
        });
        assert_eq!(half[..3], [-1.0, -0.5, 0.0], "{name}");
        let flag = column(&batches, "flag", |a, i| {
            a.is_valid(i).then(|| a.as_boolean().value(i))
        });
        assert_eq!(flag[5..8], [Some(false), None, Some(false)], "{name}");
        let text = column(&batches, "name", |a, i| {
            a.is_valid(i)
                .then(|| a.as_string::<i32>().value(i).to_string())
        });
        assert_eq!(text[0].as_deref(), Some("row 0 ü"), "{name}");
        assert_eq!(text[5], None, "{name}");
        assert_eq!(text[11].as_deref(), None, "{name}");
    }
}

#[test]
fn nested_dictionary_and_zoned_types_are_exact() {
    for name in ["nested.arrow", "nested_stream.arrows"] {
        let batches = decode(name, &ScanOptions::new()).unwrap();
        assert_eq!(sizes(&batches), [3, 1], "{name}");
        let schema = batches[0].schema();
        let utf8_list = DataType::List(Field::new("item", DataType::Utf8, true).into());
        assert_eq!(schema.field(0).data_type(), &utf8_list, "{name}");
        assert_eq!(
            schema.field(2).data_type(),
            &DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
        );
        assert_eq!(
            schema.field(3).data_type(),
            &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
        );
        assert_eq!(
            schema.field(4).data_type(),
            &DataType::Timestamp(TimeUnit::Second, Some("America/New_York".into()))
        );
        assert_eq!(
            schema.field(5).data_type(),
            &DataType::Timestamp(TimeUnit::Millisecond, None)
        );
        assert_eq!(schema.field(6).data_type(), &DataType::Date32);
        assert_eq!(schema.field(7).data_type(), &DataType::Binary);
        assert_eq!(schema.field(8).data_type(), &DataType::LargeUtf8);
        assert_eq!(
            schema.field(9).data_type(),
            &DataType::FixedSizeList(Field::new("item", DataType::Int16, true).into(), 2)
        );

        let tags = column(&batches, "tags", |a, i| {
            a.is_valid(i).then(|| {
                let l = a.as_list::<i32>().value(i);
                (0..l.len())
                    .map(|j| l.as_string::<i32>().value(j).to_string())
                    .collect::<Vec<_>>()
            })
        });
        assert_eq!(
            tags,
            [
                Some(vec!["a".to_string(), "b".into()]),
                Some(vec![]),
                None,
                Some(vec!["c".into()])
            ]
        );
        let x = column(&batches, "point", |a, i| {
            a.is_valid(i)
                .then(|| a.as_struct().column(0).as_primitive::<Int32Type>().value(i))
        });
        assert_eq!(x, [Some(1), None, Some(-3), Some(0)], "{name}");
        let color = column(&batches, "color", |a, i| {
            let d = a.as_dictionary::<Int32Type>();
            d.is_valid(i).then(|| {
                let k = d.keys().value(i) as usize;
                d.values().as_string::<i32>().value(k).to_string()
            })
        });
        assert_eq!(
            color,
            [
                Some("red".to_string()),
                Some("green".into()),
                Some("red".into()),
                None
            ]
        );
        let at = column(&batches, "at_utc", |a, i| {
            a.is_valid(i).then(|| {
                a.as_primitive::<arrow_array::types::TimestampMicrosecondType>()
                    .value(i)
            })
        });
        assert_eq!(
            at,
            [
                Some(1_704_164_645_000_000),
                None,
                Some(946_684_799_000_000),
                Some(1_907_757_000_000_000)
            ]
        );
        let ny = column(&batches, "at_ny", |a, i| {
            a.is_valid(i).then(|| {
                a.as_primitive::<arrow_array::types::TimestampSecondType>()
                    .value(i)
            })
        });
        assert_eq!(
            ny,
            [Some(1_704_164_645), Some(0), None, Some(1_900_000_000)]
        );
        let day = column(&batches, "day", |a, i| {
            a.is_valid(i)
                .then(|| a.as_primitive::<arrow_array::types::Date32Type>().value(i))
        });
        assert_eq!(day, [Some(19_724), Some(0), None, Some(47_481)]);
        let blob = column(&batches, "blob", |a, i| {
            a.is_valid(i)
                .then(|| a.as_binary::<i32>().value(i).to_vec())
        });
        assert_eq!(
            blob,
            [Some(vec![0, 255]), Some(vec![]), None, Some(b"hi".to_vec())]
        );
        let long = column(&batches, "long_text", |a, i| {
            a.is_valid(i)
                .then(|| a.as_string::<i64>().value(i).to_string())
        });
        assert_eq!(
            long,
            [
                Some("xxx".to_string()),
                None,
                Some(String::new()),
                Some("end".into())
            ]
        );
        let matrix = column(&batches, "matrix", |a, i| {
            a.is_valid(i).then(|| {
                let v = a.as_fixed_size_list().value(i);
                v.as_primitive::<Int16Type>().values().to_vec()
            })
        });
        assert_eq!(
            matrix,
            [Some(vec![1, 2]), Some(vec![3, 4]), None, Some(vec![5, 6])]
        );
    }
}

#[test]
fn projection_keeps_the_requested_order_in_both_formats() {
    let opts = ScanOptions::new().with_projection(["name", "id"]);
    for name in MIXED {
        let batches = decode(name, &opts).unwrap();
        let schema = batches[0].schema();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, ["name", "id"], "{name}");
        let ids = column(&batches, "id", |a, i| {
            a.as_primitive::<Int64Type>().value(i)
        });
        assert_eq!(ids, (0..12).collect::<Vec<i64>>(), "{name}");
        assert_eq!(batches[0].column(0).as_string::<i32>().value(1), "row 1 ü");
    }
    let empty = decode(
        "file_plain.arrow",
        &ScanOptions::new().with_projection(Vec::<String>::new()),
    )
    .unwrap();
    assert_eq!(sizes(&empty), [5, 5, 2]);
    assert_eq!(empty[0].num_columns(), 0);
}

#[test]
fn a_projected_dictionary_column_keeps_its_dictionary() {
    let batches = decode(
        "nested.arrow",
        &ScanOptions::new().with_projection(["color"]),
    )
    .unwrap();
    let d = batches[0].column(0).as_dictionary::<Int32Type>();
    assert_eq!(
        d.values()
            .as_string::<i32>()
            .value(d.keys().value(1) as usize),
        "green"
    );
}

#[test]
fn batches_are_sliced_to_the_batch_size_never_merged() {
    let all = decode("many_batches.ipc", &ScanOptions::new()).unwrap();
    assert_eq!(sizes(&all), [7, 7, 7, 7, 7, 7, 7, 7, 4]);
    for bs in [1, 3, 5, 7, 100] {
        let batches = decode("many_batches.ipc", &ScanOptions::new().with_batch_size(bs)).unwrap();
        assert!(
            batches
                .iter()
                .all(|b| b.num_rows() <= bs && b.num_rows() > 0),
            "{bs}"
        );
        let ids = column(&batches, "id", |a, i| {
            a.as_primitive::<Int64Type>().value(i)
        });
        assert_eq!(ids, (0..60).collect::<Vec<i64>>(), "batch size {bs}");
    }
    let three = decode("many_batches.ipc", &ScanOptions::new().with_batch_size(3)).unwrap();
    assert_eq!(sizes(&three[..4]), [3, 3, 1, 3]);
}

#[test]
fn threads_do_not_change_the_output() {
    let one = decode("many_batches.ipc", &ScanOptions::new().with_threads(1)).unwrap();
    let four = decode("many_batches.ipc", &ScanOptions::new().with_threads(4)).unwrap();
    assert_eq!(one, four);
}

#[test]
fn a_zero_row_file_has_its_schema_and_no_rows() {
    let name = "empty.arrow";
    let data = fixture(name);
    let stream = IpcDecoder
        .open(&input(name, data.clone()), &ScanOptions::new())
        .unwrap();
    assert_eq!(stream.schema().fields().len(), 7);
    assert_eq!(stream.count(), 0);
    let n = IpcDecoder.count_rows(&input(name, data), &ScanOptions::new());
    assert_eq!(n.unwrap().unwrap(), 0);
}

#[test]
fn count_rows_reads_file_headers_and_leaves_streams_to_the_scan() {
    let count = |name: &str| {
        IpcDecoder
            .count_rows(&input(name, fixture(name)), &ScanOptions::new())
            .map(|r| r.unwrap())
    };
    assert_eq!(count("file_plain.arrow"), Some(12));
    assert_eq!(count("file_zstd.arrow"), Some(12));
    assert_eq!(count("feather_lz4.feather"), Some(12));
    assert_eq!(count("many_batches.ipc"), Some(60));
    assert_eq!(count("nested.arrow"), Some(4));
    assert_eq!(count("stream.arrows"), None);
    assert_eq!(count("stream_named.arrow"), None);
}

#[test]
fn infer_schema_matches_the_stream_schema() {
    for name in MIXED
        .iter()
        .chain(&["nested.arrow", "nested_stream.arrows"])
    {
        let inp = input(name, fixture(name));
        let inferred = IpcDecoder.infer_schema(&inp, &ScanOptions::new()).unwrap();
        let opened = IpcDecoder.open(&inp, &ScanOptions::new()).unwrap().schema();
        assert_eq!(inferred, opened, "{name}");
    }
}

#[test]
fn a_compressed_stream_reads_through_its_codec() {
    let raw = fixture("stream_named.arrow");
    let zst = zstd::encode_all(&raw[..], 3).unwrap();
    let inp = crate::compressed_input(
        "s.arrow.zst",
        zst,
        std::sync::Arc::new(sluice_core::ZstdCodec),
    );
    let batches = crate::decode_input(&inp, &ScanOptions::new().with_batch_size(4)).unwrap();
    assert_eq!(sizes(&batches), [4, 1, 4, 1, 2]);
}

#[test]
fn format_options_are_refused() {
    let opts = ScanOptions::new().with_format_option("delimiter", ",");
    let err = decode("file_plain.arrow", &opts).unwrap_err();
    assert_eq!(err.kind(), sluice_core::ErrorKind::InvalidOption, "{err}");
}
