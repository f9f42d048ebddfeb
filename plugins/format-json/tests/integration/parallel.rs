//! One large JSON Lines input decoded on several threads: the same batches, values and
//! errors (with the same exact line) as on one thread.

use std::sync::Arc;

use arrow_array::RecordBatch;
use sluice_core::{ErrorKind, MultiGzCodec, ScanOptions};
use sluice_format_json::JsonLinesDecoder;

use crate::compressed::gzip;
use crate::*;

/// A small deterministic generator (no dependency needed).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

const WORDS: &[&str] = &["alpha", "é", "日本語", "\\\"q\\\"", "tab\\t", "🦀", "z"];

/// What one generated record holds.
struct Row {
    id: i64,
    name: String,
    pad: usize,
}

/// `n` JSON Lines records with nested structs and lists, blank lines, CRLF endings,
/// unicode and lines of very different lengths; the record with id `long` (if any) has a
/// string longer than a chunk. Returns the text, the rows and the line of each row.
fn generate(n: usize, long: Option<usize>) -> (String, Vec<Row>, Vec<u64>) {
    let mut rng = Lcg(7);
    let (mut text, mut rows, mut lines) = (String::new(), Vec::new(), Vec::new());
    let mut line = 1u64;
    for i in 0..n {
        while rng.next(10) == 0 {
            text.push_str(if rng.next(2) == 0 { "\n" } else { "  \r\n" });
            line += 1;
        }
        let words = rng.next(4) as usize;
        let name_json: Vec<&str> = (0..words)
            .map(|_| WORDS[rng.next(WORDS.len() as u64) as usize])
            .collect();
        let name_json = name_json.join(" ");
        let name = name_json.replace("\\\"", "\"").replace("\\t", "\t");
        let pad = match long {
            Some(l) if l == i => 5 << 20,
            _ if rng.next(50) == 0 => 2000 + rng.next(3000) as usize,
            _ => rng.next(40) as usize,
        };
        let tags: Vec<String> = (0..rng.next(4)).map(|t| format!("[{t}, {i}]")).collect();
        let end = if rng.next(3) == 0 { "\r\n" } else { "\n" };
        text.push_str(&format!(
            "{{\"id\": {i}, \"name\": \"{name_json}\", \"n\": {{\"x\": {}.5, \"tags\": [{}], \
             \"s\": {{\"b\": {}}}}}, \"pad\": \"{}\"}}{end}",
            i % 1000,
            tags.join(", "),
            i % 2 == 0,
            "p".repeat(pad),
        ));
        rows.push(Row {
            id: i as i64,
            name,
            pad,
        });
        lines.push(line);
        line += 1;
    }
    (text, rows, lines)
}

fn decode(data: &str, options: &ScanOptions, threads: usize) -> Result<Vec<RecordBatch>> {
    decode_with(
        &JsonLinesDecoder,
        "data/big.jsonl",
        data,
        &options.clone().with_threads(threads),
        None,
    )
}

/// Asserts that two lists of batches hold the same rows, whatever their boundaries.
fn assert_same_rows(a: &[RecordBatch], b: &[RecordBatch]) {
    let total = |x: &[RecordBatch]| x.iter().map(RecordBatch::num_rows).sum::<usize>();
    assert_eq!(total(a), total(b));
    let (mut ia, mut oa, mut ib, mut ob) = (0, 0, 0, 0);
    while ia < a.len() && ib < b.len() {
        let n = (a[ia].num_rows() - oa).min(b[ib].num_rows() - ob);
        assert_eq!(a[ia].slice(oa, n), b[ib].slice(ob, n), "rows differ");
        (oa, ob) = (oa + n, ob + n);
        if oa == a[ia].num_rows() {
            (ia, oa) = (ia + 1, 0);
        }
        if ob == b[ib].num_rows() {
            (ib, ob) = (ib + 1, 0);
        }
    }
}

fn check_values(batches: &[RecordBatch], rows: &[Row]) {
    let want: Vec<_> = rows.iter().map(|r| Some(r.id)).collect();
    assert_eq!(ints(batches, "id"), want);
    let want: Vec<_> = rows.iter().map(|r| Some(r.name.clone())).collect();
    assert_eq!(strings(batches, "name"), want);
    let pads: Vec<_> = strings(batches, "pad")
        .into_iter()
        .map(|s| s.map_or(0, |s| s.len()))
        .collect();
    assert_eq!(pads, rows.iter().map(|r| r.pad).collect::<Vec<_>>());
}

