//! sluice-plugin-abi: the stable C ABI between sluice and plugins loaded at run time.
//!
//! Nothing Rust-typed crosses the `dlopen` boundary: only the `#[repr(C)]` structs, status
//! codes and version constants of this crate, which `docs/sluice_plugin.h` states again
//! for C (a test keeps the two in sync and pins every size and offset).
//!
//! - [`SluicePluginInit`]: the one entry symbol, [`SLUICE_PLUGIN_INIT_SYMBOL`]. The host
//!   asks for its newest [`SLUICE_PLUGIN_ABI_VERSION`] and falls back to older ones while
//!   the plugin answers [`SLUICE_STATUS_UNSUPPORTED_VERSION`].
//! - [`SluiceDescriptor`] → [`SluiceFormat`]s, [`SluiceCodec`]s and [`SluiceSource`]s:
//!   what the plugin offers (file formats, compression codecs, storage backends).
//! - [`SluiceInput`]: bytes, as callbacks. The host implements them for a format plugin
//!   (storage and decompression stay in the host) and for the compressed side of a codec;
//!   a codec plugin implements them for its decompressed output, a storage plugin for the
//!   objects it opens.
//! - Batches cross as the Arrow C Stream Interface ([`FFI_ArrowArrayStream`]).
//! - [`SluiceError`]: a status plus a message freed by the side that made it.
//!
//! Every struct starts with `struct_size` and only ever grows at the end; a reader checks
//! `struct_size` before touching a field added later.
//!
//! ```
//! use sluice_plugin_abi::{SluiceError, SLUICE_PLUGIN_ABI_VERSION};
//! let err = SluiceError::empty();
//! assert_eq!(err.struct_size, std::mem::size_of::<SluiceError>());
//! assert!(err.message.is_null());
//! assert_eq!(SLUICE_PLUGIN_ABI_VERSION, 1);
//! ```

use std::ffi::{CStr, c_char, c_void};

pub use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema};
pub use arrow_array::ffi_stream::FFI_ArrowArrayStream;

/// The newest ABI version this crate describes.
pub const SLUICE_PLUGIN_ABI_VERSION: u32 = 1;
/// The oldest ABI version a host built from this crate still loads.
pub const SLUICE_PLUGIN_ABI_MIN_VERSION: u32 = 1;
/// The name of the entry symbol every plugin exports.
pub const SLUICE_PLUGIN_INIT_SYMBOL: &CStr = c"sluice_plugin_init";

/// Success.
pub const SLUICE_STATUS_OK: i32 = 0;
/// The plugin does not speak the ABI version the host asked for; the host may retry older.
pub const SLUICE_STATUS_UNSUPPORTED_VERSION: i32 = 1;
/// An invalid argument or option.
pub const SLUICE_STATUS_INVALID_ARGUMENT: i32 = 2;
/// An I/O error (reading the host's input).
pub const SLUICE_STATUS_IO: i32 = 3;
/// Input that does not follow the format.
pub const SLUICE_STATUS_PARSE: i32 = 4;
/// Something the plugin does not support.
pub const SLUICE_STATUS_UNSUPPORTED: i32 = 5;
/// A column, file or thing that does not exist.
pub const SLUICE_STATUS_NOT_FOUND: i32 = 6;
/// The plugin panicked (or crashed in a way it caught).
pub const SLUICE_STATUS_PANIC: i32 = 7;
/// The plugin panicked earlier and refuses every call since.
pub const SLUICE_STATUS_POISONED: i32 = 8;
/// Any other failure.
pub const SLUICE_STATUS_INTERNAL: i32 = 9;

/// [`SluiceFormat::sniff`]: certainly not this format.
pub const SLUICE_SNIFF_NO: i32 = 0;
/// [`SluiceFormat::sniff`]: could be.
pub const SLUICE_SNIFF_MAYBE: i32 = 1;
/// [`SluiceFormat::sniff`]: magic bytes or an unambiguous structure.
pub const SLUICE_SNIFF_YES: i32 = 2;

/// [`SluiceFormat::access`]: the format reads front to back, once.
pub const SLUICE_ACCESS_SEQUENTIAL: u32 = 0;
/// [`SluiceFormat::access`]: the format reads byte ranges (needs `read_at`).
pub const SLUICE_ACCESS_RANDOM: u32 = 1;

