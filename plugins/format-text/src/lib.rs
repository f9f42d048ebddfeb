//! sluice-format-text: plain text for sluice, one row per line.
//!
//! [`TextDecoder`] is registered through `inventory` as `text` (extensions `txt` and
//! `text`). Every line becomes one value of a single non-nullable `Utf8` column named
//! `text`.
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::cast::AsArray;
//! use sluice_core::{DecodeInput, Decoder, MemorySource, Result, ScanOptions};
//! use sluice_format_text::TextDecoder;
//!
//! let input = DecodeInput::new(Arc::new(MemorySource::new("notes.txt", "one\r\n\nthree")), None);
//! let batches: Vec<_> = TextDecoder.open(&input, &ScanOptions::new())?.collect::<Result<_>>()?;
//! let lines: Vec<&str> = batches[0].column(0).as_string::<i32>().iter().flatten().collect();
//! assert_eq!(lines, ["one", "", "three"]);
//! # Ok::<(), sluice_core::Error>(())
//! ```
//!
//! # Behaviour
//!
//! - Lines end at `\n`; a `\r` before it (or at the very end of the input) is dropped.
//!   A last line without a line break is kept; empty lines are empty strings.
//! - A UTF-8 BOM at the start is dropped. A 0-byte input is zero rows, with the same
//!   schema.
//! - Invalid UTF-8 is a parse error naming the file and the 1-based line. In compressed
//!   input, one caused by corrupt data is reported as the decompression error when
//!   reading on (up to 64 MiB) reaches it.
//! - There are no format options; any key is an error.
//! - Projection: only `text` exists (the decoder tolerates it listed twice); an empty
//!   projection yields batches with no column that still carry their row counts.

mod stream;

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef};
use sluice_core::{
    BatchStream, DecodeInput, Decoder, DecoderRegistration, Error, FormatOptions, Probe, Result,
    ScanOptions, Sniff,
};

use crate::stream::TextStream;

/// The name of the one column.
pub const COLUMN: &str = "text";

/// The plain-text decoder: one `Utf8` row per line.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextDecoder;

impl TextDecoder {
    /// The schema of every text input: `text: Utf8`, not nullable.
    pub fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![Field::new(COLUMN, DataType::Utf8, false)]))
    }

    /// The file schema: [`Self::schema`], or an explicit schema of one `Utf8` column.
    fn file_schema(&self, input: &DecodeInput, options: &ScanOptions) -> Result<SchemaRef> {
        match &options.schema {
            None => Ok(Self::schema()),
            Some(schema)
                if schema.fields().len() == 1 && schema.field(0).data_type() == &DataType::Utf8 =>
            {
                Ok(Arc::clone(schema))
            }
            Some(schema) => Err(Error::Schema {
                message: format!(
                    "{} is text, read as one Utf8 column; the given schema has columns {}",
                    input.location(),
                    schema
                        .fields()
                        .iter()
                        .map(|f| format!("{}: {}", f.name(), f.data_type()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
        }
    }
}

inventory::submit! {
    DecoderRegistration { name: "text", priority: 50, create: || Arc::new(TextDecoder) }
}

impl Decoder for TextDecoder {
    fn name(&self) -> &str {
        "text"
    }

    fn extensions(&self) -> &[&str] {
        &["txt", "text"]
    }

    /// `No` when the head has NUL bytes (binary data); `Maybe` otherwise.
    fn sniff(&self, probe: &Probe<'_>) -> Sniff {
        if memchr::memchr(0, probe.head).is_some() {
            Sniff::No
        } else {
            Sniff::Maybe
        }
    }

    fn validate_options(&self, options: &ScanOptions) -> Result<()> {
        FormatOptions::new("text", &options.format_options).finish()
    }

    fn infer_schema(&self, input: &DecodeInput, options: &ScanOptions) -> Result<SchemaRef> {
        self.validate_options(options)?;
        self.file_schema(input, options)
    }

    fn open(&self, input: &DecodeInput, options: &ScanOptions) -> Result<Box<dyn BatchStream>> {
        self.validate_options(options)?;
        let file_schema = self.file_schema(input, options)?;
        let (schema, copies) =
            match options.projection_indices(&file_schema, Some(input.location()))? {
                None => (file_schema, 1),
                Some(indices) => {
                    let fields: Vec<_> = indices
                        .iter()
                        .map(|&i| Arc::clone(&file_schema.fields()[i]))
                        .collect();
                    (Arc::new(Schema::new(fields)), indices.len())
                }
            };
        Ok(Box::new(TextStream::new(
            input.reader()?,
            input.location(),
            input.codec().is_some(),
            schema,
            copies,
            options.batch_size,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniff_rejects_only_nul_bytes() {
        let probe = |head: &'static [u8]| Probe {
            head,
            complete: false,
            name: "a.txt",
        };
        assert_eq!(TextDecoder.sniff(&probe(b"hello\n")), Sniff::Maybe);
        assert_eq!(TextDecoder.sniff(&probe(b"")), Sniff::Maybe);
        assert_eq!(TextDecoder.sniff(&probe(b"PAR1\0")), Sniff::No);
    }
}
