//! The cluster a scenario describes, resolved to numbers: executors, slots, memory, disks.

use super::scenario::{Scenario, SparkConf};
use crate::model::glue::{self, WorkerType};

const GIB: u64 = 1 << 30;

/// Executor heap Glue gives one DPU of a G worker: 10 GiB of a G.1X worker's 16 GB (assumption:
/// Glue's launch configuration, scaled by DPU for larger workers; see docs/simulator.md).
pub const GLUE_EXECUTOR_HEAP_PER_DPU_BYTES: u64 = 10 * GIB;

/// Smallest executor heap Spark accepts: 1.5 × its 300 MiB of reserved memory
/// (`UnifiedMemoryManager`: "System memory … must be at least 471859200").
pub const MIN_HEAP_BYTES: u64 = 450 << 20;

/// The resolved cluster.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterShape {
    /// The Glue worker type, if any.
    pub worker_type: Option<&'static WorkerType>,
    /// Glue workers (driver included); plain clusters: the workers hosting executors.
    pub workers: u32,
    /// Executors at full size (the cluster's capacity; dynamic allocation moves below it).
    pub executors: u32,
    /// Executors per worker.
    pub executors_per_worker: u32,
    /// Task slots per executor.
    pub cores: u32,
    /// Executor heap, bytes.
    pub heap_bytes: u64,
    /// Spark's unified (execution + storage) memory of one executor, bytes.
    pub unified_memory_bytes: u64,
    /// Local disk per worker for shuffle files and spill, bytes.
    pub disk_bytes: u64,
    /// Tasks run in the driver (local mode).
    pub local_mode: bool,
}

impl ClusterShape {
    /// Total task slots at full size.
    pub fn slots(&self) -> u64 {
        self.executors as u64 * self.cores as u64
    }

    /// The worker an executor (0-based index) lives on.
    pub fn worker_of(&self, executor: usize) -> usize {
        executor / self.executors_per_worker.max(1) as usize
    }

    /// Execution memory one task may use (unified memory shared by the executor's slots), bytes.
    pub fn task_memory_bytes(&self) -> f64 {
        self.unified_memory_bytes as f64 / self.cores.max(1) as f64
    }
}

/// Spark's unified memory of an executor: (heap − reserved) × `spark.memory.fraction`.
pub fn unified_memory(heap_bytes: u64, spark: &SparkConf) -> u64 {
    let usable = heap_bytes.saturating_sub(spark.reserved_memory_bytes) as f64;
    (usable * spark.memory_fraction.clamp(0.0, 1.0)) as u64
}

/// Resolves the scenario's cluster. Errors name the field at fault.
pub fn resolve(s: &Scenario) -> Result<ClusterShape, String> {
    let c = &s.cluster;
    let wt = match &c.worker_type {
        Some(name) => Some(glue::worker_type(name).ok_or_else(|| {
            let known: Vec<&str> = glue::WORKER_TYPES.iter().map(|w| w.name).collect();
            format!(
                "cluster.worker_type: unknown Glue worker type {name:?} (known: {})",
                known.join(", ")
            )
        })?),
        None => None,
    };
    let per_worker = c.executors_per_worker.max(1);
    let executors = match (c.executors, wt) {
        (Some(n), _) => n,
        (None, Some(_)) => c.workers.saturating_sub(1) * per_worker,
        (None, None) => c.workers * per_worker,
    };
    if c.local_mode {
        // Local mode: one "executor" (the driver).
    } else if executors == 0 {
        return Err(
            "cluster: no executors (Glue needs at least 2 workers: one runs the driver)".into(),
        );
    }
    let executors = if c.local_mode { 1 } else { executors };
    let cores = c
        .executor_cores
        .or_else(|| wt.map(|w| (w.vcpu / per_worker).max(1)))
        .unwrap_or(1)
        .max(1);
    let heap_bytes = c
        .executor_memory_bytes
        .or_else(|| {
            wt.map(|w| (GLUE_EXECUTOR_HEAP_PER_DPU_BYTES as f64 * w.dpu / per_worker as f64) as u64)
        })
        .unwrap_or(GIB);
    if let Some(h) = c.executor_memory_bytes {
        if h < MIN_HEAP_BYTES {
            return Err(format!(
                "cluster.executor_memory_bytes: {h} is below Spark's minimum executor heap ({MIN_HEAP_BYTES} bytes, 450 MiB)"
            ));
        }
    }
    let disk_bytes = c
        .disk_bytes_per_worker
        .or_else(|| wt.map(|w| w.disk_free_bytes))
        .unwrap_or(100 * GIB);
    let workers = if wt.is_some() {
        c.workers.max(executors.div_ceil(per_worker) + 1)
    } else {
        executors.div_ceil(per_worker).max(1)
    };
    Ok(ClusterShape {
        worker_type: wt,
        workers,
        executors,
        executors_per_worker: per_worker,
        cores,
        heap_bytes,
        unified_memory_bytes: unified_memory(heap_bytes, &s.spark),
        disk_bytes,
        local_mode: c.local_mode,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glue_g1x() {
        let mut s = Scenario::default();
        s.cluster.worker_type = Some("G.1X".into());
        s.cluster.workers = 10;
        let c = resolve(&s).unwrap();
        assert_eq!(c.executors, 9);
        assert_eq!(c.cores, 4);
        assert_eq!(c.slots(), 36);
        assert_eq!(c.heap_bytes, 10 * GIB);
        s.cluster.worker_type = Some("G.9X".into());
        assert!(resolve(&s).unwrap_err().contains("G.1X"));
    }
}
