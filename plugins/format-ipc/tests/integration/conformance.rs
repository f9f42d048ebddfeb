//! The decoder conformance suite on a file and a stream written by pyarrow.

use sluice_core::conformance::check_decoder;
use sluice_format_ipc::IpcDecoder;

use crate::fixture;

#[test]
fn the_file_format_passes_the_conformance_suite() {
    check_decoder(&IpcDecoder, "sample.arrow", &fixture("file_plain.arrow"));
}

#[test]
fn the_lz4_feather_format_passes_the_conformance_suite() {
    check_decoder(
        &IpcDecoder,
        "sample.feather",
        &fixture("feather_lz4.feather"),
    );
}

#[test]
fn the_stream_format_passes_the_conformance_suite() {
    check_decoder(&IpcDecoder, "sample.arrow", &fixture("stream.arrows"));
}
