//! [`ScanOptions`]: what to read and how.

use arrow_schema::{Schema, SchemaRef};
use serde_json::{Map, Value};

use crate::{Error, Result};

/// The default number of rows per batch.
pub const DEFAULT_BATCH_SIZE: usize = 8192;
/// The default number of rows read to infer a schema.
pub const DEFAULT_INFER_ROWS: usize = 1000;
/// The default read-ahead budget of the scan pipeline, in bytes of decoded batches.
pub const DEFAULT_READAHEAD_BYTES: usize = 64 * 1024 * 1024;

/// Options of a scan, built with the `with_*` methods.
///
/// ```
/// use sluice_core::ScanOptions;
/// let opts = ScanOptions::new()
///     .with_batch_size(1024)
///     .with_projection(["id", "text"])
///     .with_limit(10_000)
///     .with_format_option("delimiter", "\t");
/// assert_eq!(opts.batch_size, 1024);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ScanOptions {
    /// Rows per output batch; every batch has exactly this many rows except the last.
    pub batch_size: usize,
    /// Columns to read, by name, in output order. `None` reads every column.
    pub projection: Option<Vec<String>>,
    /// Stop after this many rows.
    pub limit: Option<usize>,
    /// An explicit schema: no inference, values must fit it.
    pub schema: Option<SchemaRef>,
    /// The format's name (`csv`, `jsonl`, ...), overriding extension and content.
    pub format: Option<String>,
    /// The codec's name (`gzip`, `zstd`, or `none`), overriding extension and magic.
    pub compression: Option<String>,
    /// Rows sampled to infer a schema.
    pub infer_rows: usize,
    /// Format-specific options, validated by the decoder (unknown keys are an error).
    pub format_options: Map<String, Value>,
    /// Worker threads decoding inputs in parallel; 0 means one per core. A scan of one
    /// input passes it to the decoder, which may split the input across that many threads
    /// (see [`crate::chunked`]); a scan of several inputs decodes each on one thread.
    pub threads: usize,
    /// Bytes of decoded batches the pipeline may hold ahead of the consumer.
    pub readahead_bytes: usize,
    /// A format that needs random access (Parquet) on a compressed object is an error
    /// unless this is set: then the object is decompressed into memory, up to this many
    /// bytes (larger is an error).
    pub buffer_compressed_bytes: Option<usize>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            batch_size: DEFAULT_BATCH_SIZE,
            projection: None,
            limit: None,
            schema: None,
            format: None,
            compression: None,
            infer_rows: DEFAULT_INFER_ROWS,
            format_options: Map::new(),
            threads: 0,
            readahead_bytes: DEFAULT_READAHEAD_BYTES,
            buffer_compressed_bytes: None,
        }
    }
}

impl ScanOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the rows per batch.
    pub fn with_batch_size(mut self, n: usize) -> Self {
        self.batch_size = n;
        self
    }

    /// Reads only these columns, in this order.
    pub fn with_projection<I, S>(mut self, columns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.projection = Some(columns.into_iter().map(Into::into).collect());
        self
    }

    /// Stops after `n` rows.
    pub fn with_limit(mut self, n: usize) -> Self {
        self.limit = Some(n);
        self
    }

    /// Uses `schema` instead of inferring one.
    pub fn with_schema(mut self, schema: SchemaRef) -> Self {
        self.schema = Some(schema);
        self
    }

    /// Forces the format.
    pub fn with_format(mut self, format: impl Into<String>) -> Self {
        self.format = Some(format.into());
        self
    }

    /// Forces the codec (`none` for uncompressed).
    pub fn with_compression(mut self, codec: impl Into<String>) -> Self {
        self.compression = Some(codec.into());
        self
    }

    /// Sets how many rows are sampled for schema inference.
    pub fn with_infer_rows(mut self, n: usize) -> Self {
        self.infer_rows = n;
        self
    }

    /// Sets one format option.
    pub fn with_format_option(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.format_options.insert(key.into(), value.into());
        self
    }

    /// Sets the number of decoding threads (0 = one per core).
    pub fn with_threads(mut self, n: usize) -> Self {
        self.threads = n;
        self
    }

    /// Sets the read-ahead budget in bytes.
    pub fn with_readahead_bytes(mut self, n: usize) -> Self {
        self.readahead_bytes = n;
        self
    }

    /// Lets random-access formats read compressed objects by decompressing them into
    /// memory, up to `cap` bytes.
    pub fn with_buffer_compressed_bytes(mut self, cap: usize) -> Self {
        self.buffer_compressed_bytes = Some(cap);
        self
    }

    /// Checks the options that do not depend on a format.
    pub fn validate(&self) -> Result<()> {
        if self.batch_size == 0 {
            return Err(Error::invalid_option("batch_size must be at least 1"));
        }
        if self.infer_rows == 0 {
            return Err(Error::invalid_option("infer_rows must be at least 1"));
        }
        if let Some(columns) = &self.projection {
            for (i, c) in columns.iter().enumerate() {
                if columns[..i].contains(c) {
                    return Err(Error::invalid_option(format!(
                        "column {c:?} is named twice in the projection"
                    )));
                }
            }
        }
        Ok(())
    }

    /// The indices into `schema` of the projected columns, in projection order; `None` when
    /// there is no projection. An unknown name is an [`Error::UnknownColumn`] listing the
    /// columns that exist.
    pub fn projection_indices(
        &self,
        schema: &Schema,
        location: Option<&str>,
    ) -> Result<Option<Vec<usize>>> {
        let Some(names) = &self.projection else {
            return Ok(None);
        };
        names
            .iter()
            .map(|name| {
                schema.index_of(name).map_err(|_| Error::UnknownColumn {
                    column: name.clone(),
                    location: location.map(str::to_string),
                    available: schema.fields().iter().map(|f| f.name().clone()).collect(),
                })
            })
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }
}

