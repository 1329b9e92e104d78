//! Findings a user acts on: small input files, spill, failures, disk pressure, idle executors, cost.

use super::straggler::Straggler;
use super::summary::{Cost, Totals};
use crate::model::units::{format_bytes, format_duration};
use crate::model::{glue, metrics, Run, StageStatus, TaskStatus};

/// How much a finding matters.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Costs time or money.
    Warning,
    /// Fails the job or will.
    Critical,
}

impl Severity {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// One finding.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Finding {
    /// Kebab-case kind: `straggler`, `small-files`, `spill`, `failed-tasks`, `failed-stages`,
    /// `lost-map-outputs`, `disk-pressure`, `idle-executors`, `cost`.
    pub kind: std::borrow::Cow<'static, str>,
    /// How much it matters.
    pub severity: Severity,
    /// One line.
    pub title: String,
    /// The numbers behind it.
    pub detail: String,
    /// What to try.
    pub advice: Option<String>,
}

/// Input files per task below which files count as small, bytes.
const SMALL_FILE_BYTES: f64 = 8.0 * 1024.0 * 1024.0;
/// Idle share of executor time from which it is reported.
const IDLE_SHARE_MIN: f64 = 0.3;
/// Share of a worker's disk from which shuffle + spill is disk pressure.
const DISK_SHARE_MIN: f64 = 0.8;

/// All findings of a run, most severe first.
pub fn findings(
    run: &Run,
    totals: &Totals,
    straggler: Option<&Straggler>,
    cost: &Cost,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(s) = straggler {
        out.push(Finding {
            kind: "straggler".into(),
            severity: Severity::Warning,
            title: format!(
                "Executor {} is a straggler ({})",
                s.executor,
                s.cause.as_str()
            ),
            detail: format!(
                "{} It cost about {}.",
                s.explanation,
                format_duration(s.excess_s)
            ),
            advice: Some(s.advice.clone()),
        });
    }
    small_files(run, totals, &mut out);
    spill(run, totals, &mut out);
    failures(run, totals, &mut out);
    lost_outputs(run, &mut out);
    disk_pressure(run, &mut out);
    idle(run, totals, &mut out);
    out.push(Finding {
        kind: "cost".into(),
        severity: Severity::Info,
        title: format!("{:.2} DPU-hours, ${:.2}", cost.dpu_hours, cost.usd),
        detail: format!(
            "{} at ${:.2} per DPU-hour.",
            cost.basis, cost.price_per_dpu_hour
        ),
        advice: None,
    });
    crate::sorting::sort_by(&mut out, |f| crate::sorting::Key::u(3 - f.severity as u64));
    out
}

/// The number of input paths Spark listed: it lists more than
/// `spark.sql.sources.parallelPartitionDiscovery.threshold` (32) paths with a job described as
/// "Listing leaf files and directories for N paths".
pub fn listed_paths(run: &Run) -> Option<u64> {
    run.jobs
        .iter()
        .filter_map(|j| j.description.as_deref())
        .filter_map(|d| {
            let rest = d.split("Listing leaf files and directories for ").nth(1)?;
            rest.split_whitespace()
                .next()?
                .replace(',', "")
                .parse::<u64>()
                .ok()
        })
        .max()
}

