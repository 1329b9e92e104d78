//! Reading the three document shapes (get-metric-data, get-metric-statistics, get-job-run) into
//! raw points per Glue metric plus the job run, checking every value on the way.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::names::{metric_from_id, metric_from_label};
use super::time::{self, Timestamp};
use crate::model::metrics::{classify, NUM_MAX_NEEDED_EXECUTORS};
use crate::model::SeriesKind;
use crate::{Error, ErrorKind, Result};

/// Largest value a Glue metric can take in one period (bytes, counts, milliseconds): 1 EB.
/// Above, the value is an artefact and would saturate every total it is added to.
pub const MAX_METRIC_VALUE: f64 = 1e18;

/// One data point as exported: the CloudWatch timestamp (start of its period) and the value.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Point {
    /// Epoch milliseconds.
    pub ms: i64,
    pub value: f64,
    /// Index of the input (file) it came from, for the period of that export.
    pub src: usize,
}

/// Everything read for one metric.
#[derive(Debug, Default)]
pub(crate) struct Gathered {
    pub points: Vec<Point>,
    /// Negative values skipped, and the first of them (epoch ms, value).
    pub negatives: usize,
    pub first_negative: Option<(i64, f64)>,
    /// Values above [`MAX_METRIC_VALUE`] skipped, and the first of them.
    pub huge: usize,
    pub first_huge: Option<(i64, f64)>,
    /// A statistic other than the preferred one was used (get-metric-statistics), e.g. "Average".
    pub fallback_stat: Option<&'static str>,
}

/// The parts of `aws glue get-job-run` output Runlens uses.
#[derive(Debug, Default)]
pub(crate) struct JobRunInfo {
    pub source: String,
    pub id: Option<String>,
    pub job_name: Option<String>,
    pub started_ms: Option<i64>,
    pub completed_ms: Option<i64>,
    pub state: Option<String>,
    pub error_message: Option<String>,
    pub worker_type: Option<String>,
    pub number_of_workers: Option<u32>,
    pub glue_version: Option<String>,
    pub arguments: BTreeMap<String, String>,
}

/// What became of one get-metric-data query Id over all pages.
#[derive(Debug, Default)]
struct IdState {
    points: usize,
    complete: bool,
    partial: bool,
    /// False when the result could not be named as a Glue metric.
    named: bool,
}

/// Accumulates the documents of one run.
#[derive(Debug, Default)]
pub(crate) struct Reader {
    /// Input names in first-seen order; `Point::src` indexes this.
    pub sources: Vec<String>,
    pub metrics: BTreeMap<String, Gathered>,
    pub job_run: Option<JobRunInfo>,
    pub warnings: Vec<String>,
    /// Metric results and datapoint lists seen (with or without points).
    pub result_count: usize,
    /// Results CloudWatch could not serve (Forbidden, InternalError): (input name, description).
    pub failed: Vec<(String, String)>,
    ids: BTreeMap<String, IdState>,
    /// Results skipped because neither Label nor Id names a Glue metric: "Id x (Label y)".
    unnamed: BTreeSet<String>,
    assumed_utc: bool,
}

/// Where in a document a problem is: the input name plus the array element, if any.
struct Place<'a> {
    name: &'a str,
    element: Option<usize>,
}

impl Place<'_> {
    fn err(&self, problem: impl std::fmt::Display) -> Error {
        let problem = match self.element {
            Some(j) => format!("array element {j}: {problem}"),
            None => problem.to_string(),
        };
        Error::new(self.name, ErrorKind::InvalidContent, problem)
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `v` as JSON text, cut short for messages.
fn quote(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

/// A finite number from a JSON number or numeric string ("NaN" and "Infinity" are refused: JSON
/// has no NaN, so such strings come from a tool that rewrote the export, and are not data).
fn finite_number(v: &Value) -> std::result::Result<f64, &'static str> {
    let x = match v {
        Value::Number(n) => n.as_f64().ok_or("not a usable number")?,
        Value::String(s) => s.trim().parse::<f64>().map_err(|_| "not a number")?,
        _ => return Err("not a number"),
    };
    if x.is_finite() {
        Ok(x)
    } else {
        Err("not a finite number")
    }
}

/// Optional array field: missing or null is empty; anything else but an array is an error.
fn array_field<'v>(
    obj: &'v Map<String, Value>,
    key: &str,
) -> std::result::Result<&'v [Value], String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(other) => Err(format!("{key} is {}, not an array", type_name(other))),
    }
}

