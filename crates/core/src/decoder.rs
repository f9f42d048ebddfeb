//! File formats: the [`Decoder`] trait and what it is given.

use std::fmt::Debug;
use std::io::Read;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;

use crate::codec::TaggedReader;
use crate::readahead::ReadAhead;
use crate::{ByteSource, Codec, Error, Result, ScanOptions};

/// How far [`drain_for_codec_error`] reads past a parse error.
const DRAIN_LIMIT: usize = 64 << 20;

/// Corrupt compressed data often decompresses to garbage before the decompressor notices:
/// after a parse error `err` in a compressed input, reads on from `reader` (up to 64 MiB)
/// and returns the decompression error found there, if any, else `err`. Errors other than
/// [`ErrorKind::Parse`](crate::ErrorKind::Parse) are returned as they are, without reading.
pub fn drain_for_codec_error(reader: &mut dyn Read, location: &str, err: Error) -> Error {
    if err.kind() != crate::ErrorKind::Parse {
        return err;
    }
    let mut sink = vec![0; 64 << 10];
    let mut drained = 0;
    while drained < DRAIN_LIMIT {
        match reader.read(&mut sink) {
            Ok(0) => break,
            Ok(n) => drained += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                let codec = Error::from_io(location.to_string(), e);
                if codec.kind() == crate::ErrorKind::Decompress {
                    return codec;
                }
                break;
            }
        }
    }
    err
}

/// How a format reads its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Access {
    /// Front to back, once (CSV, JSON, text). Works on compressed input and standard input.
    Sequential,
    /// By byte ranges (Parquet, Arrow IPC file). Needs an uncompressed, seekable source.
    RandomAccess,
}

/// How sure a decoder is that a probe is its format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sniff {
    /// Certainly not this format.
    No,
    /// Could be (weak text heuristics).
    Maybe,
    /// Magic bytes or an unambiguous structure.
    Yes,
}

/// The first (decompressed) bytes of an input, and its file name, for sniffing.
#[derive(Debug, Clone, Copy)]
pub struct Probe<'a> {
    /// Up to the first 64 KiB of decompressed content (less if the input is shorter).
    pub head: &'a [u8],
    /// Whether `head` holds the whole input.
    pub complete: bool,
    /// The file name with codec extensions removed.
    pub name: &'a str,
}

/// A stream of record batches with one schema, whose errors are sluice [`Error`]s.
pub trait BatchStream: Iterator<Item = Result<RecordBatch>> + Send {
    /// The schema of every batch.
    fn schema(&self) -> SchemaRef;
}

/// What a decoder reads: one object, its codec, and how to name it.
#[derive(Debug, Clone)]
pub struct DecodeInput {
    source: Arc<dyn ByteSource>,
    codec: Option<Arc<dyn Codec>>,
    location: String,
}

impl DecodeInput {
    /// An input reading `source` through `codec` (if any).
    pub fn new(source: Arc<dyn ByteSource>, codec: Option<Arc<dyn Codec>>) -> Self {
        let location = source.location().to_string();
        DecodeInput {
            source,
            codec,
            location,
        }
    }

    /// An input over bytes in memory shown as `name`, read through `codec` if given: for
    /// tests, examples and buffered data.
    pub fn in_memory(
        name: &str,
        data: impl Into<bytes::Bytes>,
        codec: Option<Arc<dyn Codec>>,
    ) -> Self {
        DecodeInput::new(Arc::new(crate::MemorySource::new(name, data)), codec)
    }

    /// The location, for messages.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// The underlying object.
    pub fn source(&self) -> &Arc<dyn ByteSource> {
        &self.source
    }

    /// The codec, if the object is compressed.
    pub fn codec(&self) -> Option<&Arc<dyn Codec>> {
        self.codec.as_ref()
    }

