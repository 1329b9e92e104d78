//! Simulator speed: 100,000 tasks on 1,000 task slots (250 executors × 4 cores), natively.
//! Target (issue 4): ≤ 50 ms for the whole simulation, `model::Run` included. Run with
//! `cargo bench --bench sim`; results go to docs/benchmarks.md.

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
}

criterion_group!(benches, bench);
criterion_main!(benches);
