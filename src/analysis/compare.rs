//! Two runs side by side: their stages matched across the runs even when stage ids shift, where
//! the time went, and the settings that differ (docs/analysis.md, "Comparing two runs").

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde::Serialize;

use super::summary::{stage_totals, StageTotals};
use crate::model::units::{format_bytes, format_duration};
use crate::model::Run;

/// How a stage of the after-run was paired with one of the before-run, strongest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchRule {
    /// Same call site and the same plan nodes (RDD scopes with their node numbers).
    PlanNodes,
    /// Same call site and the same operators (scopes without node numbers: the plan was
    /// renumbered, as AQE or another partition count does).
    Operators,
    /// Same call site, paired in submission order.
    CallSite,
}

/// One stage (all its attempts) of one run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StageSide {
    /// Stage id in its run.
    pub id: u64,
    /// Attempts seen.
    pub attempts: u32,
    /// Tasks ended (every attempt).
    pub tasks: u64,
    /// First submission to last completion, s (the History Server's stage duration, over
    /// attempts).
    pub wall_s: f64,
    /// Sum of the tasks' executor run time, s.
    pub task_time_s: f64,
    /// Input bytes read.
    pub input_bytes: u64,
    /// Shuffle bytes read.
    pub shuffle_read_bytes: u64,
    /// Shuffle bytes written.
    pub shuffle_write_bytes: u64,
    /// Memory spill bytes.
    pub memory_spill_bytes: u64,
    /// Disk spill bytes.
    pub disk_spill_bytes: u64,
}

/// A stage of either run with its counterpart, if one was found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StageMatch {
    /// The stage's name (its call site).
    pub name: String,
    /// In the before-run; none for a new stage.
    pub before: Option<StageSide>,
    /// In the after-run; none for a stage that is gone.
    pub after: Option<StageSide>,
    /// How the two were paired; none when the stage is in one run only.
    pub matched_by: Option<MatchRule>,
    /// After minus before wall time, s (a new stage counts its whole time, a gone one minus it).
    pub delta_s: f64,
}

/// A setting that differs between the runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SettingChange {
    /// The Spark property, or `glue.workerType`, `glue.workerCount`, `glue.version`,
    /// `spark.version`.
    pub key: String,
    /// Its value in the before-run (none: not set).
    pub before: Option<String>,
    /// Its value in the after-run.
    pub after: Option<String>,
}

/// Everything the comparison shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// The before-run's duration, s.
    pub before_s: f64,
    /// The after-run's duration, s.
    pub after_s: f64,
    /// before_s / after_s: above 1 the after-run is faster.
    pub speedup: f64,
    /// One line: how much faster or slower, and the stages that made it so.
    pub summary: String,
    /// Settings that differ, by key.
    pub settings_changed: Vec<SettingChange>,
    /// Every stage of both runs, the largest change of wall time first.
    pub stages: Vec<StageMatch>,
}

/// A stage's identity for matching, and its figures.
struct Staged {
    side: StageSide,
    name: String,
    first_submitted_s: f64,
    /// RDD names and scopes, with node numbers, sorted.
    plan: Vec<String>,
}

/// Spark names plan nodes in scopes like `WholeStageCodegen (7)`; the number is the node's.
fn without_node_number(scope: &str) -> &str {
    match scope.rsplit_once(" (") {
        Some((head, tail))
            if tail.ends_with(')')
                && tail[..tail.len() - 1].bytes().all(|b| b.is_ascii_digit()) =>
        {
            head
        }
        _ => scope,
    }
}

