//! The conformance suite every [`Decoder`] and [`SourceReader`] runs in its tests.
//!
//! These functions panic (they are test helpers) with a message that says which rule was
//! broken. A decoder's tests call [`check_decoder`] with one valid sample of its format;
//! a source's tests call [`check_source`] with a directory holding known files.

use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::{
    DecodeInput, Decoder, ErrorKind, Location, Probe, Result, ScanOptions, SourceOptions,
    SourceReader,
};

fn decode_all(
    decoder: &dyn Decoder,
    name: &str,
    data: &[u8],
    options: &ScanOptions,
) -> Result<Vec<arrow_array::RecordBatch>> {
    let input = DecodeInput::in_memory(name, data.to_vec(), None);
    decoder.open(&input, options)?.collect()
}

fn rows(batches: &[arrow_array::RecordBatch]) -> usize {
    batches.iter().map(|b| b.num_rows()).sum()
}

/// Runs the decoder rules on `sample`, a valid file of the decoder's format with at least
/// three rows, named `name` (e.g. `sample.csv`):
///
/// 1. the sample decodes, and re-decoding with batch sizes 1, 2 and 3 gives the same rows,
///    with no batch larger than asked;
/// 2. a 0-byte input is zero rows (or an error naming the input), never a panic;
/// 3. every truncation of the sample, the sample with invalid UTF-8 spliced in, and the
///    sample with bytes flipped decode or fail with an error naming the input, never panic
///    or hang;
/// 4. projecting a column that does not exist is [`ErrorKind::UnknownColumn`];
/// 5. sniffing any prefix of the sample does not panic, and the whole sample is not `No`.
pub fn check_decoder(decoder: &dyn Decoder, name: &str, sample: &[u8]) {
    let opts = ScanOptions::new();
    let all = decode_all(decoder, name, sample, &opts)
        .unwrap_or_else(|e| panic!("{}: the valid sample failed: {e}", decoder.name()));
    let total = rows(&all);
    assert!(
        total >= 3,
        "{}: the sample must have at least 3 rows, has {total}",
        decoder.name()
    );
    for bs in 1..=3 {
        let batches = decode_all(decoder, name, sample, &opts.clone().with_batch_size(bs))
            .unwrap_or_else(|e| panic!("{}: batch size {bs} failed: {e}", decoder.name()));
        assert_eq!(
            rows(&batches),
            total,
            "{}: batch size {bs} changed the row count",
            decoder.name()
        );
        for b in &batches {
            assert!(
                b.num_rows() <= bs,
                "{}: a batch of {} rows with batch size {bs}",
                decoder.name(),
                b.num_rows()
            );
        }
    }

    match catch_unwind(AssertUnwindSafe(|| decode_all(decoder, name, b"", &opts))) {
        Ok(Ok(b)) => assert_eq!(rows(&b), 0, "{}: an empty input gave rows", decoder.name()),
        Ok(Err(e)) => assert!(
            e.to_string().contains(name),
            "{}: empty-input error does not name the input: {e}",
            decoder.name()
        ),
        Err(_) => panic!("{}: panicked on an empty input", decoder.name()),
    }

    let mut variants: Vec<(String, Vec<u8>)> = Vec::new();
    for cut in 1..sample.len() {
        variants.push((format!("truncated at {cut}"), sample[..cut].to_vec()));
    }
    for at in [0, sample.len() / 3, sample.len() / 2, sample.len() - 1] {
        let mut v = sample.to_vec();
        v.splice(at..at, [0xff, 0xfe, 0xc3]);
        variants.push((format!("invalid UTF-8 at {at}"), v));
        let mut v = sample.to_vec();
        v[at] ^= 0x5a;
        variants.push((format!("byte flipped at {at}"), v));
    }
    for (what, data) in &variants {
        match catch_unwind(AssertUnwindSafe(|| decode_all(decoder, name, data, &opts))) {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => assert!(
                e.to_string().contains(name),
                "{}: {what}: the error does not name the input: {e}",
                decoder.name()
            ),
            Err(_) => panic!("{}: panicked on the sample {what}", decoder.name()),
        }
    }

    let err = decode_all(
        decoder,
        name,
        sample,
        &opts.clone().with_projection(["no such column"]),
    )
    .expect_err("projecting an unknown column must fail");
    assert_eq!(
        err.kind(),
        ErrorKind::UnknownColumn,
        "{}: {err}",
        decoder.name()
    );

    for cut in 0..=sample.len() {
        let probe = Probe {
            head: &sample[..cut],
            complete: cut == sample.len(),
            name,
        };
        let verdict = catch_unwind(AssertUnwindSafe(|| decoder.sniff(&probe)))
            .unwrap_or_else(|_| panic!("{}: sniff panicked on {cut} bytes", decoder.name()));
        if cut == sample.len() {
            assert_ne!(
                verdict,
                crate::Sniff::No,
                "{}: sniff rejects its own sample",
                decoder.name()
            );
        }
    }
}

