//! Row groups: counts from the footer, batch sizes, and parallel decoding in order.

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};

use crate::*;

fn count(input: &DecodeInput) -> u64 {
    ParquetDecoder
        .count_rows(input, &ScanOptions::new())
        .unwrap()
        .unwrap()
}

#[test]
fn row_counts_come_from_the_footer() {
    for (name, n) in [
        ("types.parquet", 4),
        ("row_groups.parquet", 400),
        ("v2_delta.parquet", 215),
        ("codec_brotli.parquet", 120),
        ("empty.parquet", 0),
        ("int96.parquet", 4),
    ] {
        assert_eq!(count(&local(name)), n, "{name}");
        assert_eq!(rows(&read(name)) as u64, n, "{name}");
    }
}

#[test]
fn batches_never_exceed_the_batch_size_nor_span_row_groups() {
    // 400 rows in row groups of 37: 10 full groups and one of 30.
    for bs in [1, 10, 37, 50, 1000] {
        let opts = ScanOptions::new().with_batch_size(bs).with_threads(1);
        let batches = decode(&local("row_groups.parquet"), &opts).unwrap();
        let sizes: Vec<usize> = batches.iter().map(|b| b.num_rows()).collect();
        let mut want = Vec::new();
        for group in [37; 10].into_iter().chain([30]) {
            let mut left = group;
            while left > 0 {
                want.push(left.min(bs));
                left -= left.min(bs);
            }
        }
        assert_eq!(sizes, want, "batch size {bs}");
        let ids: Vec<i32> = batches
            .iter()
            .flat_map(|b| b.column(0).as_primitive::<Int32Type>().values().to_vec())
            .collect();
        assert_eq!(ids, (0..400).collect::<Vec<_>>(), "batch size {bs}");
    }
}

#[test]
fn threads_give_the_same_batches_in_the_same_order() {
    for name in ["row_groups.parquet", "v2_delta.parquet", "types.parquet"] {
        for bs in [7, 8192] {
            let base = ScanOptions::new().with_batch_size(bs);
            let one_thread = decode(&local(name), &base.clone().with_threads(1)).unwrap();
            for threads in [0, 2, 4] {
                let many = decode(&local(name), &base.clone().with_threads(threads)).unwrap();
                assert_eq!(many, one_thread, "{name} batch size {bs} threads {threads}");
            }
        }
    }
}

#[test]
fn many_row_groups_in_parallel_with_projection() {
    let data = written(50_000, 1_000);
    let input = mem("w.parquet", data);
    let opts = ScanOptions::new()
        .with_projection(["text", "id"])
        .with_batch_size(300);
    let seq = decode(&input, &opts.clone().with_threads(1)).unwrap();
    let par = decode(&input, &opts.clone().with_threads(4)).unwrap();
    assert_eq!(seq, par);
    let ids: Vec<i64> = par
        .iter()
        .flat_map(|b| b.column(1).as_primitive::<Int64Type>().values().to_vec())
        .collect();
    assert_eq!(ids, (0..50_000).collect::<Vec<_>>());
    assert_eq!(par[0].column(0).as_string::<i32>().value(2), "00000002-xx");
}

#[test]
fn dropping_a_parallel_stream_early_is_fine() {
    let input = mem("w.parquet", written(20_000, 500));
    let mut stream = ParquetDecoder
        .open(
            &input,
            &ScanOptions::new().with_threads(4).with_batch_size(100),
        )
        .unwrap();
    let first = stream.next().unwrap().unwrap();
    assert_eq!(first.num_rows(), 100);
    drop(stream);
}

#[test]
fn row_groups_are_listed_from_the_footer() {
    let splits: Vec<RowGroupSplit> = ParquetDecoder
        .row_groups(&local("row_groups.parquet"))
        .unwrap();
    assert_eq!(splits.len(), 11);
    assert_eq!(splits[0].index, 0);
    assert_eq!(splits[10].index, 10);
    let counts: Vec<u64> = splits.iter().map(|s| s.num_rows).collect();
    assert_eq!(counts, [37, 37, 37, 37, 37, 37, 37, 37, 37, 37, 30]);
    assert!(splits.iter().all(|s| s.compressed_bytes > 0));
    // pyarrow writes one row group of no rows for an empty table.
    let empty = ParquetDecoder.row_groups(&local("empty.parquet")).unwrap();
    assert!(empty.iter().all(|s| s.num_rows == 0), "{empty:?}");
}

#[test]
fn the_row_groups_option_reads_only_those_in_that_order() {
    for threads in [1, 4] {
        let opts = ScanOptions::new()
            .with_threads(threads)
            .with_format_option("row_groups", serde_json::json!([10, 2]));
        let batches = decode(&local("row_groups.parquet"), &opts).unwrap();
        let ids: Vec<i32> = batches
            .iter()
            .flat_map(|b| b.column(0).as_primitive::<Int32Type>().values().to_vec())
            .collect();
        let want: Vec<i32> = (370..400).chain(74..111).collect();
        assert_eq!(ids, want, "threads {threads}");
        let n = ParquetDecoder
            .count_rows(&local("row_groups.parquet"), &opts)
            .unwrap()
            .unwrap();
        assert_eq!(n, 67);
    }
    let one_group = ScanOptions::new().with_format_option("row_groups", 3);
    assert_eq!(
        rows(&decode(&local("row_groups.parquet"), &one_group).unwrap()),
        37
    );
}

#[test]
fn a_bad_row_groups_option_is_an_invalid_option() {
    use sluice_core::ErrorKind;
    let past = ScanOptions::new().with_format_option("row_groups", serde_json::json!([0, 11]));
    let err = decode(&local("row_groups.parquet"), &past).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidOption);
    let msg = err.to_string();
    assert!(
        msg.contains("row group 11") && msg.contains("row_groups.parquet has 11"),
        "{msg}"
    );
    for bad in [
        serde_json::json!("1"),
        serde_json::json!([-1]),
        serde_json::json!([1.5]),
    ] {
        let opts = ScanOptions::new().with_format_option("row_groups", bad.clone());
        let err = ParquetDecoder.validate_options(&opts).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidOption, "{bad}");
        assert!(err.to_string().contains("row_groups"), "{err}");
    }
}
