//! AWS CloudWatch exports of Glue job metrics (`aws cloudwatch get-metric-data` pages,
//! `aws cloudwatch get-metric-statistics` outputs) plus, optionally, the `aws glue get-job-run`
//! output of the same run → one [`Run`].
//!
//! How the numbers are read (see also `docs/export-from-glue.md`):
//! - A CloudWatch timestamp is the *start* of its aggregation period (CloudWatch groups the raw
//!   points in `[timestamp, timestamp + period)`). A delta series (`glue.driver.aggregate.*`,
//!   `*.s3.filesystem.*`) is placed at the period's end (`t_s` = timestamp + period − t0), as the model
//!   defines; a gauge at the middle of the part of the period after the run started.
//! - The period of each input file is the median spacing of its timestamps (Glue reports every 30 s;
//!   exports older than 3 hours can only be at 60 s or more), 30 s when no file has two points.
//! - t = 0 is the job run's `StartedOn` when a get-job-run output is given, else the earliest
//!   timestamp (the start of the first period with data).
//! - Metric names come from the result `Label`, else from the query `Id` (convention in [`names`]).
//! - Several pages of one query are merged; exact duplicate points are dropped; where two inputs give
//!   different values at one timestamp the first is kept and a warning says so.
//! - Non-numeric, NaN or infinite values and unreadable timestamps are errors; negative values are
//!   skipped with a warning (no Glue metric can be negative: it is a reporting artefact, and one bad
//!   point should not make the whole run unreadable).
//! - Executors are the numeric ids (and `driver`) in per-executor metric names (`glue.3.jvm.heap.used`);
//!   `added_s` is the start of the first period it reported in, `removed_s` the end of the last, left
//!   empty when it reported until the end of the data.

mod names;
mod read;
mod time;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::metrics::{classify, split_executor_metric};
use crate::model::{
    Executor, MemorySource, Run, RunStatus, Series, SeriesKind, SeriesSource, SourceFormat,
};
use crate::{Error, ErrorKind, Result};
use read::{Point, Reader};

/// Glue's reporting interval: the period when the data is too sparse to measure one.
const DEFAULT_PERIOD_MS: i64 = 30_000;

/// True if this parsed JSON document looks like a CloudWatch export (get-metric-data or get-metric-statistics output, or an array of them) or an `aws glue get-job-run` output.
pub fn is_cloudwatch_doc(doc: &Value) -> bool {
    match doc {
        Value::Object(m) => {
            m.get("MetricDataResults").is_some_and(Value::is_array)
                || m.get("Datapoints").is_some_and(Value::is_array)
                || m.get("JobRun").is_some_and(Value::is_object)
        }
        Value::Array(items) => {
            !items.is_empty() && items.iter().all(|d| d.is_object() && is_cloudwatch_doc(d))
        }
        _ => false,
    }
}

/// Builds a run from one or more documents of one job run: get-metric-data pages, get-metric-statistics outputs, and optionally one `aws glue get-job-run` output (`{"JobRun": {...}}`). `docs` are (input name, parsed JSON value); several JSON values concatenated in one file arrive as separate entries with the same name.
pub fn parse_docs(docs: &[(String, Value)]) -> Result<Run> {
    let mut reader = Reader::default();
    for (name, doc) in docs {
        reader.read_doc(name, doc)?;
    }
    let source = if reader.sources.is_empty() {
        "(no input)".to_string()
    } else {
        reader.sources.join(", ")
    };
    let mut merged: Vec<(String, Vec<Point>)> = Vec::new();
    let mut conflicts: Vec<String> = Vec::new();
    for (metric, g) in reader
        .metrics
        .iter_mut()
        .filter(|(_, g)| !g.points.is_empty())
    {
        // The points move out; the reader keeps its per-metric notes (negatives, statistic) for warnings.
        let (points, n_conflicts) = sort_dedup(std::mem::take(&mut g.points));
        if n_conflicts > 0 {
            conflicts.push(format!("{metric} ({n_conflicts})"));
        }
        merged.push((metric.clone(), points));
    }
    if merged.is_empty() {
        return Err(no_metric_data(&source, &reader));
    }
    let mut warnings = reader.finish_warnings();
    if !conflicts.is_empty() {
        warnings.push(format!(
            "different values at the same timestamp for {}: kept the first input's value",
            conflicts.join(", ")
        ));
    }
    Ok(build(&reader, merged, warnings))
}

