//! sluice-example-libsvm: the LIBSVM / SVMlight sparse format for sluice, written the way a
//! third party writes a format plugin.
//!
//! [`LibsvmDecoder`] reads lines `<label> [qid:<n>] <index>:<value> ... [# comment]` into
//! batches of the fixed schema [`LibsvmDecoder::schema`]:
//!
//! | column    | type            | nullable | holds                                   |
//! |-----------|-----------------|----------|-----------------------------------------|
//! | `label`   | `float64`       | no       | the label (`+1`, `-1`, `2.5`, `1e-3`)    |
//! | `qid`     | `int64`         | yes      | the `qid:` value, null on lines without |
//! | `indices` | `list<uint32>`  | no       | the feature indices, as written         |
//! | `values`  | `list<float32>` | no       | the feature values                      |
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::cast::AsArray;
//! use arrow_array::types::{Float64Type, UInt32Type};
//! use sluice_core::{DecodeInput, Decoder, MemorySource, Result, ScanOptions};
//! use sluice_example_libsvm::LibsvmDecoder;
//!
//! let data = "1 1:0.5 3:1.25\n# a comment line\n-1 qid:3 2:1 # trailing comment\n+1\n";
//! let input = DecodeInput::new(Arc::new(MemorySource::new("tiny.libsvm", data)), None);
//! let batches: Vec<_> = LibsvmDecoder.open(&input, &ScanOptions::new())?.collect::<Result<_>>()?;
//! let batch = &batches[0];
//! assert_eq!(batch.num_rows(), 3);
//! let labels = batch.column(0).as_primitive::<Float64Type>();
//! assert_eq!(labels.values().as_ref(), [1.0, -1.0, 1.0]);
//! let indices = batch.column(2).as_list::<i32>();
//! assert_eq!(indices.value(0).as_primitive::<UInt32Type>().values().as_ref(), [1, 3]);
//! assert!(batch.column(1).is_null(0) && batch.column(1).is_valid(1));
//! # Ok::<(), sluice_core::Error>(())
//! ```
//!
//! # Behaviour
//!
//! - The decoder is named `libsvm`, for the extensions `libsvm`, `svm` and `svmlight`.
//!   It reads front to back through [`DecodeInput::reader`], so a compressed file
//!   (`data.libsvm.zst`, `.gz`) is decompressed by the host.
//! - Tokens are separated by spaces or tabs. Everything from the first `#` on a line is a
//!   comment. Blank lines and comment-only lines are skipped (they still count for line
//!   numbers). `\r\n` line ends and a UTF-8 BOM are accepted.
//! - `qid` is always in the schema, so that every file of a dataset has the same schema;
//!   it is null on lines without `qid:`. It must come right after the label.
//! - Feature indices must be strictly ascending within a line, as LIBSVM requires and
//!   scikit-learn's `load_svmlight_file` checks; a repeated or decreasing index is an error
//!   rather than a silently unsorted row.
//! - Labels are read as `float64`; multi-label lines (`1,3 ...`) are an error. Values are
//!   `float32`; `inf`/`nan` are read as written, a finite number beyond the `float32`
//!   range is an error.
//! - Every malformed line (a missing `:`, `3:abc`, `x:1`, an index above `u32::MAX`,
//!   invalid UTF-8) is a parse error naming the file, the 1-based line and the token.
//! - Format options: `zero_based` (bool, default `false`). By default indices are kept
//!   as written. With `zero_based = true` the file is read as 1-based (as LIBSVM writes
//!   it) and every index is lowered by one, so index 0 is an error. Note that this names
//!   the *output*: it is the conversion scikit-learn applies with its `zero_based=False`.
//!   `block_size` (bytes, at least 1, default 1 MiB): how much each thread decodes at a
//!   time. Any other key is an error.
//! - Threads: with `threads` other than 1 (0: one per core), an input not known to fit in
//!   one block is cut into chunks of whole lines, each at least `block_size` bytes and
//!   holding a multiple of `batch_size` rows, which are decoded on that many threads
//!   (`sluice_core::chunked`). The batches, and the errors with their lines, are the same
//!   as with one thread: every batch but the last has `batch_size` rows, and an error
//!   comes after the whole batches before its line.
//!
//! # Two ways to link it
//!
//! - Statically: with the cargo feature `static` the decoder is registered through
//!   `inventory` at priority 60 (or register [`LibsvmDecoder`] in a
//!   [`Registry`](sluice_core::Registry) yourself). Turn the default features off
//!   (`default-features = false`) so that your binary does not export the plugin's entry
//!   point.
//! - Dynamically: with the default feature `dynamic` the `cdylib` exports
//!   `sluice_plugin_init` through `sluice_plugin_sdk::export_plugin!`, and any sluice
//!   build loads it at run time (`sluice cat --plugin libsluice_example_libsvm.so ...`).
//!   The crate README shows how to build and ship it.

