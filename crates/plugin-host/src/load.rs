//! Loading a plugin library: `dlopen`, the version handshake, and the descriptor's checks.

use std::collections::HashSet;
use std::ffi::{CStr, c_char};
use std::path::Path;
use std::sync::Arc;

use sluice_core::{Error, Origin, Registry, Result};
use sluice_plugin_abi::*;

use crate::decoder::ForeignDecoder;

/// `RTLD_NODELETE`: `dlclose` never unmaps the library (a Rust library's thread-local
/// destructors would run from unmapped code at thread exit, rust-lang/rust#91979).
#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
const RTLD_NODELETE: i32 = 0x1000;
#[cfg(any(target_os = "macos", target_os = "ios"))]
const RTLD_NODELETE: i32 = 0x80;
/// Elsewhere the library is still never closed: see `PluginLib::_library`.
#[cfg(all(
    unix,
    not(any(
        target_os = "linux",
        target_os = "android",
        target_os = "freebsd",
        target_os = "macos",
        target_os = "ios"
    ))
))]
const RTLD_NODELETE: i32 = 0;

/// This host's version, as `SluiceHost::host_version`.
const HOST_VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(version) => version,
        Err(_) => c"unknown",
    };

/// The most formats one plugin may declare (a guard against a garbage count).
const MAX_FORMATS: usize = 1024;
/// The most extensions one format may declare.
const MAX_EXTENSIONS: usize = 256;

/// One format as the host validated it.
#[derive(Debug)]
pub(crate) struct FormatInfo {
    pub(crate) format: *const SluiceFormat,
    pub(crate) name: String,
    pub(crate) extensions: Vec<&'static str>,
    pub(crate) access: u32,
    pub(crate) priority: i32,
    pub(crate) sniff: SluiceSniffFn,
    pub(crate) validate: Option<SluiceValidateFn>,
    pub(crate) open: SluiceOpenFn,
}

/// A loaded library and what it offers; shared by every object made from it.
#[derive(Debug)]
pub(crate) struct PluginLib {
    /// Never closed: `ManuallyDrop` skips `dlclose` even when the last object of the
    /// plugin goes, and `RTLD_NODELETE` keeps the library mapped should anything close it.
    _library: std::mem::ManuallyDrop<libloading::Library>,
    pub(crate) path: String,
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) abi_version: u32,
    pub(crate) formats: Vec<FormatInfo>,
}

// SAFETY: the descriptor and formats are immutable, process-lifetime data of the plugin,
// and the ABI requires its functions to be callable from any thread.
unsafe impl Send for PluginLib {}
// SAFETY: as for `Send`.
unsafe impl Sync for PluginLib {}

/// A plugin library, loaded and checked. Cheap to clone.
#[derive(Debug, Clone)]
pub struct LoadedPlugin {
    pub(crate) lib: Arc<PluginLib>,
}

impl LoadedPlugin {
    /// The library's path, as given.
    pub fn path(&self) -> &str {
        &self.lib.path
    }

    /// The plugin's name.
    pub fn name(&self) -> &str {
        &self.lib.name
    }

    /// The plugin's own version.
    pub fn version(&self) -> &str {
        &self.lib.version
    }

    /// The ABI version the handshake settled on.
    pub fn abi_version(&self) -> u32 {
        self.lib.abi_version
    }

    /// The names of its formats, in the plugin's order.
    pub fn format_names(&self) -> Vec<&str> {
        self.lib.formats.iter().map(|f| f.name.as_str()).collect()
    }

    /// Its formats as decoders.
    pub fn decoders(&self) -> Vec<ForeignDecoder> {
        (0..self.lib.formats.len())
            .map(|i| ForeignDecoder::new(Arc::clone(&self.lib), i))
            .collect()
    }
}

fn bad(path: &str, message: impl std::fmt::Display) -> Error {
    Error::Unsupported {
        location: path.to_string(),
        message: format!("not a usable sluice plugin: {message}"),
    }
}

/// Reads and releases an error the plugin filled.
pub(crate) fn take_error(err: &mut SluiceError) -> Option<String> {
    let message = (!err.message.is_null()).then(|| {
        // SAFETY: the plugin set a NUL-terminated message it owns until `release`.
        let text = unsafe { CStr::from_ptr(err.message) }.to_string_lossy();
        sluice_plugin_sdk::clean_message(&text)
    });
    if let Some(release) = err.release.take() {
        // SAFETY: the plugin's release for the error it filled, called once.
        unsafe { release(err) }
    }
    message
}

/// A NUL-terminated UTF-8 string of the plugin, valid for the process's life.
///
/// # Safety
///
/// `s` is null or points to a NUL-terminated string that is never freed.
unsafe fn plugin_str(path: &str, s: *const c_char, what: &str) -> Result<&'static str> {
    if s.is_null() {
        return Err(bad(path, format_args!("{what} is a null pointer")));
    }
    // SAFETY: the caller's promise; plugins are never unloaded, so `'static` holds.
    unsafe { CStr::from_ptr(s) }
        .to_str()
        .map_err(|_| bad(path, format_args!("{what} is not UTF-8")))
}

