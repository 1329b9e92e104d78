//! Draws every chart of the page from the state, in one pass (so one User Timing measure covers
//! a whole redraw), and marks the first complete render.

use leptos::prelude::*;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use wasm_bindgen::{JsCast, JsValue};

use super::dom::{self, device_pixel_ratio, now_ms};
use super::state::{canvas_index, Dash, LanesKey, Side, Slot, TIMELINE};
use crate::analysis::profiles::{ValueUnit, View};
use crate::render::{self, axis_top, timeline, Emphasis, Frame, Theme};

/// The time range a column's charts show: the zoom window, else the run's own duration (fit
/// mode), else the longest run's (shared scale).
pub fn time_range(dash: Dash, side: Side) -> (f64, f64) {
    if let Some(w) = dash.window.get_untracked() {
        return w;
    }
    let own = dash.slots[side.index()].with_untracked(|s| s.ready().map(|r| r.run.meta.duration_s));
    let under = match side {
        Side::After => dash.measured_under_prediction(),
        Side::Before => None,
    };
    let end = if dash.fit.get_untracked() {
        // A prediction fits with the measurement drawn over it.
        own.unwrap_or(0.0)
            .max(under.map_or(0.0, |r| r.run.meta.duration_s))
    } else {
        dash.longest_s()
    };
    (0.0, end.max(1.0))
}

/// The shared value-axis top of a view: both columns use the larger maximum, rounded to a tick.
pub fn shared_y_max(dash: Dash, view: View, unit: ValueUnit) -> f64 {
    let max = dash
        .views
        .iter()
        .filter_map(|v| v.get_untracked())
        .chain(overlay_views(dash))
        .filter_map(|v| v.profile(view).map(|p| p.max_value()))
        .fold(0.0, f64::max);
    axis_top(max, unit)
}

/// The profiles of the measured run drawn over the After column's prediction, at the After
/// column's period.
fn overlay_views(dash: Dash) -> Option<std::sync::Arc<super::state::RunViews>> {
    let period_s = dash.views[Side::After.index()].get_untracked()?.period_s;
    Some(dash.measured_under_prediction()?.views(period_s))
}

