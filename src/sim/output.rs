//! From a finished simulation to a `model::Run`: the same shape as a measured run, so it is
//! drawn and analysed the same way.

use std::collections::BTreeMap;

use super::cost::expansion;
use super::engine::{AttemptEnd, Sim, StageState, NO_SPACE};
use super::scenario::{Format, Partitions, Scenario, ShuffleStorage, Source};
use crate::analysis::profiles::default_period_s;
use crate::model::units::format_bytes;
use crate::model::{
    metrics as glue_metrics, Executor, Job, JobResult, MemorySource, Run, RunStatus, Series,
    SeriesKind, SeriesSource, SourceFormat, Stage, StageRdd, StageStatus, Task, TaskStatus, Unit,
};

/// Most samples in a simulated heap series.
const MAX_SAMPLES: f64 = 2000.0;

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Json => "json",
        Format::Parquet => "parquet",
        Format::Text => "text",
    }
}

/// The Spark/Glue configuration of a scenario as `key → value` strings.
pub fn config_map(s: &Scenario, sim: &Sim) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        m.insert(k.to_string(), v);
    };
    let sp = &s.spark;
    put(
        "spark.sql.shuffle.partitions",
        sp.shuffle_partitions.to_string(),
    );
    put(
        "spark.sql.files.maxPartitionBytes",
        sp.files_max_partition_bytes.to_string(),
    );
    put(
        "spark.sql.files.openCostInBytes",
        sp.files_open_cost_bytes.to_string(),
    );
    put(
        "spark.sql.adaptive.enabled",
        sp.adaptive.enabled.to_string(),
    );
    put(
        "spark.sql.adaptive.coalescePartitions.enabled",
        sp.adaptive.coalesce_partitions.to_string(),
    );
    put(
        "spark.sql.adaptive.advisoryPartitionSizeInBytes",
        sp.adaptive.advisory_partition_bytes.to_string(),
    );
    put(
        "spark.sql.adaptive.skewJoin.enabled",
        sp.adaptive.skew_join.to_string(),
    );
    put(
        "spark.sql.autoBroadcastJoinThreshold",
        sp.auto_broadcast_join_threshold_bytes.to_string(),
    );
    let da = &sp.dynamic_allocation;
    put("spark.dynamicAllocation.enabled", da.enabled.to_string());
    if da.enabled {
        put(
            "spark.dynamicAllocation.executorIdleTimeout",
            format!("{}s", da.executor_idle_timeout_s),
        );
        put(
            "spark.dynamicAllocation.minExecutors",
            da.min_executors.to_string(),
        );
        put(
            "spark.dynamicAllocation.maxExecutors",
            da.max_executors.unwrap_or(sim.shape.executors).to_string(),
        );
    }
    put("spark.executor.instances", sim.shape.executors.to_string());
    put("spark.executor.cores", sim.shape.cores.to_string());
    put(
        "spark.executor.memory",
        format!("{}m", sim.shape.heap_bytes >> 20),
    );
    put("spark.task.maxFailures", sp.task_max_failures.to_string());
    if s.glue.group_files {
        put("glue.groupFiles", "inPartition".into());
    }
    if let Some(g) = s.glue.group_size_bytes {
        put("glue.groupSize", g.to_string());
    }
    if s.glue.shuffle_storage == ShuffleStorage::S3 {
        put("--write-shuffle-files-to-s3", "true".into());
        if s.glue.spill_to_s3 {
            put("--write-shuffle-spills-to-s3", "true".into());
        }
    }
    m
}