/// Loads the plugin library at `path`: opens it (and never unloads it), asks for the newest
/// ABI version this host speaks and falls back to older ones, and validates what it
/// describes. Every error names the library.
pub fn load_plugin(path: impl AsRef<Path>) -> Result<LoadedPlugin> {
    let path = path.as_ref();
    let shown = path.display().to_string();
    if !path.exists() {
        return Err(Error::NotFound {
            location: shown,
            detail: Some("no plugin library there".to_string()),
        });
    }
    // Never closed, even when the checks below refuse it: its initializers have run.
    let library = std::mem::ManuallyDrop::new(open_library(path, &shown)?);
    // SAFETY: the symbol is declared by the ABI with exactly this type.
    let init: SluicePluginInit =
        unsafe { library.get::<SluicePluginInit>(SLUICE_PLUGIN_INIT_SYMBOL) }
            .map(|symbol| *symbol)
            .map_err(|e| {
                bad(
                    &shown,
                    format_args!("it does not export the entry symbol `sluice_plugin_init` ({e})"),
                )
            })?;

    let mut refusals = Vec::new();
    let mut found = None;
    for version in (SLUICE_PLUGIN_ABI_MIN_VERSION..=SLUICE_PLUGIN_ABI_VERSION).rev() {
        let host = SluiceHost {
            struct_size: size_of::<SluiceHost>(),
            abi_version: version,
            host_version: HOST_VERSION.as_ptr(),
        };
        let mut out: *const SluiceDescriptor = std::ptr::null();
        let mut err = SluiceError::empty();
        // SAFETY: the entry point of the ABI, called with valid pointers.
        let status = unsafe { init(version, &host, &mut out, &mut err) };
        let message = take_error(&mut err);
        match status {
            SLUICE_STATUS_OK => {
                found = Some((version, out));
                break;
            }
            SLUICE_STATUS_UNSUPPORTED_VERSION => refusals.push(format!(
                "version {version}: {}",
                message.unwrap_or_else(|| "refused".to_string())
            )),
            status => {
                return Err(bad(
                    &shown,
                    format_args!(
                        "sluice_plugin_init failed with status {status}: {}",
                        message.unwrap_or_else(|| "no message".to_string())
                    ),
                ));
            }
        }
    }
    let Some((abi_version, descriptor)) = found else {
        return Err(Error::Unsupported {
            location: shown,
            message: format!(
                "the plugin speaks none of the sluice plugin ABI versions this host does \
                 ({SLUICE_PLUGIN_ABI_MIN_VERSION} to {SLUICE_PLUGIN_ABI_VERSION}): {}",
                refusals.join("; ")
            ),
        });
    };
    // SAFETY: `descriptor` is what the plugin's init returned for `abi_version`.
    let lib = unsafe { validate(library, shown, abi_version, descriptor) }?;
    Ok(LoadedPlugin { lib: Arc::new(lib) })
}

fn open_library(path: &Path, shown: &str) -> Result<libloading::Library> {
    #[cfg(unix)]
    {
        use libloading::os::unix::{Library, RTLD_LOCAL, RTLD_NOW};
        let Some(text) = path.to_str() else {
            return Err(bad(shown, "its path is not UTF-8"));
        };
        // A bare file name would make dlopen search the system's library path.
        let text = if text.contains('/') {
            text.to_string()
        } else {
            format!("./{text}")
        };
        // SAFETY: loading runs the library's initializers; a sluice plugin is trusted code
        // the user asked for by path.
        unsafe { Library::open(Some(text), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) }
            .map(libloading::Library::from)
            .map_err(|e| {
                bad(
                    shown,
                    format_args!("it cannot be loaded as a library ({e})"),
                )
            })
    }
    #[cfg(not(unix))]
    {
        // SAFETY: as above; the library is never dropped while in use.
        unsafe { libloading::Library::new(path) }.map_err(|e| {
            bad(
                shown,
                format_args!("it cannot be loaded as a library ({e})"),
            )
        })
    }
}

