//! The scan pipeline: locations in, exact-size record batches out.

mod pipeline;
mod unify;

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::mpsc::Receiver;

use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_schema::{ArrowError, Schema, SchemaRef};
use arrow_select::coalesce::BatchCoalescer;

use crate::{Error, Registry, ResolvedFile, Result, ScanOptions, SourceOptions};
use pipeline::{Item, Shared, Task};

/// A scan of one or more locations (files, directories, globs, `-`).
///
/// ```
/// use sluice_core::{Scan, ScanOptions};
/// let scan = Scan::new(["data/*.csv"]).with_options(ScanOptions::new().with_batch_size(1024));
/// assert_eq!(scan.options().batch_size, 1024);
/// ```
#[derive(Debug, Clone)]
pub struct Scan {
    registry: Arc<Registry>,
    locations: Vec<String>,
    options: ScanOptions,
    source_options: SourceOptions,
}

impl Scan {
    /// A scan of `locations` with the process-wide registry and default options.
    pub fn new<I, S>(locations: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Scan {
            registry: Registry::global(),
            locations: locations.into_iter().map(Into::into).collect(),
            options: ScanOptions::default(),
            source_options: SourceOptions::default(),
        }
    }

    /// Uses `registry` instead of the process-wide one.
    pub fn with_registry(mut self, registry: Arc<Registry>) -> Self {
        self.registry = registry;
        self
    }

    /// Sets the scan options.
    pub fn with_options(mut self, options: ScanOptions) -> Self {
        self.options = options;
        self
    }

    /// Sets the storage options.
    pub fn with_source_options(mut self, options: SourceOptions) -> Self {
        self.source_options = options;
        self
    }

    /// The scan options.
    pub fn options(&self) -> &ScanOptions {
        &self.options
    }

    /// The registry.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// Every object the locations name, with codec and format decided, in scan order.
    pub fn files(&self) -> Result<Vec<ResolvedFile>> {
        self.options.validate()?;
        if self.locations.is_empty() {
            return Err(Error::invalid_option("no location given"));
        }
        let mut metas = Vec::new();
        for location in &self.locations {
            metas.extend(self.registry.expand(location, &self.source_options)?);
        }
        if metas.len() > 1 && metas.iter().any(|m| m.location.is_stdin()) {
            return Err(Error::Unsupported {
                location: "<stdin>".to_string(),
                message: "standard input can only be read on its own, not with other locations"
                    .to_string(),
            });
        }
        let files = parallel_map(&metas, self.threads(), |meta| {
            self.registry
                .resolve(meta, &self.source_options, &self.options)
        })?;
        for file in &files {
            file.decoder.validate_options(&self.options)?;
        }
        Ok(files)
    }

    fn threads(&self) -> usize {
        match self.options.threads {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        }
    }

    /// The schema of the scan's output: the inputs' schemas unified by column name, then
    /// projected. Reads only what schema inference needs.
    pub fn schema(&self) -> Result<SchemaRef> {
        let files = self.files()?;
        if let [file] = files.as_slice() {
            let schema = file.decoder.infer_schema(&file.input, &self.options)?;
            return project(&schema, &self.options, Some(file.input.location()));
        }
        let (_, unified) = self.unified_schemas(&files)?;
        project(&unified, &self.options, None)
    }

    fn unified_schemas(&self, files: &[ResolvedFile]) -> Result<(Vec<SchemaRef>, SchemaRef)> {
        let schemas = parallel_map(files, self.threads(), |file| {
            file.decoder.infer_schema(&file.input, &self.options)
        })?;
        let named: Vec<(String, SchemaRef)> = files
            .iter()
            .zip(&schemas)
            .map(|(f, s)| (f.input.location().to_string(), Arc::clone(s)))
            .collect();
        let unified = match &self.options.schema {
            Some(explicit) => Arc::clone(explicit),
            None => unify::unify(&named)?,
        };
        Ok((schemas, unified))
    }

    /// Starts the scan.
    pub fn reader(&self) -> Result<ScanReader> {
        let files = self.files()?;
        let (tasks, schema) = if files.len() == 1 {
            let file = files.into_iter().next().ok_or_else(|| Error::Internal {
                message: "one file expected".into(),
            })?;
            let stream = file.decoder.open(&file.input, &self.options)?;
            let schema = stream.schema();
            let location = file.input.location().to_string();
            (vec![Task::Opened { location, stream }], schema)
        } else {
            let (schemas, unified) = self.unified_schemas(&files)?;
            let output = project(&unified, &self.options, None)?;
            let tasks = files
                .into_iter()
                .zip(schemas)
                .map(|(file, own)| {
                    let projection = self.options.projection.as_ref().map(|cols| {
                        cols.iter()
                            .filter(|c| own.field_with_name(c).is_ok())
                            .cloned()
                            .collect::<Vec<_>>()
                    });
                    let options = ScanOptions {
                        schema: Some(own),
                        // A file with none of the projected columns still has rows: read
                        // it whole and let the null-filling keep the count.
                        projection: projection.filter(|p| !p.is_empty()),
                        limit: None,
                        // Files already decode in parallel; one thread within each.
                        threads: 1,
                        ..self.options.clone()
                    };
                    Task::Deferred {
                        file: Box::new(file),
                        options,
                    }
                })
                .collect();
            (tasks, output)
        };
        Ok(ScanReader::start(
            tasks,
            schema,
            &self.options,
            self.threads(),
        ))
    }

