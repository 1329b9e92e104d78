//! The four presets against the background articles' figures (±20%), and what their four
//! profile views show.
#![cfg(not(target_arch = "wasm32"))]

use runlens::analysis::profiles::{profiles, View};
use runlens::analysis::{self, straggler::Cause};
use runlens::model::{metrics, Run, RunStatus, SourceFormat, StageStatus, TaskStatus};
use runlens::sim::{presets, simulate};

const GIB: f64 = (1u64 << 30) as f64;

fn run_of(name: &str) -> Run {
    simulate(&presets::preset(name).expect("preset exists")).expect("simulates")
}

fn within(value: f64, target: f64, tolerance: f64) -> bool {
    (value - target).abs() <= tolerance * target
}

fn completed_stages(run: &Run) -> usize {
    run.stages
        .iter()
        .filter(|s| s.status == StageStatus::Complete)
        .count()
}

fn simulated_shape(run: &Run) {
    assert!(run.meta.simulated);
    assert_eq!(run.meta.source_format, SourceFormat::Simulator);
    assert_eq!(
        run.meta.memory_source,
        runlens::model::MemorySource::Simulated
    );
    for e in run.worker_executors() {
        let s = run
            .series(&metrics::heap_used(&e.id))
            .unwrap_or_else(|| panic!("heap series of executor {}", e.id));
        assert_eq!(s.source, runlens::model::SeriesSource::Simulated);
    }
    // The four views, each with data (simulated runs have no CPU load).
    let views = profiles(run, 0.0);
    assert_eq!(views.len(), runlens::analysis::profiles::View::ALL.len());
    for v in &views {
        if v.view != View::Shuffle && v.view != View::Cpu {
            assert!(!v.lines.is_empty(), "{:?} view is empty", v.view);
        }
    }
}

/// Seconds of the run during which executor `id` had tasks running.
fn busy_between(run: &Run, id: &str, from: f64, to: f64) -> f64 {
    run.tasks
        .iter()
        .filter(|t| *t.executor_id == *id)
        .map(|t| (t.finish_s.unwrap().min(to) - t.launch_s.max(from)).max(0.0))
        .sum()
}

#[test]
fn coalesce_before_is_an_hour_with_a_lone_straggler() {
    let run = run_of("glue-coalesce-before");
    simulated_shape(&run);
    let d = run.meta.duration_s;
    assert!(within(d, 3600.0, 0.2), "≈ 1 h: {d} s");
    assert_eq!(run.meta.status, RunStatus::Succeeded);
    // Reads by all executors in the first ~6 minutes: the first stage ends by then and every
    // executor ran its tasks.
    let first = &run.stages[0];
    assert!(
        first.completed_s.unwrap() <= 1.2 * 360.0,
        "first stage ends {:?}",
        first.completed_s
    );
    for e in run.worker_executors() {
        assert!(run
            .tasks
            .iter()
            .any(|t| *t.executor_id == *e.id && t.stage_id == first.id));
    }
    // Then one executor alone: the coalesce(1) stage has one task; the others are released.
    let last = run.stages.last().unwrap();
    assert_eq!(last.num_tasks, 1);
    assert!(last
        .rdds
        .iter()
        .any(|r| r.operation.as_deref() == Some("Coalesce")));
    let lone = run.tasks.iter().find(|t| t.stage_id == last.id).unwrap();
    assert!(lone.duration_s() > 0.8 * (d - first.completed_s.unwrap()));
    assert!(lone.output_bytes as f64 > 180.0 * GIB);
    let others: Vec<_> = run
        .worker_executors()
        .filter(|e| *e.id != *lone.executor_id)
        .collect();
    assert!(!others.is_empty());
    for e in others {
        let removed = e.removed_s.expect("idle executors are released");
        assert!(removed < lone.launch_s + 0.1 * d);
        assert_eq!(busy_between(&run, &e.id, lone.launch_s + 1.0, d), 0.0);
    }
    // The straggler: a single-partition stage, on that executor.
    let a = analysis::analyse(&run, 0.44);
    let s = a.straggler.expect("a straggler");
    assert_eq!(s.cause, Cause::SinglePartitionStage);
    assert_eq!(s.executor, &*lone.executor_id);
    // Memory: only the straggler's heap is reported after the others go.
    let late = lone.launch_s + 0.5 * (d - lone.launch_s);
    let active: Vec<_> = run
        .series
        .iter()
        .filter(|s| s.t_s.iter().any(|t| *t >= late))
        .collect();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].metric, metrics::heap_used(&lone.executor_id));
    // No shuffle.
    assert_eq!(a.totals.shuffle_write_bytes, Some(0));
}

