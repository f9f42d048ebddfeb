//! sluice-format-json: JSON Lines and JSON decoders for sluice, built on arrow-json.
//!
//! - [`JsonLinesDecoder`] (`jsonl`; `.jsonl`, `.ndjson`): one JSON object per line; blank
//!   lines are skipped.
//! - [`JsonDecoder`] (`json`; `.json`): a top-level array of objects, streamed element by
//!   element (the file is never loaded whole), or one or more top-level objects.
//!
//! Both infer a schema from the first `infer_rows` records unless one is given: objects
//! become `Struct`, arrays `List`, integers `Int64` (`UInt64` above `i64::MAX`), other
//! numbers `Float64`, strings `Utf8`, and a column null in every sampled record `Null`.
//! Keys missing from a record are null there. Types widen only where nothing is lost
//! (integer + float = float); a number in one record and a string in another is an error
//! naming the column and both lines. Every error names the file and the line.
//!
//! Records in the sample are checked strictly. After it, arrow-json's tape decoder reads
//! them: it rejects malformed values and everything that does not fit the schema (an
//! integer column also rejects fractions, which arrow-json would truncate), but, like
//! arrow-json, does not check the commas between members (`{"a": 1 "b": 2}` is read).
//! A failing record is re-read by the strict parser to report its exact line.
//!
//! With `threads` above 1 (0 = one per core), an input larger than 4 MiB is decoded on
//! several cores: after inference it is cut into chunks of whole records (JSON Lines after
//! a newline; a JSON array after an element, found by the same scan as on one thread),
//! which are decoded in parallel and delivered in input order, each chunk ending a batch.
//! Values and errors (message and line) are those of one thread; on both paths an error
//! stops the stream at the start of the batch that holds the bad record (batches before
//! it, in its chunk too, are delivered).
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::cast::AsArray;
//! use arrow_array::types::Int64Type;
//! use sluice_core::{DecodeInput, Decoder, MemorySource, ScanOptions};
//! use sluice_format_json::JsonLinesDecoder;
//!
//! let data = "{\"id\": 1, \"tags\": [\"a\"]}\n\n{\"id\": 2, \"name\": \"x\"}\n";
//! let input = DecodeInput::new(Arc::new(MemorySource::new("mem.jsonl", data)), None);
//! let stream = JsonLinesDecoder.open(&input, &ScanOptions::new())?;
//! let batches = stream.collect::<sluice_core::Result<Vec<_>>>()?;
//! let batch = &batches[0];
//! assert_eq!(batch.num_rows(), 2);
//! assert_eq!(batch.schema().field(2).name(), "name");
//! assert_eq!(batch.column(0).as_primitive::<Int64Type>().values(), &[1, 2]);
//! assert!(batch.column(2).is_null(0));
//! # Ok::<(), sluice_core::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod batch;
mod infer;
mod parallel;
mod parser;
mod splitter;
mod stream;

use std::sync::Arc;

use sluice_core::{
    BatchStream, DecodeInput, Decoder, DecoderRegistration, FormatOptions, Probe, Result,
    ScanOptions, Sniff,
};

use crate::splitter::Framing;

/// The JSON Lines decoder (`jsonl`): one JSON object per line.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonLinesDecoder;

/// The JSON decoder (`json`): a top-level array of objects, or top-level objects.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonDecoder;

/// The first non-whitespace byte of `head` after a byte order mark, and what follows it.
fn content(head: &[u8]) -> &[u8] {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .unwrap_or(head.len());
    &head[start..]
}

/// Whether the first line of `text` (which starts with `{`) is a complete JSON object;
/// `None` when the probe ends before the line does.
fn first_line_is_object(text: &[u8], complete: bool) -> Option<bool> {
    let line = match memchr::memchr(b'\n', text) {
        Some(end) => &text[..end],
        None if complete => text,
        None => return None,
    };
    Some(infer::is_object(line))
}

fn check_options(name: &str, options: &ScanOptions) -> Result<()> {
    FormatOptions::new(name, &options.format_options).finish()
}

impl Decoder for JsonLinesDecoder {
    fn name(&self) -> &str {
        "jsonl"
    }

    fn extensions(&self) -> &[&str] {
        &["jsonl", "ndjson"]
    }

    fn sniff(&self, probe: &Probe<'_>) -> Sniff {
        let text = content(probe.head);
        match text.first() {
            None => Sniff::Maybe,
            Some(b'{') => match first_line_is_object(text, probe.complete) {
                Some(true) => Sniff::Yes,
                _ => Sniff::Maybe,
            },
            Some(_) => Sniff::No,
        }
    }

    fn validate_options(&self, options: &ScanOptions) -> Result<()> {
        check_options(self.name(), options)
    }

    fn open(&self, input: &DecodeInput, options: &ScanOptions) -> Result<Box<dyn BatchStream>> {
        self.validate_options(options)?;
        stream::open(Framing::Lines, input, options, parallel::CHUNK_BYTES)
    }
}

impl Decoder for JsonDecoder {
    fn name(&self) -> &str {
        "json"
    }

    fn extensions(&self) -> &[&str] {
        &["json"]
    }

    fn sniff(&self, probe: &Probe<'_>) -> Sniff {
        let text = content(probe.head);
        match text.first() {
            None => Sniff::Maybe,
            Some(b'[') => Sniff::Yes,
            // An object spread over several lines is JSON, not JSON Lines.
            Some(b'{') => match first_line_is_object(text, probe.complete) {
                Some(false) => Sniff::Yes,
                _ => Sniff::Maybe,
            },
            Some(_) => Sniff::No,
        }
    }

    fn validate_options(&self, options: &ScanOptions) -> Result<()> {
        check_options(self.name(), options)
    }

    fn open(&self, input: &DecodeInput, options: &ScanOptions) -> Result<Box<dyn BatchStream>> {
        self.validate_options(options)?;
        stream::open(Framing::Document, input, options, parallel::CHUNK_BYTES)
    }
}

sluice_core::inventory::submit! {
    DecoderRegistration {
        name: "jsonl",
        priority: 20,
        create: || Arc::new(JsonLinesDecoder),
    }
}

sluice_core::inventory::submit! {
    DecoderRegistration {
        name: "json",
        priority: 21,
        create: || Arc::new(JsonDecoder),
    }
}
