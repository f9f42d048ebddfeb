//! Options, registration, sniffing and the core conformance suite.

use sluice_core::conformance::check_decoder;
use sluice_core::{Decoder, DecoderRegistration, ErrorKind, Probe, ScanOptions, Sniff};
use sluice_format_csv::CsvDecoder;

use crate::*;

const SAMPLE: &[u8] = b"id,name,score,ok\n1,\"Smith, J\",1.5,true\n2,\"say \"\"hi\"\"\",2,false\n\
3,\"two\nlines\",,true\n";

#[test]
fn conformance_csv() {
    check_decoder(&CsvDecoder::csv(), "sample.csv", SAMPLE);
}

#[test]
fn conformance_tsv() {
    let tsv = b"id\tname\n1\ta,b\n2\t\"x\ty\"\n3\t\n";
    check_decoder(&CsvDecoder::tsv(), "sample.tsv", tsv);
}

#[test]
fn registered_as_csv_and_tsv() {
    let mut ours: Vec<(&str, i32, String, Vec<String>)> =
        sluice_core::inventory::iter::<DecoderRegistration>
            .into_iter()
            .filter(|r| r.name == "csv" || r.name == "tsv")
            .map(|r| {
                let d = (r.create)();
                let exts = d.extensions().iter().map(|e| e.to_string()).collect();
                (r.name, r.priority, d.name().to_string(), exts)
            })
            .collect();
    ours.sort();
    assert_eq!(
        ours,
        [
            ("csv", 10, "csv".to_string(), vec!["csv".to_string()]),
            ("tsv", 11, "tsv".to_string(), vec!["tsv".to_string()]),
        ]
    );
    assert_eq!(CsvDecoder::tsv().default_delimiter(), b'\t');
}

#[test]
fn validate_options_rejects_unknown_keys_and_bad_values() {
    let d = CsvDecoder::csv();
    d.validate_options(&ScanOptions::new().with_format_option("header", false))
        .unwrap();
    let err = d
        .validate_options(&ScanOptions::new().with_format_option("headers", false))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidOption);
    assert_eq!(
        err.to_string(),
        "invalid option: unknown csv option(s) headers; known options: block_size, \
         comment, delimiter, escape, header, quote"
    );
    let err = d
        .validate_options(&ScanOptions::new().with_format_option("delimiter", ";;"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidOption);
    let err = CsvDecoder::tsv()
        .validate_options(&ScanOptions::new().with_format_option("quote", "\t"))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid option: tsv options \"delimiter\" and \"quote\" cannot both be '\\t'"
    );
    // open checks them too.
    let err = error(
        "o.csv",
        "a\n1\n",
        &ScanOptions::new().with_format_option("x", 1),
    );
    assert_eq!(err.kind(), ErrorKind::InvalidOption);
}

#[test]
fn sniff() {
    let d = CsvDecoder::csv();
    let probe = |head: &'static [u8], complete| Probe {
        head,
        complete,
        name: "x.csv",
    };
    assert_eq!(d.sniff(&probe(SAMPLE, true)), Sniff::Maybe);
    assert_eq!(d.sniff(&probe(b"a,b\n\xe2\x82", false)), Sniff::Maybe);
    assert_eq!(d.sniff(&probe(b"PAR1\0\0\x15", false)), Sniff::No);
    assert_eq!(d.sniff(&probe(b"\x1f\x8b\x08\x00\xff", false)), Sniff::No);
}

#[test]
fn infer_schema_matches_the_stream_schema() {
    let d = CsvDecoder::csv();
    let opts = ScanOptions::new();
    let schema = d.infer_schema(&input("s.csv", SAMPLE), &opts).unwrap();
    let stream = d.open(&input("s.csv", SAMPLE), &opts).unwrap();
    assert_eq!(schema, stream.schema());
    assert_eq!(
        schema
            .fields()
            .iter()
            .map(|f| (f.name().as_str(), f.data_type().clone()))
            .collect::<Vec<_>>(),
        [
            ("id", DataType::Int64),
            ("name", DataType::Utf8),
            ("score", DataType::Float64),
            ("ok", DataType::Boolean)
        ]
    );
}
