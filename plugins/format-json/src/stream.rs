//! [`JsonStream`]: records from a [`Splitter`] decoded into record batches by arrow-json.
//!
//! Records are fed one by one to an arrow-json decoder, and each feed is checked to have
//! added exactly one complete row, so a malformed record is found where it is. Errors
//! that arrow-json only reports when a batch is flushed (a value that does not fit its
//! column, invalid UTF-8 inside a string) are located by decoding the records of that
//! batch again one at a time; the batch's bytes stay in the splitter's buffer until the
//! batch is done, so this costs nothing on the fast path.

use std::collections::VecDeque;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_json::ReaderBuilder;
use arrow_json::reader::{ArrayDecoder, DecoderContext, DecoderFactory, Tape, TapeElement};
use arrow_schema::{ArrowError, FieldRef, SchemaRef};
use sluice_core::{BatchStream, DecodeInput, Error, Position, Result, ScanOptions, empty_schema};

use crate::infer::{Inference, syntax_error};
use crate::splitter::{Framing, Record, Splitter};

/// The largest batch handed to arrow-json at once (it preallocates for a full batch).
const MAX_DECODE_BATCH: usize = 1 << 16;

/// A stream of record batches decoded from JSON records.
pub(crate) struct JsonStream {
    splitter: Splitter,
    /// Records read for inference and not yet decoded.
    sample: VecDeque<Record>,
    /// The records of the batch being decoded.
    batch: Vec<Record>,
    builder: ReaderBuilder,
    decoder: arrow_json::reader::Decoder,
    schema: SchemaRef,
    batch_size: usize,
    location: String,
    /// How many records the schema was inferred from, if it was inferred.
    inferred_from: Option<usize>,
    done: bool,
}

/// Opens `input`: infers the schema from the first records unless one is given (those
/// records are kept and decoded first, so the input is read only once).
pub(crate) fn open(
    framing: Framing,
    input: &DecodeInput,
    options: &ScanOptions,
) -> Result<JsonStream> {
    options.validate()?;
    let location = input.location().to_string();
    let size_hint = match input.codec() {
        None => input.source().size(),
        Some(_) => None,
    };
    let mut splitter = Splitter::new(input.reader()?, &location, framing, size_hint);
    let mut sample = VecDeque::new();
    let (file_schema, inferred_from) = match &options.schema {
        Some(schema) => (Arc::clone(schema), None),
        None => {
            let mut inference = Inference::new();
            while sample.len() < options.infer_rows {
                let Some(record) = splitter.next_record()? else {
                    break;
                };
                inference
                    .add(splitter.bytes(&record), record.line)
                    .map_err(|f| f.into_error(&location))?;
                sample.push_back(record);
            }
            let schema = if sample.is_empty() {
                empty_schema()
            } else {
                Arc::new(inference.finish())
            };
            (schema, Some(sample.len()))
        }
    };
    let schema = match options.projection_indices(&file_schema, Some(&location))? {
        Some(indices) => Arc::new(
            file_schema
                .project(&indices)
                .map_err(|e| Error::from_arrow("JSON", &location, Position::NONE, e))?,
        ),
        None => file_schema,
    };
    let batch_size = options.batch_size.clamp(1, MAX_DECODE_BATCH);
    // One more row than is ever fed, so that a record holding two objects shows up as an
    // extra row instead of stopping the decoder.
    let builder = ReaderBuilder::new(Arc::clone(&schema))
        .with_batch_size(batch_size + 1)
        .with_decoder_factory(Arc::new(IntegerGuard));
    let decoder = builder
        .clone()
        .build_decoder()
        .map_err(|e| Error::from_arrow("JSON", &location, Position::NONE, e))?;
    Ok(JsonStream {
        splitter,
        sample,
        batch: Vec::with_capacity(batch_size),
        builder,
        decoder,
        schema,
        batch_size,
        location,
        inferred_from,
        done: false,
    })
}

