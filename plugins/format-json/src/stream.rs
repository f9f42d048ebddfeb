//! Opening an input: the schema is inferred from the first records unless one is given,
//! then the records are decoded by a [`BatchDecoder`], either here on the caller's thread
//! ([`JsonStream`]) or, for large inputs and several threads, in chunks on several cores
//! (see [`crate::parallel`]).

use std::collections::VecDeque;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use sluice_core::{
    BatchStream, DecodeInput, Error, ErrorKind, Position, Result, ScanOptions, empty_schema,
};

use crate::batch::{BatchDecoder, DecodeSetup, RecordSource};
use crate::infer::Inference;
use crate::parallel;
use crate::splitter::{Framing, Record, Splitter};

/// Opens `input`: infers the schema from the first records unless one is given (those
/// records are kept and decoded first, so the input is read only once). Inputs larger than
/// `chunk_bytes` are decoded in chunks of that size when `options` allow threads.
pub(crate) fn open(
    framing: Framing,
    input: &DecodeInput,
    options: &ScanOptions,
    chunk_bytes: usize,
) -> Result<Box<dyn BatchStream>> {
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
    let setup = Arc::new(DecodeSetup::new(
        schema,
        options.batch_size,
        &location,
        inferred_from,
    ));
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    };
    // Inputs of one chunk gain nothing from threads.
    let small = size_hint
        .or(splitter.read_len())
        .is_some_and(|n| n <= chunk_bytes as u64);
    if threads > 1 && !small {
        let chunks = match framing {
            Framing::Lines => {
                if let Some(first) = sample.front() {
                    splitter.rewind(first);
                }
                parallel::line_chunks(splitter, chunk_bytes)
            }
            Framing::Document => parallel::record_chunks(splitter, sample, chunk_bytes),
        };
        let compressed = input.codec().is_some();
        let stream = parallel::stream(chunks, setup, framing, threads, compressed);
        return Ok(Box::new(stream));
    }
    Ok(Box::new(JsonStream {
        decoder: BatchDecoder::new(Arc::clone(&setup))?,
        records: Sampled { splitter, sample },
        schema: setup.schema(),
        compressed: input.codec().is_some(),
        done: false,
    }))
}

/// How far past a parse error in compressed input the sequential stream reads for a
/// decompression error: as far as core's `ParallelChunkStream` looks (16 chunks), so one
/// thread and several report the same error.
const CODEC_ERROR_LOOKAHEAD: u64 = 16 * parallel::CHUNK_BYTES as u64;

/// The records of an input: those read for inference first, then the rest.
struct Sampled {
    splitter: Splitter,
    /// Records read for inference and not yet decoded.
    sample: VecDeque<Record>,
}

impl RecordSource for Sampled {
    fn next_record(&mut self) -> Result<Option<Record>> {
        match self.sample.pop_front() {
            Some(r) => Ok(Some(r)),
            None => self.splitter.next_record(),
        }
    }

    fn bytes(&self, record: &Record) -> &[u8] {
        self.splitter.bytes(record)
    }

    fn release(&mut self, offset: u64) {
        self.splitter.release(offset);
    }
}

impl RecordSource for Splitter {
    fn next_record(&mut self) -> Result<Option<Record>> {
        Splitter::next_record(self)
    }

    fn bytes(&self, record: &Record) -> &[u8] {
        Splitter::bytes(self, record)
    }

    fn release(&mut self, offset: u64) {
        Splitter::release(self, offset);
    }
}

/// A stream of record batches decoded from JSON records on the caller's thread.
pub(crate) struct JsonStream {
    records: Sampled,
    decoder: BatchDecoder,
    schema: SchemaRef,
    /// Whether a parse error may hide a decompression error further on.
    compressed: bool,
    done: bool,
}

impl Iterator for JsonStream {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let result = match self.decoder.next_batch(&mut self.records) {
            Ok(batch) => batch.map(Ok),
            Err(e) if self.compressed && e.kind() == ErrorKind::Parse => {
                let splitter = &mut self.records.splitter;
                Some(Err(splitter.prefer_codec_error(e, CODEC_ERROR_LOOKAHEAD)))
            }
            Err(e) => Some(Err(e)),
        };
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
