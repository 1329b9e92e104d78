//! Jobs and stage attempts.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A Spark job (an action) and the stages it ran.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Job {
    /// Spark job id.
    pub id: u64,
    /// Submission time, seconds from run start.
    #[serde(default)]
    pub submitted_s: Option<f64>,
    /// Completion time, seconds from run start.
    #[serde(default)]
    pub completed_s: Option<f64>,
    /// Stages of the job (including ones Spark skipped because their output existed).
    #[serde(default)]
    pub stage_ids: Vec<u64>,
    /// How the job ended.
    pub result: JobResult,
    /// The job's description (`spark.job.description`), e.g. Spark's file-listing jobs.
    #[serde(default)]
    pub description: Option<String>,
    /// The failure message of a failed job.
    #[serde(default)]
    pub failure_reason: Option<String>,
    /// The Spark SQL execution that ran it (`spark.sql.execution.id`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql_execution_id: Option<u64>,
}

/// How a job ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum JobResult {
    /// `JobSucceeded`.
    Succeeded,
    /// `JobFailed`.
    Failed,
    /// No end event seen.
    #[default]
    Running,
}

/// One attempt of a stage.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Stage {
    /// Spark stage id.
    pub id: u64,
    /// Attempt number (0 for the first).
    #[serde(default)]
    pub attempt: u32,
    /// Stage name (usually the call site).
    #[serde(default)]
    pub name: String,
    /// Number of tasks (partitions) in the stage.
    #[serde(default)]
    pub num_tasks: u64,
    /// Parent stage ids.
    #[serde(default)]
    pub parent_ids: Vec<u64>,
    /// The job that submitted it.
    #[serde(default)]
    pub job_id: Option<u64>,
    /// Submission time, seconds from run start.
    #[serde(default)]
    pub submitted_s: Option<f64>,
    /// Completion time, seconds from run start.
    #[serde(default)]
    pub completed_s: Option<f64>,
    /// How the attempt ended.
    pub status: StageStatus,
    /// Why the attempt failed.
    #[serde(default)]
    pub failure_reason: Option<String>,
    /// The RDDs the stage computes, as Spark lists them (plan operators such as `Coalesce`, `Exchange`).
    #[serde(default)]
    pub rdds: Vec<StageRdd>,
    /// Per-metric peak over executors of Spark's stage executor metrics (`JVMHeapMemory`, …), bytes or counts.
    #[serde(default)]
    pub peak_executor_metrics: BTreeMap<String, u64>,
}

/// One RDD of a stage.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StageRdd {
    /// RDD id.
    pub id: u64,
    /// RDD class name (`FileScanRDD`, `CoalescedRDD`, `ShuffledRowRDD`, …).
    #[serde(default)]
    pub name: String,
    /// The operator that created it (`Scan json`, `Coalesce`, `Exchange`, …).
    #[serde(default)]
    pub operation: Option<String>,
    /// Number of partitions.
    #[serde(default)]
    pub partitions: u64,
}

/// How a stage attempt ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StageStatus {
    /// Completed without failure.
    Complete,
    /// Completed with a failure reason.
    Failed,
    /// Submitted and never completed.
    #[default]
    Active,
}

/// A Spark SQL execution (one query or command).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SqlExecution {
    /// Execution id.
    pub id: u64,
    /// Description (the action's call site or the SQL text).
    #[serde(default)]
    pub description: String,
    /// Start, seconds from run start.
    #[serde(default)]
    pub start_s: Option<f64>,
    /// End, seconds from run start.
    #[serde(default)]
    pub end_s: Option<f64>,
    /// The error that ended it, if it failed.
    #[serde(default)]
    pub error: Option<String>,
}
