//! Loading runs into a column: files (picked or dropped) and URLs are read, decompressed and
//! parsed by a Web Worker (`crate::worker`), one per load, so the page's main thread only draws;
//! the worker answers with the runs as run-file bytes. Cancelling a load terminates its worker;
//! a worker that panics or dies costs only its column, and the next load gets a fresh one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use js_sys::{Array, Object, Reflect, Uint8Array};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::dom::{self, now_ms, yield_now};
use super::state::{Choice, Dash, LoadedRun, Progress, Side, Slot};
use crate::ingest::decompress::Codec;
use crate::ingest::inputs::plan_files;
use crate::ingest::{run_file, Loaded};
use crate::model::SourceFormat;

/// The job key of `side`'s load.
fn job_key(side: Side) -> &'static str {
    match side {
        Side::Before => "load:before",
        Side::After => "load:after",
    }
}

/// Ends the worker of `side`'s load, if any.
pub fn stop_reader(side: Side) {
    super::work::stop(job_key(side));
}

fn set(o: &Object, k: &str, v: &JsValue) {
    let _ = Reflect::set(o, &JsValue::from_str(k), v);
}

use super::work::get;

/// Starts a worker on `job` for `side`; its answer goes into the column.
fn spawn_reader(dash: Dash, side: Side, job: Object, origin: Origin, cancel: Arc<AtomicBool>) {
    let started = now_ms();
    let name = origin.source.clone();
    let mut origin = Some(origin);
    super::work::start(job_key(side), job, None, None, move |reply| {
        if cancel.load(Ordering::Relaxed) {
            return;
        }
        match reply {
            Ok(super::work::Reply::Progress(data)) => {
                let secs = ((now_ms() - started) / 1e3).max(1e-3);
                let read = get(&data, "read").as_f64().unwrap_or(0.0) as u64;
                dash.slots[side.index()].set(Slot::Loading(Progress {
                    name: get(&data, "name").as_string().unwrap_or_default(),
                    read,
                    total: get(&data, "total").as_f64().map(|t| t as u64),
                    rate: read as f64 / secs,
                    decoded: get(&data, "out").as_f64().unwrap_or(0.0) as u64,
                }));
            }
            Ok(super::work::Reply::Done(data)) => {
                // The worker's own account of its time, as User Timing measures of the page.
                let spent = get(&data, "spent_ms");
                for part in ["wait", "push", "fetch", "decode", "finish", "message"] {
                    if let Some(ms) = get(&spent, part).as_f64() {
                        dom::measure_span(&format!("runlens:worker:{part}:{}", side.as_str()), ms);
                    }
                }
                if let Some(origin) = origin.take() {
                    let runs = get(&data, "runs");
                    let cancel = cancel.clone();
                    spawn_local(async move {
                        finish(dash, side, origin, runs, started, &cancel).await;
                    });
                }
            }
            // The worker died ("it stopped: …"), or its own message names the input and the
            // problem.
            Err(msg) if msg.starts_with("it stopped: ") => deliver(
                dash,
                side,
                Slot::Failed(format!(
                    "{name}: reading stopped: the reader crashed ({}). The rest of the page is unaffected; load the file again or another one.",
                    msg.trim_start_matches("it stopped: ").replace('\n', " ")
                )),
            ),
            Err(msg) => deliver(dash, side, Slot::Failed(msg)),
        }
    });
}

/// Profiles a worker binned, by period.
pub type WorkerViews = Vec<(f64, Vec<crate::analysis::profiles::Profile>)>;

/// What a worker made of a run besides the run: its analysis, profiles and tables (each made
/// here instead when missing).
#[derive(Default)]
pub struct Made {
    /// Totals, straggler, cost, findings.
    pub analysis: Option<crate::analysis::Analysis>,
    /// The four views at a few periods.
    pub views: WorkerViews,
    /// Stages, executors, failures, jobs, SQL.
    pub tables: Option<crate::analysis::tables::Tables>,
}

/// What a worker's message says of a run besides the run.
fn made_of(v: &JsValue) -> Made {
    Made {
        analysis: analysis_of(v),
        views: views_of(v),
        tables: get(v, "tables")
            .as_string()
            .and_then(|t| serde_json::from_str(&t).ok()),
    }
}

/// A run, and what the worker made of it, from a worker's message.
pub fn run_and_views_of(v: &JsValue) -> Result<(Loaded, Made), String> {
    let (loaded, _) = loaded_of(v, false)?;
    Ok((loaded, made_of(v)))
}

