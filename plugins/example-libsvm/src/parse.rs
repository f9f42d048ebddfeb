//! One LIBSVM line into the columns of a batch, without allocating on the valid path.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float32Array, Float64Array, Int64Array, ListArray, UInt32Array};
use arrow_buffer::{NullBufferBuilder, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field};

/// The longest token quoted in an error message, in bytes.
const QUOTE_LIMIT: usize = 60;

/// How lines are read, from the format options.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LineRules {
    /// Subtract 1 from every index (the file is 1-based; index 0 is an error).
    pub(crate) zero_based: bool,
}

/// The columns of the batch being built.
pub(crate) struct Rows {
    labels: Vec<f64>,
    qids: Vec<i64>,
    qid_nulls: NullBufferBuilder,
    /// List offsets shared by `indices` and `values`; starts with 0.
    offsets: Vec<i32>,
    indices: Vec<u32>,
    values: Vec<f32>,
}

impl Rows {
    pub(crate) fn with_capacity(rows: usize) -> Self {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        Rows {
            labels: Vec::with_capacity(rows),
            qids: Vec::with_capacity(rows),
            qid_nulls: NullBufferBuilder::new(rows),
            offsets,
            indices: Vec::new(),
            values: Vec::new(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.labels.len()
    }

    /// The features of all rows so far.
    pub(crate) fn features(&self) -> usize {
        self.indices.len()
    }

    /// Drops the features pushed for a row that then failed.
    fn truncate_features(&mut self) {
        let keep = self.offsets.last().map_or(0, |&o| o as usize);
        self.indices.truncate(keep);
        self.values.truncate(keep);
    }

    /// The columns in schema order: label, qid, indices, values.
    pub(crate) fn finish(mut self) -> Vec<ArrayRef> {
        let offsets = OffsetBuffer::new(ScalarBuffer::from(self.offsets));
        let item = |t: DataType| Arc::new(Field::new_list_field(t, false));
        // Offsets start at 0, never decrease and end at the values' length: `parse_line`
        // pushes the running feature count after each row and checks it fits in i32.
        let indices = ListArray::new(
            item(DataType::UInt32),
            offsets.clone(),
            Arc::new(UInt32Array::from(self.indices)),
            None,
        );
        let values = ListArray::new(
            item(DataType::Float32),
            offsets,
            Arc::new(Float32Array::from(self.values)),
            None,
        );
        let qids = Int64Array::new(ScalarBuffer::from(self.qids), self.qid_nulls.finish());
        vec![
            Arc::new(Float64Array::from(self.labels)),
            Arc::new(qids),
            Arc::new(indices),
            Arc::new(values),
        ]
    }
}

/// `tok` quoted for a message, cut at [`QUOTE_LIMIT`] bytes.
fn quote(tok: &str) -> String {
    if tok.len() <= QUOTE_LIMIT {
        return format!("{tok:?}");
    }
    let mut end = QUOTE_LIMIT;
    while !tok.is_char_boundary(end) {
        end -= 1;
    }
    format!("{:?}…", &tok[..end])
}

/// Describes the first invalid UTF-8 sequence of `line`.
pub(crate) fn utf8_message(line: &[u8], err: std::str::Utf8Error) -> String {
    let at = err.valid_up_to();
    let len = err.error_len().unwrap_or(line.len() - at);
    let bytes: Vec<String> = line[at..at + len]
        .iter()
        .map(|b| format!("{b:#04x}"))
        .collect();
    format!(
        "invalid UTF-8 at byte {} of the line (bytes {})",
        at + 1,
        bytes.join(" ")
    )
}

fn parse_index(tok: &str, index: &str) -> Result<u32, String> {
    if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "feature {}: the index {} is not a non-negative integer",
            quote(tok),
            quote(index)
        ));
    }
    let raw: u32 = index.parse().map_err(|_| {
        format!(
            "feature {}: the index {} is larger than {}",
            quote(tok),
            quote(index),
            u32::MAX
        )
    })?;
    Ok(raw)
}

fn parse_value(tok: &str, value: &str) -> Result<f32, String> {
    let v: f32 = value.parse().map_err(|_| {
        format!(
            "feature {}: the value {} is not a number",
            quote(tok),
            quote(value)
        )
    })?;
    // `inf`, `infinity` and `nan` are accepted as written; a finite number too large for
    // float32 (`1e39`) is not silently made infinite.
    if v.is_infinite() && !value.bytes().any(|b| b == b'n' || b == b'N') {
        return Err(format!(
            "feature {}: the value {} is out of the float32 range",
            quote(tok),
            quote(value)
        ));
    }
    Ok(v)
}

fn parse_label(tok: &str) -> Result<f64, String> {
    tok.parse().map_err(|_| {
        if tok.contains(',') {
            format!(
                "the label {} is a multi-label list, which this format does not read",
                quote(tok)
            )
        } else if tok.contains(':') {
            format!("the line starts with {} instead of a label", quote(tok))
        } else {
            format!("the label {} is not a number", quote(tok))
        }
    })
}

