//! The four profile views of AWS Glue job profiling as chart-ready series, from any source:
//! measured series where the run has them (CloudWatch, executor metrics), derived from tasks
//! otherwise, at a chosen period.

use std::collections::BTreeMap;

use super::timeline::{period_count, spread};
use crate::model::{
    executor_order_key, metrics, MemorySource, Run, Series, SeriesKind, StageStatus,
};

/// One of the four views.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum View {
    /// ETL data movement: bytes read and written.
    Etl,
    /// Data shuffle across executors.
    Shuffle,
    /// Job execution: executors, tasks, stages.
    Execution,
    /// Memory profile: JVM heap per executor.
    Memory,
    /// CPU load of the driver and each executor (Glue's `system.cpuSystemLoad`).
    Cpu,
}

impl View {
    /// All views in display order.
    pub const ALL: [View; 5] = [
        View::Etl,
        View::Shuffle,
        View::Execution,
        View::Memory,
        View::Cpu,
    ];

    /// The short name used in URLs and `data-view`.
    pub fn as_str(self) -> &'static str {
        match self {
            View::Etl => "etl",
            View::Shuffle => "shuffle",
            View::Execution => "execution",
            View::Memory => "memory",
            View::Cpu => "cpu",
        }
    }

    /// The title AWS Glue uses.
    pub fn title(self) -> &'static str {
        match self {
            View::Etl => "ETL data movement",
            View::Shuffle => "Data shuffle across executors",
            View::Execution => "Job execution",
            View::Memory => "Memory profile",
            View::Cpu => "CPU load",
        }
    }
}

/// Unit of a profile's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ValueUnit {
    /// Bytes per second.
    BytesPerSecond,
    /// Bytes.
    Bytes,
    /// A count (executors, tasks).
    Count,
    /// A percentage, 0..100.
    Percent,
}

impl ValueUnit {
    /// The value axis title.
    pub fn title(self) -> &'static str {
        match self {
            ValueUnit::BytesPerSecond => "bytes per second",
            ValueUnit::Bytes => "bytes",
            ValueUnit::Count => "count",
            ValueUnit::Percent => "percent",
        }
    }
}

/// Which value axis a line is drawn against: the view's own (left), or the percentage axis on
/// the right of views that carry one (Glue's utilisation and memory percentages).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Axis {
    /// The left axis, in the profile's unit.
    #[default]
    Primary,
    /// The right axis, in the profile's `secondary` unit.
    Secondary,
}

/// How a line is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LineKind {
    /// Straight segments between points.
    Line,
    /// Holds each value until the next point.
    Step,
}

/// One line of a profile.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Line {
    /// Stable key (a Glue metric name or `<metric>/<executor>`).
    pub key: String,
    /// Legend text.
    pub label: String,
    /// The executor the line belongs to, for highlighting.
    pub executor: Option<String>,
    /// How to draw it.
    pub kind: LineKind,
    /// (seconds from run start, value).
    pub points: Vec<(f64, f64)>,
    /// The axis it is drawn against.
    #[serde(default)]
    pub axis: Axis,
}

/// A stage's time span (job execution view).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Span {
    /// Stage id.
    pub stage: u64,
    /// Stage attempt.
    pub attempt: u32,
    /// Start, seconds.
    pub start_s: f64,
    /// End, seconds.
    pub end_s: f64,
    /// The attempt failed.
    pub failed: bool,
    /// Number of tasks.
    pub tasks: u64,
}

/// One view's data for one run.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Profile {
    /// Which view.
    pub view: View,
    /// Unit of the values.
    pub unit: ValueUnit,
    /// Period the task-derived series were binned at, seconds.
    pub period_s: f64,
    /// Lines.
    pub lines: Vec<Line>,
    /// Stage spans (job execution view).
    pub spans: Vec<Span>,
    /// What the data is and where it comes from (or why it is empty).
    pub note: String,
    /// Unit of the right axis, when some lines are drawn against it.
    #[serde(default)]
    pub secondary: Option<ValueUnit>,
    /// The top the left axis asks for when a line far above the others is drawn clipped
    /// (its label says so); none when every line fits.
    #[serde(default)]
    pub scale_max: Option<f64>,
}

