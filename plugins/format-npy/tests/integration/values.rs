//! Exact types, values, metadata, batch sizes and projection.

use std::sync::Arc;

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float16Type, Float32Type, Int16Type, Int32Type, Int64Type, UInt16Type};
use arrow_schema::{DataType, Field, Schema};
use sluice_core::{Decoder, ErrorKind, ScanOptions};
use sluice_format_npy::{NpyDecoder, SHAPE_KEY};

use crate::{decode_fixture, decode_input, fixture, gz_input, gzip, input, npy};

fn list(item: DataType, n: i32) -> DataType {
    DataType::FixedSizeList(Arc::new(Field::new("item", item, false)), n)
}

#[test]
fn scalar_types_are_exact() {
    for (name, ty) in [
        ("bool.npy", DataType::Boolean),
        ("int_i1.npy", DataType::Int8),
        ("int_i2.npy", DataType::Int16),
        ("int_i4.npy", DataType::Int32),
        ("int_i8.npy", DataType::Int64),
        ("uint_u1.npy", DataType::UInt8),
        ("uint_u2.npy", DataType::UInt16),
        ("uint_u4.npy", DataType::UInt32),
        ("uint_u8.npy", DataType::UInt64),
        ("float_f2.npy", DataType::Float16),
        ("float_f4.npy", DataType::Float32),
        ("float_f8.npy", DataType::Float64),
        ("big_endian_i4.npy", DataType::Int32),
        ("strings.npy", DataType::Utf8),
        ("bytes.npy", DataType::Binary),
        ("scalar.npy", DataType::Int64),
    ] {
        let schema = NpyDecoder
            .infer_schema(&input(name, fixture(name)), &ScanOptions::new())
            .unwrap();
        assert_eq!(
            schema.as_ref(),
            &Schema::new(vec![Field::new("value", ty, false)]),
            "{name}"
        );
    }
}

#[test]
fn n_d_arrays_are_fixed_size_lists_with_their_shape() {
    let batches = decode_fixture("cube_i4.npy", &ScanOptions::new().with_batch_size(1));
    assert_eq!(batches.len(), 2);
    let field = batches[0].schema().field(0).clone();
    assert_eq!(field.data_type(), &list(DataType::Int32, 12));
    assert_eq!(
        field.metadata().get(SHAPE_KEY).map(String::as_str),
        Some("[3, 4]")
    );
    let row = batches[1].column(0).as_fixed_size_list().value(0);
    let values: Vec<i32> = row.as_primitive::<Int32Type>().values().to_vec();
    assert_eq!(values, (12..24).collect::<Vec<_>>());

    let matrix = decode_fixture("matrix_f4.npy", &ScanOptions::new());
    let field = matrix[0].schema().field(0).clone();
    assert_eq!(field.data_type(), &list(DataType::Float32, 3));
    assert_eq!(
        field.metadata().get(SHAPE_KEY).map(String::as_str),
        Some("[3]")
    );
    let values = Arc::clone(matrix[0].column(0).as_fixed_size_list().values());
    assert_eq!(values.as_primitive::<Float32Type>().value(5), 1.25);
}

