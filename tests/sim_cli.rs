//! The simulator's command line contract: `runlens presets`, `runlens simulate`,
//! `runlens whatif` — names, JSON keys (summarize's, in order, then the simulator's), exit codes.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::runlens;

/// Top-level keys of one JSON object, in order of appearance.
fn keys_in_order(json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json).expect("one JSON object");
    let obj = v.as_object().expect("an object");
    let mut keys: Vec<(usize, String)> = obj
        .keys()
        .map(|k| {
            let pat = format!("{}:", serde_json::Value::String(k.clone()));
            (json.find(&pat).expect("key in text"), k.clone())
        })
        .collect();
    keys.sort();
    keys.into_iter().map(|k| k.1).collect()
}

fn tmp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("runlens-sim-cli-{}-{name}", std::process::id()))
}

#[test]
fn presets_lists_every_preset_with_one_line_each() {
    let (code, out, _) = runlens(&["presets"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5);
    for name in [
        "glue-coalesce-before",
        "glue-coalesce-after",
        "q80-local-shuffle",
        "q80-s3-shuffle",
        "synthetic-100k-tasks",
    ] {
        assert!(lines.iter().any(|l| l.starts_with(name)), "{name}");
    }
}

#[test]
fn simulate_json_has_the_summarize_keys_then_simulated() {
    let run_file = tmp("after.json");
    let rf = run_file.to_string_lossy().into_owned();
    let (code, out, err) = runlens(&[
        "simulate",
        "--preset",
        "glue-coalesce-after",
        "--json",
        "-o",
        &rf,
    ]);
    assert_eq!(code, 0, "{err}");
    let keys = keys_in_order(out.trim());
    // The same keys as summarize --json of the run file the simulation wrote, in order.
    let summarize = common::summarize_json(&run_file);
    let (_, sum_out, _) = runlens(&["summarize", "--json", &rf]);
    let sum_keys = keys_in_order(sum_out.trim());
    assert_eq!(&keys[..keys.len() - 1], &sum_keys[..]);
    assert_eq!(keys.last().map(String::as_str), Some("simulated"));
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["simulated"], true);
    assert_eq!(v["format"], "simulator");
    assert_eq!(v["source"], "preset:glue-coalesce-after");
    assert_eq!(v["stages"], 1);
    assert_eq!(v["duration_s"], summarize["duration_s"]);
    assert_eq!(summarize["format"], "run-file");
    let _ = std::fs::remove_file(&run_file);
}

#[test]
fn simulate_reads_scenario_files_and_writes_failed_runs() {
    let scen = tmp("q80.json");
    let s = runlens::sim::presets::preset("q80-local-shuffle").unwrap();
    std::fs::write(&scen, s.to_json()).unwrap();
    let sp = scen.to_string_lossy().into_owned();
    let (code, out, err) = runlens(&["simulate", &sp, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["status"], "failed");
    assert_eq!(v["source"], sp.as_str());
    // The failure message is in the JSON too (issue 11).
    let e = v["error"].as_str().unwrap_or_default();
    assert!(
        e.starts_with("Job aborted due to stage failure") && e.contains("No space left on device"),
        "{e}"
    );
    // The human table.
    let (code, out, _) = runlens(&["simulate", &sp]);
    assert_eq!(code, 0);
    assert!(out.contains("No space left on device"), "{out}");
    let _ = std::fs::remove_file(&scen);
}

#[test]
fn simulate_exit_codes() {
    // Usage: neither or both inputs, unknown preset.
    assert_eq!(runlens(&["simulate"]).0, 2);
    let (code, _, err) = runlens(&["simulate", "--preset", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("glue-coalesce-before"), "{err}");
    assert_eq!(
        runlens(&["simulate", "x.json", "--preset", "q80-s3-shuffle"]).0,
        2
    );
    // Input errors.
    assert_eq!(runlens(&["simulate", "/nonexistent/scenario.json"]).0, 1);
    let bad = tmp("bad.json");
    std::fs::write(&bad, "{\"format\": \"something else\"}").unwrap();
    let (code, _, err) = runlens(&["simulate", &bad.to_string_lossy()]);
    assert_eq!(code, 1);
    assert!(err.contains("runlens/scenario@1"), "{err}");
    std::fs::write(&bad, "{\"format\": \"runlens/scenario@1\", \"jobs\": [{\"id\": 0, \"stages\": [{\"id\": 1, \"parents\": [9]}]}]}").unwrap();
    let (code, _, err) = runlens(&["simulate", &bad.to_string_lossy()]);
    assert_eq!(code, 1);
    assert!(err.contains("parent 9"), "{err}");
    let _ = std::fs::remove_file(&bad);
}

#[test]
fn whatif_json_and_errors() {
    let Some(dir) = common::data_dir() else {
        return;
    };
    let input = dir.join("spark-local/app-20261121232835-0000");
    let inp = input.to_string_lossy().into_owned();
    let (code, out, err) = runlens(&[
        "whatif",
        &inp,
        "--set",
        "spark.sql.shuffle.partitions=64",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let keys = keys_in_order(out.trim());
    let n = keys.len();
    assert_eq!(
        &keys[n - 3..],
        &["simulated", "baseline_duration_s", "measured_duration_s"]
    );
    let summarize_keys = keys_in_order(runlens(&["summarize", "--json", &inp]).1.trim());
    assert_eq!(&keys[..n - 3], &summarize_keys[..]);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert!((v["measured_duration_s"].as_f64().unwrap() - 103.777).abs() < 0.01);
    assert!(v["baseline_duration_s"].as_f64().unwrap() > 90.0);
    assert_eq!(v["disk_spill_bytes"], 0);
    assert!(v["error"].is_null(), "a run that succeeds has no error");
    // Unknown key: usage error listing the known keys.
    let (code, _, err) = runlens(&["whatif", &inp, "--set", "spark.sql.nope=1"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("known keys") && err.contains("glue.workerType"),
        "{err}"
    );
    let (code, _, err) = runlens(&["whatif", &inp, "--set", "spark.executor.memory=lots"]);
    assert_eq!(code, 2);
    assert!(err.contains("memory"), "{err}");
    // No --set: usage; missing input: input error.
    assert_eq!(runlens(&["whatif", &inp]).0, 2);
    assert_eq!(
        runlens(&["whatif", "/nonexistent/log", "--set", "coalesce=none"]).0,
        1
    );
    // A change that does not apply to the plan: input/simulation error.
    let (code, _, err) = runlens(&["whatif", &inp, "--set", "coalesce=none"]);
    assert_eq!(code, 1);
    assert!(err.contains("coalesce"), "{err}");
}
