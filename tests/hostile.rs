//! Hostile and huge inputs, one class per test, each made from the real logs of ../shared/data by
//! mutation (prefixes, repeats, patched numbers): every one finishes with the right numbers, with
//! the part it could read and a warning, or with an error that names the file — and, for the
//! resource classes, within a memory bound the old code broke (measured by this binary's
//! allocator, per thread).
#![cfg(not(target_arch = "wasm32"))]

mod common;

#[global_allocator]
static ALLOC: common::alloc::PerThread = common::alloc::PerThread;

use std::io::Write;

use common::alloc::peak_of;
use common::data_dir;
use runlens::ingest::{ingest_bytes, Ingestor};

const MB: usize = 1 << 20;

fn s1_before(data: &std::path::Path) -> Vec<u8> {
    std::fs::read(data.join("spark-local/app-20261121232506-0000")).unwrap()
}

/// Pushes `chunks` of `piece` (a generator) into an ingestor named `name`, then the tail.
fn push_all(
    name: &str,
    head: &[u8],
    piece: &[u8],
    times: usize,
    tail: &[u8],
) -> runlens::Result<runlens::ingest::Loaded> {
    let mut ing = Ingestor::new(name);
    ing.begin_file(name);
    ing.push(head)?;
    for _ in 0..times {
        ing.push(piece)?;
    }
    ing.push(tail)?;
    ing.finish()
}

#[test]
fn json_documents_are_not_held_whole() {
    // `[` then 256 MB of spaces: the old reader buffered it all (and gigabytes aborted).
    let spaces = vec![b' '; MB];
    let (r, peak) = peak_of(|| push_all("spaces.json", b"[", &spaces, 256, b"]"));
    let e = r.unwrap_err().to_string();
    assert!(e.starts_with("spaces.json: "), "{e}");
    assert!(
        peak < 8 * MB,
        "held {peak} bytes for a document of blank space"
    );
    // A run file with 256 MB of blank space between its members reads as the compact one.
    let Some(data) = data_dir() else { return };
    let compact =
        runlens::ingest::run_file::to_vec(&ingest_bytes("s1", &s1_before(&data)).unwrap().run);
    let (want, compact_peak) = peak_of(|| ingest_bytes("run.json", &compact).unwrap().run);
    let cut = compact.iter().position(|b| *b == b',').unwrap() + 1;
    let (got, peak) = peak_of(|| {
        push_all(
            "padded.run.json",
            &compact[..cut],
            &spaces,
            256,
            &compact[cut..],
        )
        .unwrap()
        .run
    });
    assert_eq!(got, want);
    assert!(
        peak < compact_peak * 2 + 8 * MB,
        "padded: {peak} bytes, compact: {compact_peak}"
    );
}

#[test]
fn run_files_of_any_layout_read_alike() {
    let Some(data) = data_dir() else { return };
    let run = ingest_bytes("s1", &s1_before(&data)).unwrap().run;
    let compact = runlens::ingest::run_file::to_vec(&run);
    // As Python's json.dumps(indent=2) or any pretty-printer writes it, and with members reordered.
    let pretty = serde_json::to_vec_pretty(&run).unwrap();
    assert!(
        pretty.len() > compact.len() * 5 / 4,
        "the pretty file is larger"
    );
    let mut v: serde_json::Value = serde_json::from_slice(&compact).unwrap();
    let reordered = {
        let obj = v.as_object_mut().unwrap();
        let mut out = serde_json::Map::new();
        for k in [
            "tasks",
            "series",
            "meta",
            "stages",
            "executors",
            "jobs",
            "sql",
            "warnings",
            "format",
        ] {
            if let Some(x) = obj.remove(k) {
                out.insert(k.to_string(), x);
            }
        }
        serde_json::to_vec(&serde_json::Value::Object(out)).unwrap()
    };
    let (a, peak_compact) = peak_of(|| ingest_bytes("a.json", &compact).unwrap());
    let (b, peak_pretty) = peak_of(|| ingest_bytes("b.json", &pretty).unwrap());
    let c = ingest_bytes("c.json", &reordered).unwrap();
    assert_eq!(a.run, run);
    assert_eq!(b.run, run);
    assert_eq!(c.run, run);
    assert_eq!(b.format, runlens::model::SourceFormat::RunFile);
    // The same run costs the same memory whatever the file's layout (not 5× for a pretty one).
    assert!(
        peak_pretty < peak_compact + peak_compact / 2,
        "pretty: {peak_pretty} bytes, compact: {peak_compact}"
    );
}

