//! Integration tests of sluice-format-ipc, on fixtures written by pyarrow and `datasets`
//! (`cargo xtask fixtures` regenerates them in testdata/ipc/).
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod conformance;
mod errors;
mod hf;
mod values;

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::RecordBatch;
use sluice_core::{Codec, DecodeInput, Decoder, Error, MemorySource, Result, ScanOptions};
use sluice_format_ipc::IpcDecoder;
// Linked for `Registry::from_inventory` in the scan tests.
use sluice_source_local as _;

/// testdata/ipc/ or a file in it.
pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/ipc")
        .join(name)
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).unwrap()
}

pub fn input(name: &str, data: impl Into<Vec<u8>>) -> DecodeInput {
    DecodeInput::new(Arc::new(MemorySource::new(name, data.into())), None)
}

pub fn compressed_input(name: &str, data: Vec<u8>, codec: Arc<dyn Codec>) -> DecodeInput {
    DecodeInput::new(Arc::new(MemorySource::new(name, data)), Some(codec))
}

pub fn decode_input(input: &DecodeInput, opts: &ScanOptions) -> Result<Vec<RecordBatch>> {
    IpcDecoder.open(input, opts)?.collect()
}

/// The batches of a fixture.
pub fn decode(name: &str, opts: &ScanOptions) -> Result<Vec<RecordBatch>> {
    decode_input(&input(name, fixture(name)), opts)
}

/// The error of decoding `data` named `name`.
pub fn error(name: &str, data: impl Into<Vec<u8>>) -> Error {
    decode_input(&input(name, data), &ScanOptions::new()).expect_err("decoding should fail")
}

pub fn sizes(batches: &[RecordBatch]) -> Vec<usize> {
    batches.iter().map(|b| b.num_rows()).collect()
}

/// One column of all batches, each value rendered by `f`.
pub fn column<T>(
    batches: &[RecordBatch],
    name: &str,
    f: impl Fn(&dyn arrow_array::Array, usize) -> T,
) -> Vec<T> {
    batches
        .iter()
        .flat_map(|b| {
            let col = b.column_by_name(name).unwrap();
            (0..b.num_rows())
                .map(|i| f(col.as_ref(), i))
                .collect::<Vec<_>>()
        })
        .collect()
}