fn opt_str(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key).and_then(Value::as_str).map(str::to_string)
}

/// "1 result", "2 results".
pub(crate) fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else if let Some(stem) = what.strip_suffix('y') {
        format!("{n} {stem}ies")
    } else {
        format!("{n} {what}s")
    }
}

/// True for the `--metric-data-queries` input of get-metric-data: an array of `{"Id", "MetricStat" |
/// "Expression"}`, or `{"MetricDataQueries": [...]}` as in `--cli-input-json`.
fn is_queries(doc: &Value) -> bool {
    let is_query = |q: &Value| {
        q.get("Id").is_some() && (q.get("MetricStat").is_some() || q.get("Expression").is_some())
    };
    match doc {
        Value::Array(items) => !items.is_empty() && items.iter().all(is_query),
        Value::Object(m) => m
            .get("MetricDataQueries")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().all(is_query)),
        _ => false,
    }
}

/// `Code: Value` of CloudWatch `MessageData` entries.
fn messages(v: Option<&Value>) -> Vec<String> {
    let Some(Value::Array(items)) = v else {
        return Vec::new();
    };
    items
        .iter()
        .map(|m| {
            let code = m.get("Code").and_then(Value::as_str).unwrap_or("");
            let value = m.get("Value").and_then(Value::as_str).unwrap_or("");
            match (code.is_empty(), value.is_empty()) {
                (false, false) => format!("{code}: {value}"),
                (false, true) => code.to_string(),
                (true, false) => value.to_string(),
                (true, true) => quote(m),
            }
        })
        .collect()
}

/// The statistic to take from a get-metric-statistics datapoint: Sum for deltas, Average for gauges
/// (Maximum first for numberMaxNeededExecutors, whose documented statistic it is), else what is there.
/// Returns (value, statistic name).
fn pick_statistic(
    dp: &Map<String, Value>,
    metric: &str,
    kind: SeriesKind,
) -> Option<(Value, &'static str)> {
    let get = |k: &str| dp.get(k).filter(|v| !v.is_null()).cloned();
    let product = |a: &str, b: &str| -> Option<Value> {
        let x = finite_number(&get(a)?).ok()?;
        let n = finite_number(&get(b)?).ok()?;
        serde_json::Number::from_f64(x * n).map(Value::Number)
    };
    let quotient = |a: &str, b: &str| -> Option<Value> {
        let x = finite_number(&get(a)?).ok()?;
        let n = finite_number(&get(b)?).ok()?;
        if n > 0.0 {
            serde_json::Number::from_f64(x / n).map(Value::Number)
        } else {
            None
        }
    };
    let order: &[&'static str] = match kind {
        SeriesKind::Delta => &[
            "Sum",
            "Average*SampleCount",
            "Average",
            "Maximum",
            "Minimum",
        ],
        SeriesKind::Gauge if metric == NUM_MAX_NEEDED_EXECUTORS => {
            &["Maximum", "Average", "Minimum", "Sum/SampleCount", "Sum"]
        }
        SeriesKind::Gauge => &["Average", "Maximum", "Minimum", "Sum/SampleCount", "Sum"],
    };
    order.iter().find_map(|&stat| {
        let v = match stat {
            "Average*SampleCount" => product("Average", "SampleCount"),
            "Sum/SampleCount" => quotient("Sum", "SampleCount"),
            s => get(s),
        };
        v.map(|v| (v, stat))
    })
}

impl Reader {
    fn source_index(&mut self, name: &str) -> usize {
        match self.sources.iter().position(|s| s == name) {
            Some(i) => i,
            None => {
                self.sources.push(name.to_string());
                self.sources.len() - 1
            }
        }
    }

    /// Reads one parsed document (an object, or an array of them).
    pub(crate) fn read_doc(&mut self, name: &str, doc: &Value) -> Result<()> {
        self.source_index(name);
        if is_queries(doc) {
            // The export's input (queries.json), often kept next to the output: not data.
            self.warnings.push(format!(
                "{name}: get-metric-data queries (the export's input, not its output): ignored"
            ));
            return Ok(());
        }
        match doc {
            Value::Array(items) => {
                for (j, item) in items.iter().enumerate() {
                    self.read_object(
                        &Place {
                            name,
                            element: Some(j),
                        },
                        item,
                    )?;
                }
                Ok(())
            }
            other => self.read_object(
                &Place {
                    name,
                    element: None,
                },
                other,
            ),
        }
    }

