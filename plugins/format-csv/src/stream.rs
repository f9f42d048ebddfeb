//! [`CsvStream`]: arrow-csv's push decoder fed from an [`InputBuffer`], with errors traced
//! to their line.

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_csv::ReaderBuilder;
use arrow_schema::{ArrowError, SchemaRef};
use sluice_core::{BatchStream, Error, Position, Result};

use crate::buffer::InputBuffer;
use crate::dialect::Dialect;
use crate::locate::{Record, Records, parse_non_nullable, parse_value_error};

/// arrow-csv sizes its buffers for a whole batch up front: rows per batch are capped,
/// and so are cells (rows times columns) for very wide files.
const MAX_ROWS: usize = 1 << 16;
const MAX_CELLS: usize = 1 << 22;
/// When locating a record cut by the end of the buffer, read at most this many more times.
const LOCATE_REFILLS: usize = 64;

/// The rows per batch for `batch_size` asked and a file of `file_schema`: capped so that
/// arrow-csv's buffers stay small.
pub(crate) fn batch_rows(batch_size: usize, file_schema: &SchemaRef) -> usize {
    let columns = file_schema.fields().len().max(1);
    batch_size.min(MAX_ROWS).min(MAX_CELLS / columns).max(1)
}

/// Decodes the records of an input, after its header, into batches.
pub(crate) struct CsvStream<'a> {
    buffer: InputBuffer<'a>,
    decoder: arrow_csv::reader::Decoder,
    schema: SchemaRef,
    file_schema: SchemaRef,
    dialect: Dialect,
    batch_size: usize,
    rows_flushed: u64,
    /// Whether the first record of the buffer is the input's first (so that record
    /// numbers mean something); false for a chunk of a larger input.
    numbered: bool,
    done: bool,
}

impl std::fmt::Debug for CsvStream<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvStream")
            .field("buffer", &self.buffer)
            .field("schema", &self.schema)
            .field("rows", &self.rows_flushed)
            .finish()
    }
}

impl<'a> CsvStream<'a> {
    /// A stream over `buffer` (positioned at the first data record) of a file with
    /// `file_schema`, yielding the columns `projection` (all when `None`).
    pub(crate) fn new(
        buffer: InputBuffer<'a>,
        dialect: Dialect,
        file_schema: SchemaRef,
        projection: Option<Vec<usize>>,
        batch_size: usize,
    ) -> Result<Self> {
        let batch_size = batch_rows(batch_size, &file_schema);
        let schema = match &projection {
            Some(indices) => Arc::new(
                file_schema
                    .project(indices)
                    .map_err(|e| Error::from_arrow("CSV", buffer.location(), Position::NONE, e))?,
            ),
            None => Arc::clone(&file_schema),
        };
        let mut builder = ReaderBuilder::new(Arc::clone(&file_schema))
            .with_format(dialect.decode_format())
            .with_batch_size(batch_size);
        if let Some(indices) = projection {
            builder = builder.with_projection(indices);
        }
        Ok(CsvStream {
            buffer,
            decoder: builder.build_decoder(),
            schema,
            file_schema,
            dialect,
            batch_size,
            rows_flushed: 0,
            numbered: true,
            done: false,
        })
    }

    /// The stream for a chunk that starts after other records: errors carry lines but no
    /// record numbers.
    pub(crate) fn unnumbered(mut self) -> Self {
        self.numbered = false;
        self
    }

    fn read_batch(&mut self) -> Result<Option<RecordBatch>> {
        loop {
            if self.buffer.available().is_empty() && !self.buffer.eof() {
                self.buffer.fill()?;
                continue;
            }
            // An empty slice (only at the end of the input) ends the last record.
            let input = self.buffer.available();
            let at_end = input.is_empty();
            let n = match self.decoder.decode(input) {
                Ok(n) => n,
                Err(e) => return Err(self.decode_error(e)),
            };
            self.buffer.consume(n);
            if self.decoder.capacity() == 0 || (n == 0 && at_end) {
                break;
            }
            if n == 0 {
                return Err(Error::Internal {
                    message: format!(
                        "the CSV decoder made no progress in {}",
                        self.buffer.location()
                    ),
                });
            }
        }
        match self.decoder.flush() {
            Ok(Some(batch)) => {
                self.rows_flushed += batch.num_rows() as u64;
                self.buffer.mark();
                Ok(Some(batch))
            }
            Ok(None) => Ok(None),
            Err(e) => Err(self.flush_error(e)),
        }
    }