/// Sorts by time and drops points repeated at one timestamp (pages may overlap); returns how many
/// dropped points had a different value than the kept one.
fn sort_dedup(mut points: Vec<Point>) -> (Vec<Point>, usize) {
    // Stable: the first input's point comes first.
    crate::sorting::sort_by(&mut points, |p| crate::sorting::Key::f(p.ms as f64));
    let mut out: Vec<Point> = Vec::with_capacity(points.len());
    let mut conflicts = 0;
    for p in points {
        match out.last() {
            Some(last) if last.ms == p.ms => conflicts += usize::from(last.value != p.value),
            _ => out.push(p),
        }
    }
    (out, conflicts)
}

/// The "no metric data" error, saying what the inputs did hold.
fn no_metric_data(source: &str, reader: &Reader) -> Error {
    let detail = if reader.result_count == 0 && reader.job_run.is_some() {
        "only a Glue job run (aws glue get-job-run) was given; add the metrics exported with aws cloudwatch get-metric-data (see docs/export-from-glue.md)".to_string()
    } else if reader.result_count == 0 {
        "the export has no metric results (MetricDataResults is empty): check the time range and the Glue namespace, JobName, JobRunId and Type dimensions of the queries (see docs/export-from-glue.md)".to_string()
    } else {
        let mut why: Vec<String> = Vec::new();
        if !reader.failed.is_empty() {
            let failed: Vec<String> = reader
                .failed
                .iter()
                .map(|(name, f)| {
                    if name == source {
                        f.clone()
                    } else {
                        format!("{name}: {f}")
                    }
                })
                .collect();
            why.push(format!("CloudWatch reported: {}", failed.join("; ")));
        }
        why.extend(reader.unnamed_summary());
        let negative: Vec<&str> = reader
            .metrics
            .iter()
            .filter(|(_, g)| g.negatives > 0)
            .map(|(m, _)| m.as_str())
            .collect();
        if !negative.is_empty() {
            why.push(format!(
                "only negative values, which were skipped, for {}",
                negative.join(", ")
            ));
        }
        let results = read::plural(reader.result_count, "metric result");
        if why.is_empty() {
            format!("{results}, none with data points: check the time range and the JobName, JobRunId and Type dimensions of the queries (see docs/export-from-glue.md)")
        } else {
            format!(
                "{results}, none with usable data points: {}",
                why.join("; ")
            )
        }
    };
    Error::new(
        source,
        ErrorKind::InvalidContent,
        format!("no metric data: {detail}"),
    )
}

/// Median of positive spacings, if any.
fn median(mut v: Vec<i64>) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    Some(v[v.len() / 2])
}

/// The period of each input (median spacing of its series' timestamps), with the overall median
/// as fallback and 30 s when nothing has two points.
fn periods(merged: &[(String, Vec<Point>)], n_sources: usize) -> (Vec<i64>, i64) {
    let mut per_src: Vec<Vec<i64>> = vec![Vec::new(); n_sources];
    for (_, points) in merged {
        for (src, spacings) in per_src.iter_mut().enumerate() {
            let mut last: Option<i64> = None;
            for p in points.iter().filter(|p| p.src == src) {
                if let Some(l) = last {
                    spacings.push(p.ms - l);
                }
                last = Some(p.ms);
            }
        }
    }
    let all: Vec<i64> = per_src.iter().flatten().copied().collect();
    let global = median(all).unwrap_or(DEFAULT_PERIOD_MS);
    let per: Vec<i64> = per_src
        .into_iter()
        .map(|d| median(d).unwrap_or(global))
        .collect();
    (per, global)
}

