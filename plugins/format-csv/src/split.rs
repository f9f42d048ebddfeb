//! Decoding one input on several threads: [`CsvSplitter`] cuts the input into chunks at
//! record boundaries found by [`BoundaryScanner`], and [`CsvChunkDecoder`] decodes each
//! chunk with the same code as the sequential stream.

use std::io::Read;

use arrow_schema::SchemaRef;
use memchr::{memchr, memchr2, memchr3};
use sluice_core::chunked::{Chunk, ChunkDecoder, ChunkOutput, ChunkSplitter};
use sluice_core::{Error, Result};

use crate::buffer::{InputBuffer, count_lines};
use crate::dialect::Dialect;
use crate::stream::CsvStream;

/// Bytes scanned for boundaries between checks for a chunk to cut.
const SCAN_STEP: usize = 1 << 20;
/// The least a read asks for, when a record is longer than a block.
const READ_MIN: usize = 64 << 10;

/// Where the scanner is, in csv-core's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a record: after a line break, or at the start of the data.
    RecordStart,
    /// After a delimiter.
    FieldStart,
    /// In an unquoted field, or after the closing quote of a quoted one.
    InField,
    /// In a quoted field.
    InQuoted,
    /// After the escape byte in a quoted field: the next byte is taken as it is.
    Escaped,
    /// After a quote in a quoted field: it closes the field unless another quote follows.
    QuoteInQuoted,
    /// In a comment line (a comment byte at the start of a record), up to its `\n`.
    InComment,
}

/// Finds record ends the way csv-core parses the dialect: a `\n` outside a quoted field
/// and outside nothing else ends a record; quotes only open a field at its start; a
/// doubled quote or the escape byte keeps a quoted field open; a comment byte at the start
/// of a record hides its line. A lone `\r` ends a record too but is not reported.
#[derive(Debug, Clone)]
pub(crate) struct BoundaryScanner {
    delimiter: u8,
    quote: u8,
    escape: Option<u8>,
    comment: Option<u8>,
    state: State,
    records: u64,
}

impl BoundaryScanner {
    /// A scanner at the start of a record.
    pub(crate) fn new(dialect: &Dialect) -> Self {
        BoundaryScanner {
            delimiter: dialect.delimiter,
            quote: dialect.quote,
            escape: dialect.escape,
            comment: dialect.comment,
            state: State::RecordStart,
            records: 0,
        }
    }

    /// Scans `data`, which follows what was scanned before, and returns the end of the last
    /// record that ends in it (the offset just after its `\n`), if any.
    #[cfg(test)]
    pub(crate) fn scan(&mut self, data: &[u8]) -> Option<usize> {
        self.scan_until(data, u64::MAX).1
    }

