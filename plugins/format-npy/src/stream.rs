//! [`NpyStream`]: C-order rows into Arrow batches, read `batch_size` rows at a time
//! straight into Arrow buffers.

use std::io::{self, Read};
use std::sync::Arc;

use arrow_array::builder::{BinaryBuilder, StringBuilder};
use arrow_array::types::{
    Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{
    ArrayRef, BooleanArray, FixedSizeListArray, PrimitiveArray, RecordBatch, RecordBatchOptions,
};
use arrow_buffer::{BooleanBuffer, Buffer, MutableBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, SchemaRef};
use sluice_core::{BatchStream, Error, Position, Result, drain_for_codec_error};

use crate::dtype::{Column, Elem, Kind};
use crate::header::FORMAT;

/// Bytes a batch buffer grows by while its data arrives (at least; it doubles after).
const CHUNK: usize = 8 << 20;

/// Where the rows of one file are and how to cut them into columns.
#[derive(Debug, Clone)]
pub(crate) struct RowLayout {
    pub(crate) location: String,
    /// The projected columns, in output order.
    pub(crate) columns: Vec<Column>,
    pub(crate) row_bytes: usize,
    pub(crate) total_rows: u64,
    pub(crate) data_offset: u64,
}

impl RowLayout {
    /// The parse error for data that ends `filled` bytes into the data section.
    pub(crate) fn truncated(&self, filled: u64) -> Error {
        let row = filled / self.row_bytes.max(1) as u64 + 1;
        Error::parse(
            FORMAT,
            self.location.clone(),
            Position::record(row),
            format!(
                "the data ends inside row {row} of {}: the header promises {} rows of {} \
                 bytes after its {} bytes, but only {filled} bytes of data follow",
                self.total_rows, self.total_rows, self.row_bytes, self.data_offset
            ),
        )
    }
}

/// Reads C-order rows from a reader positioned at the first data byte.
pub(crate) struct NpyStream {
    reader: Box<dyn Read + Send>,
    compressed: bool,
    layout: RowLayout,
    schema: SchemaRef,
    batch_size: usize,
    rows_done: u64,
    done: bool,
}

impl std::fmt::Debug for NpyStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NpyStream")
            .field("location", &self.layout.location)
            .field("schema", &self.schema)
            .field("rows_done", &self.rows_done)
            .finish()
    }
}

impl NpyStream {
    pub(crate) fn new(
        reader: Box<dyn Read + Send>,
        compressed: bool,
        layout: RowLayout,
        schema: SchemaRef,
        batch_size: usize,
    ) -> Self {
        NpyStream {
            reader,
            compressed,
            layout,
            schema,
            batch_size: batch_size.max(1),
            rows_done: 0,
            done: false,
        }
    }

    /// Reads exactly `want` bytes, growing the buffer only as data arrives, so a header
    /// that lies about the shape cannot make it allocate more than the input holds.
    fn fill(&mut self, want: usize) -> Result<MutableBuffer> {
        let mut buf = MutableBuffer::new(want.min(CHUNK));
        let mut filled = 0;
        while filled < want {
            if buf.len() == filled {
                let grow = (want - filled).min(CHUNK.max(filled));
                buf.resize(filled + grow, 0);
            }
            match self.reader.read(&mut buf.as_slice_mut()[filled..]) {
                Ok(0) => {
                    let before = self.rows_done * self.layout.row_bytes as u64;
                    return Err(self.layout.truncated(before + filled as u64));
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::from_io(self.layout.location.clone(), e)),
            }
        }
        Ok(buf)
    }

    fn read_batch(&mut self) -> Result<Option<RecordBatch>> {
        let left = self.layout.total_rows - self.rows_done;
        // Bounded by batch_size, a usize.
        let rows = left.min(self.batch_size as u64) as usize;
        if rows == 0 {
            return Ok(None);
        }
        let row_bytes = self.layout.row_bytes;
        let want = rows
            .checked_mul(row_bytes)
            .ok_or_else(|| Error::Unsupported {
                location: self.layout.location.clone(),
                message: format!(
                    "a batch of {rows} rows of {row_bytes} bytes does not fit in memory; \
                     use a smaller batch size"
                ),
            })?;
        let raw = self.fill(want)?;
        let first_row = self.rows_done;
        let columns = &self.layout.columns;
        let arrays = match columns.as_slice() {
            // One column filling the whole row: the batch bytes are its buffer as they are.
            [column] if column.is_whole_row(row_bytes) => {
                vec![self.build(column, self.schema.field(0), raw, rows, first_row)?]
            }
            _ => columns
                .iter()
                .enumerate()
                .map(|(i, column)| {
                    let values = gather(column, raw.as_slice(), rows, row_bytes);
                    self.build(column, self.schema.field(i), values, rows, first_row)
                })
                .collect::<Result<Vec<_>>>()?,
        };
        let batch = RecordBatch::try_new_with_options(
            Arc::clone(&self.schema),
            arrays,
            &RecordBatchOptions::new().with_row_count(Some(rows)),
        )
        .map_err(|e| Error::from_arrow(FORMAT, self.layout.location.clone(), Position::NONE, e))?;
        self.rows_done += rows as u64;
        Ok(Some(batch))
    }

