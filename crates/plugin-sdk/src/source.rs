//! The exported C functions of a plugin's storage backends, and storage options as JSON.

use std::ffi::{CString, c_char, c_void};
use std::sync::Arc;

use serde_json::{Map, Value};
use sluice_core::{ByteSource, Error, Location, ObjectMeta, Result, SourceOptions, SourceReader};
use sluice_plugin_abi::*;

use crate::errors::{Failure, guard};
use crate::export::{source_of, str_arg};
use crate::{InputBacking, Side, export_input};

/// Storage options as the JSON object a storage plugin receives (string values).
pub fn source_options_to_json(options: &SourceOptions) -> String {
    let map: Map<String, Value> = options
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
        .collect();
    Value::Object(map).to_string()
}

/// Parses what [`source_options_to_json`] wrote.
pub fn source_options_from_json(text: &str) -> Result<SourceOptions> {
    let bad = || Error::invalid_option("storage options JSON: not an object of strings");
    let Value::Object(map) = serde_json::from_str::<Value>(text).map_err(|_| bad())? else {
        return Err(bad());
    };
    let mut options = SourceOptions::new();
    for (key, value) in map {
        let Value::String(value) = value else {
            return Err(bad());
        };
        options = options.with(key, value);
    }
    Ok(options)
}

/// The common arguments of `head`, `list` and `open`.
///
/// # Safety
///
/// As the ABI says for those functions.
unsafe fn args<'a>(
    source: *const SluiceSource,
    location: *const c_char,
    options_json: *const c_char,
) -> std::result::Result<
    (
        &'a Arc<dyn sluice_core::SourceReader>,
        Location,
        SourceOptions,
    ),
    Failure,
> {
    // SAFETY: forwarded.
    unsafe {
        let reader = source_of(source)?;
        let location = Location::parse(str_arg(location, "location")?);
        let options = source_options_from_json(str_arg(options_json, "options_json")?)?;
        Ok((reader, location, options))
    }
}

fn emit_one(
    emit: SluiceObjectFn,
    ctx: *mut c_void,
    meta: &ObjectMeta,
) -> std::result::Result<(), Failure> {
    let location = CString::new(meta.location.to_string().replace('\0', "\\0"))
        .expect("NUL bytes were replaced");
    // SAFETY: the host's callback with its own context and a string valid for the call.
    let status = unsafe {
        emit(
            ctx,
            location.as_ptr(),
            meta.size.unwrap_or(0),
            i32::from(meta.size.is_some()),
        )
    };
    if status == SLUICE_STATUS_OK {
        Ok(())
    } else {
        Err(Failure::new(status, "the host stopped the listing"))
    }
}

/// The body of `head` and `list`: emits every object `find` returns.
///
/// # Safety
///
/// As the ABI says for those functions.
unsafe fn report(
    source: *const SluiceSource,
    location: *const c_char,
    options_json: *const c_char,
    emit: SluiceObjectFn,
    emit_ctx: *mut c_void,
    out_error: *mut SluiceError,
    find: impl FnOnce(&dyn SourceReader, &Location, &SourceOptions) -> Result<Vec<ObjectMeta>>,
) -> i32 {
    // SAFETY: forwarded.
    unsafe {
        guard(out_error, || {
            let (reader, location, options) = args(source, location, options_json)?;
            for meta in find(reader.as_ref(), &location, &options)? {
                emit_one(emit, emit_ctx, &meta)?;
            }
            Ok(())
        })
    }
}

pub(crate) unsafe extern "C" fn head(
    source: *const SluiceSource,
    location: *const c_char,
    options_json: *const c_char,
    emit: SluiceObjectFn,
    emit_ctx: *mut c_void,
    out_error: *mut SluiceError,
) -> i32 {
    // SAFETY: the host passes valid pointers, as the ABI says.
    unsafe {
        report(
            source,
            location,
            options_json,
            emit,
            emit_ctx,
            out_error,
            |r, l, o| Ok(r.head(l, o)?.into_iter().collect()),
        )
    }
}

pub(crate) unsafe extern "C" fn list(
    source: *const SluiceSource,
    location: *const c_char,
    options_json: *const c_char,
    emit: SluiceObjectFn,
    emit_ctx: *mut c_void,
    out_error: *mut SluiceError,
) -> i32 {
    // SAFETY: the host passes valid pointers, as the ABI says.
    unsafe {
        report(
            source,
            location,
            options_json,
            emit,
            emit_ctx,
            out_error,
            |r, l, o| r.list(l, o),
        )
    }
}

pub(crate) unsafe extern "C" fn open(
    source: *const SluiceSource,
    location: *const c_char,
    options_json: *const c_char,
    out: *mut SluiceInput,
    out_error: *mut SluiceError,
) -> i32 {
    // SAFETY: the host passes valid pointers, as the ABI says.
    unsafe {
        guard(out_error, || {
            let (reader, location, options) = args(source, location, options_json)?;
            if out.is_null() {
                return Err(Failure::new(SLUICE_STATUS_INVALID_ARGUMENT, "out is null"));
            }
            let object: Arc<dyn ByteSource> = reader.open(&location, &options)?;
            let sequential = Arc::clone(&object);
            let backing = InputBacking {
                location: object.location().to_string(),
                open: Box::new(move || sequential.reader()),
                rewindable: true,
                random: object.supports_random_access().then_some(object),
            };
            // SAFETY: `out` is non-null and valid for writes; the host owns what it gets.
            std::ptr::write(out, export_input(backing, Side::Plugin));
            Ok(())
        })
    }
}
