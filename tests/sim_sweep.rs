//! `runlens sweep` and `sim::sweep` (issue 11): axes, the JSON contract, the frontier and the
//! recommendation, and the direction of every kind of change a sweep can vary, on the shared
//! data and on the presets.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::runlens;
use runlens::ingest::fs::load_path;
use runlens::model::{Run, RunStatus};
use runlens::sim::{changes, presets, simulate, sweep, Scenario};

fn load(rel: &str) -> Option<Run> {
    let dir = common::data_dir()?;
    Some(
        load_path(&dir.join(rel))
            .unwrap_or_else(|e| panic!("{rel}: {e}"))
            .run,
    )
}

/// The scenario with `sets` applied, simulated.
fn with(s: &Scenario, sets: &[&str]) -> Run {
    let mut s = s.clone();
    let parsed = changes::parse_all(sets).expect("changes parse");
    changes::apply(&mut s, &parsed).expect("changes apply");
    simulate(&s).expect("simulates")
}

fn durations(sw: &sweep::Sweep) -> Vec<f64> {
    sw.configurations
        .iter()
        .map(|c| c.outcome.duration_s)
        .collect()
}

#[test]
fn axes_take_lists_and_ranges_and_reject_what_is_not_a_setting() {
    let a = sweep::parse_axis("spark.sql.shuffle.partitions=50, 100,200").unwrap();
    assert_eq!(a.values, ["50", "100", "200"]);
    let a = sweep::parse_axis("glue.workers=2..10:4").unwrap();
    assert_eq!(a.values, ["2", "6", "10"]);
    assert_eq!(
        sweep::parse_axis("spark.executor.instances=1..3")
            .unwrap()
            .values,
        ["1", "2", "3"]
    );
    let e = sweep::parse_axis("spark.sql.nope=1,2").unwrap_err();
    assert!(e.contains("known keys"), "{e}");
    assert!(sweep::parse_axis("glue.workers=10..2").is_err());
    assert!(sweep::parse_axis("glue.workers=2..10:0").is_err());
    assert!(sweep::parse_axis("glue.workers=").is_err());
    assert!(sweep::parse_axis("glue.workerType=G.1X,G.3X")
        .unwrap_err()
        .contains("G.1X"));
    assert!(sweep::parse_axis("spark.sql.shuffle.partitions=1..100000000").is_err());
}

#[test]
fn the_frontier_is_cheaper_with_every_slower_point_and_the_recommendation_meets_the_deadline() {
    let Some(run) = load("spark-local/app-20261121232835-0000") else {
        return;
    };
    let axes = [
        sweep::parse_axis("spark.sql.shuffle.partitions=4,16,64").unwrap(),
        sweep::parse_axis("spark.executor.instances=1,2,4").unwrap(),
    ];
    let sw = sweep::sweep(&run, &axes, Some(100.0), 0.44).unwrap();
    assert_eq!(sw.configurations.len(), 9);
    // The last axis varies fastest.
    assert_eq!(
        sw.configurations[1].settings[1],
        ("spark.executor.instances".into(), "2".into())
    );
    let f: Vec<&sweep::Configuration> =
        sw.frontier.iter().map(|&i| &sw.configurations[i]).collect();
    assert!(f.len() >= 2, "a trade-off between time and cost");
    for w in f.windows(2) {
        assert!(w[0].outcome.duration_s <= w[1].outcome.duration_s);
        assert!(w[0].outcome.dpu_hours > w[1].outcome.dpu_hours);
    }
    // Nothing off the frontier beats a frontier point on both.
    for c in &sw.configurations {
        for p in &f {
            assert!(
                !(c.outcome.duration_s < p.outcome.duration_s
                    && c.outcome.dpu_hours < p.outcome.dpu_hours),
                "{:?} dominates a frontier point",
                c.settings
            );
        }
    }
    let r = &sw.configurations[sw.recommendation.expect("one meets 100 s")];
    assert_eq!(r.meets_deadline, Some(true));
    assert!(r.on_frontier);
    for c in &sw.configurations {
        if c.meets_deadline == Some(true) {
            assert!(
                c.outcome.dpu_hours >= r.outcome.dpu_hours,
                "a cheaper one meets the deadline"
            );
        }
    }
    // An impossible deadline: no recommendation, and it says why.
    let none = sweep::sweep(&run, &axes, Some(1.0), 0.44).unwrap();
    assert!(none.recommendation.is_none());
    assert!(
        none.recommendation_reason.contains("deadline"),
        "{}",
        none.recommendation_reason
    );
}

