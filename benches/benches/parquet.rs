//! Throughput of the Parquet reader through the whole scan pipeline, in bytes of input:
//! one million rows (id, user, score, flag, text) in row groups of 128 Ki rows, written by
//! parquet's ArrowWriter once per codec (snappy, zstd, none, gzip, lz4, brotli), read whole
//! and projected.

use std::path::PathBuf;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use parquet::arrow::ArrowWriter;
use parquet::basic::{BrotliLevel, Compression, GzipLevel, ZstdLevel};
use parquet::file::properties::WriterProperties;
use sluice::arrow::array::{BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};

/// Rows in each input.
const ROWS: usize = 1_000_000;
/// Rows per batch written (and per row group: `ROW_GROUP`).
const CHUNK: usize = 64 * 1024;
const ROW_GROUP: usize = 128 * 1024;

const WORDS: &[&str] = &[
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett",
    "kilo", "lima", "mike", "november", "oscar", "papa",
];

/// Rows `start..end` of the table (deterministic xorshift values).
fn batch(start: usize, end: usize, state: &mut u64) -> RecordBatch {
    let mut next = || {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    };
    let mut users = Vec::with_capacity(end - start);
    let mut scores = Vec::with_capacity(end - start);
    let mut flags = Vec::with_capacity(end - start);
    let mut texts = Vec::with_capacity(end - start);
    for _ in start..end {
        users.push(format!("user{:04}", next() % 5000));
        scores.push((next() % 1_000_000) as f64 / 1000.0);
        flags.push(next().is_multiple_of(2));
        let n = 4 + (next() % 12) as usize;
        let words: Vec<&str> = (0..n).map(|_| WORDS[(next() % 16) as usize]).collect();
        texts.push(words.join(" "));
    }
    RecordBatch::try_from_iter([
        (
            "id",
            Arc::new(Int64Array::from_iter_values(start as i64..end as i64)) as _,
        ),
        ("user", Arc::new(StringArray::from(users)) as _),
        ("score", Arc::new(Float64Array::from(scores)) as _),
        ("flag", Arc::new(BooleanArray::from(flags)) as _),
        ("text", Arc::new(StringArray::from(texts)) as _),
    ])
    .expect("bench batch")
}

/// `bench_<name>.parquet` in target/bench-data, written once.
fn input(name: &str, compression: Compression) -> PathBuf {
    let dir = sluice_benches::data_dir();
    let path = dir.join(format!("bench_{name}.parquet"));
    if path.exists() {
        return path;
    }
    std::fs::create_dir_all(&dir).expect("create target/bench-data");
    let tmp = dir.join(format!(".bench_{name}.parquet.tmp"));
    let file = std::fs::File::create(&tmp).expect("create bench input");
    let props = WriterProperties::builder()
        .set_compression(compression)
        .set_max_row_group_row_count(Some(ROW_GROUP))
        .build();
    let mut state = 0x9e37_79b9_7f4a_7c15;
    let first = batch(0, CHUNK.min(ROWS), &mut state);
    let mut writer = ArrowWriter::try_new(file, first.schema(), Some(props)).expect("writer");
    writer.write(&first).expect("write");
    let mut start = CHUNK;
    while start < ROWS {
        let end = (start + CHUNK).min(ROWS);
        writer.write(&batch(start, end, &mut state)).expect("write");
        start = end;
    }
    writer.close().expect("close");
    std::fs::rename(&tmp, &path).expect("rename bench input");
    path
}

/// Reads `columns` of `path` through the scan pipeline; returns the row count.
fn scan_projected(path: &std::path::Path, columns: &[&str]) -> usize {
    let location = path.to_str().expect("utf-8 path");
    let options = sluice::ScanOptions::new().with_projection(columns.iter().copied());
    let mut reader = sluice::Scan::new([location])
        .with_options(options)
        .reader()
        .expect("open");
    let mut n = 0;
    while let Some(batch) = reader.next_batch().expect("batch") {
        n += batch.num_rows();
    }
    n
}

fn bench(c: &mut Criterion) {
    let codecs = [
        ("snappy", Compression::SNAPPY),
        (
            "zstd",
            Compression::ZSTD(ZstdLevel::try_new(3).expect("zstd level")),
        ),
        ("none", Compression::UNCOMPRESSED),
        ("gzip", Compression::GZIP(GzipLevel::default())),
        ("lz4", Compression::LZ4_RAW),
        ("brotli", Compression::BROTLI(BrotliLevel::default())),
    ];
    for (name, compression) in codecs {
        let path = input(name, compression);
        let mut group = c.benchmark_group(format!("parquet_{name}"));
        group.sample_size(10);
        group.throughput(Throughput::Bytes(sluice_benches::file_len(&path)));
        group.bench_function("scan", |b| {
            b.iter(|| assert_eq!(sluice_benches::scan_rows(&path), ROWS))
        });
        group.bench_function("project_id_score", |b| {
            b.iter(|| assert_eq!(scan_projected(&path, &["id", "score"]), ROWS))
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
