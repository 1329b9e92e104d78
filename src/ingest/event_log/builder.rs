//! Folds parsed Spark listener events into a `model::Run`.
//!
//! Times are kept in epoch milliseconds while reading (the application start may come after
//! other events) and turned into seconds from the run start in `finish`.

use std::collections::{BTreeMap, HashMap};

use super::events::{self, ExecutorMetrics, EXECUTOR_METRIC_NAMES};
use crate::model::{
    metrics, Executor, Job, JobResult, MemorySource, Run, RunStatus, Series, SeriesKind,
    SeriesSource, SourceFormat, SqlExecution, Stage, StageRdd, StageStatus, Task, TaskStatus,
    Tasks, Unit,
};
use std::sync::Arc;

/// At most this many warnings of one kind are kept word for word; the rest are counted.
const WARNINGS_PER_KIND: usize = 5;

#[derive(Default)]
struct ExecutorBuild {
    exec: Executor,
    added_ms: Option<i64>,
    removed_ms: Option<i64>,
    peaks: [Option<i64>; EXECUTOR_METRIC_NAMES.len()],
    /// (epoch ms, heap bytes) samples.
    heap: Vec<(i64, u64)>,
    /// The id once, shared by every task of the executor.
    shared_id: Arc<str>,
}

struct StageBuild {
    stage: Stage,
    submitted_ms: Option<i64>,
    completed_ms: Option<i64>,
    peaks: [Option<i64>; EXECUTOR_METRIC_NAMES.len()],
}

/// Epoch milliseconds of a task (launch, finish) while its run's start is not yet known.
#[derive(Clone, Copy, Default)]
struct TaskMs {
    launch: i64,
    /// `NO_MS` until it ends.
    finish: i64,
}

const NO_MS: i64 = i64::MIN;

impl TaskMs {
    fn finish(self) -> Option<i64> {
        (self.finish != NO_MS).then_some(self.finish)
    }
}

struct JobBuild {
    job: Job,
    submitted_ms: Option<i64>,
    completed_ms: Option<i64>,
}

struct SqlBuild {
    sql: SqlExecution,
    start_ms: Option<i64>,
    end_ms: Option<i64>,
}

/// Where in the input an event came from, for warnings.
#[derive(Clone, Copy)]
pub struct Pos<'a> {
    /// File name.
    pub file: &'a str,
    /// 1-based line number.
    pub line: u64,
}

/// Accumulates events of one application (across the files of a rolling log).
#[derive(Default)]
pub struct RunBuilder {
    run: Run,
    app_start_ms: Option<i64>,
    app_end_ms: Option<i64>,
    exit_code: Option<i64>,
    min_ms: Option<i64>,
    max_ms: Option<i64>,
    /// The earliest time that is a plausible date (see `PLAUSIBLE_MS`).
    min_plausible_ms: Option<i64>,
    executors: Vec<ExecutorBuild>,
    executor_index: HashMap<String, usize>,
    stages: Vec<StageBuild>,
    stage_index: HashMap<(u64, u32), usize>,
    stage_job: HashMap<u64, u64>,
    /// Tasks as they will be in the run, in the column store (times set in `finish`).
    tasks: Tasks,
    task_ms: Vec<TaskMs>,
    task_index: HashMap<u64, usize>,
    jobs: Vec<JobBuild>,
    job_index: HashMap<u64, usize>,
    sql: Vec<SqlBuild>,
    sql_index: HashMap<u64, usize>,
    /// StageExecutorMetrics heap peaks, timed at their stage's completion in `finish`.
    stage_heap: Vec<(usize, (u64, u32), u64)>,
    warning_counts: BTreeMap<&'static str, (usize, Vec<String>)>,
    events: u64,
    negative_values: u64,
}

/// Largest amount one task can report (bytes or records): 1 PiB. Beyond, the value is an
/// artefact (a patched or garbled number) that would swamp or overflow every total.
pub const MAX_TASK_AMOUNT: i64 = 1 << 50;
/// Longest time one task can report (run, CPU, GC, fetch wait): 30 days, as the longest run.
pub const MAX_TASK_TIME_MS: i64 = MAX_RUN_MS;
/// Longest run accepted: events more than this after the start are not of this run.
pub const MAX_RUN_MS: i64 = 30 * 86_400_000;
/// [`MAX_RUN_MS`] in seconds.
pub const MAX_RUN_S: f64 = MAX_RUN_MS as f64 / 1e3;
/// How long before the application start events may be (the driver's block manager registers
/// before `SparkListenerApplicationStart` is posted).
pub const BEFORE_START_MS: i64 = 3_600_000;
/// Epoch milliseconds of plausible dates: 2000-01-01 to 2100-01-01 UTC.
const PLAUSIBLE_MS: std::ops::RangeInclusive<i64> = 946_684_800_000..=4_102_444_800_000;

