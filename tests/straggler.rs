//! Straggler detection on synthetic runs of each shape, and no straggler on balanced ones.
#![cfg(not(target_arch = "wasm32"))]

use runlens::analysis::straggler::{detect, Cause};
use runlens::model::{
    metrics, Executor, Run, RunStatus, Series, SeriesKind, SeriesSource, SourceFormat, Stage,
    StageStatus, Task, TaskStatus, Unit,
};

struct T {
    stage: u64,
    exec: &'static str,
    start: f64,
    dur: f64,
    bytes: u64,
}

fn run(executors: &[&str], stages: &[(u64, u64)], tasks: &[T]) -> Run {
    let mut r = Run::new(SourceFormat::SparkEventLog);
    r.meta.status = RunStatus::Succeeded;
    r.meta.duration_s = tasks.iter().map(|t| t.start + t.dur).fold(0.0, f64::max) + 1.0;
    for id in executors {
        r.executors.push(Executor {
            id: id.to_string(),
            cores: Some(1),
            added_s: Some(0.0),
            ..Executor::default()
        });
    }
    for &(id, n) in stages {
        let mine: Vec<&T> = tasks.iter().filter(|t| t.stage == id).collect();
        r.stages.push(Stage {
            id,
            num_tasks: n,
            submitted_s: mine.iter().map(|t| t.start).reduce(f64::min),
            completed_s: mine.iter().map(|t| t.start + t.dur).reduce(f64::max),
            status: StageStatus::Complete,
            ..Stage::default()
        });
    }
    for (i, t) in tasks.iter().enumerate() {
        r.tasks.push(Task {
            id: i as u64,
            stage_id: t.stage,
            index: i as u64,
            executor_id: t.exec.into(),
            launch_s: t.start,
            finish_s: Some(t.start + t.dur),
            status: TaskStatus::Success,
            input_bytes: t.bytes,
            run_time_s: t.dur,
            ..Task::default()
        });
    }
    r
}

/// `n` tasks of `dur` seconds alternating over executors 1 and 2, two at a time.
fn wave(stage: u64, n: usize, start: f64, dur: f64, bytes: u64) -> Vec<T> {
    (0..n)
        .map(|i| T {
            stage,
            exec: if i % 2 == 0 { "1" } else { "2" },
            start: start + (i / 2) as f64 * dur,
            dur,
            bytes,
        })
        .collect()
}

#[test]
fn balanced_run_has_no_straggler() {
    let tasks = wave(0, 20, 0.0, 3.0, 1000);
    assert_eq!(detect(&run(&["1", "2"], &[(0, 20)], &tasks)), None);
}

#[test]
fn single_partition_tail_after_coalesce() {
    let mut tasks = wave(0, 20, 0.0, 3.0, 1000);
    tasks.push(T {
        stage: 1,
        exec: "2",
        start: 31.0,
        dur: 60.0,
        bytes: 20_000,
    });
    let s = detect(&run(&["1", "2"], &[(0, 20), (1, 1)], &tasks)).expect("a straggler");
    assert_eq!(s.executor, "2");
    assert_eq!(s.stage, Some(1));
    assert_eq!(s.task, Some(20));
    assert_eq!(s.cause, Cause::SinglePartitionStage);
    assert!((s.lone_s - 60.0).abs() < 1e-9);
    assert!(
        (s.excess_s - 30.0).abs() < 1e-9,
        "half of 60 s on two slots: {}",
        s.excess_s
    );
}

#[test]
fn skewed_partition_with_key_volume_ratio() {
    let mut tasks = wave(0, 19, 0.0, 2.0, 1_000_000);
    tasks.push(T {
        stage: 0,
        exec: "1",
        start: 0.0,
        dur: 40.0,
        bytes: 12_000_000,
    });
    let s = detect(&run(&["1", "2"], &[(0, 20)], &tasks)).expect("a straggler");
    assert_eq!(s.executor, "1");
    assert_eq!(s.cause, Cause::SkewedPartition);
    assert!((s.data_ratio.unwrap() - 12.0).abs() < 1e-9);
    assert!(s.excess_s >= 20.0, "{}", s.excess_s);
    assert!(
        s.explanation.contains("12.0× the median partition"),
        "{}",
        s.explanation
    );
}

