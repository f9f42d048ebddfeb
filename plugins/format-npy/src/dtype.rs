//! NumPy dtypes (`'<f8'`, `[('a', '<i4'), ('b', '<f8', (3,))]`) and the Arrow columns they
//! become.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema};

use crate::header::Literal;

/// The field metadata key holding the per-row shape of a fixed-size list column, as a
/// JSON array (`[2, 3]`).
pub const SHAPE_KEY: &str = "numpy.shape";

/// Why a dtype description was refused.
#[derive(Debug)]
pub(crate) enum DescrError {
    /// Not a valid description at all.
    Malformed(String),
    /// Valid, but not something this reader decodes.
    Unsupported(String),
}

/// The kind of one scalar element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `b1`: one byte, nonzero is true.
    Bool,
    /// `i1`..`i8`.
    Int,
    /// `u1`..`u8`.
    UInt,
    /// `f2`, `f4`, `f8`.
    Float,
    /// `U<n>`: n UTF-32 code units, NUL-padded.
    Unicode,
    /// `S<n>`: n bytes, NUL-padded.
    Bytes,
}

/// One scalar element type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Elem {
    pub(crate) kind: Kind,
    /// Bytes per element.
    pub(crate) size: usize,
    /// Whether the stored byte order differs from this machine's.
    pub(crate) swap: bool,
}

impl Elem {
    /// The Arrow type of one element.
    pub(crate) fn data_type(&self) -> DataType {
        match (self.kind, self.size) {
            (Kind::Bool, _) => DataType::Boolean,
            (Kind::Int, 1) => DataType::Int8,
            (Kind::Int, 2) => DataType::Int16,
            (Kind::Int, 4) => DataType::Int32,
            (Kind::Int, _) => DataType::Int64,
            (Kind::UInt, 1) => DataType::UInt8,
            (Kind::UInt, 2) => DataType::UInt16,
            (Kind::UInt, 4) => DataType::UInt32,
            (Kind::UInt, _) => DataType::UInt64,
            (Kind::Float, 2) => DataType::Float16,
            (Kind::Float, 4) => DataType::Float32,
            (Kind::Float, _) => DataType::Float64,
            (Kind::Unicode, _) => DataType::Utf8,
            (Kind::Bytes, _) => DataType::Binary,
        }
    }
}

/// One field of a dtype (a simple dtype has one, named `value`).
#[derive(Debug, Clone)]
pub(crate) struct FieldLayout {
    pub(crate) name: String,
    /// Byte offset of the field within one item.
    pub(crate) offset: usize,
    pub(crate) elem: Elem,
    /// The field's subarray shape (`('b', '<f8', (3,))`); empty for a scalar field.
    pub(crate) shape: Vec<u64>,
}

/// A parsed dtype.
#[derive(Debug, Clone)]
pub(crate) struct Dtype {
    /// Bytes per item.
    pub(crate) itemsize: usize,
    /// The fields, padding left out.
    pub(crate) fields: Vec<FieldLayout>,
}

fn product(dims: &[u64]) -> Option<u64> {
    dims.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d))
}

