//! sluice-format-npy: NumPy `.npy` files for sluice.
//!
//! [`NpyDecoder`] is registered through `inventory` as `npy` (extension `npy`). It parses
//! the format itself — magic, versions 1.0, 2.0 and 3.0, and the header dictionary — and
//! reads the data front to back through the input's reader, so `.npy.gz`, `.npy.zst` and
//! standard input work too.
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::cast::AsArray;
//! use arrow_array::types::Int32Type;
//! use sluice_core::{DecodeInput, Decoder, MemorySource, Result, ScanOptions};
//! use sluice_format_npy::NpyDecoder;
//!
//! // np.save of np.array([1, 2, 3], dtype="<i4"): 10 bytes, then a 118-byte header.
//! let dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }";
//! let mut file = b"\x93NUMPY\x01\x00\x76\x00".to_vec();
//! file.extend(format!("{dict:<117}\n").bytes());
//! for v in [1i32, 2, 3] { file.extend(v.to_le_bytes()); }
//!
//! let input = DecodeInput::new(Arc::new(MemorySource::new("a.npy", file)), None);
//! let batches: Vec<_> = NpyDecoder.open(&input, &ScanOptions::new())?.collect::<Result<_>>()?;
//! let values = batches[0].column(0).as_primitive::<Int32Type>();
//! assert_eq!(values.values(), &[1, 2, 3]);
//! assert_eq!(batches[0].schema().field(0).name(), "value");
//! # Ok::<(), sluice_core::Error>(())
//! ```
//!
//! # Behaviour
//!
//! - A 1-D array is one non-nullable column `value`. An array of shape `(n, d1, d2, …)` is
//!   `n` rows of a `FixedSizeList` of `d1·d2·…` values (C order), and the field's metadata
//!   key [`SHAPE_KEY`] (`numpy.shape`) holds the per-row shape as JSON (`[d1, d2]`). A 0-d
//!   array is one row.
//! - dtypes: `b1` (Boolean), `i1`–`i8`, `u1`–`u8`, `f2` (Float16), `f4`, `f8`, in either
//!   byte order; `U<n>` becomes Utf8 and `S<n>` Binary, trailing NULs removed as numpy
//!   does. A structured dtype is one column per field (padding skipped; a field with a
//!   subarray shape is a fixed-size list). Object arrays (`O`) are refused — they are
//!   pickles, and sluice never unpickles. Complex, datetime, void and nested structured
//!   dtypes are `Unsupported` errors naming the dtype.
//! - Batches are read `batch_size` rows at a time, exactly `rows × row bytes` per batch,
//!   into Arrow buffers directly (byte-swapped when big-endian), so memory stays bounded.
//! - Fortran-order arrays spread each row across the whole file; they are read whole and
//!   transposed when their data is at most [`FORTRAN_CAP`] (1 GiB), and refused with an
//!   `Unsupported` error beyond that.
//! - The header is parsed strictly (exactly the keys `descr`, `fortran_order`, `shape`);
//!   anything else is a parse error naming the file and what was expected. The data size
//!   is checked against the file size when it is known (uncompressed input) before any
//!   row is read, and data that ends early is a parse error naming the row.
//! - `infer_schema` and `count_rows` read only the header.
//! - There are no format options; any key is an error.

mod dtype;
mod fortran;
mod header;
mod stream;

use std::io::{Cursor, Read};
use std::sync::Arc;

use arrow_schema::{Schema, SchemaRef};
use sluice_core::{
    BatchStream, DecodeInput, Decoder, DecoderRegistration, Error, FormatOptions, Probe, Result,
    ScanOptions, Sniff, drain_for_codec_error,
};

pub use crate::dtype::SHAPE_KEY;
pub use crate::fortran::FORTRAN_CAP;
use crate::header::{Header, MAGIC, parse_error, read_header};
use crate::stream::{NpyStream, RowLayout};

/// The name of the column of a non-structured array.
pub const COLUMN: &str = "value";

/// Arrays whose rows have no bytes (a dimension is 0) cannot be checked against the file
/// size; more rows than this are refused rather than counted out one batch at a time.
const MAX_EMPTY_ROWS: u64 = 1 << 32;

/// The NumPy `.npy` decoder.
#[derive(Debug, Clone, Copy, Default)]
pub struct NpyDecoder;

inventory::submit! {
    DecoderRegistration { name: "npy", priority: 40, create: || Arc::new(NpyDecoder) }
}

/// A file's header and what follows from it.
struct Opened {
    reader: Box<dyn Read + Send>,
    header: Header,
    layout: RowLayout,
    /// The file's schema, before projection.
    schema: SchemaRef,
    data_bytes: u64,
}

