//! The plugin host against real libraries: a Rust plugin built with the SDK that
//! misbehaves on demand (with a codec and a storage backend), plugins written in C, and
//! files that are no plugin at all.

// Links the local file system into `Registry::from_inventory`.
use sluice_source_local as _;
// Links the CSV format, read through a plugin codec and a plugin storage backend.
use sluice_format_csv as _;

mod build;
mod c_plugin;
mod extras;
mod loading;
mod misbehave;
