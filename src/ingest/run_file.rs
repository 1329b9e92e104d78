//! The run file `runlens/run@1`: the model as JSON.

use crate::error::{Error, ErrorKind, Result};
use crate::model::{Run, RUN_FORMAT};

/// True if a JSON value is a run file of any version (its `format` starts with `runlens/run@`).
pub fn is_run_file(v: &serde_json::Value) -> bool {
    v.get("format")
        .and_then(|f| f.as_str())
        .is_some_and(|f| f.starts_with("runlens/run@"))
}

/// Reads a run file from bytes, checking its version and consistency.
pub fn from_slice(name: &str, bytes: &[u8]) -> Result<Run> {
    // The version first (a small read that skips everything else), for a clear message.
    #[derive(serde::Deserialize)]
    struct Tag {
        #[serde(default)]
        format: String,
    }
    let tag: Tag = serde_json::from_slice(bytes).map_err(|e| {
        Error::new(
            name,
            ErrorKind::InvalidContent,
            format!("invalid JSON: {e}"),
        )
    })?;
    if tag.format != RUN_FORMAT {
        return Err(Error::new(
            name,
            ErrorKind::UnsupportedFormat,
            format!(
                "run file format \"{}\" is not one this Runlens reads ({RUN_FORMAT})",
                tag.format
            ),
        ));
    }
    from_slice_typed(name, bytes)
}

/// Reads a run file straight into the model (no intermediate JSON tree); checks consistency.
pub fn from_slice_typed(name: &str, bytes: &[u8]) -> Result<Run> {
    let mut run: Run = serde_json::from_slice(bytes).map_err(|e| {
        Error::new(
            name,
            ErrorKind::InvalidContent,
            format!("not a valid {RUN_FORMAT} file: {e}"),
        )
    })?;
    validate(name, &run)?;
    // Files written before executors were kept in display order.
    run.sort_executors();
    Ok(run)
}

/// Writes a run as compact JSON.
pub fn to_vec(run: &Run) -> Vec<u8> {
    // Serializing plain data structs with finite floats cannot fail; fall back to an empty object if it ever does.
    serde_json::to_vec(run).unwrap_or_else(|_| b"{}".to_vec())
}

/// The JSON Schema of the run file, generated from the Rust types.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Run)).unwrap_or(serde_json::Value::Null)
}

fn validate(name: &str, run: &Run) -> Result<()> {
    let bad = |problem: String| Err(Error::new(name, ErrorKind::InvalidContent, problem));
    if !(run.meta.duration_s.is_finite() && run.meta.duration_s >= 0.0) {
        return bad(format!(
            "meta.duration_s is {}: it must be a non-negative number",
            run.meta.duration_s
        ));
    }
    for s in &run.series {
        if s.t_s.len() != s.values.len() {
            return bad(format!(
                "series {} has {} times but {} values",
                s.metric,
                s.t_s.len(),
                s.values.len()
            ));
        }
        if s.t_s.windows(2).any(|w| w[1] < w[0]) {
            return bad(format!("series {} has times out of order", s.metric));
        }
    }
    for t in &run.tasks {
        if t.finish_s.is_some_and(|f| f < t.launch_s) {
            return bad(format!("task {} finishes before it launches", t.id));
        }
    }
    Ok(())
}
