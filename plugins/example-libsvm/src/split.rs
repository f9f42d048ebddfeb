//! Decoding one input on several threads: [`LineSplitter`] cuts the input into chunks of
//! whole lines, each holding a multiple of `batch_size` rows, and [`LibsvmChunkDecoder`]
//! decodes each chunk with the same stream as the sequential path. Because every chunk but
//! the last holds whole batches, the batches (and the rows delivered before an error) are
//! the same whatever the number of threads.

use std::io::Read;
use std::sync::Arc;

use memchr::memchr;
use sluice_core::chunked::{Chunk, ChunkDecoder, ChunkOutput, ChunkSplitter};
use sluice_core::{Error, Result};

use crate::stream::{BOM, LibsvmStream, SliceLines, StreamSetup};

/// The least a read asks for once a block is pending, and the most.
const READ_MIN: usize = 4 << 10;
const READ_MAX: usize = 64 << 10;

/// Whether `line` (without its `\n`) adds a row: whether it has a token before any `#`,
/// as [`crate::parse::parse_line`] splits it. Exact for every line that parses.
pub(crate) fn is_row(line: &[u8]) -> bool {
    line.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b != b'#')
}

/// Cuts an input into chunks of at least `block_size` bytes of whole lines, each holding
/// a multiple of `batch_size` rows (the last chunk excepted).
pub(crate) struct LineSplitter {
    reader: Box<dyn Read + Send>,
    location: String,
    eof: bool,
    /// The bytes read and not cut yet: the next chunk's start.
    pending: Vec<u8>,
    block_size: usize,
    batch_size: u64,
    /// How much of `pending` was scanned (always up to a line end).
    scanned: usize,
    /// Rows and lines in the scanned bytes.
    rows: u64,
    lines: u64,
    /// The last line end in the scanned bytes at which the rows are a multiple of
    /// `batch_size`, and the lines up to it.
    aligned: Option<(usize, u64)>,
    /// The 1-based line and byte offset of `pending`'s start in the input.
    line: u64,
    offset: u64,
    /// A failed read, acted on once the bytes read before it are scanned.
    failed: Option<Error>,
    /// That error, reported after the chunk of the whole batches read before it.
    deferred: Option<Error>,
}

impl std::fmt::Debug for LineSplitter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineSplitter")
            .field("location", &self.location)
            .field("line", &self.line)
            .finish_non_exhaustive()
    }
}

impl LineSplitter {
    pub(crate) fn new(
        reader: Box<dyn Read + Send>,
        location: &str,
        block_size: usize,
        batch_size: usize,
    ) -> Self {
        LineSplitter {
            reader,
            location: location.to_string(),
            eof: false,
            pending: Vec::new(),
            block_size: block_size.max(1),
            batch_size: batch_size.max(1) as u64,
            scanned: 0,
            rows: 0,
            lines: 0,
            aligned: None,
            line: 1,
            offset: 0,
            failed: None,
            deferred: None,
        }
    }

    /// Takes the first `len` pending bytes, holding `lines` line breaks, as a chunk.
    fn cut(&mut self, len: usize, lines: u64) -> Chunk {
        let mut next = Vec::with_capacity(self.block_size.max(self.pending.len() - len));
        next.extend_from_slice(&self.pending[len..]);
        self.pending.truncate(len);
        let chunk = Chunk {
            data: std::mem::replace(&mut self.pending, next),
            first_line: self.line,
            offset: self.offset,
        };
        self.line += lines;
        self.offset += len as u64;
        self.scanned = self.scanned.saturating_sub(len);
        self.rows = 0;
        self.lines = 0;
        self.aligned = None;
        chunk
    }

    /// Scans the complete lines after `scanned`; returns the end of the chunk when a line
    /// end past a block completes a batch.
    fn scan(&mut self) -> Option<usize> {
        while let Some(at) = memchr(b'\n', &self.pending[self.scanned..]) {
            let mut line = &self.pending[self.scanned..self.scanned + at];
            if self.line + self.lines == 1 {
                line = line.strip_prefix(BOM).unwrap_or(line);
            }
            self.rows += u64::from(is_row(line));
            self.lines += 1;
            self.scanned += at + 1;
            if self.rows.is_multiple_of(self.batch_size) {
                self.aligned = Some((self.scanned, self.lines));
                if self.scanned >= self.block_size {
                    return Some(self.scanned);
                }
            }
        }
        None
    }

    /// Reads until `pending` holds a block (and at least a little more), or the end.
    fn read_more(&mut self) -> Result<()> {
        let start = self.pending.len();
        let target = self
            .block_size
            .max(start + self.block_size.clamp(READ_MIN, READ_MAX));
        self.pending.resize(target, 0);
        let mut end = start;
        let result = loop {
            if end == target {
                break Ok(());
            }
            match self.reader.read(&mut self.pending[end..target]) {
                Ok(0) => {
                    self.eof = true;
                    break Ok(());
                }
                Ok(n) => end += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => break Err(Error::from_io(self.location.clone(), e)),
            }
        };
        self.pending.truncate(end);
        result
    }
}