/// The stages of `run` for matching, `totals` being its [`stage_totals`].
fn staged(run: &Run, totals: &[StageTotals]) -> Vec<Staged> {
    let mut by_id: BTreeMap<u64, Staged> = BTreeMap::new();
    let by_attempt: HashMap<(u64, u32), &StageTotals> =
        totals.iter().map(|t| ((t.stage, t.attempt), t)).collect();
    let none = StageTotals::default();
    for s in &run.stages {
        let t = by_attempt.get(&(s.id, s.attempt)).copied().unwrap_or(&none);
        let e = by_id.entry(s.id).or_insert_with(|| Staged {
            side: StageSide {
                id: s.id,
                attempts: 0,
                tasks: 0,
                wall_s: 0.0,
                task_time_s: 0.0,
                input_bytes: 0,
                shuffle_read_bytes: 0,
                shuffle_write_bytes: 0,
                memory_spill_bytes: 0,
                disk_spill_bytes: 0,
            },
            name: s.name.clone(),
            first_submitted_s: f64::INFINITY,
            plan: Vec::new(),
        });
        let side = &mut e.side;
        side.attempts = side.attempts.saturating_add(1);
        side.tasks = side.tasks.saturating_add(t.tasks);
        side.task_time_s += t.run_time_ms as f64 / 1e3;
        side.input_bytes = side.input_bytes.saturating_add(t.input_bytes);
        side.shuffle_read_bytes = side.shuffle_read_bytes.saturating_add(t.shuffle_read_bytes);
        side.shuffle_write_bytes = side
            .shuffle_write_bytes
            .saturating_add(t.shuffle_write_bytes);
        side.memory_spill_bytes = side.memory_spill_bytes.saturating_add(t.memory_spill_bytes);
        side.disk_spill_bytes = side.disk_spill_bytes.saturating_add(t.disk_spill_bytes);
        if let Some(sub) = s.submitted_s {
            e.first_submitted_s = e.first_submitted_s.min(sub);
        }
        if e.plan.is_empty() {
            e.plan = s
                .rdds
                .iter()
                .map(|r| format!("{}|{}", r.name, r.operation.as_deref().unwrap_or("")))
                .collect();
            e.plan.sort();
        }
    }
    // Wall time over attempts: first submission to last completion.
    for s in &run.stages {
        if let (Some(e), Some(done)) = (by_id.get_mut(&s.id), s.completed_s) {
            if e.first_submitted_s.is_finite() {
                e.side.wall_s = e.side.wall_s.max(done - e.first_submitted_s);
            }
        }
    }
    let mut out: Vec<Staged> = by_id.into_values().collect();
    // Submission order (never submitted last), then id.
    out.sort_by(|a, b| {
        a.first_submitted_s
            .total_cmp(&b.first_submitted_s)
            .then(a.side.id.cmp(&b.side.id))
    });
    out
}

/// The key a rule matches on.
fn key(s: &Staged, rule: MatchRule) -> String {
    match rule {
        MatchRule::PlanNodes => format!("{}\u{1f}{}", s.name, s.plan.join("\u{1e}")),
        MatchRule::Operators => {
            let mut ops: Vec<String> = s
                .plan
                .iter()
                .map(|p| match p.split_once('|') {
                    Some((name, scope)) => format!("{name}|{}", without_node_number(scope)),
                    None => p.clone(),
                })
                .collect();
            ops.sort();
            format!("{}\u{1f}{}", s.name, ops.join("\u{1e}"))
        }
        MatchRule::CallSite => s.name.clone(),
    }
}

