//! Properties of the simulator over random scenarios (proptest): slots never run two tasks at
//! once, narrow stages conserve bytes, disks never overflow without the job failing, more slots
//! never slow down independent equal tasks, times are monotone, and the same seed gives the same
//! run.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use runlens::model::{RunStatus, StageStatus, TaskStatus};
use runlens::sim::scenario::*;
use runlens::sim::{engine, simulate, Scenario};

const MIB: u64 = 1 << 20;

#[derive(Clone, Debug)]
struct Params {
    seed: u64,
    executors: u32,
    cores: u32,
    dynamic: bool,
    s3: bool,
    disk_mib: u64,
    shuffle_partitions: u32,
    jobs: Vec<(u64, u64, Option<u32>, f64, f64, bool)>,
}

fn params() -> impl Strategy<Value = Params> {
    (
        any::<u64>(),
        1u32..6,
        1u32..4,
        any::<bool>(),
        any::<bool>(),
        1u64..2048,
        1u32..24,
        prop::collection::vec(
            (
                1u64..60,
                0u64..400,
                prop::option::of(1u32..6),
                0.0f64..2.0,
                0.0f64..0.9,
                any::<bool>(),
            ),
            1..4,
        ),
    )
        .prop_map(
            |(seed, executors, cores, dynamic, s3, disk_mib, shuffle_partitions, jobs)| Params {
                seed,
                executors,
                cores,
                dynamic,
                s3,
                disk_mib,
                shuffle_partitions,
                jobs,
            },
        )
}

