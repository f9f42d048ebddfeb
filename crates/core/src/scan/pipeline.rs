//! Worker threads that decode inputs in parallel, and the byte budget that bounds how far
//! they may run ahead of the consumer.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;

use super::unify::conform;
use crate::{BatchStream, Error, ResolvedFile, Result, ScanOptions};

/// Batches a worker may queue for one input beyond the byte budget's say.
const CHANNEL_CAPACITY: usize = 4;

/// One input to decode.
pub(crate) enum Task {
    /// A stream opened already (single-input scans open on the caller's thread so that
    /// schema errors surface at once).
    Opened {
        location: String,
        stream: Box<dyn BatchStream>,
    },
    /// An input to open on the worker.
    Deferred {
        file: Box<ResolvedFile>,
        options: ScanOptions,
    },
}

impl Task {
    fn location(&self) -> String {
        match self {
            Task::Opened { location, .. } => location.clone(),
            Task::Deferred { file, .. } => file.input.location().to_string(),
        }
    }

    fn open(self) -> Result<Box<dyn BatchStream>> {
        match self {
            Task::Opened { stream, .. } => Ok(stream),
            Task::Deferred { file, options } => file.decoder.open(&file.input, &options),
        }
    }
}

/// A batch with the bytes it was charged against the budget.
pub(crate) type Item = Result<(RecordBatch, usize)>;

/// Bytes of decoded batches held between the workers and the consumer. The worker of the
/// input the consumer is reading (the head) never waits, so the pipeline cannot deadlock;
/// the others wait while the budget is spent.
pub(crate) struct Budget {
    state: Mutex<BudgetState>,
    changed: Condvar,
    limit: usize,
}

struct BudgetState {
    used: usize,
    head: usize,
}

impl Budget {
    fn new(limit: usize) -> Self {
        Budget {
            state: Mutex::new(BudgetState { used: 0, head: 0 }),
            changed: Condvar::new(),
            limit,
        }
    }

    fn lock(&self) -> MutexGuard<'_, BudgetState> {
        // A poisoned lock only means a worker panicked while holding it; the counters are
        // plain integers and stay meaningful.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until `bytes` fit (or `input` is the head); false if cancelled meanwhile.
    fn acquire(&self, input: usize, bytes: usize, cancel: &AtomicBool) -> bool {
        let mut s = self.lock();
        while !(input <= s.head || s.used == 0 || s.used + bytes <= self.limit) {
            if cancel.load(Ordering::Relaxed) {
                return false;
            }
            s = self
                .changed
                .wait_timeout(s, Duration::from_millis(50))
                .map(|(g, _)| g)
                .unwrap_or_else(|p| p.into_inner().0);
        }
        s.used += bytes;
        true
    }

    pub(crate) fn release(&self, bytes: usize) {
        let mut s = self.lock();
        s.used = s.used.saturating_sub(bytes);
        drop(s);
        self.changed.notify_all();
    }

    pub(crate) fn advance(&self, head: usize) {
        self.lock().head = head;
        self.changed.notify_all();
    }
}

/// What the workers and the consumer share.
pub(crate) struct Shared {
    queue: Mutex<VecDeque<(usize, Task, SyncSender<Item>)>>,
    pub(crate) budget: Budget,
    pub(crate) cancel: AtomicBool,
    target: SchemaRef,
}

impl Shared {
    pub(crate) fn stop(&self) {
        self.cancel.store(true, Ordering::Relaxed);
        self.queue.lock().unwrap_or_else(|p| p.into_inner()).clear();
        self.budget.changed.notify_all();
    }
}

/// Starts `threads` workers over `tasks`; returns the shared state and one receiver per
/// task, in task order.
pub(crate) fn start(
    tasks: Vec<Task>,
    target: SchemaRef,
    threads: usize,
    readahead_bytes: usize,
) -> (Arc<Shared>, VecDeque<(usize, Receiver<Item>)>) {
    let mut queue = VecDeque::with_capacity(tasks.len());
    let mut receivers = VecDeque::with_capacity(tasks.len());
    for (i, task) in tasks.into_iter().enumerate() {
        let (tx, rx) = sync_channel(CHANNEL_CAPACITY);
        queue.push_back((i, task, tx));
        receivers.push_back((i, rx));
    }
    let workers = threads.clamp(1, queue.len().max(1));
    let shared = Arc::new(Shared {
        queue: Mutex::new(queue),
        budget: Budget::new(readahead_bytes),
        cancel: AtomicBool::new(false),
        target,
    });
    for n in 0..workers {
        let for_worker = Arc::clone(&shared);
        let spawned = std::thread::Builder::new()
            .name(format!("sluice-decode-{n}"))
            .spawn(move || worker(&for_worker));
        if spawned.is_err() && n == 0 {
            // Not even one thread: run nothing here; the consumer reports the inputs as
            // failed when their senders are dropped with the queue.
            shared.stop();
        }
    }
    (shared, receivers)
}

fn worker(shared: &Shared) {
    loop {
        if shared.cancel.load(Ordering::Relaxed) {
            return;
        }
        let next = shared
            .queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front();
        let Some((index, task, tx)) = next else {
            return;
        };
        let location = task.location();
        let outcome = crate::panics::catch(|| run_task(shared, index, task, &tx));
        if let Err(what) = outcome {
            let _ = tx.send(Err(Error::Internal {
                message: format!("the decoder panicked while reading {location}: {what}"),
            }));
        }
    }
}

fn run_task(shared: &Shared, index: usize, task: Task, tx: &SyncSender<Item>) {
    let location = task.location();
    let stream = match task.open() {
        Ok(s) => s,
        Err(e) => {
            let _ = tx.send(Err(e));
            return;
        }
    };
    for item in stream {
        if shared.cancel.load(Ordering::Relaxed) {
            return;
        }
        let batch = match item.and_then(|b| conform(b, &shared.target, &location)) {
            Ok(b) => b,
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        };
        if batch.num_rows() == 0 {
            continue;
        }
        let bytes = batch.get_array_memory_size();
        if !shared.budget.acquire(index, bytes, &shared.cancel) {
            return;
        }
        if tx.send(Ok((batch, bytes))).is_err() {
            shared.budget.release(bytes);
            return;
        }
    }
}
