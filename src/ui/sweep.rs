//! "Find a better configuration": a sweep of a few settings over the calibrated before run, run
//! in a worker that sends the points as they come, drawn as predicted time against cost (the
//! frontier, the measured run, the baseline, the recommendation). Clicking a point, or its row,
//! opens that configuration as the what-if.

use js_sys::{Array, Object, Uint8Array};
use leptos::prelude::*;
use plotters_canvas::CanvasBackend;
use wasm_bindgen::{JsCast, JsValue};

use super::dom::device_pixel_ratio;
use super::state::{Dash, Side};
use crate::model::units::{format_duration, parse_time_s};
use crate::sim::sweep::Sweep;

/// Longest a sweep may take in its worker, ms.
const SWEEP_LIMIT_MS: i32 = 180_000;

/// Where a sweep is.
#[derive(Clone, Debug, PartialEq)]
enum State {
    Idle,
    /// Points so far, of how many.
    Running(Option<Sweep>, usize),
    Done(Sweep),
    Failed(String),
}

fn set(o: &Object, k: &str, v: &JsValue) {
    let _ = js_sys::Reflect::set(o, &JsValue::from_str(k), v);
}

fn sweep_of(data: &JsValue) -> Option<Sweep> {
    let text = super::work::get(data, "sweep").as_string()?;
    serde_json::from_str(&text).ok()
}

fn start(dash: Dash, vary: Vec<String>, deadline_s: Option<f64>, state: RwSignal<State>) {
    let Some(before) = dash.slots[Side::Before.index()].with_untracked(|s| s.ready()) else {
        return state.set(State::Failed("load a before run first".into()));
    };
    let job = Object::new();
    set(&job, "op", &"sweep".into());
    let list = Array::new();
    for v in &vary {
        list.push(&JsValue::from_str(v));
    }
    set(&job, "vary", &list);
    if let Some(d) = deadline_s {
        set(&job, "deadline_s", &JsValue::from_f64(d));
    }
    set(
        &job,
        "price",
        &JsValue::from_f64(dash.price.get_untracked()),
    );
    let (json, tasks) = before.parts();
    let bytes = Uint8Array::from(json.as_slice());
    let tasks = Uint8Array::from(tasks.as_slice());
    let transfer = Array::new();
    transfer.push(&bytes.buffer());
    transfer.push(&tasks.buffer());
    set(&job, "run", &bytes);
    set(&job, "tasks", &tasks);
    state.set(State::Running(None, 0));
    let t0 = super::dom::now_ms();
    super::work::start(
        "sweep",
        job,
        Some(transfer),
        Some(SWEEP_LIMIT_MS),
        move |reply| match reply {
            Ok(super::work::Reply::Progress(d)) => {
                let total = super::work::get(&d, "total").as_f64().unwrap_or(0.0) as usize;
                state.set(State::Running(sweep_of(&d), total));
            }
            Ok(super::work::Reply::Done(d)) => match sweep_of(&d) {
                Some(s) => {
                    super::dom::measure_since("runlens:sweep", t0);
                    state.set(State::Done(s))
                }
                None => state.set(State::Failed("the sweep sent no result".into())),
            },
            Err(e) => state.set(State::Failed(format!("The sweep: {e}."))),
        },
    );
}

