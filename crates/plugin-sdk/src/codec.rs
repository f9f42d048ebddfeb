//! The exported C function of a plugin's codecs.

use sluice_core::{ByteSource, TaggedReader};
use sluice_plugin_abi::*;

use crate::errors::{Failure, guard};
use crate::export::codec_of;
use crate::{ImportedInput, InputBacking, Side, export_input};

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
            let decompressed = TaggedReader::new(codec.name(), codec.decompress(source.reader()?)?);
            let backing = InputBacking::once(&location, Box::new(decompressed));
            // SAFETY: `out` is non-null and valid for writes; the host owns what it gets.
            std::ptr::write(out, export_input(backing, Side::Plugin));
            Ok(())
        })
    }
}
