//! The core conformance suite on numpy-written samples.

use sluice_format_npy::NpyDecoder;

use crate::fixture;

#[test]
fn structured_sample_conforms() {
    sluice_core::conformance::check_decoder(&NpyDecoder, "sample.npy", &fixture("structured.npy"));
}

#[test]
fn matrix_sample_conforms() {
    sluice_core::conformance::check_decoder(&NpyDecoder, "sample.npy", &fixture("matrix_f4.npy"));
}

#[test]
fn fortran_and_unicode_samples_conform() {
    for name in ["matrix_fortran_i8.npy", "strings.npy", "v3.npy"] {
        sluice_core::conformance::check_decoder(&NpyDecoder, "sample.npy", &fixture(name));
    }
}
