//! One input decoded on several threads (chunks of `block_size` bytes of whole lines):
//! the same batches, values and errors as on one thread.

use std::sync::Arc;

use sluice_core::{ErrorKind, Scan, ZstdCodec};

use crate::*;

/// `lines` lines of rows, blank lines and comments (after a BOM and a comment line), with
/// `\n` and `\r\n` ends, tabs, qids and trailing comments; and the rows they hold.
fn generated(lines: usize) -> (String, Vec<Row>) {
    let mut text = String::from("\u{feff}# generated\n");
    let mut rows = Vec::new();
    for i in 0..lines {
        match i % 7 {
            3 => text.push('\n'),
            5 => text.push_str("  # a comment line\r\n"),
            _ => {
                let label = (i % 3) as f64 - 1.5;
                let qid = (i % 2 == 0).then_some(i as i64 / 10);
                let n = (i % 5) as u32;
                let indices: Vec<u32> = (0..n).map(|k| k * 3 + 1 + i as u32 % 2).collect();
                let values: Vec<f32> = indices
                    .iter()
                    .map(|&k| k as f32 * 0.25 - i as f32)
                    .collect();
                text.push_str(&label.to_string());
                if let Some(q) = qid {
                    text.push_str(&format!(" qid:{q}"));
                }
                let sep = if i % 4 == 0 { "\t" } else { " " };
                for (k, v) in indices.iter().zip(&values) {
                    text.push_str(&format!("{sep}{k}:{v}"));
                }
                text.push_str(match i % 3 {
                    0 => "\r\n",
                    1 => " # trailing\n",
                    _ => "\n",
                });
                rows.push((label, qid, indices, values));
            }
        }
    }
    (text, rows)
}

fn threads(n: usize, batch_size: usize, block_size: usize) -> ScanOptions {
    ScanOptions::new()
        .with_threads(n)
        .with_batch_size(batch_size)
        .with_format_option("block_size", block_size)
}

/// The batches, or the error after the rows of the batches before it.
fn outcome(input: &DecodeInput, opts: &ScanOptions) -> (Vec<RecordBatch>, Option<String>) {
    let mut batches = Vec::new();
    for item in LibsvmDecoder.open(input, opts).unwrap() {
        match item {
            Ok(b) => batches.push(b),
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Parse, "{e}");
                return (batches, Some(e.to_string()));
            }
        }
    }
    (batches, None)
}

#[test]
fn four_threads_give_the_batches_of_one_across_chunks() {
    let (text, want) = generated(3000);
    let plain = input("data/x.libsvm", &text);
    let zst = compressed_input(
        "data/x.libsvm.zst",
        zstd(text.as_bytes()),
        Some(Arc::new(ZstdCodec)),
    );
    // Blocks of 200 bytes: about 300 chunks, most of them holding one batch of 7 rows.
    for (batch_size, block_size) in [(7, 200), (100, 1000), (1, 64), (8192, 1)] {
        for input in [&plain, &zst] {
            let one = decode_input(input, &threads(1, batch_size, block_size)).unwrap();
            let four = decode_input(input, &threads(4, batch_size, block_size)).unwrap();
            assert_eq!(one, four, "batch size {batch_size}, block {block_size}");
            assert_eq!(rows(&four), want);
            let sizes: Vec<usize> = four.iter().map(RecordBatch::num_rows).collect();
            let (last, full) = sizes.split_last().unwrap();
            assert!(full.iter().all(|&n| n == batch_size), "{sizes:?}");
            assert_eq!(*last, want.len() - full.len() * batch_size);
        }
    }
}

