//! Fleet rows on the shared logs: the straggler's fix simulated where the plan allows, idle
//! slots priced, a failed run wasted whole, an unreadable input a row with its error; and the
//! in-memory reading of a run's files (the Python binding's path) equal to the CLI's.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use runlens::fleet::row::{of_runs, unreadable, UNREADABLE};
use runlens::fleet::table::{parse_jsonl, Filter, SortKey};
use runlens::fleet::view::{view, Indexed, Query};
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
    let shown = view(
        &Indexed::new(fleet),
        &Query {
            sort: (SortKey::Start, true),
            filter: Filter::default(),
            logs: "https://logs.example/x y/".into(),
            limit: 10,
        },
    );
    assert_eq!(shown.rows[0].source, "jobs/a-2");
    assert_eq!(
        shown.rows[0].link.as_deref(),
        Some(
            "?before=https://logs.example/x%20y/jobs/a-1&after=https://logs.example/x%20y/jobs/a-2"
        )
    );
}

/// Every key of a row survives writing and reading (a field added to `FleetRow` without its
/// reader fails here: the literal below names every field). Wrong types are errors naming the key.
#[test]
fn every_key_round_trips_through_json_lines() {
    use runlens::fleet::row::FindingRef;
    let full = runlens::fleet::FleetRow {
        source: "jobs/x".into(),
        files: vec!["jobs/x/a".into(), "jobs/x/b".into()],
        app_id: Some("app-1".into()),
        app_name: Some("nightly".into()),
        job_name: Some("nightly-glue".into()),
        platform: Some("glue".into()),
        spark_version: Some("3.5.1".into()),
        start_epoch_ms: Some(1_764_000_000_123),
        duration_s: Some(61.5),
        status: "failed".into(),
        error: Some("No space left on device".into()),
        executors: Some(9),
        tasks: Some(1200),
        failed_tasks: Some(4),
        dpu_hours: Some(2.25),
        cost_usd: Some(0.99),
        price_per_dpu_hour: Some(0.44),
        straggler_executor: Some("7".into()),
        straggler_stage: Some(3),
        straggler_cause: Some("skewed-partition".into()),
        straggler_excess_s: Some(12.5),
        findings: vec![FindingRef {
            kind: "spill".into(),
            severity: "critical".into(),
        }],
        worst_severity: Some("critical".into()),
        top_fix: Some("straggler".into()),
        saving_s: Some(10.0),
        saving_usd: Some(0.16),
        saving_basis: Some("simulated".into()),
        wasted_usd: Some(0.99),
    };
    let mut text = serde_json::to_string(&full).expect("json");
    text.push('\n');
    let mut shared = Vec::new();
    for rel in [
        "spark-local/app-20261121232506-0000",
        "external/kubeflow__mcp-apache-spark-history-server/eventlog_v2_spark-cc4d115f011443d787f03a71a476a745",
    ] {
        if let Some(r) = row_of(rel) {
            text += &(serde_json::to_string(&r).expect("json") + "\n");
            shared.push(r);
        }
    }
    let back = parse_jsonl("rows.json", &text).expect("rows");
    assert_eq!(back.rows[0], full);
    assert_eq!(&back.rows[1..], &shared[..]);
    let e = parse_jsonl(
        "rows.json",
        "{\"source\":\"x\",\"status\":\"ok\",\"tasks\":\"many\"}\n",
    )
    .expect_err("a count that is text");
    assert!(
        e.to_string()
            .contains("line 1: not a fleet row (tasks is not a count)"),
        "{e}"
    );
}
