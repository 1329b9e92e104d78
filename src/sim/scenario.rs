//! The scenario: everything the simulator needs, as JSON (`runlens/scenario@1`).
//!
//! Units are in the field names (`_bytes`, `_s`, `_bytes_per_s`); every default and its source is
//! listed in docs/simulator.md.

use serde::{Deserialize, Serialize};

use super::rates::Rates;

/// The `format` tag of a scenario file.
pub const SCENARIO_FORMAT: &str = "runlens/scenario@1";

const MIB: u64 = 1 << 20;

/// A job run to simulate: cluster, configuration, rate constants and the plan (jobs → stages).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Scenario {
    /// Always `runlens/scenario@1`.
    pub format: String,
    /// Short name (a preset name, or the calibrated run's app name).
    pub name: String,
    /// One line on what is simulated.
    pub description: String,
    /// Seed of the PRNG (executor order, skew draws): same seed, same run.
    pub seed: u64,
    /// Workers, executors, cores, memory, disks.
    pub cluster: Cluster,
    /// Spark settings the simulator honours.
    pub spark: SparkConf,
    /// AWS Glue options.
    pub glue: GlueConf,
    /// Per-core and per-request rate constants.
    pub rates: Rates,
    /// Driver-side fixed times.
    pub driver: Driver,
    /// The Spark jobs in the order the driver program runs them.
    pub jobs: Vec<JobSpec>,
    /// Where a calibrated scenario came from (none for presets and hand-written scenarios).
    pub calibration: Option<CalibrationInfo>,
}

impl Default for Scenario {
    fn default() -> Scenario {
        Scenario {
            format: SCENARIO_FORMAT.to_string(),
            name: "scenario".to_string(),
            description: String::new(),
            seed: 1,
            cluster: Cluster::default(),
            spark: SparkConf::default(),
            glue: GlueConf::default(),
            rates: Rates::default(),
            driver: Driver::default(),
            jobs: Vec::new(),
            calibration: None,
        }
    }
}

/// The cluster: AWS Glue workers (`worker_type` set) or plain Spark executors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Cluster {
    /// AWS Glue worker type (`G.1X` …); none for a plain Spark cluster.
    pub worker_type: Option<String>,
    /// AWS Glue number of workers, the driver's included (Glue runs the driver on one worker).
    pub workers: u32,
    /// Executors; none: `workers − 1` on Glue (one executor per worker), else `workers`.
    pub executors: Option<u32>,
    /// Executors sharing one worker (one on Glue G workers); sets how many share a disk and NIC.
    pub executors_per_worker: u32,
    /// Task slots per executor; none: the worker type's vCPUs (Glue) or 1.
    pub executor_cores: Option<u32>,
    /// Executor JVM heap (`spark.executor.memory`), bytes; none: Glue's default for the worker type.
    pub executor_memory_bytes: Option<u64>,
    /// Local disk usable for shuffle files and spill per worker, bytes; none: the worker type's free disk.
    pub disk_bytes_per_worker: Option<u64>,
    /// Network bandwidth of one worker (S3 and remote shuffle traffic), bytes/s.
    pub network_bytes_per_s_per_worker: f64,
    /// Local disk bandwidth of one worker (shuffle files, spill), bytes/s.
    pub disk_bytes_per_s_per_worker: f64,
    /// From an executor request to the executor registering, seconds.
    pub executor_start_s: f64,
    /// Registration times of the initial executors, seconds from run start (calibration; when
    /// empty they register at `driver.start_executors_s + executor_start_s`).
    pub initial_executor_ready_s: Vec<f64>,
    /// Measured executors as they came and went, in registration order (calibration): replayed
    /// instead of requesting and releasing executors while the cluster is unchanged.
    pub executor_timeline: Vec<ExecutorSpan>,
    /// Local mode: tasks run inside the driver (executor id `driver`), `executor_cores` slots.
    pub local_mode: bool,
    /// Heap an idle executor holds (classes, buffers), share of its heap (memory model).
    pub idle_heap_share: f64,
    /// Numeric id of the first executor (Glue and YARN count from 1, standalone from 0).
    pub first_executor_id: u32,
}

/// One measured executor's life, seconds from the run's start.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExecutorSpan {
    /// Registered at.
    pub added_s: f64,
    /// Removed at (none: it lived to the end).
    pub removed_s: Option<f64>,
    /// Why it was removed, as Spark said.
    pub removed_reason: Option<String>,
}