#[test]
fn four_threads_keep_projections_and_options() {
    let (text, want) = generated(500);
    let opts = threads(4, 10, 128)
        .with_projection(["values", "label"])
        .with_format_option("zero_based", true);
    let got = decode(&text, &opts).unwrap();
    assert_eq!(got, decode(&text, &opts.clone().with_threads(1)).unwrap());
    let labels: Vec<f64> = got
        .iter()
        .flat_map(|b| b.column(1).as_primitive::<Float64Type>().values().to_vec())
        .collect();
    assert_eq!(labels, want.iter().map(|r| r.0).collect::<Vec<_>>());
    let first = got[0].column(0).as_list::<i32>().value(1);
    assert_eq!(got[0].schema().field(0).name(), "values");
    assert_eq!(
        first.as_primitive::<Float32Type>().values().as_ref(),
        want[1].3
    );
    let indices = decode(
        &text,
        &threads(4, 10, 128).with_format_option("zero_based", true),
    )
    .unwrap()[0]
        .column(2)
        .as_list::<i32>()
        .value(1);
    let lowered: Vec<u32> = want[1].2.iter().map(|i| i - 1).collect();
    assert_eq!(
        indices.as_primitive::<UInt32Type>().values().as_ref(),
        lowered
    );
}

#[test]
fn an_error_in_a_later_chunk_names_its_line_with_four_threads() {
    let (mut text, want) = generated(2000);
    // Line 2002 (after the BOM line and 2000 generated lines) is the bad one.
    text.push_str("1 5:0.5 7:oops\n");
    text.push_str(&generated(300).0);
    let message = "invalid LIBSVM at data/x.libsvm line 2002: feature \"7:oops\": the value \
                   \"oops\" is not a number";
    for batch_size in [64, 1, 5000] {
        let opts = threads(4, batch_size, 256);
        let (batches, err) = outcome(&input("data/x.libsvm", &text), &opts);
        assert_eq!(err.as_deref(), Some(message), "batch size {batch_size}");
        // The whole batches before the bad line; the one it falls in is dropped.
        let whole = want.len() / batch_size * batch_size;
        assert_eq!(rows(&batches), want[..whole], "batch size {batch_size}");
        let one = outcome(&input("data/x.libsvm", &text), &opts.with_threads(1));
        assert_eq!(one, (batches, err));
    }
    let zst = compressed_input(
        "data/x.libsvm.zst",
        zstd(text.as_bytes()),
        Some(Arc::new(ZstdCodec)),
    );
    let (batches, err) = outcome(&zst, &threads(4, 64, 256));
    assert_eq!(err.unwrap(), message.replace("x.libsvm", "x.libsvm.zst"),);
    assert_eq!(rows(&batches), want[..want.len() / 64 * 64]);
}

#[test]
fn invalid_utf8_in_a_later_chunk_names_its_line() {
    let mut data = generated(1000).0.into_bytes();
    data.extend_from_slice(b"1 2:\xff\n1 3:1\n");
    let (_, err) = outcome(&input("u.libsvm", &data), &threads(4, 16, 100));
    assert_eq!(
        err.unwrap(),
        "invalid LIBSVM at u.libsvm line 1002: invalid UTF-8 at byte 5 of the line (bytes 0xff)"
    );
}

#[test]
fn a_scan_with_a_limit_stops_early_with_four_threads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.libsvm");
    let (text, want) = generated(3000);
    std::fs::write(&path, &text).unwrap();
    let opts = threads(4, 100, 512).with_limit(250);
    let mut reader = Scan::new([path.display().to_string()])
        .with_options(opts)
        .reader()
        .unwrap();
    let mut batches = Vec::new();
    while let Some(batch) = reader.next_batch().unwrap() {
        batches.push(batch);
    }
    assert_eq!(rows(&batches), want[..250]);
}

#[test]
fn block_size_is_a_positive_number_of_bytes() {
    let opts = ScanOptions::new().with_format_option("block_size", 0);
    let err = LibsvmDecoder.validate_options(&opts).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidOption);
    assert_eq!(
        err.to_string(),
        "invalid option: libsvm option \"block_size\" must be at least 1 (bytes), got 0"
    );
    let opts = ScanOptions::new().with_format_option("block_size", "4M");
    assert_eq!(
        decode(SAMPLE, &opts).unwrap_err().to_string(),
        "invalid option: libsvm option \"block_size\" must be a non-negative integer, got \"4M\""
    );
    let opts = ScanOptions::new().with_format_option("block_size", "1024");
    assert_eq!(rows(&decode(SAMPLE, &opts).unwrap()), sample_rows());
}