/// Parses a type string such as `<f8`, `|b1`, `>U10`.
fn parse_typestr(s: &str) -> Result<Elem, DescrError> {
    let malformed = || DescrError::Malformed(format!("{s:?} is not a NumPy type string"));
    let (big, rest) = match s.as_bytes().first() {
        Some(b'<') => (false, &s[1..]),
        Some(b'>') | Some(b'!') => (true, &s[1..]),
        Some(b'|') | Some(b'=') => (cfg!(target_endian = "big"), &s[1..]),
        Some(_) => (cfg!(target_endian = "big"), s),
        None => return Err(malformed()),
    };
    let mut chars = rest.chars();
    let kind_char = chars.next().ok_or_else(malformed)?;
    let digits = chars.as_str();
    if kind_char == 'O' {
        return Err(DescrError::Unsupported(format!(
            "the dtype {s:?} is an object array: its elements are pickled Python objects, \
             and sluice never unpickles; save the array with a numeric, string or \
             structured dtype instead"
        )));
    }
    let unsupported = |what: &str| {
        DescrError::Unsupported(format!(
            "the dtype {s:?} ({what}) is not supported; supported are bool, int8-int64, \
             uint8-uint64, float16/32/64, fixed-width unicode (U) and bytes (S), and \
             structured dtypes of these"
        ))
    };
    let size: usize = match digits.parse() {
        Ok(n) => n,
        Err(_) if digits.contains('[') => {
            return Err(unsupported("datetime or timedelta"));
        }
        Err(_) if digits.is_empty() && kind_char == '?' => 1,
        Err(_) => return Err(malformed()),
    };
    if size == 0 && matches!(kind_char, 'U' | 'S' | 'a') {
        // numpy itself never makes zero-width strings (it widens them to one).
        return Err(DescrError::Malformed(format!(
            "{s:?} has zero-width elements"
        )));
    }
    let (kind, bytes) = match (kind_char, size) {
        ('b' | '?', 1) => (Kind::Bool, 1),
        ('i', 1 | 2 | 4 | 8) => (Kind::Int, size),
        ('u', 1 | 2 | 4 | 8) => (Kind::UInt, size),
        ('f', 2 | 4 | 8) => (Kind::Float, size),
        ('f', _) => return Err(unsupported("extended-precision float")),
        ('U', n) => (
            Kind::Unicode,
            n.checked_mul(4)
                .ok_or_else(|| DescrError::Malformed(format!("{s:?} is too wide")))?,
        ),
        ('S' | 'a', n) => (Kind::Bytes, n),
        ('c', _) => return Err(unsupported("complex")),
        ('V', _) => return Err(unsupported("raw void bytes")),
        ('M' | 'm', _) => return Err(unsupported("datetime or timedelta")),
        ('b' | 'i' | 'u', _) => return Err(malformed()),
        _ => return Err(unsupported("unknown kind")),
    };
    Ok(Elem {
        kind,
        size: bytes,
        swap: big != cfg!(target_endian = "big") && bytes > 1,
    })
}

fn shape_of(lit: &Literal) -> Result<Vec<u64>, DescrError> {
    match lit {
        Literal::Int(n) => Ok(vec![*n]),
        Literal::Tuple(items) => items
            .iter()
            .map(|i| match i {
                Literal::Int(n) => Ok(*n),
                other => Err(DescrError::Malformed(format!(
                    "a field shape must hold integers, found {}",
                    other.describe()
                ))),
            })
            .collect(),
        other => Err(DescrError::Malformed(format!(
            "a field shape must be a tuple of integers, found {}",
            other.describe()
        ))),
    }
}

impl Dtype {
    /// Parses the header's `descr` value.
    pub(crate) fn from_descr(descr: &Literal) -> Result<Dtype, DescrError> {
        match descr {
            Literal::Str(s) => {
                let elem = parse_typestr(s)?;
                Ok(Dtype {
                    itemsize: elem.size,
                    fields: vec![FieldLayout {
                        name: crate::COLUMN.to_string(),
                        offset: 0,
                        elem,
                        shape: Vec::new(),
                    }],
                })
            }
            Literal::List(items) => Self::structured(items),
            other => Err(DescrError::Malformed(format!(
                "'descr' must be a type string or a list of fields, found {}",
                other.describe()
            ))),
        }
    }

