//! `SluiceInput` both ways: [`ImportedInput`] reads the other side's callbacks as a
//! [`ByteSource`]; [`export_input`] offers a Rust reader (and random access) as callbacks.
//!
//! A format plugin imports the host's input; a codec plugin imports the compressed bytes
//! and exports the decompressed ones; a storage plugin exports the objects it opens. The
//! host does the mirror image of each.

use std::ffi::{CStr, CString, c_void};
use std::io::{self, Read};
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use sluice_core::{ByteSource, Error, Location, Result};
use sluice_plugin_abi::*;

use crate::errors::{panic_message, poison};
use crate::wire::{ErrorContext, decode_error, encode_error};
use crate::{POISONED_MESSAGE, clean_message, is_poisoned, status_of};

/// The other side's input, owned: released when dropped.
#[derive(Debug)]
struct Owned(SluiceInput);

// SAFETY: the ABI lets the callbacks be called from any thread, one at a time;
// `ImportedInput` serializes every call through a mutex.
unsafe impl Send for Owned {}

impl Drop for Owned {
    fn drop(&mut self) {
        if let Some(release) = self.0.release.take() {
            // SAFETY: `release` is called once, on the `ctx` it belongs to.
            unsafe { release(self.0.ctx) }
        }
    }
}

/// The bytes of one object, read through the other side's `SluiceInput` callbacks: a
/// sequential reader, and random access when the other side offers `read_at`.
///
/// [`ByteSource::reader`] restarts the input (through `rewind`) when called again; a
/// reader made before that fails from then on rather than read from the wrong place.
#[derive(Debug)]
pub struct ImportedInput {
    inner: Arc<Inner>,
    location: Location,
    random_access: bool,
    rewindable: bool,
    size: Option<u64>,
    /// Whether `reader()` was called: the next call rewinds first.
    started: AtomicBool,
}

#[derive(Debug)]
struct Inner {
    input: Mutex<Owned>,
    location: String,
    /// Appended to every error message (the host names the plugin).
    suffix: String,
    /// Values masked in every error message (a storage plugin's credentials).
    secrets: Vec<String>,
    /// Bumped by every rewind; a reader of an older generation is stale.
    generation: AtomicU64,
}

impl ImportedInput {
    /// Takes ownership of the other side's input (marking `*input` released, as the ABI
    /// says).
    ///
    /// # Safety
    ///
    /// `input` is null or points to a valid, unreleased `SluiceInput`.
    pub unsafe fn take(input: *mut SluiceInput) -> Result<ImportedInput> {
        // SAFETY: forwarded.
        unsafe { Self::take_with_suffix(input, "", Vec::new()) }
    }

    /// As [`ImportedInput::take`], appending `suffix` to every error message and masking
    /// `secrets` in them (see [`mask_secrets`]).
    ///
    /// # Safety
    ///
    /// As [`ImportedInput::take`].
    pub unsafe fn take_with_suffix(
        input: *mut SluiceInput,
        suffix: &str,
        secrets: Vec<String>,
    ) -> Result<ImportedInput> {
        if input.is_null() {
            return Err(Error::invalid_option("no input was passed"));
        }
        // SAFETY: the caller promises `input` is valid; only `struct_size` is read before
        // it is checked.
        let size = unsafe { (*input).struct_size };
        if size < std::mem::size_of::<SluiceInput>() {
            return Err(Error::invalid_option(format!(
                "the input's struct_size is {size}, smaller than the {} bytes of ABI version 1",
                std::mem::size_of::<SluiceInput>()
            )));
        }
        // SAFETY: reading it by value and nulling the original's `release` moves it, so it
        // is released once, by `Owned`.
        let owned = unsafe {
            let owned = Owned(std::ptr::read(input));
            (*input).release = None;
            owned
        };
        if owned.0.read.is_none() {
            return Err(Error::invalid_option("the input has no read callback"));
        }
        let location = if owned.0.location.is_null() {
            "<plugin input>".to_string()
        } else {
            // SAFETY: a NUL-terminated string valid until release.
            unsafe { CStr::from_ptr(owned.0.location) }
                .to_string_lossy()
                .into_owned()
        };
        let random_access = owned.0.read_at.is_some();
        let rewindable = owned.0.rewind.is_some();
        let size = match owned.0.size {
            Some(size) if random_access => {
                let mut out = 0u64;
                // SAFETY: the other side's callback, on its own context, with a valid out
                // pointer.
                let known = unsafe { size(owned.0.ctx, &mut out) };
                (known == 1).then_some(out)
            }
            _ => None,
        };
        Ok(ImportedInput {
            inner: Arc::new(Inner {
                input: Mutex::new(owned),
                location: location.clone(),
                suffix: suffix.to_string(),
                secrets,
                generation: AtomicU64::new(0),
            }),
            location: Location::parse(&location),
            random_access,
            rewindable,
            size,
            started: AtomicBool::new(false),
        })
    }
}

