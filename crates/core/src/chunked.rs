//! Decoding one input on several cores: a splitter cuts the byte stream into chunks that
//! end at record boundaries, workers decode chunks in parallel, and the stream yields their
//! batches in input order.
//!
//! A format opts in by implementing [`ChunkSplitter`] (sequential: reads the input and finds
//! boundaries, cheaply) and [`ChunkDecoder`] (parallel: turns one chunk into batches, with
//! line numbers offset by the chunk's first line), then returning a
//! [`ParallelChunkStream`] from `Decoder::open`.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::sync::{Arc, Mutex};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;

use crate::{BatchStream, Error, ErrorKind, Result};

/// A piece of an input that starts and ends at record boundaries.
#[derive(Debug, Clone)]
pub struct Chunk {
    /// The bytes (decompressed), whole records only.
    pub data: Vec<u8>,
    /// The 1-based line of the input on which the chunk starts.
    pub first_line: u64,
    /// The 0-based byte offset of the chunk in the (decompressed) input.
    pub offset: u64,
}

/// Reads an input front to back and cuts it into [`Chunk`]s. Runs on one thread.
pub trait ChunkSplitter: Send {
    /// The next chunk, or `None` at the end of the input.
    fn next_chunk(&mut self) -> Result<Option<Chunk>>;
}

/// What decoding one chunk produced: every batch decoded before an error, then the error.
/// Delivering the batches before the error keeps the rows a scan yields before failing the
/// same whatever the number of threads.
#[derive(Debug, Default)]
pub struct ChunkOutput {
    /// The batches, in order.
    pub batches: Vec<RecordBatch>,
    /// The error that stopped the chunk, if any.
    pub error: Option<Error>,
}

impl ChunkOutput {
    /// Collects batches until the first error.
    pub fn collect(items: impl IntoIterator<Item = Result<RecordBatch>>) -> Self {
        let mut out = ChunkOutput::default();
        for item in items {
            match item {
                Ok(b) => out.batches.push(b),
                Err(e) => {
                    out.error = Some(e);
                    break;
                }
            }
        }
        out
    }

    /// A chunk that failed before its first batch.
    pub fn failed(error: Error) -> Self {
        ChunkOutput {
            batches: Vec::new(),
            error: Some(error),
        }
    }
}

/// Decodes one chunk into batches. Called from several threads at once.
pub trait ChunkDecoder: Send + Sync {
    /// The batches of `chunk`, in order, each at most the scan's batch size, and the error
    /// that stopped it, if any.
    fn decode(&self, chunk: &Chunk) -> ChunkOutput;
}

enum Done {
    /// The batches (and error) of chunk `seq`.
    Decoded(u64, ChunkOutput),
    /// The splitter failed where chunk `seq` would have started.
    SplitFailed(u64, Error),
    /// The splitter reached the end; `seq` chunks were made.
    End(u64),
}

/// How many chunks are read past a parse error of compressed input, looking for the
/// decompression error that often explains it (corrupt data inflates to garbage first).
const DRAIN_CHUNKS: u64 = 16;

/// A [`BatchStream`] decoding chunks on `threads` workers, in input order, with at most
/// `in_flight` chunks read ahead of the consumer.
pub struct ParallelChunkStream {
    schema: SchemaRef,
    start: Option<Box<dyn FnOnce() -> Running + Send>>,
    running: Option<Running>,
    ready: std::collections::VecDeque<RecordBatch>,
    pending: BTreeMap<u64, ChunkOutput>,
    failure: Option<Error>,
    next_seq: u64,
    end: Option<u64>,
    split_error: Option<(u64, Error)>,
    compressed: bool,
    finished: bool,
}

struct Running {
    results: Receiver<Done>,
    tickets: SyncSender<()>,
}

impl std::fmt::Debug for ParallelChunkStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParallelChunkStream")
            .field("next_seq", &self.next_seq)
            .finish_non_exhaustive()
    }
}

impl ParallelChunkStream {
    /// A stream of `schema` batches decoded from `splitter`'s chunks by `decoder` on
    /// `threads` workers (at least 1), reading at most `in_flight` chunks ahead (at least
    /// `threads`). `compressed` says whether a parse error may hide a decompression error
    /// further on. Threads start on the first call to `next`.
    pub fn new(
        schema: SchemaRef,
        splitter: Box<dyn ChunkSplitter>,
        decoder: Arc<dyn ChunkDecoder>,
        threads: usize,
        in_flight: usize,
        compressed: bool,
    ) -> Self {
        let threads = threads.max(1);
        let in_flight = in_flight.max(threads);
        ParallelChunkStream {
            schema,
            start: Some(Box::new(move || {
                start(splitter, decoder, threads, in_flight)
            })),
            running: None,
            ready: Default::default(),
            pending: BTreeMap::new(),
            next_seq: 0,
            end: None,
            split_error: None,
            failure: None,
            compressed,
            finished: false,
        }
    }

