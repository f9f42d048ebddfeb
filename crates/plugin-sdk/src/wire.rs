//! What crosses the boundary as text: typed errors (a detail prefix before the human
//! message) and schemas (the Arrow C Data Interface schema as JSON).

use std::collections::HashMap;

use arrow_schema::ffi::{FFI_ArrowSchema, Flags};
use arrow_schema::{Schema, SchemaRef};
use serde_json::{Map, Value, json};
use sluice_core::{Error, ErrorKind, Position};
use sluice_plugin_abi::*;

/// The status that stands for an error of `kind`.
pub fn status_of(kind: ErrorKind) -> i32 {
    match kind {
        ErrorKind::Parse
        | ErrorKind::Decompress
        | ErrorKind::Schema
        | ErrorKind::FormatMismatch => SLUICE_STATUS_PARSE,
        ErrorKind::InvalidOption => SLUICE_STATUS_INVALID_ARGUMENT,
        ErrorKind::Io => SLUICE_STATUS_IO,
        ErrorKind::Unsupported | ErrorKind::UnknownFormat => SLUICE_STATUS_UNSUPPORTED,
        ErrorKind::NotFound | ErrorKind::UnknownColumn => SLUICE_STATUS_NOT_FOUND,
        _ => SLUICE_STATUS_INTERNAL,
    }
}

/// `err` as a message with the detail prefix (`[sluice {JSON}] `, see
/// [`SluiceError`]): its kind, position and the fields its variant needs, then the human
/// text without the location (the receiver knows it).
pub fn encode_error(err: &Error) -> String {
    let mut d = Map::new();
    let (kind, message) = match err {
        Error::Parse {
            format,
            position,
            message,
            ..
        } => {
            for (key, value) in [
                ("line", position.line),
                ("record", position.record),
                ("offset", position.offset),
            ] {
                if let Some(v) = value {
                    d.insert(key.to_string(), json!(v));
                }
            }
            d.insert("format".to_string(), json!(format));
            ("parse", message.clone())
        }
        Error::Decompress { codec, source, .. } => {
            d.insert("codec".to_string(), json!(codec));
            ("decompress", source.to_string())
        }
        Error::FormatMismatch { message, .. } => ("format_mismatch", message.clone()),
        Error::UnknownFormat { message, .. } => ("unknown_format", message.clone()),
        Error::Schema { message } => ("schema", message.clone()),
        Error::UnknownColumn {
            column, available, ..
        } => {
            d.insert("column".to_string(), json!(column));
            d.insert("available".to_string(), json!(available));
            ("unknown_column", err.to_string())
        }
        Error::InvalidOption { message } => ("invalid_option", message.clone()),
        Error::Unsupported { message, .. } => ("unsupported", message.clone()),
        Error::NotFound { detail, .. } => ("not_found", detail.clone().unwrap_or_default()),
        Error::Io { source, .. } => ("io", source.to_string()),
        Error::Arrow { source, .. } => ("parse", source.to_string()),
        Error::Internal { message } => ("internal", message.clone()),
        other => ("internal", other.to_string()),
    };
    d.insert("kind".to_string(), json!(kind));
    format!(
        "{SLUICE_ERROR_DETAIL_PREFIX}{}] {message}",
        Value::Object(d)
    )
}

/// Splits a message into its detail object (if it has the prefix, anywhere: an Arrow
/// stream's error may come wrapped in the importer's words) and the human text after it.
pub fn split_detail(text: &str) -> (Option<Map<String, Value>>, &str) {
    let Some(start) = text.find(SLUICE_ERROR_DETAIL_PREFIX) else {
        return (None, text);
    };
    let json_start = start + SLUICE_ERROR_DETAIL_PREFIX.len();
    let mut values =
        serde_json::Deserializer::from_str(&text[json_start..]).into_iter::<Map<String, Value>>();
    match values.next() {
        Some(Ok(map)) => {
            let end = json_start + values.byte_offset();
            match text[end..].strip_prefix(']') {
                Some(rest) => (Some(map), rest.strip_prefix(' ').unwrap_or(rest)),
                None => (None, text),
            }
        }
        _ => (None, text),
    }
}

