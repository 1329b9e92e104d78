//! A stage's tasks, formed when the stage is submitted (its parents' map outputs are known then,
//! as AQE needs): read partitions, coalesce, shuffle partitions with skew and AQE, fixed tasks.

use super::cluster::ClusterShape;
use super::cost::TaskData;
use super::partitioning::{self, Part};
use super::rng::SplitMix64;
use super::scenario::{Fitted, Partitions, Scenario, Source, StageSpec};

/// What a finished parent stage left for its children.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ParentOutput {
    /// Shuffle bytes written.
    pub bytes: u64,
    /// Map tasks that wrote them.
    pub map_tasks: u64,
}

/// A stage's tasks and how they were formed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StagePlan {
    /// One entry per task, in partition order.
    pub tasks: Vec<TaskData>,
    /// Partitions before `coalesce` (read partitions or reduce partitions).
    pub partitions: u64,
    /// The measured tasks are replayed (calibrated stage, unchanged partitioning).
    pub replayed: bool,
}

/// Data bytes of a task (input as stored plus shuffle read).
pub fn data_bytes(d: &TaskData) -> u64 {
    d.input_bytes + d.shuffle_read_bytes
}

/// Fills a task's writes and fitted work from its data bytes.
fn finish(stage: &StageSpec, mut d: TaskData) -> TaskData {
    let data = data_bytes(&d) as f64;
    let w = &stage.work;
    d.shuffle_write_bytes = (data * w.shuffle_write_ratio) as u64 + w.shuffle_write_bytes_per_task;
    d.output_bytes = (data * w.output_ratio) as u64;
    if let Some(f) = &stage.fitted {
        d.work_s = Some(f.s_per_byte * data + f.task_extra_s);
    }
    d
}

fn replay(f: &Fitted, blocks: u64, files: u64) -> Vec<TaskData> {
    f.measured
        .iter()
        .map(|m| TaskData {
            input_bytes: m.input_bytes,
            files: if m.input_bytes > 0 { files.max(1) } else { 0 },
            shuffle_read_bytes: m.shuffle_read_bytes,
            shuffle_blocks: if m.shuffle_read_bytes > 0 { blocks } else { 0 },
            shuffle_write_bytes: m.shuffle_write_bytes,
            output_bytes: m.output_bytes,
            work_s: Some(m.work_s),
        })
        .collect()
}

fn default_parallelism(s: &Scenario, shape: &ClusterShape) -> u64 {
    s.spark
        .default_parallelism
        .map(u64::from)
        .unwrap_or_else(|| shape.slots())
        .max(1)
}

/// What a stage's partitions are planned from: the settings that apply to its kind of source,
/// and the bytes its parents wrote. Calibration records it; while it is the same, the stage's
/// measured tasks are replayed as they ran (a change that does not touch them moves nothing).
pub fn plan_key(
    s: &Scenario,
    shape: &ClusterShape,
    stage: &StageSpec,
    parent_bytes: u64,
) -> String {
    let dp = default_parallelism(s, shape);
    let sp = &s.spark;
    match &stage.source {
        Source::Read { input } => {
            let g = &s.glue;
            format!(
                "read mpb={} oc={} dp={dp} co={:?} df={} gf={} gs={:?} gmin={} files={} bytes={}",
                sp.files_max_partition_bytes,
                sp.files_open_cost_bytes,
                stage.coalesce,
                input.dynamic_frame,
                g.group_files,
                g.group_size_bytes,
                g.auto_group_min_files,
                input.files,
                input.total_bytes
            )
        }
        Source::Shuffle {
            partitions,
            adaptive,
            join,
            ..
        } => {
            let governed = matches!(partitions, Partitions::Conf(_));
            let a = &sp.adaptive;
            let aqe = if governed && *adaptive && a.enabled {
                format!(
                    "aqe={},{},{},{},{},{},{},{:016x}",
                    a.coalesce_partitions,
                    a.parallelism_first,
                    a.advisory_partition_bytes,
                    a.min_partition_bytes,
                    a.skew_join && *join,
                    a.skewed_partition_threshold_bytes,
                    dp,
                    a.skewed_partition_factor.to_bits()
                )
            } else {
                "aqe=off".to_string()
            };
            let n = match partitions {
                Partitions::Conf(k) => format!("conf={}x{k}", sp.shuffle_partitions),
                Partitions::Fixed(n) => format!("fixed={n}"),
            };
            format!(
                "shuffle {n} {aqe} co={:?} in={parent_bytes}",
                stage.coalesce
            )
        }
        Source::Fixed { tasks } => format!("fixed {tasks}"),
    }
}

