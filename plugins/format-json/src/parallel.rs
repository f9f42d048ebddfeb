//! One input on several cores. [`LineChunks`] cuts JSON Lines into chunks of whole lines
//! (from the first record read for inference), [`RecordChunks`] gathers the records of a
//! JSON document into chunks of top-level objects, and [`JsonChunkDecoder`] runs the same
//! [`BatchDecoder`] as the sequential stream over each chunk's records, with line numbers
//! counted from the chunk's first line. Core's [`ParallelChunkStream`] runs them and keeps
//! the batches in input order.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use memchr::memchr;
use sluice_core::chunked::{Chunk, ChunkDecoder, ChunkOutput, ChunkSplitter, ParallelChunkStream};
use sluice_core::{Error, Position, Result};

use crate::batch::{BatchDecoder, DecodeSetup, RecordSource};
use crate::splitter::{Framing, Record, Splitter, line_record};

/// The size of a chunk; a line longer than this makes a chunk of its own size.
pub(crate) const CHUNK_BYTES: usize = 4 << 20;

/// A stream decoding `chunks` of `framing` on `threads` threads.
pub(crate) fn stream(
    chunks: Box<dyn ChunkSplitter>,
    setup: Arc<DecodeSetup>,
    framing: Framing,
    threads: usize,
    compressed: bool,
) -> ParallelChunkStream {
    let decoder = JsonChunkDecoder {
        setup: Arc::clone(&setup),
        framing,
        idle: Mutex::new(Vec::new()),
    };
    ParallelChunkStream::new(
        setup.schema(),
        chunks,
        Arc::new(decoder),
        threads,
        threads * 2,
        compressed,
    )
}

/// Chunks of JSON Lines of about `chunk_bytes`, from `splitter` (rewound to the first
/// record not yet decoded).
pub(crate) fn line_chunks(splitter: Splitter, chunk_bytes: usize) -> Box<dyn ChunkSplitter> {
    Box::new(LineChunks {
        splitter,
        chunk_bytes,
    })
}

/// Chunks of about `chunk_bytes` of whole records of a JSON document: `sample` (records
/// handed out by `splitter` and not decoded) first, then those `splitter` reads.
pub(crate) fn record_chunks(
    splitter: Splitter,
    sample: VecDeque<Record>,
    chunk_bytes: usize,
) -> Box<dyn ChunkSplitter> {
    Box::new(RecordChunks {
        splitter,
        sample,
        chunk_bytes,
        deferred: None,
    })
}

/// Cuts JSON Lines into chunks of about `chunk_bytes`.
struct LineChunks {
    splitter: Splitter,
    chunk_bytes: usize,
}

impl ChunkSplitter for LineChunks {
    fn next_chunk(&mut self) -> Result<Option<Chunk>> {
        self.splitter.next_chunk(self.chunk_bytes)
    }
}

/// Gathers the records of a JSON document into chunks of about `chunk_bytes`.
struct RecordChunks {
    splitter: Splitter,
    sample: VecDeque<Record>,
    chunk_bytes: usize,
    /// An error found after the records of the last chunk, reported next.
    deferred: Option<Error>,
}

