//! AWS Glue CloudWatch metric names and what kind of series each is.
//!
//! Sources: AWS Glue Developer Guide, "Monitoring AWS Glue using Amazon CloudWatch metrics" (job
//! metrics, `--enable-metrics`) and "Monitoring with AWS Glue Observability metrics" (Glue 4.0+,
//! `--enable-observability-metrics`); see docs/export-from-glue.md.

use super::{SeriesKind, Unit};

/// Bytes read from S3 by all executors (delta).
pub const S3_READ_BYTES: &str = "glue.ALL.s3.filesystem.read_bytes";
/// Bytes written to S3 by all executors (delta).
pub const S3_WRITE_BYTES: &str = "glue.ALL.s3.filesystem.write_bytes";
/// Shuffle bytes written by all executors (delta).
pub const SHUFFLE_BYTES_WRITTEN: &str = "glue.driver.aggregate.shuffleBytesWritten";
/// Shuffle bytes read locally by all executors (delta).
pub const SHUFFLE_LOCAL_BYTES_READ: &str = "glue.driver.aggregate.shuffleLocalBytesRead";
/// Shuffle bytes read from other executors (delta).
pub const SHUFFLE_REMOTE_BYTES_READ: &str = "glue.driver.aggregate.shuffleRemoteBytesRead";
/// Bytes read by all executors from every source (delta).
pub const BYTES_READ: &str = "glue.driver.aggregate.bytesRead";
/// Records read (delta).
pub const RECORDS_READ: &str = "glue.driver.aggregate.recordsRead";
/// Active executors (gauge).
pub const NUM_ALL_EXECUTORS: &str =
    "glue.driver.ExecutorAllocationManager.executors.numberAllExecutors";
/// Executors needed to run the pending and running tasks (gauge).
pub const NUM_MAX_NEEDED_EXECUTORS: &str =
    "glue.driver.ExecutorAllocationManager.executors.numberMaxNeededExecutors";
/// Disk used by the block manager on the driver, MB (gauge).
pub const DISK_SPACE_USED_MB: &str = "glue.driver.BlockManager.disk.diskSpaceUsed_MB";
/// Completed stages (delta).
pub const NUM_COMPLETED_STAGES: &str = "glue.driver.aggregate.numCompletedStages";
/// Completed tasks (delta).
pub const NUM_COMPLETED_TASKS: &str = "glue.driver.aggregate.numCompletedTasks";
/// Failed tasks (delta).
pub const NUM_FAILED_TASKS: &str = "glue.driver.aggregate.numFailedTasks";
/// Killed tasks (delta).
pub const NUM_KILLED_TASKS: &str = "glue.driver.aggregate.numKilledTasks";
/// Elapsed time of the job run, ms (delta).
pub const ELAPSED_TIME: &str = "glue.driver.aggregate.elapsedTime";

/// Skewness of the running stages (observability, `job_performance`): 0 while a stage's longest
/// task is within the skew factor (5) of its median, 1 at twice the factor.
pub const SKEWNESS_STAGE: &str = "glue.driver.skewness.stage";
/// Skewness of the job: the largest stage skewness, weighted by stage duration.
pub const SKEWNESS_JOB: &str = "glue.driver.skewness.job";
/// Share of the allocated workers in use, percent (observability, `resource_utilization`).
pub const WORKER_UTILIZATION: &str = "glue.driver.workerUtilization";
/// Runs that succeeded (observability, `error` group; 1 when the run succeeds).
pub const SUCCEED_ALL: &str = "glue.succeed.ALL";
/// Runs that failed, any category (observability, `error` group).
pub const ERROR_ALL: &str = "glue.error.ALL";
/// Prefix of the per-category error metrics (`glue.error.OUT_OF_MEMORY_ERROR`, …).
pub const ERROR_PREFIX: &str = "glue.error.";
/// The observability throughput metrics (driver, per `Source` or `Sink` dimension). AWS's
/// documentation spells the bytes written one `bytesWrittten`; both spellings are read.
pub const THROUGHPUT: [&str; 8] = [
    "bytesRead",
    "recordsRead",
    "filesRead",
    "partitionsRead",
    "bytesWrittten",
    "bytesWritten",
    "recordsWritten",
    "filesWritten",
];