/// The shared right axis of a view, when either column has lines against it (percentages: at
/// least 0..100).
pub fn shared_secondary(dash: Dash, view: View) -> Option<(f64, ValueUnit)> {
    let mut unit = None;
    let mut max = 0.0f64;
    for v in dash
        .views
        .iter()
        .filter_map(|v| v.get_untracked())
        .chain(overlay_views(dash))
    {
        if let Some(p) = v.profile(view).filter(|p| p.secondary.is_some()) {
            unit = unit.or(p.secondary);
            max = max.max(p.axis_max(crate::analysis::profiles::Axis::Secondary));
        }
    }
    let unit = unit?;
    if unit == ValueUnit::Percent {
        max = max.max(100.0);
    }
    Some((axis_top(max, unit), unit))
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

/// Drawing time per animation frame: a draw of many charts (the first, or two big runs) leaves
/// the rest to the next frames, so that with the frame's layout and paint the main thread is
/// never held much longer than the long-task limit of 50 ms.
const FRAME_BUDGET_MS: f64 = 20.0;

/// Draws the charts of `sides` (all shown sides when `None`): in one frame if they fit the frame
/// budget, else over several, chart by chart (a newer draw supersedes what is left).
pub fn draw(dash: Dash, only: Option<Side>) {
    let generation = dash.draw_generation.get_value().wrapping_add(1);
    dash.draw_generation.set_value(generation);
    fit_canvases(dash, device_pixel_ratio());
    let charts: Vec<(Side, usize)> = dash
        .sides()
        .iter()
        .filter(|s| only.is_none_or(|o| o == **s))
        .flat_map(|&s| (0..View::ALL.len()).chain([TIMELINE]).map(move |i| (s, i)))
        .collect();
    draw_from(dash, generation, charts, 0, 0.0, 0);
}

/// Draws `charts[from..]` until the frame budget is spent, then asks for the next frame.
fn draw_from(
    dash: Dash,
    generation: u64,
    charts: Vec<(Side, usize)>,
    from: usize,
    busy_ms: f64,
    drawn: usize,
) {
    if dash.draw_generation.get_value() != generation {
        return;
    }
    let start = now_ms();
    let theme = theme(dash);
    let dpr = device_pixel_ratio();
    let mut drawn = drawn;
    for k in from..charts.len() {
        let (side, chart) = charts[k];
        // The task timeline (a raster of every task) is the costliest chart: it gets a frame of
        // its own when the views before it took a good part of this one.
        let heavy_next = charts.get(k + 1).is_some_and(|c| c.1 == TIMELINE);
        if draw_chart(dash, side, chart, &theme, dpr) {
            drawn += 1;
        }
        let spent = now_ms() - start;
        let over = spent > FRAME_BUDGET_MS || (heavy_next && spent > FRAME_BUDGET_MS / 2.0);
        if over && k + 1 < charts.len() {
            let busy_ms = busy_ms + now_ms() - start;
            request_animation_frame(move || {
                draw_from(dash, generation, charts, k + 1, busy_ms, drawn)
            });
            return;
        }
    }
    if drawn > 0 {
        // The drawing time of all its frames, not the frames between.
        dom::measure_span("runlens:draw", busy_ms + now_ms() - start);
    }
    mark_rendered_once(dash);
}

/// Draws one chart of a column (`chart`: a view's canvas index, or the task timeline's); false
/// if there is nothing to draw yet.
fn draw_chart(dash: Dash, side: Side, chart: usize, theme: &Theme, dpr: f64) -> bool {
    let Some(views) = dash.views[side.index()].get_untracked() else {
        return false;
    };
    let Some(loaded) = dash.slots[side.index()].with_untracked(|s| s.ready()) else {
        return false;
    };
    let Some(canvas) = dash.canvases[side.index()][chart].get_untracked() else {
        return false;
    };
    if !drawable(&canvas) {
        return false;
    }
    let selected = dash.selected[side.index()].get_untracked();
    let under = match side {
        Side::After => dash.measured_under_prediction(),
        Side::Before => None,
    };
    let under_views = under.as_ref().map(|r| r.views(views.period_s));
    let overlay_of = |view: Option<View>| {
        under.as_ref().map(|r| render::Overlay {
            profile: view.and_then(|v| under_views.as_ref().and_then(|u| u.profile(v))),
            end_s: r.run.meta.duration_s,
        })
    };
    let chart_view = View::ALL.into_iter().find(|v| canvas_index(*v) == chart);
    let emphasis = Emphasis {
        straggler: loaded.straggler(),
        selected: selected.as_deref(),
        stage: dash.marked_stage[side.index()].get_untracked(),
        overlay: overlay_of(chart_view),
    };
    let (x0, x1) = time_range(dash, side);
    if chart != TIMELINE {
        let Some(view) = View::ALL.into_iter().find(|v| canvas_index(*v) == chart) else {
            return false;
        };
        let Some(profile) = views.profile(view) else {
            return false;
        };
        let Some(backend) = CanvasBackend::with_canvas_object(canvas) else {
            return false;
        };
        let root = backend.into_drawing_area();
        let frame = Frame {
            x0,
            x1,
            y_max: shared_y_max(dash, view, profile.unit),
            unit: profile.unit,
            secondary: shared_secondary(dash, view),
        };
        let Ok(area) = render::draw_profile(&root, profile, &frame, &emphasis, theme, dpr) else {
            return false;
        };
        dash.areas
            .update_value(|a| a[side.index()][chart] = Some(area));
        return true;
    }
    let width = canvas.width() as f64;
    let columns = (width - (render::LEFT_AXIS_PX + render::MARGIN_PX + render::RIGHT_PX) * dpr)
        .max(1.0) as usize;
    // The raster depends on the run, the time range and the width only: a highlight or theme
    // change reuses it.
    let key = (
        std::sync::Arc::as_ptr(&loaded) as usize,
        x0.to_bits(),
        x1.to_bits(),
        columns,
    );
    if dash.lanes_key.with_value(|k| k[side.index()] != Some(key)) {
        match loaded.server {
            // A large run's worker rasterises it: drawn when the answer comes.
            Some(server) => {
                ask_raster(dash, side, server, key, (x0, x1, columns));
                return false;
            }
            None => {
                let lanes = timeline::raster(&loaded.run, x0, x1, columns);
                dash.lanes.update_value(|l| l[side.index()] = lanes);
                dash.lanes_key.update_value(|k| k[side.index()] = Some(key));
            }
        }
    }
    let Some(backend) = CanvasBackend::with_canvas_object(canvas) else {
        return false;
    };
    let root = backend.into_drawing_area();
    let frame = Frame {
        x0,
        x1,
        y_max: 1.0,
        unit: ValueUnit::Count,
        secondary: None,
    };
    let drawn = dash.lanes.with_value(|l| {
        render::draw_timeline(&root, &l[side.index()], &frame, &emphasis, theme, dpr)
    });
    match drawn {
        Ok(area) => {
            dash.areas
                .update_value(|a| a[side.index()][TIMELINE] = Some(area));
            true
        }
        Err(_) => false,
    }
}

/// Asks a column's serving worker for the timeline raster of `key` (once per key), and draws the
/// timeline with it when it comes; rasterised here if the worker is gone.
fn ask_raster(
    dash: Dash,
    side: Side,
    server: u32,
    key: LanesKey,
    (x0, x1, columns): (f64, f64, usize),
) {
    if dash
        .raster_asked
        .with_value(|a| a[side.index()] == Some(key))
    {
        return;
    }
    dash.raster_asked
        .update_value(|a| a[side.index()] = Some(key));
    let request = js_sys::Object::new();
    for (k, v) in [
        ("op", JsValue::from_str("raster")),
        ("x0", x0.into()),
        ("x1", x1.into()),
        ("columns", (columns as f64).into()),
    ] {
        let _ = js_sys::Reflect::set(&request, &JsValue::from_str(k), &v);
    }
    let asked_at = now_ms();
    super::work::ask(server, request, move |answer| {
        // A newer request (zoom, resize, another run) replaced this one.
        if dash
            .raster_asked
            .with_value(|a| a[side.index()] != Some(key))
        {
            return;
        }
        dash.raster_asked.update_value(|a| a[side.index()] = None);
        let lanes = answer
            .ok()
            .and_then(|d| js_sys::Reflect::get(&d, &JsValue::from_str("lanes")).ok())
            .and_then(|l| l.dyn_into::<js_sys::Uint8Array>().ok())
            .and_then(|l| timeline::lanes_from_bytes(&l.to_vec()));
        let lanes = match lanes {
            Some(lanes) => lanes,
            None => {
                let Some(loaded) = dash.slots[side.index()].with_untracked(|s| s.ready()) else {
                    return;
                };
                timeline::raster(&loaded.run, x0, x1, columns)
            }
        };
        dom::measure_since(&format!("runlens:raster:{}", side.as_str()), asked_at);
        dash.lanes.update_value(|l| l[side.index()] = lanes);
        dash.lanes_key.update_value(|k| k[side.index()] = Some(key));
        // The timeline alone: a draw of the other charts still under way goes on.
        let t = now_ms();
        if draw_chart(dash, side, TIMELINE, &theme(dash), device_pixel_ratio()) {
            dom::measure_since("runlens:draw", t);
        }
        mark_rendered_once(dash);
    });
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
            Slot::Ready(_) => {
                // The task timeline too, when it has a canvas to draw on (a served run's comes
                // a moment after the views).
                let timeline_due = dash.canvases[s.index()][TIMELINE]
                    .get_untracked()
                    .is_some_and(|c| drawable(&c));
                // Every view shown (the CPU view only for runs with CPU metrics).
                let views_due = View::ALL.iter().all(|v| {
                    let i = canvas_index(*v);
                    dash.canvases[s.index()][i].get_untracked().is_none()
                        || dash.areas.with_value(|a| a[s.index()][i].is_some())
                });
                views_due
                    && dash.areas.with_value(|a| {
                        a[s.index()].iter().take(2).all(Option::is_some)
                            && (!timeline_due || a[s.index()][TIMELINE].is_some())
                    })
            }
            Slot::Empty | Slot::Failed(_) | Slot::Choose(_) | Slot::Split(_) => true,
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
        // After the mark: what waits for the first render starts now.
        dash.first_rendered.set(true);
    }
}
