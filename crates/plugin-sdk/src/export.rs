//! The exported C functions behind `export_plugin!`.

use std::ffi::{CStr, CString, c_char, c_void};
use std::sync::{Arc, OnceLock};

use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use sluice_core::{Codec, DecodeInput, Decoder, Probe, Sniff, SourceReader};
use sluice_plugin_abi::*;

use crate::errors::{Failure, guard, poison};
use crate::{ExportReader, ImportedInput, is_poisoned, options_from_json};

/// A null-terminated array of C strings that lives as long as the plugin.
struct StrList {
    _strings: Vec<CString>,
    ptrs: Vec<*const c_char>,
}

impl StrList {
    fn new(items: &[&str]) -> Result<StrList, Failure> {
        let strings = items
            .iter()
            .map(|s| cstring(s))
            .collect::<Result<Vec<_>, _>>()?;
        let mut ptrs: Vec<*const c_char> = strings.iter().map(|s| s.as_ptr()).collect();
        ptrs.push(std::ptr::null());
        Ok(StrList {
            _strings: strings,
            ptrs,
        })
    }
}

fn cstring(s: &str) -> Result<CString, Failure> {
    CString::new(s)
        .map_err(|_| Failure::new(SLUICE_STATUS_INTERNAL, format!("{s:?} holds a NUL byte")))
}

/// One format: its C description and its decoder.
struct FormatState {
    decoder: Arc<dyn Decoder>,
    _name: CString,
    _extensions: StrList,
}

/// One codec: its C description and the codec.
struct CodecState {
    codec: Arc<dyn Codec>,
    _name: CString,
    _extensions: StrList,
    _magics: Vec<Vec<u8>>,
    _magic_ptrs: Vec<*const u8>,
    _magic_lengths: Vec<usize>,
}

/// One storage backend: its C description and the backend.
struct SourceState {
    source: Arc<dyn SourceReader>,
    _name: CString,
    _schemes: StrList,
}

/// What a plugin exports, each with its priority (lower sorts first); built by
/// [`export_plugin!`](crate::export_plugin).
#[derive(Default)]
pub struct Exports {
    /// File formats.
    pub decoders: Vec<(Arc<dyn Decoder>, i32)>,
    /// Compression codecs.
    pub codecs: Vec<(Arc<dyn Codec>, i32)>,
    /// Storage backends.
    pub sources: Vec<(Arc<dyn SourceReader>, i32)>,
}

/// Everything the descriptor points into; built once, lives as long as the process.
// Boxed so that the addresses the descriptor holds stay put while the vectors grow.
#[allow(clippy::vec_box)]
struct PluginState {
    _name: CString,
    _version: CString,
    _format_states: Vec<Box<FormatState>>,
    _formats: Vec<Box<SluiceFormat>>,
    _format_ptrs: Vec<*const SluiceFormat>,
    _codec_states: Vec<Box<CodecState>>,
    _codecs: Vec<Box<SluiceCodec>>,
    _codec_ptrs: Vec<*const SluiceCodec>,
    _source_states: Vec<Box<SourceState>>,
    _sources: Vec<Box<SluiceSource>>,
    _source_ptrs: Vec<*const SluiceSource>,
    descriptor: SluiceDescriptor,
}

// SAFETY: after construction the state is never mutated; its raw pointers point into the
// state itself (heap allocations that never move) and are only read.
unsafe impl Send for PluginState {}
// SAFETY: as for `Send`; the decoders, codecs and sources are `Send + Sync`.
unsafe impl Sync for PluginState {}

/// One plugin per library: each cdylib has its own copy of this static.
static STATE: OnceLock<PluginState> = OnceLock::new();

fn private<T>(state: &T) -> *mut c_void {
    (state as *const T).cast_mut().cast::<c_void>()
}

