//! Throughput of the NumPy reader through the whole scan pipeline, in bytes of input: one
//! million 128-dimensional float32 embeddings (512 MiB), as a vector database ingests them.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Rows (embeddings) in the input.
const ROWS: usize = 1_000_000;
/// Values per embedding.
const DIM: usize = 128;

/// `bench_embeddings.npy` in target/bench-data: a `(ROWS, DIM)` `<f4` array in C order,
/// written once (deterministic xorshift values in [-1, 1)).
fn embeddings() -> PathBuf {
    let dir = sluice_benches::data_dir();
    let path = dir.join("bench_embeddings.npy");
    if path.exists() {
        return path;
    }
    std::fs::create_dir_all(&dir).expect("create target/bench-data");
    let tmp = dir.join(".bench_embeddings.npy.tmp");
    let mut out = BufWriter::new(File::create(&tmp).expect("create bench input"));
    let dict = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({ROWS}, {DIM}), }}");
    // Magic, version 1.0, u16 length, then the dict padded with spaces to a multiple of
    // 64 bytes in all, ending in a newline: what np.save writes.
    let total = (10 + dict.len() + 1).div_ceil(64) * 64;
    let header_len = u16::try_from(total - 10).expect("short header");
    out.write_all(b"\x93NUMPY\x01\x00").expect("write");
    out.write_all(&header_len.to_le_bytes()).expect("write");
    writeln!(out, "{dict:<width$}", width = total - 11).expect("write");
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..ROWS * DIM {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let v = (state >> 40) as f32 / (1u64 << 23) as f32 - 1.0;
        out.write_all(&v.to_le_bytes()).expect("write");
    }
    out.into_inner().expect("flush bench input");
    std::fs::rename(&tmp, &path).expect("rename bench input");
    path
}

fn bench(c: &mut Criterion) {
    let path = embeddings();
    let mut group = c.benchmark_group("npy");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(sluice_benches::file_len(&path)));
    group.bench_function("scan_embeddings_f32x128", |b| {
        b.iter(|| assert_eq!(sluice_benches::scan_rows(&path), ROWS))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
