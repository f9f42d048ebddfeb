//! Calls into arrow-ipc, with its errors (and any panic on corrupt input) turned into
//! sluice errors naming the file.

use arrow_schema::ArrowError;
use sluice_core::{Error, Position, Result};

use crate::FORMAT;

/// Converts an arrow-ipc error met while reading `location` at `position`.
pub(crate) fn arrow_error(location: &str, position: Position, err: ArrowError) -> Error {
    match err {
        ArrowError::IpcError(m) | ArrowError::SchemaError(m) | ArrowError::NotYetImplemented(m) => {
            Error::parse(FORMAT, location, position, m)
        }
        ArrowError::IoError(_, io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            match Error::from_io(location, io) {
                Error::Io { source, .. } => Error::parse(
                    FORMAT,
                    location,
                    position,
                    format!("the data ends early (truncated?): {source}"),
                ),
                other => other,
            }
        }
        other => Error::from_arrow(FORMAT, location, position, other),
    }
}

/// Runs `f`, an arrow-ipc call on data from `location`; a panic inside it (arrow-ipc
/// trusts some lengths in corrupt files) becomes a parse error.
pub(crate) fn guarded<T>(
    location: &str,
    position: Position,
    f: impl FnOnce() -> std::result::Result<T, ArrowError>,
) -> Result<T> {
    match sluice_core::panics::catch(f) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(arrow_error(location, position, e)),
        Err(why) => Err(Error::parse(
            FORMAT,
            location,
            position,
            format!("corrupt data: {why}"),
        )),
    }
}
