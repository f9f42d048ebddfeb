//! Integration tests of sluice-format-csv: decoding in memory and through gzip.
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod errors;
mod input;
mod options;
mod parallel;
mod values;

use std::io::Write;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use sluice_core::{DecodeInput, Decoder, Error, MultiGzCodec, Result, ScanOptions};
use sluice_format_csv::CsvDecoder;

/// An uncompressed in-memory input.
pub fn input(name: &str, data: impl AsRef<[u8]>) -> DecodeInput {
    DecodeInput::in_memory(name, data.as_ref().to_vec(), None)
}

/// `data` gzipped.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// A gzip-compressed in-memory input holding `compressed`.
pub fn gz_input(name: &str, compressed: Vec<u8>) -> DecodeInput {
    DecodeInput::in_memory(name, compressed, Some(Arc::new(MultiGzCodec)))
}

/// Decodes `data` as CSV.
pub fn decode(name: &str, data: impl AsRef<[u8]>, opts: &ScanOptions) -> Result<Vec<RecordBatch>> {
    decode_with(&CsvDecoder::csv(), &input(name, data), opts)
}

pub fn decode_with(
    decoder: &CsvDecoder,
    input: &DecodeInput,
    opts: &ScanOptions,
) -> Result<Vec<RecordBatch>> {
    decoder.open(input, opts)?.collect()
}

/// Decodes `data` as CSV into exactly one batch.
pub fn one(data: &str, opts: &ScanOptions) -> RecordBatch {
    let mut batches = decode("data/x.csv", data, opts).unwrap();
    assert_eq!(batches.len(), 1, "expected one batch");
    batches.remove(0)
}

/// The error of decoding `data` as CSV.
pub fn error(name: &str, data: impl AsRef<[u8]>, opts: &ScanOptions) -> Error {
    decode(name, data, opts).expect_err("decoding should fail")
}

pub fn names(batch: &RecordBatch) -> Vec<String> {
    batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect()
}

pub fn types(batch: &RecordBatch) -> Vec<DataType> {
    batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.data_type().clone())
        .collect()
}

pub fn ints(batch: &RecordBatch, col: usize) -> Vec<Option<i64>> {
    batch
        .column(col)
        .as_primitive::<Int64Type>()
        .iter()
        .collect()
}

pub fn floats(batch: &RecordBatch, col: usize) -> Vec<Option<f64>> {
    batch
        .column(col)
        .as_primitive::<Float64Type>()
        .iter()
        .collect()
}

pub fn strs(batch: &RecordBatch, col: usize) -> Vec<Option<String>> {
    batch
        .column(col)
        .as_string::<i32>()
        .iter()
        .map(|s| s.map(str::to_string))
        .collect()
}

pub fn bools(batch: &RecordBatch, col: usize) -> Vec<Option<bool>> {
    batch.column(col).as_boolean().iter().collect()
}

/// `Some` strings, for comparisons.
pub fn some(values: &[&str]) -> Vec<Option<String>> {
    values.iter().map(|s| Some(s.to_string())).collect()
}

pub fn total_rows(batches: &[RecordBatch]) -> usize {
    batches.iter().map(RecordBatch::num_rows).sum()
}

/// All values of Int64 column `col` over `batches`.
pub fn all_ints(batches: &[RecordBatch], col: usize) -> Vec<Option<i64>> {
    batches.iter().flat_map(|b| ints(b, col)).collect()
}

#[test]
fn every_column_has_as_many_values_as_rows() {
    let b = one("a,b\n1,x\n2,y\n", &ScanOptions::new());
    assert!(b.columns().iter().all(|c| c.len() == 2));
}
