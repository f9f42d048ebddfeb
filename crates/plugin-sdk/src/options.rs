//! Scan options as the JSON object that crosses the boundary.

use serde_json::{Map, Value, json};
use sluice_core::{Error, Result, ScanOptions};

/// The JSON object of `options` that a plugin's `open` receives: `batch_size`,
/// `projection` (array or null), `limit` (number or null), `infer_rows`, `threads`,
/// `format_options`, and `schema` when one is given explicitly (the Arrow C Data Interface
/// schema as JSON, see [`schema_to_json`](crate::schema_to_json)).
pub fn options_to_json(options: &ScanOptions) -> Result<String> {
    let mut value = json!({
        "batch_size": options.batch_size,
        "projection": options.projection,
        "limit": options.limit,
        "infer_rows": options.infer_rows,
        "threads": options.threads,
        "format_options": Value::Object(options.format_options.clone()),
    });
    if let Some(schema) = &options.schema {
        value["schema"] = crate::schema_to_json(schema)?;
    }
    Ok(value.to_string())
}

/// Parses what [`options_to_json`] wrote; missing keys keep their defaults, unknown keys
/// are ignored (a newer host may send more).
pub fn options_from_json(text: &str) -> Result<ScanOptions> {
    let bad = |what: &str| Error::invalid_option(format!("plugin options JSON: {what}"));
    let value: Value = serde_json::from_str(text).map_err(|e| bad(&e.to_string()))?;
    let Value::Object(map) = value else {
        return Err(bad("not an object"));
    };
    let mut options = ScanOptions::new();
    let usize_of = |key: &str| -> Result<Option<usize>> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| bad(&format!("{key} must be a non-negative integer"))),
        }
    };
    if let Some(n) = usize_of("batch_size")? {
        options.batch_size = n;
    }
    options.limit = usize_of("limit")?;
    if let Some(n) = usize_of("infer_rows")? {
        options.infer_rows = n;
    }
    if let Some(n) = usize_of("threads")? {
        options.threads = n;
    }
    match map.get("projection") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            let names = items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| bad("projection must be an array of strings"))?;
            options.projection = Some(names);
        }
        Some(_) => return Err(bad("projection must be an array of strings")),
    }
    match map.get("format_options") {
        None | Some(Value::Null) => {}
        Some(Value::Object(o)) => options.format_options = o.clone(),
        Some(_) => return Err(bad("format_options must be an object")),
    }
    match map.get("schema") {
        None | Some(Value::Null) => {}
        Some(schema) => options.schema = Some(crate::schema_from_json(schema)?),
    }
    let _: &Map<String, Value> = &map;
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_round_trip() {
        let options = ScanOptions::new()
            .with_batch_size(7)
            .with_projection(["b", "a"])
            .with_limit(3)
            .with_infer_rows(9)
            .with_threads(2)
            .with_format_option("mode", "x")
            .with_schema(std::sync::Arc::new(arrow_schema::Schema::new(vec![
                arrow_schema::Field::new("a", arrow_schema::DataType::Int64, true),
            ])));
        let back = options_from_json(&options_to_json(&options).unwrap()).unwrap();
        assert_eq!(back.batch_size, 7);
        assert_eq!(
            back.projection,
            Some(vec!["b".to_string(), "a".to_string()])
        );
        assert_eq!(back.limit, Some(3));
        assert_eq!(back.infer_rows, 9);
        assert_eq!(back.threads, 2);
        assert_eq!(back.format_options, options.format_options);
        assert_eq!(back.schema, options.schema);
    }
}
