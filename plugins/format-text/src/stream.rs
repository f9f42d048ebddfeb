//! [`TextStream`]: lines into `Utf8` batches, built straight into Arrow buffers.

use std::io::{self, Read};
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, RecordBatchOptions, StringArray};
use arrow_buffer::{Buffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::SchemaRef;
use sluice_core::{BatchStream, Error, Position, Result, drain_for_codec_error};

/// Bytes asked of the reader per refill.
const READ_SIZE: usize = 1 << 20;
/// The most value bytes one `Utf8` array can hold (its offsets are `i32`).
const MAX_VALUES: usize = i32::MAX as usize;

const BOM: &[u8] = b"\xef\xbb\xbf";

/// Reads an input line by line into batches of one `Utf8` column (or of projections of
/// it), each holding at most `batch_size` lines.
pub(crate) struct TextStream {
    reader: Box<dyn Read + Send>,
    location: String,
    compressed: bool,
    /// `buf[start..end]` is read but not yet turned into rows.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    bom_checked: bool,
    schema: SchemaRef,
    /// How many times the column appears in the output (0 to count rows only).
    copies: usize,
    batch_size: usize,
    /// Lines already yielded.
    lines: u64,
    done: bool,
}

impl std::fmt::Debug for TextStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextStream")
            .field("location", &self.location)
            .field("schema", &self.schema)
            .field("lines", &self.lines)
            .finish()
    }
}

/// The rows of the batch being built.
struct Rows {
    values: Vec<u8>,
    offsets: Vec<i32>,
}

impl Rows {
    fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    fn is_empty(&self) -> bool {
        self.offsets.len() == 1
    }

    /// Appends one line without its `\n`, dropping a final `\r`; `false` if the batch is
    /// too big for it (the line is not consumed).
    fn push(&mut self, mut line: &[u8]) -> bool {
        if let [rest @ .., b'\r'] = line {
            line = rest;
        }
        if self.values.len() + line.len() > MAX_VALUES {
            return false;
        }
        self.values.extend_from_slice(line);
        // Cannot truncate: the length was checked against i32::MAX above.
        self.offsets.push(self.values.len() as i32);
        true
    }
}

impl TextStream {
    pub(crate) fn new(
        reader: Box<dyn Read + Send>,
        location: &str,
        compressed: bool,
        schema: SchemaRef,
        copies: usize,
        batch_size: usize,
    ) -> Self {
        TextStream {
            reader,
            location: location.to_string(),
            compressed,
            buf: Vec::new(),
            start: 0,
            end: 0,
            eof: false,
            bom_checked: false,
            schema,
            copies,
            batch_size: batch_size.max(1),
            lines: 0,
            done: false,
        }
    }

    /// Corrupt compressed data often decompresses to garbage before the decompressor
    /// notices: when a parse error happens in a compressed input, read on (up to 64 MiB)
    /// and report the decompression error instead, if there is one.
    fn prefer_codec_error(&mut self, err: Error) -> Error {
        if !self.compressed {
            return err;
        }
        drain_for_codec_error(&mut self.reader, &self.location, err)
    }

    /// Moves the unread bytes to the front, grows the buffer when full, and reads.
    fn refill(&mut self) -> Result<()> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() - self.end < READ_SIZE / 4 {
            let len = (self.buf.len() * 2).max(self.end + READ_SIZE);
            self.buf.resize(len, 0);
        }
        let target = self.end + (self.buf.len() - self.end).min(READ_SIZE);
        while self.end < target {
            match self.reader.read(&mut self.buf[self.end..target]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::from_io(self.location.clone(), e)),
            }
        }
        Ok(())
    }

    fn read_batch(&mut self) -> Result<Option<RecordBatch>> {
        if !self.bom_checked {
            while self.end < BOM.len() && !self.eof {
                self.refill()?;
            }
            if self.buf[..self.end].starts_with(BOM) {
                self.start = BOM.len();
            }
            self.bom_checked = true;
        }
        let want = self.batch_size;
        let mut rows = Rows {
            values: Vec::with_capacity((self.end - self.start).min(READ_SIZE)),
            offsets: Vec::with_capacity(want.min(READ_SIZE / 8) + 1),
        };
        rows.offsets.push(0);
        while rows.len() < want {
            let available = &self.buf[self.start..self.end];
            let mut consumed = 0;
            let mut full = false;
            for newline in memchr::memchr_iter(b'\n', available) {
                if !rows.push(&available[consumed..newline]) {
                    full = true;
                    break;
                }
                consumed = newline + 1;
                if rows.len() == want {
                    break;
                }
            }
            self.start += consumed;
            if full || rows.len() == want {
                break;
            }
            if self.eof {
                if self.start < self.end {
                    if !rows.push(&self.buf[self.start..self.end]) {
                        break;
                    }
                    self.start = self.end;
                }
                break;
            }
            self.refill()?;
        }
        if rows.is_empty() {
            if self.start < self.end {
                return Err(Error::parse(
                    "text",
                    self.location.clone(),
                    Position::line(self.lines + 1),
                    "the line is longer than 2 GiB, the most one Utf8 value can hold",
                ));
            }
            return Ok(None);
        }
        let batch = self.build(rows)?;
        self.lines += batch.num_rows() as u64;
        Ok(Some(batch))
    }

    fn build(&self, rows: Rows) -> Result<RecordBatch> {
        let count = rows.len();
        // Offsets start at 0 and never decrease: `Rows::push` appends running lengths.
        let offsets = OffsetBuffer::new(ScalarBuffer::from(rows.offsets));
        let values = Buffer::from_vec(rows.values);
        // Cloning buffers only clones their reference counts.
        let array = StringArray::try_new(offsets.clone(), values.clone(), None)
            .map_err(|_| self.utf8_error(&offsets, values.as_slice()))?;
        let array: ArrayRef = Arc::new(array);
        let columns = vec![array; self.copies];
        RecordBatch::try_new_with_options(
            Arc::clone(&self.schema),
            columns,
            &RecordBatchOptions::new().with_row_count(Some(count)),
        )
        .map_err(|e| Error::from_arrow("text", self.location.clone(), Position::NONE, e))
    }

    /// The first line (between `offsets`) of `values` that is not valid UTF-8.
    fn utf8_error(&self, offsets: &[i32], values: &[u8]) -> Error {
        for (i, pair) in offsets.windows(2).enumerate() {
            let line = &values[pair[0] as usize..pair[1] as usize];
            if let Err(e) = std::str::from_utf8(line) {
                let at = e.valid_up_to();
                let len = e.error_len().unwrap_or(line.len() - at);
                let bytes: Vec<String> = line[at..at + len]
                    .iter()
                    .map(|b| format!("{b:#04x}"))
                    .collect();
                return Error::parse(
                    "text",
                    self.location.clone(),
                    Position::line(self.lines + i as u64 + 1),
                    format!(
                        "invalid UTF-8 at byte {} of the line (bytes {})",
                        at + 1,
                        bytes.join(" ")
                    ),
                );
            }
        }
        Error::parse(
            "text",
            self.location.clone(),
            Position::line(self.lines + 1),
            "invalid UTF-8",
        )
    }
}

impl Iterator for TextStream {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = self.read_batch().map_err(|e| self.prefer_codec_error(e));
        if !matches!(next, Ok(Some(_))) {
            self.done = true;
        }
        next.transpose()
    }
}

impl BatchStream for TextStream {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }
}