/// Builds the run of a finished simulation.
pub fn build_run(s: &Scenario, sim: &Sim) -> Run {
    let mut run = Run::new(SourceFormat::Simulator);
    let end = sim.end_s;
    let shape = &sim.shape;
    let m = &mut run.meta;
    m.app_id = Some(format!("sim-{}-{}", s.name, s.seed));
    m.app_name = Some(s.name.clone());
    m.label = Some(format!("{} (simulated)", s.name));
    m.worker_type = shape.worker_type.map(|w| w.name.to_string());
    m.worker_count = shape.worker_type.map(|_| shape.workers);
    m.status = if sim.error.is_some() {
        RunStatus::Failed
    } else {
        RunStatus::Succeeded
    };
    m.error = sim.error.clone();
    m.duration_s = end;
    m.memory_source = MemorySource::Simulated;
    m.simulated = true;
    m.config = config_map(s, sim);

    // Executors: the driver, then every executor that registered.
    run.executors.push(Executor {
        id: "driver".into(),
        is_driver: true,
        host: Some("worker-0".into()),
        cores: shape.local_mode.then_some(shape.cores),
        max_memory_bytes: Some(shape.unified_memory_bytes),
        added_s: Some(0.0),
        ..Executor::default()
    });
    if !shape.local_mode {
        for e in sim.executors.iter().filter(|e| e.added_s.is_some()) {
            run.executors.push(Executor {
                id: e.id.clone(),
                is_driver: false,
                host: Some(format!("worker-{}", e.worker)),
                cores: Some(shape.cores),
                max_memory_bytes: Some(shape.unified_memory_bytes),
                added_s: e.added_s,
                removed_s: e.removed_s,
                removed_reason: e.removed_reason.clone(),
                ..Executor::default()
            });
        }
    }

    // Jobs and stages.
    for (ji, j) in sim.jobs.iter().enumerate() {
        let Some(sub) = j.submitted_s else { continue };
        let spec = &s.jobs[ji];
        run.jobs.push(Job {
            id: j.id,
            submitted_s: Some(sub),
            completed_s: j.completed_s,
            stage_ids: j.stages.iter().map(|&i| sim.stages[i].id).collect(),
            result: if j.failed {
                JobResult::Failed
            } else if j.completed_s.is_some() {
                JobResult::Succeeded
            } else {
                JobResult::Running
            },
            description: (!spec.description.is_empty()).then(|| spec.description.clone()),
            failure_reason: j.failed.then(|| sim.error.clone()).flatten(),
            // The simulator keeps no SQL executions.
            sql_execution_id: None,
        });
    }
    for st in &sim.stages {
        let Some(sub) = st.submitted_s else { continue };
        let spec = &s.jobs[st.pos.0].stages[st.pos.1];
        let mut rdds = Vec::new();
        match &spec.source {
            Source::Read { input } => rdds.push(StageRdd {
                id: 0,
                name: "FileScanRDD".into(),
                operation: Some(format!("Scan {}", format_name(input.format))),
                partitions: st.partitions,
            }),
            Source::Shuffle { partitions, .. } => rdds.push(StageRdd {
                id: 0,
                name: if matches!(partitions, Partitions::Conf(_)) {
                    "ShuffledRowRDD".into()
                } else {
                    "ShuffledRDD".into()
                },
                operation: Some("Exchange".into()),
                partitions: st.partitions,
            }),
            Source::Fixed { .. } => rdds.push(StageRdd {
                id: 0,
                name: "ParallelCollectionRDD".into(),
                operation: Some("parallelize".into()),
                partitions: st.partitions,
            }),
        }
        if let Some(n) = spec.coalesce {
            rdds.push(StageRdd {
                id: 1,
                name: "CoalescedRDD".into(),
                operation: Some("Coalesce".into()),
                partitions: n as u64,
            });
        }
        if spec.work.output_ratio > 0.0 {
            rdds.push(StageRdd {
                id: 2,
                name: "MapPartitionsRDD".into(),
                operation: Some("WriteFiles".into()),
                partitions: st.tasks.len() as u64,
            });
        }
        run.stages.push(Stage {
            id: st.id,
            attempt: 0,
            name: spec.name.clone(),
            num_tasks: st.tasks.len() as u64,
            parent_ids: st.parents.iter().map(|&p| sim.stages[p].id).collect(),
            job_id: Some(sim.jobs[st.job].id),
            submitted_s: Some(sub),
            completed_s: st.completed_s,
            status: match st.state {
                StageState::Done => StageStatus::Complete,
                StageState::Failed => StageStatus::Failed,
                _ => StageStatus::Active,
            },
            failure_reason: st.failure.clone(),
            rdds,
            peak_executor_metrics: BTreeMap::new(),
        });
    }

    // Tasks.
    let local_share = 1.0 / shape.executors.max(1) as f64;
    run.tasks.reserve(sim.attempts.len());
    let ids: Vec<std::sync::Arc<str>> = sim
        .executors
        .iter()
        .map(|e| std::sync::Arc::from(e.id.as_str()))
        .collect();
    for (tid, a) in sim.attempts.iter().enumerate() {
        let st = &sim.stages[a.stage as usize];
        let spec = &s.jobs[st.pos.0].stages[st.pos.1];
        let dur = (a.finish_s - a.launch_s).max(0.0);
        let planned = a.cost.work_s + a.overhead_s;
        let frac = if a.end == AttemptEnd::Success || planned <= 0.0 {
            1.0
        } else {
            (dur / planned).clamp(0.0, 1.0)
        };
        let scale = |b: u64| (b as f64 * frac) as u64;
        let d = &a.data;
        let rec = spec.work.record_bytes.max(1.0);
        let sr = scale(d.shuffle_read_bytes);
        let sr_local = (sr as f64 * local_share) as u64;
        let committed = a.end == AttemptEnd::Success;
        let deser = (a.overhead_s * 0.3).min(dur);
        let cpu = (a.cost.cpu_s * frac).min(dur);
        let (status, reason) = match a.end {
            AttemptEnd::Success => (TaskStatus::Success, None),
            AttemptEnd::NoSpace => (TaskStatus::Failed, Some(std::sync::Arc::from(NO_SPACE))),
            AttemptEnd::Killed => (
                TaskStatus::Killed,
                Some(std::sync::Arc::from("Stage cancelled: job aborted")),
            ),
            AttemptEnd::Running => (TaskStatus::Running, None),
            AttemptEnd::Replayed(fi) => {
                let fa = spec.fitted.as_ref().and_then(|f| f.failed.get(fi as usize));
                let reason = fa.map_or("failed (as measured)", |fa| fa.reason.as_str());
                let killed = fa.is_some_and(|fa| fa.killed);
                (
                    if killed {
                        TaskStatus::Killed
                    } else {
                        TaskStatus::Failed
                    },
                    Some(std::sync::Arc::from(reason)),
                )
            }
        };
        run.tasks.push(Task {
            id: tid as u64,
            stage_id: st.id,
            stage_attempt: 0,
            index: a.index as u64,
            attempt: a.attempt as u32,
            executor_id: ids[a.exec as usize].clone(),
            launch_s: a.launch_s,
            finish_s: Some(a.finish_s),
            status,
            failure_reason: reason,
            speculative: false,
            output_lost: false,
            input_bytes: scale(d.input_bytes),
            input_records: (scale(d.input_bytes) as f64 * expansion(spec) / rec) as u64,
            output_bytes: if committed { d.output_bytes } else { 0 },
            output_records: if committed {
                (d.output_bytes as f64 / rec) as u64
            } else {
                0
            },
            shuffle_read_local_bytes: sr_local,
            shuffle_read_remote_bytes: sr - sr_local,
            shuffle_read_records: (sr as f64 * 3.0 / rec) as u64,
            shuffle_fetch_wait_s: a.cost.fetch_wait_s.min(dur),
            shuffle_write_bytes: if committed { d.shuffle_write_bytes } else { 0 },
            shuffle_write_records: if committed {
                (d.shuffle_write_bytes as f64 * 3.0 / rec) as u64
            } else {
                0
            },
            shuffle_write_time_s: a.cost.shuffle_write_s.min(dur),
            memory_spill_bytes: scale(a.cost.memory_spill_bytes),
            disk_spill_bytes: scale(a.cost.disk_spill_bytes),
            peak_execution_memory_bytes: a.cost.peak_memory_bytes,
            run_time_s: (dur - deser).max(0.0),
            cpu_time_s: cpu,
            gc_time_s: cpu * s.rates.gc_share,
            deserialize_time_s: deser,
            result_size_bytes: 2048,
        });
    }

    run.series = heap_series(s, sim);
    if let Some(w) = disk_warning(sim) {
        run.warnings.push(w);
    }
    run
}