/// Where an error from the other side happened, for [`decode_error`].
#[derive(Debug, Clone, Copy)]
pub struct ErrorContext<'a> {
    /// The file (or library) the call was about.
    pub location: &'a str,
    /// The format's name, for parse errors without one.
    pub format: &'a str,
    /// The codec's name, for decompression errors without one.
    pub codec: &'a str,
    /// Appended to the message (the host names the plugin: `" (plugin x 1.0 at path)"`).
    pub suffix: &'a str,
}

fn kind_named(name: &str) -> Option<ErrorKind> {
    Some(match name {
        "parse" => ErrorKind::Parse,
        "decompress" => ErrorKind::Decompress,
        "format_mismatch" => ErrorKind::FormatMismatch,
        "unknown_format" => ErrorKind::UnknownFormat,
        "schema" => ErrorKind::Schema,
        "unknown_column" => ErrorKind::UnknownColumn,
        "invalid_option" => ErrorKind::InvalidOption,
        "unsupported" => ErrorKind::Unsupported,
        "not_found" => ErrorKind::NotFound,
        "io" => ErrorKind::Io,
        "internal" => ErrorKind::Internal,
        _ => return None,
    })
}

fn kind_of_status(status: i32) -> ErrorKind {
    match status {
        SLUICE_STATUS_PARSE => ErrorKind::Parse,
        SLUICE_STATUS_IO => ErrorKind::Io,
        SLUICE_STATUS_INVALID_ARGUMENT => ErrorKind::InvalidOption,
        SLUICE_STATUS_UNSUPPORTED | SLUICE_STATUS_UNSUPPORTED_VERSION => ErrorKind::Unsupported,
        SLUICE_STATUS_NOT_FOUND => ErrorKind::NotFound,
        _ => ErrorKind::Internal,
    }
}

/// Rebuilds a typed error from a status and a message from the other side. The detail
/// prefix, when there is one, gives the kind (unless the status says the other side
/// panicked) and the position; without it the status alone classifies the plain text.
pub fn decode_error(status: i32, message: Option<&str>, ctx: &ErrorContext<'_>) -> Error {
    let text = message
        .map(crate::clean_message)
        .unwrap_or_else(|| format!("failed with status {status} and no message"));
    let (detail, human) = split_detail(&text);
    let detail = detail.unwrap_or_default();
    let panicked = matches!(status, SLUICE_STATUS_PANIC | SLUICE_STATUS_POISONED);
    let kind = match detail
        .get("kind")
        .and_then(Value::as_str)
        .and_then(kind_named)
    {
        Some(kind) if !panicked => kind,
        _ => kind_of_status(status),
    };
    let string = |key: &str| detail.get(key).and_then(Value::as_str).map(str::to_string);
    let number = |key: &str| detail.get(key).and_then(Value::as_u64);
    let location = ctx.location.to_string();
    let message = format!("{human}{}", ctx.suffix);
    match kind {
        ErrorKind::Parse => Error::Parse {
            format: string("format").unwrap_or_else(|| ctx.format.to_string()),
            location,
            position: {
                let mut position = Position::NONE;
                position.line = number("line");
                position.offset = number("offset");
                position.record = number("record");
                position
            },
            message,
            source: None,
        },
        ErrorKind::Decompress => Error::Decompress {
            codec: string("codec").unwrap_or_else(|| ctx.codec.to_string()),
            location,
            source: std::io::Error::other(message),
        },
        ErrorKind::FormatMismatch => Error::FormatMismatch { location, message },
        ErrorKind::UnknownFormat => Error::UnknownFormat { location, message },
        // A schema error's message names its files itself.
        ErrorKind::Schema => Error::Schema { message },
        ErrorKind::UnknownColumn => match string("column") {
            Some(column) => Error::UnknownColumn {
                column,
                location: Some(location),
                available: detail
                    .get("available")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
            },
            None => Error::invalid_option(format!("{location}: {message}")),
        },
        ErrorKind::InvalidOption => Error::invalid_option(format!("{location}: {message}")),
        ErrorKind::Unsupported => Error::Unsupported { location, message },
        ErrorKind::NotFound => Error::NotFound {
            location,
            detail: (!message.is_empty()).then_some(message),
        },
        ErrorKind::Io => Error::Io {
            location,
            source: std::io::Error::other(message),
        },
        _ => Error::Internal {
            message: format!("{location}: {message}"),
        },
    }
}

