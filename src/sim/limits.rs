//! What the simulator accepts: a documented range for every setting a user can change, and a
//! work budget, both checked before anything is allocated (docs/simulator.md, "Limits").
//!
//! Ranges follow Spark and AWS Glue where they have limits, and physical sense where they have
//! none; the budget bounds the simulation itself (tasks, and tasks × slots, which its scheduler's
//! cost grows with).

use super::scenario::{Partitions, Scenario, Source};
use crate::model::glue;

/// Most tasks one simulation runs (all stages and attempts together).
pub const MAX_TASKS: u64 = 5_000_000;
/// Most tasks × task slots one simulation does (the scheduler's work grows with both).
pub const MAX_TASK_SLOTS: u64 = 2_000_000_000;
/// Most input files of one read stage (the simulator keeps each file's size).
pub const MAX_FILES: u64 = 10_000_000;
/// Longest simulated run, seconds (30 days, as the longest measured run Runlens reads).
pub const MAX_SIMULATED_S: f64 = 30.0 * 86_400.0;
/// Most stages in a scenario.
pub const MAX_STAGES: usize = 100_000;

/// A numeric range of a setting, and why it ends there.
pub struct Range {
    /// The setting (a `--set` key or a scenario field).
    pub key: &'static str,
    /// Smallest value accepted.
    pub min: f64,
    /// Largest value accepted.
    pub max: f64,
    /// Where the bounds come from.
    pub why: &'static str,
}

const GIB: f64 = 1073741824.0;
const MIB: f64 = 1048576.0;

/// Ranges of the `--set` keys with numeric values (worker counts depend on the worker type: see
/// [`max_workers`]).
pub const RANGES: &[Range] = &[
    Range { key: "spark.sql.shuffle.partitions", min: 1.0, max: 100_000.0, why: "Spark accepts any positive number; a shuffle of more than 100,000 partitions is beyond what the simulator runs (and beyond what Spark's driver tracks well)" },
    Range { key: "spark.sql.files.maxPartitionBytes", min: 64.0 * 1024.0, max: 64.0 * GIB, why: "below 64 KB a read task holds less than one block of a file; 64 GB is far beyond any executor's memory" },
    Range { key: "spark.sql.files.openCostInBytes", min: 0.0, max: 64.0 * GIB, why: "an estimate of bytes per file open: 0 to the largest partition" },
    Range { key: "spark.sql.adaptive.advisoryPartitionSizeInBytes", min: 64.0 * 1024.0, max: 64.0 * GIB, why: "as spark.sql.files.maxPartitionBytes" },
    Range { key: "spark.sql.adaptive.skewJoin.skewedPartitionFactor", min: 1.0, max: 1_000.0, why: "a factor over the median partition (Spark's default is 5)" },
    Range { key: "spark.sql.adaptive.skewJoin.skewedPartitionThresholdInBytes", min: 0.0, max: 1024.0 * GIB, why: "0 to 1 TB" },
    Range { key: "spark.sql.autoBroadcastJoinThreshold", min: -1.0, max: 1024.0 * GIB, why: "-1 turns broadcasts off; up to 1 TB (Spark itself refuses to broadcast a table larger than 8 GB)" },
    Range { key: "spark.dynamicAllocation.maxExecutors", min: 1.0, max: 10_000.0, why: "1 to 10,000 executors, more than a Glue job can have" },
    Range { key: "spark.dynamicAllocation.executorIdleTimeout", min: 0.0, max: 86_400.0, why: "0 s to one day" },
    Range { key: "spark.executor.instances", min: 1.0, max: 10_000.0, why: "1 to 10,000 executors, more than a Glue job can have" },
    Range { key: "spark.executor.cores", min: 1.0, max: 256.0, why: "1 to 256 task slots per executor: a Glue G.16X worker has 64 vCPUs, the largest machines 256" },
    Range { key: "spark.executor.memory", min: 450.0 * MIB, max: 1024.0 * GIB, why: "Spark refuses heaps below 450 MB (1.5 × its 300 MB reserved memory); 1 TB is beyond any worker" },
    Range { key: "coalesce", min: 1.0, max: 100_000.0, why: "as spark.sql.shuffle.partitions" },
    Range { key: "glue.groupSize", min: 1.0 * MIB, max: 64.0 * GIB, why: "Glue groups files into groups of this size: 1 MB to 64 GB" },
];