fn disk_warning(sim: &Sim) -> Option<String> {
    let peak = sim.peak_disk_bytes.iter().copied().max().unwrap_or(0);
    (peak as f64 >= 0.8 * sim.disk_capacity_bytes as f64 && peak > 0).then(|| {
        format!(
            "simulated local disk use peaked at {} of {} per worker",
            format_bytes(peak as f64),
            format_bytes(sim.disk_capacity_bytes as f64)
        )
    })
}

/// `glue.<executor>.jvm.heap.used` per executor: idle heap, plus each running task's execution
/// memory, plus young-generation garbage while it works (a sawtooth).
fn heap_series(s: &Scenario, sim: &Sim) -> Vec<Series> {
    let end = sim.end_s.max(1e-3);
    let period = default_period_s(end).max(end / MAX_SAMPLES);
    let n = (end / period).ceil() as usize + 1;
    let heap = sim.shape.heap_bytes as f64;
    let idle = s.cluster.idle_heap_share.clamp(0.0, 1.0) * heap;
    let execs = &sim.executors;
    // Difference arrays of task memory and of busy slots per executor.
    let mut mem = vec![vec![0.0f64; n + 1]; execs.len()];
    let mut busy = vec![vec![0i32; n + 1]; execs.len()];
    for a in &sim.attempts {
        let e = a.exec as usize;
        let first = (a.launch_s / period).ceil() as usize;
        let last = ((a.finish_s / period).floor() as usize).min(n - 1);
        if first > last {
            continue;
        }
        let m = a.cost.peak_memory_bytes as f64 + 32.0 * 1048576.0;
        mem[e][first] += m;
        mem[e][last + 1] -= m;
        busy[e][first] += 1;
        busy[e][last + 1] -= 1;
    }
    let mut out = Vec::new();
    for (e, ex) in execs.iter().enumerate() {
        let Some(added) = ex.added_s else { continue };
        let gone = ex.removed_s.unwrap_or(end).min(end);
        let id = if sim.shape.local_mode {
            "driver"
        } else {
            ex.id.as_str()
        };
        let mut series = Series::new(
            glue_metrics::heap_used(id),
            SeriesKind::Gauge,
            Unit::Bytes,
            SeriesSource::Simulated,
        );
        series.period_s = Some(period);
        let (mut m, mut b) = (0.0, 0i32);
        for k in 0..n {
            m += mem[e][k];
            b += busy[e][k];
            let t = k as f64 * period;
            if t + 1e-9 < added || t > gone + 1e-9 {
                continue;
            }
            let garbage = if b > 0 {
                // Young-generation garbage between collections: a deterministic sawtooth.
                let phase = ((k as f64 * 0.618_034 + e as f64 * 0.29) % 1.0) * 0.5 + 0.5;
                0.2 * heap * phase
            } else {
                0.0
            };
            series.push(t, (idle + m.max(0.0) + garbage).min(heap));
        }
        if !series.is_empty() {
            out.push(series);
        }
    }
    out
}