impl Profile {
    /// Top the left axis needs: the largest left-axis value, or the clipped scale (0 when empty).
    pub fn max_value(&self) -> f64 {
        if let Some(m) = self.scale_max {
            return m;
        }
        self.axis_max(Axis::Primary)
    }

    /// Largest value of the lines drawn against `axis` (0 when none).
    pub fn axis_max(&self, axis: Axis) -> f64 {
        self.lines
            .iter()
            .filter(|l| l.axis == axis)
            .flat_map(|l| l.points.iter().map(|p| p.1))
            .fold(0.0, f64::max)
    }

    /// The unit a line's values are in (its axis's).
    pub fn unit_of(&self, line: &Line) -> ValueUnit {
        match line.axis {
            Axis::Primary => self.unit,
            Axis::Secondary => self.secondary.unwrap_or(self.unit),
        }
    }

    /// True when no line has a point above zero.
    pub fn is_empty(&self) -> bool {
        self.axis_max(Axis::Primary) <= 0.0 && self.axis_max(Axis::Secondary) <= 0.0
    }
}

/// A line that peaks this many times above every other line of its axis is drawn clipped.
pub const CLIP_RATIO: f64 = 4.0;

/// Clips `key`'s line when it would flatten the others: the axis then stops at 1.5× the others'
/// peak, and the line's label gives its own peak.
fn clip_outlier(profile: &mut Profile, key: &str, unit: ValueUnit) {
    let peak = |l: &Line| l.points.iter().map(|p| p.1).fold(0.0, f64::max);
    let Some(i) = profile.lines.iter().position(|l| l.key == key) else {
        return;
    };
    let own = peak(&profile.lines[i]);
    let others = profile
        .lines
        .iter()
        .enumerate()
        .filter(|(j, l)| *j != i && l.axis == Axis::Primary)
        .map(|(_, l)| peak(l))
        .fold(0.0, f64::max);
    if others > 0.0 && own > others * CLIP_RATIO {
        profile.scale_max = Some(others * 1.5);
        let line = &mut profile.lines[i];
        line.label = format!(
            "{} (off scale: peak {})",
            line.label,
            match unit {
                ValueUnit::Bytes => crate::model::units::format_bytes(own),
                ValueUnit::BytesPerSecond =>
                    format!("{}/s", crate::model::units::format_bytes(own)),
                ValueUnit::Count => format!("{own:.0}"),
                ValueUnit::Percent => format!("{own:.0} %"),
            }
        );
    }
}

/// The periods profiles are binned at, seconds.
pub const PERIOD_STEPS: [f64; 9] = [0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 300.0];

/// The periods a page may bin a run of `duration_s` at, most likely first: its own, then those
/// of longer runs beside it (the page bins both columns at the longer run's period), `n` in all.
pub fn likely_periods_s(duration_s: f64, n: usize) -> Vec<f64> {
    let own = default_period_s(duration_s);
    let mut out = vec![own];
    for s in PERIOD_STEPS.into_iter().filter(|s| *s > own) {
        // Only periods some longer run gets (up to 30 s below 6 h, 60 s and more above).
        if out.len() < n && (s <= 30.0 || s >= 60.0) {
            out.push(s);
        }
    }
    out
}

/// Glue reports every 30 s; shorter runs get a finer period so they have at least ~60 points.
pub fn default_period_s(duration_s: f64) -> f64 {
    let want = duration_s / 60.0;
    let mut p = PERIOD_STEPS[0];
    for s in PERIOD_STEPS {
        if s <= want {
            p = s;
        }
    }
    if duration_s > 6.0 * 3600.0 {
        p.max(60.0)
    } else {
        p.min(30.0)
    }
}

/// All four profiles of a run at `period_s`.
pub fn profiles(run: &Run, period_s: f64) -> Vec<Profile> {
    View::ALL
        .iter()
        .map(|v| profile(run, *v, period_s))
        .collect()
}

/// Most periods a profile is binned into; longer runs get a coarser period.
pub const MAX_PERIODS: f64 = 20_000.0;