    /// Record `index` (0-based) of the batch in progress and its buffer offset, read
    /// whole when possible.
    fn find_record(&mut self, index: u64) -> Option<(usize, Record)> {
        let index = usize::try_from(index).ok()?;
        for _ in 0..LOCATE_REFILLS {
            let keep = self.buffer.keep();
            let eof = self.buffer.eof();
            let found = Records::new(&self.dialect, self.buffer.valid_from(keep), eof).nth(index);
            match found {
                Some(record) if record.complete || eof => {
                    return Some((keep + record.start, record));
                }
                None if eof => return None,
                _ => {
                    if self.buffer.fill().is_err() {
                        break;
                    }
                }
            }
        }
        let keep = self.buffer.keep();
        let eof = self.buffer.eof();
        Records::new(&self.dialect, self.buffer.valid_from(keep), eof)
            .nth(index)
            .map(|r| (keep + r.start, r))
    }

    /// The position of a record: its line when found, else its number.
    fn record_position(&self, index: u64, at: Option<usize>) -> Position {
        let mut position = match at {
            Some(at) => Position::line(self.buffer.line_at(at)),
            None => Position::NONE,
        };
        if self.numbered {
            position.record = Some(self.rows_flushed + index + 1);
        }
        position
    }

    fn parse_error(&self, position: Position, message: String) -> Error {
        Error::parse("CSV", self.buffer.location(), position, message)
    }

    /// An error of `decode`: a record with the wrong number of fields.
    fn decode_error(&mut self, err: ArrowError) -> Error {
        let location = self.buffer.location().to_string();
        let ArrowError::CsvError(message) = &err else {
            return Error::from_arrow("CSV", location, Position::NONE, err);
        };
        if !message.starts_with("incorrect number of fields") {
            return Error::from_arrow("CSV", location, Position::NONE, err);
        }
        let index = (self.batch_size - self.decoder.capacity()) as u64;
        let expected = self.file_schema.fields().len();
        match self.find_record(index) {
            Some((at, record)) => {
                let found = record.fields.len();
                let more = if record.complete { "" } else { "at least " };
                self.parse_error(
                    self.record_position(index, Some(at)),
                    format!("expected {expected} fields, found {more}{found}"),
                )
            }
            None => Error::from_arrow("CSV", location, self.record_position(index, None), err),
        }
    }

    /// An error of `flush`: a value that does not fit its column.
    fn flush_error(&mut self, err: ArrowError) -> Error {
        let location = self.buffer.location().to_string();
        match &err {
            ArrowError::ParseError(message) => {
                let Some(bad) = parse_value_error(message) else {
                    return Error::from_arrow("CSV", location, Position::NONE, err);
                };
                let Some(field) = self.file_schema.fields().get(bad.column).cloned() else {
                    return Error::from_arrow("CSV", location, Position::NONE, err);
                };
                let index = bad.record.saturating_sub(self.rows_flushed);
                let found = self.find_record(index);
                let value = found
                    .as_ref()
                    .and_then(|(_, r)| r.fields.get(bad.column).cloned())
                    .unwrap_or_default();
                self.parse_error(
                    self.record_position(index, found.map(|(at, _)| at)),
                    format!(
                        "column {:?}: cannot parse {value:?} as {}",
                        field.name(),
                        field.data_type()
                    ),
                )
            }
            ArrowError::InvalidArgumentError(message) => {
                let Some(column) = parse_non_nullable(message)
                    .and_then(|name| self.file_schema.index_of(name).ok())
                else {
                    return Error::from_arrow("CSV", location, Position::NONE, err);
                };
                let keep = self.buffer.keep();
                let empty = Records::new(&self.dialect, self.buffer.valid_from(keep), true)
                    .enumerate()
                    .find(|(_, r)| r.fields.get(column).is_none_or(String::is_empty));
                let position = match empty {
                    Some((index, r)) => self.record_position(index as u64, Some(keep + r.start)),
                    None => Position::NONE,
                };
                self.parse_error(
                    position,
                    format!(
                        "column {:?} is not nullable but has an empty value",
                        self.file_schema.field(column).name()
                    ),
                )
            }
            _ => Error::from_arrow("CSV", location, Position::NONE, err),
        }
    }
}

impl Iterator for CsvStream<'_> {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = self
            .read_batch()
            .map_err(|e| self.buffer.prefer_codec_error(e));
        if !matches!(next, Ok(Some(_))) {
            self.done = true;
        }
        next.transpose()
    }
}

impl BatchStream for CsvStream<'static> {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }
}