#[test]
fn blank_space_before_the_content_is_bounded() {
    // 200 MB of leading spaces took 15 s (the sniffer rescanned its buffer at every push).
    let spaces = vec![b' '; MB];
    let (r, peak) = peak_of(|| {
        push_all(
            "blank.log",
            b"",
            &spaces,
            200,
            b"{\"Event\":\"SparkListenerLogStart\"}\n",
        )
    });
    let e = r.unwrap_err().to_string();
    assert!(e.starts_with("blank.log: "), "{e}");
    assert!(e.contains("blank space"), "{e}");
    assert!(peak < 4 * MB, "held {peak} bytes of blank space");
    // A few blank lines and a byte-order mark are fine, and line 1 still counts.
    let Some(data) = data_dir() else { return };
    let mut bytes = b"\xEF\xBB\xBF\n\n  \n".to_vec();
    bytes.extend(s1_before(&data));
    let run = ingest_bytes("bom.log", &bytes).unwrap().run;
    assert_eq!(
        run.meta.spark_version.as_deref(),
        Some("4.3.0"),
        "line 1 (LogStart) was read"
    );
    assert_eq!(run.tasks.len(), 1548);
}

/// A zstd stream of `n` copies of one frame of `frame_bytes` repeated `byte`.
fn zstd_of_repeats(byte: u8, frame_bytes: usize, n: usize) -> Vec<u8> {
    let frame = zstd::encode_all(vec![byte; frame_bytes].as_slice(), 19).unwrap();
    frame.repeat(n)
}

#[test]
fn a_rejected_stream_stops_decoding_at_once() {
    // 20 GB of spaces in 40 KB of zstd: the old reader decoded it all (minutes).
    let z = zstd_of_repeats(b' ', 64 * MB, 320);
    assert!(z.len() < MB, "{}", z.len());
    let mut ing = Ingestor::new("spaces.zstd");
    ing.begin_file("spaces.zstd");
    let (r, peak) = peak_of(|| {
        let r = ing.push(&z);
        (r, ing.bytes_out())
    });
    let (r, out) = r;
    let e = r.unwrap_err().to_string();
    assert!(
        e.contains("spaces.zstd") && e.contains("blank space"),
        "{e}"
    );
    // Stopped within a few MB of the limit, not after 20 GB.
    assert!(
        out < 64 * MB as u64,
        "decoded {out} bytes after the content was rejected"
    );
    assert!(peak < 64 * MB, "{peak}");
}

#[test]
fn runaway_expansion_is_reported() {
    // A stream that expands more than 1000:1 past 1 GiB (1.5 GiB of zeros in a few KB).
    let z = zstd_of_repeats(0, 256 * MB, 6);
    let mut dec = runlens::ingest::pipeline::FileDecoder::new("zeros.zstd");
    let mut out = 0u64;
    let e = dec.push(&z, &mut |b| out += b.len() as u64).unwrap_err();
    assert!(e.to_string().contains("expands more than 1000:1"), "{e}");
    assert!(
        out > (1 << 30) && out < (1 << 30) + (300 << 20),
        "stopped after {out} bytes"
    );
}

