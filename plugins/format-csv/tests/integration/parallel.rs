//! One input decoded on several threads: the same batches' values and the same errors as
//! on one thread, with blocks small enough that quoted line breaks straddle their ends.

use arrow_array::RecordBatch;
use sluice_core::{ErrorKind, Result, ScanOptions};
use sluice_format_csv::CsvDecoder;

use crate::*;

/// The expected values of a generated file.
#[derive(Debug, Default, PartialEq)]
struct Rows {
    ids: Vec<Option<i64>>,
    texts: Vec<Option<String>>,
    scores: Vec<Option<f64>>,
    flags: Vec<Option<bool>>,
}

/// `rows` records of `id,text,score,flag` separated by `sep`, ending lines with `eol`,
/// with quoted texts holding the separator, doubled quotes and line breaks; with
/// `comment`, comment lines (holding quotes) come between records.
fn generate(rows: usize, sep: char, eol: &str, comment: Option<char>) -> (String, Rows) {
    let mut data = format!("id{sep}text{sep}score{sep}flag{eol}");
    let mut expected = Rows::default();
    for i in 0..rows {
        let text = match i % 4 {
            0 => format!("plain {i}"),
            1 => format!("q{sep} \"{i}\"{eol}next{eol}"),
            2 => String::new(),
            _ => format!("{sep}{sep}{eol}"),
        };
        let cell = if i % 4 == 0 || i % 4 == 2 {
            text.clone()
        } else {
            format!("\"{}\"", text.replace('"', "\"\""))
        };
        if let Some(c) = comment
            && i % 7 == 3
        {
            data.push_str(&format!("{c} a \"comment{eol}"));
        }
        let flag = i % 2 == 0;
        data.push_str(&format!("{i}{sep}{cell}{sep}{i}.5{sep}{flag}{eol}"));
        expected.ids.push(Some(i as i64));
        expected
            .texts
            .push((!text.is_empty()).then_some(text.clone()));
        expected.scores.push(Some(i as f64 + 0.5));
        expected.flags.push(Some(flag));
    }
    (data, expected)
}

fn collect(batches: &[RecordBatch]) -> Rows {
    Rows {
        ids: batches.iter().flat_map(|b| ints(b, 0)).collect(),
        texts: batches.iter().flat_map(|b| strs(b, 1)).collect(),
        scores: batches.iter().flat_map(|b| floats(b, 2)).collect(),
        flags: batches.iter().flat_map(|b| bools(b, 3)).collect(),
    }
}

/// Decodes `data` with `decoder` on `threads` threads in blocks of `block` bytes.
fn run(
    decoder: &CsvDecoder,
    name: &str,
    data: &[u8],
    opts: &ScanOptions,
    threads: usize,
    block: usize,
) -> Result<Vec<RecordBatch>> {
    let opts = opts
        .clone()
        .with_threads(threads)
        .with_format_option("block_size", block);
    let input = if name.ends_with(".gz") {
        gz_input(name, data.to_vec())
    } else {
        input(name, data)
    };
    decode_with(decoder, &input, &opts)
}

#[test]
fn quoted_line_breaks_across_blocks_decode_the_same_on_four_threads() {
    for eol in ["\n", "\r\n"] {
        let (data, expected) = generate(50_000, ',', eol, None);
        for (block, batch_size) in [(1000, 8192), (4096, 1000), (65_536, 777)] {
            let opts = ScanOptions::new().with_batch_size(batch_size);
            for threads in [1, 4] {
                let batches = run(
                    &CsvDecoder::csv(),
                    "big.csv",
                    data.as_bytes(),
                    &opts,
                    threads,
                    block,
                )
                .unwrap();
                assert!(batches.iter().all(|b| b.num_rows() <= batch_size));
                assert_eq!(types(&batches[0]).len(), 4);
                let got = collect(&batches);
                assert!(got == expected, "{eol:?} block {block} threads {threads}");
            }
        }
    }
}

#[test]
fn blocks_hold_whole_batches_so_only_the_last_batch_is_short() {
    let (data, expected) = generate(50_000, ',', "\r\n", None);
    let opts = ScanOptions::new().with_batch_size(1000);
    let batches = run(
        &CsvDecoder::csv(),
        "w.csv",
        data.as_bytes(),
        &opts,
        4,
        100_000,
    )
    .unwrap();
    let sizes: Vec<usize> = batches.iter().map(RecordBatch::num_rows).collect();
    assert_eq!(sizes, vec![1000; 50]);
    assert!(collect(&batches) == expected);
}

#[test]
fn tiny_blocks_cut_after_every_record() {
    let (data, expected) = generate(300, ',', "\r\n", None);
    let batches = run(
        &CsvDecoder::csv(),
        "t.csv",
        data.as_bytes(),
        &ScanOptions::new(),
        4,
        1,
    );
    assert!(collect(&batches.unwrap()) == expected);
}

