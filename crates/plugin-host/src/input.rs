//! The host's side of `SluiceInput`: what the host offers a plugin to read.

use std::io::Read;
use std::sync::{Arc, Mutex};

use sluice_core::{DecodeInput, Error};
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
    let slot = Mutex::new(Some(input));
    let shown = location.to_string();
    export_input(
        InputBacking {
            location: location.to_string(),
            open: Box::new(move || {
                slot.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take()
                    .ok_or_else(|| Error::Unsupported {
                        location: shown.clone(),
                        message: "compressed input cannot be restarted".to_string(),
                    })
            }),
            rewindable: false,
            random: None,
        },
        Side::Host,
    )
}
