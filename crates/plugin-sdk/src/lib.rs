//! sluice-plugin-sdk: write a sluice plugin, a dynamic library loaded at run time, in
//! ordinary safe Rust.
//!
//! A plugin crate is a `cdylib` (and an `rlib`, to link it statically too) that implements
//! [`sluice_core::Decoder`] and exports it with [`export_plugin!`]:
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
//! - gives the decoder a [`DecodeInput`](sluice_core::DecodeInput) over the host's
//!   `SluiceInput` callbacks ([`HostSource`]); decompression stays in the host, so the
//!   codec is always `None`;
//! - turns the options JSON into [`ScanOptions`](sluice_core::ScanOptions)
//!   ([`options_from_json`]);
//! - exports the decoder's stream as an Arrow C stream through a reader that catches
//!   panics and never yields an empty message or one with a NUL byte;
//! - runs every exported function inside `catch_unwind`: a panic becomes
//!   `SLUICE_STATUS_PANIC` with its message and location, and poisons the plugin so every
//!   later call fails with "plugin poisoned by an earlier panic". The library's own panic
//!   hook is replaced by a silent one when the host loads it, so panics reach the user as
//!   errors rather than as banners on standard error.
//!
//! A plugin crate that would `#![forbid(unsafe_code)]` must `deny` it instead: the entry
//! point the macro writes is `#[unsafe(no_mangle)]` (behind an `#[allow]`).

mod errors;
mod export;
mod input;
mod options;
mod stream;

pub use errors::{POISONED_MESSAGE, clean_message, is_poisoned, status_of};
pub use input::HostSource;
pub use options::{options_from_json, options_to_json};
pub use sluice_plugin_abi as abi;
pub use stream::ExportReader;

#[doc(hidden)]
pub mod __private {
    pub use crate::export::plugin_init;
    pub use sluice_core::Decoder;
}

/// Exports decoders as a sluice plugin: writes the `sluice_plugin_init` entry point.
///
/// `name` and `version` are string literals; each decoder type implements
/// [`sluice_core::Decoder`] and [`Default`].
#[macro_export]
macro_rules! export_plugin {
    (name: $name:expr, version: $version:expr, decoders: [$($decoder:ty),* $(,)?] $(,)?) => {
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
            fn decoders() -> ::std::vec::Vec<::std::sync::Arc<dyn $crate::__private::Decoder>> {
                ::std::vec![$(::std::sync::Arc::new(<$decoder as ::std::default::Default>::default())),*]
            }
            // SAFETY: the host passes pointers valid as the ABI says; `plugin_init` checks
            // them for null.
            unsafe { $crate::__private::plugin_init($name, $version, decoders, abi_version, host, out, out_error) }
        }
    };
}
