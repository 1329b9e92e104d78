//! Built-in scenarios from the two background articles. They share the default rate constants
//! ([`Rates::default`]); what each sets is the job (data, plan) and the cluster the articles
//! describe. docs/simulator.md lists every figure and where it comes from.

use super::rates::Rates;
use super::scenario::*;

const GIB: u64 = 1 << 30;

/// A built-in scenario.
#[derive(Clone, Copy, Debug)]
pub struct Preset {
    /// Name used by `--preset`.
    pub name: &'static str,
    /// One line.
    pub summary: &'static str,
}

impl Preset {
    /// The scenario (built by name, so that the list itself holds no code: the page lists the
    /// presets without carrying their builders).
    pub fn scenario(&self) -> Scenario {
        match self.name {
            "glue-coalesce-before" => coalesce_before(),
            "glue-coalesce-after" => coalesce_after(),
            "q80-local-shuffle" => q80_local(),
            "q80-s3-shuffle" => q80_s3(),
            _ => synthetic_100k(),
        }
    }
}

/// Every preset, in display order.
pub const PRESETS: [Preset; 5] = [
    Preset {
        name: "glue-coalesce-before",
        summary: "AWS Glue: 32 GB of gzip JSON read with spark.read.json, coalesce(1), ~190 GB of JSON written by one task (≈ 1 h, straggler)",
    },
    Preset {
        name: "glue-coalesce-after",
        summary: "AWS Glue: the same data read with groupFiles=inPartition, written by every executor, one stage, no shuffle (≈ 8 min)",
    },
    Preset {
        name: "q80-local-shuffle",
        summary: "TPC-DS q80 at 3 TB on 10 G.1X workers, shuffle on local disk: fails with No space left on device after ≈ 1 h 25 min, 13 of 18 stages",
    },
    Preset {
        name: "q80-s3-shuffle",
        summary: "TPC-DS q80 at 3 TB on 10 G.1X workers, shuffle and spill on S3: all 18 stages in ≈ 2 h 53 min, ~480 GB shuffled",
    },
    Preset {
        name: "synthetic-100k-tasks",
        summary: "Synthetic: one map stage of 100,000 tasks on 250 executors × 4 cores (1,000 slots), to measure the simulator and the task timeline at scale",
    },
];

/// One job: a map stage of 100,000 tasks writing 1 MiB of shuffle output each, on 250
/// executors × 4 cores. Not from an article: the simulator's speed benchmark (issue 4: 100,000
/// tasks on 1,000 slots), natively (`benches/sim.rs`) and in the page.
pub fn synthetic_100k() -> Scenario {
    Scenario {
        name: "synthetic-100k-tasks".into(),
        description: "100,000 tasks on 1,000 slots (simulator speed benchmark)".into(),
        cluster: Cluster {
            executors: Some(250),
            executor_cores: Some(4),
            executor_start_s: 0.0,
            ..Cluster::default()
        },
        jobs: vec![JobSpec {
            id: 0,
            stages: vec![StageSpec {
                id: 0,
                name: "map".into(),
                source: Source::Fixed { tasks: 100_000 },
                work: Work {
                    shuffle_write_bytes_per_task: 1 << 20,
                    ..Work::default()
                },
                ..StageSpec::default()
            }],
            ..JobSpec::default()
        }],
        ..Scenario::default()
    }
}

/// The preset named `name`.
pub fn preset(name: &str) -> Option<Scenario> {
    PRESETS
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
        .map(Preset::scenario)
}

/// Names of every preset.
pub fn names() -> Vec<&'static str> {
    PRESETS.iter().map(|p| p.name).collect()
}

// ---------------------------------------------------------------------------------------------
// The straggler article: 32 GB of gzip JSON, many small files, → ~190 GB of JSON.

/// Input files of the coalesce article: 8,192 gzip JSON files of 4 MiB (32 GiB); the article says
/// "many small files" without a count.
fn coalesce_input(dynamic_frame: bool) -> Input {
    Input {
        files: 8192,
        total_bytes: 32 * GIB,
        format: Format::Json,
        compression: Compression::Gzip,
        // 190 GB of JSON written from 32 GB of gzip JSON: the data inflates 190/32 = 5.94×.
        compression_ratio: 190.0 / 32.0,
        location: Location::S3,
        dynamic_frame,
        ..Input::default()
    }
}

fn glue_cluster(worker_type: &str, workers: u32) -> Cluster {
    Cluster {
        worker_type: Some(worker_type.into()),
        workers,
        executor_start_s: 15.0,
        ..Cluster::default()
    }
}

fn glue_spark(adaptive: bool) -> SparkConf {
    SparkConf {
        adaptive: Adaptive {
            enabled: adaptive,
            ..Adaptive::default()
        },
        dynamic_allocation: DynamicAllocation {
            enabled: true,
            min_executors: 1,
            ..DynamicAllocation::default()
        },
        ..SparkConf::default()
    }
}

