//! One chart: a profile's lines (and stage spans) on shared axes; the task timeline.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::decimate::min_max;
use super::timeline::Lane;
use super::{
    format_time, format_value, ticks, Emphasis, Frame, Theme, LEFT_AXIS_PX, MARGIN_PX, RIGHT_PX,
};
use crate::analysis::profiles::{Axis, Line, LineKind, Profile};

/// Where the plot sits in the canvas (device pixels) and which values its edges stand for.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PlotArea {
    /// Left edge, px.
    pub left: i32,
    /// Top edge, px.
    pub top: i32,
    /// Right edge, px.
    pub right: i32,
    /// Bottom edge, px.
    pub bottom: i32,
    /// Second at the left edge.
    pub x0: f64,
    /// Second at the right edge.
    pub x1: f64,
    /// Value at the bottom edge.
    pub y0: f64,
    /// Value at the top edge.
    pub y1: f64,
}

impl PlotArea {
    /// The second under pixel column `px`.
    pub fn time_at(&self, px: f64) -> f64 {
        let w = (self.right - self.left).max(1) as f64;
        self.x0 + (px - self.left as f64) / w * (self.x1 - self.x0)
    }

    /// The value under pixel row `py`.
    pub fn value_at(&self, py: f64) -> f64 {
        let h = (self.bottom - self.top).max(1) as f64;
        self.y0 + (self.bottom as f64 - py) / h * (self.y1 - self.y0)
    }

    /// Pixel of a (second, value) point.
    pub fn to_px(&self, t: f64, v: f64) -> (f64, f64) {
        let w = (self.right - self.left) as f64;
        let h = (self.bottom - self.top) as f64;
        let x = self.left as f64 + (t - self.x0) / (self.x1 - self.x0).max(1e-9) * w;
        let y = self.bottom as f64 - (v - self.y0) / (self.y1 - self.y0).max(1e-9) * h;
        (x, y)
    }

    /// True when the pixel is inside the plot.
    pub fn contains(&self, px: f64, py: f64) -> bool {
        px >= self.left as f64
            && px <= self.right as f64
            && py >= self.top as f64
            && py <= self.bottom as f64
    }
}

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// A line's points as drawn, clipped at its axis's top (`tops`: primary, secondary): a line
/// over the top (its label gives its peak) is drawn along it.
fn clipped_points(line: &Line, frame: &Frame, columns: usize, tops: (f64, f64)) -> Vec<(f64, f64)> {
    let top = match line.axis {
        Axis::Primary => tops.0,
        Axis::Secondary => tops.1,
    };
    drawn_points(line, frame, columns)
        .into_iter()
        .map(|(t, v)| (t, v.min(top)))
        .collect()
}

/// Points of a line as drawn: steps expanded, decimated to the pixel columns.
fn drawn_points(line: &Line, frame: &Frame, columns: usize) -> Vec<(f64, f64)> {
    let pts = min_max(&line.points, frame.x0, frame.x1, columns);
    match line.kind {
        LineKind::Line => pts,
        LineKind::Step => {
            let mut out = Vec::with_capacity(pts.len() * 2);
            for (i, p) in pts.iter().enumerate() {
                if i > 0 {
                    out.push((p.0, pts[i - 1].1));
                }
                out.push(*p);
            }
            out
        }
    }
}

/// The colour and width of a line given the emphasis.
fn line_style(
    line: &Line,
    index: usize,
    emphasis: &Emphasis,
    theme: &Theme,
    dpr: f64,
) -> (RGBColor, u32, u8) {
    let w = |x: f64| (x * dpr).round().max(1.0) as u32;
    match line.executor.as_deref() {
        None => (theme.series[index % theme.series.len()], w(2.0), 3),
        Some(e) if Some(e) == emphasis.selected => (theme.selected, w(3.0), 2),
        Some(e) if Some(e) == emphasis.straggler => (theme.straggler, w(3.0), 2),
        Some(_) => (
            theme.muted,
            w(1.0),
            if emphasis.selected.is_some() { 0 } else { 1 },
        ),
    }
}

