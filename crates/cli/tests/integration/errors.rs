//! Failures: `sluice: <message>` on standard error naming the file (and line), exit
//! status 1; usage errors exit with 2; never a panic.

use crate::{SCORES_CSV, sluice, write};

#[test]
fn unknown_column_lists_the_available_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "scores.csv", SCORES_CSV.as_bytes());
    let run = sluice(dir.path(), &["cat", "--columns", "id,nope", "scores.csv"]);
    let err = run.failed();
    assert!(err.starts_with("sluice: unknown column \"nope\""), "{err}");
    assert!(
        err.contains("available columns: id, name, score, day"),
        "{err}"
    );
    assert_eq!(run.stdout, "");
}

#[test]
fn a_missing_file_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "scores.csv", SCORES_CSV.as_bytes());
    for command in ["cat", "count", "schema", "ls", "head"] {
        let run = sluice(dir.path(), &[command, "scores.csv", "missing.csv"]);
        let err = run.failed();
        assert!(err.contains("missing.csv"), "{command}: {err}");
        assert_eq!(run.stdout, "", "{command}");
    }
}

#[test]
fn a_glob_matching_nothing_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = sluice(dir.path(), &["count", "nothing/*.csv"]);
    assert!(run.failed().contains("nothing/*.csv"), "{run:?}");
}

#[test]
fn a_bad_json_line_names_the_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "bad.jsonl",
        b"{\"v\":1}\n{\"v\":2}\n{\"v\":3,,}\n{\"v\":4}\n",
    );
    for command in ["cat", "count"] {
        let run = sluice(dir.path(), &[command, "bad.jsonl"]);
        let err = run.failed();
        assert!(err.contains("bad.jsonl line 3"), "{command}: {err}");
    }
}

#[test]
fn a_bad_json_line_after_inference_still_names_the_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::new();
    for i in 0..50 {
        text.push_str(&format!("{{\"v\":{i}}}\n"));
    }
    text.push_str("{\"v\": oops}\n");
    write(dir.path(), "late.jsonl", text.as_bytes());
    let run = sluice(dir.path(), &["cat", "--infer-rows", "10", "late.jsonl"]);
    let err = run.failed();
    assert!(err.contains("late.jsonl line 51"), "{err}");
}

#[test]
fn a_bad_option_is_explained() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "scores.csv", SCORES_CSV.as_bytes());
    let run = sluice(dir.path(), &["cat", "--format", "nope", "scores.csv"]);
    assert!(run.failed().contains("unknown format \"nope\""), "{run:?}");
    let run = sluice(dir.path(), &["cat", "--compression", "lzma", "scores.csv"]);
    assert!(
        run.failed().contains("unknown compression \"lzma\""),
        "{run:?}"
    );
    let run = sluice(dir.path(), &["cat", "--batch-size", "0", "scores.csv"]);
    assert!(run.failed().contains("batch_size"), "{run:?}");
}

#[test]
fn usage_errors_exit_with_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    for args in [
        &["cat"][..],
        &["frobnicate"],
        &["cat", "--limit", "many", "a.csv"],
        &["cat", "--output", "xml", "a.csv"],
        &["cat", "--option", "novalue", "a.csv"],
        &[],
    ] {
        let run = sluice(dir.path(), args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert_eq!(run.stdout, "", "{args:?}");
    }
}

#[test]
fn help_and_version_succeed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = sluice(dir.path(), &["--help"]);
    assert!(run.ok().contains("cat"), "{run:?}");
    let run = sluice(dir.path(), &["--version"]);
    assert_eq!(
        run.ok(),
        concat!("sluice ", env!("CARGO_PKG_VERSION"), "\n")
    );
}

#[test]
fn csv_output_refuses_nested_columns_before_writing() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.jsonl", b"{\"id\":1,\"tags\":[\"a\"]}\n");
    let run = sluice(dir.path(), &["cat", "--output", "csv", "a.jsonl"]);
    assert_eq!(
        run.failed(),
        "sluice: cannot write column \"tags\" of type List(Utf8) as CSV, which has no \
         nested values; use --output jsonl, or --columns to leave it out\n"
    );
    assert_eq!(run.stdout, "");
    let run = sluice(
        dir.path(),
        &["cat", "--output", "csv", "--columns", "id", "a.jsonl"],
    );
    assert_eq!(run.ok(), "id\n1\n");
}

#[test]
fn a_column_named_twice_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "scores.csv", SCORES_CSV.as_bytes());
    let run = sluice(
        dir.path(),
        &["cat", "--columns", "id,name,id", "scores.csv"],
    );
    assert_eq!(
        run.failed(),
        "sluice: column \"id\" is named twice in --columns\n"
    );
}

#[test]
fn a_panic_caught_inside_a_reader_is_a_clean_error() {
    // One byte of a pyarrow-written IPC file zeroed makes arrow-ipc panic on an assertion;
    // sluice catches it, and the tool's panic hook must not end the process first.
    let dir = tempfile::tempdir().expect("tempdir");
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/ipc/file_zstd.arrow"
    );
    let mut data = std::fs::read(fixture).expect("fixture");
    data[2230] = 0;
    write(dir.path(), "bad.arrow", &data);
    for threads in ["1", "2"] {
        let run = sluice(dir.path(), &["cat", "--threads", threads, "bad.arrow"]);
        assert_eq!(
            run.failed(),
            "sluice: invalid Arrow IPC at bad.arrow byte offset 2168: corrupt data: assertion \
             failed: prefix.is_empty() && suffix.is_empty()\n"
        );
    }
}