/// Metric values that were not counted.
#[derive(Default)]
struct Skipped {
    negative: u64,
    huge: u64,
}

/// An amount (bytes, records) as counted: negatives and values beyond any task are 0, and noted.
fn amount(v: i64, skipped: &mut Skipped) -> u64 {
    if v < 0 {
        skipped.negative += 1;
        0
    } else if v > MAX_TASK_AMOUNT {
        skipped.huge += 1;
        0
    } else {
        v as u64
    }
}

/// A time in units of `per_ms` per millisecond, as seconds; beyond any run it is 0, and noted.
fn seconds(v: i64, per_ms: i64, skipped: &mut Skipped) -> f64 {
    if v < 0 {
        skipped.negative += 1;
        0.0
    } else if v / per_ms > MAX_TASK_TIME_MS {
        skipped.huge += 1;
        0.0
    } else {
        v as f64 / (per_ms as f64 * 1e3)
    }
}

fn id_u64(v: i64) -> Option<u64> {
    u64::try_from(v).ok()
}

fn fold_peaks(peaks: &mut [Option<i64>; EXECUTOR_METRIC_NAMES.len()], m: &ExecutorMetrics) {
    for (p, v) in peaks.iter_mut().zip(m.0.iter()) {
        if let Some(v) = *v {
            *p = Some(p.map_or(v, |p| p.max(v)));
        }
    }
}

fn peaks_map(peaks: &[Option<i64>; EXECUTOR_METRIC_NAMES.len()]) -> BTreeMap<String, u64> {
    EXECUTOR_METRIC_NAMES
        .iter()
        .zip(peaks.iter())
        .filter_map(|(n, v)| {
            v.and_then(|v| u64::try_from(v).ok())
                .map(|v| (n.to_string(), v))
        })
        .collect()
}

impl RunBuilder {
    /// A builder for a new run.
    pub fn new() -> RunBuilder {
        RunBuilder {
            run: Run::new(SourceFormat::SparkEventLog),
            ..RunBuilder::default()
        }
    }

    /// Number of events applied so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Records a problem; the first few of each kind verbatim, the rest counted.
    pub fn warn(&mut self, kind: &'static str, message: String) {
        let entry = self.warning_counts.entry(kind).or_default();
        entry.0 += 1;
        if entry.1.len() < WARNINGS_PER_KIND {
            entry.1.push(message);
        }
    }

    /// Adds a warning that is not tied to a line.
    pub fn note(&mut self, message: String) {
        self.run.warnings.push(message);
    }

    fn seen(&mut self, ms: i64) {
        if ms <= 0 {
            return;
        }
        self.min_ms = Some(self.min_ms.map_or(ms, |m| m.min(ms)));
        self.max_ms = Some(self.max_ms.map_or(ms, |m| m.max(ms)));
        if PLAUSIBLE_MS.contains(&ms) {
            self.min_plausible_ms = Some(self.min_plausible_ms.map_or(ms, |m| m.min(ms)));
        }
    }

    fn seen_opt(&mut self, ms: Option<i64>) {
        if let Some(ms) = ms {
            self.seen(ms);
        }
    }

    fn executor(&mut self, id: &str) -> usize {
        if let Some(&i) = self.executor_index.get(id) {
            return i;
        }
        let i = self.executors.len();
        self.executors.push(ExecutorBuild {
            exec: Executor {
                id: id.to_string(),
                is_driver: crate::model::is_driver_id(id),
                ..Executor::default()
            },
            shared_id: Arc::from(id),
            ..ExecutorBuild::default()
        });
        self.executor_index.insert(id.to_string(), i);
        i
    }

    fn stage(&mut self, id: u64, attempt: u32) -> usize {
        if let Some(&i) = self.stage_index.get(&(id, attempt)) {
            return i;
        }
        let i = self.stages.len();
        self.stages.push(StageBuild {
            stage: Stage {
                id,
                attempt,
                job_id: self.stage_job.get(&id).copied(),
                ..Stage::default()
            },
            submitted_ms: None,
            completed_ms: None,
            peaks: [None; EXECUTOR_METRIC_NAMES.len()],
        });
        self.stage_index.insert((id, attempt), i);
        i
    }

    fn job(&mut self, id: u64) -> usize {
        *self.job_index.entry(id).or_insert_with(|| {
            self.jobs.push(JobBuild {
                job: Job {
                    id,
                    ..Job::default()
                },
                submitted_ms: None,
                completed_ms: None,
            });
            self.jobs.len() - 1
        })
    }

    /// `SparkListenerLogStart`.
    pub fn log_start(&mut self, e: events::LogStart) {
        self.events += 1;
        if let Some(v) = e.spark_version {
            self.run.meta.spark_version = Some(v.into_owned());
        }
    }

