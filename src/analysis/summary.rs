//! Run totals from tasks (event logs, simulator) or from metric series (CloudWatch), and the
//! `runlens summarize --json` record.

use serde::Serialize;

use super::straggler::Straggler;
use crate::model::{glue, metrics, Run, SourceFormat, StageStatus, TaskStatus};

/// Totals of a run. `None` where the source cannot tell (e.g. spill in CloudWatch metrics).
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Totals {
    /// Executors ever added, driver excluded.
    pub executors: u64,
    /// Completed (successful) stage attempts.
    pub stages: Option<u64>,
    /// Failed stage attempts.
    pub failed_stages: Option<u64>,
    /// Ended task attempts.
    pub tasks: Option<u64>,
    /// Failed task attempts (kills excluded).
    pub failed_tasks: Option<u64>,
    /// Killed task attempts.
    pub killed_tasks: Option<u64>,
    /// Input bytes.
    pub input_bytes: Option<u64>,
    /// Output bytes.
    pub output_bytes: Option<u64>,
    /// Shuffle bytes written.
    pub shuffle_write_bytes: Option<u64>,
    /// Shuffle bytes read (local + remote).
    pub shuffle_read_bytes: Option<u64>,
    /// Memory spill bytes.
    pub memory_spill_bytes: Option<u64>,
    /// Disk spill bytes.
    pub disk_spill_bytes: Option<u64>,
    /// Most executors alive at once.
    pub peak_executors: u64,
    /// Executor lifetime summed, hours.
    pub executor_hours: f64,
    /// Totals that reached the largest number a total holds (2^64 − 1) and stopped there.
    pub saturated: Vec<String>,
}

fn series_total(run: &Run, metric: &str) -> Option<u64> {
    run.series(metric)
        .map(|s| s.total().max(0.0).round() as u64)
}

fn sum_opt(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
    }
}

