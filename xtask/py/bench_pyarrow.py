"""pyarrow (and numpy for .npy) on the criterion bench inputs (target/bench-data), for docs/benchmarks.md.

Prints, per input, the median time of 15 full reads and the throughput in MB/s of
uncompressed input for the text formats and of file bytes for Parquet, IPC and npy (the
units the criterion benches report), with pyarrow's thread pool on
(its default) and off (one core, like one sluice input). Run via `cargo xtask bench`.
"""
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.feather as pfeather
import pyarrow.json as pjson
import pyarrow.parquet as pq


def median_seconds(fn, runs=15):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        rows = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), rows


def main(data):
    data = Path(data)
    plain_jsonl = (data / "bench.jsonl").stat().st_size
    cases = [
        ("csv", data / "bench.csv", lambda p, t: pcsv.read_csv(
            p, read_options=pcsv.ReadOptions(use_threads=t)).num_rows, None),
        ("jsonl", data / "bench.jsonl", lambda p, t: pjson.read_json(
            p, read_options=pjson.ReadOptions(use_threads=t)).num_rows, None),
        ("gzip/scan_jsonl", data / "bench.jsonl.gz", lambda p, t: pjson.read_json(
            pa.input_stream(str(p), compression="gzip"),
            read_options=pjson.ReadOptions(use_threads=t)).num_rows, plain_jsonl),
        ("zstd/scan_jsonl", data / "bench.jsonl.zst", lambda p, t: pjson.read_json(
            pa.input_stream(str(p), compression="zstd"),
            read_options=pjson.ReadOptions(use_threads=t)).num_rows, plain_jsonl),
    ]
    for codec in ("snappy", "zstd", "none", "gzip", "lz4", "brotli"):
        cases.append((f"parquet_{codec}", data / f"bench_{codec}.parquet",
                      lambda p, t: pq.read_table(p, use_threads=t).num_rows, None))
    for name, file in (("ipc", "bench.arrow"), ("ipc-lz4", "bench_lz4.arrow")):
        cases.append((name, data / file,
                      lambda p, t: pfeather.read_table(p, use_threads=t, memory_map=False).num_rows,
                      None))
    cases.append(("npy (numpy.load)", data / "bench_embeddings.npy",
                  lambda p, t: np.load(p).shape[0], None))
    cases = [c for c in cases if c[1].exists()]
    print(f"pyarrow {pa.__version__}, numpy {np.__version__}, {os.cpu_count()} cores")
    print(f"{'input':<18} {'threads':<8} {'median s':>9} {'MB/s':>8} rows")
    for name, path, fn, size in cases:
        size = size or path.stat().st_size
        for threads in (True, False):
            secs, rows = median_seconds(lambda: fn(path, threads))
            print(f"{name:<18} {'on' if threads else 'off':<8} {secs:>9.3f} "
                  f"{size / secs / 1e6:>8.1f} {rows}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/bench-data")