    /// `DBCEventLoggingListenerMetadata`: Databricks' first line, in place of `LogStart`.
    pub fn dbc_metadata(&mut self, e: events::DbcMetadata) {
        self.events += 1;
        if self.run.meta.spark_version.is_none() {
            self.run.meta.spark_version = e.spark_version.map(|v| v.into_owned());
        }
    }

    /// `SparkListenerApplicationStart`.
    pub fn application_start(&mut self, e: events::ApplicationStart) {
        self.events += 1;
        self.run.meta.app_name = e.app_name.map(|s| s.into_owned());
        self.run.meta.app_id = e.app_id.map(|s| s.into_owned());
        self.run.meta.attempt_id = e.attempt_id.map(|s| s.into_owned());
        self.run.meta.user = e.user.map(|s| s.into_owned());
        if let Some(ts) = e.timestamp.filter(|t| *t > 0) {
            self.app_start_ms = Some(ts);
            self.seen(ts);
        }
    }

    /// `SparkListenerApplicationEnd`.
    pub fn application_end(&mut self, e: events::ApplicationEnd, pos: Pos) {
        self.events += 1;
        if self.app_end_ms.is_some() {
            self.warn(
                "duplicate-end",
                format!(
                    "{}: line {}: a second SparkListenerApplicationEnd",
                    pos.file, pos.line
                ),
            );
        }
        if let Some(ts) = e.timestamp.filter(|t| *t > 0) {
            self.app_end_ms = Some(ts);
            self.seen(ts);
        }
        self.exit_code = e.exit_code;
    }

    /// `SparkListenerEnvironmentUpdate`: keeps the Spark properties (the simulator's configuration).
    pub fn environment(&mut self, e: events::EnvironmentUpdate) {
        self.events += 1;
        if let Some(props) = e.spark_properties {
            for (k, v) in props.into_pairs() {
                self.run.meta.config.insert(k.into_owned(), v.into_owned());
            }
        }
    }

    /// `SparkListenerExecutorAdded`.
    pub fn executor_added(&mut self, e: events::ExecutorAdded, pos: Pos) {
        self.events += 1;
        self.seen_opt(e.timestamp);
        let i = self.executor(&e.executor_id);
        let ex = &mut self.executors[i];
        if ex.added_ms.is_some() {
            let msg = format!(
                "{}: line {}: executor {} was added twice; keeping the first",
                pos.file, pos.line, e.executor_id
            );
            self.warn("duplicate-executor", msg);
            return;
        }
        ex.added_ms = e.timestamp.filter(|t| *t > 0).or(Some(0));
        if let Some(info) = e.info {
            if let Some(h) = info.host {
                ex.exec.host = Some(h.into_owned());
            }
            ex.exec.cores = info.total_cores.and_then(|c| u32::try_from(c).ok());
        }
    }

    /// `SparkListenerExecutorRemoved`.
    pub fn executor_removed(&mut self, e: events::ExecutorRemoved) {
        self.events += 1;
        self.seen_opt(e.timestamp);
        let i = self.executor(&e.executor_id);
        let ex = &mut self.executors[i];
        ex.removed_ms = e.timestamp.filter(|t| *t > 0);
        ex.exec.removed_reason = e.reason.map(|r| r.into_owned());
    }

    /// `SparkListenerBlockManagerAdded`: host and memory of an executor (the driver's only source).
    pub fn block_manager_added(&mut self, e: events::BlockManagerAdded) {
        self.events += 1;
        self.seen_opt(e.timestamp);
        let i = self.executor(&e.block_manager.executor_id);
        let ex = &mut self.executors[i];
        if ex.exec.host.is_none() {
            ex.exec.host = e.block_manager.host.map(|h| h.into_owned());
        }
        if let Some(m) = e.max_memory.and_then(|m| u64::try_from(m).ok()) {
            ex.exec.max_memory_bytes = Some(m);
        }
        if ex.exec.is_driver && ex.added_ms.is_none() {
            ex.added_ms = e.timestamp.filter(|t| *t > 0);
        }
    }

    /// `SparkListenerJobStart`.
    pub fn job_start(&mut self, e: events::JobStart) {
        self.events += 1;
        self.seen_opt(e.submission_time);
        let Some(id) = id_u64(e.job_id) else { return };
        let stage_ids: Vec<u64> = e.stage_ids.iter().filter_map(|s| id_u64(*s)).collect();
        for s in &stage_ids {
            self.stage_job.insert(*s, id);
        }
        let i = self.job(id);
        let j = &mut self.jobs[i];
        j.submitted_ms = e.submission_time;
        j.job.stage_ids = stage_ids;
        let (description, sql) = match e.properties {
            Some(p) => (p.description, p.sql_execution_id),
            None => (None, None),
        };
        j.job.description = description.map(|d| d.into_owned());
        j.job.sql_execution_id = sql.and_then(|s| s.trim().parse().ok());
    }