fn small_files(run: &Run, totals: &Totals, out: &mut Vec<Finding>) {
    let input = totals.input_bytes.unwrap_or(0) as f64;
    if let Some(n) = listed_paths(run) {
        let per = input / n as f64;
        if n >= 100 && per < SMALL_FILE_BYTES {
            out.push(Finding {
                kind: "small-files".into(),
                severity: Severity::Warning,
                title: format!("{n} small input files"),
                detail: format!(
                    "Spark listed {n} input paths with a job of its own; {} read in all, about {} per file.",
                    format_bytes(input),
                    format_bytes(per)
                ),
                advice: Some("Read fewer, larger files: Glue grouping ('groupFiles': 'inPartition', 'groupSize'), or raise spark.sql.files.maxPartitionBytes / lower spark.sql.files.openCostInBytes so Spark packs small files into fewer tasks; compact the input upstream.".into()),
            });
            return;
        }
    }
    // Read stages with many tiny partitions: (tasks reading input, their bytes) per stage attempt.
    let mut reads: std::collections::HashMap<(u64, u32), (usize, f64)> =
        std::collections::HashMap::new();
    for t in run.tasks.iter().filter(|t| t.input_bytes > 0) {
        let r = reads.entry((t.stage_id, t.stage_attempt)).or_default();
        r.0 += 1;
        r.1 += t.input_bytes as f64;
    }
    for st in &run.stages {
        let Some(&(n, bytes)) = reads.get(&(st.id, st.attempt)) else {
            continue;
        };
        if n < 200 {
            continue;
        }
        let per = bytes / n as f64;
        if per < 1024.0 * 1024.0 {
            out.push(Finding {
                kind: "small-files".into(),
                severity: Severity::Warning,
                title: format!("Stage {} reads {n} tiny partitions", st.id),
                detail: format!("{n} tasks read {} each on average.", format_bytes(per)),
                advice: Some("Pack small files into larger partitions (spark.sql.files.maxPartitionBytes, Glue groupFiles).".into()),
            });
            return;
        }
    }
}

fn spill(run: &Run, totals: &Totals, out: &mut Vec<Finding>) {
    let disk = totals.disk_spill_bytes.unwrap_or(0);
    let mem = totals.memory_spill_bytes.unwrap_or(0);
    if disk == 0 && mem == 0 {
        return;
    }
    // Stages by the spill the log does record: disk bytes, or memory bytes when it has none (Spark
    // 1.x logs can record memory spill with 0 disk bytes).
    let by_disk = disk > 0;
    let mut by_stage: std::collections::HashMap<u64, u64> = std::collections::HashMap::new();
    for t in run.tasks.refs() {
        let b = if by_disk {
            t.disk_spill_bytes()
        } else {
            t.memory_spill_bytes()
        };
        if b > 0 {
            let s = by_stage.entry(t.stage_id()).or_default();
            *s = s.saturating_add(b);
        }
    }
    let mut per_stage: Vec<(u64, u64)> = by_stage.into_iter().collect();
    crate::sorting::sort_by(&mut per_stage, |p| crate::sorting::Key::u(p.0));
    crate::sorting::sort_by(&mut per_stage, |p| crate::sorting::Key::u(u64::MAX - p.1));
    let stages: Vec<String> = per_stage
        .iter()
        .take(3)
        .map(|(s, b)| format!("stage {s}: {}", format_bytes(*b as f64)))
        .collect();
    let where_ = if stages.is_empty() {
        String::new()
    } else {
        format!(" ({})", stages.join(", "))
    };
    let (title, detail) = if by_disk {
        (
            format!("{} spilled to disk", format_bytes(disk as f64)),
            format!(
                "{} of deserialized data did not fit in execution memory and was written to disk as {}{where_}.",
                format_bytes(mem as f64),
                format_bytes(disk as f64),
            ),
        )
    } else {
        (
            format!("{} spilled from memory", format_bytes(mem as f64)),
            format!(
                "{} of deserialized data did not fit in execution memory and was spilled{where_}; the log records no disk bytes for it, so its size on disk is not known.",
                format_bytes(mem as f64),
            ),
        )
    };
    out.push(Finding {
        kind: "spill".into(),
        severity: Severity::Warning,
        title,
        detail,
        advice: Some("More memory per task (bigger workers, fewer cores per executor) or smaller partitions (more spark.sql.shuffle.partitions, AQE advisory partition size).".into()),
    });
}