    fn read_object(&mut self, place: &Place, doc: &Value) -> Result<()> {
        let Value::Object(obj) = doc else {
            return Err(place.err(format!(
                "not a CloudWatch export or Glue job run: expected a JSON object, found {}",
                type_name(doc)
            )));
        };
        if let Some(results) = obj.get("MetricDataResults") {
            return self.read_metric_data(place, obj, results);
        }
        if let Some(points) = obj.get("Datapoints") {
            return self.read_statistics(place, obj, points);
        }
        if let Some(run) = obj.get("JobRun") {
            return self.read_job_run(place, run);
        }
        let hint = if obj.contains_key("JobRuns") {
            " (this is `aws glue get-job-runs` output, a list of runs: save one run with `aws glue get-job-run --job-name NAME --run-id RUN_ID`)"
        } else if obj.contains_key("Metrics") {
            " (this is `aws cloudwatch list-metrics` output: metric names without data)"
        } else {
            ""
        };
        let keys: Vec<&str> = obj.keys().take(6).map(String::as_str).collect();
        Err(place.err(format!(
            "not a CloudWatch export or Glue job run: expected MetricDataResults (aws cloudwatch get-metric-data), Datapoints (aws cloudwatch get-metric-statistics) or JobRun (aws glue get-job-run), found an object with keys [{}]{hint}",
            keys.join(", ")
        )))
    }

