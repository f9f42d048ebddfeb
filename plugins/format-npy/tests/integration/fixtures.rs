//! Every numpy-written fixture decodes to the rows in its `.expected.jsonl`, at several
//! batch sizes, and `count_rows` agrees.

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use base64::Engine;
use serde_json::{Map, Value, json};
use sluice_core::{Decoder, ScanOptions};
use sluice_format_npy::NpyDecoder;

use crate::{decode_input, fixture, gz_input, input, testdata};

fn float(v: f64) -> Value {
    if v.is_finite() { json!(v) } else { Value::Null }
}

/// A float32 as its shortest round-trip decimal, as arrow-json prints it.
fn float32(v: f32) -> Value {
    if v.is_finite() {
        float(v.to_string().parse().unwrap())
    } else {
        Value::Null
    }
}

/// Value `i` of `array` as `sluice cat --output jsonl` prints it.
pub fn to_json(array: &dyn Array, i: usize) -> Value {
    match array.data_type() {
        DataType::Boolean => json!(array.as_boolean().value(i)),
        DataType::Int8 => json!(array.as_primitive::<Int8Type>().value(i)),
        DataType::Int16 => json!(array.as_primitive::<Int16Type>().value(i)),
        DataType::Int32 => json!(array.as_primitive::<Int32Type>().value(i)),
        DataType::Int64 => json!(array.as_primitive::<Int64Type>().value(i)),
        DataType::UInt8 => json!(array.as_primitive::<UInt8Type>().value(i)),
        DataType::UInt16 => json!(array.as_primitive::<UInt16Type>().value(i)),
        DataType::UInt32 => json!(array.as_primitive::<UInt32Type>().value(i)),
        DataType::UInt64 => json!(array.as_primitive::<UInt64Type>().value(i)),
        DataType::Float16 => float32(array.as_primitive::<Float16Type>().value(i).to_f32()),
        DataType::Float32 => float32(array.as_primitive::<Float32Type>().value(i)),
        DataType::Float64 => float(array.as_primitive::<Float64Type>().value(i)),
        DataType::Utf8 => json!(array.as_string::<i32>().value(i)),
        DataType::Binary => json!(
            base64::engine::general_purpose::STANDARD.encode(array.as_binary::<i32>().value(i))
        ),
        DataType::FixedSizeList(_, _) => {
            let row = array.as_fixed_size_list().value(i);
            Value::Array((0..row.len()).map(|j| to_json(row.as_ref(), j)).collect())
        }
        other => panic!("unexpected type {other}"),
    }
}

pub fn rows(batches: &[RecordBatch]) -> Vec<Value> {
    let mut out = Vec::new();
    for b in batches {
        for i in 0..b.num_rows() {
            let mut row = Map::new();
            for (f, c) in b.schema().fields().iter().zip(b.columns()) {
                row.insert(f.name().clone(), to_json(c.as_ref(), i));
            }
            out.push(Value::Object(row));
        }
    }
    out
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
                (Some(p), Some(q), _, _) => p == q,
                (_, _, Some(p), Some(q)) => p == q,
                _ => x.as_f64() == y.as_f64(),
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kx, vx), (ky, vy))| kx == ky && same(vx, vy))
        }
        _ => a == b,
    }
}

#[test]
fn every_fixture_reads_as_numpy_wrote_it() {
    let mut names: Vec<String> = std::fs::read_dir(testdata())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter_map(|n| n.strip_suffix(".expected.jsonl").map(str::to_string))
        .collect();
    names.sort();
    assert!(names.len() >= 25, "fixtures missing: {names:?}");
    for name in names {
        let expected: Vec<Value> =
            std::fs::read_to_string(testdata().join(format!("{name}.expected.jsonl")))
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
        let data = fixture(&name);
        let make = || {
            if name.ends_with(".gz") {
                gz_input(&name, data.clone())
            } else {
                input(&name, &data)
            }
        };
        for batch_size in [1, 2, 5, 8192] {
            let opts = ScanOptions::new().with_batch_size(batch_size);
            let batches = decode_input(&make(), &opts).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(batches.iter().all(|b| b.num_rows() <= batch_size), "{name}");
            let got = rows(&batches);
            assert_eq!(got.len(), expected.len(), "{name}: row count");
            for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
                assert!(
                    same(g, e),
                    "{name} row {i} (batch size {batch_size}):\n sluice: {g}\n numpy:  {e}"
                );
            }
        }
        let count = NpyDecoder
            .count_rows(&make(), &ScanOptions::new())
            .unwrap()
            .unwrap();
        assert_eq!(count, expected.len() as u64, "{name}: count_rows");
    }
}
