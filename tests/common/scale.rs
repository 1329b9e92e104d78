//! Event logs of any number of tasks, made from the real task-end lines of a shared log.
//!
//! The lines before, between and after the tasks are the real log's; every real
//! `SparkListenerTaskEnd` is repeated with fresh task ids (same stage, executor, times and
//! metrics) until the log holds the number of tasks asked for. The `Accumulables` arrays are
//! dropped from the repeated lines (Runlens reads the task metrics, not the accumulator updates,
//! and they would make a million-task log 7 GB); real `SparkListenerTaskStart` lines are dropped
//! too, since a task end carries the whole task info.
#![allow(dead_code)]

/// A real log split into the lines around its tasks and templates of its task ends.
pub struct ScaleLog {
    /// Lines in order; `None` marks where a real task end was.
    lines: Vec<Option<String>>,
    /// Each task end as the text before and after its task id.
    templates: Vec<(String, String)>,
}

const MARK: &str = "987654321987654321";

impl ScaleLog {
    /// Reads the real log `text` (a plain JSON-lines Spark event log).
    pub fn from_log(text: &str) -> ScaleLog {
        let mut lines = Vec::new();
        let mut templates = Vec::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            if line.contains("\"SparkListenerTaskStart\"") {
                continue;
            }
            if !line.contains("\"SparkListenerTaskEnd\"") {
                lines.push(Some(line.to_string()));
                continue;
            }
            let mut v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            if let Some(info) = v.get_mut("Task Info").and_then(|i| i.as_object_mut()) {
                info.remove("Accumulables");
                info.insert(
                    "Task ID".into(),
                    serde_json::json!(MARK.parse::<u64>().unwrap()),
                );
            }
            let s = serde_json::to_string(&v).expect("serializes");
            let (a, b) = s.split_once(MARK).expect("the mark");
            templates.push((a.to_string(), b.to_string()));
            lines.push(None);
        }
        ScaleLog { lines, templates }
    }

    /// Task ends in the real log.
    pub fn real_tasks(&self) -> usize {
        self.templates.len()
    }

    /// Writes a log of `tasks` task ends to `out`, in pieces.
    pub fn write(&self, tasks: usize, out: &mut dyn FnMut(&[u8])) {
        let n = self.templates.len().max(1);
        let copies = tasks.div_ceil(n);
        let mut id: u64 = 0;
        let mut t = 0usize;
        let mut buf = String::with_capacity(1 << 20);
        for line in &self.lines {
            match line {
                Some(l) => {
                    buf.push_str(l);
                    buf.push('\n');
                }
                None => {
                    let (a, b) = &self.templates[t];
                    t += 1;
                    for _ in 0..copies {
                        if id as usize >= tasks {
                            break;
                        }
                        buf.push_str(a);
                        buf.push_str(&id.to_string());
                        buf.push_str(b);
                        buf.push('\n');
                        id += 1;
                        if buf.len() >= 1 << 20 {
                            out(buf.as_bytes());
                            buf.clear();
                        }
                    }
                }
            }
        }
        out(buf.as_bytes());
    }
}