    fn fail(&mut self, err: Error) -> Option<Result<RecordBatch>> {
        self.finished = true;
        self.running = None;
        Some(Err(err))
    }

    /// Receives until chunk `seq`'s outcome is known: its batches, or the splitter's error
    /// at that point, or the end.
    fn wait_for(&mut self, seq: u64) -> Option<ChunkOutput> {
        loop {
            if let Some(r) = self.pending.remove(&seq) {
                if let Some(running) = &self.running {
                    let _ = running.tickets.try_send(());
                }
                return Some(r);
            }
            if let Some((at, _)) = &self.split_error
                && *at == seq
            {
                return self.split_error.take().map(|(_, e)| ChunkOutput::failed(e));
            }
            if self.end.is_some_and(|end| seq >= end) {
                return None;
            }
            let running = self.running.as_ref()?;
            match running.results.recv() {
                Ok(Done::Decoded(s, r)) => {
                    self.pending.insert(s, r);
                }
                Ok(Done::SplitFailed(s, e)) => self.split_error = Some((s, e)),
                Ok(Done::End(n)) => self.end = Some(n),
                Err(_) => {
                    return Some(ChunkOutput::failed(Error::Internal {
                        message: "a chunk decoding thread stopped without a result".into(),
                    }));
                }
            }
        }
    }

    /// After a parse error in compressed input, looks a few chunks further for a
    /// decompression error, which is then the one to report.
    fn prefer_codec_error(&mut self, err: Error) -> Error {
        if !self.compressed || err.kind() != ErrorKind::Parse {
            return err;
        }
        for seq in self.next_seq..self.next_seq + DRAIN_CHUNKS {
            match self.wait_for(seq) {
                Some(ChunkOutput { error: Some(e), .. }) if e.kind() == ErrorKind::Decompress => {
                    return e;
                }
                Some(_) => {}
                None => break,
            }
        }
        err
    }
}

fn start(
    mut splitter: Box<dyn ChunkSplitter>,
    decoder: Arc<dyn ChunkDecoder>,
    threads: usize,
    in_flight: usize,
) -> Running {
    let (results_tx, results) = channel::<Done>();
    let (tickets, tickets_rx) = sync_channel::<()>(in_flight);
    for _ in 0..in_flight {
        let _ = tickets.try_send(());
    }
    let (work_tx, work_rx) = channel::<(u64, Chunk)>();
    let work_rx = Arc::new(Mutex::new(work_rx));

    let split_results = results_tx.clone();
    let split = move || split_loop(&mut *splitter, &tickets_rx, &work_tx, &split_results);
    if std::thread::Builder::new()
        .name("sluice-split".into())
        .spawn(split)
        .is_err()
    {
        let _ = results_tx.send(Done::SplitFailed(
            0,
            Error::Internal {
                message: "cannot start the chunk splitting thread".into(),
            },
        ));
    }
    for n in 0..threads {
        let rx = Arc::clone(&work_rx);
        let tx = results_tx.clone();
        let decoder = Arc::clone(&decoder);
        let _ = std::thread::Builder::new()
            .name(format!("sluice-chunk-{n}"))
            .spawn(move || decode_loop(&*decoder, &rx, &tx));
    }
    Running { results, tickets }
}

fn split_loop(
    splitter: &mut dyn ChunkSplitter,
    tickets: &Receiver<()>,
    work: &Sender<(u64, Chunk)>,
    results: &Sender<Done>,
) {
    let mut seq = 0u64;
    loop {
        if tickets.recv().is_err() {
            return; // the stream was dropped
        }
        let outcome = crate::panics::catch(|| splitter.next_chunk()).unwrap_or_else(|what| {
            Err(Error::Internal {
                message: format!("the chunk splitter panicked: {what}"),
            })
        });
        match outcome {
            Ok(Some(chunk)) => {
                if work.send((seq, chunk)).is_err() {
                    return;
                }
                seq += 1;
            }
            Ok(None) => {
                let _ = results.send(Done::End(seq));
                return;
            }
            Err(e) => {
                let _ = results.send(Done::SplitFailed(seq, e));
                return;
            }
        }
    }
}

fn decode_loop(
    decoder: &dyn ChunkDecoder,
    work: &Mutex<Receiver<(u64, Chunk)>>,
    results: &Sender<Done>,
) {
    loop {
        let next = work.lock().map(|rx| rx.recv());
        let Ok(Ok((seq, chunk))) = next else {
            return;
        };
        let outcome = crate::panics::catch(|| decoder.decode(&chunk)).unwrap_or_else(|what| {
            ChunkOutput::failed(Error::Internal {
                message: format!(
                    "the decoder panicked on the chunk starting at line {}: {what}",
                    chunk.first_line
                ),
            })
        });
        drop(chunk);
        if results.send(Done::Decoded(seq, outcome)).is_err() {
            return;
        }
    }
}

