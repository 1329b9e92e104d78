//! The figures of `../shared/data` (spark-local/MANIFEST.md and Spark's History Server golden
//! files) must come out of Runlens.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{data_dir, summarize_json};
use runlens::analysis::summary;
use runlens::ingest::fs::load_path;

struct Expected {
    file: &'static str,
    duration_s: f64,
    stages: u64,
    tasks: u64,
    input: u64,
    output: u64,
    shuffle_write: u64,
    disk_spill: u64,
    straggler: Option<(&'static str, u64, u64)>,
}

/// The table of spark-local/MANIFEST.md.
const MANIFEST: [Expected; 5] = [
    Expected {
        file: "app-20261121232506-0000",
        duration_s: 104.2,
        stages: 3,
        tasks: 1548,
        input: 134_894_122,
        output: 393_673_598,
        shuffle_write: 0,
        disk_spill: 0,
        straggler: Some(("0", 2, 1547)),
    },
    Expected {
        file: "app-20261121232658-0000",
        duration_s: 97.4,
        stages: 3,
        tasks: 1520,
        input: 134_894_122,
        output: 393_673_598,
        shuffle_write: 0,
        disk_spill: 0,
        straggler: None,
    },
    Expected {
        file: "app-20261121232835-0000",
        duration_s: 103.8,
        stages: 29,
        tasks: 58,
        input: 197_461_410,
        output: 0,
        shuffle_write: 433_931_231,
        disk_spill: 286_599_281,
        straggler: None,
    },
    Expected {
        file: "app-20261121233028-0000.lz4",
        duration_s: 136.1,
        stages: 29,
        tasks: 478,
        input: 197_461_410,
        output: 0,
        shuffle_write: 444_278_021,
        disk_spill: 0,
        straggler: None,
    },
    Expected {
        file: "app-20261121234021-0000.zstd",
        duration_s: 299.0,
        stages: 24,
        tasks: 60_012,
        input: 0,
        output: 0,
        shuffle_write: 3_540_000,
        disk_spill: 0,
        straggler: None,
    },
];

#[test]
fn manifest_figures_come_out_of_summarize_json() {
    let Some(data) = data_dir() else { return };
    for e in &MANIFEST {
        let v = summarize_json(&data.join("spark-local").join(e.file));
        let ctx = e.file;
        assert_eq!(v["format"], "spark-event-log", "{ctx}");
        assert_eq!(v["status"], "succeeded", "{ctx}");
        assert_eq!(v["spark_version"], "4.3.0", "{ctx}");
        assert!(
            (v["duration_s"].as_f64().unwrap() - e.duration_s).abs() < 0.06,
            "{ctx}: duration {}",
            v["duration_s"]
        );
        assert_eq!(v["executors"], 2, "{ctx}");
        assert_eq!(v["stages"], e.stages, "{ctx}");
        assert_eq!(v["tasks"], e.tasks, "{ctx}");
        assert_eq!(v["failed_tasks"], 0, "{ctx}");
        assert_eq!(v["input_bytes"], e.input, "{ctx}");
        assert_eq!(v["output_bytes"], e.output, "{ctx}");
        assert_eq!(v["shuffle_write_bytes"], e.shuffle_write, "{ctx}");
        assert_eq!(v["disk_spill_bytes"], e.disk_spill, "{ctx}");
        match e.straggler {
            None => assert!(
                v["straggler"].is_null(),
                "{ctx}: unexpected straggler {}",
                v["straggler"]
            ),
            Some((exec, stage, task)) => {
                let s = &v["straggler"];
                assert_eq!(s["executor"], exec, "{ctx}");
                assert_eq!(s["stage"], stage, "{ctx}");
                assert_eq!(s["task"], task, "{ctx}");
                assert_eq!(s["cause"], "single-partition-stage", "{ctx}");
                let excess = s["excess_s"].as_f64().unwrap();
                // 18.5 s alone on one of two slots: half of it would have been saved.
                assert!((8.0..10.5).contains(&excess), "{ctx}: excess {excess}");
            }
        }
        let keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys.len(), 21, "{ctx}: {keys:?}");
        assert!(v["error"].is_null(), "{ctx}: succeeded, no error");
        assert_eq!(
            v["platform"], "standalone",
            "{ctx}: local-cluster runs Spark's standalone manager"
        );
    }
}