/// One profile of a run at `period_s` (0: the default period for its duration).
pub fn profile(run: &Run, view: View, period_s: f64) -> Profile {
    let period_s = if period_s > 0.0 {
        period_s
    } else {
        default_period_s(run.meta.duration_s)
    };
    let period_s = period_s.max(run.meta.duration_s / MAX_PERIODS);
    match view {
        View::Etl => etl(run, period_s),
        View::Shuffle => shuffle(run, period_s),
        View::Execution => execution(run, period_s),
        View::Memory => memory(run, period_s),
        View::Cpu => cpu(run, period_s),
    }
}

fn bins_of(run: &Run, period_s: f64) -> Vec<f64> {
    vec![0.0; period_count(run.meta.duration_s.max(period_s), period_s)]
}

/// Per-period amounts as a rate line: one point at the middle of each period.
fn rate_points(bins: &[f64], period_s: f64) -> Vec<(f64, f64)> {
    step_points(bins.iter().map(|v| v / period_s), period_s)
}

/// Per-period values as a step line: a point at the start of each period, and one at the end
/// of the last so the last step has its width.
fn step_points(values: impl Iterator<Item = f64>, period_s: f64) -> Vec<(f64, f64)> {
    let mut pts: Vec<(f64, f64)> = values
        .enumerate()
        .map(|(i, v)| (i as f64 * period_s, v))
        .collect();
    if let Some(&(t, v)) = pts.last() {
        pts.push((t + period_s, v));
    }
    pts
}

/// A measured delta series as a step line of rates: value / period from the start of its period.
fn delta_rate(s: &Series) -> Vec<(f64, f64)> {
    let period = s
        .period_s
        .filter(|p| *p > 0.0)
        .unwrap_or_else(|| median_gap(&s.t_s));
    let mut pts: Vec<(f64, f64)> = s
        .points()
        .map(|(t, v)| ((t - period).max(0.0), v / period))
        .collect();
    if let (Some(&(_, v)), Some(&t)) = (pts.last(), s.t_s.last()) {
        pts.push((t, v));
    }
    pts
}

fn median_gap(t: &[f64]) -> f64 {
    let mut gaps: Vec<f64> = t
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|g| *g > 0.0)
        .collect();
    super::timeline::median(&mut gaps).unwrap_or(30.0)
}

fn line(
    key: &str,
    label: &str,
    executor: Option<&str>,
    kind: LineKind,
    points: Vec<(f64, f64)>,
) -> Line {
    Line {
        key: key.to_string(),
        label: label.to_string(),
        executor: executor.map(str::to_string),
        kind,
        points,
        axis: Axis::Primary,
    }
}

/// A line against the right (percentage) axis.
fn line2(
    key: &str,
    label: &str,
    executor: Option<&str>,
    kind: LineKind,
    points: Vec<(f64, f64)>,
) -> Line {
    Line {
        axis: Axis::Secondary,
        ..line(key, label, executor, kind, points)
    }
}

/// A CloudWatch gauge as points; ratios 0..1 (`cpuSystemLoad`) as percentages.
fn percent_points(s: &Series) -> Vec<(f64, f64)> {
    let scale = if s.unit == crate::model::Unit::Ratio {
        100.0
    } else {
        1.0
    };
    s.points().map(|(t, v)| (t, v * scale)).collect()
}

/// `evs` (sorted by time, then change) with a change of −1 at each of `ends` (sorted), in the
/// same order.
fn merge_ends(evs: &[(f64, i64)], ends: &[f64]) -> Vec<(f64, i64)> {
    let mut out = Vec::with_capacity(evs.len() + ends.len());
    let (mut i, mut j) = (0, 0);
    while i < evs.len() || j < ends.len() {
        let take_end = match (evs.get(i), ends.get(j)) {
            // (e, −1) before (t, d) in (time, change) order.
            (Some(&(t, d)), Some(&e)) => e.total_cmp(&t).then((-1i64).cmp(&d)).is_le(),
            (None, Some(_)) => true,
            _ => false,
        };
        if take_end {
            out.push((ends[j], -1));
            j += 1;
        } else {
            out.push(evs[i]);
            i += 1;
        }
    }
    out
}

