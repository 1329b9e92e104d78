//! Spark event logs: JSON lines, one listener event per line, pushed in chunks of any size.

mod builder;
pub mod events;
pub mod layout;
mod lines;

use builder::{Pos, RunBuilder};
pub use builder::{MAX_RUN_MS, MAX_RUN_S, MAX_TASK_AMOUNT};
pub use lines::{LineSplitter, Piece, MAX_LINE_BYTES};

use crate::model::Run;

/// Streams a Spark event log (one or several files of one application) into a `Run`.
pub struct EventLogParser {
    builder: RunBuilder,
    lines: LineSplitter,
    file: String,
    line: u64,
    bad_lines: u64,
    /// Reused buffer for a task-end line without its accumulators.
    scratch: Vec<u8>,
}

/// The event name of a line written by Spark's JsonProtocol, which always puts `"Event"` first.
fn fast_event_name(line: &[u8]) -> Option<&[u8]> {
    const PREFIX: &[u8] = b"{\"Event\":\"";
    let rest = line.strip_prefix(PREFIX)?;
    let end = memchr::memchr(b'"', rest)?;
    Some(&rest[..end])
}

impl EventLogParser {
    /// A parser whose warnings name `file`.
    pub fn new(file: &str) -> EventLogParser {
        EventLogParser {
            builder: RunBuilder::new(),
            lines: LineSplitter::default(),
            file: file.to_string(),
            line: 0,
            bad_lines: 0,
            scratch: Vec::new(),
        }
    }

    /// Starts the next file of the same application (rolling logs); ends the previous one.
    pub fn begin_file(&mut self, file: &str) {
        self.end_file();
        self.file = file.to_string();
        self.line = 0;
    }

    /// Counts `n` lines that were read before the parser saw the file (blank lines).
    pub fn skip_lines(&mut self, n: u64) {
        self.line += n;
    }

    /// Feeds decompressed bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        let mut lines = std::mem::take(&mut self.lines);
        lines.push(bytes, |piece| match piece {
            Piece::Line(line) => self.line(line),
            Piece::Dropped(len) => self.too_long(len),
        });
        self.lines = lines;
    }

    fn too_long(&mut self, len: u64) {
        self.line += 1;
        self.bad_lines += 1;
        let msg = format!(
            "{}: line {}: {} bytes long, longer than any event line ({} at most); skipped",
            self.file,
            self.line,
            len,
            crate::model::units::format_bytes(MAX_LINE_BYTES as f64)
        );
        self.builder.warn("long-line", msg);
    }

    /// Ends the current file: a last line without a newline is used if it is a whole event.
    pub fn end_file(&mut self) {
        let mut lines = std::mem::take(&mut self.lines);
        let rest = match lines.take_rest() {
            Ok(rest) => rest,
            Err(len) => {
                self.too_long(len);
                None
            }
        };
        if let Some(rest) = rest {
            let trimmed = rest.trim_ascii();
            if !trimmed.is_empty() {
                if serde_json::from_slice::<serde::de::IgnoredAny>(trimmed).is_ok() {
                    self.line(&rest);
                } else {
                    self.line += 1;
                    self.builder.note(format!(
                        "{}: line {}: the last line is cut off ({} bytes): the log is truncated or still being written; it was skipped",
                        self.file,
                        self.line,
                        rest.len()
                    ));
                }
            }
        }
        self.lines = lines;
    }

    /// Number of events understood so far.
    pub fn events(&self) -> u64 {
        self.builder.events()
    }

    /// Number of lines that were not valid events.
    pub fn bad_lines(&self) -> u64 {
        self.bad_lines
    }

    /// The run built from everything pushed.
    pub fn finish(mut self) -> Run {
        self.end_file();
        self.builder.finish()
    }

    fn line(&mut self, line: &[u8]) {
        self.line += 1;
        let line = line.trim_ascii();
        if line.is_empty() {
            return;
        }
        let owned_name;
        let name: &[u8] = match fast_event_name(line) {
            Some(n) => n,
            None => match serde_json::from_slice::<events::EventName>(line) {
                Ok(n) => {
                    owned_name = n.event.into_owned();
                    owned_name.as_bytes()
                }
                Err(err) => {
                    self.bad_line(&format!("not a Spark event ({})", short(&err)));
                    return;
                }
            },
        };
        // SQL events carry their full class name.
        let name = match name.iter().rposition(|b| *b == b'.') {
            Some(i) => &name[i + 1..],
            None => name,
        };
        let pos = Pos {
            file: &self.file,
            line: self.line,
        };
        let b = &mut self.builder;
        let result = match name {
            b"SparkListenerTaskEnd" => {
                // Most of a Spark 3/4 task-end line is its accumulator list, which Runlens does not
                // use: cut it out before parsing (5–6 KB of a ~7 KB line).
                let slim = without_accumulables(line, &mut self.scratch)
                    .then(|| parse(&self.scratch).ok())
                    .flatten();
                match slim {
                    Some(e) => {
                        b.task_end(e, pos);
                        Ok(())
                    }
                    None => parse(line).map(|e| b.task_end(e, pos)),
                }
            }
            b"SparkListenerTaskStart" => parse(line).map(|e| b.task_start(e, pos)),
            b"SparkListenerStageSubmitted" => parse(line).map(|e| b.stage_submitted(e)),
            b"SparkListenerStageCompleted" => parse(line).map(|e| b.stage_completed(e)),
            b"SparkListenerJobStart" => parse(line).map(|e| b.job_start(e)),
            b"SparkListenerJobEnd" => parse(line).map(|e| b.job_end(e)),
            b"SparkListenerExecutorAdded" => parse(line).map(|e| b.executor_added(e, pos)),
            b"SparkListenerExecutorRemoved" => parse(line).map(|e| b.executor_removed(e)),
            b"SparkListenerBlockManagerAdded" => parse(line).map(|e| b.block_manager_added(e)),
            b"SparkListenerStageExecutorMetrics" => {
                parse(line).map(|e| b.stage_executor_metrics(e))
            }
            b"SparkListenerExecutorMetricsUpdate" => {
                parse(line).map(|e| b.executor_metrics_update(e))
            }
            b"SparkListenerEnvironmentUpdate" => parse(line).map(|e| b.environment(e)),
            b"SparkListenerApplicationStart" => parse(line).map(|e| b.application_start(e)),
            b"SparkListenerApplicationEnd" => parse(line).map(|e| b.application_end(e, pos)),
            b"SparkListenerLogStart" => parse(line).map(|e| b.log_start(e)),
            b"DBCEventLoggingListenerMetadata" => parse(line).map(|e| b.dbc_metadata(e)),
            b"SparkListenerSQLExecutionStart" => parse(line).map(|e| b.sql_start(e)),
            b"SparkListenerSQLExecutionEnd" => parse(line).map(|e| b.sql_end(e)),
            // Other events (block updates, accumulator updates, …) are not needed.
            _ => Ok(()),
        };
        if let Err(err) = result {
            let event = String::from_utf8_lossy(name).into_owned();
            self.bad_line(&format!("{event} could not be read ({})", short(&err)));
        }
    }

    fn bad_line(&mut self, what: &str) {
        self.bad_lines += 1;
        let msg = format!("{}: line {}: {what}; skipped", self.file, self.line);
        self.builder.warn("bad-line", msg);
    }
}