impl ChunkSplitter for RecordChunks {
    fn next_chunk(&mut self) -> Result<Option<Chunk>> {
        if let Some(e) = self.deferred.take() {
            return Err(e);
        }
        let mut records = Vec::new();
        loop {
            let next = match self.sample.pop_front() {
                Some(r) => Ok(Some(r)),
                None => self.splitter.next_record(),
            };
            match next {
                Ok(Some(r)) => {
                    records.push(r);
                    if r.end - records[0].start >= self.chunk_bytes as u64 {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) if records.is_empty() => return Err(e),
                Err(e) => {
                    self.deferred = Some(e);
                    break;
                }
            }
        }
        Ok(self.splitter.records_chunk(&records))
    }
}

/// Decodes the records of a chunk into batches.
struct JsonChunkDecoder {
    setup: Arc<DecodeSetup>,
    framing: Framing,
    /// Decoders that finished a chunk without an error, to reuse.
    idle: Mutex<Vec<BatchDecoder>>,
}

impl ChunkDecoder for JsonChunkDecoder {
    fn decode(&self, chunk: &Chunk) -> ChunkOutput {
        let reused = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let mut decoder =
            match reused.map_or_else(|| BatchDecoder::new(Arc::clone(&self.setup)), Ok) {
                Ok(d) => d,
                Err(e) => return ChunkOutput::failed(e),
            };
        let location = self.setup.location();
        let out = match self.framing {
            Framing::Lines => decode_all(
                &mut decoder,
                &mut ChunkLines {
                    data: &chunk.data,
                    pos: 0,
                    line: chunk.first_line,
                    location,
                },
            ),
            Framing::Document => {
                decode_all(&mut decoder, &mut Splitter::over_chunk(chunk, location))
            }
        };
        // A decoder that stopped on an error may hold half a batch: never reuse it.
        if out.error.is_none()
            && let Ok(mut idle) = self.idle.lock()
        {
            idle.push(decoder);
        }
        out
    }
}

/// Every batch of `records`, then the error that stopped them, if any.
fn decode_all(decoder: &mut BatchDecoder, records: &mut impl RecordSource) -> ChunkOutput {
    ChunkOutput::collect(std::iter::from_fn(|| {
        decoder.next_batch(records).transpose()
    }))
}

/// The records of one chunk's lines; offsets are indexes into the chunk.
struct ChunkLines<'a> {
    data: &'a [u8],
    pos: usize,
    /// The line number at `pos`.
    line: u64,
    location: &'a str,
}

