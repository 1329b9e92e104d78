//! The summary header (both runs' figures side by side, with the speed-up), the straggler
//! callouts and the findings.

use std::sync::Arc;

use leptos::prelude::*;

use super::state::{Dash, LoadedRun, Side};
use crate::analysis::findings::Severity;
use crate::model::units::{format_bytes, format_clock, format_duration};

fn bytes(v: Option<u64>) -> String {
    v.map_or_else(|| "–".into(), |b| format_bytes(b as f64))
}

fn count(v: Option<u64>) -> String {
    v.map_or_else(|| "–".into(), super::app::thousands)
}

/// One row of the summary table: a label and a value per run.
struct Row {
    label: &'static str,
    values: Vec<String>,
}

fn rows(runs: &[Option<Arc<LoadedRun>>], price: f64) -> Vec<Row> {
    let cell = |f: &dyn Fn(&LoadedRun) -> String| {
        runs.iter()
            .map(|r| r.as_deref().map_or_else(|| "–".into(), f))
            .collect()
    };
    vec![
        Row {
            label: "Duration",
            values: cell(&|r| format_duration(r.run.meta.duration_s)),
        },
        Row {
            label: "Status",
            values: cell(&|r| match &r.run.meta.error {
                Some(e) => format!(
                    "{}: {}",
                    r.run.meta.status.as_str(),
                    crate::analysis::summary::short_error(e)
                ),
                None => r.run.meta.status.as_str().to_string(),
            }),
        },
        Row {
            label: "Bytes read",
            values: cell(&|r| bytes(r.analysis.totals.input_bytes)),
        },
        Row {
            label: "Bytes written",
            values: cell(&|r| bytes(r.analysis.totals.output_bytes)),
        },
        Row {
            label: "Shuffle written / read",
            values: cell(&|r| {
                format!(
                    "{} / {}",
                    bytes(r.analysis.totals.shuffle_write_bytes),
                    bytes(r.analysis.totals.shuffle_read_bytes)
                )
            }),
        },
        Row {
            label: "Spill (memory / disk)",
            values: cell(&|r| {
                format!(
                    "{} / {}",
                    bytes(r.analysis.totals.memory_spill_bytes),
                    bytes(r.analysis.totals.disk_spill_bytes)
                )
            }),
        },
        Row {
            label: "Stages / tasks (failed)",
            values: cell(&|r| {
                let t = &r.analysis.totals;
                format!(
                    "{} / {} ({})",
                    count(t.stages),
                    count(t.tasks),
                    count(t.failed_tasks)
                )
            }),
        },
        Row {
            label: "Peak executors",
            values: cell(&|r| r.analysis.totals.peak_executors.to_string()),
        },
        Row {
            label: "Executor-hours",
            values: cell(&|r| format!("{:.2}", r.analysis.totals.executor_hours)),
        },
        Row {
            label: "DPU-hours, cost",
            values: cell(&|r| {
                let c = crate::analysis::summary::cost(&r.run, &r.analysis.totals, price);
                format!("{:.2}, ${:.2}", c.dpu_hours, c.usd)
            }),
        },
    ]
}

/// "4.3× faster" / "1.4× slower" from before to after.
pub fn speed_up(before_s: f64, after_s: f64) -> Option<String> {
    if !(before_s > 0.0 && after_s > 0.0) {
        return None;
    }
    let r = before_s / after_s;
    Some(if r >= 1.0 {
        format!("{r:.1}× faster")
    } else {
        format!("{:.1}× slower", 1.0 / r)
    })
}

