//! [`Splitter`]: cuts a byte stream into JSON records (one object each), remembering the
//! 1-based line on which each record starts.
//!
//! Bytes are read in big chunks into one growable buffer. A record never moves while the
//! caller still needs it: the caller says, with [`Splitter::release`], up to where bytes
//! may be discarded, and the buffer is compacted (or grown) only when it is full.

use std::io::{ErrorKind as IoKind, Read};

use memchr::memchr;
use sluice_core::{Error, ErrorKind, Position, Result};

mod chunks;

/// The initial buffer size (less for inputs known to be smaller).
const INITIAL_BUFFER: usize = 1 << 20;
/// The smallest buffer.
const MIN_BUFFER: usize = 4 << 10;
/// The deepest nesting of arrays and objects accepted inside one array element.
pub(crate) const MAX_DEPTH: usize = 512;

/// How records are laid out in the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// JSON Lines: each non-blank line is one object.
    Lines,
    /// A JSON document: a top-level array of objects, or one (or more) top-level objects.
    Document,
}

/// One record: the bytes `start..end` of the stream (absolute offsets), starting at `line`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Record {
    pub(crate) start: u64,
    pub(crate) end: u64,
    pub(crate) line: u64,
}

/// Where the document scanner is, between elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Top {
    /// Nothing seen yet.
    Start,
    /// After `[`: an element or `]`.
    Open,
    /// After an element: `,` or `]`.
    AfterElement,
    /// After `,`: an element.
    AfterComma,
    /// After a top-level object: another object or the end.
    Objects,
    /// After the closing `]`: only whitespace.
    Done,
    /// Inside an element (an object) that started at `elem_start`.
    InElement,
}

/// The record splitter. See the module documentation.
pub(crate) struct Splitter {
    reader: Box<dyn Read + Send>,
    location: String,
    framing: Framing,
    buf: Vec<u8>,
    /// Bytes `0..filled` of `buf` hold data.
    filled: usize,
    /// The stream offset of `buf[0]`.
    base: u64,
    /// The scan position in `buf`.
    pos: usize,
    /// Bytes before this index may be discarded.
    keep: usize,
    /// The end of the last record handed out: until the caller releases it, `keep` only
    /// moves through [`Splitter::release`].
    handed: usize,
    /// The line number at `pos`.
    line: u64,
    eof: bool,
    started: bool,
    failed: bool,
    // Lines: where the current (incomplete) line starts, and how far it has been searched.
    line_start: usize,
    // Document state.
    top: Top,
    /// Whether the document is a top-level array (as opposed to top-level objects).
    in_array: bool,
    elem_start: usize,
    elem_line: u64,
    stack: Vec<u8>,
    in_string: bool,
    escape: bool,
}

impl std::fmt::Debug for Splitter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Splitter")
            .field("location", &self.location)
            .field("framing", &self.framing)
            .field("line", &self.line)
            .finish_non_exhaustive()
    }
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Where the record of one JSON Lines line starts: `Some(index)` of its `{`, `None` for a
/// blank line, or the error message for a line that is not an object.
pub(crate) fn line_record(text: &[u8]) -> std::result::Result<Option<usize>, String> {
    match text.iter().position(|&b| !is_ws(b)) {
        None => Ok(None),
        Some(first) if text[first] == b'{' => Ok(Some(first)),
        Some(first) => Err(format!(
            "expected a JSON object on each line, found {}",
            describe(text[first])
        )),
    }
}

/// Describes the value that starts with `b`, for messages.
pub(crate) fn describe(b: u8) -> String {
    match b {
        b'"' => "a string".into(),
        b'[' => "an array".into(),
        b'{' => "an object".into(),
        b'-' | b'0'..=b'9' => "a number".into(),
        b't' | b'f' => "a boolean".into(),
        b'n' => "null".into(),
        0x80.. => format!("byte 0x{b:02x} (invalid UTF-8 or not JSON)"),
        _ => format!("{:?}", b as char),
    }
}

