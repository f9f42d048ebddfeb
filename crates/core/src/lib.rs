//! sluice-core: the traits, registry, location resolution and scan pipeline of sluice.
//!
//! - [`SourceReader`] / [`ByteSource`]: storage backends and opened objects.
//! - [`Codec`]: streaming decompressors ([`MultiGzCodec`], [`ZstdCodec`] built in).
//! - [`Decoder`]: file formats producing [`BatchStream`]s of Arrow record batches.
//! - [`Registry`]: everything linked in (through `inventory`) or loaded, in a fixed order.
//! - [`Scan`] / [`ScanReader`]: locations in, exact-size batches out, decoded in parallel
//!   with a read-ahead bounded in bytes.
//! - [`Error`]: the one error type; every message names the location.
//!
//! Formats and the local file system live in plugin crates; the `sluice` facade links the
//! default set. On its own, core can decode in-memory data with a hand-made decoder:
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::{Int64Array, RecordBatch};
//! use sluice_core::{DecodeInput, Decoder, MemorySource, MemoryStream, BatchStream, Probe,
//!                   ScanOptions, Sniff, Result};
//!
//! #[derive(Debug)]
//! struct Numbers;
//! impl Decoder for Numbers {
//!     fn name(&self) -> &str { "numbers" }
//!     fn extensions(&self) -> &[&str] { &["num"] }
//!     fn sniff(&self, _: &Probe<'_>) -> Sniff { Sniff::Maybe }
//!     fn validate_options(&self, _: &ScanOptions) -> Result<()> { Ok(()) }
//!     fn open(&self, input: &DecodeInput, _: &ScanOptions) -> Result<Box<dyn BatchStream>> {
//!         let mut text = String::new();
//!         std::io::Read::read_to_string(&mut input.reader()?, &mut text)
//!             .map_err(|e| input.io_error(e))?;
//!         let values: Vec<i64> = text.split_whitespace().filter_map(|w| w.parse().ok()).collect();
//!         let batch = RecordBatch::try_from_iter([("n", Arc::new(Int64Array::from(values)) as _)])?;
//!         Ok(Box::new(MemoryStream::new(batch.schema(), vec![batch])))
//!     }
//! }
//!
//! let input = DecodeInput::new(Arc::new(MemorySource::new("mem.num", "1 2 3")), None);
//! let batches: Vec<_> = Numbers.open(&input, &ScanOptions::new())?.collect::<Result<_>>()?;
//! assert_eq!(batches[0].num_rows(), 3);
//! # Ok::<(), sluice_core::Error>(())
//! ```

pub mod chunked;
mod codec;
pub mod conformance;
mod decoder;
mod error;
mod expand;
mod location;
mod options;
pub mod panics;
mod readahead;
mod registry;
mod resolve;
mod scan;
mod source;

#[cfg(feature = "gzip")]
pub use codec::MultiGzCodec;
#[cfg(feature = "zstd")]
pub use codec::ZstdCodec;
pub use codec::{Codec, CodecRegistration, TaggedReader};
pub use decoder::{
    Access, BatchStream, DecodeInput, Decoder, DecoderRegistration, MemoryStream, Probe, Sniff,
    drain_for_codec_error,
};
pub use error::{BoxError, DecompressFailure, Error, ErrorKind, Position, Result};
pub use location::{Location, STDIN_SCHEME};
pub use options::{
    DEFAULT_BATCH_SIZE, DEFAULT_INFER_ROWS, DEFAULT_READAHEAD_BYTES, FormatOptions, ScanOptions,
};
pub use registry::{Entry, Origin, Registry};
pub use resolve::{Evidence, PROBE_BYTES, ResolvedFile};
pub use scan::{Scan, ScanReader, empty_schema};
pub use source::{
    ByteSource, MemorySource, ObjectMeta, SourceOptions, SourceReader, SourceRegistration,
};

/// Re-exported so that plugin crates register with the same `inventory` as core.
pub use inventory;
