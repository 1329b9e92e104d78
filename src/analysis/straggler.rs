//! Straggler detection: the executor (and task, stage) that holds a job back, and why.
//!
//! Two shapes, from the AWS Glue profiling guide's examples (docs/analysis.md has the details):
//! - a **lone tail**: one task runs alone while every other slot is idle or released (a
//!   one-task stage after `coalesce(1)`); there is no "rest of the stage" to compare with, so the
//!   measure is the time it ran alone;
//! - a **skewed stage**: a task far longer than its stage's median (max/median ≥ 4, Dr. Elephant's
//!   "severe" level; DataFlint flags 10× above 5 s), kept only when the data explains it — a
//!   partition with more bytes, heavy spill/GC, or an executor slower than its peers — so that
//!   JIT warm-up of first tasks is not reported.

use std::collections::HashMap;

use super::timeline::{lone_seconds, median, Slots};
use crate::model::{Run, Task, TaskStatus};

/// A lone task must run alone for at least this share of the run …
pub const LONE_SHARE_MIN: f64 = 0.10;
/// … and at least this long, seconds.
pub const LONE_MIN_S: f64 = 2.0;
/// Max/median task duration from which a stage is skewed (Dr. Elephant's "severe").
pub const SKEW_RATIO_MIN: f64 = 4.0;
/// A skewed task must cost at least this share of the run …
pub const SKEW_EXCESS_SHARE_MIN: f64 = 0.05;
/// … and at least this long, seconds.
pub const SKEW_EXCESS_MIN_S: f64 = 2.0;
/// A task's bytes over the stage median from which its partition counts as skewed.
pub const DATA_RATIO_MIN: f64 = 2.0;
/// GC time share of a task's run time that makes it GC-heavy.
pub const GC_SHARE_MIN: f64 = 0.3;
/// An executor whose median task time in a stage is this many times its peers' is slow.
pub const SLOW_EXECUTOR_RATIO: f64 = 2.0;

/// Why an executor straggles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Cause {
    /// A stage with one partition (e.g. after `coalesce(1)`): one task does all the work.
    SinglePartitionStage,
    /// One partition holds much more data than the others (a hot key).
    SkewedPartition,
    /// The executor runs the same work slower than its peers.
    SlowExecutor,
    /// The task spills to disk or spends its time in garbage collection.
    SpillGcHeavy,
    /// Only metrics (no tasks): one executor kept working after all others went idle.
    LoneExecutor,
}

impl Cause {
    /// The kebab-case word used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::SinglePartitionStage => "single-partition-stage",
            Cause::SkewedPartition => "skewed-partition",
            Cause::SlowExecutor => "slow-executor",
            Cause::SpillGcHeavy => "spill-gc-heavy",
            Cause::LoneExecutor => "lone-executor",
        }
    }
}

/// The executor that holds the job back.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Straggler {
    /// Executor id.
    pub executor: String,
    /// Stage id, when known.
    pub stage: Option<u64>,
    /// Task id, when known.
    pub task: Option<u64>,
    /// Why.
    pub cause: Cause,
    /// Wall time the job lost to it, seconds (see docs/analysis.md).
    pub excess_s: f64,
    /// When the straggling work started, seconds from run start.
    pub start_s: f64,
    /// When it ended.
    pub end_s: f64,
    /// How long the straggling task (or the lone period) took, seconds.
    pub duration_s: f64,
    /// Median duration of the other tasks of its stage, seconds.
    pub peer_median_s: Option<f64>,
    /// Seconds during which it was the only task running.
    pub lone_s: f64,
    /// The task's bytes (input + shuffle read) over the stage median.
    pub data_ratio: Option<f64>,
    /// Task slots that sat idle or were released meanwhile.
    pub idle_slots: u32,
    /// One sentence: what happened.
    pub explanation: String,
    /// What to try.
    pub advice: String,
}

fn task_bytes(t: &Task) -> u64 {
    t.input_bytes + t.shuffle_read_bytes()
}