impl Splitter {
    /// A splitter reading `reader`, naming `location` in errors. `size_hint` is the input's
    /// size when known, to size the buffer of small inputs.
    pub(crate) fn new(
        reader: Box<dyn Read + Send>,
        location: &str,
        framing: Framing,
        size_hint: Option<u64>,
    ) -> Self {
        let initial = size_hint.map_or(INITIAL_BUFFER, |n| {
            (n.saturating_add(1)).clamp(MIN_BUFFER as u64, INITIAL_BUFFER as u64) as usize
        });
        Splitter {
            reader,
            location: location.to_string(),
            framing,
            buf: vec![0; initial],
            filled: 0,
            base: 0,
            pos: 0,
            keep: 0,
            handed: 0,
            line: 1,
            eof: false,
            started: false,
            failed: false,
            line_start: 0,
            top: Top::Start,
            in_array: false,
            elem_start: 0,
            elem_line: 0,
            stack: Vec::new(),
            in_string: false,
            escape: false,
        }
    }

    /// The bytes of `record`, which must not have been released.
    pub(crate) fn bytes(&self, record: &Record) -> &[u8] {
        let start = (record.start.saturating_sub(self.base)) as usize;
        let end = (record.end.saturating_sub(self.base)) as usize;
        self.buf.get(start..end).unwrap_or_default()
    }

    /// Allows the bytes before stream offset `offset` to be discarded.
    pub(crate) fn release(&mut self, offset: u64) {
        let idx = offset.saturating_sub(self.base) as usize;
        self.keep = self.keep.max(idx.min(self.pos));
    }

    fn error(&mut self, line: u64, message: impl Into<String>) -> Error {
        self.failed = true;
        Error::parse("JSON", self.location.clone(), Position::line(line), message)
    }

    /// Reads more bytes; `false` at the end of the input.
    fn fill(&mut self) -> Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.filled == self.buf.len() {
            if self.keep > 0 {
                let k = self.keep;
                self.buf.copy_within(k..self.filled, 0);
                self.filled -= k;
                self.pos -= k;
                self.line_start = self.line_start.saturating_sub(k);
                self.elem_start = self.elem_start.saturating_sub(k);
                self.handed = self.handed.saturating_sub(k);
                self.base += k as u64;
                self.keep = 0;
            }
            let len = self.buf.len();
            if len - self.filled < len / 4 || len == 0 {
                let mut grown = vec![0; (len * 2).max(MIN_BUFFER)];
                grown[..self.filled].copy_from_slice(&self.buf[..self.filled]);
                self.buf = grown;
            }
        }
        loop {
            match self.reader.read(&mut self.buf[self.filled..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.filled += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == IoKind::Interrupted => {}
                Err(e) => {
                    self.failed = true;
                    return Err(Error::from_io(self.location.clone(), e));
                }
            }
        }
    }

    /// After `err`, a parse error in compressed input, reads on (up to `limit` bytes) for a
    /// decompression error, which is then returned instead: corrupt data often inflates to
    /// garbage before the codec notices.
    pub(crate) fn prefer_codec_error(&mut self, err: Error, limit: u64) -> Error {
        let mut scratch = vec![0; 64 << 10];
        let mut left = limit;
        while left > 0 && !self.eof {
            match self.reader.read(&mut scratch) {
                Ok(0) => break,
                Ok(n) => left = left.saturating_sub(n as u64),
                Err(e) if e.kind() == IoKind::Interrupted => {}
                Err(e) => {
                    let e = Error::from_io(self.location.clone(), e);
                    return if e.kind() == ErrorKind::Decompress {
                        e
                    } else {
                        err
                    };
                }
            }
        }
        err
    }

    /// Skips a UTF-8 byte order mark at the very start.
    fn start(&mut self) -> Result<()> {
        while self.filled < 3 && self.fill()? {}
        if self.buf[..self.filled].starts_with(b"\xEF\xBB\xBF") {
            self.pos = 3;
            self.keep = 3;
            self.line_start = 3;
        }
        self.started = true;
        Ok(())
    }

