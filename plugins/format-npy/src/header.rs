//! The `.npy` preamble: magic, version, header length, and the header dictionary, a Python
//! literal such as `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`.

use std::io::{self, Read};

use sluice_core::{Error, Position, Result};

use crate::dtype::Dtype;

/// The magic string every `.npy` file starts with.
pub(crate) const MAGIC: &[u8] = b"\x93NUMPY";

/// The largest header accepted. numpy itself refuses headers above 10 000 bytes unless
/// told otherwise; a megabyte leaves room for wide structured dtypes.
const MAX_HEADER: usize = 1 << 20;

/// The format name used in parse errors.
pub(crate) const FORMAT: &str = "NumPy";

/// A parse error at a byte offset of `location`.
pub(crate) fn parse_error(location: &str, offset: u64, message: impl Into<String>) -> Error {
    Error::parse(FORMAT, location, Position::offset(offset), message)
}

/// The parsed header of a `.npy` file.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    /// The element type.
    pub(crate) dtype: Dtype,
    /// Whether the data is in Fortran (column-major) order.
    pub(crate) fortran_order: bool,
    /// The array's shape; empty for a 0-d array.
    pub(crate) shape: Vec<u64>,
    /// Bytes before the data: magic, version, length field and header.
    pub(crate) data_offset: u64,
}

impl Header {
    /// The number of rows: the first dimension, or 1 for a 0-d array.
    pub(crate) fn rows(&self) -> u64 {
        self.shape.first().copied().unwrap_or(1)
    }
}

/// Reads into `buf` until it is full or the input ends; returns the bytes read.
pub(crate) fn read_full(reader: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn escaped(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}

/// Reads the preamble and header of `reader`, leaving it at the first data byte.
pub(crate) fn read_header(reader: &mut dyn Read, location: &str) -> Result<Header> {
    let io = |e| Error::from_io(location.to_string(), e);
    let mut pre = [0u8; 10];
    let got = read_full(reader, &mut pre).map_err(io)?;
    if got == 0 {
        return Err(parse_error(
            location,
            0,
            "the file is empty; a .npy file starts with the magic \\x93NUMPY",
        ));
    }
    if !pre[..got.min(MAGIC.len())].starts_with(&MAGIC[..got.min(MAGIC.len())]) || got < MAGIC.len()
    {
        return Err(parse_error(
            location,
            0,
            format!(
                "expected the magic \\x93NUMPY, found \"{}\"",
                escaped(&pre[..got.min(MAGIC.len())])
            ),
        ));
    }
    if got < 8 {
        return Err(parse_error(
            location,
            got as u64,
            "the file ends inside the format version",
        ));
    }
    let (major, minor) = (pre[6], pre[7]);
    let len_bytes = match (major, minor) {
        (1, 0) => 2,
        (2, 0) | (3, 0) => 4,
        _ => {
            return Err(Error::Unsupported {
                location: location.to_string(),
                message: format!(
                    "NumPy format version {major}.{minor} is not supported; \
                     this reader knows versions 1.0, 2.0 and 3.0"
                ),
            });
        }
    };
    let mut len_field = [0u8; 4];
    len_field[..got - 8].copy_from_slice(&pre[8..got]);
    let more = read_full(reader, &mut len_field[got - 8..len_bytes]).map_err(io)?;
    if got - 8 + more < len_bytes {
        return Err(parse_error(
            location,
            (got + more) as u64,
            "the file ends inside the header length",
        ));
    }
    let header_len = if len_bytes == 2 {
        u16::from_le_bytes([len_field[0], len_field[1]]) as usize
    } else {
        u32::from_le_bytes(len_field) as usize
    };
    let start = 8 + len_bytes;
    if header_len > MAX_HEADER {
        return Err(Error::Unsupported {
            location: location.to_string(),
            message: format!(
                "the header is {header_len} bytes long; this reader accepts headers of up \
                 to {MAX_HEADER} bytes"
            ),
        });
    }
    let mut raw = vec![0u8; header_len];
    let got = read_full(reader, &mut raw).map_err(io)?;
    if got < header_len {
        return Err(parse_error(
            location,
            (start + got) as u64,
            format!(
                "the file ends inside the header: expected {header_len} header bytes, \
                 found {got}"
            ),
        ));
    }
    let text: String = if major == 3 {
        String::from_utf8(raw).map_err(|e| {
            parse_error(
                location,
                (start + e.utf8_error().valid_up_to()) as u64,
                "the version 3.0 header is not valid UTF-8",
            )
        })?
    } else {
        // Versions 1.0 and 2.0 headers are Latin-1.
        raw.iter().map(|&b| b as char).collect()
    };
    let mut header = parse_dict(&text, location, start as u64)?;
    header.data_offset = (start + header_len) as u64;
    Ok(header)
}

/// A Python literal, as far as `.npy` headers use them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    /// `'text'` or `"text"`.
    Str(String),
    /// A non-negative integer.
    Int(u64),
    /// `True` / `False`.
    Bool(bool),
    /// `None`.
    None,
    /// `(a, b)`.
    Tuple(Vec<Literal>),
    /// `[a, b]`.
    List(Vec<Literal>),
    /// `{k: v}`.
    Dict(Vec<(Literal, Literal)>),
}

