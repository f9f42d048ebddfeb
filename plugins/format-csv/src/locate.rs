//! Tracing a decoding error back to its record and physical line.
//!
//! arrow-csv numbers records, not lines (blank lines, comments and quoted line breaks make
//! the two differ), so on an error the stream re-reads the kept bytes of the batch in
//! progress with csv-core, configured like arrow-csv, to find where the record starts.

use csv_core::ReadFieldResult;

use crate::dialect::Dialect;

/// One record found in a byte slice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    /// Offset of the record's first byte in the slice.
    pub(crate) start: usize,
    /// The unquoted fields (lossily decoded, for messages).
    pub(crate) fields: Vec<String>,
    /// Whether the record ended inside the slice (or the slice ends the input).
    pub(crate) complete: bool,
}

/// Iterates over the records of `data`; `eof` says whether the input ends with it.
pub(crate) struct Records<'a> {
    dialect: Dialect,
    parser: csv_core::Reader,
    data: &'a [u8],
    eof: bool,
    offset: usize,
    scratch: Vec<u8>,
}

impl<'a> Records<'a> {
    pub(crate) fn new(dialect: &Dialect, data: &'a [u8], eof: bool) -> Self {
        Records {
            dialect: *dialect,
            parser: dialect.parser(),
            data,
            eof,
            offset: 0,
            scratch: vec![0; 4096],
        }
    }

    /// Skips what csv-core skips between records: line breaks and comment lines.
    fn skip_to_record(&mut self) {
        let data = self.data;
        loop {
            while self.offset < data.len() && matches!(data[self.offset], b'\n' | b'\r') {
                self.offset += 1;
            }
            match data.get(self.offset) {
                Some(&b) if Some(b) == self.dialect.comment => {
                    self.offset = find_newline(&data[self.offset..])
                        .map_or(data.len(), |i| self.offset + i + 1);
                }
                _ => return,
            }
        }
    }
}

fn find_newline(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

impl Iterator for Records<'_> {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        self.skip_to_record();
        if self.offset >= self.data.len() {
            return None;
        }
        self.parser.reset();
        let start = self.offset;
        let mut fields = Vec::new();
        let mut field = Vec::new();
        loop {
            let input = &self.data[self.offset..];
            if input.is_empty() && !self.eof {
                if !field.is_empty() || self.offset > start {
                    fields.push(String::from_utf8_lossy(&field).into_owned());
                }
                return Some(Record {
                    start,
                    fields,
                    complete: false,
                });
            }
            let (result, nin, nout) = self.parser.read_field(input, &mut self.scratch);
            self.offset += nin;
            field.extend_from_slice(&self.scratch[..nout]);
            match result {
                ReadFieldResult::Field { record_end } => {
                    fields.push(String::from_utf8_lossy(&field).into_owned());
                    field.clear();
                    if record_end {
                        return Some(Record {
                            start,
                            fields,
                            complete: true,
                        });
                    }
                }
                ReadFieldResult::End => {
                    return Some(Record {
                        start,
                        fields,
                        complete: true,
                    });
                }
                _ if input.is_empty() => {
                    return Some(Record {
                        start,
                        fields,
                        complete: true,
                    });
                }
                _ => {}
            }
        }
    }
}

/// What an arrow-csv conversion error says: the 0-based column index in the file schema
/// and arrow-csv's 0-based record number (counted from the first record it was given).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ValueError {
    pub(crate) column: usize,
    pub(crate) record: u64,
}

/// Parses the messages arrow-csv 60 gives for a value that does not fit its column:
/// `Error while parsing value '..' as type '..' for column C at line N. Row data: ..` and
/// `Error parsing column C at line N: ..`.
pub(crate) fn parse_value_error(message: &str) -> Option<ValueError> {
    let column_at = if message.starts_with("Error while parsing value ") {
        message.find(" for column ")? + " for column ".len()
    } else if let Some(rest) = message.strip_prefix("Error parsing column ") {
        message.len() - rest.len()
    } else {
        return None;
    };
    let rest = &message[column_at..];
    let (column, rest) = leading_number(rest)?;
    let rest = rest.strip_prefix(" at line ")?;
    let (record, _) = leading_number(rest)?;
    Some(ValueError {
        column: usize::try_from(column).ok()?,
        record,
    })
}

fn leading_number(s: &str) -> Option<(u64, &str)> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    Some((s[..digits].parse().ok()?, &s[digits..]))
}

/// The column named by arrow's message for a null in a non-nullable column.
pub(crate) fn parse_non_nullable(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("Column '")?;
    let end = rest.rfind("' is declared as non-nullable")?;
    Some(&rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dialect() -> Dialect {
        Dialect {
            header: false,
            delimiter: b',',
            quote: b'"',
            escape: None,
            comment: Some(b'#'),
            block_size: crate::dialect::DEFAULT_BLOCK_SIZE,
        }
    }

    #[test]
    fn records_start_after_blank_and_comment_lines() {
        let data = b"a,b\r\n\r\n# c\n\"x\ny\",\"q\"\"\"\nlast";
        let got: Vec<Record> = Records::new(&dialect(), data, true).collect();
        assert_eq!(got.len(), 3);
        assert_eq!(
            (got[0].start, got[0].fields.clone()),
            (0, vec!["a".into(), "b".into()])
        );
        assert_eq!(got[1].start, 11);
        assert_eq!(got[1].fields, ["x\ny", "q\""]);
        assert_eq!(got[2].fields, ["last"]);
        assert!(got[2].complete);
        let cut: Vec<Record> = Records::new(&dialect(), &data[..16], false).collect();
        assert_eq!(cut.len(), 2);
        assert!(!cut[1].complete);
    }

    #[test]
    fn parses_arrow_value_errors() {
        // The exact messages of arrow-csv 60.1 (reader/mod.rs); update on upgrade.
        let m = "Error while parsing value 'abc' as type 'Int64' for column 2 at line 41. \
                 Row data: '[1,2,abc]'";
        assert_eq!(
            parse_value_error(m),
            Some(ValueError {
                column: 2,
                record: 41
            })
        );
        let m = "Error parsing column 0 at line 7: Parser error: bad timestamp";
        assert_eq!(
            parse_value_error(m),
            Some(ValueError {
                column: 0,
                record: 7
            })
        );
        assert_eq!(parse_value_error("something else"), None);
        assert_eq!(
            parse_non_nullable("Column 'id' is declared as non-nullable but contains null values"),
            Some("id")
        );
    }
}
