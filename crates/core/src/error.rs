//! The one public error type of sluice.
//!
//! Every variant names the location it concerns and, where it is known, the line or byte
//! offset, so that a user can act on the message without reading the source.

use std::fmt;
use std::io;

use arrow_schema::ArrowError;

/// A boxed error from a lower layer, kept as the `source` of an [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The result type of sluice.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in a file an error happened, as far as it is known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Position {
    /// 1-based line number in the (decompressed) text.
    pub line: Option<u64>,
    /// 0-based byte offset in the (decompressed) stream.
    pub offset: Option<u64>,
    /// 1-based record (row) number, for formats where records and lines differ.
    pub record: Option<u64>,
}

impl Position {
    /// No position known.
    pub const NONE: Position = Position {
        line: None,
        offset: None,
        record: None,
    };

    /// A position at a 1-based line.
    pub fn line(line: u64) -> Self {
        Position {
            line: Some(line),
            ..Self::NONE
        }
    }

    /// A position at a 0-based byte offset.
    pub fn offset(offset: u64) -> Self {
        Position {
            offset: Some(offset),
            ..Self::NONE
        }
    }

    /// A position at a 1-based record number.
    pub fn record(record: u64) -> Self {
        Position {
            record: Some(record),
            ..Self::NONE
        }
    }
}

impl fmt::Display for Position {
    /// Renders as `" line 3"`, `" record 7"`, `" byte offset 120"` (with a leading space) or
    /// nothing, so that it can follow a location directly.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        } else if let Some(record) = self.record {
            write!(f, " record {record}")?;
        }
        if let Some(offset) = self.offset {
            write!(f, " byte offset {offset}")?;
        }
        Ok(())
    }
}

/// The broad class of an [`Error`], for callers that branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A location, file, column or plugin that does not exist.
    NotFound,
    /// Input that does not follow its format: malformed JSON, ragged CSV rows, invalid UTF-8.
    Parse,
    /// Corrupt or truncated compressed data.
    Decompress,
    /// The file name (or an option) says one format and the content says another.
    FormatMismatch,
    /// The format or codec could not be determined.
    UnknownFormat,
    /// Schemas that cannot be unified, or a value that does not fit its column type.
    Schema,
    /// A projected column that no input has.
    UnknownColumn,
    /// An invalid option or argument.
    InvalidOption,
    /// Something the build or the format does not support.
    Unsupported,
    /// An I/O error from the storage backend.
    Io,
    /// A bug or broken invariant inside sluice or a plugin.
    Internal,
}

/// The one public error type of sluice.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A location that matched nothing.
    #[error("not found: {location}{}", detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    NotFound {
        /// The location as the user wrote it (a path, URL or glob).
        location: String,
        /// More detail, such as the pattern that matched no file.
        detail: Option<String>,
    },

    /// Input that does not follow its format.
    #[error("invalid {format} at {location}{position}: {message}")]
    Parse {
        /// The format being decoded (`CSV`, `JSON`, ...).
        format: String,
        /// The file.
        location: String,
        /// Line, record or byte offset, where known.
        position: Position,
        /// What was expected and what was found.
        message: String,
        /// The lower-level error, if any.
        #[source]
        source: Option<BoxError>,
    },

    /// Corrupt or truncated compressed data.
    #[error("corrupt or truncated {codec} data in {location}: {source}")]
    Decompress {
        /// The codec name (`gzip`, `zstd`).
        codec: String,
        /// The file.
        location: String,
        /// The decompressor's error.
        #[source]
        source: io::Error,
    },

    /// The name or options say one thing and the content says another.
    #[error("{location}: {message}")]
    FormatMismatch {
        /// The file.
        location: String,
        /// What each piece of evidence says.
        message: String,
    },

    /// The format or codec could not be determined, or is not registered.
    #[error("{location}: {message}")]
    UnknownFormat {
        /// The file.
        location: String,
        /// Why, and what would fix it.
        message: String,
    },

    /// Two inputs disagree on a column's type, or a value does not fit its column.
    #[error("{message}")]
    Schema {
        /// The full explanation, naming the files and the column.
        message: String,
    },

    /// A projected column that does not exist.
    #[error("unknown column {column:?}{}; available columns: {}", location.as_deref().map(|l| format!(" in {l}")).unwrap_or_default(), available.join(", "))]
    UnknownColumn {
        /// The column asked for.
        column: String,
        /// The file, when the check was made for one file.
        location: Option<String>,
        /// The columns that do exist.
        available: Vec<String>,
    },

    /// An invalid option or argument.
    #[error("invalid option: {message}")]
    InvalidOption {
        /// What is wrong and what is allowed.
        message: String,
    },

    /// Something this build or format does not support.
    #[error("{location}: {message}")]
    Unsupported {
        /// The file (or `-` when not about a file).
        location: String,
        /// What is not supported and what to do instead.
        message: String,
    },

    /// An I/O error from storage.
    #[error("I/O error on {location}: {source}")]
    Io {
        /// The file or directory.
        location: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },

    /// An Arrow error that could not be classified further.
    #[error("{location}: {source}")]
    Arrow {
        /// The file.
        location: String,
        /// The Arrow error.
        #[source]
        source: ArrowError,
    },

    /// A broken invariant.
    #[error("internal error: {message}")]
    Internal {
        /// What went wrong.
        message: String,
    },
}

