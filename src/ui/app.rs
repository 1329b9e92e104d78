//! The compare page: two runs side by side in the four profile views.

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::chart::ChartBox;
use super::draw;
use super::loader::{load_files, load_url};
use super::state::{Dash, Side, Slot};
use super::summary::{Findings, StragglerCallout, SummaryTable};
use super::{dom, dropped, urlstate};
use crate::analysis::profiles::View;
use crate::ingest::run_file;
use crate::model::units::{format_bytes, format_duration};
use crate::model::Run;

/// The built-in example runs (`examples/`, copied into the site by Trunk), as
/// `(side, URL relative to the page)`.
pub const EXAMPLES: [(&str, &str); 2] = [
    ("before", "examples/s1-before.run.json"),
    ("after", "examples/s1-after.run.json"),
];

/// What a column's header shows of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSummary {
    /// [`Run::display_name`].
    pub name: String,
    /// `succeeded`, `failed` or `incomplete`.
    pub status: &'static str,
    /// The run's wall time, formatted.
    pub duration: String,
    /// Number of task ends, with thousands separators.
    pub tasks: String,
}

impl RunSummary {
    /// The summary of `run`.
    pub fn of(run: &Run) -> RunSummary {
        RunSummary {
            name: run.display_name(),
            status: run.meta.status.as_str(),
            duration: format_duration(run.meta.duration_s),
            // Task-end events, as the History Server and `summarize` count them.
            tasks: thousands(run.tasks.iter().map(|t| t.end_events()).sum()),
        }
    }
}

/// `1548` → `1,548`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Which stage a slot is in, so effects can follow loads without following progress ticks.
fn phase(slot: &Slot) -> u8 {
    match slot {
        Slot::Empty => 0,
        Slot::Loading(_) => 1,
        Slot::Ready(_) => 2,
        Slot::Failed(_) => 3,
        Slot::Choose(_) => 4,
        Slot::Split(_) => 5,
    }
}

