//! The plugin host against real libraries: a Rust plugin built with the SDK that
//! misbehaves on demand, plugins written in C, and files that are no plugin at all.

// Links the local file system into `Registry::from_inventory`.
use sluice_source_local as _;

mod build;
mod c_plugin;
mod loading;
mod misbehave;
