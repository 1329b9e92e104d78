//! The tables Spark users rely on, per run: stages, executors, failed tasks grouped by reason,
//! jobs and SQL executions. Figures the History Server also reports follow its definitions
//! (`AppStatusListener`, `AppStatusStore.taskSummary`); docs/analysis.md, "Tables", says where
//! they differ.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::summary::{executor_totals, ms, stage_totals, ExecutorTotals, StageTotals};
use crate::model::{JobResult, Run, StageStatus, TaskStatus};

/// The quantiles of the stage page's task summary: min, 25th, median, 75th, max.
pub const QUANTILES: [f64; 5] = [0.0, 0.25, 0.5, 0.75, 1.0];

/// Longest failure message a table keeps, characters (the rest is cut with "…").
const MESSAGE_CHARS: usize = 2_000;

/// One stage attempt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageRow {
    /// Stage id.
    pub id: u64,
    /// Attempt number.
    pub attempt: u32,
    /// Name (the call site).
    pub name: String,
    /// How the attempt ended.
    pub status: StageStatus,
    /// Why it failed.
    pub failure_reason: Option<String>,
    /// The job that submitted it.
    pub job_id: Option<u64>,
    /// Tasks the stage has (its partitions).
    pub num_tasks: u64,
    /// Task-end events that failed (the History Server's `numFailedTasks`).
    pub failed_tasks: u64,
    /// Tasks killed (`numKilledTasks`).
    pub killed_tasks: u64,
    /// Submission, seconds from run start.
    pub submitted_s: Option<f64>,
    /// Completion, seconds from run start.
    pub completed_s: Option<f64>,
    /// Completion minus submission, s.
    pub wall_s: Option<f64>,
    /// Task duration (launch to finish) at [`QUANTILES`] over the successful tasks, ms; none
    /// without one.
    pub task_ms_quantiles: Option<[u64; 5]>,
    /// Sums over the attempt's tasks.
    pub totals: StageTotals,
}

/// One executor (or the driver).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExecutorRow {
    /// Executor id.
    pub id: String,
    /// True for the driver.
    pub is_driver: bool,
    /// Host.
    pub host: Option<String>,
    /// Task slots.
    pub cores: Option<u32>,
    /// Storage and execution memory (the block manager's maximum), bytes.
    pub max_memory_bytes: Option<u64>,
    /// Added, seconds from run start.
    pub added_s: Option<f64>,
    /// Removed, seconds from run start.
    pub removed_s: Option<f64>,
    /// Why it was removed.
    pub removed_reason: Option<String>,
    /// Sums over its tasks.
    pub totals: ExecutorTotals,
    /// Tasks killed.
    pub killed_tasks: u64,
    /// Peak JVM heap (`JVMHeapMemory`), bytes.
    pub peak_jvm_heap_bytes: Option<u64>,
    /// Peak JVM off-heap (`JVMOffHeapMemory`), bytes.
    pub peak_jvm_off_heap_bytes: Option<u64>,
    /// Peak on-heap execution memory (`OnHeapExecutionMemory`), bytes.
    pub peak_execution_on_heap_bytes: Option<u64>,
    /// Peak off-heap execution memory (`OffHeapExecutionMemory`), bytes.
    pub peak_execution_off_heap_bytes: Option<u64>,
}

/// Failed (or killed) task attempts with the same kind of reason.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FailureGroup {
    /// The reason's kind: Spark's end reason, with the exception class where there is one
    /// (`ExceptionFailure: java.io.IOException`, `FetchFailed`, `TaskKilled`, `Resubmitted`).
    pub kind: String,
    /// True for kills (`TaskKilled`, `TaskCommitDenied`): the History Server does not count them
    /// as failed.
    pub killed: bool,
    /// Attempts.
    pub count: u64,
    /// Stages they were in, ascending.
    pub stages: Vec<u64>,
    /// Executors they ran on, in display order.
    pub executors: Vec<String>,
    /// The first attempt's task id (by finish time).
    pub first_task: u64,
    /// Its whole message.
    pub first_message: String,
}

