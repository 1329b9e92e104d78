//! The `runlens` command line: a thin layer over the core (ingest, analysis, simulator).

mod compare;
mod sim;
mod sweep;
mod table;

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::analysis;
use crate::ingest::fs::{load_path, load_path_all};
use crate::ingest::run_file;
use crate::model::glue::DEFAULT_PRICE_PER_DPU_HOUR;

/// Profiling for Apache Spark and AWS Glue job runs.
#[derive(Parser)]
#[command(name = "runlens", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Summarize runs: totals, status, straggler, warnings.
    Summarize {
        /// Spark event logs (plain, compressed, rolling or Databricks directories, ZIP archives of
        /// them: `ARCHIVE!/ENTRY` names one run of an archive), CloudWatch exports or run files.
        #[arg(required = true, value_name = "FILE_OR_DIR")]
        inputs: Vec<PathBuf>,
        /// One JSON object per input instead of a table.
        #[arg(long)]
        json: bool,
        /// Price of one DPU-hour in US dollars, for the cost finding.
        #[arg(long, value_name = "USD", default_value_t = DEFAULT_PRICE_PER_DPU_HOUR)]
        price_per_dpu_hour: f64,
    },
    /// Compare two runs: stages matched across them, where the time went, settings changed.
    Compare {
        /// The run before the change (any input `summarize` reads; one run).
        before: PathBuf,
        /// The run after the change.
        after: PathBuf,
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Convert any supported input to a Runlens run file (runlens/run@1).
    Convert {
        /// The input file or directory.
        input: PathBuf,
        /// Where to write the run file (`-` for standard output).
        #[arg(short, long, value_name = "RUN.json")]
        output: PathBuf,
        /// A label stored in the run (shown in the dashboard).
        #[arg(long)]
        label: Option<String>,
    },
    /// Print the JSON Schema of the run file.
    Schema,
    /// List the simulator's built-in scenarios.
    Presets,
    /// Simulate a scenario (a runlens/scenario@1 file or a preset) and summarize the run.
    Simulate {
        /// The scenario file.
        #[arg(value_name = "SCENARIO.json")]
        scenario: Option<PathBuf>,
        /// A built-in scenario instead (see `runlens presets`).
        #[arg(long, value_name = "NAME", conflicts_with = "scenario")]
        preset: Option<String>,
        /// Write the simulated run file here (`-` for standard output).
        #[arg(short, long, value_name = "RUN.json")]
        output: Option<PathBuf>,
        /// One JSON object (the summarize keys plus `simulated`) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Calibrate the simulator on a measured run, apply changes, and predict the run.
    Whatif {
        /// The measured run (Spark event log or run file with tasks).
        input: PathBuf,
        /// A change, KEY=VALUE (e.g. spark.sql.shuffle.partitions=64, coalesce=none); repeatable.
        #[arg(long = "set", value_name = "KEY=VALUE", required = true)]
        set: Vec<String>,
        /// Write the predicted run file here (`-` for standard output).
        #[arg(short, long, value_name = "RUN.json")]
        output: Option<PathBuf>,
        /// One JSON object (the summarize keys of the prediction plus baseline and measured durations).
        #[arg(long)]
        json: bool,
    },
    /// Calibrate once on a measured run, simulate every combination of the values given, and
    /// print each configuration's duration, DPU-hours, cost and status, the frontier of time
    /// against cost, and the cheapest configuration that meets the deadline.
    Sweep {
        /// The measured run (Spark event log or run file with tasks).
        input: PathBuf,
        /// A setting and its values: KEY=V1,V2,… or KEY=FROM..TO[:STEP] (whole numbers), e.g.
        /// spark.sql.shuffle.partitions=50,100,200 or glue.workers=2..20:2; repeatable (every
        /// combination is simulated).
        #[arg(long = "vary", value_name = "KEY=VALUES", required = true)]
        vary: Vec<String>,
        /// Finish by this long after the start (3600, 90min, 2h): the recommendation is the
        /// cheapest configuration that does.
        #[arg(long, value_name = "DURATION")]
        deadline: Option<String>,
        /// Price of one DPU-hour in US dollars.
        #[arg(long, value_name = "USD", default_value_t = DEFAULT_PRICE_PER_DPU_HOUR)]
        price_per_dpu_hour: f64,
        /// One JSON object instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// Runs the command line with `args` (including the program name); returns the exit code.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match cli.command {
        Command::Summarize {
            inputs,
            json,
            price_per_dpu_hour,
        } => summarize(&inputs, json, price_per_dpu_hour),
        Command::Convert {
            input,
            output,
            label,
        } => convert(&input, &output, label),
        Command::Compare {
            before,
            after,
            json,
        } => compare::compare_cmd(&before, &after, json),
        Command::Presets => sim::presets_cmd(),
        Command::Simulate {
            scenario,
            preset,
            output,
            json,
        } => sim::simulate_cmd(
            scenario.as_deref(),
            preset.as_deref(),
            output.as_deref(),
            json,
        ),
        Command::Whatif {
            input,
            set,
            output,
            json,
        } => sim::whatif_cmd(&input, &set, output.as_deref(), json),
        Command::Sweep {
            input,
            vary,
            deadline,
            price_per_dpu_hour,
            json,
        } => sweep::sweep_cmd(&input, &vary, deadline.as_deref(), price_per_dpu_hour, json),
        Command::Schema => {
            println!(
                "{}",
                serde_json::to_string_pretty(&run_file::schema()).unwrap_or_default()
            );
            0
        }
    }
}

fn summarize(inputs: &[PathBuf], json: bool, price: f64) -> i32 {
    if !(price.is_finite() && price >= 0.0) {
        eprintln!("runlens: --price-per-dpu-hour must be a non-negative number");
        return 2;
    }
    let mut failed = false;
    let mut rows = Vec::new();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for input in inputs {
        let source = input.display().to_string();
        match load_path_all(input) {
            Ok(all) => {
                // An archive gives a row per run, its source `ARCHIVE!/ENTRY`.
                for loaded in all {
                    let source = loaded.entry.clone().unwrap_or_else(|| source.clone());
                    let a = analysis::analyse(&loaded.run, price);
                    let rec = analysis::summary::record(
                        &source,
                        loaded.format,
                        &loaded.run,
                        a.straggler.as_ref(),
                    );
                    if json {
                        let _ =
                            writeln!(out, "{}", serde_json::to_string(&rec).unwrap_or_default());
                    } else {
                        rows.push((rec, a));
                    }
                }
            }
            Err(e) => {
                failed = true;
                eprintln!("runlens: {e}");
            }
        }
    }
    if !json && !rows.is_empty() {
        let _ = write!(out, "{}", table::render(&rows));
    }
    i32::from(failed)
}

/// Reads the one run a command works on, or prints why it cannot (the command then exits 1).
pub(crate) fn load_one(input: &std::path::Path) -> Option<crate::ingest::Loaded> {
    match load_path(input) {
        Ok(l) => Some(l),
        Err(e) => {
            eprintln!("runlens: {e}");
            None
        }
    }
}

fn convert(input: &std::path::Path, output: &std::path::Path, label: Option<String>) -> i32 {
    let Some(mut loaded) = load_one(input) else {
        return 1;
    };
    if label.is_some() {
        loaded.run.meta.label = label;
    }
    let bytes = run_file::to_vec(&loaded.run);
    let result = if output.as_os_str() == "-" {
        std::io::stdout()
            .write_all(&bytes)
            .and_then(|_| std::io::stdout().write_all(b"\n"))
    } else {
        std::fs::write(output, &bytes)
    };
    match result {
        Ok(()) => {
            for w in &loaded.run.warnings {
                eprintln!("runlens: warning: {w}");
            }
            0
        }
        Err(e) => {
            eprintln!("runlens: {}: cannot write: {e}", output.display());
            1
        }
    }
}