fn build(name: &str, version: &str, exports: Exports) -> Result<PluginState, Failure> {
    let mut format_states = Vec::new();
    let mut formats = Vec::new();
    for (decoder, priority) in exports.decoders {
        let access = match decoder.access() {
            sluice_core::Access::RandomAccess => SLUICE_ACCESS_RANDOM,
            _ => SLUICE_ACCESS_SEQUENTIAL,
        };
        let state = Box::new(FormatState {
            _name: cstring(decoder.name())?,
            _extensions: StrList::new(decoder.extensions())?,
            decoder,
        });
        formats.push(Box::new(SluiceFormat {
            struct_size: std::mem::size_of::<SluiceFormat>(),
            name: state._name.as_ptr(),
            extensions: state._extensions.ptrs.as_ptr(),
            access,
            priority,
            sniff: Some(sniff),
            validate_options: Some(validate_options),
            open: Some(open),
            private_data: private(&*state),
        }));
        format_states.push(state);
    }
    let mut codec_states = Vec::new();
    let mut codecs = Vec::new();
    for (codec, priority) in exports.codecs {
        let magics: Vec<Vec<u8>> = codec.magic().iter().map(|m| m.to_vec()).collect();
        let state = Box::new(CodecState {
            _name: cstring(codec.name())?,
            _extensions: StrList::new(codec.extensions())?,
            _magic_ptrs: magics.iter().map(|m| m.as_ptr()).collect(),
            _magic_lengths: magics.iter().map(Vec::len).collect(),
            _magics: magics,
            codec,
        });
        codecs.push(Box::new(SluiceCodec {
            struct_size: std::mem::size_of::<SluiceCodec>(),
            name: state._name.as_ptr(),
            extensions: state._extensions.ptrs.as_ptr(),
            magics: state._magic_ptrs.as_ptr(),
            magic_lengths: state._magic_lengths.as_ptr(),
            num_magics: state._magics.len(),
            priority,
            decompress: Some(crate::codec::decompress),
            private_data: private(&*state),
        }));
        codec_states.push(state);
    }
    let mut source_states = Vec::new();
    let mut sources = Vec::new();
    for (source, priority) in exports.sources {
        let state = Box::new(SourceState {
            _name: cstring(source.name())?,
            _schemes: StrList::new(source.schemes())?,
            source,
        });
        sources.push(Box::new(SluiceSource {
            struct_size: std::mem::size_of::<SluiceSource>(),
            name: state._name.as_ptr(),
            schemes: state._schemes.ptrs.as_ptr(),
            priority,
            head: Some(crate::source::head),
            list: Some(crate::source::list),
            open: Some(crate::source::open),
            private_data: private(&*state),
        }));
        source_states.push(state);
    }
    fn ptrs<T>(items: &[Box<T>]) -> Vec<*const T> {
        items.iter().map(|f| &**f as *const T).collect()
    }
    let format_ptrs = ptrs(&formats);
    let codec_ptrs = ptrs(&codecs);
    let source_ptrs = ptrs(&sources);
    let name = cstring(name)?;
    let version = cstring(version)?;
    let descriptor = SluiceDescriptor {
        struct_size: std::mem::size_of::<SluiceDescriptor>(),
        abi_version: SLUICE_PLUGIN_ABI_VERSION,
        name: name.as_ptr(),
        version: version.as_ptr(),
        num_formats: format_ptrs.len(),
        formats: format_ptrs.as_ptr(),
        num_codecs: codec_ptrs.len(),
        codecs: codec_ptrs.as_ptr(),
        num_sources: source_ptrs.len(),
        sources: source_ptrs.as_ptr(),
    };
    Ok(PluginState {
        _name: name,
        _version: version,
        _format_states: format_states,
        _formats: formats,
        _format_ptrs: format_ptrs,
        _codec_states: codec_states,
        _codecs: codecs,
        _codec_ptrs: codec_ptrs,
        _source_states: source_states,
        _sources: sources,
        _source_ptrs: source_ptrs,
        descriptor,
    })
}

/// The body of the `sluice_plugin_init` that `export_plugin!` writes.
///
/// # Safety
///
/// `out` and `out_error` are null or valid for writes, as the ABI says.
#[allow(clippy::too_many_arguments)]
pub unsafe fn plugin_init(
    name: &str,
    version: &str,
    exports: fn() -> Exports,
    abi_version: u32,
    _host: *const SluiceHost,
    out: *mut *const SluiceDescriptor,
    out_error: *mut SluiceError,
) -> i32 {
    // SAFETY: forwarded from the caller.
    unsafe {
        guard(out_error, || {
            if abi_version != SLUICE_PLUGIN_ABI_VERSION {
                return Err(Failure::new(
                    SLUICE_STATUS_UNSUPPORTED_VERSION,
                    format!(
                        "plugin {name} speaks sluice plugin ABI version {SLUICE_PLUGIN_ABI_VERSION}, not {abi_version}"
                    ),
                ));
            }
            if out.is_null() {
                return Err(Failure::new(SLUICE_STATUS_INVALID_ARGUMENT, "out is null"));
            }
            crate::errors::install_panic_hook();
            let state = match STATE.get() {
                Some(state) => state,
                None => {
                    let built = build(name, version, exports())?;
                    STATE.get_or_init(|| built)
                }
            };
            // SAFETY: `out` is non-null and valid for writes (the caller's promise).
            *out = &state.descriptor;
            Ok(())
        })
    }
}

/// The state behind one of this plugin's descriptor entries.
///
/// # Safety
///
/// `entry` is null or one of this plugin's `SluiceFormat`s, `SluiceCodec`s or
/// `SluiceSource`s, whose `private_data` points to a `T` in `STATE`; `private_data` is
/// what `get` reads from it.
pub(crate) unsafe fn state_of<'a, E, T>(
    entry: *const E,
    what: &str,
    get: impl FnOnce(&E) -> *mut c_void,
) -> Result<&'a T, Failure> {
    if entry.is_null() {
        return Err(Failure::new(
            SLUICE_STATUS_INVALID_ARGUMENT,
            format!("{what} is null"),
        ));
    }
    // SAFETY: the caller's promise: the state lives in `STATE` for the rest of the process.
    Ok(unsafe { &*get(&*entry).cast::<T>() })
}

