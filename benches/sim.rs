//! Simulator speed: 100,000 tasks on 1,000 task slots (250 executors × 4 cores), natively.
//! Target (issue 4): ≤ 50 ms for the whole simulation, `model::Run` included. Run with
//! `cargo bench --bench sim`; results go to docs/benchmarks.md.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use runlens::sim::scenario::{Cluster, JobSpec, Source, StageSpec, Work};
use runlens::sim::{engine, presets, simulate, Scenario};

/// One job: a map stage of 100,000 tasks writing shuffle output, on 250 executors × 4 cores.
pub fn hundred_thousand_tasks() -> Scenario {
    Scenario {
        name: "bench-100k".into(),
        cluster: Cluster {
            executors: Some(250),
            executor_cores: Some(4),
            executor_start_s: 0.0,
            ..Cluster::default()
        },
        jobs: vec![JobSpec {
            id: 0,
            stages: vec![StageSpec {
                id: 0,
                name: "map".into(),
                source: Source::Fixed { tasks: 100_000 },
                work: Work {
                    shuffle_write_bytes_per_task: 1 << 20,
                    ..Work::default()
                },
                ..StageSpec::default()
            }],
            ..JobSpec::default()
        }],
        ..Scenario::default()
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("sim");
    g.sample_size(20).measurement_time(Duration::from_secs(10));
    let s = hundred_thousand_tasks();
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
