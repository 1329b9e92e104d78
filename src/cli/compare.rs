//! `runlens compare BEFORE AFTER [--json]`: the comparison of `analysis::compare`, as text or as
//! one JSON object (its keys are a contract: README, "runlens compare --json").

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::analysis::compare::{compare, Comparison, StageMatch};
use crate::ingest::fs::load_path;
use crate::model::units::{format_bytes, format_duration};

/// The JSON object: the inputs, then the comparison's fields.
#[derive(Serialize)]
struct Record<'a> {
    before: String,
    after: String,
    #[serde(flatten)]
    comparison: &'a Comparison,
}

/// Runs the command; the exit code (1 if an input cannot be read).
pub fn compare_cmd(before: &Path, after: &Path, json: bool) -> i32 {
    let (b, a) = match (load_path(before), load_path(after)) {
        (Ok(b), Ok(a)) => (b, a),
        (b, a) => {
            for e in [b.err(), a.err()].into_iter().flatten() {
                eprintln!("runlens: {e}");
            }
            return 1;
        }
    };
    let c = compare(&b.run, &a.run);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let text = if json {
        let rec = Record {
            before: before.display().to_string(),
            after: after.display().to_string(),
            comparison: &c,
        };
        format!("{}\n", serde_json::to_string(&rec).unwrap_or_default())
    } else {
        render(&c)
    };
    let _ = out.write_all(text.as_bytes());
    0
}

fn side_s(m: &StageMatch, before: bool) -> String {
    let s = if before { &m.before } else { &m.after };
    s.as_ref().map_or("–".into(), |s| format_duration(s.wall_s))
}

fn id(m: &StageMatch, before: bool) -> String {
    let s = if before { &m.before } else { &m.after };
    s.as_ref().map_or("–".into(), |s| s.id.to_string())
}

/// The comparison as text: the summary, the settings changed, a row per stage.
fn render(c: &Comparison) -> String {
    let mut s = format!(
        "{}\nduration: {} before, {} after\n",
        c.summary,
        format_duration(c.before_s),
        format_duration(c.after_s)
    );
    if c.settings_changed.is_empty() {
        s.push_str("\nsettings changed: none\n");
    } else {
        s.push_str("\nsettings changed:\n");
        for ch in &c.settings_changed {
            s.push_str(&format!(
                "  {}: {} → {}\n",
                ch.key,
                ch.before.as_deref().unwrap_or("(not set)"),
                ch.after.as_deref().unwrap_or("(not set)")
            ));
        }
    }
    s.push_str("\nstage (before → after)  wall before  wall after  change    shuffle write after  matched by  name\n");
    for m in &c.stages {
        let how = match m.matched_by {
            Some(r) => serde_json::to_value(r)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            None if m.before.is_none() => "new".into(),
            None => "gone".into(),
        };
        let sign = if m.delta_s < 0.0 { "−" } else { "+" };
        s.push_str(&format!(
            "{:>9} → {:<9}  {:>11}  {:>10}  {}{:<8}  {:>19}  {:<10}  {}\n",
            id(m, true),
            id(m, false),
            side_s(m, true),
            side_s(m, false),
            sign,
            format_duration(m.delta_s.abs()),
            m.after
                .as_ref()
                .map_or("–".into(), |a| format_bytes(a.shuffle_write_bytes as f64)),
            how,
            m.name
        ));
    }
    s
}