/// The summary table.
#[component]
pub fn SummaryTable(dash: Dash) -> impl IntoView {
    // The price as typed is not a price: said beside the field until it is one.
    let bad_price = RwSignal::new(false);
    move || {
        let runs: Vec<Option<Arc<LoadedRun>>> = dash
            .sides()
            .iter()
            .map(|s| dash.slots[s.index()].with(|slot| slot.ready()))
            .collect();
        if runs.iter().all(Option::is_none) {
            return None;
        }
        let sides = dash.sides();
        let change = match (
            &runs.first().cloned().flatten(),
            &runs.get(1).cloned().flatten(),
        ) {
            (Some(b), Some(a)) => speed_up(b.run.meta.duration_s, a.run.meta.duration_s),
            _ => None,
        };
        let cost_cells: Vec<String> = runs
            .iter()
            .map(|r| {
                r.as_ref()
                    .map(|r| r.analysis.cost.basis.clone())
                    .unwrap_or_default()
            })
            .collect();
        Some(view! {
            <section class="summary" aria-label="Summary">
                <table class="summary-table">
                    <thead>
                        <tr>
                            <th scope="col"></th>
                            {sides.iter().map(|s| view! { <th scope="col">{s.title()}</th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        // Only the rows follow the price: the field being typed in stays.
                        {let runs = runs.clone(); move || rows(&runs, dash.price.get())
                            .into_iter()
                            .map(|row| {
                                view! {
                                    <tr>
                                        <th scope="row">{row.label}</th>
                                        {row.values.into_iter().map(|v| view! { <td>{v}</td> }).collect_view()}
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
                {change.map(|c| view! { <p class="speedup" data-speedup="">{c}</p> })}
                <p class="cost-basis">
                    {cost_cells.into_iter().find(|c| !c.is_empty()).map(|c| format!("Cost: {c}, at "))}
                    <label>
                        "$"
                        <input
                            class="price"
                            type="number"
                            min="0"
                            step="0.01"
                            aria-label="Price of a DPU-hour, US dollars"
                            prop:value=move || format!("{:.2}", dash.price.get_untracked())
                            aria-invalid=move || if bad_price.get() { "true" } else { "false" }
                            on:input=move |ev| {
                                // Applies as typed; what is not a price is refused, visibly.
                                match event_target_value(&ev).trim().parse::<f64>() {
                                    Ok(p) if p.is_finite() && p >= 0.0 => {
                                        bad_price.set(false);
                                        dash.price.set(p);
                                    }
                                    _ => bad_price.set(true),
                                }
                            }
                        />
                        " per DPU-hour"
                    </label>
                    {move || bad_price.get().then(|| view! {
                        <span class="price-error" role="alert">
                            " A price is a number of dollars, 0 or more: the costs above still use "
                            {format!("${:.2}", dash.price.get())}
                            "."
                        </span>
                    })}
                </p>
            </section>
        })
    }
}

/// The straggler callout of a run: which executor, which stage/task, when, how much longer than
/// its peers, why, and what to try. Absent when the analysis finds none.
#[component]
pub fn StragglerCallout(dash: Dash, side: Side) -> impl IntoView {
    move || {
        let loaded = dash.slots[side.index()].with(|s| s.ready())?;
        let s = loaded.analysis.straggler.clone()?;
        let peers = s.peer_median_s.map(|m| {
            if m > 0.0 {
                format!(
                    "{:.1}× its stage's median task ({})",
                    s.duration_s / m,
                    format_duration(m)
                )
            } else {
                String::new()
            }
        });
        let data = s
            .data_ratio
            .filter(|r| *r >= 1.5)
            .map(|r| format!("{r:.1}× the median partition's data"));
        let exec = s.executor.clone();
        let selected =
            Memo::new(move |_| dash.selected[side.index()].get().as_deref() == Some(exec.as_str()));
        let exec_click = s.executor.clone();
        Some(view! {
            <aside
                class="callout"
                data-straggler=""
                data-run=side.as_str()
                data-executor=s.executor.clone()
                aria-label=format!("Straggler of the {} run", side.as_str())
            >
                <h3>
                    "Straggler: executor " {s.executor.clone()}
                    <span class="cause">{s.cause.as_str()}</span>
                </h3>
                <p>{s.explanation.clone()}</p>
                <ul class="callout-facts">
                    {s.stage.map(|st| view! { <li>"Stage " {st} {s.task.map(|t| format!(", task {t}"))}</li> })}
                    <li>{format!("From {} to {} ({})", format_clock(s.start_s), format_clock(s.end_s), format_duration(s.end_s - s.start_s))}</li>
                    {(s.lone_s > 0.0).then(|| view! { <li>{format!("Alone for {} while {} other slot(s) idled or were released", format_duration(s.lone_s), s.idle_slots)}</li> })}
                    {peers.filter(|p| !p.is_empty()).map(|p| view! { <li>{format!("Took {p}")}</li> })}
                    {data.map(|d| view! { <li>{format!("Read {d}")}</li> })}
                    <li>{format!("Cost the job about {}", format_duration(s.excess_s))}</li>
                </ul>
                <p class="advice"><strong>"Try: "</strong>{s.advice.clone()}</p>
                <button class="link" aria-pressed=move || selected.get().to_string() on:click=move |_| {
                    let sel = dash.selected[side.index()];
                    if sel.get_untracked().as_deref() == Some(exec_click.as_str()) {
                        sel.set(None);
                    } else {
                        sel.set(Some(exec_click.clone()));
                    }
                }>
                    {move || if selected.get() { "Stop highlighting" } else { "Highlight in every view" }}
                </button>
            </aside>
        })
    }
}

/// The findings of a run (the straggler has its own callout).
#[component]
pub fn Findings(dash: Dash, side: Side) -> impl IntoView {
    move || {
        let loaded = dash.slots[side.index()].with(|s| s.ready())?;
        dash.tables_tick.track();
        let made = loaded.findings();
        if made.is_none() && dash.first_rendered.get() {
            // A run the page read itself: a worker makes its findings, after the first render.
            dash.ask_tables(&loaded);
        }
        let items: Vec<_> = made
            .unwrap_or_default()
            .iter()
            .filter(|f| f.kind != "straggler" && f.kind != "cost")
            .cloned()
            .collect();
        let warnings = loaded.run.warnings.clone();
        let none = made.is_some() && items.is_empty();
        let pending = made.is_none();
        Some(view! {
            <div class="findings">
                <h3>{format!("{}: findings", side.title())}</h3>
                {none.then(|| view! { <p class="none" data-none="">"None found."</p> })}
                {pending.then(|| view! { <p class="none" data-pending="">"Looking for findings…"</p> })}
                <ul>
                    {items
                        .into_iter()
                        .map(|f| {
                            let class = match f.severity {
                                Severity::Critical => "finding critical",
                                Severity::Warning => "finding warning",
                                Severity::Info => "finding info",
                            };
                            view! {
                                <li class=class data-finding=f.kind>
                                    <strong>{f.title}</strong>
                                    " "
                                    <span>{f.detail}</span>
                                    {f.advice.map(|a| view! { <span class="advice">" Try: " {a}</span> })}
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
                {(!warnings.is_empty()).then(|| view! {
                    <details class="warnings">
                        <summary>{format!("{} warning(s) while reading", warnings.len())}</summary>
                        <ul>{warnings.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}</ul>
                    </details>
                })}
            </div>
        })
    }
}
