//! The sweep's scatter: each configuration's predicted duration against its cost, the frontier
//! joined, the measured run, the calibrated baseline and the recommendation marked.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::PlotArea;
use super::{format_time, Theme, LEFT_AXIS_PX, MARGIN_PX, RIGHT_PX};
use crate::sim::sweep::Sweep;

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// Pixel centre of each configuration drawn (failed ones that never ran are not drawn).
pub type Placed = Vec<(usize, f64, f64)>;

/// Draws `sweep`; returns the plot area and where each configuration's point is, device px.
pub fn draw_sweep<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    sweep: &Sweep,
    theme: &Theme,
    dpr: f64,
) -> Result<(PlotArea, Placed), String> {
    root.fill(&theme.background).map_err(err)?;
    let font = (12.0 * dpr).round() as u32;
    let label_style = ("sans-serif", font).into_font().color(&theme.text);
    let px = |v: f64| (v * dpr).round() as u32;
    let shown = |d: f64, c: f64| d > 0.0 && d.is_finite() && c.is_finite();
    let mut xs: Vec<f64> = vec![sweep.measured.duration_s, sweep.baseline.duration_s];
    let mut ys: Vec<f64> = vec![sweep.measured.usd, sweep.baseline.usd];
    for c in &sweep.configurations {
        if shown(c.outcome.duration_s, c.outcome.usd) {
            xs.push(c.outcome.duration_s);
            ys.push(c.outcome.usd);
        }
    }
    let max = |v: &[f64]| {
        v.iter()
            .copied()
            .filter(|x| x.is_finite())
            .fold(0.0, f64::max)
    };
    let x1 = (max(&xs) * 1.08).max(1.0);
    let y1 = (max(&ys) * 1.12).max(0.01);
    let mut chart = ChartBuilder::on(root)
        .margin(px(MARGIN_PX))
        .margin_right(px(RIGHT_PX))
        .x_label_area_size(px(34.0))
        .y_label_area_size(px(LEFT_AXIS_PX))
        .build_cartesian_2d(0.0..x1, 0.0..y1)
        .map_err(err)?;
    let fx = |x: &f64| format_time(*x);
    let fy = |y: &f64| {
        if y1 < 1.0 {
            format!("${y:.3}")
        } else {
            format!("${y:.2}")
        }
    };
    let x_labels =
        ((root.dim_in_pixel().0 as f64 / dpr - LEFT_AXIS_PX) / 80.0).clamp(2.0, 6.0) as usize;
    chart
        .configure_mesh()
        .x_labels(x_labels)
        .y_labels(5)
        .x_label_formatter(&fx)
        .y_label_formatter(&fy)
        .x_desc("predicted duration")
        .y_desc("cost")
        .label_style(label_style.clone())
        .axis_desc_style(label_style.clone())
        .axis_style(theme.grid)
        .light_line_style(theme.grid.mix(0.35))
        .bold_line_style(theme.grid.mix(0.6))
        .draw()
        .map_err(err)?;
    let r = (4.0 * dpr).round() as i32;
    let muted = theme.muted;
    let frontier_colour = theme.series[0];
    let failed_colour = theme.straggler;
    // The frontier, joined fastest to slowest.
    let line: Vec<(f64, f64)> = sweep
        .frontier
        .iter()
        .map(|&i| {
            let o = &sweep.configurations[i].outcome;
            (o.duration_s, o.usd)
        })
        .collect();
    chart
        .draw_series(std::iter::once(PathElement::new(
            line,
            frontier_colour.stroke_width(px(1.5).max(1)),
        )))
        .map_err(err)?;
    let mut placed = Vec::new();
    for (i, c) in sweep.configurations.iter().enumerate() {
        let (d, u) = (c.outcome.duration_s, c.outcome.usd);
        if !shown(d, u) {
            continue;
        }
        let ok = c.outcome.status == "succeeded";
        if ok {
            let style = if c.on_frontier {
                frontier_colour.filled()
            } else {
                muted.stroke_width(px(1.0).max(1))
            };
            chart
                .draw_series(std::iter::once(Circle::new((d, u), r, style)))
                .map_err(err)?;
        } else {
            chart
                .draw_series(std::iter::once(Cross::new(
                    (d, u),
                    r,
                    failed_colour.stroke_width(px(1.5).max(1)),
                )))
                .map_err(err)?;
        }
        let (x, y) = chart.backend_coord(&(d, u));
        placed.push((i, x as f64, y as f64));
    }
    if let Some(i) = sweep.recommendation {
        let o = &sweep.configurations[i].outcome;
        chart
            .draw_series(std::iter::once(Circle::new(
                (o.duration_s, o.usd),
                r * 2,
                theme.selected.stroke_width(px(2.0).max(1)),
            )))
            .map_err(err)?;
    }
    // The measured run and the baseline: labelled marks.
    // Labels above (measured) and below (baseline): the two are often one point.
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    for (label, o, colour, v) in [
        ("measured", &sweep.measured, theme.text, VPos::Bottom),
        ("baseline", &sweep.baseline, theme.series[1], VPos::Top),
    ] {
        if !shown(o.duration_s, o.usd) {
            continue;
        }
        chart
            .draw_series(std::iter::once(TriangleMarker::new(
                (o.duration_s, o.usd),
                r + 1,
                colour.filled(),
            )))
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(Text::new(
                label.to_string(),
                (o.duration_s, o.usd),
                label_style.clone().pos(Pos::new(HPos::Left, v)),
            )))
            .map_err(err)?;
    }
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let area = PlotArea {
        left: xr.start,
        top: yr.start,
        right: xr.end,
        bottom: yr.end,
        x0: 0.0,
        x1,
        y0: 0.0,
        y1,
    };
    Ok((area, placed))
}
