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

/// A run in two parts for a message between the page and its workers: the run file without its
/// tasks (JSON), and the task columns as bytes ([`crate::model::Tasks::to_bytes`]), which the
/// other side copies instead of parsing.
pub fn to_parts(run: &Run) -> (Vec<u8>, Vec<u8>) {
    struct Light<'a>(&'a Run);
    impl serde::Serialize for Light<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            use serde::ser::SerializeStruct;
            let r = self.0;
            let mut m = s.serialize_struct("Run", 8)?;
            m.serialize_field("format", &r.format)?;
            m.serialize_field("meta", &r.meta)?;
            m.serialize_field("executors", &r.executors)?;
            m.serialize_field("jobs", &r.jobs)?;
            m.serialize_field("stages", &r.stages)?;
            m.serialize_field("sql", &r.sql)?;
            m.serialize_field("series", &r.series)?;
            m.serialize_field("warnings", &r.warnings)?;
            m.end()
        }
    }
    let json = serde_json::to_vec(&Light(run)).unwrap_or_else(|_| b"{}".to_vec());
    (json, run.tasks.to_bytes())
}

/// Reads what [`to_parts`] wrote. The run file part is checked as any run file; the task
/// columns come from this build's own code and are checked for shape only.
pub fn from_parts(name: &str, json: &[u8], tasks: &[u8]) -> Result<Run> {
    let mut run = from_slice_typed(name, json)?;
    run.tasks = crate::model::Tasks::from_bytes(tasks)
        .map_err(|e| Error::new(name, ErrorKind::InvalidContent, e))?;
    Ok(run)
}

/// The JSON Schema of the run file, generated from the Rust types.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Run)).unwrap_or(serde_json::Value::Null)
}

/// Largest value of one member or array element of a run file (a series, the meta), bytes.
pub const MAX_VALUE_BYTES: usize = 256 << 20;
/// Largest run file read (blank space not counted): beyond, the run would not fit in memory.
pub const MAX_RUN_FILE_BYTES: u64 = if cfg!(target_arch = "wasm32") {
    1 << 30
} else {
    4 << 30
};

/// Reads a run file as it streams in: every array element is parsed on its own, so memory
/// follows the run, not the file's bytes or layout (any key order, any blank space).
pub struct StreamReader {
    name: String,
    compactor: crate::ingest::json_stream::Compactor,
    framer: crate::ingest::json_stream::ObjectFramer,
    buf: Vec<u8>,
    run: Run,
    format: Option<String>,
    has_meta: bool,
    bytes: u64,
    error: Option<Error>,
}

impl StreamReader {
    /// A reader for the run file `name`.
    pub fn new(name: &str) -> StreamReader {
        StreamReader {
            name: name.to_string(),
            compactor: Default::default(),
            framer: crate::ingest::json_stream::ObjectFramer::new(MAX_VALUE_BYTES),
            buf: Vec::new(),
            run: Run::default(),
            format: None,
            has_meta: false,
            bytes: 0,
            error: None,
        }
    }

    /// The first error, if any.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// Feeds bytes of the file (after decompression); stops at the first error.
    pub fn push(&mut self, input: &[u8]) {
        if self.error.is_some() {
            return;
        }
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        self.compactor.push(input, &mut buf);
        self.push_compact(&buf);
        self.buf = buf;
    }

    /// Feeds bytes without blank space outside strings (as [`Compactor`] gives them).
    ///
    /// [`Compactor`]: crate::ingest::json_stream::Compactor
    pub fn push_compact(&mut self, buf: &[u8]) {
        if self.error.is_some() {
            return;
        }
        self.bytes += buf.len() as u64;
        if self.bytes > MAX_RUN_FILE_BYTES {
            self.error = Some(Error::new(
                &self.name,
                ErrorKind::UnsupportedFormat,
                format!(
                    "the run file is larger than {} (blank space not counted), more than Runlens holds in memory here",
                    crate::model::units::format_bytes(MAX_RUN_FILE_BYTES as f64)
                ),
            ));
            return;
        }
        let (run, format, has_meta) = (&mut self.run, &mut self.format, &mut self.has_meta);
        let r = self
            .framer
            .push(buf, &mut |m| member(run, format, has_meta, m));
        if let Err(e) = r {
            self.error = Some(Error::new(&self.name, ErrorKind::InvalidContent, e));
        }
    }

