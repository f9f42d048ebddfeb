//! sluice-format-parquet: Apache Parquet for sluice, on the `parquet` crate.
//!
//! [`ParquetDecoder`] is registered through `inventory` as `parquet` (extensions `parquet`
//! and `parq`). It reads through [`ByteSource::read_range`](sluice_core::ByteSource): the
//! magic and the footer first (one request for the last 64 KiB), then, per row group, only
//! the column chunks of the projected columns (one `read_ranges` call, which backends may
//! coalesce). The file is never loaded whole.
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::{Int64Array, RecordBatch, cast::AsArray, types::Int64Type};
//! use parquet::arrow::ArrowWriter;
//! use sluice_core::{DecodeInput, Decoder, MemorySource, Result, ScanOptions};
//! use sluice_format_parquet::ParquetDecoder;
//!
//! // A tiny Parquet file, written in memory.
//! let batch = RecordBatch::try_from_iter([
//!     ("id", Arc::new(Int64Array::from(vec![1, 2, 3])) as _),
//!     ("x", Arc::new(Int64Array::from(vec![10, 20, 30])) as _),
//! ])?;
//! let mut file = Vec::new();
//! let mut writer = ArrowWriter::try_new(&mut file, batch.schema(), None)?;
//! writer.write(&batch)?;
//! writer.close()?;
//!
//! let input = DecodeInput::new(Arc::new(MemorySource::new("t.parquet", file)), None);
//! let options = ScanOptions::new().with_projection(["x"]).with_batch_size(2);
//! assert_eq!(ParquetDecoder.count_rows(&input, &options).unwrap()?, 3);
//! let batches: Vec<_> = ParquetDecoder.open(&input, &options)?.collect::<Result<_>>()?;
//! assert_eq!(batches.len(), 2);
//! assert_eq!(batches[0].column(0).as_primitive::<Int64Type>().values(), &[10, 20]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Behaviour
//!
//! - Every type arrow-rs reads passes through unchanged, with the schema arrow-rs derives
//!   (from the embedded Arrow schema when the writer stored one, as pyarrow does): the
//!   schema's metadata (`pandas`, ...) is kept. Codecs: snappy, gzip, zstd, lz4, brotli,
//!   none.
//! - Projection is pushed into the reader by root column name (nested leaves included):
//!   columns that are not asked for are never read or decompressed. Output columns come in
//!   the order asked for.
//! - Batches hold at most `batch_size` rows and never span two row groups (the scan
//!   pipeline re-batches them to exact sizes).
//! - With `threads` other than 1 (0: one per core) and more than one row group, row groups
//!   decode on worker threads, at most `threads + 1` in flight, output in row-group order.
//! - [`Decoder::count_rows`] and [`Decoder::infer_schema`] read only the footer.
//! - An explicit schema (`ScanOptions::schema`) is handed to parquet, which casts
//!   compatible types; one that does not fit is a schema error naming the file.
//! - Errors name the file and, for data errors, the 0-based row group: a file too short to
//!   be Parquet or with a corrupt or truncated footer is a parse error, one that does not
//!   start with `PAR1` is a format mismatch, an encrypted footer or an input without random
//!   access is unsupported. Panics inside parquet on malformed input become parse errors.
//! - Row groups are the unit of parallel work and of sharding: [`ParquetDecoder::row_groups`]
//!   lists them from the footer, and the format option `row_groups` (an array of 0-based
//!   indices, or one index) reads only those, in that order; `count_rows` counts only
//!   them. Any other format option is an error.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod file;
mod source;
mod stream;
mod zones;

use std::sync::Arc;

use arrow_schema::SchemaRef;
use parquet::arrow::ProjectionMask;
use serde_json::Value;
use sluice_core::{
    Access, BatchStream, DecodeInput, Decoder, DecoderRegistration, Error, FormatOptions, Probe,
    Result, ScanOptions, Sniff,
};

use crate::file::ParquetFile;
use crate::stream::{ParquetStream, Plan};

/// The Parquet decoder.
#[derive(Debug, Clone, Copy, Default)]
pub struct ParquetDecoder;

/// The format option that selects row groups.
const ROW_GROUPS: &str = "row_groups";

/// One row group of a Parquet file, as its footer describes it: the unit of parallel
/// decoding, and of sharding a file between readers (format option `row_groups`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RowGroupSplit {
    /// The 0-based index of the row group in the file.
    pub index: usize,
    /// Its number of rows.
    pub num_rows: u64,
    /// Its size in the file (compressed column chunks, every column).
    pub compressed_bytes: u64,
}

inventory::submit! {
    DecoderRegistration { name: "parquet", priority: 30, create: || Arc::new(ParquetDecoder) }
}

impl ParquetDecoder {
    /// The row groups of `input`, read from its footer alone.
    pub fn row_groups(&self, input: &DecodeInput) -> Result<Vec<RowGroupSplit>> {
        let file = ParquetFile::open(input, &ScanOptions::new())?;
        Ok(file
            .metadata
            .metadata()
            .row_groups()
            .iter()
            .enumerate()
            .map(|(index, rg)| RowGroupSplit {
                index,
                num_rows: u64::try_from(rg.num_rows()).unwrap_or(0),
                compressed_bytes: u64::try_from(rg.compressed_size()).unwrap_or(0),
            })
            .collect())
    }

