//! The scan pipeline end to end: exact batches across files, unification, projection,
//! limit, parallel order, codecs and errors.

use serde_json::json;
use sluice::arrow::array::RecordBatchReader;
use sluice::arrow::datatypes::DataType;
use sluice::{ErrorKind, Scan, ScanOptions};

use crate::{collect, gzip, rows, write, zstd};

fn csv_rows(start: usize, n: usize) -> Vec<u8> {
    let mut s = String::from("id,name\n");
    for i in start..start + n {
        s.push_str(&format!("{i},n{i}\n"));
    }
    s.into_bytes()
}

#[test]
fn batches_are_exact_across_files_and_empty_shards() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "part-0.csv", &csv_rows(0, 5));
    write(d, "part-1.csv", b"");
    write(d, "part-2.csv", &csv_rows(5, 7));
    let glob = format!("{}/part-*.csv", d.display());
    let batches = collect(&[&glob], ScanOptions::new().with_batch_size(4)).expect("scan");
    let sizes: Vec<usize> = batches.iter().map(|b| b.num_rows()).collect();
    assert_eq!(sizes, [4, 4, 4]);
    let ids: Vec<i64> = rows(&batches)
        .iter()
        .map(|r| r["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids, (0..12).collect::<Vec<_>>());
    assert_eq!(batches[0].schema().field(0).data_type(), &DataType::Int64);
}

#[test]
fn schemas_unify_by_name_and_missing_columns_are_null() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let a = write(d, "a.jsonl", b"{\"id\":1,\"x\":1}\n{\"id\":2,\"x\":2.5}\n");
    let b = write(d, "b.jsonl", b"{\"y\":\"s\",\"id\":3}\n");
    let scan = Scan::new([a.as_str(), b.as_str()]);
    let schema = scan.schema().expect("schema");
    let fields: Vec<(&str, &DataType)> = schema
        .fields()
        .iter()
        .map(|f| (f.name().as_str(), f.data_type()))
        .collect();
    assert_eq!(
        fields,
        [
            ("id", &DataType::Int64),
            ("x", &DataType::Float64),
            ("y", &DataType::Utf8)
        ]
    );
    let got = rows(&collect(&[&a, &b], ScanOptions::new()).expect("scan"));
    assert_eq!(
        got,
        [
            json!({"id": 1, "x": 1.0, "y": null}),
            json!({"id": 2, "x": 2.5, "y": null}),
            json!({"id": 3, "x": null, "y": "s"}),
        ]
    );
}

#[test]
fn incompatible_types_are_an_error_naming_both_files_and_the_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = write(dir.path(), "a.jsonl", b"{\"x\":1}\n");
    let b = write(dir.path(), "b.jsonl", b"{\"x\":\"one\"}\n");
    let err = collect(&[&a, &b], ScanOptions::new()).expect_err("conflict");
    assert_eq!(err.kind(), ErrorKind::Schema);
    let msg = err.to_string();
    assert!(
        msg.contains(&a) && msg.contains(&b) && msg.contains("\"x\""),
        "{msg}"
    );
}

#[test]
fn projection_orders_columns_and_unknown_columns_list_the_available_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = write(dir.path(), "a.csv", b"id,name,score\n1,a,0.5\n2,b,1.5\n");
    let b = write(dir.path(), "b.csv", b"id,score\n3,2.5\n");
    let got = rows(
        &collect(
            &[&a, &b],
            ScanOptions::new().with_projection(["score", "name"]),
        )
        .expect("scan"),
    );
    assert_eq!(
        got,
        [
            json!({"score": 0.5, "name": "a"}),
            json!({"score": 1.5, "name": "b"}),
            json!({"score": 2.5, "name": null}),
        ]
    );
    for locations in [vec![a.as_str()], vec![a.as_str(), b.as_str()]] {
        let err =
            collect(&locations, ScanOptions::new().with_projection(["nope"])).expect_err("unknown");
        assert_eq!(err.kind(), ErrorKind::UnknownColumn);
        assert!(
            err.to_string()
                .contains("available columns: id, name, score"),
            "{err}"
        );
    }
}