/// Bins per executor that ran tasks, filled by `add` task by task (executors looked up by code,
/// not by hashing their ids).
fn bins_by_executor(
    run: &Run,
    period_s: f64,
    mut add: impl FnMut(&crate::model::TaskRef, &mut Vec<f64>),
) -> BTreeMap<&str, Vec<f64>> {
    let mut by_code: Vec<Option<Vec<f64>>> = Vec::new();
    for t in run.tasks.refs() {
        let k = t.executor_code();
        if by_code.len() <= k {
            by_code.resize_with(k + 1, || None);
        }
        let bins = by_code[k].get_or_insert_with(|| bins_of(run, period_s));
        add(&t, bins);
    }
    let names: Vec<&str> = std::iter::once("")
        .chain(run.tasks.executor_table())
        .collect();
    by_code
        .into_iter()
        .enumerate()
        .filter_map(|(k, b)| Some((names.get(k).copied().unwrap_or(""), b?)))
        .collect()
}

fn task_bins(run: &Run, period_s: f64, f: impl Fn(&crate::model::TaskRef) -> u64) -> Vec<f64> {
    let mut bins = bins_of(run, period_s);
    for t in run.tasks.refs() {
        let amount = f(&t);
        if amount > 0 {
            let (a, b) = t.span(run.meta.duration_s);
            spread(&mut bins, period_s, a, b, amount as f64);
        }
    }
    bins
}

fn etl(run: &Run, period_s: f64) -> Profile {
    let read = run
        .series(metrics::S3_READ_BYTES)
        .or_else(|| run.series(metrics::BYTES_READ));
    let write = run.series(metrics::S3_WRITE_BYTES);
    if !run.tasks.is_empty() {
        let r = task_bins(run, period_s, |t| t.input_bytes());
        let w = task_bins(run, period_s, |t| t.output_bytes());
        let total: f64 = r.iter().chain(w.iter()).sum();
        let mut lines = vec![
            line(
                metrics::S3_READ_BYTES,
                "bytes read",
                None,
                LineKind::Step,
                rate_points(&r, period_s),
            ),
            line(
                metrics::S3_WRITE_BYTES,
                "bytes written",
                None,
                LineKind::Step,
                rate_points(&w, period_s),
            ),
        ];
        if total > 0.0 {
            // Per executor (read + written), so that highlighting an executor works here too.
            let per = bins_by_executor(run, period_s, |t, bins| {
                let amount = t.input_bytes() + t.output_bytes();
                if amount > 0 {
                    let (a, b) = t.span(run.meta.duration_s);
                    spread(bins, period_s, a, b, amount as f64);
                }
            });
            for (id, bins) in in_executor_order(per) {
                if bins.iter().any(|v| *v > 0.0) {
                    lines.push(line(
                        &format!("etl/{id}"),
                        &format!("executor {id}"),
                        Some(id),
                        LineKind::Step,
                        rate_points(&bins, period_s),
                    ));
                }
            }
        }
        return Profile {
            view: View::Etl,
            unit: ValueUnit::BytesPerSecond,
            period_s,
            lines,
            spans: Vec::new(),
            note: if total > 0.0 {
                format!(
                    "Task input and output bytes, spread over each task's run time, all executors and per executor (read + written), per {period_s} s."
                )
            } else {
                "No task read input or wrote output (no input or output bytes in the task metrics)."
                    .into()
            },
            secondary: None,
            scale_max: None,
        };
    }
    let mut lines = Vec::new();
    if let Some(s) = read {
        lines.push(line(
            &s.metric,
            "bytes read",
            None,
            LineKind::Step,
            delta_rate(s),
        ));
    }
    if let Some(s) = write {
        lines.push(line(
            &s.metric,
            "bytes written",
            None,
            LineKind::Step,
            delta_rate(s),
        ));
    }
    let note = if lines.is_empty() {
        "The input has no read or write metrics.".into()
    } else {
        "Measured by Glue (glue.ALL.s3.filesystem.*), per reporting period.".into()
    };
    Profile {
        view: View::Etl,
        unit: ValueUnit::BytesPerSecond,
        period_s,
        lines,
        spans: Vec::new(),
        note,
        secondary: None,
        scale_max: None,
    }
}