impl Literal {
    /// A short description for messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Literal::Str(s) => format!("the string {s:?}"),
            Literal::Int(i) => format!("the integer {i}"),
            Literal::Bool(b) => (if *b { "True" } else { "False" }).to_string(),
            Literal::None => "None".to_string(),
            Literal::Tuple(_) => "a tuple".to_string(),
            Literal::List(_) => "a list".to_string(),
            Literal::Dict(_) => "a dict".to_string(),
        }
    }
}

/// A recursive-descent parser of Python literals over the header text.
struct Parser<'a> {
    chars: Vec<(usize, char)>,
    pos: usize,
    text: &'a str,
    location: &'a str,
    base: u64,
    depth: usize,
}

impl Parser<'_> {
    fn error(&self, message: impl Into<String>) -> Error {
        let byte = self
            .chars
            .get(self.pos)
            .map_or(self.text.len(), |(i, _)| *i);
        parse_error(
            self.location,
            self.base + byte as u64,
            format!(
                "malformed header {:?}: {}",
                self.text.trim_end(),
                message.into()
            ),
        )
    }

    fn skip_ws(&mut self) {
        while self
            .chars
            .get(self.pos)
            .is_some_and(|(_, c)| c.is_ascii_whitespace())
        {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_ws();
        self.chars.get(self.pos).map(|(_, c)| *c)
    }

    fn expect(&mut self, want: char) -> Result<()> {
        match self.peek() {
            Some(c) if c == want => {
                self.pos += 1;
                Ok(())
            }
            Some(c) => Err(self.error(format!("expected '{want}', found '{c}'"))),
            None => Err(self.error(format!("expected '{want}', found the end of the header"))),
        }
    }

    fn value(&mut self) -> Result<Literal> {
        self.depth += 1;
        if self.depth > 32 {
            return Err(self.error("values nested more than 32 deep"));
        }
        let v = match self.peek() {
            Some('\'') | Some('"') => self.string().map(Literal::Str),
            Some('(') => self.sequence('(', ')').map(Literal::Tuple),
            Some('[') => self.sequence('[', ']').map(Literal::List),
            Some('{') => self.dict(),
            Some(c) if c.is_ascii_digit() => self.int(),
            Some(c) if c.is_ascii_alphabetic() => self.word(),
            Some(c) => Err(self.error(format!("expected a value, found '{c}'"))),
            None => Err(self.error("expected a value, found the end of the header")),
        };
        self.depth -= 1;
        v
    }

    fn string(&mut self) -> Result<String> {
        let quote = self.chars[self.pos].1;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(&(_, c)) = self.chars.get(self.pos) else {
                return Err(self.error("unterminated string"));
            };
            self.pos += 1;
            match c {
                c if c == quote => return Ok(out),
                '\\' => {
                    let Some(&(_, e)) = self.chars.get(self.pos) else {
                        return Err(self.error("unterminated string"));
                    };
                    self.pos += 1;
                    match e {
                        '\\' | '\'' | '"' => out.push(e),
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        _ => return Err(self.error(format!("unsupported escape '\\{e}'"))),
                    }
                }
                '\n' => return Err(self.error("unterminated string")),
                c => out.push(c),
            }
        }
    }

    fn int(&mut self) -> Result<Literal> {
        let mut n: u64 = 0;
        while let Some(&(_, c)) = self.chars.get(self.pos) {
            let Some(d) = c.to_digit(10) else { break };
            n = n
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(d)))
                .ok_or_else(|| self.error("an integer larger than 2^64"))?;
            self.pos += 1;
        }
        // Python 2 wrote long integers with an `L` suffix.
        if self
            .chars
            .get(self.pos)
            .is_some_and(|(_, c)| *c == 'L' || *c == 'l')
        {
            self.pos += 1;
        }
        Ok(Literal::Int(n))
    }

    fn word(&mut self) -> Result<Literal> {
        let start = self.pos;
        while self
            .chars
            .get(self.pos)
            .is_some_and(|(_, c)| c.is_ascii_alphanumeric() || *c == '_')
        {
            self.pos += 1;
        }
        let word: String = self.chars[start..self.pos].iter().map(|(_, c)| c).collect();
        match word.as_str() {
            "True" => Ok(Literal::Bool(true)),
            "False" => Ok(Literal::Bool(false)),
            "None" => Ok(Literal::None),
            _ => {
                self.pos = start;
                Err(self.error(format!("expected a value, found {word:?}")))
            }
        }
    }

    fn sequence(&mut self, open: char, close: char) -> Result<Vec<Literal>> {
        self.expect(open)?;
        let mut items = Vec::new();
        loop {
            if self.peek() == Some(close) {
                self.pos += 1;
                return Ok(items);
            }
            items.push(self.value()?);
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(c) if c == close => {}
                Some(c) => {
                    return Err(self.error(format!("expected ',' or '{close}', found '{c}'")));
                }
                None => {
                    return Err(self.error(format!(
                        "expected ',' or '{close}', found the end of the header"
                    )));
                }
            }
        }
    }

    fn dict(&mut self) -> Result<Literal> {
        self.expect('{')?;
        let mut items = Vec::new();
        loop {
            if self.peek() == Some('}') {
                self.pos += 1;
                return Ok(Literal::Dict(items));
            }
            let key = self.value()?;
            self.expect(':')?;
            let value = self.value()?;
            items.push((key, value));
            match self.peek() {
                Some(',') => self.pos += 1,
                Some('}') => {}
                Some(c) => return Err(self.error(format!("expected ',' or '}}', found '{c}'"))),
                None => return Err(self.error("expected ',' or '}', found the end of the header")),
            }
        }
    }
}

