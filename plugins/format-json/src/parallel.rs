//! JSON Lines on several cores: [`LineChunks`] cuts the input into chunks of whole lines
//! (after the records read for inference, which start the first chunk), and
//! [`LineChunkDecoder`] runs the same [`BatchDecoder`] as the sequential stream over each
//! chunk's lines, with line numbers counted from the chunk's first line. Core's
//! [`ParallelChunkStream`] runs them and keeps the batches in input order.

use std::sync::{Arc, Mutex};

use arrow_array::RecordBatch;
use memchr::memchr;
use sluice_core::chunked::{Chunk, ChunkDecoder, ChunkSplitter, ParallelChunkStream};
use sluice_core::{Error, Position, Result};

use crate::batch::{BatchDecoder, DecodeSetup, RecordSource};
use crate::splitter::{Record, Splitter, line_record};

/// The size of a chunk; a line longer than this makes a chunk of its own size.
pub(crate) const CHUNK_BYTES: usize = 4 << 20;

/// A stream decoding the lines of `splitter` (rewound to the first record not yet
/// decoded) in chunks of about `chunk_bytes` on `threads` threads.
pub(crate) fn stream(
    splitter: Splitter,
    setup: Arc<DecodeSetup>,
    chunk_bytes: usize,
    threads: usize,
    compressed: bool,
) -> ParallelChunkStream {
    let decoder = LineChunkDecoder {
        setup: Arc::clone(&setup),
        idle: Mutex::new(Vec::new()),
    };
    ParallelChunkStream::new(
        setup.schema(),
        Box::new(LineChunks {
            splitter,
            chunk_bytes,
        }),
        Arc::new(decoder),
        threads,
        threads * 2,
        compressed,
    )
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

/// Decodes the lines of a chunk into batches.
struct LineChunkDecoder {
    setup: Arc<DecodeSetup>,
    /// Decoders that finished a chunk without an error, to reuse.
    idle: Mutex<Vec<BatchDecoder>>,
}

impl ChunkDecoder for LineChunkDecoder {
    fn decode(&self, chunk: &Chunk) -> Result<Vec<RecordBatch>> {
        let reused = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let mut decoder = match reused {
            Some(d) => d,
            None => BatchDecoder::new(Arc::clone(&self.setup))?,
        };
        let mut records = ChunkLines {
            data: &chunk.data,
            pos: 0,
            line: chunk.first_line,
            location: self.setup.location(),
        };
        let mut batches = Vec::new();
        while let Some(batch) = decoder.next_batch(&mut records)? {
            batches.push(batch);
        }
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(decoder);
        }
        Ok(batches)
    }
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
    use arrow_schema::{DataType, Field, Schema};
    use sluice_core::{DecodeInput, MemorySource, ScanOptions};

    use crate::splitter::Framing;
    use crate::stream::open;

    /// Each row as a one-row batch, or the error message.
    fn rows(data: &[u8], options: &ScanOptions, chunk: usize) -> Result<Vec<RecordBatch>, String> {
        let source = MemorySource::new("t.jsonl", data.to_vec());
        let input = DecodeInput::new(std::sync::Arc::new(source), None);
        let stream = open(Framing::Lines, &input, options, chunk).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        for batch in stream {
            let batch = batch.map_err(|e| e.to_string())?;
            assert!(batch.num_rows() <= options.batch_size);
            out.extend((0..batch.num_rows()).map(|i| batch.slice(i, 1)));
        }
        Ok(out)
    }

    use super::*;

    const GOOD: &[&[u8]] = &[
        b"{\"a\": 1}\n{\"a\": 2, \"b\": [1]}\n{\"b\": []}\n",
        b"\xEF\xBB\xBF\n\n {\"a\": 1}\r\n\r\n  \n{\"a\": 2}\r\n{\"a\": 3, \"s\": \"\xc3\xa9\"}",
        b"{\"s\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}\n{\"s\": \"b\"}\n\n\n{}\n{\"s\": null}\n",
    ];

    const BAD: &[&[u8]] = &[
        b"{\"a\": 1}\n{\"a\": 2}\n\n{\"a\": 3 x}\n{\"a\": 4}\n",
        b"{\"a\": 1}\n{\"a\": 2}\n\r\n{\"a\": \"x\"}\n{\"a\": 4}\n",
        b"{\"a\": 1}\n{\"a\": 2}\n{\"a\": 3} {\"a\": 4}\n{\"a\": 5}\n",
        b"{\"a\": 1}\n{\"a\": 2}\n\n[1]\n{\"a\": 5}\n",
        b"{\"a\": \"x\"}\n{\"a\": \"y\"}\n{\"a\": \"\xff\"}\n{\"a\": \"z\"}\n",
        b"{\"a\": 1}\n{\"a\": 2}\n{\"a\": [1,",
    ];

    #[test]
    fn every_chunk_size_matches_one_thread() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("a", DataType::Int64, true),
            Field::new("s", DataType::Utf8, true),
        ]));
        for data in GOOD.iter().chain(BAD) {
            // 0: the schema is given, nothing is sampled.
            for infer in [0, 1, 2, 1000] {
                for bs in [1, 2, 100] {
                    let opts = match infer {
                        0 => ScanOptions::new().with_schema(Arc::clone(&schema)),
                        n => ScanOptions::new().with_infer_rows(n),
                    };
                    let opts = opts.with_batch_size(bs);
                    let want = rows(data, &opts.clone().with_threads(1), 1);
                    for chunk in [1, 5, 17, 40, 1 << 20] {
                        let got = rows(data, &opts.clone().with_threads(3), chunk);
                        assert_eq!(
                            got,
                            want,
                            "{:?} chunk {chunk}",
                            String::from_utf8_lossy(data)
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn bad_inputs_fail_and_good_ones_decode() {
        let opts = ScanOptions::new().with_threads(3).with_infer_rows(1);
        for data in GOOD {
            assert!(rows(data, &opts, 3).is_ok_and(|r| r.len() >= 3));
        }
        let lines = [4, 4, 3, 4, 3, 3];
        for (data, line) in BAD.iter().zip(lines) {
            let e = rows(data, &opts, 3).err().unwrap_or_default();
            assert!(
                e.starts_with(&format!("invalid JSON at t.jsonl line {line}: ")),
                "{e}"
            );
        }
    }
}
