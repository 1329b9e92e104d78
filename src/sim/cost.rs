//! What one task costs: the time of each of its steps from the rate constants, the bandwidth it
//! gets from its worker, and its memory (spill). Steps run one after another in the task's thread,
//! so their times add up.

use super::rates::Rates;
use super::scenario::{Location, ShuffleStorage, Source, StageSpec};

/// The data one task handles.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TaskData {
    /// Input bytes as stored.
    pub input_bytes: u64,
    /// Input file pieces opened.
    pub files: u64,
    /// Shuffle bytes read.
    pub shuffle_read_bytes: u64,
    /// Shuffle blocks fetched (one per map output read).
    pub shuffle_blocks: u64,
    /// Shuffle bytes written.
    pub shuffle_write_bytes: u64,
    /// Output bytes written.
    pub output_bytes: u64,
    /// Fitted work seconds (calibrated stages), else none.
    pub work_s: Option<f64>,
}

/// The environment a task runs in.
#[derive(Clone, Copy, Debug)]
pub struct Env<'a> {
    /// Rate constants.
    pub rates: &'a Rates,
    /// Network bandwidth of a worker, bytes/s.
    pub network_bytes_per_s: f64,
    /// Disk bandwidth of a worker, bytes/s.
    pub disk_bytes_per_s: f64,
    /// Shuffle storage.
    pub storage: ShuffleStorage,
    /// Spill goes to S3 (Glue `--write-shuffle-spills-to-s3`).
    pub spill_to_s3: bool,
    /// Execution memory of one task, bytes.
    pub task_memory_bytes: f64,
    /// Share of a reduce task's shuffle bytes that are on its own worker.
    pub local_shuffle_share: f64,
}

/// A task's time and metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TaskCost {
    /// Wall time, seconds (overhead and warm-up excluded).
    pub work_s: f64,
    /// CPU part, seconds.
    pub cpu_s: f64,
    /// Waiting for shuffle fetches, seconds.
    pub fetch_wait_s: f64,
    /// Writing shuffle files, seconds.
    pub shuffle_write_s: f64,
    /// Bytes spilled from memory (deserialized).
    pub memory_spill_bytes: u64,
    /// Bytes spilled to disk (serialized).
    pub disk_spill_bytes: u64,
    /// Peak execution memory, bytes.
    pub peak_memory_bytes: u64,
    /// Local disk bytes it needs while running (spill) beyond its shuffle output.
    pub local_spill_bytes: u64,
}

/// Uncompressed bytes per stored byte of a stage's input.
pub fn expansion(stage: &StageSpec) -> f64 {
    match &stage.source {
        Source::Read { input } => input.compression_ratio.max(1e-9),
        _ => 1.0,
    }
}

fn per(bytes: f64, rate: f64) -> f64 {
    if bytes <= 0.0 {
        0.0
    } else {
        bytes / rate.max(1.0)
    }
}

/// Shuffle I/O time of a task with `storage` (read and write), seconds.
pub fn shuffle_io_s(env: &Env, d: &TaskData, storage: ShuffleStorage, k: f64) -> (f64, f64) {
    let r = env.rates;
    let net = env.network_bytes_per_s / k;
    let disk = env.disk_bytes_per_s / k;
    let sr = d.shuffle_read_bytes as f64;
    let sw = d.shuffle_write_bytes as f64;
    match storage {
        ShuffleStorage::Local => {
            let local = sr * env.local_shuffle_share;
            let read = per(local, disk) + per(sr - local, net.min(env.disk_bytes_per_s));
            (read, per(sw, disk))
        }
        ShuffleStorage::S3 => {
            let bw = r.s3_shuffle_bytes_per_s.min(net);
            let read = if sr > 0.0 {
                d.shuffle_blocks as f64 * r.s3_shuffle_request_latency_s + per(sr, bw)
            } else {
                0.0
            };
            // A map task writes one data file and one index file.
            let write = if sw > 0.0 {
                2.0 * r.s3_shuffle_request_latency_s + per(sw, bw)
            } else {
                0.0
            };
            (read, write)
        }
    }
}

/// Spill of a task: (memory spill, disk spill, peak memory) bytes.
pub fn spill(env: &Env, stage: &StageSpec, d: &TaskData) -> (u64, u64, u64) {
    let w = &stage.work;
    let rows = d.input_bytes as f64 * expansion(stage) + d.shuffle_read_bytes as f64;
    if !w.buffers {
        // Streaming: rows pass through a bounded batch.
        let peak = rows.min(64.0 * 1048576.0).min(env.task_memory_bytes);
        return (0, 0, peak.max(0.0) as u64);
    }
    let e = w.memory_expansion.unwrap_or(env.rates.memory_expansion);
    let buffered = rows * e;
    let m = env.task_memory_bytes.max(1.0);
    let mem_spill = (buffered - m).max(0.0);
    let ratio = stage
        .fitted
        .as_ref()
        .map(|f| f.spill_disk_ratio)
        .filter(|r| *r > 0.0)
        .unwrap_or(env.rates.spill_disk_ratio);
    (
        mem_spill as u64,
        (mem_spill * ratio) as u64,
        buffered.min(m) as u64,
    )
}

