//! What is under the pointer: exact values at a time, the executor line or lane near a pixel.

use super::chart::PlotArea;
use super::format_value;
use super::timeline::Lane;
use crate::analysis::profiles::{Line, LineKind, Profile};

/// The value of a line at second `t`: the last point at or before `t` for steps, interpolated
/// for lines; none outside the line's span.
pub fn value_at(line: &Line, t: f64) -> Option<f64> {
    let pts = &line.points;
    let i = pts.partition_point(|p| p.0 <= t);
    if i == 0 {
        return None;
    }
    let a = pts[i - 1];
    match (line.kind, pts.get(i)) {
        (LineKind::Step, _) => Some(a.1),
        (LineKind::Line, Some(b)) if b.0 > a.0 => Some(a.1 + (b.1 - a.1) * (t - a.0) / (b.0 - a.0)),
        (LineKind::Line, _) => (t - a.0 <= 1e-9).then_some(a.1),
    }
}

/// One row of a tooltip.
#[derive(Clone, Debug, PartialEq)]
pub struct HoverRow {
    /// Legend text of the line.
    pub label: String,
    /// The executor the line belongs to.
    pub executor: Option<String>,
    /// The value with its unit.
    pub value: String,
}

/// Tooltip rows at second `t`: every line with a value there.
pub fn rows_at(profile: &Profile, t: f64) -> Vec<HoverRow> {
    profile
        .lines
        .iter()
        .filter_map(|l| {
            value_at(l, t).map(|v| HoverRow {
                label: l.label.clone(),
                executor: l.executor.clone(),
                value: format_value(v, profile.unit_of(l)),
            })
        })
        .collect()
}

/// The executor whose line passes within `max_px` pixels (vertically) of the pointer.
pub fn executor_near(
    profile: &Profile,
    area: &PlotArea,
    px: f64,
    py: f64,
    max_px: f64,
) -> Option<String> {
    if !area.contains(px, py) {
        return None;
    }
    let t = area.time_at(px);
    profile
        .lines
        .iter()
        .filter(|l| l.executor.is_some())
        .filter_map(|l| value_at(l, t).map(|v| (l, (area.to_px(t, v).1 - py).abs())))
        .filter(|(_, d)| *d <= max_px)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .and_then(|(l, _)| l.executor.clone())
}

/// The executor of the timeline lane under pixel row `py`.
pub fn lane_at<'a>(lanes: &'a [Lane], area: &PlotArea, px: f64, py: f64) -> Option<&'a str> {
    if !area.contains(px, py) || lanes.is_empty() {
        return None;
    }
    let lane_h = ((area.bottom - area.top) / lanes.len() as i32).max(1) as f64;
    let i = ((py - area.top as f64) / lane_h).floor() as usize;
    lanes.get(i).map(|l| l.executor.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::profiles::Axis;

    fn line(kind: LineKind) -> Line {
        Line {
            key: "k".into(),
            label: "l".into(),
            executor: Some("3".into()),
            kind,
            points: vec![(0.0, 0.0), (10.0, 10.0)],
            axis: Axis::Primary,
        }
    }

    #[test]
    fn values() {
        assert_eq!(value_at(&line(LineKind::Line), 5.0), Some(5.0));
        assert_eq!(value_at(&line(LineKind::Step), 5.0), Some(0.0));
        assert_eq!(value_at(&line(LineKind::Line), -1.0), None);
    }
}