/// The measured run's end: a dashed vertical rule over the plot, labelled at its top.
fn end_rule<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    x: i32,
    (top, bottom): (i32, i32),
    theme: &Theme,
    font: u32,
    dpr: f64,
    labelled: bool,
) -> Result<(), String> {
    let width = (1.5 * dpr).round().max(1.0) as u32;
    let (dash_px, gap_px) = ((5.0 * dpr) as i32, (4.0 * dpr) as i32);
    root.draw(&DashedPathElement::new(
        vec![(x, top), (x, bottom)],
        dash_px,
        gap_px,
        theme.text.stroke_width(width),
    ))
    .map_err(err)?;
    if !labelled {
        return Ok(());
    }
    let label = "measured end";
    let w = text_width(label, font);
    // Left of the rule when it is near the right edge (it usually is: the run's end).
    let (w_root, _) = root.dim_in_pixel();
    let lx = if x + 4 + w > w_root as i32 {
        x - 4 - w
    } else {
        x + 4
    };
    root.draw(&Text::new(
        label,
        // Below the stage bars along the plot's top.
        (lx, top + (bottom - top) / 8),
        ("sans-serif", font).into_font().color(&theme.text),
    ))
    .map_err(err)
}

/// Approximate width of `text` in `font` px sans-serif (plotters' text sizing needs a backend).
fn text_width(text: &str, font: u32) -> i32 {
    (text.chars().count() as f64 * font as f64 * 0.55).round() as i32
}

