//! Valid input: exact values, batches, projection, options, codecs and registration.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, Float64Array};
use arrow_schema::{DataType, Field, Schema};
use sluice_core::{
    Decoder, ErrorKind, MultiGzCodec, Probe, Registry, ScanOptions, Sniff, ZstdCodec,
};

use crate::*;

#[test]
fn conformance() {
    sluice_core::conformance::check_decoder(&LibsvmDecoder, "sample.libsvm", SAMPLE);
    sluice_core::conformance::check_decoder(&LibsvmDecoder, "ranking.svmlight", RANKING);
}

#[test]
fn sample_values_are_exact() {
    let batches = decode(SAMPLE, &ScanOptions::new()).unwrap();
    assert_eq!(batches.len(), 1);
    assert_eq!(rows(&batches), sample_rows());
    let b = &batches[0];
    assert_eq!(b.column(1).null_count(), 3);
    assert_eq!(
        b.column(2).as_list::<i32>().offsets().as_ref(),
        [0, 2, 3, 3, 6, 8]
    );
    assert_eq!(b.column(2).as_list::<i32>().null_count(), 0);
}

#[test]
fn ranking_qids() {
    let batches = decode(RANKING, &ScanOptions::new()).unwrap();
    let got = rows(&batches);
    assert_eq!(got.len(), 5);
    let qids: Vec<_> = got.iter().map(|r| r.1).collect();
    assert_eq!(qids, [Some(1), Some(1), Some(1), Some(2), Some(2)]);
    assert_eq!(
        got[1],
        (
            2.0,
            Some(1),
            vec![1, 2, 3, 4, 5],
            vec![0.0, 0.0, 1.0, 0.1, 1.0]
        )
    );
}

#[test]
fn schema_is_fixed_and_needs_no_reading() {
    // An input that would fail to decode still has the schema.
    let bad = input("bad.libsvm", "not libsvm at all");
    let schema = LibsvmDecoder
        .infer_schema(&bad, &ScanOptions::new())
        .unwrap();
    assert_eq!(
        schema.to_string(),
        "Field { \"label\": Float64 }, Field { \"qid\": nullable Int64 }, \
         Field { \"indices\": List(non-null UInt32) }, Field { \"values\": List(non-null Float32) }"
    );
    let empty = decode("", &ScanOptions::new()).unwrap();
    assert!(empty.is_empty());
    let stream = LibsvmDecoder
        .open(&input("e.libsvm", "# nothing\n\n"), &ScanOptions::new())
        .unwrap();
    assert_eq!(stream.schema(), LibsvmDecoder::schema());
    assert_eq!(stream.count(), 0);
}

#[test]
fn batches_hold_at_most_batch_size_rows() {
    let data: String = (0..1000)
        .map(|i| format!("{} {}:{i} {}:0.5\n", i % 3, i + 1, i + 5))
        .collect();
    let opts = ScanOptions::new().with_batch_size(300);
    let batches = decode(&data, &opts).unwrap();
    let sizes: Vec<_> = batches.iter().map(|b| b.num_rows()).collect();
    assert_eq!(sizes, [300, 300, 300, 100]);
    let all = rows(&batches);
    assert_eq!(all[999], (0.0, None, vec![1000, 1004], vec![999.0, 0.5]));
    // Offsets restart at 0 in every batch.
    assert_eq!(
        batches[3].column(2).as_list::<i32>().offsets()[..3],
        [0, 2, 4]
    );
    // Comment and blank lines do not count as rows.
    let opts = ScanOptions::new().with_batch_size(2);
    let sizes: Vec<_> = decode(SAMPLE, &opts)
        .unwrap()
        .iter()
        .map(|b| b.num_rows())
        .collect();
    assert_eq!(sizes, [2, 2, 1]);
}

