//! JSON Lines output: one object per row, every column present, values as JSON can hold
//! them.
//!
//! arrow-json's line-delimited writer does most of this already, and fast: 64-bit
//! integers (u64 too) written exactly, floats shortest-roundtrip with NaN and ±inf as
//! `null`, ISO-8601 timestamps (with the offset when the column has a time zone), dates,
//! decimals as numbers written from their exact string form, structs as objects, lists as
//! arrays, string-keyed maps as objects. [`JsonValueEncoders`] overrides the few types it
//! gets wrong for us:
//!
//! - binary (all four kinds) as base64 strings instead of hex;
//! - dictionaries: a key that points at a null value is `null` (arrow-json only looks at
//!   the keys' nulls and would print whatever the null value slot holds);
//! - maps whose keys are not strings, as arrays of `{"key": .., "value": ..}` (arrow-json
//!   refuses them);
//! - unions, as the JSON string of their display form (arrow-json refuses them).

use std::io::Write;
use std::sync::Arc;

use arrow::array::{Array, ArrayAccessor, AsArray};
use arrow::datatypes::{DataType, FieldRef};
use arrow::error::ArrowError;
use arrow::json::writer::{
    Encoder, EncoderFactory, EncoderOptions, LineDelimited, NullableEncoder, Writer, WriterBuilder,
    make_encoder,
};
use arrow::record_batch::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

/// ISO-8601 with as many fraction digits as the value needs (0, 3, 6 or 9) and the
/// numeric offset: `2024-01-02T03:04:05.123456+00:00`.
const TIMESTAMP_TZ_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.f%:z";

/// Writes record batches as JSON Lines.
pub(crate) struct JsonlWriter<W: Write> {
    inner: Writer<W, LineDelimited>,
}

impl<W: Write> JsonlWriter<W> {
    pub(crate) fn new(out: W) -> Self {
        let inner = WriterBuilder::new()
            .with_explicit_nulls(true)
            // Arrow's default writes UTC as `Z`; an explicit offset reads the same for
            // every zone.
            .with_timestamp_tz_format(TIMESTAMP_TZ_FORMAT.to_string())
            .with_encoder_factory(Arc::new(JsonValueEncoders))
            .build::<_, LineDelimited>(out);
        JsonlWriter { inner }
    }

    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<(), ArrowError> {
        self.inner.write(batch)
    }

    pub(crate) fn finish(mut self) -> Result<W, ArrowError> {
        self.inner.finish()?;
        Ok(self.inner.into_inner())
    }
}

/// The encoders sluice uses where arrow-json's defaults do not fit (see the module docs).
#[derive(Debug)]
struct JsonValueEncoders;

impl EncoderFactory for JsonValueEncoders {
    fn make_default_encoder<'a>(
        &self,
        field: &'a FieldRef,
        array: &'a dyn Array,
        options: &'a EncoderOptions,
    ) -> Result<Option<NullableEncoder<'a>>, ArrowError> {
        let encoder: Box<dyn Encoder + 'a> = match array.data_type() {
            DataType::Binary => Box::new(Base64Encoder(array.as_binary::<i32>())),
            DataType::LargeBinary => Box::new(Base64Encoder(array.as_binary::<i64>())),
            DataType::FixedSizeBinary(_) => Box::new(Base64Encoder(array.as_fixed_size_binary())),
            DataType::BinaryView => Box::new(Base64Encoder(array.as_binary_view())),
            DataType::Dictionary(_, _) => {
                let dict = array.as_any_dictionary();
                let values = make_encoder(field, dict.values().as_ref(), options)?;
                let encoder = DictionaryEncoder {
                    keys: dict.normalized_keys(),
                    values,
                };
                // Null keys and keys pointing at null values are both null.
                return Ok(Some(NullableEncoder::new(
                    Box::new(encoder),
                    array.logical_nulls(),
                )));
            }
            DataType::Map(_, _) => {
                let map = array.as_map();
                if is_string(map.keys().data_type()) {
                    return Ok(None);
                }
                Box::new(MapEntriesEncoder {
                    offsets: map.value_offsets(),
                    keys: make_encoder(field, map.keys().as_ref(), options)?,
                    values: make_encoder(field, map.values().as_ref(), options)?,
                })
            }
            DataType::Union(_, _) => {
                let format = FormatOptions::new().with_display_error(true);
                Box::new(DisplayStringEncoder {
                    formatter: ArrayFormatter::try_new(array, &format)?,
                    scratch: String::new(),
                })
            }
            _ => return Ok(None),
        };
        Ok(Some(NullableEncoder::new(encoder, array.logical_nulls())))
    }
}

