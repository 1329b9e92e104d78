//! A proptest-driven mutator over the real logs in ../shared/data (plain and compressed): the
//! whole ingest pipeline returns a run or an error for every mutation, and never panics.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use proptest::prelude::*;
use runlens::ingest::{ingest_bytes, Ingestor};

/// Heads of the real inputs (enough to hold every event kind), loaded once.
fn corpus() -> &'static Vec<(String, Vec<u8>)> {
    static CORPUS: std::sync::OnceLock<Vec<(String, Vec<u8>)>> = std::sync::OnceLock::new();
    CORPUS.get_or_init(|| {
        let Some(data) = common::data_dir() else {
            return Vec::new();
        };
        let files = [
            ("spark-local/app-20261121232835-0000", 200_000),
            ("spark-local/app-20261121233028-0000.lz4", 60_000),
            ("spark-local/app-20261121234021-0000.zstd", 60_000),
            ("spark-tests/application_1506645932520_24630151", 160_000),
            ("spark-tests/app-20200706201101-0003", 120_000),
            (
                "spark-tests/eventlog_v2_local-1766844910796/events_1_local-1766844910796",
                120_000,
            ),
        ];
        files
            .iter()
            .filter_map(|(rel, n)| {
                let bytes = std::fs::read(data.join(rel)).ok()?;
                Some((rel.to_string(), bytes[..bytes.len().min(*n)].to_vec()))
            })
            .collect()
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Duplicate(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..64))
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
        (any::<usize>(), 1usize..4096).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<usize>(), 1usize..4096).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    if bytes.is_empty() {
        return;
    }
    let at = |i: usize, len: usize| i % len.max(1);
    match m {
        Mutation::Flip(i, b) => {
            let i = at(*i, bytes.len());
            bytes[i] ^= b | 1;
        }
        Mutation::Truncate(i) => {
            let i = at(*i, bytes.len());
            bytes.truncate(i);
        }
        Mutation::Insert(i, v) => {
            let i = at(*i, bytes.len());
            bytes.splice(i..i, v.iter().copied());
        }
        Mutation::Delete(i, n) => {
            let i = at(*i, bytes.len());
            let end = (i + n).min(bytes.len());
            bytes.drain(i..end);
        }
        Mutation::Duplicate(i, n) => {
            let i = at(*i, bytes.len());
            let end = (i + n).min(bytes.len());
            let copy = bytes[i..end].to_vec();
            bytes.splice(end..end, copy);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn mutated_real_logs_never_panic(
        which in 0usize..6,
        mutations in prop::collection::vec(mutation(), 1..6),
        chunk in 1usize..70_000,
    ) {
        let corpus = corpus();
        if corpus.is_empty() {
            return Ok(());
        }
        let (name, original) = &corpus[which % corpus.len()];
        let mut bytes = original.clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        // Whole, and pushed in chunks of a random size: both must hold up.
        let _ = ingest_bytes(name, &bytes);
        let mut ing = Ingestor::new(name);
        ing.begin_file(name);
        for c in bytes.chunks(chunk) {
            if ing.push(c).is_err() {
                break;
            }
        }
        if let Ok(loaded) = ing.finish() {
            // Whatever loaded is analysable.
            let a = runlens::analysis::analyse(&loaded.run, 0.44);
            prop_assert!(a.cost.dpu_hours.is_finite());
            for v in runlens::analysis::profiles::View::ALL {
                let p = runlens::analysis::profiles::profile(&loaded.run, v, 0.0);
                prop_assert!(p.lines.iter().all(|l| l.points.iter().all(|(t, y)| t.is_finite() && y.is_finite())));
            }
        }
    }
}

/// A JSON value mutation: a number, string or structure of a real document replaced.
#[derive(Debug, Clone)]
enum JsonMutation {
    /// Replace the n-th number with one of the extreme values.
    Number(usize, usize),
    /// Replace the n-th string.
    Text(usize, String),
    /// Remove the n-th object member.
    Remove(usize),
    /// Turn the n-th value into null.
    Null(usize),
}

const EXTREMES: [f64; 10] = [
    0.0,
    -1.0,
    1e300,
    -1e300,
    4294967295.0,
    18446744073709551615.0,
    9223372036854775807.0,
    -9223372036854775808.0,
    1e-300,
    0.5,
];

fn json_mutation() -> impl Strategy<Value = JsonMutation> {
    prop_oneof![
        (any::<usize>(), 0usize..EXTREMES.len()).prop_map(|(i, k)| JsonMutation::Number(i, k)),
        (any::<usize>(), "[a-z.]{0,12}").prop_map(|(i, s)| JsonMutation::Text(i, s)),
        any::<usize>().prop_map(JsonMutation::Remove),
        any::<usize>().prop_map(JsonMutation::Null),
    ]
}

/// Visits the values of `v` depth first, calling `f` with a running index.
fn visit(
    v: &mut serde_json::Value,
    n: &mut usize,
    f: &mut dyn FnMut(usize, &mut serde_json::Value) -> bool,
) -> bool {
    *n += 1;
    if f(*n, v) {
        return true;
    }
    match v {
        serde_json::Value::Array(a) => a.iter_mut().any(|x| visit(x, n, f)),
        serde_json::Value::Object(o) => o.values_mut().any(|x| visit(x, n, f)),
        _ => false,
    }
}

fn mutate_json(v: &mut serde_json::Value, m: &JsonMutation) {
    let mut count = 0;
    let _ = visit(v, &mut count, &mut |_, _| false);
    let total = count.max(1);
    let mut n = 0;
    match m {
        JsonMutation::Number(i, k) => {
            let target = i % total;
            visit(v, &mut n, &mut |j, x| {
                if j >= target && x.is_number() {
                    *x = serde_json::Number::from_f64(EXTREMES[*k])
                        .map_or(serde_json::Value::Null, serde_json::Value::Number);
                    return true;
                }
                false
            });
        }
        JsonMutation::Text(i, s) => {
            let target = i % total;
            visit(v, &mut n, &mut |j, x| {
                if j >= target && x.is_string() {
                    *x = serde_json::Value::String(s.clone());
                    return true;
                }
                false
            });
        }
        JsonMutation::Remove(i) => {
            let target = i % total;
            visit(v, &mut n, &mut |j, x| {
                if j >= target {
                    if let Some(o) = x.as_object_mut() {
                        if let Some(k) = o.keys().next().cloned() {
                            o.remove(&k);
                            return true;
                        }
                    }
                }
                false
            });
        }
        JsonMutation::Null(i) => {
            let target = i % total;
            visit(v, &mut n, &mut |j, x| {
                if j >= target && !x.is_object() && !x.is_array() {
                    *x = serde_json::Value::Null;
                    return true;
                }
                false
            });
        }
    }
}

/// A real run file (S3 before: 58 tasks), as JSON.
fn run_file_json() -> Option<&'static serde_json::Value> {
    static RUN: std::sync::OnceLock<Option<serde_json::Value>> = std::sync::OnceLock::new();
    RUN.get_or_init(|| {
        let data = common::data_dir()?;
        let bytes = std::fs::read(data.join("spark-local/app-20261121232835-0000")).ok()?;
        let run = ingest_bytes("s3", &bytes).ok()?.run;
        serde_json::to_value(&run).ok()
    })
    .as_ref()
}