/// Parses one line (without its `\n`) into `rows`. Blank lines and comment lines add no
/// row (`Ok(false)`). On error nothing is added and the message says what is wrong.
pub(crate) fn parse_line(line: &[u8], rules: LineRules, rows: &mut Rows) -> Result<bool, String> {
    let line = std::str::from_utf8(line).map_err(|e| utf8_message(line, e))?;
    let data = match memchr::memchr(b'#', line.as_bytes()) {
        Some(at) => &line[..at],
        None => line,
    };
    let mut tokens = data.split_ascii_whitespace();
    let Some(first) = tokens.next() else {
        return Ok(false);
    };
    let label = parse_label(first)?;
    let result = parse_features(tokens, rules, rows);
    match result {
        Ok(qid) => {
            let count = rows.indices.len();
            let end = i32::try_from(count).map_err(|_| {
                rows.truncate_features();
                "the batch holds more than 2^31 features; use a smaller batch size".to_string()
            })?;
            rows.labels.push(label);
            match qid {
                Some(q) => {
                    rows.qids.push(q);
                    rows.qid_nulls.append_non_null();
                }
                None => {
                    rows.qids.push(0);
                    rows.qid_nulls.append_null();
                }
            }
            rows.offsets.push(end);
            Ok(true)
        }
        Err(e) => {
            rows.truncate_features();
            Err(e)
        }
    }
}

/// Parses the tokens after the label, pushing features; returns the qid, if any.
fn parse_features<'a>(
    tokens: impl Iterator<Item = &'a str>,
    rules: LineRules,
    rows: &mut Rows,
) -> Result<Option<i64>, String> {
    let mut qid = None;
    let mut previous: Option<u32> = None;
    for tok in tokens {
        let Some((index, value)) = tok.split_once(':') else {
            return Err(format!(
                "expected <index>:<value>, found {} (no ':')",
                quote(tok)
            ));
        };
        if index == "qid" {
            if qid.is_some() {
                return Err(format!("a second qid {}", quote(tok)));
            }
            if previous.is_some() {
                return Err(format!(
                    "{} after a feature; qid must come right after the label",
                    quote(tok)
                ));
            }
            let q: i64 = value.parse().map_err(|_| {
                format!("{}: the qid {} is not an integer", quote(tok), quote(value))
            })?;
            qid = Some(q);
            continue;
        }
        let raw = parse_index(tok, index)?;
        if let Some(prev) = previous
            && raw <= prev
        {
            return Err(format!(
                "feature {}: indices must be strictly ascending, and {raw} follows {prev}",
                quote(tok)
            ));
        }
        previous = Some(raw);
        let stored = if rules.zero_based {
            raw.checked_sub(1).ok_or_else(|| {
                format!(
                    "feature {}: index 0 in a 1-based file (the option zero_based is true)",
                    quote(tok)
                )
            })?
        } else {
            raw
        };
        let v = parse_value(tok, value)?;
        rows.indices.push(stored);
        rows.values.push(v);
    }
    Ok(qid)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Row = (f64, Option<i64>, Vec<u32>, Vec<f32>);

    fn one(line: &str) -> Result<Row, String> {
        let mut rows = Rows::with_capacity(1);
        assert!(parse_line(
            line.as_bytes(),
            LineRules::default(),
            &mut rows
        )?);
        let qid = rows.qid_nulls.is_valid(0).then(|| rows.qids[0]);
        Ok((rows.labels[0], qid, rows.indices, rows.values))
    }

    #[test]
    fn parses_the_parts_of_a_line() {
        assert_eq!(
            one("-1 qid:3 2:1 7:1e-3 # c").unwrap(),
            (-1.0, Some(3), vec![2, 7], vec![1.0, 1e-3])
        );
        assert_eq!(one("+1").unwrap(), (1.0, None, vec![], vec![]));
        assert_eq!(
            one("\t2.5\t1:-0.5  ").unwrap(),
            (2.5, None, vec![1], vec![-0.5])
        );
    }

    #[test]
    fn blank_and_comment_lines_add_no_row() {
        let mut rows = Rows::with_capacity(1);
        for line in ["", "   ", "# only a comment", "  # indented"] {
            assert_eq!(
                parse_line(line.as_bytes(), LineRules::default(), &mut rows),
                Ok(false)
            );
        }
        assert_eq!(rows.len(), 0);
    }

    #[test]
    fn a_failed_line_leaves_no_features_behind() {
        let mut rows = Rows::with_capacity(2);
        parse_line(b"1 1:1 2:2 3:x", LineRules::default(), &mut rows).unwrap_err();
        assert!(rows.indices.is_empty() && rows.values.is_empty() && rows.len() == 0);
    }

    #[test]
    fn long_tokens_are_cut_in_messages() {
        let tok = "é".repeat(40);
        assert_eq!(quote(&tok), format!("{:?}…", "é".repeat(30)));
    }
}
