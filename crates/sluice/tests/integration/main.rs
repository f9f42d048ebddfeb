//! Integration tests of the default build: registry contents, location expansion,
//! resolution and the scan pipeline, end to end on files in a temporary directory.

mod registry;
mod resolve;
mod scan;

use std::io::Write;
use std::path::Path;

use sluice::arrow::array::RecordBatch;
use sluice::{Scan, ScanOptions};

/// Writes `data` to `dir/rel`, creating parent directories.
pub(crate) fn write(dir: &Path, rel: &str, data: &[u8]) -> String {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(&path, data).expect("write");
    path.to_str().expect("utf-8 path").to_string()
}

pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).expect("gzip");
    enc.finish().expect("gzip")
}

pub(crate) fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).expect("zstd")
}

/// Every batch of a scan.
pub(crate) fn collect(
    locations: &[&str],
    options: ScanOptions,
) -> sluice::Result<Vec<RecordBatch>> {
    let mut reader = Scan::new(locations.iter().copied())
        .with_options(options)
        .reader()?;
    let mut out = Vec::new();
    while let Some(b) = reader.next_batch()? {
        out.push(b);
    }
    Ok(out)
}

/// The rows of `batches` as JSON values, via arrow's JSON writer (explicit nulls).
pub(crate) fn rows(batches: &[RecordBatch]) -> Vec<serde_json::Value> {
    let mut buf = Vec::new();
    {
        let mut w = sluice::arrow::json::WriterBuilder::new()
            .with_explicit_nulls(true)
            .build::<_, sluice::arrow::json::writer::LineDelimited>(&mut buf);
        for b in batches {
            w.write(b).expect("json");
        }
        w.finish().expect("json");
    }
    String::from_utf8(buf)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}