/// Draws a profile on `root`; returns the plot's geometry for hover and clicks.
pub fn draw_profile<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    profile: &Profile,
    frame: &Frame,
    emphasis: &Emphasis,
    theme: &Theme,
    dpr: f64,
) -> Result<PlotArea, String> {
    root.fill(&theme.background).map_err(err)?;
    let font = (12.0 * dpr).round() as u32;
    let label_style = ("sans-serif", font).into_font().color(&theme.text);
    let x1 = if frame.x1 > frame.x0 {
        frame.x1
    } else {
        frame.x0 + 1.0
    };
    let y_max = if frame.y_max > 0.0 { frame.y_max } else { 1.0 };
    let y_ticks = ticks(y_max, frame.unit);
    let (y2_max, unit2) = frame.secondary.unwrap_or((100.0, frame.unit));
    let y2_ticks = ticks(y2_max, unit2);
    let y2_max = y2_ticks.last().copied().unwrap_or(1.0);
    let px = |v: f64| (v * dpr).round() as u32;
    let mut chart = ChartBuilder::on(root)
        .margin(px(MARGIN_PX))
        .margin_right(px(if frame.secondary.is_some() {
            MARGIN_PX
        } else {
            RIGHT_PX
        }))
        .x_label_area_size(px(34.0))
        .y_label_area_size(px(LEFT_AXIS_PX))
        .right_y_label_area_size(if frame.secondary.is_some() {
            px(64.0)
        } else {
            0
        })
        .build_cartesian_2d(frame.x0..x1, 0.0..y_max)
        .map_err(err)?
        .set_secondary_coord(frame.x0..x1, 0.0..y2_max);
    let unit = frame.unit;
    let fx = |x: &f64| format_time(*x);
    let empty = profile.is_empty();
    // The value ticks are drawn here, not by plotters: its ticks are decimal, ours are round in
    // the unit the labels show (512 MB, 1 GB … for bytes).
    // Time labels about 70 px apart: eight on a wide chart, fewer on a phone.
    let x_labels =
        ((root.dim_in_pixel().0 as f64 / dpr - LEFT_AXIS_PX) / 70.0).clamp(2.0, 8.0) as usize;
    chart
        .configure_mesh()
        .x_labels(x_labels)
        .y_labels(0)
        .x_label_formatter(&fx)
        .x_desc("time since the run started")
        .y_desc(if empty { "" } else { unit.title() })
        .label_style(label_style.clone())
        .axis_desc_style(label_style.clone())
        .axis_style(theme.grid)
        .disable_mesh()
        .draw()
        .map_err(err)?;
    if frame.secondary.is_some() {
        chart
            .configure_secondary_axes()
            .y_labels(0)
            .y_desc(unit2.title())
            .label_style(label_style.clone())
            .axis_desc_style(label_style.clone())
            .axis_style(theme.grid)
            .draw()
            .map_err(err)?;
    }
    let gap = px(6.0) as i32;
    for v in &y_ticks {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(frame.x0, *v), (x1, *v)],
                theme.grid.stroke_width(1),
            )))
            .map_err(err)?;
        if empty {
            continue;
        }
        let (x, y) = chart.backend_coord(&(frame.x0, *v));
        let text = format_value(*v, unit);
        let w = text_width(&text, font);
        root.draw(&Text::new(
            text,
            (x - gap - w, y - font as i32 / 2),
            label_style.clone(),
        ))
        .map_err(err)?;
    }
    if frame.secondary.is_some() {
        for v in &y2_ticks {
            let (x, y) = chart.borrow_secondary().backend_coord(&(x1, *v));
            root.draw(&Text::new(
                format_value(*v, unit2),
                (x + gap, y - font as i32 / 2),
                label_style.clone(),
            ))
            .map_err(err)?;
        }
    }

    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let columns = (xr.end - xr.start).max(1) as usize;

    // Stage spans: thin bars along the top of the plot, one row per overlap level.
    if !profile.spans.is_empty() {
        let band = (y_max * 0.06).max(f64::MIN_POSITIVE);
        let mut rows: Vec<f64> = Vec::new();
        for s in &profile.spans {
            let row = rows
                .iter()
                .position(|end| *end <= s.start_s)
                .unwrap_or(rows.len());
            if row == rows.len() {
                rows.push(s.end_s);
            } else {
                rows[row] = s.end_s;
            }
            let top = y_max - band * row as f64 * 0.5;
            let colour = if s.failed {
                theme.straggler
            } else {
                theme.stages[(s.stage as usize) % theme.stages.len()]
            };
            let end = s.end_s.max(s.start_s + (x1 - frame.x0) / columns as f64);
            // A marked stage: its span shaded over the whole plot, the other spans faded.
            let alpha = match emphasis.stage {
                Some(m) if m == s.stage => {
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(s.start_s, 0.0), (end, y_max)],
                            theme.selected.mix(0.14).filled(),
                        )))
                        .map_err(err)?;
                    1.0
                }
                Some(_) => 0.3,
                None => 0.8,
            };
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(s.start_s, top - band * 0.4), (end, top)],
                    colour.mix(alpha).filled(),
                )))
                .map_err(err)?;
        }
    }

    if empty {
        // Nothing to draw (no shuffle, no metrics): say so in the plot.
        let style = ("sans-serif", font).into_font().color(&theme.text);
        let (cx, cy) = ((xr.start + xr.end) / 2, (yr.start + yr.end) / 2);
        let text = if profile.note.is_empty() {
            "No data"
        } else {
            profile.note.as_str()
        };
        // Wrapped to the plot's width, centred.
        let max_chars = (((xr.end - xr.start) as f64 / (font as f64 * 0.55)) as usize).max(12);
        let mut lines: Vec<String> = Vec::new();
        for word in text.split_whitespace() {
            match lines.last_mut() {
                Some(l) if l.chars().count() + 1 + word.chars().count() <= max_chars => {
                    l.push(' ');
                    l.push_str(word);
                }
                _ => lines.push(word.to_string()),
            }
        }
        let line_h = (font as f64 * 1.3) as i32;
        let top = cy - line_h * lines.len() as i32 / 2;
        for (k, l) in lines.into_iter().enumerate() {
            let w = text_width(&l, font) / 2;
            root.draw(&Text::new(
                l,
                (cx - w, top + k as i32 * line_h),
                style.clone(),
            ))
            .map_err(err)?;
        }
    }

    // Muted lines first, emphasised last, so the straggler is never hidden. Whole-run lines are
    // coloured by their place among themselves (the legend's order).
    let mut whole = 0usize;
    let mut order: Vec<(usize, &Line)> = profile
        .lines
        .iter()
        .map(|l| {
            let i = whole;
            if l.executor.is_none() {
                whole += 1;
            }
            (i, l)
        })
        .collect();
    crate::sorting::sort_by(&mut order, |(i, l)| {
        crate::sorting::Key::u(u64::from(line_style(l, *i, emphasis, theme, dpr).2))
    });
    for (i, line) in order {
        let (colour, width, level) = line_style(line, i, emphasis, theme, dpr);
        let pts = clipped_points(line, frame, columns, (y_max, y2_max));
        if pts.is_empty() {
            continue;
        }
        let alpha = if level == 0 { 0.45 } else { 1.0 };
        let path = PathElement::new(pts, colour.mix(alpha).stroke_width(width));
        match line.axis {
            Axis::Primary => chart.draw_series(std::iter::once(path)).map(|_| ()),
            Axis::Secondary => chart
                .draw_secondary_series(std::iter::once(path))
                .map(|_| ()),
        }
        .map_err(err)?;
    }
    if let Some(overlay) = &emphasis.overlay {
        // The measurement's whole-run lines, dashed, each in the colour of the prediction's line
        // of the same key (its own place among them when the prediction has none).
        let keys: Vec<&str> = profile
            .lines
            .iter()
            .filter(|l| l.executor.is_none())
            .map(|l| l.key.as_str())
            .collect();
        let lines = overlay.profile.map_or(&[][..], |p| p.lines.as_slice());
        let width = (2.0 * dpr).round().max(1.0) as u32;
        let (dash_px, gap_px) = (px(6.0), px(4.0));
        for (own, line) in lines.iter().filter(|l| l.executor.is_none()).enumerate() {
            let i = keys.iter().position(|k| *k == line.key).unwrap_or(own);
            let colour = theme.series[i % theme.series.len()];
            let pts = clipped_points(line, frame, columns, (y_max, y2_max));
            if pts.len() < 2 {
                continue;
            }
            let path = DashedPathElement::new(pts, dash_px, gap_px, colour.stroke_width(width));
            match line.axis {
                Axis::Primary => chart.draw_series(std::iter::once(path)).map(|_| ()),
                Axis::Secondary => chart
                    .draw_secondary_series(std::iter::once(path))
                    .map(|_| ()),
            }
            .map_err(err)?;
        }
        if overlay.end_s >= frame.x0 && overlay.end_s <= x1 {
            let (x, _) = chart.backend_coord(&(overlay.end_s, 0.0));
            end_rule(root, x, (yr.start, yr.end), theme, font, dpr, true)?;
        }
    }
    root.present().map_err(err)?;
    Ok(PlotArea {
        left: xr.start,
        top: yr.start,
        right: xr.end,
        bottom: yr.end,
        x0: frame.x0,
        x1,
        y0: 0.0,
        y1: y_max,
    })
}

