//! Bad inputs: each a typed error naming the file, never a panic or a huge allocation.

use sluice_core::{Decoder, ErrorKind, ScanOptions};
use sluice_format_npy::NpyDecoder;

use crate::{decode_input, error, fixture, gz_input, gzip, npy};

#[test]
fn empty_file() {
    let err = error("data/e.npy", b"");
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert_eq!(
        err.to_string(),
        "invalid NumPy at data/e.npy byte offset 0: the file is empty; a .npy file starts \
         with the magic \\x93NUMPY"
    );
}

#[test]
fn wrong_magic() {
    let err = error("data/w.npy", b"PK\x03\x04 not numpy at all");
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert_eq!(
        err.to_string(),
        "invalid NumPy at data/w.npy byte offset 0: expected the magic \\x93NUMPY, found \"PK\\x03\\x04 n\""
    );
}

#[test]
fn truncated_header() {
    let file = fixture("int_i4.npy");
    for cut in [3, 7, 9, 40] {
        let err = error("data/t.npy", &file[..cut]);
        assert_eq!(err.kind(), ErrorKind::Parse, "{cut}: {err}");
        assert!(
            err.to_string()
                .starts_with("invalid NumPy at data/t.npy byte offset"),
            "{err}"
        );
    }
    let err = error("data/t.npy", &file[..40]);
    assert!(
        err.to_string()
            .ends_with("the file ends inside the header: expected 118 header bytes, found 30"),
        "{err}"
    );
}

#[test]
fn malformed_header_dict() {
    let err = error("m.npy", npy("{'descr': '<f8', 'shape': (3,), }", &[0; 24]));
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert!(
        err.to_string()
            .starts_with("invalid NumPy at m.npy byte offset"),
        "{err}"
    );
    assert!(
        err.to_string()
            .ends_with("the key 'fortran_order' is missing"),
        "{err}"
    );

    let err = error(
        "m.npy",
        npy(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3,) ",
            &[0; 24],
        ),
    );
    assert!(
        err.to_string()
            .ends_with("expected ',' or '}', found the end of the header"),
        "{err}"
    );

    let err = error(
        "m.npy",
        npy(
            "{'descr': 'float64', 'fortran_order': False, 'shape': (3,)}",
            &[0; 24],
        ),
    );
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert!(
        err.to_string()
            .contains("\"float64\" is not a NumPy type string"),
        "{err}"
    );
}

#[test]
fn truncated_data_names_the_row() {
    let mut file = fixture("int_i4.npy");
    file.truncate(file.len() - 3);
    let err = error("data/t.npy", &file);
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert_eq!(
        err.to_string(),
        "invalid NumPy at data/t.npy record 5: the data ends inside row 5 of 5: the header \
         promises 5 rows of 4 bytes after its 128 bytes, but only 17 bytes of data follow"
    );
    // Compressed, the size is unknown: the stream finds it, after the rows before it.
    let batches: Vec<_> = NpyDecoder
        .open(
            &gz_input("t.npy.gz", gzip(&file)),
            &ScanOptions::new().with_batch_size(2),
        )
        .unwrap()
        .collect();
    assert_eq!(batches.len(), 3);
    assert_eq!(batches[1].as_ref().unwrap().num_rows(), 2);
    let err = batches[2].as_ref().unwrap_err();
    assert!(
        err.to_string()
            .starts_with("invalid NumPy at t.npy.gz record 5: "),
        "{err}"
    );
}

#[test]
fn object_arrays_are_never_unpickled() {
    let err = error(
        "o.npy",
        npy(
            "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }",
            b"\x80\x04junk",
        ),
    );
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(
        err.to_string()
            .starts_with("o.npy: the dtype \"|O\" is an object array"),
        "{err}"
    );
    assert!(err.to_string().contains("never unpickles"), "{err}");
}

#[test]
fn unsupported_dtypes_and_versions() {
    let err = error(
        "c.npy",
        npy(
            "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }",
            &[0; 16],
        ),
    );
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(
        err.to_string().contains("(complex) is not supported"),
        "{err}"
    );
    let mut file = fixture("int_i4.npy");
    file[6] = 4;
    let err = error("v.npy", &file);
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert_eq!(
        err.to_string(),
        "v.npy: NumPy format version 4.0 is not supported; this reader knows versions 1.0, 2.0 and 3.0"
    );
}

#[test]
fn huge_shapes_do_not_allocate() {
    let huge = npy(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000000, 1000000), }",
        &[0; 64],
    );
    let err = error("h.npy", &huge);
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert!(err.to_string().contains("larger than any file"), "{err}");

    // Fits u64, but not the file: refused before reading, and compressed (size unknown)
    // the batch buffer only grows as data arrives.
    let big = npy(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000, 1000), }",
        &[0; 64],
    );
    let err = error("b.npy", &big);
    assert!(
        err.to_string()
            .starts_with("invalid NumPy at b.npy record 1: "),
        "{err}"
    );
    let err = decode_input(&gz_input("b.npy.gz", gzip(&big)), &ScanOptions::new()).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("invalid NumPy at b.npy.gz record 1: "),
        "{err}"
    );
}

#[test]
fn fortran_arrays_over_the_cap_are_refused() {
    let big = npy(
        "{'descr': '<f8', 'fortran_order': True, 'shape': (100000, 100000), }",
        &[0; 64],
    );
    let err = decode_input(&gz_input("f.npy.gz", gzip(&big)), &ScanOptions::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(
        err.to_string()
            .starts_with("f.npy.gz: the array is in Fortran order"),
        "{err}"
    );
    // Under the cap but cut short: the row whose values ran out.
    let mut file = fixture("matrix_fortran_i8.npy");
    file.truncate(file.len() - 8);
    let err = decode_input(&gz_input("f.npy.gz", gzip(&file)), &ScanOptions::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert!(
        err.to_string()
            .starts_with("invalid NumPy at f.npy.gz record 4: "),
        "{err}"
    );
}
