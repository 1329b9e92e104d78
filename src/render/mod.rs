//! Drawing the four views with plotters, generic over its `DrawingBackend`: the page draws on a
//! `<canvas>` (plotters-canvas), tests draw the same code to SVG natively. No DOM here.

mod chart;
pub mod decimate;
pub mod hover;
pub mod scatter;
pub mod timeline;

pub use chart::{draw_profile, draw_timeline, PlotArea};

use plotters::style::RGBColor;

use crate::analysis::profiles::ValueUnit;
use crate::model::units::{format_bytes, format_clock};

/// Colours of a chart, for the light or the dark page theme.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Theme {
    /// Chart background.
    pub background: RGBColor,
    /// Axis labels and text.
    pub text: RGBColor,
    /// Grid lines.
    pub grid: RGBColor,
    /// Executors that are not emphasised.
    pub muted: RGBColor,
    /// The straggler.
    pub straggler: RGBColor,
    /// The executor the user picked.
    pub selected: RGBColor,
    /// Whole-run lines (bytes read, written, active executors, …).
    pub series: [RGBColor; 8],
    /// Stage colours of the task timeline.
    pub stages: [RGBColor; 8],
}

impl Theme {
    /// Colours for a light page.
    pub fn light() -> Theme {
        Theme {
            background: RGBColor(255, 255, 255),
            text: RGBColor(40, 44, 52),
            grid: RGBColor(228, 231, 236),
            muted: RGBColor(176, 184, 196),
            straggler: RGBColor(214, 40, 90),
            selected: RGBColor(242, 140, 0),
            series: [
                RGBColor(31, 119, 180),
                RGBColor(44, 160, 44),
                RGBColor(148, 103, 189),
                RGBColor(23, 190, 207),
                RGBColor(140, 86, 75),
                RGBColor(188, 189, 34),
                RGBColor(227, 119, 194),
                RGBColor(0, 80, 140),
            ],
            stages: [
                RGBColor(78, 121, 167),
                RGBColor(89, 161, 79),
                RGBColor(176, 122, 161),
                RGBColor(118, 183, 178),
                RGBColor(237, 201, 72),
                RGBColor(156, 117, 95),
                RGBColor(186, 176, 172),
                RGBColor(255, 157, 167),
            ],
        }
    }

    /// Colours for a dark page.
    pub fn dark() -> Theme {
        Theme {
            background: RGBColor(24, 26, 31),
            text: RGBColor(220, 224, 230),
            grid: RGBColor(52, 56, 64),
            muted: RGBColor(96, 104, 118),
            straggler: RGBColor(255, 84, 128),
            selected: RGBColor(255, 170, 40),
            series: [
                RGBColor(100, 170, 235),
                RGBColor(110, 200, 110),
                RGBColor(190, 150, 230),
                RGBColor(80, 210, 225),
                RGBColor(200, 150, 130),
                RGBColor(210, 210, 90),
                RGBColor(240, 150, 210),
                RGBColor(60, 130, 220),
            ],
            stages: [
                RGBColor(96, 146, 196),
                RGBColor(110, 180, 100),
                RGBColor(196, 142, 181),
                RGBColor(128, 196, 190),
                RGBColor(230, 196, 80),
                RGBColor(176, 137, 115),
                RGBColor(150, 142, 138),
                RGBColor(255, 140, 150),
            ],
        }
    }

    /// CSS hex of a colour (legends drawn in HTML use the same colours).
    pub fn css(c: RGBColor) -> String {
        format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
    }
}

/// The axes a chart is drawn on; before and after share them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frame {
    /// First second shown.
    pub x0: f64,
    /// Last second shown.
    pub x1: f64,
    /// Top of the value axis.
    pub y_max: f64,
    /// Unit of the values.
    pub unit: ValueUnit,
    /// Top and unit of the right axis, when the view has lines against it.
    pub secondary: Option<(f64, ValueUnit)>,
}

/// Width of a chart's left axis (tick labels and title), CSS px: the task timeline's lane
/// labels take the same, so that its time axis lines up with the views'.
pub const LEFT_AXIS_PX: f64 = 84.0;
/// Margin around a chart, CSS px.
pub const MARGIN_PX: f64 = 8.0;
/// Room right of the plot (and of the task timeline's lanes), CSS px: the last time label is
/// centred on the plot's right edge.
pub const RIGHT_PX: f64 = 22.0;

/// Which executors stand out.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Emphasis<'a> {
    /// The straggler found by the analysis.
    pub straggler: Option<&'a str>,
    /// The executor the user clicked.
    pub selected: Option<&'a str>,
    /// The stage the user marked: its span stands out in the job-execution view, its tasks in
    /// the task timeline.
    pub stage: Option<u64>,
    /// A measured run drawn over this one (a prediction beside its measurement).
    pub overlay: Option<Overlay<'a>>,
}

