//! Calibration: from a measured run with tasks (a Spark event log) to a scenario that reproduces
//! it — stage DAG, task counts, bytes per task (skew), per-task fixed time and warm-up, per-stage
//! seconds per byte, spill behaviour, executors and cores, driver gaps between jobs, and the
//! Spark/Glue configuration from the log's environment.

use std::collections::HashMap;

use super::cost::{self, Env, TaskData};
use super::partitioning;
use super::rates::Rates;
use super::rng::SplitMix64;
use super::scenario::*;
use crate::model::units::{parse_memory_bytes, parse_size_bytes, parse_time_s};
use crate::model::{Run, Stage, StageStatus, Task, TaskStatus};

const MIB: u64 = 1 << 20;

/// Tasks with at most this many data bytes count as "empty" when fitting the per-task fixed time.
const SMALL_TASK_BYTES: u64 = MIB;

fn conf<'a>(run: &'a Run, key: &str) -> Option<&'a str> {
    run.meta.config.get(key).map(|s| s.as_str())
}

fn conf_bool(run: &Run, key: &str) -> Option<bool> {
    conf(run, key).map(|v| v.trim().eq_ignore_ascii_case("true"))
}

fn conf_u32(run: &Run, key: &str) -> Option<u32> {
    conf(run, key).and_then(|v| v.trim().parse().ok())
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    crate::sorting::sort_f64s(v);
    Some(v[v.len() / 2])
}

fn data_bytes(t: &Task) -> u64 {
    t.input_bytes + t.shuffle_read_bytes()
}

/// Longest wait between a task's end and the next launch of its stage on the same slot that
/// counts as the driver's dispatch (longer waits are something else: locality, a barrier).
const MAX_DISPATCH_GAP_S: f64 = 5.0;

/// Time each task held its slot: its duration, cut at the next launch on the same slot (Spark
/// records a task's end after the driver has already reused the slot). Slots are rebuilt per
/// executor from launch order.
fn occupancy(tasks: &[Task], cores_of: &HashMap<&str, u32>) -> Vec<f64> {
    let mut occ: Vec<f64> = tasks.iter().map(|t| t.duration_s()).collect();
    let mut by_exec: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, t) in tasks.iter().enumerate() {
        by_exec.entry(&*t.executor_id).or_default().push(i);
    }
    for (exec, mut idx) in by_exec {
        crate::sorting::sort_by(&mut idx, |&i| crate::sorting::Key::f(tasks[i].launch_s));
        let cores = cores_of.get(exec).copied().unwrap_or(1).max(1) as usize;
        // Each slot: the task it runs (index into `tasks`), by earliest end.
        let mut slots: Vec<Option<usize>> = vec![None; cores];
        for i in idx {
            let launch = tasks[i].launch_s;
            // The slot whose task ends first (or an empty one).
            let k = (0..cores)
                .min_by(|&a, &b| {
                    let end = |s: Option<usize>| {
                        s.map_or(f64::NEG_INFINITY, |j| tasks[j].finish_s.unwrap_or(launch))
                    };
                    end(slots[a]).total_cmp(&end(slots[b]))
                })
                .unwrap_or(0);
            if let Some(prev) = slots[k] {
                let p = &tasks[prev];
                let since = (launch - p.launch_s).max(0.0);
                let idle = launch - p.finish_s.unwrap_or(launch);
                occ[prev] = if p.stage_id == tasks[i].stage_id
                    && p.stage_attempt == tasks[i].stage_attempt
                    && (0.0..=MAX_DISPATCH_GAP_S).contains(&idle)
                {
                    // The next task of the same stage waited for the driver to hand it this
                    // slot: that wait is part of what each task costs.
                    since
                } else {
                    occ[prev].min(since)
                };
            }
            slots[k] = Some(i);
        }
    }
    occ
}

fn has_rdd(st: &Stage, pred: impl Fn(&str, &str) -> bool) -> bool {
    st.rdds
        .iter()
        .any(|r| pred(&r.name, r.operation.as_deref().unwrap_or("")))
}

fn scan_format(st: &Stage) -> Option<Format> {
    st.rdds.iter().find_map(|r| {
        let op = r.operation.as_deref()?.to_ascii_lowercase();
        let f = op.strip_prefix("scan ")?;
        Some(if f.starts_with("json") {
            Format::Json
        } else if f.starts_with("parquet") || f.starts_with("orc") {
            Format::Parquet
        } else {
            Format::Text
        })
    })
}

fn is_file_scan(st: &Stage) -> bool {
    has_rdd(st, |n, op| {
        n == "FileScanRDD" || n == "HadoopRDD" || n == "NewHadoopRDD" || op.starts_with("Scan ")
    })
}

/// A calibrated scenario and what calibration noticed.
#[derive(Clone, Debug)]
pub struct Calibration {
    /// The scenario.
    pub scenario: Scenario,
    /// One line per notable decision or fallback.
    pub notes: Vec<String>,
}

