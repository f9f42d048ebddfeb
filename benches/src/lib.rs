//! Deterministic benchmark inputs, written once under `target/bench-data/` and shared by
//! the criterion benches and the pyarrow comparison (`xtask/py/bench_pyarrow.py`).

use std::io::Write;
use std::path::{Path, PathBuf};

/// Rows in each generated table.
pub const ROWS: usize = 200_000;

/// The directory holding the inputs (`target/bench-data`).
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data")
}

/// A tiny deterministic generator (xorshift), so inputs are identical on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

const WORDS: &[&str] = &[
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett",
    "kilo", "lima", "mike", "november", "oscar", "papa",
];

struct Row {
    id: usize,
    user: String,
    score: f64,
    flag: bool,
    text: String,
}

fn rows() -> impl Iterator<Item = Row> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    (0..ROWS).map(move |id| {
        let n = 4 + (rng.next() % 12) as usize;
        let text: Vec<&str> = (0..n).map(|_| WORDS[(rng.next() % 16) as usize]).collect();
        Row {
            id,
            user: format!("user{:04}", rng.next() % 5000),
            score: (rng.next() % 1_000_000) as f64 / 1000.0,
            flag: rng.next().is_multiple_of(2),
            text: text.join(" "),
        }
    })
}

fn write_if_missing(name: &str, make: impl FnOnce() -> Vec<u8>) -> PathBuf {
    let dir = data_dir();
    let path = dir.join(name);
    if !path.exists() {
        std::fs::create_dir_all(&dir).expect("create target/bench-data");
        let tmp = dir.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, make()).expect("write bench input");
        std::fs::rename(&tmp, &path).expect("rename bench input");
    }
    path
}

/// `bench.csv`: id, user, score, flag, text.
pub fn csv() -> PathBuf {
    write_if_missing("bench.csv", || {
        let mut out = b"id,user,score,flag,text\n".to_vec();
        for r in rows() {
            writeln!(out, "{},{},{},{},{}", r.id, r.user, r.score, r.flag, r.text).expect("write");
        }
        out
    })
}

fn jsonl_bytes() -> Vec<u8> {
    let mut out = Vec::new();
    for r in rows() {
        writeln!(
            out,
            r#"{{"id":{},"user":"{}","score":{},"flag":{},"text":"{}","tags":["{}"],"meta":{{"len":{}}}}}"#,
            r.id,
            r.user,
            r.score,
            r.flag,
            r.text,
            &r.text[..5],
            r.text.len()
        )
        .expect("write");
    }
    out
}

/// `bench.jsonl`: the same rows plus a list and a struct column.
pub fn jsonl() -> PathBuf {
    write_if_missing("bench.jsonl", jsonl_bytes)
}

/// `bench.json`: the rows of `bench.jsonl` as one JSON array.
pub fn json() -> PathBuf {
    write_if_missing("bench.json", || {
        let lines = jsonl_bytes();
        let mut out = b"[\n".to_vec();
        for (i, line) in lines
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .enumerate()
        {
            if i > 0 {
                out.extend_from_slice(b",\n");
            }
            out.extend_from_slice(line);
        }
        out.extend_from_slice(b"\n]\n");
        out
    })
}

/// `bench.txt`: the text column, one line per row.
pub fn text() -> PathBuf {
    write_if_missing("bench.txt", || {
        let mut out = Vec::new();
        for r in rows() {
            writeln!(out, "{}", r.text).expect("write");
        }
        out
    })
}

/// `bench.jsonl.gz`: `bench.jsonl`, gzip level 6.
pub fn jsonl_gz() -> PathBuf {
    write_if_missing("bench.jsonl.gz", || {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
        enc.write_all(&jsonl_bytes()).expect("gzip");
        enc.finish().expect("gzip")
    })
}

/// `bench.jsonl.zst`: `bench.jsonl`, zstd level 3.
pub fn jsonl_zst() -> PathBuf {
    write_if_missing("bench.jsonl.zst", || {
        zstd::encode_all(jsonl_bytes().as_slice(), 3).expect("zstd")
    })
}

/// Reads every row of `path` through the whole pipeline; returns the row count.
pub fn scan_rows(path: &Path) -> usize {
    let location = path.to_str().expect("utf-8 path");
    let mut reader = sluice::Scan::new([location]).reader().expect("open");
    let mut n = 0;
    while let Some(batch) = reader.next_batch().expect("batch") {
        n += batch.num_rows();
    }
    n
}

/// The size of a file in bytes.
pub fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).expect("stat").len()
}