    /// One column of `rows` rows from its gathered value bytes.
    fn build(
        &self,
        column: &Column,
        field: &Field,
        bytes: MutableBuffer,
        rows: usize,
        first_row: u64,
    ) -> Result<ArrayRef> {
        let count = rows * column.per_row();
        let values = match column.elem.kind {
            Kind::Bool => {
                let b = bytes.as_slice();
                Arc::new(BooleanArray::new(
                    BooleanBuffer::collect_bool(count, |i| b[i] != 0),
                    None,
                )) as ArrayRef
            }
            Kind::Unicode => self.unicode(column, bytes.as_slice(), count, first_row)?,
            Kind::Bytes => {
                let size = column.elem.size;
                let mut builder = BinaryBuilder::with_capacity(count, bytes.len());
                for i in 0..count {
                    let v = &bytes.as_slice()[i * size..(i + 1) * size];
                    let end = v.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
                    builder.append_value(&v[..end]);
                }
                Arc::new(builder.finish())
            }
            Kind::Int | Kind::UInt | Kind::Float => primitive(column.elem, bytes, count),
        };
        match field.data_type() {
            DataType::FixedSizeList(item, size) => {
                let list = FixedSizeListArray::try_new_with_length(
                    Arc::clone(item),
                    *size,
                    values,
                    None,
                    rows,
                )
                .map_err(|e| {
                    Error::from_arrow(FORMAT, self.layout.location.clone(), Position::NONE, e)
                })?;
                Ok(Arc::new(list))
            }
            _ => Ok(values),
        }
    }

    fn unicode(
        &self,
        column: &Column,
        bytes: &[u8],
        count: usize,
        first_row: u64,
    ) -> Result<ArrayRef> {
        let size = column.elem.size;
        let mut builder = StringBuilder::with_capacity(count, bytes.len() / 4);
        let mut text = String::new();
        for i in 0..count {
            text.clear();
            let v = &bytes[i * size..(i + 1) * size];
            let units = v.chunks_exact(4).map(|c| {
                let u = [c[0], c[1], c[2], c[3]];
                let unit = u32::from_ne_bytes(u);
                if column.elem.swap {
                    unit.swap_bytes()
                } else {
                    unit
                }
            });
            let len = units.clone().rposition(|u| u != 0).map_or(0, |p| p + 1);
            for u in units.take(len) {
                let c = char::from_u32(u).ok_or_else(|| {
                    let row = first_row + (i / column.per_row().max(1)) as u64 + 1;
                    Error::parse(
                        FORMAT,
                        self.layout.location.clone(),
                        Position::record(row),
                        format!(
                            "column {:?} holds {u:#x}, which is not a Unicode code point",
                            column.name
                        ),
                    )
                })?;
                text.push(c);
            }
            builder.append_value(&text);
        }
        Ok(Arc::new(builder.finish()))
    }
}

/// Copies `column`'s values out of `rows` rows of `raw`, in C order.
fn gather(column: &Column, raw: &[u8], rows: usize, row_bytes: usize) -> MutableBuffer {
    let run = column.inner * column.elem.size;
    let mut out = MutableBuffer::new(rows * column.outer * run);
    for r in 0..rows {
        let row = &raw[r * row_bytes..(r + 1) * row_bytes];
        for o in 0..column.outer {
            let start = column.base + o * column.outer_stride;
            out.extend_from_slice(&row[start..start + run]);
        }
    }
    out
}

/// Reverses the bytes of every `size`-byte element.
fn swap_bytes(bytes: &mut [u8], size: usize) {
    match size {
        2 => bytes.chunks_exact_mut(2).for_each(|c| c.swap(0, 1)),
        4 => bytes.chunks_exact_mut(4).for_each(|c| {
            let v = u32::from_ne_bytes([c[0], c[1], c[2], c[3]]).swap_bytes();
            c.copy_from_slice(&v.to_ne_bytes());
        }),
        8 => bytes.chunks_exact_mut(8).for_each(|c| c.reverse()),
        _ => {}
    }
}

/// A primitive array over `bytes` (64-byte aligned, as every `MutableBuffer` is).
fn primitive(elem: Elem, mut bytes: MutableBuffer, count: usize) -> ArrayRef {
    if elem.swap {
        swap_bytes(bytes.as_slice_mut(), elem.size);
    }
    let buffer: Buffer = bytes.into();
    macro_rules! array {
        ($t:ty) => {
            Arc::new(PrimitiveArray::<$t>::new(
                ScalarBuffer::new(buffer, 0, count),
                None,
            ))
        };
    }
    match elem.data_type() {
        DataType::Int8 => array!(Int8Type),
        DataType::Int16 => array!(Int16Type),
        DataType::Int32 => array!(Int32Type),
        DataType::Int64 => array!(Int64Type),
        DataType::UInt8 => array!(UInt8Type),
        DataType::UInt16 => array!(UInt16Type),
        DataType::UInt32 => array!(UInt32Type),
        DataType::UInt64 => array!(UInt64Type),
        DataType::Float16 => array!(Float16Type),
        DataType::Float32 => array!(Float32Type),
        _ => array!(Float64Type),
    }
}

impl Iterator for NpyStream {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = self.read_batch().map_err(|e| {
            if self.compressed {
                drain_for_codec_error(&mut self.reader, &self.layout.location, e)
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

impl BatchStream for NpyStream {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }
}
