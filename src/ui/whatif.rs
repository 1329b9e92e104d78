//! The what-if panel: start from the *before* run (calibrated) or a preset, change settings
//! with the names users know, and see the simulated run as the *after* column — re-simulated as
//! the controls change (debounced), with the predicted duration, cost and failure against the
//! baseline.

use std::sync::Arc;

use leptos::prelude::*;

use super::dom::{self, now_ms, yield_now};
use super::loader;
use super::state::{Dash, Side, Slot};
use crate::analysis::summary;
use crate::ingest::Loaded;
use crate::model::units::{format_bytes, format_duration};
use crate::model::{Run, SourceFormat};
use crate::sim::{self, changes, presets, Scenario};

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

/// The calibrated (or preset) scenario and its unchanged simulation, kept while only the
/// changes move.
#[derive(Clone)]
struct Base {
    start: Start,
    /// Identity of the before run it was calibrated on.
    run_id: usize,
    scenario: Arc<Scenario>,
    baseline: Arc<Run>,
    notes: Vec<String>,
}

fn loaded_of(run: Run) -> Loaded {
    Loaded {
        format: SourceFormat::Simulator,
        ..Loaded::computed(run)
    }
}

fn dpu_and_cost(run: &Run, price: f64) -> (f64, f64) {
    let t = summary::totals(run);
    let c = summary::cost(run, &t, price);
    (c.dpu_hours, c.usd)
}

/// The scenario to start from, and whether the before column should show its baseline.
fn base_for(dash: Dash, start: &Start, cache: &mut Option<Base>) -> Result<Base, String> {
    let before = dash.slots[Side::Before.index()].with_untracked(|s| s.ready());
    let run_id = match start {
        Start::Before => before
            .as_ref()
            .map(|r| Arc::as_ptr(r) as usize)
            .ok_or("load a before run first")?,
        Start::Preset(_) => 0,
    };
    if let Some(b) = cache
        .as_ref()
        .filter(|b| &b.start == start && b.run_id == run_id)
    {
        return Ok(b.clone());
    }
    let (scenario, notes) = match start {
        Start::Before => {
            let r = before.ok_or("load a before run first")?;
            let cal = sim::calibrate::calibrate(&r.run)?;
            (cal.scenario, cal.notes)
        }
        Start::Preset(name) => (
            presets::preset(name).ok_or_else(|| {
                format!("no preset named {name}: {}", presets::names().join(", "))
            })?,
            Vec::new(),
        ),
    };
    let baseline = sim::simulate(&scenario)?;
    let base = Base {
        start: start.clone(),
        run_id,
        scenario: Arc::new(scenario),
        baseline: Arc::new(baseline),
        notes,
    };
    *cache = Some(base.clone());
    Ok(base)
}

/// Runs the what-if now: baseline (cached), changes applied, simulated into the after column.
async fn simulate_now(
    dash: Dash,
    start: Start,
    set: Vec<(String, String)>,
    outcome: RwSignal<Outcome>,
    cache: StoredValue<Option<Base>>,
) {
    outcome.set(Outcome::Running);
    yield_now().await;
    let t0 = now_ms();
    let mut c = cache.get_value();
    let base = match base_for(dash, &start, &mut c) {
        Ok(b) => b,
        Err(e) => return outcome.set(Outcome::Failed(e)),
    };
    cache.set_value(c);
    let specs: Vec<String> = set
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", v.trim()))
        .collect();
    let parsed = match changes::parse_all(&specs) {
        Ok(p) => p,
        Err(e) => return outcome.set(Outcome::Failed(e)),
    };
    let mut scenario = (*base.scenario).clone();
    let mut notes = base.notes.clone();
    match changes::apply(&mut scenario, &parsed) {
        Ok(n) => notes.extend(n),
        Err(e) => return outcome.set(Outcome::Failed(e)),
    }
    yield_now().await;
    let t_sim = now_ms();
    let predicted = match sim::simulate(&scenario) {
        Ok(r) => r,
        Err(e) => return outcome.set(Outcome::Failed(e)),
    };
    dom::measure_since("runlens:simulate", t_sim);
    yield_now().await;
    let price = dash.price.get_untracked();
    let (b_dpu, b_usd) = dpu_and_cost(&base.baseline, price);
    let (p_dpu, p_usd) = dpu_and_cost(&predicted, price);
    let measured_s = match start {
        Start::Before => dash.slots[Side::Before.index()]
            .with_untracked(|s| s.ready().map(|r| r.run.meta.duration_s)),
        Start::Preset(_) => None,
    };
    let prediction = Prediction {
        measured_s,
        baseline_s: base.baseline.meta.duration_s,
        predicted_s: predicted.meta.duration_s,
        cost: (b_dpu, b_usd, p_dpu, p_usd),
        status: predicted.meta.status.as_str().to_string(),
        error: predicted.meta.error.clone(),
        notes,
        took_ms: now_ms() - t0,
    };
    if let Start::Preset(name) = &start {
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
                loaded_of((*base.baseline).clone()),
            )
            .await;
        }
    }
    let label = if specs.is_empty() {
        "no changes".to_string()
    } else {
        specs.join(" ")
    };
    loader::set_run(
        dash,
        Side::After,
        format!("what-if: {label}"),
        loaded_of(predicted),
    )
    .await;
    outcome.set(Outcome::Done(prediction));
}