/// Runs with this many tasks or more get a worker of their own that rasterises their task
/// timeline, off the main thread; below it the page's own pass costs a few ms.
const SERVE_FROM_TASKS: usize = 20_000;

/// The analysis a worker sent with a run.
fn analysis_of(v: &JsValue) -> Option<crate::analysis::Analysis> {
    get(v, "analysis")
        .as_string()
        .and_then(|a| serde_json::from_str(&a).ok())
}

/// The views a worker sent with a run, binned at a few periods.
fn views_of(v: &JsValue) -> WorkerViews {
    get(v, "views")
        .as_string()
        .and_then(|a| serde_json::from_str(&a).ok())
        .unwrap_or_default()
}

/// A run read by a worker, from its `done` message; with `serve`, a large run also gets a worker
/// that keeps it to answer for it (`work::serve`: release it with the run).
fn loaded_of(v: &JsValue, serve: bool) -> Result<(Loaded, Option<u32>), String> {
    let (label, bytes, tasks) = parts_of(v)?;
    let run = run_file::from_parts(&label, &bytes.to_vec(), &tasks.to_vec())
        .map_err(|e| e.to_string())?;
    loaded_with(v, run, serve, &bytes, &tasks)
}

/// A run's label and its two parts (`run_file::to_parts`) in a worker's message.
fn parts_of(v: &JsValue) -> Result<(String, Uint8Array, Uint8Array), String> {
    let label = get(v, "entry").as_string().unwrap_or_else(|| "run".into());
    let bytes: Uint8Array = get(v, "run")
        .dyn_into()
        .map_err(|_| format!("{label}: the reader sent no run"))?;
    let tasks: Uint8Array = get(v, "tasks")
        .dyn_into()
        .map_err(|_| format!("{label}: the reader sent no tasks"))?;
    Ok((label, bytes, tasks))
}

/// Bytes copied out of a worker's message per task of the main thread.
const COPY_CHUNK_BYTES: u32 = 8 << 20;

/// As [`loaded_of`], letting the browser paint while a large run's task columns are copied and
/// read (a million tasks' columns in one go held the main thread for > 100 ms).
async fn loaded_of_async(v: &JsValue, serve: bool) -> Result<(Loaded, Option<u32>), String> {
    let (label, bytes, tasks) = parts_of(v)?;
    let t = now_ms();
    let mut run = run_file::from_slice_typed(&label, &bytes.to_vec()).map_err(|e| e.to_string())?;
    // One task each (benchmarks: the longest main-thread tasks of a large load).
    dom::measure_since("runlens:receive:run", t);
    let n = tasks.length();
    let mut columns = vec![0u8; n as usize];
    let mut at = 0u32;
    while at < n {
        let end = at.saturating_add(COPY_CHUNK_BYTES).min(n);
        tasks
            .subarray(at, end)
            .copy_to(&mut columns[at as usize..end as usize]);
        at = end;
        if at < n {
            yield_now().await;
        }
    }
    let bad = |e: String| format!("{label}: {e}");
    let mut reader = crate::model::TasksReader::new(&columns).map_err(bad)?;
    let mut since = now_ms();
    while !reader.step().map_err(bad)? {
        // Yield once a few ms have gone: small runs read in one task.
        if now_ms() - since > 8.0 {
            yield_now().await;
            since = now_ms();
        }
    }
    run.tasks = reader.finish().map_err(bad)?;
    drop(columns);
    loaded_with(v, run, serve, &bytes, &tasks)
}

/// The loaded input of a worker's message, its run read (and, for a large run with `serve`, a
/// serving worker that takes the parts).
fn loaded_with(
    v: &JsValue,
    run: crate::model::Run,
    serve: bool,
    bytes: &Uint8Array,
    tasks: &Uint8Array,
) -> Result<(Loaded, Option<u32>), String> {
    let entry = get(v, "entry").as_string();
    let server = (serve && run.tasks.len() >= SERVE_FROM_TASKS)
        .then(|| super::work::serve(bytes, tasks))
        .flatten();
    let format = match get(v, "format").as_string().as_deref() {
        Some("cloudwatch") => SourceFormat::Cloudwatch,
        Some("run-file") => SourceFormat::RunFile,
        Some("simulator") => SourceFormat::Simulator,
        _ => SourceFormat::SparkEventLog,
    };
    let codec = Codec::from_name(&get(v, "codec").as_string().unwrap_or_default());
    let loaded = Loaded {
        run,
        format,
        codec,
        bytes_in: get(v, "bytes_in").as_f64().unwrap_or(0.0) as u64,
        bytes_out: get(v, "bytes_out").as_f64().unwrap_or(0.0) as u64,
        entry,
    };
    Ok((loaded, server))
}

