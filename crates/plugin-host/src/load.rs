//! Loading a plugin library: `dlopen`, the version handshake, and the descriptor's checks.

use std::collections::HashSet;
use std::ffi::{CStr, c_char};
use std::path::Path;
use std::sync::Arc;

use sluice_core::{Error, Origin, Registry, Result};
use sluice_plugin_abi::*;

use crate::codec::ForeignCodec;
use crate::decoder::ForeignDecoder;
use crate::source::ForeignSource;

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

/// The most formats (codecs, storage backends) one plugin may declare (a guard against a
/// garbage count).
const MAX_ENTRIES: usize = 1024;
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

/// One codec as the host validated it.
#[derive(Debug)]
pub(crate) struct CodecInfo {
    pub(crate) codec: *const SluiceCodec,
    pub(crate) name: String,
    pub(crate) extensions: Vec<&'static str>,
    pub(crate) magics: Vec<&'static [u8]>,
    pub(crate) priority: i32,
    pub(crate) decompress: SluiceDecompressFn,
}

/// One storage backend as the host validated it.
#[derive(Debug)]
pub(crate) struct SourceInfo {
    pub(crate) source: *const SluiceSource,
    pub(crate) name: String,
    pub(crate) schemes: Vec<&'static str>,
    pub(crate) priority: i32,
    pub(crate) head: SluiceListFn,
    pub(crate) list: SluiceListFn,
    pub(crate) open: SluiceSourceOpenFn,
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
    pub(crate) codecs: Vec<CodecInfo>,
    pub(crate) sources: Vec<SourceInfo>,
}

impl PluginLib {
    /// Names the plugin in messages: `" (plugin NAME VERSION at PATH)"`.
    pub(crate) fn suffix(&self) -> String {
        format!(" (plugin {} {} at {})", self.name, self.version, self.path)
    }
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

    /// The names of its codecs, in the plugin's order.
    pub fn codec_names(&self) -> Vec<&str> {
        self.lib.codecs.iter().map(|c| c.name.as_str()).collect()
    }

    /// Its codecs.
    pub fn codecs(&self) -> Vec<ForeignCodec> {
        (0..self.lib.codecs.len())
            .map(|i| ForeignCodec::new(Arc::clone(&self.lib), i))
            .collect()
    }

    /// The names of its storage backends, in the plugin's order.
    pub fn source_names(&self) -> Vec<&str> {
        self.lib.sources.iter().map(|s| s.name.as_str()).collect()
    }

    /// Its storage backends.
    pub fn sources(&self) -> Vec<ForeignSource> {
        (0..self.lib.sources.len())
            .map(|i| ForeignSource::new(Arc::clone(&self.lib), i))
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
    // The descriptor's fields are read through the raw pointer, never as a reference to
    // the whole struct: a plugin built against an older header has a shorter one.
    let d = descriptor;
    // SAFETY: checked above: the struct holds every version-1 field.
    let (agreed, name, version, num_formats, formats_ptr) = unsafe {
        (
            (*d).abi_version,
            (*d).name,
            (*d).version,
            (*d).num_formats,
            (*d).formats,
        )
    };
    if agreed != abi_version {
        return Err(bad(
            &path,
            format_args!(
                "its descriptor says ABI version {agreed} after agreeing to {abi_version}"
            ),
        ));
    }
    // SAFETY: the descriptor's strings live as long as the plugin, which is never unloaded.
    let name = unsafe { plugin_str(&path, name, "the plugin name") }?.to_string();
    // SAFETY: as above.
    let version = unsafe { plugin_str(&path, version, "the plugin version") }?.to_string();
    let (num_codecs, codecs_ptr, num_sources, sources_ptr) =
        if size >= SLUICE_DESCRIPTOR_SIZE_CODECS_SOURCES {
            // SAFETY: `struct_size` says the struct has these later fields.
            unsafe { ((*d).num_codecs, (*d).codecs, (*d).num_sources, (*d).sources) }
        } else {
            (0, std::ptr::null(), 0, std::ptr::null())
        };
    for (what, count) in [
        ("formats", num_formats),
        ("codecs", num_codecs),
        ("storage backends", num_sources),
    ] {
        if count > MAX_ENTRIES {
            return Err(bad(
                &path,
                format_args!("it declares {count} {what} (at most {MAX_ENTRIES} allowed)"),
            ));
        }
    }
    if num_formats + num_codecs + num_sources == 0 {
        return Err(bad(
            &path,
            "it declares no formats, codecs or storage backends",
        ));
    }
    // SAFETY: the arrays hold the declared number of pointers, as the ABI says; each entry
    // is checked by its validator.
    let formats = unsafe { entries(&path, "format", formats_ptr, num_formats, validate_format) }?;
    // SAFETY: as above.
    let codecs = unsafe { entries(&path, "codec", codecs_ptr, num_codecs, validate_codec) }?;
    // SAFETY: as above.
    let sources = unsafe {
        entries(
            &path,
            "storage backend",
            sources_ptr,
            num_sources,
            validate_source,
        )
    }?;
    Ok(PluginLib {
        _library: library,
        path,
        name,
        version,
        abi_version,
        formats,
        codecs,
        sources,
    })
}

/// Something with a name, for the check that no name is declared twice.
pub(crate) trait Named {
    fn name(&self) -> &str;
}

/// Validates the `count` entries of a descriptor array.
///
/// # Safety
///
/// `array` is null or holds `count` pointers, each null or valid for `validate`.
unsafe fn entries<E, I: Named>(
    path: &str,
    what: &str,
    array: *const *const E,
    count: usize,
    validate: unsafe fn(&str, usize, *const E) -> Result<I>,
) -> Result<Vec<I>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if array.is_null() {
        return Err(bad(
            path,
            format_args!("its {what} array is a null pointer"),
        ));
    }
    let mut out: Vec<I> = Vec::with_capacity(count);
    let mut seen = HashSet::new();
    for i in 0..count {
        // SAFETY: the array holds `count` pointers (the caller's promise).
        let entry = unsafe { *array.add(i) };
        // SAFETY: an entry of the array, checked for null by the validator.
        let info = unsafe { validate(path, i, entry) }?;
        if !seen.insert(info.name().to_string()) {
            return Err(bad(
                path,
                format_args!("it declares the {what} {:?} twice", info.name()),
            ));
        }
        out.push(info);
    }
    Ok(out)
}

