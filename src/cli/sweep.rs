//! `runlens sweep`: a search over configurations on the command line.

use std::path::Path;

use super::load_one;
use crate::model::units::{format_duration, parse_time_s};
use crate::sim::sweep::{self, Sweep};

/// `runlens sweep INPUT --vary KEY=… … [--deadline DURATION] [--price-per-dpu-hour X] [--json]`.
pub fn sweep_cmd(
    input: &Path,
    vary: &[String],
    deadline: Option<&str>,
    price: f64,
    json: bool,
) -> i32 {
    if !(price.is_finite() && price >= 0.0) {
        eprintln!("runlens: --price-per-dpu-hour must be a non-negative number");
        return 2;
    }
    let mut axes = Vec::new();
    for v in vary {
        match sweep::parse_axis(v) {
            Ok(a) => axes.push(a),
            Err(e) => {
                eprintln!("runlens: {}", e.replace("--set", "--vary"));
                return 2;
            }
        }
    }
    let deadline_s = match deadline {
        None => None,
        Some(d) => match parse_time_s(d, 1.0).filter(|s| s.is_finite() && *s > 0.0) {
            Some(s) => Some(s),
            None => {
                eprintln!("runlens: --deadline {d:?}: expected a duration such as 3600, 90min, 2h");
                return 2;
            }
        },
    };
    if sweep::count(&axes) > sweep::MAX_CONFIGURATIONS {
        eprintln!(
            "runlens: {} configurations, more than the {} a sweep simulates: give fewer values",
            sweep::count(&axes),
            sweep::MAX_CONFIGURATIONS
        );
        return 2;
    }
    let source = input.display().to_string();
    let Some(loaded) = load_one(input) else {
        return 1;
    };
    let s = match sweep::sweep(&loaded.run, &axes, deadline_s, price) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("runlens: {source}: {e}");
            return 1;
        }
    };
    let mut s = s;
    s.source = source.clone();
    if json {
        println!(
            "{}",
            serde_json::to_string(&s).unwrap_or_else(|_| "{}".into())
        );
    } else {
        print_sweep(&source, &s);
    }
    0
}

fn print_sweep(source: &str, s: &Sweep) {
    println!("{source}: {} configurations", s.configurations.len());
    println!(
        "measured {} ({:.3} DPU-h, ${:.3}), calibrated baseline {} ({:+.1}%)",
        format_duration(s.measured.duration_s),
        s.measured.dpu_hours,
        s.measured.usd,
        format_duration(s.baseline.duration_s),
        if s.measured.duration_s > 0.0 {
            (s.baseline.duration_s / s.measured.duration_s - 1.0) * 100.0
        } else {
            0.0
        }
    );
    let keys: Vec<&str> = s.axes.iter().map(|a| a.key.as_str()).collect();
    let mut order: Vec<usize> = (0..s.configurations.len()).collect();
    crate::sorting::sort_by(&mut order, |&i| {
        let o = &s.configurations[i].outcome;
        crate::sorting::Key(
            if o.status == "succeeded" {
                o.duration_s
            } else {
                f64::INFINITY
            },
            i as u64,
        )
    });
    println!(
        "  {:<3} {}  {:>10}  {:>9}  {:>9}  status",
        "",
        keys.join("  "),
        "duration",
        "DPU-h",
        "cost"
    );
    for i in order {
        let c = &s.configurations[i];
        let mark = format!(
            "{}{}",
            if Some(i) == s.recommendation {
                "=>"
            } else {
                ""
            },
            if c.on_frontier { "*" } else { "" }
        );
        let values: Vec<String> = c
            .settings
            .iter()
            .zip(&keys)
            .map(|((_, v), k)| format!("{v:>w$}", w = k.len()))
            .collect();
        let status = match &c.outcome.error {
            Some(e) if c.outcome.status != "succeeded" => format!(
                "{}: {}",
                c.outcome.status,
                crate::analysis::summary::short_error(e)
            ),
            _ => c.outcome.status.clone(),
        };
        println!(
            "  {mark:<3} {}  {:>10}  {:>9.3}  {:>9}  {status}",
            values.join("  "),
            format_duration(c.outcome.duration_s),
            c.outcome.dpu_hours,
            format!("${:.3}", c.outcome.usd)
        );
    }
    println!("  (* on the frontier of time against cost, => recommended)");
    match s.recommendation {
        Some(i) => {
            let c = &s.configurations[i];
            let set: Vec<String> = c.settings.iter().map(|(k, v)| format!("{k}={v}")).collect();
            println!(
                "recommended: {} — {}, ${:.3}: {}",
                set.join(" "),
                format_duration(c.outcome.duration_s),
                c.outcome.usd,
                s.recommendation_reason
            );
        }
        None => println!("no recommendation: {}", s.recommendation_reason),
    }
}
