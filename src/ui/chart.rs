//! One view of one run: its canvas (drawn by `draw`), legend, tooltip, zoom by dragging, executor
//! picking by click, keyboard control, PNG export and a table of the numbers behind it.

use leptos::ev;
use leptos::prelude::*;

use super::dom;
use super::draw::time_range;
use super::state::{canvas_index, Dash, Hover, Side, TIMELINE};
use crate::analysis::profiles::{Profile, View};
use crate::render::hover::{executor_near, lane_at, rows_at, value_at};
use crate::render::{describe, format_time, format_value, Theme};

/// Rows of a tooltip at most (the emphasised executors first).
const TOOLTIP_ROWS: usize = 12;
/// Rows of the data table at most.
const TABLE_ROWS: usize = 120;

fn profile_of(dash: Dash, side: Side, view: View) -> Option<Profile> {
    dash.views[side.index()]
        .get_untracked()
        .and_then(|v| v.profile(view).cloned())
}

/// Device-pixel position of a mouse event in its canvas.
fn device_xy(ev: &ev::MouseEvent) -> (f64, f64, f64, f64) {
    let dpr = dom::device_pixel_ratio();
    let (x, y) = (ev.offset_x() as f64, ev.offset_y() as f64);
    (x, y, x * dpr, y * dpr)
}

fn toggle_selected(dash: Dash, side: Side, exec: Option<String>) {
    let sel = dash.selected[side.index()];
    match exec {
        Some(e) if sel.get_untracked().as_deref() != Some(e.as_str()) => sel.set(Some(e)),
        Some(_) => sel.set(None),
        None => {}
    }
}

/// Tooltip rows of a profile at `t`: whole-run lines, then the emphasised executors, then others.
fn tooltip_rows(dash: Dash, side: Side, profile: &Profile, t: f64) -> Vec<(String, String)> {
    let straggler = dash.slots[side.index()]
        .with_untracked(|s| s.ready().and_then(|r| r.straggler().map(str::to_string)));
    let selected = dash.selected[side.index()].get_untracked();
    let rank = |exec: &Option<String>| match exec.as_deref() {
        None => 0,
        e if e == selected.as_deref() => 1,
        e if e == straggler.as_deref() => 2,
        _ => 3,
    };
    let mut rows = rows_at(profile, t);
    crate::sorting::sort_by(&mut rows, |r| crate::sorting::Key::u(rank(&r.executor)));
    let extra = rows.len().saturating_sub(TOOLTIP_ROWS);
    let mut out: Vec<(String, String)> = rows
        .into_iter()
        .take(TOOLTIP_ROWS)
        .map(|r| (r.label, r.value))
        .collect();
    if extra > 0 {
        out.push((format!("… {extra} more"), String::new()));
    }
    // The measured run drawn over a prediction: its whole-run values at the same time.
    if let Some(under) = (side == Side::After)
        .then(|| dash.measured_under_prediction())
        .flatten()
    {
        let period_s = dash.views[side.index()]
            .get_untracked()
            .map_or(profile.period_s, |v| v.period_s);
        let measured = under.views(period_s);
        if let Some(m) = measured.profile(profile.view) {
            out.extend(
                rows_at(m, t)
                    .into_iter()
                    .filter(|r| r.executor.is_none())
                    .map(|r| (format!("measured: {}", r.label), r.value)),
            );
        }
    }
    out
}

/// A pointer position: CSS pixels (for the tooltip) and device pixels (for the plot).
#[derive(Clone, Copy)]
struct Pointer {
    x: f64,
    y: f64,
    px: f64,
    py: f64,
}