#[test]
fn s3_a_sweep_over_shuffle_partitions_finds_the_after_runs_64_no_better_than_the_befores_4() {
    // What really happened: 4 → 64 made the S3 job slower (MANIFEST.md, 103.8 s → 136.1 s).
    let Some(run) = load("spark-local/app-20261121232835-0000") else {
        return;
    };
    assert_eq!(
        run.meta
            .config
            .get("spark.sql.shuffle.partitions")
            .map(String::as_str),
        Some("4")
    );
    let axes = [sweep::parse_axis("spark.sql.shuffle.partitions=4,8,16,32,64").unwrap()];
    let sw = sweep::sweep(&run, &axes, None, 0.44).unwrap();
    let d = durations(&sw);
    eprintln!("S3 sweep 4..64: {d:?}");
    assert!(d[4] >= d[0], "64 partitions predicted faster than 4: {d:?}");
    let r = sw.recommendation.expect("a recommendation");
    assert_ne!(sw.configurations[r].settings[0].1, "64");
}

#[test]
fn more_executors_or_cores_never_make_a_cpu_bound_stage_slower() {
    // S1 before: gzip JSON parsed by 1,500 read tasks (stage 0), CPU-bound. Dynamic allocation
    // off: with it on (S1's 5 s idle timeout) executors released between jobs and requested
    // again can make a bigger cluster slower, as in Spark.
    let Some(run) = load("spark-local/app-20261121232506-0000") else {
        return;
    };
    let cal = runlens::sim::calibrate::calibrate(&run).unwrap().scenario;
    let wall = |r: &Run, id: u64| {
        let st = r.stages.iter().find(|s| s.id == id).expect("stage");
        st.completed_s.unwrap_or(0.0) - st.submitted_s.unwrap_or(0.0)
    };
    let mut stage0 = Vec::new();
    let mut total = Vec::new();
    for n in 1..=6 {
        let r = with(
            &cal,
            &[
                "spark.dynamicAllocation.enabled=false",
                &format!("spark.executor.instances={n}"),
            ],
        );
        stage0.push(wall(&r, 0));
        total.push(r.meta.duration_s);
    }
    eprintln!("S1 executors 1..6: stage 0 {stage0:?}, run {total:?}");
    for w in stage0.windows(2).chain(total.windows(2)) {
        assert!(
            w[1] <= w[0] * 1.001,
            "an executor more made it slower: {stage0:?} {total:?}"
        );
    }
    assert!(stage0[5] < stage0[0] / 2.0);
    let mut cores = Vec::new();
    for c in [1, 2, 4] {
        let r = with(
            &cal,
            &[
                "spark.dynamicAllocation.enabled=false",
                &format!("spark.executor.cores={c}"),
            ],
        );
        cores.push(wall(&r, 0));
    }
    eprintln!("S1 cores 1, 2, 4: stage 0 {cores:?}");
    for w in cores.windows(2) {
        assert!(
            w[1] <= w[0] * 1.001,
            "a core more made it slower: {cores:?}"
        );
    }
}