    fn read_metric_data(
        &mut self,
        place: &Place,
        obj: &Map<String, Value>,
        results: &Value,
    ) -> Result<()> {
        let Value::Array(results) = results else {
            return Err(place.err(format!(
                "MetricDataResults is {}, not an array",
                type_name(results)
            )));
        };
        for m in messages(obj.get("Messages")) {
            self.warnings
                .push(format!("{}: CloudWatch said: {m}", place.name));
        }
        let src = self.source_index(place.name);
        for (i, r) in results.iter().enumerate() {
            self.result_count += 1;
            let Value::Object(r) = r else {
                return Err(place.err(format!(
                    "MetricDataResults[{i}] is {}, not an object",
                    type_name(r)
                )));
            };
            let id = opt_str(r, "Id");
            let label = opt_str(r, "Label");
            let what = match (&id, &label) {
                (Some(id), _) => format!("MetricDataResults[{i}] (Id \"{id}\")"),
                (None, Some(label)) => format!("MetricDataResults[{i}] (Label \"{label}\")"),
                (None, None) => format!("MetricDataResults[{i}]"),
            };
            let timestamps =
                array_field(r, "Timestamps").map_err(|e| place.err(format!("{what}: {e}")))?;
            let values = array_field(r, "Values").map_err(|e| place.err(format!("{what}: {e}")))?;
            if timestamps.len() != values.len() {
                return Err(place.err(format!(
                    "{what}: {} Timestamps but {} Values; each timestamp needs exactly one value",
                    timestamps.len(),
                    values.len()
                )));
            }
            let key = id
                .clone()
                .or_else(|| label.clone())
                .unwrap_or_else(|| what.clone());
            let metric = label
                .as_deref()
                .and_then(metric_from_label)
                .or_else(|| id.as_deref().and_then(metric_from_id))
                .or_else(|| label.as_deref().and_then(metric_from_id));
            let state = self.ids.entry(key.clone()).or_default();
            state.named |= metric.is_some();
            match r.get("StatusCode").and_then(Value::as_str) {
                None | Some("Complete") => state.complete = true,
                Some("PartialData") => state.partial = true,
                Some(code) => {
                    // Forbidden / InternalError: final for this query; keep what came with it.
                    state.complete = true;
                    let msgs = messages(r.get("Messages"));
                    let detail = if msgs.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", msgs.join("; "))
                    };
                    self.failed.push((
                        place.name.to_string(),
                        format!("{what}: StatusCode {code}{detail}"),
                    ));
                }
            }
            let Some(metric) = metric else {
                let desc = match (&id, &label) {
                    (Some(id), Some(label)) => format!("Id \"{id}\" (Label \"{label}\")"),
                    _ => format!("\"{key}\""),
                };
                self.unnamed.insert(desc);
                continue;
            };
            let mut n = 0;
            for (k, (t, v)) in timestamps.iter().zip(values).enumerate() {
                let ms = self.timestamp(t).map_err(|e| {
                    place.err(format!(
                        "{what}: Timestamps[{k}] {} is not a valid time ({e})",
                        quote(t)
                    ))
                })?;
                let value = finite_number(v)
                    .map_err(|e| place.err(format!("{what}: Values[{k}] is {}, {e}", quote(v))))?;
                n += usize::from(self.add(&metric, ms, value, src));
            }
            if let Some(state) = self.ids.get_mut(&key) {
                state.points += n;
            }
        }
        Ok(())
    }

    fn read_statistics(
        &mut self,
        place: &Place,
        obj: &Map<String, Value>,
        points: &Value,
    ) -> Result<()> {
        let Value::Array(points) = points else {
            return Err(place.err(format!("Datapoints is {}, not an array", type_name(points))));
        };
        self.result_count += 1;
        let label = opt_str(obj, "Label").unwrap_or_default();
        let Some(metric) = metric_from_label(&label).or_else(|| metric_from_id(&label)) else {
            self.unnamed.insert(format!("Label \"{label}\""));
            return Ok(());
        };
        let kind = classify(&metric).0;
        let src = self.source_index(place.name);
        let mut n = 0;
        for (k, dp) in points.iter().enumerate() {
            let Value::Object(dp) = dp else {
                return Err(place.err(format!(
                    "Datapoints[{k}] is {}, not an object",
                    type_name(dp)
                )));
            };
            let t = dp
                .get("Timestamp")
                .ok_or_else(|| place.err(format!("{metric}: Datapoints[{k}] has no Timestamp")))?;
            let ms = self.timestamp(t).map_err(|e| {
                place.err(format!(
                    "{metric}: Datapoints[{k}].Timestamp {} is not a valid time ({e})",
                    quote(t)
                ))
            })?;
            let Some((v, stat)) = pick_statistic(dp, &metric, kind) else {
                return Err(place.err(format!(
                    "{metric}: Datapoints[{k}] has no Sum, Average, Maximum or Minimum value"
                )));
            };
            let value = finite_number(&v).map_err(|e| {
                place.err(format!(
                    "{metric}: Datapoints[{k}].{stat} is {}, {e}",
                    quote(&v)
                ))
            })?;
            let preferred = matches!(
                (kind, stat),
                (SeriesKind::Delta, "Sum")
                    | (SeriesKind::Gauge, "Average")
                    | (SeriesKind::Gauge, "Maximum")
            );
            if !preferred {
                self.metrics
                    .entry(metric.clone())
                    .or_default()
                    .fallback_stat
                    .get_or_insert(stat);
            }
            n += usize::from(self.add(&metric, ms, value, src));
        }
        let state = self.ids.entry(format!("Label \"{label}\"")).or_default();
        state.named = true;
        state.complete = true;
        state.points += n;
        Ok(())
    }

    fn read_job_run(&mut self, place: &Place, run: &Value) -> Result<()> {
        let Value::Object(run) = run else {
            return Err(place.err(format!("JobRun is {}, not an object", type_name(run))));
        };
        let time_field = |this: &mut Reader, key: &str| -> Result<Option<i64>> {
            match run.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(t) => this.timestamp(t).map(Some).map_err(|e| {
                    place.err(format!(
                        "JobRun.{key} {} is not a valid time ({e})",
                        quote(t)
                    ))
                }),
            }
        };
        let started_ms = time_field(self, "StartedOn")?;
        let completed_ms = time_field(self, "CompletedOn")?;
        let number_of_workers =
            match run.get("NumberOfWorkers") {
                None | Some(Value::Null) => None,
                Some(v) => Some(v.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(
                    || {
                        place.err(format!(
                            "JobRun.NumberOfWorkers is {}, not a whole number of workers",
                            quote(v)
                        ))
                    },
                )?),
            };
        let mut arguments = BTreeMap::new();
        match run.get("Arguments") {
            None | Some(Value::Null) => {}
            Some(Value::Object(args)) => {
                for (k, v) in args {
                    let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                    arguments.insert(k.clone(), v);
                }
            }
            Some(other) => {
                return Err(place.err(format!(
                    "JobRun.Arguments is {}, not an object",
                    type_name(other)
                )));
            }
        }
        let info = JobRunInfo {
            source: place.name.to_string(),
            id: opt_str(run, "Id"),
            job_name: opt_str(run, "JobName"),
            started_ms,
            completed_ms,
            state: opt_str(run, "JobRunState"),
            error_message: opt_str(run, "ErrorMessage").filter(|s| !s.trim().is_empty()),
            worker_type: opt_str(run, "WorkerType"),
            number_of_workers,
            glue_version: opt_str(run, "GlueVersion"),
            arguments,
        };
        if let Some(prev) = &self.job_run {
            if prev.id != info.id || prev.job_name != info.job_name {
                let show = |j: &JobRunInfo| {
                    format!(
                        "{} of job {}",
                        j.id.as_deref().unwrap_or("(no Id)"),
                        j.job_name.as_deref().unwrap_or("(no JobName)")
                    )
                };
                return Err(place.err(format!(
                    "a second, different job run ({}; {} is in {}): load the files of one job run at a time",
                    show(&info),
                    show(prev),
                    prev.source
                )));
            }
            return Ok(()); // the same run twice: keep the first
        }
        self.job_run = Some(info);
        Ok(())
    }

    fn timestamp(&mut self, v: &Value) -> std::result::Result<i64, String> {
        let Timestamp { ms, assumed_utc } = time::parse_value(v)?;
        self.assumed_utc |= assumed_utc;
        Ok(ms)
    }

    /// Adds a point; negative values are skipped and counted (Glue's metrics are all amounts, sizes,
    /// counts or fractions, so a negative one is an artefact, e.g. a counter reset when an executor is
    /// lost, and must not subtract from totals). Returns whether the point was kept.
    fn add(&mut self, metric: &str, ms: i64, value: f64, src: usize) -> bool {
        let g = self.metrics.entry(metric.to_string()).or_default();
        if value < 0.0 {
            g.negatives += 1;
            g.first_negative.get_or_insert((ms, value));
            return false;
        }
        if value > MAX_METRIC_VALUE {
            g.huge += 1;
            g.first_huge.get_or_insert((ms, value));
            return false;
        }
        g.points.push(Point { ms, value, src });
        true
    }

    /// What was skipped for naming no Glue metric, if anything.
    pub(crate) fn unnamed_summary(&self) -> Option<String> {
        if self.unnamed.is_empty() {
            return None;
        }
        let list: Vec<&str> = self.unnamed.iter().map(String::as_str).collect();
        Some(format!(
            "skipped {} that name no Glue metric: {}; label each query with its metric name (glue.…) or use an Id like glue_driver_aggregate_bytesRead (see docs/export-from-glue.md)",
            plural(list.len(), "result"),
            list.join(", ")
        ))
    }

    /// Warnings about what was read, once everything is in.
    pub(crate) fn finish_warnings(&mut self) -> Vec<String> {
        let mut out = std::mem::take(&mut self.warnings);
        out.extend(self.failed.iter().map(|(name, f)| format!("{name}: {f}")));
        let partial: Vec<&str> = self
            .ids
            .iter()
            .filter(|(_, s)| s.partial && !s.complete)
            .map(|(k, _)| k.as_str())
            .collect();
        if !partial.is_empty() {
            out.push(format!(
                "CloudWatch returned only part of the data (StatusCode PartialData, no later page) for {}: the export is missing its next pages; run get-metric-data again without --max-items/--no-paginate and keep every page",
                partial.join(", ")
            ));
        }
        let empty: Vec<&str> = self
            .ids
            .iter()
            .filter(|(_, s)| s.named && s.points == 0)
            .map(|(k, _)| k.as_str())
            .collect();
        if !empty.is_empty() {
            out.push(format!(
                "{} returned no data points (not reported in this time range, or a dimension does not match): {}",
                plural(empty.len(), "metric query"),
                empty.join(", ")
            ));
        }
        out.extend(self.unnamed_summary());
        if self.assumed_utc {
            out.push("some timestamps had no UTC offset and were read as UTC".to_string());
        }
        for (metric, g) in &self.metrics {
            if let Some((ms, v)) = g.first_negative {
                out.push(format!(
                    "{metric}: skipped {} negative value(s) (first {v} at {}); Glue metrics are never negative",
                    g.negatives,
                    time::format_ms(ms)
                ));
            }
            if let Some((ms, v)) = g.first_huge {
                out.push(format!(
                    "{metric}: skipped {} value(s) above 10^18 (first {v:e} at {}), beyond what a Glue metric can be in one period",
                    g.huge,
                    time::format_ms(ms)
                ));
            }
            if let Some(stat) = g.fallback_stat {
                let want = if classify(metric).0 == SeriesKind::Delta {
                    "Sum"
                } else {
                    "Average"
                };
                out.push(format!(
                    "{metric}: used the {stat} statistic because the export has no {want}; export {want} for this metric"
                ));
            }
        }
        out
    }
}