    /// `SparkListenerJobEnd`.
    pub fn job_end(&mut self, e: events::JobEnd) {
        self.events += 1;
        self.seen_opt(e.completion_time);
        let Some(id) = id_u64(e.job_id) else { return };
        let i = self.job(id);
        let j = &mut self.jobs[i];
        j.completed_ms = e.completion_time;
        let result = e.result.as_ref().and_then(|r| r.result.as_deref());
        j.job.result = match result {
            Some("JobSucceeded") => JobResult::Succeeded,
            _ => JobResult::Failed,
        };
        if j.job.result == JobResult::Failed {
            j.job.failure_reason = e
                .result
                .and_then(|r| r.exception)
                .and_then(|x| x.message)
                .map(|m| m.into_owned())
                .or_else(|| Some("job failed".to_string()));
        }
    }

    fn apply_stage_info(&mut self, info: events::StageInfo, completed: bool) {
        let (Some(id), Some(attempt)) = (id_u64(info.stage_id), id_u64(info.attempt)) else {
            return;
        };
        let attempt = u32::try_from(attempt).unwrap_or(u32::MAX);
        self.seen_opt(info.submission_time);
        self.seen_opt(info.completion_time);
        let i = self.stage(id, attempt);
        let s = &mut self.stages[i];
        if let Some(n) = info.name {
            s.stage.name = n.into_owned();
        }
        s.stage.num_tasks = id_u64(info.num_tasks).unwrap_or(0);
        s.stage.parent_ids = info.parent_ids.iter().filter_map(|p| id_u64(*p)).collect();
        if !info.rdds.is_empty() {
            let mut rdds: Vec<StageRdd> = info
                .rdds
                .into_iter()
                .map(|r| StageRdd {
                    id: id_u64(r.id).unwrap_or(0),
                    name: r.name.map(|n| n.into_owned()).unwrap_or_default(),
                    operation: r.scope.and_then(|sc| {
                        serde_json::from_str::<events::RddScope>(&sc)
                            .ok()
                            .and_then(|s| s.name)
                            .map(|n| n.trim().to_string())
                    }),
                    partitions: id_u64(r.partitions).unwrap_or(0),
                })
                .collect();
            crate::sorting::sort_by(&mut rdds, |r| crate::sorting::Key::u(r.id));
            s.stage.rdds = rdds;
        }
        if info.submission_time.is_some() {
            s.submitted_ms = info.submission_time;
        }
        if completed {
            s.completed_ms = info.completion_time.or(s.completed_ms);
            match info.failure_reason {
                Some(r) => {
                    s.stage.status = StageStatus::Failed;
                    s.stage.failure_reason = Some(r.into_owned());
                }
                None => s.stage.status = StageStatus::Complete,
            }
        }
    }

    /// `SparkListenerStageSubmitted`.
    pub fn stage_submitted(&mut self, e: events::StageEvent) {
        self.events += 1;
        self.apply_stage_info(e.info, false);
    }

    /// `SparkListenerStageCompleted`.
    pub fn stage_completed(&mut self, e: events::StageEvent) {
        self.events += 1;
        self.apply_stage_info(e.info, true);
    }

    fn task_entry(&mut self, info: &events::TaskInfo, stage_id: u64, stage_attempt: u32) -> usize {
        let Some(id) = id_u64(info.task_id) else {
            return usize::MAX;
        };
        if let Some(&i) = self.task_index.get(&id) {
            return i;
        }
        let exec_i = self.executor(&info.executor_id);
        let i = self.tasks.len();
        self.task_ms.push(TaskMs {
            launch: info.launch_time,
            finish: NO_MS,
        });
        self.tasks.push(Task {
            id,
            stage_id,
            stage_attempt,
            index: id_u64(info.index).unwrap_or(0),
            attempt: u32::try_from(info.attempt).unwrap_or(0),
            executor_id: self.executors[exec_i].shared_id.clone(),
            speculative: info.speculative,
            ..Task::default()
        });
        self.task_index.insert(id, i);
        i
    }

    /// `SparkListenerTaskStart`.
    pub fn task_start(&mut self, e: events::TaskStart, pos: Pos) {
        self.events += 1;
        let (Some(stage), Some(attempt)) = (id_u64(e.stage_id), id_u64(e.stage_attempt)) else {
            return;
        };
        self.seen(e.info.launch_time);
        let before = self.tasks.len();
        let i = self.task_entry(&e.info, stage, attempt as u32);
        if i != usize::MAX && i < before {
            let msg = format!(
                "{}: line {}: task {} started twice (or after its end); keeping the first",
                pos.file, pos.line, e.info.task_id
            );
            self.warn("duplicate-task-start", msg);
        }
    }

