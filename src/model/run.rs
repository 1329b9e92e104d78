//! The run: metadata plus executors, jobs, stages, tasks and metric series.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Executor, Job, Series, SqlExecution, Stage, Tasks};

/// The `format` tag of a run file.
pub const RUN_FORMAT: &str = "runlens/run@1";

/// One job run, measured or simulated.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Run {
    /// Always `runlens/run@1`.
    #[schemars(extend("const" = "runlens/run@1"))]
    pub format: String,
    /// Who, what, when and how it ended.
    pub meta: RunMeta,
    /// Executors and the driver, in the order they were added.
    #[serde(default)]
    pub executors: Vec<Executor>,
    /// Spark jobs.
    #[serde(default)]
    pub jobs: Vec<Job>,
    /// Stage attempts, one entry per (stage id, attempt).
    #[serde(default)]
    pub stages: Vec<Stage>,
    /// Task attempts (empty when the source has no task data, e.g. CloudWatch).
    #[serde(default)]
    pub tasks: Tasks,
    /// Spark SQL executions (queries).
    #[serde(default)]
    pub sql: Vec<SqlExecution>,
    /// Metric time series keyed by AWS Glue CloudWatch metric names.
    #[serde(default)]
    pub series: Vec<Series>,
    /// What the source could not tell or what was skipped while reading it.
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// Run metadata.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RunMeta {
    /// The kind of input the run was first read from.
    pub source_format: SourceFormat,
    /// Spark application id (`app-…`, `application_…`, `local-…`).
    #[serde(default)]
    pub app_id: Option<String>,
    /// Spark application attempt (`App Attempt ID`: YARN and Kubernetes cluster mode), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt_id: Option<String>,
    /// Spark application name.
    #[serde(default)]
    pub app_name: Option<String>,
    /// AWS Glue job name.
    #[serde(default)]
    pub job_name: Option<String>,
    /// AWS Glue job run id (`jr_…`).
    #[serde(default)]
    pub job_run_id: Option<String>,
    /// A label for display (e.g. "before", or where the run came from).
    #[serde(default)]
    pub label: Option<String>,
    /// User that ran the application.
    #[serde(default)]
    pub user: Option<String>,
    /// Spark version, from the log's `SparkListenerLogStart`.
    #[serde(default)]
    pub spark_version: Option<String>,
    /// AWS Glue version (e.g. "4.0").
    #[serde(default)]
    pub glue_version: Option<String>,
    /// AWS Glue worker type (`G.1X`, …).
    #[serde(default)]
    pub worker_type: Option<String>,
    /// AWS Glue number of workers.
    #[serde(default)]
    pub worker_count: Option<u32>,
    /// How the run ended.
    pub status: RunStatus,
    /// The error that ended a failed run.
    #[serde(default)]
    pub error: Option<String>,
    /// Absolute start of the run: milliseconds since the Unix epoch (UTC).
    #[serde(default)]
    pub start_epoch_ms: Option<i64>,
    /// Wall time from start to end (or to the last event of an incomplete run), seconds.
    pub duration_s: f64,
    /// Where executor memory over time comes from.
    pub memory_source: MemorySource,
    /// True for a run produced by the simulator.
    #[serde(default)]
    pub simulated: bool,
    /// Spark and Glue configuration (`spark.*` properties, Glue job arguments).
    #[serde(default)]
    pub config: BTreeMap<String, String>,
}

/// The kind of input a run was read from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SourceFormat {
    /// A Spark event log (plain, compressed or rolling).
    #[default]
    SparkEventLog,
    /// An AWS CloudWatch export of Glue job metrics.
    Cloudwatch,
    /// A `runlens/run@1` file.
    RunFile,
    /// The Runlens simulator.
    Simulator,
}

impl SourceFormat {
    /// The kebab-case name used in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceFormat::SparkEventLog => "spark-event-log",
            SourceFormat::Cloudwatch => "cloudwatch",
            SourceFormat::RunFile => "run-file",
            SourceFormat::Simulator => "simulator",
        }
    }
}

/// How a run ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RunStatus {
    /// The application ended normally.
    Succeeded,
    /// The application ended with an error (or a failed job).
    Failed,
    /// The source does not show the end of the run (in-progress or truncated log).
    #[default]
    Incomplete,
}

impl RunStatus {
    /// The kebab-case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Incomplete => "incomplete",
        }
    }
}

/// Where the per-executor memory series come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MemorySource {
    /// Measured JVM heap from executor-metric events (task-end, stage peaks, heartbeats).
    ExecutorMetrics,
    /// Estimated from the peak execution memory of the tasks running at each moment.
    TaskPeakEstimate,
    /// Measured by Glue and exported from CloudWatch.
    Cloudwatch,
    /// Produced by the simulator's memory model.
    Simulated,
    /// The source has no memory information.
    #[default]
    None,
}

impl Run {
    /// An empty run of the given source format.
    pub fn new(source_format: SourceFormat) -> Run {
        Run {
            format: RUN_FORMAT.to_string(),
            meta: RunMeta {
                source_format,
                ..RunMeta::default()
            },
            ..Run::default()
        }
    }

    /// Executors that ran tasks or were added, driver excluded.
    pub fn worker_executors(&self) -> impl Iterator<Item = &Executor> {
        self.executors.iter().filter(|e| !e.is_driver)
    }

    /// The series with this exact metric name (a scan: for many lookups, [`Run::series_map`]).
    pub fn series(&self, metric: &str) -> Option<&Series> {
        self.series.iter().find(|s| s.metric == metric)
    }

    /// Every series by metric name (the first of duplicates), for lookups in loops.
    pub fn series_map(&self) -> std::collections::HashMap<&str, &Series> {
        let mut m = std::collections::HashMap::with_capacity(self.series.len());
        for s in &self.series {
            m.entry(s.metric.as_str()).or_insert(s);
        }
        m
    }

    /// A display name: label, else app name, else job name, else app id; with the attempt when
    /// the application had several.
    pub fn display_name(&self) -> String {
        let m = &self.meta;
        let name = m
            .label
            .clone()
            .or_else(|| m.app_name.clone())
            .or_else(|| m.job_name.clone())
            .or_else(|| m.app_id.clone())
            .unwrap_or_else(|| "run".to_string());
        match &m.attempt_id {
            Some(a) if m.label.is_none() => format!("{name} (attempt {a})"),
            _ => name,
        }
    }

    /// Puts the executors in display order: the driver, then executor ids by number (1, 2, …,
    /// 10), then any other ids in their present order.
    pub fn sort_executors(&mut self) {
        crate::sorting::sort_by(&mut self.executors, |e| super::executor::order_key(&e.id));
    }
}
