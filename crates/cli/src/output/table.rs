//! Table output for people: arrow's pretty printer, in chunks so that memory stays
//! bounded on large inputs.

use std::io::Write;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use arrow::util::pretty::pretty_format_batches;

use crate::Failure;

/// Rows gathered into one table before it is printed; a longer output is several tables.
const ROWS_PER_TABLE: usize = 10_000;

pub(crate) struct TableWriter<W: Write> {
    out: W,
    schema: SchemaRef,
    pending: Vec<RecordBatch>,
    pending_rows: usize,
    printed: bool,
}

impl<W: Write> TableWriter<W> {
    pub(crate) fn new(out: W, schema: SchemaRef) -> Self {
        TableWriter {
            out,
            schema,
            pending: Vec::new(),
            pending_rows: 0,
            printed: false,
        }
    }

    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<(), Failure> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        self.pending_rows += batch.num_rows();
        self.pending.push(batch.clone());
        if self.pending_rows >= ROWS_PER_TABLE {
            self.print()?;
        }
        Ok(())
    }

    fn print(&mut self) -> Result<(), Failure> {
        let table = pretty_format_batches(&self.pending).map_err(Failure::output)?;
        writeln!(self.out, "{table}")?;
        self.pending.clear();
        self.pending_rows = 0;
        self.printed = true;
        Ok(())
    }

    /// Prints the last table (just the header when there were no rows at all, nothing
    /// when there are no columns either: an empty input).
    pub(crate) fn finish(mut self) -> Result<W, Failure> {
        if !self.pending.is_empty() {
            self.print()?;
        } else if !self.printed && !self.schema.fields().is_empty() {
            self.pending
                .push(RecordBatch::new_empty(std::sync::Arc::clone(&self.schema)));
            self.print()?;
        }
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Int64Array, StringArray};

    #[test]
    fn prints_rows_as_one_table() {
        let batch = RecordBatch::try_from_iter([
            ("id", Arc::new(Int64Array::from(vec![1, 22])) as ArrayRef),
            (
                "name",
                Arc::new(StringArray::from(vec![Some("ada"), None])) as ArrayRef,
            ),
        ])
        .expect("valid batch");
        let mut w = TableWriter::new(Vec::new(), batch.schema());
        w.write(&batch.slice(0, 1)).expect("writes");
        w.write(&batch.slice(1, 1)).expect("writes");
        let text = String::from_utf8(w.finish().expect("finishes")).expect("utf-8");
        assert_eq!(
            text,
            "+----+------+\n\
             | id | name |\n\
             +----+------+\n\
             | 1  | ada  |\n\
             | 22 |      |\n\
             +----+------+\n"
        );
    }

    #[test]
    fn no_rows_is_just_the_header() {
        let batch = RecordBatch::try_from_iter([(
            "id",
            Arc::new(Int64Array::from(Vec::<i64>::new())) as ArrayRef,
        )])
        .expect("valid batch");
        let w = TableWriter::new(Vec::new(), batch.schema());
        let text = String::from_utf8(w.finish().expect("finishes")).expect("utf-8");
        assert_eq!(text, "+----+\n| id |\n+----+\n+----+\n");
        let w = TableWriter::new(Vec::new(), Arc::new(arrow::datatypes::Schema::empty()));
        assert_eq!(w.finish().expect("finishes"), b"");
    }
}
