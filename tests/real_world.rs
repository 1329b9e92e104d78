//! Real event logs of other projects' clusters (`../shared/data/external`), read as Spark's
//! History Server counts them, and the kinds of input they stand for — History Server ZIP
//! downloads, Databricks folders, zstd with large windows, pre-1.3 logs, attempts — as fixtures
//! the tests make from those logs.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::{data_dir, runlens, summarize_json};
use serde_json::Value;

fn external(data: &Path) -> PathBuf {
    data.join("external")
}

fn expected(data: &Path) -> Vec<Value> {
    let text = std::fs::read(external(data).join("expected.json")).expect("expected.json");
    serde_json::from_slice::<Value>(&text)
        .expect("expected.json parses")
        .as_array()
        .expect("an array")
        .clone()
}

fn expected_for(data: &Path, rel: &str) -> Value {
    expected(data)
        .into_iter()
        .find(|e| e["path"] == rel)
        .unwrap_or_else(|| panic!("{rel} in expected.json"))
}

/// A fresh directory under the system's temporary folder.
fn tmp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("runlens-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The content of a shared log, decompressed (zstd or plain).
fn log_text(path: &Path) -> Vec<u8> {
    let raw = std::fs::read(path).unwrap();
    if raw.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        zstd::decode_all(raw.as_slice()).unwrap()
    } else {
        raw
    }
}

/// Splits a log into `parts` pieces of whole lines.
fn split_lines(text: &[u8], parts: usize) -> Vec<Vec<u8>> {
    let lines: Vec<&[u8]> = text.split_inclusive(|b| *b == b'\n').collect();
    let per = lines.len().div_ceil(parts);
    lines.chunks(per).map(|c| c.concat()).collect()
}

/// `summarize --json` of one input: every row.
fn summarize_rows(path: &Path) -> Vec<Value> {
    let p = path.to_string_lossy().into_owned();
    let (code, out, err) = runlens(&["summarize", "--json", &p]);
    assert_eq!(code, 0, "summarize {p} failed: {err}");
    out.lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect()
}

/// The figures the History Server shares with `summarize --json` (expected.json's keys).
const COUNTED: [&str; 11] = [
    "app_id",
    "tasks",
    "failed_tasks",
    "stages",
    "input_bytes",
    "output_bytes",
    "shuffle_write_bytes",
    "shuffle_read_bytes",
    "memory_spill_bytes",
    "disk_spill_bytes",
    "executors",
];

fn assert_counts(got: &Value, want: &Value, ctx: &str) {
    for k in COUNTED {
        assert_eq!(got[k], want[k], "{ctx}: {k}");
    }
    let ended = got["status"] != "incomplete";
    assert_eq!(
        Value::Bool(ended),
        want["app_end"],
        "{ctx}: status {}",
        got["status"]
    );
}

