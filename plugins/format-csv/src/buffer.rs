//! [`InputBuffer`]: the bytes of one input, read once, validated as UTF-8, and kept from
//! the start of the batch being decoded so that errors can be traced to their line.

use std::borrow::Cow;
use std::io::{self, Read};

use sluice_core::{Error, Position, Result, drain_for_codec_error};

/// Bytes asked of the reader per refill.
const READ_SIZE: usize = 1 << 20;
/// A refill first makes at least this much room.
const MIN_FREE: usize = 64 << 10;
/// The smallest buffer once decoding starts: several reads fit before the kept bytes of
/// the batch in progress are moved to the front.
const MIN_CAPACITY: usize = 4 << 20;

/// A growable window over a sequential reader.
///
/// Layout of `buf`: `[0, keep)` may be discarded; `[keep, pos)` was consumed by the decoder
/// but belongs to the batch in progress (kept to locate errors); `[pos, valid)` is valid
/// UTF-8 not consumed yet; `[valid, end)` is read but not validated (at most a character
/// cut by the end of the last read).
pub(crate) struct InputBuffer<'a> {
    reader: Box<dyn Read + Send>,
    location: String,
    compressed: bool,
    /// Borrowed when the buffer is a chunk of an input, read whole already.
    buf: Cow<'a, [u8]>,
    keep: usize,
    pos: usize,
    valid: usize,
    end: usize,
    eof: bool,
    /// Bytes and line breaks discarded from the front of `buf`.
    discarded_bytes: u64,
    discarded_lines: u64,
}

impl std::fmt::Debug for InputBuffer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InputBuffer")
            .field("location", &self.location)
            .field("buffered", &(self.end - self.keep))
            .field("eof", &self.eof)
            .finish()
    }
}

/// The number of line feeds in `bytes`. Byte-wide counters over blocks of at most 255
/// chunks let the compiler vectorize the loop fully.
pub(crate) fn count_lines(bytes: &[u8]) -> u64 {
    const LANES: usize = 64;
    let mut total = 0u64;
    for block in bytes.chunks(LANES * 255) {
        let mut counts = [0u8; LANES];
        let mut chunks = block.chunks_exact(LANES);
        for chunk in &mut chunks {
            for (count, &b) in counts.iter_mut().zip(chunk) {
                *count += u8::from(b == b'\n');
            }
        }
        total += counts.iter().map(|&c| u64::from(c)).sum::<u64>();
        total += chunks.remainder().iter().filter(|&&b| b == b'\n').count() as u64;
    }
    total
}

impl<'a> InputBuffer<'a> {
    /// A buffer over `reader`; `compressed` when it decompresses its input.
    pub(crate) fn new(reader: Box<dyn Read + Send>, location: &str, compressed: bool) -> Self {
        InputBuffer {
            reader,
            location: location.to_string(),
            compressed,
            buf: Cow::Owned(Vec::new()),
            keep: 0,
            pos: 0,
            valid: 0,
            end: 0,
            eof: false,
            discarded_bytes: 0,
            discarded_lines: 0,
        }
    }

    /// A buffer holding all of `data`, a piece of an input that starts at byte `offset` on
    /// line `first_line`, validated as UTF-8 (errors name the line of the whole input).
    pub(crate) fn from_chunk(
        data: &'a [u8],
        location: &str,
        first_line: u64,
        offset: u64,
    ) -> Result<Self> {
        let end = data.len();
        let mut buffer = InputBuffer {
            buf: Cow::Borrowed(data),
            end,
            eof: true,
            discarded_bytes: offset,
            discarded_lines: first_line.saturating_sub(1),
            ..InputBuffer::new(Box::new(io::empty()), location, false)
        };
        buffer.validate()?;
        Ok(buffer)
    }

    /// The bytes read but not consumed (validated or not), the reader of the rest, and
    /// whether it is exhausted.
    pub(crate) fn into_rest(self) -> (Vec<u8>, Box<dyn Read + Send>, bool) {
        let rest = self.buf[self.pos..self.end].to_vec();
        (rest, self.reader, self.eof)
    }

    /// The offset in the whole (decompressed) input of buffer offset `at`.
    pub(crate) fn stream_offset(&self, at: usize) -> u64 {
        self.discarded_bytes + at as u64
    }

    pub(crate) fn location(&self) -> &str {
        &self.location
    }

    /// Whether the reader is exhausted (everything read is in the buffer).
    pub(crate) fn eof(&self) -> bool {
        self.eof
    }

    /// The validated bytes from offset `from` of the buffer.
    pub(crate) fn valid_from(&self, from: usize) -> &[u8] {
        &self.buf[from.min(self.valid)..self.valid]
    }

    /// Validated bytes not yet consumed.
    pub(crate) fn available(&self) -> &[u8] {
        &self.buf[self.pos..self.valid]
    }

    /// The buffer offset where the batch in progress starts.
    pub(crate) fn keep(&self) -> usize {
        self.keep
    }