/// The decoder behind `format`.
///
/// # Safety
///
/// `format` is null or one of the formats of this plugin's descriptor.
unsafe fn decoder_of<'a>(format: *const SluiceFormat) -> Result<&'a Arc<dyn Decoder>, Failure> {
    // SAFETY: forwarded; a format's `private_data` is its `FormatState`.
    let state: &FormatState = unsafe { state_of(format, "format", |f| f.private_data) }?;
    Ok(&state.decoder)
}

/// The codec behind `codec`.
///
/// # Safety
///
/// `codec` is null or one of the codecs of this plugin's descriptor.
pub(crate) unsafe fn codec_of<'a>(
    codec: *const SluiceCodec,
) -> Result<&'a Arc<dyn Codec>, Failure> {
    // SAFETY: forwarded; a codec's `private_data` is its `CodecState`.
    let state: &CodecState = unsafe { state_of(codec, "codec", |c| c.private_data) }?;
    Ok(&state.codec)
}

/// The storage backend behind `source`.
///
/// # Safety
///
/// `source` is null or one of the sources of this plugin's descriptor.
pub(crate) unsafe fn source_of<'a>(
    source: *const SluiceSource,
) -> Result<&'a Arc<dyn SourceReader>, Failure> {
    // SAFETY: forwarded; a source's `private_data` is its `SourceState`.
    let state: &SourceState = unsafe { state_of(source, "source", |s| s.private_data) }?;
    Ok(&state.source)
}

/// # Safety
///
/// `s` is null or a NUL-terminated string.
pub(crate) unsafe fn str_arg<'a>(s: *const c_char, what: &str) -> Result<&'a str, Failure> {
    if s.is_null() {
        return Err(Failure::new(
            SLUICE_STATUS_INVALID_ARGUMENT,
            format!("{what} is null"),
        ));
    }
    // SAFETY: the caller's promise.
    unsafe { CStr::from_ptr(s) }.to_str().map_err(|_| {
        Failure::new(
            SLUICE_STATUS_INVALID_ARGUMENT,
            format!("{what} is not UTF-8"),
        )
    })
}

unsafe extern "C" fn sniff(
    format: *const SluiceFormat,
    head: *const u8,
    len: usize,
    complete: i32,
    name: *const c_char,
) -> i32 {
    if is_poisoned() {
        return SLUICE_SNIFF_NO;
    }
    let result = std::panic::catch_unwind(|| {
        // SAFETY: the host passes one of our formats, `len` readable bytes at `head` and a
        // NUL-terminated name (or null).
        let (decoder, head, name) = unsafe {
            let decoder = decoder_of(format).ok()?;
            let head = if head.is_null() {
                &[][..]
            } else {
                std::slice::from_raw_parts(head, len)
            };
            let name = str_arg(name, "name").unwrap_or("");
            (decoder, head, name)
        };
        Some(decoder.sniff(&Probe {
            head,
            complete: complete != 0,
            name,
        }))
    });
    match result {
        Ok(Some(Sniff::Yes)) => SLUICE_SNIFF_YES,
        Ok(Some(Sniff::Maybe)) => SLUICE_SNIFF_MAYBE,
        Ok(_) => SLUICE_SNIFF_NO,
        Err(_) => {
            poison();
            SLUICE_SNIFF_NO
        }
    }
}

unsafe extern "C" fn validate_options(
    format: *const SluiceFormat,
    options_json: *const c_char,
    out_error: *mut SluiceError,
) -> i32 {
    // SAFETY: the host passes valid pointers, as the ABI says.
    unsafe {
        guard(out_error, || {
            let decoder = decoder_of(format)?;
            let options = options_from_json(str_arg(options_json, "options_json")?)?;
            decoder.validate_options(&options)?;
            Ok(())
        })
    }
}

unsafe extern "C" fn open(
    format: *const SluiceFormat,
    input: *mut SluiceInput,
    options_json: *const c_char,
    out_stream: *mut FFI_ArrowArrayStream,
    out_error: *mut SluiceError,
) -> i32 {
    // Take the input first: it is ours whatever happens next.
    // SAFETY: the host passes a valid, unreleased input (or null).
    let source = unsafe { ImportedInput::take(input) };
    // SAFETY: the host passes valid pointers, as the ABI says.
    unsafe {
        guard(out_error, || {
            let source = source?;
            let decoder = decoder_of(format)?;
            let options = options_from_json(str_arg(options_json, "options_json")?)?;
            if out_stream.is_null() {
                return Err(Failure::new(
                    SLUICE_STATUS_INVALID_ARGUMENT,
                    "out_stream is null",
                ));
            }
            let input = DecodeInput::new(Arc::new(source), None);
            let stream = decoder.open(&input, &options)?;
            let exported = FFI_ArrowArrayStream::new(Box::new(ExportReader::new(stream)));
            // SAFETY: `out_stream` is non-null and valid for writes; whatever it held is
            // overwritten without being released, as the C stream interface says.
            std::ptr::write(out_stream, exported);
            Ok(())
        })
    }
}
