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