/// Builds a scenario from a measured run with tasks.
pub fn calibrate(run: &Run) -> Result<Calibration, String> {
    let ended: Vec<Task> = run
        .tasks
        .iter()
        .filter(|t| t.status == TaskStatus::Success && t.finish_s.is_some())
        .collect();
    if ended.is_empty() {
        return Err(
            "the run has no task data (calibration needs a Spark event log, not metrics only)"
                .into(),
        );
    }
    // Stage attempts in which nothing succeeded (a failed job's stages, a run cut short): the
    // last attempt of each of their tasks stands for it, so that their time is replayed.
    // (Maps and sorts reuse the key and value types used below: each new one costs the page's
    // worker kilobytes of code.)
    let mut ended = ended;
    let mut unsuccessful: HashMap<(u64, u32), Vec<usize>> = HashMap::new();
    let others: Vec<Task> = {
        let mut ok: HashMap<(u64, u32), f64> = HashMap::new();
        for t in &ended {
            ok.insert((t.stage_id, t.stage_attempt), 0.0);
        }
        let mut rest: Vec<Task> = run
            .tasks
            .iter()
            .filter(|t| t.status != TaskStatus::Success && t.finish_s.is_some())
            .collect();
        crate::sorting::sort_by(&mut rest, |t| crate::sorting::Key(t.launch_s, t.id));
        // Grouped by (stage, attempt, task index), in launch order within a group.
        let group = |t: &Task| {
            crate::sorting::Key(
                t.stage_id as f64,
                (u64::from(t.stage_attempt) << 40) | (t.index & ((1 << 40) - 1)),
            )
        };
        let order = crate::sorting::order_of(rest.iter().map(group));
        let mut standing = vec![false; rest.len()];
        for (k, &i) in order.iter().enumerate() {
            let t = &rest[i as usize];
            let last_of_group = order
                .get(k + 1)
                .is_none_or(|&j| group(&rest[j as usize]) != group(t));
            if last_of_group && !ok.contains_key(&(t.stage_id, t.stage_attempt)) {
                standing[i as usize] = true;
            }
        }
        let mut others = Vec::new();
        for (i, t) in rest.into_iter().enumerate() {
            if standing[i] {
                ended.push(t);
            } else {
                unsuccessful
                    .entry((t.stage_id, t.stage_attempt))
                    .or_default()
                    .push(others.len());
                others.push(t);
            }
        }
        others
    };
    let mut notes = Vec::new();
    let mut s = Scenario {
        name: run.display_name(),
        description: format!(
            "calibrated on {}",
            run.meta.app_id.as_deref().unwrap_or("a measured run")
        ),
        ..Scenario::default()
    };

    // --- Cluster -------------------------------------------------------------------------
    let driver = run.executors.iter().find(|e| e.is_driver);
    let workers: Vec<_> = run
        .worker_executors()
        .filter(|e| e.id != "ALL" && e.added_s.is_some())
        .collect();
    let local_mode = workers.is_empty() || ended.iter().all(|t| &*t.executor_id == "driver");
    let mut cores_of: HashMap<&str, u32> = HashMap::new();
    for e in run.executors.iter() {
        if let Some(c) = e.cores {
            cores_of.insert(e.id.as_str(), c.max(1));
        }
    }
    let conf_cores = conf_u32(run, "spark.executor.cores");
    let cores = {
        let mut v: Vec<u32> = workers.iter().filter_map(|e| e.cores).collect();
        v.sort_unstable();
        v.get(v.len() / 2)
            .copied()
            .or(conf_cores)
            .unwrap_or(1)
            .max(1)
    };
    let driver_added = driver.and_then(|d| d.added_s).unwrap_or(0.0);
    let first_job = run
        .jobs
        .iter()
        .filter_map(|j| j.submitted_s)
        .fold(f64::INFINITY, f64::min);
    let first_job = if first_job.is_finite() {
        first_job
    } else {
        ended
            .iter()
            .map(|t| t.launch_s)
            .fold(f64::INFINITY, f64::min)
    };
    let mem_fraction = conf(run, "spark.memory.fraction")
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.6);
    s.spark.memory_fraction = mem_fraction;
    if local_mode {
        let c = driver
            .and_then(|d| d.cores)
            .or_else(|| {
                conf(run, "spark.master").and_then(|m| {
                    m.strip_prefix("local[")?
                        .trim_end_matches(']')
                        .split(',')
                        .next()?
                        .parse()
                        .ok()
                })
            })
            .unwrap_or(1)
            .max(1);
        cores_of.insert("driver", c);
        s.cluster.local_mode = true;
        s.cluster.executor_cores = Some(c);
        s.cluster.initial_executor_ready_s = vec![driver_added];
        if let Some(m) = driver.and_then(|d| d.max_memory_bytes) {
            s.cluster.executor_memory_bytes = Some(
                ((m as f64 / mem_fraction) as u64 + s.spark.reserved_memory_bytes)
                    .max(super::cluster::MIN_HEAP_BYTES),
            );
        }
        notes.push(format!(
            "local mode: tasks ran in the driver with {c} slots"
        ));
    } else {
        // Executors up before the first job are the initial ones; later ones came on demand.
        let mut initial: Vec<f64> = workers
            .iter()
            .filter_map(|e| e.added_s)
            .filter(|&a| a <= first_job + 1.0)
            .collect();
        if initial.is_empty() {
            initial = workers.iter().filter_map(|e| e.added_s).collect();
        }
        crate::sorting::sort_f64s(&mut initial);
        let mut starts: Vec<f64> = initial
            .iter()
            .map(|a| (a - driver_added).max(0.0))
            .collect();
        s.cluster.executor_start_s = median(&mut starts).unwrap_or(5.0);
        s.driver.start_executors_s = driver_added;
        s.cluster.initial_executor_ready_s = initial.clone();
        // Every executor as it came and went: replayed while the cluster is unchanged.
        let mut spans: Vec<ExecutorSpan> = workers
            .iter()
            .filter_map(|e| {
                Some(ExecutorSpan {
                    added_s: e.added_s?,
                    removed_s: e.removed_s,
                    removed_reason: e.removed_reason.clone(),
                })
            })
            .collect();
        crate::sorting::sort_by(&mut spans, |x| crate::sorting::Key::f(x.added_s));
        s.cluster.executor_timeline = spans;
        let peak = crate::analysis::summary::totals(run).peak_executors.max(1) as u32;
        s.cluster.executors = Some(peak.max(initial.len() as u32));
        s.cluster.workers = s.cluster.executors.unwrap_or(1);
        s.cluster.executor_cores = Some(cores);
        s.cluster.first_executor_id = workers
            .iter()
            .filter_map(|e| e.id.parse::<u32>().ok())
            .min()
            .unwrap_or(1);
        let heap = conf(run, "spark.executor.memory")
            .and_then(parse_memory_bytes)
            .or_else(|| {
                let m = workers.iter().filter_map(|e| e.max_memory_bytes).max()?;
                Some((m as f64 / mem_fraction) as u64 + s.spark.reserved_memory_bytes)
            });
        // Use the block manager's measured maximum when known: it is what tasks really had.
        let measured_unified = workers.iter().filter_map(|e| e.max_memory_bytes).max();
        s.cluster.executor_memory_bytes = match measured_unified {
            Some(m) => Some((m as f64 / mem_fraction) as u64 + s.spark.reserved_memory_bytes),
            None => heap,
        }
        .map(|h| h.max(super::cluster::MIN_HEAP_BYTES));
        notes.push(format!(
            "{} executor(s) of {cores} core(s), {} initial; executors start {:.1} s after request",
            s.cluster.executors.unwrap_or(0),
            initial.len(),
            s.cluster.executor_start_s
        ));
    }
    if let (Some(w), Some(n)) = (&run.meta.worker_type, run.meta.worker_count) {
        if crate::model::glue::worker_type(w).is_some() {
            s.cluster.worker_type = Some(w.clone());
            s.cluster.workers = n;
        }
    }
    s.cluster.network_bytes_per_s_per_worker = Cluster::default().network_bytes_per_s_per_worker;

    // --- Spark configuration -----------------------------------------------------------------
    let sp = &mut s.spark;
    if let Some(n) = conf_u32(run, "spark.sql.shuffle.partitions") {
        sp.shuffle_partitions = n.max(1);
    }
    if let Some(b) = conf(run, "spark.sql.files.maxPartitionBytes").and_then(parse_size_bytes) {
        sp.files_max_partition_bytes = b.max(1);
    }
    if let Some(b) = conf(run, "spark.sql.files.openCostInBytes").and_then(parse_size_bytes) {
        sp.files_open_cost_bytes = b;
    }
    sp.default_parallelism = conf_u32(run, "spark.default.parallelism");
    // AQE is on by default from Spark 3.2.
    let version_default = run
        .meta
        .spark_version
        .as_deref()
        .and_then(|v| {
            let mut it = v.split('.');
            Some((
                it.next()?.parse::<u32>().ok()?,
                it.next()?.parse::<u32>().ok()?,
            ))
        })
        .is_some_and(|(a, b)| a > 3 || (a == 3 && b >= 2));
    sp.adaptive.enabled = conf_bool(run, "spark.sql.adaptive.enabled").unwrap_or(version_default);
    if let Some(b) = conf_bool(run, "spark.sql.adaptive.coalescePartitions.enabled") {
        sp.adaptive.coalesce_partitions = b;
    }
    if let Some(b) = conf_bool(run, "spark.sql.adaptive.skewJoin.enabled") {
        sp.adaptive.skew_join = b;
    }
    if let Some(b) =
        conf(run, "spark.sql.adaptive.advisoryPartitionSizeInBytes").and_then(parse_size_bytes)
    {
        sp.adaptive.advisory_partition_bytes = b.max(1);
    }
    if let Some(v) = conf(run, "spark.sql.autoBroadcastJoinThreshold") {
        sp.auto_broadcast_join_threshold_bytes = if v.trim() == "-1" {
            -1
        } else {
            parse_size_bytes(v).map_or(10 * MIB as i64, |b| b as i64)
        };
    }
    if let Some(n) = conf_u32(run, "spark.task.maxFailures") {
        sp.task_max_failures = n.max(1);
    }
    let da = &mut sp.dynamic_allocation;
    da.enabled = conf_bool(run, "spark.dynamicAllocation.enabled").unwrap_or(false) && !local_mode;
    if let Some(n) = conf_u32(run, "spark.dynamicAllocation.minExecutors") {
        da.min_executors = n;
    }
    da.max_executors = conf_u32(run, "spark.dynamicAllocation.maxExecutors");
    if da.enabled {
        let initial = s.cluster.initial_executor_ready_s.len() as u32;
        da.initial_executors = Some(initial.max(1));
    }
    if let Some(t) =
        conf(run, "spark.dynamicAllocation.executorIdleTimeout").and_then(|v| parse_time_s(v, 1.0))
    {
        da.executor_idle_timeout_s = t;
    }
    if let Some(t) = conf(run, "spark.dynamicAllocation.schedulerBacklogTimeout")
        .and_then(|v| parse_time_s(v, 1.0))
    {
        da.scheduler_backlog_timeout_s = t;
        da.sustained_backlog_timeout_s = t;
    }
    if let Some(t) = conf(
        run,
        "spark.dynamicAllocation.sustainedSchedulerBacklogTimeout",
    )
    .and_then(|v| parse_time_s(v, 1.0))
    {
        da.sustained_backlog_timeout_s = t;
    }
    if let Some(b) = conf_bool(run, "spark.dynamicAllocation.shuffleTracking.enabled") {
        da.shuffle_tracking = b;
    }
    if conf_bool(run, "spark.shuffle.service.enabled") == Some(true) {
        // An external shuffle service keeps shuffle files: executors can go.
        da.shuffle_tracking = false;
    }

    // --- Per-task fixed time and warm-up --------------------------------------------------
    let occ = occupancy(&ended, &cores_of);
    let mut first = vec![false; ended.len()];
    {
        let mut seen: HashMap<(u64, u32, &str), (f64, usize)> = HashMap::new();
        for (i, t) in ended.iter().enumerate() {
            let e = seen
                .entry((t.stage_id, t.stage_attempt, &*t.executor_id))
                .or_insert((t.launch_s, i));
            if t.launch_s < e.0 {
                *e = (t.launch_s, i);
            }
        }
        for (_, i) in seen.values() {
            first[*i] = true;
        }
    }
    let mut small: Vec<f64> = ended
        .iter()
        .enumerate()
        .filter(|(i, t)| !first[*i] && data_bytes(t) <= SMALL_TASK_BYTES)
        .map(|(i, _)| occ[i])
        .collect();
    let task_fixed_s = if small.len() >= 3 {
        median(&mut small).unwrap_or(0.05)
    } else {
        let mut nonrun: Vec<f64> = ended
            .iter()
            .map(|t| (t.duration_s() - t.run_time_s).max(0.0) + t.deserialize_time_s)
            .collect();
        median(&mut nonrun).unwrap_or(0.05)
    };
    // Warm-up: first task of a stage on an executor over the executor's other tasks of the stage
    // (stages whose tasks carry similar data only).
    let mut groups: HashMap<(u64, u32, &str), Vec<usize>> = HashMap::new();
    for (i, t) in ended.iter().enumerate() {
        groups
            .entry((t.stage_id, t.stage_attempt, &*t.executor_id))
            .or_default()
            .push(i);
    }
    let mut warm: Vec<f64> = Vec::new();
    for idx in groups.values() {
        if idx.len() < 2 {
            continue;
        }
        let (mut lo, mut hi) = (u64::MAX, 0u64);
        for &i in idx {
            let d = data_bytes(&ended[i]);
            lo = lo.min(d);
            hi = hi.max(d);
        }
        if hi > SMALL_TASK_BYTES && (hi as f64) > 1.5 * lo as f64 {
            continue;
        }
        let Some(&f) = idx.iter().find(|&&i| first[i]) else {
            continue;
        };
        let mut others: Vec<f64> = idx.iter().filter(|&&i| i != f).map(|&i| occ[i]).collect();
        if let Some(m) = median(&mut others) {
            warm.push((occ[f] - m).max(0.0));
        }
    }
    let warmup_s = median(&mut warm).unwrap_or(0.0);
    // First launch per stage attempt, in one pass over the tasks.
    let mut first_launch: HashMap<(u64, u32), f64> = HashMap::new();
    for t in run.tasks.iter() {
        let f = first_launch
            .entry((t.stage_id, t.stage_attempt))
            .or_insert(f64::INFINITY);
        *f = f.min(t.launch_s);
    }
    let mut delays: Vec<f64> = run
        .stages
        .iter()
        .filter_map(|st| {
            let sub = st.submitted_s?;
            let launch = first_launch.get(&(st.id, st.attempt)).copied()?;
            launch.is_finite().then(|| (launch - sub).max(0.0))
        })
        .collect();
    let launch_delay_s = median(&mut delays).unwrap_or(0.05);
    let per_byte_s = per_byte_of_large_tasks(&ended, &occ, &first, task_fixed_s, warmup_s);
    s.rates = Rates {
        task_overhead_s: task_fixed_s,
        stage_warmup_s: warmup_s,
        stage_launch_delay_s: launch_delay_s,
        ..Rates::default()
    };
    notes.push(format!(
        "per-task fixed time {task_fixed_s:.3} s (median slot time of {} near-empty tasks), warm-up {warmup_s:.3} s (first task of a stage on an executor), stage launch delay {launch_delay_s:.3} s",
        small.len()
    ));

    // --- Jobs and stages ------------------------------------------------------------------------
    let listed = crate::analysis::findings::listed_paths(run);
    let total_slots = if local_mode {
        cores_of.get("driver").copied().unwrap_or(1) as u64
    } else {
        s.cluster.executors.unwrap_or(1) as u64 * cores as u64
    };
    let default_parallelism = s
        .spark
        .default_parallelism
        .map(u64::from)
        .unwrap_or(total_slots)
        .max(1);
    // Each stage's own wait from submission to its first launch, where the measured run had a
    // free slot when it was submitted (a wait for slots the simulation makes itself): locality
    // waits and the driver's scheduling, replayed per stage.
    let stage_delay: HashMap<(u64, u32), f64> = {
        let mut launches: Vec<f64> = run.tasks.iter().map(|t| t.launch_s).collect();
        let mut finishes: Vec<f64> = run.tasks.iter().filter_map(|t| t.finish_s).collect();
        crate::sorting::sort_f64s(&mut launches);
        crate::sorting::sort_f64s(&mut finishes);
        let running_at = |tau: f64| {
            launches
                .partition_point(|&x| x <= tau)
                .saturating_sub(finishes.partition_point(|&x| x <= tau))
        };
        run.stages
            .iter()
            .filter_map(|st| {
                let sub = st.submitted_s?;
                let launch = first_launch.get(&(st.id, st.attempt)).copied()?;
                (launch.is_finite() && (running_at(sub) as u64) < total_slots)
                    .then(|| ((st.id, st.attempt), (launch - sub).max(0.0)))
            })
            .collect()
    };
    let task_memory = {
        let shape = super::cluster::resolve(&s).map_err(|e| format!("calibration: {e}"))?;
        shape.task_memory_bytes()
    };
    let env_rates = s.rates.clone();
    let env = Env {
        rates: &env_rates,
        network_bytes_per_s: s.cluster.network_bytes_per_s_per_worker,
        disk_bytes_per_s: s.cluster.disk_bytes_per_s_per_worker,
        storage: ShuffleStorage::Local,
        spill_to_s3: false,
        task_memory_bytes: task_memory,
        local_shuffle_share: 1.0 / s.cluster.executors.unwrap_or(1).max(1) as f64,
    };
    let mut tasks_of: HashMap<(u64, u32), Vec<usize>> = HashMap::new();
    for (i, t) in ended.iter().enumerate() {
        tasks_of
            .entry((t.stage_id, t.stage_attempt))
            .or_default()
            .push(i);
    }
    // One attempt per stage id: the last complete one (else the last one with tasks).
    let mut chosen: HashMap<u64, &Stage> = HashMap::new();
    for st in &run.stages {
        if !tasks_of.contains_key(&(st.id, st.attempt)) {
            continue;
        }
        let better = match chosen.get(&st.id) {
            None => true,
            Some(prev) => {
                (st.status == StageStatus::Complete, st.attempt)
                    > (prev.status == StageStatus::Complete, prev.attempt)
            }
        };
        if better {
            chosen.insert(st.id, st);
        }
    }
    if chosen.values().any(|st| st.attempt > 0) {
        notes.push("stages with retries: the last complete attempt is used".into());
    }
    let max_read_input: u64 = chosen
        .values()
        .filter(|st| is_file_scan(st))
        .map(|st| {
            tasks_of[&(st.id, st.attempt)]
                .iter()
                .map(|&i| ended[i].input_bytes)
                .sum::<u64>()
        })
        .max()
        .unwrap_or(0);
    let json_scanned = chosen
        .values()
        .any(|st| scan_format(st) == Some(Format::Json));

    let mut jobs: Vec<&crate::model::Job> = run
        .jobs
        .iter()
        .filter(|j| j.submitted_s.is_some())
        .collect();
    crate::sorting::sort_by(&mut jobs, |j| {
        crate::sorting::Key(j.submitted_s.unwrap_or(0.0), j.id)
    });
    let start_s = jobs
        .first()
        .and_then(|j| j.submitted_s)
        .unwrap_or(first_job)
        .max(0.0);
    s.driver.start_s = start_s;
    let mut seen_stages: std::collections::HashSet<u64> = std::collections::HashSet::new();
    let mut last_end: f64 = start_s;
    for (ji, job) in jobs.iter().enumerate() {
        let sub = job.submitted_s.unwrap_or(start_s);
        let ended_before: Vec<&&crate::model::Job> = jobs[..ji]
            .iter()
            .filter(|p| p.completed_s.is_some_and(|c| c <= sub + 1e-6))
            .collect();
        let after = ended_before
            .iter()
            .filter_map(|p| p.completed_s)
            .fold(start_s, f64::max);
        let mut spec = JobSpec {
            id: job.id,
            description: job.description.clone().unwrap_or_default(),
            wait_for: Some(ended_before.iter().map(|p| p.id).collect()),
            delay_s: (sub - after).max(0.0),
            stages: Vec::new(),
        };
        // A job the log does not see end (a run cut short) ends with its last task.
        let end = job.completed_s.unwrap_or_else(|| {
            run.tasks
                .iter()
                .filter(|t| job.stage_ids.contains(&t.stage_id))
                .filter_map(|t| t.finish_s)
                .fold(sub, f64::max)
        });
        last_end = last_end.max(end);
        let mut stage_list: Vec<&Stage> = job
            .stage_ids
            .iter()
            .filter_map(|id| chosen.get(id).copied())
            .filter(|st| st.job_id.is_none_or(|j| j == job.id))
            .collect();
        crate::sorting::sort_by(&mut stage_list, |st| crate::sorting::Key::u(st.id));
        for st in stage_list {
            if !seen_stages.insert(st.id) {
                continue;
            }
            let idx = &tasks_of[&(st.id, st.attempt)];
            let mut ts: Vec<usize> = idx.clone();
            crate::sorting::sort_by(&mut ts, |&i| {
                crate::sorting::Key(ended[i].index as f64, u64::from(ended[i].attempt))
            });
            ts.dedup_by_key(|i| ended[*i].index);
            let spec_stage = calibrate_stage(
                st,
                &ts,
                &ended,
                &occ,
                &first,
                &CalCtx {
                    env: &env,
                    task_fixed_s,
                    per_byte_s,
                    warmup_s,
                    launch_delay_s: stage_delay
                        .get(&(st.id, st.attempt))
                        .copied()
                        .unwrap_or(launch_delay_s),
                    listed,
                    max_read_input,
                    json_scanned,
                    default_parallelism,
                    spark: &s.spark,
                    seen: &seen_stages,
                    unsuccessful: unsuccessful
                        .get(&(st.id, st.attempt))
                        .map_or(&[][..], |v| v.as_slice()),
                    others: &others,
                },
                &mut notes,
            );
            spec.stages.push(spec_stage);
        }
        s.jobs.push(spec);
    }
    // Parents must be simulated stages.
    let known: std::collections::HashSet<u64> = s.stages().map(|st| st.id).collect();
    for st in s.stages_mut() {
        st.parents.retain(|p| known.contains(p));
    }
    // Sort-merge joins: Spark's size estimate of the smaller side (its scan's bytes read, else
    // its shuffle output), at least just above the measured broadcast threshold so that the
    // measured plan stays a sort-merge join until the threshold is raised.
    let estimate: HashMap<u64, u64> = s
        .stages()
        .map(|st| {
            let est = match &st.source {
                Source::Read { input } => input.total_bytes,
                _ => st.fitted.as_ref().map_or(0, |f| {
                    f.measured.iter().map(|m| m.shuffle_write_bytes).sum()
                }),
            };
            (st.id, est)
        })
        .collect();
    let floor = u64::try_from(s.spark.auto_broadcast_join_threshold_bytes)
        .map_or(0, |t| t.saturating_add(1));
    for st in s.stages_mut() {
        let parents = st.parents.clone();
        if let Source::Shuffle {
            join: true,
            small_side,
            ..
        } = &mut st.source
        {
            if parents.len() == 2 {
                let (a, b) = (parents[0], parents[1]);
                let (ea, eb) = (estimate[&a], estimate[&b]);
                let (stage, bytes) = if eb <= ea { (b, eb) } else { (a, ea) };
                *small_side = Some(SmallSide {
                    stage,
                    bytes: bytes.max(floor),
                });
            }
        }
    }
    // What each stage's partitions were planned from: while a change leaves it so, the stage's
    // measured tasks are replayed as they ran.
    let shape = super::cluster::resolve(&s).map_err(|e| format!("calibration: {e}"))?;
    let written: HashMap<u64, u64> = s
        .stages()
        .map(|st| {
            let w = st.fitted.as_ref().map_or(0, |f| {
                f.measured
                    .iter()
                    .map(|m| m.shuffle_write_bytes)
                    .sum::<u64>()
            });
            (st.id, w)
        })
        .collect();
    let keys: Vec<String> = s
        .stages()
        .map(|st| {
            let pb: u64 = st.parents.iter().filter_map(|p| written.get(p)).sum();
            super::plan::plan_key(&s, &shape, st, pb)
        })
        .collect();
    // Where each stage ran, as positions in the executor timeline.
    let position: HashMap<&str, u32> = {
        let mut v: Vec<(&str, f64)> = workers
            .iter()
            .filter_map(|e| Some((e.id.as_str(), e.added_s?)))
            .collect();
        crate::sorting::sort_by(&mut v, |x| crate::sorting::Key::f(x.1));
        v.into_iter()
            .enumerate()
            .map(|(i, (id, _))| (id, i as u32))
            .collect()
    };
    let mut ran_on: HashMap<(u64, u32), Vec<usize>> = HashMap::new();
    for t in run.tasks.iter() {
        if let Some(&p) = position.get(&*t.executor_id) {
            let v = ran_on.entry((t.stage_id, 0)).or_default();
            if !v.contains(&(p as usize)) {
                v.push(p as usize);
            }
        }
    }
    for (st, key) in s.stages_mut().zip(keys) {
        let id = st.id;
        if let Some(f) = st.fitted.as_mut() {
            f.plan_key = Some(key);
            if !local_mode {
                f.executors = ran_on
                    .remove(&(id, 0))
                    .unwrap_or_default()
                    .into_iter()
                    .map(|p| p as u32)
                    .collect();
            }
        }
    }
    s.driver.end_s = (run.meta.duration_s - last_end).max(0.0);
    s.calibration = Some(CalibrationInfo {
        app_id: run.meta.app_id.clone(),
        measured_duration_s: run.meta.duration_s,
        notes: notes.clone(),
    });
    Ok(Calibration { scenario: s, notes })
}