/// Pairs the stages of two runs: rule by rule, strongest first, the k-th unmatched stage with a
/// key in the before-run with the k-th with the same key in the after-run (submission order).
fn match_stages(before: Vec<Staged>, after: Vec<Staged>) -> Vec<StageMatch> {
    let mut before: Vec<Option<Staged>> = before.into_iter().map(Some).collect();
    let mut after: Vec<Option<Staged>> = after.into_iter().map(Some).collect();
    let mut out = Vec::new();
    for rule in [
        MatchRule::PlanNodes,
        MatchRule::Operators,
        MatchRule::CallSite,
    ] {
        let mut waiting: HashMap<String, VecDeque<usize>> = HashMap::new();
        for (i, a) in after.iter().enumerate() {
            if let Some(a) = a {
                waiting.entry(key(a, rule)).or_default().push_back(i);
            }
        }
        for b in before.iter_mut() {
            let Some(k) = b.as_ref().map(|b| key(b, rule)) else {
                continue;
            };
            let Some(j) = waiting.get_mut(&k).and_then(VecDeque::pop_front) else {
                continue;
            };
            if let (Some(b), Some(a)) = (b.take(), after[j].take()) {
                out.push(StageMatch {
                    name: b.name,
                    delta_s: a.side.wall_s - b.side.wall_s,
                    before: Some(b.side),
                    after: Some(a.side),
                    matched_by: Some(rule),
                });
            }
        }
    }
    for b in before.into_iter().flatten() {
        out.push(StageMatch {
            name: b.name,
            delta_s: -b.side.wall_s,
            before: Some(b.side),
            after: None,
            matched_by: None,
        });
    }
    for a in after.into_iter().flatten() {
        out.push(StageMatch {
            name: a.name,
            delta_s: a.side.wall_s,
            before: None,
            after: Some(a.side),
            matched_by: None,
        });
    }
    out.sort_by(|x, y| {
        y.delta_s
            .abs()
            .total_cmp(&x.delta_s.abs())
            .then(id_of(x).cmp(&id_of(y)))
    });
    out
}

fn id_of(m: &StageMatch) -> (u64, u64) {
    (
        m.before.as_ref().map_or(u64::MAX, |s| s.id),
        m.after.as_ref().map_or(u64::MAX, |s| s.id),
    )
}

/// Spark properties that name the run itself (its id, ports, start time), not how it ran.
const IDENTITY_KEYS: &[&str] = &[
    "spark.app.id",
    "spark.app.startTime",
    "spark.app.submitTime",
    "spark.app.attempt.id",
    "spark.driver.port",
    "spark.driver.host",
    "spark.driver.appUIAddress",
    "spark.blockManager.port",
    "spark.executor.id",
    "spark.ui.proxyBase",
    "spark.yarn.app.id",
    "spark.yarn.app.container.log.dir",
    "spark.sql.execution.id",
    "spark.databricks.clusterUsageTags.clusterId",
];

/// The settings of a run that matter to a comparison: its Spark properties (the run's own id
/// replaced, so that paths naming it compare equal) and its Glue worker type, count and version.
fn settings(run: &Run) -> BTreeMap<String, String> {
    let id = run.meta.app_id.as_deref().filter(|s| !s.is_empty());
    let mut out: BTreeMap<String, String> = run
        .meta
        .config
        .iter()
        .filter(|(k, _)| !IDENTITY_KEYS.contains(&k.as_str()))
        .map(|(k, v)| {
            let v = match id {
                Some(id) => v.replace(id, "<app-id>"),
                None => v.clone(),
            };
            (k.clone(), v)
        })
        .collect();
    let meta = &run.meta;
    for (k, v) in [
        ("glue.workerType", meta.worker_type.clone()),
        ("glue.workerCount", meta.worker_count.map(|c| c.to_string())),
        ("glue.version", meta.glue_version.clone()),
        ("spark.version", meta.spark_version.clone()),
    ] {
        if let Some(v) = v {
            out.insert(k.to_string(), v);
        }
    }
    out
}

fn settings_changed(before: &Run, after: &Run) -> Vec<SettingChange> {
    let (b, a) = (settings(before), settings(after));
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| b.get(*k) != a.get(*k))
        .map(|k| SettingChange {
            key: k.clone(),
            before: b.get(k).cloned(),
            after: a.get(k).cloned(),
        })
        .collect()
}

/// A stage as the summary line names it.
fn stage_label(m: &StageMatch) -> String {
    let id = match (&m.before, &m.after) {
        (Some(b), Some(a)) if b.id == a.id => format!("stage {}", b.id),
        (Some(b), Some(a)) => format!("stage {} (now {})", b.id, a.id),
        (Some(b), None) => format!("stage {} (gone)", b.id),
        (None, Some(a)) => format!("new stage {}", a.id),
        (None, None) => "stage".to_string(),
    };
    let mut name: String = m.name.chars().take(48).collect();
    if m.name.chars().count() > 48 {
        name.push('…');
    }
    format!("{id} {name}")
}