fn shuffle(run: &Run, period_s: f64) -> Profile {
    if !run.tasks.is_empty() {
        let w = task_bins(run, period_s, |t| t.shuffle_write_bytes());
        let r = task_bins(run, period_s, |t| t.shuffle_read_bytes());
        let mut lines = vec![
            line(
                metrics::SHUFFLE_BYTES_WRITTEN,
                "shuffle written",
                None,
                LineKind::Step,
                rate_points(&w, period_s),
            ),
            line(
                metrics::SHUFFLE_LOCAL_BYTES_READ,
                "shuffle read",
                None,
                LineKind::Step,
                rate_points(&r, period_s),
            ),
        ];
        let total: f64 = w.iter().chain(r.iter()).sum();
        if total > 0.0 {
            // One pass over the tasks, bins per executor (in executor order).
            let mut per: std::collections::HashMap<&str, Vec<f64>> =
                std::collections::HashMap::new();
            per.extend(bins_by_executor(run, period_s, |t, bins| {
                let amount = t.shuffle_write_bytes() + t.shuffle_read_bytes();
                if amount > 0 {
                    let (a, b) = t.span(run.meta.duration_s);
                    spread(bins, period_s, a, b, amount as f64);
                }
            }));
            for e in &run.executors {
                if let Some(bins) = per.remove(e.id.as_str()) {
                    lines.push(line(
                        &format!("shuffle/{}", e.id),
                        &format!("executor {}", e.id),
                        Some(&e.id),
                        LineKind::Step,
                        rate_points(&bins, period_s),
                    ));
                }
            }
        }
        return Profile {
            view: View::Shuffle,
            unit: ValueUnit::BytesPerSecond,
            period_s,
            lines,
            spans: Vec::new(),
            note: if total > 0.0 {
                format!("Shuffle bytes written and read (local + remote), all executors and per executor, per {period_s} s.")
            } else {
                "No shuffle: no task wrote or read shuffle data.".into()
            },
            secondary: None,
            scale_max: None,
        };
    }
    let mut lines = Vec::new();
    for (m, label) in [
        (metrics::SHUFFLE_BYTES_WRITTEN, "shuffle written"),
        (metrics::SHUFFLE_LOCAL_BYTES_READ, "shuffle read (local)"),
        (metrics::SHUFFLE_REMOTE_BYTES_READ, "shuffle read (remote)"),
    ] {
        if let Some(s) = run.series(m) {
            lines.push(line(m, label, None, LineKind::Step, delta_rate(s)));
        }
    }
    let note = if lines.is_empty() {
        "The input has no shuffle metrics."
    } else {
        "Measured by Glue (glue.driver.aggregate.shuffle*), per reporting period."
    };
    Profile {
        view: View::Shuffle,
        unit: ValueUnit::BytesPerSecond,
        period_s,
        lines,
        spans: Vec::new(),
        note: note.into(),
        secondary: None,
        scale_max: None,
    }
}

fn stage_spans(run: &Run) -> Vec<Span> {
    run.stages
        .iter()
        .filter_map(|s| {
            let start = s.submitted_s?;
            let end = s.completed_s.unwrap_or(run.meta.duration_s);
            Some(Span {
                stage: s.id,
                attempt: s.attempt,
                start_s: start,
                end_s: end.max(start),
                failed: s.status == StageStatus::Failed,
                tasks: s.num_tasks,
            })
        })
        .collect()
}

