//! Cross-implementation checks: every fixture in `testdata/` was written by pandas, pyarrow
//! or Python's json module, and `<fixture>.expected.jsonl` holds what pyarrow reads from it
//! (`cargo xtask fixtures` regenerates both). `sluice cat --output jsonl` must print the
//! same rows: same keys in the same order, same values (numbers compared exactly as
//! integers, or as floats when either side is a float).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::sluice;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
                (Some(p), Some(q), _, _) => p == q,
                (_, _, Some(p), Some(q)) => p == q,
                _ => x.as_f64() == y.as_f64(),
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kx, vx), (ky, vy))| kx == ky && same(vx, vy))
        }
        _ => a == b,
    }
}

#[test]
fn every_fixture_reads_as_pyarrow_reads_it() {
    let dir = testdata();
    // testdata/ and each of its subdirectories (one per format family: ipc/, parquet/, ...).
    let mut dirs = vec![dir.clone()];
    dirs.extend(
        std::fs::read_dir(&dir)
            .expect("testdata/")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.is_dir()),
    );
    let mut fixtures: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| std::fs::read_dir(d).expect("fixture directory"))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".expected.jsonl"))
        .collect();
    fixtures.sort();
    assert!(fixtures.len() >= 10, "fixtures missing: {fixtures:?}");
    for expected_path in fixtures {
        // The fixture's path relative to testdata/ (`ipc/x.arrow`; `ipc/hf_dataset` is a folder).
        let name = expected_path
            .strip_prefix(&dir)
            .ok()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".expected.jsonl"))
            .expect("fixture name")
            .to_string();
        let expected: Vec<Value> = std::fs::read_to_string(&expected_path)
            .expect("expected rows")
            .lines()
            .map(|l| serde_json::from_str(l).expect("expected row is JSON"))
            .collect();
        let run = sluice(&dir, &["cat", "--output", "jsonl", &name]);
        let got: Vec<Value> = run
            .ok()
            .lines()
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("{name}: invalid JSON {l:?}: {e}"))
            })
            .collect();
        assert_eq!(got.len(), expected.len(), "{name}: row count");
        for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
            assert!(same(g, e), "{name} row {i}:\n sluice:  {g}\n pyarrow: {e}");
        }
        let count = sluice(&dir, &["count", &name]);
        assert_eq!(
            count.ok().trim(),
            expected.len().to_string(),
            "{name}: count"
        );
    }
}
