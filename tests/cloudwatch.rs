#![cfg(not(target_arch = "wasm32"))]
//! CloudWatch / Glue job-run ingest: the fixtures in tests/fixtures/cloudwatch (built from the AWS
//! CLI's documented output shapes by make_fixtures.py) and small inline documents.

use runlens::ingest::cloudwatch::{is_cloudwatch_doc, parse_docs};
use runlens::model::metrics::{self, classify};
use runlens::model::{MemorySource, Run, RunStatus, SeriesKind, SeriesSource, SourceFormat, Unit};
use runlens::{Error, ErrorKind};
use serde_json::{json, Value};

/// StartedOn of the fixture run, 2026-11-20T09:59:38.402Z, and its first metric period 10:00:00Z.
const STARTED_MS: i64 = 1_795_168_778_402;
const FIRST_BUCKET_MS: i64 = 1_795_168_800_000;
const COMPLETED_MS: i64 = 1_795_172_531_871;

/// Reads a fixture as the pipeline does: every JSON value in the file, each with the file's name.
fn load(name: &str) -> Vec<(String, Value)> {
    let path = format!(
        "{}/tests/fixtures/cloudwatch/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::Deserializer::from_slice(&bytes)
        .into_iter::<Value>()
        .map(|v| {
            (
                name.to_string(),
                v.unwrap_or_else(|e| panic!("{name}: {e}")),
            )
        })
        .collect()
}

fn load_all(names: &[&str]) -> Vec<(String, Value)> {
    names.iter().flat_map(|n| load(n)).collect()
}

fn parse(names: &[&str]) -> Run {
    parse_docs(&load_all(names)).unwrap_or_else(|e| panic!("{e}"))
}

fn parse_err(names: &[&str]) -> Error {
    match parse_docs(&load_all(names)) {
        Ok(_) => panic!("{names:?} should not parse"),
        Err(e) => e,
    }
}

fn doc(name: &str, v: Value) -> Vec<(String, Value)> {
    vec![(name.to_string(), v)]
}

fn inline_err(v: Value) -> String {
    match parse_docs(&doc("inline.json", v)) {
        Ok(_) => panic!("should not parse"),
        Err(e) => {
            assert_eq!(e.kind, ErrorKind::InvalidContent);
            e.to_string()
        }
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

fn secs(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

fn job_run(state: &str, error: Option<&str>) -> Value {
    let mut run = json!({
        "Id": "jr_0001",
        "JobName": "job",
        "StartedOn": "2026-11-20T10:00:20+00:00",
        "JobRunState": state,
    });
    if state != "RUNNING" {
        run["CompletedOn"] = json!("2026-11-20T10:10:20+00:00");
    }
    if let Some(e) = error {
        run["ErrorMessage"] = json!(e);
    }
    json!({ "JobRun": run })
}

/// A small get-metric-data page: one delta and one gauge, two 60 s periods from 10:00:00.
fn small_page() -> Value {
    json!({"MetricDataResults": [
        {"Id": "glue_ALL_s3_filesystem_read_bytes", "Label": "glue.ALL.s3.filesystem.read_bytes",
         "Timestamps": ["2026-11-20T10:01:00+00:00", "2026-11-20T10:00:00+00:00"], "Values": [20.0, 10.0], "StatusCode": "Complete"},
        {"Id": "glue_1_jvm_heap_used", "Label": "glue.1.jvm.heap.used",
         "Timestamps": ["2026-11-20T10:01:00+00:00", "2026-11-20T10:00:00+00:00"], "Values": [2.0e9, 1.0e9], "StatusCode": "Complete"}
    ], "Messages": []})
}

// ---------------------------------------------------------------- recognising documents

#[test]
fn recognises_every_fixture_shape() {
    for name in [
        "get-metric-data.json",
        "get-metric-data-array.json",
        "get-metric-statistics.json",
        "get-metric-statistics-heap.json",
        "get-job-run.json",
        "get-job-run-cli-v1.json",
        "get-metric-data-timestamp-formats.json",
        "bad-mismatched-lengths.json",
        "bad-empty-results.json",
    ] {
        for (_, v) in load(name) {
            assert!(is_cloudwatch_doc(&v), "{name}");
        }
    }
    for (_, v) in load("bad-wrong-shape.json") {
        assert!(
            !is_cloudwatch_doc(&v),
            "list-metrics output is not an export"
        );
    }
    for v in [
        json!([]),
        json!({}),
        json!("MetricDataResults"),
        json!({"Event": "SparkListenerLogStart"}),
        json!({"format": "runlens/run@1"}),
        json!({"MetricDataResults": "x"}),
        json!({"JobRun": []}),
        json!([{"MetricDataResults": []}, 3]),
    ] {
        assert!(!is_cloudwatch_doc(&v), "{v}");
    }
}

// ---------------------------------------------------------------- the straggler run

#[test]
fn pages_merge_into_sorted_series_of_the_right_kind() {
    let run = parse(&["get-metric-data.json"]);
    assert_eq!(run.meta.source_format, SourceFormat::Cloudwatch);
    assert_eq!(run.series.len(), 46);
    for s in &run.series {
        assert_eq!(s.t_s.len(), s.values.len(), "{}", s.metric);
        assert!(
            s.t_s.windows(2).all(|w| w[0] < w[1]),
            "{} must ascend without repeats",
            s.metric
        );
        assert_eq!(s.source, SeriesSource::Cloudwatch);
        assert_eq!(s.period_s, Some(60.0), "{}", s.metric);
        assert_eq!((s.kind, s.unit), classify(&s.metric), "{}", s.metric);
    }
    // Both pages' points: 62 one-minute periods from 10:00 to 11:01.
    let read = run.series(metrics::S3_READ_BYTES).expect("read_bytes");
    assert_eq!(read.len(), 62);
    assert_eq!((read.kind, read.unit), (SeriesKind::Delta, Unit::Bytes));
    let write = run.series(metrics::S3_WRITE_BYTES).expect("write_bytes");
    assert!(
        write.total() > 180e9 && write.total() < 200e9,
        "~190 GB written: {}",
        write.total()
    );
    assert_eq!(
        run.series(metrics::ELAPSED_TIME).map(|s| (s.kind, s.unit)),
        Some((SeriesKind::Delta, Unit::Milliseconds))
    );
    let all = run
        .series(metrics::NUM_ALL_EXECUTORS)
        .expect("numberAllExecutors");
    assert_eq!((all.kind, all.unit), (SeriesKind::Gauge, Unit::Count));
    assert_eq!(all.values.first(), Some(&10.0));
    assert_eq!(all.values.last(), Some(&1.0));
    let disk = run
        .series(metrics::DISK_SPACE_USED_MB)
        .expect("diskSpaceUsed_MB");
    assert_eq!((disk.kind, disk.unit), (SeriesKind::Gauge, Unit::Megabytes));
    let usage = run
        .series(&metrics::heap_usage("3"))
        .expect("executor 3 heap usage");
    assert_eq!((usage.kind, usage.unit), (SeriesKind::Gauge, Unit::Ratio));
    assert_eq!(usage.len(), 62);
    assert_eq!(
        run.series(&metrics::heap_used("1")).map(|s| s.len()),
        Some(9),
        "executor 1 reports 10:00-10:08"
    );
    assert_eq!(run.meta.memory_source, MemorySource::Cloudwatch);

    // Job-wide series first, then the driver's, then executors in numeric order (10 after 9).
    let names: Vec<&str> = run.series.iter().map(|s| s.metric.as_str()).collect();
    let pos = |m: &str| {
        names
            .iter()
            .position(|n| *n == m)
            .unwrap_or_else(|| panic!("{m} missing"))
    };
    assert!(pos(metrics::S3_READ_BYTES) < pos("glue.driver.jvm.heap.used"));
    assert!(pos("glue.driver.jvm.heap.used") < pos("glue.1.jvm.heap.used"));
    assert!(pos("glue.9.system.cpuSystemLoad") < pos("glue.10.jvm.heap.used"));
}

#[test]
fn without_the_job_run_times_start_at_the_first_period_and_status_is_unknown() {
    let run = parse(&["get-metric-data.json"]);
    assert_eq!(run.meta.status, RunStatus::Incomplete);
    assert_eq!(run.meta.start_epoch_ms, Some(FIRST_BUCKET_MS));
    assert!(
        close(run.meta.duration_s, 62.0 * 60.0),
        "{}",
        run.meta.duration_s
    );
    assert_eq!(run.meta.job_name, None);
    assert_eq!(run.warnings.len(), 1, "{:?}", run.warnings);
    assert!(
        run.warnings[0].contains("status is not in CloudWatch metrics"),
        "{}",
        run.warnings[0]
    );
    assert!(
        run.warnings[0].contains("aws glue get-job-run"),
        "{}",
        run.warnings[0]
    );
    // A delta sits at the end of its period, a gauge at the middle.
    let read = run.series(metrics::S3_READ_BYTES).expect("read_bytes");
    assert_eq!(read.t_s.first(), Some(&60.0));
    assert_eq!(read.t_s.last(), Some(&3720.0));
    let heap = run.series(&metrics::heap_used("3")).expect("heap");
    assert_eq!(heap.t_s.first(), Some(&30.0));
}

#[test]
fn executors_come_from_per_executor_metrics() {
    let run = parse(&["get-metric-data.json"]);
    let ids: Vec<&str> = run.executors.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        ["driver", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]
    );
    assert_eq!(run.worker_executors().count(), 10);
    assert!(run.executors[0].is_driver);
    for e in &run.executors {
        assert_eq!(e.added_s, Some(0.0), "{}", e.id);
        if e.id == "3" || e.is_driver {
            assert_eq!(e.removed_s, None, "{} reports until the end", e.id);
        } else {
            // Last report in the 10:08 period: gone by 10:09, as in the AWS article.
            assert_eq!(e.removed_s, Some(540.0), "{}", e.id);
            assert!(e.removed_reason.is_some());
        }
    }
    assert!(!ids.contains(&"ALL"));
}

#[test]
fn the_job_run_sets_time_zero_status_and_metadata() {
    let run = parse(&["get-metric-data.json", "get-job-run.json"]);
    let m = &run.meta;
    assert_eq!(m.status, RunStatus::Succeeded);
    assert_eq!(m.error, None);
    assert_eq!(m.start_epoch_ms, Some(STARTED_MS));
    assert!(
        close(m.duration_s, secs(COMPLETED_MS - STARTED_MS)),
        "{}",
        m.duration_s
    );
    assert_eq!(m.job_name.as_deref(), Some("json-coalesce-straggler"));
    assert!(m
        .job_run_id
        .as_deref()
        .is_some_and(|id| id.starts_with("jr_") && id.len() == 67));
    assert_eq!(m.worker_type.as_deref(), Some("G.1X"));
    assert_eq!(m.worker_count, Some(11));
    assert_eq!(m.glue_version.as_deref(), Some("4.0"));
    assert_eq!(
        m.config.get("--enable-metrics").map(String::as_str),
        Some("true")
    );
    assert_eq!(
        m.config.get("spark.executor.cores").map(String::as_str),
        Some("4"),
        "from --conf"
    );
    assert_eq!(
        m.config
            .get("spark.sql.files.maxPartitionBytes")
            .map(String::as_str),
        Some("134217728")
    );
    assert!(run.warnings.is_empty(), "{:?}", run.warnings);

    // Times are seconds from StartedOn: the first period 10:00:00-10:01:00 starts 21.598 s in.
    let offset = secs(FIRST_BUCKET_MS - STARTED_MS);
    let read = run.series(metrics::S3_READ_BYTES).expect("read_bytes");
    assert!(close(read.t_s[0], offset + 60.0), "{}", read.t_s[0]);
    let heap = run.series(&metrics::heap_used("3")).expect("heap");
    assert!(close(heap.t_s[0], offset + 30.0), "{}", heap.t_s[0]);
    let e1 = run
        .executors
        .iter()
        .find(|e| e.id == "1")
        .expect("executor 1");
    assert!(close(e1.added_s.unwrap_or(-1.0), offset));
    assert!(close(e1.removed_s.unwrap_or(-1.0), offset + 540.0));

    // Order of the inputs does not matter; CLI v1 epoch times give the same run.
    assert_eq!(parse(&["get-job-run.json", "get-metric-data.json"]), run);
    assert_eq!(
        parse(&["get-metric-data.json", "get-job-run-cli-v1.json"]),
        run
    );
}

#[test]
fn array_wrapped_pages_read_like_concatenated_pages() {
    assert_eq!(
        parse(&["get-metric-data-array.json"]),
        parse(&["get-metric-data.json"])
    );
    // A job run may travel in the same array.
    let mut items: Vec<Value> = load("get-metric-data.json")
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    items.extend(load("get-job-run.json").into_iter().map(|(_, v)| v));
    let run = parse_docs(&doc("bundle.json", Value::Array(items))).expect("bundle");
    assert_eq!(run.meta.status, RunStatus::Succeeded);
    assert_eq!(run.series.len(), 46);
}

#[test]
fn get_metric_statistics_unordered_datapoints() {
    let run = parse(&["get-metric-statistics.json"]);
    assert_eq!(run.series.len(), 1);
    let s = &run.series[0];
    assert_eq!(s.metric, metrics::S3_WRITE_BYTES);
    assert_eq!((s.kind, s.unit), (SeriesKind::Delta, Unit::Bytes));
    assert_eq!(s.len(), 62);
    assert!(s.t_s.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(s.period_s, Some(60.0));
    assert_eq!(run.meta.status, RunStatus::Incomplete);

    // Gauge with Average and Maximum: Average is taken.
    let heap = parse(&["get-metric-statistics-heap.json"]);
    let from_data = parse(&["get-metric-data.json"]);
    assert_eq!(
        heap.series[0].values,
        from_data
            .series(&metrics::heap_used("3"))
            .expect("heap")
            .values
    );

    // With the get-metric-data export the same points merge without duplicates or conflicts.
    let both = parse(&[
        "get-metric-data.json",
        "get-metric-statistics.json",
        "get-metric-statistics-heap.json",
    ]);
    assert_eq!(both.series.len(), 46);
    assert_eq!(
        both.series(metrics::S3_WRITE_BYTES).map(|s| s.len()),
        Some(62)
    );
    assert_eq!(both.warnings.len(), 1, "{:?}", both.warnings);
}

#[test]
fn statistic_choice_per_kind() {
    let dps = |stat: Value| {
        json!({"Label": "glue.driver.aggregate.numCompletedTasks", "Datapoints": [
            {"Timestamp": "2026-11-20T10:00:00Z", "Unit": "Count"}
        ]})
        .as_object()
        .map(|o| {
            let mut o = o.clone();
            let mut dp = o["Datapoints"][0].as_object().cloned().unwrap_or_default();
            if let Value::Object(s) = stat {
                dp.extend(s);
            }
            o.insert("Datapoints".into(), json!([dp]));
            Value::Object(o)
        })
        .unwrap_or_default()
    };
    let value = |stat: Value| {
        parse_docs(&doc("s.json", dps(stat))).map(|r| (r.series[0].values[0], r.warnings))
    };
    let (v, w) = value(json!({"Sum": 12.0, "Average": 6.0, "SampleCount": 2.0})).expect("sum");
    assert_eq!(v, 12.0);
    assert!(!w.iter().any(|w| w.contains("statistic")));
    let (v, w) = value(json!({"Average": 6.0, "SampleCount": 2.0})).expect("avg*n");
    assert_eq!(v, 12.0);
    assert!(w.iter().any(|w| w.contains("export Sum")), "{w:?}");
    let e = value(json!({"SampleCount": 2.0}))
        .map(|_| ())
        .expect_err("no value statistic");
    assert!(
        e.to_string().contains("Datapoints[0] has no Sum, Average"),
        "{e}"
    );
}

// ---------------------------------------------------------------- job-run states

#[test]
fn job_run_states_map_to_run_status() {
    let run_with = |jr: Value| {
        let mut docs = doc("m.json", small_page());
        docs.push(("job-run.json".into(), jr));
        parse_docs(&docs).unwrap_or_else(|e| panic!("{e}"))
    };
    let r = run_with(job_run("SUCCEEDED", None));
    assert_eq!(
        (r.meta.status, r.meta.error.clone()),
        (RunStatus::Succeeded, None)
    );
    assert!(close(r.meta.duration_s, 600.0));
    let r = run_with(job_run(
        "FAILED",
        Some("An error occurred while calling o94.save. No space left on device"),
    ));
    assert_eq!(r.meta.status, RunStatus::Failed);
    assert!(r
        .meta
        .error
        .as_deref()
        .is_some_and(|e| e.contains("No space left")));
    for state in ["TIMEOUT", "STOPPED", "ERROR", "EXPIRED"] {
        let r = run_with(job_run(state, None));
        assert_eq!(r.meta.status, RunStatus::Failed, "{state}");
        assert!(
            r.meta.error.as_deref().is_some_and(|e| e.contains(state)),
            "{state}"
        );
    }
    let r = run_with(job_run("RUNNING", None));
    assert_eq!(r.meta.status, RunStatus::Incomplete);
    assert!(
        r.warnings.iter().any(|w| w.contains("RUNNING")),
        "{:?}",
        r.warnings
    );
    // Still running: the duration runs to the end of the data (10:02:00 - 10:00:20).
    assert!(close(r.meta.duration_s, 100.0), "{}", r.meta.duration_s);

    // StartedOn 10:00:20 inside the first 60 s period: the delta ends at 10:01:00 (40 s), the gauge
    // sits in the middle of the part after the start (20 s).
    let r = run_with(job_run("SUCCEEDED", None));
    assert_eq!(
        r.series(metrics::S3_READ_BYTES).map(|s| s.t_s.clone()),
        Some(vec![40.0, 100.0])
    );
    assert_eq!(
        r.series("glue.1.jvm.heap.used").map(|s| s.t_s.clone()),
        Some(vec![20.0, 70.0])
    );
}

#[test]
fn two_different_job_runs_are_refused() {
    let mut other = job_run("SUCCEEDED", None);
    other["JobRun"]["Id"] = json!("jr_0002");
    let docs = vec![
        ("m.json".to_string(), small_page()),
        ("a.json".to_string(), job_run("SUCCEEDED", None)),
        ("b.json".to_string(), other),
    ];
    let e = parse_docs(&docs).expect_err("two runs");
    let msg = e.to_string();
    assert!(
        msg.starts_with("b.json: ") && msg.contains("jr_0002") && msg.contains("jr_0001"),
        "{msg}"
    );
}

#[test]
fn metrics_outside_the_job_run_are_flagged() {
    let mut jr = job_run("SUCCEEDED", None);
    jr["JobRun"]["StartedOn"] = json!("2026-11-21T10:00:00Z");
    jr["JobRun"]["CompletedOn"] = json!("2026-11-21T11:00:00Z");
    let docs = vec![
        ("m.json".to_string(), small_page()),
        ("j.json".to_string(), jr),
    ];
    let run = parse_docs(&docs).expect("parses");
    assert!(
        run.warnings
            .iter()
            .any(|w| w.contains("outside job run jr_0001")),
        "{:?}",
        run.warnings
    );
}

// ---------------------------------------------------------------- timestamps and names

#[test]
fn timestamp_formats_and_the_id_convention() {
    let run = parse(&["get-metric-data-timestamp-formats.json"]);
    // Label "S3 bytes read" is no metric name: the Id glue_ALL_s3_filesystem_read_bytes names it.
    let read = run
        .series(metrics::S3_READ_BYTES)
        .expect("named from the Id");
    assert_eq!(read.period_s, Some(30.0));
    // Z, +00:00, +02:00, fractional, epoch number, epoch string, -05:00, epoch float: 30 s apart.
    let expect: Vec<f64> = (1..=8).map(|k| 30.0 * k as f64).collect();
    assert_eq!(read.t_s, expect);
    assert_eq!(
        read.values,
        [1.0e9, 2.0e9, 3.0e9, 4.0e9, 5.0e9, 6.0e9, 7.0e9, 8.0e9]
    );
    assert_eq!(run.meta.start_epoch_ms, Some(FIRST_BUCKET_MS));
    assert!(run.series("glue.3.jvm.heap.used").is_some());
    // diskSpaceUsed_MB keeps its own underscore.
    let disk = run
        .series(metrics::DISK_SPACE_USED_MB)
        .expect("disk from Id");
    assert_eq!(disk.unit, Unit::Megabytes);
    assert_eq!(run.series.len(), 3);
    assert_eq!(
        run.executors
            .iter()
            .map(|e| e.id.as_str())
            .collect::<Vec<_>>(),
        ["3"]
    );
    // The result that names no Glue metric is skipped, and said so.
    assert!(
        run.warnings
            .iter()
            .any(|w| w.contains("\"throughput\"") && w.contains("glue_driver_aggregate_bytesRead")),
        "{:?}",
        run.warnings
    );
}

#[test]
fn labels_with_text_around_the_metric_name() {
    let page = json!({"MetricDataResults": [
        {"Id": "m1", "Label": "glue.driver.aggregate.bytesRead JobName=x", "Timestamps": ["2026-11-20T10:00:00Z"], "Values": [5.0]},
        {"Id": "m2", "Label": "Heap (glue.7.jvm.heap.used)", "Timestamps": ["2026-11-20T10:00:00Z"], "Values": [5.0]},
        {"Id": "glue_driver_aggregate_recordsRead", "Timestamps": ["2026-11-20T10:00:00Z"], "Values": [5.0]}
    ]});
    let run = parse_docs(&doc("l.json", page)).expect("parses");
    let mut names: Vec<&str> = run.series.iter().map(|s| s.metric.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "glue.7.jvm.heap.used",
            "glue.driver.aggregate.bytesRead",
            "glue.driver.aggregate.recordsRead"
        ]
    );
    assert!(
        run.warnings.iter().any(|w| w.contains("single data point")),
        "{:?}",
        run.warnings
    );
}

#[test]
fn duplicate_points_across_pages() {
    let p = |ts: &[&str], vs: &[f64], status: &str| {
        json!({"MetricDataResults": [{"Id": "glue_ALL_s3_filesystem_read_bytes", "Label": "glue.ALL.s3.filesystem.read_bytes",
            "Timestamps": ts, "Values": vs, "StatusCode": status}]})
    };
    let docs = vec![
        (
            "m.json".to_string(),
            p(
                &["2026-11-20T10:01:00Z", "2026-11-20T10:00:30Z"],
                &[3.0, 2.0],
                "PartialData",
            ),
        ),
        (
            "m.json".to_string(),
            p(
                &["2026-11-20T10:00:30+00:00", "2026-11-20T10:00:00Z"],
                &[2.0, 1.0],
                "Complete",
            ),
        ),
    ];
    let run = parse_docs(&docs).expect("parses");
    let s = run.series(metrics::S3_READ_BYTES).expect("series");
    assert_eq!(s.values, [1.0, 2.0, 3.0], "exact duplicate dropped");
    assert_eq!(s.t_s, [30.0, 60.0, 90.0]);
    assert_eq!(run.warnings.len(), 1, "{:?}", run.warnings);

    // A different value at the same time: the first input's is kept, with a warning.
    let docs = vec![
        (
            "a.json".to_string(),
            p(&["2026-11-20T10:00:00Z"], &[1.0], "Complete"),
        ),
        (
            "b.json".to_string(),
            p(
                &["2026-11-20T10:00:00Z", "2026-11-20T10:00:30Z"],
                &[9.0, 2.0],
                "Complete",
            ),
        ),
    ];
    let run = parse_docs(&docs).expect("parses");
    assert_eq!(run.series[0].values, [1.0, 2.0]);
    assert!(
        run.warnings.iter().any(|w| w.contains("same timestamp")),
        "{:?}",
        run.warnings
    );

    // Only the first page: its PartialData status is reported.
    let docs = vec![(
        "m.json".to_string(),
        p(
            &["2026-11-20T10:01:00Z", "2026-11-20T10:00:30Z"],
            &[3.0, 2.0],
            "PartialData",
        ),
    )];
    let run = parse_docs(&docs).expect("parses");
    assert!(
        run.warnings.iter().any(|w| w.contains("PartialData")),
        "{:?}",
        run.warnings
    );
}

#[test]
fn negative_values_are_skipped_with_a_warning() {
    let page = json!({"MetricDataResults": [{"Id": "glue_driver_aggregate_shuffleBytesWritten",
        "Label": "glue.driver.aggregate.shuffleBytesWritten",
        "Timestamps": ["2026-11-20T10:01:00Z", "2026-11-20T10:00:30Z", "2026-11-20T10:00:00Z"],
        "Values": [30.0, -7.0, 10.0]}]});
    let run = parse_docs(&doc("neg.json", page)).expect("parses");
    assert_eq!(run.series[0].values, [10.0, 30.0]);
    assert!(
        run.warnings
            .iter()
            .any(|w| w.contains("shuffleBytesWritten")
                && w.contains("negative")
                && w.contains("2026-11-20T10:00:30Z")),
        "{:?}",
        run.warnings
    );
}

// ---------------------------------------------------------------- bad input

#[test]
fn mismatched_lengths_name_the_file_the_id_and_both_lengths() {
    let e = parse_err(&["bad-mismatched-lengths.json"]);
    assert_eq!(e.kind, ErrorKind::InvalidContent);
    assert_eq!(e.source, "bad-mismatched-lengths.json");
    let msg = e.to_string();
    assert!(msg.starts_with("bad-mismatched-lengths.json: "), "{msg}");
    assert!(
        msg.contains("glue_3_jvm_heap_used") && msg.contains("5 Timestamps but 4 Values"),
        "{msg}"
    );
}

#[test]
fn bad_timestamp_is_quoted() {
    let msg = parse_err(&["bad-timestamp.json"]).to_string();
    assert!(msg.starts_with("bad-timestamp.json: "), "{msg}");
    assert!(
        msg.contains("\"2026-11-31T10:00:00+00:00\"") && msg.contains("Timestamps[1]"),
        "{msg}"
    );
    assert!(msg.contains("day 31 does not exist"), "{msg}");
}

#[test]
fn nan_and_non_numeric_values_are_errors() {
    let msg = parse_err(&["bad-nan-value.json"]).to_string();
    assert!(msg.starts_with("bad-nan-value.json: "), "{msg}");
    assert!(
        msg.contains("glue_driver_jvm_heap_usage")
            && msg.contains("Values[1]")
            && msg.contains("\"NaN\""),
        "{msg}"
    );
    for bad in [
        json!("Infinity"),
        json!("12 MB"),
        json!(null),
        json!(true),
        json!({"v": 1}),
    ] {
        let msg = inline_err(json!({"MetricDataResults": [{"Id": "glue_1_jvm_heap_used",
            "Timestamps": ["2026-11-20T10:00:00Z"], "Values": [bad]}]}));
        assert!(
            msg.starts_with("inline.json: ") && msg.contains("Values[0]"),
            "{msg}"
        );
    }
    // A numeric string is a number.
    let run = parse_docs(&doc(
        "s.json",
        json!({"MetricDataResults": [{"Id": "glue_1_jvm_heap_used",
        "Timestamps": ["2026-11-20T10:00:00Z"], "Values": ["1.5e9"]}]}),
    ))
    .expect("numeric string");
    assert_eq!(run.series[0].values, [1.5e9]);
}

#[test]
fn wrong_shapes_say_what_was_expected() {
    let msg = parse_err(&["bad-wrong-shape.json"]).to_string();
    assert!(msg.starts_with("bad-wrong-shape.json: "), "{msg}");
    assert!(
        msg.contains("MetricDataResults") && msg.contains("list-metrics"),
        "{msg}"
    );
    let msg = inline_err(json!({"JobRuns": [{"Id": "jr_1"}]}));
    assert!(msg.contains("get-job-runs"), "{msg}");
    let msg = inline_err(json!("hello"));
    assert!(msg.contains("found a string"), "{msg}");
    let msg = inline_err(json!({"MetricDataResults": {"Id": "x"}}));
    assert!(
        msg.contains("MetricDataResults is an object, not an array"),
        "{msg}"
    );
    let msg = inline_err(
        json!({"MetricDataResults": [{"Id": "glue_1_jvm_heap_used", "Timestamps": "x", "Values": []}]}),
    );
    assert!(msg.contains("Timestamps is a string"), "{msg}");
    let msg =
        inline_err(json!({"Label": "glue.1.jvm.heap.used", "Datapoints": [{"Average": 1.0}]}));
    assert!(msg.contains("Datapoints[0] has no Timestamp"), "{msg}");
    let msg = inline_err(json!([small_page(), 3]));
    assert!(msg.contains("array element 1"), "{msg}");
    let msg = inline_err(json!({"JobRun": {"Id": "jr_1", "StartedOn": "soon"}}));
    assert!(msg.contains("JobRun.StartedOn \"soon\""), "{msg}");
    let msg = inline_err(json!({"JobRun": {"Id": "jr_1", "NumberOfWorkers": "ten"}}));
    assert!(msg.contains("NumberOfWorkers"), "{msg}");
}

#[test]
fn no_metric_data_is_an_error() {
    let msg = parse_err(&["bad-empty-results.json"]).to_string();
    assert!(
        msg.starts_with("bad-empty-results.json: no metric data"),
        "{msg}"
    );
    let msg = parse_err(&["bad-forbidden.json"]).to_string();
    assert!(
        msg.starts_with("bad-forbidden.json: no metric data"),
        "{msg}"
    );
    assert!(
        msg.contains("Forbidden") && msg.contains("Insufficient permissions"),
        "{msg}"
    );
    let msg = parse_err(&["get-job-run.json"]).to_string();
    assert!(
        msg.contains("no metric data") && msg.contains("only a Glue job run"),
        "{msg}"
    );
    let e = parse_docs(&[]).expect_err("nothing");
    assert!(e.to_string().contains("no metric data"), "{e}");
    // Several inputs: the error names them all.
    let msg = parse_err(&["bad-empty-results.json", "get-job-run.json"]).to_string();
    assert!(
        msg.starts_with("bad-empty-results.json, get-job-run.json: no metric data"),
        "{msg}"
    );
}

#[test]
fn forbidden_results_next_to_data_are_warnings() {
    let mut forbidden = load("bad-forbidden.json");
    forbidden.push(("m.json".to_string(), small_page()));
    let run = parse_docs(&forbidden).expect("the other results load");
    assert_eq!(run.series.len(), 2);
    assert!(
        run.warnings.iter().any(|w| w.contains("Forbidden")),
        "{:?}",
        run.warnings
    );
}

#[test]
fn odd_documents_never_panic() {
    let odd = [
        json!(null),
        json!(0),
        json!([[]]),
        json!([{}]),
        json!({"MetricDataResults": [null, 1, "x"]}),
        json!({"MetricDataResults": [{}]}),
        json!({"MetricDataResults": [{"Timestamps": [1e300], "Values": [1.0]}]}),
        json!({"MetricDataResults": [{"Id": "glue_1_jvm_heap_used", "Timestamps": [-1e300], "Values": [1.0]}]}),
        json!({"MetricDataResults": [{"Id": "glue_1_jvm_heap_used", "Timestamps": ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"], "Values": [1e308, 0.0]}]}),
        json!({"MetricDataResults": [{"Id": "glue_1_jvm_heap_used", "Timestamps": [[], {}], "Values": [1.0, 2.0]}]}),
        json!({"Datapoints": [], "Label": 5}),
        json!({"Datapoints": [{"Timestamp": 0, "Sum": "x"}], "Label": "glue.ALL.s3.filesystem.read_bytes"}),
        json!({"JobRun": {"StartedOn": 1e20, "Arguments": [1]}}),
        json!({"JobRun": {"StartedOn": null, "CompletedOn": "2026-01-01T00:00:00Z", "NumberOfWorkers": 1e12}}),
    ];
    for v in odd {
        let _ = parse_docs(&doc("odd.json", v.clone()));
        let _ = parse_docs(&[
            ("odd.json".to_string(), v),
            ("m.json".to_string(), small_page()),
        ]);
    }
}

#[test]
fn results_that_name_no_metric_explain_the_missing_data() {
    let msg = inline_err(
        json!({"Label": "Bytes read", "Datapoints": [{"Timestamp": "2026-11-20T10:00:00Z", "Sum": 1.0}]}),
    );
    assert!(
        msg.contains("no metric data")
            && msg.contains("Label \"Bytes read\"")
            && msg.contains("name no Glue metric"),
        "{msg}"
    );
}

#[test]
fn only_negative_values_explain_the_missing_data() {
    let msg = inline_err(
        json!({"MetricDataResults": [{"Id": "glue_driver_aggregate_bytesRead",
        "Timestamps": ["2026-11-20T10:00:00Z"], "Values": [-1.0]}]}),
    );
    assert!(
        msg.contains("no metric data")
            && msg.contains("only negative values")
            && msg.contains("bytesRead"),
        "{msg}"
    );
}

#[test]
fn the_queries_file_next_to_the_export_is_ignored() {
    let queries = json!([{"Id": "glue_1_jvm_heap_used", "Label": "glue.1.jvm.heap.used", "MetricStat": {
        "Metric": {"Namespace": "Glue", "MetricName": "glue.1.jvm.heap.used", "Dimensions": []}, "Period": 30, "Stat": "Average"}}]);
    assert!(!is_cloudwatch_doc(&queries));
    let docs = vec![
        ("queries.json".to_string(), queries),
        ("metrics.json".to_string(), small_page()),
    ];
    let run = parse_docs(&docs).expect("parses");
    assert_eq!(run.series.len(), 2);
    assert!(
        run.warnings
            .iter()
            .any(|w| w.starts_with("queries.json: ") && w.contains("ignored")),
        "{:?}",
        run.warnings
    );
}

#[test]
fn observability_metrics_are_named_drawn_and_used() {
    let run = parse(&[
        "get-job-run.json",
        "get-metric-data.json",
        "get-metric-data-observability.json",
    ]);
    let unit_of = |m: &str| {
        let s = run.series(m).unwrap_or_else(|| panic!("{m} is read"));
        (s.kind, s.unit)
    };
    assert_eq!(
        unit_of(metrics::WORKER_UTILIZATION),
        (SeriesKind::Gauge, Unit::Percent)
    );
    assert_eq!(
        unit_of("glue.ALL.memory.non-heap.used.percentage"),
        (SeriesKind::Gauge, Unit::Percent)
    );
    assert_eq!(
        unit_of("glue.ALL.disk.used_GB"),
        (SeriesKind::Gauge, Unit::Gigabytes)
    );
    assert_eq!(
        unit_of(metrics::SKEWNESS_STAGE),
        (SeriesKind::Gauge, Unit::Count)
    );
    assert_eq!(
        unit_of(metrics::SUCCEED_ALL),
        (SeriesKind::Delta, Unit::Count)
    );
    // Throughput keeps its dimension: one series per source or sink.
    assert_eq!(
        unit_of("glue.driver.bytesRead{Source=s3://example-raw/events/}"),
        (SeriesKind::Gauge, Unit::Bytes)
    );
    assert!(run
        .series("glue.driver.filesWritten{Sink=s3://example-curated/events/}")
        .is_some());
    // Observability sources are not executors.
    assert_eq!(run.worker_executors().count(), 10);
    assert!(
        run.warnings
            .iter()
            .all(|w| !w.contains("name no Glue metric")),
        "{:?}",
        run.warnings
    );

    use runlens::analysis::profiles::{profile, Axis, ValueUnit, View};
    let exec = profile(&run, View::Execution, 0.0);
    assert_eq!(exec.secondary, Some(ValueUnit::Percent));
    let util = exec
        .lines
        .iter()
        .find(|l| l.key == metrics::WORKER_UTILIZATION)
        .expect("worker utilization in job execution");
    assert_eq!(util.axis, Axis::Secondary);
    assert!(exec
        .lines
        .iter()
        .any(|l| l.key == metrics::SKEWNESS_STAGE && l.axis == Axis::Primary));
    let mem = profile(&run, View::Memory, 0.0);
    assert_eq!(mem.secondary, Some(ValueUnit::Percent));
    let pct: Vec<&str> = mem
        .lines
        .iter()
        .filter(|l| l.axis == Axis::Secondary)
        .map(|l| l.key.as_str())
        .collect();
    assert!(pct.contains(&"glue.ALL.disk.used.percentage"), "{pct:?}");
    assert!(
        pct.contains(&"glue.driver.memory.heap.used.percentage"),
        "{pct:?}"
    );
    assert!(mem.axis_max(Axis::Secondary) <= 100.0);
    // The CPU view: every executor, the driver and the average, in percent.
    let cpu = profile(&run, View::Cpu, 0.0);
    assert_eq!(cpu.unit, ValueUnit::Percent);
    assert_eq!(
        cpu.lines.iter().filter(|l| l.executor.is_some()).count(),
        11
    );
    assert!(cpu
        .lines
        .iter()
        .any(|l| l.label == "all executors (average)"));
    let peak = cpu.axis_max(Axis::Primary);
    assert!(peak > 50.0 && peak <= 100.0, "{peak}");
    // Job execution no longer mixes CPU load into executor counts.
    assert!(exec.lines.iter().all(|l| !l.key.contains("cpuSystemLoad")));

    let a = runlens::analysis::analyse(&run, 0.44);
    let kinds: Vec<&str> = a.findings.iter().map(|f| f.kind.as_ref()).collect();
    assert!(kinds.contains(&"low-worker-utilization"), "{kinds:?}");
    assert!(kinds.contains(&"glue-skew"), "{kinds:?}");
    assert!(!kinds.contains(&"glue-memory-pressure"), "{kinds:?}");
    assert!(!kinds.contains(&"glue-error-category"), "{kinds:?}");
    let skew = a.findings.iter().find(|f| f.kind == "glue-skew").unwrap();
    assert!(skew.title.contains("0.60"), "{}", skew.title);
    // Glue's default skew factor, 5: a skewness of 0.60 is a longest task 8× its median.
    assert!(skew.detail.contains("more than 8×"), "{}", skew.detail);
    assert!(skew.detail.contains("Glue's default"), "{}", skew.detail);
    assert!(exec.note.contains("within 5×"), "{}", exec.note);

    // A run that sets the factor is scored with it (here 3: 0.60 is 4.8×, 1 is 6×).
    let mut set = run.clone();
    set.meta.config.insert(
        runlens::model::glue::SKEWNESS_FACTOR_KEY.to_string(),
        "3".to_string(),
    );
    let a = runlens::analysis::analyse(&set, 0.44);
    let skew = a.findings.iter().find(|f| f.kind == "glue-skew").unwrap();
    assert!(skew.detail.contains("more than 5×"), "{}", skew.detail);
    assert!(skew.detail.contains("1 is 6×"), "{}", skew.detail);
    assert!(skew.detail.contains("the run sets"), "{}", skew.detail);
    let exec = profile(&set, View::Execution, 0.0);
    assert!(
        exec.note.contains("within 3× the median, 1 at 6×"),
        "{}",
        exec.note
    );
    // A nonsensical setting falls back on the default.
    set.meta.config.insert(
        runlens::model::glue::SKEWNESS_FACTOR_KEY.to_string(),
        "-2".to_string(),
    );
    assert_eq!(runlens::model::glue::skewness_factor(&set.meta.config), 5.0);
}

#[test]
fn an_error_category_and_full_memory_and_disk_are_findings() {
    let t: Vec<String> = (0..4)
        .map(|i| format!("2026-11-20T10:0{i}:00+00:00"))
        .collect();
    let result = |name: &str, values: [f64; 4]| json!({"Id": name.replace(['.', '-'], "_"), "Label": name, "Timestamps": t, "Values": values, "StatusCode": "Complete"});
    let doc_ = json!({"MetricDataResults": [
        result("glue.error.ALL", [0.0, 0.0, 0.0, 1.0]),
        result("glue.error.DISK_NO_SPACE_ERROR", [0.0, 0.0, 0.0, 1.0]),
        result("glue.ALL.memory.heap.used.percentage", [40.0, 70.0, 97.5, 99.0]),
        result("glue.ALL.disk.used.percentage", [20.0, 60.0, 91.0, 99.0]),
        result("glue.1.jvm.heap.used", [1e9, 2e9, 3e9, 4e9]),
    ], "Messages": []});
    let run = parse_docs(&doc("obs.json", doc_)).unwrap();
    let a = runlens::analysis::analyse(&run, 0.44);
    let find = |k: &str| a.findings.iter().find(|f| f.kind == k);
    let cat = find("glue-error-category").expect("error category");
    assert!(cat.title.contains("DISK_NO_SPACE_ERROR"), "{}", cat.title);
    assert!(cat.advice.as_deref().unwrap_or("").contains("S3"));
    let mem = find("glue-memory-pressure").expect("memory pressure");
    assert!(mem.title.contains("99"), "{}", mem.title);
    let disk = find("disk-pressure").expect("disk pressure from disk.used.percentage");
    assert!(disk.detail.contains("99 %"), "{}", disk.detail);
}
