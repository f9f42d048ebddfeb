//! [`ParquetStream`]: the batches of a Parquet file, one row group after the other, decoded
//! on this thread or on several (output always in row-group order).

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, channel};

use arrow_array::{RecordBatch, RecordBatchOptions};
use arrow_schema::SchemaRef;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use sluice_core::{BatchStream, Error, Result};

use crate::file::{ParquetFile, parse_error};

/// Column chunks of one row group are fetched with one `read_ranges` call when they add up
/// to at most this many bytes; bigger row groups are read in 64 KiB blocks as decoded.
const PREFETCH_LIMIT: u64 = 256 << 20;

/// What to read from a file: the same for every row group.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) file: ParquetFile,
    /// The root columns read.
    pub(crate) mask: ProjectionMask,
    /// For each output column, its position among the columns the reader yields (which
    /// come in file order); `None` when they are already in output order.
    pub(crate) reorder: Option<Vec<usize>>,
    /// The output schema.
    pub(crate) schema: SchemaRef,
    pub(crate) batch_size: usize,
    /// The row groups to read, in output order (0-based indices).
    pub(crate) row_groups: Vec<usize>,
}

impl Plan {
    /// A reader of row group `rg` alone, its projected column chunks fetched up front.
    fn reader(&self, rg: usize) -> Result<ParquetRecordBatchReader> {
        let meta = self.file.metadata.metadata().row_group(rg);
        let ranges: Vec<_> = (0..meta.num_columns())
            .filter(|&i| self.mask.leaf_included(i))
            .map(|i| {
                let (start, len) = meta.column(i).byte_range();
                start..start.saturating_add(len)
            })
            .collect();
        let total: u64 = ranges.iter().map(|r| r.end - r.start).sum();
        let source = if total <= PREFETCH_LIMIT {
            self.file.source.with_prefetched(ranges)?
        } else {
            self.file.source.clone()
        };
        let built = sluice_core::panics::catch(|| {
            ParquetRecordBatchReaderBuilder::new_with_metadata(source, self.file.metadata.clone())
                .with_projection(self.mask.clone())
                .with_row_groups(vec![rg])
                .with_batch_size(self.batch_size)
                .build()
        });
        match built {
            Ok(Ok(reader)) => Ok(reader),
            Ok(Err(e)) => Err(self.error(rg, e)),
            Err(what) => Err(self.error(rg, format!("the Parquet reader panicked: {what}"))),
        }
    }

    /// The error for a failure in row group `rg`: the storage error behind it if there is
    /// one, else a parse error naming the row group.
    fn error(&self, rg: usize, err: impl std::fmt::Display) -> Error {
        self.file.source.take_error().unwrap_or_else(|| {
            parse_error(
                &self.file.location,
                format!("row group {rg} (of {}): {err}", self.file.num_row_groups()),
            )
        })
    }

    /// The batches of row group `rg`.
    pub(crate) fn row_group(self: &Arc<Self>, rg: usize) -> RowGroupBatches {
        RowGroupBatches {
            plan: Arc::clone(self),
            rg,
            reader: None,
            done: false,
        }
    }

    /// A batch of the reader, as the output schema wants it.
    fn output(&self, batch: RecordBatch) -> std::result::Result<RecordBatch, String> {
        let columns = match &self.reorder {
            None => batch.columns().to_vec(),
            Some(order) => order.iter().map(|&i| Arc::clone(batch.column(i))).collect(),
        };
        let options = RecordBatchOptions::new().with_row_count(Some(batch.num_rows()));
        RecordBatch::try_new_with_options(Arc::clone(&self.schema), columns, &options)
            .map_err(|e| e.to_string())
    }
}

/// The batches of one row group, decoded on the calling thread. Never panics: a panic
/// inside parquet becomes an error, and the iterator ends after the first error.
#[derive(Debug)]
pub(crate) struct RowGroupBatches {
    plan: Arc<Plan>,
    rg: usize,
    reader: Option<ParquetRecordBatchReader>,
    done: bool,
}

impl RowGroupBatches {
    fn fail(&mut self, err: Error) -> Option<Result<RecordBatch>> {
        self.done = true;
        self.reader = None;
        Some(Err(err))
    }
}