/// Reads typed format options out of [`ScanOptions::format_options`], rejecting keys the
/// format does not know.
///
/// ```
/// use sluice_core::{FormatOptions, ScanOptions};
/// let opts = ScanOptions::new().with_format_option("header", false);
/// let mut f = FormatOptions::new("csv", &opts.format_options);
/// assert_eq!(f.bool("header").unwrap(), Some(false));
/// f.finish().unwrap();
/// ```
#[derive(Debug)]
pub struct FormatOptions<'a> {
    format: &'a str,
    map: &'a Map<String, Value>,
    seen: Vec<&'a str>,
}

impl<'a> FormatOptions<'a> {
    /// Starts reading the options of `format`.
    pub fn new(format: &'a str, map: &'a Map<String, Value>) -> Self {
        FormatOptions {
            format,
            map,
            seen: Vec::new(),
        }
    }

    fn get(&mut self, key: &'a str) -> Option<&'a Value> {
        self.seen.push(key);
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn wrong_type(&self, key: &str, expected: &str, got: &Value) -> Error {
        Error::invalid_option(format!(
            "{} option {key:?} must be {expected}, got {got}",
            self.format
        ))
    }

    /// A boolean option; the strings `true`/`false` are accepted too.
    pub fn bool(&mut self, key: &'a str) -> Result<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(self.wrong_type(key, "true or false", v)),
        }
    }

    /// A string option.
    pub fn string(&mut self, key: &'a str) -> Result<Option<&'a str>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(v) => Err(self.wrong_type(key, "a string", v)),
        }
    }

    /// A single-byte option (a delimiter or quote); `\t` and `tab` mean a tab.
    pub fn byte(&mut self, key: &'a str) -> Result<Option<u8>> {
        let Some(s) = self.string(key)? else {
            return Ok(None);
        };
        let b = match s {
            "\\t" | "tab" => b'\t',
            s if s.len() == 1 => s.as_bytes()[0],
            _ => {
                return Err(Error::invalid_option(format!(
                    "{} option {key:?} must be one ASCII character, got {s:?}",
                    self.format
                )));
            }
        };
        Ok(Some(b))
    }

    /// A non-negative integer option; numeric strings are accepted too.
    pub fn usize(&mut self, key: &'a str) -> Result<Option<usize>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64().map(|n| n as usize)),
            Some(Value::String(s)) if s.parse::<usize>().is_ok() => Ok(s.parse().ok()),
            Some(v) => Err(self.wrong_type(key, "a non-negative integer", v)),
        }
    }

    /// Fails on any key that was never asked for.
    pub fn finish(self) -> Result<()> {
        let mut unknown: Vec<&str> = self
            .map
            .keys()
            .map(String::as_str)
            .filter(|k| !self.seen.contains(k))
            .collect();
        if unknown.is_empty() {
            return Ok(());
        }
        unknown.sort_unstable();
        let mut known = self.seen.clone();
        known.sort_unstable();
        known.dedup();
        Err(Error::invalid_option(format!(
            "unknown {} option(s) {}; known options: {}",
            self.format,
            unknown.join(", "),
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        )))
    }
}