    /// Scans `data` up to the first record end at which [`Self::records`] has reached
    /// `stop`, or to its end. Returns how many bytes were scanned and the last record end
    /// among them (the stop, when reached).
    pub(crate) fn scan_until(&mut self, data: &[u8], stop: u64) -> (usize, Option<usize>) {
        let mut last = None;
        let mut state = self.state;
        let mut i = 0;
        while i < data.len() {
            let b = data[i];
            match state {
                State::RecordStart | State::FieldStart => {
                    i += 1;
                    state = if b == b'\n' || b == b'\r' {
                        // A delimiter was seen: the line is a record, not a blank line.
                        self.records += u64::from(state == State::FieldStart);
                        if b == b'\n' {
                            last = Some(i);
                            if self.records >= stop {
                                state = State::RecordStart;
                                break;
                            }
                        }
                        State::RecordStart
                    } else if state == State::RecordStart && Some(b) == self.comment {
                        State::InComment
                    } else if b == self.quote {
                        State::InQuoted
                    } else if b == self.delimiter {
                        State::FieldStart
                    } else {
                        State::InField
                    };
                }
                State::InField => {
                    let rest = &data[i..];
                    let found = match self.comment {
                        // A `\r` may start a comment line: stop at it.
                        Some(_) => memchr3(self.quote, b'\n', b'\r', rest),
                        None => memchr2(self.quote, b'\n', rest),
                    };
                    let Some(k) = found else {
                        // The byte before the next data decides how it starts.
                        state = match data[data.len() - 1] {
                            d if d == self.delimiter => State::FieldStart,
                            b'\r' => State::RecordStart,
                            _ => State::InField,
                        };
                        i = data.len();
                        break;
                    };
                    let at = i + k;
                    i = at + 1;
                    match data[at] {
                        b'\n' | b'\r' => {
                            self.records += 1;
                            state = State::RecordStart;
                            if data[at] == b'\n' {
                                last = Some(i);
                                if self.records >= stop {
                                    break;
                                }
                            }
                        }
                        // A quote opens a field only at its start (after a delimiter or a
                        // lone `\r`); elsewhere it is a plain byte.
                        _ if at > 0
                            && (data[at - 1] == self.delimiter || data[at - 1] == b'\r') =>
                        {
                            state = State::InQuoted;
                        }
                        _ => {}
                    }
                }
                State::InQuoted => {
                    let rest = &data[i..];
                    let found = match self.escape {
                        Some(e) => memchr2(self.quote, e, rest),
                        None => memchr(self.quote, rest),
                    };
                    let Some(k) = found else {
                        i = data.len();
                        break;
                    };
                    let at = i + k;
                    i = at + 1;
                    state = if data[at] == self.quote {
                        State::QuoteInQuoted
                    } else {
                        State::Escaped
                    };
                }
                State::Escaped => {
                    i += 1;
                    state = State::InQuoted;
                }
                State::QuoteInQuoted => {
                    i += 1;
                    // Unless doubled, the quote closed the field: this byte is read as in
                    // an unquoted field.
                    state = match b {
                        q if q == self.quote => State::InQuoted,
                        d if d == self.delimiter => State::FieldStart,
                        b'\n' | b'\r' => {
                            self.records += 1;
                            if b == b'\n' {
                                last = Some(i);
                                if self.records >= stop {
                                    state = State::RecordStart;
                                    break;
                                }
                            }
                            State::RecordStart
                        }
                        _ => State::InField,
                    };
                }
                State::InComment => match memchr(b'\n', &data[i..]) {
                    Some(k) => {
                        i += k + 1;
                        last = Some(i);
                        state = State::RecordStart;
                    }
                    None => {
                        i = data.len();
                        break;
                    }
                },
            }
        }
        self.state = state;
        (i, last)
    }

    /// Records ended since the scanner was made or [`Self::reset_records`] was called.
    /// Exact except that a lone `\r` ending a record is not always counted.
    pub(crate) fn records(&self) -> u64 {
        self.records
    }

    /// Starts counting records from 0.
    pub(crate) fn reset_records(&mut self) {
        self.records = 0;
    }
}

/// Cuts an input, from its first data record on, into chunks of about `block_size` bytes
/// that end at record boundaries, reading straight into each chunk's bytes. UTF-8 is
/// checked by the chunks' decoder.
pub(crate) struct CsvSplitter {
    reader: Box<dyn Read + Send>,
    location: String,
    eof: bool,
    /// The bytes read and not cut yet: the next chunk's start.
    pending: Vec<u8>,
    scanner: BoundaryScanner,
    block_size: usize,
    /// Rows per batch: a chunk holding a multiple of it decodes to whole batches, which the
    /// scan passes on without copying them into batches of the right size.
    batch_rows: u64,
    /// How much of `pending` was scanned, and the end of the last record found in it.
    scanned: usize,
    last_end: Option<usize>,
    line: u64,
    offset: u64,
}

impl std::fmt::Debug for CsvSplitter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvSplitter")
            .field("location", &self.location)
            .field("line", &self.line)
            .finish_non_exhaustive()
    }
}

impl CsvSplitter {
    /// A splitter continuing from `buffer`, positioned at the first data record, for
    /// batches of `batch_rows` rows.
    pub(crate) fn new(buffer: InputBuffer<'static>, dialect: &Dialect, batch_rows: usize) -> Self {
        let at = buffer.keep();
        let line = buffer.line_at(at);
        let offset = buffer.stream_offset(at);
        let location = buffer.location().to_string();
        let (pending, reader, eof) = buffer.into_rest();
        CsvSplitter {
            reader,
            location,
            eof,
            pending,
            scanner: BoundaryScanner::new(dialect),
            block_size: dialect.block_size,
            batch_rows: batch_rows.max(1) as u64,
            scanned: 0,
            last_end: None,
            line,
            offset,
        }
    }

