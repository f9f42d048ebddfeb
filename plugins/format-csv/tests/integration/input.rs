//! How the input is read: once, in any chunking, from memory or a local file.

use std::io::{self, Read};
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use sluice_core::{ByteSource, DecodeInput, Decoder, Location, ScanOptions};
use sluice_format_csv::CsvDecoder;

use crate::*;

/// A source like standard input: one reader only, returning a few bytes per read.
#[derive(Debug)]
struct OnceSource {
    location: Location,
    data: Vec<u8>,
    step: usize,
    opened: AtomicUsize,
}

struct Trickle {
    data: Vec<u8>,
    at: usize,
    step: usize,
}

impl Read for Trickle {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.step.min(out.len()).min(self.data.len() - self.at);
        out[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

impl ByteSource for OnceSource {
    fn location(&self) -> &Location {
        &self.location
    }
    fn size(&self) -> Option<u64> {
        None
    }
    fn reader(&self) -> sluice_core::Result<Box<dyn Read + Send>> {
        if self.opened.fetch_add(1, Ordering::SeqCst) > 0 {
            return Err(sluice_core::Error::Io {
                location: self.location.to_string(),
                source: io::Error::other("standard input cannot be read twice"),
            });
        }
        Ok(Box::new(Trickle {
            data: self.data.clone(),
            at: 0,
            step: self.step,
        }))
    }
    fn supports_random_access(&self) -> bool {
        false
    }
    fn read_range(&self, _: Range<u64>) -> sluice_core::Result<Bytes> {
        Err(sluice_core::Error::Internal {
            message: "no random access".into(),
        })
    }
}

fn once(data: &[u8], step: usize) -> DecodeInput {
    DecodeInput::new(
        Arc::new(OnceSource {
            location: Location::parse("-"),
            data: data.to_vec(),
            step,
            opened: AtomicUsize::new(0),
        }),
        None,
    )
}

#[test]
fn open_reads_the_input_once_in_any_chunking() {
    let data = "\u{feff}id,text\r\n1,\"é\r\nà\"\r\n2,ü\r\n3,\r\n".as_bytes();
    for step in [1, 2, 3, 5, 4096] {
        let batches = decode_with(&CsvDecoder::csv(), &once(data, step), &ScanOptions::new())
            .unwrap_or_else(|e| panic!("step {step}: {e}"));
        let b = &batches[0];
        assert_eq!(names(b), ["id", "text"], "step {step}");
        assert_eq!(all_ints(&batches, 0), [Some(1), Some(2), Some(3)]);
        assert_eq!(
            strs(b, 1),
            [Some("é\r\nà".into()), Some("ü".into()), None],
            "step {step}"
        );
    }
}

#[test]
fn errors_from_a_trickling_input_keep_their_line() {
    let data = b"a,b\n1,2\n\"x\ny\",3\n4\n";
    let err = decode_with(&CsvDecoder::csv(), &once(data, 1), &ScanOptions::new()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid CSV at <stdin> line 5: expected 2 fields, found 1"
    );
}

#[test]
fn reads_a_local_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.csv");
    std::fs::write(&path, "a,b\n1,x\n2,y\n").unwrap();
    let location = Location::parse(path.to_str().unwrap());
    let source = sluice_source_local::LocalFile::open(location).unwrap();
    let input = DecodeInput::new(Arc::new(source), None);
    let batches = CsvDecoder::csv()
        .open(&input, &ScanOptions::new())
        .unwrap()
        .collect::<sluice_core::Result<Vec<_>>>()
        .unwrap();
    assert_eq!(all_ints(&batches, 0), [Some(1), Some(2)]);
    assert_eq!(strs(&batches[0], 1), some(&["x", "y"]));
}
