//! `cargo xtask`: the repository's automation, one binary (the cargo-xtask pattern).
//!
//! - `cargo xtask ci`: formatting, clippy, and every test including doctests: exactly
//!   what `.ci/run` runs.
//! - `cargo xtask fixtures`: regenerates the cross-implementation fixtures in `testdata/`
//!   (files written by pandas/pyarrow, and what pyarrow reads from them) and the sample
//!   data in `data/sample/`, using a private Python virtual environment.
//! - `cargo xtask bench [criterion args]`: the criterion benches, then pyarrow on the same
//!   files for comparison.
//! - `cargo xtask build-plugins`: builds the example plugins (dynamic libraries) in
//!   release mode and prints their paths, for `sluice --plugin PATH`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

/// Python packages for fixtures and benchmark comparisons, pinned for reproducible output.
const PY_PACKAGES: &[&str] = &["pyarrow==26.0.1", "pandas==3.1.1", "zstandard==0.25.0"];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("fixtures") => fixtures(),
        Some("bench") => bench(&args[1..]),
        Some("build-plugins") => build_plugins(),
        _ => {
            eprintln!("usage: cargo xtask <ci|fixtures|bench [criterion args]|build-plugins>");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    // xtask/ sits directly under the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn run(program: &str, args: &[&str]) -> Result<(), String> {
    let started = Instant::now();
    eprintln!("xtask: $ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    eprintln!(
        "xtask: {program} {} finished in {:.1}s",
        args.first().copied().unwrap_or(""),
        started.elapsed().as_secs_f64()
    );
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

fn ci() -> Result<(), String> {
    let cargo = cargo();
    run(&cargo, &["fmt", "--all", "--check"])?;
    run(
        &cargo,
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    // Unit, integration and doc tests of every crate. Benches are compiled by clippy above
    // (all targets) but not run: speed is measured, not asserted.
    run(&cargo, &["test", "--workspace"])?;
    Ok(())
}

/// A virtual environment under target/ with the pinned packages; returns its python.
fn python_env() -> Result<PathBuf, String> {
    let venv = root().join("target/xtask-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        let host = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string());
        let venv_str = venv.to_string_lossy().to_string();
        run(&host, &["-m", "venv", &venv_str])?;
    }
    let py = python.to_string_lossy().to_string();
    let mut args = vec![
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ];
    args.extend_from_slice(PY_PACKAGES);
    run(&py, &args)?;
    Ok(python)
}

fn fixtures() -> Result<(), String> {
    let python = python_env()?;
    let py = python.to_string_lossy().to_string();
    run(&py, &["xtask/py/fixtures.py", "testdata"])?;
    run(&py, &["xtask/py/fixtures_parquet.py", "testdata/parquet"])?;
    run(&py, &["xtask/py/fixtures_ipc.py", "testdata/ipc"])?;
    run(&py, &["xtask/py/fixtures_npy.py", "testdata/npy"])?;
    run(&py, &["xtask/py/sample.py", "data/sample"])?;
    Ok(())
}

fn bench(extra: &[String]) -> Result<(), String> {
    let cargo = cargo();
    let mut args = vec!["bench", "-p", "sluice-benches"];
    if !extra.is_empty() {
        args.push("--");
        args.extend(extra.iter().map(String::as_str));
    }
    run(&cargo, &args)?;
    let python = python_env()?;
    let py = python.to_string_lossy().to_string();
    run(&py, &["xtask/py/bench_pyarrow.py", "target/bench-data"])
}

/// The example plugins: (package, library stem).
const EXAMPLE_PLUGINS: &[(&str, &str)] = &[("sluice-example-libsvm", "sluice_example_libsvm")];

fn build_plugins() -> Result<(), String> {
    let cargo = cargo();
    let mut args = vec!["build", "--release"];
    for (package, _) in EXAMPLE_PLUGINS {
        args.extend(["-p", package]);
    }
    run(&cargo, &args)?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| if t.is_absolute() { t } else { root().join(t) })
        .unwrap_or_else(|| root().join("target"));
    for (_, stem) in EXAMPLE_PLUGINS {
        let name = format!(
            "{}{stem}{}",
            std::env::consts::DLL_PREFIX,
            std::env::consts::DLL_SUFFIX
        );
        let path = target.join("release").join(name);
        if !path.exists() {
            return Err(format!("{} is missing after the build", path.display()));
        }
        println!("{}", path.display());
    }
    Ok(())
}
