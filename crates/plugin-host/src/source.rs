//! [`ForeignSource`]: a plugin's storage backend as a [`SourceReader`].

use std::ffi::{CStr, CString, c_char, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use sluice_core::{ByteSource, Error, Location, ObjectMeta, Result, SourceOptions, SourceReader};
use sluice_plugin_abi::*;
use sluice_plugin_sdk::{
    ErrorContext, ImportedInput, decode_error, mask_secrets, source_options_to_json,
};

use crate::load::{PluginLib, SourceInfo, take_error};

/// The most objects one listing may return (a guard against a runaway plugin).
const MAX_OBJECTS: usize = 10_000_000;

/// One storage backend of a loaded plugin. Holds an `Arc` of its library, which is never
/// unloaded. The storage options (credentials among them) reach the plugin as JSON; any
/// option value the plugin echoes in a message is masked before the message goes further.
#[derive(Debug, Clone)]
pub struct ForeignSource {
    lib: Arc<PluginLib>,
    index: usize,
}

impl ForeignSource {
    pub(crate) fn new(lib: Arc<PluginLib>, index: usize) -> Self {
        ForeignSource { lib, index }
    }

    fn info(&self) -> &SourceInfo {
        &self.lib.sources[self.index]
    }

    /// The backend's priority, as the plugin declared it.
    pub fn priority(&self) -> i32 {
        self.info().priority
    }

    /// The library's path.
    pub fn plugin_path(&self) -> &str {
        &self.lib.path
    }

    fn args(&self, location: &Location, options: &SourceOptions) -> Result<(CString, CString)> {
        let location = CString::new(location.to_string()).map_err(|_| {
            Error::invalid_option(format!("{location}: a NUL byte in the location"))
        })?;
        let options = CString::new(source_options_to_json(options))
            .map_err(|_| Error::invalid_option("a NUL byte in a storage option"))?;
        Ok((location, options))
    }

    fn error(
        &self,
        status: i32,
        location: &Location,
        options: &SourceOptions,
        message: Option<String>,
    ) -> Error {
        let message = message.map(|m| mask_secrets(&m, &secrets(options)));
        decode_error(
            status,
            message.as_deref(),
            &ErrorContext {
                location: &location.to_string(),
                format: &self.info().name,
                codec: "unknown",
                suffix: &self.lib.suffix(),
            },
        )
    }

    fn listing(
        &self,
        call: SluiceListFn,
        location: &Location,
        options: &SourceOptions,
    ) -> Result<Vec<ObjectMeta>> {
        let (c_location, c_options) = self.args(location, options)?;
        let mut found = Found {
            objects: Vec::new(),
            problem: None,
        };
        let mut err = SluiceError::empty();
        // SAFETY: the plugin's function with its own source, valid strings, and our
        // callback with a context that outlives the call.
        let status = unsafe {
            call(
                self.info().source,
                c_location.as_ptr(),
                c_options.as_ptr(),
                emit,
                (&mut found as *mut Found).cast::<c_void>(),
                &mut err,
            )
        };
        let message = take_error(&mut err);
        if let Some(problem) = found.problem {
            return Err(Error::Unsupported {
                location: location.to_string(),
                message: format!("{problem}{}", self.lib.suffix()),
            });
        }
        if status != SLUICE_STATUS_OK {
            return Err(self.error(status, location, options, message));
        }
        Ok(found.objects)
    }
}

/// The option values, which may be secrets.
fn secrets(options: &SourceOptions) -> Vec<String> {
    options.iter().map(|(_, v)| v.to_string()).collect()
}

/// What `emit` collects.
struct Found {
    objects: Vec<ObjectMeta>,
    problem: Option<String>,
}

unsafe extern "C" fn emit(
    ctx: *mut c_void,
    location: *const c_char,
    size: u64,
    size_known: i32,
) -> i32 {
    if ctx.is_null() {
        return SLUICE_STATUS_INVALID_ARGUMENT;
    }
    // SAFETY: `ctx` is the `Found` of the `listing` call that is running.
    let found = unsafe { &mut *ctx.cast::<Found>() };
    let result = catch_unwind(AssertUnwindSafe(|| {
        if location.is_null() {
            return Err("the plugin listed an object without a location".to_string());
        }
        if found.objects.len() >= MAX_OBJECTS {
            return Err(format!("the plugin listed over {MAX_OBJECTS} objects"));
        }
        // SAFETY: a NUL-terminated string valid during this call, as the ABI says.
        let text = unsafe { CStr::from_ptr(location) }
            .to_str()
            .map_err(|_| "the plugin listed a location that is not UTF-8".to_string())?;
        found.objects.push(ObjectMeta {
            location: Location::parse(text),
            size: (size_known == 1).then_some(size),
        });
        Ok(())
    }));
    match result {
        Ok(Ok(())) => SLUICE_STATUS_OK,
        Ok(Err(problem)) => {
            found.problem.get_or_insert(problem);
            SLUICE_STATUS_INVALID_ARGUMENT
        }
        Err(_) => {
            found
                .problem
                .get_or_insert("the host panicked while listing".to_string());
            SLUICE_STATUS_INTERNAL
        }
    }
}

impl SourceReader for ForeignSource {
    fn name(&self) -> &str {
        &self.info().name
    }

    fn schemes(&self) -> &[&str] {
        &self.info().schemes
    }

    fn head(&self, location: &Location, options: &SourceOptions) -> Result<Option<ObjectMeta>> {
        let mut objects = self.listing(self.info().head, location, options)?;
        if objects.len() > 1 {
            return Err(Error::Unsupported {
                location: location.to_string(),
                message: format!(
                    "head found {} objects, not one{}",
                    objects.len(),
                    self.lib.suffix()
                ),
            });
        }
        Ok(objects.pop())
    }

    fn list(&self, location: &Location, options: &SourceOptions) -> Result<Vec<ObjectMeta>> {
        self.listing(self.info().list, location, options)
    }

    fn open(&self, location: &Location, options: &SourceOptions) -> Result<Arc<dyn ByteSource>> {
        let (c_location, c_options) = self.args(location, options)?;
        let mut out = SluiceInput::empty();
        let mut err = SluiceError::empty();
        // SAFETY: the plugin's function with its own source and valid pointers; it writes
        // an input we own on success.
        let status = unsafe {
            (self.info().open)(
                self.info().source,
                c_location.as_ptr(),
                c_options.as_ptr(),
                &mut out,
                &mut err,
            )
        };
        let message = take_error(&mut err);
        if status != SLUICE_STATUS_OK {
            if let Some(release) = out.release.take() {
                // SAFETY: whatever the plugin wrote before failing is ours to release.
                unsafe { release(out.ctx) }
            }
            return Err(self.error(status, location, options, message));
        }
        // SAFETY: the plugin wrote a valid input that we now own.
        let input = unsafe {
            ImportedInput::take_with_suffix(&mut out, &self.lib.suffix(), secrets(options))
        }?;
        Ok(Arc::new(input))
    }
}
