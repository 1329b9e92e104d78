//! Simulator speed: 100,000 tasks on 1,000 task slots (250 executors × 4 cores), natively.
//! Target (issue 4): ≤ 50 ms for the whole simulation, `model::Run` included. A sweep of 200
//! configurations of the LARGE run (issue 11: ≤ 5 s natively), when ../shared/data is there.
//! Run with `cargo bench --bench sim`; results go to docs/benchmarks.md.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use runlens::sim::{engine, presets, simulate};

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("sim");
    g.sample_size(20).measurement_time(Duration::from_secs(10));
    let s = presets::synthetic_100k();
    assert_eq!(simulate(&s).expect("simulates").tasks.len(), 100_000);
    g.bench_function("100k tasks on 1000 slots: engine", |b| {
        b.iter(|| engine::run(&s).expect("simulates"))
    });
    g.bench_function("100k tasks on 1000 slots: engine + run", |b| {
        b.iter(|| simulate(&s).expect("simulates"))
    });
    for name in presets::names() {
        let p = presets::preset(name).expect("preset");
        g.bench_function(format!("preset {name}"), |b| {
            b.iter(|| simulate(&p).expect("simulates"))
        });
    }
    g.finish();
    sweep_large(c);
}

/// 200 configurations (shuffle partitions × executors) of the 60,012-task LARGE run.
fn sweep_large(c: &mut Criterion) {
    use runlens::sim::sweep;
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/spark-local/app-20261121234021-0000.zstd");
    let Ok(loaded) = runlens::ingest::fs::load_path(&path) else {
        eprintln!("SKIPPED: sweep of LARGE: {} is absent", path.display());
        return;
    };
    let axes = [
        sweep::parse_axis("spark.sql.shuffle.partitions=20..400:20").expect("axis"),
        sweep::parse_axis("spark.executor.instances=1..10").expect("axis"),
    ];
    assert_eq!(sweep::count(&axes), 200);
    let mut g = c.benchmark_group("sweep");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    g.bench_function("LARGE, 200 configurations", |b| {
        b.iter(|| sweep::sweep(&loaded.run, &axes, None, 0.44).expect("sweeps"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
