//! Bad inputs: typed errors naming the file, never a panic.

use std::sync::Arc;

use sluice_core::{Decoder, ErrorKind, ScanOptions, ZstdCodec};
use sluice_format_ipc::IpcDecoder;

use crate::{compressed_input, decode_input, error, fixture};

#[test]
fn an_empty_file_is_a_parse_error_naming_it() {
    let err = error("data/zero.arrow", Vec::new());
    assert_eq!(err.kind(), ErrorKind::Parse, "{err}");
    assert_eq!(
        err.to_string(),
        "invalid Arrow IPC at data/zero.arrow: the file is empty (0 bytes); an Arrow IPC file \
         or stream has at least a schema"
    );
}

#[test]
fn wrong_magic_and_csv_content_are_parse_errors_naming_the_file() {
    let err = error("data/x.arrow", b"PAR1\0\0\0\0PAR1".to_vec());
    assert_eq!(err.kind(), ErrorKind::Parse, "{err}");
    assert!(err.to_string().contains("data/x.arrow"), "{err}");
    assert!(err.to_string().contains("50 41 52 31"), "{err}");
    let err = error("data/really.arrow", b"id,name\n1,ada\n2,grace\n".to_vec());
    assert_eq!(err.kind(), ErrorKind::Parse, "{err}");
    assert!(
        err.to_string()
            .starts_with("invalid Arrow IPC at data/really.arrow"),
        "{err}"
    );
}

#[test]
fn a_truncated_file_or_footer_is_a_parse_error_naming_it() {
    let data = fixture("file_plain.arrow");
    for cut in [
        7,
        9,
        100,
        data.len() / 2,
        data.len() - 11,
        data.len() - 4,
        data.len() - 1,
    ] {
        let err = error("t.arrow", data[..cut].to_vec());
        assert_eq!(err.kind(), ErrorKind::Parse, "cut {cut}: {err}");
        assert!(err.to_string().contains("t.arrow"), "{err}");
    }
    // The trailing magic intact, the footer length pointing past the start.
    let mut bad = data.clone();
    let n = bad.len();
    bad[n - 10..n - 6].copy_from_slice(&(n as i32).to_le_bytes());
    let err = error("f.arrow", bad);
    assert_eq!(err.kind(), ErrorKind::Parse, "{err}");
    assert!(err.to_string().contains("footer length"), "{err}");
}

#[test]
fn a_truncated_stream_is_a_parse_error_naming_it() {
    let data = fixture("stream.arrows");
    for cut in [6, 40, data.len() / 2, data.len() - 20] {
        let err = error("t.arrows", data[..cut].to_vec());
        assert_eq!(err.kind(), ErrorKind::Parse, "cut {cut}: {err}");
        assert!(err.to_string().contains("t.arrows"), "{err}");
    }
}

#[test]
fn corrupt_bodies_fail_cleanly() {
    for name in [
        "file_plain.arrow",
        "nested.arrow",
        "stream.arrows",
        "feather_lz4.feather",
    ] {
        let data = fixture(name);
        let mut failures = 0;
        for at in (8..data.len() - 10).step_by(3) {
            let mut bad = data.clone();
            bad[at] = bad[at].wrapping_add(0x55);
            let inp = crate::input("c.arrow", bad);
            if let Err(e) = decode_input(&inp, &ScanOptions::new()) {
                assert!(e.to_string().contains("c.arrow"), "{name} at {at}: {e}");
                failures += 1;
            }
            let _ = IpcDecoder.count_rows(&inp, &ScanOptions::new());
        }
        assert!(failures > 0, "{name}: no corruption was noticed");
    }
}

#[test]
fn feather_v1_is_unsupported_with_conversion_advice() {
    let err = error("old.feather", fixture("feather_v1.feather"));
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    let msg = err.to_string();
    assert!(
        msg.starts_with("old.feather: this is a Feather v1 file"),
        "{msg}"
    );
    assert!(msg.contains("version=2"), "{msg}");
}

