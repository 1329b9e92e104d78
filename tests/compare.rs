//! Comparing two runs (`analysis::compare`, `runlens compare`): stages matched across the shared
//! before/after pairs of spark-local (S3's broadcast stages change ids), a log against itself,
//! the settings that differ, and the CLI's JSON contract.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::path::PathBuf;

use runlens::analysis::compare::{compare, MatchRule};
use runlens::ingest::fs::load_path;

fn local(name: &str) -> Option<PathBuf> {
    Some(common::data_dir()?.join("spark-local").join(name))
}

const S1_BEFORE: &str = "app-20261121232506-0000";
const S1_AFTER: &str = "app-20261121232658-0000";
const S3_BEFORE: &str = "app-20261121232835-0000";
const S3_AFTER: &str = "app-20261121233028-0000.lz4";

fn runs(before: &str, after: &str) -> Option<(runlens::model::Run, runlens::model::Run)> {
    let (b, a) = (local(before)?, local(after)?);
    Some((
        load_path(&b).expect("before loads").run,
        load_path(&a).expect("after loads").run,
    ))
}

#[test]
fn s3_stages_are_matched_by_plan_node_though_their_ids_shift() {
    let Some((b, a)) = runs(S3_BEFORE, S3_AFTER) else {
        return;
    };
    let c = compare(&b, &a);
    assert_eq!(c.stages.len(), 29, "29 stages in each, all matched");
    assert!(c
        .stages
        .iter()
        .all(|m| m.before.is_some() && m.after.is_some()));
    // Broadcast stages run in another order: before 16 (WholeStageCodegen (16)) is after 12.
    let pair = |bid: u64| {
        c.stages
            .iter()
            .find(|m| m.before.as_ref().map(|s| s.id) == Some(bid))
            .and_then(|m| m.after.as_ref().map(|s| s.id))
    };
    assert_eq!(pair(16), Some(12));
    assert_eq!(pair(12), Some(13));
    assert_eq!(pair(24), Some(24));
    let m = c
        .stages
        .iter()
        .find(|m| m.before.as_ref().map(|s| s.id) == Some(16))
        .expect("stage 16");
    assert_eq!(m.matched_by, Some(MatchRule::PlanNodes));
    // 4 → 64 shuffle partitions: the after-run's reduce stages have 64 tasks, and it is slower.
    let reduce = c
        .stages
        .iter()
        .find(|m| m.before.as_ref().map(|s| s.id) == Some(24))
        .expect("stage 24");
    assert_eq!(reduce.before.as_ref().map(|s| s.tasks), Some(4));
    assert_eq!(reduce.after.as_ref().map(|s| s.tasks), Some(64));
    assert!(
        c.summary.starts_with("1.31× slower: stage 27"),
        "{}",
        c.summary
    );
    let changed: Vec<&str> = c.settings_changed.iter().map(|s| s.key.as_str()).collect();
    assert!(
        changed.contains(&"spark.sql.shuffle.partitions"),
        "{changed:?}"
    );
    let sp = c
        .settings_changed
        .iter()
        .find(|s| s.key == "spark.sql.shuffle.partitions")
        .expect("changed");
    assert_eq!(
        (sp.before.as_deref(), sp.after.as_deref()),
        (Some("4"), Some("64"))
    );
    // Run identity is not a setting.
    assert!(!changed
        .iter()
        .any(|k| *k == "spark.app.id" || *k == "spark.driver.port"));
    // Largest change first.
    let deltas: Vec<f64> = c.stages.iter().map(|m| m.delta_s.abs()).collect();
    assert!(deltas.windows(2).all(|w| w[0] >= w[1]));
}