#[test]
fn summarize_json_keys_are_in_contract_order() {
    let Some(data) = data_dir() else { return };
    let p = data.join("spark-local/app-20261121232506-0000");
    let (code, out, _) = common::runlens(&["summarize", "--json", &p.to_string_lossy()]);
    assert_eq!(code, 0);
    let line = out.trim();
    assert_eq!(
        line.lines().count(),
        1,
        "one JSON object per input, one per line"
    );
    let positions: Vec<usize> = [
        "source",
        "format",
        "app_id",
        "app_name",
        "spark_version",
        "status",
        "duration_s",
        "executors",
        "stages",
        "tasks",
        "failed_tasks",
        "input_bytes",
        "output_bytes",
        "shuffle_write_bytes",
        "shuffle_read_bytes",
        "memory_spill_bytes",
        "disk_spill_bytes",
        "straggler",
        "warnings",
        "platform",
        "error",
    ]
    .iter()
    .map(|k| {
        line.find(&format!("\"{k}\":"))
            .unwrap_or_else(|| panic!("key {k} missing"))
    })
    .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "keys out of contract order: {line}"
    );
}

#[test]
fn spill_figures_of_s3_before() {
    let Some(data) = data_dir() else { return };
    let v = summarize_json(&data.join("spark-local/app-20261121232835-0000"));
    // MANIFEST: 576 MB memory spill, 273 MB disk spill.
    let mem = v["memory_spill_bytes"].as_u64().unwrap();
    assert!((570 << 20..580 << 20).contains(&mem), "memory spill {mem}");
}

fn expectation(data: &std::path::Path, rel: &str) -> serde_json::Value {
    let p = data.join("spark-tests/expectations").join(rel);
    serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap()
}

#[test]
fn application_list_matches_history_server() {
    let Some(data) = data_dir() else { return };
    let mut apps = expectation(
        &data,
        "spark-fork_0f887f4c/application_list_json_expectation.json",
    )
    .as_array()
    .unwrap()
    .clone();
    apps.extend(
        expectation(
            &data,
            "apache-spark_02117a02/application_list_json_expectation.json",
        )
        .as_array()
        .unwrap()
        .clone(),
    );
    for file in [
        "app-20200706201101-0003",
        "application_1553914137147_0018",
        "application_1506645932520_24630151",
    ] {
        let run = load_path(&data.join("spark-tests").join(file)).unwrap().run;
        let app = apps.iter().find(|a| a["id"] == file).unwrap();
        let attempt = &app["attempts"][0];
        assert_eq!(run.meta.app_id.as_deref(), Some(file));
        assert_eq!(run.meta.app_name.as_deref(), app["name"].as_str());
        assert_eq!(
            run.meta.user.as_deref(),
            attempt["sparkUser"].as_str(),
            "{file}"
        );
        assert_eq!(
            run.meta.spark_version.as_deref(),
            attempt["appSparkVersion"].as_str(),
            "{file}"
        );
        assert_eq!(
            run.meta.start_epoch_ms,
            attempt["startTimeEpoch"].as_i64(),
            "{file}"
        );
        let duration_ms = attempt["duration"].as_f64().unwrap();
        assert!(
            (run.meta.duration_s * 1000.0 - duration_ms).abs() < 0.5,
            "{file}: {} vs {duration_ms}",
            run.meta.duration_s
        );
        assert_eq!(run.meta.status, runlens::model::RunStatus::Succeeded);
    }
}

fn check_executor_list(data: &std::path::Path, file: &str, rel: &str) {
    let run = load_path(&data.join("spark-tests").join(file)).unwrap().run;
    let totals = summary::executor_totals(&run);
    for want in expectation(data, rel).as_array().unwrap() {
        let id = want["id"].as_str().unwrap();
        let got = totals
            .iter()
            .find(|t| t.executor == id)
            .unwrap_or_else(|| panic!("{file}: executor {id} missing"));
        assert_eq!(
            got.tasks,
            want["totalTasks"].as_u64().unwrap(),
            "{file} executor {id} tasks"
        );
        if id != "driver" {
            // The History Server reports the application's duration for a driver that ran no task.
            assert_eq!(
                got.duration_ms,
                want["totalDuration"].as_u64().unwrap(),
                "{file} executor {id} duration"
            );
        }
        assert_eq!(
            got.gc_ms,
            want["totalGCTime"].as_u64().unwrap(),
            "{file} executor {id} gc"
        );
        assert_eq!(
            got.input_bytes,
            want["totalInputBytes"].as_u64().unwrap(),
            "{file} executor {id} input"
        );
        assert_eq!(
            got.shuffle_read_bytes,
            want["totalShuffleRead"].as_u64().unwrap(),
            "{file} executor {id} shuffle read"
        );
        assert_eq!(
            got.shuffle_write_bytes,
            want["totalShuffleWrite"].as_u64().unwrap(),
            "{file} executor {id} shuffle write"
        );
        let exec = run.executors.iter().find(|e| e.id == id).unwrap();
        if let Some(cores) = want["totalCores"].as_u64().filter(|_| id != "driver") {
            assert_eq!(
                exec.cores.map(u64::from),
                Some(cores),
                "{file} executor {id} cores"
            );
        }
    }
}