/// Draws the scatter into `canvas`; returns the points' positions in CSS pixels.
fn draw(dash: Dash, canvas: &web_sys::HtmlCanvasElement, s: &Sweep) -> Vec<(usize, f64, f64)> {
    let dpr = device_pixel_ratio();
    let w = (canvas.client_width().max(200) as f64 * dpr) as u32;
    let h = (canvas.client_height().max(160) as f64 * dpr) as u32;
    if canvas.width() != w {
        canvas.set_width(w);
    }
    if canvas.height() != h {
        canvas.set_height(h);
    }
    let Some(backend) = CanvasBackend::with_canvas_object(canvas.clone()) else {
        return Vec::new();
    };
    let root = plotters::prelude::IntoDrawingArea::into_drawing_area(backend);
    let theme = super::draw::theme(dash);
    match crate::render::scatter::draw_sweep(&root, s, &theme, dpr) {
        Ok((_, placed)) => placed
            .into_iter()
            .map(|(i, x, y)| (i, x / dpr, y / dpr))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// The settings of configuration `i` as `KEY=VALUE` text.
fn spec(s: &Sweep, i: usize) -> String {
    s.configurations[i]
        .settings
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The panel; `open` shows a configuration as the what-if.
#[component]
pub fn SweepPanel(dash: Dash, open: Callback<Vec<(String, String)>>) -> impl IntoView {
    let state = RwSignal::new(State::Idle);
    let axis1 = RwSignal::new("spark.sql.shuffle.partitions=50,100,200,400".to_string());
    let axis2 = RwSignal::new("spark.executor.instances=1..6".to_string());
    let deadline = RwSignal::new(String::new());
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let placed: StoredValue<Vec<(usize, f64, f64)>> = StoredValue::new(Vec::new());
    let shown = Memo::new(move |_| match state.get() {
        State::Running(s, _) => s,
        State::Done(s) => Some(s),
        _ => None,
    });
    Effect::new(move |_| {
        let s = shown.get();
        // Redrawn for the theme and for the width (a resize).
        dash.dark.track();
        dash.layout_tick.track();
        if let (Some(s), Some(c)) = (s, canvas.get()) {
            let el: web_sys::HtmlCanvasElement = c.unchecked_into();
            let p = draw(dash, &el, &s);
            let attr = p
                .iter()
                .map(|(i, x, y)| format!("{i}:{x:.1},{y:.1}"))
                .collect::<Vec<_>>()
                .join(" ");
            let _ = el.set_attribute("data-points", &attr);
            placed.set_value(p);
        }
    });
    let run = move || {
        let vary: Vec<String> = [axis1.get_untracked(), axis2.get_untracked()]
            .into_iter()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect();
        let d = deadline.get_untracked();
        let deadline_s = if d.trim().is_empty() {
            None
        } else {
            match parse_time_s(d.trim(), 1.0).filter(|s| *s > 0.0) {
                Some(s) => Some(s),
                None => {
                    return state.set(State::Failed(format!(
                        "deadline {d:?}: give a duration such as 600, 10min, 2h"
                    )))
                }
            }
        };
        start(dash, vary, deadline_s, state);
    };
    let open_point = move |i: usize| {
        if let Some(s) = shown.get_untracked() {
            if let Some(c) = s.configurations.get(i) {
                open.run(c.settings.clone());
            }
        }
    };
    let on_click = move |ev: web_sys::MouseEvent| {
        let (x, y) = (ev.offset_x() as f64, ev.offset_y() as f64);
        let near = placed.with_value(|p| {
            p.iter()
                .map(|&(i, px, py)| (i, (px - x).hypot(py - y)))
                .min_by(|a, b| a.1.total_cmp(&b.1))
        });
        if let Some((i, d)) = near {
            if d <= 12.0 {
                open_point(i);
            }
        }
    };
    view! {
        <section class="sweep" aria-label="Find a better configuration" data-sweep="">
            <h3>"Find a better configuration"</h3>
            <p class="hint">"Every combination of the values below is simulated on the calibrated before run, in a worker. Values: a list (50,100,200) or a range of whole numbers (1..8 or 2..20:2)."</p>
            <div class="sweep-form">
                <label>"Vary "<input type="text" class="sweep-axis" aria-label="first setting to vary" prop:value=move || axis1.get() on:input=move |ev| axis1.set(event_target_value(&ev)) /></label>
                <label>"and "<input type="text" class="sweep-axis" aria-label="second setting to vary" prop:value=move || axis2.get() on:input=move |ev| axis2.set(event_target_value(&ev)) /></label>
                <label>"Deadline "<input type="text" class="sweep-deadline" aria-label="deadline" placeholder="e.g. 10min" prop:value=move || deadline.get() on:input=move |ev| deadline.set(event_target_value(&ev)) /></label>
                <button type="button" class="sweep-run" on:click=move |_| run()>"Find"</button>
            </div>
            <div role="status" aria-live="polite" class="sweep-status">
                {move || match state.get() {
                    State::Idle => String::new(),
                    State::Running(s, total) => format!("Simulating… {} of {total} configurations", s.map_or(0, |s| s.configurations.len())),
                    State::Failed(e) => e,
                    State::Done(s) => match s.recommendation {
                        Some(i) => format!("{} configurations. Recommended: {} — {}, ${:.3} ({}).", s.configurations.len(), spec(&s, i), format_duration(s.configurations[i].outcome.duration_s), s.configurations[i].outcome.usd, s.recommendation_reason),
                        None => format!("{} configurations. No recommendation: {}.", s.configurations.len(), s.recommendation_reason),
                    },
                }}
            </div>
            <canvas node_ref=canvas class="sweep-chart" role="img" aria-label="Predicted duration against cost of each configuration" on:click=on_click style:display=move || if shown.get().is_some() { "block" } else { "none" }></canvas>
            {move || shown.get().map(|s| {
                let rows: Vec<usize> = s.frontier.clone();
                view! {
                    <table class="sweep-frontier">
                        <caption>"The frontier: no configuration is both faster and cheaper"</caption>
                        <thead><tr><th scope="col">"configuration"</th><th scope="col">"duration"</th><th scope="col">"cost"</th><th scope="col"></th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|i| {
                                let c = &s.configurations[i];
                                let rec = s.recommendation == Some(i);
                                view! {
                                    <tr data-config=i.to_string() class:recommended=rec>
                                        <td>{c.settings.iter().map(|(k, v)| view! { <code>{format!("{k}={v}")}</code> }).collect_view()}{rec.then_some(" (recommended)")}</td>
                                        <td>{format_duration(c.outcome.duration_s)}</td>
                                        <td>{format!("${:.3}", c.outcome.usd)}</td>
                                        <td><button type="button" class="sweep-open" on:click=move |_| open_point(i)>"Open"</button></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }
            })}
        </section>
    }
}
