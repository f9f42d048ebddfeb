//! Time zones the Parquet schema cannot carry.
//!
//! Parquet stores timestamps in milli-, micro- or nanoseconds and only records whether they
//! are UTC-adjusted; writers such as pyarrow keep the zone's name in the embedded Arrow
//! schema (`ARROW:schema`). arrow-rs applies that hint only when the unit is unchanged, so a
//! `timestamp[s, America/New_York]` column would come back as `timestamp[ms, UTC]`.
//! pyarrow reads it as `timestamp[ms, America/New_York]`; so does sluice.

use std::sync::Arc;

use arrow_schema::{DataType, Field, FieldRef, Fields, Schema, SchemaRef};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use parquet::file::metadata::KeyValue;

/// The metadata key of the embedded Arrow schema.
const ARROW_SCHEMA_KEY: &str = "ARROW:schema";

/// `inferred` with the zones of the embedded Arrow schema put back on timestamp columns
/// whose unit Parquet changed; `None` when nothing needs fixing (or there is no hint).
pub(crate) fn with_hinted_zones(
    inferred: &Schema,
    key_values: Option<&Vec<KeyValue>>,
) -> Option<SchemaRef> {
    let encoded = key_values?
        .iter()
        .find(|kv| kv.key == ARROW_SCHEMA_KEY)?
        .value
        .as_deref()?;
    let bytes = STANDARD.decode(encoded).ok()?;
    let hint = arrow_ipc::convert::try_schema_from_ipc_buffer(&bytes).ok()?;
    let fields = fix_fields(inferred.fields(), hint.fields())?;
    Some(Arc::new(Schema::new_with_metadata(
        fields,
        inferred.metadata().clone(),
    )))
}

/// The fields with fixed types, or `None` when none changed.
fn fix_fields(inferred: &Fields, hint: &Fields) -> Option<Fields> {
    if inferred.len() != hint.len() {
        return None;
    }
    let mut changed = false;
    let fields: Vec<FieldRef> = inferred
        .iter()
        .zip(hint.iter())
        .map(|(f, h)| match fix_field(f, h) {
            Some(fixed) => {
                changed = true;
                fixed
            }
            None => Arc::clone(f),
        })
        .collect();
    changed.then(|| fields.into())
}

fn fix_field(field: &FieldRef, hint: &FieldRef) -> Option<FieldRef> {
    if field.name() != hint.name() {
        return None;
    }
    let fixed = fix_type(field.data_type(), hint.data_type())?;
    Some(Arc::new(Field::clone(field).with_data_type(fixed)))
}

fn fix_type(inferred: &DataType, hint: &DataType) -> Option<DataType> {
    use DataType::*;
    match (inferred, hint) {
        (Timestamp(unit, Some(zone)), Timestamp(hint_unit, Some(hint_zone)))
            if unit != hint_unit && zone != hint_zone =>
        {
            Some(Timestamp(*unit, Some(Arc::clone(hint_zone))))
        }
        (Struct(a), Struct(b)) => fix_fields(a, b).map(Struct),
        (List(a), List(b)) => fix_field(a, b).map(List),
        (LargeList(a), LargeList(b)) => fix_field(a, b).map(LargeList),
        (FixedSizeList(a, n), FixedSizeList(b, _)) => fix_field(a, b).map(|f| FixedSizeList(f, *n)),
        (Map(a, sorted), Map(b, _)) => fix_field(a, b).map(|f| Map(f, *sorted)),
        _ => None,
    }
}