#[test]
fn executor_lists_match_history_server() {
    let Some(data) = data_dir() else { return };
    check_executor_list(
        &data,
        "application_1553914137147_0018",
        "spark-fork_0f887f4c/executor_list_with_executor_metrics_json_expectation.json",
    );
    check_executor_list(
        &data,
        "application_1506645932520_24630151",
        "apache-spark_04875b8c/executor_list_with_executor_metrics_json_expectation.json",
    );
}

#[test]
fn executor_peak_memory_matches_history_server() {
    let Some(data) = data_dir() else { return };
    let run = load_path(&data.join("spark-tests/application_1553914137147_0018"))
        .unwrap()
        .run;
    let want = expectation(
        &data,
        "spark-fork_0f887f4c/executor_list_with_executor_metrics_json_expectation.json",
    );
    for w in want.as_array().unwrap() {
        let Some(peaks) = w["peakMemoryMetrics"].as_object() else {
            continue;
        };
        let exec = run
            .executors
            .iter()
            .find(|e| e.id == w["id"].as_str().unwrap())
            .unwrap();
        for (k, v) in peaks {
            assert_eq!(
                exec.peak_metrics.get(k).copied().unwrap_or(0),
                v.as_u64().unwrap(),
                "executor {} {k}",
                exec.id
            );
        }
    }
}

#[test]
fn stage_list_matches_history_server() {
    let Some(data) = data_dir() else { return };
    let run = load_path(&data.join("spark-tests/app-20200706201101-0003"))
        .unwrap()
        .run;
    let stages = summary::stage_totals(&run);
    for want in expectation(
        &data,
        "spark-fork_0f887f4c/stage_list_with_peak_metrics_expectation.json",
    )
    .as_array()
    .unwrap()
    {
        let id = want["stageId"].as_u64().unwrap();
        let got = stages.iter().find(|s| s.stage == id).unwrap();
        assert_eq!(got.tasks, want["numTasks"].as_u64().unwrap(), "stage {id}");
        assert_eq!(
            got.run_time_ms,
            want["executorRunTime"].as_u64().unwrap(),
            "stage {id} run time"
        );
        assert_eq!(
            got.cpu_time_ns,
            want["executorCpuTime"].as_u64().unwrap(),
            "stage {id} cpu time"
        );
        assert_eq!(
            got.gc_ms,
            want["jvmGcTime"].as_u64().unwrap(),
            "stage {id} gc"
        );
        assert_eq!(
            got.result_size_bytes,
            want["resultSize"].as_u64().unwrap(),
            "stage {id} result size"
        );
        let stage = run.stages.iter().find(|s| s.id == id).unwrap();
        for (k, v) in want["peakExecutorMetrics"].as_object().unwrap() {
            assert_eq!(
                stage.peak_executor_metrics.get(k).copied().unwrap_or(0),
                v.as_u64().unwrap(),
                "stage {id} peak {k}"
            );
        }
    }
}

#[test]
fn rolling_log_directory_is_read() {
    let Some(data) = data_dir() else { return };
    let v = summarize_json(&data.join("spark-tests/eventlog_v2_local-1766844910796"));
    assert_eq!(v["spark_version"], "4.2.0-SNAPSHOT");
    assert_eq!(v["status"], "succeeded");
    assert_eq!(v["tasks"], 2);
    assert_eq!(v["stages"], 1);
    assert_eq!(v["executors"], 0, "local mode: only the driver");
    // The app name is a script tag: it stays a plain string.
    assert_eq!(v["app_name"], "<script>alert('XSS')</script>");
    assert!(
        v["warnings"].as_array().unwrap().is_empty(),
        "{}",
        v["warnings"]
    );
}

#[test]
fn spark_2_4_heartbeat_metrics_give_heap_series() {
    let Some(data) = data_dir() else { return };
    // Spark 2.4 wrote one object of "JVM Used Heap Memory"… per heartbeat, not per-stage lists.
    let run = load_path(&data.join("spark-tests/application_1506645932520_24630151"))
        .unwrap()
        .run;
    assert_eq!(
        run.meta.memory_source,
        runlens::model::MemorySource::ExecutorMetrics
    );
    let heaps: Vec<&str> = run
        .series
        .iter()
        .map(|s| s.metric.as_str())
        .filter(|m| m.ends_with("jvm.heap.used"))
        .collect();
    assert_eq!(heaps.len(), 5, "{heaps:?}");
    assert!(heaps.contains(&"glue.driver.jvm.heap.used"));
}

/// Milliseconds since the epoch of the History Server's `2020-07-07T03:11:21.040GMT`.
fn shs_epoch_ms(s: &str) -> i64 {
    let s = s.trim_end_matches("GMT");
    let num = |r: std::ops::Range<usize>| s[r].parse::<i64>().unwrap();
    let (y, m, d) = (num(0..4), num(5..7), num(8..10));
    // Days from 1970-01-01 (Howard Hinnant's civil calendar algorithm).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = num(11..13) * 3600 + num(14..16) * 60 + num(17..19);
    (days * 86_400 + secs) * 1000 + num(20..23)
}