impl Inner {
    /// Calls one callback under the lock; `generation` (when given) must still be current.
    fn call(
        &self,
        generation: Option<u64>,
        f: impl FnOnce(&SluiceInput, *mut SluiceError) -> i32,
    ) -> Result<()> {
        let guard = self.input.lock().unwrap_or_else(|e| e.into_inner());
        if generation.is_some_and(|g| g != self.generation.load(Ordering::SeqCst)) {
            return Err(Error::Internal {
                message: format!(
                    "{}: a reader was used after the input was restarted for a newer one",
                    self.location
                ),
            });
        }
        let mut err = SluiceError::empty();
        let status = f(&guard.0, &mut err);
        let message = take_message(&mut err).map(|m| mask_secrets(&m, &self.secrets));
        if status == SLUICE_STATUS_OK {
            return Ok(());
        }
        Err(decode_error(
            status,
            message.as_deref(),
            &ErrorContext {
                location: &self.location,
                format: "input",
                codec: "input",
                suffix: &self.suffix,
            },
        ))
    }

    fn read_some(&self, generation: u64, buf: &mut [u8]) -> Result<usize> {
        let mut n = 0usize;
        self.call(Some(generation), |input, err| match input.read {
            // SAFETY: the callback on its own context; `buf` is valid for `len` bytes.
            Some(read) => unsafe { read(input.ctx, buf.as_mut_ptr(), buf.len(), &mut n, err) },
            None => SLUICE_STATUS_INTERNAL,
        })?;
        Ok(n.min(buf.len()))
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let mut n = 0usize;
        self.call(None, |input, err| match input.read_at {
            // SAFETY: the callback on its own context; `buf` is valid for `len` bytes.
            Some(read_at) => unsafe {
                read_at(input.ctx, offset, buf.as_mut_ptr(), buf.len(), &mut n, err)
            },
            None => SLUICE_STATUS_INTERNAL,
        })?;
        Ok(n.min(buf.len()))
    }
}

/// `message` with every value of `secrets` of 4 characters or more replaced by `***`: the
/// host's safety net for a storage plugin that repeats a credential in a message.
pub fn mask_secrets<S: AsRef<str>>(message: &str, secrets: &[S]) -> String {
    let mut out = message.to_string();
    for secret in secrets {
        let secret = secret.as_ref();
        if secret.len() >= 4 {
            out = out.replace(secret, "***");
        }
    }
    out
}

/// Reads and releases the message of an error the other side filled.
pub(crate) fn take_message(err: &mut SluiceError) -> Option<String> {
    let message = (!err.message.is_null()).then(|| {
        // SAFETY: the other side set a NUL-terminated message it owns until `release`.
        clean_message(&unsafe { CStr::from_ptr(err.message) }.to_string_lossy())
    });
    if let Some(release) = err.release.take() {
        // SAFETY: the other side's release for the error it filled, called once.
        unsafe { release(err) }
    }
    message
}

struct ImportedReader {
    inner: Arc<Inner>,
    generation: u64,
}

impl Read for ImportedReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        // The typed error travels inside the `io::Error`; `Error::from_io` takes it back out.
        self.inner
            .read_some(self.generation, buf)
            .map_err(io::Error::other)
    }
}

impl ByteSource for ImportedInput {
    fn location(&self) -> &Location {
        &self.location
    }

