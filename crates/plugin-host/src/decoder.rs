//! [`ForeignDecoder`]: a plugin's format as a [`Decoder`].

use std::ffi::CString;
use std::sync::Arc;

use arrow_array::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_schema::{ArrowError, SchemaRef};
use sluice_core::{
    Access, BatchStream, DecodeInput, Decoder, Error, Probe, Result, ScanOptions, Sniff,
};
use sluice_plugin_abi::*;
use sluice_plugin_sdk::{ErrorContext, decode_error, options_to_json, split_detail};

use crate::input::decode_input;
use crate::load::{FormatInfo, PluginLib, take_error};

/// One format of a loaded plugin. Holds an `Arc` of its library, which is never unloaded.
#[derive(Debug, Clone)]
pub struct ForeignDecoder {
    lib: Arc<PluginLib>,
    index: usize,
}

impl ForeignDecoder {
    pub(crate) fn new(lib: Arc<PluginLib>, index: usize) -> Self {
        ForeignDecoder { lib, index }
    }

    fn info(&self) -> &FormatInfo {
        &self.lib.formats[self.index]
    }

    /// The format's priority, as the plugin declared it.
    pub fn priority(&self) -> i32 {
        self.info().priority
    }

    /// The library's path.
    pub fn plugin_path(&self) -> &str {
        &self.lib.path
    }

    /// The error for a failed call: a status and the plugin's message (typed by its
    /// detail prefix when it has one), naming the plugin and the file.
    fn error(&self, status: i32, location: &str, message: Option<String>) -> Error {
        decode_error(
            status,
            message.as_deref(),
            &ErrorContext {
                location,
                format: &self.info().name,
                codec: "unknown",
                suffix: &self.lib.suffix(),
            },
        )
    }

    fn options_json(&self, options: &ScanOptions) -> Result<CString> {
        let json = options_to_json(options).map_err(|e| Error::Unsupported {
            location: self.lib.path.clone(),
            message: e.to_string(),
        })?;
        CString::new(json).map_err(|_| Error::invalid_option("options hold a NUL byte"))
    }
}

impl Decoder for ForeignDecoder {
    fn name(&self) -> &str {
        &self.info().name
    }

    fn extensions(&self) -> &[&str] {
        &self.info().extensions
    }

    fn access(&self) -> Access {
        if self.info().access == SLUICE_ACCESS_RANDOM {
            Access::RandomAccess
        } else {
            Access::Sequential
        }
    }

    fn sniff(&self, probe: &Probe<'_>) -> Sniff {
        let name = CString::new(probe.name.replace('\0', "")).unwrap_or_default();
        let info = self.info();
        // SAFETY: the plugin's sniff with its own format, `len` readable bytes and a
        // NUL-terminated name, as the ABI says.
        let answer = unsafe {
            (info.sniff)(
                info.format,
                probe.head.as_ptr(),
                probe.head.len(),
                i32::from(probe.complete),
                name.as_ptr(),
            )
        };
        match answer {
            SLUICE_SNIFF_YES => Sniff::Yes,
            SLUICE_SNIFF_MAYBE => Sniff::Maybe,
            _ => Sniff::No,
        }
    }

    fn validate_options(&self, options: &ScanOptions) -> Result<()> {
        let info = self.info();
        let Some(validate) = info.validate else {
            return Ok(());
        };
        let json = self.options_json(options)?;
        let mut err = SluiceError::empty();
        // SAFETY: the plugin's function with its own format and valid pointers.
        let status = unsafe { validate(info.format, json.as_ptr(), &mut err) };
        let message = take_error(&mut err);
        if status == SLUICE_STATUS_OK {
            return Ok(());
        }
        Err(self.error(status, &self.lib.path, message))
    }

    fn open(&self, input: &DecodeInput, options: &ScanOptions) -> Result<Box<dyn BatchStream>> {
        let info = self.info();
        let json = self.options_json(options)?;
        let mut host_input = decode_input(input);
        let mut stream = FFI_ArrowArrayStream::empty();
        let mut err = SluiceError::empty();
        // SAFETY: the plugin's open with its own format and valid pointers; it takes the
        // input (nulling our `release`) and writes a stream on success.
        let status = unsafe {
            (info.open)(
                info.format,
                &mut host_input,
                json.as_ptr(),
                &mut stream,
                &mut err,
            )
        };
        if let Some(release) = host_input.release.take() {
            // SAFETY: the plugin did not take the input, so it is still ours to release.
            unsafe { release(host_input.ctx) }
        }
        let message = take_error(&mut err);
        if status != SLUICE_STATUS_OK {
            return Err(self.error(status, input.location(), message));
        }
        let reader = RecordBatchStreamReader::try_new(stream)
            .map_err(|e| self.stream_error(input.location(), &e))?;
        Ok(Box::new(ForeignStream {
            reader,
            decoder: self.clone(),
            location: input.location().to_string(),
            done: false,
        }))
    }
}

impl ForeignDecoder {
    /// The error a plugin's stream ended with. Only text crosses the Arrow C Stream
    /// Interface: the detail prefix, when there is one, types it; otherwise `EIO` marks an
    /// I/O error, a panic message a panic, anything else a parse error.
    fn stream_error(&self, location: &str, err: &ArrowError) -> Error {
        let text = err.to_string();
        if split_detail(&text).0.is_some() {
            // Typed by the prefix; the status only matters for plain text.
            return self.error(SLUICE_STATUS_PARSE, location, Some(text));
        }
        let status = if text.contains("plugin panic: ")
            || text.contains(sluice_plugin_sdk::POISONED_MESSAGE)
        {
            SLUICE_STATUS_PANIC
        } else if matches!(err, ArrowError::IoError(..))
            || text.contains("Error code: 5.")
            || text.ends_with("Error code: 5")
        {
            SLUICE_STATUS_IO
        } else {
            SLUICE_STATUS_PARSE
        };
        // The importer's own words before the producer's message add nothing.
        let producer = text
            .split_once("Producer error: ")
            .map_or(text.as_str(), |(_, m)| m);
        let producer = producer.strip_prefix("Io error: ").unwrap_or(producer);
        let message = producer
            .strip_prefix("External error: ")
            .unwrap_or(producer);
        self.error(status, location, Some(message.to_string()))
    }
}

/// A plugin's Arrow C stream as a [`BatchStream`].
struct ForeignStream {
    reader: RecordBatchStreamReader,
    decoder: ForeignDecoder,
    location: String,
    done: bool,
}

impl Iterator for ForeignStream {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.reader.next()? {
            Ok(batch) => Some(Ok(batch)),
            Err(e) => {
                self.done = true;
                Some(Err(self.decoder.stream_error(&self.location, &e)))
            }
        }
    }
}

impl BatchStream for ForeignStream {
    fn schema(&self) -> SchemaRef {
        self.reader.schema()
    }
}