/// Each job: a read stage (files, MiB, coalesce) writing shuffle output, then a shuffle stage
/// (skewed by a hot key) that may spill.
fn scenario(p: &Params) -> Scenario {
    let mut s = Scenario {
        seed: p.seed,
        cluster: Cluster {
            executors: Some(p.executors),
            executor_cores: Some(p.cores),
            executor_memory_bytes: Some(512 * MIB),
            disk_bytes_per_worker: Some(p.disk_mib * MIB),
            executor_start_s: 1.0,
            ..Cluster::default()
        },
        spark: SparkConf {
            shuffle_partitions: p.shuffle_partitions,
            dynamic_allocation: DynamicAllocation {
                enabled: p.dynamic,
                executor_idle_timeout_s: 2.0,
                ..DynamicAllocation::default()
            },
            ..SparkConf::default()
        },
        glue: GlueConf {
            shuffle_storage: if p.s3 {
                ShuffleStorage::S3
            } else {
                ShuffleStorage::Local
            },
            // Half the S3 cases keep spill on the local disk (Glue's default).
            spill_to_s3: p.s3 && p.seed.is_multiple_of(2),
            ..GlueConf::default()
        },
        ..Scenario::default()
    };
    for (j, &(files, mib, coalesce, ratio, hot, buffers)) in p.jobs.iter().enumerate() {
        let base = 10 * j as u64;
        s.jobs.push(JobSpec {
            id: j as u64,
            delay_s: 0.5,
            stages: vec![
                StageSpec {
                    id: base,
                    name: "read".into(),
                    source: Source::Read {
                        input: Input {
                            files,
                            total_bytes: mib * MIB,
                            format: Format::Json,
                            compression: Compression::Gzip,
                            compression_ratio: 4.0,
                            size_cv: 0.5,
                            ..Input::default()
                        },
                    },
                    coalesce,
                    work: Work {
                        shuffle_write_ratio: ratio,
                        ..Work::default()
                    },
                    ..StageSpec::default()
                },
                StageSpec {
                    id: base + 1,
                    name: "reduce".into(),
                    parents: vec![base],
                    source: Source::Shuffle {
                        partitions: Partitions::Conf(1),
                        skew: Skew {
                            hot_key_share: hot,
                            ..Skew::default()
                        },
                        join: true,
                        small_side: None,
                        adaptive: true,
                    },
                    work: Work {
                        aggregate: true,
                        buffers,
                        output_ratio: 0.5,
                        ..Work::default()
                    },
                    ..StageSpec::default()
                },
            ],
            ..JobSpec::default()
        });
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn no_slot_runs_two_tasks_at_once(p in params()) {
        let run = simulate(&scenario(&p)).unwrap();
        for e in run.executors.iter().filter(|e| !e.is_driver) {
            let mut ev: Vec<(f64, i32)> = Vec::new();
            for t in run.tasks.iter().filter(|t| *t.executor_id == *e.id) {
                ev.push((t.launch_s, 1));
                ev.push((t.finish_s.unwrap(), -1));
            }
            // Ends before starts at equal times.
            ev.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let mut running = 0;
            for (_, d) in ev {
                running += d;
                prop_assert!(running <= p.cores as i32, "executor {} ran {} tasks on {} cores", e.id, running, p.cores);
            }
        }
    }

    #[test]
    fn narrow_stages_conserve_bytes(p in params()) {
        let s = scenario(&p);
        let run = simulate(&s).unwrap();
        for (j, job) in s.jobs.iter().enumerate() {
            let read = &job.stages[0];
            let Source::Read { input } = &read.source else { unreachable!() };
            let done = |id: u64| run.stages.iter().any(|st| st.id == id && st.status == StageStatus::Complete);
            if done(read.id) {
                // Every input byte is read exactly once, whatever the packing and coalescing.
                let inp: u64 = run.tasks.iter()
                    .filter(|t| t.stage_id == read.id && t.status == TaskStatus::Success)
                    .map(|t| t.input_bytes).sum();
                prop_assert_eq!(inp, input.total_bytes, "job {}", j);
            }
            let reduce = &job.stages[1];
            if done(reduce.id) {
                let written: u64 = run.tasks.iter()
                    .filter(|t| t.stage_id == read.id && t.status == TaskStatus::Success)
                    .map(|t| t.shuffle_write_bytes).sum();
                let read_back: u64 = run.tasks.iter()
                    .filter(|t| t.stage_id == reduce.id && t.status == TaskStatus::Success)
                    .map(|t| t.shuffle_read_bytes()).sum();
                let tolerance = run.tasks.iter().filter(|t| t.stage_id == reduce.id).count() as u64;
                prop_assert!(written.abs_diff(read_back) <= tolerance, "job {j}: wrote {written}, read {read_back}");
            }
        }
    }

    #[test]
    fn disks_never_overflow_without_failing(p in params()) {
        let s = scenario(&p);
        let sim = engine::run(&s).unwrap();
        let cap = sim.disk_capacity_bytes;
        for &peak in &sim.peak_disk_bytes {
            prop_assert!(peak <= cap, "a worker held {peak} bytes on a {cap}-byte disk");
        }
        let run = runlens::sim::output::build_run(&s, &sim);
        let failed_for_space = run.tasks.iter().any(|t| t.failure_reason.as_deref().is_some_and(|r| r.contains("No space left on device")));
        if run.meta.status == RunStatus::Failed {
            prop_assert!(failed_for_space);
            prop_assert!(run.meta.error.as_deref().unwrap_or("").contains("No space left on device"));
        }
        if s.glue.shuffle_storage == ShuffleStorage::S3 && s.glue.spill_to_s3 {
            prop_assert!(!failed_for_space, "S3 shuffle and spill storage has no capacity limit");
        }
    }

    #[test]
    fn times_are_monotone(p in params()) {
        let run = simulate(&scenario(&p)).unwrap();
        let end = run.meta.duration_s;
        for t in &run.tasks {
            let f = t.finish_s.unwrap();
            prop_assert!(t.launch_s <= f && f <= end + 1e-9);
            let st = run.stages.iter().find(|s| s.id == t.stage_id).unwrap();
            prop_assert!(st.submitted_s.unwrap() <= t.launch_s + 1e-9);
            prop_assert!(f <= st.completed_s.unwrap_or(end) + 1e-9);
        }
        for st in &run.stages {
            let sub = st.submitted_s.unwrap();
            prop_assert!(sub <= st.completed_s.unwrap_or(end) + 1e-9);
            for p in &st.parent_ids {
                let parent = run.stages.iter().find(|s| s.id == *p).unwrap();
                prop_assert!(parent.completed_s.unwrap() <= sub + 1e-9);
            }
        }
        for j in &run.jobs {
            prop_assert!(j.submitted_s.unwrap() <= j.completed_s.unwrap_or(end) + 1e-9);
        }
        for e in &run.executors {
            if let (Some(a), Some(r)) = (e.added_s, e.removed_s) {
                prop_assert!(a <= r);
            }
        }
        for s in &run.series {
            prop_assert!(s.t_s.windows(2).all(|w| w[0] <= w[1]));
        }
    }

    #[test]
    fn same_seed_same_run(p in params()) {
        let s = scenario(&p);
        prop_assert_eq!(simulate(&s).unwrap(), simulate(&s).unwrap());
    }

    #[test]
    fn more_slots_never_slow_independent_equal_tasks(
        tasks in 1u64..400,
        e1 in 1u32..8,
        extra in 0u32..8,
        cores in 1u32..5,
        work_ms in 1u64..5000,
        seed in any::<u64>(),
    ) {
        let make = |executors: u32| Scenario {
            seed,
            cluster: Cluster {
                executors: Some(executors),
                executor_cores: Some(cores),
                executor_start_s: 0.0,
                ..Cluster::default()
            },
            jobs: vec![JobSpec {
                id: 0,
                stages: vec![StageSpec {
                    id: 0,
                    source: Source::Fixed { tasks },
                    fitted: Some(Fitted {
                        task_fixed_s: 0.01,
                        task_extra_s: work_ms as f64 / 1000.0,
                        ..Fitted::default()
                    }),
                    ..StageSpec::default()
                }],
                ..JobSpec::default()
            }],
            ..Scenario::default()
        };
        let small = simulate(&make(e1)).unwrap().meta.duration_s;
        let big = simulate(&make(e1 + extra)).unwrap().meta.duration_s;
        prop_assert!(big <= small + 1e-9, "{} executors: {big} s, {e1}: {small} s", e1 + extra);
    }
}
