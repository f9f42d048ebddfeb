//! `count`, `schema`, `ls`, `formats` and `head`.

use crate::{PEOPLE_JSONL, SCORES_CSV, gzip, sluice, write};

#[test]
fn count_adds_up_files_and_globs() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.csv", b"n\n1\n2\n3\n");
    write(dir.path(), "b.csv", b"n\n4\n5\n");
    write(dir.path(), "logs/x.jsonl", b"{\"n\":1}\n{\"n\":2}\n");
    write(dir.path(), "logs/y.jsonl.gz", &gzip(b"{\"n\":3}\n"));
    assert_eq!(sluice(dir.path(), &["count", "a.csv", "b.csv"]).ok(), "5\n");
    assert_eq!(sluice(dir.path(), &["count", "*.csv"]).ok(), "5\n");
    assert_eq!(sluice(dir.path(), &["count", "logs/*.jsonl*"]).ok(), "3\n");
    assert_eq!(
        sluice(dir.path(), &["count", "*.csv", "logs/x.jsonl"]).ok(),
        "7\n"
    );
}

#[test]
fn count_of_an_empty_file_is_zero() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "empty.csv", b"");
    assert_eq!(sluice(dir.path(), &["count", "empty.csv"]).ok(), "0\n");
}

#[test]
fn schema_prints_one_line_per_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "people.jsonl", PEOPLE_JSONL.as_bytes());
    let run = sluice(dir.path(), &["schema", "people.jsonl"]);
    assert_eq!(
        run.ok(),
        "id: Int64 (nullable)\n\
         user: Struct(name: Utf8, tags: List(Utf8)) (nullable)\n\
         big: Int64 (nullable)\n\
         u: UInt64 (nullable)\n\
         score: Float64 (nullable)\n"
    );
}

#[test]
fn schema_follows_the_projection_and_unifies_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.jsonl", b"{\"id\":1,\"x\":1}\n");
    write(dir.path(), "b.jsonl", b"{\"y\":\"s\",\"id\":3}\n");
    let run = sluice(dir.path(), &["schema", "a.jsonl", "b.jsonl"]);
    assert_eq!(
        run.ok(),
        "id: Int64 (nullable)\nx: Int64 (nullable)\ny: Utf8 (nullable)\n"
    );
    let run = sluice(
        dir.path(),
        &["schema", "--columns", "y,id", "a.jsonl", "b.jsonl"],
    );
    assert_eq!(run.ok(), "y: Utf8 (nullable)\nid: Int64 (nullable)\n");
}

#[test]
fn schema_as_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.jsonl", b"{\"id\":1,\"tags\":[\"a\"]}\n");
    let run = sluice(dir.path(), &["schema", "--json", "a.jsonl"]);
    assert_eq!(
        run.ok(),
        concat!(
            "{\"fields\":[\n",
            r#"  {"name":"id","type":"Int64","nullable":true},"#,
            "\n",
            r#"  {"name":"tags","type":"List(Utf8)","nullable":true,"fields":[{"name":"item","type":"Utf8","nullable":true}]}"#,
            "\n]}\n",
        )
    );
}

#[test]
fn ls_shows_format_codec_size_and_evidence() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gz = gzip(b"{\"v\":1}\n");
    write(dir.path(), "data/a.jsonl.gz", &gz);
    write(dir.path(), "data/b.csv", b"v\n1\n");
    // Gzip content under a name that does not say so: the magic bytes decide.
    write(dir.path(), "data/c.jsonl", &gz);
    let run = sluice(dir.path(), &["ls", "data/*"]);
    let size = gz.len();
    let pad = " ".repeat(size.to_string().len().saturating_sub(1));
    assert_eq!(
        run.ok(),
        format!(
            "data/a.jsonl.gz  jsonl  gzip  {size}  format=extension codec=extension\n\
             data/b.csv       csv    none  4{pad}  format=extension codec=default\n\
             data/c.jsonl     jsonl  gzip  {size}  format=extension codec=magic\n"
        )
    );
}

#[test]
fn ls_names_a_forced_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "x.dat", b"{\"v\":1}\n");
    let run = sluice(dir.path(), &["ls", "--format", "jsonl", "x.dat"]);
    assert_eq!(
        run.ok(),
        "x.dat  jsonl  none  8  format=option codec=default\n"
    );
}

#[test]
fn formats_lists_formats_codecs_and_sources() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = sluice(dir.path(), &["formats"]);
    let rows: Vec<Vec<&str>> = run
        .ok()
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows,
        [
            vec!["format", "csv", "csv", "built-in"],
            vec!["format", "tsv", "tsv", "built-in"],
            vec!["format", "jsonl", "jsonl,ndjson", "built-in"],
            vec!["format", "json", "json", "built-in"],
            vec!["format", "parquet", "parquet,parq", "built-in"],
            vec!["format", "arrow", "arrow,ipc,feather,arrows", "built-in"],
            vec!["format", "npy", "npy", "built-in"],
            vec!["format", "text", "txt,text", "built-in"],
            vec!["codec", "gzip", "gz,gzip", "built-in"],
            vec!["codec", "zstd", "zst,zstd", "built-in"],
            vec!["source", "local", "file,stdin", "built-in"],
        ]
    );
}

#[test]
fn head_prints_the_first_rows_as_a_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "scores.csv", SCORES_CSV.as_bytes());
    let run = sluice(
        dir.path(),
        &["head", "-n", "2", "--columns", "name,id", "scores.csv"],
    );
    assert_eq!(
        run.ok(),
        "+------+----+\n\
         | name | id |\n\
         +------+----+\n\
         | ada  | 1  |\n\
         |      | 2  |\n\
         +------+----+\n"
    );
}

#[test]
fn head_defaults_to_ten_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut csv = String::from("n\n");
    for i in 0..25 {
        csv.push_str(&format!("{i}\n"));
    }
    write(dir.path(), "n.csv", csv.as_bytes());
    let run = sluice(dir.path(), &["head", "n.csv"]);
    let out = run.ok();
    // Header rule, header, rule, ten rows, rule.
    assert_eq!(out.lines().count(), 14, "{out}");
    assert!(out.contains("| 9 "), "{out}");
    assert!(!out.contains("| 10 "), "{out}");
    let run = sluice(
        dir.path(),
        &["head", "-n", "3", "--output", "jsonl", "n.csv"],
    );
    assert_eq!(run.ok(), "{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n");
}
