//! The human-readable summary table.

use crate::analysis::summary::SummaryRecord;
use crate::analysis::Analysis;
use crate::model::units::{format_bytes, format_duration};

fn bytes(v: Option<u64>) -> String {
    v.map_or_else(|| "–".into(), |b| format_bytes(b as f64))
}

fn count(v: Option<u64>) -> String {
    v.map_or_else(|| "–".into(), group_thousands)
}

fn group_thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Renders a table (one row per input) followed by each input's straggler, findings and warnings.
pub fn render(rows: &[(SummaryRecord, Analysis)]) -> String {
    let header = [
        "SOURCE",
        "FORMAT",
        "STATUS",
        "DURATION",
        "EXECUTORS",
        "STAGES",
        "TASKS",
        "FAILED",
        "INPUT",
        "OUTPUT",
        "SHUFFLE W",
        "SHUFFLE R",
        "SPILL (DISK)",
        "STRAGGLER",
    ];
    let mut table: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for (r, _) in rows {
        table.push(vec![
            r.source.clone(),
            r.format.clone(),
            r.status.clone(),
            format_duration(r.duration_s),
            r.executors.to_string(),
            count(r.stages),
            count(r.tasks),
            count(r.failed_tasks),
            bytes(r.input_bytes),
            bytes(r.output_bytes),
            bytes(r.shuffle_write_bytes),
            bytes(r.shuffle_read_bytes),
            bytes(r.disk_spill_bytes),
            r.straggler.as_ref().map_or_else(
                || "none".into(),
                |s| format!("executor {} ({})", s.executor, s.cause),
            ),
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            table
                .iter()
                .map(|row| row[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &table {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, v)| {
                let pad = widths[c] - v.chars().count();
                // Numbers right-aligned, text left-aligned.
                if (4..13).contains(&c) {
                    format!("{}{v}", " ".repeat(pad))
                } else {
                    format!("{v}{}", " ".repeat(pad))
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    for (r, a) in rows {
        out.push('\n');
        out.push_str(&format!("{}\n", r.source));
        if let Some(p) = &a.platform {
            out.push_str(&format!("  platform: {} ({})\n", p.label(), p.evidence));
        }
        if let Some(s) = &a.straggler {
            out.push_str(&format!(
                "  straggler: {}\n  try: {}\n",
                s.explanation, s.advice
            ));
        }
        for f in a.findings.iter().filter(|f| f.kind != "straggler") {
            out.push_str(&format!(
                "  {} {}: {}\n",
                f.severity.as_str(),
                f.title,
                f.detail
            ));
        }
        for w in &r.warnings {
            out.push_str(&format!("  warning: {w}\n"));
        }
    }
    out
}
