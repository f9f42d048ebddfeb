//! Compression codecs: the [`Codec`] trait and the built-in gzip and zstd codecs.

use std::fmt::Debug;
use std::io::{self, Read};
use std::sync::Arc;

use crate::Result;
use crate::error::DecompressFailure;

/// A streaming decompressor.
pub trait Codec: Send + Sync + Debug {
    /// The codec's name (`gzip`, `zstd`), as accepted by the `compression` option.
    fn name(&self) -> &str;

    /// File extensions without the dot (`gz`, `gzip`).
    fn extensions(&self) -> &[&str];

    /// Magic byte sequences that start a stream of this codec.
    fn magic(&self) -> &[&[u8]];

    /// Wraps a compressed reader into a reader of the decompressed bytes. A corrupt or
    /// truncated stream must surface as a read error, never as an early end of file.
    fn decompress(&self, input: Box<dyn Read + Send>) -> Result<Box<dyn Read + Send>>;

    /// Whether `head` (the first bytes of an object) starts with one of this codec's magics.
    fn matches_magic(&self, head: &[u8]) -> bool {
        self.magic().iter().any(|m| head.starts_with(m))
    }
}

/// An inventory record that links a [`Codec`] into every [`Registry`](crate::Registry)
/// built from inventory.
#[derive(Debug)]
pub struct CodecRegistration {
    /// The codec's name.
    pub name: &'static str,
    /// Lower sorts first.
    pub priority: i32,
    /// Makes the codec.
    pub create: fn() -> Arc<dyn Codec>,
}

inventory::collect!(CodecRegistration);

/// Tags every error of a decompressing reader so it can be told apart from storage errors
/// after it has passed through a decoder (see [`crate::Error::from_io`]). Errors that
/// already carry a typed [`crate::Error`] keep it (see [`DecompressFailure::wrap`]).
#[derive(Debug)]
pub struct TaggedReader<R> {
    codec: String,
    inner: R,
}

impl<R> TaggedReader<R> {
    /// Wraps `inner`, the decompressed output of `codec`.
    pub fn new(codec: &str, inner: R) -> Self {
        TaggedReader {
            codec: codec.to_string(),
            inner,
        }
    }
}

impl<R: Read> Read for TaggedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner
            .read(buf)
            .map_err(|e| DecompressFailure::wrap(&self.codec, e))
    }
}

/// gzip, reading every member of a concatenated file (`MultiGzDecoder`).
#[cfg(feature = "gzip")]
#[derive(Debug, Default)]
pub struct MultiGzCodec;

#[cfg(feature = "gzip")]
impl Codec for MultiGzCodec {
    fn name(&self) -> &str {
        "gzip"
    }

    fn extensions(&self) -> &[&str] {
        &["gz", "gzip"]
    }

    fn magic(&self) -> &[&[u8]] {
        &[&[0x1f, 0x8b]]
    }

    fn decompress(&self, input: Box<dyn Read + Send>) -> Result<Box<dyn Read + Send>> {
        // MultiGzDecoder buffers its input internally; a truncated member is an
        // UnexpectedEof error, not a short read.
        Ok(Box::new(flate2::read::MultiGzDecoder::new(
            io::BufReader::with_capacity(256 * 1024, input),
        )))
    }
}

#[cfg(feature = "gzip")]
inventory::submit! {
    CodecRegistration { name: "gzip", priority: 0, create: || Arc::new(MultiGzCodec) }
}

/// zstd, reading across every frame.
#[cfg(feature = "zstd")]
#[derive(Debug, Default)]
pub struct ZstdCodec;

#[cfg(feature = "zstd")]
impl Codec for ZstdCodec {
    fn name(&self) -> &str {
        "zstd"
    }

    fn extensions(&self) -> &[&str] {
        &["zst", "zstd"]
    }

    fn magic(&self) -> &[&[u8]] {
        &[&[0x28, 0xb5, 0x2f, 0xfd]]
    }

    fn decompress(&self, input: Box<dyn Read + Send>) -> Result<Box<dyn Read + Send>> {
        let decoder =
            zstd::stream::read::Decoder::new(input).map_err(|e| crate::Error::Internal {
                message: format!("cannot create a zstd decoder: {e}"),
            })?;
        // The zstd reader reads across frames by default (never `single_frame()`), and a
        // stream cut inside a frame is an `UnexpectedEof` error.
        Ok(Box::new(decoder))
    }
}

#[cfg(feature = "zstd")]
inventory::submit! {
    CodecRegistration { name: "zstd", priority: 0, create: || Arc::new(ZstdCodec) }
}
