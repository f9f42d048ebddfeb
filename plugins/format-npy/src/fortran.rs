//! Fortran-order arrays: read whole (under a cap) and transposed to C order.
//!
//! In Fortran (column-major) order the first index varies fastest, so the values of one
//! row are spread across the whole data section: row `i` of a `(n, d)` array is elements
//! `i, n + i, 2n + i, …`. Streaming them row by row would need random access to the whole
//! file, so such arrays are read into memory when they fit under [`FORTRAN_CAP`].

use std::io::Read;

use sluice_core::{Error, Position, Result};

use crate::header::{FORMAT, Header};

/// The largest Fortran-order array (in data bytes) read into memory for transposition.
pub const FORTRAN_CAP: u64 = 1 << 30;

/// Whether the data of `header` must be transposed: Fortran order with more than one
/// dimension longer than 1 (otherwise both orders lay the values out the same way).
pub(crate) fn needs_transpose(header: &Header) -> bool {
    header.fortran_order && header.shape.iter().filter(|&&d| d > 1).count() > 1
}

/// Reads the whole data section of a Fortran-order array from `reader` and returns it in
/// C order. `data_bytes` is the checked product of the shape and the item size.
pub(crate) fn read_as_c_order(
    reader: &mut dyn Read,
    header: &Header,
    data_bytes: u64,
    location: &str,
) -> Result<Vec<u8>> {
    let itemsize = header.dtype.itemsize;
    if data_bytes > FORTRAN_CAP {
        return Err(Error::Unsupported {
            location: location.to_string(),
            message: format!(
                "the array is in Fortran order, whose rows are spread across the whole file, \
                 so sluice reads it into memory, up to {FORTRAN_CAP} bytes; this one holds \
                 {data_bytes} bytes. Save it in C order (np.ascontiguousarray) to stream it"
            ),
        });
    }
    // Under the cap, so it fits a usize on 64-bit targets; elsewhere, refuse.
    let total = usize::try_from(data_bytes).map_err(|_| Error::Unsupported {
        location: location.to_string(),
        message: "the Fortran-order array does not fit in memory".to_string(),
    })?;
    let mut src = Vec::with_capacity(total.min(64 << 20));
    reader
        .take(data_bytes)
        .read_to_end(&mut src)
        .map_err(|e| Error::from_io(location.to_string(), e))?;
    let rows = header.rows();
    if src.len() < total {
        // Values are column-major: the first incomplete row is the one the next value
        // would have belonged to.
        let row = (src.len() / itemsize.max(1)) as u64 % rows.max(1) + 1;
        return Err(Error::parse(
            FORMAT,
            location,
            Position::record(row),
            format!(
                "the data ends inside row {row} of {rows}: the Fortran-order array needs \
                 {total} bytes of data after the {}-byte header, but only {} follow",
                header.data_offset,
                src.len()
            ),
        ));
    }
    Ok(transpose(&src, &header.shape, itemsize))
}

/// Reorders the column-major `src` (items of `itemsize` bytes, array `shape`) into
/// row-major order.
fn transpose(src: &[u8], shape: &[u64], itemsize: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(src.len());
    if src.is_empty() || itemsize == 0 {
        return src.to_vec();
    }
    let dims: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
    // Byte stride of each dimension in Fortran order.
    let mut strides = Vec::with_capacity(dims.len());
    let mut s = itemsize;
    for &d in &dims {
        strides.push(s);
        s *= d;
    }
    let mut index = vec![0usize; dims.len()];
    let mut offset = 0usize;
    let items = src.len() / itemsize;
    for _ in 0..items {
        out.extend_from_slice(&src[offset..offset + itemsize]);
        // Advance the C-order odometer: the last index fastest.
        for k in (0..dims.len()).rev() {
            index[k] += 1;
            offset += strides[k];
            if index[k] < dims[k] {
                break;
            }
            offset -= strides[k] * dims[k];
            index[k] = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transposes_2d_and_3d() {
        // A (2, 3) array 0..6 in C order is [0 1 2; 3 4 5]; Fortran order stores it as
        // 0 3 1 4 2 5.
        assert_eq!(
            transpose(&[0, 3, 1, 4, 2, 5], &[2, 3], 1),
            [0, 1, 2, 3, 4, 5]
        );
        // (2, 2, 2): C index i*4 + j*2 + k lives at Fortran index i + 2j + 4k.
        let c: Vec<u8> = (0..8).collect();
        let mut f = vec![0u8; 8];
        for i in 0..2 {
            for j in 0..2 {
                for k in 0..2 {
                    f[i + 2 * j + 4 * k] = c[i * 4 + j * 2 + k];
                }
            }
        }
        assert_eq!(transpose(&f, &[2, 2, 2], 1), c);
        // Items wider than a byte move whole.
        assert_eq!(
            transpose(&[0, 0, 2, 2, 1, 1, 3, 3], &[2, 2], 2),
            [0, 0, 1, 1, 2, 2, 3, 3]
        );
    }
}
