//! `sluice cat`: every row, JSON Lines by default when piped.

use crate::{PEOPLE_JSONL, SCORES_CSV, gzip, sluice, sluice_with_stdin, write, zstd};

#[test]
fn jsonl_input_prints_every_column_with_nesting_nulls_and_exact_integers() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "people.jsonl", PEOPLE_JSONL.as_bytes());
    let run = sluice(dir.path(), &["cat", "people.jsonl"]);
    assert_eq!(
        run.ok(),
        concat!(
            r#"{"id":1,"user":{"name":"ada","tags":["x","y"]},"big":9007199254740993,"u":18446744073709551615,"score":1.5}"#,
            "\n",
            r#"{"id":2,"user":null,"big":null,"u":1,"score":null}"#,
            "\n",
            r#"{"id":3,"user":{"name":null,"tags":[]},"big":-5,"u":2,"score":2.0}"#,
            "\n",
        )
    );
}

#[test]
fn csv_input_prints_nulls_dates_and_nan_as_null() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "scores.csv", SCORES_CSV.as_bytes());
    let run = sluice(dir.path(), &["cat", "scores.csv"]);
    assert_eq!(
        run.ok(),
        concat!(
            r#"{"id":1,"name":"ada","score":1.5,"day":"2024-01-02"}"#,
            "\n",
            r#"{"id":2,"name":null,"score":null,"day":null}"#,
            "\n",
            r#"{"id":3,"name":"grace, h","score":-0.25,"day":"2024-03-04"}"#,
            "\n",
        )
    );
}

#[test]
fn columns_come_in_the_order_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "scores.csv", SCORES_CSV.as_bytes());
    let run = sluice(dir.path(), &["cat", "--columns", "score,id", "scores.csv"]);
    assert_eq!(
        run.ok(),
        "{\"score\":1.5,\"id\":1}\n{\"score\":null,\"id\":2}\n{\"score\":-0.25,\"id\":3}\n"
    );
}

#[test]
fn limit_stops_early_across_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.csv", b"n\n1\n2\n");
    write(dir.path(), "b.csv", b"n\n3\n4\n");
    let run = sluice(
        dir.path(),
        &["cat", "--limit", "3", "--batch-size", "1", "a.csv", "b.csv"],
    );
    assert_eq!(run.ok(), "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");
}

#[test]
fn csv_output_has_a_header() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "scores.csv", SCORES_CSV.as_bytes());
    let run = sluice(
        dir.path(),
        &[
            "cat",
            "--output",
            "csv",
            "--columns",
            "id,name",
            "scores.csv",
        ],
    );
    assert_eq!(run.ok(), "id,name\n1,ada\n2,\n3,\"grace, h\"\n");
}

#[test]
fn csv_output_of_no_rows_is_the_header() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "scores.csv", SCORES_CSV.as_bytes());
    let run = sluice(
        dir.path(),
        &["cat", "--output", "csv", "--limit", "0", "scores.csv"],
    );
    assert_eq!(run.ok(), "id,name,score,day\n");
}

#[test]
fn table_output_is_aligned() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.csv", b"id,name\n1,ada\n22,\n");
    let run = sluice(dir.path(), &["cat", "--output", "table", "a.csv"]);
    assert_eq!(
        run.ok(),
        "+----+------+\n\
         | id | name |\n\
         +----+------+\n\
         | 1  | ada  |\n\
         | 22 |      |\n\
         +----+------+\n"
    );
}

#[test]
fn compressed_files_are_read_by_extension() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.jsonl.gz", &gzip(b"{\"v\":1}\n{\"v\":2}\n"));
    write(dir.path(), "b.jsonl.zst", &zstd(b"{\"v\":3}\n"));
    let run = sluice(dir.path(), &["cat", "a.jsonl.gz", "b.jsonl.zst"]);
    assert_eq!(run.ok(), "{\"v\":1}\n{\"v\":2}\n{\"v\":3}\n");
}

#[test]
fn format_and_options_override_the_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "rows.dat", b"a;b\n1;x\n");
    let run = sluice(
        dir.path(),
        &[
            "cat",
            "--format",
            "csv",
            "--option",
            "delimiter=;",
            "rows.dat",
        ],
    );
    assert_eq!(run.ok(), "{\"a\":1,\"b\":\"x\"}\n");
}

#[test]
fn standard_input_is_read_from_dash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = sluice_with_stdin(
        dir.path(),
        &["cat", "--format", "jsonl", "-"],
        b"{\"v\":true}\n{\"v\":false}\n",
    );
    assert_eq!(run.ok(), "{\"v\":true}\n{\"v\":false}\n");
}

#[test]
fn many_batches_print_in_file_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut expected = String::new();
    for f in 0..4 {
        let mut csv = String::from("id\n");
        for i in f * 1000..(f + 1) * 1000 {
            csv.push_str(&format!("{i}\n"));
            expected.push_str(&format!("{{\"id\":{i}}}\n"));
        }
        write(dir.path(), &format!("part-{f}.csv"), csv.as_bytes());
    }
    let run = sluice(
        dir.path(),
        &["cat", "--threads", "3", "--batch-size", "77", "part-*.csv"],
    );
    assert_eq!(run.ok(), expected);
}

#[test]
fn tsv_zstd_and_text_inputs() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.tsv", b"k\tv\nx\t1\n");
    write(dir.path(), "b.csv.zst", &zstd(b"k,v\ny,2\n"));
    let run = sluice(dir.path(), &["cat", "a.tsv", "b.csv.zst"]);
    assert_eq!(run.ok(), "{\"k\":\"x\",\"v\":1}\n{\"k\":\"y\",\"v\":2}\n");
    write(dir.path(), "notes.txt", b"one\ntwo \"quoted\"\n");
    let run = sluice(dir.path(), &["cat", "notes.txt"]);
    assert_eq!(
        run.ok(),
        "{\"text\":\"one\"}\n{\"text\":\"two \\\"quoted\\\"\"}\n"
    );
}

#[test]
fn an_empty_file_prints_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "empty.csv", b"");
    for output in ["jsonl", "csv", "table"] {
        let run = sluice(dir.path(), &["cat", "--output", output, "empty.csv"]);
        assert_eq!(run.ok(), "", "{output}");
    }
    assert_eq!(sluice(dir.path(), &["head", "empty.csv"]).ok(), "");
}
