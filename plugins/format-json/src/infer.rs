//! Schema inference: a small strict JSON parser that merges each record straight into an
//! inferred type, without building a value tree.
//!
//! Types widen only where no value is lost: null + X = X, integer + float = float, lists
//! merge their items, objects merge their fields by name (first-seen order). Anything else
//! is a conflict naming the column and the lines of both values. Integers that fit `i64`
//! are `Int64`; larger ones that fit `u64` make the column `UInt64` (or `Float64` if the
//! column also holds negative numbers); integers beyond `u64` are `Float64`. A column that
//! is null in every sampled record has type `Null`, as pyarrow infers.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_schema::{DataType, Field, Fields, Schema};
use sluice_core::{Error, Position};

use crate::parser::parse_record;

/// The type inferred for one value position, and the line where its kind was first seen.
#[derive(Debug)]
pub(crate) struct Ty {
    pub(crate) kind: Kind,
    pub(crate) line: u64,
}

#[derive(Debug)]
pub(crate) enum Kind {
    Null,
    Bool,
    Int { negative: bool, big: bool },
    Float,
    Str,
    List(Box<Ty>),
    Struct(StructTy),
}

#[derive(Debug, Default)]
pub(crate) struct StructTy {
    pub(crate) fields: Vec<(String, Ty)>,
    pub(crate) index: HashMap<String, usize>,
}

impl Kind {
    /// The kind as a noun phrase, for messages.
    pub(crate) fn name(&self) -> &'static str {
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
