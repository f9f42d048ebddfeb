//! Integration tests of the JSON Lines and JSON decoders, decoding in-memory data.

mod compressed;
mod conformance;
mod document;
mod errors;
mod lines;
mod parallel;

use std::io::Read;
use std::ops::Range;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type, UInt64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use sluice_core::{
    ByteSource, Codec, DecodeInput, Decoder, Error, Location, MemorySource, Result, ScanOptions,
};
use sluice_format_json::{JsonDecoder, JsonLinesDecoder};

/// Decodes `data` named `name` with `decoder`.
pub fn decode_with(
    decoder: &dyn Decoder,
    name: &str,
    data: impl Into<Vec<u8>>,
    options: &ScanOptions,
    codec: Option<Arc<dyn Codec>>,
) -> Result<Vec<RecordBatch>> {
    let input = DecodeInput::new(Arc::new(MemorySource::new(name, data.into())), codec);
    decoder.open(&input, options)?.collect()
}

/// Decodes JSON Lines.
pub fn jsonl(data: &str, options: &ScanOptions) -> Result<Vec<RecordBatch>> {
    decode_with(&JsonLinesDecoder, "data/x.jsonl", data, options, None)
}

/// Decodes a JSON document.
pub fn json(data: &str, options: &ScanOptions) -> Result<Vec<RecordBatch>> {
    decode_with(&JsonDecoder, "data/x.json", data, options, None)
}

/// Unwraps, printing the error.
pub fn ok<T>(r: Result<T>) -> T {
    r.unwrap_or_else(|e| panic!("unexpected error: {e}"))
}

/// Expects an error.
pub fn err<T: std::fmt::Debug>(r: Result<T>) -> Error {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e,
    }
}

/// Field names of the first batch's schema.
pub fn names(batches: &[RecordBatch]) -> Vec<String> {
    batches[0]
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect()
}

/// The type of column `name`.
pub fn dtype(batches: &[RecordBatch], name: &str) -> DataType {
    let schema = batches[0].schema();
    let field = schema
        .field_with_name(name)
        .unwrap_or_else(|e| panic!("{e}"));
    field.data_type().clone()
}

/// The batch sizes.
pub fn sizes(batches: &[RecordBatch]) -> Vec<usize> {
    batches.iter().map(RecordBatch::num_rows).collect()
}

fn column<'a>(b: &'a RecordBatch, name: &str) -> &'a dyn Array {
    b.column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .as_ref()
}

/// The values of an Int64 column across batches.
pub fn ints(batches: &[RecordBatch], name: &str) -> Vec<Option<i64>> {
    batches
        .iter()
        .flat_map(|b| column(b, name).as_primitive::<Int64Type>().iter())
        .collect()
}

/// The values of a UInt64 column across batches.
pub fn uints(batches: &[RecordBatch], name: &str) -> Vec<Option<u64>> {
    batches
        .iter()
        .flat_map(|b| column(b, name).as_primitive::<UInt64Type>().iter())
        .collect()
}

/// The values of a Float64 column across batches.
pub fn floats(batches: &[RecordBatch], name: &str) -> Vec<Option<f64>> {
    batches
        .iter()
        .flat_map(|b| column(b, name).as_primitive::<Float64Type>().iter())
        .collect()
}

/// The values of a Utf8 column across batches.
pub fn strings(batches: &[RecordBatch], name: &str) -> Vec<Option<String>> {
    batches
        .iter()
        .flat_map(|b| {
            column(b, name)
                .as_string::<i32>()
                .iter()
                .map(|s| s.map(str::to_string))
        })
        .collect()
}

/// A source that hands out its bytes a few at a time, to exercise buffer refills.
#[derive(Debug)]
pub struct TrickleSource {
    location: Location,
    data: Vec<u8>,
    chunk: usize,
}

impl TrickleSource {
    /// `data` named `name`, read `chunk` bytes per `read` call.
    pub fn new(name: &str, data: impl Into<Vec<u8>>, chunk: usize) -> Self {
        TrickleSource {
            location: Location::parse(name),
            data: data.into(),
            chunk,
        }
    }
}

struct Trickle {
    data: Vec<u8>,
    pos: usize,
    chunk: usize,
}

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.chunk).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl ByteSource for TrickleSource {
    fn location(&self) -> &Location {
        &self.location
    }
    fn size(&self) -> Option<u64> {
        Some(self.data.len() as u64)
    }
    fn reader(&self) -> Result<Box<dyn Read + Send>> {
        Ok(Box::new(Trickle {
            data: self.data.clone(),
            pos: 0,
            chunk: self.chunk,
        }))
    }
    fn supports_random_access(&self) -> bool {
        false
    }
    fn read_range(&self, _: Range<u64>) -> Result<bytes::Bytes> {
        Err(Error::Unsupported {
            location: self.location.to_string(),
            message: "no random access".into(),
        })
    }
}
