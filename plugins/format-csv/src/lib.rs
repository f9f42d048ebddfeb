//! sluice-format-csv: CSV and TSV decoders for sluice, built on arrow-csv.
//!
//! [`CsvDecoder`] is registered twice through `inventory`: as `csv` (extension `csv`,
//! delimiter `,`) and as `tsv` (extension `tsv`, delimiter tab).
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::{Array, Int64Array, StringArray};
//! use sluice_core::{DecodeInput, Decoder, MemorySource, Result, ScanOptions};
//! use sluice_format_csv::CsvDecoder;
//!
//! let data = "\u{feff}id,name\r\n1,\"Smith, J\"\r\n2,\r\n";
//! let input = DecodeInput::new(Arc::new(MemorySource::new("people.csv", data)), None);
//! let batches: Vec<_> = CsvDecoder::csv().open(&input, &ScanOptions::new())?.collect::<Result<_>>()?;
//! let batch = &batches[0];
//! assert_eq!(batch.schema().field(0).name(), "id");
//! let ids = batch.column(0).as_any().downcast_ref::<Int64Array>().unwrap();
//! assert_eq!(ids.values(), &[1, 2]);
//! let names = batch.column(1).as_any().downcast_ref::<StringArray>().unwrap();
//! assert_eq!(names.value(0), "Smith, J");
//! assert!(names.is_null(1));
//! # Ok::<(), sluice_core::Error>(())
//! ```
//!
//! # Behaviour
//!
//! - **Options** (`format_options`): `header` (default true), `delimiter`, `quote`
//!   (default `"`), `escape` (none by default; a doubled quote is always an escaped
//!   quote), `comment` (lines starting with it are skipped), `block_size` (bytes each
//!   thread decodes at a time, default 4 MiB). Unknown keys are an error.
//! - **Header**: without one, columns are named `f0`, `f1`, ... as pyarrow names them.
//! - **Types** are inferred by arrow-csv from the first `infer_rows` records: Int64,
//!   Float64, Boolean, Date32, Timestamp or Utf8; a column with no value in the sample is
//!   Utf8. Empty cells are null. An explicit `schema` is used as it is.
//! - **Input** is read once (it may be standard input): the head is buffered for
//!   inference (up to about 16 MiB) and decoding continues from that buffer. A UTF-8 BOM
//!   is dropped; an input with no record (0 bytes, a BOM, blank lines) is zero rows with
//!   an empty schema.
//! - **Threads**: with `threads` other than 1, an input larger than one block is cut into
//!   blocks at record boundaries (quote-aware, like the parser) and the blocks are decoded
//!   on that many threads (0: one per core), in order, with the same values and errors.
//! - **Errors** name the file and the physical 1-based line, counting line breaks inside
//!   quoted fields, blank lines and comments, in the decompressed text: a record with the
//!   wrong number of fields, invalid UTF-8 (also with its byte offset), or a value that
//!   does not fit its column (also with the column's name). In compressed input, a parse
//!   error caused by corrupt data is reported as the decompression error when reading on
//!   (up to 64 MiB) reaches it.

mod buffer;
mod dialect;
mod locate;
mod prefix;
mod split;
mod stream;

use std::sync::Arc;

use arrow_schema::SchemaRef;
use sluice_core::chunked::ParallelChunkStream;
use sluice_core::{
    BatchStream, DecodeInput, Decoder, DecoderRegistration, MemoryStream, Probe, Result,
    ScanOptions, Sniff,
};

use crate::dialect::Dialect;
use crate::prefix::{Prepared, prepare};
use crate::split::{CsvChunkDecoder, CsvSplitter};
use crate::stream::{CsvStream, batch_rows};

/// A delimited-text decoder: `csv` or `tsv`, differing in name, extension and default
/// delimiter.
#[derive(Debug, Clone)]
pub struct CsvDecoder {
    name: &'static str,
    extensions: &'static [&'static str],
    delimiter: u8,
}

impl CsvDecoder {
    /// The `csv` decoder: comma-separated, extension `csv`.
    pub fn csv() -> Self {
        CsvDecoder {
            name: "csv",
            extensions: &["csv"],
            delimiter: b',',
        }
    }

    /// The `tsv` decoder: tab-separated, extension `tsv`.
    pub fn tsv() -> Self {
        CsvDecoder {
            name: "tsv",
            extensions: &["tsv"],
            delimiter: b'\t',
        }
    }

