//! sluice-plugin-sdk: write a sluice plugin, a dynamic library loaded at run time, in
//! ordinary safe Rust.
//!
//! A plugin crate is a `cdylib` (and an `rlib`, to link it statically too) that implements
//! the same traits as the built-in plugins, [`sluice_core::Decoder`] (a file format),
//! [`sluice_core::Codec`] (a compression codec) or [`sluice_core::SourceReader`] (a storage
//! backend), and exports them with [`export_plugin!`]:
//!
//! ```text
//! #[derive(Debug, Default)]
//! pub struct LibsvmDecoder;
//! impl sluice_core::Decoder for LibsvmDecoder { /* ... */ }
//!
//! sluice_plugin_sdk::export_plugin!(name: "libsvm", version: "0.1.0", decoders: [LibsvmDecoder]);
//! ```
//!
//! The macro writes the C entry point `sluice_plugin_init` of `sluice-plugin-abi` with the
//! version handshake. Behind it the SDK:
//!
//! - gives a decoder a [`DecodeInput`](sluice_core::DecodeInput) over the host's
//!   `SluiceInput` callbacks ([`ImportedInput`]); decompression stays in the host, so the
//!   codec is always `None`. A codec reads the compressed bytes the same way and its
//!   output goes back as callbacks ([`export_input`]), as do the objects a storage
//!   backend opens;
//! - turns the options JSON into [`ScanOptions`](sluice_core::ScanOptions)
//!   ([`options_from_json`], an explicit schema included) or
//!   [`SourceOptions`](sluice_core::SourceOptions);
//! - exports the decoder's stream as an Arrow C stream through a reader that catches
//!   panics and never yields an empty message or one with a NUL byte;
//! - sends errors typed: kind, line, record and byte offset cross in a detail prefix of
//!   the message ([`encode_error`]), so the host rebuilds the same `sluice::Error`;
//! - runs every exported function inside `catch_unwind`: a panic becomes
//!   `SLUICE_STATUS_PANIC` with its message and location, and poisons the plugin so every
//!   later call fails with "plugin poisoned by an earlier panic". The library's own panic
//!   hook is replaced by a silent one when the host loads it, so panics reach the user as
//!   errors rather than as banners on standard error.
//!
//! The host links this crate too, for the other side of each of these.
//!
//! A plugin crate that would `#![forbid(unsafe_code)]` must `deny` it instead: the entry
//! point the macro writes is `#[unsafe(no_mangle)]` (behind an `#[allow]`).

mod codec;
mod errors;
mod export;
mod input;
mod options;
mod source;
mod stream;
mod wire;

pub use errors::{POISONED_MESSAGE, clean_message, is_poisoned};
pub use export::Exports;
pub use input::{ImportedInput, InputBacking, OpenReader, Side, export_input, mask_secrets};
pub use options::{options_from_json, options_to_json};
pub use sluice_plugin_abi as abi;
pub use source::{source_options_from_json, source_options_to_json};
pub use stream::ExportReader;
pub use wire::{
    ErrorContext, decode_error, encode_error, schema_from_json, schema_to_json, split_detail,
    status_of,
};

#[doc(hidden)]
pub mod __private {
    pub use crate::export::plugin_init;
    pub use sluice_core::{Codec, Decoder, SourceReader};
}

/// The priority of an entry that gives none: after every built-in (which use 0 to 10).
pub const DEFAULT_PRIORITY: i32 = 100;

#[doc(hidden)]
#[macro_export]
macro_rules! __sluice_priority {
    () => {
        $crate::DEFAULT_PRIORITY
    };
    ($priority:expr) => {
        $priority
    };
}

/// Exports formats, codecs and storage backends as a sluice plugin: writes the
/// `sluice_plugin_init` entry point.
///
/// `name` and `version` are string literals; each listed type implements
/// [`Default`] and [`sluice_core::Decoder`], [`sluice_core::Codec`] or
/// [`sluice_core::SourceReader`]. Each list is optional; an entry may give its priority
/// (lower sorts first; it breaks ties between equally confident sniffs and decides which
/// backend serves a scheme two claim) after `=>`, else [`DEFAULT_PRIORITY`]:
///
/// ```text
/// sluice_plugin_sdk::export_plugin!(
///     name: "extras", version: "0.1.0",
///     decoders: [LibsvmDecoder, SvmlightDecoder => 50],
///     codecs: [Lz4Codec],
///     sources: [MemSource],
/// );
/// ```
#[macro_export]
macro_rules! export_plugin {
    (
        name: $name:expr, version: $version:expr
        $(, decoders: [$($decoder:ty $(=> $dprio:expr)?),* $(,)?])?
        $(, codecs: [$($codec:ty $(=> $cprio:expr)?),* $(,)?])?
        $(, sources: [$($source:ty $(=> $sprio:expr)?),* $(,)?])?
        $(,)?
    ) => {
        /// The entry point of this sluice plugin (see `sluice-plugin-abi`).
        ///
        /// # Safety
        ///
        /// Called by a sluice host, which passes valid pointers as the ABI says.
        #[allow(unsafe_code)]
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn sluice_plugin_init(
            abi_version: u32,
            host: *const $crate::abi::SluiceHost,
            out: *mut *const $crate::abi::SluiceDescriptor,
            out_error: *mut $crate::abi::SluiceError,
        ) -> i32 {
            fn exports() -> $crate::Exports {
                #[allow(unused_mut)]
                let mut exports = $crate::Exports::default();
                $($(exports.decoders.push((
                    ::std::sync::Arc::new(<$decoder as ::std::default::Default>::default())
                        as ::std::sync::Arc<dyn $crate::__private::Decoder>,
                    $crate::__sluice_priority!($($dprio)?),
                ));)*)?
                $($(exports.codecs.push((
                    ::std::sync::Arc::new(<$codec as ::std::default::Default>::default())
                        as ::std::sync::Arc<dyn $crate::__private::Codec>,
                    $crate::__sluice_priority!($($cprio)?),
                ));)*)?
                $($(exports.sources.push((
                    ::std::sync::Arc::new(<$source as ::std::default::Default>::default())
                        as ::std::sync::Arc<dyn $crate::__private::SourceReader>,
                    $crate::__sluice_priority!($($sprio)?),
                ));)*)?
                exports
            }
            // SAFETY: the host passes pointers valid as the ABI says; `plugin_init` checks
            // them for null.
            unsafe { $crate::__private::plugin_init($name, $version, exports, abi_version, host, out, out_error) }
        }
    };
}
