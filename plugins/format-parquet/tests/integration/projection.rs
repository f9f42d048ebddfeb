//! Projection: pushed into the reader, nested columns whole, output in the order asked for.

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use sluice_core::ErrorKind;

use crate::*;

#[test]
fn columns_come_in_the_order_asked_for() {
    let opts = ScanOptions::new().with_projection(["map", "st_list", "i8"]);
    let batches = decode(&local("types.parquet"), &opts).unwrap();
    let b = one(&batches);
    let names: Vec<_> = b
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(names, ["map", "st_list", "i8"]);
    let full = one(&read("types.parquet"));
    for name in &names {
        assert_eq!(
            b.column_by_name(name).unwrap().as_ref(),
            full.column_by_name(name).unwrap().as_ref(),
            "{name}"
        );
    }
    let stream = ParquetDecoder.open(&local("types.parquet"), &opts).unwrap();
    assert_eq!(stream.schema(), b.schema());
}

#[test]
fn nested_columns_are_read_with_all_their_leaves() {
    let opts = ScanOptions::new().with_projection(["list_st", "st"]);
    let b = one(&decode(&local("types.parquet"), &opts).unwrap());
    let full = one(&read("types.parquet"));
    assert_eq!(b.num_columns(), 2);
    assert_eq!(
        b.column(0).as_ref(),
        full.column_by_name("list_st").unwrap().as_ref()
    );
    assert_eq!(
        b.column(1).as_ref(),
        full.column_by_name("st").unwrap().as_ref()
    );
}

#[test]
fn unselected_columns_are_never_read() {
    let data = written(20_000, 5_000);
    let size = data.len() as u64;
    let (input, counter) = Counting::input("w.parquet", data.clone());
    let ids = decode(&input, &ScanOptions::new().with_projection(["id"])).unwrap();
    assert_eq!(rows(&ids), 20_000);
    assert_eq!(
        ids.iter()
            .flat_map(|b| b.column(0).as_primitive::<Int64Type>().values().to_vec())
            .collect::<Vec<_>>(),
        (0..20_000).collect::<Vec<_>>()
    );
    // 8 bytes per id, plus the magic and the 64 KiB tail read with the footer.
    let projected = counter.bytes_read();
    assert!(
        projected < 20_000 * 8 + 70_000,
        "read {projected} of {size}"
    );
    let (input, counter) = Counting::input("w.parquet", data);
    decode(&input, &ScanOptions::new()).unwrap();
    // Every byte at most once, but for the footer's tail.
    let whole = counter.bytes_read();
    assert!(whole <= size + 70_000, "whole {whole} size {size}");
}

#[test]
fn the_footer_is_all_schema_and_count_read() {
    let data = written(20_000, 5_000);
    let size = data.len() as u64;
    let (input, counter) = Counting::input("w.parquet", data);
    let schema = ParquetDecoder
        .infer_schema(&input, &ScanOptions::new())
        .unwrap();
    assert_eq!(schema.fields().len(), 2);
    let n = ParquetDecoder
        .count_rows(&input, &ScanOptions::new())
        .unwrap()
        .unwrap();
    assert_eq!(n, 20_000);
    assert!(size > 500_000, "{size}");
    assert!(
        counter.bytes_read() <= 2 * (64 * 1024 + 4),
        "{}",
        counter.bytes_read()
    );
}

#[test]
fn an_unknown_column_names_the_file_and_the_columns() {
    let err = decode(
        &local("int96.parquet"),
        &ScanOptions::new().with_projection(["n", "nope"]),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownColumn);
    let msg = err.to_string();
    assert!(
        msg.contains("\"nope\"") && msg.contains("int96.parquet"),
        "{msg}"
    );
    assert!(msg.contains("when, n"), "{msg}");
}

#[test]
fn an_empty_projection_keeps_the_row_counts() {
    let opts = ScanOptions::new().with_projection(Vec::<String>::new());
    let batches = decode(&local("row_groups.parquet"), &opts).unwrap();
    assert_eq!(rows(&batches), 400);
    assert!(batches.iter().all(|b| b.num_columns() == 0));
}
