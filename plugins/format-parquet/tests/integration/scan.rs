//! Through the scan pipeline: resolution by extension and magic, exact batches across row
//! groups and files, counts from footers.

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use sluice_core::{ErrorKind, Scan};

use crate::*;

fn path(name: &str) -> String {
    fixture(name).to_str().unwrap().to_string()
}

fn scan_batches(scan: &Scan) -> Vec<RecordBatch> {
    let mut reader = scan.reader().unwrap();
    std::iter::from_fn(|| reader.next_batch().unwrap()).collect()
}

#[test]
fn exact_batches_across_row_groups() {
    let scan = Scan::new([path("row_groups.parquet")])
        .with_options(ScanOptions::new().with_batch_size(50).with_threads(4));
    let batches = scan_batches(&scan);
    let sizes: Vec<usize> = batches.iter().map(|b| b.num_rows()).collect();
    assert_eq!(sizes, [50; 8]);
    assert_eq!(scan.count_rows().unwrap(), 400);
}

#[test]
fn several_files_in_order_with_projection() {
    let pattern = path("codec_*.parquet");
    let scan = Scan::new([pattern.as_str()]).with_options(
        ScanOptions::new()
            .with_projection(["score", "id"])
            .with_batch_size(100),
    );
    let batches = scan_batches(&scan);
    assert_eq!(rows(&batches), 6 * 120);
    assert!(
        batches[..batches.len() - 1]
            .iter()
            .all(|b| b.num_rows() == 100)
    );
    let ids: Vec<i64> = batches
        .iter()
        .flat_map(|b| b.column(1).as_primitive::<Int64Type>().values().to_vec())
        .collect();
    let want: Vec<i64> = (0..6).flat_map(|_| 0..120).collect();
    assert_eq!(ids, want);
    assert_eq!(scan.count_rows().unwrap(), 720);
    assert_eq!(scan.schema().unwrap().field(0).name(), "score");
}

#[test]
fn a_parquet_named_file_that_is_csv_fails_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("table.parquet");
    std::fs::write(&p, "id,name\n1,ada\n").unwrap();
    let err = Scan::new([p.to_str().unwrap()]).reader().err().unwrap();
    assert!(
        matches!(err.kind(), ErrorKind::FormatMismatch | ErrorKind::Parse),
        "{err}"
    );
    assert!(err.to_string().contains("table.parquet"), "{err}");
}

#[test]
fn parquet_is_found_by_magic_without_an_extension() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("blob.bin");
    std::fs::copy(fixture("int96.parquet"), &p).unwrap();
    let scan = Scan::new([p.to_str().unwrap()]);
    assert_eq!(rows(&scan_batches(&scan)), 4);
}

#[test]
fn several_files_of_every_type_read_as_each_alone() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["types.parquet", "pandas_index.parquet", "int96.parquet"] {
        for copy in ["a", "b"] {
            std::fs::copy(fixture(name), dir.path().join(format!("{copy}_{name}"))).unwrap();
        }
        let pattern = format!("{}/*_{name}", dir.path().to_str().unwrap());
        let batches = scan_batches(&Scan::new([pattern.as_str()]));
        let alone = one(&read(name));
        let both = one(&batches);
        // Unifying several files keeps the fields (not the schema-level metadata).
        assert_eq!(both.schema().fields(), alone.schema().fields(), "{name}");
        for at in [0, alone.num_rows()] {
            assert_eq!(
                both.slice(at, alone.num_rows()).columns(),
                alone.columns(),
                "{name}"
            );
        }
    }
}

#[test]
fn an_explicit_schema_that_does_not_fit_is_a_schema_error() {
    use arrow_schema::{DataType, Field, Schema};
    let schema = Arc::new(Schema::new(vec![
        Field::new("when", DataType::Utf8, true),
        Field::new("n", DataType::Int32, true),
    ]));
    let err = decode(
        &local("int96.parquet"),
        &ScanOptions::new().with_schema(schema),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Schema, "{err}");
    assert!(err.to_string().contains("int96.parquet"), "{err}");
}