    fn size(&self) -> Option<u64> {
        self.size
    }

    fn reader(&self) -> Result<Box<dyn Read + Send>> {
        let generation = if self.started.swap(true, Ordering::SeqCst) {
            if !self.rewindable {
                return Err(Error::Unsupported {
                    location: self.location.to_string(),
                    message: format!(
                        "this input can be read only once (it has no rewind){}",
                        self.inner.suffix
                    ),
                });
            }
            let mut generation = 0;
            self.inner.call(None, |input, err| {
                let status = match input.rewind {
                    // SAFETY: the callback on its own context.
                    Some(rewind) => unsafe { rewind(input.ctx, err) },
                    None => SLUICE_STATUS_UNSUPPORTED,
                };
                if status == SLUICE_STATUS_OK {
                    // Under the input's lock: no read of an older reader slips in between.
                    generation = self.inner.generation.fetch_add(1, Ordering::SeqCst) + 1;
                }
                status
            })?;
            generation
        } else {
            self.inner.generation.load(Ordering::SeqCst)
        };
        Ok(Box::new(ImportedReader {
            inner: Arc::clone(&self.inner),
            generation,
        }))
    }

    fn supports_random_access(&self) -> bool {
        self.random_access
    }

    fn read_range(&self, range: Range<u64>) -> Result<Bytes> {
        if !self.random_access {
            return Err(Error::Unsupported {
                location: self.location.to_string(),
                message: "no random access to this input".to_string(),
            });
        }
        let len = usize::try_from(range.end.saturating_sub(range.start))
            .map_err(|_| Error::invalid_option("range too large"))?;
        let mut buf = vec![0u8; len];
        let mut filled = 0;
        while filled < len {
            let n = self
                .inner
                .read_at(range.start + filled as u64, &mut buf[filled..])?;
            if n == 0 {
                return Err(Error::from_io(
                    self.location.to_string(),
                    io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("range {range:?} is past the end of the object"),
                    ),
                ));
            }
            filled += n;
        }
        Ok(Bytes::from(buf))
    }
}

/// Opens a fresh sequential reader from offset 0.
pub type OpenReader = Box<dyn FnMut() -> Result<Box<dyn Read + Send>> + Send>;

/// What [`export_input`] offers through the callbacks.
pub struct InputBacking {
    /// The location shown in messages.
    pub location: String,
    /// Opens the sequential reader, on the first `read` and on every `rewind`.
    pub open: OpenReader,
    /// Whether `rewind` is offered (a decompressed stream cannot restart).
    pub rewindable: bool,
    /// Random access (`read_at`, `size`), when the bytes can be read by ranges.
    pub random: Option<Arc<dyn ByteSource>>,
}

impl InputBacking {
    /// A reader that can be read once, front to back (no rewind, no random access): a
    /// codec's compressed input or its decompressed output.
    pub fn once(location: &str, reader: Box<dyn Read + Send>) -> InputBacking {
        let mut slot = Some(reader);
        let shown = location.to_string();
        InputBacking {
            location: location.to_string(),
            open: Box::new(move || {
                slot.take().ok_or_else(|| Error::Unsupported {
                    location: shown.clone(),
                    message: "this stream can be read only once".to_string(),
                })
            }),
            rewindable: false,
            random: None,
        }
    }
}

impl std::fmt::Debug for InputBacking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InputBacking")
            .field("location", &self.location)
            .field("rewindable", &self.rewindable)
            .field("random", &self.random.is_some())
            .finish()
    }
}

/// Which side runs the callbacks, for what a panic inside one means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The host: a panic is an internal error of the host.
    Host,
    /// A plugin: a panic poisons the plugin, as in every other exported function.
    Plugin,
}

/// What `ctx` points to.
struct Ctx {
    backing: InputBacking,
    reader: Option<Box<dyn Read + Send>>,
    location: CString,
    side: Side,
}

