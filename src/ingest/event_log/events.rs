//! Serde shapes of the Spark listener events Runlens reads (Spark 2.4 – 4.x JSON protocol).
//!
//! Only the fields used are declared; serde skips the rest without building values, which keeps
//! the 5–6 KB `Accumulables` arrays of Spark 4 task-end events cheap.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// Just the event name, for lines whose `"Event"` key is not first.
#[derive(Deserialize)]
pub struct EventName<'a> {
    #[serde(rename = "Event", borrow)]
    pub event: Cow<'a, str>,
}

#[derive(Deserialize)]
pub struct LogStart<'a> {
    #[serde(rename = "Spark Version", borrow, default)]
    pub spark_version: Option<Cow<'a, str>>,
}

/// Databricks' first line (its logs have no `SparkListenerLogStart`).
#[derive(Deserialize)]
pub struct DbcMetadata<'a> {
    #[serde(rename = "Spark Version", borrow, default)]
    pub spark_version: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
pub struct ApplicationStart<'a> {
    #[serde(rename = "App Name", borrow, default)]
    pub app_name: Option<Cow<'a, str>>,
    #[serde(rename = "App ID", borrow, default)]
    pub app_id: Option<Cow<'a, str>>,
    #[serde(rename = "App Attempt ID", borrow, default)]
    pub attempt_id: Option<Cow<'a, str>>,
    #[serde(rename = "Timestamp", default)]
    pub timestamp: Option<i64>,
    #[serde(rename = "User", borrow, default)]
    pub user: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
pub struct ApplicationEnd {
    #[serde(rename = "Timestamp", default)]
    pub timestamp: Option<i64>,
    #[serde(rename = "ExitCode", default)]
    pub exit_code: Option<i64>,
}

#[derive(Deserialize)]
pub struct EnvironmentUpdate<'a> {
    #[serde(rename = "Spark Properties", borrow, default)]
    pub spark_properties: Option<Properties<'a>>,
}

/// Spark's property map (`{"key": "value", …}`), as pairs.
pub struct Properties<'a>(pub Vec<(Cow<'a, str>, Cow<'a, str>)>);

impl<'a> Properties<'a> {
    pub fn into_pairs(self) -> Vec<(Cow<'a, str>, Cow<'a, str>)> {
        self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Properties<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Properties<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of properties")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Properties<'a>, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<Cow<'de, str>, Cow<'de, str>>()? {
                    out.push((k, v));
                }
                Ok(Properties(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
pub struct ExecutorAdded<'a> {
    #[serde(rename = "Timestamp", default)]
    pub timestamp: Option<i64>,
    #[serde(rename = "Executor ID", borrow)]
    pub executor_id: Cow<'a, str>,
    #[serde(rename = "Executor Info", borrow, default)]
    pub info: Option<ExecutorInfo<'a>>,
}

#[derive(Deserialize)]
pub struct ExecutorInfo<'a> {
    #[serde(rename = "Host", borrow, default)]
    pub host: Option<Cow<'a, str>>,
    #[serde(rename = "Total Cores", default)]
    pub total_cores: Option<i64>,
}

#[derive(Deserialize)]
pub struct ExecutorRemoved<'a> {
    #[serde(rename = "Timestamp", default)]
    pub timestamp: Option<i64>,
    #[serde(rename = "Executor ID", borrow)]
    pub executor_id: Cow<'a, str>,
    #[serde(rename = "Removed Reason", borrow, default)]
    pub reason: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
pub struct BlockManagerAdded<'a> {
    #[serde(rename = "Block Manager ID", borrow)]
    pub block_manager: BlockManagerId<'a>,
    #[serde(rename = "Maximum Memory", default)]
    pub max_memory: Option<i64>,
    #[serde(rename = "Timestamp", default)]
    pub timestamp: Option<i64>,
}

#[derive(Deserialize)]
pub struct BlockManagerId<'a> {
    #[serde(rename = "Executor ID", borrow)]
    pub executor_id: Cow<'a, str>,
    #[serde(rename = "Host", borrow, default)]
    pub host: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
pub struct JobStart<'a> {
    #[serde(rename = "Job ID")]
    pub job_id: i64,
    #[serde(rename = "Submission Time", default)]
    pub submission_time: Option<i64>,
    #[serde(rename = "Stage IDs", default)]
    pub stage_ids: Vec<i64>,
    #[serde(rename = "Properties", borrow, default)]
    pub properties: Option<JobProperties<'a>>,
}