    /// The number of rows, after `limit`.
    ///
    /// Formats that know their row count without decoding (Parquet footers) answer from
    /// metadata; the others decode, without unifying or re-batching. Several inputs are
    /// still checked for compatible schemas first, so `count` fails where `cat` would.
    pub fn count_rows(&self) -> Result<u64> {
        let files = self.files()?;
        let options = if files.len() > 1 {
            self.unified_schemas(&files)?;
            ScanOptions {
                threads: 1,
                ..self.options.clone()
            }
        } else {
            self.options.clone()
        };
        let options = ScanOptions {
            projection: None,
            limit: None,
            ..options
        };
        let counts = parallel_map(&files, self.threads(), |file| {
            if let Some(known) = file.decoder.count_rows(&file.input, &options) {
                return known;
            }
            let mut rows = 0u64;
            for batch in file.decoder.open(&file.input, &options)? {
                rows += batch?.num_rows() as u64;
            }
            Ok(rows)
        })?;
        let total: u64 = counts.iter().sum();
        Ok(match self.options.limit {
            Some(limit) => total.min(limit as u64),
            None => total,
        })
    }
}

fn project(schema: &SchemaRef, options: &ScanOptions, location: Option<&str>) -> Result<SchemaRef> {
    match options.projection_indices(schema, location)? {
        None => Ok(Arc::clone(schema)),
        Some(indices) => Ok(Arc::new(schema.project(&indices).map_err(|e| {
            Error::Internal {
                message: format!("projecting the schema: {e}"),
            }
        })?)),
    }
}

/// Maps `f` over `items` on up to `threads` threads, keeping order; the first error (in
/// item order) wins.
fn parallel_map<T: Sync, U: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> Result<U> + Sync,
) -> Result<Vec<U>> {
    if items.len() <= 1 || threads <= 1 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads.min(items.len()));
    let results: Vec<Vec<Result<U>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    vec![Err(Error::Internal {
                        message: "a worker thread panicked while opening inputs".into(),
                    })]
                })
            })
            .collect()
    });
    results.into_iter().flatten().collect()
}

/// The running scan: an iterator of exact-size [`RecordBatch`]es and an arrow
/// [`RecordBatchReader`].
///
/// Every batch has exactly `batch_size` rows except the last. Dropping the reader stops
/// the workers.
pub struct ScanReader {
    schema: SchemaRef,
    shared: Arc<Shared>,
    receivers: VecDeque<(usize, Receiver<Item>)>,
    coalescer: BatchCoalescer,
    ready: VecDeque<RecordBatch>,
    batch_size: usize,
    remaining: Option<usize>,
    pending_error: Option<Error>,
    finished: bool,
}

impl std::fmt::Debug for ScanReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanReader")
            .field("schema", &self.schema)
            .field("inputs_left", &self.receivers.len())
            .finish_non_exhaustive()
    }
}

impl ScanReader {
    fn start(tasks: Vec<Task>, schema: SchemaRef, options: &ScanOptions, threads: usize) -> Self {
        let (shared, receivers) =
            pipeline::start(tasks, Arc::clone(&schema), threads, options.readahead_bytes);
        ScanReader {
            coalescer: BatchCoalescer::new(Arc::clone(&schema), options.batch_size),
            schema,
            shared,
            receivers,
            ready: VecDeque::new(),
            batch_size: options.batch_size,
            remaining: options.limit,
            pending_error: None,
            finished: false,
        }
    }

    /// The output schema.
    pub fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    /// The next batch, `None` at the end. After an error the scan is over.
    pub fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        loop {
            if let Some(b) = self.ready.pop_front() {
                return Ok(Some(b));
            }
            if let Some(b) = self.coalescer.next_completed_batch() {
                return Ok(Some(b));
            }
            if let Some(e) = self.pending_error.take() {
                return Err(e);
            }
            if self.finished {
                return Ok(None);
            }
            if self.remaining == Some(0) || self.receivers.is_empty() {
                self.finish()?;
                continue;
            }
            let received = match self.receivers.front() {
                Some((_, rx)) => rx.recv(),
                None => continue,
            };
            match received {
                Ok(Ok((batch, bytes))) => {
                    self.shared.budget.release(bytes);
                    self.accept(batch)?;
                }
                Ok(Err(e)) => {
                    // Rows before the error are still delivered, then the error.
                    self.pending_error = Some(e);
                    self.finish()?;
                }
                Err(_) => {
                    // The input is done.
                    self.receivers.pop_front();
                    if let Some((next, _)) = self.receivers.front() {
                        self.shared.budget.advance(*next);
                    }
                }
            }
        }
    }

    fn accept(&mut self, mut batch: RecordBatch) -> Result<()> {
        if let Some(remaining) = &mut self.remaining {
            let n = batch.num_rows().min(*remaining);
            batch = batch.slice(0, n);
            *remaining -= n;
        }
        // Whole batches pass through without a copy when nothing is buffered.
        let mut offset = 0;
        if self.coalescer.is_empty() {
            while batch.num_rows() - offset >= self.batch_size {
                self.ready.push_back(batch.slice(offset, self.batch_size));
                offset += self.batch_size;
            }
        }
        if offset < batch.num_rows() {
            let rest = batch.slice(offset, batch.num_rows() - offset);
            self.coalescer
                .push_batch(rest)
                .map_err(|e| Error::Internal {
                    message: format!("re-batching failed: {e}"),
                })?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        self.finished = true;
        self.shared.stop();
        self.receivers.clear();
        self.coalescer
            .finish_buffered_batch()
            .map_err(|e| Error::Internal {
                message: format!("re-batching failed: {e}"),
            })
    }
}

impl Iterator for ScanReader {
    type Item = std::result::Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_batch().map_err(Error::into_arrow).transpose()
    }
}

impl RecordBatchReader for ScanReader {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }
}

impl Drop for ScanReader {
    fn drop(&mut self) {
        self.shared.stop();
    }
}

/// An empty schema, for inputs with no bytes at all.
pub fn empty_schema() -> SchemaRef {
    Arc::new(Schema::empty())
}
