//! Integration tests of sluice-format-text.
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod errors;
mod values;

use std::io::Write;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use sluice_core::{DecodeInput, Decoder, Error, MultiGzCodec, Result, ScanOptions};
use sluice_format_text::TextDecoder;

pub fn input(name: &str, data: impl AsRef<[u8]>) -> DecodeInput {
    DecodeInput::in_memory(name, data.as_ref().to_vec(), None)
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

pub fn gz_input(name: &str, compressed: Vec<u8>) -> DecodeInput {
    DecodeInput::in_memory(name, compressed, Some(Arc::new(MultiGzCodec)))
}

pub fn decode_input(input: &DecodeInput, opts: &ScanOptions) -> Result<Vec<RecordBatch>> {
    TextDecoder.open(input, opts)?.collect()
}

pub fn decode(data: impl AsRef<[u8]>, opts: &ScanOptions) -> Result<Vec<RecordBatch>> {
    decode_input(&input("data/x.txt", data), opts)
}

pub fn error(name: &str, data: impl AsRef<[u8]>) -> Error {
    decode_input(&input(name, data), &ScanOptions::new()).expect_err("decoding should fail")
}

/// Every line of `batches`, column 0.
pub fn lines(batches: &[RecordBatch]) -> Vec<String> {
    batches
        .iter()
        .flat_map(|b| {
            b.column(0)
                .as_string::<i32>()
                .iter()
                .map(|s| s.unwrap().to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The lines of `data` decoded with default options.
pub fn text_lines(data: &str) -> Vec<String> {
    lines(&decode(data, &ScanOptions::new()).unwrap())
}