fn stage_has_op(run: &Run, stage: u64, op: &str) -> bool {
    run.stages
        .iter()
        .filter(|s| s.id == stage)
        .flat_map(|s| s.rdds.iter())
        .any(|r| {
            r.operation
                .as_deref()
                .is_some_and(|o| o.eq_ignore_ascii_case(op))
                || r.name == format!("{op}edRDD")
        })
}

/// Every straggler candidate, largest excess first.
pub fn candidates(run: &Run) -> Vec<Straggler> {
    let mut out = Vec::new();
    if run.tasks.is_empty() {
        out.extend(from_series(run));
        return out;
    }
    let slots = Slots::new(run);
    if slots.max() < 2 {
        // One slot: nothing ran beside anything; no executor can hold others back.
        return out;
    }
    let duration = run.meta.duration_s.max(1e-9);
    let by_stage = group_by_stage(run);
    lone_tail(run, &slots, &by_stage, duration, &mut out);
    skewed_stages(run, &by_stage, duration, &mut out);
    crate::sorting::sort_by(&mut out, |s| crate::sorting::Key::f(-s.excess_s));
    // One entry per executor-task: a lone skewed task may be found by both rules.
    let mut seen = std::collections::HashSet::new();
    out.retain(|s| seen.insert((s.executor.clone(), s.task)));
    out
}

/// The straggler of a run, or none on a balanced run.
pub fn detect(run: &Run) -> Option<Straggler> {
    candidates(run).into_iter().next()
}

fn group_by_stage(run: &Run) -> HashMap<(u64, u32), Vec<usize>> {
    let mut m: HashMap<(u64, u32), Vec<usize>> = HashMap::new();
    for (i, t) in run.tasks.refs().enumerate() {
        if t.status() != TaskStatus::Running {
            m.entry((t.stage_id(), t.stage_attempt()))
                .or_default()
                .push(i);
        }
    }
    m
}

fn lone_tail(
    run: &Run,
    slots: &Slots,
    by_stage: &HashMap<(u64, u32), Vec<usize>>,
    duration: f64,
    out: &mut Vec<Straggler>,
) {
    let lone = lone_seconds(run);
    for (i, &l) in lone.iter().enumerate() {
        if l < LONE_MIN_S || l < LONE_SHARE_MIN * duration {
            continue;
        }
        let t = &run.tasks.row(i);
        let (start, end) = (t.launch_s, t.finish_s.unwrap_or(duration));
        let total_slots = slots.at(start).max(slots.at(end - l)).max(2);
        let stage_tasks = by_stage
            .get(&(t.stage_id, t.stage_attempt))
            .map_or(1, |v| v.len());
        let num_tasks = run
            .stages
            .iter()
            .find(|s| s.id == t.stage_id && s.attempt == t.stage_attempt)
            .map_or(stage_tasks as u64, |s| s.num_tasks.max(stage_tasks as u64));
        let idle = total_slots - 1;
        // Spread over every slot, the lone work would have taken l / slots.
        let excess = l * (1.0 - 1.0 / total_slots as f64);
        let (cause, peer_median, data_ratio) = if num_tasks <= 1 {
            (Cause::SinglePartitionStage, None, None)
        } else {
            match attribute(run, t, by_stage) {
                (Some(cause), pm, dr) => (cause, pm, dr),
                // Nothing in the data explains it (JIT warm-up of first tasks): not a straggler.
                (None, ..) => continue,
            }
        };
        let coalesce = stage_has_op(run, t.stage_id, "Coalesce");
        let (explanation, advice) = match cause {
            Cause::SinglePartitionStage => (
                format!(
                    "Stage {} has a single partition{}: task {} ran alone on executor {} for {} while {} other task slot{} idle or released.",
                    t.stage_id,
                    if coalesce { " (coalesce(1))" } else { "" },
                    t.id,
                    t.executor_id,
                    crate::model::units::format_duration(l),
                    idle,
                    if idle == 1 { " was" } else { "s were" }
                ),
                if coalesce {
                    "Remove coalesce(1) (or raise it), and let Glue group small input files ('groupFiles': 'inPartition') or Spark pack them (spark.sql.files.maxPartitionBytes) so every executor reads and writes in parallel.".to_string()
                } else {
                    "Give the stage more partitions (repartition before the wide step, or raise spark.sql.shuffle.partitions) so the work spreads over the executors.".to_string()
                },
            ),
            _ => skew_text(run, t, cause, data_ratio, l),
        };
        out.push(Straggler {
            executor: t.executor_id.to_string(),
            stage: Some(t.stage_id),
            task: Some(t.id),
            cause,
            excess_s: excess,
            start_s: start,
            end_s: end,
            duration_s: t.duration_s(),
            peer_median_s: peer_median,
            lone_s: l,
            data_ratio,
            idle_slots: idle,
            explanation,
            advice,
        });
    }
}