impl Default for Cluster {
    fn default() -> Cluster {
        Cluster {
            worker_type: None,
            workers: 2,
            executors: None,
            executors_per_worker: 1,
            executor_cores: None,
            executor_memory_bytes: None,
            disk_bytes_per_worker: None,
            network_bytes_per_s_per_worker: 1.25e9,
            disk_bytes_per_s_per_worker: 250e6,
            executor_start_s: 5.0,
            initial_executor_ready_s: Vec::new(),
            executor_timeline: Vec::new(),
            local_mode: false,
            idle_heap_share: 0.08,
            first_executor_id: 1,
        }
    }
}

/// The Spark settings the simulator honours, with Spark's defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SparkConf {
    /// `spark.sql.shuffle.partitions`.
    pub shuffle_partitions: u32,
    /// `spark.sql.files.maxPartitionBytes`.
    pub files_max_partition_bytes: u64,
    /// `spark.sql.files.openCostInBytes`.
    pub files_open_cost_bytes: u64,
    /// `spark.default.parallelism` (none: total executor cores, as on a cluster manager).
    pub default_parallelism: Option<u32>,
    /// Adaptive query execution.
    pub adaptive: Adaptive,
    /// `spark.sql.autoBroadcastJoinThreshold`, bytes (negative disables).
    pub auto_broadcast_join_threshold_bytes: i64,
    /// Dynamic allocation.
    pub dynamic_allocation: DynamicAllocation,
    /// `spark.task.maxFailures`.
    pub task_max_failures: u32,
    /// `spark.memory.fraction`.
    pub memory_fraction: f64,
    /// Spark's reserved system memory (300 MiB, `RESERVED_SYSTEM_MEMORY_BYTES`).
    pub reserved_memory_bytes: u64,
}

impl Default for SparkConf {
    fn default() -> SparkConf {
        SparkConf {
            shuffle_partitions: 200,
            files_max_partition_bytes: 128 * MIB,
            files_open_cost_bytes: 4 * MIB,
            default_parallelism: None,
            adaptive: Adaptive::default(),
            auto_broadcast_join_threshold_bytes: 10 * MIB as i64,
            dynamic_allocation: DynamicAllocation::default(),
            task_max_failures: 4,
            memory_fraction: 0.6,
            reserved_memory_bytes: 300 * MIB,
        }
    }
}

/// Adaptive query execution (`spark.sql.adaptive.*`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Adaptive {
    /// `spark.sql.adaptive.enabled` (Spark ≥ 3.2: true).
    pub enabled: bool,
    /// `spark.sql.adaptive.coalescePartitions.enabled`.
    pub coalesce_partitions: bool,
    /// `spark.sql.adaptive.coalescePartitions.parallelismFirst`.
    pub parallelism_first: bool,
    /// `spark.sql.adaptive.advisoryPartitionSizeInBytes`.
    pub advisory_partition_bytes: u64,
    /// `spark.sql.adaptive.coalescePartitions.minPartitionSize`.
    pub min_partition_bytes: u64,
    /// `spark.sql.adaptive.skewJoin.enabled`.
    pub skew_join: bool,
    /// `spark.sql.adaptive.skewJoin.skewedPartitionFactor`.
    pub skewed_partition_factor: f64,
    /// `spark.sql.adaptive.skewJoin.skewedPartitionThresholdInBytes`.
    pub skewed_partition_threshold_bytes: u64,
}

impl Default for Adaptive {
    fn default() -> Adaptive {
        Adaptive {
            enabled: true,
            coalesce_partitions: true,
            parallelism_first: true,
            advisory_partition_bytes: 64 * MIB,
            min_partition_bytes: MIB,
            skew_join: true,
            skewed_partition_factor: 5.0,
            skewed_partition_threshold_bytes: 256 * MIB,
        }
    }
}

/// Dynamic allocation (`spark.dynamicAllocation.*`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DynamicAllocation {
    /// `spark.dynamicAllocation.enabled`.
    pub enabled: bool,
    /// `spark.dynamicAllocation.minExecutors`.
    pub min_executors: u32,
    /// `spark.dynamicAllocation.maxExecutors` (none: the cluster's executor count).
    pub max_executors: Option<u32>,
    /// `spark.dynamicAllocation.initialExecutors` (none: the cluster's executor count, capped by max).
    pub initial_executors: Option<u32>,
    /// `spark.dynamicAllocation.executorIdleTimeout`, seconds.
    pub executor_idle_timeout_s: f64,
    /// `spark.dynamicAllocation.schedulerBacklogTimeout`, seconds.
    pub scheduler_backlog_timeout_s: f64,
    /// `spark.dynamicAllocation.sustainedSchedulerBacklogTimeout`, seconds.
    pub sustained_backlog_timeout_s: f64,
    /// `spark.dynamicAllocation.shuffleTracking.enabled`: keep executors holding live shuffle files.
    pub shuffle_tracking: bool,
}