/// Offers `backing` as a `SluiceInput` that the receiver owns and releases.
pub fn export_input(backing: InputBacking, side: Side) -> SluiceInput {
    let location =
        CString::new(backing.location.replace('\0', "\\0")).expect("NUL bytes were replaced");
    let has_random = backing.random.is_some();
    let rewindable = backing.rewindable;
    let ctx = Box::new(Ctx {
        backing,
        reader: None,
        location,
        side,
    });
    let location = ctx.location.as_ptr();
    SluiceInput {
        struct_size: size_of::<SluiceInput>(),
        ctx: Box::into_raw(ctx).cast(),
        location,
        read: Some(read),
        read_at: if has_random { Some(read_at) } else { None },
        // Always set (answering "unknown" without random access): plugins written before
        // codecs existed call it without a null check.
        size: Some(size),
        release: Some(release),
        rewind: if rewindable { Some(rewind) } else { None },
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

/// Fills the receiver's error struct and returns the status.
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
        let message =
            CString::new(clean_message(message)).expect("clean_message removed every NUL byte");
        (*out).message = message.into_raw();
        (*out).release = Some(release_message);
    }
    status
}

/// Runs a callback body; a panic must not unwind across the boundary: in a plugin it
/// poisons the plugin, in the host it is an internal error.
///
/// # Safety
///
/// `ctx` is a live `Ctx` made by `export_input`; `out_error` as in [`fail`].
unsafe fn run(
    ctx: *mut c_void,
    out_error: *mut SluiceError,
    f: impl FnOnce(&mut Ctx) -> Result<()>,
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
    // SAFETY: the receiver passes back the `ctx` of an input it has not released, and
    // calls one callback at a time.
    let ctx = unsafe { &mut *ctx.cast::<Ctx>() };
    let side = ctx.side;
    if side == Side::Plugin && is_poisoned() {
        // SAFETY: forwarded.
        return unsafe { fail(out_error, SLUICE_STATUS_POISONED, POISONED_MESSAGE) };
    }
    match catch_unwind(AssertUnwindSafe(|| f(ctx))) {
        Ok(Ok(())) => SLUICE_STATUS_OK,
        // SAFETY: forwarded.
        Ok(Err(e)) => unsafe { fail(out_error, status_of(e.kind()), &encode_error(&e)) },
        Err(payload) => {
            let (status, message) = match side {
                Side::Plugin => {
                    poison();
                    (SLUICE_STATUS_PANIC, panic_message(&*payload))
                }
                Side::Host => (
                    SLUICE_STATUS_INTERNAL,
                    "the host panicked while reading".to_string(),
                ),
            };
            // SAFETY: forwarded.
            unsafe { fail(out_error, status, &message) }
        }
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
                return Err(Error::invalid_option("read: null buffer"));
            }
            if ctx.reader.is_none() {
                ctx.reader = Some((ctx.backing.open)()?);
            }
            let reader = ctx.reader.as_mut().expect("set just above");
            // SAFETY: the receiver passes `len` writable bytes at `buf`.
            let buf = std::slice::from_raw_parts_mut(buf, len);
            let n = loop {
                match reader.read(buf) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(Error::from_io(ctx.backing.location.clone(), e)),
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
            ctx.reader = None;
            ctx.reader = Some((ctx.backing.open)()?);
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
                return Err(Error::invalid_option("read_at: null buffer"));
            }
            let Some(source) = &ctx.backing.random else {
                return Err(Error::Unsupported {
                    location: ctx.backing.location.clone(),
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
    let known = catch_unwind(AssertUnwindSafe(|| {
        ctx.backing.random.as_ref().and_then(|s| s.size())
    }));
    match known {
        Ok(Some(n)) => {
            // SAFETY: checked non-null; the receiver passes a writable u64.
            unsafe { *out_size = n };
            1
        }
        _ => 0,
    }
}

unsafe extern "C" fn release(ctx: *mut c_void) {
    if !ctx.is_null() {
        // SAFETY: `ctx` came from `Box::into_raw` in `export_input`; released once.
        let ctx = unsafe { Box::from_raw(ctx.cast::<Ctx>()) };
        // Dropping runs the backing's destructors, which must not unwind either.
        let _ = catch_unwind(AssertUnwindSafe(move || drop(ctx)));
    }
}