/// Why a long task is long: (cause, stage median duration, data ratio); cause none when nothing in
/// the data explains it (e.g. JVM warm-up of first tasks).
fn attribute(
    run: &Run,
    t: &Task,
    by_stage: &HashMap<(u64, u32), Vec<usize>>,
) -> (Option<Cause>, Option<f64>, Option<f64>) {
    let Some(idx) = by_stage.get(&(t.stage_id, t.stage_attempt)) else {
        return (None, None, None);
    };
    let peers: Vec<Task> = idx
        .iter()
        .map(|&i| run.tasks.row(i))
        .filter(|p| p.id != t.id)
        .collect();
    let mut durs: Vec<f64> = peers.iter().map(|p| p.duration_s()).collect();
    let peer_median = median(&mut durs);
    let mut bytes: Vec<f64> = idx
        .iter()
        .map(|&i| task_bytes(&run.tasks.row(i)) as f64)
        .collect();
    let data_ratio = median(&mut bytes)
        .filter(|m| *m > 0.0)
        .map(|m| task_bytes(t) as f64 / m);
    let gc_heavy = t.run_time_s > 0.0 && t.gc_time_s / t.run_time_s >= GC_SHARE_MIN;
    let peers_spill: u64 = peers.iter().map(|p| p.disk_spill_bytes).max().unwrap_or(0);
    let spill_heavy = t.disk_spill_bytes > 0 && t.disk_spill_bytes > 2 * peers_spill;
    if spill_heavy || gc_heavy {
        return (Some(Cause::SpillGcHeavy), peer_median, data_ratio);
    }
    if data_ratio.is_some_and(|r| r >= DATA_RATIO_MIN) {
        return (Some(Cause::SkewedPartition), peer_median, data_ratio);
    }
    // Slow executor: its other tasks in this stage are slow too, compared with other executors'.
    let mut mine: Vec<f64> = peers
        .iter()
        .filter(|p| p.executor_id == t.executor_id)
        .map(|p| p.duration_s())
        .collect();
    let mut theirs: Vec<f64> = peers
        .iter()
        .filter(|p| p.executor_id != t.executor_id)
        .map(|p| p.duration_s())
        .collect();
    if mine.len() >= 2 && theirs.len() >= 2 {
        if let (Some(m), Some(o)) = (median(&mut mine), median(&mut theirs)) {
            if o > 0.0 && m / o >= SLOW_EXECUTOR_RATIO {
                return (Some(Cause::SlowExecutor), peer_median, data_ratio);
            }
        }
    }
    // Same data, longer time: an expensive key (compute skew) — unless every executor's first task
    // of the stage was slow too, which is JVM warm-up, not the data.
    let mut firsts: std::collections::HashMap<&str, Task> = std::collections::HashMap::new();
    for &i in idx {
        let p = run.tasks.row(i);
        match firsts.entry(run.tasks.executor_id(i)) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(p);
            }
            std::collections::hash_map::Entry::Occupied(mut o) => {
                if p.launch_s < o.get().launch_s {
                    o.insert(p);
                }
            }
        }
    }
    let is_first = firsts.get(&*t.executor_id).is_some_and(|f| f.id == t.id);
    let mut first_durs: Vec<f64> = firsts
        .values()
        .filter(|f| f.id != t.id)
        .map(|f| f.duration_s())
        .collect();
    let warm_up = is_first
        && median(&mut first_durs)
            .zip(peer_median)
            .is_some_and(|(f, m)| m > 0.0 && f >= SLOW_EXECUTOR_RATIO * m);
    if warm_up {
        (None, peer_median, data_ratio)
    } else {
        (Some(Cause::SkewedPartition), peer_median, data_ratio)
    }
}

