//! sluice-test-misbehave: a sluice plugin that misbehaves on demand, for the plugin host's
//! tests. Never published.
//!
//! The format `misbehave` (extension `mb`) reads one integer per line into an `Int64`
//! column `n`. Its format option `mode` picks the misbehaviour: `ok` (the default),
//! `panic_open`, `panic_stream` (after the first batch), `error` (a parse error from
//! `open`), `nul_message` (an error whose message holds a NUL byte), `stream_error` (a
//! parse error after the first batch); and, to exercise the host's callbacks, `read_twice`
//! (reads the input twice, through a rewind) and `random_access` (reads it by ranges,
//! failing when the host offers no random access).

use std::io::Read;
use std::sync::Arc;

use arrow_array::{Int64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use sluice_core::{
    BatchStream, DecodeInput, Decoder, Error, FormatOptions, Position, Probe, Result, ScanOptions,
    Sniff,
};

/// The misbehaving decoder.
#[derive(Debug, Default)]
pub struct MisbehaveDecoder;

fn mode(options: &ScanOptions) -> Result<String> {
    let mut opts = FormatOptions::new("misbehave", &options.format_options);
    let mode = opts.string("mode")?.unwrap_or("ok").to_string();
    opts.finish()?;
    Ok(mode)
}

impl Decoder for MisbehaveDecoder {
    fn name(&self) -> &str {
        "misbehave"
    }

    fn extensions(&self) -> &[&str] {
        &["mb"]
    }

    fn sniff(&self, probe: &Probe<'_>) -> Sniff {
        if probe.head.starts_with(b"#misbehave") {
            Sniff::Yes
        } else {
            Sniff::No
        }
    }

    fn validate_options(&self, options: &ScanOptions) -> Result<()> {
        mode(options).map(drop)
    }

    fn open(&self, input: &DecodeInput, options: &ScanOptions) -> Result<Box<dyn BatchStream>> {
        let mode = mode(options)?;
        match mode.as_str() {
            "panic_open" => panic!("misbehave: asked to panic in open"),
            "error" => {
                return Err(Error::parse(
                    "misbehave",
                    input.location(),
                    Position::line(1),
                    "asked to fail",
                ));
            }
            "nul_message" => {
                return Err(Error::parse(
                    "misbehave",
                    input.location(),
                    Position::NONE,
                    "a NUL\0in the message",
                ));
            }
            _ => {}
        }
        let mut text = String::new();
        input
            .reader()?
            .read_to_string(&mut text)
            .map_err(|e| input.io_error(e))?;
        if mode == "read_twice" {
            let mut again = String::new();
            input
                .reader()?
                .read_to_string(&mut again)
                .map_err(|e| input.io_error(e))?;
            if again != text {
                return Err(Error::invalid_option(
                    "the second read differs from the first",
                ));
            }
        }
        if mode == "random_access" {
            let source = input.random_access().ok_or_else(|| Error::Unsupported {
                location: input.location().to_string(),
                message: "no random access".to_string(),
            })?;
            let size = source.size().unwrap_or(0);
            // Two ranges, the second ending at the end of the object.
            let half = size / 2;
            let mut bytes = source.read_range(0..half)?.to_vec();
            bytes.extend_from_slice(&source.read_range(half..size)?);
            if bytes != text.as_bytes() {
                return Err(Error::invalid_option(
                    "ranges differ from the sequential read",
                ));
            }
        }
        let mut values = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            values.push(line.parse::<i64>().map_err(|e| {
                Error::parse(
                    "misbehave",
                    input.location(),
                    Position::line(i as u64 + 1),
                    e.to_string(),
                )
            })?);
        }
        let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, false)]));
        let batches: Vec<Vec<i64>> = values
            .chunks(options.batch_size.max(1))
            .map(<[i64]>::to_vec)
            .collect();
        Ok(Box::new(Stream {
            schema,
            batches: batches.into_iter(),
            mode,
            location: input.location().to_string(),
            yielded: 0,
        }))
    }
}

struct Stream {
    schema: SchemaRef,
    batches: std::vec::IntoIter<Vec<i64>>,
    mode: String,
    location: String,
    yielded: usize,
}

impl Iterator for Stream {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.yielded == 1 {
            match self.mode.as_str() {
                "panic_stream" => panic!("misbehave: asked to panic mid-stream"),
                "stream_error" => {
                    self.yielded += 1;
                    return Some(Err(Error::parse(
                        "misbehave",
                        self.location.clone(),
                        Position::line(2),
                        "asked to fail mid-stream",
                    )));
                }
                _ => {}
            }
        }
        let values = self.batches.next()?;
        self.yielded += 1;
        Some(
            RecordBatch::try_new(
                Arc::clone(&self.schema),
                vec![Arc::new(Int64Array::from(values))],
            )
            .map_err(Error::from),
        )
    }
}

impl BatchStream for Stream {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }
}

sluice_plugin_sdk::export_plugin!(name: "misbehave", version: "0.0.1", decoders: [MisbehaveDecoder]);