#[derive(Deserialize)]
pub struct JobProperties<'a> {
    #[serde(rename = "spark.job.description", borrow, default)]
    pub description: Option<Cow<'a, str>>,
    #[serde(rename = "spark.sql.execution.id", borrow, default)]
    pub sql_execution_id: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
pub struct JobEnd<'a> {
    #[serde(rename = "Job ID")]
    pub job_id: i64,
    #[serde(rename = "Completion Time", default)]
    pub completion_time: Option<i64>,
    #[serde(rename = "Job Result", borrow, default)]
    pub result: Option<JobResultJson<'a>>,
}

#[derive(Deserialize)]
pub struct JobResultJson<'a> {
    #[serde(rename = "Result", borrow, default)]
    pub result: Option<Cow<'a, str>>,
    #[serde(rename = "Exception", borrow, default)]
    pub exception: Option<ExceptionJson<'a>>,
}

#[derive(Deserialize)]
pub struct ExceptionJson<'a> {
    #[serde(rename = "Message", borrow, default)]
    pub message: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
pub struct StageEvent<'a> {
    #[serde(rename = "Stage Info", borrow)]
    pub info: StageInfo<'a>,
}

#[derive(Deserialize)]
pub struct StageInfo<'a> {
    #[serde(rename = "Stage ID")]
    pub stage_id: i64,
    #[serde(rename = "Stage Attempt ID", default)]
    pub attempt: i64,
    #[serde(rename = "Stage Name", borrow, default)]
    pub name: Option<Cow<'a, str>>,
    #[serde(rename = "Number of Tasks", default)]
    pub num_tasks: i64,
    #[serde(rename = "RDD Info", borrow, default)]
    pub rdds: Vec<RddInfo<'a>>,
    #[serde(rename = "Parent IDs", default)]
    pub parent_ids: Vec<i64>,
    #[serde(rename = "Submission Time", default)]
    pub submission_time: Option<i64>,
    #[serde(rename = "Completion Time", default)]
    pub completion_time: Option<i64>,
    #[serde(rename = "Failure Reason", borrow, default)]
    pub failure_reason: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
pub struct RddInfo<'a> {
    #[serde(rename = "RDD ID", default)]
    pub id: i64,
    #[serde(rename = "Name", borrow, default)]
    pub name: Option<Cow<'a, str>>,
    #[serde(rename = "Scope", borrow, default)]
    pub scope: Option<Cow<'a, str>>,
    #[serde(rename = "Number of Partitions", default)]
    pub partitions: i64,
}

/// `{"id":"…","name":"Coalesce"}` inside an RDD's `Scope` string.
#[derive(Deserialize)]
pub struct RddScope<'a> {
    #[serde(borrow, default)]
    pub name: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
pub struct TaskStart<'a> {
    #[serde(rename = "Stage ID")]
    pub stage_id: i64,
    #[serde(rename = "Stage Attempt ID", default)]
    pub stage_attempt: i64,
    #[serde(rename = "Task Info", borrow)]
    pub info: TaskInfo<'a>,
}

#[derive(Deserialize)]
pub struct TaskInfo<'a> {
    #[serde(rename = "Task ID")]
    pub task_id: i64,
    #[serde(rename = "Index", default)]
    pub index: i64,
    #[serde(rename = "Attempt", default)]
    pub attempt: i64,
    #[serde(rename = "Launch Time", default)]
    pub launch_time: i64,
    #[serde(rename = "Executor ID", borrow)]
    pub executor_id: Cow<'a, str>,
    #[serde(rename = "Speculative", default)]
    pub speculative: bool,
    #[serde(rename = "Finish Time", default)]
    pub finish_time: i64,
    #[serde(rename = "Failed", default)]
    pub failed: bool,
    #[serde(rename = "Killed", default)]
    pub killed: bool,
}

#[derive(Deserialize)]
pub struct TaskEnd<'a> {
    #[serde(rename = "Stage ID")]
    pub stage_id: i64,
    #[serde(rename = "Stage Attempt ID", default)]
    pub stage_attempt: i64,
    #[serde(rename = "Task End Reason", borrow, default)]
    pub reason: Option<TaskEndReason<'a>>,
    #[serde(rename = "Task Info", borrow)]
    pub info: TaskInfo<'a>,
    #[serde(rename = "Task Executor Metrics", default)]
    pub executor_metrics: Option<ExecutorMetrics>,
    #[serde(rename = "Task Metrics", default)]
    pub metrics: Option<TaskMetrics>,
}