    fn structured(items: &[Literal]) -> Result<Dtype, DescrError> {
        let mut fields: Vec<FieldLayout> = Vec::new();
        let mut offset: usize = 0;
        for item in items {
            let Literal::Tuple(parts) = item else {
                return Err(DescrError::Malformed(format!(
                    "a structured field must be a tuple (name, type[, shape]), found {}",
                    item.describe()
                )));
            };
            let (name, dt, shape) = match parts.as_slice() {
                [n, d] => (n, d, Vec::new()),
                [n, d, s] => (n, d, shape_of(s)?),
                _ => {
                    return Err(DescrError::Malformed(
                        "a structured field must be a tuple (name, type[, shape])".to_string(),
                    ));
                }
            };
            let name = match name {
                Literal::Str(s) => s.clone(),
                // (title, name)
                Literal::Tuple(t) if t.len() == 2 => match &t[1] {
                    Literal::Str(s) => s.clone(),
                    other => {
                        return Err(DescrError::Malformed(format!(
                            "a field name must be a string, found {}",
                            other.describe()
                        )));
                    }
                },
                other => {
                    return Err(DescrError::Malformed(format!(
                        "a field name must be a string, found {}",
                        other.describe()
                    )));
                }
            };
            let elem = match dt {
                Literal::Str(s)
                    if name.is_empty() && s.trim_start_matches('|').starts_with('V') =>
                {
                    // Padding numpy inserts for aligned structs: skip its bytes.
                    let n: usize = s.trim_start_matches('|')[1..].parse().map_err(|_| {
                        DescrError::Malformed(format!("{s:?} is not a NumPy type string"))
                    })?;
                    offset = offset.checked_add(n).ok_or_else(too_wide)?;
                    continue;
                }
                Literal::Str(s) => parse_typestr(s)?,
                Literal::List(_) => {
                    return Err(DescrError::Unsupported(format!(
                        "the field {name:?} is itself structured; nested structured dtypes \
                         are not supported"
                    )));
                }
                other => {
                    return Err(DescrError::Malformed(format!(
                        "a field type must be a type string, found {}",
                        other.describe()
                    )));
                }
            };
            if fields.iter().any(|f| f.name == name) {
                return Err(DescrError::Malformed(format!(
                    "the field name {name:?} appears twice"
                )));
            }
            let count = product(&shape).ok_or_else(too_wide)?;
            let bytes = usize::try_from(count)
                .ok()
                .and_then(|c| c.checked_mul(elem.size))
                .ok_or_else(too_wide)?;
            fields.push(FieldLayout {
                name,
                offset,
                elem,
                shape,
            });
            offset = offset.checked_add(bytes).ok_or_else(too_wide)?;
        }
        if fields.is_empty() {
            return Err(DescrError::Malformed(
                "a structured dtype with no fields".to_string(),
            ));
        }
        Ok(Dtype {
            itemsize: offset,
            fields,
        })
    }
}

fn too_wide() -> DescrError {
    DescrError::Malformed("the structured dtype is too wide".to_string())
}

/// Where one Arrow column's values sit within one row of the file.
///
/// A row holds `outer` items (the product of the array's dimensions after the first),
/// `outer_stride` bytes apart; the column's values in each item start at byte `base` and
/// are `inner` elements of `elem.size` bytes each, back to back.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub(crate) name: String,
    pub(crate) elem: Elem,
    pub(crate) base: usize,
    pub(crate) outer: usize,
    pub(crate) outer_stride: usize,
    pub(crate) inner: usize,
    /// The per-row shape (array dimensions after the first, then the field's subarray
    /// shape); empty for a scalar column.
    pub(crate) dims: Vec<u64>,
}

impl Column {
    /// Whether this column's values are all of a row's bytes, in order.
    pub(crate) fn is_whole_row(&self, row_bytes: usize) -> bool {
        self.base == 0
            && self.per_row() * self.elem.size == row_bytes
            && (self.outer <= 1 || self.outer_stride == self.inner * self.elem.size)
    }

    /// Values of this column in one row.
    pub(crate) fn per_row(&self) -> usize {
        self.outer * self.inner
    }

    /// The Arrow field of this column.
    pub(crate) fn field(&self) -> Field {
        let item = self.elem.data_type();
        if self.dims.is_empty() {
            return Field::new(&self.name, item, false);
        }
        let shape: Vec<String> = self.dims.iter().map(u64::to_string).collect();
        // `columns` checked that the per-row count fits an i32.
        let size = i32::try_from(self.per_row()).unwrap_or(i32::MAX);
        Field::new(
            &self.name,
            DataType::FixedSizeList(Arc::new(Field::new("item", item, false)), size),
            false,
        )
        .with_metadata(HashMap::from([(
            SHAPE_KEY.to_string(),
            format!("[{}]", shape.join(", ")),
        )]))
    }
}

