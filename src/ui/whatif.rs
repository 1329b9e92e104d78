//! The what-if panel: start from the *before* run (calibrated) or a preset, change settings
//! with the names users know, and see the simulated run as the *after* column — re-simulated as
//! the controls change (debounced), with the predicted duration, cost and failure against the
//! baseline.

use js_sys::{Array, Object, Uint8Array};
use leptos::prelude::*;
use wasm_bindgen::JsValue;

use super::dom::{self, now_ms};
use super::loader;
use super::state::{Dash, Side, Slot};
use crate::analysis::{summary, Analysis};
use crate::ingest::Loaded;
use crate::model::units::format_duration;
use crate::model::{Run, SourceFormat};
use crate::sim::changes::Control;
use crate::sim::presets;

/// Quiet time after the last control change before simulating, ms.
const DEBOUNCE_MS: u64 = 300;

/// Where a what-if starts.
#[derive(Clone, Debug, PartialEq)]
pub enum Start {
    /// The before run, calibrated.
    Before,
    /// A built-in scenario.
    Preset(String),
}

impl Start {
    /// As in the address: `before` or `preset:NAME`.
    pub fn encode(&self) -> String {
        match self {
            Start::Before => "before".into(),
            Start::Preset(p) => format!("preset:{p}"),
        }
    }

    /// From the address.
    pub fn decode(s: &str) -> Option<Start> {
        match s {
            "before" => Some(Start::Before),
            _ => s
                .strip_prefix("preset:")
                .map(|p| Start::Preset(p.to_string())),
        }
    }
}

/// The outcome of the last simulation.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Nothing simulated yet.
    Idle,
    /// Simulating.
    Running,
    /// Simulated.
    Done(Prediction),
    /// The scenario or a change is wrong.
    Failed(String),
}

/// Predicted figures against the baseline.
#[derive(Clone, Debug, PartialEq)]
pub struct Prediction {
    /// Measured wall time of the before run (none for presets), s.
    pub measured_s: Option<f64>,
    /// Measured wall time of the after run the what-if stands beside (none without one), s.
    pub measured_after_s: Option<f64>,
    /// The unchanged scenario simulated, s.
    pub baseline_s: f64,
    /// The changed scenario simulated, s.
    pub predicted_s: f64,
    /// DPU-hours and dollars, baseline and predicted.
    pub cost: (f64, f64, f64, f64),
    /// Predicted status and error.
    pub status: String,
    /// The error that ends the predicted run.
    pub error: Option<String>,
    /// Calibration and change notes.
    pub notes: Vec<String>,
    /// Time the simulation took in the page, ms.
    pub took_ms: f64,
}

fn loaded_of(run: Run) -> Loaded {
    Loaded {
        format: SourceFormat::Simulator,
        ..Loaded::computed(run)
    }
}

/// DPU-hours and dollars of a simulated run, from its analysis.
fn dpu_and_cost(run: &Run, a: &Analysis, price: f64) -> (f64, f64) {
    let c = summary::cost(run, &a.totals, price);
    (c.dpu_hours, c.usd)
}

fn set(o: &Object, k: &str, v: &JsValue) {
    let _ = js_sys::Reflect::set(o, &JsValue::from_str(k), v);
}

/// Longest a simulation may take in its worker before it is stopped, ms.
const SIMULATION_LIMIT_MS: i32 = 120_000;

/// Runs the what-if in a worker: calibration (or the preset), the unchanged simulation and the
/// changed one; the result goes into the after column (and a preset's baseline into the before).
fn simulate_now(
    dash: Dash,
    start: Start,
    changes: Vec<(String, String)>,
    outcome: RwSignal<Outcome>,
    controls: RwSignal<Vec<Control>>,
) {
    outcome.set(Outcome::Running);
    let t0 = now_ms();
    let job = Object::new();
    set(&job, "op", &"whatif".into());
    set(&job, "start", &start.encode().into());
    let pairs = Array::new();
    for (k, v) in &changes {
        pairs.push(&Array::of2(&k.as_str().into(), &v.as_str().into()));
    }
    set(&job, "set", &pairs);
    let transfer = Array::new();
    let mut measured_s = None;
    if start == Start::Before {
        let Some(before) = dash.slots[Side::Before.index()].with_untracked(|s| s.ready()) else {
            return outcome.set(Outcome::Failed("load a before run first".into()));
        };
        measured_s = Some(before.run.meta.duration_s);
        let (json, tasks) = before.parts();
        let bytes = Uint8Array::from(json.as_slice());
        let tasks = Uint8Array::from(tasks.as_slice());
        transfer.push(&bytes.buffer());
        transfer.push(&tasks.buffer());
        set(&job, "run", &bytes);
        set(&job, "tasks", &tasks);
    }
    super::work::start(
        "whatif",
        job,
        Some(transfer),
        Some(SIMULATION_LIMIT_MS),
        move |reply| {
            let data = match reply {
                Ok(super::work::Reply::Done(d)) => d,
                Ok(_) => return,
                Err(e) => return outcome.set(Outcome::Failed(format!("The simulation: {e}."))),
            };
            let start = start.clone();
            let changes = changes.clone();
            leptos::task::spawn_local(async move {
                let shown = Shown {
                    start,
                    changes,
                    measured_s,
                    t0,
                };
                show(dash, shown, data, outcome, controls).await;
            });
        },
    );
}

