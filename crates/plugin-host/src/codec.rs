//! [`ForeignCodec`]: a plugin's codec as a [`Codec`].

use std::io::{self, Read};
use std::sync::Arc;

use sluice_core::{ByteSource, Codec, Error, Result};
use sluice_plugin_abi::*;
use sluice_plugin_sdk::{ErrorContext, ImportedInput, decode_error};

use crate::input::compressed_input;
use crate::load::{CodecInfo, PluginLib, take_error};

/// One codec of a loaded plugin. Holds an `Arc` of its library, which is never unloaded.
///
/// The plugin reads the compressed bytes through the host's callbacks and hands back its
/// decompressed stream as callbacks; the host reads that like any other stream (on its
/// read-ahead thread, with its decompression errors typed as such).
#[derive(Debug, Clone)]
pub struct ForeignCodec {
    lib: Arc<PluginLib>,
    index: usize,
}

impl ForeignCodec {
    pub(crate) fn new(lib: Arc<PluginLib>, index: usize) -> Self {
        ForeignCodec { lib, index }
    }

    fn info(&self) -> &CodecInfo {
        &self.lib.codecs[self.index]
    }

    /// The codec's priority, as the plugin declared it.
    pub fn priority(&self) -> i32 {
        self.info().priority
    }

    /// The library's path.
    pub fn plugin_path(&self) -> &str {
        &self.lib.path
    }
}

/// The plugin's decompressed stream. Its errors leave as plain `io::Error`s with the
/// plugin's message, so that the codec layer tags them as this codec's decompression
/// failures of the file being read (a codec does not know the file's name).
struct ForeignReader {
    inner: Box<dyn Read + Send>,
}

impl Read for ForeignReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            let kind = e.kind();
            match e.into_inner().map(|inner| inner.downcast::<Error>()) {
                Some(Ok(err)) => match *err {
                    Error::Decompress { source, .. } => source,
                    other => io::Error::other(other.to_string()),
                },
                Some(Err(inner)) => io::Error::new(kind, inner),
                None => io::Error::from(kind),
            }
        })
    }
}

impl Codec for ForeignCodec {
    fn name(&self) -> &str {
        &self.info().name
    }

    fn extensions(&self) -> &[&str] {
        &self.info().extensions
    }

    fn magic(&self) -> &[&[u8]] {
        &self.info().magics
    }

    fn decompress(&self, input: Box<dyn Read + Send>) -> Result<Box<dyn Read + Send>> {
        let info = self.info();
        let shown = format!("{} stream", info.name);
        let mut compressed = compressed_input(&shown, input);
        let mut out = SluiceInput::empty();
        let mut err = SluiceError::empty();
        // SAFETY: the plugin's function with its own codec and valid pointers; it takes
        // the compressed input (nulling our `release`) and writes its output on success.
        let status = unsafe { (info.decompress)(info.codec, &mut compressed, &mut out, &mut err) };
        if let Some(release) = compressed.release.take() {
            // SAFETY: the plugin did not take the input, so it is still ours to release.
            unsafe { release(compressed.ctx) }
        }
        let message = take_error(&mut err);
        if status != SLUICE_STATUS_OK {
            if let Some(release) = out.release.take() {
                // SAFETY: whatever the plugin wrote before failing is ours to release.
                unsafe { release(out.ctx) }
            }
            return Err(decode_error(
                status,
                message.as_deref(),
                &ErrorContext {
                    location: &shown,
                    format: &info.name,
                    codec: &info.name,
                    suffix: &self.lib.suffix(),
                },
            ));
        }
        // SAFETY: the plugin wrote a valid input that we now own.
        let source =
            unsafe { ImportedInput::take_with_suffix(&mut out, &self.lib.suffix(), Vec::new()) }?;
        Ok(Box::new(ForeignReader {
            inner: source.reader()?,
        }))
    }
}