/// Copies `line` into `out` without the `"Accumulables":[…]` member of its task info; false (and
/// `out` unspecified) when the line has none or its end cannot be found.
///
/// Spark's JsonProtocol writes `Accumulables` last in `Task Info`, followed by `"Task Executor
/// Metrics"` or `"Task Metrics"`; the cut ends at the first `]},"Task ` after it. Should a metric
/// name ever contain that text, the slim line fails to parse and the caller parses the full line.
fn without_accumulables(line: &[u8], out: &mut Vec<u8>) -> bool {
    const KEY: &[u8] = b"\"Accumulables\":[";
    const END: &[u8] = b"]},\"Task ";
    let Some(start) = memchr::memmem::find(line, KEY) else {
        return false;
    };
    let body = start + KEY.len();
    let Some(close) = memchr::memmem::find(&line[body..], END).map(|i| body + i + 1) else {
        return false;
    };
    // Drop the member and the comma before it (it is the last member of Task Info).
    let cut_from = if line[..start].ends_with(b",") {
        start - 1
    } else {
        start
    };
    out.clear();
    out.extend_from_slice(&line[..cut_from]);
    out.extend_from_slice(&line[close..]);
    true
}

fn parse<'a, T: serde::Deserialize<'a>>(line: &'a [u8]) -> serde_json::Result<T> {
    serde_json::from_slice(line)
}

/// A serde_json error without its position noise when the line is long.
fn short(err: &serde_json::Error) -> String {
    let s = err.to_string();
    if s.len() > 160 {
        let mut end = 160;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &s[..end])
    } else {
        s
    }
}

/// Parses a whole in-memory event log (tests, small inputs).
pub fn parse_bytes(file: &str, bytes: &[u8]) -> Run {
    let mut p = EventLogParser::new(file);
    p.push(bytes);
    p.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accumulables_are_cut_out_exactly() {
        let line = br#"{"Event":"SparkListenerTaskEnd","Task Info":{"Task ID":1,"Killed":false,"Accumulables":[{"ID":1,"Name":"a]\"[b","Update":"[1,2]"},{"ID":2,"Value":[3,[4]]}]},"Task Metrics":{"x":1}}"#;
        let mut out = Vec::new();
        assert!(without_accumulables(line, &mut out));
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            r#"{"Event":"SparkListenerTaskEnd","Task Info":{"Task ID":1,"Killed":false},"Task Metrics":{"x":1}}"#
        );
        let only = br#"{"Task Info":{"Accumulables":[]},"Task Metrics":{}}"#;
        assert!(without_accumulables(only, &mut out));
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            r#"{"Task Info":{},"Task Metrics":{}}"#
        );
        assert!(!without_accumulables(
            br#"{"Task Info":{"Accumulables":[1]}}"#,
            &mut out
        ));
        assert!(!without_accumulables(br#"{"a":1}"#, &mut out));
    }

    #[test]
    fn a_misleading_metric_name_falls_back_to_the_full_line() {
        let line = br#"{"Event":"SparkListenerTaskEnd","Stage ID":0,"Task Info":{"Task ID":1,"Executor ID":"1","Launch Time":5,"Finish Time":9,"Accumulables":[{"Name":"]},\"Task x"}]},"Task Metrics":{"Executor Run Time":4}}"#;
        let run = parse_bytes("t", line);
        assert_eq!(run.tasks.len(), 1);
        assert_eq!(run.tasks.row(0).run_time_s, 0.004);
    }
}