/// An error crossing the boundary. The receiver zero-fills it (see [`SluiceError::empty`])
/// and passes a pointer; on failure the callee sets `message` (NUL-terminated UTF-8, never
/// empty) and `release`, and the receiver calls `release` once after reading the message.
/// `message` is owned by the side that made it, so each side frees with its own allocator.
///
/// A message (here, or from an Arrow stream's `get_last_error`) may start with a detail
/// prefix, `[sluice {JSON}] `, before the human text: a JSON object with any of `kind`
/// (`parse`, `decompress`, `format_mismatch`, `schema`, `unknown_column`,
/// `invalid_option`, `unsupported`, `not_found`, `io`, `internal`), `line`, `record`
/// (1-based), `offset` (0-based byte), `format` (the name to show), `codec`, `column`,
/// `available` (an array of column names). The receiver strips it and rebuilds a typed
/// error with the position; a message without it is plain text classified by the status.
#[repr(C)]
#[derive(Debug)]
pub struct SluiceError {
    /// `size_of::<SluiceError>()` as the receiver knows it.
    pub struct_size: usize,
    /// The message, or null.
    pub message: *mut c_char,
    /// Frees `message` (and anything in `private_data`); sets `release` to null.
    pub release: Option<unsafe extern "C" fn(error: *mut SluiceError)>,
    /// For the maker.
    pub private_data: *mut c_void,
}

impl SluiceError {
    /// A blank error to pass to a callee.
    pub fn empty() -> Self {
        SluiceError {
            struct_size: std::mem::size_of::<SluiceError>(),
            message: std::ptr::null_mut(),
            release: None,
            private_data: std::ptr::null_mut(),
        }
    }
}

/// What the host tells the plugin about itself.
#[repr(C)]
#[derive(Debug)]
pub struct SluiceHost {
    /// `size_of::<SluiceHost>()` as the host knows it.
    pub struct_size: usize,
    /// The ABI version of this handshake (the same as the `abi_version` argument).
    pub abi_version: u32,
    /// The host's version, NUL-terminated (`"0.1.0"`).
    pub host_version: *const c_char,
}

/// Reads up to `len` bytes into `buf`; `*out_read == 0` means the end of the input.
pub type SluiceReadFn = unsafe extern "C" fn(
    ctx: *mut c_void,
    buf: *mut u8,
    len: usize,
    out_read: *mut usize,
    out_error: *mut SluiceError,
) -> i32;

/// Reads up to `len` bytes at `offset`; fewer only at the end of the input.
pub type SluiceReadAtFn = unsafe extern "C" fn(
    ctx: *mut c_void,
    offset: u64,
    buf: *mut u8,
    len: usize,
    out_read: *mut usize,
    out_error: *mut SluiceError,
) -> i32;

/// The host's bytes for one opened object: a vtable of callbacks over `ctx`. `open` takes
/// ownership (move semantics, as the Arrow C interfaces): the plugin copies the struct,
/// marks the original released (`release = NULL`), and calls `release(ctx)` once when done.
/// The callbacks may be called from any one thread at a time.
#[repr(C)]
#[derive(Debug)]
pub struct SluiceInput {
    /// `size_of::<SluiceInput>()` as the host knows it.
    pub struct_size: usize,
    /// The host's state.
    pub ctx: *mut c_void,
    /// The object's location for messages, NUL-terminated UTF-8, valid until `release`.
    pub location: *const c_char,
    /// Sequential read of the decompressed bytes, from the start.
    pub read: Option<SluiceReadFn>,
    /// Random access to the raw object; null when the object is compressed or its storage
    /// cannot seek.
    pub read_at: Option<SluiceReadAtFn>,
    /// The size in bytes of what `read_at` reads: returns 1 and sets `*out_size` when known,
    /// 0 when unknown.
    pub size: Option<unsafe extern "C" fn(ctx: *mut c_void, out_size: *mut u64) -> i32>,
    /// Frees `ctx`. Null once released.
    pub release: Option<unsafe extern "C" fn(ctx: *mut c_void)>,
    /// Restarts `read` at the start of the input (a decoder that reads twice, to infer a
    /// schema and then to decode); may fail (standard input that was not buffered).
    pub rewind: Option<unsafe extern "C" fn(ctx: *mut c_void, out_error: *mut SluiceError) -> i32>,
}

impl SluiceInput {
    /// A blank input (no callbacks) for a callee to write into.
    pub fn empty() -> Self {
        SluiceInput {
            struct_size: std::mem::size_of::<SluiceInput>(),
            ctx: std::ptr::null_mut(),
            location: std::ptr::null(),
            read: None,
            read_at: None,
            size: None,
            release: None,
            rewind: None,
        }
    }
}

