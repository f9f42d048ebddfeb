//! [`HostSource`]: the host's `SluiceInput` callbacks as a [`ByteSource`].

use std::ffi::CStr;
use std::io::{self, Read};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use sluice_core::{ByteSource, Error, Location, Result};
use sluice_plugin_abi::{SLUICE_STATUS_OK, SluiceError, SluiceInput};

use crate::clean_message;

/// The host's input, owned: released when dropped.
#[derive(Debug)]
struct Owned(SluiceInput);

// SAFETY: the ABI lets the callbacks be called from any thread, one at a time; `HostSource`
// serializes every call through a mutex.
unsafe impl Send for Owned {}

impl Drop for Owned {
    fn drop(&mut self) {
        if let Some(release) = self.0.release.take() {
            // SAFETY: `release` is called once, on the `ctx` it belongs to.
            unsafe { release(self.0.ctx) }
        }
    }
}

/// The bytes of one opened object, read through the host's callbacks: a sequential reader
/// of the decompressed bytes, and random access when the object is uncompressed and its
/// storage can seek.
#[derive(Debug)]
pub struct HostSource {
    inner: Arc<Inner>,
    location: Location,
    random_access: bool,
    size: Option<u64>,
    /// Whether `reader()` was called: the next call rewinds first.
    started: AtomicBool,
}

#[derive(Debug)]
struct Inner {
    input: Mutex<Owned>,
}

impl HostSource {
    /// Takes ownership of the host's input (marking `*input` released, as the ABI says).
    ///
    /// # Safety
    ///
    /// `input` is null or points to a valid, unreleased `SluiceInput` from the host.
    pub unsafe fn take(input: *mut SluiceInput) -> Result<HostSource> {
        if input.is_null() {
            return Err(Error::invalid_option("the host passed no input"));
        }
        // SAFETY: the caller promises `input` is valid; reading it by value and nulling the
        // original's `release` moves it, so it is released once, by `Owned`.
        let owned = unsafe {
            let owned = Owned(std::ptr::read(input));
            (*input).release = None;
            owned
        };
        let location = if owned.0.location.is_null() {
            "<plugin input>".to_string()
        } else {
            // SAFETY: the host's location is a NUL-terminated string valid until release.
            unsafe { CStr::from_ptr(owned.0.location) }
                .to_string_lossy()
                .into_owned()
        };
        let random_access = owned.0.read_at.is_some();
        let size = match owned.0.size {
            Some(size) if random_access => {
                let mut out = 0u64;
                // SAFETY: the host's callback, on its own context, with a valid out pointer.
                let known = unsafe { size(owned.0.ctx, &mut out) };
                (known == 1).then_some(out)
            }
            _ => None,
        };
        Ok(HostSource {
            inner: Arc::new(Inner {
                input: Mutex::new(owned),
            }),
            location: Location::parse(&location),
            random_access,
            size,
            started: AtomicBool::new(false),
        })
    }
}

impl Inner {
    fn call(
        &self,
        f: impl FnOnce(&SluiceInput, *mut SluiceError) -> i32,
    ) -> std::result::Result<(), io::Error> {
        let guard = self.input.lock().unwrap_or_else(|e| e.into_inner());
        let mut err = SluiceError::empty();
        let status = f(&guard.0, &mut err);
        let message = take_message(&mut err);
        if status == SLUICE_STATUS_OK {
            return Ok(());
        }
        Err(io::Error::other(message.unwrap_or_else(|| {
            format!("the host's input failed with status {status}")
        })))
    }

    fn read_some(&self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0usize;
        self.call(|input, err| match input.read {
            // SAFETY: the host's callback on its own context; `buf` is valid for `len` bytes.
            Some(read) => unsafe { read(input.ctx, buf.as_mut_ptr(), buf.len(), &mut n, err) },
            None => -1,
        })?;
        Ok(n.min(buf.len()))
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0usize;
        self.call(|input, err| match input.read_at {
            // SAFETY: the host's callback on its own context; `buf` is valid for `len` bytes.
            Some(read_at) => unsafe {
                read_at(input.ctx, offset, buf.as_mut_ptr(), buf.len(), &mut n, err)
            },
            None => -1,
        })?;
        Ok(n.min(buf.len()))
    }
}

/// Reads and releases the message of an error the host filled.
fn take_message(err: &mut SluiceError) -> Option<String> {
    let message = (!err.message.is_null()).then(|| {
        // SAFETY: the host set a NUL-terminated message it owns until `release`.
        clean_message(&unsafe { CStr::from_ptr(err.message) }.to_string_lossy())
    });
    if let Some(release) = err.release.take() {
        // SAFETY: the host's release for the error it filled, called once.
        unsafe { release(err) }
    }
    message
}

struct HostReader(Arc<Inner>);

impl Read for HostReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.0.read_some(buf)
    }
}

impl ByteSource for HostSource {
    fn location(&self) -> &Location {
        &self.location
    }

    fn size(&self) -> Option<u64> {
        self.size
    }

    fn reader(&self) -> Result<Box<dyn Read + Send>> {
        if self.started.swap(true, Ordering::SeqCst) {
            self.inner
                .call(|input, err| match input.rewind {
                    // SAFETY: the host's callback on its own context.
                    Some(rewind) => unsafe { rewind(input.ctx, err) },
                    None => -1,
                })
                .map_err(|e| Error::from_io(self.location.to_string(), e))?;
        }
        Ok(Box::new(HostReader(Arc::clone(&self.inner))))
    }

    fn supports_random_access(&self) -> bool {
        self.random_access
    }

    fn read_range(&self, range: Range<u64>) -> Result<Bytes> {
        let len = usize::try_from(range.end.saturating_sub(range.start))
            .map_err(|_| Error::invalid_option("range too large"))?;
        let mut buf = vec![0u8; len];
        let mut filled = 0;
        while filled < len {
            let n = self
                .inner
                .read_at(range.start + filled as u64, &mut buf[filled..])
                .map_err(|e| Error::from_io(self.location.to_string(), e))?;
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