/// Finished map tasks whose output was lost with their executor (`Resubmitted` ends), by executor.
fn lost_outputs(run: &Run, out: &mut Vec<Finding>) {
    let mut by_exec: Vec<(&str, u64, Vec<u64>)> = Vec::new();
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for t in run.tasks.refs().filter(|t| t.output_lost()) {
        let ex = t.executor_id();
        let i = *index.entry(ex).or_insert_with(|| {
            by_exec.push((ex, 0, Vec::new()));
            by_exec.len() - 1
        });
        let e = &mut by_exec[i];
        e.1 += 1;
        if !e.2.contains(&t.stage_id()) {
            e.2.push(t.stage_id());
        }
    }
    if by_exec.is_empty() {
        return;
    }
    crate::sorting::sort_by(&mut by_exec, |e| crate::sorting::Key::u(u64::MAX - e.1));
    let total: u64 = by_exec.iter().map(|e| e.1).sum();
    let execs: Vec<String> = by_exec.iter().map(|e| e.0.to_string()).collect();
    let title = format!(
        "{total} map outputs lost with executor{} {}, recomputed",
        if execs.len() > 1 { "s" } else { "" },
        join_and(&execs)
    );
    let detail = by_exec
        .iter()
        .map(|(id, n, stages)| {
            let reason = run
                .executors
                .iter()
                .find(|e| e.id == *id)
                .and_then(|e| e.removed_reason.as_deref())
                .map(|r| format!(", removed: {}", r.lines().next().unwrap_or("")))
                .unwrap_or_default();
            let stages: Vec<String> = stages.iter().map(u64::to_string).collect();
            format!(
                "executor {id} held the shuffle output of {n} finished task{} (stage {}){reason}",
                if *n == 1 { "" } else { "s" },
                stages.join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    out.push(Finding {
        kind: "lost-map-outputs".into(),
        severity: Severity::Warning,
        title,
        detail: format!("{detail}. Spark counted each as a failed task end (Resubmitted) and re-ran it in a new stage attempt."),
        advice: Some("Find out why the executor was lost (its container log; an out-of-memory kill by YARN or Kubernetes calls for more spark.executor.memoryOverhead). An external shuffle service or shuffle-block decommissioning (spark.decommission.enabled, spark.storage.decommission.shuffleBlocks.enabled) keeps shuffle files when an executor goes.".into()),
    });
}

/// "a", "a and b", "a, b and c".
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn failures(run: &Run, totals: &Totals, out: &mut Vec<Finding>) {
    let failed = totals.failed_tasks.unwrap_or(0);
    if failed > 0 {
        let mut reasons: Vec<(String, u64)> = Vec::new();
        for t in run
            .tasks
            .refs()
            .filter(|t| t.status() == TaskStatus::Failed)
            .map(|t| t.task())
        {
            let r = t.failure_reason.clone().unwrap_or_else(|| "unknown".into());
            let key: String = r.lines().next().unwrap_or("").chars().take(160).collect();
            match reasons.iter_mut().find(|x| x.0 == key) {
                Some(x) => x.1 += 1,
                None => reasons.push((key, 1)),
            }
        }
        let lost = run.tasks.refs().filter(|t| t.output_lost()).count() as u64;
        if lost > 0 {
            reasons.push((
                "Resubmitted (map output lost with its executor)".into(),
                lost,
            ));
        }
        crate::sorting::sort_by(&mut reasons, |r| crate::sorting::Key::u(u64::MAX - r.1));
        let detail = if reasons.is_empty() {
            format!("{failed} task attempts failed.")
        } else {
            reasons
                .iter()
                .take(3)
                .map(|(r, n)| format!("{n} × {r}"))
                .collect::<Vec<_>>()
                .join("; ")
        };
        out.push(Finding {
            kind: "failed-tasks".into(),
            severity: if run.meta.status == crate::model::RunStatus::Failed {
                Severity::Critical
            } else {
                Severity::Warning
            },
            title: format!("{failed} failed task attempts"),
            detail,
            advice: None,
        });
    }
    let failed_stages: Vec<_> = run
        .stages
        .iter()
        .filter(|s| s.status == StageStatus::Failed)
        .collect();
    if !failed_stages.is_empty() {
        let first = failed_stages[0];
        out.push(Finding {
            kind: "failed-stages".into(),
            severity: Severity::Critical,
            title: format!("{} failed stage attempts", failed_stages.len()),
            detail: format!(
                "Stage {} attempt {}: {}",
                first.id,
                first.attempt,
                first
                    .failure_reason
                    .as_deref()
                    .unwrap_or("no reason given")
                    .lines()
                    .next()
                    .unwrap_or("")
            ),
            advice: None,
        });
    }
}

fn no_space_left(reason: &str) -> bool {
    reason.contains("No space left on device")
}

fn disk_pressure(run: &Run, out: &mut Vec<Finding>) {
    let no_space = run
        .tasks
        .iter()
        .any(|t| t.failure_reason.as_deref().is_some_and(no_space_left))
        || run
            .stages
            .iter()
            .filter_map(|s| s.failure_reason.as_deref())
            .chain(run.meta.error.as_deref())
            .any(no_space_left);
    let disk = run
        .meta
        .worker_type
        .as_deref()
        .and_then(glue::worker_type)
        .map(|w| w.disk_bytes);
    // Per executor: shuffle files written plus spill, which share the local disk.
    let mut used: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    for t in run.tasks.refs() {
        *used.entry(t.executor_id()).or_default() += t.shuffle_write_bytes() + t.disk_spill_bytes();
    }
    let mut worst: Option<(String, u64)> = None;
    for e in run.worker_executors() {
        let used = used.get(e.id.as_str()).copied().unwrap_or(0);
        if worst.as_ref().is_none_or(|w| used > w.1) {
            worst = Some((e.id.clone(), used));
        }
    }
    let cw_disk_mb = run
        .series(metrics::DISK_SPACE_USED_MB)
        .and_then(|s| s.max());
    let pressure = match (disk, &worst) {
        (Some(d), Some((_, used))) => *used as f64 >= DISK_SHARE_MIN * d as f64,
        _ => false,
    } || matches!((disk, cw_disk_mb), (Some(d), Some(mb)) if mb * 1048576.0 >= DISK_SHARE_MIN * d as f64);
    if !(no_space || pressure) {
        return;
    }
    let detail = match (&worst, disk) {
        (Some((id, used)), Some(d)) => format!(
            "Executor {id} wrote {} of shuffle files and spill to its local disk ({} per worker).",
            format_bytes(*used as f64),
            format_bytes(d as f64)
        ),
        (Some((id, used)), None) => format!(
            "Executor {id} wrote {} of shuffle files and spill to its local disk.",
            format_bytes(*used as f64)
        ),
        _ => "Local disk filled with shuffle files and spill.".to_string(),
    };
    out.push(Finding {
        kind: "disk-pressure".into(),
        severity: if no_space { Severity::Critical } else { Severity::Warning },
        title: if no_space { "No space left on device".into() } else { "Local disks nearly full".into() },
        detail,
        advice: Some("Write shuffle (and spill) to S3 (Glue: --write-shuffle-files-to-s3 true, --write-shuffle-spills-to-s3 true), use workers with more disk, or reduce spill.".into()),
    });
}

fn idle(run: &Run, totals: &Totals, out: &mut Vec<Finding>) {
    if run.tasks.is_empty() || totals.executor_hours <= 0.0 {
        return;
    }
    let slot_hours: f64 = run
        .worker_executors()
        .map(|e| {
            let life =
                (e.removed_s.unwrap_or(run.meta.duration_s) - e.added_s.unwrap_or(0.0)).max(0.0);
            life * e.cores.unwrap_or(1).max(1) as f64
        })
        .sum::<f64>()
        / 3600.0;
    let busy_hours: f64 = run.tasks.refs().map(|t| t.duration_s()).sum::<f64>() / 3600.0;
    if slot_hours <= 0.0 {
        return;
    }
    let idle_share = (1.0 - busy_hours / slot_hours).clamp(0.0, 1.0);
    if idle_share < IDLE_SHARE_MIN {
        return;
    }
    out.push(Finding {
        kind: "idle-executors".into(),
        severity: Severity::Info,
        title: format!("{:.0}% of executor time idle", idle_share * 100.0),
        detail: format!(
            "Executors were alive for {:.2} slot-hours and ran tasks for {:.2}.",
            slot_hours, busy_hours
        ),
        advice: Some("Idle slots are paid for: enable dynamic allocation (spark.dynamicAllocation.enabled) with a short executorIdleTimeout, use fewer workers, or give the job more parallelism.".into()),
    });
}