#[test]
fn every_external_log_reads_as_the_history_server_counts_it() {
    let Some(data) = data_dir() else { return };
    for e in expected(&data) {
        let rel = e["path"].as_str().unwrap();
        let path = external(&data).join(rel);
        let v = summarize_json(&path);
        assert_counts(&v, &e, rel);
        let starts_with_dbc = path.is_file()
            && log_text(&path).starts_with(br#"{"Event":"DBCEventLoggingListenerMetadata""#);
        if starts_with_dbc {
            // The independent reader stops at the missing LogStart; Databricks' first line names
            // the version.
            assert!(
                v["spark_version"].is_string(),
                "{rel}: {}",
                v["spark_version"]
            );
        } else {
            assert_eq!(
                v["spark_version"], e["spark_version"],
                "{rel}: spark_version"
            );
        }
        // bad_lines = 0: no line was skipped.
        let warnings = v["warnings"].as_array().unwrap();
        assert!(
            !warnings.iter().any(|w| {
                let w = w.as_str().unwrap_or("");
                w.contains("not a Spark event")
                    || w.contains("could not be read")
                    || w.contains("ended twice")
            }),
            "{rel}: {warnings:?}"
        );
        assert!(v["platform"].is_string(), "{rel}: no platform");
    }
}

#[test]
fn platforms_of_the_external_logs() {
    let Some(data) = data_dir() else { return };
    for (rel, platform) in [
        ("NVIDIA__spark-rapids-tools/nds_q66_cpu.zstd", "dataproc"),
        ("NVIDIA__spark-rapids-tools/xgboost_eventlog.zstd", "databricks"),
        ("NVIDIA__spark-rapids-tools/multiple_attempts/attempt_1_eventlog.zstd", "emr"),
        ("NVIDIA__spark-rapids-tools/tasks_executors_fail_compressed_eventlog.zstd", "yarn"),
        ("groupon__sparklint/event_log_0", "yarn"),
        ("kubeflow__mcp-apache-spark-history-server/eventlog_v2_spark-cc4d115f011443d787f03a71a476a745", "kubernetes"),
        ("datamechanics__delight/example_spark_event_log.txt", "kubernetes"),
        ("NVIDIA__spark-rapids-tools/spark2-eventlog.zstd", "local"),
    ] {
        let v = summarize_json(&external(&data).join(rel));
        assert_eq!(v["platform"], platform, "{rel}");
    }
}

#[test]
fn resubmitted_ends_are_lost_map_outputs() {
    let Some(data) = data_dir() else { return };
    let path = external(&data)
        .join("NVIDIA__spark-rapids-tools/tasks_executors_fail_compressed_eventlog.zstd");
    let run = runlens::ingest::fs::load_path(&path).unwrap().run;
    let lost = run.tasks.iter().filter(|t| t.output_lost).count();
    assert_eq!(lost, 50);
    let a = runlens::analysis::analyse(&run, 0.44);
    let f = a
        .findings
        .iter()
        .find(|f| f.kind == "lost-map-outputs")
        .expect("a finding");
    assert!(
        f.title.starts_with("50 map outputs lost with executor"),
        "{}",
        f.title
    );
    assert!(f.title.ends_with("recomputed"), "{}", f.title);
}

#[test]
fn summarize_json_carries_a_failed_runs_error() {
    let Some(data) = data_dir() else { return };
    let path = external(&data)
        .join("NVIDIA__spark-rapids-tools/tasks_executors_fail_compressed_eventlog.zstd");
    let v = common::summarize_json(&path);
    assert_eq!(v["status"], "failed");
    assert_eq!(
        v["error"], "Job 79 cancelled because SparkContext was shut down",
        "the failed job's reason, as Spark wrote it"
    );
    let ok = external(&data).join("groupon__sparklint/event_log_0");
    assert!(common::summarize_json(&ok)["error"].is_null());
}

#[test]
fn memory_spill_without_disk_spill_is_not_called_disk_spill() {
    let Some(data) = data_dir() else { return };
    let path = external(&data).join("groupon__sparklint/application_1472176676028_407508_1");
    let run = runlens::ingest::fs::load_path(&path).unwrap().run;
    let a = runlens::analysis::analyse(&run, 0.44);
    let f = a
        .findings
        .iter()
        .find(|f| f.kind == "spill")
        .expect("spill finding");
    assert!(!f.title.contains("disk"), "{}", f.title);
    assert!(!f.detail.contains("written to disk as 0 B"), "{}", f.detail);
    assert!(f.title.contains("226 GB"), "{}", f.title);
}

#[test]
fn executors_sort_numerically_in_every_list() {
    let Some(data) = data_dir() else { return };
    let path = external(&data).join("groupon__sparklint/application_1472176676028_407508_1");
    let run = runlens::ingest::fs::load_path(&path).unwrap().run;
    let key = |id: &str| {
        if id == "driver" {
            -1
        } else {
            id.parse::<i64>().unwrap()
        }
    };
    let ids: Vec<i64> = run.executors.iter().map(|e| key(&e.id)).collect();
    assert!(ids.len() > 50);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let lanes = runlens::render::timeline::raster(&run, 0.0, run.meta.duration_s, 100);
    let lane_ids: Vec<i64> = lanes.iter().map(|l| key(&l.executor)).collect();
    assert!(lane_ids.windows(2).all(|w| w[0] < w[1]), "{lane_ids:?}");
    for p in runlens::analysis::profiles::profiles(&run, 30.0) {
        let ex: Vec<i64> = p
            .lines
            .iter()
            .filter_map(|l| l.executor.as_deref())
            .map(key)
            .collect();
        assert!(ex.windows(2).all(|w| w[0] < w[1]), "{:?}: {ex:?}", p.view);
    }
}

#[test]
fn zero_executor_metrics_are_missing_samples() {
    let Some(data) = data_dir() else { return };
    let run =
        runlens::ingest::fs::load_path(&data.join("spark-local/app-20261121234021-0000.zstd"))
            .unwrap()
            .run;
    let mem = runlens::analysis::profiles::profiles(&run, 5.0)
        .into_iter()
        .find(|p| p.view == runlens::analysis::profiles::View::Memory)
        .unwrap();
    assert!(!mem.lines.is_empty());
    for l in &mem.lines {
        assert!(
            l.points.iter().all(|p| p.1 > 0.0),
            "{}: a 0 B heap sample",
            l.label
        );
    }
    for s in run
        .series
        .iter()
        .filter(|s| s.metric.ends_with("jvm.heap.used"))
    {
        assert!(s.values.iter().all(|v| *v > 0.0), "{}", s.metric);
    }
}

#[test]
fn attempts_are_runs_labelled_with_their_attempt() {
    let Some(data) = data_dir() else { return };
    let dir = external(&data).join("NVIDIA__spark-rapids-tools/multiple_attempts");
    for n in ["1", "2"] {
        let run = runlens::ingest::fs::load_path(&dir.join(format!("attempt_{n}_eventlog.zstd")))
            .unwrap()
            .run;
        assert_eq!(run.meta.attempt_id.as_deref(), Some(n));
        assert!(
            run.display_name().ends_with(&format!("(attempt {n})")),
            "{}",
            run.display_name()
        );
    }
}

/// How a test ZIP is written.
#[derive(Clone, Copy, Debug)]
enum ZipKind {
    /// Stored entries, sizes in the headers.
    Stored,
    /// Deflated entries, sizes in the headers.
    Deflated,
    /// Deflated, streamed: data descriptors, no sizes in the headers (as Java writes).
    Streamed,
    /// Deflated with zip64 records.
    Zip64,
}

fn write_zip(path: &Path, kind: ZipKind, entries: &[(String, Vec<u8>)]) {
    use zip::write::SimpleFileOptions;
    let method = match kind {
        ZipKind::Stored => zip::CompressionMethod::Stored,
        _ => zip::CompressionMethod::Deflated,
    };
    let opts = SimpleFileOptions::default()
        .compression_method(method)
        .large_file(matches!(kind, ZipKind::Zip64));
    let file = std::fs::File::create(path).unwrap();
    match kind {
        ZipKind::Streamed => {
            let mut w = zip::ZipWriter::new_stream(file);
            for (name, bytes) in entries {
                w.start_file(name.as_str(), opts).unwrap();
                w.write_all(bytes).unwrap();
            }
            w.finish().unwrap();
        }
        _ => {
            let mut w = zip::ZipWriter::new(file);
            for (name, bytes) in entries {
                w.start_file(name.as_str(), opts).unwrap();
                w.write_all(bytes).unwrap();
            }
            w.finish().unwrap();
        }
    }
}

#[test]
fn a_zip_of_one_log_from_every_kind_of_writer() {
    let Some(data) = data_dir() else { return };
    let rel = "NVIDIA__spark-rapids-tools/tasks_executors_fail_compressed_eventlog.zstd";
    let e = expected_for(&data, rel);
    let bytes = std::fs::read(external(&data).join(rel)).unwrap();
    let dir = tmp_dir("zip-one");
    for kind in [
        ZipKind::Stored,
        ZipKind::Deflated,
        ZipKind::Streamed,
        ZipKind::Zip64,
    ] {
        let z = dir.join(format!("{kind:?}.zip"));
        write_zip(
            &z,
            kind,
            &[("application_1603128018386_7846.zstd".into(), bytes.clone())],
        );
        let rows = summarize_rows(&z);
        assert_eq!(rows.len(), 1, "{kind:?}");
        let v = &rows[0];
        assert_eq!(
            v["source"],
            format!("{}!/application_1603128018386_7846.zstd", z.display()),
            "{kind:?}"
        );
        assert_counts(v, &e, &format!("{kind:?}"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_zip_of_a_rolling_log_whose_parts_come_in_name_order() {
    let Some(data) = data_dir() else { return };
    let rel = "datamechanics__delight/example_spark_event_log.txt";
    let e = expected_for(&data, rel);
    let text = log_text(&external(&data).join(rel));
    let parts = split_lines(&text, 12);
    assert_eq!(parts.len(), 12);
    let app = "spark-195580588c0f4597ade9c93018b4e67f";
    let folder = format!("eventlog_v2_{app}");
    // The History Server lists the folder by name: events_1, events_10, events_11, events_12, events_2, …
    let mut entries: Vec<(String, Vec<u8>)> = parts
        .iter()
        .enumerate()
        .map(|(i, p)| (format!("{folder}/events_{}_{app}", i + 1), p.clone()))
        .collect();
    entries.push((format!("{folder}/appstatus_{app}"), Vec::new()));
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(
        entries[1].0.contains("events_10_"),
        "name order puts 10 second"
    );
    let dir = tmp_dir("zip-rolling");
    let z = dir.join("eventLogs-app.zip");
    write_zip(&z, ZipKind::Streamed, &entries);
    let rows = summarize_rows(&z);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["source"], format!("{}!/{folder}", z.display()));
    assert_counts(&rows[0], &e, "zip");
    assert!(
        rows[0]["warnings"].as_array().unwrap().is_empty(),
        "{:?}",
        rows[0]["warnings"]
    );
    // The same parts as a folder.
    let f = dir.join(&folder);
    std::fs::create_dir_all(&f).unwrap();
    for (name, bytes) in &entries {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    assert_counts(&summarize_json(&f), &e, "folder");
    // One entry of the archive by name.
    let one = format!("{}!/{folder}", z.display());
    assert_counts(&summarize_json(Path::new(&one)), &e, "ARCHIVE!/ENTRY");
    let _ = std::fs::remove_dir_all(&dir);
}

fn java() -> bool {
    std::process::Command::new("java")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Zips as the History Server does (java.util.zip.ZipOutputStream, its defaults).
fn shs_zip(out: &Path, args: &[String]) {
    let src = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/shs_zip/ShsZip.java"
    );
    let status = std::process::Command::new("java")
        .arg(src)
        .arg(out)
        .args(args)
        .status()
        .expect("java runs");
    assert!(status.success(), "ShsZip.java failed");
}

#[test]
fn history_server_downloads_of_a_rolling_log_and_of_two_attempts() {
    let Some(data) = data_dir() else { return };
    if !java() {
        eprintln!("SKIPPED: no java on PATH to write History Server style ZIPs");
        return;
    }
    let dir = tmp_dir("shs-zip");
    // A rolling folder (two zstd parts and an empty appstatus file).
    let rel = "NVIDIA__spark-rapids-tools/eventlog_v2_local-1623876083964";
    let folder = external(&data).join(rel);
    let mut args = vec!["eventlog_v2_local-1623876083964/".to_string()];
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    for n in &names {
        args.push(format!(
            "eventlog_v2_local-1623876083964/{n}={}",
            folder.join(n).display()
        ));
    }
    let z = dir.join("eventLogs-local-1623876083964.zip");
    shs_zip(&z, &args);
    let rows = summarize_rows(&z);
    assert_eq!(rows.len(), 1);
    assert_counts(&rows[0], &expected_for(&data, rel), "rolling");
    // One application, two attempts: a run each.
    let att = external(&data).join("NVIDIA__spark-rapids-tools/multiple_attempts");
    let z2 = dir.join("eventLogs-application_1724877841851_0016.zip");
    shs_zip(
        &z2,
        &[
            format!(
                "application_1724877841851_0016_1.zstd={}",
                att.join("attempt_1_eventlog.zstd").display()
            ),
            format!(
                "application_1724877841851_0016_2.zstd={}",
                att.join("attempt_2_eventlog.zstd").display()
            ),
        ],
    );
    let rows = summarize_rows(&z2);
    assert_eq!(rows.len(), 2, "one row per attempt");
    for (i, n) in ["1", "2"].iter().enumerate() {
        assert_eq!(
            rows[i]["source"],
            format!("{}!/application_1724877841851_0016_{n}.zstd", z2.display())
        );
        let e = expected_for(
            &data,
            &format!("NVIDIA__spark-rapids-tools/multiple_attempts/attempt_{n}_eventlog.zstd"),
        );
        assert_counts(&rows[i], &e, &format!("attempt {n}"));
    }
    // A single run is needed for convert: the archive says which entries it has.
    let (code, _, err) = runlens(&["convert", &z2.to_string_lossy(), "-o", "-"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("2 runs") && err.contains("application_1724877841851_0016_2.zstd"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn a_databricks_cluster_log_folder_and_its_zip() {
    let Some(data) = data_dir() else { return };
    let rel = "NVIDIA__spark-rapids-tools/xgboost_eventlog.zstd";
    let e = expected_for(&data, rel);
    let text = log_text(&external(&data).join(rel));
    let parts = split_lines(&text, 4);
    let dir = tmp_dir("databricks");
    let f = dir.join("eventlog-folder");
    std::fs::create_dir_all(&f).unwrap();
    let stamps = [
        "2022-12-21--22-40",
        "2022-12-21--22-50",
        "2022-12-21--23-00",
    ];
    let mut entries = Vec::new();
    for (stamp, part) in stamps.iter().zip(&parts) {
        let name = format!("eventlog-{stamp}.gz");
        let gz = gzip(part);
        std::fs::write(f.join(&name), &gz).unwrap();
        entries.push((format!("eventlog-folder/{name}"), gz));
    }
    std::fs::write(f.join("eventlog"), &parts[3]).unwrap();
    entries.push(("eventlog-folder/eventlog".into(), parts[3].clone()));
    let v = summarize_json(&f);
    assert_counts(&v, &e, "folder");
    assert_eq!(
        v["spark_version"], "3.2.1",
        "from DBCEventLoggingListenerMetadata"
    );
    assert_eq!(v["platform"], "databricks");
    // Zipped by name (the live part first), and streamed.
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let z = dir.join("cluster-logs.zip");
    write_zip(&z, ZipKind::Streamed, &entries);
    let rows = summarize_rows(&z);
    assert_eq!(rows.len(), 1);
    assert_counts(&rows[0], &e, "zip");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A zstd stream as Databricks writes it: one frame whose header asks for a 2^`log` window.
fn zstd_with_window(bytes: &[u8], log: u32) -> Vec<u8> {
    let mut enc = zstd::stream::Encoder::new(Vec::new(), 3).unwrap();
    enc.set_parameter(zstd::zstd_safe::CParameter::WindowLog(log))
        .unwrap();
    enc.set_parameter(zstd::zstd_safe::CParameter::EnableLongDistanceMatching(
        true,
    ))
    .unwrap();
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// The window the first frame's header asks for (its window descriptor).
fn frame_window(z: &[u8]) -> u64 {
    let fhd = z[4];
    assert_eq!(fhd & 0x20, 0, "a window descriptor, not a single segment");
    let wd = z[5];
    let base = 1u64 << (10 + (wd >> 3));
    base + base / 8 * u64::from(wd & 7)
}

#[test]
fn zstd_with_the_reference_decoders_largest_default_window() {
    let Some(data) = data_dir() else { return };
    let rel = "NVIDIA__spark-rapids-tools/nds_q66_cpu.zstd";
    let e = expected_for(&data, rel);
    let text = log_text(&external(&data).join(rel));
    let dir = tmp_dir("zstd-window");
    let z27 = zstd_with_window(&text, 27);
    assert_eq!(frame_window(&z27), 128 << 20);
    let p = dir.join("window27.zstd");
    std::fs::write(&p, &z27).unwrap();
    assert_counts(&summarize_json(&p), &e, "windowLog 27");
    // Above the reference decoder's default: refused, with what to do.
    let z28 = zstd_with_window(&text, 28);
    assert_eq!(frame_window(&z28), 256 << 20);
    let p = dir.join("window28.zstd");
    std::fs::write(&p, &z28).unwrap();
    let (code, _, err) = runlens(&["summarize", &p.to_string_lossy()]);
    assert_eq!(code, 1);
    assert!(err.contains("window28.zstd"), "{err}");
    assert!(
        err.contains("256 MB window") && err.contains("128 MiB"),
        "{err}"
    );
    assert!(err.contains("--long=31"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_log_from_before_spark_1_3() {
    let Some(data) = data_dir() else { return };
    // Spark before 1.3 wrote no App ID, no ExecutorAdded/Removed and no LogStart: made so from a
    // Spark 1.5 log.
    let rel = "groupon__sparklint/event_log_0";
    let e = expected_for(&data, rel);
    let text = String::from_utf8(log_text(&external(&data).join(rel))).unwrap();
    let mut out = String::new();
    let mut ran: std::collections::BTreeSet<String> = Default::default();
    for line in text.lines() {
        let mut v: Value = serde_json::from_str(line).unwrap();
        let ev = v["Event"].as_str().unwrap_or("").to_string();
        if matches!(
            ev.as_str(),
            "SparkListenerExecutorAdded" | "SparkListenerExecutorRemoved" | "SparkListenerLogStart"
        ) {
            continue;
        }
        if ev == "SparkListenerTaskEnd" {
            ran.insert(v["Task Info"]["Executor ID"].as_str().unwrap().to_string());
        }
        if ev == "SparkListenerApplicationStart" {
            v.as_object_mut().unwrap().remove("App ID");
        }
        out.push_str(&v.to_string());
        out.push('\n');
    }
    let dir = tmp_dir("pre13");
    let p = dir.join("EVENT_LOG_1");
    std::fs::write(&p, out).unwrap();
    let v = summarize_json(&p);
    assert!(v["app_id"].is_null());
    // Every count but the executors (app_id first, executors last).
    for k in &COUNTED[1..COUNTED.len() - 1] {
        assert_eq!(v[*k], e[*k], "{k}");
    }
    ran.remove("driver");
    assert_eq!(v["executors"], ran.len(), "executors from the task ends");
    // Before Spark 1.4 the driver's id was `<driver>`: a local run still has no executors.
    let rel = "NVIDIA__spark-rapids-tools/spark2-eventlog.zstd";
    let text = String::from_utf8(log_text(&external(&data).join(rel))).unwrap();
    let old = text.replace(r#""Executor ID":"driver""#, r#""Executor ID":"<driver>""#);
    assert_ne!(old, text);
    let p = dir.join("local-legacy-driver");
    std::fs::write(&p, old).unwrap();
    let v = summarize_json(&p);
    assert_eq!(v["executors"], 0);
    assert_eq!(v["tasks"], expected_for(&data, rel)["tasks"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Flips bits of the first local header of a ZIP.
fn patch_first_header(z: &mut [u8], at: usize, value: u16) {
    z[at..at + 2].copy_from_slice(&value.to_le_bytes());
}

#[test]
fn zips_runlens_cannot_read_say_why() {
    let Some(data) = data_dir() else { return };
    let rel = "NVIDIA__spark-rapids-tools/spark2-eventlog.zstd";
    let bytes = std::fs::read(external(&data).join(rel)).unwrap();
    let dir = tmp_dir("zip-errors");
    let good = dir.join("good.zip");
    write_zip(
        &good,
        ZipKind::Deflated,
        &[("app.zstd".into(), bytes.clone())],
    );
    let zipped = std::fs::read(&good).unwrap();
    let fail = |name: &str, z: &[u8], want: &str| {
        let p = dir.join(name);
        std::fs::write(&p, z).unwrap();
        let (code, _, err) = runlens(&["summarize", &p.to_string_lossy()]);
        assert_eq!(code, 1, "{name}");
        assert!(err.contains(name), "{name}: {err}");
        assert!(err.contains(want), "{name}: {err}");
    };
    // General-purpose flag bit 0: encrypted.
    let mut enc = zipped.clone();
    patch_first_header(&mut enc, 6, 1);
    fail("encrypted.zip", &enc, "encrypted");
    // Method 12: bzip2.
    let mut bz = zipped.clone();
    patch_first_header(&mut bz, 8, 12);
    fail("bzip2.zip", &bz, "compression method 12 (bzip2)");
    // Cut inside the first entry: nothing to read.
    fail("cut.zip", &zipped[..zipped.len() / 2], "cut.zip");
    // A CRC that does not match: what was read stays, with a warning (as for a corrupt stream).
    let mut crc = zipped.clone();
    crc[14] ^= 0xff;
    let p = dir.join("crc.zip");
    std::fs::write(&p, &crc).unwrap();
    let w = summarize_json(&p)["warnings"].to_string();
    assert!(
        w.contains("crc.zip") && w.contains("CRC-32 mismatch"),
        "{w}"
    );
    // A log and a file that is not one: the log loads, the other is a warning.
    let mixed = dir.join("mixed.zip");
    write_zip(
        &mixed,
        ZipKind::Streamed,
        &[
            ("README.txt".into(), b"notes about the run\n".to_vec()),
            ("app.zstd".into(), bytes.clone()),
        ],
    );
    let rows = summarize_rows(&mixed);
    assert_eq!(rows.len(), 1);
    let w = rows[0]["warnings"].to_string();
    assert!(w.contains("README.txt") && w.contains("skipped"), "{w}");
    // A download cut off after the first entry: it loads, with a warning.
    let two = dir.join("two.zip");
    write_zip(
        &two,
        ZipKind::Streamed,
        &[
            ("a.zstd".into(), bytes.clone()),
            ("b.zstd".into(), bytes.clone()),
        ],
    );
    let z = std::fs::read(&two).unwrap();
    let cut_at = z.windows(4).rposition(|w| w == b"PK\x03\x04").unwrap() + 10;
    let cut = dir.join("cut-after-one.zip");
    std::fs::write(&cut, &z[..cut_at]).unwrap();
    let rows = summarize_rows(&cut);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["tasks"], 6);
    let w = rows[0]["warnings"].to_string();
    assert!(
        w.contains("cut-after-one.zip") && w.contains("the archive ends"),
        "{w}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_push_pipeline_reads_archives_in_any_chunking() {
    // The page's path (Ingestor, as the worker uses it), not the CLI's reader thread.
    let Some(data) = data_dir() else { return };
    let att = external(&data).join("NVIDIA__spark-rapids-tools/multiple_attempts");
    let a1 = std::fs::read(att.join("attempt_1_eventlog.zstd")).unwrap();
    let a2 = std::fs::read(att.join("attempt_2_eventlog.zstd")).unwrap();
    let dir = tmp_dir("push-zip");
    let z = dir.join("attempts.zip");
    write_zip(
        &z,
        ZipKind::Streamed,
        &[("a1.zstd".into(), a1), ("a2.zstd".into(), a2)],
    );
    let bytes = std::fs::read(&z).unwrap();
    for chunk in [1usize, 7, 4096, bytes.len()] {
        let mut ing = runlens::ingest::Ingestor::new("attempts.zip");
        ing.begin_file("attempts.zip");
        for piece in bytes.chunks(chunk) {
            ing.push(piece).unwrap();
        }
        let runs = ing.finish_all().unwrap();
        assert_eq!(runs.len(), 2, "chunks of {chunk}");
        assert_eq!(runs[0].entry.as_deref(), Some("attempts.zip!/a1.zstd"));
        assert_eq!(runs[1].run.meta.attempt_id.as_deref(), Some("2"));
        assert!(
            runs.iter().all(|r| r.run.tasks.len() == 107),
            "chunks of {chunk}"
        );
        // One entry by name.
        let mut ing = runlens::ingest::Ingestor::new("attempts.zip").only_entry(Some("a2.zstd"));
        ing.begin_file("attempts.zip");
        ing.push(&bytes).unwrap();
        let one = ing.finish().unwrap();
        assert_eq!(one.run.meta.attempt_id.as_deref(), Some("2"));
    }
    // A file shorter than the bytes that tell its kind is still read.
    let mut ing = runlens::ingest::Ingestor::new("tiny");
    ing.begin_file("tiny");
    ing.push(b"{}\n").unwrap();
    let e = ing.finish().unwrap_err().to_string();
    assert!(e.contains("tiny"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn tables_of_every_external_log_add_up_to_the_history_servers_counts() {
    let Some(data) = data_dir() else { return };
    for e in expected(&data) {
        let rel = e["path"].as_str().unwrap();
        let loaded = runlens::ingest::fs::load_path(&external(&data).join(rel)).unwrap();
        let run = &loaded.run;
        let t = runlens::analysis::tables::tables(run);
        // Failed task ends, grouped by reason: kills are not failures (AppStatusListener).
        let failed: u64 = t
            .failures
            .iter()
            .filter(|g| !g.killed)
            .map(|g| g.count)
            .sum();
        assert_eq!(
            Some(failed),
            e["failed_tasks"].as_u64(),
            "{rel}: failed tasks"
        );
        for g in &t.failures {
            assert!(g.count > 0 && !g.first_message.is_empty(), "{rel}: {g:?}");
            assert!(
                !g.stages.is_empty() && !g.executors.is_empty(),
                "{rel}: {g:?}"
            );
        }
        let stage_tasks: u64 = t.stages.iter().map(|s| s.totals.tasks).sum();
        let stage_failed: u64 = t.stages.iter().map(|s| s.failed_tasks).sum();
        assert_eq!(Some(stage_tasks), e["tasks"].as_u64(), "{rel}: stage tasks");
        assert_eq!(
            Some(stage_failed),
            e["failed_tasks"].as_u64(),
            "{rel}: stage failed"
        );
        // expected.json counts completed stage attempts (the History Server's completed list).
        let complete = t
            .stages
            .iter()
            .filter(|s| s.status == runlens::model::StageStatus::Complete)
            .count() as u64;
        assert_eq!(Some(complete), e["stages"].as_u64(), "{rel}: stages");
        for s in &t.stages {
            if let Some(q) = s.task_ms_quantiles {
                assert!(
                    q.windows(2).all(|w| w[0] <= w[1]),
                    "{rel}: stage {} {q:?}",
                    s.id
                );
            }
        }
        let exec_tasks: u64 = t.executors.iter().map(|x| x.totals.tasks).sum();
        assert!(exec_tasks <= stage_tasks, "{rel}: executor tasks");
        // Every job a SQL execution lists names it back.
        for q in &t.sql {
            for j in &q.job_ids {
                let job = t.jobs.iter().find(|x| x.id == *j).unwrap();
                assert_eq!(job.sql_execution_id, Some(q.id), "{rel}: job {j}");
            }
        }
        // A job's tasks are its stages' tasks.
        for j in &t.jobs {
            let of_stages: u64 = t
                .stages
                .iter()
                .filter(|s| s.job_id == Some(j.id))
                .map(|s| s.totals.tasks)
                .sum();
            assert_eq!(j.tasks, of_stages, "{rel}: job {}", j.id);
        }
    }
}

#[test]
fn failed_tasks_group_by_reason_with_the_exception_class() {
    let Some(data) = data_dir() else { return };
    let rel = "NVIDIA__spark-rapids-tools/tasks_executors_fail_compressed_eventlog.zstd";
    let run = runlens::ingest::fs::load_path(&external(&data).join(rel))
        .unwrap()
        .run;
    let t = runlens::analysis::tables::tables(&run);
    assert!(!t.failures.is_empty());
    // Most frequent first; every kind once.
    assert!(t.failures.windows(2).all(|w| w[0].count >= w[1].count));
    let mut kinds: Vec<&str> = t.failures.iter().map(|g| g.kind.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(kinds.len(), t.failures.len());
    for g in &t.failures {
        if g.kind.starts_with("ExceptionFailure") {
            assert!(
                g.kind.contains(": "),
                "an exception names its class: {}",
                g.kind
            );
        }
    }
}

/// The finding kinds `runlens` reports for a shared log.
fn finding_kinds(path: &Path) -> Vec<(String, runlens::analysis::findings::Severity)> {
    let run = runlens::ingest::fs::load_path(path).unwrap().run;
    runlens::analysis::analyse(&run, 0.44)
        .findings
        .into_iter()
        .map(|f| (f.kind.into_owned(), f.severity))
        .collect()
}

#[test]
fn memory_gc_and_task_size_findings_on_real_logs() {
    use runlens::analysis::findings::Severity;
    let Some(data) = data_dir() else { return };
    let has = |rel: &str, kind: &str| {
        finding_kinds(&external(&data).join(rel))
            .into_iter()
            .find(|(k, _)| k == kind)
            .map(|(_, s)| s)
    };
    // A Kubernetes executor at 3.93 GB of its 4g heap: DataFlint's 95 % level.
    let k8s = "kubeflow__mcp-apache-spark-history-server/eventlog_v2_spark-cc4d115f011443d787f03a71a476a745";
    assert_eq!(
        has(k8s, "executor-memory-under-provisioned"),
        Some(Severity::Warning)
    );
    assert_eq!(has(k8s, "executor-memory-over-provisioned"), None);
    // 16 GB executors that peaked at a third: over-provisioned; 10 % of task time in GC is
    // Dr. Elephant's moderate level; 13,297 tasks of 39 ms median are tiny.
    let q66 = "NVIDIA__spark-rapids-tools/nds_q66_cpu.zstd";
    assert_eq!(
        has(q66, "executor-memory-over-provisioned"),
        Some(Severity::Info)
    );
    assert_eq!(has(q66, "gc-heavy"), Some(Severity::Info));
    assert_eq!(has(q66, "tiny-tasks"), Some(Severity::Warning));
    // A quarter of task time in GC: critical on Dr. Elephant's scale.
    assert_eq!(
        has("groupon__sparklint/event_log_0", "gc-heavy"),
        Some(Severity::Warning)
    );
    // 155 tasks are not "many tiny tasks", whatever their length.
    assert_eq!(
        has(
            "NVIDIA__spark-rapids-tools/xgboost_eventlog.zstd",
            "tiny-tasks"
        ),
        None
    );
}
