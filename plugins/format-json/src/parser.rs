//! The strict JSON parser behind schema inference: it validates one record and merges its
//! values straight into an inferred type (or, with types off, only checks the syntax),
//! reporting exact lines.

use std::borrow::Cow;

use memchr::memchr3;

use crate::infer::{Failure, Kind, StructTy, Ty};
use crate::splitter::{MAX_DEPTH, describe};

/// Parses one record into `root`; with `types` off, only the syntax is checked.
pub(crate) fn parse_record(
    bytes: &[u8],
    line: u64,
    root: &mut Ty,
    types: bool,
) -> Result<(), Failure> {
    if let Err(e) = std::str::from_utf8(bytes) {
        let bad = e.valid_up_to();
        let line = line + memchr::memchr_iter(b'\n', &bytes[..bad]).count() as u64;
        return Err(Failure::Syntax {
            line,
            message: format!("invalid UTF-8 (byte 0x{:02x})", bytes[bad]),
        });
    }
    let mut p = Parser {
        b: bytes,
        i: 0,
        line,
        depth: 0,
        types,
    };
    p.ws();
    match p.peek() {
        Some(b'{') => p.value(root)?,
        Some(b) => {
            return Err(p.syntax(format!("expected a JSON object, found {}", describe(b))));
        }
        None => return Err(p.syntax("expected a JSON object, found nothing")),
    }
    p.ws();
    match p.peek() {
        None => Ok(()),
        Some(b) => Err(p.syntax(format!(
            "expected the end of the record after the JSON object, found {}",
            describe(b)
        ))),
    }
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    line: u64,
    depth: usize,
    /// Whether types are merged (else only the syntax is checked).
    types: bool,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn syntax(&self, message: impl Into<String>) -> Failure {
        Failure::Syntax {
            line: self.line,
            message: message.into(),
        }
    }

    fn unexpected(&self, expected: &str) -> Failure {
        match self.peek() {
            Some(b) => self.syntax(format!("expected {expected}, found {}", describe(b))),
            None => self.syntax(format!("expected {expected}, found the end of the record")),
        }
    }

    fn ws(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                _ => return,
            }
            self.i += 1;
        }
    }

    fn eat(&mut self, b: u8, expected: &str) -> Result<(), Failure> {
        if self.peek() == Some(b) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.unexpected(expected))
        }
    }

    /// Merges a scalar of `kind` into `ty`.
    fn merge(&self, ty: &mut Ty, kind: Kind) -> Result<(), Failure> {
        if !self.types {
            return Ok(());
        }
        match (&mut ty.kind, kind) {
            (_, Kind::Null) => {}
            (t @ Kind::Null, k) => {
                *t = k;
                ty.line = self.line;
            }
            (Kind::Bool, Kind::Bool) | (Kind::Str, Kind::Str) | (Kind::Float, Kind::Float) => {}
            (Kind::Float, Kind::Int { .. }) => {}
            (t @ Kind::Int { .. }, Kind::Float) => *t = Kind::Float,
            (
                Kind::Int { negative, big },
                Kind::Int {
                    negative: n2,
                    big: b2,
                },
            ) => {
                *negative |= n2;
                *big |= b2;
            }
            (t, k) => return Err(self.conflict(t, ty.line, &k)),
        }
        Ok(())
    }

    fn conflict(&self, was: &Kind, was_line: u64, now: &Kind) -> Failure {
        Failure::Conflict {
            path: Vec::new(),
            was: was.name(),
            was_line,
            now: now.name(),
            now_line: self.line,
        }
    }

    fn value(&mut self, ty: &mut Ty) -> Result<(), Failure> {
        match self.peek() {
            Some(b'{') => self.object(ty),
            Some(b'[') => self.array(ty),
            Some(b'"') => {
                self.string(false)?;
                self.merge(ty, Kind::Str)
            }
            Some(b'-' | b'0'..=b'9') => {
                let kind = self.number()?;
                self.merge(ty, kind)
            }
            Some(b't') => self.literal(b"true", ty, Kind::Bool),
            Some(b'f') => self.literal(b"false", ty, Kind::Bool),
            Some(b'n') => self.literal(b"null", ty, Kind::Null),
            _ => Err(self.unexpected("a JSON value")),
        }
    }

    fn literal(&mut self, word: &[u8], ty: &mut Ty, kind: Kind) -> Result<(), Failure> {
        if !self.b[self.i..].starts_with(word) {
            return Err(self.unexpected("a JSON value"));
        }
        self.i += word.len();
        self.merge(ty, kind)
    }

    fn enter(&mut self) -> Result<(), Failure> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.syntax(format!(
                "objects and arrays nested deeper than {MAX_DEPTH} levels"
            )));
        }
        self.i += 1;
        self.ws();
        Ok(())
    }

    fn object(&mut self, ty: &mut Ty) -> Result<(), Failure> {
        if matches!(ty.kind, Kind::Null) || !self.types && !matches!(ty.kind, Kind::Struct(_)) {
            ty.kind = Kind::Struct(StructTy::default());
            ty.line = self.line;
        }
        let Kind::Struct(s) = &mut ty.kind else {
            return Err(self.conflict(&ty.kind, ty.line, &Kind::Struct(StructTy::default())));
        };
        self.enter()?;
        if self.peek() == Some(b'}') {
            self.i += 1;
            self.depth -= 1;
            return Ok(());
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.unexpected("a quoted key"));
            }
            let key = self.string(true)?;
            self.ws();
            self.eat(b':', "':' after a key")?;
            self.ws();
            let idx = match s.index.get(key.as_ref()) {
                Some(&idx) => idx,
                None => {
                    let key = key.into_owned();
                    s.index.insert(key.clone(), s.fields.len());
                    let line = self.line;
                    s.fields.push((
                        key,
                        Ty {
                            kind: Kind::Null,
                            line,
                        },
                    ));
                    s.fields.len() - 1
                }
            };
            let (name, field) = &mut s.fields[idx];
            if let Err(mut e) = self.value(field) {
                if let Failure::Conflict { path, .. } = &mut e {
                    path.push(name.clone());
                }
                return Err(e);
            }
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                    self.ws();
                }
                Some(b'}') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                _ => return Err(self.unexpected("',' or '}'")),
            }
        }
    }

    fn array(&mut self, ty: &mut Ty) -> Result<(), Failure> {
        if matches!(ty.kind, Kind::Null) || !self.types && !matches!(ty.kind, Kind::List(_)) {
            ty.kind = Kind::List(Box::new(Ty {
                kind: Kind::Null,
                line: self.line,
            }));
            ty.line = self.line;
        }
        let Kind::List(item) = &mut ty.kind else {
            let list = Kind::List(Box::new(Ty {
                kind: Kind::Null,
                line: 0,
            }));
            return Err(self.conflict(&ty.kind, ty.line, &list));
        };
        self.enter()?;
        if self.peek() == Some(b']') {
            self.i += 1;
            self.depth -= 1;
            return Ok(());
        }
        loop {
            if let Err(mut e) = self.value(item) {
                if let Failure::Conflict { path, .. } = &mut e {
                    path.push("[]".to_string());
                }
                return Err(e);
            }
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                    self.ws();
                }
                Some(b']') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                _ => return Err(self.unexpected("',' or ']'")),
            }
        }
    }

    fn number(&mut self) -> Result<Kind, Failure> {
        let start = self.i;
        let digits = |p: &mut Self| {
            let from = p.i;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                p.i += 1;
            }
            p.i > from
        };
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err(self.unexpected("a digit")),
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            self.i += 1;
            integer = false;
            if !digits(self) {
                return Err(self.unexpected("a digit after '.'"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            integer = false;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !digits(self) {
                return Err(self.unexpected("a digit in the exponent"));
            }
        }
        if !integer {
            return Ok(Kind::Float);
        }
        // The bytes are ASCII digits (and '-'), so this cannot fail.
        let text = std::str::from_utf8(&self.b[start..self.i]).unwrap_or_default();
        Ok(if let Ok(v) = text.parse::<i64>() {
            Kind::Int {
                negative: v < 0,
                big: false,
            }
        } else if text.parse::<u64>().is_ok() {
            Kind::Int {
                negative: false,
                big: true,
            }
        } else {
            Kind::Float
        })
    }

    /// Parses a string at `i` (on its opening quote); decodes it only when `want`.
    fn string(&mut self, want: bool) -> Result<Cow<'a, str>, Failure> {
        self.i += 1;
        let start = self.i;
        let mut owned: Option<String> = None;
        let mut run = start;
        loop {
            let Some(k) = memchr3(b'"', b'\\', b'\n', &self.b[self.i..]) else {
                self.i = self.b.len();
                return Err(self.syntax("unterminated string"));
            };
            self.i += k;
            match self.b[self.i] {
                b'"' => {
                    let tail = self.text(run, self.i);
                    self.i += 1;
                    return Ok(match owned {
                        Some(mut s) => {
                            s.push_str(tail);
                            Cow::Owned(s)
                        }
                        None => Cow::Borrowed(tail),
                    });
                }
                b'\n' => {
                    self.line += 1;
                    self.i += 1;
                }
                _ => {
                    let text = self.text(run, self.i);
                    let c = self.escape()?;
                    if want {
                        let s = owned.get_or_insert_with(String::new);
                        s.push_str(text);
                        s.push(c);
                    }
                    run = self.i;
                }
            }
        }
    }

    fn text(&self, from: usize, to: usize) -> &'a str {
        // The record was checked to be UTF-8 and both ends sit on ASCII bytes.
        std::str::from_utf8(&self.b[from..to]).unwrap_or_default()
    }

    /// Parses the escape sequence at `i` (on its backslash).
    fn escape(&mut self) -> Result<char, Failure> {
        let Some(&b) = self.b.get(self.i + 1) else {
            return Err(self.syntax("unterminated string"));
        };
        self.i += 2;
        let c = match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let high = self.hex4()?;
                if !(0xD800..0xE000).contains(&high) {
                    char::from_u32(high).unwrap_or('\u{fffd}')
                } else if high < 0xDC00 && self.b[self.i..].starts_with(b"\\u") {
                    self.i += 2;
                    let low = self.hex4()?;
                    if !(0xDC00..0xE000).contains(&low) {
                        return Err(self.syntax("invalid UTF-16 surrogate pair in a \\u escape"));
                    }
                    let c = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                    char::from_u32(c).unwrap_or('\u{fffd}')
                } else {
                    return Err(self.syntax("unpaired UTF-16 surrogate in a \\u escape"));
                }
            }
            _ => {
                return Err(self.syntax(format!(
                    "invalid escape sequence '\\{}'",
                    (b as char).escape_default()
                )));
            }
        };
        Ok(c)
    }

    fn hex4(&mut self) -> Result<u32, Failure> {
        let Some(digits) = self.b.get(self.i..self.i + 4) else {
            return Err(self.syntax("truncated \\u escape"));
        };
        let mut v = 0;
        for &d in digits {
            let n = (d as char)
                .to_digit(16)
                .ok_or_else(|| self.syntax("invalid hex digit in a \\u escape"))?;
            v = v * 16 + n;
        }
        self.i += 4;
        Ok(v)
    }
}