fn secs(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

fn build(reader: &Reader, merged: Vec<(String, Vec<Point>)>, mut warnings: Vec<String>) -> Run {
    let (src_period, global_period) = periods(&merged, reader.sources.len());
    if merged.iter().all(|(_, p)| p.len() < 2) {
        warnings.push(format!(
            "every metric has a single data point: assumed a period of {} s (Glue's reporting interval)",
            DEFAULT_PERIOD_MS / 1000
        ));
    }
    let data_start = merged
        .iter()
        .filter_map(|(_, p)| p.first())
        .map(|p| p.ms)
        .min()
        .unwrap_or(0);
    let job = reader.job_run.as_ref();
    let t0 = job.and_then(|j| j.started_ms).unwrap_or(data_start);
    let mut data_end = data_start;

    let mut run = Run::new(SourceFormat::Cloudwatch);
    // Per executor id: (first period start, last period end, that series' period), epoch ms.
    let mut exec_span: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    for (metric, points) in merged {
        let (kind, unit) = classify(&metric);
        // A series merged from several exports takes the finest of their periods.
        let period = points
            .iter()
            .map(|p| src_period[p.src])
            .min()
            .unwrap_or(global_period);
        let mut s = Series::new(metric.clone(), kind, unit, SeriesSource::Cloudwatch);
        s.period_s = Some(secs(period));
        for p in &points {
            let end = p.ms + period;
            let t = match kind {
                SeriesKind::Delta => end,
                // The mean of the samples taken in the period (after the run started): its midpoint.
                SeriesKind::Gauge => (clip_start(p.ms, end, t0) + end) / 2,
            };
            s.push(secs(t - t0), p.value);
            data_end = data_end.max(end);
        }
        if let (Some((id, _)), Some(first), Some(last)) = (
            split_executor_metric(&metric),
            points.first(),
            points.last(),
        ) {
            if id == "driver" || id.bytes().all(|c| c.is_ascii_digit()) {
                let e = exec_span
                    .entry(id.to_string())
                    .or_insert((i64::MAX, i64::MIN, period));
                e.0 = e.0.min(clip_start(first.ms, first.ms + period, t0));
                e.1 = e.1.max(last.ms + period);
                e.2 = e.2.max(period);
            }
        }
        run.series.push(s);
    }
    // By kind and executor number (stable: name order within).
    run.series.sort_by(|a, b| a.metric.cmp(&b.metric));
    crate::sorting::sort_by(&mut run.series, |s| {
        let (kind, id, _) = series_order(&s.metric);
        crate::sorting::Key(f64::from(kind), id)
    });

    for (id, (first, last, period)) in exec_span {
        // Reporting until the last period (give or take one report) means alive at the end.
        let alive_at_end = data_end - last <= period;
        run.executors.push(Executor {
            is_driver: id == "driver",
            added_s: Some(secs(first - t0)),
            removed_s: (!alive_at_end).then(|| secs(last - t0)),
            removed_reason: (!alive_at_end).then(|| "stopped reporting to CloudWatch".to_string()),
            id,
            ..Executor::default()
        });
    }
    // The driver, then executors by number (as everywhere in Runlens).
    run.sort_executors();

    let meta = &mut run.meta;
    meta.start_epoch_ms = Some(t0);
    meta.duration_s = secs(data_end - t0).max(0.0);
    meta.memory_source = if run
        .series
        .iter()
        .any(|s| s.metric.ends_with(".jvm.heap.used") || s.metric.ends_with(".jvm.heap.usage"))
    {
        MemorySource::Cloudwatch
    } else {
        MemorySource::None
    };
    match job {
        None => {
            meta.status = RunStatus::Incomplete;
            warnings.insert(
                0,
                "the job run's status is not in CloudWatch metrics: shown as incomplete; add the output of `aws glue get-job-run --job-name NAME --run-id RUN_ID` (job-run.json) with the metrics for the status, start time, workers and job arguments".to_string(),
            );
        }
        Some(j) => {
            meta.job_name = j.job_name.clone();
            meta.job_run_id = j.id.clone();
            meta.worker_type = j.worker_type.clone();
            meta.worker_count = j.number_of_workers;
            meta.glue_version = j.glue_version.clone();
            meta.config = job_config(&j.arguments);
            if j.started_ms.is_none() {
                warnings.push(format!(
                    "{}: the job run has no StartedOn: times are counted from the first metric period",
                    j.source
                ));
            }
            match (j.started_ms, j.completed_ms) {
                (Some(s), Some(c)) if c >= s => meta.duration_s = secs(c - s),
                (Some(_), Some(_)) => warnings.push(format!(
                    "{}: the job run's CompletedOn is before its StartedOn: the duration is the span of the metrics",
                    j.source
                )),
                _ => {}
            }
            let state = j.state.as_deref().unwrap_or("");
            let (status, error) = match state {
                "SUCCEEDED" => (RunStatus::Succeeded, None),
                "FAILED" | "ERROR" | "TIMEOUT" | "STOPPED" | "EXPIRED" => (
                    RunStatus::Failed,
                    Some(
                        j.error_message
                            .clone()
                            .unwrap_or_else(|| format!("job run state {state}")),
                    ),
                ),
                _ => {
                    warnings.push(if state.is_empty() {
                        format!(
                            "{}: the job run has no JobRunState: shown as incomplete",
                            j.source
                        )
                    } else {
                        format!(
                            "{}: the job run was {state} when exported: shown as incomplete",
                            j.source
                        )
                    });
                    (RunStatus::Incomplete, None)
                }
            };
            meta.status = status;
            meta.error = error;
            if let Some(w) = window_mismatch(j, data_start, data_end, global_period) {
                warnings.push(w);
            }
        }
    }
    run.warnings = warnings;
    run
}

/// The start of the period `[start, end)`, moved to the run's start `t0` when the run began inside it
/// (no sample can predate the run).
fn clip_start(start: i64, end: i64, t0: i64) -> i64 {
    if start < t0 && t0 < end {
        t0
    } else {
        start
    }
}

/// Series order: job-wide metrics by name, then the driver's, then each executor's in numeric order.
fn series_order(metric: &str) -> (u8, u64, &str) {
    match split_executor_metric(metric) {
        Some(("driver", suffix)) => (1, 0, suffix),
        Some((id, suffix)) if id.bytes().all(|c| c.is_ascii_digit()) => {
            (2, id.parse().unwrap_or(u64::MAX), suffix)
        }
        _ => (0, 0, metric),
    }
}

/// The job's arguments as config, plus each `spark.*` property set through `--conf`
/// (`--conf a=1 --conf b=2` arrives as one value, `a=1 --conf b=2`).
fn job_config(arguments: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut config = arguments.clone();
    if let Some(conf) = arguments.get("--conf") {
        for part in conf.split("--conf") {
            if let Some((k, v)) = part.trim().split_once('=') {
                let k = k.trim();
                if !k.is_empty() && !k.contains(char::is_whitespace) {
                    config
                        .entry(k.to_string())
                        .or_insert_with(|| v.trim().to_string());
                }
            }
        }
    }
    config
}

/// A warning when the metrics lie outside the job run's time: they may be another run's.
fn window_mismatch(
    j: &read::JobRunInfo,
    data_start: i64,
    data_end: i64,
    period: i64,
) -> Option<String> {
    let started = j.started_ms?;
    let ends_before = data_end <= started;
    let starts_after = j.completed_ms.is_some_and(|c| data_start >= c + 2 * period);
    (ends_before || starts_after).then(|| {
        format!(
            "the metrics ({} to {}) lie outside job run {} ({} to {}): were they exported for this run?",
            time::format_ms(data_start),
            time::format_ms(data_end),
            j.id.as_deref().unwrap_or("(no Id)"),
            time::format_ms(started),
            j.completed_ms.map_or_else(|| "running".to_string(), time::format_ms)
        )
    })
}