#[test]
fn threads_give_the_same_rows_and_values() {
    let (data, rows, _) = generate(50_000, Some(31_000));
    assert!(data.len() > 3 * (4 << 20), "{} bytes", data.len());
    for bs in [8192, 777] {
        let opts = ScanOptions::new().with_batch_size(bs);
        let one = ok(decode(&data, &opts, 1));
        let four = ok(decode(&data, &opts, 4));
        check_values(&four, &rows);
        assert_same_rows(&one, &four);
        assert_eq!(one[0].schema(), four[0].schema());
        assert!(four.iter().all(|b| b.num_rows() <= bs && b.num_rows() > 0));
        assert!(four.len() > one.len(), "every chunk ends a batch");
    }
}

#[test]
fn projection_and_a_given_schema() {
    let (data, rows, _) = generate(50_000, None);
    let opts = ScanOptions::new().with_projection(["pad", "id"]);
    let one = ok(decode(&data, &opts, 1));
    let four = ok(decode(&data, &opts, 4));
    assert_eq!(names(&four), ["pad", "id"]);
    assert_same_rows(&one, &four);
    check_values_without_name(&four, &rows);
    // With a schema given nothing is sampled: the first chunk starts at line 1.
    let opts = ScanOptions::new().with_schema(one[0].schema());
    let four = ok(decode(&data, &opts, 4));
    assert_same_rows(&one, &four);
}

fn check_values_without_name(batches: &[RecordBatch], rows: &[Row]) {
    let want: Vec<_> = rows.iter().map(|r| Some(r.id)).collect();
    assert_eq!(ints(batches, "id"), want);
}

/// `data` with record `at` replaced by `bad`; its line.
fn with_bad_record(n: usize, at: usize, bad: &[u8]) -> (Vec<u8>, u64) {
    let (data, _, lines) = generate(n, None);
    let mut out = Vec::new();
    for (i, line) in data.split_inclusive('\n').enumerate() {
        // Blank lines are lines too: find the record by its line number.
        if i as u64 + 1 == lines[at] {
            out.extend_from_slice(bad);
            out.push(b'\n');
        } else {
            out.extend_from_slice(line.as_bytes());
        }
    }
    (out, lines[at])
}

#[test]
fn errors_deep_in_a_large_file_name_the_same_line() {
    let cases: &[(&[u8], &str)] = &[
        (b"{\"id\": 1 x}", "expected ',' or '}', found 'x'"),
        (
            b"{\"id\": \"seven\"}",
            "failed to parse \"seven\" as Int64 (column types were inferred",
        ),
        (b"{\"id\": 1, \"name\": \"\xff\xfe\"}", "invalid UTF-8"),
        (
            b"{\"id\": 1} {\"id\": 2}",
            "expected the end of the record after the JSON object, found an object",
        ),
        (
            b" 42",
            "expected a JSON object on each line, found a number",
        ),
        (b"{\"id\": 2.5}", "expected an integer, got 2.5"),
    ];
    for (bad, detail) in cases {
        let (data, line) = with_bad_record(40_000, 37_000, bad);
        let mut messages = Vec::new();
        for threads in [1, 4] {
            let e = err(decode_with(
                &JsonLinesDecoder,
                "data/big.jsonl",
                data.clone(),
                &ScanOptions::new().with_threads(threads),
                None,
            ));
            assert_eq!(e.kind(), ErrorKind::Parse, "{e}");
            let msg = e.to_string();
            let at = format!("invalid JSON at data/big.jsonl line {line}: ");
            assert!(msg.starts_with(&at), "{msg:?} should start with {at:?}");
            assert!(msg.contains(detail), "{msg:?} should contain {detail:?}");
            messages.push(msg);
        }
        assert_eq!(messages[0], messages[1]);
    }
}

#[test]
fn gzip_whole_and_truncated() {
    let (data, rows, _) = generate(50_000, None);
    let full = gzip(data.as_bytes());
    let opts = ScanOptions::new().with_threads(4);
    let gz = || Some(Arc::new(MultiGzCodec) as Arc<dyn sluice_core::Codec>);
    let b = ok(decode_with(
        &JsonLinesDecoder,
        "data/big.jsonl.gz",
        full.clone(),
        &opts,
        gz(),
    ));
    check_values(&b, &rows);
    for cut in [full.len() / 5, full.len() * 4 / 5, full.len() - 20] {
        for threads in [1, 4] {
            let e = err(decode_with(
                &JsonLinesDecoder,
                "data/big.jsonl.gz",
                full[..cut].to_vec(),
                &opts.clone().with_threads(threads),
                gz(),
            ));
            assert_eq!(e.kind(), ErrorKind::Decompress, "{e}");
            assert!(e.to_string().contains("data/big.jsonl.gz"), "{e}");
        }
    }
}