    /// Takes the first `len` pending bytes as a chunk.
    fn cut(&mut self, len: usize) -> Chunk {
        let mut next = Vec::with_capacity(self.block_size.max(self.pending.len() - len));
        next.extend_from_slice(&self.pending[len..]);
        self.pending.truncate(len);
        let chunk = Chunk {
            data: std::mem::replace(&mut self.pending, next),
            first_line: self.line,
            offset: self.offset,
        };
        self.line += count_lines(&chunk.data);
        self.offset += len as u64;
        self.scanned -= len;
        self.last_end = None;
        self.scanner.reset_records();
        chunk
    }

    /// Reads until `pending` holds a block (and at least a little more), or the end.
    fn read_more(&mut self) -> Result<()> {
        let start = self.pending.len();
        let target = self.block_size.max(start + READ_MIN);
        self.pending.resize(target, 0);
        let mut end = start;
        while end < target {
            match self.reader.read(&mut self.pending[end..target]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => end += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.pending.truncate(end);
                    return Err(Error::from_io(self.location.clone(), e));
                }
            }
        }
        self.pending.truncate(end);
        Ok(())
    }
}

impl ChunkSplitter for CsvSplitter {
    fn next_chunk(&mut self) -> Result<Option<Chunk>> {
        let rows = self.batch_rows;
        loop {
            let records = self.scanner.records();
            let past_block = self.scanned >= self.block_size;
            // Past a block, the chunk ends at the next record end that completes a batch,
            // unless a block holds less than a batch.
            if past_block
                && let Some(end) = self.last_end
                && (records.is_multiple_of(rows) || records < rows)
            {
                return Ok(Some(self.cut(end)));
            }
            if self.scanned < self.pending.len() {
                let (stop, to) = if past_block {
                    ((records / rows + 1) * rows, self.pending.len())
                } else {
                    let step = SCAN_STEP.min(self.block_size);
                    (u64::MAX, self.pending.len().min(self.scanned + step))
                };
                let from = self.scanned;
                let (scanned, last) = self.scanner.scan_until(&self.pending[from..to], stop);
                if let Some(end) = last {
                    self.last_end = Some(from + end);
                }
                self.scanned = from + scanned;
                continue;
            }
            if self.eof {
                let rest = self.pending.len();
                return Ok((rest > 0).then(|| self.cut(rest)));
            }
            self.read_more()?;
        }
    }
}

/// Decodes one chunk into batches, like the sequential stream decodes a whole input.
#[derive(Debug)]
pub(crate) struct CsvChunkDecoder {
    pub(crate) location: String,
    pub(crate) dialect: Dialect,
    pub(crate) file_schema: SchemaRef,
    pub(crate) projection: Option<Vec<usize>>,
    pub(crate) batch_size: usize,
}

