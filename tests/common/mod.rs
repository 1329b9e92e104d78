//! Shared helpers of the native integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// `../shared/data` next to the repository (or `$RUNLENS_DATA`); none, with a message, if absent.
pub fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("RUNLENS_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: the real-data folder {} is absent (set RUNLENS_DATA to run these tests)",
            dir.display()
        );
        None
    }
}

/// Runs the `runlens` binary; returns (exit code, stdout, stderr).
pub fn runlens(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_runlens"))
        .args(args)
        .output()
        .expect("the runlens binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `runlens summarize --json` of one input, parsed.
pub fn summarize_json(path: &std::path::Path) -> serde_json::Value {
    let p = path.to_string_lossy().into_owned();
    let (code, out, err) = runlens(&["summarize", "--json", &p]);
    assert_eq!(code, 0, "summarize {p} failed: {err}");
    serde_json::from_str(out.trim()).expect("one JSON object")
}
pub mod alloc;
pub mod scale;