/// How long the first render waits for the other column's run, ms.
const HOLD_MS: u64 = 400;

/// Puts a load's outcome into its column. While the page's first runs load, outcomes are held
/// so that both columns appear in one render (one layout, one draw) rather than two.
fn deliver(dash: Dash, side: Side, slot: Slot) {
    if !dash.hold.get_value() {
        dash.slots[side.index()].set(slot);
        return;
    }
    dash.held.update_value(|h| h[side.index()] = Some(slot));
    let waiting = dash.sides().iter().any(|s| {
        dash.held.with_value(|h| h[s.index()].is_none())
            && dash.slots[s.index()].with_untracked(Slot::is_loading)
    });
    if waiting {
        leptos::prelude::set_timeout(
            move || release(dash),
            std::time::Duration::from_millis(HOLD_MS),
        );
    } else {
        release(dash);
    }
}

/// Shows the held outcomes and stops holding.
fn release(dash: Dash) {
    if !dash.hold.get_value() {
        return;
    }
    dash.hold.set_value(false);
    for s in Side::BOTH {
        if let Some(slot) = dash
            .held
            .try_update_value(|h| h[s.index()].take())
            .flatten()
        {
            dash.slots[s.index()].set(slot);
        }
    }
}

async fn finish(
    dash: Dash,
    side: Side,
    origin: Origin,
    runs: JsValue,
    started: f64,
    cancel: &AtomicBool,
) {
    if cancel.load(Ordering::Relaxed) {
        return;
    }
    // Each step in its own task, so none holds the main thread long.
    let t = now_ms();
    let mut all = Vec::new();
    for v in Array::from(&runs).iter() {
        let (loaded, server) = match loaded_of_async(&v, true).await {
            Ok(l) => l,
            Err(e) => return deliver(dash, side, Slot::Failed(e)),
        };
        yield_now().await;
        let t = now_ms();
        let made = made_of(&v);
        dom::measure_since("runlens:receive:made", t);
        yield_now().await;
        all.push((loaded, made, server));
        yield_now().await;
    }
    dom::measure_since(&format!("runlens:finish:{}", side.as_str()), t);
    let t = now_ms();
    let several = all.len() > 1;
    let mut runs: Vec<(String, Arc<LoadedRun>)> = Vec::new();
    for (loaded, made, server) in all {
        let label = loaded
            .entry
            .clone()
            .unwrap_or_else(|| origin.source.clone());
        // The entry alone: what follows `ARCHIVE!/` in the label.
        let entry = label
            .strip_prefix(&format!("{}!/", origin.archive))
            .unwrap_or(&label)
            .to_string();
        runs.push((
            entry,
            Arc::new(LoadedRun::from_worker(label, loaded, made).served_by(server)),
        ));
        if several {
            yield_now().await;
        }
    }
    dom::measure_since(&format!("runlens:analyse:{}", side.as_str()), t);
    yield_now().await;
    if cancel.load(Ordering::Relaxed) {
        return;
    }
    let entry_url = |entry: &str| origin.url.as_ref().map(|u| format!("{u}!/{entry}"));
    if runs.len() == 2 && !dash.single {
        // Exactly two runs (two attempts, or a before and an after): one per column.
        let t = now_ms();
        for (run, to) in runs.iter().zip(Side::BOTH) {
            run.1.warm_views();
            dash.cancel_load(to);
            dash.urls[to.index()].set(entry_url(&run.0));
            dash.selected[to.index()].set(None);
        }
        dom::measure_since(&format!("runlens:profiles:{}", side.as_str()), t);
        dom::mark(&format!("runlens:loaded:{}", side.as_str()));
        dom::measure_since(&format!("runlens:load:{}", side.as_str()), started);
        let mut it = runs.into_iter();
        for to in Side::BOTH {
            if let Some((_, run)) = it.next() {
                deliver(dash, to, Slot::Ready(run));
            }
        }
        return;
    }
    if runs.len() > 1 {
        let choice = Choice {
            archive: origin.archive.clone(),
            url: origin.url.clone(),
            runs,
        };
        return deliver(dash, side, Slot::Choose(Arc::new(choice)));
    }
    let Some((_, run)) = runs.pop() else {
        return deliver(
            dash,
            side,
            Slot::Failed(format!("{}: no run was read.", origin.source)),
        );
    };
    let t = now_ms();
    run.warm_views();
    dom::measure_since(&format!("runlens:profiles:{}", side.as_str()), t);
    dom::mark(&format!("runlens:loaded:{}", side.as_str()));
    dom::measure_since(&format!("runlens:load:{}", side.as_str()), started);
    deliver(dash, side, Slot::Ready(run));
}

