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
/// decoded) on `threads` threads.
pub(crate) fn stream(
    splitter: Splitter,
    setup: Arc<DecodeSetup>,
    threads: usize,
    compressed: bool,
) -> ParallelChunkStream {
    let decoder = LineChunkDecoder {
        setup: Arc::clone(&setup),
        idle: Mutex::new(Vec::new()),
    };
    ParallelChunkStream::new(
        setup.schema(),
        Box::new(LineChunks(splitter)),
        Arc::new(decoder),
        threads,
        threads * 2,
        compressed,
    )
}

/// Cuts JSON Lines into chunks of about [`CHUNK_BYTES`].
struct LineChunks(Splitter);

impl ChunkSplitter for LineChunks {
    fn next_chunk(&mut self) -> Result<Option<Chunk>> {
        self.0.next_chunk(CHUNK_BYTES)
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
