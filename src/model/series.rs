//! Metric time series keyed by AWS Glue CloudWatch metric names.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One metric over time. `t_s` and `values` have the same length; `t_s` ascends.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Series {
    /// AWS Glue metric name, e.g. `glue.ALL.s3.filesystem.read_bytes` or `glue.1.jvm.heap.used`.
    pub metric: String,
    /// Per-period delta or point-in-time gauge.
    pub kind: SeriesKind,
    /// Unit of `values`.
    pub unit: Unit,
    /// Where the values come from.
    pub source: SeriesSource,
    /// Reporting period for regular series (Glue: 30 s), seconds.
    #[serde(default)]
    pub period_s: Option<f64>,
    /// Sample times, seconds from run start. For a delta, the end of its period.
    pub t_s: Vec<f64>,
    /// Sample values.
    pub values: Vec<f64>,
}

/// How a series' values add up over time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SeriesKind {
    /// Amount during the period that ends at `t_s` (Glue's `glue.driver.aggregate.*`, `s3.filesystem.*`).
    Delta,
    /// Value at the instant `t_s`.
    #[default]
    Gauge,
}

/// Unit of a series.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    /// Bytes.
    Bytes,
    /// Megabytes (Glue's `diskSpaceUsed_MB`).
    Megabytes,
    /// Gigabytes (Glue's observability `disk.available_GB`, `disk.used_GB`).
    Gigabytes,
    /// A percentage 0..100 (Glue's observability `*.used.percentage`, `workerUtilization`).
    Percent,
    /// A count.
    #[default]
    Count,
    /// A fraction 0..1.
    Ratio,
    /// Milliseconds (Glue's `elapsedTime`).
    Milliseconds,
    /// Seconds.
    Seconds,
}

/// Where a series' values come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SeriesSource {
    /// Exported from CloudWatch.
    #[default]
    Cloudwatch,
    /// Executor-metric events of a Spark event log.
    ExecutorMetrics,
    /// Estimated from task peak execution memory.
    TaskPeakEstimate,
    /// Produced by the simulator.
    Simulated,
}

impl Series {
    /// An empty series.
    pub fn new(
        metric: impl Into<String>,
        kind: SeriesKind,
        unit: Unit,
        source: SeriesSource,
    ) -> Series {
        Series {
            metric: metric.into(),
            kind,
            unit,
            source,
            period_s: None,
            t_s: Vec::new(),
            values: Vec::new(),
        }
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.t_s.len().min(self.values.len())
    }

    /// True when there are no points.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a point.
    pub fn push(&mut self, t_s: f64, value: f64) {
        self.t_s.push(t_s);
        self.values.push(value);
    }

    /// Points as (t_s, value) pairs.
    pub fn points(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.t_s.iter().copied().zip(self.values.iter().copied())
    }

    /// Sum of values (meaningful for deltas).
    pub fn total(&self) -> f64 {
        self.values.iter().sum()
    }

    /// Largest value, if any.
    pub fn max(&self) -> Option<f64> {
        self.values
            .iter()
            .copied()
            .fold(None, |m, v| Some(m.map_or(v, |m: f64| m.max(v))))
    }

    /// Sorts points by time (stable, so equal times keep their order).
    pub fn sort_by_time(&mut self) {
        if self.t_s.windows(2).all(|w| w[0] <= w[1]) {
            return;
        }
        let mut pts: Vec<(f64, f64)> = self.points().collect();
        crate::sorting::sort_by(&mut pts, |p| crate::sorting::Key::f(p.0));
        self.t_s = pts.iter().map(|p| p.0).collect();
        self.values = pts.iter().map(|p| p.1).collect();
    }
}
