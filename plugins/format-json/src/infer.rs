//! Schema inference: a small strict JSON parser that merges each record straight into an
//! inferred type, without building a value tree.
//!
//! Types widen only where no value is lost: null + X = X, integer + float = float, lists
//! merge their items, objects merge their fields by name (first-seen order). Anything else
//! is a conflict naming the column and the lines of both values. Integers that fit `i64`
//! are `Int64`; larger ones that fit `u64` make the column `UInt64` (or `Float64` if the
//! column also holds negative numbers); integers beyond `u64` are `Float64`. A column that
//! is null in every sampled record has type `Null`, as pyarrow infers.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use arrow_schema::{DataType, Field, Fields, Schema};
use memchr::memchr3;
use sluice_core::{Error, Position};

use crate::splitter::MAX_DEPTH;

/// The type inferred for one value position, and the line where its kind was first seen.
#[derive(Debug)]
struct Ty {
    kind: Kind,
    line: u64,
}

#[derive(Debug)]
enum Kind {
    Null,
    Bool,
    Int { negative: bool, big: bool },
    Float,
    Str,
    List(Box<Ty>),
    Struct(StructTy),
}

#[derive(Debug, Default)]
struct StructTy {
    fields: Vec<(String, Ty)>,
    index: HashMap<String, usize>,
}

impl Kind {
    fn name(&self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Int { .. } | Kind::Float => "a number",
            Kind::Str => "a string",
            Kind::List(_) => "an array",
            Kind::Struct(_) => "an object",
        }
    }
}

/// Why a record could not be merged.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Malformed JSON at `line`.
    Syntax { line: u64, message: String },
    /// A value whose type conflicts with earlier ones.
    Conflict {
        /// Column path, innermost first (reversed while unwinding).
        path: Vec<String>,
        was: &'static str,
        was_line: u64,
        now: &'static str,
        now_line: u64,
    },
}

impl Failure {
    /// The sluice error for this failure in `location`.
    pub(crate) fn into_error(self, location: &str) -> Error {
        match self {
            Failure::Syntax { line, message } => {
                Error::parse("JSON", location, Position::line(line), message)
            }
            Failure::Conflict {
                mut path,
                was,
                was_line,
                now,
                now_line,
            } => {
                path.reverse();
                Error::Schema {
                    message: format!(
                        "cannot infer the schema of {location}: column {:?} is {was} at line \
                         {was_line} but {now} at line {now_line}; pass an explicit schema to read it",
                        path.join(".")
                    ),
                }
            }
        }
    }
}

/// Accumulates the schema of the records it is given.
#[derive(Debug, Default)]
pub(crate) struct Inference {
    root: StructTy,
}

impl Inference {
    /// An empty inference.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Merges the record `bytes`, which starts at `line`, into the schema.
    pub(crate) fn add(&mut self, bytes: &[u8], line: u64) -> Result<(), Failure> {
        let mut root = Ty {
            kind: Kind::Struct(std::mem::take(&mut self.root)),
            line,
        };
        let result = parse_record(bytes, line, &mut root, true);
        if let Kind::Struct(s) = root.kind {
            self.root = s;
        }
        result
    }

    /// The schema inferred so far.
    pub(crate) fn finish(&self) -> Schema {
        Schema::new(fields(&self.root))
    }
}

fn fields(s: &StructTy) -> Fields {
    s.fields
        .iter()
        .map(|(name, ty)| Field::new(name, data_type(ty), true))
        .collect()
}

fn data_type(ty: &Ty) -> DataType {
    match &ty.kind {
        Kind::Null => DataType::Null,
        Kind::Bool => DataType::Boolean,
        Kind::Int { big: false, .. } => DataType::Int64,
        Kind::Int {
            big: true,
            negative: false,
        } => DataType::UInt64,
        Kind::Int { .. } | Kind::Float => DataType::Float64,
        Kind::Str => DataType::Utf8,
        Kind::List(item) => DataType::List(Arc::new(Field::new_list_field(data_type(item), true))),
        Kind::Struct(s) => DataType::Struct(fields(s)),
    }
}

/// Checks that `bytes` is one complete, valid JSON object (for sniffing).
pub(crate) fn is_object(bytes: &[u8]) -> bool {
    let mut root = Ty {
        kind: Kind::Struct(StructTy::default()),
        line: 1,
    };
    parse_record(bytes, 1, &mut root, false).is_ok()
}

/// Validates a record (exactly one object) and returns the first syntax error, if any.
pub(crate) fn syntax_error(bytes: &[u8], line: u64) -> Option<(u64, String)> {
    let mut root = Ty {
        kind: Kind::Struct(StructTy::default()),
        line,
    };
    match parse_record(bytes, line, &mut root, false) {
        Err(Failure::Syntax { line, message }) => Some((line, message)),
        _ => None,
    }
}