/// The range of `key`, if it has one here.
pub fn range(key: &str) -> Option<&'static Range> {
    RANGES.iter().find(|r| r.key.eq_ignore_ascii_case(key))
}

/// Most workers of a Glue worker type. The AWS Glue API reference (`Job.NumberOfWorkers`) says
/// "The maximum number of workers you can define are 299 for G.1X, and 149 for G.2X"; larger
/// types get the same budget of DPUs (an assumption: AWS documents their limits as account
/// quotas), and so does G.025X (at most 299 workers).
pub fn max_workers(worker_type: &str) -> u32 {
    match glue::worker_type(worker_type) {
        Some(w) if w.dpu <= 1.0 => 299,
        Some(w) => ((299.0 / w.dpu).floor() as u32).max(2),
        None => 299,
    }
}

/// `value` of `key` within its range, or a message that names the setting, the range and why.
pub fn check(key: &str, value: f64) -> Result<(), String> {
    let Some(r) = range(key) else {
        return Ok(());
    };
    if value.is_finite() && value >= r.min && value <= r.max {
        return Ok(());
    }
    Err(format!(
        "{key} = {} is out of range: it must be from {} to {} ({})",
        show(key, value),
        show(key, r.min),
        show(key, r.max),
        r.why
    ))
}

fn show(key: &str, v: f64) -> String {
    let bytes = key.ends_with("Bytes")
        || key.ends_with("Threshold")
        || key.ends_with("memory")
        || key.ends_with("groupSize");
    if bytes && v.abs() >= 1024.0 {
        format!("{} ({v:.0} bytes)", crate::model::units::format_bytes(v))
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// Checks the number of workers for the worker type.
pub fn check_workers(worker_type: Option<&str>, workers: u64) -> Result<(), String> {
    let wt = worker_type.unwrap_or("G.1X");
    let max = max_workers(wt);
    if (2..=u64::from(max)).contains(&workers) {
        return Ok(());
    }
    Err(format!(
        "glue.workers = {workers} is out of range for {wt}: AWS Glue runs 2 to {max} {wt} workers per job (2: one runs the driver; the AWS Glue API reference gives 299 G.1X and 149 G.2X workers as the maximum, larger types the same DPUs)"
    ))
}

/// Every limit of a scenario (settings, plan size, work budget), before it is simulated.
pub fn check_scenario(s: &Scenario) -> Result<(), String> {
    let sp = &s.spark;
    check(
        "spark.sql.shuffle.partitions",
        f64::from(sp.shuffle_partitions),
    )?;
    check(
        "spark.sql.files.maxPartitionBytes",
        sp.files_max_partition_bytes as f64,
    )?;
    check(
        "spark.sql.files.openCostInBytes",
        sp.files_open_cost_bytes as f64,
    )?;
    check(
        "spark.sql.adaptive.advisoryPartitionSizeInBytes",
        sp.adaptive.advisory_partition_bytes as f64,
    )?;
    check(
        "spark.sql.adaptive.skewJoin.skewedPartitionFactor",
        sp.adaptive.skewed_partition_factor,
    )?;
    check(
        "spark.sql.adaptive.skewJoin.skewedPartitionThresholdInBytes",
        sp.adaptive.skewed_partition_threshold_bytes as f64,
    )?;
    check(
        "spark.sql.autoBroadcastJoinThreshold",
        sp.auto_broadcast_join_threshold_bytes as f64,
    )?;
    let da = &sp.dynamic_allocation;
    if let Some(m) = da.max_executors {
        check("spark.dynamicAllocation.maxExecutors", f64::from(m))?;
    }
    if let Some(m) = da.initial_executors {
        check("spark.executor.instances", f64::from(m))?;
    }
    check(
        "spark.dynamicAllocation.executorIdleTimeout",
        da.executor_idle_timeout_s,
    )?;
    let c = &s.cluster;
    if let Some(n) = c.executors {
        check("spark.executor.instances", f64::from(n))?;
    }
    if let Some(n) = c.executor_cores {
        check("spark.executor.cores", f64::from(n))?;
    }
    if let Some(m) = c.executor_memory_bytes {
        check("spark.executor.memory", m as f64)?;
    }
    if c.worker_type.is_some() {
        check_workers(c.worker_type.as_deref(), u64::from(c.workers))?;
    } else if c.workers > 10_000 {
        return Err(format!(
            "cluster.workers = {} is out of range: 1 to 10,000",
            c.workers
        ));
    }
    if !(1..=64).contains(&c.executors_per_worker) {
        return Err(format!(
            "cluster.executors_per_worker = {} is out of range: 1 to 64",
            c.executors_per_worker
        ));
    }
    if let Some(g) = s.glue.group_size_bytes {
        check("glue.groupSize", g as f64)?;
    }
    let stages = s.stages().count();
    if stages > MAX_STAGES {
        return Err(format!(
            "the scenario has {stages} stages; the simulator runs at most {MAX_STAGES}"
        ));
    }
    budget(s)
}

/// At most how many tasks `s` runs (first attempts), without building its partitions;
/// `slots` is the cluster's task slots (Spark's default minimum of read partitions).
pub fn task_bound(s: &Scenario, slots: u64) -> Result<u64, String> {
    let sp = &s.spark;
    let min_partitions = sp.default_parallelism.map_or(slots, u64::from).max(1);
    let mut total: u64 = 0;
    for st in s.stages() {
        let mut n: u64 = match &st.source {
            Source::Fixed { tasks } => *tasks,
            Source::Shuffle { partitions, .. } => match partitions {
                Partitions::Conf(m) => {
                    u64::from(sp.shuffle_partitions).saturating_mul(u64::from((*m).max(1)))
                }
                Partitions::Fixed(n) => *n,
            },
            Source::Read { input } => {
                let files = input.files.max(input.file_sizes.len() as u64);
                if files > MAX_FILES {
                    return Err(format!(
                        "stage {}: {files} input files; the simulator reads at most {MAX_FILES}",
                        st.id
                    ));
                }
                // Spark cuts files at maxSplitBytes = min(maxPartitionBytes, max(openCost,
                // bytesPerCore)) (FilePartition.maxSplitBytes); every file is at least a piece.
                let open = sp.files_open_cost_bytes;
                let all = input.total_bytes.saturating_add(files.saturating_mul(open));
                let per_core = all / min_partitions;
                let split = sp.files_max_partition_bytes.min(open.max(per_core)).max(1);
                files.saturating_add(input.total_bytes / split)
            }
        };
        if let Some(c) = st.coalesce {
            n = n.min(u64::from(c.max(1)));
        }
        if let Some(f) = &st.fitted {
            n = n.max(f.measured.len() as u64);
        }
        total = total.saturating_add(n);
    }
    Ok(total)
}

/// The work budget: tasks, and tasks × slots.
pub fn budget(s: &Scenario) -> Result<(), String> {
    let shape = super::cluster::resolve(s)?;
    let slots = shape.slots().max(1);
    let tasks = task_bound(s, slots)?;
    if tasks > MAX_TASKS {
        return Err(format!(
            "the scenario would run about {tasks} tasks; the simulator runs at most {MAX_TASKS} (lower the partition or file counts, or raise spark.sql.files.maxPartitionBytes)"
        ));
    }
    if tasks.saturating_mul(slots) > MAX_TASK_SLOTS {
        return Err(format!(
            "the scenario would run about {tasks} tasks on {slots} task slots; the simulator does at most {MAX_TASK_SLOTS} tasks × slots (fewer executors or cores, or fewer partitions)"
        ));
    }
    Ok(())
}
