//! Scale: a million tasks (and, with `RUNLENS_SCALE_TASKS`, any number) read within the model's
//! memory budget, from event logs made of real task-end lines (see `common/scale.rs`).
//!
//! The peak heap of the ingest thread is measured by this binary's allocator: that is the
//! memory a run takes while it is read, natively and (the same code) in the page's worker.
#![cfg(not(target_arch = "wasm32"))]

mod common;

#[global_allocator]
static ALLOC: common::alloc::PerThread = common::alloc::PerThread;

use common::alloc::peak_of;
use common::data_dir;
use common::scale::ScaleLog;
use runlens::ingest::Ingestor;

/// The model's budget per task, bytes (issue 9): peak heap while reading, over the tasks read.
const BYTES_PER_TASK: usize = 200;

fn base_log() -> Option<ScaleLog> {
    let dir = data_dir()?;
    let text = std::fs::read_to_string(dir.join("spark-local/app-20261121232506-0000")).ok()?;
    Some(ScaleLog::from_log(&text))
}

#[test]
fn a_million_tasks_within_200_bytes_each() {
    let Some(log) = base_log() else { return };
    let tasks: usize = std::env::var("RUNLENS_SCALE_TASKS")
        .ok()
        .and_then(|v| v.parse().ok())
        // A million in release builds; debug builds (the test suite's) parse 20× slower, and the
        // bytes per task are the same at a tenth.
        .unwrap_or(if cfg!(debug_assertions) {
            100_000
        } else {
            1_000_000
        });
    let mut bytes = 0u64;
    let (loaded, peak) = peak_of(|| {
        let mut ing = Ingestor::new("scale.log");
        log.write(tasks, &mut |b| {
            bytes += b.len() as u64;
            ing.push(b).expect("the log reads");
        });
        ing.finish().expect("a run")
    });
    let run = &loaded.run;
    assert_eq!(run.tasks.len(), tasks);
    let model = run.tasks.heap_bytes();
    eprintln!(
        "{tasks} tasks ({} real task ends, {:.0} MB of JSON): peak heap {:.1} MB = {} B/task; task store {} B/task",
        log.real_tasks(),
        bytes as f64 / 1e6,
        peak as f64 / 1e6,
        peak / tasks,
        model / tasks
    );
    assert!(
        peak <= BYTES_PER_TASK * tasks,
        "peak heap {peak} B for {tasks} tasks: {} B per task, over {BYTES_PER_TASK}",
        peak / tasks
    );
    // The analysis passes hold the run and their results, not copies of the tasks.
    let (a, peak) = peak_of(|| runlens::analysis::analyse(run, 0.44));
    eprintln!(
        "analysis: peak {:.1} MB = {} B/task",
        peak as f64 / 1e6,
        peak / tasks
    );
    assert!(a.totals.tasks.unwrap_or(0) >= tasks as u64);
}

/// The page's transfer of a run (run file without tasks + task columns) gives back the same run.
#[test]
fn runs_cross_to_the_page_unchanged() {
    let Some(dir) = data_dir() else { return };
    for name in [
        "spark-local/app-20261121232506-0000",
        "spark-local/app-20261121233028-0000.lz4",
    ] {
        let path = dir.join(name);
        let loaded = runlens::ingest::fs::load_path(&path).expect("reads");
        let (json, tasks) = runlens::ingest::run_file::to_parts(&loaded.run);
        let back = runlens::ingest::run_file::from_parts(name, &json, &tasks).expect("reads back");
        assert_eq!(back, loaded.run, "{name}");
        // The columns are a fraction of the run file they replace.
        let whole = runlens::ingest::run_file::to_vec(&loaded.run).len();
        eprintln!(
            "{name}: run file {whole} B; parts {} + {} B",
            json.len(),
            tasks.len()
        );
    }
}