    /// Consumes `n` available bytes.
    pub(crate) fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.valid);
    }

    /// Moves the read position to buffer offset `pos` and forgets what is before it.
    pub(crate) fn start_at(&mut self, pos: usize) {
        self.pos = pos.min(self.valid);
        self.keep = self.pos;
    }

    /// A batch ended at the read position: what was consumed may be discarded.
    pub(crate) fn mark(&mut self) {
        self.keep = self.pos;
    }

    /// The 1-based line of buffer offset `at`.
    pub(crate) fn line_at(&self, at: usize) -> u64 {
        1 + self.discarded_lines + count_lines(&self.buf[..at.min(self.end)])
    }

    /// The position (line and stream offset) of buffer offset `at`.
    pub(crate) fn position_at(&self, at: usize) -> Position {
        let mut position = Position::line(self.line_at(at));
        position.offset = Some(self.discarded_bytes + at as u64);
        position
    }

    /// Corrupt compressed data often decompresses to garbage before the decompressor
    /// notices: when a parse error happens in a compressed input, read on (up to 64 MiB)
    /// and report the decompression error instead, if there is one.
    pub(crate) fn prefer_codec_error(&mut self, err: Error) -> Error {
        if !self.compressed {
            return err;
        }
        drain_for_codec_error(&mut self.reader, &self.location, err)
    }

    /// Reads more bytes (about 1 MiB unless the reader ends first) and validates them.
    /// After a call either more bytes are available or [`Self::eof`] is true.
    pub(crate) fn fill(&mut self) -> Result<()> {
        while !self.eof {
            let before = self.valid;
            self.read_more()?;
            if let Err(e) = self.validate() {
                return Err(self.prefer_codec_error(e));
            }
            if self.valid > before {
                break;
            }
        }
        Ok(())
    }

    fn read_more(&mut self) -> Result<()> {
        if self.buf.len() - self.end < MIN_FREE && self.keep > 0 {
            let keep = self.keep;
            self.discarded_lines += count_lines(&self.buf[..keep]);
            self.discarded_bytes += keep as u64;
            self.buf.to_mut().copy_within(keep..self.end, 0);
            self.end -= keep;
            self.valid -= keep;
            self.pos -= keep;
            self.keep = 0;
        }
        if self.buf.len() - self.end < MIN_FREE {
            let len = (self.buf.len() * 2)
                .max(self.end + READ_SIZE)
                .max(MIN_CAPACITY);
            self.buf.to_mut().resize(len, 0);
        }
        let target = self.end + (self.buf.len() - self.end).min(READ_SIZE);
        while self.end < target {
            match self.reader.read(&mut self.buf.to_mut()[self.end..target]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::from_io(self.location.clone(), e)),
            }
        }
        Ok(())
    }

    fn validate(&mut self) -> Result<()> {
        match std::str::from_utf8(&self.buf[self.valid..self.end]) {
            Ok(_) => self.valid = self.end,
            Err(e) => {
                let bad = self.valid + e.valid_up_to();
                // A character cut by the end of the read is completed by the next one.
                if e.error_len().is_none() && !self.eof {
                    self.valid = bad;
                } else {
                    let len = e.error_len().unwrap_or(self.end - bad);
                    let bytes: Vec<String> = self.buf[bad..bad + len]
                        .iter()
                        .map(|b| format!("{b:#04x}"))
                        .collect();
                    return Err(Error::parse(
                        "CSV",
                        self.location.clone(),
                        self.position_at(bad),
                        format!("invalid UTF-8 (bytes {})", bytes.join(" ")),
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader returning at most `step` bytes per call.
    struct Trickle(Vec<u8>, usize, usize);
    impl Read for Trickle {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.2.min(out.len()).min(self.0.len() - self.1);
            out[..n].copy_from_slice(&self.0[self.1..self.1 + n]);
            self.1 += n;
            Ok(n)
        }
    }

    #[test]
    fn counts_line_feeds_in_any_length() {
        for len in [0usize, 1, 63, 64, 65, 64 * 255, 64 * 255 + 7, 100_000] {
            let bytes: Vec<u8> = (0..len)
                .map(|i| if i % 3 == 0 { b'\n' } else { b'x' })
                .collect();
            assert_eq!(count_lines(&bytes), len.div_ceil(3) as u64, "{len}");
        }
    }

    #[test]
    fn multibyte_cut_between_reads_is_not_an_error() {
        let data = "é".repeat(5).into_bytes();
        let mut b = InputBuffer::new(Box::new(Trickle(data.clone(), 0, 3)), "t.csv", false);
        let mut got = Vec::new();
        while !b.eof() || !b.available().is_empty() {
            if b.available().is_empty() {
                b.fill().unwrap();
                continue;
            }
            got.extend_from_slice(b.available());
            let n = b.available().len();
            b.consume(n);
            b.mark();
        }
        assert_eq!(got, data);
    }

    #[test]
    fn invalid_utf8_names_line_and_offset() {
        let data = b"a\nb\nc\xffd\n".to_vec();
        let mut b = InputBuffer::new(Box::new(io::Cursor::new(data)), "t.csv", false);
        let err = b.fill().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid CSV at t.csv line 3 byte offset 5: invalid UTF-8 (bytes 0xff)"
        );
    }

    #[test]
    fn truncated_character_at_end_is_an_error() {
        let data = b"ab\n\xc3".to_vec();
        let mut b = InputBuffer::new(Box::new(io::Cursor::new(data)), "t.csv", false);
        let err = b.fill().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid CSV at t.csv line 2 byte offset 3: invalid UTF-8 (bytes 0xc3)"
        );
    }
}