/// Every number of a summarize record is finite.
fn record_is_finite(run: &runlens::model::Run) -> bool {
    let a = runlens::analysis::analyse(run, 0.44);
    let rec = runlens::analysis::summary::record(
        "x",
        runlens::model::SourceFormat::RunFile,
        run,
        a.straggler.as_ref(),
    );
    let v = serde_json::to_value(&rec).unwrap();
    let mut ok = true;
    let mut n = 0;
    let mut v = v;
    visit(&mut v, &mut n, &mut |_, x| {
        if let Some(f) = x.as_f64() {
            ok &= f.is_finite();
        }
        false
    });
    ok && a.cost.dpu_hours.is_finite() && a.cost.usd.is_finite()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn mutated_run_files_give_a_run_or_an_error(mutations in prop::collection::vec(json_mutation(), 1..5)) {
        let Some(base) = run_file_json() else { return Ok(()) };
        let mut v = base.clone();
        for m in &mutations {
            mutate_json(&mut v, m);
        }
        let bytes = v.to_string();
        if let Ok(loaded) = ingest_bytes("mutated.run.json", bytes.as_bytes()) {
            prop_assert!(record_is_finite(&loaded.run), "non-finite number in the summary of {bytes:.200}");
            for view in runlens::analysis::profiles::View::ALL {
                let p = runlens::analysis::profiles::profile(&loaded.run, view, 0.0);
                prop_assert!(p.lines.iter().all(|l| l.points.iter().all(|(t, y)| t.is_finite() && y.is_finite())));
            }
        }
    }

    #[test]
    fn mutated_scenarios_give_a_run_or_an_error(
        which in 0usize..4,
        mutations in prop::collection::vec(json_mutation(), 1..4),
    ) {
        let names = ["glue-coalesce-before", "glue-coalesce-after", "q80-local-shuffle", "q80-s3-shuffle"];
        let s = runlens::sim::presets::preset(names[which]).unwrap();
        let mut v = serde_json::to_value(&s).unwrap();
        for m in &mutations {
            mutate_json(&mut v, m);
        }
        let Ok(s) = runlens::sim::scenario::Scenario::from_json(&v.to_string()) else { return Ok(()) };
        if let Ok(run) = runlens::sim::simulate(&s) {
            prop_assert!(run.meta.duration_s.is_finite());
            prop_assert!(record_is_finite(&run));
        }
    }
}