#[test]
fn warm_up_of_first_tasks_is_not_a_straggler() {
    // The first task of each executor is slow with the same data: JIT warm-up, not skew (S1 after).
    let mut tasks = vec![
        T {
            stage: 0,
            exec: "1",
            start: 0.0,
            dur: 15.0,
            bytes: 1000,
        },
        T {
            stage: 0,
            exec: "2",
            start: 0.0,
            dur: 12.5,
            bytes: 1000,
        },
    ];
    for i in 0..8 {
        tasks.push(T {
            stage: 0,
            exec: if i % 2 == 0 { "2" } else { "1" },
            start: 15.0 + i as f64,
            dur: 1.5,
            bytes: 1000,
        });
    }
    assert_eq!(detect(&run(&["1", "2"], &[(0, 10)], &tasks)), None);
}

#[test]
fn spill_heavy_task() {
    let mut r = run(&["1", "2"], &[(0, 20)], &{
        let mut t = wave(0, 19, 0.0, 2.0, 1000);
        t.push(T {
            stage: 0,
            exec: "2",
            start: 0.0,
            dur: 40.0,
            bytes: 1000,
        });
        t
    });
    let i = r.tasks.iter().position(|t| t.duration_s() == 40.0).unwrap();
    let mut last = r.tasks.row(i);
    last.disk_spill_bytes = 5 << 30;
    r.tasks.set(i, last);
    let s = detect(&r).expect("a straggler");
    assert_eq!(s.cause, Cause::SpillGcHeavy);
    assert_eq!(s.executor, "2");
}

#[test]
fn slow_executor() {
    let mut tasks = Vec::new();
    for i in 0..6 {
        tasks.push(T {
            stage: 0,
            exec: "1",
            start: i as f64 * 2.0,
            dur: 2.0,
            bytes: 1000,
        });
    }
    for i in 0..4 {
        tasks.push(T {
            stage: 0,
            exec: "2",
            start: i as f64 * 6.0,
            dur: 6.0,
            bytes: 1000,
        });
    }
    tasks.push(T {
        stage: 0,
        exec: "2",
        start: 24.0,
        dur: 9.0,
        bytes: 1000,
    });
    tasks.push(T {
        stage: 0,
        exec: "1",
        start: 12.0,
        dur: 2.0,
        bytes: 1000,
    });
    let s = detect(&run(&["1", "2"], &[(0, 12)], &tasks)).expect("a straggler");
    assert_eq!(s.executor, "2");
    assert_eq!(s.cause, Cause::SlowExecutor);
}

#[test]
fn one_slot_has_nothing_to_compare() {
    let tasks = vec![T {
        stage: 0,
        exec: "1",
        start: 0.0,
        dur: 100.0,
        bytes: 1,
    }];
    assert_eq!(detect(&run(&["1"], &[(0, 1)], &tasks)), None);
}

#[test]
fn metrics_only_lone_executor() {
    let mut r = Run::new(SourceFormat::Cloudwatch);
    r.meta.duration_s = 3600.0;
    for id in 1..=4 {
        let id = id.to_string();
        r.executors.push(Executor {
            id: id.clone(),
            ..Executor::default()
        });
        let mut s = Series::new(
            metrics::cpu_load(&id),
            SeriesKind::Gauge,
            Unit::Ratio,
            SeriesSource::Cloudwatch,
        );
        let busy_until = if id == "3" { 3600.0 } else { 360.0 };
        let mut t = 30.0;
        while t <= 3600.0 {
            s.push(t, if t <= busy_until { 0.8 } else { 0.02 });
            t += 30.0;
        }
        r.series.push(s);
    }
    let s = detect(&r).expect("a straggler");
    assert_eq!(s.executor, "3");
    assert_eq!(s.cause, Cause::LoneExecutor);
    assert_eq!(s.task, None);
    assert!((s.lone_s - 3240.0).abs() < 1e-9);
}