/// What a what-if answer is shown with.
struct Shown {
    start: Start,
    changes: Vec<(String, String)>,
    measured_s: Option<f64>,
    t0: f64,
}

/// Puts a what-if answer on the page.
async fn show(
    dash: Dash,
    asked: Shown,
    data: JsValue,
    outcome: RwSignal<Outcome>,
    controls: RwSignal<Vec<Control>>,
) {
    use super::work::get;
    if let Some(c) = get(&data, "controls")
        .as_string()
        .and_then(|c| serde_json::from_str::<Vec<Control>>(&c).ok())
    {
        controls.set(c);
    }
    if let Some(ms) = get(&data, "simulate_ms").as_f64() {
        dom::measure_span("runlens:simulate", ms);
    }
    let notes: Vec<String> = Array::from(&get(&data, "notes"))
        .iter()
        .filter_map(|n| n.as_string())
        .collect();
    let (baseline, b_made) = match loader::run_and_views_of(&get(&data, "baseline")) {
        Ok((b, made)) if made.analysis.is_some() => (b, made),
        Ok(_) => return outcome.set(Outcome::Failed("the simulation sent no analysis".into())),
        Err(e) => return outcome.set(Outcome::Failed(e)),
    };
    let price = dash.price.get_untracked();
    let Some(b_analysis) = b_made.analysis.as_ref() else {
        return;
    };
    let (b_dpu, b_usd) = dpu_and_cost(&baseline.run, b_analysis, price);
    let baseline_s = baseline.run.meta.duration_s;
    if let Start::Preset(name) = &asked.start {
        // A preset has no measured run: the before column shows its unchanged simulation.
        let shown = dash.slots[Side::Before.index()].with_untracked(|s| {
            s.ready()
                .is_some_and(|r| r.source == format!("preset {name}"))
        });
        if !shown {
            loader::set_run(
                dash,
                Side::Before,
                format!("preset {name}"),
                loaded_of(baseline.run),
                b_made,
            )
            .await;
        }
    }
    if let Some(e) = get(&data, "error").as_string() {
        return outcome.set(Outcome::Failed(e));
    }
    let (predicted, p_made) = match loader::run_and_views_of(&get(&data, "predicted")) {
        Ok((p, made)) if made.analysis.is_some() => (p, made),
        Ok(_) => return outcome.set(Outcome::Failed("the simulation sent no analysis".into())),
        Err(e) => return outcome.set(Outcome::Failed(e)),
    };
    let Some(p_analysis) = p_made.analysis.as_ref() else {
        return;
    };
    let (p_dpu, p_usd) = dpu_and_cost(&predicted.run, p_analysis, price);
    let run = predicted.run;
    // A measured after run (shown now, or the one an earlier what-if displaced): the prediction
    // is checked against it.
    let measured_after_s = dash.slots[Side::After.index()]
        .with_untracked(|s| s.ready())
        .filter(|r| !r.source.starts_with(WHATIF_SOURCE))
        .or_else(|| {
            dash.displaced
                .with_value(|d| d.as_ref().and_then(|(slot, _)| slot.ready()))
        })
        .filter(|r| !r.run.meta.simulated)
        .map(|r| r.run.meta.duration_s);
    let prediction = Prediction {
        measured_s: asked.measured_s,
        measured_after_s,
        baseline_s,
        predicted_s: run.meta.duration_s,
        cost: (b_dpu, b_usd, p_dpu, p_usd),
        status: run.meta.status.as_str().to_string(),
        error: run.meta.error.clone(),
        notes,
        took_ms: now_ms() - asked.t0,
    };
    let specs: Vec<String> = asked
        .changes
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", v.trim()))
        .collect();
    let label = if specs.is_empty() {
        "no changes".to_string()
    } else {
        specs.join(" ")
    };
    // What the after column showed before the first what-if comes back when it is closed.
    let after = dash.slots[Side::After.index()].get_untracked();
    let is_whatif = after
        .ready()
        .is_some_and(|r| r.source.starts_with(WHATIF_SOURCE));
    if !is_whatif && dash.displaced.with_value(Option::is_none) {
        let url = dash.urls[Side::After.index()].get_untracked();
        dash.displaced.set_value(Some((after, url)));
    }

    loader::set_run(
        dash,
        Side::After,
        format!("{WHATIF_SOURCE}{label}"),
        loaded_of(run),
        p_made,
    )
    .await;
    outcome.set(Outcome::Done(prediction));
}