fn execution(run: &Run, period_s: f64) -> Profile {
    let end = run.meta.duration_s;
    if run.tasks.is_empty() {
        let mut lines = Vec::new();
        if let Some(s) = run.series(metrics::NUM_ALL_EXECUTORS) {
            lines.push(line(
                &s.metric,
                "active executors",
                None,
                LineKind::Step,
                s.points().collect(),
            ));
        }
        if let Some(s) = run.series(metrics::NUM_MAX_NEEDED_EXECUTORS) {
            lines.push(line(
                &s.metric,
                "max needed executors",
                None,
                LineKind::Step,
                s.points().collect(),
            ));
        }
        for (m, label) in [
            (metrics::SKEWNESS_STAGE, "stage skewness"),
            (metrics::SKEWNESS_JOB, "job skewness"),
        ] {
            if let Some(s) = run.series(m) {
                lines.push(line(m, label, None, LineKind::Line, s.points().collect()));
            }
        }
        let mut secondary = None;
        if let Some(s) = run.series(metrics::WORKER_UTILIZATION) {
            lines.push(line2(
                &s.metric,
                "worker utilization (right axis)",
                None,
                LineKind::Line,
                percent_points(s),
            ));
            secondary = Some(ValueUnit::Percent);
        }
        let note = if lines.is_empty() {
            "The input has no executor metrics.".to_string()
        } else if secondary.is_some() || run.series(metrics::SKEWNESS_STAGE).is_some() {
            let factor = crate::model::glue::skewness_factor(&run.meta.config);
            format!("Measured by Glue: executors (ExecutorAllocationManager), skewness (0 while the longest task is within {factor}× the median, 1 at {}×) and worker utilization (observability metrics).", factor * 2.0)
        } else {
            "Measured by Glue (ExecutorAllocationManager).".to_string()
        };
        let mut p = Profile {
            view: View::Execution,
            unit: ValueUnit::Count,
            period_s,
            lines,
            spans: Vec::new(),
            note,
            secondary,
            scale_max: None,
        };
        clip_outlier(&mut p, metrics::NUM_MAX_NEEDED_EXECUTORS, ValueUnit::Count);
        return p;
    }
    // Active executors: a step at every add and remove.
    let mut ev: Vec<(f64, i64)> = Vec::new();
    let task_execs: std::collections::HashSet<&str> =
        run.tasks.distinct_executors().into_iter().collect();
    for e in run
        .executors
        .iter()
        .filter(|e| !e.is_driver || task_execs.contains(e.id.as_str()))
    {
        ev.push((e.added_s.unwrap_or(0.0).max(0.0), 1));
        if let Some(r) = e.removed_s {
            ev.push((r, -1));
        }
    }
    crate::sorting::sort_by(&mut ev, |e| crate::sorting::Key::f(e.0));
    let mut active = vec![(0.0, 0.0)];
    let mut n = 0i64;
    for (t, d) in ev {
        n += d;
        active.push((t, n.max(0) as f64));
    }
    active.push((end, n.max(0) as f64));

    // Max needed executors = ceil((running + pending tasks) / task slots per executor), as Spark's
    // ExecutorAllocationManager computes it.
    let cores = run
        .meta
        .config
        .get("spark.executor.cores")
        .and_then(|c| c.parse::<f64>().ok())
        .or_else(|| run.worker_executors().find_map(|e| e.cores).map(f64::from))
        .unwrap_or(1.0)
        .max(1.0);
    let mut evs: Vec<(f64, i64)> = Vec::new();
    let mut launched_per_stage: std::collections::HashMap<(u64, u32), i64> =
        std::collections::HashMap::new();
    for t in run.tasks.refs() {
        *launched_per_stage
            .entry((t.stage_id(), t.stage_attempt()))
            .or_default() += 1;
    }
    for s in &run.stages {
        if let Some(sub) = s.submitted_s {
            evs.push((sub, s.num_tasks as i64));
            let launched = launched_per_stage
                .get(&(s.id, s.attempt))
                .copied()
                .unwrap_or(0);
            // Tasks never launched stop being pending when the stage ends.
            let left = s.num_tasks as i64 - launched;
            if left > 0 {
                evs.push((s.completed_s.unwrap_or(end), -left));
            }
        }
    }
    crate::sorting::sort_by(&mut evs, |e| {
        crate::sorting::Key(e.0, (e.1 + (1 << 62)) as u64)
    });
    // A task is pending until launch and running until its end: one unit of demand from stage
    // submission (counted above) to the task's end. The ends (one per task) are sorted as plain
    // numbers and merged in, in (time, change) order as one sort of everything would give.
    let mut ends: Vec<f64> = run.tasks.refs().map(|t| t.span(end).1).collect();
    crate::sorting::sort_f64s(&mut ends);
    let evs = merge_ends(&evs, &ends);
    // With dynamic allocation Spark requests at most spark.dynamicAllocation.maxExecutors.
    let cap = run
        .meta
        .config
        .get("spark.dynamicAllocation.enabled")
        .filter(|v| v.as_str() == "true")
        .and_then(|_| run.meta.config.get("spark.dynamicAllocation.maxExecutors"))
        .and_then(|m| m.trim().parse::<f64>().ok())
        .filter(|m| *m > 0.0);
    let mut needed = vec![(0.0, 0.0)];
    let mut demand = 0i64;
    for (t, d) in evs {
        demand += d;
        let v = (demand.max(0) as f64 / cores)
            .ceil()
            .min(cap.unwrap_or(f64::INFINITY));
        if needed.last().is_some_and(|p| p.1 != v) {
            needed.push((t, v));
        }
    }
    needed.push((end, needed.last().map_or(0.0, |p| p.1)));

    let mut lines = vec![
        line(
            metrics::NUM_ALL_EXECUTORS,
            "active executors",
            None,
            LineKind::Step,
            active,
        ),
        line(
            metrics::NUM_MAX_NEEDED_EXECUTORS,
            "max needed executors",
            None,
            LineKind::Step,
            decimate_steps(needed, period_s),
        ),
    ];
    // Average running tasks per executor in each period.
    let per = bins_by_executor(run, period_s, |t, bins| {
        let (a, b) = t.span(end);
        spread(bins, period_s, a, b, b - a);
    });
    for (id, bins) in in_executor_order(per) {
        lines.push(line(
            &format!("running/{id}"),
            &format!("executor {id} running tasks"),
            Some(id),
            LineKind::Step,
            rate_points(&bins, period_s),
        ));
    }
    let mut p = Profile {
        view: View::Execution,
        unit: ValueUnit::Count,
        period_s,
        lines,
        spans: stage_spans(run),
        note: format!(
            "Executors alive, executors needed for running + pending tasks ({cores} slot{} each{}), and average running tasks per executor per {period_s} s.",
            if cores == 1.0 { "" } else { "s" },
            cap.map(|c| format!(", at most spark.dynamicAllocation.maxExecutors = {c}")).unwrap_or_default()
        ),
        secondary: None,
        scale_max: None,
    };
    clip_outlier(&mut p, metrics::NUM_MAX_NEEDED_EXECUTORS, ValueUnit::Count);
    p
}