#[test]
fn stage_table_matches_history_server() {
    let Some(data) = data_dir() else { return };
    let run = load_path(&data.join("spark-tests/app-20200706201101-0003"))
        .unwrap()
        .run;
    let start = run.meta.start_epoch_ms.unwrap();
    let t = runlens::analysis::tables::tables(&run);
    let list = expectation(
        &data,
        "spark-fork_0f887f4c/stage_list_with_peak_metrics_expectation.json",
    );
    for want in list.as_array().unwrap() {
        let id = want["stageId"].as_u64().unwrap();
        let got = t.stages.iter().find(|s| s.id == id).unwrap();
        assert_eq!(got.name, want["name"].as_str().unwrap());
        assert_eq!(got.status, runlens::model::StageStatus::Complete);
        assert_eq!(got.num_tasks, want["numTasks"].as_u64().unwrap());
        assert_eq!(got.failed_tasks, want["numFailedTasks"].as_u64().unwrap());
        assert_eq!(got.killed_tasks, want["numKilledTasks"].as_u64().unwrap());
        assert_eq!(got.totals.tasks, want["numCompleteTasks"].as_u64().unwrap());
        let sub = shs_epoch_ms(want["submissionTime"].as_str().unwrap()) - start;
        let done = shs_epoch_ms(want["completionTime"].as_str().unwrap()) - start;
        assert_eq!(
            (got.wall_s.unwrap() * 1e3).round() as i64,
            done - sub,
            "stage {id} wall time"
        );
        for (have, key) in [
            (got.totals.input_bytes, "inputBytes"),
            (got.totals.output_bytes, "outputBytes"),
            (got.totals.shuffle_write_bytes, "shuffleWriteBytes"),
            (got.totals.memory_spill_bytes, "memoryBytesSpilled"),
            (got.totals.disk_spill_bytes, "diskBytesSpilled"),
            (got.totals.gc_ms, "jvmGcTime"),
        ] {
            assert_eq!(have, want[key].as_u64().unwrap(), "stage {id} {key}");
        }
    }
    // The stage page's task summary (quantiles of task duration over successful tasks).
    let want = expectation(
        &data,
        "spark-fork_0f887f4c/stage_with_summaries_expectation.json",
    );
    let dist: Vec<u64> = want["taskMetricsDistributions"]["duration"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as u64)
        .collect();
    let got = t
        .stages
        .iter()
        .find(|s| s.id == 2 && s.attempt == 0)
        .unwrap();
    assert_eq!(got.task_ms_quantiles.unwrap().to_vec(), dist);
}

#[test]
fn executor_table_matches_history_server() {
    let Some(data) = data_dir() else { return };
    for (file, rel) in [
        (
            "application_1553914137147_0018",
            "spark-fork_0f887f4c/executor_list_with_executor_metrics_json_expectation.json",
        ),
        (
            "application_1506645932520_24630151",
            "apache-spark_04875b8c/executor_list_with_executor_metrics_json_expectation.json",
        ),
    ] {
        let run = load_path(&data.join("spark-tests").join(file)).unwrap().run;
        let start = run.meta.start_epoch_ms.unwrap();
        let t = runlens::analysis::tables::tables(&run);
        for want in expectation(&data, rel).as_array().unwrap() {
            let id = want["id"].as_str().unwrap();
            let got = t.executors.iter().find(|e| e.id == id).unwrap();
            let host = want["hostPort"]
                .as_str()
                .unwrap()
                .rsplit_once(':')
                .unwrap()
                .0;
            assert_eq!(got.host.as_deref(), Some(host), "{file} {id} host");
            assert_eq!(got.totals.tasks, want["totalTasks"].as_u64().unwrap());
            assert_eq!(
                got.totals.failed_tasks,
                want["failedTasks"].as_u64().unwrap()
            );
            assert_eq!(
                got.max_memory_bytes,
                want["maxMemory"].as_u64(),
                "{file} {id} max memory"
            );
            let added = shs_epoch_ms(want["addTime"].as_str().unwrap()) - start;
            assert_eq!(
                (got.added_s.unwrap() * 1e3).round() as i64,
                added,
                "{file} {id} added"
            );
            assert_eq!(got.removed_s.is_some(), want["removeTime"].is_string());
            if let Some(peaks) = want["peakMemoryMetrics"].as_object() {
                assert_eq!(got.peak_jvm_heap_bytes, peaks["JVMHeapMemory"].as_u64());
                assert_eq!(
                    got.peak_execution_on_heap_bytes,
                    peaks["OnHeapExecutionMemory"].as_u64()
                );
            }
        }
    }
}