fn is_string(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

/// Bytes as a standard (padded) base64 JSON string.
struct Base64Encoder<A>(A);

impl<'a, A> Encoder for Base64Encoder<A>
where
    A: ArrayAccessor<Item = &'a [u8]>,
{
    fn encode(&mut self, idx: usize, out: &mut Vec<u8>) {
        let bytes = self.0.value(idx);
        out.push(b'"');
        let start = out.len();
        // Padded base64 of n bytes is 4 * ceil(n / 3) characters.
        out.resize(start + bytes.len().div_ceil(3) * 4, 0);
        match BASE64.encode_slice(bytes, &mut out[start..]) {
            Ok(written) => out.truncate(start + written),
            // Cannot happen: the slice was sized for the output above. Fall back to the
            // allocating encoder rather than write a broken value.
            Err(_) => {
                out.truncate(start);
                out.extend_from_slice(BASE64.encode(bytes).as_bytes());
            }
        }
        out.push(b'"');
    }
}

/// A dictionary array's values, looked up through its keys.
struct DictionaryEncoder<'a> {
    keys: Vec<usize>,
    values: NullableEncoder<'a>,
}

impl Encoder for DictionaryEncoder<'_> {
    fn encode(&mut self, idx: usize, out: &mut Vec<u8>) {
        self.values.encode(self.keys[idx], out);
    }
}

/// A map with non-string keys: `[{"key":k,"value":v},...]`.
struct MapEntriesEncoder<'a> {
    offsets: &'a [i32],
    keys: NullableEncoder<'a>,
    values: NullableEncoder<'a>,
}

impl Encoder for MapEntriesEncoder<'_> {
    fn encode(&mut self, idx: usize, out: &mut Vec<u8>) {
        // Offsets of a valid map array are non-negative.
        let start = usize::try_from(self.offsets[idx]).unwrap_or(0);
        let end = usize::try_from(self.offsets[idx + 1]).unwrap_or(start);
        out.push(b'[');
        for entry in start..end {
            if entry != start {
                out.push(b',');
            }
            out.extend_from_slice(br#"{"key":"#);
            encode_nullable(&mut self.keys, entry, out);
            out.extend_from_slice(br#","value":"#);
            encode_nullable(&mut self.values, entry, out);
            out.push(b'}');
        }
        out.push(b']');
    }
}

fn encode_nullable(encoder: &mut NullableEncoder<'_>, idx: usize, out: &mut Vec<u8>) {
    if encoder.is_null(idx) {
        out.extend_from_slice(b"null");
    } else {
        encoder.encode(idx, out);
    }
}

/// Any value as the JSON string of arrow's display form.
struct DisplayStringEncoder<'a> {
    formatter: ArrayFormatter<'a>,
    scratch: String,
}