#[test]
fn grouping_after_is_eight_minutes_one_stage_no_shuffle_no_straggler() {
    let run = run_of("glue-coalesce-after");
    simulated_shape(&run);
    let d = run.meta.duration_s;
    assert!(within(d, 480.0, 0.2), "≈ 8 min: {d} s");
    assert_eq!(run.stages.len(), 1);
    let a = analysis::analyse(&run, 0.44);
    assert!(a.straggler.is_none(), "{:?}", a.straggler);
    assert_eq!(a.totals.shuffle_write_bytes, Some(0));
    assert_eq!(a.totals.shuffle_read_bytes, Some(0));
    let shuffle = profiles(&run, 0.0)
        .into_iter()
        .find(|p| p.view == View::Shuffle)
        .unwrap();
    assert!(shuffle.note.contains("No shuffle"));
    // Every executor works until the end and is never released; reads and writes stream together.
    let stage = &run.stages[0];
    for e in run.worker_executors() {
        assert!(e.removed_s.is_none());
        assert!(
            busy_between(&run, &e.id, stage.submitted_s.unwrap(), d)
                > 0.8 * (d - stage.submitted_s.unwrap())
        );
    }
    for t in &run.tasks {
        assert!(t.input_bytes > 0 && t.output_bytes > 0);
    }
    // Memory roughly uniform across executors.
    let means: Vec<f64> = run
        .series
        .iter()
        .map(|s| s.values.iter().sum::<f64>() / s.values.len() as f64)
        .collect();
    let (lo, hi) = means
        .iter()
        .fold((f64::MAX, 0.0f64), |(l, h), m| (l.min(*m), h.max(*m)));
    assert!(hi <= 1.3 * lo, "heap means {means:?}");
}

#[test]
fn q80_local_disk_fills_after_about_85_minutes_with_13_of_18_stages() {
    let run = run_of("q80-local-shuffle");
    simulated_shape(&run);
    let d = run.meta.duration_s;
    assert!(within(d, 85.0 * 60.0, 0.2), "≈ 1 h 25 min: {d} s");
    assert_eq!(run.meta.status, RunStatus::Failed);
    let err = run.meta.error.as_deref().unwrap();
    assert!(err.contains("No space left on device"), "{err}");
    assert_eq!(completed_stages(&run), 13);
    let job = run.jobs.iter().max_by_key(|j| j.stage_ids.len()).unwrap();
    let total = run.jobs.iter().map(|j| j.stage_ids.len()).sum::<usize>();
    assert_eq!(total, 18, "{job:?}");
    let failed = run
        .tasks
        .iter()
        .filter(|t| t.status == TaskStatus::Failed)
        .collect::<Vec<_>>();
    assert!(failed.len() >= 4);
    assert!(failed.iter().all(|t| t
        .failure_reason
        .as_deref()
        .unwrap()
        .contains("No space left on device")));
    // Every worker holds more than 50 GB of shuffle files when the disks fill.
    for e in run.worker_executors() {
        let written: u64 = run
            .tasks
            .iter()
            .filter(|t| *t.executor_id == *e.id)
            .map(|t| t.shuffle_write_bytes)
            .sum();
        assert!(written as f64 > 40.0 * GIB, "executor {}: {written}", e.id);
    }
    let a = analysis::analyse(&run, 0.44);
    assert!(a.findings.iter().any(|f| f.kind == "disk-pressure"));
    assert!(a.totals.disk_spill_bytes.unwrap() > 0);
}

#[test]
fn q80_s3_shuffle_finishes_18_stages_in_about_2h53_shuffling_480_gb() {
    let run = run_of("q80-s3-shuffle");
    simulated_shape(&run);
    let d = run.meta.duration_s;
    assert!(
        within(d, 2.0 * 3600.0 + 53.0 * 60.0, 0.2),
        "≈ 2 h 53 min: {d} s"
    );
    assert_eq!(run.meta.status, RunStatus::Succeeded);
    assert_eq!(completed_stages(&run), 18);
    let a = analysis::analyse(&run, 0.44);
    let shuffled = a.totals.shuffle_write_bytes.unwrap() as f64;
    assert!(within(shuffled, 479.7 * GIB, 0.2), "{} GiB", shuffled / GIB);
    assert_eq!(a.totals.failed_tasks, Some(0));
    // Slower than local disk would be: the local run had done 13 stages when it failed.
    let local = run_of("q80-local-shuffle");
    assert!(d > local.meta.duration_s);
    assert!(run.meta.config.contains_key("--write-shuffle-files-to-s3"));
}

#[test]
fn presets_are_deterministic_and_listed() {
    assert_eq!(presets::PRESETS.len(), 5);
    for name in presets::names() {
        let s = presets::preset(name).unwrap();
        assert_eq!(simulate(&s).unwrap(), simulate(&s).unwrap());
        // Round trip through the scenario JSON.
        let back = runlens::sim::Scenario::from_json(&s.to_json()).unwrap();
        assert_eq!(back, s);
    }
    assert!(presets::preset("nope").is_none());
}
