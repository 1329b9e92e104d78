//! Draws every chart of the page from the state, in one pass (so one User Timing measure covers
//! a whole redraw), and marks the first complete render.

use leptos::prelude::*;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;

use super::dom::{self, device_pixel_ratio, now_ms};
use super::state::{canvas_index, Dash, Side, Slot, TIMELINE};
use crate::analysis::profiles::{ValueUnit, View};
use crate::render::{self, nice_max, timeline, Emphasis, Frame, Theme};

/// The time range a column's charts show: the zoom window, else the run's own duration (fit
/// mode), else the longest run's (shared scale).
pub fn time_range(dash: Dash, side: Side) -> (f64, f64) {
    if let Some(w) = dash.window.get_untracked() {
        return w;
    }
    let own = dash.slots[side.index()].with_untracked(|s| s.ready().map(|r| r.run.meta.duration_s));
    let end = if dash.fit.get_untracked() {
        own.unwrap_or(0.0)
    } else {
        dash.longest_s()
    };
    (0.0, end.max(1.0))
}

/// The shared value-axis top of a view: both columns use the larger maximum.
pub fn shared_y_max(dash: Dash, view: View) -> f64 {
    let max = dash
        .views
        .iter()
        .filter_map(|v| v.get_untracked())
        .filter_map(|v| v.profile(view).map(|p| p.max_value()))
        .fold(0.0, f64::max);
    nice_max(max)
}

/// Makes every canvas' pixel buffer match its CSS size × device pixel ratio: all sizes are read
/// first, then all are set, so the layout is computed once, not once per canvas.
fn fit_canvases(dash: Dash, dpr: f64) {
    let canvases: Vec<web_sys::HtmlCanvasElement> = dash
        .canvases
        .iter()
        .flat_map(|side| side.iter().filter_map(|c| c.get_untracked()))
        .collect();
    let sizes: Vec<(u32, u32)> = canvases
        .iter()
        .map(|c| {
            (
                (c.client_width() as f64 * dpr).round() as u32,
                (c.client_height() as f64 * dpr).round() as u32,
            )
        })
        .collect();
    for (c, (w, h)) in canvases.iter().zip(sizes) {
        if w > 0 && c.width() != w {
            c.set_width(w);
        }
        if h > 0 && c.height() != h {
            c.set_height(h);
        }
    }
}

/// True when a canvas has a drawable size.
fn drawable(canvas: &web_sys::HtmlCanvasElement) -> bool {
    canvas.width() > 1 && canvas.height() > 1
}

/// The theme of the page now.
pub fn theme(dash: Dash) -> Theme {
    if dash.dark.get_untracked() {
        Theme::dark()
    } else {
        Theme::light()
    }
}

/// Draws the charts of `sides` (all shown sides when `None`).
pub fn draw(dash: Dash, only: Option<Side>) {
    let start = now_ms();
    let theme = theme(dash);
    let dpr = device_pixel_ratio();
    fit_canvases(dash, dpr);
    let mut drawn = 0;
    for &side in dash.sides() {
        if only.is_some_and(|o| o != side) {
            continue;
        }
        let Some(views) = dash.views[side.index()].get_untracked() else {
            continue;
        };
        let Some(loaded) = dash.slots[side.index()].with_untracked(|s| s.ready()) else {
            continue;
        };
        let selected = dash.selected[side.index()].get_untracked();
        let emphasis = Emphasis {
            straggler: loaded.straggler(),
            selected: selected.as_deref(),
        };
        let (x0, x1) = time_range(dash, side);
        for view in View::ALL {
            let i = canvas_index(view);
            let (Some(canvas), Some(profile)) = (
                dash.canvases[side.index()][i].get_untracked(),
                views.profile(view),
            ) else {
                continue;
            };
            if !drawable(&canvas) {
                continue;
            }
            let Some(backend) = CanvasBackend::with_canvas_object(canvas) else {
                continue;
            };
            let root = backend.into_drawing_area();
            let frame = Frame {
                x0,
                x1,
                y_max: shared_y_max(dash, view),
                unit: profile.unit,
            };
            if let Ok(area) = render::draw_profile(&root, profile, &frame, &emphasis, &theme, dpr) {
                dash.areas.update_value(|a| a[side.index()][i] = Some(area));
                drawn += 1;
            }
        }
        if let Some(canvas) = dash.canvases[side.index()][TIMELINE].get_untracked() {
            if drawable(&canvas) {
                let width = canvas.width() as f64;
                let columns = (width - 88.0 * dpr).max(1.0) as usize;
                // The raster depends on the run, the time range and the width only: a highlight
                // or theme change reuses it.
                let key = (
                    std::sync::Arc::as_ptr(&loaded) as usize,
                    x0.to_bits(),
                    x1.to_bits(),
                    columns,
                );
                if dash.lanes_key.with_value(|k| k[side.index()] != Some(key)) {
                    let lanes = timeline::raster(&loaded.run, x0, x1, columns);
                    dash.lanes.update_value(|l| l[side.index()] = lanes);
                    dash.lanes_key.update_value(|k| k[side.index()] = Some(key));
                }
                if let Some(backend) = CanvasBackend::with_canvas_object(canvas) {
                    let root = backend.into_drawing_area();
                    let frame = Frame {
                        x0,
                        x1,
                        y_max: 1.0,
                        unit: ValueUnit::Count,
                    };
                    let drawn_area = dash.lanes.with_value(|l| {
                        render::draw_timeline(
                            &root,
                            &l[side.index()],
                            &frame,
                            &emphasis,
                            &theme,
                            dpr,
                        )
                    });
                    if let Ok(area) = drawn_area {
                        dash.areas
                            .update_value(|a| a[side.index()][TIMELINE] = Some(area));
                        drawn += 1;
                    }
                }
            }
        }
    }
    if drawn > 0 {
        dom::measure_since("runlens:draw", start);
    }
    mark_rendered_once(dash);
}

/// The first time every shown column has settled (drawn or failed): `runlens:rendered` and
/// `<html data-ready="1">`.
fn mark_rendered_once(dash: Dash) {
    if dash.rendered.get_value() {
        return;
    }
    let settled = dash.sides().iter().all(|s| {
        dash.slots[s.index()].with_untracked(|slot| match slot {
            Slot::Loading(_) => false,
            Slot::Ready(_) => dash
                .areas
                .with_value(|a| a[s.index()].iter().take(4).all(Option::is_some)),
            Slot::Empty | Slot::Failed(_) | Slot::Choose(_) => true,
        })
    });
    let anything = dash
        .sides()
        .iter()
        .any(|s| dash.slots[s.index()].with_untracked(|slot| !matches!(slot, Slot::Empty)));
    if settled && anything {
        dash.rendered.set_value(true);
        dom::mark("runlens:rendered");
        dom::set_ready();
    }
}