impl Iterator for RowGroupBatches {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let reader = match &mut self.reader {
            Some(r) => r,
            None => match self.plan.reader(self.rg) {
                Ok(r) => self.reader.insert(r),
                Err(e) => return self.fail(e),
            },
        };
        match sluice_core::panics::catch(|| reader.next()) {
            Ok(None) => {
                self.done = true;
                self.reader = None;
                None
            }
            Ok(Some(Ok(batch))) => match self.plan.output(batch) {
                Ok(b) => Some(Ok(b)),
                Err(e) => {
                    let err = Error::Internal {
                        message: format!("{}: {e}", self.plan.file.location),
                    };
                    self.fail(err)
                }
            },
            Ok(Some(Err(e))) => {
                let err = self.plan.error(self.rg, e);
                self.fail(err)
            }
            Err(what) => {
                let err = self.plan.error(
                    self.rg,
                    format!("corrupt data (the Parquet reader panicked: {what})"),
                );
                self.fail(err)
            }
        }
    }
}

/// How row groups are decoded.
#[derive(Debug)]
enum Mode {
    /// One after the other on the consumer's thread.
    Sequential(Option<RowGroupBatches>),
    /// On worker threads, one per row group, at most `window` row groups in flight; the
    /// receivers are in row-group order.
    Parallel {
        window: usize,
        pending: VecDeque<Receiver<Result<RecordBatch>>>,
        cancel: Arc<AtomicBool>,
    },
}

/// The batches of a Parquet file, in file order, at most `batch_size` rows each (a batch
/// never spans two row groups).
#[derive(Debug)]
pub(crate) struct ParquetStream {
    plan: Arc<Plan>,
    /// Position in `plan.row_groups` of the next row group to start.
    next: usize,
    mode: Mode,
    done: bool,
}

impl ParquetStream {
    /// A stream over every row group; `threads` > 1 decodes up to `threads` row groups at
    /// once (plus the one being consumed).
    pub(crate) fn new(plan: Plan, threads: usize) -> Self {
        let mode = if threads > 1 && plan.row_groups.len() > 1 {
            Mode::Parallel {
                window: threads + 1,
                pending: VecDeque::new(),
                cancel: Arc::new(AtomicBool::new(false)),
            }
        } else {
            Mode::Sequential(None)
        };
        ParquetStream {
            plan: Arc::new(plan),
            next: 0,
            mode,
            done: false,
        }
    }

    fn next_sequential(&mut self) -> Option<Result<RecordBatch>> {
        let Mode::Sequential(current) = &mut self.mode else {
            return None;
        };
        loop {
            if let Some(batches) = current {
                match batches.next() {
                    Some(item) => return Some(item),
                    None => *current = None,
                }
            }
            let rg = *self.plan.row_groups.get(self.next)?;
            *current = Some(self.plan.row_group(rg));
            self.next += 1;
        }
    }

    fn next_parallel(&mut self) -> Option<Result<RecordBatch>> {
        let Mode::Parallel {
            window,
            pending,
            cancel,
        } = &mut self.mode
        else {
            return None;
        };
        loop {
            while pending.len() < *window && self.next < self.plan.row_groups.len() {
                let rg = self.plan.row_groups[self.next];
                self.next += 1;
                let (tx, rx) = channel();
                let batches = self.plan.row_group(rg);
                let stop = Arc::clone(cancel);
                let spawned = std::thread::Builder::new()
                    .name(format!("sluice-parquet-rg{rg}"))
                    .spawn(move || {
                        for item in batches {
                            if stop.load(Ordering::Relaxed) || tx.send(item).is_err() {
                                break;
                            }
                        }
                    });
                if let Err(e) = spawned {
                    return Some(Err(Error::Io {
                        location: self.plan.file.location.clone(),
                        source: e,
                    }));
                }
                pending.push_back(rx);
            }
            let front = pending.front()?;
            match front.recv() {
                Ok(item) => return Some(item),
                // The worker finished its row group.
                Err(_) => {
                    pending.pop_front();
                }
            }
        }
    }
}

impl Iterator for ParquetStream {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = match self.mode {
            Mode::Sequential(_) => self.next_sequential(),
            Mode::Parallel { .. } => self.next_parallel(),
        };
        if !matches!(item, Some(Ok(_))) {
            self.done = true;
            if let Mode::Parallel {
                cancel, pending, ..
            } = &mut self.mode
            {
                cancel.store(true, Ordering::Relaxed);
                pending.clear();
            }
        }
        item
    }
}

impl BatchStream for ParquetStream {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.plan.schema)
    }
}

impl Drop for ParquetStream {
    fn drop(&mut self) {
        if let Mode::Parallel { cancel, .. } = &self.mode {
            cancel.store(true, Ordering::Relaxed);
        }
    }
}