/// How a what-if's run names its source.
pub(crate) const WHATIF_SOURCE: &str = "what-if: ";

/// Closes the what-if's result: the after column shows again what it showed before (and the
/// address says so again).
fn restore_after(dash: Dash) {
    let after = dash.slots[Side::After.index()].get_untracked();
    if !after
        .ready()
        .is_some_and(|r| r.source.starts_with(WHATIF_SOURCE))
    {
        dash.displaced.set_value(None);
        return;
    }
    let (slot, url) = dash
        .displaced
        .try_update_value(Option::take)
        .flatten()
        .unwrap_or((Slot::Empty, None));
    dash.selected[Side::After.index()].set(None);
    dash.marked_stage[Side::After.index()].set(None);
    dash.urls[Side::After.index()].set(url);
    dash.slots[Side::After.index()].set(slot);
}

/// The panel.
#[component]
pub fn WhatIfPanel(dash: Dash) -> impl IntoView {
    let outcome = RwSignal::new(Outcome::Idle);
    // The controls of the current start, as the last simulation of it reported them.
    let controls: RwSignal<Vec<Control>> = RwSignal::new(Vec::new());
    let generation = StoredValue::new(0u64);
    let before_ready = Memo::new(move |_| {
        dash.slots[Side::Before.index()].with(|s| match s {
            Slot::Ready(r) => !r.run.tasks.is_empty() && !r.run.meta.simulated,
            _ => false,
        })
    });
    let schedule = move || {
        let Some(start) = dash.whatif.get_untracked().and_then(|s| Start::decode(&s)) else {
            return;
        };
        let set = dash.whatif_set.get_untracked();
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        set_timeout(
            move || {
                if generation.get_value() == mine {
                    simulate_now(dash, start, set, outcome, controls);
                }
            },
            std::time::Duration::from_millis(DEBOUNCE_MS),
        );
    };
    // A what-if in the address (a permalink) runs once its starting point is there.
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) {
            return true;
        }
        let Some(start) = dash.whatif.get().and_then(|s| Start::decode(&s)) else {
            return false;
        };
        if start == Start::Before && !before_ready.get() {
            return false;
        }
        schedule();
        true
    });
    let pick = move |value: String| {
        dash.whatif
            .set(if value.is_empty() { None } else { Some(value) });
        dash.whatif_set.set(Vec::new());
        controls.set(Vec::new());
        outcome.set(Outcome::Idle);
        if dash.whatif.get_untracked().is_some() {
            schedule();
        } else {
            restore_after(dash);
        }
    };
    // A configuration picked in the sweep opens as the what-if on the before run.
    let open = Callback::new(move |settings: Vec<(String, String)>| {
        if dash.whatif.get_untracked().as_deref() != Some("before") {
            dash.whatif.set(Some("before".into()));
            controls.set(Vec::new());
        }
        dash.whatif_set.set(settings);
        schedule();
    });
    view! {
        <section class="whatif" aria-label="What if" data-whatif="">
            <h2>"What if…"</h2>
            <p class="hint">
                "Simulate a changed configuration before spending cluster time on it: the simulator is calibrated on your measured run (or starts from a scenario of the AWS articles), and its result is drawn as the After column."
            </p>
            <label>
                "Start from "
                <select on:change=move |ev| pick(event_target_value(&ev)) prop:value=move || dash.whatif.get().unwrap_or_default()>
                    <option value="">"—"</option>
                    <option value="before" disabled=move || !before_ready.get()>"the before run (calibrated)"</option>
                    {presets::PRESETS.iter().map(|p| view! {
                        <option value=format!("preset:{}", p.name) title=p.summary>{format!("preset: {}", p.name)}</option>
                    }).collect_view()}
                </select>
            </label>
            {move || dash.whatif.get().is_some().then(|| view! {
                <div class="whatif-grid">
                    <table class="controls-table">
                        <thead><tr><th scope="col">"setting"</th><th scope="col">"now"</th><th scope="col">"what if"</th></tr></thead>
                        <tbody>
                            {move || controls.get().into_iter().map(|c| {
                                let key = c.key.clone();
                                let k = key.clone();
                                let k2 = key.clone();
                                let value = move || dash.whatif_set.get().iter().find(|(x, _)| *x == k).map(|(_, v)| v.clone()).unwrap_or_default();
                                view! {
                                    <tr>
                                        <th scope="row">
                                            <code>{key.clone()}</code>
                                            <div class="desc">{c.description}</div>
                                            <div class="desc">{c.hint}</div>
                                        </th>
                                        <td class="current">{c.shown}</td>
                                        <td>
                                            <input
                                                type="text"
                                                aria-label=format!("what if {key}")
                                                data-key=key.clone()
                                                placeholder=c.current
                                                prop:value=value
                                                on:input=move |ev| {
                                                    let v = event_target_value(&ev);
                                                    dash.whatif_set.update(|set| {
                                                        set.retain(|(x, _)| *x != k2);
                                                        if !v.trim().is_empty() {
                                                            set.push((k2.clone(), v));
                                                        }
                                                    });
                                                    schedule();
                                                }
                                            />
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    <div class="prediction" role="status" aria-live="polite">
                        {move || match outcome.get() {
                            Outcome::Idle => view! { <p class="hint">"Change a setting to simulate."</p> }.into_any(),
                            Outcome::Running => view! { <p class="hint">"Simulating…"</p> }.into_any(),
                            Outcome::Failed(e) => view! { <p class="error" data-whatif-error="">{e}</p> }.into_any(),
                            Outcome::Done(p) => {
                                let change = |a: f64, b: f64| if a > 0.0 { format!("{:+.0}%", (b / a - 1.0) * 100.0) } else { String::new() };
                                let error = |m: f64, x: f64| if m > 0.0 { format!("{:+.1} %", (x / m - 1.0) * 100.0) } else { String::new() };
                                view! {
                                    <dl class="facts" data-prediction="">
                                        {p.measured_s.map(|m| view! { <dt>"Measured"</dt><dd>{format_duration(m)}</dd> })}
                                        <dt>"Baseline (simulated, unchanged)"</dt>
                                        <dd data-field="baseline">{format_duration(p.baseline_s)}</dd>
                                        <dt>"Predicted"</dt>
                                        <dd data-field="predicted">{format!("{} ({} vs baseline)", format_duration(p.predicted_s), change(p.baseline_s, p.predicted_s))}</dd>
                                        {p.measured_after_s.map(|m| view! {
                                            <dt>"Predicted vs measured after"</dt>
                                            <dd data-field="vs-measured-after">{format!("{} vs {} measured: {} error", format_duration(p.predicted_s), format_duration(m), error(m, p.predicted_s))}</dd>
                                        })}
                                        {p.measured_s.map(|m| view! {
                                            <dt>"Calibration (baseline vs measured before)"</dt>
                                            <dd data-field="calibration-error">{format!("{} vs {}: {} error", format_duration(p.baseline_s), format_duration(m), error(m, p.baseline_s))}</dd>
                                        })}
                                        <dt>"Status"</dt>
                                        <dd data-field="predicted-status">{p.error.as_deref().map_or_else(|| p.status.clone(), |e| format!("{}: {}", p.status, crate::analysis::summary::short_error(e)))}</dd>
                                        <dt>"Cost"</dt>
                                        <dd>{format!("{:.2} → {:.2} DPU-hours (${:.2} → ${:.2})", p.cost.0, p.cost.2, p.cost.1, p.cost.3)}</dd>
                                    </dl>
                                    <p class="hint">{format!("Simulated in {:.0} ms in this page.", p.took_ms)}</p>
                                    {(!p.notes.is_empty()).then(|| view! {
                                        <details class="warnings"><summary>{format!("{} note(s) from calibration", p.notes.len())}</summary>
                                            <ul>{p.notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul>
                                        </details>
                                    })}
                                }.into_any()
                            }
                        }}
                    </div>
                </div>
            })}
            {move || before_ready.get().then(|| view! { <super::sweep::SweepPanel dash=dash open=open /> })}
        </section>
    }
}
