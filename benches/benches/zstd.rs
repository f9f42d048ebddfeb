//! The zstd codec: raw decompression, and JSON Lines read through it, in bytes of
//! *decompressed* input (so the figures compare with the uncompressed jsonl bench).

use std::io::Read;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sluice::Codec;

fn bench(c: &mut Criterion) {
    let plain = sluice_benches::file_len(&sluice_benches::jsonl());
    let path = sluice_benches::jsonl_zst();
    let compressed = std::fs::read(&path).expect("read");
    let mut group = c.benchmark_group("zstd");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(plain));
    group.bench_function("decompress", |b| {
        b.iter(|| {
            let input: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(compressed.clone()));
            let mut reader = sluice::ZstdCodec.decompress(input).expect("decoder");
            std::io::copy(&mut reader, &mut std::io::sink()).expect("decompress")
        })
    });
    group.bench_function("scan_jsonl", |b| {
        b.iter(|| assert_eq!(sluice_benches::scan_rows(&path), sluice_benches::ROWS))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
