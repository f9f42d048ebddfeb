//! Inputs cut into [`Chunk`]s of whole records, for decoding on several threads.
//!
//! JSON Lines are cut after a newline, without looking at the records: the splitter hands
//! its buffer over as the chunk, so the bytes are not copied again. A JSON document is
//! scanned record by record as usual, and a run of records becomes a chunk of top-level
//! objects, which a splitter made with [`Splitter::over_chunk`] splits again.

use memchr::{memchr, memchr_iter, memrchr};
use sluice_core::Result;
use sluice_core::chunked::Chunk;

use super::{Framing, MIN_BUFFER, Record, Splitter};

impl Splitter {
    /// Makes `record` (one this splitter handed out, not yet released) and the lines after
    /// it the next to be split again, as chunks.
    pub(crate) fn rewind(&mut self, record: &Record) {
        let idx = (record.start.saturating_sub(self.base) as usize).min(self.filled);
        (self.pos, self.line_start, self.line) = (idx, idx, record.line);
        self.keep = self.keep.min(idx);
        self.handed = idx;
    }

    /// The length of the input, once it has all been read.
    pub(crate) fn read_len(&self) -> Option<u64> {
        self.eof.then_some(self.base + self.filled as u64)
    }

    /// The next chunk of whole lines (JSON Lines framing): about `target` bytes, cut after
    /// a newline, from the first line not yet handed out; more when one line is longer.
    /// `None` at the end of the input. Records are not checked here.
    pub(crate) fn next_chunk(&mut self, target: usize) -> Result<Option<Chunk>> {
        if self.failed {
            return Ok(None);
        }
        if !self.started {
            self.start()?;
        }
        (self.keep, self.handed, self.pos) = (self.line_start, self.line_start, self.line_start);
        let cut = loop {
            let start = self.line_start;
            if self.eof && self.filled - start <= target {
                break self.filled;
            }
            if self.filled - start >= target || self.eof {
                let window = &self.buf[start..self.filled.min(start + target)];
                if let Some(i) = memrchr(b'\n', window) {
                    break start + i + 1;
                }
                // One line longer than the target: up to its end.
                let from = self.pos.max(start + window.len());
                if let Some(i) = memchr(b'\n', &self.buf[from..self.filled]) {
                    break from + i + 1;
                }
                self.pos = self.filled;
                if self.eof {
                    break self.filled;
                }
            }
            self.fill()?;
        };
        let start = self.line_start;
        if cut == start {
            return Ok(None);
        }
        let (first_line, offset) = (self.line, self.base + start as u64);
        let data = self.hand_over(start, cut, target);
        self.line += memchr_iter(b'\n', &data).count() as u64;
        Ok(Some(Chunk {
            data,
            first_line,
            offset,
        }))
    }

    /// The records `records` (handed out in order, not released) as one chunk: the bytes
    /// from the first record's start to the last one's end, with the commas between
    /// records made spaces, so that the chunk is a run of top-level objects whose lines
    /// keep their numbers. Releases the records.
    pub(crate) fn records_chunk(&mut self, records: &[Record]) -> Option<Chunk> {
        let (first, last) = (records.first()?, records.last()?);
        let whole = Record {
            start: first.start,
            end: last.end,
            line: first.line,
        };
        let mut data = self.bytes(&whole).to_vec();
        for pair in records.windows(2) {
            let gap = (pair[0].end - first.start) as usize..(pair[1].start - first.start) as usize;
            for b in data.get_mut(gap).unwrap_or_default() {
                if *b == b',' {
                    *b = b' ';
                }
            }
        }
        self.release(last.end);
        Some(Chunk {
            data,
            first_line: first.line,
            offset: first.start,
        })
    }

    /// A splitter of the top-level objects of a chunk made by [`Splitter::records_chunk`].
    pub(crate) fn over_chunk(chunk: &Chunk, location: &str) -> Splitter {
        let mut splitter = Splitter::new(
            Box::new(std::io::empty()),
            location,
            Framing::Document,
            Some(0),
        );
        splitter.buf = chunk.data.clone();
        (splitter.filled, splitter.base) = (chunk.data.len(), chunk.offset);
        (splitter.line, splitter.eof, splitter.started) = (chunk.first_line, true, true);
        splitter
    }

    /// The bytes `start..cut` of the buffer, which is replaced by a new one holding the
    /// bytes after `cut`, with room for a chunk of `target` bytes.
    fn hand_over(&mut self, start: usize, cut: usize, target: usize) -> Vec<u8> {
        let tail = self.filled - cut;
        let size = (target + target / 4).max(tail * 2).max(MIN_BUFFER);
        let mut next = vec![0; size];
        next[..tail].copy_from_slice(&self.buf[cut..self.filled]);
        let mut data = std::mem::replace(&mut self.buf, next);
        data.truncate(cut);
        if start > 0 {
            data.drain(..start);
        }
        self.base += cut as u64;
        self.filled = tail;
        (self.line_start, self.pos, self.keep, self.handed) = (0, 0, 0, 0);
        data
    }
}