struct CalCtx<'a> {
    env: &'a Env<'a>,
    task_fixed_s: f64,
    /// Work per byte of the run's tasks that are not tiny (see [`split_work`]).
    per_byte_s: f64,
    warmup_s: f64,
    launch_delay_s: f64,
    listed: Option<u64>,
    max_read_input: u64,
    json_scanned: bool,
    default_parallelism: u64,
    spark: &'a SparkConf,
    seen: &'a std::collections::HashSet<u64>,
    unsuccessful: &'a [usize],
    others: &'a [Task],
}

/// Work per byte when the run gives none to fit: the default rates' shuffle read
/// (deserializing, then aggregating), s/B.
fn default_per_byte_s() -> f64 {
    let r = Rates::default();
    1.0 / r.shuffle_deserialize_bytes_per_s + 1.0 / r.aggregate_bytes_per_s
}

/// Work per byte over the run's tasks that read more than [`SMALL_TASK_BYTES`] (slot time less
/// fixed time and warm-up, over their bytes); the default rates' when fewer than 3 do.
fn per_byte_of_large_tasks(
    ended: &[Task],
    occ: &[f64],
    first: &[bool],
    fixed_s: f64,
    warmup_s: f64,
) -> f64 {
    let (mut work_s, mut bytes, mut n) = (0.0f64, 0u64, 0usize);
    for (i, t) in ended.iter().enumerate() {
        let d = data_bytes(t);
        if d <= SMALL_TASK_BYTES {
            continue;
        }
        let fixed = fixed_s + if first[i] { warmup_s } else { 0.0 };
        work_s += (occ[i] - fixed).max(0.0);
        bytes = bytes.saturating_add(d);
        n += 1;
    }
    if n < 3 || bytes == 0 {
        return default_per_byte_s();
    }
    work_s / bytes as f64
}