/// Scores a probe: [`SLUICE_SNIFF_NO`], [`SLUICE_SNIFF_MAYBE`] or [`SLUICE_SNIFF_YES`]
/// (anything else counts as no). `head` is up to the first 64 KiB of decompressed content,
/// `complete` is 1 when it is the whole input, `name` the file name without codec
/// extensions.
pub type SluiceSniffFn = unsafe extern "C" fn(
    format: *const SluiceFormat,
    head: *const u8,
    len: usize,
    complete: i32,
    name: *const c_char,
) -> i32;

/// Opens `input` (taking ownership of it, whatever the outcome) with the scan options as a
/// JSON object (`batch_size`, `projection`, `limit`, `infer_rows`, `threads`,
/// `format_options`, and `schema` when explicit), and writes a stream to `out_stream`.
pub type SluiceOpenFn = unsafe extern "C" fn(
    format: *const SluiceFormat,
    input: *mut SluiceInput,
    options_json: *const c_char,
    out_stream: *mut FFI_ArrowArrayStream,
    out_error: *mut SluiceError,
) -> i32;

/// Checks the format options (a JSON object of the scan options) before any file opens.
pub type SluiceValidateFn = unsafe extern "C" fn(
    format: *const SluiceFormat,
    options_json: *const c_char,
    out_error: *mut SluiceError,
) -> i32;

/// One file format of a plugin.
#[repr(C)]
#[derive(Debug)]
pub struct SluiceFormat {
    /// `size_of::<SluiceFormat>()` as the plugin knows it.
    pub struct_size: usize,
    /// The format's name (`libsvm`), NUL-terminated lowercase UTF-8.
    pub name: *const c_char,
    /// File extensions without the dot, a null-terminated array of NUL-terminated strings.
    pub extensions: *const *const c_char,
    /// [`SLUICE_ACCESS_SEQUENTIAL`] or [`SLUICE_ACCESS_RANDOM`].
    pub access: u32,
    /// Lower sorts first; breaks ties between equally confident sniffs.
    pub priority: i32,
    /// Required.
    pub sniff: Option<SluiceSniffFn>,
    /// Optional: null accepts any options (checked at `open` instead).
    pub validate_options: Option<SluiceValidateFn>,
    /// Required.
    pub open: Option<SluiceOpenFn>,
    /// For the plugin.
    pub private_data: *mut c_void,
}

/// Decompresses `input` (the compressed bytes, read through its `read`; the codec takes
/// ownership of it, whatever the outcome) into a new input written to `out`, whose `read`
/// yields the decompressed bytes and which the host releases. `out`'s `read_at` is null and
/// its `size` null or answering unknown; its `rewind` may be null (a decompressed stream
/// that cannot restart). A corrupt
/// or truncated stream must fail a `read`, never end early.
pub type SluiceDecompressFn = unsafe extern "C" fn(
    codec: *const SluiceCodec,
    input: *mut SluiceInput,
    out: *mut SluiceInput,
    out_error: *mut SluiceError,
) -> i32;

/// One compression codec of a plugin.
#[repr(C)]
#[derive(Debug)]
pub struct SluiceCodec {
    /// `size_of::<SluiceCodec>()` as the plugin knows it.
    pub struct_size: usize,
    /// The codec's name (`lz4`), NUL-terminated lowercase UTF-8.
    pub name: *const c_char,
    /// File extensions without the dot, a null-terminated array of NUL-terminated strings.
    pub extensions: *const *const c_char,
    /// `num_magics` pointers to the magic byte sequences that start a stream of this codec.
    pub magics: *const *const u8,
    /// The length of each magic, `num_magics` entries.
    pub magic_lengths: *const usize,
    /// How many magics there are (0 is allowed: the codec is chosen by extension only).
    pub num_magics: usize,
    /// Lower sorts first.
    pub priority: i32,
    /// Required.
    pub decompress: Option<SluiceDecompressFn>,
    /// For the plugin.
    pub private_data: *mut c_void,
}

/// Called by a storage backend's `head` and `list` once per object found: its location
/// (NUL-terminated UTF-8, only valid during the call) and its size when `size_known` is 1.
/// Returns [`SLUICE_STATUS_OK`] to go on; anything else asks the backend to stop and return.
pub type SluiceObjectFn = unsafe extern "C" fn(
    ctx: *mut c_void,
    location: *const c_char,
    size: u64,
    size_known: i32,
) -> i32;

