//! A run's fleet row: who, when, how long, what it cost, its straggler and findings, and what
//! the top fix would save. The keys are a contract (README, "Fleet rows").

use serde::Serialize;
use serde_json::{Map, Value};

use crate::analysis::straggler::Cause;
use crate::analysis::{self, findings, findings::Severity};
use crate::ingest::pipeline::Loaded;
use crate::sim;

/// `status` of a run that could not be read.
pub const UNREADABLE: &str = "unreadable";

/// A finding's kind and severity.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FindingRef {
    /// Kebab-case kind (`straggler`, `spill`, …).
    pub kind: String,
    /// `info` | `warning` | `critical`.
    pub severity: String,
}

/// One run of the fleet. Written with serde; read back by [`FleetRow::from_json`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FleetRow {
    /// The run's path under the listed folder (a file, or a run's folder).
    pub source: String,
    /// Its files, paths under the listed folder.
    pub files: Vec<String>,
    /// Spark application id.
    pub app_id: Option<String>,
    /// Spark application name.
    pub app_name: Option<String>,
    /// Glue job name (or the platform's job name) when the run names it.
    pub job_name: Option<String>,
    /// Where it ran (`glue`, `emr`, `databricks`, …), or null.
    pub platform: Option<String>,
    /// Spark version.
    pub spark_version: Option<String>,
    /// Start, milliseconds since 1970-01-01 UTC.
    pub start_epoch_ms: Option<i64>,
    /// Wall time, seconds.
    pub duration_s: Option<f64>,
    /// `succeeded` | `failed` | `incomplete` | `unreadable`.
    pub status: String,
    /// The run's failure message, or why it could not be read; else null.
    pub error: Option<String>,
    /// Executors ever added, driver excluded.
    pub executors: Option<u64>,
    /// Ended tasks.
    pub tasks: Option<u64>,
    /// Failed tasks.
    pub failed_tasks: Option<u64>,
    /// DPU-hours (see `analysis::summary::cost` for the basis).
    pub dpu_hours: Option<f64>,
    /// Cost, US dollars.
    pub cost_usd: Option<f64>,
    /// The price used, US dollars per DPU-hour.
    pub price_per_dpu_hour: Option<f64>,
    /// Straggler executor id.
    pub straggler_executor: Option<String>,
    /// Straggler stage id.
    pub straggler_stage: Option<u64>,
    /// Straggler cause (kebab-case).
    pub straggler_cause: Option<String>,
    /// Wall time lost to the straggler, seconds.
    pub straggler_excess_s: Option<f64>,
    /// Findings, most severe first.
    pub findings: Vec<FindingRef>,
    /// The most severe finding's severity, or null.
    pub worst_severity: Option<String>,
    /// The finding whose fix the saving is for, or null.
    pub top_fix: Option<String>,
    /// Wall time the top fix would save, seconds.
    pub saving_s: Option<f64>,
    /// Money the top fix would save, US dollars.
    pub saving_usd: Option<f64>,
    /// How the saving was obtained.
    pub saving_basis: Option<String>,
    /// Money wasted: the whole cost of a failed run, else the top fix's saving (0 without one).
    pub wasted_usd: Option<f64>,
}

/// A row's JSON object, read field by field: absent and null are None, a wrong type is an error
/// naming the key.
struct Fields<'a>(&'a Map<String, Value>);

impl Fields<'_> {
    fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    fn wrong(key: &str, what: &str) -> String {
        format!("{key} is not {what}")
    }

    fn text(&self, key: &str) -> Result<Option<String>, String> {
        self.get(key)
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| Self::wrong(key, "text"))
            })
            .transpose()
    }

    fn num(&self, key: &str) -> Result<Option<f64>, String> {
        self.get(key)
            .map(|v| v.as_f64().ok_or_else(|| Self::wrong(key, "a number")))
            .transpose()
    }

    fn int(&self, key: &str) -> Result<Option<i64>, String> {
        self.get(key)
            .map(|v| v.as_i64().ok_or_else(|| Self::wrong(key, "an integer")))
            .transpose()
    }

    fn count(&self, key: &str) -> Result<Option<u64>, String> {
        self.get(key)
            .map(|v| v.as_u64().ok_or_else(|| Self::wrong(key, "a count")))
            .transpose()
    }

    fn list(&self, key: &str) -> Result<&[Value], String> {
        match self.get(key) {
            None => Ok(&[]),
            Some(v) => v
                .as_array()
                .map(Vec::as_slice)
                .ok_or_else(|| Self::wrong(key, "a list")),
        }
    }
}