/// One job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobRow {
    /// Job id.
    pub id: u64,
    /// Its description, else the name of its last stage (as the History Server names jobs).
    pub name: String,
    /// How it ended.
    pub result: JobResult,
    /// Why it failed.
    pub failure_reason: Option<String>,
    /// Submission, seconds from run start.
    pub submitted_s: Option<f64>,
    /// Completion minus submission, s.
    pub duration_s: Option<f64>,
    /// Its stages (skipped ones included), ascending.
    pub stage_ids: Vec<u64>,
    /// Task-end events of its stages.
    pub tasks: u64,
    /// Of those, failed.
    pub failed_tasks: u64,
    /// The SQL execution that ran it.
    pub sql_execution_id: Option<u64>,
}

/// One SQL execution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SqlRow {
    /// Execution id.
    pub id: u64,
    /// Description.
    pub description: String,
    /// Start, seconds from run start.
    pub start_s: Option<f64>,
    /// End minus start, s.
    pub duration_s: Option<f64>,
    /// The error that ended it.
    pub error: Option<String>,
    /// The jobs it ran, ascending.
    pub job_ids: Vec<u64>,
}

/// Every table of one run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Tables {
    /// Stage attempts, by id then attempt.
    pub stages: Vec<StageRow>,
    /// The driver, then executors by id.
    pub executors: Vec<ExecutorRow>,
    /// Failed and killed attempts by kind, the most frequent first.
    pub failures: Vec<FailureGroup>,
    /// Jobs by id.
    pub jobs: Vec<JobRow>,
    /// SQL executions by id.
    pub sql: Vec<SqlRow>,
}

/// The values at [`QUANTILES`] of `values` as the History Server picks them: sorted, the one at
/// index `min(floor(q × n), n − 1)`.
pub fn quantiles(values: &mut [u64]) -> Option<[u64; 5]> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    let at = |q: f64| values[((q * n as f64) as usize).min(n - 1)];
    Some(QUANTILES.map(at))
}

/// The kind of a failure reason as the model keeps it (`"<Spark reason>: <detail>"`): the
/// reason, with the exception class when the detail starts with one.
pub fn failure_kind(reason: &str) -> String {
    let (head, rest) = reason.split_once(": ").unwrap_or((reason, ""));
    let first = rest.lines().next().unwrap_or("");
    let class = first.split_once(':').map_or(first, |(c, _)| c).trim();
    let is_class = class.contains('.')
        && !class.contains(char::is_whitespace)
        && class
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '$' | '_'));
    if is_class {
        format!("{head}: {class}")
    } else {
        head.trim().to_string()
    }
}