mod parse;
mod split;
mod stream;

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef};
use sluice_core::chunked::ParallelChunkStream;
use sluice_core::{
    BatchStream, DecodeInput, Decoder, Error, FormatOptions, Probe, Result, ScanOptions, Sniff,
};

use crate::parse::{LineRules, Rows, parse_line};
use crate::split::{LibsvmChunkDecoder, LineSplitter};
use crate::stream::{LibsvmStream, ReaderLines, StreamSetup};

/// The format's name in error messages.
const FORMAT: &str = "LIBSVM";

/// How many complete lines of a probe [`LibsvmDecoder::sniff`] looks at.
const SNIFF_LINES: usize = 16;

/// The default of the `block_size` option: the least bytes per chunk decoded in parallel.
const DEFAULT_BLOCK_SIZE: usize = 1 << 20;

/// The format options of a scan.
#[derive(Debug, Clone, Copy)]
struct Settings {
    rules: LineRules,
    block_size: usize,
}

/// The LIBSVM / SVMlight decoder (stateless; options come with each scan).
#[derive(Debug, Clone, Copy, Default)]
pub struct LibsvmDecoder;

#[cfg(feature = "dynamic")]
sluice_plugin_sdk::export_plugin!(
    name: "libsvm",
    version: env!("CARGO_PKG_VERSION"),
    decoders: [LibsvmDecoder],
);

#[cfg(feature = "static")]
sluice_core::inventory::submit! {
    sluice_core::DecoderRegistration {
        name: "libsvm",
        priority: 60,
        create: || Arc::new(LibsvmDecoder),
    }
}

impl LibsvmDecoder {
    /// The schema of every LIBSVM input: `label: float64`, `qid: int64` (nullable),
    /// `indices: list<uint32>`, `values: list<float32>`.
    pub fn schema() -> SchemaRef {
        let list = |t: DataType| DataType::List(Arc::new(Field::new_list_field(t, false)));
        Arc::new(Schema::new(vec![
            Field::new("label", DataType::Float64, false),
            Field::new("qid", DataType::Int64, true),
            Field::new("indices", list(DataType::UInt32), false),
            Field::new("values", list(DataType::Float32), false),
        ]))
    }

    fn settings(options: &ScanOptions) -> Result<Settings> {
        let mut f = FormatOptions::new("libsvm", &options.format_options);
        let zero_based = f.bool("zero_based")?.unwrap_or(false);
        let block_size = f.usize("block_size")?.unwrap_or(DEFAULT_BLOCK_SIZE);
        f.finish()?;
        if block_size == 0 {
            return Err(Error::invalid_option(
                "libsvm option \"block_size\" must be at least 1 (bytes), got 0",
            ));
        }
        Ok(Settings {
            rules: LineRules { zero_based },
            block_size,
        })
    }

    /// [`Self::schema`], or an explicit schema when it has the same columns and types.
    fn file_schema(input: &DecodeInput, options: &ScanOptions) -> Result<SchemaRef> {
        let ours = Self::schema();
        let Some(given) = &options.schema else {
            return Ok(ours);
        };
        let same = given.fields().len() == ours.fields().len()
            && given
                .fields()
                .iter()
                .zip(ours.fields())
                .all(|(g, o)| g.name() == o.name() && g.data_type() == o.data_type());
        if same {
            return Ok(ours);
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
                "{} is LIBSVM, read as {}; the given schema has {}",
                input.location(),
                describe(&ours),
                describe(given)
            ),
        })
    }
}

impl Decoder for LibsvmDecoder {
    fn name(&self) -> &str {
        "libsvm"
    }

    fn extensions(&self) -> &[&str] {
        &["libsvm", "svm", "svmlight"]
    }