/// The real task-end lines of S1 before, with their metrics replaced.
fn patched_task_ends(data: &std::path::Path, patch: &dyn Fn(&mut serde_json::Value)) -> Vec<u8> {
    let text = String::from_utf8(s1_before(data)).unwrap();
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with(r#"{"Event":"SparkListenerTaskEnd""#) {
            let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
            patch(&mut v);
            out.push_str(&v.to_string());
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out.into_bytes()
}

#[test]
fn byte_totals_never_wrap() {
    let Some(data) = data_dir() else { return };
    // i64::MAX bytes read by every task: beyond any task, so not counted, and said so.
    let log = patched_task_ends(&data, &|v| {
        v["Task Metrics"]["Input Metrics"]["Bytes Read"] = serde_json::json!(i64::MAX);
    });
    let run = ingest_bytes("max.log", &log).unwrap().run;
    let rec = runlens::analysis::summary::record(
        "max.log",
        runlens::model::SourceFormat::SparkEventLog,
        &run,
        None,
    );
    assert_eq!(rec.input_bytes, Some(0));
    assert!(
        rec.warnings.iter().any(|w| w.contains("beyond any task")),
        "{:?}",
        rec.warnings
    );
    // 1 PiB per task (the most one task can read) over 1,548 tasks fits; over 20,000 it
    // saturates and says so.
    let log = patched_task_ends(&data, &|v| {
        v["Task Metrics"]["Input Metrics"]["Bytes Read"] = serde_json::json!(1i64 << 50);
    });
    let mut run = ingest_bytes("pib.log", &log).unwrap().run;
    let t = run.tasks.row(0);
    while run.tasks.len() < 20_000 {
        run.tasks.push(t.clone());
    }
    let rec = runlens::analysis::summary::record(
        "pib.log",
        runlens::model::SourceFormat::SparkEventLog,
        &run,
        None,
    );
    assert_eq!(rec.input_bytes, Some(u64::MAX));
    assert!(
        rec.warnings
            .iter()
            .any(|w| w.starts_with("input_bytes: the total exceeds")),
        "{:?}",
        rec.warnings
    );
}

#[test]
fn times_outside_the_run_are_skipped() {
    let Some(data) = data_dir() else { return };
    for (name, bad) in [
        ("min.log", i64::MIN),
        ("negative.log", -1_000_000_000_000),
        ("future.log", i64::MAX / 2),
    ] {
        let log = patched_task_ends(&data, &|v| {
            if v["Task Info"]["Task ID"] == 100 {
                v["Task Info"]["Launch Time"] = serde_json::json!(bad);
            }
        });
        let loaded = ingest_bytes(name, &log).unwrap();
        let run = &loaded.run;
        assert_eq!(
            run.tasks.len(),
            1547,
            "{name}: the task with the bad time is skipped"
        );
        assert!(
            (run.meta.duration_s - 104.2).abs() < 0.1,
            "{name}: {}",
            run.meta.duration_s
        );
        assert!(
            run.warnings.iter().any(|w| w.contains("outside the run")),
            "{name}: {:?}",
            run.warnings
        );
        // The straggler is still the coalesce(1) task, its lone time the real one.
        let s = runlens::analysis::analyse(run, 0.44).straggler.unwrap();
        assert_eq!(s.task, Some(1547), "{name}");
        assert!(s.excess_s < 20.0, "{name}: {}", s.excess_s);
        // What convert writes, Runlens reads.
        let file = runlens::ingest::run_file::to_vec(run);
        assert!(ingest_bytes("converted.json", &file).is_ok(), "{name}");
    }
    // ApplicationEnd before ApplicationStart: ignored, the run is incomplete, and said so.
    let text = String::from_utf8(s1_before(&data)).unwrap();
    let log: String = text
        .lines()
        .map(|l| {
            if l.starts_with(r#"{"Event":"SparkListenerApplicationEnd""#) {
                r#"{"Event":"SparkListenerApplicationEnd","Timestamp":1000}"#.to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let run = ingest_bytes("end.log", log.as_bytes()).unwrap().run;
    assert_eq!(run.meta.status, runlens::model::RunStatus::Incomplete);
    assert!(
        run.warnings
            .iter()
            .any(|w| w.contains("ApplicationEnd is before")),
        "{:?}",
        run.warnings
    );
}

#[test]
fn run_files_are_checked_like_event_logs() {
    let Some(data) = data_dir() else { return };
    let run = ingest_bytes("s1", &s1_before(&data)).unwrap().run;
    let base = serde_json::to_value(&run).unwrap();
    let bad = |name: &str, patch: &dyn Fn(&mut serde_json::Value), want: &str| {
        let mut v = base.clone();
        patch(&mut v);
        let e = ingest_bytes(name, v.to_string().as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with(&format!("{name}: ")), "{e}");
        assert!(e.contains(want), "{name}: {e}");
    };
    bad(
        "cores.json",
        &|v| v["executors"][1]["cores"] = 4294967295u64.into(),
        "cores",
    );
    bad(
        "workers.json",
        &|v| v["meta"]["worker_count"] = 4000000000u64.into(),
        "worker_count",
    );
    bad(
        "time.json",
        &|v| v["tasks"][0]["launch_s"] = 1e300.into(),
        "outside the run",
    );
    bad(
        "duration.json",
        &|v| v["meta"]["duration_s"] = 1e12.into(),
        "longer than any run",
    );
    bad(
        "inf.json",
        &|v| v["tasks"][0]["launch_s"] = serde_json::json!(-1e308),
        "outside the run",
    );
    bad(
        "cycle.json",
        &|v| {
            v["stages"][0]["parent_ids"] = serde_json::json!([2]);
            v["stages"][2]["parent_ids"] = serde_json::json!([0]);
        },
        "cycle",
    );
}

#[test]
fn the_simulator_takes_only_settings_in_range() {
    let Some(data) = data_dir() else { return };
    let run = ingest_bytes("s1", &s1_before(&data)).unwrap().run;
    let calibrated = runlens::sim::calibrate::calibrate(&run).unwrap().scenario;
    for (set, key) in [
        (
            "spark.sql.shuffle.partitions=1000000000",
            "spark.sql.shuffle.partitions",
        ),
        ("spark.executor.cores=1000000000", "spark.executor.cores"),
        (
            "spark.executor.instances=10000000",
            "spark.executor.instances",
        ),
        ("glue.workers=10000000", "glue.workers"),
        ("glue.workers=100000", "glue.workers"),
        (
            "spark.sql.files.maxPartitionBytes=1",
            "spark.sql.files.maxPartitionBytes",
        ),
    ] {
        let (r, peak) = peak_of(|| {
            let mut s = calibrated.clone();
            runlens::sim::changes::parse_all(&[set])
                .and_then(|p| runlens::sim::changes::apply(&mut s, &p))
                .and_then(|_| runlens::sim::simulate(&s))
        });
        let e = r.err().unwrap_or_else(|| panic!("{set} was accepted"));
        assert!(e.contains(key) && e.contains("out of range"), "{set}: {e}");
        assert!(peak < 256 * MB, "{set}: {peak} bytes before refusing");
    }
    // A scenario with 10^8 tasks, or 4·10^9 executors: refused before anything is built.
    let mut s = runlens::sim::presets::preset("synthetic-100k-tasks").unwrap();
    for st in s.stages_mut() {
        if let runlens::sim::scenario::Source::Fixed { tasks } = &mut st.source {
            *tasks = 100_000_000;
        }
    }
    let (r, peak) = peak_of(|| runlens::sim::simulate(&s));
    let e = r.unwrap_err();
    assert!(e.contains("tasks") && e.contains("at most"), "{e}");
    assert!(peak < 16 * MB, "{peak}");
    let mut s = runlens::sim::presets::preset("glue-coalesce-before").unwrap();
    s.cluster.executors = Some(4_000_000_000);
    let e = runlens::sim::simulate(&s).unwrap_err();
    assert!(
        e.contains("spark.executor.instances") && e.contains("out of range"),
        "{e}"
    );
    // A rate that drives the run past any real one stops the simulation (it ran for minutes),
    // and a result that is not a number is an error, never a finished run.
    let mut s = runlens::sim::presets::preset("glue-coalesce-before").unwrap();
    s.rates.s3_read_bytes_per_s = 1e-300;
    let e = runlens::sim::simulate(&s).unwrap_err();
    assert!(e.contains("more than 30 days"), "{e}");
}

#[test]
fn a_hundred_thousand_executors() {
    // ExecutorAdded events counted slots in O(E²): 100k took 11.6 s, a million never finished.
    let mut log = String::from(
        "{\"Event\":\"SparkListenerApplicationStart\",\"App Name\":\"many\",\"App ID\":\"app-1\",\"Timestamp\":1700000000000,\"User\":\"u\"}\n",
    );
    for i in 0..100_000u64 {
        log.push_str(&format!(
            "{{\"Event\":\"SparkListenerExecutorAdded\",\"Timestamp\":{},\"Executor ID\":\"{i}\",\"Executor Info\":{{\"Host\":\"h{i}\",\"Total Cores\":4}}}}\n",
            1700000000000u64 + i
        ));
    }
    for t in 0..10u64 {
        log.push_str(&format!(
            "{{\"Event\":\"SparkListenerTaskEnd\",\"Stage ID\":0,\"Stage Attempt ID\":0,\"Task End Reason\":{{\"Reason\":\"Success\"}},\"Task Info\":{{\"Task ID\":{t},\"Index\":{t},\"Attempt\":0,\"Launch Time\":1700000100000,\"Executor ID\":\"{t}\",\"Finish Time\":1700000200000}}}}\n"
        ));
    }
    log.push_str("{\"Event\":\"SparkListenerApplicationEnd\",\"Timestamp\":1700000300000}\n");
    let run = ingest_bytes("many.log", log.as_bytes()).unwrap().run;
    assert_eq!(run.executors.len(), 100_000);
    let a = runlens::analysis::analyse(&run, 0.44);
    assert_eq!(a.totals.peak_executors, 100_000);
    let slots = runlens::analysis::timeline::Slots::new(&run);
    assert_eq!(slots.max(), 400_000);
    let p = runlens::analysis::profiles::profiles(&run, 5.0);
    assert_eq!(p.len(), runlens::analysis::profiles::View::ALL.len());
}

#[test]
fn streams_cut_before_any_data_say_truncated() {
    let Some(data) = data_dir() else { return };
    let log = s1_before(&data);
    let check = |name: &str, bytes: &[u8]| {
        let e = ingest_bytes(name, bytes).unwrap_err().to_string();
        assert!(e.starts_with(&format!("{name}: ")), "{e}");
        assert!(
            e.contains("cut off") && e.contains("truncated"),
            "{name}: {e}"
        );
        assert!(!e.contains("empty"), "{name}: {e}");
    };
    // gzip whose file name (FNAME) never ends.
    check(
        "fname.gz",
        b"\x1f\x8b\x08\x08\x00\x00\x00\x00\x00\xffapp-20261121232506-0000",
    );
    // A zstd skippable frame that claims 4 GB.
    check("skip.zstd", b"\x50\x2a\x4d\x18\xff\xff\xff\xff\x00\x00");
    // lz4-java and snappy-java chunks longer than the file.
    let lz4 = std::fs::read(data.join("spark-local/app-20261121233028-0000.lz4")).unwrap();
    check("cut.lz4", &lz4[..40]);
    let mut snappy = b"\x82SNAPPY\x00\x00\x00\x00\x01\x00\x00\x00\x01".to_vec();
    snappy.extend(&[0, 0, 0x40, 0]);
    snappy.extend(&log[..100]);
    check("cut.snappy", &snappy);
}

#[test]
fn over_long_lines_are_reported() {
    let Some(data) = data_dir() else { return };
    let log = s1_before(&data);
    let cut = log.iter().position(|b| *b == b'\n').unwrap() + 1;
    let mut bytes = log[..cut].to_vec();
    bytes.extend(std::iter::repeat_n(b'x', 300 * MB));
    bytes.push(b'\n');
    bytes.extend(&log[cut..]);
    let (r, peak) = peak_of(|| ingest_bytes("long.log", &bytes));
    let run = r.unwrap().run;
    assert_eq!(run.tasks.len(), 1548);
    let w = run.warnings.join("\n");
    assert!(w.contains("long.log: line 2: 314572800 bytes long"), "{w}");
    // At most the limit (64 MiB), twice while its buffer grows; not the line (the old limit let
    // 256 MiB in, 384 MiB while growing).
    assert!(peak < 160 * MB, "held {peak} bytes of one line");
}

#[test]
fn cloudwatch_values_beyond_any_metric_are_skipped() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/cloudwatch/get-metric-data.json"
    );
    let text = std::fs::read_to_string(path).unwrap();
    // The export is several pages, one JSON document each: patch the first.
    let mut docs: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&text)
        .into_iter()
        .map(|d| d.unwrap())
        .collect();
    let v = &mut docs[0];
    let results = v["MetricDataResults"].as_array_mut().unwrap();
    let first = results
        .iter_mut()
        .find(|r| r["Values"].as_array().is_some_and(|a| !a.is_empty()))
        .unwrap();
    first["Values"][0] = serde_json::json!(1e308);
    let all: String = docs.iter().map(|d| d.to_string() + "\n").collect();
    let loaded = ingest_bytes("huge.json", all.as_bytes()).unwrap();
    let w = loaded.run.warnings.join("\n");
    assert!(w.contains("above 10^18"), "{w}");
    for s in &loaded.run.series {
        assert!(s.values.iter().all(|x| *x < 1e18), "{}", s.metric);
    }
    let _ = std::io::stdout().flush();
}