fn coalesce_base(name: &str, description: &str) -> Scenario {
    Scenario {
        name: name.into(),
        description: description.into(),
        // The article gives no cluster size; 3 G.1X workers (2 executors × 4 cores) is what its
        // before/after ratio implies: one task alone ≈ 8 slots × the parallel job.
        cluster: glue_cluster("G.1X", 3),
        spark: glue_spark(false),
        rates: Rates::default(),
        driver: Driver {
            start_executors_s: 0.0,
            start_s: 30.0,
            end_s: 5.0,
        },
        ..Scenario::default()
    }
}

/// `spark.read.json(path)` → schema inference job, then `coalesce(1).write.json`.
pub fn coalesce_before() -> Scenario {
    let mut s = coalesce_base(
        "glue-coalesce-before",
        "spark.read.json over 32 GB of gzip JSON in many small files, coalesce(1), write ~190 GB of JSON (AWS Glue profiling guide, straggler example)",
    );
    let output = Work {
        output_ratio: 190.0 / 32.0,
        output_format: Format::Json,
        record_bytes: 1000.0,
        ..Work::default()
    };
    s.jobs = vec![
        JobSpec {
            id: 0,
            description: "json at <script>: schema inference".into(),
            wait_for: None,
            delay_s: 0.0,
            stages: vec![StageSpec {
                id: 0,
                name: "json at NativeMethodAccessorImpl.java:0".into(),
                source: Source::Read {
                    input: coalesce_input(false),
                },
                work: Work {
                    infer_schema: true,
                    record_bytes: 1000.0,
                    ..Work::default()
                },
                ..StageSpec::default()
            }],
        },
        JobSpec {
            id: 1,
            description: "save at <script>: coalesce(1).write.json".into(),
            wait_for: None,
            delay_s: 2.0,
            stages: vec![StageSpec {
                id: 1,
                name: "save at NativeMethodAccessorImpl.java:0".into(),
                source: Source::Read {
                    input: coalesce_input(false),
                },
                coalesce: Some(1),
                work: output,
                ..StageSpec::default()
            }],
        },
    ];
    s
}

/// `create_dynamic_frame_from_options(... 'groupFiles': 'inPartition')` → write: one stage.
pub fn coalesce_after() -> Scenario {
    let mut s = coalesce_base(
        "glue-coalesce-after",
        "the same 32 GB of gzip JSON read as a DynamicFrame with groupFiles=inPartition and written as ~190 GB of JSON by every executor (AWS Glue profiling guide, the fix)",
    );
    s.glue.group_files = true;
    s.jobs = vec![JobSpec {
        id: 0,
        description: "write_dynamic_frame.from_options: grouped read and write".into(),
        wait_for: None,
        delay_s: 0.0,
        stages: vec![StageSpec {
            id: 0,
            name: "from_options at <script>".into(),
            source: Source::Read {
                input: coalesce_input(true),
            },
            work: Work {
                output_ratio: 190.0 / 32.0,
                output_format: Format::Json,
                record_bytes: 1000.0,
                ..Work::default()
            },
            ..StageSpec::default()
        }],
    }];
    s
}

// ---------------------------------------------------------------------------------------------
// The S3 shuffle article: TPC-DS q80, 3 TB, 10 G.1X workers (64 GB disk each).

/// One sales or returns table scan of q80, column-pruned Parquet on S3, shuffled on the join keys.
fn q80_scan(id: u64, table: &str, stored_gib: f64, files: u64) -> StageSpec {
    StageSpec {
        id,
        name: format!("Scan parquet {table} → Exchange hashpartitioning"),
        parents: Vec::new(),
        source: Source::Read {
            input: Input {
                files,
                total_bytes: (stored_gib * GIB as f64) as u64,
                format: Format::Parquet,
                compression: Compression::Snappy,
                compression_ratio: 2.5,
                location: Location::S3,
                ..Input::default()
            },
        },
        coalesce: None,
        work: Work {
            shuffle_write_ratio: 1.75,
            record_bytes: 80.0,
            ..Work::default()
        },
        fitted: None,
    }
}

/// A sales ⟕ returns sort-merge join with the broadcast dimension joins and the partial
/// aggregate by store / catalog page / web site.
fn q80_join(
    id: u64,
    channel: &str,
    parents: [u64; 2],
    returns_gib: f64,
    hot_key_share: f64,
) -> StageSpec {
    StageSpec {
        id,
        name: format!("SortMergeJoin {channel}_sales ⟕ {channel}_returns → HashAggregate"),
        parents: parents.to_vec(),
        source: Source::Shuffle {
            partitions: Partitions::Conf(1),
            skew: Skew {
                hot_key_share,
                ..Skew::default()
            },
            join: true,
            small_side: Some(SmallSide {
                stage: parents[1],
                bytes: (returns_gib * GIB as f64) as u64,
            }),
            adaptive: true,
        },
        coalesce: None,
        work: Work {
            sort: true,
            aggregate: true,
            broadcast_joins: 4,
            buffers: true,
            shuffle_write_bytes_per_task: 256 << 10,
            record_bytes: 80.0,
            ..Work::default()
        },
        fitted: None,
    }
}

