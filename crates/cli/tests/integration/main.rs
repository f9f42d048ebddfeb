//! The `sluice` binary end to end: exact output, exit statuses and error messages, on
//! small files written into a temporary directory.

mod cat;
mod errors;
mod inspect;
mod pipe;
mod plugins;
mod pyarrow;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// What one run of the binary did.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// Asserts success with nothing on standard error, and returns standard output.
    #[track_caller]
    pub(crate) fn ok(&self) -> &str {
        assert_eq!(self.code, 0, "{self:?}");
        assert_eq!(self.stderr, "", "{self:?}");
        &self.stdout
    }

    /// Asserts exit status 1 with one `sluice: ` line on standard error, and returns it.
    #[track_caller]
    pub(crate) fn failed(&self) -> &str {
        assert_eq!(self.code, 1, "{self:?}");
        assert!(self.stderr.starts_with("sluice: "), "{self:?}");
        assert_eq!(self.stderr.lines().count(), 1, "{self:?}");
        &self.stderr
    }
}

fn finish(output: Output) -> Run {
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    };
    assert!(!run.stderr.contains("panicked"), "{run:?}");
    assert!(!run.stderr.contains("internal error"), "{run:?}");
    run
}

/// Runs `sluice args...` in `dir` with no standard input.
pub(crate) fn sluice(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs");
    finish(output)
}

/// Runs `sluice args...` in `dir` with `input` on standard input.
pub(crate) fn sluice_with_stdin(dir: &Path, args: &[&str], input: &[u8]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut stdin = child.stdin.take().expect("piped stdin");
    stdin.write_all(input).expect("writes stdin");
    drop(stdin);
    finish(child.wait_with_output().expect("the binary ends"))
}

/// Writes `name` (which may have directories) under `dir`.
pub(crate) fn write(dir: &Path, name: &str, contents: &[u8]) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("creates directories");
    }
    std::fs::write(path, contents).expect("writes the file");
}

pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).expect("compresses");
    enc.finish().expect("compresses")
}

pub(crate) fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).expect("compresses")
}

/// A JSON Lines file with a nested struct, a list, nulls, and integers that a float
/// cannot hold (2^53 + 1 and u64::MAX).
pub(crate) const PEOPLE_JSONL: &str = concat!(
    r#"{"id":1,"user":{"name":"ada","tags":["x","y"]},"big":9007199254740993,"u":18446744073709551615,"score":1.5}"#,
    "\n",
    r#"{"id":2,"user":null,"big":null,"u":1,"score":null}"#,
    "\n",
    r#"{"id":3,"user":{"name":null,"tags":[]},"big":-5,"u":2,"score":2}"#,
    "\n",
);

/// A CSV file with a quoted field, empty fields, a date and a NaN.
pub(crate) const SCORES_CSV: &str = "id,name,score,day\n\
                                     1,ada,1.5,2024-01-02\n\
                                     2,,NaN,\n\
                                     3,\"grace, h\",-0.25,2024-03-04\n";