impl Default for DynamicAllocation {
    fn default() -> DynamicAllocation {
        DynamicAllocation {
            enabled: false,
            min_executors: 0,
            max_executors: None,
            initial_executors: None,
            executor_idle_timeout_s: 60.0,
            scheduler_backlog_timeout_s: 1.0,
            sustained_backlog_timeout_s: 1.0,
            shuffle_tracking: true,
        }
    }
}

/// Where shuffle files (and optionally spill) live.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ShuffleStorage {
    /// Worker-local disk (Spark's default): bounded by the disk's capacity.
    #[default]
    Local,
    /// The AWS Glue S3 shuffle manager (`--write-shuffle-files-to-s3 true`): unbounded, slower.
    S3,
}

/// AWS Glue options.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GlueConf {
    /// `'groupFiles': 'inPartition'`: read through a Glue DynamicFrame that groups files.
    pub group_files: bool,
    /// `'groupSize'`, bytes (none: Glue sizes groups to use every core).
    pub group_size_bytes: Option<u64>,
    /// Files above which Glue groups automatically (50,000 per the Glue guide).
    pub auto_group_min_files: u64,
    /// Shuffle storage (`--write-shuffle-files-to-s3`).
    pub shuffle_storage: ShuffleStorage,
    /// `--write-shuffle-spills-to-s3` (only with S3 shuffle storage).
    pub spill_to_s3: bool,
}

impl Default for GlueConf {
    fn default() -> GlueConf {
        GlueConf {
            group_files: false,
            group_size_bytes: None,
            auto_group_min_files: 50_000,
            shuffle_storage: ShuffleStorage::Local,
            spill_to_s3: false,
        }
    }
}

/// Fixed driver-side times.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Driver {
    /// From run start to the moment the driver requests its initial executors, seconds.
    pub start_executors_s: f64,
    /// From run start to the moment the driver program may submit its first job, seconds.
    pub start_s: f64,
    /// From the last job's end to the run's end (shutdown), seconds.
    pub end_s: f64,
}

/// One Spark job (an action).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct JobSpec {
    /// Job id.
    pub id: u64,
    /// Description (shown in the run).
    pub description: String,
    /// Jobs that must end before the driver submits this one; none: every earlier job.
    pub wait_for: Option<Vec<u64>>,
    /// Driver time between those jobs' end (or `driver.start_s`) and the submission, seconds.
    pub delay_s: f64,
    /// The stages the job runs (parents first).
    pub stages: Vec<StageSpec>,
}

/// One stage: where its tasks' data comes from, what each byte costs, what it writes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StageSpec {
    /// Stage id (unique in the scenario).
    pub id: u64,
    /// Name (call site or operators).
    pub name: String,
    /// Parent stages whose shuffle output this stage reads (in this or an earlier job).
    pub parents: Vec<u64>,
    /// How the stage's partitions (tasks) are formed.
    pub source: Source,
    /// `coalesce(n)` applied to the stage's partitions (narrow: no shuffle).
    pub coalesce: Option<u32>,
    /// What the stage does with each byte.
    pub work: Work,
    /// Costs fitted from a measured run (calibration); replaces the rate model's CPU terms.
    pub fitted: Option<Fitted>,
}

/// How a stage's partitions are formed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Source {
    /// A file scan: Spark packs files into partitions (or Glue groups them).
    Read {
        /// The input files.
        input: Input,
    },
    /// Reads the shuffle output of the parents.
    Shuffle {
        /// Reduce partitions: `spark.sql.shuffle.partitions × multiplier`, or a fixed count.
        partitions: Partitions,
        /// How the data spreads over the reduce partitions.
        skew: Skew,
        /// A sort-merge join (AQE's skew-join handling applies).
        join: bool,
        /// The join's smaller side: when its size is at most `spark.sql.autoBroadcastJoinThreshold`
        /// the join is planned as a broadcast hash join instead (see `broadcast.rs`).
        #[serde(default)]
        small_side: Option<SmallSide>,
        /// AQE may re-plan these partitions (coalesce, split skew) when it is on; false when the
        /// measured run shows it left them as planned (calibration).
        #[serde(default = "default_true")]
        adaptive: bool,
    },
    /// A fixed number of tasks with no input (parallelize, file listing, broadcast builds).
    Fixed {
        /// Tasks.
        tasks: u64,
    },
}