/// Splits a stage's measured work into (per byte s/B, per task s). A stage of tiny tasks (the
/// median reads at most [`SMALL_TASK_BYTES`]: hundreds of small shuffle partitions) spends its
/// time per task — scheduling, the task's deserialization, opening every map output, the
/// operators' set-up — not per byte: its work is the run's per-byte rate on its bytes (never
/// more than all of it) and the rest per task, so that fewer, larger tasks save it (AQE
/// coalescing, fewer shuffle partitions). Other stages put all their work on their bytes.
fn split_work(measured: &[MeasuredTask], per_byte_s: f64) -> (f64, f64) {
    let n = measured.len().max(1) as f64;
    let total_s: f64 = measured.iter().map(|m| m.work_s).sum();
    let bytes = |m: &MeasuredTask| m.input_bytes.saturating_add(m.shuffle_read_bytes);
    let data: u64 = measured.iter().map(bytes).fold(0u64, u64::saturating_add);
    if data == 0 {
        return (0.0, total_s / n);
    }
    let all_on_bytes = (total_s / data as f64).max(0.0);
    let mut sizes: Vec<f64> = measured.iter().map(|m| bytes(m) as f64).collect();
    let tiny = median(&mut sizes).is_some_and(|m| m <= SMALL_TASK_BYTES as f64);
    if !tiny {
        return (all_on_bytes, 0.0);
    }
    let b = per_byte_s.clamp(0.0, all_on_bytes);
    (b, ((total_s - b * data as f64) / n).max(0.0))
}