    /// `SparkListenerTaskEnd`.
    pub fn task_end(&mut self, e: events::TaskEnd, pos: Pos) {
        self.events += 1;
        let (Some(stage), Some(attempt)) = (id_u64(e.stage_id), id_u64(e.stage_attempt)) else {
            return;
        };
        self.seen(e.info.launch_time);
        self.seen(e.info.finish_time);
        let i = self.task_entry(&e.info, stage, attempt as u32);
        if i == usize::MAX {
            return;
        }
        let reason = e.reason.as_ref().and_then(|r| r.reason.as_deref());
        if self.task_ms[i].finish().is_some() {
            let mut t = self.tasks.row(i);
            if reason == Some("Resubmitted") && t.status == TaskStatus::Success && !t.output_lost {
                // Not a second run: the map output of this finished task was lost with its
                // executor, and the task is counted again, as failed (as the History Server does).
                t.output_lost = true;
                self.tasks.set(i, t);
                return;
            }
            let msg = format!(
                "{}: line {}: task {} ended twice; keeping the first end",
                pos.file, pos.line, e.info.task_id
            );
            self.warn("duplicate-task-end", msg);
            return;
        }
        // The History Server's classes (AppStatusListener.onTaskEnd): kills and commit denials
        // are "killed", every other reason but Success is "failed". Spark always writes a reason;
        // a line without one falls back on the task info's flags.
        let status = match reason {
            Some("Success") => TaskStatus::Success,
            Some("TaskKilled" | "TaskCommitDenied") => TaskStatus::Killed,
            Some(_) => TaskStatus::Failed,
            None if e.info.killed => TaskStatus::Killed,
            None if e.info.failed => TaskStatus::Failed,
            None => TaskStatus::Success,
        };
        let reason = reason.unwrap_or(match status {
            TaskStatus::Killed => "TaskKilled",
            _ => "failed",
        });
        let failure = if status == TaskStatus::Success {
            None
        } else {
            let r = e.reason.as_ref();
            let detail = r.and_then(|r| {
                r.description
                    .as_deref()
                    .or(r.message.as_deref())
                    .or(r.loss_reason.as_deref())
                    .or(r.kill_reason.as_deref())
                    .or(r.class_name.as_deref())
            });
            // An exception's message rarely names its class: keep the class first, so that
            // failures group by it (analysis::tables::failure_kind).
            let class = r
                .and_then(|r| r.class_name.as_deref())
                .filter(|c| detail.is_some_and(|d| d != *c && !d.starts_with(c)));
            Some(match (class, detail) {
                (Some(c), Some(d)) => Arc::from(format!("{reason}: {c}: {d}")),
                (None, Some(d)) => Arc::from(format!("{reason}: {d}")),
                _ => Arc::from(reason),
            })
        };
        let launch_ms = e.info.launch_time;
        let mut finish_ms = e.info.finish_time;
        if finish_ms > 0 && finish_ms < launch_ms {
            let msg = format!(
                "{}: line {}: task {} finishes before it launches; using its launch time",
                pos.file, pos.line, e.info.task_id
            );
            self.warn("task-time-order", msg);
            finish_ms = launch_ms;
        }
        let heap = e.executor_metrics.as_ref().and_then(|m| m.heap());
        let exec_i = self.executor(&e.info.executor_id);
        if let Some(m) = &e.executor_metrics {
            fold_peaks(&mut self.executors[exec_i].peaks, m);
            if let Some(h) = heap {
                if finish_ms > 0 {
                    self.executors[exec_i].heap.push((finish_ms, h));
                }
            }
        }
        self.task_ms[i] = TaskMs {
            launch: launch_ms,
            finish: if finish_ms > 0 { finish_ms } else { NO_MS },
        };
        let mut t = self.tasks.row(i);
        t.status = status;
        t.failure_reason = failure;
        t.speculative = e.info.speculative;
        let mut sk = Skipped::default();
        if let Some(m) = e.metrics {
            t.deserialize_time_s = seconds(m.deserialize_time_ms, 1, &mut sk);
            t.run_time_s = seconds(m.run_time_ms, 1, &mut sk);
            t.cpu_time_s = seconds(m.cpu_time_ns, 1_000_000, &mut sk);
            t.gc_time_s = seconds(m.gc_time_ms, 1, &mut sk);
            t.result_size_bytes = amount(m.result_size, &mut sk);
            t.peak_execution_memory_bytes = amount(m.peak_execution_memory, &mut sk);
            t.memory_spill_bytes = amount(m.memory_spilled, &mut sk);
            t.disk_spill_bytes = amount(m.disk_spilled, &mut sk);
            if let Some(r) = m.shuffle_read {
                t.shuffle_read_local_bytes = amount(r.local_bytes, &mut sk);
                t.shuffle_read_remote_bytes = amount(r.remote_bytes, &mut sk);
                t.shuffle_read_records = amount(r.records, &mut sk);
                t.shuffle_fetch_wait_s = seconds(r.fetch_wait_ms, 1, &mut sk);
            }
            if let Some(w) = m.shuffle_write {
                t.shuffle_write_bytes = amount(w.bytes, &mut sk);
                t.shuffle_write_records = amount(w.records, &mut sk);
                t.shuffle_write_time_s = seconds(w.write_time_ns, 1_000_000, &mut sk);
            }
            if let Some(inp) = m.input {
                t.input_bytes = amount(inp.bytes, &mut sk);
                t.input_records = amount(inp.records, &mut sk);
            }
            if let Some(out) = m.output {
                t.output_bytes = amount(out.bytes, &mut sk);
                t.output_records = amount(out.records, &mut sk);
            }
        }
        self.tasks.set(i, t);
        if sk.negative > 0 {
            self.negative_values += sk.negative;
            let msg = format!(
                "{}: line {}: task {} has negative metric values; counted as 0",
                pos.file, pos.line, e.info.task_id
            );
            self.warn("negative-metric", msg);
        }
        if sk.huge > 0 {
            let msg = format!(
                "{}: line {}: task {} has metric values beyond any task (above 1 PiB, or 30 days); counted as 0",
                pos.file, pos.line, e.info.task_id
            );
            self.warn("huge-metric", msg);
        }
    }