    /// The run, checked.
    pub fn finish(self) -> Result<Run> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let name = &self.name;
        self.framer
            .finish()
            .map_err(|e| Error::new(name, ErrorKind::InvalidContent, e))?;
        match self.format.as_deref() {
            Some(RUN_FORMAT) => {}
            Some(other) => {
                return Err(Error::new(
                    name,
                    ErrorKind::UnsupportedFormat,
                    format!(
                        "run file format \"{other}\" is not one this Runlens reads ({RUN_FORMAT})"
                    ),
                ))
            }
            None => {
                return Err(Error::new(
                    name,
                    ErrorKind::InvalidContent,
                    format!("not a valid {RUN_FORMAT} file: it has no \"format\""),
                ))
            }
        }
        if !self.has_meta {
            return Err(Error::new(
                name,
                ErrorKind::InvalidContent,
                format!("not a valid {RUN_FORMAT} file: it has no \"meta\""),
            ));
        }
        let mut run = self.run;
        validate(name, &run)?;
        run.sort_executors();
        Ok(run)
    }
}

/// Reads one member (or array element) of a run file into `run`.
fn member(
    run: &mut Run,
    format: &mut Option<String>,
    has_meta: &mut bool,
    m: crate::ingest::json_stream::Member,
) -> std::result::Result<(), String> {
    use crate::ingest::json_stream::Member;
    fn one<'a, T: serde::Deserialize<'a>>(
        key: &str,
        v: &'a [u8],
    ) -> std::result::Result<T, String> {
        serde_json::from_slice(v).map_err(|e| format!("not a valid {RUN_FORMAT} file: {key}: {e}"))
    }
    fn all<T: serde::de::DeserializeOwned>(
        key: &str,
        v: &[u8],
        into: &mut impl Extend<T>,
    ) -> std::result::Result<(), String> {
        // Not an array (null): nothing; anything else is an error of that member.
        let items: Option<Vec<T>> = one(key, v)?;
        into.extend(items.unwrap_or_default());
        Ok(())
    }
    match m {
        Member::Value("format", v) => {
            let f: String = one("format", v)?;
            if f != RUN_FORMAT {
                return Err(format!(
                    "run file format \"{f}\" is not one this Runlens reads ({RUN_FORMAT})"
                ));
            }
            run.format = f.clone();
            *format = Some(f);
        }
        Member::Value("meta", v) => {
            run.meta = one("meta", v)?;
            *has_meta = true;
        }
        Member::Element("executors", v) => run.executors.push(one("executors", v)?),
        Member::Element("jobs", v) => run.jobs.push(one("jobs", v)?),
        Member::Element("stages", v) => run.stages.push(one("stages", v)?),
        Member::Element("tasks", v) => run.tasks.push(one("tasks", v)?),
        Member::Element("sql", v) => run.sql.push(one("sql", v)?),
        Member::Element("series", v) => run.series.push(one("series", v)?),
        Member::Element("warnings", v) => run.warnings.push(one("warnings", v)?),
        Member::Value("executors", v) => all("executors", v, &mut run.executors)?,
        Member::Value("jobs", v) => all("jobs", v, &mut run.jobs)?,
        Member::Value("stages", v) => all("stages", v, &mut run.stages)?,
        Member::Value("tasks", v) => all("tasks", v, &mut run.tasks)?,
        Member::Value("sql", v) => all("sql", v, &mut run.sql)?,
        Member::Value("series", v) => all("series", v, &mut run.series)?,
        Member::Value("warnings", v) => all("warnings", v, &mut run.warnings)?,
        Member::Element("format" | "meta", _) => {
            return Err(format!(
                "not a valid {RUN_FORMAT} file: format and meta are not arrays"
            ))
        }
        // Readers ignore unknown members, but they must still be JSON.
        Member::Value(k, v) | Member::Element(k, v) => {
            one::<serde::de::IgnoredAny>(k, v)?;
        }
    }
    Ok(())
}