#[allow(clippy::too_many_arguments)]
fn calibrate_stage(
    st: &Stage,
    ts: &[usize],
    ended: &[Task],
    occ: &[f64],
    first: &[bool],
    c: &CalCtx,
    notes: &mut Vec<String>,
) -> StageSpec {
    let n = ts.len() as u64;
    let tasks: Vec<&Task> = ts.iter().map(|&i| &ended[i]).collect();
    let input: u64 = tasks.iter().map(|t| t.input_bytes).sum();
    let sr: u64 = tasks.iter().map(|t| t.shuffle_read_bytes()).sum();
    let sw: u64 = tasks.iter().map(|t| t.shuffle_write_bytes).sum();
    let out: u64 = tasks.iter().map(|t| t.output_bytes).sum();
    let data = input + sr;
    let records: u64 = tasks
        .iter()
        .map(|t| t.input_records + t.shuffle_read_records)
        .sum();
    let parents: Vec<u64> = st
        .parent_ids
        .iter()
        .copied()
        .filter(|p| c.seen.contains(p))
        .collect();
    let coalesce = st
        .rdds
        .iter()
        .find(|r| r.name == "CoalescedRDD" || r.operation.as_deref() == Some("Coalesce"))
        .map(|r| r.partitions.max(1) as u32);
    let mut work = Work {
        record_bytes: if records > 0 {
            (data as f64 / records as f64).max(1.0)
        } else {
            200.0
        },
        ..Work::default()
    };
    // Writes: per data byte, or per task for small outputs of shuffle reads (partial aggregates).
    let reads_shuffle = sr > 0 && input == 0;
    if sw > 0 {
        if data == 0 || (reads_shuffle && (sw as f64) < 0.01 * data as f64) {
            work.shuffle_write_bytes_per_task = sw / n.max(1);
        } else {
            work.shuffle_write_ratio = sw as f64 / data as f64;
        }
    }
    if out > 0 && data > 0 {
        work.output_ratio = out as f64 / data as f64;
    }
    // Memory: stages that spill or report execution memory buffer their rows.
    let task_mem = c.env.task_memory_bytes.max(1.0);
    let spilling: Vec<&&Task> = tasks.iter().filter(|t| t.memory_spill_bytes > 0).collect();
    work.buffers = !spilling.is_empty() || tasks.iter().any(|t| t.peak_execution_memory_bytes > 0);
    let rows = |t: &Task| (t.input_bytes + t.shuffle_read_bytes()) as f64;
    let mut spill_disk_ratio = 0.0;
    if work.buffers {
        let e = if spilling.is_empty() {
            // No spill measured: the default expansion, capped so that none is predicted here.
            let max_rows = tasks.iter().map(|t| rows(t)).fold(0.0, f64::max);
            let cap = if max_rows > 0.0 {
                0.95 * task_mem / max_rows
            } else {
                f64::INFINITY
            };
            c.env.rates.memory_expansion.min(cap)
        } else {
            let mut v: Vec<f64> = spilling
                .iter()
                .filter(|t| rows(t) > 0.0)
                .map(|t| (t.memory_spill_bytes as f64 + task_mem) / rows(t))
                .collect();
            let ms: u64 = spilling.iter().map(|t| t.memory_spill_bytes).sum();
            let ds: u64 = spilling.iter().map(|t| t.disk_spill_bytes).sum();
            spill_disk_ratio = if ms > 0 { ds as f64 / ms as f64 } else { 0.0 };
            median(&mut v).unwrap_or(c.env.rates.memory_expansion)
        };
        work.memory_expansion = Some(e);
    }

    // Source: file scan, shuffle read, or fixed tasks.
    let scan = is_file_scan(st) && input > 0;
    let shuffle_rdd = st
        .rdds
        .iter()
        .find(|r| r.name == "ShuffledRowRDD" || r.name == "ShuffledRDD");
    let mut source = Source::Fixed { tasks: n };
    if scan {
        let format = scan_format(st).unwrap_or(Format::Text);
        let read_parts = st
            .rdds
            .iter()
            .find(|r| r.name == "FileScanRDD" || r.name == "HadoopRDD" || r.name == "NewHadoopRDD")
            .map_or(n, |r| r.partitions.max(1));
        let spark = c.spark;
        let packs = |files: u64| -> u64 {
            let sizes = partitioning::file_sizes(files, input, 0.0, &mut SplitMix64::new(0));
            partitioning::spark_file_partitions(
                &sizes,
                true,
                spark.files_max_partition_bytes,
                spark.files_open_cost_bytes,
                c.default_parallelism,
            )
            .len() as u64
        };
        let mut candidates = Vec::new();
        if let Some(l) = c.listed {
            if input * 2 >= c.max_read_input {
                candidates.push(l);
            }
        }
        candidates.push(read_parts);
        match candidates.into_iter().find(|&f| packs(f) == read_parts) {
            Some(files) => {
                // Spark's JSON schema inference reads the files as text and writes nothing.
                work.infer_schema = format == Format::Text
                    && c.json_scanned
                    && sw == 0
                    && out == 0
                    && st.rdds.iter().any(|r| r.name == "SQLExecutionRDD");
                source = Source::Read {
                    input: Input {
                        files,
                        total_bytes: input,
                        format: if work.infer_schema { Format::Json } else { format },
                        compression: Compression::None,
                        compression_ratio: 1.0,
                        location: Location::Local,
                        ..Input::default()
                    },
                };
            }
            None => notes.push(format!(
                "stage {}: its {read_parts} read partitions could not be rebuilt from file packing; kept as {n} fixed tasks",
                st.id
            )),
        }
    } else if let Some(r) = shuffle_rdd.filter(|_| sr > 0) {
        let sql = r.name == "ShuffledRowRDD";
        let conf_n = c.spark.shuffle_partitions.max(1) as u64;
        let aqe = c.spark.adaptive.enabled;
        let join = has_rdd(st, |n, op| {
            n == "ZippedPartitionsRDD2" || op.contains("SortMergeJoin")
        });
        // How many tasks the model's AQE makes of `k` × conf partitions holding the measured
        // bytes, spread as measured.
        let model_count = |k: u64| -> u64 {
            let per = (n / k.max(1)).max(1) as usize;
            let mut w = vec![0.0; per];
            for (i, t) in tasks.iter().enumerate() {
                w[i % per] += t.shuffle_read_bytes() as f64;
            }
            let skew = Skew {
                weights: w,
                ..Skew::default()
            };
            let weights = partitioning::shuffle_weights(conf_n, &skew, &mut SplitMix64::new(0));
            let group = sr as f64 / k.max(1) as f64;
            let sizes: Vec<f64> = weights.iter().map(|x| x * group).collect();
            let one = partitioning::reduce_tasks(
                &sizes,
                &c.spark.adaptive,
                join,
                c.default_parallelism,
                1,
            );
            one.len() as u64 * k.max(1)
        };
        // The model's AQE explains the measured count when it lands within a factor of two.
        let explains = |k: u64| {
            let m = model_count(k);
            m * 2 >= n && m <= n * 2
        };
        let (partitions, adaptive) = if sql && n.is_multiple_of(conf_n) && n >= conf_n {
            let k = n / conf_n;
            // A count of exactly k × conf under AQE that the model would have coalesced: this
            // stage was left as planned (AQE did not apply to it).
            (Some(Partitions::Conf(k as u32)), !aqe || explains(k))
        } else if sql && aqe && n < conf_n && r.partitions == n && explains(1) {
            (Some(Partitions::Conf(1)), true)
        } else {
            (None, true)
        };
        if !adaptive {
            notes.push(format!(
                "stage {}: {n} shuffle partitions as planned although AQE is on (not coalesced): kept so",
                st.id
            ));
        }
        let partitions = partitions.unwrap_or(Partitions::Fixed(n));
        let groups = match partitions {
            Partitions::Conf(k) => k.max(1) as u64,
            Partitions::Fixed(_) => 1,
        };
        let per = (n / groups).max(1) as usize;
        let mut weights = vec![0.0; per];
        for (k, t) in tasks.iter().enumerate() {
            weights[k % per] += t.shuffle_read_bytes() as f64;
        }
        source = Source::Shuffle {
            partitions,
            skew: Skew {
                weights,
                ..Skew::default()
            },
            join,
            small_side: None,
            adaptive,
        };
    }

    // Per-task work: slot time less fixed time, warm-up and the modelled spill.
    let stage_probe = StageSpec {
        work: work.clone(),
        fitted: Some(Fitted {
            spill_disk_ratio,
            ..Fitted::default()
        }),
        ..StageSpec::default()
    };
    let measured: Vec<MeasuredTask> = ts
        .iter()
        .map(|&i| {
            let t = &ended[i];
            let d = TaskData {
                input_bytes: t.input_bytes,
                shuffle_read_bytes: t.shuffle_read_bytes(),
                ..TaskData::default()
            };
            let (ms, ds, _) = cost::spill(c.env, &stage_probe, &d);
            let spill = cost::spill_s(c.env, ms, ds, 1.0);
            let fixed = c.task_fixed_s + if first[i] { c.warmup_s } else { 0.0 };
            MeasuredTask {
                input_bytes: t.input_bytes,
                shuffle_read_bytes: t.shuffle_read_bytes(),
                shuffle_write_bytes: t.shuffle_write_bytes,
                output_bytes: t.output_bytes,
                work_s: occ[i] - fixed - spill,
            }
        })
        .collect();
    // The stage's failed and killed attempts, in launch order, by the task they belong to.
    let position: HashMap<u64, u64> = ts
        .iter()
        .enumerate()
        .map(|(p, &i)| (ended[i].index, p as u64))
        .collect();
    // In launch order already.
    let failed: Vec<MeasuredAttempt> = c
        .unsuccessful
        .iter()
        .filter_map(|&k| {
            let t = c.others.get(k)?;
            let reason = t.failure_reason.as_deref().unwrap_or("failed");
            let reason: String = reason
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(200)
                .collect();
            Some(MeasuredAttempt {
                task: u32::try_from(*position.get(&t.index)?).ok()?,
                slot_s: t.duration_s(),
                reason,
                killed: t.status == TaskStatus::Killed,
            })
        })
        .collect();
    let (s_per_byte, task_extra_s) = split_work(&measured, c.per_byte_s);
    StageSpec {
        id: st.id,
        name: st.name.clone(),
        parents,
        source,
        coalesce,
        work,
        fitted: Some(Fitted {
            task_fixed_s: c.task_fixed_s,
            warmup_s: c.warmup_s,
            s_per_byte,
            task_extra_s,
            launch_delay_s: c.launch_delay_s,
            spill_disk_ratio,
            measured,
            plan_key: None,
            failed,
            executors: Vec::new(),
        }),
    }
}