impl Error {
    /// The broad class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Parse { .. } => ErrorKind::Parse,
            Error::Decompress { .. } => ErrorKind::Decompress,
            Error::FormatMismatch { .. } => ErrorKind::FormatMismatch,
            Error::UnknownFormat { .. } => ErrorKind::UnknownFormat,
            Error::Schema { .. } => ErrorKind::Schema,
            Error::UnknownColumn { .. } => ErrorKind::UnknownColumn,
            Error::InvalidOption { .. } => ErrorKind::InvalidOption,
            Error::Unsupported { .. } => ErrorKind::Unsupported,
            Error::Io { .. } => ErrorKind::Io,
            Error::Arrow { .. } => ErrorKind::Parse,
            Error::Internal { .. } => ErrorKind::Internal,
        }
    }

    /// A parse error in `format` at `location`.
    pub fn parse(
        format: impl Into<String>,
        location: impl Into<String>,
        position: Position,
        message: impl Into<String>,
    ) -> Self {
        Error::Parse {
            format: format.into(),
            location: location.into(),
            position,
            message: message.into(),
            source: None,
        }
    }

    /// An invalid-option error.
    pub fn invalid_option(message: impl Into<String>) -> Self {
        Error::InvalidOption {
            message: message.into(),
        }
    }

    /// Wraps an I/O error met while reading `location`, keeping decompression failures
    /// (tagged by the codec layer) apart from storage failures.
    ///
    /// An `io::Error` that carries a sluice [`Error`] (a reader over a plugin's or another
    /// side's bytes that failed with a typed error) gives that error back unchanged.
    pub fn from_io(location: impl Into<String>, err: io::Error) -> Self {
        let location = location.into();
        let err = if err.get_ref().is_some_and(|inner| inner.is::<Error>()) {
            let kind = err.kind();
            match err.into_inner().map(|b| b.downcast::<Error>()) {
                Some(Ok(typed)) => return *typed,
                _ => io::Error::from(kind),
            }
        } else {
            err
        };
        match DecompressFailure::take(err) {
            Ok((codec, source)) => Error::Decompress {
                codec,
                location,
                source,
            },
            Err(err) if err.kind() == io::ErrorKind::NotFound => Error::NotFound {
                location,
                detail: Some(err.to_string()),
            },
            Err(source) => Error::Io { location, source },
        }
    }

    /// Wraps an Arrow error from a decoder of `format` reading `location`.
    ///
    /// A sluice [`Error`] smuggled through `ArrowError::ExternalError` comes back out as it
    /// was; I/O errors (and the decompression failures they may carry) are classified by
    /// [`Error::from_io`]; anything else becomes a parse error with the given position.
    pub fn from_arrow(
        format: &str,
        location: impl Into<String>,
        position: Position,
        err: ArrowError,
    ) -> Self {
        let location = location.into();
        match err {
            ArrowError::ExternalError(inner) => match inner.downcast::<Error>() {
                Ok(e) => *e,
                Err(inner) => match inner.downcast::<io::Error>() {
                    Ok(io) => Error::from_io(location, *io),
                    Err(inner) => Error::Parse {
                        format: format.to_string(),
                        location,
                        position,
                        message: inner.to_string(),
                        source: Some(inner),
                    },
                },
            },
            ArrowError::IoError(_, io) => Error::from_io(location, io),
            ArrowError::ParseError(m)
            | ArrowError::CsvError(m)
            | ArrowError::JsonError(m)
            | ArrowError::InvalidArgumentError(m)
            | ArrowError::CastError(m)
            | ArrowError::ComputeError(m) => Error::Parse {
                format: format.to_string(),
                location,
                position,
                message: m,
                source: None,
            },
            other => Error::Arrow {
                location,
                source: other,
            },
        }
    }

    /// Converts this error into an [`ArrowError`] that [`Error::from_arrow`] (and
    /// `From<ArrowError>`) turn back into the same error.
    pub fn into_arrow(self) -> ArrowError {
        ArrowError::ExternalError(Box::new(self))
    }
}