/// The current value of every known key in the starting scenario (for the controls).
/// One what-if control.
#[derive(Clone, Debug, PartialEq)]
struct Control {
    key: String,
    description: String,
    /// What values look like (`bytes (64m, 1g, …)`).
    hint: String,
    /// The starting value as `--set` spells it.
    current: String,
    /// The starting value for reading (sizes in MB/GB).
    shown: String,
}

/// The controls, with each key's value in the starting scenario.
fn controls_of(dash: Dash, start: &Start, cache: StoredValue<Option<Base>>) -> Vec<Control> {
    let mut c = cache.get_value();
    let scenario = base_for(dash, start, &mut c).ok().map(|b| b.scenario);
    cache.set_value(c);
    changes::known_keys()
        .into_iter()
        .map(|(k, d)| {
            let current = scenario
                .as_deref()
                .and_then(|s| changes::current(s, k))
                .unwrap_or_default();
            let hint = changes::value_hint(k).unwrap_or_default().to_string();
            let shown = match current.parse::<u64>() {
                Ok(b) if hint.starts_with("bytes") && b >= 1024 => {
                    format!("{} ({b})", format_bytes(b as f64))
                }
                _ => current.clone(),
            };
            Control {
                key: k.to_string(),
                description: d.to_string(),
                hint,
                current,
                shown,
            }
        })
        .collect()
}

/// The panel.
#[component]
pub fn WhatIfPanel(dash: Dash) -> impl IntoView {
    let outcome = RwSignal::new(Outcome::Idle);
    let cache: StoredValue<Option<Base>> = StoredValue::new(None);
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
                    leptos::task::spawn_local(simulate_now(dash, start, set, outcome, cache));
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
    let controls = Memo::new(move |_| {
        let start = dash.whatif.get().and_then(|s| Start::decode(&s));
        before_ready.track();
        start
            .map(|s| controls_of(dash, &s, cache))
            .unwrap_or_default()
    });
    let pick = move |value: String| {
        dash.whatif
            .set(if value.is_empty() { None } else { Some(value) });
        dash.whatif_set.set(Vec::new());
        cache.set_value(None);
        outcome.set(Outcome::Idle);
        if dash.whatif.get_untracked().is_some() {
            schedule();
        }
    };
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
                                view! {
                                    <dl class="facts" data-prediction="">
                                        {p.measured_s.map(|m| view! { <dt>"Measured"</dt><dd>{format_duration(m)}</dd> })}
                                        <dt>"Baseline (simulated, unchanged)"</dt>
                                        <dd data-field="baseline">{format_duration(p.baseline_s)}</dd>
                                        <dt>"Predicted"</dt>
                                        <dd data-field="predicted">{format!("{} ({} vs baseline)", format_duration(p.predicted_s), change(p.baseline_s, p.predicted_s))}</dd>
                                        <dt>"Status"</dt>
                                        <dd data-field="predicted-status">{p.error.clone().map_or_else(|| p.status.clone(), |e| format!("{}: {e}", p.status))}</dd>
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
        </section>
    }
}
