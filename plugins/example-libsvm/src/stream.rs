//! [`LibsvmStream`]: lines of an input into batches of at most `batch_size` rows.

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

const BOM: &[u8] = b"\xef\xbb\xbf";

/// Reads an input line by line; yields batches of the projected columns.
pub(crate) struct LibsvmStream {
    reader: BufReader<Box<dyn Read + Send>>,
    location: String,
    compressed: bool,
    rules: LineRules,
    schema: SchemaRef,
    /// The indices of the output columns in the file schema.
    projection: Vec<usize>,
    batch_size: usize,
    /// The current line, reused.
    line: Vec<u8>,
    /// Lines read so far (blank and comment lines too).
    lines: u64,
    done: bool,
}

impl std::fmt::Debug for LibsvmStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LibsvmStream")
            .field("location", &self.location)
            .field("lines", &self.lines)
            .finish_non_exhaustive()
    }
}

impl LibsvmStream {
    pub(crate) fn new(
        reader: Box<dyn Read + Send>,
        location: &str,
        compressed: bool,
        rules: LineRules,
        schema: SchemaRef,
        projection: Vec<usize>,
        batch_size: usize,
    ) -> Self {
        LibsvmStream {
            reader: BufReader::with_capacity(READ_SIZE, reader),
            location: location.to_string(),
            compressed,
            rules,
            schema,
            projection,
            batch_size: batch_size.max(1),
            line: Vec::new(),
            lines: 0,
            done: false,
        }
    }

    /// Reads the next line into `self.line` without its line break; `false` at the end.
    fn next_line(&mut self) -> Result<bool> {
        self.line.clear();
        let n = self
            .reader
            .read_until(b'\n', &mut self.line)
            .map_err(|e| Error::from_io(self.location.clone(), e))?;
        if n == 0 {
            return Ok(false);
        }
        self.lines += 1;
        if self.line.last() == Some(&b'\n') {
            self.line.pop();
        }
        if self.line.last() == Some(&b'\r') {
            self.line.pop();
        }
        if self.lines == 1 && self.line.starts_with(BOM) {
            self.line.drain(..BOM.len());
        }
        Ok(true)
    }

    fn read_batch(&mut self) -> Result<Option<RecordBatch>> {
        let mut rows = Rows::with_capacity(self.batch_size.min(RESERVE_ROWS));
        while rows.len() < self.batch_size && self.next_line()? {
            parse_line(&self.line, self.rules, &mut rows).map_err(|message| {
                Error::parse(
                    FORMAT,
                    self.location.clone(),
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
        let columns = self
            .projection
            .iter()
            .map(|&i| Arc::clone(&columns[i]))
            .collect();
        RecordBatch::try_new_with_options(
            Arc::clone(&self.schema),
            columns,
            &RecordBatchOptions::new().with_row_count(Some(count)),
        )
        .map(Some)
        .map_err(|e| Error::from_arrow(FORMAT, self.location.clone(), Position::NONE, e))
    }
}

impl Iterator for LibsvmStream {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = self.read_batch().map_err(|e| {
            if self.compressed {
                // Corrupt compressed data often inflates to garbage before the
                // decompressor notices: report its error if reading on reaches it.
                drain_for_codec_error(&mut self.reader, &self.location, e)
            } else {
                e
            }
        });
        if !matches!(next, Ok(Some(_))) {
            self.done = true;
        }
        next.transpose()
    }
}

impl BatchStream for LibsvmStream {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }
}
