//! Ingest throughput (MB/s of uncompressed log) and analysis cost on the real logs of
//! ../shared/data. Run with `cargo bench --bench ingest`; results go to docs/benchmarks.md.

use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use runlens::analysis::{analyse, profiles};
use runlens::ingest::{fs::load_path, ingest_bytes, pipeline::FileDecoder};

fn data(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("SKIPPED: {} is absent", p.display());
        None
    }
}

fn ingest(c: &mut Criterion) {
    let mut g = c.benchmark_group("ingest");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    for rel in [
        "spark-local/app-20261121232506-0000",
        "spark-local/app-20261121234021-0000.zstd",
    ] {
        let Some(path) = data(rel) else { continue };
        let bytes = std::fs::read(&path).expect("readable");
        // Throughput is counted in bytes of uncompressed log.
        let out = ingest_bytes(rel, &bytes).expect("loads").bytes_out;
        g.throughput(Throughput::Bytes(out));
        // One thread, in memory: the code path the page runs.
        g.bench_with_input(
            BenchmarkId::new("in-memory, one thread", rel),
            &bytes,
            |b, bytes| b.iter(|| ingest_bytes(rel, bytes).expect("loads")),
        );
        // Decompression alone, one thread: what a second thread or worker can take off the parse.
        g.bench_with_input(
            BenchmarkId::new("decompress only, one thread", rel),
            &bytes,
            |b, bytes| {
                b.iter(|| {
                    let mut n = 0usize;
                    let mut d = FileDecoder::new(rel);
                    for piece in bytes.chunks(256 * 1024) {
                        d.push(piece, &mut |out| n += out.len()).expect("decodes");
                    }
                    d.finish(&mut |out| n += out.len()).expect("decodes");
                    n
                })
            },
        );
        // From the file, decompression on a second thread: the CLI's path.
        g.bench_with_input(
            BenchmarkId::new("file, two threads", rel),
            &path,
            |b, path| b.iter(|| load_path(path).expect("loads")),
        );
    }
    g.finish();
}

fn analysis(c: &mut Criterion) {
    let Some(path) = data("spark-local/app-20261121234021-0000.zstd") else {
        return;
    };
    let run = load_path(&path).expect("loads").run;
    let mut g = c.benchmark_group("analysis (60,012 tasks)");
    g.sample_size(20);
    g.bench_function("analyse (totals, straggler, findings)", |b| {
        b.iter(|| analyse(&run, 0.44))
    });
    g.bench_function("four profiles", |b| {
        b.iter(|| profiles::profiles(&run, 0.0))
    });
    g.finish();
}

criterion_group!(benches, ingest, analysis);
criterion_main!(benches);
