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
    /// `lost-map-outputs`, `disk-pressure`, `idle-executors`, `executor-memory-under-provisioned`,
    /// `executor-memory-over-provisioned`, `driver-memory-pressure`, `tiny-tasks`,
    /// `oversized-partitions`, `gc-heavy`, `large-broadcast`, `glue-skew`,
    /// `low-worker-utilization`, `glue-memory-pressure`, `glue-error-category`, `cost`.
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
pub const IDLE_SHARE_MIN: f64 = 0.3;
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
    memory(run, &mut out);
    tiny_tasks(run, &mut out);
    oversized_partitions(run, &mut out);
    gc(run, &mut out);
    large_broadcast(run, &mut out);
    glue_observability(run, &mut out);
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
    } || matches!((disk, cw_disk_mb), (Some(d), Some(mb)) if mb * 1048576.0 >= DISK_SHARE_MIN * d as f64)
        || observed_disk_percent(run).is_some_and(|p| p >= DISK_SHARE_MIN * 100.0);
    if !(no_space || pressure) {
        return;
    }
    let detail = match (&worst, disk) {
        _ if worst.as_ref().is_none_or(|w| w.1 == 0) && observed_disk_percent(run).is_some() => {
            format!(
                "Glue measured the local disks up to {:.0} % full (glue.*.disk.used.percentage).",
                observed_disk_percent(run).unwrap_or(0.0)
            )
        }
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

/// The fullest local disk Glue's observability metrics measured, percent.
fn observed_disk_percent(run: &Run) -> Option<f64> {
    ["driver", "ALL"]
        .iter()
        .filter_map(|src| run.series(&metrics::disk_used_percentage(src))?.max())
        .reduce(f64::max)
}

/// Heap share from which memory counts as under pressure (DataFlint's under-provisioned level).
const MEMORY_PRESSURE_PERCENT: f64 = 95.0;

/// Findings from Glue's observability metrics (Glue 4.0+, `--enable-observability-metrics`):
/// skew, worker utilisation, memory pressure and the error category of a failed run.
fn glue_observability(run: &Run, out: &mut Vec<Finding>) {
    // Skewness: AWS scores a stage 0 while its longest task is within the skew factor (5×, or the
    // run's `skewnessFactor`) of the median and 1 at twice the factor; the job's is the largest, weighted by stage time.
    let skew = run
        .series(metrics::SKEWNESS_JOB)
        .or_else(|| run.series(metrics::SKEWNESS_STAGE))
        .and_then(|s| Some((s.metric.clone(), s.max()?)));
    if let Some((metric, peak)) = skew.filter(|(_, p)| *p > 0.0) {
        let factor = glue::skewness_factor(&run.meta.config);
        out.push(Finding {
            kind: "glue-skew".into(),
            severity: if peak >= 1.0 { Severity::Warning } else { Severity::Info },
            title: format!("Glue measured task skew (skewness up to {peak:.2})"),
            detail: format!(
                "{metric} peaks at {peak:.2}: a stage's longest task ran more than {:.0}× its median (0 is within {factor}×, 1 is {}×, the skew factor {}).",
                factor * (1.0 + peak),
                factor * 2.0,
                if run.meta.config.contains_key(glue::SKEWNESS_FACTOR_KEY) { "the run sets" } else { "Glue's default" }
            ),
            advice: Some("Find the skewed stage in the stage table (largest max/median task time); enable adaptive execution's skew join (spark.sql.adaptive.skewJoin.enabled), salt the hot key, or repartition before the wide operation.".into()),
        });
    }
    // Worker utilisation: the same idle level as idle executors (30 % idle).
    if let Some(s) = run
        .series(metrics::WORKER_UTILIZATION)
        .filter(|s| s.len() >= 2)
    {
        let mean = s.values.iter().sum::<f64>() / s.len() as f64;
        if mean < (1.0 - IDLE_SHARE_MIN) * 100.0 {
            out.push(Finding {
                kind: "low-worker-utilization".into(),
                severity: Severity::Info,
                title: format!("Workers {mean:.0} % utilised on average"),
                detail: format!(
                    "glue.driver.workerUtilization averages {mean:.0} % over {} reports: about {:.0} % of the workers paid for were idle.",
                    s.len(),
                    100.0 - mean
                ),
                advice: Some("Enable Glue auto scaling (--enable-auto-scaling true) so idle workers are released, or run with fewer workers.".into()),
            });
        }
    }
    // Memory pressure measured by Glue (heap and total, driver and executors).
    let mut worst: Option<(String, f64)> = None;
    for src in ["driver", "ALL"] {
        for area in ["heap", "total"] {
            let m = metrics::memory_used_percentage(src, area);
            if let Some(peak) = run.series(&m).and_then(|s| s.max()) {
                if worst.as_ref().is_none_or(|w| peak > w.1) {
                    worst = Some((m, peak));
                }
            }
        }
    }
    if let Some((m, peak)) = worst.filter(|w| w.1 >= MEMORY_PRESSURE_PERCENT) {
        let who = if m.starts_with("glue.driver.") {
            "driver"
        } else {
            "executors"
        };
        out.push(Finding {
            kind: "glue-memory-pressure".into(),
            severity: Severity::Warning,
            title: format!("The {who}' memory reached {peak:.0} %"),
            detail: format!("{m} peaks at {peak:.0} % (pressure from {MEMORY_PRESSURE_PERCENT:.0} %)."),
            advice: Some(if who == "driver" {
                "Give the driver more memory (a larger worker type, or spark.driver.memory), and avoid collecting large results or broadcasting large tables to it.".into()
            } else {
                "Use a worker type with more memory per executor (G.2X and up), spread the data over more partitions, or reduce what each task caches.".into()
            }),
        });
    }
    // The error category Glue gave a failed run.
    let categories: Vec<&str> = run
        .series
        .iter()
        .filter(|s| s.total() > 0.0)
        .filter_map(|s| metrics::error_category(&s.metric))
        .collect();
    if !categories.is_empty() {
        let advice = categories
            .iter()
            .map(|c| match *c {
                "OUT_OF_MEMORY_ERROR" => "out of memory: see the memory view; use a worker type with more memory or more partitions",
                "DISK_NO_SPACE_ERROR" => "disk full: write shuffle to S3 (--write-shuffle-files-to-s3 true) or use workers with more disk",
                "THROTTLING_ERROR" => "throttled: lower the request rate or raise the service quota",
                "TIMEOUT_ERROR" | "GLUE_OPERATION_TIMEOUT_ERROR" => "timed out: raise the job timeout or find the slow stage",
                "PERMISSION_ERROR" => "a permission is missing: check the job role's policies",
                "RESOURCE_NOT_FOUND_ERROR" => "an input or location does not exist",
                "CONNECTION_ERROR" => "a connection failed: check the network and the connection settings",
                _ => "see the job run's error message and driver log",
            })
            .collect::<Vec<_>>();
        out.push(Finding {
            kind: "glue-error-category".into(),
            severity: Severity::Critical,
            title: format!("Glue classified the failure: {}", categories.join(", ")),
            detail: format!(
                "Glue's error metrics (glue.error.<category>) report {}.",
                categories
                    .iter()
                    .map(|c| format!("glue.error.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            advice: Some(advice.join("; ") + "."),
        });
    }
}

/// Slot-hours the worker executors were alive and task-hours they ran, when the run has tasks.
pub fn slot_hours(run: &Run) -> Option<(f64, f64)> {
    if run.tasks.is_empty() {
        return None;
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
    (slot_hours > 0.0).then_some((slot_hours, busy_hours))
}

/// The share of executor slot time without a task (0..1), when the run has tasks.
pub fn idle_share(run: &Run) -> Option<f64> {
    slot_hours(run).map(|(slot, busy)| (1.0 - busy / slot).clamp(0.0, 1.0))
}

fn idle(run: &Run, totals: &Totals, out: &mut Vec<Finding>) {
    if totals.executor_hours <= 0.0 {
        return;
    }
    let Some((slot_hours, busy_hours)) = slot_hours(run) else {
        return;
    };
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

/// Peak JVM heap over the heap configured, fullest executor: above it the executors are
/// under-provisioned, below the low one over-provisioned (DataFlint's memory alerts: 95 % / 70 %).
const HEAP_HIGH_SHARE: f64 = 0.95;
/// See [`HEAP_HIGH_SHARE`].
const HEAP_LOW_SHARE: f64 = 0.70;
/// Spark's default `spark.executor.memory` and `spark.driver.memory`.
const SPARK_DEFAULT_HEAP_BYTES: u64 = 1 << 30;
/// Task attempts from which many short tasks are overhead…
const TINY_TASKS_MIN: usize = 5_000;
/// …when their median is below this, seconds.
const TINY_TASK_S: f64 = 0.5;
/// One task reading or fetching this much is an oversized partition (Spark's 2 GB block limit).
const OVERSIZED_PARTITION_BYTES: u64 = 2 << 30;
/// Dr. Elephant's GC levels (GC time over executor run time): low, moderate, severe, critical.
const GC_LEVELS: [f64; 4] = [0.08, 0.1, 0.15, 0.2];
/// Executor run time below which the GC share says little, seconds.
const GC_MIN_RUN_S: f64 = 60.0;
/// A broadcast exchange collecting this much (an eighth of Spark's 8 GB limit).
const LARGE_BROADCAST_BYTES: u64 = 1 << 30;

/// A heap size setting, with where it came from.
fn heap_setting(run: &Run, key: &str) -> (u64, String) {
    match run
        .meta
        .config
        .get(key)
        .and_then(|v| crate::model::units::parse_memory_bytes(v).map(|b| (b, v)))
    {
        Some((b, v)) if b > 0 => (b, format!("{key}={v}")),
        _ => (
            SPARK_DEFAULT_HEAP_BYTES,
            format!("{key} not set: Spark's default 1g"),
        ),
    }
}

fn percent(x: f64) -> String {
    format!("{:.0} %", x * 100.0)
}

fn memory(run: &Run, out: &mut Vec<Finding>) {
    const HEAP: &str = "JVMHeapMemory";
    let fullest = run
        .worker_executors()
        .filter_map(|e| e.peak_metrics.get(HEAP).map(|p| (e, *p)))
        .filter(|(_, p)| *p > 0)
        .max_by_key(|(_, p)| *p);
    if let Some((e, peak)) = fullest {
        let (heap, from) = heap_setting(run, "spark.executor.memory");
        let share = peak as f64 / heap as f64;
        let detail = format!(
            "The fullest executor ({}) peaked at {} of JVM heap, {} of its {} ({from}).",
            e.id,
            format_bytes(peak as f64),
            percent(share),
            format_bytes(heap as f64)
        );
        if share > HEAP_HIGH_SHARE {
            out.push(Finding {
                kind: "executor-memory-under-provisioned".into(),
                severity: Severity::Warning,
                title: format!("Executor memory nearly full ({})", percent(share)),
                detail,
                advice: Some(format!(
                    "Give executors more memory (spark.executor.memory about {}, 20 % more; on Glue a larger worker type), or less data per task (more partitions).",
                    format_bytes(heap as f64 * 1.2)
                )),
            });
        } else if share < HEAP_LOW_SHARE {
            out.push(Finding {
                kind: "executor-memory-over-provisioned".into(),
                severity: Severity::Info,
                title: format!("Executor memory mostly unused (peak {})", percent(share)),
                detail,
                advice: Some(format!(
                    "Executors could run with less memory (spark.executor.memory about {}: the peak and a 20 % margin), or more cores each.",
                    format_bytes(peak as f64 * 1.2)
                )),
            });
        }
    }
    let driver = run
        .executors
        .iter()
        .filter(|e| e.is_driver)
        .find_map(|e| e.peak_metrics.get(HEAP).copied())
        .filter(|p| *p > 0);
    if let Some(peak) = driver {
        let (heap, from) = heap_setting(run, "spark.driver.memory");
        let share = peak as f64 / heap as f64;
        if share > HEAP_HIGH_SHARE {
            out.push(Finding {
                kind: "driver-memory-pressure".into(),
                severity: Severity::Warning,
                title: format!("Driver memory nearly full ({})", percent(share)),
                detail: format!(
                    "The driver peaked at {} of JVM heap, {} of its {} ({from}).",
                    format_bytes(peak as f64),
                    percent(share),
                    format_bytes(heap as f64)
                ),
                advice: Some(format!(
                    "Give the driver more memory (spark.driver.memory about {}), and keep large results and broadcasts off it (write instead of collect).",
                    format_bytes(heap as f64 * 1.2)
                )),
            });
        }
    }
}

fn tiny_tasks(run: &Run, out: &mut Vec<Finding>) {
    let mut d: Vec<f64> = run
        .tasks
        .refs()
        .filter(|t| t.status() == TaskStatus::Success)
        .map(|t| t.duration_s())
        .collect();
    if d.len() <= TINY_TASKS_MIN {
        return;
    }
    let mid = d.len() / 2;
    let (_, median, _) = d.select_nth_unstable_by(mid, f64::total_cmp);
    let median = *median;
    if median >= TINY_TASK_S {
        return;
    }
    let mut per_stage: std::collections::HashMap<u64, u64> = std::collections::HashMap::new();
    for t in run.tasks.refs() {
        *per_stage.entry(t.stage_id()).or_default() += 1;
    }
    let busiest = per_stage
        .into_iter()
        .max_by_key(|(s, n)| (*n, u64::MAX - s));
    out.push(Finding {
        kind: "tiny-tasks".into(),
        severity: Severity::Warning,
        title: format!("{} tasks, half shorter than {}", d.len(), format_duration(median)),
        detail: format!(
            "The median successful task took {}: scheduling, deserialising and reporting each task is a good part of that{}.",
            format_duration(median),
            busiest
                .map(|(s, n)| format!("; stage {s} alone ran {n}"))
                .unwrap_or_default()
        ),
        advice: Some("Fewer, larger partitions: fewer spark.sql.shuffle.partitions (or AQE coalescing, spark.sql.adaptive.coalescePartitions.enabled), pack small files (spark.sql.files.maxPartitionBytes, Glue groupFiles), coalesce before writing many small outputs.".into()),
    });
}

fn oversized_partitions(run: &Run, out: &mut Vec<Finding>) {
    let mut worst: Option<(u64, &'static str, u64, u64)> = None;
    for t in run.tasks.refs() {
        for (what, b) in [
            ("read", t.input_bytes()),
            ("fetched as shuffle input", t.shuffle_read_bytes()),
        ] {
            if b >= OVERSIZED_PARTITION_BYTES && worst.is_none_or(|w| b > w.0) {
                worst = Some((b, what, t.stage_id(), t.id()));
            }
        }
    }
    let Some((bytes, what, stage, task)) = worst else {
        return;
    };
    out.push(Finding {
        kind: "oversized-partitions".into(),
        severity: Severity::Warning,
        title: format!("A task {what} {}", format_bytes(bytes as f64)),
        detail: format!(
            "Task {task} of stage {stage} {what} {} alone: partitions of several GB spill, run long and are lost whole on a failure.",
            format_bytes(bytes as f64)
        ),
        advice: Some("More, smaller partitions: raise spark.sql.shuffle.partitions, lower spark.sql.files.maxPartitionBytes, let AQE split skewed partitions (spark.sql.adaptive.skewJoin.enabled), or salt a skewed key.".into()),
    });
}

fn gc(run: &Run, out: &mut Vec<Finding>) {
    // Per executor code (no string hashing per task): (GC seconds, run seconds).
    let names: Vec<&str> = std::iter::once("")
        .chain(run.tasks.executor_table())
        .collect();
    let mut sums: Vec<(f64, f64)> = vec![(0.0, 0.0); names.len()];
    let (mut gc_s, mut run_s) = (0.0, 0.0);
    for t in run.tasks.refs() {
        let (g, r) = (t.gc_time_s(), t.run_time_s());
        gc_s += g;
        run_s += r;
        if let Some(e) = sums.get_mut(t.executor_code()) {
            e.0 += g;
            e.1 += r;
        }
    }
    let by_exec = names.into_iter().zip(sums);
    if run_s < GC_MIN_RUN_S {
        return;
    }
    let share = gc_s / run_s;
    let Some(level) = GC_LEVELS.iter().rposition(|l| share >= *l) else {
        return;
    };
    let names = ["low", "moderate", "severe", "critical"];
    let worst = by_exec
        .into_iter()
        .filter(|(_, (_, r))| *r > 0.0)
        .max_by(|a, b| (a.1 .0 / a.1 .1).total_cmp(&(b.1 .0 / b.1 .1)));
    out.push(Finding {
        kind: "gc-heavy".into(),
        severity: if level >= 2 { Severity::Warning } else { Severity::Info },
        title: format!("{} of task time in garbage collection ({})", percent(share), names[level]),
        detail: format!(
            "Tasks spent {} of {} running in JVM GC{}.",
            format_duration(gc_s),
            format_duration(run_s),
            worst
                .map(|(id, (g, r))| format!("; executor {id} the most, {}", percent(g / r)))
                .unwrap_or_default()
        ),
        advice: Some("More memory per task (spark.executor.memory, fewer cores per executor), fewer cached or broadcast objects, or a different collector (spark.executor.extraJavaOptions=-XX:+UseG1GC).".into()),
    });
}

fn large_broadcast(run: &Run, out: &mut Vec<Finding>) {
    // Spark runs a broadcast exchange's collect as a job described "broadcast exchange (runId …)".
    let jobs: Vec<u64> = run
        .jobs
        .iter()
        .filter(|j| {
            j.description
                .as_deref()
                .is_some_and(|d| d.starts_with("broadcast exchange"))
        })
        .map(|j| j.id)
        .collect();
    if jobs.is_empty() {
        return;
    }
    let stages: std::collections::HashMap<u64, u64> = run
        .stages
        .iter()
        .filter_map(|s| s.job_id.filter(|j| jobs.contains(j)).map(|j| (s.id, j)))
        .collect();
    let mut per_job: std::collections::HashMap<u64, u64> = std::collections::HashMap::new();
    for t in run.tasks.refs() {
        if let Some(j) = stages.get(&t.stage_id()) {
            let b = per_job.entry(*j).or_default();
            *b = b.saturating_add(t.result_size_bytes());
        }
    }
    let Some((job, bytes)) = per_job.into_iter().max_by_key(|(j, b)| (*b, u64::MAX - j)) else {
        return;
    };
    if bytes < LARGE_BROADCAST_BYTES {
        return;
    }
    out.push(Finding {
        kind: "large-broadcast".into(),
        severity: Severity::Warning,
        title: format!("A {} broadcast", format_bytes(bytes as f64)),
        detail: format!(
            "Job {job} collected {} to the driver to broadcast it to every executor (Spark refuses more than 8 GB).",
            format_bytes(bytes as f64)
        ),
        advice: Some("Let the join shuffle instead: lower spark.sql.autoBroadcastJoinThreshold (default 10 MB) or drop the broadcast hint; filter or project the small side first.".into()),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Executor, Job, JobResult, SourceFormat, Stage, Task};

    fn kinds(run: &Run) -> Vec<String> {
        crate::analysis::analyse(run, 0.44)
            .findings
            .into_iter()
            .map(|f| f.kind.into_owned())
            .collect()
    }

    fn run_with(tasks: impl IntoIterator<Item = Task>) -> Run {
        let mut run = Run::new(SourceFormat::SparkEventLog);
        run.meta.duration_s = 100.0;
        run.executors.push(Executor {
            id: "1".into(),
            cores: Some(4),
            ..Executor::default()
        });
        for t in tasks {
            run.tasks.push(t);
        }
        run
    }

    fn task(id: u64, stage: u64, launch_s: f64, secs: f64) -> Task {
        Task {
            id,
            stage_id: stage,
            executor_id: "1".into(),
            launch_s,
            finish_s: Some(launch_s + secs),
            status: TaskStatus::Success,
            run_time_s: secs,
            ..Task::default()
        }
    }

    #[test]
    fn heap_levels_are_dataflints() {
        let mut run = run_with([task(0, 0, 0.0, 1.0)]);
        run.meta
            .config
            .insert("spark.executor.memory".into(), "4g".into());
        for (peak_gib, want) in [
            (3.9, Some("executor-memory-under-provisioned")),
            (3.0, None),
            (2.0, Some("executor-memory-over-provisioned")),
        ] {
            run.executors[0].peak_metrics.insert(
                "JVMHeapMemory".into(),
                (peak_gib * (1u64 << 30) as f64) as u64,
            );
            let k = kinds(&run);
            let memory: Vec<&String> = k.iter().filter(|k| k.contains("memory")).collect();
            assert_eq!(
                memory.first().map(|s| s.as_str()),
                want,
                "{peak_gib} GiB of 4"
            );
        }
        // The driver against spark.driver.memory (Spark's 1g when unset).
        run.executors.push(Executor {
            id: "driver".into(),
            is_driver: true,
            peak_metrics: [("JVMHeapMemory".to_string(), 1_040_000_000)].into(),
            ..Executor::default()
        });
        assert!(kinds(&run).contains(&"driver-memory-pressure".to_string()));
    }

    #[test]
    fn many_tiny_tasks_but_not_a_few() {
        let tiny = |n: u64| run_with((0..n).map(|i| task(i, i % 3, i as f64 * 0.01, 0.1)));
        assert!(kinds(&tiny(6_000)).contains(&"tiny-tasks".to_string()));
        assert!(!kinds(&tiny(4_000)).contains(&"tiny-tasks".to_string()));
    }

    #[test]
    fn a_task_of_several_gigabytes_is_an_oversized_partition() {
        let mut big = task(7, 2, 0.0, 50.0);
        big.shuffle_read_remote_bytes = 3 << 30;
        let run = run_with([task(0, 2, 0.0, 5.0), big]);
        let f = crate::analysis::analyse(&run, 0.44).findings;
        let o = f.iter().find(|f| f.kind == "oversized-partitions").unwrap();
        assert!(o.detail.contains("Task 7 of stage 2"), "{}", o.detail);
        let mut small = task(8, 2, 0.0, 5.0);
        small.input_bytes = 1 << 30;
        assert!(!kinds(&run_with([small])).contains(&"oversized-partitions".to_string()));
    }

    #[test]
    fn gc_levels_are_dr_elephants() {
        let with_gc = |share: f64| {
            let mut t = task(0, 0, 0.0, 100.0);
            t.gc_time_s = 100.0 * share;
            crate::analysis::analyse(&run_with([t]), 0.44)
                .findings
                .into_iter()
                .find(|f| f.kind == "gc-heavy")
        };
        assert!(with_gc(0.05).is_none());
        let low = with_gc(0.09).unwrap();
        assert_eq!(low.severity, Severity::Info);
        assert!(low.title.contains("(low)"), "{}", low.title);
        let severe = with_gc(0.16).unwrap();
        assert_eq!(severe.severity, Severity::Warning);
        assert!(with_gc(0.25).unwrap().title.contains("(critical)"));
        // Too little run time to say.
        let mut short = task(0, 0, 0.0, 10.0);
        short.gc_time_s = 5.0;
        assert!(!kinds(&run_with([short])).contains(&"gc-heavy".to_string()));
    }

    #[test]
    fn a_broadcast_exchange_collecting_gigabytes_is_large() {
        let broadcast = |bytes: u64| {
            let mut t = task(0, 4, 0.0, 10.0);
            t.result_size_bytes = bytes;
            let mut run = run_with([t]);
            run.jobs.push(Job {
                id: 3,
                description: Some("broadcast exchange (runId 5b2c…)".into()),
                stage_ids: vec![4],
                result: JobResult::Succeeded,
                ..Job::default()
            });
            run.stages.push(Stage {
                id: 4,
                job_id: Some(3),
                ..Stage::default()
            });
            kinds(&run)
        };
        assert!(broadcast(2 << 30).contains(&"large-broadcast".to_string()));
        assert!(!broadcast(200 << 20).contains(&"large-broadcast".to_string()));
    }
}
