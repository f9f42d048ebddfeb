//! Writing rows to standard output: JSON Lines, CSV or a table, through one buffered,
//! locked handle that notices when the reader of a pipe has gone away.

mod jsonl;
pub(crate) mod schema;
mod table;

use std::io::{self, BufWriter, StdoutLock, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use arrow::datatypes::{DataType, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;

use crate::Failure;
use crate::args::OutputKind;
use jsonl::JsonlWriter;
use table::TableWriter;

/// Set once a write to standard output failed with `BrokenPipe`: the reader went away
/// (`sluice cat … | head`), so the process should end quietly with status 0, whatever
/// error the failed write turned into on its way up (arrow-csv flattens it to a string).
static BROKEN_PIPE: AtomicBool = AtomicBool::new(false);

/// Whether standard output's reader has gone away.
pub(crate) fn stdout_closed() -> bool {
    BROKEN_PIPE.load(Ordering::Relaxed)
}

/// Standard output, locked and buffered; records a broken pipe in [`stdout_closed`].
pub(crate) struct Stdout {
    inner: BufWriter<StdoutLock<'static>>,
}

impl Stdout {
    pub(crate) fn new() -> Self {
        Stdout {
            inner: BufWriter::with_capacity(64 * 1024, io::stdout().lock()),
        }
    }

    fn note<T>(result: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &result
            && e.kind() == io::ErrorKind::BrokenPipe
        {
            BROKEN_PIPE.store(true, Ordering::Relaxed);
        }
        result
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Self::note(self.inner.write(buf))
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        Self::note(self.inner.write_all(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        Self::note(self.inner.flush())
    }
}

/// Writes batches in one of the output formats.
pub(crate) enum RowWriter<W: Write> {
    Jsonl(JsonlWriter<W>),
    Csv {
        writer: Box<arrow::csv::Writer<W>>,
        schema: SchemaRef,
        wrote: bool,
    },
    Table(TableWriter<W>),
}

impl<W: Write> RowWriter<W> {
    /// A writer of `kind`; CSV refuses nested columns before anything is written.
    pub(crate) fn new(kind: OutputKind, out: W, schema: SchemaRef) -> Result<Self, Failure> {
        if kind == OutputKind::Csv {
            check_flat(&schema)?;
        }
        Ok(match kind {
            OutputKind::Jsonl => RowWriter::Jsonl(JsonlWriter::new(out)),
            OutputKind::Csv => RowWriter::Csv {
                writer: Box::new(
                    arrow::csv::WriterBuilder::new()
                        .with_header(true)
                        .build(out),
                ),
                schema,
                wrote: false,
            },
            OutputKind::Table => RowWriter::Table(TableWriter::new(out, schema)),
        })
    }

    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<(), Failure> {
        match self {
            RowWriter::Jsonl(w) => w.write(batch).map_err(Failure::output),
            RowWriter::Csv { writer, wrote, .. } => {
                *wrote = true;
                writer.write(batch).map_err(Failure::output)
            }
            RowWriter::Table(w) => w.write(batch),
        }
    }

    /// Writes what is left (a CSV header for no rows, the last table) and flushes.
    pub(crate) fn finish(self) -> Result<(), Failure> {
        let mut out = match self {
            RowWriter::Jsonl(w) => w.finish().map_err(Failure::output)?,
            RowWriter::Csv {
                mut writer,
                schema,
                wrote,
            } => {
                // No rows: still the header, unless there are no columns (an empty input).
                if !wrote && !schema.fields().is_empty() {
                    writer
                        .write(&RecordBatch::new_empty(schema))
                        .map_err(Failure::output)?;
                }
                writer.into_inner()
            }
            RowWriter::Table(w) => w.finish()?,
        };
        out.flush().map_err(Failure::from)
    }
}

/// CSV has no form for nested values: name the first nested column and what to do.
fn check_flat(schema: &Schema) -> Result<(), Failure> {
    let nested = schema.fields().iter().find(|f| {
        matches!(
            f.data_type(),
            DataType::Struct(_)
                | DataType::List(_)
                | DataType::LargeList(_)
                | DataType::ListView(_)
                | DataType::LargeListView(_)
                | DataType::FixedSizeList(_, _)
                | DataType::Map(_, _)
                | DataType::Union(_, _)
        )
    });
    match nested {
        None => Ok(()),
        Some(field) => Err(Failure::Message(format!(
            "cannot write column {:?} of type {} as CSV, which has no nested values; \
             use --output jsonl, or --columns to leave it out",
            field.name(),
            schema::type_name(field.data_type())
        ))),
    }
}