/// Checks the descriptor and copies what the host needs out of it.
///
/// # Safety
///
/// `descriptor` is null or what the plugin's init returned.
unsafe fn validate(
    library: std::mem::ManuallyDrop<libloading::Library>,
    path: String,
    abi_version: u32,
    descriptor: *const SluiceDescriptor,
) -> Result<PluginLib> {
    if descriptor.is_null() {
        return Err(bad(&path, "sluice_plugin_init returned no descriptor"));
    }
    // SAFETY: non-null, and the plugin promises it points to a descriptor of at least
    // `struct_size` bytes; only `struct_size` is read before it is checked.
    let size = unsafe { (*descriptor).struct_size };
    if size < SLUICE_DESCRIPTOR_SIZE_V1 {
        return Err(bad(
            &path,
            format_args!(
                "its descriptor's struct_size is {size}, smaller than the {SLUICE_DESCRIPTOR_SIZE_V1} bytes of ABI version 1"
            ),
        ));
    }
    // SAFETY: checked above: the struct holds every version-1 field.
    let d = unsafe { &*descriptor };
    if d.abi_version != abi_version {
        return Err(bad(
            &path,
            format_args!(
                "its descriptor says ABI version {} after agreeing to {abi_version}",
                d.abi_version
            ),
        ));
    }
    // SAFETY: the descriptor's strings live as long as the plugin, which is never unloaded.
    let name = unsafe { plugin_str(&path, d.name, "the plugin name") }?.to_string();
    // SAFETY: as above.
    let version = unsafe { plugin_str(&path, d.version, "the plugin version") }?.to_string();
    if d.num_formats == 0 || d.num_formats > MAX_FORMATS {
        return Err(bad(
            &path,
            format_args!(
                "it declares {} formats (1 to {MAX_FORMATS} allowed)",
                d.num_formats
            ),
        ));
    }
    if d.formats.is_null() {
        return Err(bad(&path, "its formats array is a null pointer"));
    }
    let mut formats = Vec::new();
    let mut seen = HashSet::new();
    for i in 0..d.num_formats {
        // SAFETY: `formats` holds `num_formats` pointers, as the ABI says.
        let f = unsafe { *d.formats.add(i) };
        // SAFETY: `f` is one of the plugin's format pointers.
        let info = unsafe { validate_format(&path, i, f) }?;
        if !seen.insert(info.name.clone()) {
            return Err(bad(
                &path,
                format_args!("it declares the format {:?} twice", info.name),
            ));
        }
        formats.push(info);
    }
    Ok(PluginLib {
        _library: library,
        path,
        name,
        version,
        abi_version,
        formats,
    })
}

/// # Safety
///
/// `f` is null or a pointer from the plugin's descriptor.
unsafe fn validate_format(path: &str, i: usize, f: *const SluiceFormat) -> Result<FormatInfo> {
    if f.is_null() {
        return Err(bad(path, format_args!("format {i} is a null pointer")));
    }
    // SAFETY: non-null; only `struct_size` is read before it is checked.
    let size = unsafe { (*f).struct_size };
    if size < SLUICE_FORMAT_SIZE_V1 {
        return Err(bad(
            path,
            format_args!(
                "format {i} has struct_size {size}, smaller than the {SLUICE_FORMAT_SIZE_V1} bytes of ABI version 1"
            ),
        ));
    }
    // SAFETY: checked above.
    let format = unsafe { &*f };
    // SAFETY: the plugin's strings live for the process.
    let name = unsafe { plugin_str(path, format.name, &format!("the name of format {i}")) }?;
    if name.is_empty()
        || name
            .chars()
            .any(|c| c.is_ascii_uppercase() || c.is_whitespace())
    {
        return Err(bad(
            path,
            format_args!("format {i} has the name {name:?} (lowercase, no spaces, not empty)"),
        ));
    }
    let mut extensions = Vec::new();
    if !format.extensions.is_null() {
        for j in 0.. {
            if j == MAX_EXTENSIONS {
                return Err(bad(
                    path,
                    format_args!(
                        "format {name} lists over {MAX_EXTENSIONS} extensions (is the array null-terminated?)"
                    ),
                ));
            }
            // SAFETY: a null-terminated array, read up to its terminator.
            let e = unsafe { *format.extensions.add(j) };
            if e.is_null() {
                break;
            }
            // SAFETY: as for the name.
            extensions
                .push(unsafe { plugin_str(path, e, &format!("an extension of format {name}")) }?);
        }
    }
    let (Some(sniff), Some(open)) = (format.sniff, format.open) else {
        return Err(bad(
            path,
            format_args!("format {name} has a null sniff or open function"),
        ));
    };
    Ok(FormatInfo {
        format: f,
        name: name.to_string(),
        extensions,
        access: format.access,
        priority: format.priority,
        sniff,
        validate: format.validate_options,
        open,
    })
}

/// Registers every format of `plugin` in `registry`, with
/// [`Origin::Plugin`](sluice_core::Origin::Plugin). A name already registered (a built-in
/// or another plugin) is an error unless `replace`.
pub fn register(plugin: &LoadedPlugin, registry: &mut Registry, replace: bool) -> Result<()> {
    for decoder in plugin.decoders() {
        let priority = decoder.priority();
        registry
            .register_decoder(
                Arc::new(decoder),
                priority,
                Origin::Plugin {
                    path: plugin.path().to_string(),
                    version: plugin.version().to_string(),
                },
                replace,
            )
            .map_err(|e| Error::invalid_option(format!("plugin {}: {e}", plugin.path())))?;
    }
    Ok(())
}