/// The page.
#[component]
pub fn App() -> impl IntoView {
    let params = urlstate::read();
    let dash = Dash::new(params.embed, params.run.is_some());

    // Theme: follow the system, live.
    if let Some(mql) = dom::prefers_dark() {
        dash.dark.set(mql.matches());
        let cb = wasm_bindgen::closure::Closure::<dyn Fn(web_sys::MediaQueryListEvent)>::new(
            move |e: web_sys::MediaQueryListEvent| dash.dark.set(e.matches()),
        );
        let _ = mql.add_event_listener_with_callback("change", cb.as_ref().unchecked_ref());
        cb.forget();
    }
    let _resize = window_event_listener(ev::resize, move |_| dash.layout_tick.update(|t| *t += 1));

    // Loads: URL parameters, else the built-in example.
    let preset_example = params.example.as_deref() == Some("glue-coalesce");
    match (&params.run, &params.before, &params.after) {
        (Some(run), _, _) => load_url(dash, Side::Before, run.clone()),
        _ if preset_example => {
            super::loader::load_preset(dash, Side::Before, "glue-coalesce-before");
            super::loader::load_preset(dash, Side::After, "glue-coalesce-after");
        }
        (None, None, None)
            if params
                .whatif
                .as_deref()
                .is_some_and(|w| w.starts_with("preset:")) => {}
        (None, None, None) => {
            dash.hold.set_value(true);
            for (side, url) in EXAMPLES {
                let side = if side == "before" {
                    Side::Before
                } else {
                    Side::After
                };
                // The built-in examples are the page's default: not in its address.
                super::loader::load_example(dash, side, url);
            }
        }
        (None, b, a) => {
            dash.hold.set_value(b.is_some() && a.is_some());
            if let Some(b) = b {
                load_url(dash, Side::Before, b.clone());
            }
            if let Some(a) = a {
                load_url(dash, Side::After, a.clone());
            }
        }
    }
    urlstate::apply(dash, &params);
    // The CPU view is shown only when a run on screen has CPU metrics (Glue's CloudWatch).
    let has_cpu = Memo::new(move |_| {
        dash.views.iter().any(|v| {
            v.with(|v| {
                v.as_ref()
                    .and_then(|v| v.profile(View::Cpu))
                    .is_some_and(|p| !p.lines.is_empty())
            })
        })
    });

    // One redraw per frame for whatever changed.
    let phases = dash.slots.map(|s| Memo::new(move |_| s.with(phase)));
    let pending = StoredValue::new(false);
    let first_wait = StoredValue::new(false);
    Effect::new(move |_| {
        for (i, phase) in phases.iter().enumerate() {
            dash.views[i].track();
            dash.selected[i].track();
            dash.marked_stage[i].track();
            phase.track();
        }
        dash.fit.track();
        dash.window.track();
        dash.dark.track();
        dash.layout_tick.track();
        // The first render waits for every column to settle (one draw instead of two), unless a
        // load takes long: then what is ready is drawn after a moment.
        let loading = dash.sides().iter().any(|s| phases[s.index()].get() == 1);
        if loading && !dash.rendered.get_value() {
            if !first_wait.get_value() {
                first_wait.set_value(true);
                set_timeout(
                    move || draw::draw(dash, None),
                    std::time::Duration::from_millis(800),
                );
            }
            return;
        }
        if !pending.get_value() {
            pending.set_value(true);
            request_animation_frame(move || {
                pending.set_value(false);
                draw::draw(dash, None);
            });
        }
    });
    Effect::new(move |_| urlstate::write(dash, &params));

    let on_drop = move |ev: ev::DragEvent| {
        ev.prevent_default();
        let target = dash
            .sides()
            .iter()
            .copied()
            .find(|s| {
                dash.slots[s.index()].with_untracked(|x| {
                    matches!(
                        x,
                        Slot::Empty | Slot::Failed(_) | Slot::Choose(_) | Slot::Split(_)
                    )
                })
            })
            .unwrap_or(if dash.single {
                Side::Before
            } else {
                Side::After
            });
        dropped::files(ev, move |files| load_files(dash, target, files));
    };

    view! {
        <div class="page" class:embed=dash.embed on:dragover=|ev: ev::DragEvent| ev.prevent_default() on:drop=on_drop>
            {(!dash.embed).then(|| view! {
                <header class="top">
                    <h1>"Runlens"</h1>
                    <p class="tagline">"Profiling for Apache Spark and AWS Glue runs — your files never leave this browser."</p>
                    <div class="controls">
                        <label class="toggle">
                            <input
                                type="checkbox"
                                prop:checked=move || dash.fit.get()
                                on:change=move |ev| dash.fit.set(event_target_checked(&ev))
                            />
                            " Fit each run to its width"
                        </label>
                        {move || {
                            // Runs of very different lengths on one time scale: the short one is a
                            // sliver; say how to see it.
                            let d: Vec<f64> = dash.slots.iter().filter_map(|s| s.with(|s| s.ready().map(|r| r.run.meta.duration_s))).collect();
                            let ratio = match d.as_slice() {
                                [a, b] if a.min(*b) > 0.0 => a.max(*b) / a.min(*b),
                                _ => 1.0,
                            };
                            (ratio >= 10.0 && !dash.fit.get()).then(|| view! {
                                <span class="hint" data-fit-hint="">{format!("The runs differ {ratio:.0}× in length: fit each to see the shorter one.")}</span>
                            })
                        }}
                        {move || dash.window.get().map(|(a, b)| view! {
                            <button class="link" on:click=move |_| dash.window.set(None)>
                                {format!("Zoomed to {}–{}: show all", crate::model::units::format_clock(a), crate::model::units::format_clock(b))}
                            </button>
                        })}
                    </div>
                </header>
                <section class="runs" aria-label="Runs">
                    {dash.sides().iter().map(|&side| view! { <RunColumn dash=dash side=side /> }).collect_view()}
                </section>
                <nav class="examples" aria-label="Examples">
                    "Examples: "
                    <a href="?">"S1 — coalesce(1) straggler, real Spark logs"</a>
                    " · "
                    <a href="?example=glue-coalesce">"AWS Glue coalesce(1) vs grouping, simulated"</a>
                    " · "
                    <a href="?whatif=preset:q80-local-shuffle&set=glue.shuffleStorage%3Ds3">"q80: local disk vs S3 shuffle, simulated"</a>
                </nav>
                <SummaryTable dash=dash />
                <super::timewent::WhereTheTimeWent dash=dash />
                <super::chart::CursorAnnouncer dash=dash />
                <super::whatif::WhatIfPanel dash=dash />
                <section class="insights">
                    {dash.sides().iter().map(|&side| view! {
                        <div class="insight" data-run=side.as_str()>
                            <StragglerCallout dash=dash side=side />
                            <Findings dash=dash side=side />
                        </div>
                    }).collect_view()}
                </section>
            })}
            {dash.embed.then(|| view! { <EmbedHeader dash=dash /> })}
            <main class="views" class:single=dash.single>
                {View::ALL.iter().filter(|v| **v != View::Cpu).map(|&view| view_row(dash, view)).collect_view()}
                {move || has_cpu.get().then(|| view_row(dash, View::Cpu))}
            </main>
            {(!dash.embed).then(|| view! { <super::tables::TablesPanel dash=dash /> })}
            {(!dash.embed).then(|| view! {
                <footer>
                    <p>
                        "Runlens reads Spark event logs (plain, zstd, lz4, snappy, lzf, gzip; rolling folders), CloudWatch exports of Glue job metrics and Runlens run files, all in this page. "
                        "Drop a file on a column, or link runs with "<code>"?before=URL&after=URL"</code>"."
                    </p>
                    <p>
                        "Every run of every job: the "<a href="?fleet=">"fleet page"</a>" opens the rows of "<code>"python -m runlens.fleet"</code>" ("<code>"?fleet=URL"</code>")."
                    </p>
                </footer>
            })}
        </div>
    }
}