/// `schema` as JSON: the Arrow C Data Interface `ArrowSchema` tree (`format`, `name`,
/// `flags`, `metadata`, `children`, `dictionary`), readable in any language.
pub fn schema_to_json(schema: &Schema) -> Result<Value, Error> {
    let ffi = FFI_ArrowSchema::try_from(schema).map_err(|e| Error::Unsupported {
        location: "-".to_string(),
        message: format!("this schema cannot cross the plugin boundary: {e}"),
    })?;
    node_to_json(&ffi)
}

fn node_to_json(node: &FFI_ArrowSchema) -> Result<Value, Error> {
    let mut out = Map::new();
    out.insert("format".to_string(), json!(node.format()));
    if let Some(name) = node.name() {
        out.insert("name".to_string(), json!(name));
    }
    out.insert(
        "flags".to_string(),
        json!(node.flags().map_or(0, |f| f.bits())),
    );
    let metadata = node.metadata().map_err(Error::from)?;
    if !metadata.is_empty() {
        let sorted: std::collections::BTreeMap<_, _> = metadata.into_iter().collect();
        out.insert("metadata".to_string(), json!(sorted));
    }
    let children = node
        .children()
        .map(node_to_json)
        .collect::<Result<Vec<_>, _>>()?;
    if !children.is_empty() {
        out.insert("children".to_string(), Value::Array(children));
    }
    if let Some(dictionary) = node.dictionary() {
        out.insert("dictionary".to_string(), node_to_json(dictionary)?);
    }
    Ok(Value::Object(out))
}

/// Reads what [`schema_to_json`] wrote.
pub fn schema_from_json(value: &Value) -> Result<SchemaRef, Error> {
    let bad = |what: String| Error::invalid_option(format!("plugin options JSON: schema: {what}"));
    let node = node_from_json(value, 0).map_err(bad)?;
    let schema = Schema::try_from(&node).map_err(|e| bad(e.to_string()))?;
    Ok(std::sync::Arc::new(schema))
}

