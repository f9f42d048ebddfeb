//! Standard input as a [`ByteSource`].

use std::io::{self, Read};
use std::ops::Range;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use sluice_core::{ByteSource, Error, Location, Result};

/// How many leading bytes of standard input are kept so a second reader can start over.
/// Sniffing reads 64 KiB and schema inference reads a sample; both fit.
pub(crate) const REPLAY_CAP: usize = 32 * 1024 * 1024;

#[derive(Debug, Default)]
struct Shared {
    /// The first bytes read from stdin, while no more than `REPLAY_CAP` were read.
    replay: Vec<u8>,
    /// Bytes consumed from stdin so far.
    consumed: u64,
    /// More than `REPLAY_CAP` bytes were read; the replay buffer is gone.
    overflowed: bool,
}

/// Standard input. Every reader starts at offset 0: the bytes read by earlier readers are
/// replayed from memory (up to 32 MiB), then reading continues from the pipe.
#[derive(Debug, Clone)]
pub struct StdinSource {
    location: Location,
    shared: Arc<Mutex<Shared>>,
}

impl StdinSource {
    /// Standard input of this process.
    pub fn new() -> Self {
        StdinSource {
            location: Location::parse("-"),
            shared: Arc::new(Mutex::new(Shared::default())),
        }
    }
}

impl Default for StdinSource {
    fn default() -> Self {
        Self::new()
    }
}

struct StdinReader {
    shared: Arc<Mutex<Shared>>,
    pos: u64,
}

impl Read for StdinReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut s = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        if !s.overflowed && (self.pos as usize) < s.replay.len() {
            let from = self.pos as usize;
            let n = buf.len().min(s.replay.len() - from);
            buf[..n].copy_from_slice(&s.replay[from..from + n]);
            self.pos += n as u64;
            return Ok(n);
        }
        if self.pos != s.consumed {
            return Err(io::Error::other(
                "standard input cannot be read again past its first 32 MiB",
            ));
        }
        let n = io::stdin().read(buf)?;
        s.consumed += n as u64;
        self.pos += n as u64;
        if !s.overflowed {
            if s.replay.len() + n <= REPLAY_CAP {
                s.replay.extend_from_slice(&buf[..n]);
            } else {
                s.overflowed = true;
                s.replay = Vec::new();
            }
        }
        Ok(n)
    }
}

impl ByteSource for StdinSource {
    fn location(&self) -> &Location {
        &self.location
    }

    fn size(&self) -> Option<u64> {
        None
    }

    fn reader(&self) -> Result<Box<dyn Read + Send>> {
        let s = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        if s.overflowed {
            return Err(Error::Unsupported {
                location: self.location.to_string(),
                message: "standard input cannot be read twice past its first 32 MiB".into(),
            });
        }
        Ok(Box::new(StdinReader {
            shared: Arc::clone(&self.shared),
            pos: 0,
        }))
    }

    fn supports_random_access(&self) -> bool {
        false
    }

    fn read_range(&self, _range: Range<u64>) -> Result<Bytes> {
        Err(Error::Unsupported {
            location: self.location.to_string(),
            message: "standard input cannot be read by byte range; formats that need random \
                      access (Parquet, Arrow IPC files) must be read from a file"
                .into(),
        })
    }
}
