//! The host's side of `SluiceInput`: a plugin reads the host's [`DecodeInput`] (storage
//! and decompression included) through these callbacks.

use std::ffi::{CString, c_void};
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use sluice_core::{ByteSource, DecodeInput};
use sluice_plugin_abi::*;

/// What `ctx` points to.
struct Ctx {
    input: DecodeInput,
    random: Option<Arc<dyn ByteSource>>,
    reader: Option<Box<dyn Read + Send>>,
    location: CString,
}

/// A `SluiceInput` that owns a copy of `input`; the plugin releases it.
pub(crate) fn make_input(input: &DecodeInput) -> SluiceInput {
    let location =
        CString::new(input.location().replace('\0', "\\0")).expect("NUL bytes were replaced");
    let random = input.random_access().map(Arc::clone);
    let has_random = random.is_some();
    let ctx = Box::new(Ctx {
        input: input.clone(),
        random,
        reader: None,
        location,
    });
    let location = ctx.location.as_ptr();
    SluiceInput {
        struct_size: size_of::<SluiceInput>(),
        ctx: Box::into_raw(ctx).cast(),
        location,
        read: Some(read),
        read_at: if has_random { Some(read_at) } else { None },
        size: Some(size),
        release: Some(release),
        rewind: Some(rewind),
    }
}

unsafe extern "C" fn release_message(error: *mut SluiceError) {
    if error.is_null() {
        return;
    }
    // SAFETY: `error` is one `fail` filled: its message came from `CString::into_raw` here
    // and is freed once because it is nulled.
    unsafe {
        if !(*error).message.is_null() {
            drop(CString::from_raw((*error).message));
        }
        (*error).message = std::ptr::null_mut();
        (*error).release = None;
    }
}

/// Fills the plugin's error struct and returns the status.
///
/// # Safety
///
/// `out` is null or a valid `SluiceError`.
unsafe fn fail(out: *mut SluiceError, status: i32, message: &str) -> i32 {
    if out.is_null() {
        return status;
    }
    // SAFETY: the caller's promise; `struct_size` is checked before the fields are written.
    unsafe {
        if (*out).struct_size < size_of::<SluiceError>() {
            return status;
        }
        let message = CString::new(sluice_plugin_sdk::clean_message(message))
            .expect("clean_message removed every NUL byte");
        (*out).message = message.into_raw();
        (*out).release = Some(release_message);
    }
    status
}

/// Runs a callback body: a panic in the host (which must not unwind into the plugin)
/// becomes an error status.
///
/// # Safety
///
/// `ctx` is a live `Ctx` made by `make_input`; `out_error` as in [`fail`].
unsafe fn run(
    ctx: *mut c_void,
    out_error: *mut SluiceError,
    f: impl FnOnce(&mut Ctx) -> Result<(), sluice_core::Error>,
) -> i32 {
    if ctx.is_null() {
        // SAFETY: forwarded.
        return unsafe {
            fail(
                out_error,
                SLUICE_STATUS_INVALID_ARGUMENT,
                "null input context",
            )
        };
    }
    // SAFETY: the plugin passes back the `ctx` of an input it has not released, and calls
    // one callback at a time.
    let ctx = unsafe { &mut *ctx.cast::<Ctx>() };
    match catch_unwind(AssertUnwindSafe(|| f(ctx))) {
        Ok(Ok(())) => SLUICE_STATUS_OK,
        // SAFETY: forwarded.
        Ok(Err(e)) => unsafe {
            fail(
                out_error,
                sluice_plugin_sdk::status_of(e.kind()),
                &e.to_string(),
            )
        },
        // SAFETY: forwarded.
        Err(_) => unsafe {
            fail(
                out_error,
                SLUICE_STATUS_INTERNAL,
                "the host panicked while reading",
            )
        },
    }
}

unsafe extern "C" fn read(
    ctx: *mut c_void,
    buf: *mut u8,
    len: usize,
    out_read: *mut usize,
    out_error: *mut SluiceError,
) -> i32 {
    // SAFETY: the ABI's contract for `read`.
    unsafe {
        run(ctx, out_error, |ctx| {
            if buf.is_null() || out_read.is_null() {
                return Err(sluice_core::Error::invalid_option("read: null buffer"));
            }
            if ctx.reader.is_none() {
                ctx.reader = Some(ctx.input.reader()?);
            }
            let reader = ctx.reader.as_mut().expect("set just above");
            // SAFETY: the plugin passes `len` writable bytes at `buf`.
            let buf = std::slice::from_raw_parts_mut(buf, len);
            let n = loop {
                match reader.read(buf) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(ctx.input.io_error(e)),
                }
            };
            *out_read = n;
            Ok(())
        })
    }
}

unsafe extern "C" fn rewind(ctx: *mut c_void, out_error: *mut SluiceError) -> i32 {
    // SAFETY: the ABI's contract for `rewind`.
    unsafe {
        run(ctx, out_error, |ctx| {
            ctx.reader = Some(ctx.input.reader()?);
            Ok(())
        })
    }
}

unsafe extern "C" fn read_at(
    ctx: *mut c_void,
    offset: u64,
    buf: *mut u8,
    len: usize,
    out_read: *mut usize,
    out_error: *mut SluiceError,
) -> i32 {
    // SAFETY: the ABI's contract for `read_at`.
    unsafe {
        run(ctx, out_error, |ctx| {
            if buf.is_null() || out_read.is_null() {
                return Err(sluice_core::Error::invalid_option("read_at: null buffer"));
            }
            let Some(source) = &ctx.random else {
                return Err(sluice_core::Error::Unsupported {
                    location: ctx.input.location().to_string(),
                    message: "no random access to this input".to_string(),
                });
            };
            let end = match source.size() {
                Some(size) => (offset.saturating_add(len as u64)).min(size).max(offset),
                None => offset.saturating_add(len as u64),
            };
            let bytes = source.read_range(offset..end)?;
            let n = bytes.len().min(len);
            // SAFETY: `buf` holds `len` writable bytes; `n <= len`.
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf, n);
            *out_read = n;
            Ok(())
        })
    }
}

unsafe extern "C" fn size(ctx: *mut c_void, out_size: *mut u64) -> i32 {
    if ctx.is_null() || out_size.is_null() {
        return 0;
    }
    // SAFETY: a live context, as in `run`.
    let ctx = unsafe { &*ctx.cast::<Ctx>() };
    match ctx.random.as_ref().and_then(|s| s.size()) {
        Some(n) => {
            // SAFETY: checked non-null; the plugin passes a writable u64.
            unsafe { *out_size = n };
            1
        }
        None => 0,
    }
}

unsafe extern "C" fn release(ctx: *mut c_void) {
    if !ctx.is_null() {
        // SAFETY: `ctx` came from `Box::into_raw` in `make_input`; the plugin releases once.
        drop(unsafe { Box::from_raw(ctx.cast::<Ctx>()) });
    }
}