#[test]
fn more_or_bigger_glue_workers_never_make_q80_slower() {
    let s = presets::preset("q80-s3-shuffle").unwrap();
    let base = simulate(&s).unwrap().meta.duration_s;
    let more = with(&s, &["glue.workers=20"]).meta.duration_s;
    let bigger = with(&s, &["glue.workerType=G.2X"]).meta.duration_s;
    eprintln!("q80 S3: 10 × G.1X {base:.0} s, 20 × G.1X {more:.0} s, 10 × G.2X {bigger:.0} s");
    assert!(more < base && bigger < base);
}

#[test]
fn s3_shuffle_is_slower_than_local_disk_that_suffices_and_finishes_where_local_disk_fails() {
    // Local disk that fills: q80 on 10 G.1X fails, with S3 shuffle it finishes.
    let q80 = presets::preset("q80-local-shuffle").unwrap();
    let local = simulate(&q80).unwrap();
    assert_eq!(local.meta.status, RunStatus::Failed);
    assert!(local
        .meta
        .error
        .as_deref()
        .unwrap_or("")
        .contains("No space left on device"));
    let s3 = with(&q80, &["glue.shuffleStorage=s3"]);
    assert_eq!(s3.meta.status, RunStatus::Succeeded);
    // Local disk that suffices (the S3 log's job, a few MB shuffled): S3 shuffle is slower.
    let Some(run) = load("spark-local/app-20261121232835-0000") else {
        return;
    };
    let axes = [sweep::parse_axis("glue.shuffleStorage=local,s3").unwrap()];
    let sw = sweep::sweep(&run, &axes, None, 0.44).unwrap();
    let d = durations(&sw);
    eprintln!("S3 log, shuffle local vs S3: {d:?}");
    assert!(sw
        .configurations
        .iter()
        .all(|c| c.outcome.status == "succeeded"));
    assert!(d[1] > d[0], "S3 shuffle predicted no slower: {d:?}");
}

#[test]
fn aqe_coalescing_of_many_tiny_partitions_is_no_slower_than_without_it() {
    let Some(run) = load("spark-local/app-20261121232835-0000") else {
        return;
    };
    let axes = [
        sweep::parse_axis("spark.sql.shuffle.partitions=200").unwrap(),
        sweep::parse_axis("spark.sql.adaptive.enabled=true,false").unwrap(),
    ];
    let d = durations(&sweep::sweep(&run, &axes, None, 0.44).unwrap());
    eprintln!("S3 log at 200 partitions, AQE on / off: {d:?}");
    assert!(
        d[0] < d[1],
        "AQE on predicted no faster with 200 tiny partitions: {d:?}"
    );
}

#[test]
fn removing_coalesce_1_is_faster_than_keeping_it() {
    let Some(run) = load("spark-local/app-20261121232506-0000") else {
        return;
    };
    let axes = [sweep::parse_axis("coalesce=1,none").unwrap()];
    let d = durations(&sweep::sweep(&run, &axes, None, 0.44).unwrap());
    eprintln!("S1 coalesce 1 / none: {d:?}");
    assert!(d[1] < d[0]);
}

