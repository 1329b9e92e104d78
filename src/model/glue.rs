//! AWS Glue worker types and pricing.
//!
//! Source: AWS Glue Developer Guide, "AWS Glue worker types"
//! (<https://docs.aws.amazon.com/glue/latest/dg/worker-types.html>: DPU, vCPUs, memory, disk and
//! the approximately free disk of G.1X … G.16X; G.025X: 0.25 DPU, 2 vCPUs, 4 GB — its disk, 84 GB
//! with about 34 GB free, is not confirmed by the pages retrieved, where the AWS CDK reference
//! still gives 64 GB) and the AWS Glue pricing page ($0.44 per DPU-hour for Spark jobs in most
//! regions). Older workers had smaller disks (G.1X: 64 GB, G.2X: 128 GB in
//! the 2020–2021 documentation and the S3-shuffle article); the simulator's q80 presets use the
//! article's figure explicitly.

/// One AWS Glue worker type.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WorkerType {
    /// Name as Glue spells it (`G.1X`).
    pub name: &'static str,
    /// Data processing units billed per worker.
    pub dpu: f64,
    /// vCPUs (Spark task slots of its one executor).
    pub vcpu: u32,
    /// Memory, bytes.
    pub memory_bytes: u64,
    /// Local disk, bytes.
    pub disk_bytes: u64,
    /// Local disk free for shuffle files and spill ("approximately … free"), bytes.
    pub disk_free_bytes: u64,
}

const GIB: u64 = 1 << 30;

/// Glue worker types, smallest first.
pub const WORKER_TYPES: [WorkerType; 7] = [
    WorkerType {
        name: "G.025X",
        dpu: 0.25,
        vcpu: 2,
        memory_bytes: 4 * GIB,
        disk_bytes: 84 * GIB,
        disk_free_bytes: 34 * GIB,
    },
    WorkerType {
        name: "G.1X",
        dpu: 1.0,
        vcpu: 4,
        memory_bytes: 16 * GIB,
        disk_bytes: 94 * GIB,
        disk_free_bytes: 44 * GIB,
    },
    WorkerType {
        name: "G.2X",
        dpu: 2.0,
        vcpu: 8,
        memory_bytes: 32 * GIB,
        disk_bytes: 138 * GIB,
        disk_free_bytes: 78 * GIB,
    },
    WorkerType {
        name: "G.4X",
        dpu: 4.0,
        vcpu: 16,
        memory_bytes: 64 * GIB,
        disk_bytes: 256 * GIB,
        disk_free_bytes: 230 * GIB,
    },
    WorkerType {
        name: "G.8X",
        dpu: 8.0,
        vcpu: 32,
        memory_bytes: 128 * GIB,
        disk_bytes: 512 * GIB,
        disk_free_bytes: 485 * GIB,
    },
    WorkerType {
        name: "G.12X",
        dpu: 12.0,
        vcpu: 48,
        memory_bytes: 192 * GIB,
        disk_bytes: 768 * GIB,
        disk_free_bytes: 741 * GIB,
    },
    WorkerType {
        name: "G.16X",
        dpu: 16.0,
        vcpu: 64,
        memory_bytes: 256 * GIB,
        disk_bytes: 1024 * GIB,
        disk_free_bytes: 996 * GIB,
    },
];

/// Default price of one DPU-hour, US dollars (AWS Glue pricing, Spark jobs).
pub const DEFAULT_PRICE_PER_DPU_HOUR: f64 = 0.44;

/// The worker type named `name` (case-insensitive, `G.1X` or `g1x`).
pub fn worker_type(name: &str) -> Option<&'static WorkerType> {
    let norm = |s: &str| s.to_ascii_uppercase().replace('.', "");
    let want = norm(name);
    WORKER_TYPES.iter().find(|w| norm(w.name) == want)
}

/// The setting that sets Glue's skew factor (observability metrics).
pub const SKEWNESS_FACTOR_KEY: &str =
    "spark.metrics.conf.driver.source.glue.jobPerformance.skewnessFactor";
/// Glue's skew factor when the run does not set it.
pub const DEFAULT_SKEWNESS_FACTOR: f64 = 5.0;

/// The skew factor Glue scored the run's skewness with: a stage scores 0 while its longest task
/// is within this many times its median, 1 at twice as many (the run's setting, else 5).
pub fn skewness_factor(config: &std::collections::BTreeMap<String, String>) -> f64 {
    config
        .get(SKEWNESS_FACTOR_KEY)
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|f| f.is_finite() && *f >= 1.0)
        .unwrap_or(DEFAULT_SKEWNESS_FACTOR)
}
