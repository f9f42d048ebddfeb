//! HuggingFace `save_to_disk` folders read through the scan: shards in `state.json` order,
//! the JSON metadata files never decoded.

use arrow_array::cast::AsArray;
use sluice_core::{ErrorKind, Scan, ScanOptions};

use crate::fixture_path;

fn texts(dir: &str) -> Vec<String> {
    let mut reader = Scan::new([dir])
        .with_options(ScanOptions::new().with_batch_size(4))
        .reader()
        .unwrap();
    let mut out = Vec::new();
    while let Some(b) = reader.next_batch().unwrap() {
        let col = b.column_by_name("text").unwrap().as_string::<i32>();
        out.extend(col.iter().map(|s| s.unwrap().to_string()));
    }
    out
}

/// A copy of the fixture folder in a temporary directory.
fn copy_folder() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_into(tmp.path());
    tmp
}

fn copy_into(dir: &std::path::Path) {
    std::fs::create_dir_all(dir).unwrap();
    for entry in std::fs::read_dir(fixture_path("hf_dataset")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
    }
}

fn write_state(dir: &std::path::Path, files: &[&str]) {
    let list: Vec<String> = files
        .iter()
        .map(|f| format!("{{\"filename\": \"{f}\"}}"))
        .collect();
    let state = format!(
        "{{\"_data_files\": [{}], \"_split\": null}}",
        list.join(", ")
    );
    std::fs::write(dir.join("state.json"), state).unwrap();
}

#[test]
fn a_saved_dataset_reads_as_its_shards_in_order() {
    let dir = fixture_path("hf_dataset");
    let dir = dir.to_str().unwrap();
    let files = Scan::new([dir]).files().unwrap();
    let names: Vec<&str> = files.iter().map(|f| f.meta.location.file_name()).collect();
    assert_eq!(
        names,
        ["data-00000-of-00002.arrow", "data-00001-of-00002.arrow"]
    );
    assert!(files.iter().all(|f| f.decoder.name() == "arrow"));
    let mut want: Vec<String> = (0..5).map(|i| format!("first {i}")).collect();
    want.extend((0..4).map(|i| format!("second {i}")));
    assert_eq!(texts(dir), want);
    assert_eq!(Scan::new([dir]).count_rows().unwrap(), 9);
}

#[test]
fn shard_order_is_the_order_state_json_lists_not_the_sorted_one() {
    let tmp = copy_folder();
    write_state(
        tmp.path(),
        &["data-00001-of-00002.arrow", "data-00000-of-00002.arrow"],
    );
    let got = texts(tmp.path().to_str().unwrap());
    assert_eq!(got[0], "second 0");
    assert_eq!(got[4], "first 0");
    assert_eq!(got.len(), 9);
    // Only the listed shards are read.
    write_state(tmp.path(), &["data-00001-of-00002.arrow"]);
    assert_eq!(texts(tmp.path().to_str().unwrap()).len(), 4);
}

#[test]
fn a_missing_shard_is_not_found_naming_the_folder() {
    let tmp = copy_folder();
    write_state(
        tmp.path(),
        &["data-00000-of-00002.arrow", "data-00009-of-00010.arrow"],
    );
    let dir = tmp.path().to_str().unwrap();
    let err = Scan::new([dir]).files().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains(dir) && msg.contains("data-00009-of-00010.arrow"),
        "{msg}"
    );
}

#[test]
fn a_broken_state_json_is_a_parse_error_naming_it() {
    let tmp = copy_folder();
    std::fs::write(tmp.path().join("state.json"), "{\"_data_files\": [").unwrap();
    let err = Scan::new([tmp.path().to_str().unwrap()])
        .files()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Parse, "{err}");
    assert!(err.to_string().contains("state.json"), "{err}");
}

#[test]
fn a_saved_dataset_dict_reads_its_splits_in_the_listed_order() {
    let tmp = tempfile::tempdir().unwrap();
    copy_into(&tmp.path().join("train"));
    copy_into(&tmp.path().join("test"));
    write_state(
        &tmp.path().join("test"),
        &["data-00001-of-00002.arrow", "data-00000-of-00002.arrow"],
    );
    std::fs::write(
        tmp.path().join("dataset_dict.json"),
        "{\"splits\": [\"train\", \"test\"]}",
    )
    .unwrap();
    let got = texts(tmp.path().to_str().unwrap());
    assert_eq!(got.len(), 18);
    assert_eq!((got[0].as_str(), got[8].as_str()), ("first 0", "second 3"));
    assert_eq!((got[9].as_str(), got[13].as_str()), ("second 0", "first 0"));

    std::fs::write(
        tmp.path().join("dataset_dict.json"),
        "{\"splits\": [\"train\", \"validation\"]}",
    )
    .unwrap();
    let err = Scan::new([tmp.path().to_str().unwrap()])
        .files()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert!(err.to_string().contains("\"validation\""), "{err}");
}