/// Per-executor entries in display order (driver, 1, 2, …, 10), not text order.
fn in_executor_order<T>(per: BTreeMap<&str, T>) -> Vec<(&str, T)> {
    let mut v: Vec<(&str, T)> = per.into_iter().collect();
    crate::sorting::sort_by(&mut v, |(id, _)| executor_order_key(id));
    v
}

/// Keeps the maximum within each period so short peaks of a step line stay visible.
fn decimate_steps(points: Vec<(f64, f64)>, period_s: f64) -> Vec<(f64, f64)> {
    if points.len() < 4096 {
        return points;
    }
    let mut out: Vec<(f64, f64)> = Vec::new();
    let mut bucket = -1i64;
    for (t, v) in points {
        let b = (t / period_s) as i64;
        match out.last_mut() {
            Some(last) if b == bucket => last.1 = last.1.max(v),
            _ => {
                out.push((b as f64 * period_s, v));
                bucket = b;
            }
        }
    }
    out
}

fn memory(run: &Run, period_s: f64) -> Profile {
    let by_metric = run.series_map();
    let mut lines = per_executor_lines(run, &by_metric, metrics::heap_used, |s| {
        s.points().collect()
    });
    // Glue's observability percentages (driver and all executors), on the right axis.
    let mut percent = Vec::new();
    for (src, who) in [("driver", "driver"), ("ALL", "executors")] {
        for (m, what) in [
            (metrics::memory_used_percentage(src, "heap"), "heap"),
            (metrics::memory_used_percentage(src, "total"), "memory"),
            (metrics::disk_used_percentage(src), "disk"),
        ] {
            if let Some(s) = by_metric.get(m.as_str()) {
                percent.push(line2(
                    &m,
                    &format!("{who} {what} used % (right axis)"),
                    None,
                    LineKind::Line,
                    percent_points(s),
                ));
            }
        }
    }
    if !lines.is_empty() || !percent.is_empty() {
        let mut note = match run.meta.memory_source {
            MemorySource::Cloudwatch => "JVM heap used, measured by Glue (glue.<executor>.jvm.heap.used).".to_string(),
            MemorySource::Simulated => "JVM heap used, from the simulator's memory model.".to_string(),
            _ => "JVM heap used, from Spark's executor metrics (sampled at task ends, stage peaks and heartbeats).".to_string(),
        };
        let secondary = (!percent.is_empty()).then_some(ValueUnit::Percent);
        if secondary.is_some() {
            note.push_str(
                " Memory and disk used, percent (right axis): Glue's observability metrics.",
            );
        }
        lines.extend(percent);
        return Profile {
            view: View::Memory,
            unit: ValueUnit::Bytes,
            period_s,
            lines,
            spans: Vec::new(),
            note,
            secondary,
            scale_max: None,
        };
    }
    // No tasks, or tasks that report no peak execution memory (Spark 1.x logs often do not):
    // nothing to estimate from, rather than a line at 0 B.
    if run
        .tasks
        .refs()
        .all(|t| t.peak_execution_memory_bytes() == 0)
    {
        return Profile {
            view: View::Memory,
            unit: ValueUnit::Bytes,
            period_s,
            lines,
            spans: Vec::new(),
            note: "The input has no memory metrics: no executor metrics, and no task reports its peak execution memory.".into(),
            secondary: None,
            scale_max: None,
        };
    }
    // Estimate: the peak execution memory of the tasks running in each period, summed per executor.
    let end = run.meta.duration_s;
    let per = bins_by_executor(run, period_s, |t, bins| {
        let (a, b) = t.span(end);
        let first = (a / period_s) as usize;
        let last = ((b / period_s) as usize).min(bins.len().saturating_sub(1));
        for bin in bins.iter_mut().take(last + 1).skip(first) {
            *bin += t.peak_execution_memory_bytes() as f64;
        }
    });
    for (id, bins) in in_executor_order(per) {
        let pts = step_points(bins.iter().copied(), period_s);
        lines.push(line(
            &metrics::heap_used(id),
            &format!("executor {id}"),
            Some(id),
            LineKind::Step,
            pts,
        ));
    }
    Profile {
        view: View::Memory,
        unit: ValueUnit::Bytes,
        period_s,
        lines,
        spans: Vec::new(),
        note: "Estimated: the log has no executor metrics, so this is the peak execution memory of the tasks running in each period.".into(),
        secondary: None,
        scale_max: None,
    }
}