    /// The next record, or `None` at the end of the input. After an error, always `None`.
    pub(crate) fn next_record(&mut self) -> Result<Option<Record>> {
        if self.failed {
            return Ok(None);
        }
        if !self.started {
            self.start()?;
        }
        match self.framing {
            Framing::Lines => self.next_line(),
            Framing::Document => self.next_element(),
        }
    }

    fn record(&mut self, start: usize, end: usize, line: u64) -> Record {
        self.handed = end;
        Record {
            start: self.base + start as u64,
            end: self.base + end as u64,
            line,
        }
    }

    fn next_line(&mut self) -> Result<Option<Record>> {
        loop {
            let (end, next) = match memchr(b'\n', &self.buf[self.pos..self.filled]) {
                Some(i) => (self.pos + i, self.pos + i + 1),
                None => {
                    // Searched up to here already.
                    self.pos = self.filled;
                    if self.fill()? {
                        continue;
                    }
                    if self.line_start == self.filled {
                        return Ok(None);
                    }
                    (self.filled, self.filled)
                }
            };
            let start = self.line_start;
            let line = self.line;
            self.line += 1;
            self.pos = next;
            self.line_start = next;
            match line_record(&self.buf[start..end]) {
                Ok(Some(first)) => return Ok(Some(self.record(start + first, end, line))),
                Ok(None) => self.skipped(),
                Err(msg) => return Err(self.error(line, msg)),
            }
        }
    }

    /// Lets whitespace skipped up to `pos` be discarded, when the caller holds no record.
    fn skipped(&mut self) {
        if self.keep >= self.handed {
            self.keep = self.pos;
        }
    }

    /// Skips whitespace from `pos`, counting lines; the next byte, or `None` at the end.
    fn skip_ws(&mut self) -> Result<Option<u8>> {
        loop {
            while self.pos < self.filled {
                let b = self.buf[self.pos];
                if !is_ws(b) {
                    return Ok(Some(b));
                }
                if b == b'\n' {
                    self.line += 1;
                }
                self.pos += 1;
            }
            self.skipped();
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    fn next_element(&mut self) -> Result<Option<Record>> {
        loop {
            if self.top == Top::InElement {
                return self.scan_element();
            }
            let before = self.line;
            let next = self.skip_ws()?;
            // At the end of the input, point at the last line with content.
            let line = if next.is_some() { self.line } else { before };
            match (self.top, next) {
                (Top::Start, None) | (Top::Objects, None) | (Top::Done, None) => return Ok(None),
                (Top::Start, Some(b'[')) => {
                    self.in_array = true;
                    self.top = Top::Open;
                    self.pos += 1;
                }
                (Top::Start | Top::Objects, Some(b'{'))
                | (Top::Open | Top::AfterComma, Some(b'{')) => self.begin_element(),
                (Top::Start, Some(b)) => {
                    let msg = format!(
                        "expected a JSON array of objects or a JSON object, found {}",
                        describe(b)
                    );
                    return Err(self.error(line, msg));
                }
                (Top::Objects, Some(b)) => {
                    let msg = format!(
                        "expected another JSON object after the top-level object, found {}",
                        describe(b)
                    );
                    return Err(self.error(line, msg));
                }
                (Top::Open, Some(b']')) | (Top::AfterElement, Some(b']')) => {
                    self.top = Top::Done;
                    self.pos += 1;
                }
                (Top::AfterElement, Some(b',')) => {
                    self.top = Top::AfterComma;
                    self.pos += 1;
                }
                (Top::AfterElement, Some(b'{')) => {
                    return Err(self.error(line, "missing ',' between array elements"));
                }
                (Top::AfterElement, Some(b)) => {
                    let msg = format!(
                        "expected ',' or ']' after an array element, found {}",
                        describe(b)
                    );
                    return Err(self.error(line, msg));
                }
                (Top::AfterComma, Some(b']')) => {
                    return Err(self.error(line, "trailing ',' before ']'"));
                }
                (Top::Open | Top::AfterComma, Some(b)) => {
                    let msg = format!(
                        "expected every array element to be a JSON object, found {}",
                        describe(b)
                    );
                    return Err(self.error(line, msg));
                }
                (Top::Open | Top::AfterElement | Top::AfterComma, None) => {
                    return Err(self.error(
                        line,
                        "unexpected end of input inside the top-level array (missing ']')",
                    ));
                }
                (Top::Done, Some(b)) => {
                    let msg = format!(
                        "expected the end of input after the top-level array, found {}",
                        describe(b)
                    );
                    return Err(self.error(line, msg));
                }
                (Top::InElement, _) => {}
            }
        }
    }

    fn begin_element(&mut self) {
        self.top = Top::InElement;
        self.elem_start = self.pos;
        self.elem_line = self.line;
        self.stack.clear();
        self.in_string = false;
        self.escape = false;
    }

    /// Scans the element begun at `elem_start` up to its closing brace.
    fn scan_element(&mut self) -> Result<Option<Record>> {
        loop {
            let mut scan = ElementScan {
                pos: self.pos,
                line: self.line,
                in_string: self.in_string,
                escape: self.escape,
                stack: &mut self.stack,
            };
            let outcome = scan.run(&self.buf[..self.filled]);
            (self.pos, self.line) = (scan.pos, scan.line);
            (self.in_string, self.escape) = (scan.in_string, scan.escape);
            match outcome {
                Scanned::End => {
                    self.top = if self.in_array {
                        Top::AfterElement
                    } else {
                        Top::Objects
                    };
                    let rec = self.record(self.elem_start, self.pos, self.elem_line);
                    return Ok(Some(rec));
                }
                Scanned::Invalid(msg) => {
                    let line = self.line;
                    return Err(self.error(line, msg));
                }
                Scanned::NeedMore => {}
            }
            if !self.fill()? {
                let line = self.elem_line;
                return Err(self.error(
                    line,
                    "unexpected end of input inside a JSON object that starts on this line",
                ));
            }
        }
    }
}

/// What [`ElementScan::run`] found.
enum Scanned {
    /// The element's closing brace (just before `pos`).
    End,
    /// The buffer ended first.
    NeedMore,
    /// Mismatched brackets or too deep a nesting.
    Invalid(String),
}

/// Byte classes: 1 for bytes that matter inside a string, 2 for bytes that matter outside.
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b'"' as usize] = 3;
    t[b'\\' as usize] = 1;
    t[b'\n' as usize] = 3;
    t[b'{' as usize] = 2;
    t[b'}' as usize] = 2;
    t[b'[' as usize] = 2;
    t[b']' as usize] = 2;
    t
};