fn signed_s(s: f64) -> String {
    let sign = if s < 0.0 { "−" } else { "+" };
    format!("{sign}{}", format_duration(s.abs()))
}

/// The largest relative change of a matched stage's bytes, if notable (≥ 1 MB and ≥ 10 %).
fn bytes_change(m: &StageMatch) -> Option<String> {
    let (b, a) = (m.before.as_ref()?, m.after.as_ref()?);
    let spill = |s: &StageSide| s.memory_spill_bytes.saturating_add(s.disk_spill_bytes);
    [
        (
            "shuffle write",
            b.shuffle_write_bytes,
            a.shuffle_write_bytes,
        ),
        ("shuffle read", b.shuffle_read_bytes, a.shuffle_read_bytes),
        ("spill", spill(b), spill(a)),
        ("input", b.input_bytes, a.input_bytes),
    ]
    .into_iter()
    .map(|(what, x, y)| (what, y as f64 - x as f64, x.max(y) as f64))
    .filter(|(_, d, top)| d.abs() >= 1e6 && d.abs() >= 0.1 * top)
    .max_by(|x, y| x.1.abs().total_cmp(&y.1.abs()))
    .map(|(what, d, _)| {
        let sign = if d < 0.0 { "−" } else { "+" };
        format!("{what} {sign}{}", format_bytes(d.abs()))
    })
}

fn summary_line(before_s: f64, after_s: f64, stages: &[StageMatch]) -> String {
    let head = if before_s <= 0.0 || after_s <= 0.0 {
        "no duration to compare".to_string()
    } else if (before_s / after_s - 1.0).abs() < 0.005 {
        "as fast".to_string()
    } else if after_s < before_s {
        format!("{:.2}× faster", before_s / after_s)
    } else {
        format!("{:.2}× slower", after_s / before_s)
    };
    // The stages that moved most, as long as each moved by a second or 1 % of the run.
    let floor = (0.01 * before_s.max(after_s)).max(1.0);
    let parts: Vec<String> = stages
        .iter()
        .filter(|m| m.delta_s.abs() >= floor)
        .take(2)
        .map(|m| {
            let mut s = format!("{} {}", stage_label(m), signed_s(m.delta_s));
            if let Some(b) = bytes_change(m) {
                s.push_str(", ");
                s.push_str(&b);
            }
            s
        })
        .collect();
    if parts.is_empty() {
        head
    } else {
        format!("{head}: {}", parts.join("; "))
    }
}

/// Compares `after` with `before`.
pub fn compare(before: &Run, after: &Run) -> Comparison {
    compare_totals(before, &stage_totals(before), after, &stage_totals(after))
}

/// [`compare`] from each run's stage totals (made where the tasks are: the page's worker), so
/// that it does not walk the tasks.
pub fn compare_totals(
    before: &Run,
    before_totals: &[StageTotals],
    after: &Run,
    after_totals: &[StageTotals],
) -> Comparison {
    let stages = match_stages(staged(before, before_totals), staged(after, after_totals));
    let (before_s, after_s) = (before.meta.duration_s, after.meta.duration_s);
    let speedup = if after_s > 0.0 {
        before_s / after_s
    } else {
        0.0
    };
    Comparison {
        before_s,
        after_s,
        speedup,
        summary: summary_line(before_s, after_s, &stages),
        settings_changed: settings_changed(before, after),
        stages,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_numbers_are_stripped_from_scopes_only() {
        assert_eq!(
            without_node_number("WholeStageCodegen (7)"),
            "WholeStageCodegen"
        );
        assert_eq!(without_node_number("Exchange"), "Exchange");
        assert_eq!(without_node_number("map (x)"), "map (x)");
    }
}