fn hover_at(dash: Dash, side: Side, canvas: usize, view: Option<View>, at: Pointer) {
    let Pointer { x, y, px, py } = at;
    let Some(area) = dash.areas.with_value(|a| a[side.index()][canvas]) else {
        return;
    };
    if !area.contains(px, area.top as f64 + 1.0) {
        dash.hover.set(None);
        return;
    }
    let t = area.time_at(px);
    let rows = match view {
        Some(v) => profile_of(dash, side, v)
            .map(|p| tooltip_rows(dash, side, &p, t))
            .unwrap_or_default(),
        None => dash.lanes.with_value(|l| {
            let lanes = &l[side.index()];
            match lane_at(
                lanes,
                &area,
                px,
                py.clamp(area.top as f64, area.bottom as f64 - 1.0),
            ) {
                Some(exec) => {
                    let lane = lanes.iter().find(|x| x.executor == exec);
                    let col = ((px - area.left as f64) / (area.right - area.left).max(1) as f64
                        * lane.map_or(1, |l| l.columns.len()) as f64)
                        as usize;
                    let cell = lane.and_then(|l| l.columns.get(col).copied().flatten());
                    let mut rows = vec![("executor".to_string(), exec.to_string())];
                    match cell {
                        Some((stage, share)) => {
                            let name = dash.slots[side.index()].with_untracked(|s| {
                                s.ready().and_then(|r| {
                                    r.run
                                        .stages
                                        .iter()
                                        .find(|st| st.id == stage)
                                        .map(|st| st.name.clone())
                                })
                            });
                            rows.push((
                                "stage".into(),
                                match name {
                                    Some(n) if !n.is_empty() => format!("{stage} · {n}"),
                                    _ => stage.to_string(),
                                },
                            ));
                            rows.push(("slots busy".into(), format!("{:.0}%", share * 100.0)));
                        }
                        None => rows.push(("".into(), "idle".into())),
                    }
                    rows
                }
                None => Vec::new(),
            }
        }),
    };
    dash.hover.set(Some(Hover {
        side,
        canvas,
        x,
        y,
        time: format_time(t),
        rows,
    }));
}

