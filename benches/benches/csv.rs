//! Throughput of the csv reader through the whole scan pipeline, in bytes of input.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let path = sluice_benches::csv();
    let mut group = c.benchmark_group("csv");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(sluice_benches::file_len(&path)));
    group.bench_function("scan", |b| {
        b.iter(|| assert_eq!(sluice_benches::scan_rows(&path), sluice_benches::ROWS))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