#[test]
fn projection_picks_and_orders_columns() {
    let opts = ScanOptions::new().with_projection(["values", "label"]);
    let batches = decode(SAMPLE, &opts).unwrap();
    let b = &batches[0];
    let names: Vec<_> = b
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(names, ["values", "label"]);
    assert_eq!(
        b.column(1).as_primitive::<Float64Type>(),
        &Float64Array::from(vec![1.0, -1.0, 1.0, 2.5, -1.0])
    );
    assert_eq!(b.column(0).as_list::<i32>().value_length(3), 3);

    let batches = decode(SAMPLE, &ScanOptions::new().with_projection(["qid"])).unwrap();
    let qids: Vec<_> = batches[0]
        .column(0)
        .as_primitive::<Int64Type>()
        .iter()
        .collect();
    assert_eq!(qids, [None, Some(3), None, None, Some(7)]);

    let empty: [&str; 0] = [];
    let batches = decode(SAMPLE, &ScanOptions::new().with_projection(empty)).unwrap();
    assert_eq!(batches[0].num_columns(), 0);
    assert_eq!(batches[0].num_rows(), 5);

    let err = decode(SAMPLE, &ScanOptions::new().with_projection(["weight"])).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownColumn);
    assert_eq!(
        err.to_string(),
        "unknown column \"weight\" in data/x.libsvm; available columns: label, qid, indices, values"
    );
}

#[test]
fn zero_based_lowers_one_based_indices() {
    let opts = ScanOptions::new().with_format_option("zero_based", true);
    let got = rows(&decode("1 1:0.5 3:1\n0 2:1\n", &opts).unwrap());
    assert_eq!(got[0].2, [0, 2]);
    assert_eq!(got[1].2, [1]);
    let opts = ScanOptions::new().with_format_option("zero_based", "false");
    assert_eq!(rows(&decode("1 0:2\n", &opts).unwrap())[0].2, [0]);
}

#[test]
fn compressed_inputs_are_decompressed_by_the_host() {
    let zst = compressed_input("data/s.libsvm.zst", zstd(SAMPLE), Some(Arc::new(ZstdCodec)));
    assert_eq!(
        rows(&decode_input(&zst, &ScanOptions::new()).unwrap()),
        sample_rows()
    );
    let gz = compressed_input(
        "data/s.libsvm.gz",
        gzip(SAMPLE),
        Some(Arc::new(MultiGzCodec)),
    );
    assert_eq!(
        rows(&decode_input(&gz, &ScanOptions::new()).unwrap()),
        sample_rows()
    );
}

#[test]
fn line_ends_bom_tabs_and_special_values() {
    let data = "\u{feff}1\t1:inf 2:-inf\r\n\r\n-1 3:nan # c\r\n0 qid:-4 4294967295:1E+3";
    let got = rows(&decode(data, &ScanOptions::new()).unwrap());
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].3, [f32::INFINITY, f32::NEG_INFINITY]);
    assert!(got[1].3[0].is_nan());
    assert_eq!(got[2], (0.0, Some(-4), vec![u32::MAX], vec![1000.0]));
}

#[test]
fn an_explicit_schema_must_be_the_libsvm_schema() {
    let opts = ScanOptions::new().with_schema(LibsvmDecoder::schema());
    assert_eq!(rows(&decode(SAMPLE, &opts).unwrap()), sample_rows());
    let other = Arc::new(Schema::new(vec![Field::new(
        "label",
        DataType::Utf8,
        false,
    )]));
    let err = decode(SAMPLE, &ScanOptions::new().with_schema(other)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Schema);
    assert_eq!(
        err.to_string(),
        "data/x.libsvm is LIBSVM, read as label: Float64, qid: Int64, indices: \
         List(non-null UInt32), values: List(non-null Float32); the given schema has label: Utf8"
    );
}

#[test]
fn registered_statically_with_its_extensions() {
    let registry = Registry::from_inventory();
    let decoder = registry.decoder("libsvm").expect("libsvm is registered");
    assert_eq!(decoder.extensions(), ["libsvm", "svm", "svmlight"]);
    assert_eq!(decoder.access(), sluice_core::Access::Sequential);
    let entry = registry
        .decoders()
        .iter()
        .find(|e| e.item.name() == "libsvm")
        .unwrap();
    assert_eq!(entry.priority, 60);
}

#[test]
fn sniffs_its_own_files() {
    let probe = |head: &[u8], name: &str| {
        LibsvmDecoder.sniff(&Probe {
            head,
            complete: true,
            name,
        })
    };
    assert_eq!(probe(SAMPLE, "sample.libsvm"), Sniff::Yes);
    assert_eq!(probe(RANKING, "r.svmlight"), Sniff::Yes);
    assert_eq!(probe(b"id,label\n1,2\n", "x.csv"), Sniff::No);
}