#[test]
fn comments_escapes_and_tsv_decode_the_same_on_four_threads() {
    let (data, expected) = generate(30_000, ',', "\n", Some('#'));
    let opts = ScanOptions::new().with_format_option("comment", "#");
    for threads in [1, 4] {
        let batches = run(
            &CsvDecoder::csv(),
            "c.csv",
            data.as_bytes(),
            &opts,
            threads,
            3000,
        );
        assert!(collect(&batches.unwrap()) == expected, "threads {threads}");
    }
    // An escaped quote and an escaped line break inside quotes.
    let mut data = String::from("id,text\n");
    for i in 0..20_000 {
        data.push_str(&format!("{i},\"a\\\"b\\\n{i}\"\n"));
    }
    let opts = ScanOptions::new().with_format_option("escape", "\\");
    for threads in [1, 4] {
        let batches = run(
            &CsvDecoder::csv(),
            "e.csv",
            data.as_bytes(),
            &opts,
            threads,
            2000,
        )
        .unwrap();
        let texts: Vec<Option<String>> = batches.iter().flat_map(|b| strs(b, 1)).collect();
        let want: Vec<Option<String>> = (0..20_000).map(|i| Some(format!("a\"b\n{i}"))).collect();
        assert_eq!(texts, want, "threads {threads}");
    }
    let (data, expected) = generate(30_000, '\t', "\n", None);
    for threads in [1, 4] {
        let batches = run(
            &CsvDecoder::tsv(),
            "t.tsv",
            data.as_bytes(),
            &ScanOptions::new(),
            threads,
            5000,
        );
        assert!(collect(&batches.unwrap()) == expected, "threads {threads}");
    }
}

#[test]
fn projection_and_batch_size_on_four_threads() {
    let (data, expected) = generate(20_000, ',', "\n", None);
    let opts = ScanOptions::new()
        .with_projection(["flag", "id"])
        .with_batch_size(300);
    let batches = run(&CsvDecoder::csv(), "p.csv", data.as_bytes(), &opts, 4, 4096).unwrap();
    assert_eq!(names(&batches[0]), ["flag", "id"]);
    assert!(batches.iter().all(|b| b.num_rows() <= 300));
    let flags: Vec<Option<bool>> = batches.iter().flat_map(|b| bools(b, 0)).collect();
    assert_eq!(flags, expected.flags);
    assert_eq!(all_ints(&batches, 1), expected.ids);
}

/// The error of decoding `data` on 1 and on 4 threads, which must be the same.
fn same_error(name: &str, data: &[u8], opts: &ScanOptions) -> String {
    let one = run(&CsvDecoder::csv(), name, data, opts, 1, 4096).unwrap_err();
    let four = run(&CsvDecoder::csv(), name, data, opts, 4, 4096).unwrap_err();
    assert_eq!(one.to_string(), four.to_string());
    assert_eq!(one.kind(), four.kind());
    one.to_string()
}

#[test]
fn errors_deep_in_a_large_file_name_the_same_line_on_four_threads() {
    let (data, _) = generate(40_000, ',', "\n", Some('#'));
    let opts = ScanOptions::new().with_format_option("comment", "#");
    // Record 30000 (id 29999 is the record before) starts on this line.
    let cut = data.find("\n30000,").unwrap() + 1;
    let line = data[..cut].matches('\n').count() + 1;
    let with = |replacement: &[u8]| {
        let mut d = data.as_bytes()[..cut].to_vec();
        d.extend_from_slice(replacement);
        d.extend_from_slice(&data.as_bytes()[cut..]);
        d
    };

    let err = same_error("r.csv", &with(b"1,2\n"), &opts);
    assert_eq!(
        err,
        format!("invalid CSV at r.csv line {line}: expected 4 fields, found 2")
    );
    let err = same_error("v.csv", &with(b"x,y,1.5,true\n"), &opts);
    assert_eq!(
        err,
        format!("invalid CSV at v.csv line {line}: column \"id\": cannot parse \"x\" as Int64")
    );
    let bad = with(b"1,\"multi\nline\xff\",1.5,true\n");
    let err = same_error("u.csv", &bad, &opts);
    let offset = cut + "1,\"multi\nline".len();
    assert_eq!(
        err,
        format!(
            "invalid CSV at u.csv line {} byte offset {offset}: invalid UTF-8 (bytes 0xff)",
            line + 1
        )
    );
    // The same through gzip.
    let gz = gzip(&with(b"1,2\n"));
    let one = run(&CsvDecoder::csv(), "r.csv.gz", &gz, &opts, 1, 4096).unwrap_err();
    let four = run(&CsvDecoder::csv(), "r.csv.gz", &gz, &opts, 4, 4096).unwrap_err();
    let want = format!("invalid CSV at r.csv.gz line {line}: expected 4 fields, found 2");
    assert_eq!((one.to_string(), four.to_string()), (want.clone(), want));
}

#[test]
fn truncated_gzip_of_a_large_file_is_a_decompress_error_on_four_threads() {
    let (data, _) = generate(50_000, ',', "\n", None);
    let gz = gzip(data.as_bytes());
    for cut in [gz.len() / 3, gz.len() - 10] {
        for threads in [1, 4] {
            let err = run(
                &CsvDecoder::csv(),
                "big.csv.gz",
                &gz[..cut],
                &ScanOptions::new(),
                threads,
                8192,
            )
            .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Decompress, "{cut} {threads}: {err}");
            assert!(err.to_string().contains("big.csv.gz"), "{err}");
        }
    }
}
