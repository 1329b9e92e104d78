//! `runlens presets`, `runlens simulate`, `runlens whatif`: the simulator on the command line.

use std::io::Write;
use std::path::Path;

use super::load_one;
use crate::analysis;
use crate::ingest::run_file;
use crate::model::glue::DEFAULT_PRICE_PER_DPU_HOUR;
use crate::model::units::format_duration;
use crate::model::{Run, SourceFormat};
use crate::sim::{self, presets, Scenario};

/// `runlens presets`: one line per preset.
pub fn presets_cmd() -> i32 {
    let width = presets::PRESETS
        .iter()
        .map(|p| p.name.len())
        .max()
        .unwrap_or(0);
    for p in presets::PRESETS.iter() {
        println!("{:width$}  {}", p.name, p.summary);
    }
    0
}

/// The summarize record of a simulated run as one JSON object with `extra` keys appended after
/// the summarize keys (their order is the summarize contract's; `serde_json::Map` would sort them).
fn record_json(source: &str, run: &Run, extra: &[(&str, serde_json::Value)]) -> String {
    let a = analysis::analyse(run, DEFAULT_PRICE_PER_DPU_HOUR);
    let rec = analysis::summary::record(source, SourceFormat::Simulator, run, a.straggler.as_ref());
    let mut out = serde_json::to_string(&rec).unwrap_or_else(|_| "{}".into());
    if out.ends_with('}') {
        out.pop();
        for (k, v) in extra {
            if !out.ends_with('{') {
                out.push(',');
            }
            out.push_str(&serde_json::Value::String((*k).to_string()).to_string());
            out.push(':');
            out.push_str(&v.to_string());
        }
        out.push('}');
    }
    out
}

fn write_run(run: &Run, output: &Path) -> Result<(), String> {
    let bytes = run_file::to_vec(run);
    let r = if output.as_os_str() == "-" {
        std::io::stdout()
            .write_all(&bytes)
            .and_then(|_| std::io::stdout().write_all(b"\n"))
    } else {
        std::fs::write(output, &bytes)
    };
    r.map_err(|e| format!("{}: cannot write: {e}", output.display()))
}

fn print_table(source: &str, run: &Run) {
    let a = analysis::analyse(run, DEFAULT_PRICE_PER_DPU_HOUR);
    let rec = analysis::summary::record(source, SourceFormat::Simulator, run, a.straggler.as_ref());
    print!("{}", super::table::render(&[(rec, a)]));
}

/// `runlens simulate (SCENARIO.json | --preset NAME) [-o RUN.json] [--json]`.
pub fn simulate_cmd(
    scenario: Option<&Path>,
    preset: Option<&str>,
    output: Option<&Path>,
    json: bool,
) -> i32 {
    let (source, s) = match (scenario, preset) {
        (Some(_), Some(_)) | (None, None) => {
            eprintln!("runlens: simulate takes a SCENARIO.json or --preset NAME (one of them)");
            return 2;
        }
        (None, Some(name)) => match presets::preset(name) {
            Some(s) => (format!("preset:{}", s.name), s),
            None => {
                eprintln!(
                    "runlens: unknown preset {name:?}; presets: {}",
                    presets::names().join(", ")
                );
                return 2;
            }
        },
        (Some(path), None) => {
            let name = path.display().to_string();
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("runlens: {name}: cannot read: {e}");
                    return 1;
                }
            };
            match Scenario::from_json(&text) {
                Ok(s) => (name, s),
                Err(e) => {
                    eprintln!("runlens: {name}: {e}");
                    return 1;
                }
            }
        }
    };
    let run = match sim::simulate(&s) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("runlens: {source}: cannot simulate: {e}");
            return 1;
        }
    };
    if let Some(o) = output {
        if let Err(e) = write_run(&run, o) {
            eprintln!("runlens: {e}");
            return 1;
        }
    }
    let to_stdout = output.is_some_and(|o| o.as_os_str() == "-");
    if json && !to_stdout {
        println!(
            "{}",
            record_json(
                &source,
                &run,
                &[("simulated", serde_json::Value::Bool(true))]
            )
        );
    } else if !to_stdout {
        print_table(&source, &run);
    }
    0
}

/// `runlens whatif INPUT --set KEY=VALUE... [-o RUN.json] [--json]`.
pub fn whatif_cmd(input: &Path, sets: &[String], output: Option<&Path>, json: bool) -> i32 {
    let changes = match sim::changes::parse_all(sets) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("runlens: {e}");
            return 2;
        }
    };
    let source = input.display().to_string();
    let Some(loaded) = load_one(input) else {
        return 1;
    };
    let w = match sim::whatif(&loaded.run, sets) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("runlens: {source}: {e}");
            return 1;
        }
    };
    debug_assert_eq!(changes.len(), sets.len());
    if let Some(o) = output {
        if let Err(e) = write_run(&w.predicted, o) {
            eprintln!("runlens: {e}");
            return 1;
        }
    }
    let measured = loaded.run.meta.duration_s;
    let baseline = w.baseline.meta.duration_s;
    let to_stdout = output.is_some_and(|o| o.as_os_str() == "-");
    if json && !to_stdout {
        let round = |x: f64| serde_json::json!((x * 1000.0).round() / 1000.0);
        println!(
            "{}",
            record_json(
                &source,
                &w.predicted,
                &[
                    ("simulated", serde_json::Value::Bool(true)),
                    ("baseline_duration_s", round(baseline)),
                    ("measured_duration_s", round(measured)),
                ]
            )
        );
    } else if !to_stdout {
        print_table(&source, &w.predicted);
        println!(
            "measured {}, calibrated baseline {} ({:+.1}%), predicted {} ({:+.1}% vs measured)",
            format_duration(measured),
            format_duration(baseline),
            pct(baseline, measured),
            format_duration(w.predicted.meta.duration_s),
            pct(w.predicted.meta.duration_s, measured)
        );
        for n in &w.notes {
            println!("  note: {n}");
        }
    }
    0
}

fn pct(x: f64, base: f64) -> f64 {
    if base > 0.0 {
        (x / base - 1.0) * 100.0
    } else {
        0.0
    }
}