fn q80(storage: ShuffleStorage) -> Scenario {
    let (name, description) = match storage {
        ShuffleStorage::Local => (
            "q80-local-shuffle",
            "TPC-DS q80 (3 TB) on 10 G.1X workers with shuffle files and spill on each worker's 64 GB local disk (AWS big data blog, S3 shuffle article)",
        ),
        ShuffleStorage::S3 => (
            "q80-s3-shuffle",
            "TPC-DS q80 (3 TB) on 10 G.1X workers with --write-shuffle-files-to-s3 and --write-shuffle-spills-to-s3 (AWS big data blog, S3 shuffle article)",
        ),
    };
    let mut jobs = Vec::new();
    // Partition discovery of the three date-partitioned sales tables (one listing job).
    jobs.push(JobSpec {
        id: 0,
        description: "Listing leaf files and directories for 5478 paths".into(),
        wait_for: None,
        delay_s: 0.0,
        stages: vec![StageSpec {
            id: 0,
            name: "parquet at <script>: partition discovery".into(),
            source: Source::Fixed { tasks: 5478 },
            ..StageSpec::default()
        }],
    });
    // Broadcast builds of the dimension tables, submitted together.
    let dims: [(&str, f64); 6] = [
        ("date_dim", 0.01),
        ("store", 0.001),
        ("catalog_page", 0.005),
        ("web_site", 0.0005),
        ("item", 0.05),
        ("promotion", 0.001),
    ];
    for (i, (table, gib)) in dims.iter().enumerate() {
        let id = 1 + i as u64;
        jobs.push(JobSpec {
            id,
            description: format!("broadcast exchange: {table}"),
            wait_for: Some(vec![0]),
            delay_s: 0.5,
            stages: vec![StageSpec {
                id,
                name: format!("Scan parquet {table} → BroadcastExchange"),
                source: Source::Read {
                    input: Input {
                        files: 1,
                        total_bytes: (gib * GIB as f64) as u64,
                        format: Format::Parquet,
                        compression: Compression::Snappy,
                        compression_ratio: 2.5,
                        ..Input::default()
                    },
                },
                work: Work {
                    broadcast: true,
                    ..Work::default()
                },
                ..StageSpec::default()
            }],
        });
    }
    // The query: stage ids in the order Spark's DAGScheduler creates them (depth first).
    let stages = vec![
        q80_scan(7, "store_sales", 120.0, 4000),
        q80_scan(8, "store_returns", 13.0, 1800),
        q80_join(9, "store", [7, 8], 13.0, 0.0),
        q80_scan(10, "catalog_sales", 84.0, 4000),
        q80_scan(11, "catalog_returns", 9.0, 1800),
        q80_join(12, "catalog", [10, 11], 9.0, 0.0),
        q80_scan(13, "web_sales", 42.0, 1800),
        q80_scan(14, "web_returns", 4.5, 1800),
        q80_join(15, "web", [13, 14], 4.5, 0.0),
        StageSpec {
            id: 16,
            name: "HashAggregate ssr ∪ csr ∪ wsr → Expand (rollup) → HashAggregate".into(),
            parents: vec![9, 12, 15],
            source: Source::Shuffle {
                partitions: Partitions::Conf(3),
                skew: Skew::default(),
                join: false,
                small_side: None,
                adaptive: true,
            },
            work: Work {
                aggregate: true,
                buffers: true,
                shuffle_write_bytes_per_task: 64 << 10,
                ..Work::default()
            },
            ..StageSpec::default()
        },
        StageSpec {
            id: 17,
            name: "HashAggregate (rollup) → TakeOrderedAndProject".into(),
            parents: vec![16],
            source: Source::Shuffle {
                partitions: Partitions::Conf(1),
                skew: Skew::default(),
                join: false,
                small_side: None,
                adaptive: true,
            },
            work: Work {
                aggregate: true,
                sort: true,
                buffers: true,
                ..Work::default()
            },
            ..StageSpec::default()
        },
    ];
    jobs.push(JobSpec {
        id: 7,
        description: "q80.sql: collect".into(),
        wait_for: None,
        delay_s: 3.0,
        stages,
    });
    Scenario {
        name: name.into(),
        description: description.into(),
        cluster: Cluster {
            // The article: 10 G.1X workers, 64 GB of disk each (640 GB in all); 12 GiB of each
            // is assumed taken by the system image, Spark, Glue and logs (fitted: see the docs).
            disk_bytes_per_worker: Some(52 * GIB),
            ..glue_cluster("G.1X", 10)
        },
        // Glue 2.0 ran Spark 2.4.3: no adaptive query execution.
        spark: glue_spark(false),
        glue: GlueConf {
            shuffle_storage: storage,
            spill_to_s3: storage == ShuffleStorage::S3,
            ..GlueConf::default()
        },
        driver: Driver {
            start_executors_s: 0.0,
            start_s: 30.0,
            end_s: 5.0,
        },
        jobs,
        ..Scenario::default()
    }
}

fn q80_local() -> Scenario {
    q80(ShuffleStorage::Local)
}

fn q80_s3() -> Scenario {
    q80(ShuffleStorage::S3)
}
