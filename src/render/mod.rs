//! Drawing the four views with plotters, generic over its `DrawingBackend`: the page draws on a
//! `<canvas>` (plotters-canvas), tests draw the same code to SVG natively. No DOM here.

mod chart;
pub mod decimate;
pub mod hover;
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
    pub series: [RGBColor; 4],
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
}

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

/// A round top for a value axis: 1, 2 or 5 × 10ⁿ (or 1024ⁿ-friendly for bytes) above `max`.
pub fn nice_max(max: f64) -> f64 {
    if !(max.is_finite() && max > 0.0) {
        return 1.0;
    }
    let exp = max.log10().floor();
    let base = 10f64.powf(exp);
    for m in [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
        if m * base >= max * 1.02 {
            return m * base;
        }
    }
    10.0 * base
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_maxima() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(7.3), 8.0);
        assert_eq!(nice_max(1.0), 1.2);
        assert!(nice_max(123_456_789.0) >= 123_456_789.0);
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