/// `head`: calls `emit` once if `location` is an object, not at all if it is a directory or
/// prefix or nothing. `list`: calls `emit` for every object under the directory or prefix
/// `location`, recursively, in any order. `options_json` is a JSON object of string values
/// (credentials among them: never echo them in a message).
pub type SluiceListFn = unsafe extern "C" fn(
    source: *const SluiceSource,
    location: *const c_char,
    options_json: *const c_char,
    emit: SluiceObjectFn,
    emit_ctx: *mut c_void,
    out_error: *mut SluiceError,
) -> i32;

/// Opens the object at `location` and writes it to `out` as an input the host owns:
/// `read` from offset 0, `rewind`, and `read_at` and `size` when the storage can seek.
pub type SluiceSourceOpenFn = unsafe extern "C" fn(
    source: *const SluiceSource,
    location: *const c_char,
    options_json: *const c_char,
    out: *mut SluiceInput,
    out_error: *mut SluiceError,
) -> i32;

/// One storage backend of a plugin, serving URL schemes.
#[repr(C)]
#[derive(Debug)]
pub struct SluiceSource {
    /// `size_of::<SluiceSource>()` as the plugin knows it.
    pub struct_size: usize,
    /// The backend's name (`mem`), NUL-terminated lowercase UTF-8.
    pub name: *const c_char,
    /// The URL schemes it serves, a null-terminated array of NUL-terminated lowercase strings.
    pub schemes: *const *const c_char,
    /// Lower sorts first when two backends claim the same scheme.
    pub priority: i32,
    /// Required.
    pub head: Option<SluiceListFn>,
    /// Required.
    pub list: Option<SluiceListFn>,
    /// Required.
    pub open: Option<SluiceSourceOpenFn>,
    /// For the plugin.
    pub private_data: *mut c_void,
}

/// What a plugin offers. Lives as long as the process (plugins are never unloaded).
#[repr(C)]
#[derive(Debug)]
pub struct SluiceDescriptor {
    /// `size_of::<SluiceDescriptor>()` as the plugin knows it.
    pub struct_size: usize,
    /// The ABI version the plugin answered with.
    pub abi_version: u32,
    /// The plugin's name, NUL-terminated UTF-8.
    pub name: *const c_char,
    /// The plugin's own version, NUL-terminated UTF-8.
    pub version: *const c_char,
    /// How many entries `formats` has.
    pub num_formats: usize,
    /// An array of `num_formats` pointers (pointers, so that [`SluiceFormat`] can grow).
    pub formats: *const *const SluiceFormat,
    /// Added after the first layout: read only when `struct_size` is at least
    /// [`SLUICE_DESCRIPTOR_SIZE_CODECS_SOURCES`]. How many entries `codecs` has.
    pub num_codecs: usize,
    /// An array of `num_codecs` pointers.
    pub codecs: *const *const SluiceCodec,
    /// How many entries `sources` has.
    pub num_sources: usize,
    /// An array of `num_sources` pointers.
    pub sources: *const *const SluiceSource,
}

/// The type of [`SLUICE_PLUGIN_INIT_SYMBOL`]: given the ABI version the host asks for, the
/// plugin writes its descriptor to `out` and returns [`SLUICE_STATUS_OK`], or returns
/// [`SLUICE_STATUS_UNSUPPORTED_VERSION`] (with a message) when it does not speak it.
pub type SluicePluginInit = unsafe extern "C" fn(
    abi_version: u32,
    host: *const SluiceHost,
    out: *mut *const SluiceDescriptor,
    out_error: *mut SluiceError,
) -> i32;

/// The size of [`SluiceFormat`] in ABI version 1: a host reads no field past it from a
/// version-1 plugin.
pub const SLUICE_FORMAT_SIZE_V1: usize = std::mem::size_of::<SluiceFormat>();
/// The smallest [`SluiceDescriptor`] of ABI version 1: formats only. A descriptor this
/// small offers no codecs and no storage backends.
pub const SLUICE_DESCRIPTOR_SIZE_V1: usize = std::mem::offset_of!(SluiceDescriptor, num_codecs);
/// The size of a [`SluiceDescriptor`] that has the `codecs` and `sources` fields.
pub const SLUICE_DESCRIPTOR_SIZE_CODECS_SOURCES: usize = std::mem::size_of::<SluiceDescriptor>();
/// The size of [`SluiceCodec`] in ABI version 1.
pub const SLUICE_CODEC_SIZE_V1: usize = std::mem::size_of::<SluiceCodec>();
/// The size of [`SluiceSource`] in ABI version 1.
pub const SLUICE_SOURCE_SIZE_V1: usize = std::mem::size_of::<SluiceSource>();

/// The start of the optional detail prefix of an error message (see [`SluiceError`]).
pub const SLUICE_ERROR_DETAIL_PREFIX: &str = "[sluice ";