/// Plans the tasks of `stage`.
#[inline(never)]
pub fn plan_stage(
    s: &Scenario,
    shape: &ClusterShape,
    stage: &StageSpec,
    parents: &[ParentOutput],
    rng: &mut SplitMix64,
) -> StagePlan {
    let measured_n = stage.fitted.as_ref().map_or(0, |f| f.measured.len() as u64);
    let default_parallelism = default_parallelism(s, shape);
    let mut plan = plan_model(
        s,
        shape,
        stage,
        parents,
        rng,
        measured_n,
        default_parallelism,
    );
    if let Some(f) = &stage.fitted {
        let parent_bytes: u64 = parents.iter().map(|p| p.bytes).sum();
        if !plan.replayed
            && measured_n > 0
            && f.plan_key.as_deref() == Some(plan_key(s, shape, stage, parent_bytes).as_str())
        {
            let blocks: u64 = parents.iter().map(|p| p.map_tasks).sum();
            let files = match &stage.source {
                Source::Read { input } => input.files / measured_n,
                _ => 0,
            };
            plan.tasks = replay(f, blocks, files);
            plan.replayed = true;
        }
    }
    plan
}

/// The stage's tasks as the model plans them (replayed when the plan gives the measured count).
fn plan_model(
    s: &Scenario,
    shape: &ClusterShape,
    stage: &StageSpec,
    parents: &[ParentOutput],
    rng: &mut SplitMix64,
    measured_n: u64,
    default_parallelism: u64,
) -> StagePlan {
    match &stage.source {
        Source::Read { input } => {
            let sizes = if input.file_sizes.is_empty() {
                partitioning::file_sizes(input.files, input.total_bytes, input.size_cv, rng)
            } else {
                input.file_sizes.clone()
            };
            let total: u64 = sizes.iter().sum();
            let grouped = input.dynamic_frame
                && (s.glue.group_files || sizes.len() as u64 > s.glue.auto_group_min_files);
            let parts = if grouped {
                let g = s
                    .glue
                    .group_size_bytes
                    .unwrap_or_else(|| partitioning::glue_default_group_size(total, shape.slots()));
                partitioning::glue_groups(&sizes, g)
            } else {
                partitioning::spark_file_partitions(
                    &sizes,
                    input.compression.splittable(),
                    s.spark.files_max_partition_bytes,
                    s.spark.files_open_cost_bytes,
                    default_parallelism,
                )
            };
            let n_parts = parts.len() as u64;
            let merged = match stage.coalesce {
                Some(n) => partitioning::coalesce(
                    &parts,
                    n as u64,
                    |a, b| Part {
                        bytes: a.bytes + b.bytes,
                        files: a.files + b.files,
                    },
                    Part::default(),
                ),
                None => parts,
            };
            if let Some(f) = &stage.fitted {
                if merged.len() as u64 == measured_n && measured_n > 0 {
                    let files = merged.iter().map(|p| p.files).sum::<u64>() / measured_n.max(1);
                    return StagePlan {
                        tasks: replay(f, 0, files),
                        partitions: n_parts,
                        replayed: true,
                    };
                }
            }
            StagePlan {
                tasks: merged
                    .iter()
                    .map(|p| {
                        finish(
                            stage,
                            TaskData {
                                input_bytes: p.bytes,
                                files: p.files,
                                ..TaskData::default()
                            },
                        )
                    })
                    .collect(),
                partitions: n_parts,
                replayed: false,
            }
        }
        Source::Shuffle {
            partitions,
            skew,
            join,
            adaptive,
            ..
        } => {
            let (n, governed, groups) = match *partitions {
                Partitions::Conf(k) => {
                    let k = k.max(1);
                    (s.spark.shuffle_partitions.max(1) as u64, true, k as usize)
                }
                Partitions::Fixed(n) => (n.max(1), false, 1),
            };
            // A union of `groups` shuffles (one per parent) or one co-partitioned read.
            let union = groups > 1 && groups == parents.len();
            let groups = if union { groups } else { 1 };
            let weights = partitioning::shuffle_weights(n, skew, rng);
            let mut sizes: Vec<f64> = Vec::with_capacity(n as usize * groups);
            let mut blocks_per_group: Vec<u64> = Vec::with_capacity(groups);
            if union {
                for p in parents {
                    sizes.extend(weights.iter().map(|w| w * p.bytes as f64));
                    blocks_per_group.push(p.map_tasks);
                }
            } else {
                let mut total: u64 = parents.iter().map(|p| p.bytes).sum();
                if total == 0 {
                    // Parents not simulated (skipped in the measured run): the measured bytes.
                    total = stage
                        .fitted
                        .as_ref()
                        .map_or(0, |f| f.measured.iter().map(|m| m.shuffle_read_bytes).sum());
                }
                sizes.extend(weights.iter().map(|w| w * total as f64));
                blocks_per_group.push(parents.iter().map(|p| p.map_tasks).sum());
            }
            let aqe_on = governed && *adaptive && s.spark.adaptive.enabled;
            let mut aqe = s.spark.adaptive.clone();
            aqe.enabled = aqe_on;
            let per_group = n as usize;
            let mut tasks = Vec::new();
            for g in 0..groups {
                let slice = &sizes[g * per_group..(g + 1) * per_group];
                let blocks = blocks_per_group.get(g).copied().unwrap_or(0);
                for r in partitioning::reduce_tasks(slice, &aqe, *join, default_parallelism, 1) {
                    tasks.push(finish(
                        stage,
                        TaskData {
                            shuffle_read_bytes: r.bytes.round() as u64,
                            shuffle_blocks: ((blocks as f64) * r.map_share).ceil() as u64,
                            ..TaskData::default()
                        },
                    ));
                }
            }
            let total_blocks: u64 = blocks_per_group.iter().sum::<u64>().max(1);
            if let Some(f) = &stage.fitted {
                if tasks.len() as u64 == measured_n && measured_n > 0 {
                    return StagePlan {
                        tasks: replay(f, total_blocks / groups as u64, 0),
                        partitions: n * groups as u64,
                        replayed: true,
                    };
                }
            }
            StagePlan {
                tasks,
                partitions: n * groups as u64,
                replayed: false,
            }
        }
        Source::Fixed { tasks } => {
            let n = (*tasks).max(1);
            if let Some(f) = &stage.fitted {
                if n == measured_n {
                    return StagePlan {
                        tasks: replay(f, 0, 0),
                        partitions: n,
                        replayed: true,
                    };
                }
            }
            let parent_bytes: u64 = parents.iter().map(|p| p.bytes).sum();
            let blocks: u64 = parents.iter().map(|p| p.map_tasks).sum();
            StagePlan {
                tasks: (0..n)
                    .map(|i| {
                        let sr = parent_bytes / n + u64::from(i < parent_bytes % n);
                        finish(
                            stage,
                            TaskData {
                                shuffle_read_bytes: sr,
                                shuffle_blocks: if sr > 0 { blocks } else { 0 },
                                ..TaskData::default()
                            },
                        )
                    })
                    .collect(),
                partitions: n,
                replayed: false,
            }
        }
    }
}