impl FleetRow {
    /// Reads a row written by serde (`python -m runlens.fleet --format json`): every key
    /// optional, unknown keys ignored. By hand, not `serde::Deserialize`: the derived reader of
    /// these 28 keys cost the page's worker 19 KB of wasm (tests/fleet.rs checks the round
    /// trip of every key).
    pub fn from_json(v: &Value) -> Result<FleetRow, String> {
        let f = Fields(v.as_object().ok_or("not a JSON object")?);
        let files = f
            .list("files")?
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| Fields::wrong("files", "a list of text"))
            })
            .collect::<Result<_, _>>()?;
        let findings = f
            .list("findings")?
            .iter()
            .map(|x| {
                let g = Fields(
                    x.as_object()
                        .ok_or_else(|| Fields::wrong("findings", "a list of objects"))?,
                );
                Ok(FindingRef {
                    kind: g.text("kind")?.unwrap_or_default(),
                    severity: g.text("severity")?.unwrap_or_default(),
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(FleetRow {
            source: f.text("source")?.unwrap_or_default(),
            files,
            app_id: f.text("app_id")?,
            app_name: f.text("app_name")?,
            job_name: f.text("job_name")?,
            platform: f.text("platform")?,
            spark_version: f.text("spark_version")?,
            start_epoch_ms: f.int("start_epoch_ms")?,
            duration_s: f.num("duration_s")?,
            status: f.text("status")?.unwrap_or_default(),
            error: f.text("error")?,
            executors: f.count("executors")?,
            tasks: f.count("tasks")?,
            failed_tasks: f.count("failed_tasks")?,
            dpu_hours: f.num("dpu_hours")?,
            cost_usd: f.num("cost_usd")?,
            price_per_dpu_hour: f.num("price_per_dpu_hour")?,
            straggler_executor: f.text("straggler_executor")?,
            straggler_stage: f.count("straggler_stage")?,
            straggler_cause: f.text("straggler_cause")?,
            straggler_excess_s: f.num("straggler_excess_s")?,
            findings,
            worst_severity: f.text("worst_severity")?,
            top_fix: f.text("top_fix")?,
            saving_s: f.num("saving_s")?,
            saving_usd: f.num("saving_usd")?,
            saving_basis: f.text("saving_basis")?,
            wasted_usd: f.num("wasted_usd")?,
        })
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// A fix and what it would save: (finding kind, US dollars, seconds or None, basis).
type Fix = (String, f64, Option<f64>, String);

/// The straggler's fix: the simulator's prediction where it can replay it, else its excess
/// time at the run's cost per second.
fn straggler_fix(loaded: &Loaded, a: &analysis::Analysis, usd_per_s: f64) -> Option<Fix> {
    let s = a.straggler.as_ref()?;
    let measured = loaded.run.meta.duration_s;
    // The simulator replays the run without the plan's coalesce(n): predicted against its own
    // baseline, so that calibration error cancels.
    if s.cause == Cause::SinglePartitionStage {
        if let Ok(w) = sim::whatif(&loaded.run, &["coalesce=none"]) {
            let base = w.baseline.meta.duration_s;
            let pred = w.predicted.meta.duration_s;
            if base > 0.0 && pred < base {
                let saved = measured * (1.0 - pred / base);
                return Some((
                    "straggler".into(),
                    saved * usd_per_s,
                    Some(saved),
                    "simulated: coalesce=none, calibrated on this run".into(),
                ));
            }
        }
    }
    let saved = s.excess_s.max(0.0);
    Some((
        "straggler".into(),
        saved * usd_per_s,
        Some(saved),
        "the straggler's excess time × the run's cost per second".into(),
    ))
}

/// Idle executors' fix: the slot time paid for without a task, when the finding is raised.
fn idle_fix(loaded: &Loaded, a: &analysis::Analysis) -> Option<Fix> {
    a.findings.iter().find(|f| f.kind == "idle-executors")?;
    let share = findings::idle_share(&loaded.run)?;
    Some((
        "idle-executors".into(),
        share * a.cost.usd,
        None,
        format!(
            "{:.0} % of executor slot time without a task × the run's cost",
            share * 100.0
        ),
    ))
}

/// The fix that would save the most. They overlap (slots sit idle while a straggler runs), so
/// the larger is taken, never the sum.
fn top_fix(loaded: &Loaded, a: &analysis::Analysis, usd_per_s: f64) -> Option<Fix> {
    [straggler_fix(loaded, a, usd_per_s), idle_fix(loaded, a)]
        .into_iter()
        .flatten()
        .max_by(|x, y| x.1.total_cmp(&y.1))
}

/// The row of a run read from `files` (paths under the listed folder) as `source`.
pub fn of_run(
    source: &str,
    files: &[String],
    loaded: &Loaded,
    price_per_dpu_hour: f64,
) -> FleetRow {
    let run = &loaded.run;
    let a = analysis::analyse(run, price_per_dpu_hour);
    let rec = analysis::summary::record(source, loaded.format, run, a.straggler.as_ref());
    let duration = run.meta.duration_s;
    let rate = if duration > 0.0 {
        a.cost.usd / duration
    } else {
        0.0
    };
    let fix = top_fix(loaded, &a, rate);
    let saving_usd = fix.as_ref().map(|f| f.1.min(a.cost.usd).max(0.0));
    let failed = rec.status == "failed";
    let wasted = if failed {
        a.cost.usd
    } else {
        saving_usd.unwrap_or(0.0)
    };
    let worst = a.findings.iter().map(|f| f.severity).max();
    FleetRow {
        source: source.to_string(),
        files: files.to_vec(),
        app_id: rec.app_id,
        app_name: rec.app_name,
        job_name: run.meta.job_name.clone(),
        platform: rec.platform,
        spark_version: rec.spark_version,
        start_epoch_ms: run.meta.start_epoch_ms,
        duration_s: Some(rec.duration_s),
        status: rec.status,
        error: rec.error,
        executors: Some(rec.executors),
        tasks: rec.tasks,
        failed_tasks: rec.failed_tasks,
        dpu_hours: Some(round6(a.cost.dpu_hours)),
        cost_usd: Some(round6(a.cost.usd)),
        price_per_dpu_hour: Some(price_per_dpu_hour),
        straggler_executor: rec.straggler.as_ref().map(|s| s.executor.clone()),
        straggler_stage: rec.straggler.as_ref().and_then(|s| s.stage),
        straggler_cause: rec.straggler.as_ref().map(|s| s.cause.clone()),
        straggler_excess_s: rec.straggler.as_ref().map(|s| s.excess_s),
        findings: a
            .findings
            .iter()
            .map(|f| FindingRef {
                kind: f.kind.to_string(),
                severity: f.severity.as_str().to_string(),
            })
            .collect(),
        worst_severity: worst.map(|s: Severity| s.as_str().to_string()),
        top_fix: fix.as_ref().map(|f| f.0.clone()),
        saving_s: fix.as_ref().and_then(|f| f.2).map(round3),
        saving_usd: saving_usd.map(round6),
        saving_basis: fix.map(|f| f.3),
        wasted_usd: Some(round6(wasted)),
    }
}

/// The rows of an input read as `runs`: one, or one per run of an archive (its source
/// `ARCHIVE!/ENTRY`, as `summarize` names it).
pub fn of_runs(
    source: &str,
    files: &[String],
    runs: &[Loaded],
    price_per_dpu_hour: f64,
) -> Vec<FleetRow> {
    if runs.is_empty() {
        return vec![unreadable(
            source,
            files,
            &format!("{source}: no run in it"),
        )];
    }
    runs.iter()
        .map(|l| {
            let src = match &l.entry {
                Some(e) if runs.len() > 1 => format!("{source}!/{e}"),
                _ => source.to_string(),
            };
            of_run(&src, files, l, price_per_dpu_hour)
        })
        .collect()
}

/// The row of a run that could not be read: its source, files and the reason.
pub fn unreadable(source: &str, files: &[String], message: &str) -> FleetRow {
    FleetRow {
        source: source.to_string(),
        files: files.to_vec(),
        status: UNREADABLE.to_string(),
        error: Some(message.to_string()),
        ..FleetRow::default()
    }
}