impl ChunkDecoder for CsvChunkDecoder {
    fn decode(&self, chunk: &Chunk) -> ChunkOutput {
        let stream =
            InputBuffer::from_chunk(&chunk.data, &self.location, chunk.first_line, chunk.offset)
                .and_then(|buffer| {
                    CsvStream::new(
                        buffer,
                        self.dialect,
                        std::sync::Arc::clone(&self.file_schema),
                        self.projection.clone(),
                        self.batch_size,
                    )
                });
        match stream {
            Ok(stream) => ChunkOutput::collect(stream.unnumbered()),
            Err(e) => ChunkOutput::failed(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::DEFAULT_BLOCK_SIZE;
    use crate::locate::Records;

    fn dialect(escape: Option<u8>, comment: Option<u8>) -> Dialect {
        Dialect {
            header: false,
            delimiter: b',',
            quote: b'"',
            escape,
            comment,
            block_size: DEFAULT_BLOCK_SIZE,
        }
    }

    /// The record end each piece of `step` bytes of `data` returns: every record end when
    /// `step` is 1.
    fn boundaries(d: &Dialect, data: &[u8], step: usize) -> Vec<usize> {
        let mut scanner = BoundaryScanner::new(d);
        let mut ends = Vec::new();
        for (n, piece) in data.chunks(step).enumerate() {
            if let Some(end) = scanner.scan(piece) {
                ends.push(n * step + end);
            }
        }
        ends
    }

    fn records(d: &Dialect, data: &[u8]) -> Vec<Vec<String>> {
        Records::new(d, data, true).map(|r| r.fields).collect()
    }

    #[test]
    fn boundaries_skip_quoted_escaped_and_commented_line_breaks() {
        let d = dialect(None, None);
        let data = b"a,\"x\ny\",b\n\"q\"\"\n\"\n1,x\"y\n\r\n";
        assert_eq!(boundaries(&d, data, 1), [10, 17, 23, 25]);
        let d = dialect(Some(b'\\'), Some(b'#'));
        let data = b"\"a\\\"\n\"\n#c,\"\n\r#\"\nx\r\"y\n\"\n";
        assert_eq!(boundaries(&d, data, 1), [7, 12, 16, 23]);
        // Without the comment option the quote after `#c,` opens a field.
        assert_eq!(
            boundaries(&dialect(Some(b'\\'), None), data, 1),
            [7, 16, 23]
        );
    }

    #[test]
    fn cutting_at_boundaries_never_changes_the_records() {
        let pieces: [&[u8]; 12] = [
            b"a", b",", b"\"", b"\n", b"\r\n", b"#", b"\\", b"\"\"", b"x", b"\r", b",\"", b"\n#",
        ];
        let dialects = [
            dialect(None, None),
            dialect(Some(b'\\'), None),
            dialect(None, Some(b'#')),
            dialect(Some(b'\\'), Some(b'#')),
        ];
        // A deterministic pseudo-random mix of the pieces.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for round in 0..400 {
            let mut data = Vec::new();
            for _ in 0..(round % 40 + 1) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                data.extend_from_slice(pieces[(seed % pieces.len() as u64) as usize]);
            }
            for d in &dialects {
                let whole = records(d, &data);
                let every = boundaries(d, &data, 1);
                let mut start = 0;
                let mut split = Vec::new();
                assert!(every.iter().all(|&end| data[end - 1] == b'\n'));
                for &end in every.iter().chain(std::iter::once(&data.len())) {
                    split.extend(records(d, &data[start..end]));
                    start = end;
                }
                assert_eq!(split, whole, "{:?} {d:?}", String::from_utf8_lossy(&data));
                // Scanning longer pieces finds the last record end of each.
                for step in [2, 7, data.len()] {
                    let ends = boundaries(d, &data, step);
                    assert!(ends.iter().all(|e| every.contains(e)), "step {step}");
                    assert_eq!(ends.last(), every.last(), "step {step}");
                }
            }
        }
    }

    #[test]
    fn counts_records_and_stops_after_the_asked_count() {
        let d = dialect(None, Some(b'#'));
        let data = b"a,b\n\r\n#x\n\"q\nr\",1\r\n,\n\"z\"\nlast,1\n";
        let mut scanner = BoundaryScanner::new(&d);
        assert_eq!(scanner.scan(data), Some(data.len()));
        assert_eq!(scanner.records(), 5);
        let mut scanner = BoundaryScanner::new(&d);
        // The third record ends at the `\n` after `,`.
        assert_eq!(scanner.scan_until(data, 3), (20, Some(20)));
        assert_eq!(scanner.records(), 3);
        scanner.reset_records();
        assert_eq!(scanner.scan_until(&data[20..], 1), (4, Some(4)));
        assert_eq!(scanner.scan_until(&data[24..], 5), (7, Some(7)));
        assert_eq!(scanner.records(), 2);
    }

    #[test]
    fn scan_returns_the_last_boundary_of_each_piece() {
        let d = dialect(None, None);
        let mut scanner = BoundaryScanner::new(&d);
        assert_eq!(scanner.scan(b"a,\"b\nc\",d\ne,f"), Some(10));
        assert_eq!(scanner.scan(b"\"g\n"), Some(3));
        assert_eq!(scanner.scan(b"h,\""), None);
        assert_eq!(scanner.scan(b"\n\"\n"), Some(3));
        // A delimiter at the end of one piece and a quote at the start of the next.
        assert_eq!(scanner.scan(b"1,"), None);
        assert_eq!(scanner.scan(b"\"\n\"\n"), Some(4));
    }
}
