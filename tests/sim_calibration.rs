//! Calibration on the real logs of ../shared/data: the unchanged calibrated scenario reproduces
//! every measured wall time within 10%; the what-ifs of spark-local/MANIFEST.md land within 25%
//! of the measured "after" runs. Skipped, with a message, when the data folder is absent.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::path::{Path, PathBuf};

use runlens::ingest::fs::load_path;
use runlens::model::{Run, StageStatus};
use runlens::sim::{self, calibrate::calibrate, simulate};

/// Every input of ../shared/data that has tasks.
const LOGS: [&str; 9] = [
    "spark-local/app-20261121232506-0000",
    "spark-local/app-20261121232658-0000",
    "spark-local/app-20261121232835-0000",
    "spark-local/app-20261121233028-0000.lz4",
    "spark-local/app-20261121234021-0000.zstd",
    "spark-tests/app-20200706201101-0003",
    "spark-tests/application_1506645932520_24630151",
    "spark-tests/application_1553914137147_0018",
    "spark-tests/eventlog_v2_local-1766844910796",
];

fn load(dir: &Path, rel: &str) -> Run {
    let p: PathBuf = dir.join(rel);
    load_path(&p).unwrap_or_else(|e| panic!("{rel}: {e}")).run
}

fn err(predicted: f64, measured: f64) -> f64 {
    (predicted - measured) / measured
}

#[test]
fn calibrated_scenarios_reproduce_every_measured_wall_time_within_10_percent() {
    let Some(dir) = common::data_dir() else {
        return;
    };
    let mut report = Vec::new();
    for rel in LOGS {
        let run = load(&dir, rel);
        assert!(!run.tasks.is_empty(), "{rel} has tasks");
        let cal = calibrate(&run).unwrap_or_else(|e| panic!("{rel}: {e}"));
        // The scenario survives its JSON form.
        let json = cal.scenario.to_json();
        let back = sim::Scenario::from_json(&json).unwrap();
        let sim = simulate(&back).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let (m, p) = (run.meta.duration_s, sim.meta.duration_s);
        report.push(format!(
            "{rel}: measured {m:.1} s, simulated {p:.1} s ({:+.1}%)",
            100.0 * err(p, m)
        ));
        assert!(err(p, m).abs() <= 0.10, "{}", report.last().unwrap());
        // Same shape: stages, tasks, bytes.
        let done = |r: &Run| {
            r.stages
                .iter()
                .filter(|s| s.status == StageStatus::Complete)
                .count()
        };
        assert_eq!(done(&sim), done(&run), "{rel}: completed stages");
        assert_eq!(sim.tasks.len(), run.tasks.len(), "{rel}: tasks");
        let input = |r: &Run| r.tasks.iter().map(|t| t.input_bytes).sum::<u64>();
        assert_eq!(input(&sim), input(&run), "{rel}: input bytes");
    }
    eprintln!("{}", report.join("\n"));
}

#[test]
fn s1_coalesce_removed_and_packing_changed_predicts_the_after_run_within_25_percent() {
    let Some(dir) = common::data_dir() else {
        return;
    };
    let before = load(&dir, "spark-local/app-20261121232506-0000");
    let after = load(&dir, "spark-local/app-20261121232658-0000");
    let w = sim::whatif(
        &before,
        &[
            "coalesce=none",
            "spark.sql.files.maxPartitionBytes=16m",
            "spark.sql.files.openCostInBytes=64k",
        ],
    )
    .unwrap();
    let (p, m) = (w.predicted.meta.duration_s, after.meta.duration_s);
    eprintln!(
        "S1: predicted {p:.1} s, measured after {m:.1} s ({:+.1}%)",
        100.0 * err(p, m)
    );
    assert!((m - 97.4).abs() < 0.5);
    assert!(err(p, m).abs() <= 0.25);
    // The plan changed as the after run's did: 10 read partitions, no coalesce, 10 writing tasks.
    let tasks_of = |r: &Run, id: u64| r.stages.iter().find(|s| s.id == id).map(|s| s.num_tasks);
    assert_eq!(tasks_of(&w.predicted, 1), Some(10));
    assert_eq!(tasks_of(&w.predicted, 2), Some(10));
    assert_eq!(tasks_of(&w.predicted, 1), tasks_of(&after, 1));
    assert!(runlens::analysis::analyse(&w.predicted, 0.44)
        .straggler
        .is_none());
}

