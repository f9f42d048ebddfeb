//! The exported C functions behind `export_plugin!`.

use std::ffi::{CStr, CString, c_char, c_void};
use std::sync::{Arc, OnceLock};

use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use sluice_core::{DecodeInput, Decoder, Probe, Sniff};
use sluice_plugin_abi::*;

use crate::errors::{Failure, guard, poison};
use crate::{ExportReader, HostSource, is_poisoned, options_from_json};

/// One format: its C description and its decoder.
struct FormatState {
    decoder: Arc<dyn Decoder>,
    _name: CString,
    _extensions: Vec<CString>,
    _extension_ptrs: Vec<*const c_char>,
}

/// Everything the descriptor points into; built once, lives as long as the process.
// Boxed so that the addresses the descriptor holds stay put while the vectors grow.
#[allow(clippy::vec_box)]
struct PluginState {
    _name: CString,
    _version: CString,
    _states: Vec<Box<FormatState>>,
    _formats: Vec<Box<SluiceFormat>>,
    _format_ptrs: Vec<*const SluiceFormat>,
    descriptor: SluiceDescriptor,
}

// SAFETY: after construction the state is never mutated; its raw pointers point into the
// state itself (heap allocations that never move) and are only read.
unsafe impl Send for PluginState {}
// SAFETY: as for `Send`; the decoders are `Send + Sync`.
unsafe impl Sync for PluginState {}

/// One plugin per library: each cdylib has its own copy of this static.
static STATE: OnceLock<PluginState> = OnceLock::new();

fn build(
    name: &str,
    version: &str,
    decoders: Vec<Arc<dyn Decoder>>,
) -> Result<PluginState, Failure> {
    let cstring = |s: &str| {
        CString::new(s)
            .map_err(|_| Failure::new(SLUICE_STATUS_INTERNAL, format!("{s:?} holds a NUL byte")))
    };
    let mut states = Vec::new();
    let mut formats = Vec::new();
    for decoder in decoders {
        let name = cstring(decoder.name())?;
        let extensions = decoder
            .extensions()
            .iter()
            .map(|e| cstring(e))
            .collect::<Result<Vec<_>, _>>()?;
        let mut extension_ptrs: Vec<*const c_char> =
            extensions.iter().map(|e| e.as_ptr()).collect();
        extension_ptrs.push(std::ptr::null());
        let access = match decoder.access() {
            sluice_core::Access::RandomAccess => SLUICE_ACCESS_RANDOM,
            _ => SLUICE_ACCESS_SEQUENTIAL,
        };
        let state = Box::new(FormatState {
            decoder,
            _name: name,
            _extensions: extensions,
            _extension_ptrs: extension_ptrs,
        });
        formats.push(Box::new(SluiceFormat {
            struct_size: std::mem::size_of::<SluiceFormat>(),
            name: state._name.as_ptr(),
            extensions: state._extension_ptrs.as_ptr(),
            access,
            priority: 100,
            sniff: Some(sniff),
            validate_options: Some(validate_options),
            open: Some(open),
            private_data: (&*state as *const FormatState).cast_mut().cast::<c_void>(),
        }));
        states.push(state);
    }
    let format_ptrs: Vec<*const SluiceFormat> = formats
        .iter()
        .map(|f| &**f as *const SluiceFormat)
        .collect();
    let name = cstring(name)?;
    let version = cstring(version)?;
    let descriptor = SluiceDescriptor {
        struct_size: std::mem::size_of::<SluiceDescriptor>(),
        abi_version: SLUICE_PLUGIN_ABI_VERSION,
        name: name.as_ptr(),
        version: version.as_ptr(),
        num_formats: format_ptrs.len(),
        formats: format_ptrs.as_ptr(),
    };
    Ok(PluginState {
        _name: name,
        _version: version,
        _states: states,
        _formats: formats,
        _format_ptrs: format_ptrs,
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
    decoders: fn() -> Vec<Arc<dyn Decoder>>,
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
                    let built = build(name, version, decoders())?;
                    STATE.get_or_init(|| built)
                }
            };
            // SAFETY: `out` is non-null and valid for writes (the caller's promise).
            *out = &state.descriptor;
            Ok(())
        })
    }
}

/// The decoder behind `format`.
///
/// # Safety
///
/// `format` is null or one of the formats of this plugin's descriptor.
unsafe fn decoder_of<'a>(format: *const SluiceFormat) -> Result<&'a Arc<dyn Decoder>, Failure> {
    if format.is_null() {
        return Err(Failure::new(
            SLUICE_STATUS_INVALID_ARGUMENT,
            "format is null",
        ));
    }
    // SAFETY: the format is ours, so `private_data` points to its `FormatState`, which
    // lives in `STATE` for the rest of the process.
    let state = unsafe { &*(*format).private_data.cast::<FormatState>() };
    Ok(&state.decoder)
}

/// # Safety
///
/// `s` is null or a NUL-terminated string.
unsafe fn str_arg<'a>(s: *const c_char, what: &str) -> Result<&'a str, Failure> {
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
    let source = unsafe { HostSource::take(input) };
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
