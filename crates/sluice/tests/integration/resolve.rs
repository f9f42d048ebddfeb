//! Expansion of locations and the codec/format decision, with its evidence.

use sluice::{ErrorKind, Evidence, Scan, ScanOptions};

use crate::{gzip, write, zstd};

fn files(locations: &[&str]) -> Vec<(String, String, String, Evidence, Evidence)> {
    Scan::new(locations.iter().copied())
        .files()
        .expect("files")
        .into_iter()
        .map(|f| {
            (
                f.meta.location.file_name().to_string(),
                f.decoder.name().to_string(),
                f.codec_name().to_string(),
                f.format_evidence,
                f.codec_evidence,
            )
        })
        .collect()
}

#[test]
fn glob_and_directory_order_is_bytewise_and_skips_hidden() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    for rel in [
        "b/y.jsonl",
        "b-x.jsonl",
        "b.jsonl",
        "a/z.jsonl",
        "_SUCCESS",
        ".hidden.jsonl",
        "b/.crc/c.jsonl",
        "b/_tmp/d.jsonl",
        "README.md",
    ] {
        write(d, rel, b"{\"v\":1}\n");
    }
    let root = d.to_str().expect("utf-8");
    let names: Vec<String> = Scan::new([root])
        .files()
        .expect("files")
        .iter()
        .map(|f| f.meta.location.to_string()[root.len()..].to_string())
        .collect();
    assert_eq!(
        names,
        ["/a/z.jsonl", "/b-x.jsonl", "/b.jsonl", "/b/y.jsonl"]
    );

    let glob = format!("{root}/**/*.jsonl");
    let names: Vec<String> = Scan::new([glob.as_str()])
        .files()
        .expect("files")
        .iter()
        .map(|f| f.meta.location.to_string()[root.len()..].to_string())
        .collect();
    assert_eq!(
        names,
        ["/a/z.jsonl", "/b-x.jsonl", "/b.jsonl", "/b/y.jsonl"]
    );

    let braces = format!("{root}/{{a,b}}/*.jsonl");
    assert_eq!(
        Scan::new([braces.as_str()]).files().expect("files").len(),
        2
    );
    let question = format!("{root}/b?x.jsonl");
    assert_eq!(
        Scan::new([question.as_str()]).files().expect("files").len(),
        1
    );
    let class = format!("{root}/[ab]/*.jsonl");
    assert_eq!(Scan::new([class.as_str()]).files().expect("files").len(), 2);
}

#[test]
fn a_location_that_matches_nothing_is_not_found_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = format!("{}/nope/*.csv", dir.path().display());
    let err = Scan::new([missing.as_str()])
        .files()
        .expect_err("nothing matches");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains(&missing), "{err}");

    let missing = format!("{}/nope.csv", dir.path().display());
    let err = Scan::new([missing.as_str()]).files().expect_err("no file");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains(&missing), "{err}");
}

#[test]
fn codec_and_format_come_from_extension_then_magic_then_content() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let jsonl = b"{\"a\":1}\n{\"a\":2}\n";
    let a = write(d, "a.jsonl.gz", &gzip(jsonl));
    let b = write(d, "b.jsonl", &gzip(jsonl)); // gzip content under a plain name
    let c = write(d, "c.data", &zstd(b"x,y\n1,2\n")); // no known extension at all
    let e = write(d, "e", b"[{\"a\":1}]");
    let got = files(&[&a, &b, &c, &e]);
    assert_eq!(
        got,
        [
            (
                "a.jsonl.gz".into(),
                "jsonl".into(),
                "gzip".into(),
                Evidence::Extension,
                Evidence::Extension
            ),
            (
                "b.jsonl".into(),
                "jsonl".into(),
                "gzip".into(),
                Evidence::Extension,
                Evidence::Magic
            ),
            (
                "c.data".into(),
                "csv".into(),
                "zstd".into(),
                Evidence::Heuristic,
                Evidence::Magic
            ),
            (
                "e".into(),
                "json".into(),
                "none".into(),
                Evidence::Magic,
                Evidence::Default
            ),
        ]
    );
    let forced = Scan::new([c.as_str()])
        .with_options(ScanOptions::new().with_format("text"))
        .files()
        .expect("files");
    assert_eq!(forced[0].decoder.name(), "text");
    assert_eq!(forced[0].format_evidence, Evidence::Option);
}

#[test]
fn an_extension_that_contradicts_the_content_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let not_gzip = write(d, "x.csv.gz", b"a,b\n1,2\n");
    let err = Scan::new([not_gzip.as_str()])
        .files()
        .expect_err("not gzip");
    assert_eq!(err.kind(), ErrorKind::FormatMismatch);
    assert!(err.to_string().contains("x.csv.gz"), "{err}");
    assert!(err.to_string().contains("gzip"), "{err}");

    let zstd_as_gz = write(d, "y.jsonl.gz", &zstd(b"{}\n"));
    let err = Scan::new([zstd_as_gz.as_str()])
        .files()
        .expect_err("zstd named gz");
    assert_eq!(err.kind(), ErrorKind::FormatMismatch);
    assert!(err.to_string().contains("zstd"), "{err}");

    let parquet = write(d, "z.jsonl", b"PAR1\x15\x04\x15\x00\x00\x00binary");
    let err = Scan::new([parquet.as_str()])
        .files()
        .expect_err("parquet named jsonl");
    assert_eq!(err.kind(), ErrorKind::FormatMismatch);
    assert!(err.to_string().contains("z.jsonl"), "{err}");
    // "parquet" (the linked decoder's name) or "Parquet" (known magic, no decoder linked).
    assert!(err.to_string().to_lowercase().contains("parquet"), "{err}");

    let csv_as_json = write(d, "w.json", b"a,b\n1,2\n");
    let err = Scan::new([csv_as_json.as_str()])
        .files()
        .expect_err("csv named json");
    assert_eq!(err.kind(), ErrorKind::FormatMismatch);
    assert!(err.to_string().contains("w.json"), "{err}");
}

#[test]
fn forced_compression_and_unknown_names_are_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = write(dir.path(), "a.csv", b"x\n1\n");
    let err = Scan::new([a.as_str()])
        .with_options(ScanOptions::new().with_compression("lzma"))
        .files()
        .expect_err("unknown codec");
    assert_eq!(err.kind(), ErrorKind::InvalidOption);
    assert!(err.to_string().contains("gzip, zstd"), "{err}");
    let err = Scan::new([a.as_str()])
        .with_options(ScanOptions::new().with_format("xlsx"))
        .files()
        .expect_err("unknown format");
    assert_eq!(err.kind(), ErrorKind::InvalidOption);
    let err = Scan::new([a.as_str()])
        .with_options(ScanOptions::new().with_format_option("no_such_option", true))
        .files()
        .expect_err("unknown format option");
    assert_eq!(err.kind(), ErrorKind::InvalidOption);
    assert!(err.to_string().contains("no_such_option"), "{err}");
}