#[test]
fn a_compressed_ipc_file_is_unsupported_saying_how_to_fix_it() {
    let zst = zstd::encode_all(&fixture("file_plain.arrow")[..], 3).unwrap();
    let inp = compressed_input("x.arrow.zst", zst, Arc::new(ZstdCodec));
    let err = decode_input(&inp, &ScanOptions::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    let msg = err.to_string();
    assert!(
        msg.starts_with("x.arrow.zst: this is an Arrow IPC *file*"),
        "{msg}"
    );
    assert!(
        msg.contains("zstd-compressed") && msg.contains("decompress it first"),
        "{msg}"
    );
    let count = IpcDecoder.count_rows(&inp, &ScanOptions::new()).unwrap();
    assert_eq!(count.unwrap_err().kind(), ErrorKind::Unsupported);
}

#[test]
fn an_unknown_projected_column_is_named() {
    for name in ["file_plain.arrow", "stream.arrows"] {
        let opts = ScanOptions::new().with_projection(["id", "nope"]);
        let err = crate::decode(name, &opts).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnknownColumn, "{err}");
        assert!(
            err.to_string().contains("\"nope\" in ") && err.to_string().contains(name),
            "{err}"
        );
    }
}

#[test]
fn a_compressed_ipc_file_reads_when_buffering_is_allowed_up_to_the_cap() {
    let raw = fixture("file_plain.arrow");
    let zst = zstd::encode_all(&raw[..], 3).unwrap();
    let inp = compressed_input("x.arrow.zst", zst, Arc::new(ZstdCodec));
    let opts = ScanOptions::new().with_buffer_compressed_bytes(raw.len());
    let batches = decode_input(&inp, &opts).unwrap();
    assert_eq!(crate::sizes(&batches), [5, 5, 2]);
    assert_eq!(IpcDecoder.count_rows(&inp, &opts).unwrap().unwrap(), 12);
    let small = ScanOptions::new().with_buffer_compressed_bytes(raw.len() - 1);
    let err = decode_input(&inp, &small).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    assert!(err.to_string().contains("more than the"), "{err}");
}

#[test]
fn a_scan_of_an_arrow_file_that_is_really_csv_is_a_format_mismatch_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("really.arrow");
    std::fs::write(&path, "id,name\n1,ada\n").unwrap();
    let path = path.to_str().unwrap();
    let err = sluice_core::Scan::new([path]).reader().err().unwrap();
    assert_eq!(err.kind(), ErrorKind::FormatMismatch, "{err}");
    assert!(err.to_string().starts_with(path), "{err}");
    assert!(
        err.to_string().contains("the extension says arrow"),
        "{err}"
    );
}

#[test]
fn an_error_in_a_later_batch_comes_after_the_earlier_rows_whatever_the_threads() {
    // Corrupt the last record batch's header: the footer's last block offset.
    let data = fixture("many_batches.ipc");
    let file = sluice_core::DecodeInput::new(
        Arc::new(sluice_core::MemorySource::new("m.ipc", data.clone())),
        None,
    );
    let all = decode_input(&file, &ScanOptions::new().with_threads(1)).unwrap();
    assert_eq!(all.len(), 9);
    // The last batch starts after the first 8; find its header by its continuation marker.
    let mut starts: Vec<usize> = data
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == [0xff; 4])
        .map(|(i, _)| i)
        .collect();
    starts.retain(|&i| i > 8);
    let mut bad = data.clone();
    let last = starts[starts.len() - 2]; // the final marker ends the stream part
    for b in &mut bad[last + 8..last + 40] {
        *b = 0x7f;
    }
    for threads in [1, 4] {
        let opts = ScanOptions::new().with_threads(threads);
        let got: Vec<_> = IpcDecoder
            .open(&crate::input("m.ipc", bad.clone()), &opts)
            .unwrap()
            .collect();
        let ok = got.iter().take_while(|r| r.is_ok()).count();
        let err = got[ok].as_ref().unwrap_err();
        assert!(err.to_string().contains("m.ipc"), "{err}");
        assert_eq!(ok, 8, "threads {threads}: {err}");
    }
}