impl RecordSource for ChunkLines<'_> {
    fn next_record(&mut self) -> Result<Option<Record>> {
        while self.pos < self.data.len() {
            let start = self.pos;
            let end = memchr(b'\n', &self.data[start..]).map_or(self.data.len(), |i| start + i);
            let line = self.line;
            (self.pos, self.line) = (end + 1, line + 1);
            match line_record(&self.data[start..end]) {
                Ok(Some(first)) => {
                    return Ok(Some(Record {
                        start: (start + first) as u64,
                        end: end as u64,
                        line,
                    }));
                }
                Ok(None) => {}
                Err(message) => {
                    self.pos = self.data.len();
                    let at = Position::line(line);
                    return Err(Error::parse("JSON", self.location, at, message));
                }
            }
        }
        Ok(None)
    }

    fn bytes(&self, record: &Record) -> &[u8] {
        self.data
            .get(record.start as usize..record.end as usize)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use arrow_array::RecordBatch;
    use arrow_schema::{DataType, Field, Schema};
    use sluice_core::{DecodeInput, MemorySource, ScanOptions};

    use super::*;
    use crate::stream::open;

    /// Each row as a one-row batch, or the error message.
    fn rows(
        framing: Framing,
        data: &[u8],
        options: &ScanOptions,
        chunk: usize,
    ) -> Result<Vec<RecordBatch>, String> {
        let source = MemorySource::new("t", data.to_vec());
        let input = DecodeInput::new(Arc::new(source), None);
        let stream = open(framing, &input, options, chunk).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        for batch in stream {
            let batch = batch.map_err(|e| e.to_string())?;
            assert!(batch.num_rows() <= options.batch_size);
            out.extend((0..batch.num_rows()).map(|i| batch.slice(i, 1)));
        }
        Ok(out)
    }

    const GOOD_LINES: &[&[u8]] = &[
        b"{\"a\": 1}\n{\"a\": 2, \"b\": [1]}\n{\"b\": []}\n",
        b"\xEF\xBB\xBF\n\n {\"a\": 1}\r\n\r\n  \n{\"a\": 2}\r\n{\"a\": 3, \"s\": \"\xc3\xa9\"}",
        b"{\"s\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}\n{\"s\": \"b\"}\n\n\n{}\n{\"s\": null}\n",
    ];

    /// Bad JSON Lines and the line of their error.
    const BAD_LINES: &[(&[u8], u64)] = &[
        (b"{\"a\": 1}\n{\"a\": 2}\n\n{\"a\": 3 x}\n{\"a\": 4}\n", 4),
        (
            b"{\"a\": 1}\n{\"a\": 2}\n\r\n{\"a\": \"x\"}\n{\"a\": 4}\n",
            4,
        ),
        (
            b"{\"a\": 1}\n{\"a\": 2}\n{\"a\": 3} {\"a\": 4}\n{\"a\": 5}\n",
            3,
        ),
        (b"{\"a\": 1}\n{\"a\": 2}\n\n[1]\n{\"a\": 5}\n", 4),
        (
            b"{\"s\": \"x\"}\n{\"s\": \"y\"}\n{\"s\": \"\xff\"}\n{\"s\": \"z\"}\n",
            3,
        ),
        (b"{\"a\": 1}\n{\"a\": 2}\n{\"a\": [1,", 3),
    ];

    const GOOD_DOCS: &[&[u8]] = &[
        b"[\n  {\"a\": 1, \"s\": \"x,y]},\"},\n  {\"a\": 2,\n   \"s\": null} ,\n\n  {\"s\": \"\xc3\xa9\"}\n]\n",
        b" {\"a\": 1}\n{\"a\": 2} {\"a\": 3,\n\"b\": [1, {\"c\": 2}]}\n",
        b"\xEF\xBB\xBF[{\"a\": 1},{\"a\": 2},{\"s\": \"]\"}]",
    ];

    /// Bad JSON documents and the line of their error.
    const BAD_DOCS: &[(&[u8], u64)] = &[
        (b"[{\"a\": 1},\n{\"a\": 2},\n{\"a\": 3 x},\n{\"a\": 4}]", 3),
        (b"[{\"a\": 1},\n{\"a\": 2}\n{\"a\": 3}]", 3),
        (b"[{\"a\": 1},\n{\"a\": 2},\n{\"a\": \"x\"}, {\"a\": 4}]", 3),
        (b"[{\"a\": 1},\n{\"a\": 2},\n]", 3),
        (b"[{\"a\": 1},\n{\"a\": 2},\n{\"a\": [1,", 3),
        (b"[{\"s\": \"x\"},\n{\"s\": \"\xff\"},\n{\"s\": \"z\"}]", 2),
        (b"[{\"a\": 1}, {\"a\": 2},\n 3]", 2),
    ];

    fn cases(framing: Framing) -> Vec<&'static [u8]> {
        let (good, bad) = match framing {
            Framing::Lines => (GOOD_LINES, BAD_LINES),
            Framing::Document => (GOOD_DOCS, BAD_DOCS),
        };
        good.iter()
            .copied()
            .chain(bad.iter().map(|b| b.0))
            .collect()
    }

    #[test]
    fn every_chunk_size_matches_one_thread() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("a", DataType::Int64, true),
            Field::new("s", DataType::Utf8, true),
        ]));
        for framing in [Framing::Lines, Framing::Document] {
            for data in cases(framing) {
                // 0: the schema is given, nothing is sampled.
                for infer in [0, 1, 2, 1000] {
                    for bs in [1, 2, 100] {
                        let opts = match infer {
                            0 => ScanOptions::new().with_schema(Arc::clone(&schema)),
                            n => ScanOptions::new().with_infer_rows(n),
                        };
                        let opts = opts.with_batch_size(bs);
                        let want = rows(framing, data, &opts.clone().with_threads(1), 1);
                        for chunk in [1, 5, 17, 40, 1 << 20] {
                            let got = rows(framing, data, &opts.clone().with_threads(3), chunk);
                            let text = String::from_utf8_lossy(data);
                            assert_eq!(got, want, "{text:?} chunk {chunk}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn bad_inputs_fail_and_good_ones_decode() {
        let opts = ScanOptions::new().with_threads(3).with_infer_rows(1);
        for framing in [Framing::Lines, Framing::Document] {
            let (good, bad) = match framing {
                Framing::Lines => (GOOD_LINES, BAD_LINES),
                Framing::Document => (GOOD_DOCS, BAD_DOCS),
            };
            for data in good {
                assert!(rows(framing, data, &opts, 3).is_ok_and(|r| r.len() >= 3));
            }
            for (data, line) in bad {
                let e = rows(framing, data, &opts, 3).err().unwrap_or_default();
                let at = format!("invalid JSON at t line {line}: ");
                assert!(e.starts_with(&at), "{e:?} should start with {at:?}");
            }
        }
    }
}