/// `glue.<driver|ALL>.memory.<heap|non-heap|total>.used.percentage` — memory used, percent.
pub fn memory_used_percentage(source: &str, area: &str) -> String {
    format!("glue.{source}.memory.{area}.used.percentage")
}

/// `glue.<driver|ALL>.disk.used.percentage` — local disk used, percent.
pub fn disk_used_percentage(source: &str) -> String {
    format!("glue.{source}.disk.used.percentage")
}

/// The error category of a `glue.error.<CATEGORY>` metric (none for `glue.error.ALL`).
pub fn error_category(metric: &str) -> Option<&str> {
    metric
        .strip_prefix(ERROR_PREFIX)
        .filter(|c| *c != "ALL" && !c.is_empty())
}

/// `glue.<executorId>.jvm.heap.used` — JVM heap used by one executor (or `driver`, or `ALL`), bytes.
pub fn heap_used(executor: &str) -> String {
    format!("glue.{executor}.jvm.heap.used")
}

/// `glue.<executorId>.jvm.heap.usage` — heap used / heap max, 0..1.
pub fn heap_usage(executor: &str) -> String {
    format!("glue.{executor}.jvm.heap.usage")
}

/// `glue.<executorId>.system.cpuSystemLoad` — CPU load 0..1.
pub fn cpu_load(executor: &str) -> String {
    format!("glue.{executor}.system.cpuSystemLoad")
}

/// A per-executor metric split into (executor id, metric suffix): `glue.3.jvm.heap.used` → (`3`, `jvm.heap.used`).
/// Returns none for aggregate metrics (`glue.driver.aggregate.*`, `glue.ALL.*` keeps `ALL` as id).
pub fn split_executor_metric(metric: &str) -> Option<(&str, &str)> {
    let rest = metric.strip_prefix("glue.")?;
    let (id, suffix) = rest.split_once('.')?;
    if id == "driver" && !suffix.starts_with("jvm.") && !suffix.starts_with("system.") {
        return None;
    }
    if !(id == "driver" || id == "ALL" || id.bytes().all(|c| c.is_ascii_digit())) {
        return None; // glue.error.*, glue.succeed.ALL
    }
    Some((id, suffix))
}

/// Kind and unit of a Glue metric, from its name. Glue's `aggregate` and `s3.filesystem` metrics are
/// per-period deltas; everything else is a gauge.
pub fn classify(metric: &str) -> (SeriesKind, Unit) {
    let kind = if metric.contains(".aggregate.")
        || metric.contains(".s3.filesystem.")
        || metric.starts_with(ERROR_PREFIX)
        || metric == SUCCEED_ALL
    {
        SeriesKind::Delta
    } else {
        SeriesKind::Gauge
    };
    let unit = if metric.ends_with("elapsedTime") {
        Unit::Milliseconds
    } else if metric.ends_with("_MB") {
        Unit::Megabytes
    } else if metric.ends_with("_GB") {
        Unit::Gigabytes
    } else if metric.ends_with(".percentage") || metric == WORKER_UTILIZATION {
        Unit::Percent
    } else if metric.ends_with(".usage") || metric.ends_with("cpuSystemLoad") {
        Unit::Ratio
    } else if metric.ends_with("bytes")
        || metric.ends_with("Bytes")
        || metric.ends_with("BytesRead")
        || metric.ends_with("BytesWritten")
        || metric.ends_with("heap.used")
        || metric.ends_with("bytesRead")
        || metric.ends_with(".available")
        || metric.ends_with(".used")
        || base_name(metric).ends_with("bytesRead")
        || base_name(metric).ends_with("bytesWrittten")
        || base_name(metric).ends_with("bytesWritten")
    {
        Unit::Bytes
    } else {
        Unit::Count
    };
    (kind, unit)
}

/// A metric name without the `{Source=…}` / `{Sink=…}` dimension a throughput series carries.
pub fn base_name(metric: &str) -> &str {
    metric.split_once('{').map_or(metric, |(m, _)| m)
}
