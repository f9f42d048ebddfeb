//! Schemas for people (`name: Type (nullable)`) and for programs (`--json`).

use arrow::datatypes::{DataType, Field, Schema};
use serde_json::Value;

/// One line per column: `name: Type (nullable)` or `name: Type (not null)`.
pub(crate) fn schema_lines(schema: &Schema) -> String {
    let mut out = String::new();
    for field in schema.fields() {
        let nullability = if field.is_nullable() {
            "nullable"
        } else {
            "not null"
        };
        out.push_str(&format!(
            "{}: {} ({nullability})\n",
            field.name(),
            type_name(field.data_type())
        ));
    }
    out
}

/// The schema as JSON, one column per line, keys in a fixed order:
/// `{"fields":[{"name":..,"type":..,"nullable":..[,"fields":[..]]},..]}`; nested types
/// list their children.
pub(crate) fn schema_json(schema: &Schema) -> String {
    let fields: Vec<String> = schema.fields().iter().map(|f| field_json(f)).collect();
    if fields.is_empty() {
        return "{\"fields\":[]}\n".to_string();
    }
    format!("{{\"fields\":[\n  {}\n]}}\n", fields.join(",\n  "))
}

fn field_json(field: &Field) -> String {
    let children: Vec<String> = match field.data_type() {
        DataType::Struct(fields) => fields.iter().map(|f| field_json(f)).collect(),
        DataType::List(f)
        | DataType::LargeList(f)
        | DataType::ListView(f)
        | DataType::LargeListView(f)
        | DataType::FixedSizeList(f, _)
        | DataType::Map(f, _) => vec![field_json(f)],
        _ => Vec::new(),
    };
    let mut out = format!(
        "{{\"name\":{},\"type\":{},\"nullable\":{}",
        Value::from(field.name().as_str()),
        Value::from(type_name(field.data_type())),
        field.is_nullable()
    );
    if !children.is_empty() {
        out.push_str(&format!(",\"fields\":[{}]", children.join(",")));
    }
    out.push('}');
    out
}

/// A readable type name: arrow's own for flat types; nested types show their children
/// without the internal field names (`List(Int64)`, `Struct(a: Int64, b: non-null Utf8)`,
/// `Map(Utf8, Int64)`).
pub(crate) fn type_name(data_type: &DataType) -> String {
    match data_type {
        DataType::Struct(fields) => {
            let inner: Vec<String> = fields
                .iter()
                .map(|f| format!("{}: {}", column_name(f.name()), child(f)))
                .collect();
            format!("Struct({})", inner.join(", "))
        }
        DataType::List(f) => format!("List({})", child(f)),
        DataType::LargeList(f) => format!("LargeList({})", child(f)),
        DataType::ListView(f) => format!("ListView({})", child(f)),
        DataType::LargeListView(f) => format!("LargeListView({})", child(f)),
        DataType::FixedSizeList(f, n) => format!("FixedSizeList({n} x {})", child(f)),
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => {
                format!("Map({}, {})", type_name(kv[0].data_type()), child(&kv[1]))
            }
            other => format!("Map({})", type_name(other)),
        },
        DataType::Dictionary(key, value) => {
            format!("Dictionary({}, {})", type_name(key), type_name(value))
        }
        DataType::RunEndEncoded(ends, values) => {
            format!(
                "RunEndEncoded({}, {})",
                type_name(ends.data_type()),
                child(values)
            )
        }
        other => other.to_string(),
    }
}

fn child(field: &Field) -> String {
    if field.is_nullable() {
        type_name(field.data_type())
    } else {
        format!("non-null {}", type_name(field.data_type()))
    }
}

/// A nested field's name, quoted when it would not read as one word.
fn column_name(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.');
    if plain {
        name.to_string()
    } else {
        format!("{name:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use arrow::datatypes::{Fields, TimeUnit};

    fn sample() -> Schema {
        let map_entries = Field::new(
            "entries",
            DataType::Struct(Fields::from(vec![
                Field::new("keys", DataType::Utf8, false),
                Field::new("values", DataType::Int64, true),
            ])),
            false,
        );
        Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new(
                "user",
                DataType::Struct(Fields::from(vec![
                    Field::new("name", DataType::Utf8, true),
                    Field::new("two words", DataType::Boolean, false),
                ])),
                true,
            ),
            Field::new_list("tags", Field::new_list_field(DataType::Utf8, true), true),
            Field::new("m", DataType::Map(Arc::new(map_entries), false), true),
            Field::new(
                "at",
                DataType::Timestamp(TimeUnit::Microsecond, Some("+00:00".into())),
                true,
            ),
            Field::new(
                "d",
                DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
                true,
            ),
        ])
    }

    #[test]
    fn lines_are_readable() {
        assert_eq!(
            schema_lines(&sample()),
            "id: Int64 (not null)\n\
             user: Struct(name: Utf8, \"two words\": non-null Boolean) (nullable)\n\
             tags: List(Utf8) (nullable)\n\
             m: Map(Utf8, Int64) (nullable)\n\
             at: Timestamp(µs, \"+00:00\") (nullable)\n\
             d: Dictionary(Int32, Utf8) (nullable)\n"
        );
    }

    #[test]
    fn json_has_one_column_per_line_with_children() {
        let text = schema_json(&sample());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 8, "{text}");
        assert_eq!(lines[0], "{\"fields\":[");
        assert_eq!(
            lines[1],
            r#"  {"name":"id","type":"Int64","nullable":false},"#
        );
        assert_eq!(
            lines[3],
            r#"  {"name":"tags","type":"List(Utf8)","nullable":true,"fields":[{"name":"item","type":"Utf8","nullable":true}]},"#
        );
        assert_eq!(lines[7], "]}");
        let value: Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(value["fields"][1]["fields"][1]["name"], "two words");
        assert_eq!(schema_json(&Schema::empty()), "{\"fields\":[]}\n");
    }
}
