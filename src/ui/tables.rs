//! The tables Spark users rely on, per run (stages, executors, failed tasks, jobs, SQL), sortable,
//! in the charts' units. The figures are the core's (`analysis::tables`); this only lays them out.

use std::sync::Arc;

use leptos::prelude::*;

use super::state::{Dash, Side};
use crate::analysis::tables::{ExecutorRow, FailureGroup, JobRow, SqlRow, StageRow, Tables};
use crate::model::units::{format_bytes, format_clock, format_duration};
use crate::model::{JobResult, StageStatus};

/// Rows a table shows before "Show all".
const FIRST_ROWS: usize = 100;

/// Which table is open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TableKind {
    /// Stage attempts.
    #[default]
    Stages,
    /// Executors and the driver.
    Executors,
    /// Failed tasks by reason.
    Failures,
    /// Jobs.
    Jobs,
    /// SQL executions.
    Sql,
}

impl TableKind {
    /// Every table, in tab order.
    pub const ALL: [TableKind; 5] = [
        TableKind::Stages,
        TableKind::Executors,
        TableKind::Failures,
        TableKind::Jobs,
        TableKind::Sql,
    ];

    /// The name in the page's address (`table=…`).
    pub fn as_str(self) -> &'static str {
        match self {
            TableKind::Stages => "stages",
            TableKind::Executors => "executors",
            TableKind::Failures => "failures",
            TableKind::Jobs => "jobs",
            TableKind::Sql => "sql",
        }
    }

    /// The tab's title.
    pub fn title(self) -> &'static str {
        match self {
            TableKind::Stages => "Stages",
            TableKind::Executors => "Executors",
            TableKind::Failures => "Failed tasks",
            TableKind::Jobs => "Jobs",
            TableKind::Sql => "SQL",
        }
    }

    /// The table named `s` in an address.
    pub fn parse(s: &str) -> Option<TableKind> {
        TableKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// How a column sorts.
#[derive(Clone, Debug, PartialEq, PartialOrd)]
enum SortBy {
    Number(f64),
    Text(String),
}

/// One cell: what it shows, how it sorts, and its full text when it shows less.
#[derive(Clone, Debug)]
struct Cell {
    text: String,
    sort: SortBy,
    title: Option<String>,
}

fn num(text: String, v: f64) -> Cell {
    Cell {
        text,
        sort: SortBy::Number(v),
        title: None,
    }
}

fn text(s: impl Into<String>) -> Cell {
    let s = s.into();
    Cell {
        sort: SortBy::Text(s.to_lowercase()),
        text: s,
        title: None,
    }
}

/// A long text cut to its first line (and 160 characters), whole in the tooltip.
fn long_text(s: &str) -> Cell {
    let first: String = s.lines().next().unwrap_or("").chars().take(160).collect();
    let cut = first.len() < s.trim_end().len();
    Cell {
        text: if cut { format!("{first}…") } else { first },
        sort: SortBy::Text(s.to_lowercase()),
        title: cut.then(|| s.to_string()),
    }
}

fn count(n: u64) -> Cell {
    num(super::app::thousands(n), n as f64)
}

fn bytes(b: u64) -> Cell {
    num(format_bytes(b as f64), b as f64)
}

fn opt_bytes(b: Option<u64>) -> Cell {
    b.map_or_else(|| num("–".into(), -1.0), bytes)
}

fn seconds(s: Option<f64>) -> Cell {
    s.map_or_else(|| num("–".into(), -1.0), |s| num(format_duration(s), s))
}

fn ms(v: u64) -> Cell {
    seconds(Some(v as f64 / 1e3))
}

fn clock(s: Option<f64>) -> Cell {
    s.map_or_else(|| num("–".into(), -1.0), |s| num(format_clock(s), s))
}

fn ids(v: &[u64]) -> Cell {
    let shown: Vec<String> = v.iter().take(12).map(u64::to_string).collect();
    let more = v.len().saturating_sub(12);
    let mut s = shown.join(", ");
    if more > 0 {
        s.push_str(&format!(" +{more}"));
    }
    Cell {
        sort: SortBy::Number(v.first().map_or(-1.0, |x| *x as f64)),
        title: (more > 0).then(|| v.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")),
        text: s,
    }
}

/// A table laid out: column titles (with units) and rows of cells.
struct Grid {
    columns: Vec<(&'static str, &'static str)>,
    rows: Vec<GridRow>,
}

struct GridRow {
    cells: Vec<Cell>,
    /// The stage a click on the row marks in the charts.
    stage: Option<u64>,
    failed: bool,
}

fn stage_status(s: &StageRow) -> String {
    match s.status {
        StageStatus::Complete => "complete".into(),
        StageStatus::Failed => "failed".into(),
        StageStatus::Active => "active".into(),
    }
}

fn stages_grid(rows: &[StageRow]) -> Grid {
    let columns = vec![
        ("id", "Stage"),
        ("name", "Name"),
        ("status", "Status"),
        ("tasks", "Tasks (failed)"),
        ("wall", "Wall time"),
        ("min", "Task min"),
        ("p25", "25th"),
        ("median", "Median"),
        ("p75", "75th"),
        ("max", "Max"),
        ("gc", "GC time"),
        ("input", "Input"),
        ("output", "Output"),
        ("shuffle_read", "Shuffle read"),
        ("shuffle_write", "Shuffle write"),
        ("spill", "Spill (mem / disk)"),
    ];
    let rows = rows
        .iter()
        .map(|s| {
            let q = s.task_ms_quantiles;
            let quant = |i: usize| q.map_or_else(|| num("–".into(), -1.0), |q| ms(q[i]));
            let status = match &s.failure_reason {
                Some(r) => {
                    let mut c = long_text(&format!("failed: {r}"));
                    c.sort = SortBy::Text(stage_status(s));
                    c
                }
                None => text(stage_status(s)),
            };
            let id = if s.attempt > 0 {
                format!("{} (attempt {})", s.id, s.attempt)
            } else {
                s.id.to_string()
            };
            let spill = s
                .totals
                .memory_spill_bytes
                .saturating_add(s.totals.disk_spill_bytes);
            GridRow {
                cells: vec![
                    num(id, s.id as f64 + f64::from(s.attempt) / 100.0),
                    long_text(&s.name),
                    status,
                    num(
                        format!(
                            "{} ({})",
                            super::app::thousands(s.totals.tasks),
                            super::app::thousands(s.failed_tasks)
                        ),
                        s.totals.tasks as f64,
                    ),
                    seconds(s.wall_s),
                    quant(0),
                    quant(1),
                    quant(2),
                    quant(3),
                    quant(4),
                    ms(s.totals.gc_ms),
                    bytes(s.totals.input_bytes),
                    bytes(s.totals.output_bytes),
                    bytes(s.totals.shuffle_read_bytes),
                    bytes(s.totals.shuffle_write_bytes),
                    num(
                        format!(
                            "{} / {}",
                            format_bytes(s.totals.memory_spill_bytes as f64),
                            format_bytes(s.totals.disk_spill_bytes as f64)
                        ),
                        spill as f64,
                    ),
                ],
                stage: Some(s.id),
                failed: s.status == StageStatus::Failed,
            }
        })
        .collect();
    Grid { columns, rows }
}

fn executors_grid(rows: &[ExecutorRow]) -> Grid {
    let columns = vec![
        ("id", "Executor"),
        ("host", "Host"),
        ("cores", "Cores"),
        ("added", "Added"),
        ("removed", "Removed"),
        ("tasks", "Tasks (failed)"),
        ("task_time", "Task time"),
        ("gc", "GC time"),
        ("input", "Input"),
        ("shuffle_read", "Shuffle read"),
        ("shuffle_write", "Shuffle write"),
        ("heap", "Peak JVM heap"),
        ("exec_mem", "Peak execution memory"),
    ];
    let rows = rows
        .iter()
        .map(|e| {
            let removed = match (&e.removed_s, &e.removed_reason) {
                (Some(s), Some(r)) => {
                    let mut c = long_text(&format!("{}: {r}", format_clock(*s)));
                    c.sort = SortBy::Number(*s);
                    c
                }
                (s, _) => clock(*s),
            };
            let order = crate::model::executor_order_key(&e.id);
            let exec_mem = match (
                e.peak_execution_on_heap_bytes,
                e.peak_execution_off_heap_bytes,
            ) {
                (None, None) => None,
                (a, b) => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
            };
            GridRow {
                cells: vec![
                    num(e.id.clone(), order.0 * 1e12 + order.1 as f64),
                    text(e.host.clone().unwrap_or_else(|| "–".into())),
                    e.cores
                        .map_or_else(|| num("–".into(), -1.0), |c| count(u64::from(c))),
                    clock(e.added_s),
                    removed,
                    num(
                        format!(
                            "{} ({})",
                            super::app::thousands(e.totals.tasks),
                            super::app::thousands(e.totals.failed_tasks)
                        ),
                        e.totals.tasks as f64,
                    ),
                    ms(e.totals.duration_ms),
                    ms(e.totals.gc_ms),
                    bytes(e.totals.input_bytes),
                    bytes(e.totals.shuffle_read_bytes),
                    bytes(e.totals.shuffle_write_bytes),
                    opt_bytes(e.peak_jvm_heap_bytes),
                    opt_bytes(exec_mem),
                ],
                stage: None,
                failed: e.totals.failed_tasks > 0,
            }
        })
        .collect();
    Grid { columns, rows }
}

fn failures_grid(rows: &[FailureGroup]) -> Grid {
    let columns = vec![
        ("reason", "Reason"),
        ("count", "Attempts"),
        ("stages", "Stages"),
        ("executors", "Executors"),
        ("first", "First message"),
    ];
    let rows = rows
        .iter()
        .map(|f| {
            let execs = f.executors.join(", ");
            GridRow {
                cells: vec![
                    text(if f.killed {
                        format!("{} (killed)", f.kind)
                    } else {
                        f.kind.clone()
                    }),
                    count(f.count),
                    ids(&f.stages),
                    long_text(&execs),
                    long_text(&format!("task {}: {}", f.first_task, f.first_message)),
                ],
                stage: f.stages.first().copied(),
                failed: !f.killed,
            }
        })
        .collect();
    Grid { columns, rows }
}

fn jobs_grid(rows: &[JobRow]) -> Grid {
    let columns = vec![
        ("id", "Job"),
        ("name", "Description"),
        ("result", "Status"),
        ("submitted", "Submitted"),
        ("duration", "Duration"),
        ("stages", "Stages"),
        ("tasks", "Tasks (failed)"),
        ("sql", "SQL"),
    ];
    let rows = rows
        .iter()
        .map(|j| {
            let result = match (j.result, &j.failure_reason) {
                (JobResult::Failed, Some(r)) => long_text(&format!("failed: {r}")),
                (JobResult::Failed, None) => text("failed"),
                (JobResult::Succeeded, _) => text("succeeded"),
                (JobResult::Running, _) => text("running"),
            };
            GridRow {
                cells: vec![
                    count(j.id),
                    long_text(&j.name),
                    result,
                    clock(j.submitted_s),
                    seconds(j.duration_s),
                    ids(&j.stage_ids),
                    num(
                        format!(
                            "{} ({})",
                            super::app::thousands(j.tasks),
                            super::app::thousands(j.failed_tasks)
                        ),
                        j.tasks as f64,
                    ),
                    j.sql_execution_id
                        .map_or_else(|| num("–".into(), -1.0), count),
                ],
                stage: j.stage_ids.last().copied(),
                failed: j.result == JobResult::Failed,
            }
        })
        .collect();
    Grid { columns, rows }
}

fn sql_grid(rows: &[SqlRow]) -> Grid {
    let columns = vec![
        ("id", "Query"),
        ("description", "Description"),
        ("start", "Started"),
        ("duration", "Duration"),
        ("jobs", "Jobs"),
        ("error", "Error"),
    ];
    let rows = rows
        .iter()
        .map(|q| GridRow {
            cells: vec![
                count(q.id),
                long_text(&q.description),
                clock(q.start_s),
                seconds(q.duration_s),
                ids(&q.job_ids),
                q.error.as_deref().map_or_else(|| text("–"), long_text),
            ],
            stage: None,
            failed: q.error.is_some(),
        })
        .collect();
    Grid { columns, rows }
}

fn grid(t: &Tables, kind: TableKind) -> Grid {
    match kind {
        TableKind::Stages => stages_grid(&t.stages),
        TableKind::Executors => executors_grid(&t.executors),
        TableKind::Failures => failures_grid(&t.failures),
        TableKind::Jobs => jobs_grid(&t.jobs),
        TableKind::Sql => sql_grid(&t.sql),
    }
}

/// Why a table is empty, in the run's terms.
fn empty_note(kind: TableKind) -> &'static str {
    match kind {
        TableKind::Stages => {
            "No stages: the source has no Spark stages (a CloudWatch export has none)."
        }
        TableKind::Executors => "No executors in this run.",
        TableKind::Failures => "No failed or killed tasks.",
        TableKind::Jobs => "No Spark jobs in this run.",
        TableKind::Sql => "No Spark SQL executions in this run.",
    }
}

/// The tables of both runs, one tab at a time.
#[component]
pub fn TablesPanel(dash: Dash) -> impl IntoView {
    let any = Memo::new(move |_| {
        dash.sides()
            .iter()
            .any(|s| dash.slots[s.index()].with(|x| x.ready().is_some()))
    });
    move || {
        any.get().then(|| {
            view! {
                <section class="tables" aria-label="Tables">
                    <h2>"Tables"</h2>
                    <div class="tabs" role="tablist" aria-label="Table">
                        {TableKind::ALL.iter().map(|&k| view! {
                            <button
                                role="tab"
                                data-table-tab=k.as_str()
                                aria-selected=move || (dash.table.get() == k).to_string()
                                on:click=move |_| {
                                    if dash.table.get_untracked() != k {
                                        dash.table_sort.set(None);
                                        dash.table.set(k);
                                    }
                                }
                            >{k.title()}</button>
                        }).collect_view()}
                    </div>
                    {dash.sides().iter().map(|&side| view! { <RunTable dash=dash side=side /> }).collect_view()}
                </section>
            }
        })
    }
}

/// The open table of one run.
#[component]
fn RunTable(dash: Dash, side: Side) -> impl IntoView {
    let all = RwSignal::new(false);
    move || {
        let loaded = dash.slots[side.index()].with(|s| s.ready())?;
        let kind = dash.table.get();
        dash.tables_tick.track();
        let Some(tables) = loaded.tables() else {
            dash.ask_tables(&loaded);
            return Some(
                view! {
                    <div class="run-table" data-run=side.as_str() aria-busy="true">
                        <h3>{format!("{}: {}", side.title(), kind.title().to_lowercase())}</h3>
                        <p class="none">"Making the tables…"</p>
                    </div>
                }
                .into_any(),
            );
        };
        let tables: Arc<Tables> = tables;
        let Grid { columns, mut rows } = grid(&tables, kind);
        let sort = dash.table_sort.get();
        if let Some((key, desc)) = &sort {
            if let Some(col) = columns.iter().position(|c| c.0 == key) {
                rows.sort_by(|a, b| {
                    let o = a.cells[col]
                        .sort
                        .partial_cmp(&b.cells[col].sort)
                        .unwrap_or(std::cmp::Ordering::Equal);
                    if *desc {
                        o.reverse()
                    } else {
                        o
                    }
                });
            }
        }
        let n = rows.len();
        let show_all = all.get();
        let marked = dash.marked_stage[side.index()].get();
        let heading = format!(
            "{}: {} ({})",
            side.title(),
            kind.title().to_lowercase(),
            super::app::thousands(n as u64)
        );
        let head = columns
            .iter()
            .map(|&(key, title)| {
                let state = match &sort {
                    Some((k, true)) if k == key => "descending",
                    Some((k, false)) if k == key => "ascending",
                    _ => "none",
                };
                view! {
                    <th scope="col" aria-sort=state>
                        <button class="sort" data-sort=key on:click=move |_| {
                            let next = match dash.table_sort.get_untracked() {
                                Some((k, desc)) if k == key => Some((k, !desc)),
                                // Figures sort largest first; names and ids from the top.
                                _ => Some((key.to_string(), !matches!(key, "id" | "name" | "host" | "reason" | "description" | "status" | "result"))),
                            };
                            dash.table_sort.set(next);
                        }>{title}</button>
                    </th>
                }
            })
            .collect_view();
        let body = rows
            .into_iter()
            .take(if show_all { usize::MAX } else { FIRST_ROWS })
            .map(|r| {
                let stage = r.stage;
                let is_marked = kind == TableKind::Stages && stage.is_some() && stage == marked;
                let clickable = kind == TableKind::Stages;
                view! {
                    <tr
                        class:failed=r.failed
                        class:marked=is_marked
                        class:clickable=clickable
                        data-stage=stage.map(|s| s.to_string())
                        aria-selected=clickable.then(|| is_marked.to_string())
                        tabindex=clickable.then_some("0")
                        on:click=move |_| {
                            if clickable {
                                let m = dash.marked_stage[side.index()];
                                m.set(if m.get_untracked() == stage { None } else { stage });
                            }
                        }
                        on:keydown=move |e: leptos::ev::KeyboardEvent| {
                            if clickable && (e.key() == "Enter" || e.key() == " ") {
                                e.prevent_default();
                                let m = dash.marked_stage[side.index()];
                                m.set(if m.get_untracked() == stage { None } else { stage });
                            }
                        }
                    >
                        {r.cells.into_iter().map(|c| { let long = c.title.is_some() || c.text.len() > 60; view! { <td class:long=long title=c.title>{c.text}</td> } }).collect_view()}
                    </tr>
                }
            })
            .collect_view();
        Some(view! {
            <div class="run-table" data-run=side.as_str() data-table=kind.as_str()>
                <h3>{heading}</h3>
                {if n == 0 {
                    view! { <p class="none" data-none="">{empty_note(kind)}</p> }.into_any()
                } else {
                    view! {
                        <div class="table-scroll">
                            <table class="data">
                                <thead><tr>{head}</tr></thead>
                                <tbody>{body}</tbody>
                            </table>
                        </div>
                        {(kind == TableKind::Stages).then(|| view! {
                            <p class="table-hint">"Click a stage to mark it in the job execution view and the task timeline."</p>
                        })}
                        {(n > FIRST_ROWS).then(|| view! {
                            <button class="link" on:click=move |_| all.update(|a| *a = !*a)>
                                {if show_all { "Show the first 100".to_string() } else { format!("Show all {}", super::app::thousands(n as u64)) }}
                            </button>
                        })}
                    }.into_any()
                }}
            </div>
        }.into_any())
    }
}
