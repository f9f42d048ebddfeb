//! The host's side of `SluiceInput`: what the host offers a plugin to read.

use std::io::Read;
use std::sync::Arc;

use sluice_core::DecodeInput;
use sluice_plugin_abi::SluiceInput;
use sluice_plugin_sdk::{InputBacking, Side, export_input};

/// A format plugin reads the host's [`DecodeInput`] (storage and decompression included):
/// `read` is the decompressed stream, restartable; `read_at` and `size` the raw object when
/// it is uncompressed and seekable.
pub(crate) fn decode_input(input: &DecodeInput) -> SluiceInput {
    let sequential = input.clone();
    export_input(
        InputBacking {
            location: input.location().to_string(),
            open: Box::new(move || sequential.reader()),
            rewindable: true,
            random: input.random_access().map(Arc::clone),
        },
        Side::Host,
    )
}

/// A codec plugin reads the compressed bytes once, front to back.
pub(crate) fn compressed_input(location: &str, input: Box<dyn Read + Send>) -> SluiceInput {
    export_input(InputBacking::once(location, input), Side::Host)
}
