//! Errors crossing the boundary: statuses, clean messages, panics and poisoning.

use std::any::Any;
use std::ffi::CString;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};

use sluice_core::Error;

use crate::status_of;
use sluice_plugin_abi::*;

/// The message of every call after a panic.
pub const POISONED_MESSAGE: &str = "plugin poisoned by an earlier panic";

/// Set by the first panic. Each plugin library has its own copy of this static.
static POISONED: AtomicBool = AtomicBool::new(false);

/// Whether a panic has poisoned this plugin.
pub fn is_poisoned() -> bool {
    POISONED.load(Ordering::SeqCst)
}

/// Marks this plugin poisoned.
pub(crate) fn poison() {
    POISONED.store(true, Ordering::SeqCst);
}

/// A message that can cross as a C string: NUL bytes become `\0`, an empty message says so.
pub fn clean_message(message: &str) -> String {
    let message = message.replace('\0', "\\0");
    if message.trim().is_empty() {
        "unknown error (the plugin gave no message)".to_string()
    } else {
        message
    }
}

thread_local! {
    /// Where the last panic on this thread happened, recorded by the hook of
    /// [`install_panic_hook`].
    static PANIC_LOCATION: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Replaces this library's panic hook (each plugin library has its own std, so the host's
/// hook is untouched) by one that prints nothing and records the location: a panic inside
/// an exported call is reported to the host as an error, not as a banner on standard error.
pub(crate) fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let location = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()));
            PANIC_LOCATION.with(|cell| *cell.borrow_mut() = location);
        }));
    });
}

/// The message of a panic payload, with its location when the hook recorded it.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    let what = sluice_core::panics::message(payload);
    match PANIC_LOCATION.with(|cell| cell.borrow_mut().take()) {
        Some(at) => format!("plugin panic: {what} (at {at})"),
        None => format!("plugin panic: {what}"),
    }
}

/// A failure of an exported function: a status and a message.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) status: i32,
    pub(crate) message: String,
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        Failure {
            status: status_of(err.kind()),
            message: crate::wire::encode_error(&err),
        }
    }
}

impl Failure {
    pub(crate) fn new(status: i32, message: impl Into<String>) -> Self {
        Failure {
            status,
            message: message.into(),
        }
    }
}

unsafe extern "C" fn release_error(error: *mut SluiceError) {
    if error.is_null() {
        return;
    }
    // SAFETY: `error` is the struct `set_error` filled: `message` came from
    // `CString::into_raw` in this library, and is freed once because it is nulled here.
    unsafe {
        let message = (*error).message;
        if !message.is_null() {
            drop(CString::from_raw(message));
        }
        (*error).message = std::ptr::null_mut();
        (*error).release = None;
    }
}

/// Writes `failure` into the receiver's error struct (if any) and returns its status.
///
/// # Safety
///
/// `out` is null or points to a writable `SluiceError` of at least `struct_size` bytes.
pub(crate) unsafe fn set_error(out: *mut SluiceError, failure: Failure) -> i32 {
    let status = if failure.status == SLUICE_STATUS_OK {
        SLUICE_STATUS_INTERNAL
    } else {
        failure.status
    };
    if out.is_null() {
        return status;
    }
    // SAFETY: the caller promises `out` is valid; the fields this writes are part of every
    // version of the struct, which the check of `struct_size` confirms.
    unsafe {
        if (*out).struct_size < std::mem::size_of::<SluiceError>() {
            return status;
        }
        let message = CString::new(clean_message(&failure.message))
            .expect("clean_message removed every NUL byte");
        (*out).message = message.into_raw();
        (*out).release = Some(release_error);
    }
    status
}

/// Runs `f` for an exported function: a panic poisons the plugin and becomes
/// `SLUICE_STATUS_PANIC`; an error becomes its status; a poisoned plugin refuses to run.
///
/// # Safety
///
/// As [`set_error`] for `out_error`.
pub(crate) unsafe fn guard(
    out_error: *mut SluiceError,
    f: impl FnOnce() -> Result<(), Failure>,
) -> i32 {
    if is_poisoned() {
        // SAFETY: forwarded from the caller.
        return unsafe {
            set_error(
                out_error,
                Failure::new(SLUICE_STATUS_POISONED, POISONED_MESSAGE),
            )
        };
    }
    let result = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => {
            poison();
            Err(Failure::new(SLUICE_STATUS_PANIC, panic_message(&*payload)))
        }
    };
    match result {
        Ok(()) => SLUICE_STATUS_OK,
        // SAFETY: forwarded from the caller.
        Err(failure) => unsafe { set_error(out_error, failure) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_never_empty_and_never_hold_nul() {
        assert_eq!(clean_message("a\0b"), "a\\0b");
        assert_eq!(
            clean_message(""),
            "unknown error (the plugin gave no message)"
        );
    }
}