fn skew_text(
    run: &Run,
    t: &Task,
    cause: Cause,
    data_ratio: Option<f64>,
    lone: f64,
) -> (String, String) {
    use crate::model::units::{format_bytes, format_duration};
    let d = format_duration(t.duration_s());
    let alone = if lone >= LONE_MIN_S {
        format!(", {} of it alone", format_duration(lone))
    } else {
        String::new()
    };
    match cause {
        Cause::SpillGcHeavy => (
            format!(
                "Task {} of stage {} on executor {} ran {d}{alone}, spilling {} to disk and spending {} in GC.",
                t.id,
                t.stage_id,
                t.executor_id,
                format_bytes(t.disk_spill_bytes as f64),
                format_duration(t.gc_time_s)
            ),
            "Give tasks more memory per core (bigger workers, spark.executor.memory) or smaller partitions (more spark.sql.shuffle.partitions); with skew, enable spark.sql.adaptive.skewJoin.enabled.".into(),
        ),
        Cause::SlowExecutor => (
            format!(
                "Executor {} ran the same stage's tasks at least {SLOW_EXECUTOR_RATIO}× slower than its peers; task {} took {d}{alone}.",
                t.executor_id, t.id
            ),
            "Look at that node (host {}): noisy neighbour, failing disk, or less CPU; Spark speculation (spark.speculation=true) re-runs slow tasks elsewhere.".replace(
                "{}",
                run.executors.iter().find(|e| *e.id == *t.executor_id).and_then(|e| e.host.as_deref()).unwrap_or("unknown"),
            ),
        ),
        _ => (
            format!(
                "Task {} of stage {} on executor {} ran {d}{alone}{}.",
                t.id,
                t.stage_id,
                t.executor_id,
                match data_ratio {
                    Some(r) if r >= DATA_RATIO_MIN => format!(", reading {r:.1}× the median partition's data ({}): a hot key", format_bytes(task_bytes(t) as f64)),
                    _ => String::new(),
                }
            ),
            "Split the hot key: enable AQE skew-join handling (spark.sql.adaptive.skewJoin.enabled=true), salt the key, or broadcast the small side; more shuffle partitions alone rarely fixes a single hot key.".into(),
        ),
    }
}

fn skewed_stages(
    run: &Run,
    by_stage: &HashMap<(u64, u32), Vec<usize>>,
    duration: f64,
    out: &mut Vec<Straggler>,
) {
    for idx in by_stage.values() {
        if idx.len() < 3 {
            continue;
        }
        let all: Vec<f64> = idx.iter().map(|&i| run.tasks.row(i).duration_s()).collect();
        let mut durs = all.clone();
        let Some(med) = median(&mut durs) else {
            continue;
        };
        let Some(worst) = (0..idx.len()).max_by(|&a, &b| all[a].total_cmp(&all[b])) else {
            continue;
        };
        let t = &run.tasks.row(idx[worst]);
        let max = t.duration_s();
        let excess = max - med;
        if med <= 0.0
            || max / med < SKEW_RATIO_MIN
            || excess < SKEW_EXCESS_MIN_S
            || excess < SKEW_EXCESS_SHARE_MIN * duration
        {
            continue;
        }
        let (cause, peer_median, data_ratio) = attribute(run, t, by_stage);
        let Some(cause) = cause else { continue };
        let (explanation, advice) = skew_text(run, t, cause, data_ratio, 0.0);
        out.push(Straggler {
            executor: t.executor_id.to_string(),
            stage: Some(t.stage_id),
            task: Some(t.id),
            cause,
            excess_s: excess,
            start_s: t.launch_s,
            end_s: t.finish_s.unwrap_or(duration),
            duration_s: max,
            peer_median_s: peer_median,
            lone_s: 0.0,
            data_ratio,
            idle_slots: 0,
            explanation,
            advice,
        });
    }
}

/// Metrics only (CloudWatch): an executor still busy after every other one went idle or away.
fn from_series(run: &Run) -> Option<Straggler> {
    super::series_straggler::detect(run)
}
