//! Unifying the schemas of several inputs by column name, and conforming batches to the
//! unified schema.

use std::sync::Arc;

use arrow_array::{RecordBatch, RecordBatchOptions, new_null_array};
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use crate::{Error, Result};

/// The wider of two column types when one holds every value of the other exactly enough
/// to be unified silently: null widens to anything; int64 widens to float64 (as the CSV and
/// JSON inference do within one file). `None` when they cannot be unified.
pub(crate) fn widen(a: &DataType, b: &DataType) -> Option<DataType> {
    use DataType::*;
    match (a, b) {
        _ if a == b => Some(a.clone()),
        (Null, t) | (t, Null) => Some(t.clone()),
        (Int64, Float64) | (Float64, Int64) => Some(Float64),
        (List(x), List(y)) => {
            let inner = widen(x.data_type(), y.data_type())?;
            Some(List(Arc::new(Field::new(
                x.name(),
                inner,
                x.is_nullable() || y.is_nullable(),
            ))))
        }
        (Struct(xs), Struct(ys)) => {
            let mut fields: Vec<Field> = xs.iter().map(|f| f.as_ref().clone()).collect();
            for y in ys {
                match fields.iter_mut().find(|f| f.name() == y.name()) {
                    Some(f) => {
                        let t = widen(f.data_type(), y.data_type())?;
                        *f = Field::new(f.name(), t, true);
                    }
                    None => fields.push(y.as_ref().clone().with_nullable(true)),
                }
            }
            Some(Struct(fields.into()))
        }
        _ => None,
    }
}

/// Unifies the schemas of `inputs` (location, schema) by column name. Columns keep the order
/// of first appearance; a column missing from some input becomes nullable.
pub(crate) fn unify(inputs: &[(String, SchemaRef)]) -> Result<SchemaRef> {
    // (field, the input that first had it)
    let mut fields: Vec<(Field, usize)> = Vec::new();
    let mut with_columns = 0usize;
    for (i, (location, schema)) in inputs.iter().enumerate() {
        if schema.fields().is_empty() {
            continue; // an empty input (0 bytes) says nothing about the columns
        }
        with_columns += 1;
        for f in schema.fields() {
            match fields.iter_mut().find(|(u, _)| u.name() == f.name()) {
                Some((u, first)) => {
                    let Some(t) = widen(u.data_type(), f.data_type()) else {
                        return Err(Error::Schema {
                            message: format!(
                                "column {:?} is {} in {} but {} in {}; the files cannot be read as one \
                                 dataset (pass an explicit schema, or read them separately)",
                                f.name(),
                                u.data_type(),
                                inputs[*first].0,
                                f.data_type(),
                                location
                            ),
                        });
                    };
                    let nullable = u.is_nullable() || f.is_nullable();
                    *u = Field::new(u.name(), t, nullable).with_metadata(u.metadata().clone());
                }
                None => {
                    // Not in the inputs before this one: nullable unless this is the first.
                    let nullable = f.is_nullable() || with_columns > 1;
                    fields.push((f.as_ref().clone().with_nullable(nullable), i));
                }
            }
        }
    }
    // A column absent from any later input must be nullable too.
    let mut out: Vec<Field> = Vec::with_capacity(fields.len());
    for (f, _) in fields {
        let everywhere = inputs
            .iter()
            .filter(|(_, s)| !s.fields().is_empty())
            .all(|(_, s)| s.field_with_name(f.name()).is_ok());
        let nullable = f.is_nullable() || !everywhere;
        out.push(f.with_nullable(nullable));
    }
    Ok(Arc::new(Schema::new(out)))
}

/// Conforms `batch` to `target`: columns picked by name in `target`'s order, cast where
/// the type was widened, null-filled where missing.
pub(crate) fn conform(
    batch: RecordBatch,
    target: &SchemaRef,
    location: &str,
) -> Result<RecordBatch> {
    if batch.schema().fields() == target.fields() {
        return Ok(batch);
    }
    let rows = batch.num_rows();
    let schema = batch.schema();
    let mut columns = Vec::with_capacity(target.fields().len());
    for field in target.fields() {
        let column = match schema.index_of(field.name()) {
            Ok(i) => {
                let col = batch.column(i);
                if col.data_type() == field.data_type() {
                    Arc::clone(col)
                } else {
                    arrow_cast::cast(col, field.data_type()).map_err(|e| Error::Schema {
                        message: format!(
                            "{location}: cannot convert column {:?} from {} to {}: {e}",
                            field.name(),
                            col.data_type(),
                            field.data_type()
                        ),
                    })?
                }
            }
            Err(_) => new_null_array(field.data_type(), rows),
        };
        columns.push(column);
    }
    RecordBatch::try_new_with_options(
        Arc::clone(target),
        columns,
        &RecordBatchOptions::new().with_row_count(Some(rows)),
    )
    .map_err(|e| Error::Internal {
        message: format!("{location}: conforming a batch to the unified schema failed: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Array, Float64Array, Int64Array};

    fn schema(fields: Vec<Field>) -> SchemaRef {
        Arc::new(Schema::new(fields))
    }

    #[test]
    fn unifies_by_name_and_null_fills() {
        let a = schema(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("x", DataType::Int64, true),
        ]);
        let b = schema(vec![
            Field::new("x", DataType::Float64, true),
            Field::new("y", DataType::Utf8, true),
        ]);
        let u = unify(&[("a.csv".into(), a), ("b.csv".into(), b)]).unwrap();
        let names: Vec<_> = u
            .fields()
            .iter()
            .map(|f| (f.name().as_str(), f.data_type().clone(), f.is_nullable()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("id", DataType::Int64, true),
                ("x", DataType::Float64, true),
                ("y", DataType::Utf8, true)
            ]
        );
        let batch =
            RecordBatch::try_from_iter(vec![("x", Arc::new(Int64Array::from(vec![1, 2])) as _)])
                .unwrap();
        let out = conform(batch, &u, "a.csv").unwrap();
        assert_eq!(out.num_rows(), 2);
        assert_eq!(out.column(0).null_count(), 2);
        let x = out
            .column(1)
            .as_any()
            .downcast_ref::<Float64Array>()
            .unwrap();
        assert_eq!(x.values().as_ref(), &[1.0, 2.0]);
    }

    #[test]
    fn incompatible_types_name_both_files_and_the_column() {
        let a = schema(vec![Field::new("x", DataType::Int64, true)]);
        let b = schema(vec![Field::new("x", DataType::Utf8, true)]);
        let err = unify(&[("a.csv".into(), a), ("b.csv".into(), b)]).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Schema);
        let msg = err.to_string();
        assert!(
            msg.starts_with("column \"x\" is Int64 in a.csv but Utf8 in b.csv"),
            "{msg}"
        );
    }
}