    /// `Yes` when the first lines of the head (up to 16, skipping blanks and comments) all
    /// parse and at least one has a feature. `No` when the head has a NUL byte, or its
    /// first line is not shaped like LIBSVM (a label that is not a number, or a token
    /// without `:`). `Maybe` otherwise: an empty head, labels only, or a line with a bad
    /// value, which reading then reports with its line number.
    fn sniff(&self, probe: &Probe<'_>) -> Sniff {
        let head = probe
            .head
            .strip_prefix(b"\xef\xbb\xbf")
            .unwrap_or(probe.head);
        if memchr::memchr(0, head).is_some() {
            return Sniff::No;
        }
        // The last line may be cut short unless the head is the whole input.
        let whole = match memchr::memrchr(b'\n', head) {
            _ if probe.complete => head,
            Some(end) => &head[..end],
            None => return Sniff::Maybe,
        };
        let mut rows = Rows::with_capacity(SNIFF_LINES);
        let mut features = false;
        for line in whole.split(|&b| b == b'\n').take(SNIFF_LINES) {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let before = rows.features();
            if parse_line(line, LineRules::default(), &mut rows).is_err() {
                let first = rows.len() == 0;
                return if first && !shaped_like_libsvm(line) {
                    Sniff::No
                } else {
                    Sniff::Maybe
                };
            }
            features |= rows.features() > before;
        }
        if features { Sniff::Yes } else { Sniff::Maybe }
    }

    fn validate_options(&self, options: &ScanOptions) -> Result<()> {
        Self::settings(options).map(|_| ())
    }

    /// The fixed schema, without reading the input.
    fn infer_schema(&self, input: &DecodeInput, options: &ScanOptions) -> Result<SchemaRef> {
        Self::settings(options)?;
        Self::file_schema(input, options)
    }

    /// One thread reads and decodes the lines, or (see the crate docs) a splitter thread
    /// cuts them into chunks that `threads` threads decode.
    fn open(&self, input: &DecodeInput, options: &ScanOptions) -> Result<Box<dyn BatchStream>> {
        let settings = Self::settings(options)?;
        let file_schema = Self::file_schema(input, options)?;
        let projection = options
            .projection_indices(&file_schema, Some(input.location()))?
            .unwrap_or_else(|| (0..file_schema.fields().len()).collect());
        let schema = Arc::new(file_schema.project(&projection)?);
        let setup = Arc::new(StreamSetup {
            location: input.location().to_string(),
            rules: settings.rules,
            schema: Arc::clone(&schema),
            projection,
            batch_size: options.batch_size.max(1),
        });
        let compressed = input.codec().is_some();
        let threads = match options.threads {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        };
        // An input known to fit in one block is one chunk: threads would not help.
        let small = !compressed
            && input
                .source()
                .size()
                .is_some_and(|n| n <= settings.block_size as u64);
        if threads > 1 && !small {
            let splitter = LineSplitter::new(
                input.reader()?,
                input.location(),
                settings.block_size,
                setup.batch_size,
            );
            return Ok(Box::new(ParallelChunkStream::new(
                schema,
                Box::new(splitter),
                Arc::new(LibsvmChunkDecoder { setup }),
                threads,
                threads * 2,
                compressed,
            )));
        }
        let lines = ReaderLines::new(input.reader()?, compressed);
        Ok(Box::new(LibsvmStream::new(lines, setup, 1)))
    }
}

/// Whether `line` has the shape of a LIBSVM line: a numeric label, then tokens that all
/// hold a `:` (whatever their values).
fn shaped_like_libsvm(line: &[u8]) -> bool {
    let Ok(line) = std::str::from_utf8(line) else {
        return false;
    };
    let data = line.split('#').next().unwrap_or_default();
    let mut tokens = data.split_ascii_whitespace();
    tokens
        .next()
        .is_none_or(|label| label.parse::<f64>().is_ok())
        && tokens.all(|t| t.contains(':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniff(head: &[u8], complete: bool) -> Sniff {
        LibsvmDecoder.sniff(&Probe {
            head,
            complete,
            name: "x",
        })
    }

    #[test]
    fn sniff_needs_parsed_lines_with_features() {
        assert_eq!(sniff(b"1 1:0.5 3:2\n-1 2:1\n", true), Sniff::Yes);
        assert_eq!(sniff(b"1 1:0.5 3:2\n-1 2:1\n-1 4:xy", false), Sniff::Yes);
        assert_eq!(sniff(b"+1\n-1\n", true), Sniff::Maybe);
        assert_eq!(sniff(b"", true), Sniff::Maybe);
        assert_eq!(sniff(b"a,b,c\n1,2,3\n", true), Sniff::No);
        assert_eq!(sniff(b"{\"a\": 1}\n", true), Sniff::No);
        assert_eq!(sniff(b"1 1:0.5\0\n", true), Sniff::No);
        // A bad value is this format, malformed: reading reports it with its line.
        assert_eq!(sniff(b"1 3:abc\n", true), Sniff::Maybe);
        assert_eq!(sniff(b"1 1:1\n-1 x:y z\n", true), Sniff::Maybe);
        assert_eq!(sniff(b"hello world\n", true), Sniff::No);
    }
}