#[test]
fn s3_more_shuffle_partitions_removes_the_spill_and_does_not_speed_up_within_25_percent() {
    let Some(dir) = common::data_dir() else {
        return;
    };
    let before = load(&dir, "spark-local/app-20261121232835-0000");
    let after = load(&dir, "spark-local/app-20261121233028-0000.lz4");
    let w = sim::whatif(&before, &["spark.sql.shuffle.partitions=64"]).unwrap();
    let (p, m) = (w.predicted.meta.duration_s, after.meta.duration_s);
    let b = w.baseline.meta.duration_s;
    eprintln!(
        "S3: baseline {b:.1} s, predicted {p:.1} s, measured after {m:.1} s ({:+.1}%)",
        100.0 * err(p, m)
    );
    assert!((m - 136.1).abs() < 0.5);
    assert!(err(p, m).abs() <= 0.25);
    let spill = |r: &Run| {
        r.tasks
            .iter()
            .map(|t| t.memory_spill_bytes + t.disk_spill_bytes)
            .sum::<u64>()
    };
    assert!(
        spill(&w.baseline) > 0,
        "the calibrated baseline spills as measured"
    );
    assert_eq!(spill(&w.predicted), 0, "64 partitions remove the spill");
    assert!(p >= b, "the change does not speed the job up ({p} vs {b})");
    assert!(p >= before.meta.duration_s);
    assert_eq!(w.predicted.tasks.len(), after.tasks.len());
}

#[test]
fn calibration_needs_tasks() {
    let run = Run::new(runlens::model::SourceFormat::Cloudwatch);
    assert!(calibrate(&run).unwrap_err().contains("no task data"));
}

/// AQE coalescing hundreds of tiny shuffle partitions, on real pairs made for it
/// (tests/fixtures/aqe/README.md): the time those tasks spent per task (not per byte) is saved
/// when fewer, larger tasks replace them. Before tiny stages split their work, the chain pair was
/// predicted 1.14× faster against 1.80× measured.
#[test]
fn aqe_coalescing_tiny_partitions_predicts_the_measured_speed_up() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/aqe");
    for (off, on) in [
        ("chain-aqe-off.zstd", "chain-aqe-on.zstd"),
        ("one-aqe-off.zstd", "one-aqe-on.zstd"),
    ] {
        let (before, after) = (load(&dir, off), load(&dir, on));
        let w = sim::whatif(&before, &["spark.sql.adaptive.enabled=true"]).unwrap();
        let (b, p) = (w.baseline.meta.duration_s, w.predicted.meta.duration_s);
        let (mb, ma) = (before.meta.duration_s, after.meta.duration_s);
        eprintln!(
            "{off}: baseline {b:.1} s ({:+.1}%), predicted {p:.1} s, measured {ma:.1} s ({:+.1}%); speed-up predicted {:.2}×, measured {:.2}×",
            100.0 * err(b, mb),
            100.0 * err(p, ma),
            b / p,
            mb / ma
        );
        assert!(
            err(b, mb).abs() <= 0.05,
            "{off}: the baseline reproduces the run"
        );
        assert!(
            err(p, ma).abs() <= 0.10,
            "{off}: within 10 % of the measured AQE run"
        );
        assert!(
            (b / p) >= 0.85 * (mb / ma),
            "{off}: the speed-up is not under-counted"
        );
        // The coalesced stages run a few tasks each (the sort's range partitions are planned
        // from sampled keys and replayed).
        let (tp, tb) = (w.predicted.tasks.len(), before.tasks.len());
        assert!(tp * 4 < tb, "{off}: {tp} tasks predicted of {tb}");
    }
}

/// A second executor for a job whose executors' work does not decide the wall time (real runs,
/// tests/fixtures/executors/README.md): the prediction saves next to nothing, as measured.
#[test]
fn a_second_executor_for_a_driver_bound_job_saves_next_to_nothing() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/executors");
    let before = load(&dir, "driver-bound-1-executor.zstd");
    let after = load(&dir, "driver-bound-2-executors.zstd");
    let w = sim::whatif(&before, &["spark.executor.instances=2"]).unwrap();
    let (b, p) = (w.baseline.meta.duration_s, w.predicted.meta.duration_s);
    eprintln!(
        "driver-bound: baseline {b:.1} s, predicted with 2 executors {p:.1} s, measured {:.1} s then {:.1} s",
        before.meta.duration_s, after.meta.duration_s
    );
    assert!(err(b, before.meta.duration_s).abs() <= 0.05);
    assert!(
        after.meta.duration_s >= 0.95 * before.meta.duration_s,
        "the real second executor did not help"
    );
    assert!(
        p >= 0.95 * b,
        "predicted {p:.1} s against {b:.1} s: a saving the run cannot have"
    );
    let executors = |r: &Run| {
        r.tasks
            .iter()
            .map(|t| t.executor_id.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    assert_eq!(executors(&w.predicted), 2, "the prediction runs on both");
}
