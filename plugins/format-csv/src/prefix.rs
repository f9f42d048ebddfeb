//! Reading the head of an input once: BOM, header, the inference sample and the schema.

use std::io::Cursor;
use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef};
use csv_core::ReadFieldResult;
use sluice_core::{DecodeInput, Error, Position, Result, ScanOptions, empty_schema};

use crate::buffer::InputBuffer;
use crate::dialect::Dialect;

/// The sample read for inference stops growing here once it holds a complete record.
const PREFIX_CAP: usize = 16 << 20;
/// A first record longer than this is an error (most likely an unclosed quote).
const RECORD_CAP: usize = 256 << 20;

const BOM: &[u8] = b"\xef\xbb\xbf";

/// Counts the records of a growing byte slice with csv-core, without copying fields out.
struct RecordCounter {
    parser: csv_core::Reader,
    scratch: Vec<u8>,
    scanned: usize,
    ended: bool,
    records: u64,
    /// Offset just after the first record (the header, when there is one).
    first_end: Option<usize>,
    /// Offset just after the last complete record.
    last_end: usize,
}

impl RecordCounter {
    fn new(dialect: &Dialect) -> Self {
        RecordCounter {
            parser: dialect.parser(),
            scratch: vec![0; 16 << 10],
            scanned: 0,
            ended: false,
            records: 0,
            first_end: None,
            last_end: 0,
        }
    }

    /// Scans `data[self.scanned..]`; `data` only ever grows at the end.
    fn scan(&mut self, data: &[u8], eof: bool) {
        while !self.ended {
            let input = &data[self.scanned.min(data.len())..];
            if input.is_empty() && !eof {
                return;
            }
            let (result, nin, _) = self.parser.read_field(input, &mut self.scratch);
            self.scanned += nin;
            match result {
                ReadFieldResult::Field { record_end: true } => {
                    self.records += 1;
                    self.last_end = self.scanned;
                    self.first_end.get_or_insert(self.scanned);
                }
                ReadFieldResult::End => self.ended = true,
                // An empty input always ends the data; never loop on it.
                _ if input.is_empty() => self.ended = true,
                _ => {}
            }
        }
    }
}

/// An input whose head has been read: the schema of the file and a buffer positioned at
/// its first data record.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) buffer: InputBuffer,
    /// The file's schema (explicit or inferred), before projection.
    pub(crate) schema: SchemaRef,
    /// The input holds no record (0 bytes, a BOM, blank lines or whitespace).
    pub(crate) empty: bool,
}

/// Reads the head of `input` once: enough records to infer the schema (at most about
/// 16 MiB), or just the header when `options.schema` is set.
pub(crate) fn prepare(
    input: &DecodeInput,
    dialect: &Dialect,
    options: &ScanOptions,
) -> Result<Prepared> {
    let mut buffer = InputBuffer::new(input.reader()?, input.location(), input.codec().is_some());
    while buffer.valid_from(0).len() < BOM.len() && !buffer.eof() {
        buffer.fill()?;
    }
    let start = if buffer.valid_from(0).starts_with(BOM) {
        BOM.len()
    } else {
        0
    };
    let header = u64::from(dialect.header);
    let needed = match options.schema {
        Some(_) => header,
        None => (options.infer_rows.max(1) as u64).saturating_add(header),
    };
    let mut counter = RecordCounter::new(dialect);
    loop {
        counter.scan(buffer.valid_from(start), buffer.eof());
        let size = buffer.valid_from(start).len();
        if buffer.eof() || counter.records >= needed || (size >= PREFIX_CAP && counter.records > 0)
        {
            break;
        }
        if counter.records == 0 && size >= RECORD_CAP {
            return Err(Error::parse(
                "CSV",
                input.location(),
                Position::line(buffer.line_at(start)),
                format!(
                    "the first record is longer than {} MiB (is a quote never closed?)",
                    RECORD_CAP >> 20
                ),
            ));
        }
        buffer.fill()?;
    }

    let data = buffer.valid_from(start);
    let empty =
        buffer.eof() && (counter.records == 0 || data.iter().all(|b| b.is_ascii_whitespace()));
    let schema = match &options.schema {
        Some(schema) => Arc::clone(schema),
        None if empty => empty_schema(),
        None => {
            let sample = if buffer.eof() {
                data
            } else {
                &data[..counter.last_end]
            };
            infer(dialect, sample, options.infer_rows)
                .map_err(|e| Error::from_arrow("CSV", input.location(), Position::NONE, e))?
        }
    };
    let first_data = match (dialect.header, counter.first_end) {
        (true, Some(end)) => start + end,
        (true, None) => start + data.len(),
        (false, _) => start,
    };
    buffer.start_at(first_data);
    Ok(Prepared {
        buffer,
        schema,
        empty,
    })
}

/// Infers the schema of `sample` with arrow-csv. Columns without a header are named `f0`,
/// `f1`, ... (as pyarrow does); columns with no value in the sample are Utf8.
fn infer(
    dialect: &Dialect,
    sample: &[u8],
    infer_rows: usize,
) -> std::result::Result<SchemaRef, arrow_schema::ArrowError> {
    let (schema, _) = dialect
        .format()
        .infer_schema(Cursor::new(sample), Some(infer_rows.max(1)))?;
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let name = if dialect.header {
                field.name().clone()
            } else {
                format!("f{i}")
            };
            let data_type = match field.data_type() {
                DataType::Null => DataType::Utf8,
                other => other.clone(),
            };
            Field::new(name, data_type, true)
        })
        .collect();
    Ok(Arc::new(Schema::new(fields)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dialect(header: bool) -> Dialect {
        Dialect {
            header,
            delimiter: b',',
            quote: b'"',
            escape: None,
            comment: Some(b'#'),
        }
    }

    #[test]
    fn counter_skips_blank_and_comment_lines_and_spans_quoted_newlines() {
        let data = b"a,b\r\n\r\n# note\n\"x\ny\",2\n3,4";
        let mut c = RecordCounter::new(&dialect(true));
        // Fed in two parts, the second with the end of the data.
        c.scan(&data[..9], false);
        c.scan(data, true);
        assert_eq!(c.records, 3);
        assert_eq!(c.first_end, Some(4));
        assert_eq!(c.last_end, data.len());
    }

    #[test]
    fn null_columns_become_utf8_and_headerless_columns_are_f_n() {
        let schema = infer(&dialect(false), b"1,,x\n2,,y\n", 10).unwrap();
        let got: Vec<(String, DataType)> = schema
            .fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().clone()))
            .collect();
        assert_eq!(
            got,
            [
                ("f0".to_string(), DataType::Int64),
                ("f1".to_string(), DataType::Utf8),
                ("f2".to_string(), DataType::Utf8)
            ]
        );
    }
}