fn default_true() -> bool {
    true
}

impl Default for Source {
    fn default() -> Source {
        Source::Fixed { tasks: 1 }
    }
}

/// The smaller side of a sort-merge join: the parent stage and Spark's size estimate of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmallSide {
    /// The parent stage that scans the smaller relation.
    pub stage: u64,
    /// Its estimated size, bytes (Spark plans with the relation's size statistics).
    pub bytes: u64,
}

/// Reduce partition count of a shuffle stage.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Partitions {
    /// `spark.sql.shuffle.partitions × n` (n > 1 for a union of n shuffles read by one stage).
    Conf(u32),
    /// A fixed count (`repartition(n)`, an RDD shuffle with explicit partitions).
    Fixed(u64),
}

impl Default for Partitions {
    fn default() -> Partitions {
        Partitions::Conf(1)
    }
}

/// Distribution of a shuffle's bytes over its reduce partitions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Skew {
    /// Share of all bytes held by one hot key (0–1).
    pub hot_key_share: f64,
    /// Zipf exponent of the partition sizes (0: uniform).
    pub zipf_exponent: f64,
    /// Measured relative partition sizes (calibration), mapped onto a new partition count by
    /// hash-partition arithmetic; overrides the two fields above when present.
    pub weights: Vec<f64>,
}

/// Input files of a read stage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Input {
    /// Number of files.
    pub files: u64,
    /// Total bytes as stored (compressed).
    pub total_bytes: u64,
    /// Explicit file sizes, bytes (overrides `files`/`total_bytes` when not empty).
    pub file_sizes: Vec<u64>,
    /// Spread of file sizes: coefficient of variation (0: equal sizes).
    pub size_cv: f64,
    /// Data format.
    pub format: Format,
    /// Compression codec of the files.
    pub compression: Compression,
    /// Uncompressed bytes per stored byte.
    pub compression_ratio: f64,
    /// Where the files are.
    pub location: Location,
    /// Read with a Glue DynamicFrame (`create_dynamic_frame`): Glue's grouping applies.
    pub dynamic_frame: bool,
}

impl Default for Input {
    fn default() -> Input {
        Input {
            files: 1,
            total_bytes: 0,
            file_sizes: Vec::new(),
            size_cv: 0.0,
            format: Format::Parquet,
            compression: Compression::None,
            compression_ratio: 1.0,
            location: Location::S3,
            dynamic_frame: false,
        }
    }
}

/// A data format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// JSON lines.
    Json,
    /// Apache Parquet.
    #[default]
    Parquet,
    /// CSV / plain text.
    Text,
}

/// A compression codec.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Compression {
    /// Not compressed.
    #[default]
    None,
    /// gzip: not splittable.
    Gzip,
    /// Snappy (Parquet pages; splittable at row groups).
    Snappy,
}

impl Compression {
    /// Whether Spark can split a file of this codec at arbitrary offsets.
    pub fn splittable(self) -> bool {
        !matches!(self, Compression::Gzip)
    }
}

/// Where input files are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Location {
    /// Amazon S3 (per-request latency, per-stream and per-worker bandwidth).
    #[default]
    S3,
    /// A local or cluster file system (costs folded into the fitted rates).
    Local,
}

/// What a stage does with its data. "Data bytes" of a task are its input bytes (as stored) plus
/// its shuffle bytes read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Work {
    /// Spark's JSON schema inference pass (reads and infers, writes nothing).
    pub infer_schema: bool,
    /// Sorts its rows (sort-merge join side, sort-based aggregation, `orderBy`).
    pub sort: bool,
    /// Hash aggregation.
    pub aggregate: bool,
    /// Probes broadcast hash tables (broadcast joins), count of joins.
    pub broadcast_joins: u32,
    /// Holds its rows in execution memory (sort, aggregation, join): spills beyond its share.
    pub buffers: bool,
    /// In-memory bytes per data byte of what it buffers (none: `rates.memory_expansion`).
    pub memory_expansion: Option<f64>,
    /// Shuffle bytes written per data byte.
    pub shuffle_write_ratio: f64,
    /// Shuffle bytes written per task regardless of data (small map outputs).
    pub shuffle_write_bytes_per_task: u64,
    /// Output bytes written per data byte (uncompressed for text formats).
    pub output_ratio: f64,
    /// Output format.
    pub output_format: Format,
    /// Output files each writing task creates.
    pub output_files_per_task: u32,
    /// Average record size, bytes (for record counts).
    pub record_bytes: f64,
    /// A broadcast build: the stage's result goes to the driver (`Fixed` stages of broadcast jobs).
    pub broadcast: bool,
}