/// One column's header: the run's name and facts, or its load progress or error, and the
/// controls to load another run into it or save it.
#[component]
fn RunColumn(dash: Dash, side: Side) -> impl IntoView {
    let slot = dash.slots[side.index()];
    let url = RwSignal::new(String::new());
    let on_pick = move |ev: ev::Event| {
        let input = event_target::<web_sys::HtmlInputElement>(&ev);
        let files = input
            .files()
            .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
            .unwrap_or_default();
        load_files(dash, side, files);
        input.set_value("");
    };
    // Drags over the column (enter and leave fire for its children too: counted).
    let over = RwSignal::new(0i32);
    let on_drop = move |ev: ev::DragEvent| {
        ev.prevent_default();
        ev.stop_propagation();
        over.set(0);
        dropped::files(ev, move |files| load_files(dash, side, files));
    };
    let on_enter = move |e: ev::DragEvent| {
        e.prevent_default();
        over.update(|n| *n += 1);
    };
    let save = move |_| {
        if let Some(r) = slot.with_untracked(|s| s.ready()) {
            let name = r
                .run
                .display_name()
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect::<String>();
            let _ = dom::download_bytes(
                &format!("{name}.run.json"),
                "application/json",
                &run_file::to_vec(&r.run),
            );
        }
    };
    view! {
        <section
            class="run"
            data-run=side.as_str()
            aria-busy=move || slot.with(|s| s.is_loading()).to_string()
            class=("drop-target", move || over.get() > 0)
            on:dragenter=on_enter
            on:dragleave=move |_| over.update(|n| *n = (*n - 1).max(0))
            on:dragover=|ev: ev::DragEvent| ev.prevent_default()
            on:drop=on_drop
        >
            <h2>{side.title()}</h2>
            {move || match slot.get() {
                Slot::Empty => view! { <p class="hint">"Drop a run here, or pick one below."</p> }.into_any(),
                Slot::Loading(p) => {
                    let total = p.total.filter(|t| *t > 0);
                    let left = total.map(|t| if p.rate > 0.0 { format!(" · {} left", format_duration((t.saturating_sub(p.read)) as f64 / p.rate)) } else { String::new() });
                    view! {
                        <div class="progress" role="status">
                            <p>{format!("Reading {}", p.name)}</p>
                            <progress max=total.unwrap_or(0) as f64 value=p.read as f64></progress>
                            <p class="progress-text">
                                {format!(
                                    "{}{}{} · {}/s{}",
                                    format_bytes(p.read as f64),
                                    total.map(|t| format!(" of {}", format_bytes(t as f64))).unwrap_or_default(),
                                    // Compressed input: how much it has expanded to, so a bomb is visible.
                                    if p.decoded > p.read { format!(" ({} decompressed)", format_bytes(p.decoded as f64)) } else { String::new() },
                                    format_bytes(p.rate),
                                    left.unwrap_or_default()
                                )}
                            </p>
                            <button on:click=move |_| { dash.cancel_load(side); dash.urls[side.index()].set(None); slot.set(Slot::Empty); }>"Cancel"</button>
                        </div>
                    }
                    .into_any()
                }
                Slot::Ready(r) => {
                    let s = RunSummary::of(&r.run);
                    let platform = r.analysis.platform.as_ref().map(|p| (p.label(), p.evidence.clone()));
                    view! {
                        <p class="run-name" data-field="name">{s.name}</p>
                        <p class="source">
                            {format!("{} · {}", r.format.as_str(), r.source)}
                            {r.run.meta.simulated.then(|| view! { <span class="badge">"simulated"</span> })}
                            // A link to this page cannot bring a file from this computer along.
                            {let simulated = r.run.meta.simulated; move || (!simulated && dash.urls[side.index()].get().is_none()).then(|| view! {
                                <span class="badge" data-local="">"local file, not in the link"</span>
                            })}
                        </p>
                        <dl class="facts">
                            <dt>"Status"</dt>
                            <dd data-field="status">{s.status}</dd>
                            <dt>"Duration"</dt>
                            <dd data-field="duration">{s.duration}</dd>
                            <dt>"Tasks"</dt>
                            <dd data-field="tasks">{s.tasks}</dd>
                            {platform.map(|(label, evidence)| view! {
                                <dt>"Platform"</dt>
                                <dd data-field="platform" title=format!("From {evidence}")>{label}</dd>
                            })}
                        </dl>
                    }
                    .into_any()
                }
                Slot::Failed(e) => view! {
                    <p class="error" role="alert" data-error="" data-run=side.as_str()>{e}</p>
                }
                .into_any(),
                Slot::Choose(c) => view! { <ChooseRun dash=dash side=side choice=c /> }.into_any(),
                Slot::Split(names) => {
                    let other = if side == Side::Before { Side::After } else { Side::Before };
                    let (a, b) = (names[0].clone(), names[1].clone());
                    let straight = format!("{a} in {}, {b} in {}", side.title(), other.title());
                    let swapped = format!("{b} in {}, {a} in {}", side.title(), other.title());
                    view! {
                        <div class="choose" data-split="">
                            <p>{format!("{a} and {b} are two runs, not one. Put one in each column?")}</p>
                            <p class="pick">
                                <button data-split-pick="straight" on:click=move |_| super::loader::split_files(dash, side, false)>{straight}</button>
                                " "
                                <button data-split-pick="swapped" on:click=move |_| super::loader::split_files(dash, side, true)>{swapped}</button>
                            </p>
                        </div>
                    }
                    .into_any()
                }
            }}
            <div class="load-controls">
                <label class="button">
                    "Open files…"
                    <input type="file" multiple class="visually-hidden" on:change=on_pick />
                </label>
                <label class="button">
                    "Open folder…"
                    <input type="file" multiple prop:webkitdirectory=true class="visually-hidden" on:change=on_pick />
                </label>
                <form class="url-form" on:submit=move |ev: ev::SubmitEvent| {
                    ev.prevent_default();
                    let u = url.get_untracked();
                    if !u.trim().is_empty() {
                        load_url(dash, side, u);
                    }
                }>
                    // Text, not type=url: relative URLs (resolved against the page) are welcome.
                    <input
                        type="text"
                        inputmode="url"
                        placeholder="https://…/event-log.zstd"
                        aria-label=format!("URL of the {} run", side.as_str())
                        prop:value=move || url.get()
                        on:input=move |ev| url.set(event_target_value(&ev))
                    />
                    <button type="submit">"Load"</button>
                </form>
                {move || slot.with(|s| s.ready().is_some()).then(|| view! {
                    <button class="link" on:click=save title="Save this run as a runlens/run@1 file">"Save run file"</button>
                })}
            </div>
        </section>
    }
}