/// Checks an entry's `struct_size` before anything else is read from it.
///
/// # Safety
///
/// `entry` is null or points to at least `struct_size` readable bytes that start with
/// `struct_size`.
unsafe fn checked<'a, E>(
    path: &str,
    what: &str,
    i: usize,
    entry: *const E,
    min: usize,
) -> Result<&'a E> {
    if entry.is_null() {
        return Err(bad(path, format_args!("{what} {i} is a null pointer")));
    }
    // SAFETY: non-null; every entry starts with `struct_size`, read before anything else.
    let size = unsafe { *entry.cast::<usize>() };
    if size < min {
        return Err(bad(
            path,
            format_args!(
                "{what} {i} has struct_size {size}, smaller than the {min} bytes of ABI version 1"
            ),
        ));
    }
    // SAFETY: checked above: it holds every field of this host's version of the struct.
    Ok(unsafe { &*entry })
}

/// A name of an entry: non-empty, lowercase, no spaces.
///
/// # Safety
///
/// As [`plugin_str`].
unsafe fn entry_name(path: &str, what: &str, i: usize, s: *const c_char) -> Result<&'static str> {
    // SAFETY: forwarded.
    let name = unsafe { plugin_str(path, s, &format!("the name of {what} {i}")) }?;
    if name.is_empty()
        || name
            .chars()
            .any(|c| c.is_ascii_uppercase() || c.is_whitespace())
    {
        return Err(bad(
            path,
            format_args!("{what} {i} has the name {name:?} (lowercase, no spaces, not empty)"),
        ));
    }
    Ok(name)
}

/// A null-terminated array of strings (null itself is an empty list).
///
/// # Safety
///
/// `array` is null or a null-terminated array of NUL-terminated strings that live for the
/// process.
unsafe fn str_array(
    path: &str,
    array: *const *const c_char,
    what: &str,
) -> Result<Vec<&'static str>> {
    let mut out = Vec::new();
    if array.is_null() {
        return Ok(out);
    }
    for j in 0.. {
        if j == MAX_EXTENSIONS {
            return Err(bad(
                path,
                format_args!(
                    "{what} has over {MAX_EXTENSIONS} entries (is the array null-terminated?)"
                ),
            ));
        }
        // SAFETY: a null-terminated array, read up to its terminator.
        let e = unsafe { *array.add(j) };
        if e.is_null() {
            break;
        }
        // SAFETY: the caller's promise.
        out.push(unsafe { plugin_str(path, e, &format!("an entry of {what}")) }?);
    }
    Ok(out)
}

impl Named for FormatInfo {
    fn name(&self) -> &str {
        &self.name
    }
}

impl Named for CodecInfo {
    fn name(&self) -> &str {
        &self.name
    }
}

impl Named for SourceInfo {
    fn name(&self) -> &str {
        &self.name
    }
}

