//! Throughput of the Arrow IPC reader through the whole scan pipeline, in bytes of input:
//! IPC files written by arrow-ipc's `FileWriter` from the CSV bench table, uncompressed and
//! with LZ4-compressed buffers (as Feather v2 writes them).

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_ipc::CompressionType;
use arrow_ipc::writer::{FileWriter, IpcWriteOptions};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sluice::{Scan, ScanOptions};

/// Writes `target/bench-data/<name>` from the CSV bench table once, in batches of 64Ki rows.
fn ipc_file(name: &str, compression: Option<CompressionType>) -> PathBuf {
    let path = sluice_benches::data_dir().join(name);
    if path.exists() {
        return path;
    }
    let csv = sluice_benches::csv();
    let csv = csv.to_str().expect("utf-8 path");
    let mut reader = Scan::new([csv])
        .with_options(ScanOptions::new().with_batch_size(64 * 1024))
        .reader()
        .expect("scan the CSV bench table");
    let options = IpcWriteOptions::default()
        .try_with_compression(compression)
        .expect("compression");
    let tmp = path.with_extension("tmp");
    let file = File::create(&tmp).expect("create the bench file");
    let mut writer =
        FileWriter::try_new_with_options(file, &reader.schema(), options).expect("IPC writer");
    while let Some(batch) = reader.next_batch().expect("batch") {
        writer.write(&batch).expect("write");
    }
    writer.finish().expect("finish");
    std::fs::rename(&tmp, &path).expect("rename");
    path
}

fn scan(c: &mut Criterion, group: &str, path: &Path) {
    let mut group = c.benchmark_group(group);
    group.sample_size(10);
    group.throughput(Throughput::Bytes(sluice_benches::file_len(path)));
    group.bench_function("scan", |b| {
        b.iter(|| assert_eq!(sluice_benches::scan_rows(path), sluice_benches::ROWS))
    });
    group.finish();
}

fn bench(c: &mut Criterion) {
    scan(c, "ipc", &ipc_file("bench.arrow", None));
    scan(
        c,
        "ipc-lz4",
        &ipc_file("bench_lz4.arrow", Some(CompressionType::LZ4_FRAME)),
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