/// Runs the source rules against `root`, a directory location holding exactly the files
/// `expected` (relative path, content):
///
/// 1. `list(root)` returns every file, with its size;
/// 2. `head` of each file gives its size, and `head` of `root` itself is `None`;
/// 3. `open` gives the content through `reader()` (twice) and, when supported, through
///    `read_range` and `read_ranges`;
/// 4. opening a missing file is [`ErrorKind::NotFound`] naming it.
pub fn check_source(source: &dyn SourceReader, root: &Location, expected: &[(&str, &[u8])]) {
    let opts = SourceOptions::new();
    let sep = if root.path().ends_with('/') || root.path().is_empty() {
        ""
    } else {
        "/"
    };
    let mut listed: Vec<(String, Option<u64>)> = source
        .list(root, &opts)
        .unwrap_or_else(|e| panic!("{}: list failed: {e}", source.name()))
        .into_iter()
        .map(|m| (m.location.path().to_string(), m.size))
        .collect();
    listed.sort();
    let mut want: Vec<(String, Option<u64>)> = expected
        .iter()
        .map(|(p, d)| (format!("{}{sep}{p}", root.path()), Some(d.len() as u64)))
        .collect();
    want.sort();
    assert_eq!(listed, want, "{}: list", source.name());
    assert_eq!(
        source.head(root, &opts).expect("head of a directory"),
        None,
        "{}: head of a directory",
        source.name()
    );

    for (path, data) in expected {
        let loc = root.with_path(format!("{}{sep}{path}", root.path()));
        let meta = source
            .head(&loc, &opts)
            .expect("head")
            .expect("head of a file");
        assert_eq!(
            meta.size,
            Some(data.len() as u64),
            "{}: head size of {path}",
            source.name()
        );
        let opened = source
            .open(&loc, &opts)
            .unwrap_or_else(|e| panic!("{}: open {path}: {e}", source.name()));
        assert_eq!(opened.size(), Some(data.len() as u64));
        for _ in 0..2 {
            let mut got = Vec::new();
            opened
                .reader()
                .expect("reader")
                .read_to_end(&mut got)
                .expect("read");
            assert_eq!(&got, data, "{}: content of {path}", source.name());
        }
        if opened.supports_random_access() && data.len() >= 4 {
            let n = data.len() as u64;
            assert_eq!(
                opened.read_range(1..n - 1).expect("read_range").as_ref(),
                &data[1..data.len() - 1]
            );
            let parts = opened.read_ranges(&[0..1, n - 2..n]).expect("read_ranges");
            assert_eq!(parts[0].as_ref(), &data[..1]);
            assert_eq!(parts[1].as_ref(), &data[data.len() - 2..]);
        }
    }

    let missing = root.with_path(format!("{}{sep}no-such-file.csv", root.path()));
    let err = source
        .open(&missing, &opts)
        .expect_err("opening a missing file must fail");
    assert_eq!(err.kind(), ErrorKind::NotFound, "{}: {err}", source.name());
    assert!(
        err.to_string().contains("no-such-file.csv"),
        "{}: {err}",
        source.name()
    );
}
