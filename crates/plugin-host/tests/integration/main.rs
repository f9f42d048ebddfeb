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

/// The Int64 values of column `i` across `batches`.
pub(crate) fn int64_column(batches: &[arrow_array::RecordBatch], i: usize) -> Vec<i64> {
    use arrow_array::cast::AsArray;
    batches
        .iter()
        .flat_map(|b| {
            b.column(i)
                .as_primitive::<arrow_array::types::Int64Type>()
                .values()
                .to_vec()
        })
        .collect()
}

/// Every batch of a scan of `path` with `registry`.
pub(crate) fn scan_with(
    registry: sluice_core::Registry,
    path: &std::path::Path,
) -> Vec<arrow_array::RecordBatch> {
    sluice_core::Scan::new([path.display().to_string()])
        .with_registry(std::sync::Arc::new(registry))
        .reader()
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}