impl Iterator for ParallelChunkStream {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(b) = self.ready.pop_front() {
                return Some(Ok(b));
            }
            if let Some(e) = self.failure.take() {
                let e = self.prefer_codec_error(e);
                return self.fail(e);
            }
            if self.finished {
                return None;
            }
            if let Some(start) = self.start.take() {
                self.running = Some(start());
            }
            match self.wait_for(self.next_seq) {
                Some(out) => {
                    self.next_seq += 1;
                    self.ready.extend(out.batches);
                    self.failure = out.error;
                }
                None => {
                    self.finished = true;
                    self.running = None;
                }
            }
        }
    }
}

impl BatchStream for ParallelChunkStream {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Array, Int64Array};
    use arrow_schema::{DataType, Field, Schema};

    struct Lines {
        data: Vec<u8>,
        pos: usize,
        line: u64,
        fail_at: Option<usize>,
    }

    impl ChunkSplitter for Lines {
        fn next_chunk(&mut self) -> Result<Option<Chunk>> {
            if self.fail_at.is_some_and(|f| self.pos >= f) {
                return Err(Error::Decompress {
                    codec: "gzip".into(),
                    location: "x.gz".into(),
                    source: std::io::Error::other("cut"),
                });
            }
            if self.pos >= self.data.len() {
                return Ok(None);
            }
            // Three lines per chunk.
            let mut end = self.pos;
            for _ in 0..3 {
                match memchr_newline(&self.data[end..]) {
                    Some(i) => end += i + 1,
                    None => end = self.data.len(),
                }
            }
            let chunk = Chunk {
                data: self.data[self.pos..end].to_vec(),
                first_line: self.line,
                offset: self.pos as u64,
            };
            self.line += chunk.data.iter().filter(|b| **b == b'\n').count() as u64;
            self.pos = end;
            Ok(Some(chunk))
        }
    }

    fn memchr_newline(b: &[u8]) -> Option<usize> {
        b.iter().position(|c| *c == b'\n')
    }

    struct Numbers(SchemaRef);

    impl ChunkDecoder for Numbers {
        fn decode(&self, chunk: &Chunk) -> ChunkOutput {
            // One batch per line, so the rows before a bad line are delivered.
            let text = String::from_utf8_lossy(&chunk.data).into_owned();
            ChunkOutput::collect(text.lines().enumerate().map(|(i, line)| {
                let v = line.parse::<i64>().map_err(|_| {
                    Error::parse(
                        "numbers",
                        "x",
                        crate::Position::line(chunk.first_line + i as u64),
                        "not a number",
                    )
                })?;
                RecordBatch::try_new(
                    Arc::clone(&self.0),
                    vec![Arc::new(Int64Array::from(vec![v]))],
                )
                .map_err(|e| Error::Internal {
                    message: e.to_string(),
                })
            }))
        }
    }

    fn run(data: &str, fail_at: Option<usize>, compressed: bool) -> (Vec<i64>, Option<Error>) {
        let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, false)]));
        let splitter = Lines {
            data: data.as_bytes().to_vec(),
            pos: 0,
            line: 1,
            fail_at,
        };
        let stream = ParallelChunkStream::new(
            Arc::clone(&schema),
            Box::new(splitter),
            Arc::new(Numbers(schema)),
            3,
            4,
            compressed,
        );
        let mut got = Vec::new();
        for item in stream {
            match item {
                Ok(b) => {
                    let a = b
                        .column(0)
                        .as_any()
                        .downcast_ref::<Int64Array>()
                        .expect("i64");
                    got.extend(a.values().iter().copied());
                    assert_eq!(a.null_count(), 0);
                }
                Err(e) => return (got, Some(e)),
            }
        }
        (got, None)
    }

    #[test]
    fn yields_every_row_in_order() {
        let data: String = (0..1000).map(|i| format!("{i}\n")).collect();
        let (got, err) = run(&data, None, false);
        assert!(err.is_none());
        assert_eq!(got, (0..1000).collect::<Vec<_>>());
    }

    #[test]
    fn a_parse_error_comes_after_the_rows_before_its_chunk_with_its_line() {
        let mut data: String = (0..100).map(|i| format!("{i}\n")).collect();
        data.push_str("oops\n");
        data.extend((0..100).map(|i| format!("{i}\n")));
        let (got, err) = run(&data, None, false);
        let err = err.expect("error");
        assert_eq!(
            err.to_string(),
            "invalid numbers at x line 101: not a number"
        );
        assert_eq!(got, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn a_split_error_comes_in_order_and_wins_over_garbage_in_compressed_input() {
        let data: String =
            (0..30).map(|i| format!("{i}\n")).collect::<String>() + "garbage\n1\n2\n3\n4\n";
        let (got, err) = run(&data, Some(90), true);
        assert_eq!(err.expect("error").kind(), ErrorKind::Decompress);
        assert_eq!(got, (0..30).collect::<Vec<_>>());
        let (_, err) = run(&data, Some(90), false);
        assert_eq!(err.expect("error").kind(), ErrorKind::Parse);
    }
}
