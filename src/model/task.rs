//! Task attempts and their metrics.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One task attempt.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Task {
    /// Spark task id (unique within the application).
    pub id: u64,
    /// Stage id.
    pub stage_id: u64,
    /// Stage attempt.
    #[serde(default)]
    pub stage_attempt: u32,
    /// Index of the task within its stage (the partition it computes).
    #[serde(default)]
    pub index: u64,
    /// Attempt number of this task.
    #[serde(default)]
    pub attempt: u32,
    /// Executor that ran it.
    pub executor_id: Arc<str>,
    /// Launch time, seconds from run start.
    pub launch_s: f64,
    /// Finish time, seconds from run start (none while running).
    #[serde(default)]
    pub finish_s: Option<f64>,
    /// How the attempt ended.
    pub status: TaskStatus,
    /// Why the attempt failed or was killed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<Arc<str>>,
    /// A speculative copy.
    #[serde(default, skip_serializing_if = "is_false")]
    pub speculative: bool,
    /// A successful map task whose output was later lost with its executor (Spark then logs a
    /// second end with reason `Resubmitted` and re-runs the partition in a new stage attempt).
    #[serde(default, skip_serializing_if = "is_false")]
    pub output_lost: bool,
    /// Bytes read from the input source.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub input_bytes: u64,
    /// Records read from the input source.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub input_records: u64,
    /// Bytes written to the output.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub output_bytes: u64,
    /// Records written to the output.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub output_records: u64,
    /// Shuffle bytes read from this executor's own blocks.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub shuffle_read_local_bytes: u64,
    /// Shuffle bytes fetched from other executors.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub shuffle_read_remote_bytes: u64,
    /// Shuffle records read.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub shuffle_read_records: u64,
    /// Time spent waiting for shuffle fetches, seconds.
    #[serde(default, skip_serializing_if = "is_zero_f64")]
    pub shuffle_fetch_wait_s: f64,
    /// Shuffle bytes written.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub shuffle_write_bytes: u64,
    /// Shuffle records written.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub shuffle_write_records: u64,
    /// Time spent writing shuffle files, seconds.
    #[serde(default, skip_serializing_if = "is_zero_f64")]
    pub shuffle_write_time_s: f64,
    /// Deserialized size of data spilled from memory.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub memory_spill_bytes: u64,
    /// Serialized size of spilled data on disk.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub disk_spill_bytes: u64,
    /// Peak execution memory (sort/aggregation/join buffers).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub peak_execution_memory_bytes: u64,
    /// Time the executor spent running the task, seconds.
    #[serde(default, skip_serializing_if = "is_zero_f64")]
    pub run_time_s: f64,
    /// CPU time of the task, seconds.
    #[serde(default, skip_serializing_if = "is_zero_f64")]
    pub cpu_time_s: f64,
    /// JVM garbage-collection time during the task, seconds.
    #[serde(default, skip_serializing_if = "is_zero_f64")]
    pub gc_time_s: f64,
    /// Time to deserialize the task, seconds.
    #[serde(default, skip_serializing_if = "is_zero_f64")]
    pub deserialize_time_s: f64,
    /// Size of the result sent back to the driver.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub result_size_bytes: u64,
}

/// How a task attempt ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TaskStatus {
    /// `Success`.
    Success,
    /// Any failure reason other than a kill.
    Failed,
    /// `TaskKilled` (e.g. a losing speculative copy) or `TaskCommitDenied` (another attempt
    /// committed first): the History Server counts both as killed.
    Killed,
    /// Started, no end seen.
    #[default]
    Running,
}

impl Task {
    /// Wall time of the attempt, seconds (0 while running).
    pub fn duration_s(&self) -> f64 {
        self.finish_s.map_or(0.0, |f| (f - self.launch_s).max(0.0))
    }

    /// Shuffle bytes read, local plus remote.
    pub fn shuffle_read_bytes(&self) -> u64 {
        self.shuffle_read_local_bytes
            .saturating_add(self.shuffle_read_remote_bytes)
    }

    /// True once an end event was seen.
    pub fn ended(&self) -> bool {
        self.status != TaskStatus::Running
    }

    /// Task-end events of this attempt, as Spark's History Server counts them: its end, plus the
    /// `Resubmitted` end of a lost map output.
    pub fn end_events(&self) -> u64 {
        u64::from(self.ended()) + u64::from(self.output_lost)
    }

    /// Of those, the ones the History Server counts as failed: every reason but `Success`,
    /// `TaskKilled` and `TaskCommitDenied` (so `Resubmitted` is a failure).
    pub fn failed_end_events(&self) -> u64 {
        u64::from(self.status == TaskStatus::Failed) + u64::from(self.output_lost)
    }
}

// Run files omit zero metrics (most tasks have no shuffle, spill, …): smaller files that load faster.
fn is_zero(v: &u64) -> bool {
    *v == 0
}

fn is_zero_f64(v: &f64) -> bool {
    *v == 0.0
}

fn is_false(v: &bool) -> bool {
    !*v
}