/// The runs of an archive, for the user to pick the one this column shows.
#[component]
fn ChooseRun(
    dash: Dash,
    side: Side,
    choice: std::sync::Arc<super::state::Choice>,
) -> impl IntoView {
    let n = choice.runs.len();
    let rows = choice
        .runs
        .iter()
        .enumerate()
        .map(|(i, (entry, run))| {
            let s = RunSummary::of(&run.run);
            let m = &run.run.meta;
            let facts = [
                Some(entry.clone()),
                m.app_id.clone(),
                m.attempt_id.as_ref().map(|a| format!("attempt {a}")),
                Some(s.duration.clone()),
                Some(format!("{} tasks", s.tasks)),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ");
            let targets: Vec<Side> = if dash.single {
                vec![side]
            } else {
                vec![side, if side == Side::Before { Side::After } else { Side::Before }]
            };
            let c = choice.clone();
            view! {
                <li data-entry=entry.clone()>
                    <span class="run-name">{s.name}</span>
                    <span class="source">{facts}</span>
                    <span class="pick">
                        {targets.into_iter().map(|to| {
                            let c = c.clone();
                            let label = if to == side { "Show here".to_string() } else { format!("Show in {}", to.title()) };
                            view! {
                                <button data-pick=to.as_str() on:click=move |_| super::loader::choose(dash, side, to, &c, i)>{label}</button>
                            }
                        }).collect_view()}
                    </span>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="choose" data-choose="">
            <p>{format!("{} holds {n} runs. Which one goes here?", choice.archive)}</p>
            <ul>{rows}</ul>
        </div>
    }
}

/// The page's address without `embed=1`: the full view of what an embedded page shows.
fn full_view_url() -> String {
    let Some(href) = web_sys::window().and_then(|w| w.location().href().ok()) else {
        return "./".into();
    };
    match web_sys::Url::new(&href) {
        Ok(u) => {
            u.search_params().delete("embed");
            u.href()
        }
        Err(_) => href,
    }
}

/// What an embedded page (`embed=1`) shows above its charts: the runs' names, the speed-up and a
/// link to the full view.
#[component]
fn EmbedHeader(dash: Dash) -> impl IntoView {
    let names = move || {
        dash.sides()
            .iter()
            .map(|&side| {
                let name = dash.slots[side.index()].with(|s| match s {
                    Slot::Ready(r) => r.run.display_name(),
                    Slot::Loading(_) => "loading…".to_string(),
                    Slot::Failed(_) => "could not be read".to_string(),
                    Slot::Empty | Slot::Choose(_) | Slot::Split(_) => "no run".to_string(),
                });
                view! {
                    <span class="embed-run" data-run=side.as_str()>
                        <strong>{side.title()} ": "</strong>{name}
                    </span>
                }
            })
            .collect_view()
    };
    let change = move || {
        let d = |s: Side| dash.slots[s.index()].with(|x| x.ready().map(|r| r.run.meta.duration_s));
        match (d(Side::Before), d(Side::After)) {
            (Some(b), Some(a)) if !dash.single => super::summary::speed_up(b, a),
            _ => None,
        }
        .map(|c| view! { <span class="speedup" data-speedup="">{c}</span> })
    };
    view! {
        <header class="embed-head" aria-label="Runs">
            <span class="embed-runs">{names}</span>
            {change}
            <a
                class="embed-link"
                href=full_view_url()
                target="_blank"
                rel="noopener"
                // The view may have changed since the link was drawn (zoom, highlight).
                on:click=|ev: ev::MouseEvent| {
                    if let Some(a) = ev
                        .current_target()
                        .and_then(|t| t.dyn_into::<web_sys::HtmlAnchorElement>().ok())
                    {
                        a.set_href(&full_view_url());
                    }
                }
            >"Open the full view in Runlens ↗"</a>
        </header>
    }
}

/// One view's row: its title and a chart box per column.
fn view_row(dash: Dash, view: View) -> impl IntoView {
    view! {
                    <section class="view-row" aria-label=view.title()>
                        <h2>{view.title()}</h2>
                        <div class="pair">
                            {dash.sides().iter().map(|&side| {
                                let ready = Memo::new(move |_| dash.slots[side.index()].with(|s| s.ready().is_some()));
                                let ident = Memo::new(move |_| dash.slots[side.index()].with(|s| s.ready().map(|r| std::sync::Arc::as_ptr(&r) as usize)));
                                view! {
                                    <div class="cell" data-run=side.as_str()>
                                        {move || {
                                            ident.track();
                                            if ready.get() {
                                                view! { <ChartBox dash=dash side=side view=view /> }.into_any()
                                            } else {
                                                view! { <p class="empty">{side.title()} ": no run"</p> }.into_any()
                                            }
                                        }}
                                    </div>
                                }
                            }).collect_view()}
                        </div>
                    </section>
    }
}
