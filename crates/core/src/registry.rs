//! The [`Registry`]: every format, codec and storage backend this process knows.

use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::codec::CodecRegistration;
use crate::decoder::DecoderRegistration;
use crate::source::SourceRegistration;
use crate::{Codec, Decoder, Error, Result, SourceReader};

/// Where a registry entry came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// Linked into this binary.
    BuiltIn,
    /// Loaded at run time from a dynamic library.
    Plugin {
        /// The library's path.
        path: String,
        /// The plugin's own version string.
        version: String,
    },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::BuiltIn => f.write_str("built-in"),
            Origin::Plugin { path, version } => write!(f, "{path} (version {version})"),
        }
    }
}

/// One registered item with its sort key and origin.
#[derive(Debug)]
pub struct Entry<T: ?Sized> {
    /// The item.
    pub item: Arc<T>,
    /// Lower sorts first.
    pub priority: i32,
    /// Where it came from.
    pub origin: Origin,
}

impl<T: ?Sized> Clone for Entry<T> {
    fn clone(&self) -> Self {
        Entry {
            item: Arc::clone(&self.item),
            priority: self.priority,
            origin: self.origin.clone(),
        }
    }
}

/// Every format, codec and storage backend known to a scan, in a deterministic order:
/// sorted by (priority, name), never by link order.
///
/// ```
/// use sluice_core::Registry;
/// let registry = Registry::from_inventory();
/// // Core links the codecs it was built with; formats come from plugin crates.
/// assert!(registry.codec("gzip").is_some());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Registry {
    decoders: Vec<Entry<dyn Decoder>>,
    codecs: Vec<Entry<dyn Codec>>,
    sources: Vec<Entry<dyn SourceReader>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// A registry of everything linked into this binary through `inventory`.
    pub fn from_inventory() -> Self {
        let mut r = Registry::new();
        for reg in inventory::iter::<DecoderRegistration> {
            r.decoders.push(Entry {
                item: (reg.create)(),
                priority: reg.priority,
                origin: Origin::BuiltIn,
            });
        }
        for reg in inventory::iter::<CodecRegistration> {
            r.codecs.push(Entry {
                item: (reg.create)(),
                priority: reg.priority,
                origin: Origin::BuiltIn,
            });
        }
        for reg in inventory::iter::<SourceRegistration> {
            r.sources.push(Entry {
                item: (reg.create)(),
                priority: reg.priority,
                origin: Origin::BuiltIn,
            });
        }
        r.sort();
        r
    }

    /// The process-wide registry built from inventory on first use.
    pub fn global() -> Arc<Registry> {
        static GLOBAL: OnceLock<Arc<Registry>> = OnceLock::new();
        Arc::clone(GLOBAL.get_or_init(|| Arc::new(Registry::from_inventory())))
    }

    fn sort(&mut self) {
        self.decoders
            .sort_by(|a, b| (a.priority, a.item.name()).cmp(&(b.priority, b.item.name())));
        self.codecs
            .sort_by(|a, b| (a.priority, a.item.name()).cmp(&(b.priority, b.item.name())));
        self.sources
            .sort_by(|a, b| (a.priority, a.item.name()).cmp(&(b.priority, b.item.name())));
    }

    /// Adds a format. A name that is already registered is an error unless `replace`.
    pub fn register_decoder(
        &mut self,
        decoder: Arc<dyn Decoder>,
        priority: i32,
        origin: Origin,
        replace: bool,
    ) -> Result<()> {
        let name = decoder.name().to_string();
        take_slot(&mut self.decoders, "format", &name, replace, |e| {
            e.item.name() == name
        })?;
        self.decoders.push(Entry {
            item: decoder,
            priority,
            origin,
        });
        self.sort();
        Ok(())
    }

    /// Adds a codec. A name that is already registered is an error unless `replace`.
    pub fn register_codec(
        &mut self,
        codec: Arc<dyn Codec>,
        priority: i32,
        origin: Origin,
        replace: bool,
    ) -> Result<()> {
        let name = codec.name().to_string();
        take_slot(&mut self.codecs, "codec", &name, replace, |e| {
            e.item.name() == name
        })?;
        self.codecs.push(Entry {
            item: codec,
            priority,
            origin,
        });
        self.sort();
        Ok(())
    }

    /// Adds a storage backend. A name that is already registered is an error unless
    /// `replace`.
    pub fn register_source(
        &mut self,
        source: Arc<dyn SourceReader>,
        priority: i32,
        origin: Origin,
        replace: bool,
    ) -> Result<()> {
        let name = source.name().to_string();
        take_slot(&mut self.sources, "source", &name, replace, |e| {
            e.item.name() == name
        })?;
        self.sources.push(Entry {
            item: source,
            priority,
            origin,
        });
        self.sort();
        Ok(())
    }

    /// The formats, in order.
    pub fn decoders(&self) -> &[Entry<dyn Decoder>] {
        &self.decoders
    }

    /// The codecs, in order.
    pub fn codecs(&self) -> &[Entry<dyn Codec>] {
        &self.codecs
    }

    /// The storage backends, in order.
    pub fn sources(&self) -> &[Entry<dyn SourceReader>] {
        &self.sources
    }

    /// The format called `name` (case-insensitive); `ndjson` and `tsv`-style aliases are
    /// matched against extensions too.
    pub fn decoder(&self, name: &str) -> Option<Arc<dyn Decoder>> {
        let name = name.to_ascii_lowercase();
        self.decoders
            .iter()
            .find(|e| e.item.name() == name)
            .or_else(|| {
                self.decoders
                    .iter()
                    .find(|e| e.item.extensions().contains(&name.as_str()))
            })
            .map(|e| Arc::clone(&e.item))
    }

    /// The codec called `name` (case-insensitive), or one of its extensions.
    pub fn codec(&self, name: &str) -> Option<Arc<dyn Codec>> {
        let name = name.to_ascii_lowercase();
        self.codecs
            .iter()
            .find(|e| e.item.name() == name || e.item.extensions().contains(&name.as_str()))
            .map(|e| Arc::clone(&e.item))
    }

    /// The backend serving `scheme`.
    pub fn source(&self, scheme: &str) -> Result<Arc<dyn SourceReader>> {
        self.sources
            .iter()
            .find(|e| e.item.schemes().contains(&scheme))
            .map(|e| Arc::clone(&e.item))
            .ok_or_else(|| {
                let known: Vec<&str> = self
                    .sources
                    .iter()
                    .flat_map(|e| e.item.schemes().iter().copied())
                    .collect();
                Error::Unsupported {
                    location: format!("{scheme}://"),
                    message: format!(
                        "no storage backend for the scheme {scheme:?} in this build; available: {}",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                }
            })
    }

    /// The names of the registered formats, in order.
    pub fn decoder_names(&self) -> Vec<String> {
        self.decoders
            .iter()
            .map(|e| e.item.name().to_string())
            .collect()
    }

    /// The names of the registered codecs, in order.
    pub fn codec_names(&self) -> Vec<String> {
        self.codecs
            .iter()
            .map(|e| e.item.name().to_string())
            .collect()
    }

    /// The names of the registered storage backends, in order.
    pub fn source_names(&self) -> Vec<String> {
        self.sources
            .iter()
            .map(|e| e.item.name().to_string())
            .collect()
    }
}

fn take_slot<T: ?Sized>(
    entries: &mut Vec<Entry<T>>,
    what: &str,
    name: &str,
    replace: bool,
    is_same: impl Fn(&Entry<T>) -> bool,
) -> Result<()> {
    if let Some(pos) = entries.iter().position(is_same) {
        if !replace {
            return Err(Error::invalid_option(format!(
                "a {what} named {name:?} is already registered ({}); ask to replace it explicitly",
                entries[pos].origin
            )));
        }
        entries.remove(pos);
    }
    Ok(())
}