#[test]
fn fortran_order_is_transposed_to_c_order() {
    let batches = decode_fixture(
        "matrix_fortran_i8.npy",
        &ScanOptions::new().with_batch_size(3),
    );
    assert_eq!(
        batches.iter().map(|b| b.num_rows()).collect::<Vec<_>>(),
        [3, 1]
    );
    let rows: Vec<Vec<i64>> = batches
        .iter()
        .flat_map(|b| {
            let l = b.column(0).as_fixed_size_list().clone();
            (0..l.len())
                .map(move |i| l.value(i).as_primitive::<Int64Type>().values().to_vec())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(rows, [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]]);
    // Big-endian 3-D Fortran: row 1 is 12..24.
    let cube = decode_fixture("cube_fortran_i2.npy", &ScanOptions::new());
    let row = cube[0].column(0).as_fixed_size_list().value(1);
    assert_eq!(
        row.as_primitive::<Int16Type>().values().to_vec(),
        (12..24).collect::<Vec<i16>>()
    );
}

#[test]
fn big_endian_and_float16_values() {
    let b = decode_fixture("big_endian_u2.npy", &ScanOptions::new());
    assert_eq!(
        b[0].column(0).as_primitive::<UInt16Type>().values(),
        &[1, 513, 65535]
    );
    let b = decode_fixture("float_f2.npy", &ScanOptions::new());
    let f: Vec<f32> = b[0]
        .column(0)
        .as_primitive::<Float16Type>()
        .values()
        .iter()
        .map(|v| v.to_f32())
        .collect();
    assert_eq!(f[..3], [0.0, -1.5, 3.25]);
    assert!(f[3].is_nan());
    assert_eq!(f[4..], [f32::INFINITY, f32::NEG_INFINITY, 65504.0]);
}

#[test]
fn structured_fields_are_columns_and_project() {
    let b = decode_fixture("structured.npy", &ScanOptions::new());
    let schema = b[0].schema();
    let types: Vec<(&str, &DataType)> = schema
        .fields()
        .iter()
        .map(|f| (f.name().as_str(), f.data_type()))
        .collect();
    assert_eq!(
        types,
        [
            ("id", &DataType::Int32),
            ("score", &DataType::Float64),
            ("ok", &DataType::Boolean),
            ("tag", &DataType::Binary)
        ]
    );
    let opts = ScanOptions::new()
        .with_projection(["tag", "id"])
        .with_batch_size(2);
    let b = decode_fixture("structured.npy", &opts);
    assert_eq!(b.len(), 2);
    assert_eq!(b[0].schema().field(0).name(), "tag");
    assert_eq!(b[0].column(0).as_binary::<i32>().value(1), b"yz");
    assert_eq!(b[1].column(1).as_primitive::<Int32Type>().values(), &[3]);

    let aligned = decode_fixture("structured_aligned.npy", &ScanOptions::new());
    let field = aligned[0].schema().field(1).clone();
    assert_eq!(field.data_type(), &list(DataType::Float32, 2));
    assert_eq!(
        field.metadata().get(SHAPE_KEY).map(String::as_str),
        Some("[2]")
    );

    let empty = decode_fixture(
        "structured.npy",
        &ScanOptions::new().with_projection(Vec::<String>::new()),
    );
    assert_eq!(empty[0].num_rows(), 3);
    assert_eq!(empty[0].num_columns(), 0);

    let err = decode_input(
        &input("s.npy", fixture("structured.npy")),
        &ScanOptions::new().with_projection(["nope"]),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownColumn);
    assert_eq!(
        err.to_string(),
        "unknown column \"nope\" in s.npy; available columns: id, score, ok, tag"
    );
}

#[test]
fn zero_rows_keep_their_schema() {
    let b = decode_fixture("empty_rows.npy", &ScanOptions::new());
    assert!(b.is_empty());
    let schema = NpyDecoder
        .infer_schema(
            &input("e.npy", fixture("empty_rows.npy")),
            &ScanOptions::new(),
        )
        .unwrap();
    assert_eq!(schema.field(0).data_type(), &list(DataType::Int32, 4));
    let stream = NpyDecoder
        .open(
            &input("e.npy", fixture("empty_rows.npy")),
            &ScanOptions::new(),
        )
        .unwrap();
    assert_eq!(stream.schema(), schema);
}

#[test]
fn scalar_is_one_row_and_counts_come_from_the_header() {
    let b = decode_fixture("scalar.npy", &ScanOptions::new());
    assert_eq!(b[0].column(0).as_primitive::<Int64Type>().values(), &[42]);
    let count = |name: &str| {
        NpyDecoder
            .count_rows(&input(name, fixture(name)), &ScanOptions::new())
            .unwrap()
            .unwrap()
    };
    assert_eq!(count("scalar.npy"), 1);
    assert_eq!(count("cube_i4.npy"), 2);
    assert_eq!(count("empty.npy"), 0);
}

#[test]
fn schema_and_count_need_only_the_header() {
    // A compressed file whose data is cut short: the header is enough for both.
    let mut data = fixture("int_i8.npy");
    data.truncate(data.len() - 20);
    let gz = || gz_input("cut.npy.gz", gzip(&data));
    let schema = NpyDecoder.infer_schema(&gz(), &ScanOptions::new()).unwrap();
    assert_eq!(schema.field(0).data_type(), &DataType::Int64);
    assert_eq!(
        NpyDecoder
            .count_rows(&gz(), &ScanOptions::new())
            .unwrap()
            .unwrap(),
        5
    );
    let err = decode_input(&gz(), &ScanOptions::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert!(
        err.to_string()
            .starts_with("invalid NumPy at cut.npy.gz record 3: "),
        "{err}"
    );
}

#[test]
fn an_explicit_schema_must_match() {
    let file = fixture("int_i4.npy");
    let same = Arc::new(Schema::new(vec![Field::new(
        "value",
        DataType::Int32,
        true,
    )]));
    let b = decode_input(
        &input("a.npy", &file),
        &ScanOptions::new().with_schema(Arc::clone(&same)),
    )
    .unwrap();
    assert_eq!(b[0].schema(), same);
    let other = Arc::new(Schema::new(vec![Field::new("value", DataType::Utf8, true)]));
    let err = decode_input(
        &input("a.npy", &file),
        &ScanOptions::new().with_schema(other),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Schema);
    assert_eq!(
        err.to_string(),
        "a.npy holds columns value: Int32; the given schema has columns value: Utf8"
    );
}

#[test]
fn hand_written_header_with_python2_longs() {
    let data: Vec<u8> = [1.0f64, 2.0].iter().flat_map(|v| v.to_le_bytes()).collect();
    let file = npy(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (2L, 1L), }",
        &data,
    );
    let b = decode_input(&input("old.npy", file), &ScanOptions::new()).unwrap();
    assert_eq!(b[0].num_rows(), 2);
    assert_eq!(
        b[0].schema().field(0).data_type(),
        &list(DataType::Float64, 1)
    );
}

#[test]
fn unknown_format_options_are_refused() {
    let err = NpyDecoder
        .validate_options(&ScanOptions::new().with_format_option("delimiter", ","))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidOption);
}