    /// `SparkListenerStageExecutorMetrics`: per-stage peaks of one executor.
    pub fn stage_executor_metrics(&mut self, e: events::StageExecutorMetricsEvent) {
        self.events += 1;
        let (Some(stage), Some(attempt)) = (id_u64(e.stage_id), id_u64(e.stage_attempt)) else {
            return;
        };
        let attempt = attempt as u32;
        let exec_i = self.executor(&e.executor_id);
        fold_peaks(&mut self.executors[exec_i].peaks, &e.metrics);
        let si = self.stage(stage, attempt);
        fold_peaks(&mut self.stages[si].peaks, &e.metrics);
        if let Some(h) = e.metrics.heap() {
            self.stage_heap.push((exec_i, (stage, attempt), h));
        }
    }

    /// `SparkListenerExecutorMetricsUpdate` (heartbeat; untimed, so placed at the latest time seen).
    pub fn executor_metrics_update(&mut self, e: events::ExecutorMetricsUpdate) {
        self.events += 1;
        let Some(updated) = e.updated else { return };
        let mut merged = ExecutorMetrics::default();
        match updated {
            events::MetricsUpdated::PerStage(list) => {
                for s in &list {
                    fold_peaks(&mut merged.0, &s.metrics);
                }
            }
            events::MetricsUpdated::Single(m) => merged = *m,
        }
        if merged.is_empty() {
            return;
        }
        let exec_i = self.executor(&e.executor_id);
        fold_peaks(&mut self.executors[exec_i].peaks, &merged);
        if let (Some(h), Some(now)) = (merged.heap(), self.max_ms) {
            self.executors[exec_i].heap.push((now, h));
        }
    }

    /// `SparkListenerSQLExecutionStart`.
    pub fn sql_start(&mut self, e: events::SqlExecutionStart) {
        self.events += 1;
        self.seen_opt(e.time);
        let Some(id) = id_u64(e.execution_id) else {
            return;
        };
        let i = self.sql_entry(id);
        let s = &mut self.sql[i];
        s.start_ms = e.time;
        s.sql.description = e.description.map(|d| d.into_owned()).unwrap_or_default();
    }

    /// `SparkListenerSQLExecutionEnd`.
    pub fn sql_end(&mut self, e: events::SqlExecutionEnd) {
        self.events += 1;
        self.seen_opt(e.time);
        let Some(id) = id_u64(e.execution_id) else {
            return;
        };
        let i = self.sql_entry(id);
        let s = &mut self.sql[i];
        s.end_ms = e.time;
        s.sql.error = e
            .error_message
            .filter(|m| !m.is_empty())
            .map(|m| m.into_owned());
    }

    fn sql_entry(&mut self, id: u64) -> usize {
        *self.sql_index.entry(id).or_insert_with(|| {
            self.sql.push(SqlBuild {
                sql: SqlExecution {
                    id,
                    ..SqlExecution::default()
                },
                start_ms: None,
                end_ms: None,
            });
            self.sql.len() - 1
        })
    }