#[test]
fn limit_stops_across_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = write(dir.path(), "a.csv", &csv_rows(0, 4));
    let b = write(dir.path(), "b.csv", &csv_rows(4, 4));
    let batches = collect(
        &[&a, &b],
        ScanOptions::new().with_limit(6).with_batch_size(4),
    )
    .expect("scan");
    let ids: Vec<i64> = rows(&batches)
        .iter()
        .map(|r| r["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids, [0, 1, 2, 3, 4, 5]);
    assert_eq!(
        batches.iter().map(|b| b.num_rows()).collect::<Vec<_>>(),
        [4, 2]
    );
}

#[test]
fn parallel_decoding_keeps_file_order_under_a_tiny_readahead() {
    let dir = tempfile::tempdir().expect("tempdir");
    for f in 0..24 {
        write(dir.path(), &format!("p{f:02}.csv"), &csv_rows(f * 500, 500));
    }
    let glob = format!("{}/*.csv", dir.path().display());
    let options = ScanOptions::new()
        .with_threads(4)
        .with_readahead_bytes(1024)
        .with_batch_size(333);
    let batches = collect(&[&glob], options).expect("scan");
    let ids: Vec<i64> = rows(&batches)
        .iter()
        .map(|r| r["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids, (0..12_000).collect::<Vec<_>>());
    assert!(
        batches[..batches.len() - 1]
            .iter()
            .all(|b| b.num_rows() == 333)
    );
}

#[test]
fn concatenated_gzip_members_and_zstd_frames_are_all_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut gz = gzip(b"{\"v\":1}\n{\"v\":2}\n");
    gz.extend(gzip(b"{\"v\":3}\n"));
    let a = write(dir.path(), "a.jsonl.gz", &gz);
    let mut zs = zstd(b"{\"v\":4}\n");
    zs.extend(zstd(b"{\"v\":5}\n{\"v\":6}\n"));
    let b = write(dir.path(), "b.jsonl.zst", &zs);
    let got: Vec<i64> = rows(&collect(&[&a, &b], ScanOptions::new()).expect("scan"))
        .iter()
        .map(|r| r["v"].as_i64().expect("v"))
        .collect();
    assert_eq!(got, [1, 2, 3, 4, 5, 6]);
}

#[test]
fn truncated_and_corrupt_compression_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let body: String = (0..20_000).map(|i| format!("{{\"v\":{i}}}\n")).collect();
    let gz = gzip(body.as_bytes());
    let a = write(dir.path(), "cut.jsonl.gz", &gz[..gz.len() / 2]);
    let zs = zstd(body.as_bytes());
    let b = write(dir.path(), "cut.jsonl.zst", &zs[..zs.len() / 2]);
    // Byte 10 starts the deflate data: 0xff is a final block of the invalid type 3.
    let mut bad = gz.clone();
    bad[10] = 0xff;
    let c = write(dir.path(), "corrupt.jsonl.gz", &bad);
    for path in [a, b, c] {
        let err = collect(&[&path], ScanOptions::new()).expect_err("must fail");
        assert_eq!(err.kind(), ErrorKind::Decompress, "{path}: {err}");
        assert!(err.to_string().contains(&path), "{err}");
    }
    // Garbage in the middle of a deflate stream may inflate to garbage before the CRC
    // check: whichever layer notices first, the scan fails naming the file.
    let mut bad = gz.clone();
    let mid = bad.len() / 2;
    bad[mid..mid + 8].copy_from_slice(b"garbage!");
    let d = write(dir.path(), "mangled.jsonl.gz", &bad);
    let err = collect(&[&d], ScanOptions::new()).expect_err("must fail");
    assert!(
        matches!(err.kind(), ErrorKind::Decompress | ErrorKind::Parse),
        "{err}"
    );
    assert!(err.to_string().contains(&d), "{err}");
}

#[test]
fn rows_before_an_error_are_delivered_then_the_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = write(dir.path(), "a.jsonl", b"{\"v\":1}\n{\"v\":2}\n");
    let b = write(dir.path(), "b.jsonl", b"{\"v\":3}\n{\"v\":4\n");
    let mut reader = Scan::new([a.as_str(), b.as_str()])
        .with_options(ScanOptions::new().with_infer_rows(1))
        .reader()
        .expect("reader");
    let mut seen = 0;
    let err = loop {
        match reader.next_batch() {
            Ok(Some(batch)) => seen += batch.num_rows(),
            Ok(None) => panic!("the malformed line must fail the scan"),
            Err(e) => break e,
        }
    };
    assert_eq!(seen, 2);
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert!(err.to_string().contains(&format!("{b} line 2")), "{err}");
}

#[test]
fn the_scan_is_an_arrow_record_batch_reader() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = write(dir.path(), "a.txt", b"one\ntwo\r\n\nthree");
    let reader = Scan::new([a.as_str()]).reader().expect("reader");
    let boxed: Box<dyn RecordBatchReader> = Box::new(reader);
    assert_eq!(boxed.schema().field(0).name(), "text");
    let batches: Vec<_> = boxed.collect::<Result<_, _>>().expect("batches");
    assert_eq!(
        rows(&batches),
        [
            json!({"text": "one"}),
            json!({"text": "two"}),
            json!({"text": ""}),
            json!({"text": "three"})
        ]
    );
}

#[test]
fn count_rows_counts_every_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.csv", &csv_rows(0, 10));
    write(dir.path(), "b.jsonl.gz", &gzip(b"{\"id\":1}\n{\"id\":2}\n"));
    write(dir.path(), "c.txt", b"x\ny\nz\n");
    let root = dir.path().to_str().expect("utf-8");
    assert_eq!(Scan::new([root]).count_rows().expect("count"), 15);
}