    /// The row groups the `row_groups` option selects (checked against the file), else
    /// all of them.
    fn selected_row_groups(file: &ParquetFile, options: &ScanOptions) -> Result<Vec<usize>> {
        let n = file.num_row_groups();
        let Some(wanted) = row_groups_option(options)? else {
            return Ok((0..n).collect());
        };
        match wanted.iter().find(|&&i| i >= n) {
            Some(bad) => Err(Error::invalid_option(format!(
                "parquet option \"row_groups\" asks for row group {bad}, but {} has {n} \
                 (0-based: 0 to {})",
                file.location,
                n.saturating_sub(1)
            ))),
            None => Ok(wanted),
        }
    }

    /// The plan for reading `file` with `options`.
    fn plan(file: ParquetFile, options: &ScanOptions) -> Result<Plan> {
        let row_groups = Self::selected_row_groups(&file, options)?;
        let file_schema = file.schema();
        let location = file.location.clone();
        let requested = options.projection_indices(&file_schema, Some(&location))?;
        let descr = file.metadata.parquet_schema();
        let (mask, reorder, schema) = match requested {
            None => (ProjectionMask::all(), None, file_schema),
            Some(indices) => {
                let mut sorted = indices.clone();
                sorted.sort_unstable();
                sorted.dedup();
                let reorder: Vec<usize> = indices
                    .iter()
                    .map(|i| sorted.binary_search(i).unwrap_or(0))
                    .collect();
                let in_order = reorder.iter().enumerate().all(|(a, &b)| a == b);
                let schema = file_schema.project(&indices).map_err(|e| Error::Internal {
                    message: format!("projecting the schema of {location}: {e}"),
                })?;
                (
                    ProjectionMask::roots(descr, sorted.iter().copied()),
                    (!in_order || sorted.len() != indices.len()).then_some(reorder),
                    Arc::new(schema),
                )
            }
        };
        Ok(Plan {
            file,
            mask,
            reorder,
            schema,
            batch_size: options.batch_size.max(1),
            row_groups,
        })
    }
}

impl Decoder for ParquetDecoder {
    fn name(&self) -> &str {
        "parquet"
    }

    fn extensions(&self) -> &[&str] {
        &["parquet", "parq"]
    }

    fn access(&self) -> Access {
        Access::RandomAccess
    }

    /// `Yes` when the head starts with `PAR1`, else `No`.
    fn sniff(&self, probe: &Probe<'_>) -> Sniff {
        if probe.head.starts_with(b"PAR1") {
            Sniff::Yes
        } else {
            Sniff::No
        }
    }

    fn validate_options(&self, options: &ScanOptions) -> Result<()> {
        row_groups_option(options)?;
        let mut others = options.format_options.clone();
        others.remove(ROW_GROUPS);
        FormatOptions::new("parquet", &others).finish()
    }

    fn infer_schema(&self, input: &DecodeInput, options: &ScanOptions) -> Result<SchemaRef> {
        self.validate_options(options)?;
        Ok(ParquetFile::open(input, options)?.schema())
    }

    fn open(&self, input: &DecodeInput, options: &ScanOptions) -> Result<Box<dyn BatchStream>> {
        self.validate_options(options)?;
        let file = ParquetFile::open(input, options)?;
        let plan = Self::plan(file, options)?;
        let threads = match options.threads {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        };
        Ok(Box::new(ParquetStream::new(plan, threads)))
    }

    fn count_rows(&self, input: &DecodeInput, options: &ScanOptions) -> Option<Result<u64>> {
        let count = || -> Result<u64> {
            self.validate_options(options)?;
            let file = ParquetFile::open(input, options)?;
            if row_groups_option(options)?.is_none() {
                return file.num_rows();
            }
            let groups = file.metadata.metadata().row_groups();
            Ok(Self::selected_row_groups(&file, options)?
                .into_iter()
                .map(|i| u64::try_from(groups[i].num_rows()).unwrap_or(0))
                .sum())
        };
        Some(count())
    }
}

/// The `row_groups` format option: an array of 0-based indices, or one index.
fn row_groups_option(options: &ScanOptions) -> Result<Option<Vec<usize>>> {
    let index = |v: &Value| v.as_u64().and_then(|i| usize::try_from(i).ok());
    match options.format_options.get(ROW_GROUPS) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| index(v).ok_or(()))
            .collect::<std::result::Result<Vec<_>, ()>>()
            .map(Some)
            .map_err(|()| row_groups_type_error(&options.format_options[ROW_GROUPS])),
        Some(v) => index(v)
            .map(|i| Some(vec![i]))
            .ok_or_else(|| row_groups_type_error(v)),
    }
}

fn row_groups_type_error(got: &Value) -> Error {
    Error::invalid_option(format!(
        "parquet option \"row_groups\" must be a 0-based row group index or an array of \
         them, got {got}"
    ))
}
