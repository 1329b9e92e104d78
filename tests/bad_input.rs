//! Every kind of bad input gets a clear message naming the file and the problem — never a panic.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use runlens::ingest::ingest_bytes;
use runlens::model::RunStatus;
use runlens::ErrorKind;

const START: &str = r#"{"Event":"SparkListenerLogStart","Spark Version":"3.5.1"}
{"Event":"SparkListenerApplicationStart","App Name":"t","App ID":"app-1","Timestamp":1000000,"User":"u"}
{"Event":"SparkListenerExecutorAdded","Timestamp":1000100,"Executor ID":"1","Executor Info":{"Host":"h1","Total Cores":2}}
{"Event":"SparkListenerExecutorAdded","Timestamp":1000200,"Executor ID":"2","Executor Info":{"Host":"h2","Total Cores":2}}
{"Event":"SparkListenerStageSubmitted","Stage Info":{"Stage ID":0,"Stage Attempt ID":0,"Stage Name":"s","Number of Tasks":2,"Parent IDs":[],"Submission Time":1001000}}
"#;

fn task_end(id: u64, exec: &str, launch: u64, finish: u64, input: i64) -> String {
    format!(
        r#"{{"Event":"SparkListenerTaskEnd","Stage ID":0,"Stage Attempt ID":0,"Task End Reason":{{"Reason":"Success"}},"Task Info":{{"Task ID":{id},"Index":{id},"Attempt":0,"Launch Time":{launch},"Executor ID":"{exec}","Finish Time":{finish}}},"Task Metrics":{{"Executor Run Time":100,"Input Metrics":{{"Bytes Read":{input},"Records Read":1}}}}}}"#
    ) + "\n"
}

const END: &str = r#"{"Event":"SparkListenerStageCompleted","Stage Info":{"Stage ID":0,"Stage Attempt ID":0,"Stage Name":"s","Number of Tasks":2,"Submission Time":1001000,"Completion Time":1003000}}
{"Event":"SparkListenerApplicationEnd","Timestamp":1004000}
"#;

fn log() -> String {
    format!(
        "{START}{}{}{END}",
        task_end(0, "1", 1001000, 1002000, 10),
        task_end(1, "2", 1001000, 1002500, 20)
    )
}

#[test]
fn a_good_small_log_loads() {
    let run = ingest_bytes("good.log", log().as_bytes()).unwrap().run;
    assert_eq!(run.meta.status, RunStatus::Succeeded);
    assert_eq!(run.tasks.len(), 2);
    assert_eq!(run.meta.duration_s, 4.0);
    assert!(run.warnings.is_empty(), "{:?}", run.warnings);
}

#[test]
fn empty_file() {
    for bytes in [&b""[..], b"   \n\n  "] {
        let e = ingest_bytes("empty.log", bytes).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Empty);
        assert_eq!(e.to_string(), "empty.log: the file is empty");
    }
}

#[test]
fn binary_garbage() {
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let e = ingest_bytes("garbage.bin", &garbage).unwrap_err();
    assert!(e.to_string().starts_with("garbage.bin: "), "{e}");
    assert!(
        e.problem
            .contains("not a Spark event log, CloudWatch export or Runlens run file"),
        "{e}"
    );
    assert!(
        e.problem.contains("bytes "),
        "{e}: should show the first bytes"
    );
}

