//! The run file `runlens/run@1`: schema drift, round trips, schema validity, bad files.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use runlens::ingest::{fs::load_path, ingest_bytes, run_file};
use runlens::model::{Run, Series, SeriesKind, SeriesSource, SourceFormat, Unit};

fn checked_in_schema() -> serde_json::Value {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/run-file.schema.json");
    serde_json::from_slice(&std::fs::read(p).expect("docs/run-file.schema.json exists")).unwrap()
}

#[test]
fn checked_in_schema_matches_the_rust_types() {
    assert_eq!(
        run_file::schema(),
        checked_in_schema(),
        "docs/run-file.schema.json drifted from the model: regenerate it with `cargo run --bin runlens -- schema > docs/run-file.schema.json`"
    );
}

#[test]
fn real_logs_round_trip_and_validate_against_the_schema() {
    let Some(data) = common::data_dir() else {
        return;
    };
    let validator = jsonschema::validator_for(&checked_in_schema()).expect("a valid JSON Schema");
    for rel in [
        "spark-local/app-20261121232506-0000",
        "spark-local/app-20261121232835-0000",
        "spark-tests/application_1506645932520_24630151",
        "spark-tests/eventlog_v2_local-1766844910796",
    ] {
        let run = load_path(&data.join(rel)).unwrap().run;
        let bytes = run_file::to_vec(&run);
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .take(3)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{rel}: {errors:?}");
        let loaded = ingest_bytes("run.json", &bytes).unwrap();
        assert_eq!(loaded.format, SourceFormat::RunFile);
        assert_eq!(
            loaded.run, run,
            "{rel}: the run file must round-trip exactly"
        );
    }
}

fn small_run() -> Run {
    let mut run = Run::new(SourceFormat::Cloudwatch);
    run.meta.duration_s = 60.0;
    let mut s = Series::new(
        "glue.ALL.s3.filesystem.read_bytes",
        SeriesKind::Delta,
        Unit::Bytes,
        SeriesSource::Cloudwatch,
    );
    s.push(30.0, 100.0);
    s.push(60.0, 50.0);
    run.series.push(s);
    run
}

#[test]
fn bad_run_files_name_the_file_and_the_problem() {
    let mut v = serde_json::to_value(small_run()).unwrap();
    v["format"] = "runlens/run@2".into();
    let e = ingest_bytes("future.run.json", v.to_string().as_bytes()).unwrap_err();
    assert!(e.to_string().starts_with("future.run.json: "), "{e}");
    assert!(e.problem.contains("runlens/run@2"), "{e}");

    let mut v = serde_json::to_value(small_run()).unwrap();
    v["series"][0]["values"] = serde_json::json!([1.0]);
    let e = ingest_bytes("lengths.run.json", v.to_string().as_bytes()).unwrap_err();
    assert!(e.to_string().contains("lengths.run.json"), "{e}");
    assert!(e.problem.contains("2 times but 1 values"), "{e}");

    let mut v = serde_json::to_value(small_run()).unwrap();
    v["meta"]["duration_s"] = serde_json::json!(-5.0);
    let e = ingest_bytes("negative.run.json", v.to_string().as_bytes()).unwrap_err();
    assert!(e.problem.contains("duration_s"), "{e}");

    let mut v = serde_json::to_value(small_run()).unwrap();
    v["meta"]["status"] = "exploded".into();
    let e = ingest_bytes("shape.run.json", v.to_string().as_bytes()).unwrap_err();
    assert!(e.problem.contains("not a valid runlens/run@1 file"), "{e}");

    let text = serde_json::to_string(&small_run()).unwrap();
    let e = ingest_bytes("cut.run.json", &text.as_bytes()[..text.len() / 2]).unwrap_err();
    assert!(e.problem.contains("truncated"), "{e}");
}

#[test]
fn the_shipped_examples_are_current_conversions() {
    let Some(data) = common::data_dir() else {
        return;
    };
    for (file, log) in [
        ("s1-before.run.json", "app-20261121232506-0000"),
        ("s1-after.run.json", "app-20261121232658-0000"),
    ] {
        let shipped =
            std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/").to_string() + file)
                .unwrap();
        let shipped = run_file::from_slice(file, &shipped).unwrap();
        let mut fresh = load_path(&data.join("spark-local").join(log)).unwrap().run;
        fresh.meta.label = shipped.meta.label.clone();
        assert!(
            fresh == shipped,
            "examples/{file} is stale: regenerate it with the commands in examples/README.md"
        );
    }
}
