//! [`ExportReader`]: a decoder's stream, safe to export through the Arrow C Stream
//! Interface.

use std::panic::{AssertUnwindSafe, catch_unwind};

use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_schema::{ArrowError, SchemaRef};
use sluice_core::{BatchStream, ErrorKind};

use crate::errors::{panic_message, poison};
use crate::{POISONED_MESSAGE, clean_message, is_poisoned};

/// Wraps a [`BatchStream`] as a [`RecordBatchReader`] for `FFI_ArrowArrayStream::new`:
/// arrow-rs's exported `get_next` does not catch panics (one unwinding out of it aborts
/// the host) and panics on an error message with a NUL byte. This reader catches panics
/// (poisoning the plugin), cleans every message, and ends after the first error.
pub struct ExportReader {
    inner: Box<dyn BatchStream>,
    schema: SchemaRef,
    done: bool,
}

impl std::fmt::Debug for ExportReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportReader")
            .field("schema", &self.schema)
            .field("done", &self.done)
            .finish()
    }
}

impl ExportReader {
    /// Wraps `inner`.
    pub fn new(inner: Box<dyn BatchStream>) -> Self {
        let schema = inner.schema();
        ExportReader {
            inner,
            schema,
            done: false,
        }
    }
}

impl Iterator for ExportReader {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if is_poisoned() {
            self.done = true;
            return Some(Err(ArrowError::ExternalError(POISONED_MESSAGE.into())));
        }
        let item = match catch_unwind(AssertUnwindSafe(|| self.inner.next())) {
            Ok(item) => item,
            Err(payload) => {
                poison();
                self.done = true;
                let message = clean_message(&panic_message(&*payload));
                return Some(Err(ArrowError::ExternalError(message.into())));
            }
        };
        match item {
            None => {
                self.done = true;
                None
            }
            Some(Ok(batch)) => Some(Ok(batch)),
            Some(Err(err)) => {
                self.done = true;
                let message = clean_message(&crate::encode_error(&err));
                // The exporter turns an I/O error into EIO and the rest into EINVAL; the
                // host reads the kind back from that code.
                Some(Err(match err.kind() {
                    ErrorKind::Io => ArrowError::IoError(message, std::io::Error::other("")),
                    _ => ArrowError::ExternalError(message.into()),
                }))
            }
        }
    }
}

impl RecordBatchReader for ExportReader {
    fn schema(&self) -> SchemaRef {
        std::sync::Arc::clone(&self.schema)
    }
}