/// Parses one Python literal from the start of `text`; the parser is returned to check
/// what follows.
fn parse_literal<'a>(text: &'a str, location: &'a str, base: u64) -> (Parser<'a>, Result<Literal>) {
    let mut p = Parser {
        chars: text.char_indices().collect(),
        pos: 0,
        text,
        location,
        base,
        depth: 0,
    };
    let v = p.value();
    (p, v)
}

/// Parses the header dictionary strictly: exactly the keys `descr`, `fortran_order` and
/// `shape`, nothing but whitespace after it.
fn parse_dict(text: &str, location: &str, base: u64) -> Result<Header> {
    let (mut p, value) = parse_literal(text, location, base);
    let value = value?;
    if let Some(c) = p.peek() {
        return Err(p.error(format!("unexpected '{c}' after the header dictionary")));
    }
    let Literal::Dict(items) = value else {
        return Err(p.error(format!("expected a dict, found {}", value.describe())));
    };
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    for (key, value) in items {
        let slot = match &key {
            Literal::Str(k) if k == "descr" => &mut descr,
            Literal::Str(k) if k == "fortran_order" => &mut fortran,
            Literal::Str(k) if k == "shape" => &mut shape,
            other => {
                return Err(p.error(format!(
                    "unexpected key {}; the keys are 'descr', 'fortran_order' and 'shape'",
                    other.describe()
                )));
            }
        };
        if slot.is_some() {
            return Err(p.error(format!("the key {} appears twice", key.describe())));
        }
        *slot = Some(value);
    }
    let missing = |name: &str| p.error(format!("the key '{name}' is missing"));
    let descr = descr.ok_or_else(|| missing("descr"))?;
    let fortran = fortran.ok_or_else(|| missing("fortran_order"))?;
    let shape = shape.ok_or_else(|| missing("shape"))?;
    let fortran_order = match fortran {
        Literal::Bool(b) => b,
        other => {
            return Err(p.error(format!(
                "'fortran_order' must be True or False, found {}",
                other.describe()
            )));
        }
    };
    let shape = match shape {
        Literal::Tuple(dims) => dims
            .into_iter()
            .map(|d| match d {
                Literal::Int(n) => Ok(n),
                other => Err(p.error(format!(
                    "'shape' must be a tuple of integers, found {}",
                    other.describe()
                ))),
            })
            .collect::<Result<Vec<u64>>>()?,
        other => {
            return Err(p.error(format!(
                "'shape' must be a tuple of integers, found {}",
                other.describe()
            )));
        }
    };
    let dtype = Dtype::from_descr(&descr).map_err(|e| match e {
        crate::dtype::DescrError::Malformed(m) => p.error(m),
        crate::dtype::DescrError::Unsupported(message) => Error::Unsupported {
            location: location.to_string(),
            message,
        },
    })?;
    Ok(Header {
        dtype,
        fortran_order,
        shape,
        data_offset: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(text: &str) -> Result<Header> {
        parse_dict(text, "t.npy", 10)
    }

    #[test]
    fn parses_what_numpy_writes() {
        let h =
            header("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }    \n").unwrap();
        assert_eq!(h.shape, [3, 4]);
        assert!(!h.fortran_order);
        let h = header("{\"descr\": \"|b1\", \"fortran_order\": True, \"shape\": (5L,)}").unwrap();
        assert_eq!(h.shape, [5]);
        assert!(h.fortran_order);
        assert_eq!(
            header("{'descr':'<i4','fortran_order':False,'shape':()}")
                .unwrap()
                .rows(),
            1
        );
    }

    #[test]
    fn rejects_malformed_dicts() {
        for (text, want) in [
            (
                "{'descr': '<f8', 'fortran_order': False}",
                "'shape' is missing",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'x': 1}",
                "unexpected key",
            ),
            (
                "{'descr': '<f8', 'fortran_order': 0, 'shape': (3,)}",
                "True or False",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': [3]}",
                "tuple of integers",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (3,)",
                "expected ',' or '}'",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (3,)} x",
                "after the header",
            ),
            (
                "{'descr': '<f8, 'fortran_order': False, 'shape': (3,)}",
                "found 'f'",
            ),
            ("[1, 2]", "expected a dict"),
            ("{'shape': (99999999999999999999,)}", "larger than 2^64"),
        ] {
            let err = header(text).unwrap_err().to_string();
            assert!(err.contains(want), "{text}: {err}");
            assert!(
                err.starts_with("invalid NumPy at t.npy byte offset"),
                "{err}"
            );
        }
    }
}
