//! `sluice cat … | head`: the reader going away ends the run quietly with status 0.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::write;

#[test]
fn a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Far more than a pipe buffer holds, so the writer is still writing when the
    // reader leaves.
    let mut csv = String::from("id,text\n");
    for i in 0..200_000 {
        csv.push_str(&format!("{i},row number {i}\n"));
    }
    write(dir.path(), "big.csv", csv.as_bytes());
    for output in ["jsonl", "csv", "table"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sluice"))
            .args(["cat", "--output", output, "big.csv"])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary runs");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut first = String::new();
        stdout.read_line(&mut first).expect("reads a line");
        assert!(!first.is_empty(), "{output}");
        drop(stdout);
        let done = child.wait_with_output().expect("the binary ends");
        let stderr = String::from_utf8_lossy(&done.stderr);
        assert_eq!(done.status.code(), Some(0), "{output}: {stderr}");
        assert_eq!(stderr, "", "{output}");
    }
}