impl Default for Work {
    fn default() -> Work {
        Work {
            infer_schema: false,
            sort: false,
            aggregate: false,
            broadcast_joins: 0,
            buffers: false,
            memory_expansion: None,
            shuffle_write_ratio: 0.0,
            shuffle_write_bytes_per_task: 0,
            output_ratio: 0.0,
            output_format: Format::Parquet,
            output_files_per_task: 1,
            record_bytes: 200.0,
            broadcast: false,
        }
    }
}

/// Costs fitted from a measured run. Task time = `task_fixed_s` (+ `warmup_s` for the first task
/// of the stage on an executor) + work + modelled spill and shuffle-storage costs, where work is
/// the measured residual of each task while the stage keeps its measured partitions, else
/// `s_per_byte × data bytes + task_extra_s`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Fitted {
    /// Per-task fixed time (launch, deserialization, result), seconds.
    pub task_fixed_s: f64,
    /// Extra time of the first task of the stage on each executor (code generation, broadcast
    /// fetch, JIT), seconds.
    pub warmup_s: f64,
    /// Work seconds per data byte on one core.
    pub s_per_byte: f64,
    /// Work seconds per task independent of data (stages without data), seconds.
    pub task_extra_s: f64,
    /// Stage submission to first possible launch, seconds.
    pub launch_delay_s: f64,
    /// Spilled bytes on disk per spilled byte in memory.
    pub spill_disk_ratio: f64,
    /// Measured tasks, in partition order: replayed while the partitioning is unchanged.
    pub measured: Vec<MeasuredTask>,
    /// The settings and inputs this stage's partitions were planned from when calibrated
    /// (`plan::plan_key`): while they are the same the measured tasks are replayed as they ran.
    pub plan_key: Option<String>,
    /// Measured attempts that did not succeed (failed or killed), replayed before the attempt
    /// that succeeded while the measured tasks are replayed.
    pub failed: Vec<MeasuredAttempt>,
    /// Positions in `cluster.executor_timeline` of the executors that ran this stage (empty:
    /// any): while the timeline is replayed, its tasks go only there, as Spark's locality
    /// preferences sent them.
    pub executors: Vec<u32>,
}

/// One measured attempt that did not succeed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MeasuredAttempt {
    /// Position of its task in `measured` (partition order).
    pub task: u32,
    /// Seconds it held its slot.
    pub slot_s: f64,
    /// Why it ended (Spark's reason, shortened).
    pub reason: String,
    /// Killed (`TaskKilled`, `TaskCommitDenied`) rather than failed.
    pub killed: bool,
}

/// One measured task, as calibration keeps it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MeasuredTask {
    /// Input bytes.
    pub input_bytes: u64,
    /// Shuffle bytes read.
    pub shuffle_read_bytes: u64,
    /// Shuffle bytes written.
    pub shuffle_write_bytes: u64,
    /// Output bytes.
    pub output_bytes: u64,
    /// Work seconds (occupancy minus fixed, warm-up and modelled spill costs).
    pub work_s: f64,
}

/// Where a calibrated scenario came from.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CalibrationInfo {
    /// The measured run's app id.
    pub app_id: Option<String>,
    /// The measured run's wall time, seconds.
    pub measured_duration_s: f64,
    /// What was fitted, and how (one line each).
    pub notes: Vec<String>,
}

impl Scenario {
    /// All stages, job by job.
    pub fn stages(&self) -> impl Iterator<Item = &StageSpec> {
        self.jobs.iter().flat_map(|j| j.stages.iter())
    }

    /// All stages, mutable.
    pub fn stages_mut(&mut self) -> impl Iterator<Item = &mut StageSpec> {
        self.jobs.iter_mut().flat_map(|j| j.stages.iter_mut())
    }

    /// Reads a scenario from JSON.
    pub fn from_json(text: &str) -> Result<Scenario, String> {
        let s: Scenario = serde_json::from_str(text).map_err(|e| format!("not a scenario: {e}"))?;
        if s.format != SCENARIO_FORMAT {
            return Err(format!(
                "not a scenario: format is {:?}, expected {SCENARIO_FORMAT:?}",
                s.format
            ));
        }
        Ok(s)
    }

    /// The scenario as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