    /// The delimiter used when the `delimiter` option is not given.
    pub fn default_delimiter(&self) -> u8 {
        self.delimiter
    }

    fn dialect(&self, options: &ScanOptions) -> Result<Dialect> {
        Dialect::from_options(self.name, self.delimiter, options)
    }
}

inventory::submit! {
    DecoderRegistration { name: "csv", priority: 10, create: || Arc::new(CsvDecoder::csv()) }
}

inventory::submit! {
    DecoderRegistration { name: "tsv", priority: 11, create: || Arc::new(CsvDecoder::tsv()) }
}

/// `No` when the head has NUL bytes or invalid UTF-8 (other than a character cut by the
/// end of the probe); `Maybe` otherwise: delimited text has no magic.
fn sniff_text(probe: &Probe<'_>) -> Sniff {
    if probe.head.contains(&0) {
        return Sniff::No;
    }
    match std::str::from_utf8(probe.head) {
        Ok(_) => Sniff::Maybe,
        Err(e) if e.error_len().is_none() && !probe.complete => Sniff::Maybe,
        Err(_) => Sniff::No,
    }
}

impl Decoder for CsvDecoder {
    fn name(&self) -> &str {
        self.name
    }

    fn extensions(&self) -> &[&str] {
        self.extensions
    }

    fn sniff(&self, probe: &Probe<'_>) -> Sniff {
        sniff_text(probe)
    }

    fn validate_options(&self, options: &ScanOptions) -> Result<()> {
        self.dialect(options).map(|_| ())
    }

    fn infer_schema(&self, input: &DecodeInput, options: &ScanOptions) -> Result<SchemaRef> {
        let dialect = self.dialect(options)?;
        Ok(prepare(input, &dialect, options)?.schema)
    }

    fn open(&self, input: &DecodeInput, options: &ScanOptions) -> Result<Box<dyn BatchStream>> {
        let dialect = self.dialect(options)?;
        let prepared = prepare(input, &dialect, options)?;
        let projection = options.projection_indices(&prepared.schema, Some(input.location()))?;
        if prepared.empty {
            let schema = match projection {
                Some(indices) => Arc::new(prepared.schema.project(&indices)?),
                None => prepared.schema,
            };
            return Ok(Box::new(MemoryStream::new(schema, Vec::new())));
        }
        let threads = match options.threads {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        };
        let small =
            prepared.buffer.eof() && prepared.buffer.available().len() <= dialect.block_size;
        if threads > 1 && !small {
            return parallel(prepared, dialect, projection, options, threads, input);
        }
        Ok(Box::new(CsvStream::new(
            prepared.buffer,
            dialect,
            prepared.schema,
            projection,
            options.batch_size,
        )?))
    }
}

/// The stream decoding `prepared` in blocks on `threads` threads.
fn parallel(
    prepared: Prepared,
    dialect: Dialect,
    projection: Option<Vec<usize>>,
    options: &ScanOptions,
    threads: usize,
    input: &DecodeInput,
) -> Result<Box<dyn BatchStream>> {
    let rows = batch_rows(options.batch_size, &prepared.schema);
    let decoder = CsvChunkDecoder {
        location: input.location().to_string(),
        dialect,
        file_schema: Arc::clone(&prepared.schema),
        projection: projection.clone(),
        batch_size: options.batch_size,
    };
    let schema = match projection {
        Some(indices) => Arc::new(prepared.schema.project(&indices)?),
        None => prepared.schema,
    };
    Ok(Box::new(ParallelChunkStream::new(
        schema,
        Box::new(CsvSplitter::new(prepared.buffer, &dialect, rows)),
        Arc::new(decoder),
        threads,
        threads * 2,
        input.codec().is_some(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(head: &[u8], complete: bool) -> Sniff {
        sniff_text(&Probe {
            head,
            complete,
            name: "x.csv",
        })
    }

    #[test]
    fn sniff_is_no_only_when_certain() {
        assert_eq!(probe(b"a,b\n1,2\n", true), Sniff::Maybe);
        assert_eq!(probe(b"a,\xc3", false), Sniff::Maybe);
        assert_eq!(probe(b"a,\xc3", true), Sniff::No);
        assert_eq!(probe(b"a,\xff,b", false), Sniff::No);
        assert_eq!(probe(b"a\0b", false), Sniff::No);
        assert_eq!(probe(b"", true), Sniff::Maybe);
    }
}
