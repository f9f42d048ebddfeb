//! [`LibsvmStream`]: lines of an input, or of one chunk of it, into batches of at most
//! `batch_size` rows.

use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;

use arrow_array::{RecordBatch, RecordBatchOptions};
use arrow_schema::SchemaRef;
use sluice_core::{BatchStream, Error, Position, Result, drain_for_codec_error};

use crate::FORMAT;
use crate::parse::{LineRules, Rows, parse_line};

/// The read buffer, in bytes.
const READ_SIZE: usize = 1 << 20;
/// Rows reserved up front per batch, at most.
const RESERVE_ROWS: usize = 1 << 16;

pub(crate) const BOM: &[u8] = b"\xef\xbb\xbf";

/// Where the lines come from: a reader (the whole input) or a chunk's bytes.
pub(crate) trait LineSource {
    /// The next line without its `\n` or `\r\n`; `None` at the end.
    fn next_line(&mut self) -> std::io::Result<Option<&[u8]>>;

    /// The error to report for `err`, a failure after which reading stops.
    fn final_error(&mut self, _location: &str, err: Error) -> Error {
        err
    }
}

fn strip_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The lines of a whole input, read through a buffer.
pub(crate) struct ReaderLines {
    reader: BufReader<Box<dyn Read + Send>>,
    /// Whether the input is decompressed: a parse error may be explained by a
    /// decompression error further on.
    compressed: bool,
    /// The current line, reused.
    line: Vec<u8>,
}

impl ReaderLines {
    pub(crate) fn new(reader: Box<dyn Read + Send>, compressed: bool) -> Self {
        ReaderLines {
            reader: BufReader::with_capacity(READ_SIZE, reader),
            compressed,
            line: Vec::new(),
        }
    }
}

impl LineSource for ReaderLines {
    fn next_line(&mut self) -> std::io::Result<Option<&[u8]>> {
        self.line.clear();
        if self.reader.read_until(b'\n', &mut self.line)? == 0 {
            return Ok(None);
        }
        Ok(Some(strip_line_end(&self.line)))
    }

    fn final_error(&mut self, location: &str, err: Error) -> Error {
        if self.compressed {
            // Corrupt compressed data often inflates to garbage before the decompressor
            // notices: report its error if reading on reaches it.
            drain_for_codec_error(&mut self.reader, location, err)
        } else {
            err
        }
    }
}

/// The lines of bytes in memory (a chunk), without copying them.
pub(crate) struct SliceLines<'a> {
    rest: &'a [u8],
}

impl<'a> SliceLines<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        SliceLines { rest: data }
    }
}

impl LineSource for SliceLines<'_> {
    fn next_line(&mut self) -> std::io::Result<Option<&[u8]>> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let end = memchr::memchr(b'\n', self.rest).map_or(self.rest.len(), |at| at + 1);
        let (line, rest) = self.rest.split_at(end);
        self.rest = rest;
        Ok(Some(strip_line_end(line)))
    }
}

/// What a stream decodes, besides its lines: the same for every chunk of an input.
#[derive(Debug, Clone)]
pub(crate) struct StreamSetup {
    pub(crate) location: String,
    pub(crate) rules: LineRules,
    pub(crate) schema: SchemaRef,
    /// The indices of the output columns in the file schema.
    pub(crate) projection: Vec<usize>,
    pub(crate) batch_size: usize,
}

/// Reads lines; yields batches of the projected columns. Every batch but the last has
/// `batch_size` rows. After an error, the rows of the batch it fell in are dropped.
pub(crate) struct LibsvmStream<S> {
    source: S,
    setup: Arc<StreamSetup>,
    /// Lines read so far (blank and comment lines too), counting from the input's start.
    lines: u64,
    done: bool,
}

impl<S> std::fmt::Debug for LibsvmStream<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LibsvmStream")
            .field("location", &self.setup.location)
            .field("lines", &self.lines)
            .finish_non_exhaustive()
    }
}

impl<S: LineSource> LibsvmStream<S> {
    /// A stream over `source`, whose first line is line `first_line` (1-based) of the
    /// input. A BOM is dropped from line 1 only.
    pub(crate) fn new(source: S, setup: Arc<StreamSetup>, first_line: u64) -> Self {
        LibsvmStream {
            source,
            setup,
            lines: first_line.saturating_sub(1),
            done: false,
        }
    }

    fn read_batch(&mut self) -> Result<Option<RecordBatch>> {
        let setup = &self.setup;
        let mut rows = Rows::with_capacity(setup.batch_size.min(RESERVE_ROWS));
        while rows.len() < setup.batch_size {
            let line = match self.source.next_line() {
                Ok(Some(line)) => line,
                Ok(None) => break,
                Err(e) => return Err(Error::from_io(setup.location.clone(), e)),
            };
            self.lines += 1;
            let line = match self.lines {
                1 => line.strip_prefix(BOM).unwrap_or(line),
                _ => line,
            };
            parse_line(line, setup.rules, &mut rows).map_err(|message| {
                Error::parse(
                    FORMAT,
                    setup.location.clone(),
                    Position::line(self.lines),
                    message,
                )
            })?;
        }
        let count = rows.len();
        if count == 0 {
            return Ok(None);
        }
        let columns = rows.finish();
        let columns = setup
            .projection
            .iter()
            .map(|&i| Arc::clone(&columns[i]))
            .collect();
        RecordBatch::try_new_with_options(
            Arc::clone(&setup.schema),
            columns,
            &RecordBatchOptions::new().with_row_count(Some(count)),
        )
        .map(Some)
        .map_err(|e| Error::from_arrow(FORMAT, setup.location.clone(), Position::NONE, e))
    }
}

impl<S: LineSource> Iterator for LibsvmStream<S> {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = self
            .read_batch()
            .map_err(|e| self.source.final_error(&self.setup.location, e));
        if !matches!(next, Ok(Some(_))) {
            self.done = true;
        }
        next.transpose()
    }
}

impl BatchStream for LibsvmStream<ReaderLines> {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.setup.schema)
    }
}