/// The resumable state of the scan of one element, held in locals for speed.
struct ElementScan<'a> {
    pos: usize,
    line: u64,
    in_string: bool,
    escape: bool,
    stack: &'a mut Vec<u8>,
}

impl ElementScan<'_> {
    fn run(&mut self, buf: &[u8]) -> Scanned {
        let mut i = self.pos;
        let mut line = self.line;
        let mut in_string = self.in_string;
        let outcome = loop {
            if self.escape {
                let Some(&b) = buf.get(i) else {
                    break Scanned::NeedMore;
                };
                self.escape = false;
                line += u64::from(b == b'\n');
                i += 1;
            }
            let mask = if in_string { 1 } else { 2 };
            while i < buf.len() && CLASS[buf[i] as usize] & mask == 0 {
                i += 1;
            }
            let Some(&b) = buf.get(i) else {
                break Scanned::NeedMore;
            };
            i += 1;
            match b {
                b'\n' => line += 1,
                b'"' => in_string = !in_string,
                b'\\' => self.escape = true,
                b'{' => self.stack.push(b'}'),
                b'[' => self.stack.push(b']'),
                _ => {
                    // A closing bracket.
                    if self.stack.pop() != Some(b) {
                        break Scanned::Invalid(format!(
                            "unexpected '{}' (brackets do not match)",
                            b as char
                        ));
                    }
                    if self.stack.is_empty() {
                        break Scanned::End;
                    }
                }
            }
            if self.stack.len() > MAX_DEPTH {
                break Scanned::Invalid(format!(
                    "objects and arrays nested deeper than {MAX_DEPTH} levels"
                ));
            }
        };
        self.pos = i;
        self.line = line;
        self.in_string = in_string;
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(framing: Framing, data: &[u8]) -> (Vec<(String, u64)>, Option<String>) {
        let reader = Box::new(std::io::Cursor::new(data.to_vec()));
        let mut s = Splitter::new(reader, "t", framing, None);
        let mut out = Vec::new();
        loop {
            match s.next_record() {
                Ok(Some(r)) => {
                    let text = String::from_utf8_lossy(s.bytes(&r)).into_owned();
                    out.push((text, r.line));
                }
                Ok(None) => return (out, None),
                Err(e) => return (out, Some(e.to_string())),
            }
        }
    }

    #[test]
    fn lines_skip_blank_and_bom() {
        let (recs, err) = split(Framing::Lines, b"\xEF\xBB\xBF{\"a\":1}\r\n\n  \n {\"a\":2}");
        assert_eq!(err, None);
        assert_eq!(
            recs,
            vec![("{\"a\":1}\r".to_string(), 1), ("{\"a\":2}".to_string(), 4)]
        );
    }

    #[test]
    fn lines_reject_scalar() {
        let (recs, err) = split(Framing::Lines, b"{}\n42\n");
        assert_eq!(recs.len(), 1);
        assert_eq!(
            err.as_deref(),
            Some("invalid JSON at t line 2: expected a JSON object on each line, found a number")
        );
    }

    #[test]
    fn document_array_elements() {
        let data = b"[\n  {\"a\": \"x]}\\\"\"},\n  {\"b\": [1, {\"c\": 2}]\n  }\n]\n";
        let (recs, err) = split(Framing::Document, data);
        assert_eq!(err, None);
        assert_eq!(recs[0], ("{\"a\": \"x]}\\\"\"}".to_string(), 2));
        assert_eq!(recs[1].1, 3);
        assert_eq!(recs.len(), 2);
    }

    #[test]
    fn document_errors() {
        let cases: &[(&[u8], &str)] = &[
            (b"[{}\n{}]", "line 2: missing ','"),
            (b"[{},\n]", "line 2: trailing ','"),
            (
                b"[{}\n\n",
                "line 1: unexpected end of input inside the top-level array",
            ),
            (
                b"[{}, 3]",
                "line 1: expected every array element to be a JSON object",
            ),
            (
                b"[{}] x",
                "line 1: expected the end of input after the top-level array, found 'x'",
            ),
            (
                b"\n\n7",
                "line 3: expected a JSON array of objects or a JSON object",
            ),
            (b"[{\"a\":\n[}]", "line 2: unexpected '}'"),
            (
                b"[\n{\"a\":\n1",
                "line 2: unexpected end of input inside a JSON object",
            ),
        ];
        for (data, want) in cases {
            let (_, err) = split(Framing::Document, data);
            let err = err.unwrap_or_default();
            assert!(err.contains(want), "{err:?} should contain {want:?}");
        }
    }

    #[test]
    fn document_objects_and_empty() {
        let (recs, err) = split(Framing::Document, b" {\"a\":1}\n{\"a\":2} ");
        assert_eq!(err, None);
        assert_eq!(recs.len(), 2);
        assert_eq!(split(Framing::Document, b" [ ] ").0.len(), 0);
        assert_eq!(split(Framing::Document, b"").0.len(), 0);
    }

    #[test]
    fn records_larger_than_the_buffer() {
        let big = "x".repeat(3 * INITIAL_BUFFER);
        let data = format!("[{{\"a\":\"{big}\"}},\n{{\"a\":1}}]");
        let (recs, err) = split(Framing::Document, data.as_bytes());
        assert_eq!(err, None);
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[1], ("{\"a\":1}".to_string(), 2));
        let data = format!("{{\"a\":\"{big}\"}}\n{{\"a\":1}}\n");
        let (recs, _) = split(Framing::Lines, data.as_bytes());
        assert_eq!(recs[1], ("{\"a\":1}".to_string(), 2));
    }
}