#[derive(Deserialize)]
pub struct TaskEndReason<'a> {
    #[serde(rename = "Reason", borrow, default)]
    pub reason: Option<Cow<'a, str>>,
    #[serde(rename = "Description", borrow, default)]
    pub description: Option<Cow<'a, str>>,
    #[serde(rename = "Class Name", borrow, default)]
    pub class_name: Option<Cow<'a, str>>,
    #[serde(rename = "Message", borrow, default)]
    pub message: Option<Cow<'a, str>>,
    #[serde(rename = "Loss Reason", borrow, default)]
    pub loss_reason: Option<Cow<'a, str>>,
    #[serde(rename = "Kill Reason", borrow, default)]
    pub kill_reason: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
pub struct TaskMetrics {
    #[serde(rename = "Executor Deserialize Time", default)]
    pub deserialize_time_ms: i64,
    #[serde(rename = "Executor Run Time", default)]
    pub run_time_ms: i64,
    #[serde(rename = "Executor CPU Time", default)]
    pub cpu_time_ns: i64,
    #[serde(rename = "Peak Execution Memory", default)]
    pub peak_execution_memory: i64,
    #[serde(rename = "Result Size", default)]
    pub result_size: i64,
    #[serde(rename = "JVM GC Time", default)]
    pub gc_time_ms: i64,
    #[serde(rename = "Memory Bytes Spilled", default)]
    pub memory_spilled: i64,
    #[serde(rename = "Disk Bytes Spilled", default)]
    pub disk_spilled: i64,
    #[serde(rename = "Shuffle Read Metrics", default)]
    pub shuffle_read: Option<ShuffleReadMetrics>,
    #[serde(rename = "Shuffle Write Metrics", default)]
    pub shuffle_write: Option<ShuffleWriteMetrics>,
    #[serde(rename = "Input Metrics", default)]
    pub input: Option<InputMetrics>,
    #[serde(rename = "Output Metrics", default)]
    pub output: Option<OutputMetrics>,
}

#[derive(Deserialize, Default)]
pub struct ShuffleReadMetrics {
    #[serde(rename = "Remote Bytes Read", default)]
    pub remote_bytes: i64,
    #[serde(rename = "Local Bytes Read", default)]
    pub local_bytes: i64,
    #[serde(rename = "Fetch Wait Time", default)]
    pub fetch_wait_ms: i64,
    #[serde(rename = "Total Records Read", default)]
    pub records: i64,
}

#[derive(Deserialize, Default)]
pub struct ShuffleWriteMetrics {
    #[serde(rename = "Shuffle Bytes Written", default)]
    pub bytes: i64,
    #[serde(rename = "Shuffle Write Time", default)]
    pub write_time_ns: i64,
    #[serde(rename = "Shuffle Records Written", default)]
    pub records: i64,
}

#[derive(Deserialize, Default)]
pub struct InputMetrics {
    #[serde(rename = "Bytes Read", default)]
    pub bytes: i64,
    #[serde(rename = "Records Read", default)]
    pub records: i64,
}

#[derive(Deserialize, Default)]
pub struct OutputMetrics {
    #[serde(rename = "Bytes Written", default)]
    pub bytes: i64,
    #[serde(rename = "Records Written", default)]
    pub records: i64,
}

#[derive(Deserialize)]
pub struct StageExecutorMetricsEvent<'a> {
    #[serde(rename = "Executor ID", borrow)]
    pub executor_id: Cow<'a, str>,
    #[serde(rename = "Stage ID")]
    pub stage_id: i64,
    #[serde(rename = "Stage Attempt ID", default)]
    pub stage_attempt: i64,
    #[serde(rename = "Executor Metrics", default)]
    pub metrics: ExecutorMetrics,
}

#[derive(Deserialize)]
pub struct ExecutorMetricsUpdate<'a> {
    #[serde(rename = "Executor ID", borrow)]
    pub executor_id: Cow<'a, str>,
    /// Spark 3+: `[{"Stage ID", "Stage Attempt ID", "Executor Metrics"}]`; Spark 2.4: one object.
    #[serde(rename = "Executor Metrics Updated", default)]
    pub updated: Option<MetricsUpdated>,
}

/// Spark 3+ writes a list of per-stage metrics, Spark 2.4 one object: told apart by shape
/// (a hand-written visitor, not `#[serde(untagged)]`, which buffers and retries).
pub enum MetricsUpdated {
    PerStage(Vec<StageMetrics>),
    Single(Box<ExecutorMetrics>),
}