/// Parses one record into `root`; with `types` off, only the syntax is checked.
fn parse_record(bytes: &[u8], line: u64, root: &mut Ty, types: bool) -> Result<(), Failure> {
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
            return Err(p.syntax(format!(
                "expected a JSON object, found {}",
                crate::splitter::describe(b)
            )));
        }
        None => return Err(p.syntax("expected a JSON object, found nothing")),
    }
    p.ws();
    match p.peek() {
        None => Ok(()),
        Some(b) => Err(p.syntax(format!(
            "expected the end of the record after the JSON object, found {}",
            crate::splitter::describe(b)
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
            Some(b) => self.syntax(format!(
                "expected {expected}, found {}",
                crate::splitter::describe(b)
            )),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn infer(lines: &[&str]) -> Result<Schema, Error> {
        let mut inf = Inference::new();
        for (i, l) in lines.iter().enumerate() {
            inf.add(l.as_bytes(), i as u64 + 1)
                .map_err(|f| f.into_error("t.jsonl"))?;
        }
        Ok(inf.finish())
    }

    #[test]
    fn widening_and_order() {
        let s = infer(&[
            r#"{"b": 1, "a": null, "l": [], "s": {"x": 1}}"#,
            r#"{"a": "x", "b": 2.5, "l": [1, 2], "s": {"y": true}, "u": 18446744073709551615}"#,
            r#"{"k\u00e9y": -1, "n": null, "big": 9223372036854775808, "mix": 99999999999999999999}"#,
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<_> = s.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, ["b", "a", "l", "s", "u", "kéy", "n", "big", "mix"]);
        let types: Vec<_> = s.fields().iter().map(|f| f.data_type().clone()).collect();
        assert_eq!(types[0], DataType::Float64);
        assert_eq!(types[1], DataType::Utf8);
        assert_eq!(
            types[2],
            DataType::List(Arc::new(Field::new_list_field(DataType::Int64, true)))
        );
        assert_eq!(
            types[3],
            DataType::Struct(Fields::from(vec![
                Field::new("x", DataType::Int64, true),
                Field::new("y", DataType::Boolean, true),
            ]))
        );
        assert_eq!(types[4], DataType::UInt64);
        assert_eq!(types[5], DataType::Int64);
        assert_eq!(types[6], DataType::Null);
        assert_eq!(types[7], DataType::UInt64);
        assert_eq!(types[8], DataType::Float64);
    }

    #[test]
    fn conflicts_name_column_and_lines() {
        let err = infer(&[r#"{"a": 1}"#, "{}", r#"{"a": "x"}"#]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot infer the schema of t.jsonl: column \"a\" is a number at line 1 but a \
             string at line 3; pass an explicit schema to read it"
        );
        let err = infer(&[r#"{"s": {"l": [1]}}"#, r#"{"s": {"l": [{}]}}"#]).unwrap_err();
        assert!(
            err.to_string()
                .contains("column \"s.l.[]\" is a number at line 1 but an object at line 2"),
            "{err}"
        );
        let err = infer(&[r#"{"u": 18446744073709551615}"#, r#"{"u": true}"#]).unwrap_err();
        assert!(
            err.to_string()
                .contains("\"u\" is a number at line 1 but a boolean at line 2")
        );
    }

    #[test]
    fn syntax_errors_have_exact_lines() {
        let cases: &[(&str, u64, &str)] = &[
            (
                "{\"a\": 1,\n \"b\" 2}",
                2,
                "expected ':' after a key, found a number",
            ),
            (
                "{\"a\": [1,\n\n 2,]}",
                3,
                "expected a JSON value, found ']'",
            ),
            ("{\"a\": tru}", 1, "expected a JSON value, found a boolean"),
            ("{\"a\": 01}", 1, "expected ',' or '}', found a number"),
            (
                "{\"a\": 1} {}",
                1,
                "expected the end of the record after the JSON object, found an object",
            ),
            ("{\"a\": \"\\x\"}", 1, "invalid escape sequence '\\x'"),
            ("{\"a\": \"\\ud800\"}", 1, "unpaired UTF-16 surrogate"),
            ("{\"a\": -}", 1, "expected a digit"),
            ("{\"a\": 1.}", 1, "expected a digit after '.'"),
            ("{\"a\"\n:\n\"x", 3, "unterminated string"),
            ("[1]", 1, "expected a JSON object, found an array"),
        ];
        for (text, line, want) in cases {
            let (got_line, msg) = syntax_error(text.as_bytes(), 1).expect(text);
            assert_eq!(got_line, *line, "{text}: {msg}");
            assert!(msg.contains(want), "{text}: {msg:?} lacks {want:?}");
        }
        let (line, msg) = syntax_error(b"{\"a\":\n\"\xff\"}", 7).expect("bad utf-8");
        assert_eq!((line, msg.as_str()), (8, "invalid UTF-8 (byte 0xff)"));
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(600), "]".repeat(600));
        assert!(syntax_error(deep.as_bytes(), 1).is_some_and(|(_, m)| m.contains("nested")));
        assert!(is_object(
            br#"{"a": [1, {"b": null}], "c": "\u00e9\ud83d\ude00"}"#
        ));
    }
}