/// The table of values behind a profile, at most [`TABLE_ROWS`] times across the shown range.
fn data_table(profile: &Profile, x0: f64, x1: f64) -> impl IntoView {
    let header: Vec<String> = profile.lines.iter().map(|l| l.label.clone()).collect();
    let n = TABLE_ROWS.min(((x1 - x0) / profile.period_s.max(1e-9)).ceil().max(1.0) as usize);
    let rows: Vec<(String, Vec<String>)> = (0..=n)
        .map(|i| {
            let t = x0 + (x1 - x0) * i as f64 / n as f64;
            let cells = profile
                .lines
                .iter()
                .map(|l| {
                    value_at(l, t)
                        .map(|v| format_value(v, profile.unit_of(l)))
                        .unwrap_or_default()
                })
                .collect();
            (format_time(t), cells)
        })
        .collect();
    view! {
        <div class="table-scroll">
            <table>
                <thead>
                    <tr>
                        <th scope="col">"time"</th>
                        {header.into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|(t, cells)| {
                            view! {
                                <tr>
                                    <th scope="row">{t}</th>
                                    {cells.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The legend: whole-run lines with their colours, and every executor as a button that
/// highlights it in all views of the run.
#[component]
fn Legend(dash: Dash, side: Side, view: View) -> impl IntoView {
    // Built once per run (a chart box is rebuilt when its run changes); only the pressed state
    // follows the selection, so a highlight does not rebuild hundreds of buttons.
    let views = dash.views[side.index()].get_untracked();
    let profile = views.as_ref().and_then(|v| v.profile(view));
    let straggler = dash.slots[side.index()]
        .with_untracked(|s| s.ready().and_then(|r| r.straggler().map(str::to_string)));
    let th: Theme = if dash.dark.get_untracked() {
        Theme::dark()
    } else {
        Theme::light()
    };
    let mut whole: Vec<(String, String)> = profile
        .map(|p| {
            // Whole-run lines are coloured in their own order (as `render` draws them).
            p.lines
                .iter()
                .filter(|l| l.executor.is_none())
                .enumerate()
                .map(|(i, l)| (l.label.clone(), Theme::css(th.series[i % th.series.len()])))
                .collect()
        })
        .unwrap_or_default();
    // The stage spans along the top of job execution: in stage colours, failed attempts red.
    if profile.is_some_and(|p| !p.spans.is_empty()) {
        let label = if profile.is_some_and(|p| p.spans.iter().any(|s| s.failed)) {
            "stages (bars at the top; red: failed attempts)"
        } else {
            "stages (bars at the top)"
        };
        whole.push((label.to_string(), Theme::css(th.stages[0])));
    }
    // A prediction with its measurement drawn over it: how to tell them apart.
    let under = match side {
        Side::After => dash.measured_under_prediction(),
        Side::Before => None,
    }
    .map(|r| {
        format!(
            "dashed: measured After ({}), its end the dashed rule",
            crate::model::units::format_duration(r.run.meta.duration_s)
        )
    });
    let mut execs: Vec<String> = profile
        .map(|p| p.lines.iter().filter_map(|l| l.executor.clone()).collect())
        .unwrap_or_default();
    execs.dedup();
    view! {
        <ul class="legend">
            {whole
                .into_iter()
                .map(|(label, colour)| {
                    view! {
                        <li>
                            <span class="swatch" style:background-color=colour></span>
                            {label}
                        </li>
                    }
                })
                .collect_view()}
            {under.map(|label| view! {
                <li class="overlay" data-overlay="measured">
                    <span class="swatch dashed" style:border-color=Theme::css(th.text)></span>
                    {label}
                </li>
            })}
            {execs
                .into_iter()
                .map(|e| {
                    let is_straggler = straggler.as_deref() == Some(e.as_str());
                    let label = if crate::model::is_driver_id(&e) { "driver".to_string() } else { format!("executor {e}") };
                    let title = if is_straggler { format!("{label} (straggler)") } else { label.clone() };
                    let (exec, mine) = (e.clone(), e.clone());
                    let pressed = move || dash.selected[side.index()].with(|s| s.as_deref() == Some(mine.as_str()));
                    view! {
                        <li>
                            <button
                                class="exec"
                                class:straggler=is_straggler
                                class:selected=pressed.clone()
                                aria-pressed=move || pressed().to_string()
                                title=title
                                data-executor=e
                                on:click=move |_| toggle_selected(dash, side, Some(exec.clone()))
                            >
                                {label}
                            </button>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// Stages named in the task timeline's legend.
const STAGE_LEGEND_MAX: usize = 12;

/// The task timeline's stage colours: the longest stages, each a button that marks the stage in
/// the charts (as a click in the stage table does).
#[component]
fn StageLegend(dash: Dash, side: Side) -> impl IntoView {
    let th: Theme = if dash.dark.get_untracked() {
        Theme::dark()
    } else {
        Theme::light()
    };
    let (stages, more) = dash.slots[side.index()].with_untracked(|s| {
        s.ready()
            .map(|r| crate::render::timeline::stage_legend(&r.run, STAGE_LEGEND_MAX))
            .unwrap_or_default()
    });
    view! {
        <ul class="legend stages" aria-label=format!("{}: stages of the task timeline", side.title())>
            {stages
                .into_iter()
                .map(|(id, name)| {
                    let colour = Theme::css(th.stages[(id as usize) % th.stages.len()]);
                    let marked = move || dash.marked_stage[side.index()].get() == Some(id);
                    let title = format!("stage {id}: {name}");
                    view! {
                        <li>
                            <button
                                class="stage"
                                class:selected=marked
                                aria-pressed=move || marked().to_string()
                                title=title
                                data-stage=id
                                on:click=move |_| {
                                    let m = dash.marked_stage[side.index()];
                                    m.set(if m.get_untracked() == Some(id) { None } else { Some(id) });
                                }
                            >
                                <span class="swatch" style:background-color=colour></span>
                                {format!("stage {id}")}
                            </button>
                        </li>
                    }
                })
                .collect_view()}
            {(more > 0).then(|| view! { <li class="more">{format!("+{more} more in the stage table")}</li> })}
        </ul>
    }
}

/// The tooltip and cursor of a canvas.
#[component]
fn Tip(dash: Dash, side: Side, canvas: usize) -> impl IntoView {
    move || {
        let h = dash
            .hover
            .get()
            .filter(|h| h.side == side && h.canvas == canvas)?;
        let left = format!("{}px", h.x + 14.0);
        let top = format!("{}px", (h.y - 8.0).max(0.0));
        let cursor = format!("{}px", h.x);
        Some(view! {
            <div class="cursor" aria-hidden="true" style:left=cursor></div>
            <div class="tooltip" role="status" style:left=left style:top=top>
                <div class="tooltip-time">{h.time}</div>
                <table>
                    {h.rows
                        .into_iter()
                        .map(|(k, v)| view! { <tr><th scope="row">{k}</th><td>{v}</td></tr> })
                        .collect_view()}
                </table>
            </div>
        })
    }
}

/// One place that says aloud what the chart cursor shows (`aria-live`): the tooltips come and go
/// with the pointer, which screen readers do not announce reliably.
#[component]
pub fn CursorAnnouncer(dash: Dash) -> impl IntoView {
    let text = move || {
        let h = dash.hover.get()?;
        let chart = View::ALL
            .into_iter()
            .find(|v| canvas_index(*v) == h.canvas)
            .map_or("task timeline", |v| v.title());
        let values: Vec<String> = h.rows.iter().map(|(k, v)| format!("{k} {v}")).collect();
        Some(format!(
            "{}: {chart}, at {}: {}",
            h.side.title(),
            h.time,
            values.join("; ")
        ))
    };
    view! {
        <div class="visually-hidden" aria-live="polite" data-cursor-live="">{text}</div>
    }
}

/// Mouse and keyboard handling of one canvas (a view, or the timeline when `view` is none).
fn canvas_events(dash: Dash, side: Side, canvas: usize, view: Option<View>) -> impl IntoView {
    let drag: StoredValue<Option<f64>> = StoredValue::new(None);
    let node = dash.canvases[side.index()][canvas];
    let label = move || {
        let run = dash.slots[side.index()]
            .with(|s| s.ready().map(|r| r.run.display_name()))
            .unwrap_or_default();
        match view {
            Some(v) => dash.views[side.index()]
                .get()
                .and_then(|views| {
                    views
                        .profile(v)
                        .map(|p| describe(p, &format!("{} run {run}", side.as_str())))
                })
                .unwrap_or_default(),
            None => format!(
                "Task timeline, {} run {run}: a lane per executor, bars coloured by stage.",
                side.as_str()
            ),
        }
    };
    let keyboard_t: StoredValue<Option<f64>> = StoredValue::new(None);
    view! {
        <canvas
            node_ref=node
            class=if view.is_some() { "chart-canvas" } else { "timeline-canvas" }
            role="img"
            tabindex="0"
            aria-label=label
            on:mousemove=move |ev: ev::MouseEvent| {
                let (x, y, px, py) = device_xy(&ev);
                hover_at(dash, side, canvas, view, Pointer { x, y, px, py });
            }
            on:mouseleave=move |_| dash.hover.set(None)
            on:mousedown=move |ev: ev::MouseEvent| drag.set_value(Some(device_xy(&ev).2))
            on:mouseup=move |ev: ev::MouseEvent| {
                let (_, _, px, py) = device_xy(&ev);
                let start = drag.get_value();
                drag.set_value(None);
                let Some(area) = dash.areas.with_value(|a| a[side.index()][canvas]) else { return };
                match start {
                    Some(s) if (s - px).abs() > 6.0 * dom::device_pixel_ratio() => {
                        let (a, b) = (area.time_at(s.min(px)), area.time_at(s.max(px)));
                        if b - a > 1e-3 {
                            dash.window.set(Some((a.max(0.0), b)));
                        }
                    }
                    _ => {
                        let exec = match view {
                            Some(v) => profile_of(dash, side, v)
                                .and_then(|p| executor_near(&p, &area, px, py, 10.0 * dom::device_pixel_ratio())),
                            None => dash.lanes.with_value(|l| lane_at(&l[side.index()], &area, px, py).map(str::to_string)),
                        };
                        toggle_selected(dash, side, exec);
                    }
                }
            }
            on:dblclick=move |_| dash.window.set(None)
            on:keydown=move |ev: ev::KeyboardEvent| {
                let (x0, x1) = time_range(dash, side);
                let step = (x1 - x0) / 50.0;
                let Some(area) = dash.areas.with_value(|a| a[side.index()][canvas]) else { return };
                let t = keyboard_t.get_value().unwrap_or(x0);
                let key = ev.key();
                let next = match key.as_str() {
                    "ArrowRight" => Some((t + step).min(x1)),
                    "ArrowLeft" => Some((t - step).max(x0)),
                    "Home" => Some(x0),
                    "End" => Some(x1),
                    _ => None,
                };
                if let Some(t) = next {
                    ev.prevent_default();
                    keyboard_t.set_value(Some(t));
                    let dpr = dom::device_pixel_ratio();
                    let px = area.to_px(t, area.y1).0;
                    let py = (area.top + area.bottom) as f64 / 2.0;
                    hover_at(dash, side, canvas, view, Pointer { x: px / dpr, y: py / dpr, px, py });
                    return;
                }
                match key.as_str() {
                    "Escape" => {
                        dash.selected[side.index()].set(None);
                        dash.window.set(None);
                        dash.hover.set(None);
                    }
                    "+" | "=" => {
                        let c = keyboard_t.get_value().unwrap_or((x0 + x1) / 2.0);
                        let half = (x1 - x0) / 4.0;
                        dash.window.set(Some(((c - half).max(0.0), c + half)));
                    }
                    "-" => {
                        let half = x1 - x0;
                        let c = (x0 + x1) / 2.0;
                        let longest = dash.longest_s();
                        let (a, b) = ((c - half).max(0.0), (c + half).min(longest));
                        dash.window.set(if a <= 0.0 && b >= longest { None } else { Some((a, b)) });
                    }
                    "0" => dash.window.set(None),
                    _ => {}
                }
            }
        ></canvas>
    }
}

/// One view of one run.
#[component]
pub fn ChartBox(dash: Dash, side: Side, view: View) -> impl IntoView {
    let i = canvas_index(view);
    let table_open = RwSignal::new(false);
    let png = move |canvas: usize, suffix: &'static str| {
        if let Some(c) = dash.canvases[side.index()][canvas].get_untracked() {
            if let Ok(url) = c.to_data_url() {
                let _ =
                    dom::download_url(&format!("runlens-{}-{}.png", side.as_str(), suffix), &url);
            }
        }
    };
    let note = dash.views[side.index()]
        .get_untracked()
        .and_then(|v| v.profile(view).map(|p| p.note.clone()));
    // The box is rebuilt when its run changes: what depends on the run alone is read once.
    // A timeline lane per executor that ran tasks: 14 px each, between 60 and 480 px in all.
    let lanes = dash.slots[side.index()].with_untracked(|s| {
        s.ready()
            .map_or(0, |r| r.run.tasks.distinct_executors().len())
    });
    // A what-if's prediction in the After column says so on every chart.
    let predicted = dash.slots[side.index()].with_untracked(|s| {
        s.ready()
            .is_some_and(|r| r.source.starts_with(super::whatif::WHATIF_SOURCE))
    });
    let title = if predicted {
        format!("{} — predicted", side.title())
    } else {
        side.title().to_string()
    };
    let timeline_height = format!("{}px", (lanes as f64 * 14.0 + 8.0).clamp(60.0, 480.0));
    view! {
        <figure class="chart" data-view=view.as_str() data-run=side.as_str()>
            <figcaption>
                <span class="chart-title">{title}</span>
                <button
                    class="link"
                    title="Download this chart as a PNG image"
                    aria-label=format!("PNG of {}: {}", side.title(), view.title())
                    on:click=move |_| png(i, view.as_str())
                >
                    "PNG"
                </button>
            </figcaption>
            <div class="plot">
                {canvas_events(dash, side, i, Some(view))}
                <Tip dash=dash side=side canvas=i />
            </div>
            {(view == View::Execution && lanes > 0).then(|| view! {
                <div class="plot timeline" style:height=timeline_height>
                    {canvas_events(dash, side, TIMELINE, None)}
                    <Tip dash=dash side=side canvas=TIMELINE />
                </div>
                <StageLegend dash=dash side=side />
            })}
            <Legend dash=dash side=side view=view />
            <p class="note">{note}</p>
            <details class="data" on:toggle=move |ev: ev::Event| {
                table_open.set(event_target::<web_sys::HtmlDetailsElement>(&ev).open());
            }>
                <summary>"Table of values"</summary>
                {move || {
                    if !table_open.get() {
                        return None;
                    }
                    // Track the zoom and fit mode: the table follows the charts.
                    let _ = (dash.window.get(), dash.fit.get());
                    let (x0, x1) = time_range(dash, side);
                    dash.views[side.index()].get().and_then(|v| v.profile(view).map(|p| data_table(p, x0, x1)))
                }}
            </details>
        </figure>
    }
}
