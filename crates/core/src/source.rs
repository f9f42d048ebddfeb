//! Storage backends: [`SourceReader`] (one per URL scheme) and [`ByteSource`] (one opened
//! object).

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::io::Read;
use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;

use crate::{Location, Result};

/// One opened object: a local file, an S3 object, standard input.
pub trait ByteSource: Send + Sync + Debug {
    /// The location this source was opened from, for messages.
    fn location(&self) -> &Location;

    /// The size in bytes, when known (standard input has none).
    fn size(&self) -> Option<u64>;

    /// A fresh sequential reader from offset 0. May be called more than once; a source
    /// that cannot rewind (standard input) replays what it has buffered or fails.
    fn reader(&self) -> Result<Box<dyn Read + Send>>;

    /// Whether [`ByteSource::read_range`] is supported.
    fn supports_random_access(&self) -> bool;

    /// The bytes in `range`. Sources without random access return an `Unsupported` error.
    fn read_range(&self, range: Range<u64>) -> Result<Bytes>;

    /// Several ranges at once; backends may coalesce them into fewer requests.
    fn read_ranges(&self, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        ranges.iter().map(|r| self.read_range(r.clone())).collect()
    }
}

/// One object found by listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    /// Where the object is.
    pub location: Location,
    /// Its size in bytes, when known.
    pub size: Option<u64>,
}

/// Options for storage backends: credentials, endpoints, retries. Keys are backend-specific;
/// values are never printed.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SourceOptions {
    values: BTreeMap<String, String>,
}

impl SourceOptions {
    /// No options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to `value`.
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.values.insert(key.into(), value.into());
        self
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// Every key and value, in key order (to hand them to a storage plugin; never print
    /// the values).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl Debug for SourceOptions {
    /// Shows the keys only: values may be secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.values.keys()).finish()
    }
}

/// A storage backend keyed by URL scheme.
pub trait SourceReader: Send + Sync + Debug {
    /// A short name (`local`, `s3`).
    fn name(&self) -> &str;

    /// The URL schemes it serves (`file`, `stdin`, `s3`, ...).
    fn schemes(&self) -> &[&str];

    /// The object at `location`, if there is one (a directory or prefix is `None`).
    fn head(&self, location: &Location, options: &SourceOptions) -> Result<Option<ObjectMeta>>;

    /// Every object under the directory or prefix `location`, recursively, in any order.
    /// Hidden entries are filtered by the caller, not here.
    fn list(&self, location: &Location, options: &SourceOptions) -> Result<Vec<ObjectMeta>>;

    /// Opens the object at `location`.
    fn open(&self, location: &Location, options: &SourceOptions) -> Result<Arc<dyn ByteSource>>;
}

/// An inventory record that links a [`SourceReader`] into every [`Registry`](crate::Registry)
/// built from inventory.
#[derive(Debug)]
pub struct SourceRegistration {
    /// The source's name.
    pub name: &'static str,
    /// Lower sorts first when two sources claim the same scheme.
    pub priority: i32,
    /// Makes the source.
    pub create: fn() -> Arc<dyn SourceReader>,
}

inventory::collect!(SourceRegistration);

/// A [`ByteSource`] over bytes in memory, for tests, examples and buffered inputs.
#[derive(Debug, Clone)]
pub struct MemorySource {
    location: Location,
    data: Bytes,
}

impl MemorySource {
    /// Wraps `data`, shown as `name` in messages.
    pub fn new(name: &str, data: impl Into<Bytes>) -> Self {
        MemorySource {
            location: Location::parse(name),
            data: data.into(),
        }
    }
}

impl ByteSource for MemorySource {
    fn location(&self) -> &Location {
        &self.location
    }

    fn size(&self) -> Option<u64> {
        Some(self.data.len() as u64)
    }

    fn reader(&self) -> Result<Box<dyn Read + Send>> {
        Ok(Box::new(std::io::Cursor::new(self.data.clone())))
    }

    fn supports_random_access(&self) -> bool {
        true
    }

    fn read_range(&self, range: Range<u64>) -> Result<Bytes> {
        let len = self.data.len() as u64;
        if range.start > range.end || range.end > len {
            return Err(crate::Error::Io {
                location: self.location.to_string(),
                source: std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!("range {range:?} is outside the {len} bytes of the object"),
                ),
            });
        }
        Ok(self.data.slice(range.start as usize..range.end as usize))
    }
}