/// Totals of `run`.
pub fn totals(run: &Run) -> Totals {
    let end = run.meta.duration_s;
    let workers: Vec<_> = run.worker_executors().filter(|e| e.id != "ALL").collect();
    // In local mode the driver runs the tasks: count its time.
    let ran: std::collections::HashSet<&str> = run.tasks.distinct_executors().into_iter().collect();
    let executor_hours = run
        .executors
        .iter()
        .filter(|e| e.id != "ALL" && (!e.is_driver || ran.contains(e.id.as_str())))
        .map(|e| (e.removed_s.unwrap_or(end) - e.added_s.unwrap_or(0.0)).max(0.0))
        .sum::<f64>()
        / 3600.0
        + 0.0;
    let peak_executors = peak_alive(run).max(
        run.series(metrics::NUM_ALL_EXECUTORS)
            .and_then(|s| s.max())
            .map_or(0, |m| m.max(0.0) as u64),
    );
    let mut t = Totals {
        executors: workers.len() as u64,
        peak_executors,
        executor_hours,
        ..Totals::default()
    };
    if run.meta.source_format == SourceFormat::Cloudwatch
        || (run.tasks.is_empty() && !run.series.is_empty() && run.stages.is_empty())
    {
        let completed = series_total(run, metrics::NUM_COMPLETED_TASKS);
        let failed = series_total(run, metrics::NUM_FAILED_TASKS);
        t.stages = series_total(run, metrics::NUM_COMPLETED_STAGES);
        t.tasks = sum_opt(completed, failed);
        t.failed_tasks = failed;
        t.killed_tasks = series_total(run, metrics::NUM_KILLED_TASKS);
        t.input_bytes = series_total(run, metrics::S3_READ_BYTES)
            .or_else(|| series_total(run, metrics::BYTES_READ));
        t.output_bytes = series_total(run, metrics::S3_WRITE_BYTES);
        t.shuffle_write_bytes = series_total(run, metrics::SHUFFLE_BYTES_WRITTEN);
        t.shuffle_read_bytes = sum_opt(
            series_total(run, metrics::SHUFFLE_LOCAL_BYTES_READ),
            series_total(run, metrics::SHUFFLE_REMOTE_BYTES_READ),
        );
        return t;
    }
    let ended = run.tasks.iter().filter(|x| x.status != TaskStatus::Running);
    let mut n = 0;
    let (mut failed, mut killed) = (0, 0);
    let (mut inp, mut out, mut sw, mut sr, mut ms, mut ds) = (0u64, 0u64, 0u64, 0u64, 0u64, 0u64);
    for task in ended {
        // Counted as the History Server counts task-end events (AppStatusListener.onTaskEnd).
        n += task.end_events();
        failed += task.failed_end_events();
        killed += u64::from(task.status == TaskStatus::Killed);
        // Saturating: a total that overflows says so instead of wrapping.
        let add =
            |sum: &mut u64, v: u64, name: &str, flags: &mut Vec<String>| match sum.checked_add(v) {
                Some(x) => *sum = x,
                None => {
                    *sum = u64::MAX;
                    if !flags.iter().any(|f| f == name) {
                        flags.push(name.to_string());
                    }
                }
            };
        let f = &mut t.saturated;
        add(&mut inp, task.input_bytes, "input_bytes", f);
        add(&mut out, task.output_bytes, "output_bytes", f);
        add(&mut sw, task.shuffle_write_bytes, "shuffle_write_bytes", f);
        add(&mut sr, task.shuffle_read_bytes(), "shuffle_read_bytes", f);
        add(&mut ms, task.memory_spill_bytes, "memory_spill_bytes", f);
        add(&mut ds, task.disk_spill_bytes, "disk_spill_bytes", f);
    }
    t.stages = Some(
        run.stages
            .iter()
            .filter(|s| s.status == StageStatus::Complete)
            .count() as u64,
    );
    t.failed_stages = Some(
        run.stages
            .iter()
            .filter(|s| s.status == StageStatus::Failed)
            .count() as u64,
    );
    t.tasks = Some(n);
    t.failed_tasks = Some(failed);
    t.killed_tasks = Some(killed);
    t.input_bytes = Some(inp);
    t.output_bytes = Some(out);
    t.shuffle_write_bytes = Some(sw);
    t.shuffle_read_bytes = Some(sr);
    t.memory_spill_bytes = Some(ms);
    t.disk_spill_bytes = Some(ds);
    t
}

/// Most worker executors alive at the same time.
fn peak_alive(run: &Run) -> u64 {
    let end = run.meta.duration_s;
    let mut ev: Vec<(f64, i64)> = Vec::new();
    for e in run.worker_executors().filter(|e| e.id != "ALL") {
        ev.push((e.added_s.unwrap_or(0.0), 1));
        ev.push((e.removed_s.unwrap_or(end + 1.0), -1));
    }
    crate::sorting::sort_by(&mut ev, |e| crate::sorting::Key(e.0, (e.1 + 1) as u64));
    let (mut cur, mut best) = (0i64, 0i64);
    for (_, d) in ev {
        cur += d;
        best = best.max(cur);
    }
    best.max(0) as u64
}

/// DPU-hours and cost of a run, with how they were obtained.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Cost {
    /// DPU-hours.
    pub dpu_hours: f64,
    /// US dollars at `price_per_dpu_hour`.
    pub usd: f64,
    /// Price used, US dollars per DPU-hour.
    pub price_per_dpu_hour: f64,
    /// How the DPU-hours were obtained.
    pub basis: String,
}

