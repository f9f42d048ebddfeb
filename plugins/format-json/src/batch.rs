//! [`BatchDecoder`]: records decoded into record batches by arrow-json, one batch at a time,
//! with the exact line of any error. The sequential stream and the parallel chunk decoder
//! both run it, over different [`RecordSource`]s.
//!
//! Records are fed one by one to an arrow-json decoder, and each feed is checked to have
//! added exactly one complete row, so a malformed record is found where it is. Errors
//! that arrow-json only reports when a batch is flushed (a value that does not fit its
//! column, invalid UTF-8 inside a string) are located by decoding the records of that
//! batch again one at a time; the batch's bytes stay in the source until the batch is
//! done, so this costs nothing on the fast path.

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_json::ReaderBuilder;
use arrow_json::reader::{ArrayDecoder, DecoderContext, DecoderFactory, Tape, TapeElement};
use arrow_schema::{ArrowError, FieldRef, SchemaRef};
use sluice_core::{Error, Position, Result};

use crate::infer::syntax_error;
use crate::splitter::Record;

/// The largest batch handed to arrow-json at once (it preallocates for a full batch).
const MAX_DECODE_BATCH: usize = 1 << 16;

/// Where a [`BatchDecoder`] takes its records from.
pub(crate) trait RecordSource {
    /// The next record, or `None` at the end.
    fn next_record(&mut self) -> Result<Option<Record>>;
    /// The bytes of `record`, which must not have been released.
    fn bytes(&self, record: &Record) -> &[u8];
    /// Allows the bytes before offset `offset` to be discarded.
    fn release(&mut self, _offset: u64) {}
}

/// What every [`BatchDecoder`] of one input shares: the schema, the batch size and what
/// error messages need.
pub(crate) struct DecodeSetup {
    builder: ReaderBuilder,
    schema: SchemaRef,
    batch_size: usize,
    location: String,
    /// How many records the schema was inferred from, if it was inferred.
    inferred_from: Option<usize>,
}

impl DecodeSetup {
    /// Decoding of `location` into `schema` batches of at most `batch_size` rows.
    pub(crate) fn new(
        schema: SchemaRef,
        batch_size: usize,
        location: &str,
        inferred_from: Option<usize>,
    ) -> Self {
        let batch_size = batch_size.clamp(1, MAX_DECODE_BATCH);
        // One more row than is ever fed, so that a record holding two objects shows up as
        // an extra row instead of stopping the decoder.
        let builder = ReaderBuilder::new(Arc::clone(&schema))
            .with_batch_size(batch_size + 1)
            .with_decoder_factory(Arc::new(IntegerGuard));
        DecodeSetup {
            builder,
            schema,
            batch_size,
            location: location.to_string(),
            inferred_from,
        }
    }

    /// The schema of the batches.
    pub(crate) fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    /// The input's name, for errors.
    pub(crate) fn location(&self) -> &str {
        &self.location
    }
}

/// Decodes records into batches. See the module documentation.
pub(crate) struct BatchDecoder {
    setup: Arc<DecodeSetup>,
    decoder: arrow_json::reader::Decoder,
    /// The records of the batch being decoded.
    batch: Vec<Record>,
}

impl std::fmt::Debug for BatchDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchDecoder")
            .field("location", &self.setup.location)
            .finish_non_exhaustive()
    }
}

impl BatchDecoder {
    /// A decoder with `setup`.
    pub(crate) fn new(setup: Arc<DecodeSetup>) -> Result<Self> {
        let decoder = setup
            .builder
            .clone()
            .build_decoder()
            .map_err(|e| Error::from_arrow("JSON", &setup.location, Position::NONE, e))?;
        Ok(BatchDecoder {
            batch: Vec::with_capacity(setup.batch_size),
            setup,
            decoder,
        })
    }

    /// The next batch of at most the batch size of `records`' records, or `None` when they
    /// are all decoded. After an error the decoder must be dropped.
    pub(crate) fn next_batch(
        &mut self,
        records: &mut impl RecordSource,
    ) -> Result<Option<RecordBatch>> {
        self.batch.clear();
        while self.batch.len() < self.setup.batch_size {
            let Some(record) = records.next_record()? else {
                break;
            };
            let bytes = records.bytes(&record);
            let fed = match self.decoder.decode(bytes) {
                Ok(consumed) => consumed == bytes.len(),
                Err(e) => return Err(self.record_error(bytes, record.line, e)),
            };
            if !fed
                || self.decoder.has_partial_record()
                || self.decoder.len() != self.batch.len() + 1
            {
                let e = ArrowError::JsonError("expected exactly one JSON object".into());
                return Err(self.record_error(bytes, record.line, e));
            }
            self.batch.push(record);
        }
        let Some(last) = self.batch.last().copied() else {
            return Ok(None);
        };
        match self.decoder.flush() {
            Ok(Some(batch)) => {
                records.release(last.end);
                Ok(Some(batch))
            }
            Ok(None) => Err(Error::Internal {
                message: format!("{}: arrow-json decoded no rows", self.setup.location),
            }),
            Err(e) => Err(self.locate_flush_error(records, e)),
        }
    }

    /// The error for the record `bytes` starting at `line`, which arrow-json rejected with
    /// `err`: the strict parser's message and exact line when it finds a syntax error,
    /// else arrow's message.
    fn record_error(&self, bytes: &[u8], line: u64, err: ArrowError) -> Error {
        let location = &self.setup.location;
        if let Some((line, message)) = syntax_error(bytes, line) {
            return Error::parse("JSON", location, Position::line(line), message);
        }
        let mut message = match err {
            ArrowError::JsonError(m) => m,
            other => other.to_string(),
        };
        if let (Some(n), true) = (
            self.setup.inferred_from,
            message.contains("whilst decoding field"),
        ) {
            message.push_str(&format!(
                " (column types were inferred from the first {n} records; raise infer_rows or \
                 pass a schema)"
            ));
        }
        Error::parse("JSON", location, Position::line(line), message)
    }

    /// Finds the first record of the current batch that fails on its own.
    fn locate_flush_error(&self, records: &impl RecordSource, err: ArrowError) -> Error {
        for record in &self.batch {
            let single = self
                .setup
                .builder
                .clone()
                .with_batch_size(2)
                .build_decoder();
            let Ok(mut decoder) = single else { break };
            let bytes = records.bytes(record);
            let result = decoder.decode(bytes).and_then(|_| decoder.flush());
            if let Err(e) = result {
                return self.record_error(bytes, record.line, e);
            }
        }
        let first = self.batch.first().map_or(0, |r| r.line);
        Error::from_arrow("JSON", &self.setup.location, Position::line(first), err)
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