/// Puts run `index` of an archive's `choice` (offered in column `from`) into column `to`.
pub fn choose(dash: Dash, from: Side, to: Side, choice: &Arc<Choice>, index: usize) {
    let Some((entry, run)) = choice.runs.get(index).cloned() else {
        return;
    };
    run.warm_views();
    dash.cancel_load(to);
    dash.urls[to.index()].set(choice.url.as_ref().map(|u| format!("{u}!/{entry}")));
    dash.selected[to.index()].set(None);
    dash.slots[to.index()].set(Slot::Ready(run));
    if from != to {
        // The choice stays where it was offered, for the other column's run.
        dash.slots[from.index()].set(Slot::Choose(choice.clone()));
    }
}

/// Where a load's bytes come from, for labels and the page's address.
struct Origin {
    /// Shown as the run's source.
    source: String,
    /// The name given to the first file (an archive's name in its runs' labels).
    archive: String,
    /// The URL (without an `!/ENTRY`), when loaded from one.
    url: Option<String>,
}

thread_local! {
    /// The two files of a [`Slot::Split`] offer, with the column they were picked for.
    static SPLIT: std::cell::RefCell<Option<(Side, Vec<web_sys::File>)>> =
        const { std::cell::RefCell::new(None) };
}

/// Takes up a [`Slot::Split`] offer of column `side`: its first file there and its second in
/// the other column (`swap`: the other way round).
pub fn split_files(dash: Dash, side: Side, swap: bool) {
    let Some((from, mut files)) = SPLIT.with(|s| s.borrow_mut().take()) else {
        return;
    };
    if from != side || files.len() != 2 {
        return;
    }
    if swap {
        files.swap(0, 1);
    }
    let other = if side == Side::Before {
        Side::After
    } else {
        Side::Before
    };
    let second = files.pop();
    load_files(dash, side, files);
    if let Some(f) = second {
        load_files(dash, other, vec![f]);
    }
}

/// Loads files picked or dropped together (one run: a log, the parts of a rolling log, or the
/// files of a CloudWatch export; or a ZIP of runs) into `side`.
pub fn load_files(dash: Dash, side: Side, files: Vec<web_sys::File>) {
    if files.is_empty() {
        return;
    }
    let cancel = dash.new_load(side);
    dash.selected[side.index()].set(None);
    dash.urls[side.index()].set(None);
    let names: Vec<String> = files.iter().map(|f| f.name()).collect();
    let label = if names.len() == 1 {
        names[0].clone()
    } else {
        format!("{} files", names.len())
    };
    let plan = match plan_files(&label, &names) {
        Ok(p) => p,
        // Two runs picked for one column: offer one in each.
        Err(_) if files.len() == 2 && !dash.single => {
            SPLIT.with(|s| *s.borrow_mut() = Some((side, files)));
            dash.slots[side.index()]
                .set(Slot::Split(Arc::new([names[0].clone(), names[1].clone()])));
            return;
        }
        Err(e) => {
            dash.slots[side.index()].set(Slot::Failed(format!(
                "{e}. Drop one run per column: one event log, the files of one rolling log, or one CloudWatch export."
            )));
            return;
        }
    };
    let total: u64 = plan.order.iter().map(|&i| files[i].size() as u64).sum();
    dash.slots[side.index()].set(Slot::Loading(Progress {
        name: label.clone(),
        read: 0,
        total: Some(total),
        rate: 0.0,
        decoded: 0,
    }));
    let ordered = Array::new();
    for &i in &plan.order {
        ordered.push(&files[i]);
    }
    let notes = Array::new();
    for n in &plan.notes {
        notes.push(&JsValue::from_str(n));
    }
    let archive = plan
        .order
        .first()
        .map(|&i| files[i].name())
        .unwrap_or_else(|| label.clone());
    let job = Object::new();
    set(&job, "op", &"files".into());
    set(&job, "label", &label.as_str().into());
    set(&job, "files", &ordered);
    set(&job, "notes", &notes);
    if super::urlstate::read().selftest {
        set(&job, "selftest", &JsValue::TRUE);
    }
    let origin = Origin {
        source: label,
        archive,
        url: None,
    };
    spawn_reader(dash, side, job, origin, cancel);
}