/// DPU-hours and cost: Glue workers × DPU × duration when the worker type and count are known;
/// otherwise executor-hours at 1 DPU each, as if every executor were a G.1X worker.
pub fn cost(run: &Run, totals: &Totals, price_per_dpu_hour: f64) -> Cost {
    let hours = run.meta.duration_s / 3600.0;
    let known = run
        .meta
        .worker_type
        .as_deref()
        .and_then(glue::worker_type)
        .zip(run.meta.worker_count);
    let (dpu_hours, basis) = match known {
        Some((w, n)) => (
            w.dpu * n as f64 * hours,
            format!(
                "{n} × {} workers ({} DPU each) for the run's duration",
                w.name, w.dpu
            ),
        ),
        None => (
            totals.executor_hours,
            "executor-hours at 1 DPU each (as if every executor were a G.1X worker)".to_string(),
        ),
    };
    Cost {
        dpu_hours,
        usd: dpu_hours * price_per_dpu_hour,
        price_per_dpu_hour,
        basis,
    }
}

/// The straggler as `runlens summarize --json` prints it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StragglerRecord {
    /// Executor id.
    pub executor: String,
    /// Stage id.
    pub stage: Option<u64>,
    /// Task id.
    pub task: Option<u64>,
    /// Kebab-case cause.
    pub cause: String,
    /// Seconds lost.
    pub excess_s: f64,
}

impl From<&Straggler> for StragglerRecord {
    fn from(s: &Straggler) -> StragglerRecord {
        StragglerRecord {
            executor: s.executor.clone(),
            stage: s.stage,
            task: s.task,
            cause: s.cause.as_str().to_string(),
            excess_s: (s.excess_s * 1000.0).round() / 1000.0,
        }
    }
}

/// One input's record of `runlens summarize --json` (a contract: keys and their order are fixed).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SummaryRecord {
    /// The input path.
    pub source: String,
    /// `spark-event-log` | `cloudwatch` | `run-file`.
    pub format: String,
    /// Spark application id.
    pub app_id: Option<String>,
    /// Spark application name.
    pub app_name: Option<String>,
    /// Spark version.
    pub spark_version: Option<String>,
    /// `succeeded` | `failed` | `incomplete`.
    pub status: String,
    /// Wall time, seconds.
    pub duration_s: f64,
    /// Executors ever added, driver excluded.
    pub executors: u64,
    /// Completed stage attempts.
    pub stages: Option<u64>,
    /// Ended tasks.
    pub tasks: Option<u64>,
    /// Failed tasks.
    pub failed_tasks: Option<u64>,
    /// Input bytes.
    pub input_bytes: Option<u64>,
    /// Output bytes.
    pub output_bytes: Option<u64>,
    /// Shuffle bytes written.
    pub shuffle_write_bytes: Option<u64>,
    /// Shuffle bytes read.
    pub shuffle_read_bytes: Option<u64>,
    /// Memory spill bytes.
    pub memory_spill_bytes: Option<u64>,
    /// Disk spill bytes.
    pub disk_spill_bytes: Option<u64>,
    /// The straggler, or null.
    pub straggler: Option<StragglerRecord>,
    /// Warnings.
    pub warnings: Vec<String>,
    /// Where the run ran (`glue`, `emr`, `databricks`, `dataproc`, `kubernetes`, `yarn`,
    /// `standalone`, `local`), or null; see `analysis::platform`.
    pub platform: Option<String>,
    /// The run's failure message (Spark's job abort reason, the simulator's), or null.
    pub error: Option<String>,
}

/// The summarize record of a run read from `source` as `format`.
pub fn record(
    source: &str,
    format: SourceFormat,
    run: &Run,
    straggler: Option<&Straggler>,
) -> SummaryRecord {
    let t = totals(run);
    SummaryRecord {
        source: source.to_string(),
        format: format.as_str().to_string(),
        app_id: run.meta.app_id.clone(),
        app_name: run
            .meta
            .app_name
            .clone()
            .or_else(|| run.meta.job_name.clone()),
        spark_version: run.meta.spark_version.clone(),
        status: run.meta.status.as_str().to_string(),
        duration_s: (run.meta.duration_s * 1000.0).round() / 1000.0,
        executors: t.executors,
        stages: t.stages,
        tasks: t.tasks,
        failed_tasks: t.failed_tasks,
        input_bytes: t.input_bytes,
        output_bytes: t.output_bytes,
        shuffle_write_bytes: t.shuffle_write_bytes,
        shuffle_read_bytes: t.shuffle_read_bytes,
        memory_spill_bytes: t.memory_spill_bytes,
        disk_spill_bytes: t.disk_spill_bytes,
        straggler: straggler.map(StragglerRecord::from),
        warnings: run
            .warnings
            .iter()
            .cloned()
            .chain(t.saturated.iter().map(|k| {
                format!("{k}: the total exceeds 18,446,744,073,709,551,615 (2^64 − 1) and is shown as that number")
            }))
            .collect(),
        platform: super::platform::detect(run).map(|p| p.kind.as_str().to_string()),
        error: run.meta.error.clone(),
    }
}