impl From<ArrowError> for Error {
    fn from(err: ArrowError) -> Self {
        match err {
            ArrowError::ExternalError(inner) => match inner.downcast::<Error>() {
                Ok(e) => *e,
                Err(inner) => Error::Internal {
                    message: inner.to_string(),
                },
            },
            other => Error::Arrow {
                location: "-".to_string(),
                source: other,
            },
        }
    }
}

/// The payload that the codec layer puts inside an `io::Error` so that a decompression
/// failure can be told apart from a storage failure after it has passed through a decoder.
#[derive(Debug)]
pub struct DecompressFailure {
    codec: String,
    source: io::Error,
}

impl DecompressFailure {
    /// Wraps `source`, an error from the `codec` decompressor, into an `io::Error`.
    pub fn wrap(codec: &str, source: io::Error) -> io::Error {
        // Errors that already carry a tag (nested codecs) keep the innermost one, and a
        // typed error (from a plugin's reader) keeps its own kind.
        if source
            .get_ref()
            .is_some_and(|inner| inner.is::<DecompressFailure>() || inner.is::<Error>())
        {
            return source;
        }
        let kind = source.kind();
        io::Error::new(
            kind,
            DecompressFailure {
                codec: codec.to_string(),
                source,
            },
        )
    }

    /// Splits a tagged error back into (codec, original error); an untagged one is returned
    /// unchanged in `Err`.
    fn take(err: io::Error) -> std::result::Result<(String, io::Error), io::Error> {
        if !err
            .get_ref()
            .is_some_and(|inner| inner.is::<DecompressFailure>())
        {
            return Err(err);
        }
        let kind = err.kind();
        match err.into_inner().map(|b| b.downcast::<DecompressFailure>()) {
            Some(Ok(tag)) => Ok((tag.codec, tag.source)),
            // Unreachable given the check above; keep the kind rather than panic.
            _ => Err(io::Error::from(kind)),
        }
    }
}

impl fmt::Display for DecompressFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "corrupt or truncated {} data: {}",
            self.codec, self.source
        )
    }
}

impl std::error::Error for DecompressFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decompress_failure_survives_arrow_wrapping() {
        let io = DecompressFailure::wrap(
            "gzip",
            io::Error::new(io::ErrorKind::UnexpectedEof, "unexpected end of file"),
        );
        let arrow = ArrowError::IoError("read failed".into(), io);
        let err = Error::from_arrow("CSV", "a.csv.gz", Position::NONE, arrow);
        assert_eq!(err.kind(), ErrorKind::Decompress);
        assert_eq!(
            err.to_string(),
            "corrupt or truncated gzip data in a.csv.gz: unexpected end of file"
        );
    }

    #[test]
    fn sluice_error_round_trips_through_arrow() {
        let err = Error::parse("JSON", "a.jsonl", Position::line(3), "expected ','");
        let back = Error::from(err.into_arrow());
        assert_eq!(back.kind(), ErrorKind::Parse);
        assert_eq!(
            back.to_string(),
            "invalid JSON at a.jsonl line 3: expected ','"
        );
    }

    #[test]
    fn unknown_column_lists_available() {
        let err = Error::UnknownColumn {
            column: "x".into(),
            location: None,
            available: vec!["a".into(), "b".into()],
        };
        assert_eq!(
            err.to_string(),
            "unknown column \"x\"; available columns: a, b"
        );
    }
}