impl JsonStream {
    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        self.batch.clear();
        while self.batch.len() < self.batch_size {
            let record = match self.sample.pop_front() {
                Some(r) => r,
                None => match self.splitter.next_record()? {
                    Some(r) => r,
                    None => break,
                },
            };
            let bytes = self.splitter.bytes(&record);
            let fed = match self.decoder.decode(bytes) {
                Ok(consumed) => consumed == bytes.len(),
                Err(e) => return Err(self.record_error(record, e)),
            };
            if !fed
                || self.decoder.has_partial_record()
                || self.decoder.len() != self.batch.len() + 1
            {
                let e = ArrowError::JsonError("expected exactly one JSON object".into());
                return Err(self.record_error(record, e));
            }
            self.batch.push(record);
        }
        let Some(last) = self.batch.last().copied() else {
            return Ok(None);
        };
        match self.decoder.flush() {
            Ok(Some(batch)) => {
                self.splitter.release(last.end);
                Ok(Some(batch))
            }
            Ok(None) => Err(Error::Internal {
                message: format!("{}: arrow-json decoded no rows", self.location),
            }),
            Err(e) => Err(self.locate_flush_error(e)),
        }
    }

    /// The error for `record`, which arrow-json rejected with `err`: the strict parser's
    /// message and exact line when it finds a syntax error, else arrow's message.
    fn record_error(&self, record: Record, err: ArrowError) -> Error {
        let bytes = self.splitter.bytes(&record);
        if let Some((line, message)) = syntax_error(bytes, record.line) {
            return Error::parse("JSON", &self.location, Position::line(line), message);
        }
        let mut message = match err {
            ArrowError::JsonError(m) => m,
            other => other.to_string(),
        };
        if let (Some(n), true) = (
            self.inferred_from,
            message.contains("whilst decoding field"),
        ) {
            message.push_str(&format!(
                " (column types were inferred from the first {n} records; raise infer_rows or \
                 pass a schema)"
            ));
        }
        Error::parse("JSON", &self.location, Position::line(record.line), message)
    }

    /// Finds the first record of the current batch that fails on its own.
    fn locate_flush_error(&self, err: ArrowError) -> Error {
        for record in &self.batch {
            let single = self.builder.clone().with_batch_size(2).build_decoder();
            let Ok(mut decoder) = single else { break };
            let result = decoder
                .decode(self.splitter.bytes(record))
                .and_then(|_| decoder.flush());
            if let Err(e) = result {
                return self.record_error(*record, e);
            }
        }
        let first = self.batch.first().map_or(0, |r| r.line);
        Error::from_arrow("JSON", &self.location, Position::line(first), err)
    }
}

impl Iterator for JsonStream {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let result = self.next_batch().transpose();
        if !matches!(result, Some(Ok(_))) {
            self.done = true;
        }
        result
    }
}

impl BatchStream for JsonStream {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }
}

/// Makes integer columns reject numbers with a fractional part, which arrow-json would
/// otherwise truncate silently.
#[derive(Debug)]
struct IntegerGuard;

impl DecoderFactory for IntegerGuard {
    fn make_default_decoder(
        &self,
        ctx: &DecoderContext,
        field: &FieldRef,
        is_nullable: bool,
    ) -> std::result::Result<Option<Box<dyn ArrayDecoder>>, ArrowError> {
        if !field.data_type().is_integer() {
            return Ok(None);
        }
        let inner = ctx.make_builtin_decoder(field, is_nullable)?;
        Ok(Some(Box::new(GuardedInteger { inner })))
    }
}

struct GuardedInteger {
    inner: Box<dyn ArrayDecoder>,
}

impl ArrayDecoder for GuardedInteger {
    fn decode(
        &mut self,
        tape: &Tape<'_>,
        pos: &[u32],
    ) -> std::result::Result<ArrayRef, ArrowError> {
        for &p in pos {
            if let TapeElement::Number(idx) = tape.get(p) {
                let s = tape.get_string(idx);
                if s.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'))
                    && s.parse::<f64>().is_ok_and(|v| v.fract() != 0.0)
                {
                    return Err(ArrowError::JsonError(format!(
                        "expected an integer, got {s}"
                    )));
                }
            }
        }
        self.inner.decode(tape, pos)
    }
}