#[test]
fn wrong_json_shape() {
    let e = ingest_bytes("shape.json", br#"{"hello": "world", "n": [1, 2]}"#).unwrap_err();
    assert_eq!(e.kind, ErrorKind::UnsupportedFormat);
    assert!(
        e.problem.contains("unknown shape") && e.problem.contains("hello"),
        "{e}"
    );
    let e = ingest_bytes("array.json", b"[1, 2, 3]").unwrap_err();
    assert!(e.problem.contains("an array of 3 items"), "{e}");
    let e = ingest_bytes("broken.json", b"{\"a\": [1, 2,, 3]}").unwrap_err();
    assert!(e.problem.starts_with("invalid JSON"), "{e}");
}

#[test]
fn event_lines_of_the_wrong_shape_are_skipped_with_a_warning() {
    let text = log().replace(
        r#"{"Event":"SparkListenerExecutorAdded","Timestamp":1000200"#,
        r#"{"Event":"SparkListenerExecutorAdded","Timestamp":"soon""#,
    ) + "this is not json\n";
    let run = ingest_bytes("shape.log", text.as_bytes()).unwrap().run;
    let w = run.warnings.join("\n");
    assert!(
        w.contains("shape.log: line 4: SparkListenerExecutorAdded could not be read"),
        "{w}"
    );
    assert!(w.contains("shape.log: line 10: not a Spark event"), "{w}");
    assert_eq!(run.tasks.len(), 2);
}

#[test]
fn negative_values_count_as_zero_with_a_warning() {
    let text = format!(
        "{START}{}{}{END}",
        task_end(0, "1", 1001000, 1002000, -5),
        task_end(1, "2", 1001000, 1002500, 20)
    );
    let run = ingest_bytes("neg.log", text.as_bytes()).unwrap().run;
    assert_eq!(run.tasks.iter().map(|t| t.input_bytes).sum::<u64>(), 20);
    assert!(
        run.warnings
            .iter()
            .any(|w| w.starts_with("neg.log: line 6: task 0 has negative metric values")),
        "{:?}",
        run.warnings
    );
}

#[test]
fn duplicate_executors() {
    let dup = r#"{"Event":"SparkListenerExecutorAdded","Timestamp":1000300,"Executor ID":"1","Executor Info":{"Host":"other","Total Cores":8}}"#;
    let text = log().replacen(END, &format!("{dup}\n{END}"), 1);
    let run = ingest_bytes("dup.log", text.as_bytes()).unwrap().run;
    assert_eq!(run.executors.iter().filter(|e| e.id == "1").count(), 1);
    assert_eq!(
        run.executors
            .iter()
            .find(|e| e.id == "1")
            .unwrap()
            .host
            .as_deref(),
        Some("h1")
    );
    assert!(
        run.warnings
            .iter()
            .any(|w| w == "dup.log: line 8: executor 1 was added twice; keeping the first"),
        "{:?}",
        run.warnings
    );
}

#[test]
fn events_out_of_order() {
    // Ends before starts, the application end first, a task finishing before it launches.
    let mut lines: Vec<String> = log().lines().map(str::to_string).collect();
    lines.reverse();
    lines.push(task_end(7, "1", 1002000, 1001500, 1).trim().to_string());
    let text = lines.join("\n");
    let run = ingest_bytes("order.log", text.as_bytes()).unwrap().run;
    assert_eq!(run.meta.status, RunStatus::Succeeded);
    assert_eq!(run.tasks.len(), 3);
    assert_eq!(run.stages.len(), 1);
    let launches: Vec<f64> = run.tasks.iter().map(|t| t.launch_s).collect();
    assert!(launches.windows(2).all(|w| w[0] <= w[1]));
    assert!(
        run.warnings
            .iter()
            .any(|w| w.contains("order.log: line 10: task 7 finishes before it launches")),
        "{:?}",
        run.warnings
    );
}

#[test]
fn truncated_plain_log_loads_what_is_complete() {
    let text = log();
    let cut = text.find("SparkListenerStageCompleted").unwrap() + 40;
    let run = ingest_bytes("cut.log", &text.as_bytes()[..cut])
        .unwrap()
        .run;
    assert_eq!(run.meta.status, RunStatus::Incomplete);
    assert_eq!(run.tasks.len(), 2);
    let w = run.warnings.join("\n");
    assert!(
        w.contains("cut.log: line 8: the last line is cut off"),
        "{w}"
    );
    assert!(w.contains("no SparkListenerApplicationEnd"), "{w}");
}

#[test]
fn truncated_compressed_stream_loads_what_is_complete() {
    let Some(data) = common::data_dir() else {
        return;
    };
    let bytes = std::fs::read(data.join("spark-local/app-20261121233028-0000.lz4")).unwrap();
    let cut = &bytes[..bytes.len() * 2 / 3];
    let loaded = ingest_bytes("cut.lz4", cut).unwrap();
    assert_eq!(loaded.run.meta.status, RunStatus::Incomplete);
    assert!(!loaded.run.tasks.is_empty());
    let w = loaded.run.warnings.join("\n");
    assert!(w.contains("cut.lz4: the lz4 stream is cut off"), "{w}");

    let zstd = std::fs::read(data.join("spark-local/app-20261121234021-0000.zstd")).unwrap();
    let loaded = ingest_bytes("cut.zstd", &zstd[..zstd.len() / 2]).unwrap();
    assert_eq!(loaded.run.meta.status, RunStatus::Incomplete);
    assert!(
        loaded
            .run
            .warnings
            .iter()
            .any(|w| w.contains("cut.zstd: the zstd stream is cut off")),
        "{:?}",
        loaded.run.warnings
    );
}

#[test]
fn corrupt_compressed_stream_is_an_error_naming_the_codec() {
    let mut bytes = b"LZ4Block".to_vec();
    bytes.extend_from_slice(&[
        0x25, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 1, 2, 3,
    ]);
    let e = ingest_bytes("bad.lz4", &bytes).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Corrupt);
    assert!(
        e.to_string().starts_with("bad.lz4: not a valid lz4 stream"),
        "{e}"
    );
}

#[test]
fn json_lines_that_are_not_events() {
    let e = ingest_bytes("lines.json", b"{\"a\":1}\n{\"b\":2}\n").unwrap_err();
    assert!(e.to_string().starts_with("lines.json: "), "{e}");
}

#[test]
fn cli_reports_failed_inputs_and_still_reports_the_others() {
    let dir = std::env::temp_dir().join(format!("runlens-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.log");
    let bad = dir.join("empty.log");
    std::fs::write(&good, log()).unwrap();
    std::fs::write(&bad, b"").unwrap();
    let (code, out, err) = common::runlens(&[
        "summarize",
        "--json",
        &good.to_string_lossy(),
        &bad.to_string_lossy(),
    ]);
    assert_eq!(code, 1);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        err.contains(&format!("{}: the file is empty", bad.display())),
        "{err}"
    );
    let (code, _, err) = common::runlens(&["summarize", "--no-such-flag"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = common::runlens(&["summarize", &dir.join("missing").to_string_lossy()]);
    assert_eq!(code, 1);
    std::fs::remove_dir_all(&dir).ok();
}