impl Encoder for DisplayStringEncoder<'_> {
    fn encode(&mut self, idx: usize, out: &mut Vec<u8>) {
        use std::fmt::Write as _;
        self.scratch.clear();
        // Writing into a String cannot fail; a formatting error is shown inline
        // (`with_display_error`).
        let _ = write!(self.scratch, "{}", self.formatter.value(idx));
        // Serialising a &str into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, self.scratch.as_str());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{
        ArrayRef, BinaryArray, BooleanArray, Date32Array, Decimal128Array, DictionaryArray,
        FixedSizeBinaryArray, Float32Array, Float64Array, Int32Array, Int64Array, LargeBinaryArray,
        LargeListArray, LargeStringArray, ListArray, MapArray, StringArray, StructArray,
        TimestampMicrosecondArray, TimestampMillisecondArray, TimestampNanosecondArray,
        TimestampSecondArray, UInt64Array,
    };
    use arrow::buffer::OffsetBuffer;
    use arrow::datatypes::{Field, Fields, Int32Type, Int64Type, Schema};

    /// The JSON Lines text of one column called `v`.
    fn jsonl(array: ArrayRef) -> String {
        let batch = RecordBatch::try_from_iter([("v", array)]).expect("valid batch");
        let mut writer = JsonlWriter::new(Vec::new());
        writer.write(&batch).expect("encodes");
        String::from_utf8(writer.finish().expect("finishes")).expect("utf-8")
    }

    #[test]
    fn integers_are_exact_up_to_u64_max() {
        let array = UInt64Array::from(vec![Some(u64::MAX), Some(9_007_199_254_740_993), None]);
        assert_eq!(
            jsonl(Arc::new(array)),
            "{\"v\":18446744073709551615}\n{\"v\":9007199254740993}\n{\"v\":null}\n"
        );
        let array = Int64Array::from(vec![i64::MIN, i64::MAX]);
        assert_eq!(
            jsonl(Arc::new(array)),
            "{\"v\":-9223372036854775808}\n{\"v\":9223372036854775807}\n"
        );
    }

    #[test]
    fn floats_are_shortest_roundtrip_and_non_finite_is_null() {
        let array = Float64Array::from(vec![
            0.1,
            1.0,
            -2.5,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1e300,
            5e-324,
        ]);
        let text = jsonl(Arc::new(array));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[..6],
            [
                "{\"v\":0.1}",
                "{\"v\":1.0}",
                "{\"v\":-2.5}",
                "{\"v\":null}",
                "{\"v\":null}",
                "{\"v\":null}"
            ]
        );
        // Whatever the exponent notation, it is JSON and reads back to the same value.
        for (line, want) in lines[6..].iter().zip([1e300, 5e-324]) {
            let value: serde_json::Value = serde_json::from_str(line).expect("valid JSON");
            assert_eq!(value["v"].as_f64(), Some(want), "{line}");
        }
        let array = Float32Array::from(vec![0.1f32, f32::NAN]);
        assert_eq!(jsonl(Arc::new(array)), "{\"v\":0.1}\n{\"v\":null}\n");
    }

    #[test]
    fn timestamps_are_iso_8601_with_offset_only_when_zoned() {
        let micros = 1_704_164_645_123_456; // 2024-01-02T03:04:05.123456Z
        let naive = TimestampMicrosecondArray::from(vec![Some(micros), None]);
        assert_eq!(
            jsonl(Arc::new(naive)),
            "{\"v\":\"2024-01-02T03:04:05.123456\"}\n{\"v\":null}\n"
        );
        let utc = TimestampMicrosecondArray::from(vec![micros]).with_timezone("+00:00");
        assert_eq!(
            jsonl(Arc::new(utc)),
            "{\"v\":\"2024-01-02T03:04:05.123456+00:00\"}\n"
        );
        let named = TimestampMicrosecondArray::from(vec![micros]).with_timezone("America/New_York");
        assert_eq!(
            jsonl(Arc::new(named)),
            "{\"v\":\"2024-01-01T22:04:05.123456-05:00\"}\n"
        );
        let seconds = TimestampSecondArray::from(vec![1_704_164_645]);
        assert_eq!(
            jsonl(Arc::new(seconds)),
            "{\"v\":\"2024-01-02T03:04:05\"}\n"
        );
        let millis = TimestampMillisecondArray::from(vec![1_704_164_645_120]).with_timezone("UTC");
        assert_eq!(
            jsonl(Arc::new(millis)),
            "{\"v\":\"2024-01-02T03:04:05.120+00:00\"}\n"
        );
        let nanos = TimestampNanosecondArray::from(vec![1_704_164_645_123_456_789]);
        assert_eq!(
            jsonl(Arc::new(nanos)),
            "{\"v\":\"2024-01-02T03:04:05.123456789\"}\n"
        );
    }

    #[test]
    fn dates_are_iso_8601() {
        let array = Date32Array::from(vec![Some(19_724), None]);
        assert_eq!(
            jsonl(Arc::new(array)),
            "{\"v\":\"2024-01-02\"}\n{\"v\":null}\n"
        );
    }

    #[test]
    fn decimals_are_exact_numbers() {
        let array = Decimal128Array::from(vec![Some(110), Some(-5), None, Some(i128::MAX / 1000)])
            .with_precision_and_scale(38, 2)
            .expect("valid precision");
        assert_eq!(
            jsonl(Arc::new(array)),
            "{\"v\":1.10}\n{\"v\":-0.05}\n{\"v\":null}\n\
             {\"v\":1701411834604692317316873037158841.05}\n"
        );
    }

    #[test]
    fn binary_is_base64() {
        let values: Vec<Option<&[u8]>> = vec![Some(b"hi!"), Some(b""), Some(&[0xff, 0]), None];
        let expected = "{\"v\":\"aGkh\"}\n{\"v\":\"\"}\n{\"v\":\"/wA=\"}\n{\"v\":null}\n";
        assert_eq!(jsonl(Arc::new(BinaryArray::from(values.clone()))), expected);
        assert_eq!(
            jsonl(Arc::new(LargeBinaryArray::from(values.clone()))),
            expected
        );
        let fixed = FixedSizeBinaryArray::try_from_sparse_iter_with_size(
            [Some(*b"ab"), None].into_iter(),
            2,
        )
        .expect("valid fixed-size binary");
        assert_eq!(jsonl(Arc::new(fixed)), "{\"v\":\"YWI=\"}\n{\"v\":null}\n");
        let view = arrow::array::BinaryViewArray::from(values);
        assert_eq!(jsonl(Arc::new(view)), expected);
    }

    #[test]
    fn strings_are_escaped_and_large_strings_work() {
        let array = StringArray::from(vec![Some("a\"b\\c\nd\u{1}é"), None]);
        assert_eq!(
            jsonl(Arc::new(array)),
            "{\"v\":\"a\\\"b\\\\c\\nd\\u0001é\"}\n{\"v\":null}\n"
        );
        let array = LargeStringArray::from(vec!["x"]);
        assert_eq!(jsonl(Arc::new(array)), "{\"v\":\"x\"}\n");
    }

    #[test]
    fn dictionaries_print_their_values_and_null_values_as_null() {
        let keys = Int32Array::from(vec![Some(0), Some(1), None, Some(2), Some(0)]);
        let values = StringArray::from(vec![Some("red"), Some("blue"), None]);
        let dict = DictionaryArray::<Int32Type>::try_new(keys, Arc::new(values))
            .expect("valid dictionary");
        assert_eq!(
            jsonl(Arc::new(dict)),
            "{\"v\":\"red\"}\n{\"v\":\"blue\"}\n{\"v\":null}\n{\"v\":null}\n{\"v\":\"red\"}\n"
        );
    }

    #[test]
    fn string_keyed_maps_are_objects() {
        let entries = StructArray::from(vec![
            (
                Arc::new(Field::new("keys", DataType::Utf8, false)),
                Arc::new(StringArray::from(vec!["a", "b", "c"])) as ArrayRef,
            ),
            (
                Arc::new(Field::new("values", DataType::Int64, true)),
                Arc::new(Int64Array::from(vec![Some(1), None, Some(3)])) as ArrayRef,
            ),
        ]);
        let map = MapArray::try_new(
            Arc::new(Field::new("entries", entries.data_type().clone(), false)),
            OffsetBuffer::new(vec![0, 2, 2, 3].into()),
            entries,
            Some(vec![true, true, false].into()),
            false,
        )
        .expect("valid map");
        assert_eq!(
            jsonl(Arc::new(map)),
            "{\"v\":{\"a\":1,\"b\":null}}\n{\"v\":{}}\n{\"v\":null}\n"
        );
    }

    #[test]
    fn maps_with_other_keys_are_arrays_of_entries() {
        let entries = StructArray::from(vec![
            (
                Arc::new(Field::new("keys", DataType::Int64, false)),
                Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef,
            ),
            (
                Arc::new(Field::new("values", DataType::Boolean, true)),
                Arc::new(BooleanArray::from(vec![Some(true), None])) as ArrayRef,
            ),
        ]);
        let map = MapArray::try_new(
            Arc::new(Field::new("entries", entries.data_type().clone(), false)),
            OffsetBuffer::new(vec![0, 2, 2].into()),
            entries,
            None,
            false,
        )
        .expect("valid map");
        assert_eq!(
            jsonl(Arc::new(map)),
            "{\"v\":[{\"key\":1,\"value\":true},{\"key\":2,\"value\":null}]}\n{\"v\":[]}\n"
        );
    }

    #[test]
    fn structs_and_lists_nest_with_explicit_nulls() {
        let inner = StructArray::from(vec![
            (
                Arc::new(Field::new("x", DataType::Int64, true)),
                Arc::new(Int64Array::from(vec![Some(1), None])) as ArrayRef,
            ),
            (
                Arc::new(Field::new("b", DataType::Binary, true)),
                Arc::new(BinaryArray::from(vec![Some(b"a".as_slice()), None])) as ArrayRef,
            ),
        ]);
        let list =
            ListArray::from_iter_primitive::<Int64Type, _, _>([Some(vec![Some(1), None]), None]);
        let large = LargeListArray::from_iter_primitive::<Int64Type, _, _>([
            Some(vec![]),
            Some(vec![Some(7)]),
        ]);
        let schema = Schema::new(Fields::from(vec![
            Field::new("s", inner.data_type().clone(), true),
            Field::new("l", list.data_type().clone(), true),
            Field::new("ll", large.data_type().clone(), true),
        ]));
        let batch = RecordBatch::try_new(
            Arc::new(schema),
            vec![Arc::new(inner), Arc::new(list), Arc::new(large)],
        )
        .expect("valid batch");
        let mut writer = JsonlWriter::new(Vec::new());
        writer.write(&batch).expect("encodes");
        let text = String::from_utf8(writer.finish().expect("finishes")).expect("utf-8");
        assert_eq!(
            text,
            "{\"s\":{\"x\":1,\"b\":\"YQ==\"},\"l\":[1,null],\"ll\":[]}\n\
             {\"s\":{\"x\":null,\"b\":null},\"l\":null,\"ll\":[7]}\n"
        );
    }

    #[test]
    fn sliced_batches_encode_their_own_rows() {
        let batch = RecordBatch::try_from_iter([(
            "v",
            Arc::new(UInt64Array::from(vec![1, 2, 3, 4])) as ArrayRef,
        )])
        .expect("valid batch");
        let mut writer = JsonlWriter::new(Vec::new());
        writer.write(&batch.slice(1, 2)).expect("encodes");
        let text = String::from_utf8(writer.finish().expect("finishes")).expect("utf-8");
        assert_eq!(text, "{\"v\":2}\n{\"v\":3}\n");
    }
}