/// A measured run drawn over a predicted one: its whole-run lines dashed in the colours of the
/// prediction's, its end as a dashed rule, so prediction and measurement are read on one chart.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Overlay<'a> {
    /// The measured run's profile of the same view (none for the task timeline).
    pub profile: Option<&'a crate::analysis::profiles::Profile>,
    /// Where the measured run ended, seconds from its start.
    pub end_s: f64,
}

/// A value with its unit, for axes, tooltips and tables.
pub fn format_value(v: f64, unit: ValueUnit) -> String {
    match unit {
        ValueUnit::BytesPerSecond => format!("{}/s", format_bytes(v)),
        ValueUnit::Bytes => format_bytes(v),
        ValueUnit::Count => {
            if (v - v.round()).abs() < 1e-9 {
                format!("{v:.0}")
            } else {
                format!("{v:.2}")
            }
        }
        ValueUnit::Percent => {
            if (v - v.round()).abs() < 1e-9 {
                format!("{v:.0} %")
            } else {
                format!("{v:.1} %")
            }
        }
    }
}

/// A text alternative of a chart for screen readers: the view, and each line's peak and when.
pub fn describe(profile: &crate::analysis::profiles::Profile, run_label: &str) -> String {
    let mut parts = vec![format!("{}, {run_label}.", profile.view.title())];
    let whole: Vec<_> = profile
        .lines
        .iter()
        .filter(|l| l.executor.is_none())
        .collect();
    for l in &whole {
        if let Some(&(t, v)) = l.points.iter().max_by(|a, b| a.1.total_cmp(&b.1)) {
            parts.push(format!(
                "{} peaks at {} at {}.",
                l.label,
                format_value(v, profile.unit),
                format_time(t)
            ));
        }
    }
    let execs = profile
        .lines
        .iter()
        .filter(|l| l.executor.is_some())
        .count();
    if execs > 0 {
        parts.push(format!("{execs} executor lines."));
    }
    if profile.lines.is_empty() {
        parts.push(profile.note.clone());
    }
    parts.join(" ")
}

/// A time axis label.
pub fn format_time(s: f64) -> String {
    format_clock(s)
}

/// Round ticks of a value axis from 0 to at least `max`: steps of 1, 2 or 5 × 10ⁿ in the unit
/// the labels show (bytes in KB, MB, GB … of 1024), at most 5 intervals; the last is the top.
pub fn ticks(max: f64, unit: ValueUnit) -> Vec<f64> {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let mut scale = 1.0;
    if matches!(unit, ValueUnit::Bytes | ValueUnit::BytesPerSecond) {
        while max / scale >= 1024.0 {
            scale *= 1024.0;
        }
    }
    let m = max / scale;
    let exp = 10f64.powf((m / 5.0).log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|k| k * exp)
        .find(|st| m / st <= 5.0 + 1e-9)
        .unwrap_or(10.0 * exp);
    let n = (m / step - 1e-9).ceil().max(1.0) as usize;
    (0..=n).map(|i| i as f64 * step * scale).collect()
}

/// The top of a value axis for `max`: its last round tick.
pub fn axis_top(max: f64, unit: ValueUnit) -> f64 {
    ticks(max, unit).last().copied().unwrap_or(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_in_the_unit_shown() {
        let t = ticks(0.0, ValueUnit::Count);
        assert_eq!(t.len(), 6);
        assert!((t[3] - 0.6).abs() < 1e-12 && t[5] == 1.0);
        assert_eq!(ticks(7.3, ValueUnit::Count), vec![0.0, 2.0, 4.0, 6.0, 8.0]);
        assert_eq!(
            ticks(100.0, ValueUnit::Percent),
            vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
        );
        assert_eq!(axis_top(5_000.0, ValueUnit::Count), 5_000.0);
        assert_eq!(axis_top(5_001.0, ValueUnit::Count), 6_000.0);
        let gib = 1024f64.powi(3);
        assert_eq!(
            ticks(1.3 * gib, ValueUnit::Bytes),
            vec![0.0, 0.5 * gib, gib, 1.5 * gib]
        );
        for max in [0.37, 3.0, 12.5, 999.0, 123_456_789.0] {
            let t = ticks(max, ValueUnit::BytesPerSecond);
            assert!(*t.last().unwrap() >= max && t.len() <= 6, "{max}: {t:?}");
        }
    }

    #[test]
    fn values_carry_units() {
        assert_eq!(
            format_value(2.0 * 1024.0 * 1024.0, ValueUnit::BytesPerSecond),
            "2.00 MB/s"
        );
        assert_eq!(format_value(3.0, ValueUnit::Count), "3");
    }
}