impl NpyDecoder {
    /// Reads the header of `input` and works out its columns, checking the data size
    /// against the file size when it is known.
    fn open_header(&self, input: &DecodeInput) -> Result<Opened> {
        let location = input.location();
        let mut reader = input.reader()?;
        let header = match read_header(&mut *reader, location) {
            Ok(h) => h,
            Err(e) if input.codec().is_some() => {
                return Err(drain_for_codec_error(&mut *reader, location, e));
            }
            Err(e) => return Err(e),
        };
        let (columns, row_bytes) =
            dtype::columns(&header.dtype, &header.shape).map_err(|why| Error::Unsupported {
                location: location.to_string(),
                message: format!(
                    "the array of shape {:?} cannot be read: {why}",
                    header.shape
                ),
            })?;
        let rows = header.rows();
        let data_bytes = rows.checked_mul(row_bytes as u64).ok_or_else(|| {
            parse_error(
                location,
                header.data_offset,
                format!(
                    "the shape {:?} of {}-byte items is larger than any file",
                    header.shape, header.dtype.itemsize
                ),
            )
        })?;
        if row_bytes == 0 && rows > MAX_EMPTY_ROWS {
            return Err(parse_error(
                location,
                header.data_offset,
                format!(
                    "the shape {:?} has {rows} rows of 0 bytes; more than {MAX_EMPTY_ROWS} \
                     such rows are refused",
                    header.shape
                ),
            ));
        }
        let layout = RowLayout {
            location: location.to_string(),
            columns,
            row_bytes,
            total_rows: rows,
            data_offset: header.data_offset,
        };
        if input.codec().is_none()
            && let Some(size) = input.source().size()
        {
            let available = size.saturating_sub(header.data_offset);
            if available < data_bytes {
                return Err(layout.truncated(available));
            }
        }
        let schema = Arc::new(dtype::schema(&layout.columns));
        Ok(Opened {
            reader,
            header,
            layout,
            schema,
            data_bytes,
        })
    }

    /// The explicit schema of `options`, when it matches the file's columns.
    fn file_schema(
        &self,
        input: &DecodeInput,
        options: &ScanOptions,
        schema: SchemaRef,
    ) -> Result<SchemaRef> {
        let Some(given) = &options.schema else {
            return Ok(schema);
        };
        let matches =
            given.fields().len() == schema.fields().len()
                && given.fields().iter().zip(schema.fields()).all(|(g, f)| {
                    g.name() == f.name() && g.data_type().equals_datatype(f.data_type())
                });
        if matches {
            return Ok(Arc::clone(given));
        }
        let describe = |s: &Schema| {
            s.fields()
                .iter()
                .map(|f| format!("{}: {}", f.name(), f.data_type()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        Err(Error::Schema {
            message: format!(
                "{} holds columns {}; the given schema has columns {}",
                input.location(),
                describe(&schema),
                describe(given)
            ),
        })
    }
}

impl Decoder for NpyDecoder {
    fn name(&self) -> &str {
        "npy"
    }

    fn extensions(&self) -> &[&str] {
        &["npy"]
    }

    /// `Yes` when the head starts with the magic `\x93NUMPY`, `No` otherwise.
    fn sniff(&self, probe: &Probe<'_>) -> Sniff {
        if probe.head.starts_with(MAGIC) {
            Sniff::Yes
        } else {
            Sniff::No
        }
    }

    fn validate_options(&self, options: &ScanOptions) -> Result<()> {
        FormatOptions::new("npy", &options.format_options).finish()
    }

    fn infer_schema(&self, input: &DecodeInput, options: &ScanOptions) -> Result<SchemaRef> {
        self.validate_options(options)?;
        let opened = self.open_header(input)?;
        self.file_schema(input, options, opened.schema)
    }

    fn open(&self, input: &DecodeInput, options: &ScanOptions) -> Result<Box<dyn BatchStream>> {
        self.validate_options(options)?;
        let Opened {
            mut reader,
            header,
            mut layout,
            schema,
            data_bytes,
        } = self.open_header(input)?;
        let mut schema = self.file_schema(input, options, schema)?;
        if let Some(indices) = options.projection_indices(&schema, Some(input.location()))? {
            let fields: Vec<_> = indices
                .iter()
                .map(|&i| Arc::clone(&schema.fields()[i]))
                .collect();
            layout.columns = indices.iter().map(|&i| layout.columns[i].clone()).collect();
            schema = Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
        }
        if fortran::needs_transpose(&header) {
            reader = Box::new(Cursor::new(fortran::read_as_c_order(
                &mut *reader,
                &header,
                data_bytes,
                input.location(),
            )?));
        }
        Ok(Box::new(NpyStream::new(
            reader,
            input.codec().is_some(),
            layout,
            schema,
            options.batch_size,
        )))
    }

    /// The first dimension from the header (1 for a 0-d array), checked against the file
    /// size when it is known; no data is read.
    fn count_rows(&self, input: &DecodeInput, options: &ScanOptions) -> Option<Result<u64>> {
        Some(
            self.validate_options(options)
                .and_then(|()| self.open_header(input))
                .map(|o| o.layout.total_rows),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniff_is_the_magic() {
        let probe = |head: &'static [u8]| Probe {
            head,
            complete: false,
            name: "a.npy",
        };
        assert_eq!(NpyDecoder.sniff(&probe(b"\x93NUMPY\x01\x00")), Sniff::Yes);
        assert_eq!(NpyDecoder.sniff(&probe(b"\x93NUMP")), Sniff::No);
        assert_eq!(NpyDecoder.sniff(&probe(b"PAR1")), Sniff::No);
        assert_eq!(NpyDecoder.sniff(&probe(b"")), Sniff::No);
    }
}