    /// The run, with times relative to the application start.
    pub fn finish(mut self) -> Run {
        // The start: the application's, unless it is no plausible date while other times are.
        if let (Some(start), Some(_)) = (self.app_start_ms, self.min_plausible_ms) {
            if !PLAUSIBLE_MS.contains(&start) {
                self.note(format!(
                    "SparkListenerApplicationStart has the time {start}, not a plausible date; times are from the first event"
                ));
                self.app_start_ms = None;
            }
        }
        let t0 = self
            .app_start_ms
            .or(self.min_plausible_ms)
            .or(self.min_ms)
            .unwrap_or(0);
        if self.app_start_ms.is_none() && self.events > 0 {
            self.note("no SparkListenerApplicationStart: times are from the first event".into());
        }
        // Times of this run: from shortly before its start to at most 30 days after it. Others
        // (a wrapped or patched number) are skipped, event by event.
        let (lo, hi) = (
            t0.saturating_sub(BEFORE_START_MS),
            t0.saturating_add(MAX_RUN_MS),
        );
        let ok = |ms: i64| ms >= lo && ms <= hi;
        let mut out_of_run = 0u64;
        if let Some(end) = self.app_end_ms {
            if end < t0 || end > hi {
                self.note(format!(
                    "SparkListenerApplicationEnd is {} the start ({:.1} s); it was ignored, so the run counts as incomplete",
                    if end < t0 { "before" } else { "more than 30 days after" },
                    (end - t0) as f64 / 1e3
                ));
                self.app_end_ms = None;
                self.exit_code = None;
            }
        }
        let keep = |ms: Option<i64>, n: &mut u64| match ms {
            Some(m) if m > 0 && !ok(m) => {
                *n += 1;
                None
            }
            other => other,
        };
        for eb in &mut self.executors {
            eb.added_ms = keep(eb.added_ms, &mut out_of_run);
            eb.removed_ms = keep(eb.removed_ms, &mut out_of_run);
            let before = eb.heap.len();
            eb.heap.retain(|(ms, _)| ok(*ms));
            out_of_run += (before - eb.heap.len()) as u64;
        }
        for sb in &mut self.stages {
            sb.submitted_ms = keep(sb.submitted_ms, &mut out_of_run);
            sb.completed_ms = keep(sb.completed_ms, &mut out_of_run);
        }
        for jb in &mut self.jobs {
            jb.submitted_ms = keep(jb.submitted_ms, &mut out_of_run);
            jb.completed_ms = keep(jb.completed_ms, &mut out_of_run);
        }
        for sb in &mut self.sql {
            sb.start_ms = keep(sb.start_ms, &mut out_of_run);
            sb.end_ms = keep(sb.end_ms, &mut out_of_run);
        }
        let before = self.tasks.len();
        let keep: Vec<bool> = self
            .task_ms
            .iter()
            .map(|t| ok(t.launch) && t.finish().is_none_or(&ok))
            .collect();
        self.tasks.retain_rows(&keep);
        crate::model::retain_rows(&mut self.task_ms, &keep);
        let dropped_tasks = before - self.tasks.len();
        if out_of_run > 0 || dropped_tasks > 0 {
            self.note(format!(
                "{} event time(s) and {dropped_tasks} task(s) with times outside the run (before its start, or more than 30 days after it) were skipped",
                out_of_run
            ));
        }
        // The last time of the run, from what was kept.
        let mut max_ms: Option<i64> = None;
        let mut later = |ms: Option<i64>| {
            if let Some(m) = ms.filter(|m| *m > 0) {
                max_ms = Some(max_ms.map_or(m, |x| x.max(m)));
            }
        };
        for t in &self.task_ms {
            later(Some(t.launch));
            later(t.finish());
        }
        for e in &self.executors {
            later(e.added_ms);
            later(e.removed_ms);
        }
        for s in &self.stages {
            later(s.submitted_ms);
            later(s.completed_ms);
        }
        for j in &self.jobs {
            later(j.submitted_ms);
            later(j.completed_ms);
        }
        for q in &self.sql {
            later(q.start_ms);
            later(q.end_ms);
        }
        self.max_ms = max_ms.or(self.app_start_ms);
        let rel = |ms: i64| (ms - t0) as f64 / 1e3;
        let rel_opt = |ms: Option<i64>| ms.filter(|m| *m > 0).map(|m| (m - t0) as f64 / 1e3);
        let end_ms = self.app_end_ms.or(self.max_ms).unwrap_or(t0);
        if let (Some(end), Some(max)) = (self.app_end_ms, self.max_ms) {
            if max > end + 1000 {
                self.note(format!(
                    "events continue {:.1} s after SparkListenerApplicationEnd; duration ends at the application end",
                    (max - end) as f64 / 1e3
                ));
            }
        }
        let run = &mut self.run;
        // Glue passes its job's name and run id to Spark as properties.
        if run.meta.job_name.is_none() {
            run.meta.job_name = run.meta.config.get("spark.glue.JOB_NAME").cloned();
        }
        if run.meta.job_run_id.is_none() {
            run.meta.job_run_id = run.meta.config.get("spark.glue.JOB_RUN_ID").cloned();
        }
        run.meta.start_epoch_ms = (t0 > 0).then_some(t0);
        run.meta.duration_s = rel(end_ms).max(0.0);

        // Stages: completion time lookup for StageExecutorMetrics samples.
        let stage_done: HashMap<(u64, u32), i64> = self
            .stages
            .iter()
            .filter_map(|s| s.completed_ms.map(|c| ((s.stage.id, s.stage.attempt), c)))
            .collect();
        for (exec_i, key, heap) in std::mem::take(&mut self.stage_heap) {
            if let (Some(&at), Some(ex)) = (stage_done.get(&key), self.executors.get_mut(exec_i)) {
                ex.heap.push((at, heap));
            }
        }

        let any_heap = self.executors.iter().any(|e| !e.heap.is_empty());
        for eb in &mut self.executors {
            let mut ex = std::mem::take(&mut eb.exec);
            ex.added_s = rel_opt(eb.added_ms).map(|s| s.max(0.0));
            ex.removed_s = rel_opt(eb.removed_ms);
            ex.peak_metrics = peaks_map(&eb.peaks);
            if !eb.heap.is_empty() {
                crate::sorting::sort_by(&mut eb.heap, |p| crate::sorting::Key::f(p.0 as f64));
                let mut s = Series::new(
                    metrics::heap_used(&ex.id),
                    SeriesKind::Gauge,
                    Unit::Bytes,
                    SeriesSource::ExecutorMetrics,
                );
                for &(ms, h) in &eb.heap {
                    s.push(rel(ms).max(0.0), h as f64);
                }
                run.series.push(s);
            }
            run.executors.push(ex);
        }
        run.meta.memory_source = if any_heap {
            MemorySource::ExecutorMetrics
        } else {
            MemorySource::None
        };

        for sb in self.stages {
            let mut st = sb.stage;
            st.submitted_s = rel_opt(sb.submitted_ms);
            st.completed_s = rel_opt(sb.completed_ms);
            st.peak_executor_metrics = peaks_map(&sb.peaks);
            run.stages.push(st);
        }
        run.sort_executors();
        crate::sorting::sort_by(&mut run.stages, |s| {
            crate::sorting::Key(s.id as f64, u64::from(s.attempt))
        });

        // Launch order (then task id), as the History Server lists them.
        let order = crate::sorting::order_of(
            self.task_ms
                .iter()
                .enumerate()
                .map(|(i, t)| crate::sorting::Key(t.launch as f64, self.tasks.id(i))),
        );
        self.tasks.permute(&order);
        crate::model::permute_rows(&mut self.task_ms, &order);
        for (i, t) in self.task_ms.iter().enumerate() {
            self.tasks.set_times(i, rel(t.launch), t.finish().map(rel));
        }
        let running = self
            .tasks
            .iter()
            .filter(|t| t.status == TaskStatus::Running)
            .count();
        self.tasks.shrink_to_fit();
        run.tasks = self.tasks;

        for jb in self.jobs {
            let mut j = jb.job;
            j.submitted_s = rel_opt(jb.submitted_ms);
            j.completed_s = rel_opt(jb.completed_ms);
            run.jobs.push(j);
        }
        crate::sorting::sort_by(&mut run.jobs, |j| crate::sorting::Key::u(j.id));
        for sb in self.sql {
            let mut s = sb.sql;
            s.start_s = rel_opt(sb.start_ms);
            s.end_s = rel_opt(sb.end_ms);
            run.sql.push(s);
        }
        crate::sorting::sort_by(&mut run.sql, |s| crate::sorting::Key::u(s.id));

        // Status: the end event decides; a non-zero exit code or a failed last job means failure.
        let last_failed_job = run
            .jobs
            .iter()
            .filter(|j| j.result != JobResult::Running)
            .max_by(|a, b| {
                a.completed_s
                    .unwrap_or(0.0)
                    .total_cmp(&b.completed_s.unwrap_or(0.0))
            })
            .filter(|j| j.result == JobResult::Failed);
        let sql_error = run.sql.iter().rev().find_map(|s| s.error.clone());
        run.meta.status = if self.app_end_ms.is_none() {
            RunStatus::Incomplete
        } else if self.exit_code.is_some_and(|c| c != 0) || last_failed_job.is_some() {
            RunStatus::Failed
        } else {
            RunStatus::Succeeded
        };
        if run.meta.status == RunStatus::Failed {
            run.meta.error = last_failed_job
                .and_then(|j| j.failure_reason.clone())
                .or(sql_error)
                .or_else(|| {
                    self.exit_code
                        .map(|c| format!("application exited with code {c}"))
                });
        }
        if run.meta.status == RunStatus::Incomplete && self.events > 0 {
            run.warnings.push(format!(
                "no SparkListenerApplicationEnd: the log is in progress or truncated; showing the first {:.1} s{}",
                run.meta.duration_s,
                if running > 0 {
                    format!(" ({running} tasks still running)")
                } else {
                    String::new()
                }
            ));
        }
        for (kind, (count, msgs)) in self.warning_counts {
            let extra = count.saturating_sub(msgs.len());
            run.warnings.extend(msgs);
            if extra > 0 {
                run.warnings
                    .push(format!("… and {extra} more of the same kind ({kind})"));
            }
        }
        self.run
    }
}