/// Resolves a URL given in the page's address against the page, accepting only http(s).
pub fn resolve_url(raw: &str) -> Result<String, String> {
    let base = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.base_uri().ok().flatten())
        .unwrap_or_default();
    let url = web_sys::Url::new_with_base(raw.trim(), &base).map_err(|_| {
        format!("{raw}: not a URL. Give an http(s) URL or a path relative to this page.")
    })?;
    match url.protocol().as_str() {
        "http:" | "https:" => Ok(url.href()),
        p => Err(format!(
            "{raw}: only http(s) URLs are loaded, not {p} URLs."
        )),
    }
}

/// Splits `URL!/ENTRY` (one run of an archive) into the URL and the entry.
fn split_entry(raw: &str) -> (&str, Option<&str>) {
    match raw.rsplit_once("!/") {
        Some((url, entry)) if !entry.is_empty() && !entry.contains(['?', '#']) => {
            (url, Some(entry))
        }
        _ => (raw, None),
    }
}

/// The file name a URL ends in.
fn url_file_name(url: &str) -> &str {
    url.rsplit('/')
        .next()
        .unwrap_or(url)
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
}

/// Loads the files of one run given as `URL1|URL2|…` (a rolling or Databricks log) into `side`.
fn load_urls(dash: Dash, side: Side, raw: String) {
    let cancel = dash.new_load(side);
    dash.selected[side.index()].set(None);
    dash.urls[side.index()].set(Some(raw.clone()));
    let resolved: Result<Vec<String>, String> = raw
        .split('|')
        .filter(|p| !p.trim().is_empty())
        .map(resolve_url)
        .collect();
    let urls = match resolved {
        Ok(u) => u,
        Err(e) => {
            dash.slots[side.index()].set(Slot::Failed(e));
            return;
        }
    };
    let names: Vec<String> = urls.iter().map(|u| url_file_name(u).to_string()).collect();
    let label = format!("{} files", names.len());
    let plan = match plan_files(&label, &names) {
        Ok(p) => p,
        Err(e) => {
            dash.slots[side.index()].set(Slot::Failed(format!(
                "{e}. Several URLs (URL1|URL2) must be the files of one run."
            )));
            return;
        }
    };
    dash.slots[side.index()].set(Slot::Loading(Progress {
        name: label.clone(),
        read: 0,
        total: None,
        rate: 0.0,
        decoded: 0,
    }));
    let (ordered_urls, ordered_names, notes) = (Array::new(), Array::new(), Array::new());
    for &i in &plan.order {
        ordered_urls.push(&urls[i].as_str().into());
        ordered_names.push(&names[i].as_str().into());
    }
    for n in &plan.notes {
        notes.push(&JsValue::from_str(n));
    }
    let job = Object::new();
    set(&job, "op", &"urls".into());
    set(&job, "urls", &ordered_urls);
    set(&job, "names", &ordered_names);
    set(&job, "notes", &notes);
    set(&job, "label", &label.as_str().into());
    let archive = plan
        .order
        .first()
        .map(|&i| names[i].clone())
        .unwrap_or_default();
    let origin = Origin {
        source: raw.clone(),
        archive,
        url: Some(raw),
    };
    spawn_reader(dash, side, job, origin, cancel);
}

/// Loads a run from a URL into `side` (`URL!/ENTRY`: one run of an archive at URL;
/// `URL1|URL2|…`: the files of one run).
pub fn load_url(dash: Dash, side: Side, raw: String) {
    if raw.contains('|') {
        return load_urls(dash, side, raw);
    }
    let cancel = dash.new_load(side);
    dash.selected[side.index()].set(None);
    dash.urls[side.index()].set(Some(raw.clone()));
    let (base, only_entry) = split_entry(&raw);
    let (base, only_entry) = (base.to_string(), only_entry.map(str::to_string));
    let url = match resolve_url(&base) {
        Ok(u) => u,
        Err(e) => {
            dash.slots[side.index()].set(Slot::Failed(e));
            return;
        }
    };
    dash.slots[side.index()].set(Slot::Loading(Progress {
        name: raw.clone(),
        read: 0,
        total: None,
        rate: 0.0,
        decoded: 0,
    }));
    let name = url_file_name(&url).to_string();
    let archive = if name.is_empty() { base.clone() } else { name };
    let job = Object::new();
    set(&job, "op", &"url".into());
    set(&job, "url", &url.as_str().into());
    set(&job, "name", &archive.as_str().into());
    set(&job, "label", &raw.as_str().into());
    if let Some(e) = &only_entry {
        set(&job, "entry", &e.as_str().into());
    }
    let origin = Origin {
        source: raw,
        archive,
        url: Some(base),
    };
    spawn_reader(dash, side, job, origin, cancel);
}

