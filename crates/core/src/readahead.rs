//! A reader that decompresses on its own thread, so decompression and decoding of one
//! input run on two cores.

use std::io::{self, Read};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Bytes per chunk handed from the reading thread to the consumer.
const CHUNK: usize = 1024 * 1024;
/// Chunks in flight: the memory bound is `CHUNK * (DEPTH + 2)`.
const DEPTH: usize = 4;

/// Reads `inner` on a background thread, `CHUNK` bytes at a time, at most `DEPTH` chunks
/// ahead of the consumer. Errors arrive in order, after the bytes before them. Dropping the
/// reader stops the thread at its next chunk.
pub(crate) struct ReadAhead {
    rx: Receiver<io::Result<Vec<u8>>>,
    current: Vec<u8>,
    pos: usize,
    done: bool,
}

impl ReadAhead {
    /// Starts the thread; if no thread can be spawned, reads inline instead.
    pub(crate) fn spawn(inner: Box<dyn Read + Send>) -> Box<dyn Read + Send> {
        let (tx, rx) = sync_channel(DEPTH);
        let slot = std::sync::Arc::new(std::sync::Mutex::new(Some(inner)));
        let for_thread = std::sync::Arc::clone(&slot);
        let spawned = std::thread::Builder::new()
            .name("sluice-readahead".into())
            .spawn(move || {
                let taken = for_thread.lock().ok().and_then(|mut g| g.take());
                if let Some(inner) = taken {
                    pump(inner, &tx);
                }
            });
        if spawned.is_err()
            && let Some(inner) = slot.lock().ok().and_then(|mut g| g.take())
        {
            return inner;
        }
        Box::new(ReadAhead {
            rx,
            current: Vec::new(),
            pos: 0,
            done: false,
        })
    }
}

fn pump(mut inner: Box<dyn Read + Send>, tx: &SyncSender<io::Result<Vec<u8>>>) {
    loop {
        let mut buf = vec![0u8; CHUNK];
        let mut filled = 0;
        let mut end = false;
        while filled < CHUNK {
            match inner.read(&mut buf[filled..]) {
                Ok(0) => {
                    end = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    buf.truncate(filled);
                    if filled > 0 && tx.send(Ok(buf)).is_err() {
                        return;
                    }
                    let _ = tx.send(Err(e));
                    return;
                }
            }
        }
        buf.truncate(filled);
        if filled > 0 && tx.send(Ok(buf)).is_err() {
            return;
        }
        if end {
            return;
        }
    }
}

impl Read for ReadAhead {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.current.len() {
            if self.done {
                return Ok(0);
            }
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    self.current = chunk;
                    self.pos = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => {
                    self.done = true;
                    return Ok(0);
                }
            }
        }
        let n = out.len().min(self.current.len() - self.pos);
        out[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivers_every_byte_then_the_error() {
        struct Failing(std::io::Cursor<Vec<u8>>);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                match self.0.read(buf)? {
                    0 => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "cut")),
                    n => Ok(n),
                }
            }
        }
        let data: Vec<u8> = (0..3 * CHUNK + 17).map(|i| (i % 251) as u8).collect();
        let mut r = ReadAhead::spawn(Box::new(Failing(std::io::Cursor::new(data.clone()))));
        let mut got = Vec::new();
        let err = r
            .read_to_end(&mut got)
            .expect_err("the error must come through");
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(got, data);
    }
}