/// # Safety
///
/// `c` is null or a pointer from the plugin's descriptor.
unsafe fn validate_codec(path: &str, i: usize, c: *const SluiceCodec) -> Result<CodecInfo> {
    // SAFETY: forwarded.
    let codec = unsafe { checked(path, "codec", i, c, SLUICE_CODEC_SIZE_V1) }?;
    // SAFETY: the plugin's strings live for the process.
    let name = unsafe { entry_name(path, "codec", i, codec.name) }?;
    // SAFETY: as above.
    let extensions = unsafe {
        str_array(
            path,
            codec.extensions,
            &format!("the extensions of codec {name}"),
        )
    }?;
    let mut magics = Vec::new();
    if codec.num_magics > 0 {
        if codec.num_magics > MAX_EXTENSIONS
            || codec.magics.is_null()
            || codec.magic_lengths.is_null()
        {
            return Err(bad(
                path,
                format_args!(
                    "codec {name} declares {} magics with a null array, or too many",
                    codec.num_magics
                ),
            ));
        }
        for j in 0..codec.num_magics {
            // SAFETY: both arrays hold `num_magics` entries, as the ABI says.
            let (ptr, len) = unsafe { (*codec.magics.add(j), *codec.magic_lengths.add(j)) };
            if ptr.is_null() || len == 0 || len > 64 {
                return Err(bad(
                    path,
                    format_args!("codec {name}'s magic {j} is null, empty or over 64 bytes"),
                ));
            }
            // SAFETY: `len` readable bytes that live for the process.
            magics.push(unsafe { std::slice::from_raw_parts(ptr, len) });
        }
    }
    let Some(decompress) = codec.decompress else {
        return Err(bad(
            path,
            format_args!("codec {name} has a null decompress function"),
        ));
    };
    Ok(CodecInfo {
        codec: c,
        name: name.to_string(),
        extensions,
        magics,
        priority: codec.priority,
        decompress,
    })
}

/// # Safety
///
/// `s` is null or a pointer from the plugin's descriptor.
unsafe fn validate_source(path: &str, i: usize, s: *const SluiceSource) -> Result<SourceInfo> {
    // SAFETY: forwarded.
    let source = unsafe { checked(path, "storage backend", i, s, SLUICE_SOURCE_SIZE_V1) }?;
    // SAFETY: the plugin's strings live for the process.
    let name = unsafe { entry_name(path, "storage backend", i, source.name) }?;
    // SAFETY: as above.
    let schemes = unsafe {
        str_array(
            path,
            source.schemes,
            &format!("the schemes of storage backend {name}"),
        )
    }?;
    if schemes.is_empty()
        || schemes.iter().any(|s| {
            s.is_empty()
                || !s
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c))
        })
    {
        return Err(bad(
            path,
            format_args!(
                "storage backend {name} serves the schemes {schemes:?} (at least one; lowercase letters, digits, + - .)"
            ),
        ));
    }
    let (Some(head), Some(list), Some(open)) = (source.head, source.list, source.open) else {
        return Err(bad(
            path,
            format_args!("storage backend {name} has a null head, list or open function"),
        ));
    };
    Ok(SourceInfo {
        source: s,
        name: name.to_string(),
        schemes,
        priority: source.priority,
        head,
        list,
        open,
    })
}

/// # Safety
///
/// `f` is null or a pointer from the plugin's descriptor.
unsafe fn validate_format(path: &str, i: usize, f: *const SluiceFormat) -> Result<FormatInfo> {
    // SAFETY: forwarded.
    let format = unsafe { checked(path, "format", i, f, SLUICE_FORMAT_SIZE_V1) }?;
    // SAFETY: the plugin's strings live for the process.
    let name = unsafe { entry_name(path, "format", i, format.name) }?;
    // SAFETY: as above.
    let extensions = unsafe {
        str_array(
            path,
            format.extensions,
            &format!("the extensions of format {name}"),
        )
    }?;
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

/// Registers every format, codec and storage backend of `plugin` in `registry`, with
/// [`Origin::Plugin`](sluice_core::Origin::Plugin). A name already registered (a built-in
/// or another plugin) is an error unless `replace`; on error nothing is registered.
/// Overlapping extensions, magics or schemes are not clashes: priority decides.
pub fn register(plugin: &LoadedPlugin, registry: &mut Registry, replace: bool) -> Result<()> {
    let origin = Origin::Plugin {
        path: plugin.path().to_string(),
        version: plugin.version().to_string(),
    };
    let named = |e: Error| Error::invalid_option(format!("plugin {}: {e}", plugin.path()));
    let mut staged = registry.clone();
    for decoder in plugin.decoders() {
        let priority = decoder.priority();
        staged
            .register_decoder(Arc::new(decoder), priority, origin.clone(), replace)
            .map_err(named)?;
    }
    for codec in plugin.codecs() {
        let priority = codec.priority();
        staged
            .register_codec(Arc::new(codec), priority, origin.clone(), replace)
            .map_err(named)?;
    }
    for source in plugin.sources() {
        let priority = source.priority();
        staged
            .register_source(Arc::new(source), priority, origin.clone(), replace)
            .map_err(named)?;
    }
    *registry = staged;
    Ok(())
}