/// Loads one of the page's own run files (the built-in examples) on the main thread: they are
/// small, and the first render need not wait for a worker to start.
pub fn load_example(dash: Dash, side: Side, url: &'static str) {
    let cancel = dash.new_load(side);
    // In the address only beside another run (`urlstate::write`): alone they are the default.
    dash.urls[side.index()].set(Some(url.to_string()));
    dash.slots[side.index()].set(Slot::Loading(Progress {
        name: url.to_string(),
        read: 0,
        total: None,
        rate: 0.0,
        decoded: 0,
    }));
    spawn_local(async move {
        let started = now_ms();
        let body = match gloo_net::http::Request::get(url).send().await {
            Ok(r) if r.ok() => r.binary().await.map_err(|e| e.to_string()),
            Ok(r) => Err(format!("HTTP {} {}", r.status(), r.status_text())),
            Err(e) => Err(e.to_string()),
        };
        let loaded = body.and_then(|b| {
            run_file::from_slice_typed(url, &b)
                .map(|run| Loaded {
                    format: SourceFormat::RunFile,
                    bytes_in: b.len() as u64,
                    bytes_out: b.len() as u64,
                    ..Loaded::computed(run)
                })
                .map_err(|e| e.to_string())
        });
        if cancel.load(Ordering::Relaxed) {
            return;
        }
        match loaded {
            Ok(l) => {
                let run = Arc::new(LoadedRun::new(url.to_string(), l));
                yield_now().await;
                run.warm_views();
                dom::mark(&format!("runlens:loaded:{}", side.as_str()));
                dom::measure_since(&format!("runlens:load:{}", side.as_str()), started);
                deliver(dash, side, Slot::Ready(run));
            }
            Err(e) => deliver(dash, side, Slot::Failed(format!("{url}: {e}"))),
        }
    });
}

/// Sets a column to a run a worker computed (the simulator), with its analysis.
pub async fn set_run(
    dash: Dash,
    side: Side,
    source: String,
    loaded: crate::ingest::Loaded,
    made: Made,
) {
    dash.cancel_load(side);
    // The chart data in its own task, as for a loaded file.
    yield_now().await;
    let run = LoadedRun::from_worker(source, loaded, made);
    yield_now().await;
    run.warm_views();
    yield_now().await;
    dash.selected[side.index()].set(None);
    dash.urls[side.index()].set(None);
    dash.slots[side.index()].set(Slot::Ready(Arc::new(run)));
}

/// Simulates a preset in a worker into `side` (the built-in AWS Glue example).
pub fn load_preset(dash: Dash, side: Side, name: &'static str) {
    let cancel = dash.new_load(side);
    dash.slots[side.index()].set(Slot::Loading(Progress {
        name: format!("preset {name}"),
        read: 0,
        total: None,
        rate: 0.0,
        decoded: 0,
    }));
    let job = Object::new();
    set(&job, "op", &"preset".into());
    set(&job, "name", &name.into());
    super::work::start(job_key(side), job, None, Some(120_000), move |reply| {
        if cancel.load(Ordering::Relaxed) {
            return;
        }
        let data = match reply {
            Ok(super::work::Reply::Done(d)) => d,
            Ok(_) => return,
            Err(e) => {
                let msg = format!("preset {name}: the simulation: {e}");
                return dash.slots[side.index()].set(Slot::Failed(msg));
            }
        };
        let first = Array::from(&get(&data, "runs")).get(0);
        match run_and_views_of(&first) {
            Ok((loaded, made)) => spawn_local(set_run(
                dash,
                side,
                format!("preset {name} (simulated from the AWS Glue article)"),
                loaded,
                made,
            )),
            Err(e) => dash.slots[side.index()].set(Slot::Failed(e)),
        }
    });
}