/// Which lanes get a label: as many as fit without overlapping (labels `font_px` tall on lanes
/// `lane_px` apart), the straggler's and the selected executor's first, then from the top. The
/// others are named by the tooltip.
fn labelled_lanes(n: usize, lane_px: i32, font_px: i32, must: &[usize]) -> Vec<bool> {
    // Lanes between two labels' centres so that they do not touch.
    let step = ((font_px as f64 * 1.15) / lane_px.max(1) as f64)
        .ceil()
        .max(1.0) as usize;
    let mut on = vec![false; n];
    let free = |on: &[bool], i: usize| {
        let lo = i.saturating_sub(step - 1);
        let hi = (i + step).min(n);
        on[lo..hi].iter().all(|x| !x)
    };
    for &i in must.iter().filter(|&&i| i < n) {
        if free(&on, i) {
            on[i] = true;
        }
    }
    for i in 0..n {
        if free(&on, i) {
            on[i] = true;
        }
    }
    on
}
/// Draws the task timeline: a lane per executor, each pixel column coloured by the stage that
/// kept it busiest, its height the busy share of the executor's slots.
pub fn draw_timeline<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    lanes: &[Lane],
    frame: &Frame,
    emphasis: &Emphasis,
    theme: &Theme,
    dpr: f64,
) -> Result<PlotArea, String> {
    root.fill(&theme.background).map_err(err)?;
    let font = (12.0 * dpr).round() as u32;
    let (w, h) = root.dim_in_pixel();
    let left = ((LEFT_AXIS_PX + MARGIN_PX) * dpr).round() as i32;
    let right = w as i32 - (RIGHT_PX * dpr).round() as i32;
    let top = (4.0 * dpr) as i32;
    let bottom = h as i32 - (4.0 * dpr) as i32;
    let n = lanes.len().max(1) as i32;
    let lane_h = ((bottom - top) / n).max(1);
    let x1 = if frame.x1 > frame.x0 {
        frame.x1
    } else {
        frame.x0 + 1.0
    };
    let px_of = |t: f64| left as f64 + (t - frame.x0) / (x1 - frame.x0) * (right - left) as f64;
    let must: Vec<usize> = lanes
        .iter()
        .enumerate()
        .filter(|(_, l)| {
            let e = Some(l.executor.as_str());
            e == emphasis.selected || e == emphasis.straggler
        })
        .map(|(i, _)| i)
        .collect();
    let labelled = labelled_lanes(lanes.len(), lane_h, font as i32, &must);
    for (i, lane) in lanes.iter().enumerate() {
        let y0 = top + i as i32 * lane_h;
        let y1 = y0 + lane_h - (1.0 * dpr).max(1.0) as i32;
        let exec = lane.executor.as_str();
        let is_straggler = Some(exec) == emphasis.straggler;
        let is_selected = Some(exec) == emphasis.selected;
        // The straggler stays red, selected or not; a selected peer is in the selection colour.
        let outline = if is_straggler {
            Some(theme.straggler)
        } else if is_selected {
            Some(theme.selected)
        } else {
            None
        };
        let label_colour = outline.unwrap_or(theme.text);
        // Alive span as a faint band, so released executors show.
        let a = px_of(lane.alive.0).clamp(left as f64, right as f64) as i32;
        let b = px_of(lane.alive.1).clamp(left as f64, right as f64) as i32;
        root.draw(&Rectangle::new(
            [(a, y0), (b.max(a + 1), y1)],
            theme.grid.mix(0.5).filled(),
        ))
        .map_err(err)?;
        let cols = lane.columns.len().max(1);
        let col_w = (right - left) as f64 / cols as f64;
        // Neighbouring columns of the same colour and height are one rectangle: a busy lane of a
        // 100,000-task run is a handful of draw calls, not one per pixel.
        // Bars keep their stage's colour (the lane's outline says straggler or selected); with a
        // stage marked, the other stages' bars fade.
        let cell_style = |cell: &Option<(u64, f64)>| {
            cell.map(|(stage, share)| {
                let bar_h = ((y1 - y0) as f64 * share.max(0.15)).round() as i32;
                let colour = theme.stages[(stage as usize) % theme.stages.len()];
                let faded = emphasis.stage.is_some_and(|m| m != stage);
                (colour, bar_h, faded)
            })
        };
        let mut c = 0;
        while c < lane.columns.len() {
            let Some(style) = cell_style(&lane.columns[c]) else {
                c += 1;
                continue;
            };
            let start = c;
            while c + 1 < lane.columns.len() && cell_style(&lane.columns[c + 1]) == Some(style) {
                c += 1;
            }
            let (colour, bar_h, faded) = style;
            let xa = left as f64 + start as f64 * col_w;
            let xb = left as f64 + (c + 1) as f64 * col_w;
            let fill = if faded {
                colour.mix(0.22).filled()
            } else {
                colour.filled()
            };
            root.draw(&Rectangle::new(
                [(xa as i32, y1 - bar_h), (xb.ceil() as i32, y1)],
                fill,
            ))
            .map_err(err)?;
            c += 1;
        }
        if let Some(colour) = outline {
            let w = (if is_straggler { 2.0 } else { 1.5 } * dpr)
                .round()
                .max(1.0) as u32;
            root.draw(&Rectangle::new(
                [(left, y0), (right, y1)],
                colour.stroke_width(w),
            ))
            .map_err(err)?;
        }
        if labelled[i] {
            let style = ("sans-serif", font).into_font().color(&label_colour);
            root.draw(&Text::new(
                format!("exec {exec}"),
                ((4.0 * dpr) as i32, y0 + (lane_h - font as i32) / 2),
                style,
            ))
            .map_err(err)?;
        }
    }
    if let Some(end_s) = emphasis.overlay.map(|o| o.end_s) {
        if end_s >= frame.x0 && end_s <= x1 {
            // Unlabelled: the lanes are the labels' place; the legend names the rule.
            let x = px_of(end_s).round() as i32;
            end_rule(root, x, (top, bottom), theme, font, dpr, false)?;
        }
    }
    root.present().map_err(err)?;
    Ok(PlotArea {
        left,
        top,
        right,
        bottom,
        x0: frame.x0,
        x1,
        y0: 0.0,
        y1: lanes.len() as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lane_labels_never_overlap() {
        // 58 executors in 480 px at 12 px labels: every other lane, straggler included.
        let on = labelled_lanes(58, 8, 12, &[7]);
        assert!(on[7]);
        for i in 0..57 {
            assert!(!(on[i] && on[i + 1]), "lanes {i} and {}", i + 1);
        }
        assert!(on.iter().filter(|x| **x).count() >= 25);
        // Lanes taller than a label: all labelled.
        assert!(labelled_lanes(10, 14, 12, &[]).iter().all(|x| *x));
        assert_eq!(labelled_lanes(0, 14, 12, &[3]), Vec::<bool>::new());
    }
}