/// Through a scan, which cuts batches to the exact batch size: identical batches.
#[test]
fn a_scan_gives_identical_batches() {
    use sluice_source_local as _;
    let (data, rows, _) = generate(30_000, None);
    let dir = ok(tempfile::tempdir().map_err(|e| sluice_core::Error::from_io("tmp", e)));
    let path = dir.path().join("big.jsonl");
    ok(std::fs::write(&path, &data).map_err(|e| sluice_core::Error::from_io("big.jsonl", e)));
    let path = path.to_string_lossy().into_owned();
    let scan = |threads| {
        let opts = ScanOptions::new()
            .with_threads(threads)
            .with_batch_size(1000);
        let mut reader = ok(sluice_core::Scan::new([path.as_str()])
            .with_options(opts)
            .reader());
        let mut batches = Vec::new();
        while let Some(b) = ok(reader.next_batch()) {
            batches.push(b);
        }
        batches
    };
    let (one, four) = (scan(1), scan(4));
    assert_eq!(sizes(&four), [1000; 30]);
    assert_eq!(one, four);
    check_values(&four, &rows);
}

/// Corrupt gzip data inflates to garbage (a parse error) before the checksum fails: one
/// thread and several both report the decompression error.
#[test]
fn corrupt_gzip_prefers_the_decompress_error() {
    let (data, _, _) = generate(50_000, None);
    let mut corrupt = gzip(data.as_bytes());
    // One flipped bit: the inflated text is garbage from there (a parse error on one
    // thread if the codec's error were not preferred), the checksum fails at the end.
    let at = corrupt.len() * 9 / 10;
    corrupt[at] ^= 0x04;
    let gz = || Some(Arc::new(MultiGzCodec) as Arc<dyn sluice_core::Codec>);
    for threads in [1, 4] {
        let e = err(decode_with(
            &JsonLinesDecoder,
            "data/big.jsonl.gz",
            corrupt.clone(),
            &ScanOptions::new().with_threads(threads),
            gz(),
        ));
        assert_eq!(e.kind(), ErrorKind::Decompress, "{threads} threads: {e}");
        assert!(e.to_string().contains("data/big.jsonl.gz"), "{e}");
    }
}

/// The records of [`generate`] as a JSON array, one element per line after the `[` line.
fn generate_array(n: usize) -> (String, Vec<Row>) {
    let (text, rows, _) = generate(n, None);
    let elements: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.trim_end_matches('\r'))
        .collect();
    (format!("[\n{}\n]\n", elements.join(",\n")), rows)
}

#[test]
fn a_json_array_on_threads() {
    let (data, rows) = generate_array(50_000);
    assert!(data.len() > 2 * (4 << 20), "{} bytes", data.len());
    let decode = |data: &str, threads| {
        let opts = ScanOptions::new()
            .with_threads(threads)
            .with_batch_size(1000);
        decode_with(
            &sluice_format_json::JsonDecoder,
            "data/big.json",
            data,
            &opts,
            None,
        )
    };
    let one = ok(decode(&data, 1));
    let four = ok(decode(&data, 4));
    check_values(&four, &rows);
    assert_same_rows(&one, &four);
    // Truncated gzip.
    let gz = gzip(data.as_bytes());
    for threads in [1, 4] {
        let e = err(decode_with(
            &sluice_format_json::JsonDecoder,
            "data/big.json.gz",
            gz[..gz.len() * 3 / 5].to_vec(),
            &ScanOptions::new().with_threads(threads),
            Some(Arc::new(MultiGzCodec)),
        ));
        assert_eq!(e.kind(), ErrorKind::Decompress, "{e}");
        assert!(e.to_string().contains("data/big.json.gz"), "{e}");
    }
    // Errors deep in the array: the same line on one thread and four.
    let line = 37_000 + 2;
    let lines: Vec<&str> = data.lines().collect();
    // The bad element, the line of the error (a missing ',' is found on the next line).
    let cases = [
        (
            lines[line - 1].replacen("\"id\": ", "\"id\": \"seven\", \"x\": ", 1),
            line,
            "Int64",
        ),
        (
            lines[line - 1].trim_end_matches(',').to_string(),
            line + 1,
            "missing ','",
        ),
        (
            lines[line - 1].replacen("\"name\"", "\"name\" 1", 1),
            line,
            "expected ':'",
        ),
    ];
    for (bad, at_line, detail) in cases {
        let mut edited = lines.clone();
        edited[line - 1] = &bad;
        let edited = edited.join("\n");
        let (e1, e4) = (err(decode(&edited, 1)), err(decode(&edited, 4)));
        let msg = e4.to_string();
        let at = format!("invalid JSON at data/big.json line {at_line}: ");
        assert!(msg.starts_with(&at), "{msg:?} should start with {at:?}");
        assert!(msg.contains(detail), "{msg:?} should contain {detail:?}");
        assert_eq!(e1.to_string(), msg);
    }
}
