//! The registry of a run: the built-in formats plus the plugins named by `--plugin` and
//! `SLUICE_PLUGIN_PATH`.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use sluice::Registry;
use sluice::plugins::{PLUGIN_PATH_ENV, RegistryPluginExt, plugin_paths};

use crate::Failure;

static REGISTRY: OnceLock<Arc<Registry>> = OnceLock::new();

/// Loads the plugins of `SLUICE_PLUGIN_PATH` and then those of `--plugin`, in order. A
/// format name that is already registered is an error.
pub(crate) fn load(cli_plugins: &[PathBuf]) -> Result<(), Failure> {
    let mut paths = match std::env::var(PLUGIN_PATH_ENV) {
        Ok(list) => plugin_paths(&list)?,
        Err(_) => Vec::new(),
    };
    paths.extend(cli_plugins.iter().cloned());
    if paths.is_empty() {
        return Ok(());
    }
    let mut registry = Registry::from_inventory();
    for path in &paths {
        registry.load_plugin(path, false)?;
    }
    // Set once, before any command runs.
    let _ = REGISTRY.set(Arc::new(registry));
    Ok(())
}

/// The registry of this run.
pub(crate) fn registry() -> Arc<Registry> {
    REGISTRY
        .get()
        .map(Arc::clone)
        .unwrap_or_else(Registry::global)
}