/// Time to spill and read back, seconds.
pub fn spill_s(env: &Env, mem_spill: u64, disk_spill: u64, k: f64) -> f64 {
    if mem_spill == 0 {
        return 0.0;
    }
    let r = env.rates;
    let cpu = per(mem_spill as f64, r.spill_serialize_bytes_per_s);
    let io = if env.spill_to_s3 && env.storage == ShuffleStorage::S3 {
        let bw = r.s3_shuffle_bytes_per_s.min(env.network_bytes_per_s / k);
        let files = (mem_spill as f64 / env.task_memory_bytes.max(1.0)).ceil();
        2.0 * files * r.s3_shuffle_request_latency_s + 2.0 * per(disk_spill as f64, bw)
    } else {
        2.0 * per(disk_spill as f64, env.disk_bytes_per_s / k)
    };
    cpu + io
}

/// The cost of one task of `stage` on a worker running `k` tasks (this one included).
pub fn task_cost(env: &Env, stage: &StageSpec, d: &TaskData, k: u32) -> TaskCost {
    let r = env.rates;
    let k = k.max(1) as f64;
    let w = &stage.work;
    let (mem_spill, disk_spill, peak) = spill(env, stage, d);
    let spill_time = spill_s(env, mem_spill, disk_spill, k);
    let local_spill = if env.spill_to_s3 && env.storage == ShuffleStorage::S3 {
        0
    } else {
        disk_spill
    };
    let (sr_io, sw_io) = shuffle_io_s(env, d, env.storage, k);
    if let (Some(work), Some(_)) = (d.work_s, stage.fitted.as_ref()) {
        // Calibrated: the measured work ran with local shuffle files; add the difference a change
        // of storage makes, and the modelled spill.
        let (lr, lw) = shuffle_io_s(env, d, ShuffleStorage::Local, k);
        let delta = (sr_io - lr) + (sw_io - lw);
        // Not clamped: a replayed task may be shorter than the fitted fixed time; the engine
        // clamps the whole duration.
        let total = work + delta + spill_time;
        return TaskCost {
            work_s: total,
            cpu_s: (work * 0.8).max(0.0),
            fetch_wait_s: sr_io.min(total.max(0.0)),
            shuffle_write_s: sw_io.min(total.max(0.0)),
            memory_spill_bytes: mem_spill,
            disk_spill_bytes: disk_spill,
            peak_memory_bytes: peak,
            local_spill_bytes: local_spill,
        };
    }
    let input = d.input_bytes as f64;
    let sr = d.shuffle_read_bytes as f64;
    let sw = d.shuffle_write_bytes as f64;
    let out = d.output_bytes as f64;
    let net = env.network_bytes_per_s / k;
    let mut io = 0.0;
    let mut cpu = 0.0;
    let mut rows = sr;
    if let Source::Read { input: inp } = &stage.source {
        let u = input * inp.compression_ratio.max(1e-9);
        rows += u;
        if inp.location == Location::S3 && d.files > 0 {
            io += d.files as f64 * r.s3_request_latency_s
                + per(input, r.s3_read_bytes_per_s.min(net));
        }
        if let Some(rate) = r.decompress_bytes_per_s(inp.compression) {
            cpu += per(u, rate);
        }
        cpu += if w.infer_schema {
            per(u, r.json_infer_bytes_per_s)
        } else {
            per(u, r.parse_bytes_per_s(inp.format))
        };
    }
    cpu += per(sr, r.shuffle_deserialize_bytes_per_s);
    if w.sort {
        cpu += per(rows, r.sort_bytes_per_s);
    }
    if w.aggregate {
        cpu += per(rows, r.aggregate_bytes_per_s);
    }
    cpu += w.broadcast_joins as f64 * per(rows, r.broadcast_join_bytes_per_s);
    cpu += per(sw, r.shuffle_serialize_bytes_per_s);
    if out > 0.0 {
        cpu += per(out, r.serialize_bytes_per_s(w.output_format));
        io += w.output_files_per_task as f64 * r.s3_request_latency_s
            + per(out, r.s3_write_bytes_per_s.min(net));
    }
    let total = io + cpu + sr_io + sw_io + spill_time;
    TaskCost {
        work_s: total,
        cpu_s: cpu + per(mem_spill as f64, r.spill_serialize_bytes_per_s),
        fetch_wait_s: sr_io,
        shuffle_write_s: sw_io,
        memory_spill_bytes: mem_spill,
        disk_spill_bytes: disk_spill,
        peak_memory_bytes: peak,
        local_spill_bytes: local_spill,
    }
}