/// The columns of an array of `dtype` and `shape`, and the bytes of one row; `Err` holds
/// why it cannot be read (for an `Unsupported` error).
pub(crate) fn columns(dtype: &Dtype, shape: &[u64]) -> Result<(Vec<Column>, usize), String> {
    let row_dims = shape.get(1..).unwrap_or(&[]);
    let outer = product(row_dims)
        .and_then(|n| usize::try_from(n).ok())
        .ok_or("the shape is too large")?;
    let row_bytes = outer
        .checked_mul(dtype.itemsize)
        .ok_or("one row is too large")?;
    let mut out = Vec::with_capacity(dtype.fields.len());
    for f in &dtype.fields {
        let inner = product(&f.shape)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or("a field shape is too large")?;
        let per_row = outer.checked_mul(inner).ok_or("one row is too large")?;
        if !row_dims.is_empty() || !f.shape.is_empty() {
            i32::try_from(per_row).map_err(|_| {
                format!(
                    "a row of {per_row} values is more than an Arrow fixed-size list holds \
                     ({})",
                    i32::MAX
                )
            })?;
        }
        let mut dims = row_dims.to_vec();
        dims.extend_from_slice(&f.shape);
        out.push(Column {
            name: f.name.clone(),
            elem: f.elem,
            base: f.offset,
            outer,
            outer_stride: dtype.itemsize,
            inner,
            dims,
        });
    }
    Ok((out, row_bytes))
}

/// The Arrow schema of `columns`.
pub(crate) fn schema(columns: &[Column]) -> Schema {
    Schema::new(columns.iter().map(Column::field).collect::<Vec<_>>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_strings() {
        let e = parse_typestr("<f8").unwrap();
        assert_eq!((e.kind, e.size, e.swap), (Kind::Float, 8, false));
        let e = parse_typestr(">i4").unwrap();
        assert_eq!((e.kind, e.size, e.swap), (Kind::Int, 4, true));
        let e = parse_typestr("|b1").unwrap();
        assert_eq!((e.kind, e.size, e.swap), (Kind::Bool, 1, false));
        let e = parse_typestr("<U3").unwrap();
        assert_eq!((e.kind, e.size), (Kind::Unicode, 12));
        assert!(
            matches!(parse_typestr("|O"), Err(DescrError::Unsupported(m)) if m.contains("never unpickles"))
        );
        assert!(
            matches!(parse_typestr("<c16"), Err(DescrError::Unsupported(m)) if m.contains("complex"))
        );
        assert!(matches!(
            parse_typestr("<M8[ns]"),
            Err(DescrError::Unsupported(_))
        ));
        assert!(matches!(
            parse_typestr("<i3"),
            Err(DescrError::Malformed(_))
        ));
        assert!(matches!(parse_typestr(""), Err(DescrError::Malformed(_))));
    }

    #[test]
    fn structured_with_padding_and_subarrays() {
        let descr = Literal::List(vec![
            Literal::Tuple(vec![Literal::Str("a".into()), Literal::Str("<i4".into())]),
            Literal::Tuple(vec![Literal::Str("".into()), Literal::Str("|V4".into())]),
            Literal::Tuple(vec![
                Literal::Str("b".into()),
                Literal::Str("<f8".into()),
                Literal::Tuple(vec![Literal::Int(3)]),
            ]),
        ]);
        let d = Dtype::from_descr(&descr).unwrap();
        assert_eq!(d.itemsize, 4 + 4 + 24);
        assert_eq!(d.fields[1].offset, 8);
        let (cols, row) = columns(&d, &[5, 2]).unwrap();
        assert_eq!(row, 64);
        assert_eq!(cols[1].per_row(), 6);
        assert_eq!(cols[1].dims, [2, 3]);
        assert_eq!(
            cols[1]
                .field()
                .metadata()
                .get(SHAPE_KEY)
                .map(String::as_str),
            Some("[2, 3]")
        );
    }
}
