//! Fleet rows on the shared logs: the straggler's fix simulated where the plan allows, idle
//! slots priced, a failed run wasted whole, an unreadable input a row with its error; and the
//! in-memory reading of a run's files (the Python binding's path) equal to the CLI's.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use runlens::fleet::row::{of_runs, unreadable, UNREADABLE};
use runlens::fleet::table::{compare_link, parse_jsonl};
use runlens::ingest::fs::load_path_all;
use runlens::ingest::pipeline::ingest_files;

fn row_of(rel: &str) -> Option<runlens::fleet::FleetRow> {
    let dir = common::data_dir()?;
    let path = dir.join(rel);
    let runs = load_path_all(&path).expect("readable");
    let mut rows = of_runs(rel, &[rel.to_string()], &runs, 0.44);
    assert_eq!(rows.len(), 1);
    Some(rows.remove(0))
}

#[test]
fn the_coalesce_straggler_is_priced_by_the_simulator() {
    let Some(r) = row_of("spark-local/app-20261121232506-0000") else {
        return;
    };
    assert_eq!(r.top_fix.as_deref(), Some("straggler"));
    assert!(
        r.saving_basis
            .as_deref()
            .unwrap_or("")
            .starts_with("simulated: coalesce=none"),
        "{:?}",
        r.saving_basis
    );
    let (saving, duration) = (r.saving_s.unwrap_or(0.0), r.duration_s.unwrap_or(0.0));
    assert!(saving > 1.0 && saving < duration, "{saving} of {duration}");
    let cost = r.cost_usd.unwrap_or(0.0);
    let wasted = r.wasted_usd.unwrap_or(-1.0);
    assert!(wasted > 0.0 && wasted <= cost, "{wasted} of {cost}");
    assert_eq!(r.straggler_executor.as_deref(), Some("0"));
    assert!(r.findings.iter().any(|f| f.kind == "straggler"));
}

#[test]
fn a_failed_run_wastes_its_whole_cost() {
    let Some(r) =
        row_of("external/NVIDIA__spark-rapids-tools/tasks_executors_fail_compressed_eventlog.zstd")
    else {
        return;
    };
    assert_eq!(r.status, "failed");
    assert!(r.error.is_some());
    assert_eq!(r.wasted_usd, r.cost_usd);
}

#[test]
fn idle_slots_are_priced_when_the_finding_is_raised() {
    let Some(dir) = common::data_dir() else {
        return;
    };
    let mut priced = 0;
    for rel in [
        "spark-tests/app-20200706201101-0003",
        "external/NVIDIA__spark-rapids-tools/nds_q66_cpu.zstd",
        "spark-local/app-20261121234021-0000.zstd",
        "external/datamechanics__delight/example_spark_event_log.txt",
    ] {
        if !dir.join(rel).exists() {
            continue;
        }
        let r = row_of(rel).expect("data");
        let idle = r.findings.iter().any(|f| f.kind == "idle-executors");
        if idle && r.top_fix.as_deref() == Some("idle-executors") {
            priced += 1;
            assert!(r.saving_s.is_none());
            assert!(r.saving_usd.unwrap_or(0.0) > 0.0);
            assert!(r.saving_usd <= r.cost_usd);
        }
        if !idle && r.straggler_executor.is_none() {
            assert_eq!(r.top_fix, None, "{rel}");
            assert_eq!(r.wasted_usd, Some(0.0), "{rel}");
        }
    }
    assert!(priced > 0, "no shared run has idle executors priced");
}

#[test]
fn a_rolling_folder_in_memory_reads_as_the_cli_reads_it() {
    let Some(dir) = common::data_dir() else {
        return;
    };
    let folder = dir.join("external/NVIDIA__spark-rapids-tools/eventlog_v2_local-1623876083964");
    let mut names: Vec<_> = std::fs::read_dir(&folder)
        .expect("folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.reverse();
    let bytes: Vec<Vec<u8>> = names
        .iter()
        .map(|n| std::fs::read(folder.join(n)).expect("file"))
        .collect();
    let files: Vec<(String, &[u8])> = names
        .iter()
        .cloned()
        .zip(bytes.iter().map(|b| b.as_slice()))
        .collect();
    let mem = ingest_files("rolling", &files).expect("readable");
    let disk = load_path_all(&folder).expect("readable");
    assert_eq!(mem[0].run.tasks.len(), disk[0].run.tasks.len());
    assert_eq!(mem[0].run.meta.duration_s, disk[0].run.meta.duration_s);
    assert_eq!(mem[0].run.stages.len(), disk[0].run.stages.len());
}

#[test]
fn rows_cross_as_json_lines_and_link_to_the_compare_view() {
    let a = unreadable("x/corrupt.zstd", &["x/corrupt.zstd".into()], "corrupt");
    assert_eq!(a.status, UNREADABLE);
    let mut b = unreadable("jobs/a-2", &["jobs/a-2".into()], "");
    b.status = "succeeded".into();
    b.job_name = Some("a".into());
    b.start_epoch_ms = Some(2);
    let mut c = b.clone();
    c.source = "jobs/a-1".into();
    c.files = vec!["jobs/a-1".into()];
    c.start_epoch_ms = Some(1);
    let text: String = [&a, &b, &c]
        .iter()
        .map(|r| serde_json::to_string(r).expect("json") + "\n")
        .collect();
    let fleet = parse_jsonl("rows.json", &text).expect("rows");
    assert_eq!(fleet.rows, vec![a, b, c]);
    assert_eq!(
        compare_link(&fleet.rows, 1, "https://logs.example/x y/").as_deref(),
        Some(
            "?before=https://logs.example/x%20y/jobs/a-1&after=https://logs.example/x%20y/jobs/a-2"
        )
    );
}
