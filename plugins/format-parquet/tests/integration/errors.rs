//! Bad input: each a typed error naming the file (and the row group where known), never a
//! panic.

use sluice_core::{ErrorKind, MultiGzCodec};

use crate::*;

fn error(name: &str, data: Vec<u8>) -> sluice_core::Error {
    let input = mem(name, data);
    let err = decode(&input, &ScanOptions::new()).unwrap_err();
    assert!(err.to_string().contains(name), "{err}");
    // Schema and count fail the same way.
    let schema = ParquetDecoder
        .infer_schema(&input, &ScanOptions::new())
        .unwrap_err();
    assert_eq!(schema.kind(), err.kind(), "{schema}");
    err
}

#[test]
fn conformance() {
    sluice_core::conformance::check_decoder(
        &ParquetDecoder,
        "sample.parquet",
        &bytes("int96.parquet"),
    );
    sluice_core::conformance::check_decoder(
        &ParquetDecoder,
        "sample.parquet",
        &bytes("codec_zstd.parquet"),
    );
}

#[test]
fn a_zero_byte_file() {
    let err = error("data/zero.parquet", Vec::new());
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert_eq!(
        err.to_string(),
        "invalid Parquet at data/zero.parquet: not a Parquet file: 0 bytes is smaller than \
         the smallest Parquet file (12 bytes: magic, footer length, magic)"
    );
}

#[test]
fn a_truncated_footer() {
    let data = bytes("types.parquet");
    for cut in [
        data.len() - 1,
        data.len() - 5,
        data.len() - 100,
        data.len() / 2,
    ] {
        let err = error("cut.parquet", data[..cut].to_vec());
        assert_eq!(err.kind(), ErrorKind::Parse, "cut at {cut}: {err}");
        assert!(err.to_string().contains("truncated"), "{err}");
    }
    // The tail magic intact, the footer's length cut: a corrupt footer.
    let mut bad = data.clone();
    let n = bad.len();
    bad[n - 8..n - 4].copy_from_slice(&u32::MAX.to_le_bytes());
    let err = error("len.parquet", bad);
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert!(err.to_string().contains("footer"), "{err}");
}

#[test]
fn a_corrupt_page_names_the_row_group() {
    // Overwrite the middle of the first row group's data (not the footer).
    let data = bytes("row_groups.parquet");
    let mut bad = data.clone();
    for b in &mut bad[200..1200] {
        *b = 0xa5;
    }
    let input = mem("pages.parquet", bad);
    assert_eq!(
        ParquetDecoder
            .count_rows(&input, &ScanOptions::new())
            .unwrap()
            .unwrap(),
        400,
        "the footer is intact"
    );
    for threads in [1, 4] {
        let err = decode(&input, &ScanOptions::new().with_threads(threads)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Parse, "{err}");
        let msg = err.to_string();
        assert!(
            msg.starts_with("invalid Parquet at pages.parquet: row group 0 (of 11): "),
            "{msg}"
        );
    }
}

#[test]
fn batches_before_an_error_come_first() {
    let data = bytes("row_groups.parquet");
    let mut bad = data.clone();
    let len = bad.len();
    // The last row group's chunks sit just before the footer.
    let footer = u32::from_le_bytes(bad[len - 8..len - 4].try_into().unwrap()) as usize;
    let end = len - 8 - footer;
    for b in &mut bad[end - 300..end] {
        *b = 0x5a;
    }
    let items: Vec<_> = ParquetDecoder
        .open(
            &mem("late.parquet", bad),
            &ScanOptions::new().with_threads(3),
        )
        .unwrap()
        .collect();
    let ok = items.iter().take_while(|r| r.is_ok()).count();
    assert!(ok >= 9, "{ok} good batches");
    let err = items[ok].as_ref().unwrap_err();
    assert!(err.to_string().contains("row group 10 (of 11)"), "{err}");
    assert_eq!(items.len(), ok + 1, "the stream ends after the error");
}

#[test]
fn wrong_magic() {
    let mut data = bytes("types.parquet");
    data[..4].copy_from_slice(b"PAR2");
    let err = error("magic.parquet", data);
    assert_eq!(err.kind(), ErrorKind::FormatMismatch);
    assert_eq!(
        err.to_string(),
        "magic.parquet: not a Parquet file: it starts with \"PAR2\" where Parquet files \
         start with \"PAR1\""
    );
}

#[test]
fn csv_named_parquet() {
    let err = error("data/table.parquet", b"id,name\n1,ada\n2,grace\n".to_vec());
    assert_eq!(err.kind(), ErrorKind::FormatMismatch);
    assert!(err.to_string().contains("it starts with \"id,n\""), "{err}");
}

#[test]
fn an_encrypted_footer_is_unsupported() {
    let mut data = bytes("types.parquet");
    let n = data.len();
    data[n - 4..].copy_from_slice(b"PARE");
    let err = error("enc.parquet", data);
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(err.to_string().contains("encrypted"), "{err}");
}

#[test]
fn compressed_input_is_unsupported() {
    let input = DecodeInput::new(
        Arc::new(MemorySource::new("t.parquet.gz", bytes("types.parquet"))),
        Some(Arc::new(MultiGzCodec)),
    );
    let err = decode(&input, &ScanOptions::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(
        err.to_string()
            .starts_with("t.parquet.gz: Parquet files need random access"),
        "{err}"
    );
}

#[test]
fn unknown_format_options_are_refused() {
    let opts = ScanOptions::new().with_format_option("delimiter", ",");
    let err = decode(&local("types.parquet"), &opts).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidOption);
}

#[test]
fn sniffing() {
    use sluice_core::{Probe, Sniff};
    fn probe(head: &[u8]) -> Probe<'_> {
        Probe {
            head,
            complete: false,
            name: "x",
        }
    }
    assert_eq!(
        ParquetDecoder.sniff(&probe(&bytes("types.parquet"))),
        Sniff::Yes
    );
    assert_eq!(ParquetDecoder.sniff(&probe(b"PAR")), Sniff::No);
    assert_eq!(ParquetDecoder.sniff(&probe(b"id,name\n")), Sniff::No);
    assert_eq!(ParquetDecoder.access(), sluice_core::Access::RandomAccess);
    assert_eq!(ParquetDecoder.extensions(), ["parquet", "parq"]);
}
