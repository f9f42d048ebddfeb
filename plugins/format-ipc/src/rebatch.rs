//! Slicing IPC batches down to the requested batch size.

use std::collections::VecDeque;

use arrow_array::RecordBatch;

/// Holds the rest of an IPC batch and hands it out in slices of at most `batch_size`
/// rows (zero-copy). Empty batches are dropped.
#[derive(Debug)]
pub(crate) struct Slicer {
    batch_size: usize,
    pending: VecDeque<RecordBatch>,
}

impl Slicer {
    /// A slicer for batches of at most `batch_size` rows (at least 1).
    pub(crate) fn new(batch_size: usize) -> Self {
        Slicer {
            batch_size: batch_size.max(1),
            pending: VecDeque::new(),
        }
    }

    /// Queues `batch` to be sliced.
    pub(crate) fn push(&mut self, batch: RecordBatch) {
        let rows = batch.num_rows();
        let mut offset = 0;
        while offset < rows {
            let len = self.batch_size.min(rows - offset);
            self.pending.push_back(batch.slice(offset, len));
            offset += len;
        }
    }

    /// The next slice, if any is queued.
    pub(crate) fn pop(&mut self) -> Option<RecordBatch> {
        self.pending.pop_front()
    }
}