    /// A fresh sequential reader of the decompressed bytes, from the start. Errors of the
    /// decompressor are tagged so that [`Error::from_io`] reports them as
    /// [`Error::Decompress`] naming the codec.
    pub fn reader(&self) -> Result<Box<dyn Read + Send>> {
        let raw = self.source.reader()?;
        match &self.codec {
            None => Ok(raw),
            Some(codec) => {
                let name = codec.name().to_string();
                let inner = codec.decompress(raw)?;
                // Decompress on a second core while the decoder parses on this one.
                Ok(ReadAhead::spawn(Box::new(TaggedReader::new(&name, inner))))
            }
        }
    }

    /// The object for random access, when it is uncompressed and its backend supports it.
    pub fn random_access(&self) -> Option<&Arc<dyn ByteSource>> {
        (self.codec.is_none() && self.source.supports_random_access()).then_some(&self.source)
    }

    /// Wraps an I/O error met while reading this input.
    pub fn io_error(&self, err: std::io::Error) -> Error {
        Error::from_io(self.location.clone(), err)
    }
}

/// A file format: a stateless factory of [`BatchStream`]s.
pub trait Decoder: Send + Sync + Debug {
    /// The format's name (`csv`, `jsonl`), as accepted by the `format` option.
    fn name(&self) -> &str;

    /// File extensions without the dot (`csv`, `tsv`).
    fn extensions(&self) -> &[&str];

    /// How the format reads its bytes.
    fn access(&self) -> Access {
        Access::Sequential
    }

    /// Whether the probe looks like this format.
    fn sniff(&self, probe: &Probe<'_>) -> Sniff;

    /// Checks the format options before any file is opened (unknown keys are an error).
    fn validate_options(&self, options: &ScanOptions) -> Result<()>;

    /// The schema of `input` (after inference, or the explicit schema of `options`),
    /// before projection. The default opens the input and asks the stream.
    fn infer_schema(&self, input: &DecodeInput, options: &ScanOptions) -> Result<SchemaRef> {
        let options = ScanOptions {
            projection: None,
            ..options.clone()
        };
        Ok(self.open(input, &options)?.schema())
    }

    /// Opens `input`. When `options.schema` is set it is the file's schema (no inference);
    /// when `options.projection` is set the stream yields exactly those columns in that
    /// order, or fails with [`Error::UnknownColumn`] (see
    /// [`ScanOptions::projection_indices`]). Batches hold at most `options.batch_size` rows.
    fn open(&self, input: &DecodeInput, options: &ScanOptions) -> Result<Box<dyn BatchStream>>;

    /// The number of rows of `input` when the format knows it without decoding values
    /// (Parquet's footer, an Arrow IPC file's batch headers). `None`, the default, lets the
    /// scan count decoded rows.
    fn count_rows(&self, _input: &DecodeInput, _options: &ScanOptions) -> Option<Result<u64>> {
        None
    }
}

/// An inventory record that links a [`Decoder`] into every [`Registry`](crate::Registry)
/// built from inventory.
#[derive(Debug)]
pub struct DecoderRegistration {
    /// The format's name.
    pub name: &'static str,
    /// Lower sorts first; it breaks ties between equally confident sniffs.
    pub priority: i32,
    /// Makes the decoder.
    pub create: fn() -> Arc<dyn Decoder>,
}

inventory::collect!(DecoderRegistration);

/// A [`BatchStream`] over batches already in memory.
#[derive(Debug)]
pub struct MemoryStream {
    schema: SchemaRef,
    batches: std::vec::IntoIter<RecordBatch>,
}

impl MemoryStream {
    /// A stream yielding `batches`, all of `schema`.
    pub fn new(schema: SchemaRef, batches: Vec<RecordBatch>) -> Self {
        MemoryStream {
            schema,
            batches: batches.into_iter(),
        }
    }
}

impl Iterator for MemoryStream {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        self.batches.next().map(Ok)
    }
}

impl BatchStream for MemoryStream {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }
}
