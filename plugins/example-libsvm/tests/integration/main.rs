//! Integration tests of sluice-example-libsvm.
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod dynamic;
mod errors;
mod parallel;
mod scan;
mod values;

use std::io::Write;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type, Int64Type, UInt32Type};
use arrow_array::{Array, RecordBatch};
use sluice_core::{Codec, DecodeInput, Decoder, Error, Result, ScanOptions};
use sluice_example_libsvm::LibsvmDecoder;

/// The fixture `tests/data/sample.libsvm`.
pub const SAMPLE: &[u8] = include_bytes!("../data/sample.libsvm");
/// The fixture `tests/data/ranking.svmlight`.
pub const RANKING: &[u8] = include_bytes!("../data/ranking.svmlight");

pub fn input(name: &str, data: impl AsRef<[u8]>) -> DecodeInput {
    compressed_input(name, data, None)
}

pub fn compressed_input(
    name: &str,
    data: impl AsRef<[u8]>,
    codec: Option<Arc<dyn Codec>>,
) -> DecodeInput {
    DecodeInput::in_memory(name, data.as_ref().to_vec(), codec)
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

pub fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::stream::encode_all(data, 3).unwrap()
}

pub fn decode_input(input: &DecodeInput, opts: &ScanOptions) -> Result<Vec<RecordBatch>> {
    LibsvmDecoder.open(input, opts)?.collect()
}

pub fn decode(data: impl AsRef<[u8]>, opts: &ScanOptions) -> Result<Vec<RecordBatch>> {
    decode_input(&input("data/x.libsvm", data), opts)
}

pub fn error(name: &str, data: impl AsRef<[u8]>) -> Error {
    decode_input(&input(name, data), &ScanOptions::new()).expect_err("decoding should fail")
}

/// One decoded row: label, qid, indices, values.
pub type Row = (f64, Option<i64>, Vec<u32>, Vec<f32>);

/// Every row of batches with the full schema.
pub fn rows(batches: &[RecordBatch]) -> Vec<Row> {
    let mut out = Vec::new();
    for b in batches {
        assert_eq!(b.schema(), LibsvmDecoder::schema());
        let labels = b.column(0).as_primitive::<Float64Type>();
        let qids = b.column(1).as_primitive::<Int64Type>();
        let indices = b.column(2).as_list::<i32>();
        let values = b.column(3).as_list::<i32>();
        assert_eq!(indices.offsets(), values.offsets());
        for i in 0..b.num_rows() {
            out.push((
                labels.value(i),
                qids.is_valid(i).then(|| qids.value(i)),
                indices
                    .value(i)
                    .as_primitive::<UInt32Type>()
                    .values()
                    .to_vec(),
                values
                    .value(i)
                    .as_primitive::<Float32Type>()
                    .values()
                    .to_vec(),
            ));
        }
    }
    out
}

/// The rows of [`SAMPLE`].
pub fn sample_rows() -> Vec<Row> {
    vec![
        (1.0, None, vec![1, 3], vec![0.5, 1.25]),
        (-1.0, Some(3), vec![2], vec![1.0]),
        (1.0, None, vec![], vec![]),
        (2.5, None, vec![1, 4, 10], vec![1e-3, -250.0, 0.0]),
        (-1.0, Some(7), vec![1, 2], vec![3.0, 0.25]),
    ]
}