impl ChunkSplitter for LineSplitter {
    fn next_chunk(&mut self) -> Result<Option<Chunk>> {
        if let Some(e) = self.deferred.take() {
            return Err(e);
        }
        loop {
            if let Some(end) = self.scan() {
                let lines = self.lines;
                return Ok(Some(self.cut(end, lines)));
            }
            if let Some(e) = self.failed.take() {
                // The sequential stream delivers the whole batches read before a failed
                // read and drops the rest: so does this.
                return match self.aligned {
                    Some((end, lines)) if end > 0 => {
                        self.deferred = Some(e);
                        Ok(Some(self.cut(end, lines)))
                    }
                    _ => Err(e),
                };
            }
            if self.eof {
                let rest = self.pending.len();
                let lines = self.lines;
                return Ok((rest > 0).then(|| self.cut(rest, lines)));
            }
            if let Err(e) = self.read_more() {
                self.failed = Some(e);
            }
        }
    }
}

/// Decodes one chunk into batches, like the sequential stream decodes a whole input.
#[derive(Debug)]
pub(crate) struct LibsvmChunkDecoder {
    pub(crate) setup: Arc<StreamSetup>,
}

impl ChunkDecoder for LibsvmChunkDecoder {
    fn decode(&self, chunk: &Chunk) -> ChunkOutput {
        ChunkOutput::collect(LibsvmStream::new(
            SliceLines::new(&chunk.data),
            Arc::clone(&self.setup),
            chunk.first_line,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::parse::{LineRules, Rows, parse_line};

    /// A reader that hands out `data` `step` bytes at a time, then fails if `fail`.
    struct Trickle {
        data: Vec<u8>,
        pos: usize,
        step: usize,
        fail: bool,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len() - self.pos);
            if n == 0 && self.fail {
                return Err(std::io::Error::other("cut short"));
            }
            buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    fn chunks(data: &[u8], block: usize, batch: usize, fail: bool) -> (Vec<Chunk>, Option<Error>) {
        let reader = Trickle {
            data: data.to_vec(),
            pos: 0,
            step: 7,
            fail,
        };
        let mut splitter = LineSplitter::new(Box::new(reader), "x.libsvm", block, batch);
        let mut out = Vec::new();
        loop {
            match splitter.next_chunk() {
                Ok(Some(c)) => out.push(c),
                Ok(None) => return (out, None),
                Err(e) => return (out, Some(e)),
            }
        }
    }

    #[test]
    fn rows_are_the_lines_parse_line_reads_as_rows() {
        for line in [
            "", " ", "\t", "\r", "# c", "  # c", "1", " -1 2:3", "x", "\u{a0}", "1#", "\x0c",
        ] {
            let mut rows = Rows::with_capacity(1);
            if let Ok(row) = parse_line(line.as_bytes(), LineRules::default(), &mut rows) {
                assert_eq!(is_row(line.as_bytes()), row, "{line:?}");
            }
        }
    }

    #[test]
    fn chunks_hold_whole_batches_and_count_lines() {
        let data = b"\xef\xbb\xbf\n1 1:1\n# c\n\n2 2:2\n3 3:3\r\n4\n5 5:5";
        let (got, err) = chunks(data, 4, 2, false);
        assert!(err.is_none());
        let text: Vec<(&[u8], u64, u64)> = got
            .iter()
            .map(|c| (c.data.as_slice(), c.first_line, c.offset))
            .collect();
        assert_eq!(
            text,
            [
                // No row yet is a multiple of the batch size too.
                (&b"\xef\xbb\xbf\n"[..], 1, 0),
                (&b"1 1:1\n# c\n\n2 2:2\n"[..], 2, 4),
                (&b"3 3:3\r\n4\n"[..], 6, 21),
                (&b"5 5:5"[..], 8, 30),
            ]
        );
    }

    #[test]
    fn a_read_error_comes_after_the_whole_batches_before_it() {
        let data = b"1\n2\n3\n4\n5\n6\n7";
        let (got, err) = chunks(data, 100, 4, true);
        assert!(err.expect("error").to_string().contains("x.libsvm"));
        let datas: Vec<&[u8]> = got.iter().map(|c| c.data.as_slice()).collect();
        assert_eq!(datas, [&b"1\n2\n3\n4\n"[..]]);
        let (got, err) = chunks(b"1\n2\n", 100, 4, true);
        assert!(got.is_empty() && err.is_some());
    }
}