impl<'de> Deserialize<'de> for MetricsUpdated {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MetricsUpdated;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of stage metrics or one object of executor metrics")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<MetricsUpdated, A::Error> {
                let mut out = Vec::new();
                while let Some(m) = seq.next_element::<StageMetrics>()? {
                    out.push(m);
                }
                Ok(MetricsUpdated::PerStage(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<MetricsUpdated, A::Error> {
                let m = ExecutorMetrics::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(MetricsUpdated::Single(Box::new(m)))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
pub struct StageMetrics {
    #[serde(rename = "Executor Metrics", default)]
    pub metrics: ExecutorMetrics,
}

#[derive(Deserialize)]
pub struct SqlExecutionStart<'a> {
    #[serde(rename = "executionId")]
    pub execution_id: i64,
    #[serde(borrow, default)]
    pub description: Option<Cow<'a, str>>,
    #[serde(default)]
    pub time: Option<i64>,
}

#[derive(Deserialize)]
pub struct SqlExecutionEnd<'a> {
    #[serde(rename = "executionId")]
    pub execution_id: i64,
    #[serde(default)]
    pub time: Option<i64>,
    #[serde(rename = "errorMessage", borrow, default)]
    pub error_message: Option<Cow<'a, str>>,
}

/// Names of the executor metrics Spark logs (3.0+), in Spark's order, plus the Spark 2.4 names
/// they replaced (mapped onto the same slots).
pub const EXECUTOR_METRIC_NAMES: [&str; 24] = [
    "JVMHeapMemory",
    "JVMOffHeapMemory",
    "OnHeapExecutionMemory",
    "OffHeapExecutionMemory",
    "OnHeapStorageMemory",
    "OffHeapStorageMemory",
    "OnHeapUnifiedMemory",
    "OffHeapUnifiedMemory",
    "DirectPoolMemory",
    "MappedPoolMemory",
    "ProcessTreeJVMVMemory",
    "ProcessTreeJVMRSSMemory",
    "ProcessTreePythonVMemory",
    "ProcessTreePythonRSSMemory",
    "ProcessTreeOtherVMemory",
    "ProcessTreeOtherRSSMemory",
    "MinorGCCount",
    "MinorGCTime",
    "MajorGCCount",
    "MajorGCTime",
    "TotalGCTime",
    "ConcurrentGCCount",
    "ConcurrentGCTime",
    "TotalGCCount",
];

/// Index of `JVMHeapMemory` in [`EXECUTOR_METRIC_NAMES`].
pub const JVM_HEAP: usize = 0;

fn metric_slot(name: &str) -> Option<usize> {
    if let Some(i) = EXECUTOR_METRIC_NAMES.iter().position(|n| *n == name) {
        return Some(i);
    }
    // Spark 2.4's names for the same gauges.
    Some(match name {
        "JVM Used Heap Memory" => 0,
        "JVM Used Nonheap Memory" => 1,
        "Onheap Execution Memory" => 2,
        "Offheap Execution Memory" => 3,
        "Onheap Storage Memory" => 4,
        "Offheap Storage Memory" => 5,
        "Onheap Unified Memory" => 6,
        "Offheap Unified Memory" => 7,
        "Direct Memory" => 8,
        "Mapped Memory" => 9,
        _ => return None,
    })
}

/// Slots where 0 (or a negative value) cannot be a measurement: a live JVM always has heap and
/// non-heap memory, and the process-tree gauges read 0 when process-tree metrics are off. Spark
/// writes 0 (and -1 for a `Resubmitted` end) into task-end executor metrics when no poll happened
/// during the task, so these values are missing samples, not readings.
fn zero_is_missing(slot: usize) -> bool {
    matches!(slot, 0 | 1 | 10..=15)
}

/// Executor metric values by slot of [`EXECUTOR_METRIC_NAMES`]; `None` where the event lacks one
/// (or where its value is a placeholder, see `zero_is_missing`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ExecutorMetrics(pub [Option<i64>; 24]);

impl ExecutorMetrics {
    /// JVM heap used, bytes, if present and sane.
    pub fn heap(&self) -> Option<u64> {
        self.0[JVM_HEAP].and_then(|v| u64::try_from(v).ok())
    }

    /// True when no metric is present.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Option::is_none)
    }
}

impl<'de> Deserialize<'de> for ExecutorMetrics {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ExecutorMetrics;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of executor metrics")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ExecutorMetrics, A::Error> {
                let mut out = ExecutorMetrics::default();
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    match metric_slot(&key) {
                        Some(slot) => {
                            let v: Option<f64> = map.next_value()?;
                            // Spark writes integers; tolerate floats and nulls from other writers.
                            out.0[slot] = v
                                .filter(|v| v.is_finite())
                                .map(|v| v as i64)
                                .filter(|v| *v > 0 || (*v == 0 && !zero_is_missing(slot)));
                        }
                        None => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
}