fn node_from_json(value: &Value, depth: usize) -> Result<FFI_ArrowSchema, String> {
    if depth > 64 {
        return Err("nested more than 64 levels deep".to_string());
    }
    let Value::Object(map) = value else {
        return Err("a node is not an object".to_string());
    };
    let format = map
        .get("format")
        .and_then(Value::as_str)
        .ok_or("a node has no \"format\" string")?;
    let children = match map.get("children") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|c| node_from_json(c, depth + 1))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("\"children\" is not an array".to_string()),
    };
    let dictionary = match map.get("dictionary") {
        None | Some(Value::Null) => None,
        Some(d) => Some(node_from_json(d, depth + 1)?),
    };
    let mut node =
        FFI_ArrowSchema::try_new(format, children, dictionary).map_err(|e| e.to_string())?;
    if let Some(name) = map.get("name").and_then(Value::as_str) {
        node = node.with_name(name).map_err(|e| e.to_string())?;
    }
    let flags = map.get("flags").and_then(Value::as_i64).unwrap_or(0);
    let flags = Flags::from_bits(flags).ok_or_else(|| format!("unknown flags {flags}"))?;
    node = node.with_flags(flags).map_err(|e| e.to_string())?;
    if let Some(Value::Object(metadata)) = map.get("metadata") {
        let pairs: HashMap<String, String> = metadata
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect();
        // SAFETY: `node` was made just above by `FFI_ArrowSchema::try_new`, as
        // `with_metadata` requires.
        node = unsafe { node.with_metadata(pairs) }.map_err(|e| e.to_string())?;
    }
    Ok(node)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_schema::{DataType, Field, TimeUnit};

    use super::*;

    fn ctx() -> ErrorContext<'static> {
        ErrorContext {
            location: "f.x",
            format: "x",
            codec: "c",
            suffix: " (plugin p)",
        }
    }

    #[test]
    fn a_parse_error_keeps_its_position_and_format() {
        let err = Error::parse("LIBSVM", "f.x", Position::line(3), "expected a label");
        let wire = encode_error(&err);
        let back = decode_error(SLUICE_STATUS_PARSE, Some(&wire), &ctx());
        assert_eq!(back.kind(), ErrorKind::Parse);
        assert_eq!(
            back.to_string(),
            "invalid LIBSVM at f.x line 3: expected a label (plugin p)"
        );
        // Wrapped in other words (as an Arrow stream importer does), it is still found.
        let wrapped = format!("C stream error: External error: {wire}");
        let back = decode_error(SLUICE_STATUS_PARSE, Some(&wrapped), &ctx());
        assert_eq!(
            back.to_string(),
            "invalid LIBSVM at f.x line 3: expected a label (plugin p)"
        );
    }

    #[test]
    fn kinds_survive_and_plain_text_falls_back_to_the_status() {
        let cases = [
            Error::Decompress {
                codec: "lz4".into(),
                location: "f".into(),
                source: std::io::Error::other("bad block"),
            },
            Error::FormatMismatch {
                location: "f".into(),
                message: "m".into(),
            },
            Error::UnknownColumn {
                column: "z".into(),
                location: None,
                available: vec!["a".into(), "b".into()],
            },
            Error::invalid_option("bad"),
            Error::NotFound {
                location: "f".into(),
                detail: None,
            },
            Error::Io {
                location: "f".into(),
                source: std::io::Error::other("disk"),
            },
        ];
        for err in cases {
            let back = decode_error(status_of(err.kind()), Some(&encode_error(&err)), &ctx());
            assert_eq!(back.kind(), err.kind(), "{err}");
        }
        let back = decode_error(SLUICE_STATUS_IO, Some("plain words"), &ctx());
        assert_eq!(back.kind(), ErrorKind::Io);
        assert_eq!(back.to_string(), "I/O error on f.x: plain words (plugin p)");
        // A panic stays a panic whatever the prefix says.
        let back = decode_error(
            SLUICE_STATUS_PANIC,
            Some("[sluice {\"kind\":\"parse\"}] boom"),
            &ctx(),
        );
        assert_eq!(back.kind(), ErrorKind::Internal);
        // A broken prefix is plain text.
        let (detail, rest) = split_detail("[sluice {\"kind\": oops] x");
        assert!(detail.is_none());
        assert_eq!(rest, "[sluice {\"kind\": oops] x");
    }

    #[test]
    fn schemas_round_trip_through_json() {
        let schema = Schema::new(vec![
            Field::new("label", DataType::Float64, false),
            Field::new(
                "indices",
                DataType::List(Arc::new(Field::new("item", DataType::UInt32, true))),
                true,
            ),
            Field::new(
                "t",
                DataType::Timestamp(TimeUnit::Microsecond, Some("Europe/Paris".into())),
                true,
            )
            .with_metadata(HashMap::from([("k".to_string(), "v".to_string())])),
            Field::new_dictionary("d", DataType::Int32, DataType::Utf8, true),
        ])
        .with_metadata(HashMap::from([("schema".to_string(), "meta".to_string())]));
        let json = schema_to_json(&schema).unwrap();
        let back = schema_from_json(&json).unwrap();
        assert_eq!(*back, schema);
        assert!(schema_from_json(&json!({"format": "not a type"})).is_err());
        assert!(schema_from_json(&json!([1])).is_err());
    }
}
