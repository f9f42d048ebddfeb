//! LIBSVM decoding in bytes of input: the decoder linked statically, and the same decoder
//! loaded from this crate's cdylib through `sluice-plugin-host` (its batches cross the
//! Arrow C Stream Interface without copies, so the two should be within a few percent);
//! each on one thread per core (chunks decoded in parallel) and on one thread.
#![allow(missing_docs)]

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sluice_core::{DecodeInput, Decoder, MemorySource, ScanOptions};
use sluice_example_libsvm::LibsvmDecoder;

const ROWS: usize = 100_000;

/// `ROWS` lines of 5 to 60 ascending features each, from a fixed-seed generator.
fn data() -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out = String::new();
    for _ in 0..ROWS {
        let label = if next() % 2 == 0 { "+1" } else { "-1" };
        out.push_str(label);
        let mut index = 0;
        for _ in 0..5 + next() % 56 {
            index += 1 + next() % 1000;
            let value = (next() % 1_000_000) as f64 / 1e6;
            out.push_str(&format!(" {index}:{value}"));
        }
        out.push('\n');
    }
    out.into_bytes()
}

/// The cdylib next to this bench binary (`target/<profile>/deps`).
fn plugin() -> Arc<dyn Decoder> {
    let exe = std::env::current_exe().expect("current exe");
    let deps = exe.parent().expect("deps dir");
    let name = format!(
        "{}sluice_example_libsvm{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    let path = [deps.join(&name), deps.join("..").join(&name)]
        .into_iter()
        .find(|p| p.exists())
        .expect("the cdylib is built with the bench");
    let plugin = sluice_plugin_host::load_plugin(path).expect("load the plugin");
    Arc::new(plugin.decoders().remove(0))
}

fn rows(decoder: &dyn Decoder, input: &DecodeInput, options: &ScanOptions) -> usize {
    decoder
        .open(input, options)
        .expect("open")
        .map(|b| b.expect("batch").num_rows())
        .sum()
}

fn bench(c: &mut Criterion) {
    let data = data();
    let input = DecodeInput::new(
        Arc::new(MemorySource::new("bench.libsvm", data.clone())),
        None,
    );
    let dynamic = plugin();
    let mut group = c.benchmark_group("libsvm");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(data.len() as u64));
    // Threads: 0 is one per core (the default), 1 the sequential path.
    for threads in [0, 1] {
        let options = ScanOptions::new().with_threads(threads);
        let suffix = if threads == 1 { "/1-thread" } else { "" };
        group.bench_function(format!("static{suffix}"), |b| {
            b.iter(|| assert_eq!(rows(&LibsvmDecoder, &input, &options), ROWS))
        });
        group.bench_function(format!("dynamic{suffix}"), |b| {
            b.iter(|| assert_eq!(rows(&*dynamic, &input, &options), ROWS))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