/// Task totals of one executor (the History Server's executor summary).
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct ExecutorTotals {
    /// Executor id.
    pub executor: String,
    /// Ended tasks.
    pub tasks: u64,
    /// Failed tasks.
    pub failed_tasks: u64,
    /// Sum of task wall times, ms.
    pub duration_ms: u64,
    /// Sum of task GC times, ms.
    pub gc_ms: u64,
    /// Input bytes.
    pub input_bytes: u64,
    /// Shuffle bytes read.
    pub shuffle_read_bytes: u64,
    /// Shuffle bytes written.
    pub shuffle_write_bytes: u64,
    /// Disk spill bytes.
    pub disk_spill_bytes: u64,
}

/// Seconds as whole milliseconds (negative as 0).
pub(crate) fn ms(s: f64) -> u64 {
    (s * 1e3).round().max(0.0) as u64
}

/// Per-executor task totals, in the run's executor order.
pub fn executor_totals(run: &Run) -> Vec<ExecutorTotals> {
    let mut out: Vec<ExecutorTotals> = run
        .executors
        .iter()
        .map(|e| ExecutorTotals {
            executor: e.id.clone(),
            ..ExecutorTotals::default()
        })
        .collect();
    let index: std::collections::HashMap<&str, usize> = run
        .executors
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id.as_str(), i))
        .collect();
    for t in run.tasks.iter().filter(|t| t.ended()) {
        let Some(&i) = index.get(&*t.executor_id) else {
            continue;
        };
        let e = &mut out[i];
        e.tasks = e.tasks.saturating_add(t.end_events());
        e.failed_tasks = e.failed_tasks.saturating_add(t.failed_end_events());
        e.duration_ms = e.duration_ms.saturating_add(ms(t.duration_s()));
        e.gc_ms = e.gc_ms.saturating_add(ms(t.gc_time_s));
        e.input_bytes = e.input_bytes.saturating_add(t.input_bytes);
        e.shuffle_read_bytes = e.shuffle_read_bytes.saturating_add(t.shuffle_read_bytes());
        e.shuffle_write_bytes = e.shuffle_write_bytes.saturating_add(t.shuffle_write_bytes);
        e.disk_spill_bytes = e.disk_spill_bytes.saturating_add(t.disk_spill_bytes);
    }
    out
}

/// Task totals of one stage attempt (the History Server's stage list).
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct StageTotals {
    /// Stage id.
    pub stage: u64,
    /// Attempt.
    pub attempt: u32,
    /// Ended tasks.
    pub tasks: u64,
    /// Sum of executor run times, ms.
    pub run_time_ms: u64,
    /// Sum of executor CPU times, ns.
    pub cpu_time_ns: u64,
    /// Sum of GC times, ms.
    pub gc_ms: u64,
    /// Sum of result sizes, bytes.
    pub result_size_bytes: u64,
    /// Input bytes.
    pub input_bytes: u64,
    /// Output bytes.
    pub output_bytes: u64,
    /// Shuffle bytes read.
    pub shuffle_read_bytes: u64,
    /// Shuffle bytes written.
    pub shuffle_write_bytes: u64,
    /// Memory spill bytes.
    pub memory_spill_bytes: u64,
    /// Disk spill bytes.
    pub disk_spill_bytes: u64,
}

