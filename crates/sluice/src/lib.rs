//! sluice: stream datasets of any size in bounded-memory Arrow record batches.
//!
//! This facade re-exports [`sluice_core`] (the [`Scan`] pipeline, [`Registry`], the plugin
//! traits and [`Error`]) and [`arrow`], and links the plugin crates chosen by cargo
//! features: `local` (files, directories, globs, standard input), `csv`, `json`, `text`,
//! `parquet`, `gzip` and `zstd`, all on by default.
//!
//! ```
//! use sluice::{Scan, ScanOptions};
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("a.csv");
//! std::fs::write(&path, "id,name\n1,ada\n2,grace\n3,edsger\n")?;
//! let scan = Scan::new([path.to_str().unwrap()])
//!     .with_options(ScanOptions::new().with_batch_size(2));
//! let mut reader = scan.reader()?;
//! let sizes: Vec<usize> = std::iter::from_fn(|| reader.next_batch().transpose())
//!     .map(|b| b.map(|b| b.num_rows()))
//!     .collect::<Result<_, _>>()?;
//! assert_eq!(sizes, vec![2, 1]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub use arrow;
/// Plugins loaded at run time: [`plugins::load_plugin`], [`plugins::RegistryPluginExt`]
/// (`registry.load_plugin(path, replace)`) and `SLUICE_PLUGIN_PATH` lists.
#[cfg(feature = "plugins")]
pub mod plugins {
    pub use sluice_plugin_host::*;
}
pub use sluice_core::*;

// Each plugin crate is referenced so that the linker keeps its `inventory` registrations.
#[cfg(feature = "csv")]
use sluice_format_csv as _;
#[cfg(feature = "ipc")]
use sluice_format_ipc as _;
#[cfg(feature = "json")]
use sluice_format_json as _;
#[cfg(feature = "npy")]
use sluice_format_npy as _;
#[cfg(feature = "parquet")]
use sluice_format_parquet as _;
#[cfg(feature = "text")]
use sluice_format_text as _;
#[cfg(feature = "local")]
use sluice_source_local as _;
