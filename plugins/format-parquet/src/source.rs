//! [`RangeSource`]: parquet's [`ChunkReader`] over a sluice [`ByteSource`], reading only the
//! byte ranges parquet asks for (footer first, then column chunks), served from ranges
//! fetched up front when they cover the request.

use std::io::{self, Read};
use std::ops::Range;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use parquet::errors::{ParquetError, Result as ParquetResult};
use parquet::file::reader::{ChunkReader, Length};
use sluice_core::{ByteSource, Error};

/// How many bytes a sequential reader ([`ChunkReader::get_read`]) fetches at a time when
/// its start is not in a prefetched range (page headers of unbuffered column chunks).
const BLOCK: u64 = 64 * 1024;

/// The first storage error met by any reader of one [`RangeSource`] family. Parquet turns
/// errors into strings on their way out; this keeps the typed sluice error so the stream
/// can report an I/O failure as one.
pub(crate) type ErrorSlot = Arc<Mutex<Option<Error>>>;

/// A cheap-to-clone view of a random-access object for parquet's synchronous reader.
#[derive(Debug, Clone)]
pub(crate) struct RangeSource {
    source: Arc<dyn ByteSource>,
    size: u64,
    /// Ranges fetched up front, sorted by offset, not overlapping.
    prefetched: Arc<Vec<(u64, Bytes)>>,
    errors: ErrorSlot,
}

impl RangeSource {
    /// A reader of `source`, `size` bytes long, with nothing prefetched.
    pub(crate) fn new(source: Arc<dyn ByteSource>, size: u64) -> Self {
        RangeSource {
            source,
            size,
            prefetched: Arc::new(Vec::new()),
            errors: Arc::new(Mutex::new(None)),
        }
    }

    /// The object's size.
    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    /// The same object with `ranges` fetched now, in one `read_ranges` call (which the
    /// backend may coalesce); later reads inside them are served from memory. Ranges this
    /// source already holds are not fetched again, and stay held.
    pub(crate) fn with_prefetched(&self, mut ranges: Vec<Range<u64>>) -> Result<Self, Error> {
        ranges.retain(|r| r.start < r.end && r.end <= self.size && !self.holds(r));
        ranges.sort_by_key(|r| r.start);
        // Merge overlapping or touching ranges so each byte is fetched once.
        let mut merged: Vec<Range<u64>> = Vec::with_capacity(ranges.len());
        for r in ranges {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        let parts = if merged.is_empty() {
            Vec::new()
        } else {
            self.source.read_ranges(&merged)?
        };
        let mut prefetched: Vec<(u64, Bytes)> = self.prefetched.as_ref().clone();
        prefetched.extend(merged.iter().map(|r| r.start).zip(parts));
        prefetched.sort_by_key(|(off, _)| *off);
        Ok(RangeSource {
            source: Arc::clone(&self.source),
            size: self.size,
            prefetched: Arc::new(prefetched),
            errors: Arc::clone(&self.errors),
        })
    }

    /// The storage error recorded by a failed read, if any (taken: reported once).
    pub(crate) fn take_error(&self) -> Option<Error> {
        self.errors
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// Whether `range` is inside one prefetched range.
    fn holds(&self, range: &Range<u64>) -> bool {
        self.prefetched_from(range.start)
            .is_some_and(|b| b.len() as u64 >= range.end - range.start)
    }

    /// The prefetched bytes from `start` to the end of the prefetched range holding it.
    fn prefetched_from(&self, start: u64) -> Option<Bytes> {
        let i = self.prefetched.partition_point(|(off, _)| *off <= start);
        let (off, bytes) = self.prefetched.get(i.checked_sub(1)?)?;
        let skip = usize::try_from(start - off).ok()?;
        (skip < bytes.len()).then(|| bytes.slice(skip..))
    }

    /// Reads `range`, from memory when prefetched, else from storage.
    fn read(&self, range: Range<u64>) -> ParquetResult<Bytes> {
        let len = usize::try_from(range.end - range.start)
            .map_err(|_| ParquetError::General(format!("range {range:?} too large")))?;
        if let Some(bytes) = self.prefetched_from(range.start)
            && bytes.len() >= len
        {
            return Ok(bytes.slice(..len));
        }
        if range.end > self.size {
            return Err(ParquetError::EOF(format!(
                "range {}..{} is past the end of the {}-byte file",
                range.start, range.end, self.size
            )));
        }
        self.source.read_range(range).map_err(|e| {
            let message = e.to_string();
            let mut slot = self.errors.lock().unwrap_or_else(PoisonError::into_inner);
            if slot.is_none() {
                *slot = Some(e);
            }
            ParquetError::External(message.into())
        })
    }
}

impl Length for RangeSource {
    fn len(&self) -> u64 {
        self.size
    }
}

impl ChunkReader for RangeSource {
    type T = BlockReader;

    fn get_read(&self, start: u64) -> ParquetResult<BlockReader> {
        Ok(BlockReader {
            source: self.clone(),
            pos: start,
            buf: self.prefetched_from(start).unwrap_or_default(),
        })
    }

    fn get_bytes(&self, start: u64, length: usize) -> ParquetResult<Bytes> {
        let end = start
            .checked_add(length as u64)
            .ok_or_else(|| ParquetError::General(format!("range at {start} overflows")))?;
        self.read(start..end)
    }
}

/// A sequential reader from an offset: serves prefetched bytes, then fetches blocks of
/// 64 KiB on demand, never past the end of the object.
#[derive(Debug)]
pub(crate) struct BlockReader {
    source: RangeSource,
    /// The offset of `buf`'s first byte.
    pos: u64,
    buf: Bytes,
}

impl Read for BlockReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.buf.is_empty() {
            if self.pos >= self.source.size || out.is_empty() {
                return Ok(0);
            }
            let end = self
                .pos
                .saturating_add(BLOCK.max(out.len() as u64))
                .min(self.source.size);
            self.buf = self
                .source
                .read(self.pos..end)
                .map_err(|e| io::Error::other(e.to_string()))?;
            if self.buf.is_empty() {
                return Ok(0);
            }
        }
        let n = out.len().min(self.buf.len());
        out[..n].copy_from_slice(&self.buf[..n]);
        self.buf = self.buf.slice(n..);
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_core::MemorySource;

    fn source(data: &'static [u8]) -> RangeSource {
        RangeSource::new(
            Arc::new(MemorySource::new("m.parquet", data)),
            data.len() as u64,
        )
    }

    #[test]
    fn prefetched_ranges_are_merged_and_served() {
        let s = source(b"0123456789abcdef")
            .with_prefetched(vec![4..8, 2..5, 12..16])
            .unwrap();
        assert_eq!(s.prefetched.len(), 2);
        // Held ranges are not fetched again.
        let again = s.with_prefetched(vec![13..15, 0..1]).unwrap();
        assert_eq!(again.prefetched.len(), 3);
        assert_eq!(s.get_bytes(3, 4).unwrap().as_ref(), b"3456");
        // Not covered: read from the source.
        assert_eq!(s.get_bytes(7, 3).unwrap().as_ref(), b"789");
        let mut rest = String::new();
        s.get_read(13).unwrap().read_to_string(&mut rest).unwrap();
        assert_eq!(rest, "def");
    }

    #[test]
    fn a_reader_stops_at_the_end() {
        let s = source(b"0123456789");
        let mut got = Vec::new();
        s.get_read(6).unwrap().read_to_end(&mut got).unwrap();
        assert_eq!(got, b"6789");
        assert!(s.get_bytes(8, 5).is_err());
    }
}
