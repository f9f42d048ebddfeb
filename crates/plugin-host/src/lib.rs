//! sluice-plugin-host: loads sluice plugins (dynamic libraries speaking the C ABI of
//! `sluice-plugin-abi`) and registers their formats in a [`Registry`](sluice_core::Registry).
//!
//! - [`load_plugin`]: opens the library (never unloaded: `RTLD_NODELETE`), negotiates the
//!   ABI version (newest first, falling back) and validates the descriptor.
//! - [`register`] / [`RegistryPluginExt::load_plugin`]: adds a [`ForeignDecoder`] per
//!   format, a [`ForeignCodec`] per codec and a [`ForeignSource`] per storage backend,
//!   with [`Origin::Plugin`](sluice_core::Origin::Plugin). A name that is already
//!   registered is an error unless the caller asks to replace it.
//! - [`plugin_paths`]: the libraries named by `SLUICE_PLUGIN_PATH`-style lists.
//!
//! The host feeds a format plugin its bytes through callbacks over the host's own
//! [`DecodeInput`](sluice_core::DecodeInput), so storage and decompression stay here (a
//! plugin format reads a `.zst` file or an object of a plugin storage backend), and
//! imports the plugin's batches through the Arrow C Stream Interface without copying.
//!
//! ```no_run
//! use sluice_core::Registry;
//! use sluice_plugin_host::RegistryPluginExt;
//! let mut registry = Registry::from_inventory();
//! registry.load_plugin("target/release/libsluice_example_libsvm.so", false)?;
//! # Ok::<(), sluice_core::Error>(())
//! ```

mod codec;
mod decoder;
mod discover;
mod input;
mod load;
mod source;

pub use codec::ForeignCodec;
pub use decoder::ForeignDecoder;
pub use discover::{PLUGIN_PATH_ENV, plugin_paths};
pub use load::{LoadedPlugin, load_plugin, register};
pub use source::ForeignSource;

use sluice_core::{Registry, Result};

/// Loading plugins straight into a [`Registry`].
pub trait RegistryPluginExt {
    /// Loads the plugin at `path` and registers its formats, codecs and storage backends
    /// (replacing entries of the same name only when `replace`).
    fn load_plugin(
        &mut self,
        path: impl AsRef<std::path::Path>,
        replace: bool,
    ) -> Result<LoadedPlugin>;
}

impl RegistryPluginExt for Registry {
    fn load_plugin(
        &mut self,
        path: impl AsRef<std::path::Path>,
        replace: bool,
    ) -> Result<LoadedPlugin> {
        let plugin = load_plugin(path)?;
        register(&plugin, self, replace)?;
        Ok(plugin)
    }
}