/// Per-stage-attempt task totals, in the run's stage order.
pub fn stage_totals(run: &Run) -> Vec<StageTotals> {
    let mut out: Vec<StageTotals> = run
        .stages
        .iter()
        .map(|s| StageTotals {
            stage: s.id,
            attempt: s.attempt,
            ..StageTotals::default()
        })
        .collect();
    let index: std::collections::HashMap<(u64, u32), usize> = run
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| ((s.id, s.attempt), i))
        .collect();
    for t in run.tasks.iter().filter(|t| t.ended()) {
        let Some(&i) = index.get(&(t.stage_id, t.stage_attempt)) else {
            continue;
        };
        let s = &mut out[i];
        s.tasks = s.tasks.saturating_add(t.end_events());
        s.run_time_ms = s.run_time_ms.saturating_add(ms(t.run_time_s));
        s.cpu_time_ns = s
            .cpu_time_ns
            .saturating_add((t.cpu_time_s * 1e9).round().max(0.0) as u64);
        s.gc_ms = s.gc_ms.saturating_add(ms(t.gc_time_s));
        s.result_size_bytes = s.result_size_bytes.saturating_add(t.result_size_bytes);
        s.input_bytes = s.input_bytes.saturating_add(t.input_bytes);
        s.output_bytes = s.output_bytes.saturating_add(t.output_bytes);
        s.shuffle_read_bytes = s.shuffle_read_bytes.saturating_add(t.shuffle_read_bytes());
        s.shuffle_write_bytes = s.shuffle_write_bytes.saturating_add(t.shuffle_write_bytes);
        s.memory_spill_bytes = s.memory_spill_bytes.saturating_add(t.memory_spill_bytes);
        s.disk_spill_bytes = s.disk_spill_bytes.saturating_add(t.disk_spill_bytes);
    }
    out
}

/// A run's error in a line a summary can show: its first line, and for Spark's "Job aborted due
/// to stage failure: … most recent failure: Lost task … (executor N): Cause" the cause first,
/// which is what a user looks for ("java.io.IOException: No space left on device").
pub fn short_error(error: &str) -> String {
    let first = error.lines().next().unwrap_or("").trim();
    let Some((_, recent)) = first.split_once("most recent failure:") else {
        return first.to_string();
    };
    // The cause follows the executor and host in parentheses: "(TID 8597) (executor 3): Cause".
    let cause = recent.rsplit_once("): ").map_or(recent, |(_, c)| c).trim();
    let executor = recent
        .split_once("(executor ")
        .and_then(|(_, r)| r.split_once(')'))
        .map(|(e, _)| e);
    let stage = first
        .split_once(" in stage ")
        .and_then(|(_, r)| r.split_whitespace().next());
    let mut out = cause.to_string();
    let place: Vec<String> = [
        stage.map(|s| format!("stage {s}")),
        executor.map(|e| format!("executor {e}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !place.is_empty() {
        out.push_str(&format!(" (job aborted: {})", place.join(", ")));
    }
    out
}

#[cfg(test)]
mod short_error_tests {
    use super::short_error;

    #[test]
    fn spark_job_aborts_lead_with_the_cause() {
        let e = "Job aborted due to stage failure: Task 268 in stage 13.0 failed 4 times, most recent failure: Lost task 268.3 in stage 13.0 (TID 8597) (executor 3): java.io.IOException: No space left on device\n\tat x.y";
        assert_eq!(
            short_error(e),
            "java.io.IOException: No space left on device (job aborted: stage 13.0, executor 3)"
        );
        assert_eq!(short_error("Out of memory\nmore"), "Out of memory");
        assert_eq!(short_error(""), "");
        // A message in Spark's shape without the parts still gives something readable.
        assert_eq!(short_error("x most recent failure: y"), "y");
    }
}