#[test]
fn sweep_json_keys_are_a_contract_and_bad_arguments_are_usage_errors() {
    let Some(dir) = common::data_dir() else {
        return;
    };
    let inp = dir
        .join("spark-local/app-20261121232835-0000")
        .to_string_lossy()
        .into_owned();
    let (code, out, err) = runlens(&[
        "sweep",
        &inp,
        "--vary",
        "spark.sql.shuffle.partitions=4,64",
        "--vary",
        "glue.shuffleStorage=local,s3",
        "--deadline",
        "2min",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("one JSON object");
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut want = [
        "source",
        "measured",
        "baseline",
        "deadline_s",
        "price_per_dpu_hour",
        "axes",
        "configurations",
        "frontier",
        "recommendation",
        "recommendation_reason",
    ];
    want.sort_unstable();
    let mut got = keys.clone();
    got.sort_unstable();
    assert_eq!(got, want);
    // In the documented order on the line itself.
    let pos: Vec<usize> = [
        "\"source\"",
        "\"measured\"",
        "\"baseline\"",
        "\"deadline_s\"",
        "\"configurations\"",
        "\"frontier\"",
        "\"recommendation\"",
    ]
    .iter()
    .map(|k| out.find(k).unwrap())
    .collect();
    assert!(pos.windows(2).all(|w| w[0] < w[1]), "{out}");
    assert_eq!(v["deadline_s"], 120.0);
    assert_eq!(v["configurations"].as_array().unwrap().len(), 4);
    let c = &v["configurations"][1];
    for k in [
        "settings",
        "duration_s",
        "dpu_hours",
        "usd",
        "status",
        "error",
        "on_frontier",
        "meets_deadline",
    ] {
        assert!(c.get(k).is_some(), "configuration key {k} missing: {c}");
    }
    assert_eq!(c["settings"]["spark.sql.shuffle.partitions"], "4");
    assert_eq!(c["settings"]["glue.shuffleStorage"], "s3");
    for k in ["duration_s", "dpu_hours", "usd", "status", "error"] {
        assert!(
            v["measured"].get(k).is_some() && v["baseline"].get(k).is_some(),
            "{k}"
        );
    }
    // The human table names the recommendation.
    let (code, out, _) = runlens(&["sweep", &inp, "--vary", "spark.sql.shuffle.partitions=4,64"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("recommended:") || out.contains("no recommendation:"),
        "{out}"
    );
    // Usage errors: no --vary, an unknown key, a bad range or deadline; an input error.
    assert_eq!(runlens(&["sweep", &inp]).0, 2);
    let (code, _, err) = runlens(&["sweep", &inp, "--vary", "spark.nope=1"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--vary") && err.contains("known keys"),
        "{err}"
    );
    assert_eq!(
        runlens(&["sweep", &inp, "--vary", "glue.workers=9..2"]).0,
        2
    );
    assert_eq!(
        runlens(&[
            "sweep",
            &inp,
            "--vary",
            "glue.workers=2,4",
            "--deadline",
            "soon"
        ])
        .0,
        2
    );
    assert_eq!(
        runlens(&[
            "sweep",
            &inp,
            "--vary",
            "spark.sql.shuffle.partitions=1..5000",
            "--vary",
            "glue.workers=2..100"
        ])
        .0,
        2
    );
    assert_eq!(
        runlens(&["sweep", "/nonexistent/log", "--vary", "glue.workers=2,4"]).0,
        1
    );
}

#[test]
fn a_prediction_says_how_much_of_the_run_its_change_reaches() {
    let Some(run) = load("spark-local/app-20261121232835-0000") else {
        return;
    };
    let notes = |set: &str| runlens::sim::whatif(&run, &[set]).unwrap().notes;
    let n = notes("spark.sql.shuffle.partitions=64");
    let reach = n
        .iter()
        .find(|x| x.starts_with("the change re-plans stages"))
        .expect("a reach note");
    assert!(
        reach.contains("% of the baseline's wall time") && reach.contains("at most"),
        "{reach}"
    );
    assert!(n.iter().any(|x| x.contains("MB/s per core")), "{n:?}");
    // A packing change that gives the same read partitions moves nothing.
    let n = notes("spark.sql.files.maxPartitionBytes=64m");
    assert!(n.iter().any(|x| x.contains("re-plans no stage")), "{n:?}");
    // Joins turned into broadcasts: their stages are gone.
    let n = notes("spark.sql.autoBroadcastJoinThreshold=10m");
    assert!(
        n.iter().any(|x| x.ends_with("removed by the change")),
        "{n:?}"
    );
    // A cluster change says it reaches every stage.
    let n = notes("spark.executor.instances=4");
    assert!(
        n.iter()
            .any(|x| x.starts_with("the change reaches the cluster")),
        "{n:?}"
    );
}