#[test]
fn s1_names_the_file_packing_settings_and_matches_every_stage() {
    let Some((b, a)) = runs(S1_BEFORE, S1_AFTER) else {
        return;
    };
    let c = compare(&b, &a);
    assert_eq!(c.stages.len(), 3);
    assert!(c.stages.iter().all(|m| m.matched_by.is_some()));
    let changed: Vec<&str> = c.settings_changed.iter().map(|s| s.key.as_str()).collect();
    for k in [
        "spark.sql.files.maxPartitionBytes",
        "spark.sql.files.openCostInBytes",
    ] {
        assert!(changed.contains(&k), "{k} in {changed:?}");
    }
    // The coalesce(1) write (1 task) became 10 tasks.
    let write = c
        .stages
        .iter()
        .find(|m| m.before.as_ref().map(|s| s.id) == Some(2))
        .expect("stage 2");
    assert_eq!(write.before.as_ref().map(|s| s.tasks), Some(1));
    assert_eq!(write.after.as_ref().map(|s| s.tasks), Some(10));
    assert!(c.summary.starts_with("1.07× faster"), "{}", c.summary);
}

#[test]
fn a_log_compared_with_itself_matches_every_stage_with_no_change() {
    for name in [S3_BEFORE, "app-20261121234021-0000.zstd"] {
        let Some(p) = local(name) else {
            return;
        };
        let run = load_path(&p).expect("loads").run;
        let c = compare(&run, &run);
        let ids: std::collections::BTreeSet<u64> = run.stages.iter().map(|s| s.id).collect();
        assert_eq!(c.stages.len(), ids.len(), "{name}");
        for m in &c.stages {
            assert_eq!(m.matched_by, Some(MatchRule::PlanNodes), "{name}");
            assert_eq!(m.before, m.after, "{name}");
            assert_eq!(m.delta_s, 0.0);
        }
        assert!(c.settings_changed.is_empty(), "{:?}", c.settings_changed);
        assert_eq!(c.summary, "as fast");
        assert_eq!(c.speedup, 1.0);
    }
}

#[test]
fn compare_json_keys_are_the_contract() {
    let (Some(b), Some(a)) = (local(S3_BEFORE), local(S3_AFTER)) else {
        return;
    };
    let (bs, as_) = (b.to_string_lossy(), a.to_string_lossy());
    let (code, out, err) = common::runlens(&["compare", &bs, &as_, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("one JSON object");
    let keys: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    let mut want = vec![
        "before",
        "after",
        "before_s",
        "after_s",
        "speedup",
        "summary",
        "settings_changed",
        "stages",
    ];
    want.sort();
    let mut got = keys.clone();
    got.sort();
    assert_eq!(got, want);
    let stage = &v["stages"][0];
    let mut sk: Vec<&str> = stage
        .as_object()
        .expect("stage")
        .keys()
        .map(String::as_str)
        .collect();
    sk.sort();
    assert_eq!(sk, ["after", "before", "delta_s", "matched_by", "name"]);
    let mut side: Vec<&str> = stage["before"]
        .as_object()
        .expect("side")
        .keys()
        .map(String::as_str)
        .collect();
    side.sort();
    assert_eq!(
        side,
        [
            "attempts",
            "disk_spill_bytes",
            "id",
            "input_bytes",
            "memory_spill_bytes",
            "shuffle_read_bytes",
            "shuffle_write_bytes",
            "task_time_s",
            "tasks",
            "wall_s"
        ]
    );
    let setting = &v["settings_changed"][0];
    let mut st: Vec<&str> = setting
        .as_object()
        .expect("setting")
        .keys()
        .map(String::as_str)
        .collect();
    st.sort();
    assert_eq!(st, ["after", "before", "key"]);
    // The text form leads with the summary line.
    let (code, text, _) = common::runlens(&["compare", &bs, &as_]);
    assert_eq!(code, 0);
    assert!(text.starts_with("1.31× slower"), "{text}");
    assert!(
        text.contains("spark.sql.shuffle.partitions: 4 → 64"),
        "{text}"
    );
}

#[test]
fn compare_names_an_input_it_cannot_read() {
    let (code, _, err) = common::runlens(&[
        "compare",
        "/nonexistent/before.log",
        "/nonexistent/after.log",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("/nonexistent/before.log"), "{err}");
    assert!(err.contains("/nonexistent/after.log"), "{err}");
}