/// One line per executor (driver first, then by number) that has the series `metric_of(id)`.
fn per_executor_lines(
    run: &Run,
    by_metric: &std::collections::HashMap<&str, &Series>,
    metric_of: fn(&str) -> String,
    points: impl Fn(&Series) -> Vec<(f64, f64)>,
) -> Vec<Line> {
    let mut ids: Vec<&str> = run.executors.iter().map(|e| e.id.as_str()).collect();
    crate::sorting::sort_by(&mut ids, |id| executor_order_key(id));
    ids.into_iter()
        .filter_map(|id| {
            let s = by_metric.get(metric_of(id).as_str())?;
            let label = if crate::model::is_driver_id(id) {
                "driver".to_string()
            } else {
                format!("executor {id}")
            };
            Some(line(&s.metric, &label, Some(id), LineKind::Line, points(s)))
        })
        .collect()
}

/// CPU load of the driver, all executors and each executor, percent (Glue's
/// `glue.<executor>.system.cpuSystemLoad`, reported 0..1); empty for inputs without it.
fn cpu(run: &Run, period_s: f64) -> Profile {
    let by_metric = run.series_map();
    let mut lines = Vec::new();
    if let Some(s) = by_metric.get(metrics::cpu_load("ALL").as_str()) {
        lines.push(line(
            &s.metric,
            "all executors (average)",
            None,
            LineKind::Line,
            percent_points(s),
        ));
    }
    lines.extend(per_executor_lines(
        run,
        &by_metric,
        metrics::cpu_load,
        percent_points,
    ));
    let note = if lines.is_empty() {
        "The input has no CPU metrics (Glue's glue.<executor>.system.cpuSystemLoad; Spark event logs carry none)."
    } else {
        "CPU load of each executor's host, measured by Glue (glue.<executor>.system.cpuSystemLoad), percent."
    };
    Profile {
        view: View::Cpu,
        unit: ValueUnit::Percent,
        period_s,
        lines,
        spans: Vec::new(),
        note: note.into(),
        secondary: None,
        scale_max: None,
    }
}

/// True for series that are per-period amounts.
pub fn is_delta(s: &Series) -> bool {
    s.kind == SeriesKind::Delta
}
