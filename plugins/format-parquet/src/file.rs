//! [`ParquetFile`]: one Parquet object with its footer parsed, and the errors of reading it.

use std::sync::Arc;

use arrow_schema::SchemaRef;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
use sluice_core::{DecodeInput, Error, Position, ScanOptions};

use crate::source::RangeSource;
use crate::zones;

/// The format name in messages.
pub(crate) const FORMAT: &str = "Parquet";
/// The magic bytes at both ends of a Parquet file.
const MAGIC: &[u8; 4] = b"PAR1";
/// The magic at the end of a file with an encrypted footer.
const ENCRYPTED_MAGIC: &[u8; 4] = b"PARE";
/// Magic + footer length + magic: the smallest possible Parquet file.
const MIN_SIZE: u64 = 12;
/// The tail fetched with the first request; footers are usually smaller, so parsing the
/// metadata needs no second round trip.
const FOOTER_GUESS: u64 = 64 * 1024;

/// A Parquet object whose footer has been read.
#[derive(Debug, Clone)]
pub(crate) struct ParquetFile {
    pub(crate) location: String,
    pub(crate) source: RangeSource,
    pub(crate) metadata: ArrowReaderMetadata,
}

impl ParquetFile {
    /// Reads the magic and the footer of `input` (nothing else). With `options.schema`
    /// set, the file is read as that schema (compatible types are cast by parquet).
    pub(crate) fn open(input: &DecodeInput, options: &ScanOptions) -> Result<Self, Error> {
        let location = input.location().to_string();
        let Some(object) = input.random_access() else {
            return Err(Error::Unsupported {
                location,
                message: "Parquet files need random access, which this input does not give \
                          (compressed, or a stream such as standard input); store the file \
                          uncompressed on a seekable backend"
                    .to_string(),
            });
        };
        let size = object.size().ok_or_else(|| Error::Unsupported {
            location: location.clone(),
            message: "Parquet files need a known size to find the footer".to_string(),
        })?;
        if size < MIN_SIZE {
            return Err(parse_error(
                &location,
                format!(
                    "not a Parquet file: {size} bytes is smaller than the smallest Parquet \
                     file ({MIN_SIZE} bytes: magic, footer length, magic)"
                ),
            ));
        }
        let tail_start = size - size.min(FOOTER_GUESS);
        let source = RangeSource::new(Arc::clone(object), size)
            .with_prefetched(vec![0..MAGIC.len() as u64, tail_start..size])?;
        check_magic(&source, &location)?;

        let loaded = sluice_core::panics::catch(|| {
            ArrowReaderMetadata::load(&source, ArrowReaderOptions::new())
        });
        let metadata = match loaded {
            Ok(Ok(m)) => m,
            Ok(Err(e)) => {
                return Err(source.take_error().unwrap_or_else(|| {
                    parse_error(&location, format!("corrupt or truncated footer: {e}"))
                }));
            }
            Err(what) => {
                return Err(parse_error(
                    &location,
                    format!(
                        "corrupt footer (the Parquet reader panicked while parsing it: {what})"
                    ),
                ));
            }
        };
        // The schema to read as: the explicit one, else the file's with the zones that
        // Parquet could not carry put back (see `zones`).
        let wanted = match &options.schema {
            Some(schema) => Some(Arc::clone(schema)),
            None => zones::with_hinted_zones(
                metadata.schema(),
                metadata.metadata().file_metadata().key_value_metadata(),
            ),
        };
        let metadata = match wanted {
            None => metadata,
            Some(schema) => {
                let applied = sluice_core::panics::catch(|| {
                    ArrowReaderMetadata::try_new(
                        Arc::clone(metadata.metadata()),
                        ArrowReaderOptions::new().with_schema(schema),
                    )
                });
                match applied {
                    Ok(Ok(m)) => m,
                    Ok(Err(e)) => {
                        return Err(Error::Schema {
                            message: format!(
                                "{location}: the Parquet file cannot be read as the given \
                                 schema: {e}"
                            ),
                        });
                    }
                    Err(what) => {
                        return Err(parse_error(
                            &location,
                            format!(
                                "corrupt schema (the Parquet reader panicked while converting it: {what})"
                            ),
                        ));
                    }
                }
            }
        };
        Ok(ParquetFile {
            location,
            source,
            metadata,
        })
    }

    /// The Arrow schema of the whole file.
    pub(crate) fn schema(&self) -> SchemaRef {
        Arc::clone(self.metadata.schema())
    }

    /// The row count recorded in the footer.
    pub(crate) fn num_rows(&self) -> Result<u64, Error> {
        let n = self.metadata.metadata().file_metadata().num_rows();
        u64::try_from(n).map_err(|_| {
            parse_error(
                &self.location,
                format!("corrupt footer: negative row count {n}"),
            )
        })
    }

    /// The number of row groups.
    pub(crate) fn num_row_groups(&self) -> usize {
        self.metadata.metadata().num_row_groups()
    }
}

/// Checks the magic at both ends (both are in the prefetched ranges).
fn check_magic(source: &RangeSource, location: &str) -> Result<(), Error> {
    use parquet::file::reader::ChunkReader;
    let read = |at: u64| -> Result<[u8; 4], Error> {
        let bytes = source.get_bytes(at, MAGIC.len()).map_err(|e| {
            source
                .take_error()
                .unwrap_or_else(|| parse_error(location, e.to_string()))
        })?;
        let mut out = [0; 4];
        out.copy_from_slice(&bytes);
        Ok(out)
    };
    let head = read(0)?;
    if &head != MAGIC {
        return Err(Error::FormatMismatch {
            location: location.to_string(),
            message: format!(
                "not a Parquet file: it starts with {} where Parquet files start with \"PAR1\"",
                show(&head)
            ),
        });
    }
    let tail = read(source.size() - MAGIC.len() as u64)?;
    if &tail == ENCRYPTED_MAGIC {
        return Err(Error::Unsupported {
            location: location.to_string(),
            message: "the Parquet file has an encrypted footer, which sluice cannot read"
                .to_string(),
        });
    }
    if &tail != MAGIC {
        return Err(parse_error(
            location,
            format!(
                "truncated or corrupt Parquet file: it ends with {} where Parquet files \
                 end with \"PAR1\" (was it cut short while copying?)",
                show(&tail)
            ),
        ));
    }
    Ok(())
}

/// Bytes as a quoted string with non-printable bytes escaped.
fn show(bytes: &[u8]) -> String {
    format!("\"{}\"", bytes.escape_ascii())
}

/// A Parquet parse error at `location`.
pub(crate) fn parse_error(location: &str, message: impl Into<String>) -> Error {
    Error::parse(FORMAT, location, Position::NONE, message)
}
