//! `--plugin` and `SLUICE_PLUGIN_PATH`: formats loaded at run time, read like built-ins.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::{Run, finish, sluice, write, zstd};

/// Builds the misbehaving test plugin (`plugins/test-misbehave`) and returns its library.
fn test_plugin() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        // target/<profile>/deps/integration-<hash>
        let exe = std::env::current_exe().unwrap();
        let target = exe.ancestors().nth(3).unwrap().to_path_buf();
        let status = Command::new(env!("CARGO"))
            .args([
                "build",
                "--quiet",
                "-p",
                "sluice-test-misbehave",
                "--target-dir",
            ])
            .arg(&target)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the test plugin failed");
        let name = format!(
            "{}sluice_test_misbehave{}",
            std::env::consts::DLL_PREFIX,
            std::env::consts::DLL_SUFFIX
        );
        target.join("debug").join(name)
    })
}

fn sluice_with_env(dir: &Path, args: &[&str], key: &str, value: &str) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(args)
        .env(key, value)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs");
    finish(output)
}

#[test]
fn cat_reads_a_compressed_file_with_a_plugin_format() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "n.mb.zst", &zstd(b"#misbehave\n1\n2\n3\n"));
    let plugin = test_plugin().to_str().unwrap();
    let run = sluice(dir.path(), &["cat", "--plugin", plugin, "n.mb.zst"]);
    assert_eq!(run.ok(), "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");
    // The flag works after the subcommand's arguments too, and on every command.
    let run = sluice(dir.path(), &["count", "n.mb.zst", "--plugin", plugin]);
    assert_eq!(run.ok(), "3\n");
}

#[test]
fn formats_shows_the_plugin_origin() {
    let dir = tempfile::tempdir().unwrap();
    let plugin = test_plugin().to_str().unwrap();
    let run = sluice(dir.path(), &["formats", "--plugin", plugin]);
    let line = run
        .ok()
        .lines()
        .find(|l| l.contains("misbehave"))
        .unwrap()
        .to_string();
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(
        words,
        ["format", "misbehave", "mb", plugin, "(version", "0.0.1)"]
    );
    // Its codec and storage backend too.
    let out = run.ok();
    let rows: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect())
        .filter(|w: &Vec<&str>| w.contains(&plugin))
        .collect();
    assert_eq!(
        rows,
        [
            vec!["format", "misbehave", "mb", plugin, "(version", "0.0.1)"],
            vec!["codec", "xor", "xor", plugin, "(version", "0.0.1)"],
            vec!["source", "mbmem", "mbmem", plugin, "(version", "0.0.1)"],
        ]
    );
}

#[test]
fn a_plugin_codec_and_storage_backend_work_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    // The `xor` stream format of the test plugin: magic, length (u64 LE), bytes ^ 0x5a.
    let csv = b"a,b\n1,x\n2,y\n";
    let mut xor = b"XOR1".to_vec();
    xor.extend_from_slice(&(csv.len() as u64).to_le_bytes());
    xor.extend(csv.iter().map(|b| b ^ 0x5a));
    write(dir.path(), "t.csv.xor", &xor);
    let plugin = test_plugin().to_str().unwrap();
    let run = sluice(dir.path(), &["cat", "--plugin", plugin, "t.csv.xor"]);
    assert_eq!(run.ok(), "{\"a\":1,\"b\":\"x\"}\n{\"a\":2,\"b\":\"y\"}\n");

    let run = sluice(dir.path(), &["ls", "--plugin", plugin, "mbmem://bucket/"]);
    let listed = run.ok();
    assert!(listed.contains("mbmem://bucket/a.mb"), "{listed}");
    assert!(listed.contains("mbmem://bucket/sub/b.mb"), "{listed}");
    let run = sluice(
        dir.path(),
        &["cat", "--plugin", plugin, "mbmem://bucket/c.csv"],
    );
    assert_eq!(run.ok(), "{\"x\":1,\"y\":2}\n{\"x\":3,\"y\":4}\n");
    let run = sluice(
        dir.path(),
        &["count", "--plugin", plugin, "mbmem://bucket/"],
    );
    // a.mb 2 rows, c.csv 2, sub/b.mb 1.
    assert_eq!(run.ok(), "5\n");
}

#[test]
fn the_environment_lists_plugins_and_clashes_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "n.mb", b"#misbehave\n5\n");
    let plugin = test_plugin().to_str().unwrap();
    let run = sluice_with_env(dir.path(), &["cat", "n.mb"], "SLUICE_PLUGIN_PATH", plugin);
    assert_eq!(run.ok(), "{\"n\":5}\n");
    // The same plugin twice: its format name is taken.
    let run = sluice_with_env(
        dir.path(),
        &["cat", "--plugin", plugin, "n.mb"],
        "SLUICE_PLUGIN_PATH",
        plugin,
    );
    let err = run.failed();
    assert!(
        err.contains("a format named \"misbehave\" is already registered"),
        "{err}"
    );
    let run = sluice(dir.path(), &["cat", "--plugin", "missing.so", "n.mb"]);
    assert!(run.failed().contains("missing.so"), "{run:?}");
}

#[test]
fn plugin_errors_name_the_plugin_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "n.mb", b"#misbehave\n5\n");
    let plugin = test_plugin().to_str().unwrap();
    let run = sluice(
        dir.path(),
        &["cat", "--plugin", plugin, "--option", "mode=error", "n.mb"],
    );
    let err = run.failed();
    assert!(err.contains("n.mb"), "{err}");
    assert!(err.contains("asked to fail"), "{err}");
    assert!(err.contains(plugin), "{err}");
}

#[test]
fn a_panicking_plugin_is_an_error_and_the_tool_survives() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "n.mb", b"#misbehave\n5\n6\n7\n");
    let plugin = test_plugin().to_str().unwrap();
    for mode in ["panic_open", "panic_stream"] {
        let option = format!("mode={mode}");
        // Not through `finish`: a plugin's panic is rightly an internal error (of the
        // plugin), which `finish` refuses for sluice's own code.
        let output = Command::new(env!("CARGO_BIN_EXE_sluice"))
            .args([
                "cat",
                "--plugin",
                plugin,
                "--batch-size",
                "1",
                "--option",
                &option,
                "n.mb",
            ])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .output()
            .expect("the binary runs");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with(
                "sluice: internal error: n.mb: plugin panic: misbehave: asked to panic"
            ),
            "{stderr}"
        );
        assert!(stderr.contains(plugin), "{stderr}");
    }
}
