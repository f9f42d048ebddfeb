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
    pub(crate) buffer: InputBuffer<'static>,
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
    let schema = Arc::new(Schema::new(fields));
    zone_timestamps(dialect, sample, infer_rows, schema)
}

/// Timestamp columns whose sampled values all carry a UTC offset (`Z`, `+01:00`) are
/// instants, not wall-clock times: they get the time zone `+00:00` (values are converted to
/// UTC), as pyarrow gives them `UTC`. Without this they would print without an offset.
fn zone_timestamps(
    dialect: &Dialect,
    sample: &[u8],
    infer_rows: usize,
    schema: SchemaRef,
) -> std::result::Result<SchemaRef, arrow_schema::ArrowError> {
    let candidates: Vec<usize> = schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| matches!(f.data_type(), DataType::Timestamp(_, None)))
        .map(|(i, _)| i)
        .collect();
    if candidates.is_empty() {
        return Ok(schema);
    }
    let text = Schema::new(
        schema
            .fields()
            .iter()
            .map(|f| Field::new(f.name(), DataType::Utf8, true))
            .collect::<Vec<_>>(),
    );
    let reader = arrow_csv::ReaderBuilder::new(Arc::new(text))
        .with_format(dialect.format())
        .with_projection(candidates.clone())
        .with_batch_size(infer_rows.max(1))
        .build(Cursor::new(sample))?;
    let mut zoned = vec![true; candidates.len()];
    let mut rows = 0usize;
    for batch in reader {
        let batch = batch?;
        for (k, column) in batch.columns().iter().enumerate() {
            let Some(values) = column.as_any().downcast_ref::<arrow_array::StringArray>() else {
                zoned[k] = false;
                continue;
            };
            zoned[k] &= values.iter().flatten().all(has_utc_offset);
        }
        rows += batch.num_rows();
        if rows >= infer_rows {
            break;
        }
    }
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    for (k, &i) in candidates.iter().enumerate() {
        if let (true, DataType::Timestamp(unit, None)) = (zoned[k], fields[i].data_type()) {
            let t = DataType::Timestamp(*unit, Some("+00:00".into()));
            fields[i] = fields[i].clone().with_data_type(t);
        }
    }
    Ok(Arc::new(Schema::new(fields)))
}

/// Whether a timestamp string ends with `Z` or a numeric offset (`+01:00`, `-0530`, `+01`).
fn has_utc_offset(value: &str) -> bool {
    let v = value.trim().as_bytes();
    if v.last().is_some_and(|b| *b == b'Z' || *b == b'z') {
        return true;
    }
    // The offset sign comes after the time part, so after a ':' or 'T'.
    let Some(sign) = v.iter().rposition(|b| *b == b'+' || *b == b'-') else {
        return false;
    };
    let time_before = v[..sign].contains(&b':');
    let rest = &v[sign + 1..];
    time_before
        && matches!(rest.len(), 2 | 4 | 5)
        && rest.iter().all(|b| b.is_ascii_digit() || *b == b':')
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
            block_size: crate::dialect::DEFAULT_BLOCK_SIZE,
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
    fn timestamps_with_offsets_are_utc_instants() {
        let schema = infer(
            &dialect(true),
            b"a,b\n2024-01-02T03:04:05Z,2024-01-02 03:04:05\n2024-01-02 03:04:05+01:00,2024-01-03 00:00:00\n",
            10,
        )
        .unwrap();
        let types: Vec<DataType> = schema
            .fields()
            .iter()
            .map(|f| f.data_type().clone())
            .collect();
        assert_eq!(
            types,
            [
                DataType::Timestamp(arrow_schema::TimeUnit::Second, Some("+00:00".into())),
                DataType::Timestamp(arrow_schema::TimeUnit::Second, None)
            ]
        );
        assert!(has_utc_offset("2024-01-02 03:04:05-0530"));
        assert!(!has_utc_offset("2024-01-02"));
        assert!(!has_utc_offset("2024-01-02 03:04:05"));
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