#[test]
fn edge_shapes_and_big_endian_unicode() {
    // (3, 0): three rows of empty lists.
    let file = npy(
        "{'descr': '<i4', 'fortran_order': False, 'shape': (3, 0), }",
        b"",
    );
    let b = decode_input(
        &input("z.npy", file),
        &ScanOptions::new().with_batch_size(2),
    )
    .unwrap();
    assert_eq!(b.iter().map(|b| b.num_rows()).collect::<Vec<_>>(), [2, 1]);
    assert_eq!(
        b[0].schema().field(0).data_type(),
        &list(DataType::Int32, 0)
    );

    // A 0-d structured array is one row.
    let mut data = 7i16.to_be_bytes().to_vec();
    data.extend(2.5f32.to_le_bytes());
    let file = npy(
        "{'descr': [('a', '>i2'), ('b', '<f4')], 'fortran_order': False, 'shape': (), }",
        &data,
    );
    let b = decode_input(&input("s.npy", file), &ScanOptions::new()).unwrap();
    assert_eq!(b[0].num_rows(), 1);
    assert_eq!(b[0].column(0).as_primitive::<Int16Type>().values(), &[7]);
    assert_eq!(
        b[0].column(1).as_primitive::<Float32Type>().values(),
        &[2.5]
    );

    // '>U3': UTF-32BE code units, trailing NULs removed, inner NULs kept.
    let units: [u32; 6] = ['h' as u32, 'é' as u32, 0, 'a' as u32, 0, 'b' as u32];
    let data: Vec<u8> = units.iter().flat_map(|u| u.to_be_bytes()).collect();
    let file = npy(
        "{'descr': '>U3', 'fortran_order': False, 'shape': (2,), }",
        &data,
    );
    let b = decode_input(&input("u.npy", file), &ScanOptions::new()).unwrap();
    let s: Vec<&str> = b[0].column(0).as_string::<i32>().iter().flatten().collect();
    assert_eq!(s, ["hé", "a\0b"]);

    // An invalid code point names the row.
    let data: Vec<u8> = [0x41u32, 0xD800]
        .iter()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let file = npy(
        "{'descr': '<U1', 'fortran_order': False, 'shape': (2,), }",
        &data,
    );
    let err = decode_input(&input("u.npy", file), &ScanOptions::new()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid NumPy at u.npy record 2: column \"value\" holds 0xd800, which is not a Unicode code point"
    );

    let file = npy(
        "{'descr': '|S0', 'fortran_order': False, 'shape': (5,), }",
        b"",
    );
    let err = decode_input(&input("s0.npy", file), &ScanOptions::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert!(err.to_string().contains("zero-width"), "{err}");
}
