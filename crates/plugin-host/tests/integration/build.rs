//! Building the test plugins.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The Cargo target directory this test binary was built in.
pub(crate) fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/integration-<hash>
    exe.parent()
        .unwrap()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf()
}

fn dylib_name(stem: &str) -> String {
    format!(
        "{}{stem}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

/// Builds `plugins/test-misbehave` (debug) and returns the path of its library.
pub(crate) fn misbehave_plugin() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let target = target_dir();
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
        assert!(
            status.success(),
            "building the misbehaving test plugin failed"
        );
        let path = target
            .join("debug")
            .join(dylib_name("sluice_test_misbehave"));
        assert!(
            path.exists(),
            "{} is missing after the build",
            path.display()
        );
        path
    })
}

/// Compiles `plugins/test-c/<source>` with the system C compiler into a shared library in
/// `dir`, with extra `-D` flags, and returns its path.
pub(crate) fn c_plugin(dir: &Path, source: &str, out_stem: &str, defines: &[&str]) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c");
    let header_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
    let out = dir.join(dylib_name(out_stem));
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let mut cmd = Command::new(&cc);
    cmd.args(["-std=c99", "-Wall", "-Werror", "-shared", "-fPIC", "-O1"])
        .arg("-I")
        .arg(&header_dir)
        .arg(root.join(source))
        .arg("-o")
        .arg(&out);
    for d in defines {
        cmd.arg(format!("-D{d}"));
    }
    let output = cmd.output().unwrap_or_else(|e| {
        panic!("the C compiler {cc:?} cannot run ({e}): install one (e.g. apt-get install gcc) or set CC")
    });
    assert!(
        output.status.success(),
        "compiling {source} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    out
}