/// The top-level keys of a run file.
pub const KEYS: [&str; 9] = [
    "format",
    "meta",
    "executors",
    "jobs",
    "stages",
    "tasks",
    "sql",
    "series",
    "warnings",
];

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
    // Times as for event logs: finite, from an hour before the start to 30 days after it.
    let max_s = crate::ingest::event_log::MAX_RUN_S;
    let in_run = |t: f64| t.is_finite() && (-3600.0..=max_s).contains(&t);
    if run.meta.duration_s > max_s {
        return bad(format!(
            "meta.duration_s is {} s: longer than any run (30 days)",
            run.meta.duration_s
        ));
    }
    for t in &run.tasks {
        if !in_run(t.launch_s) || t.finish_s.is_some_and(|f| !in_run(f)) {
            return bad(format!(
                "task {} has a time outside the run (launch {}, finish {:?}): times are seconds from the run's start, at most 30 days",
                t.id, t.launch_s, t.finish_s
            ));
        }
        if t.finish_s.is_some_and(|f| f < t.launch_s) {
            return bad(format!("task {} finishes before it launches", t.id));
        }
    }
    for e in &run.executors {
        if e.added_s.is_some_and(|a| !in_run(a)) || e.removed_s.is_some_and(|r| !in_run(r)) {
            return bad(format!("executor {} has a time outside the run", e.id));
        }
        if e.cores.is_some_and(|c| c == 0 || c > MAX_CORES) {
            return bad(format!(
                "executor {} has {} cores: an executor has 1 to {MAX_CORES}",
                e.id,
                e.cores.unwrap_or(0)
            ));
        }
    }
    if let Some(n) = run.meta.worker_count.filter(|n| *n > MAX_WORKERS) {
        return bad(format!(
            "meta.worker_count is {n}: a Glue job has at most {MAX_WORKERS} workers"
        ));
    }
    for st in &run.stages {
        if st.submitted_s.is_some_and(|a| !in_run(a)) || st.completed_s.is_some_and(|c| !in_run(c))
        {
            return bad(format!("stage {} has a time outside the run", st.id));
        }
    }
    for s in &run.series {
        if s.t_s.iter().any(|t| !t.is_finite()) || s.values.iter().any(|v| !v.is_finite()) {
            return bad(format!(
                "series {} has a time or value that is not a number",
                s.metric
            ));
        }
    }
    if let Some(id) = stage_cycle(run) {
        return bad(format!(
            "stage {id} is its own ancestor: stage parents must not form a cycle"
        ));
    }
    Ok(())
}

/// Most cores of one executor in a run file (physical sense: the largest machines).
pub const MAX_CORES: u32 = 1024;
/// Most workers of a run (Glue's `NumberOfWorkers`), with room above Glue's own limits.
pub const MAX_WORKERS: u32 = 10_000;

/// A stage that is its own ancestor through `parent_ids`, if any (iterative, any depth).
fn stage_cycle(run: &Run) -> Option<u64> {
    use std::collections::HashMap;
    let parents: HashMap<u64, &[u64]> = run
        .stages
        .iter()
        .map(|s| (s.id, s.parent_ids.as_slice()))
        .collect();
    // 0 unseen, 1 on the current path, 2 done.
    let mut state: HashMap<u64, u8> = HashMap::new();
    for &start in parents.keys() {
        if state.get(&start).copied().unwrap_or(0) != 0 {
            continue;
        }
        let mut stack: Vec<(u64, usize)> = vec![(start, 0)];
        state.insert(start, 1);
        while let Some((node, i)) = stack.last().copied() {
            let ps = parents.get(&node).copied().unwrap_or(&[]);
            if let Some(&p) = ps.get(i) {
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
                match state.get(&p).copied().unwrap_or(0) {
                    1 => return Some(p),
                    0 if parents.contains_key(&p) => {
                        state.insert(p, 1);
                        stack.push((p, 0));
                    }
                    _ => {}
                }
            } else {
                state.insert(node, 2);
                stack.pop();
            }
        }
    }
    None
}
