//! The exported C function of a plugin's codecs.

use std::io::{self, Read};

use sluice_core::{ByteSource, DecompressFailure, Error};
use sluice_plugin_abi::*;

use crate::errors::{Failure, guard};
use crate::export::codec_of;
use crate::{ImportedInput, InputBacking, Side, export_input};

/// Tags the decompressor's own errors as decompression failures of `codec` (errors from
/// the compressed input, already typed, keep their kind).
struct Tagged {
    codec: String,
    inner: Box<dyn Read + Send>,
}

impl Read for Tagged {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner
            .read(buf)
            .map_err(|e| DecompressFailure::wrap(&self.codec, e))
    }
}

pub(crate) unsafe extern "C" fn decompress(
    codec: *const SluiceCodec,
    input: *mut SluiceInput,
    out: *mut SluiceInput,
    out_error: *mut SluiceError,
) -> i32 {
    // Take the input first: it is ours whatever happens next.
    // SAFETY: the host passes a valid, unreleased input (or null).
    let source = unsafe { ImportedInput::take(input) };
    // SAFETY: the host passes valid pointers, as the ABI says.
    unsafe {
        guard(out_error, || {
            let source = source?;
            let codec = codec_of(codec)?;
            if out.is_null() {
                return Err(Failure::new(SLUICE_STATUS_INVALID_ARGUMENT, "out is null"));
            }
            let location = source.location().to_string();
            let name = codec.name().to_string();
            let mut reader = Some(Box::new(Tagged {
                codec: name.clone(),
                inner: codec.decompress(source.reader()?)?,
            }) as Box<dyn Read + Send>);
            let backing = InputBacking {
                location: location.clone(),
                open: Box::new(move || {
                    reader.take().ok_or_else(|| Error::Unsupported {
                        location: location.clone(),
                        message: format!("a {name} stream cannot be restarted"),
                    })
                }),
                rewindable: false,
                random: None,
            };
            // SAFETY: `out` is non-null and valid for writes; the host owns what it gets.
            std::ptr::write(out, export_input(backing, Side::Plugin));
            Ok(())
        })
    }
}