fn cut(s: &str) -> String {
    match s.char_indices().nth(MESSAGE_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

fn span(from: Option<f64>, to: Option<f64>) -> Option<f64> {
    Some((to? - from?).max(0.0))
}

/// What grouping collects for one kind of failure.
struct Group {
    killed: bool,
    count: u64,
    stages: BTreeSet<u64>,
    executors: BTreeSet<String>,
    first: (f64, u64, String),
}

fn add_failure(
    groups: &mut BTreeMap<String, Group>,
    kind: String,
    at: (f64, u64, &str, u64, &str),
) {
    let (finish_s, task, executor, stage, message) = at;
    let g = groups.entry(kind).or_insert_with(|| Group {
        killed: false,
        count: 0,
        stages: BTreeSet::new(),
        executors: BTreeSet::new(),
        first: (f64::INFINITY, task, String::new()),
    });
    g.count = g.count.saturating_add(1);
    g.stages.insert(stage);
    if !g.executors.contains(executor) {
        g.executors.insert(executor.to_string());
    }
    if (finish_s, task) < (g.first.0, g.first.1) {
        g.first = (finish_s, task, cut(message));
    }
}

/// The tables of a run (one pass over its tasks, plus a sort per stage for the quantiles).
pub fn tables(run: &Run) -> Tables {
    let stage_sums = stage_totals(run);
    let stage_index: HashMap<(u64, u32), usize> = run
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| ((s.id, s.attempt), i))
        .collect();
    let mut durations: Vec<Vec<u64>> = vec![Vec::new(); run.stages.len()];
    let mut stage_counts: Vec<(u64, u64)> = vec![(0, 0); run.stages.len()];
    let mut killed_by_executor: HashMap<String, u64> = HashMap::new();
    // By kind, so that equal counts list in kind order.
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for t in run.tasks.iter() {
        let si = stage_index.get(&(t.stage_id, t.stage_attempt)).copied();
        if let Some(i) = si {
            let c = &mut stage_counts[i];
            c.0 = c.0.saturating_add(t.failed_end_events());
            c.1 =
                c.1.saturating_add(u64::from(t.status == TaskStatus::Killed));
            if t.status == TaskStatus::Success {
                durations[i].push(ms(t.duration_s()));
            }
        }
        let finish = t.finish_s.unwrap_or(f64::INFINITY);
        if matches!(t.status, TaskStatus::Failed | TaskStatus::Killed) {
            let reason = t.failure_reason.as_deref().unwrap_or("failed");
            let killed = t.status == TaskStatus::Killed;
            let kind = failure_kind(reason);
            add_failure(
                &mut groups,
                kind.clone(),
                (finish, t.id, &t.executor_id, t.stage_id, reason),
            );
            if let Some(g) = groups.get_mut(&kind) {
                g.killed = killed;
            }
            if killed {
                *killed_by_executor
                    .entry(t.executor_id.to_string())
                    .or_default() += 1;
            }
        }
        if t.output_lost {
            add_failure(
                &mut groups,
                "Resubmitted".to_string(),
                (
                    finish,
                    t.id,
                    &t.executor_id,
                    t.stage_id,
                    "Resubmitted: the map output was lost with its executor, and the partition re-run",
                ),
            );
        }
    }

    let mut stages: Vec<StageRow> = run
        .stages
        .iter()
        .zip(stage_sums)
        .zip(durations.iter_mut().zip(&stage_counts))
        .map(|((s, totals), (d, &(failed, killed)))| StageRow {
            id: s.id,
            attempt: s.attempt,
            name: s.name.clone(),
            status: s.status,
            failure_reason: s.failure_reason.as_deref().map(cut),
            job_id: s.job_id,
            num_tasks: s.num_tasks,
            failed_tasks: failed,
            killed_tasks: killed,
            submitted_s: s.submitted_s,
            completed_s: s.completed_s,
            wall_s: span(s.submitted_s, s.completed_s),
            task_ms_quantiles: quantiles(d),
            totals,
        })
        .collect();
    crate::sorting::sort_by(&mut stages, |s| {
        crate::sorting::Key(s.id as f64, u64::from(s.attempt))
    });

    let executors = run
        .executors
        .iter()
        .zip(executor_totals(run))
        .map(|(e, totals)| {
            let peak = |k: &str| e.peak_metrics.get(k).copied();
            ExecutorRow {
                id: e.id.clone(),
                is_driver: e.is_driver,
                host: e.host.clone(),
                cores: e.cores,
                max_memory_bytes: e.max_memory_bytes,
                added_s: e.added_s,
                removed_s: e.removed_s,
                removed_reason: e.removed_reason.clone(),
                killed_tasks: killed_by_executor.get(&e.id).copied().unwrap_or(0),
                totals,
                peak_jvm_heap_bytes: peak("JVMHeapMemory"),
                peak_jvm_off_heap_bytes: peak("JVMOffHeapMemory"),
                peak_execution_on_heap_bytes: peak("OnHeapExecutionMemory"),
                peak_execution_off_heap_bytes: peak("OffHeapExecutionMemory"),
            }
        })
        .collect();

    let order: HashMap<&str, crate::sorting::Key> = run
        .executors
        .iter()
        .map(|e| (e.id.as_str(), crate::model::executor_order_key(&e.id)))
        .collect();
    let mut failures: Vec<FailureGroup> = groups
        .into_iter()
        .map(|(kind, g)| {
            let mut executors: Vec<String> = g.executors.into_iter().collect();
            crate::sorting::sort_by(&mut executors, |id| {
                order
                    .get(id.as_str())
                    .copied()
                    .unwrap_or_else(|| crate::model::executor_order_key(id))
            });
            FailureGroup {
                kind,
                killed: g.killed,
                count: g.count,
                stages: g.stages.into_iter().collect(),
                executors,
                first_task: g.first.1,
                first_message: g.first.2,
            }
        })
        .collect();
    crate::sorting::sort_by(&mut failures, |f| crate::sorting::Key::f(-(f.count as f64)));

    // Per job: its stages' task counts, and the name of its last stage.
    let mut job_tasks: HashMap<u64, (u64, u64)> = HashMap::new();
    let mut last_stage: HashMap<u64, (u64, &str)> = HashMap::new();
    for s in &stages {
        if let Some(j) = s.job_id {
            let e = job_tasks.entry(j).or_default();
            e.0 = e.0.saturating_add(s.totals.tasks);
            e.1 = e.1.saturating_add(s.failed_tasks);
            let l = last_stage.entry(j).or_insert((s.id, s.name.as_str()));
            if s.id >= l.0 {
                *l = (s.id, s.name.as_str());
            }
        }
    }
    let mut jobs: Vec<JobRow> = run
        .jobs
        .iter()
        .map(|j| {
            let (tasks, failed_tasks) = job_tasks.get(&j.id).copied().unwrap_or((0, 0));
            let mut stage_ids = j.stage_ids.clone();
            stage_ids.sort_unstable();
            stage_ids.dedup();
            JobRow {
                id: j.id,
                name: j
                    .description
                    .clone()
                    .filter(|d| !d.is_empty())
                    .or_else(|| last_stage.get(&j.id).map(|l| l.1.to_string()))
                    .unwrap_or_default(),
                result: j.result,
                failure_reason: j.failure_reason.as_deref().map(cut),
                submitted_s: j.submitted_s,
                duration_s: span(j.submitted_s, j.completed_s),
                stage_ids,
                tasks,
                failed_tasks,
                sql_execution_id: j.sql_execution_id,
            }
        })
        .collect();
    crate::sorting::sort_by(&mut jobs, |j| crate::sorting::Key::u(j.id));

    let mut sql_jobs: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for j in &jobs {
        if let Some(x) = j.sql_execution_id {
            sql_jobs.entry(x).or_default().push(j.id);
        }
    }
    let mut sql: Vec<SqlRow> = run
        .sql
        .iter()
        .map(|q| SqlRow {
            id: q.id,
            description: cut(&q.description),
            start_s: q.start_s,
            duration_s: span(q.start_s, q.end_s),
            error: q.error.as_deref().map(cut),
            job_ids: sql_jobs.get(&q.id).cloned().unwrap_or_default(),
        })
        .collect();
    crate::sorting::sort_by(&mut sql, |q| crate::sorting::Key::u(q.id));

    Tables {
        stages,
        executors,
        failures,
        jobs,
        sql,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_pick_as_the_history_server() {
        let mut v = vec![5, 1, 4, 2, 3];
        // n = 5: indices 0, 1, 2, 3, 4.
        assert_eq!(quantiles(&mut v), Some([1, 2, 3, 4, 5]));
        let mut v: Vec<u64> = (1..=16).collect();
        // n = 16: indices 0, 4, 8, 12, 15.
        assert_eq!(quantiles(&mut v), Some([1, 5, 9, 13, 16]));
        assert_eq!(quantiles(&mut []), None);
    }

    #[test]
    fn failure_kinds_keep_the_exception_class() {
        assert_eq!(
            failure_kind("ExceptionFailure: java.io.IOException: No space left on device"),
            "ExceptionFailure: java.io.IOException"
        );
        assert_eq!(
            failure_kind("FetchFailed: BlockManagerId(1, host, 7337) shuffle 3"),
            "FetchFailed"
        );
        assert_eq!(
            failure_kind("TaskKilled: another attempt succeeded"),
            "TaskKilled"
        );
        assert_eq!(failure_kind("failed"), "failed");
    }
}
