//! The page's worker (wasm32 only): a Web Worker that reads, decompresses, parses and analyses
//! one input, or runs one simulation, off the page's main thread, and answers with the runs as
//! `runlens/run@1` bytes and their analysis as JSON.
//!
//! One worker serves one job, and is the unit of failure: a panic or an exhausted memory ends it,
//! and the page shows the message where the job's result would have gone; cancelling terminates
//! it. Protocol (plain objects through `postMessage`):
//!
//! - worker → page `{kind: "ready"}` once started; the page then posts one job:
//!   - `{op: "files", label, files: [File], notes: [string]}`: the files of one run, in reading
//!     order;
//!   - `{op: "url", url, name, label, entry}`: an absolute URL (`entry` picks one run of an
//!     archive);
//!   - `{op: "urls", urls: [string], names: [string], label, notes: [string]}`: the files of one
//!     run (a rolling or Databricks log) at absolute URLs, in reading order;
//!   - `{op: "preset", name}`: a preset of the simulator, simulated;
//!   - `{op: "tables", run, tasks}` (the parts of a run): its tables and findings, answered as
//!     `{kind: "done", tables: string (JSON of `analysis::tables::Tables`), findings: string (JSON
//!     of `[analysis::findings::Finding]`)}`;
//!   - `{op: "serve", run, tasks}` (the parts of a run): the worker keeps the run and answers
//!     `{op: "raster", id, x0, x1, columns}` with `{kind: "raster", id, lanes: Uint8Array
//!     (render::timeline::lanes_to_bytes), raster_ms}`, for as long as the page keeps it;
//!   - `{op: "sweep", run, tasks, vary: [KEY=VALUES], deadline_s, price}`: calibrate on the
//!     run and simulate every configuration, posting `{kind: "progress", sweep}` as they come
//!     (JSON of `sim::sweep::Sweep` so far) and `{kind: "done", sweep}` at the end;
//!   - `{op: "fleet-load", …}` and `{op: "fleet-view", …}`: the fleet page's table (see
//!     `worker::fleet`);
//!   - `{op: "whatif", start: "before" | "preset:NAME", run: Uint8Array (a run file, for
//!     "before"), set: [[key, value]]}`: calibrate (or take the preset), simulate unchanged and
//!     changed;
//! - worker → page `{kind: "progress", name, read, total, out}` about every 100 ms (reading);
//! - worker → page `{kind: "done", runs: [RUN], spent_ms: {wait, push, finish,
//!   message}}`, RUN being `{run: Uint8Array (the run file
//!   without tasks), tasks: Uint8Array (the task columns), views: string (JSON of `[[period_s,
//!   [Profile; 4]], …]`), analysis: string
//!   (JSON of `analysis::Analysis`), tables: string (JSON of `analysis::tables::Tables`), entry,
//!   format, codec, bytes_in, bytes_out}`; or
//!   `{kind: "whatif", controls: string (JSON), notes: [string], baseline: RUN, predicted: RUN |
//!   null, error: string | null, simulate_ms, baseline_ms}`; or `{kind: "error", message}`, or
//!   `{kind: "panic", message}` just before a panic ends it.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::ingest::{run_file, Ingestor};

mod fleet;
use crate::ErrorKind;

/// Bytes pushed into the pipeline at a time.
const PIECE_BYTES: usize = 256 * 1024;
/// Progress messages at most this often, ms.
const PROGRESS_MS: f64 = 100.0;

fn scope() -> web_sys::DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn now_ms() -> f64 {
    scope().performance().map_or(0.0, |p| p.now())
}

thread_local! {
    /// Where a load's time went, ms: waiting for input, pushing it through the ingestor.
    static SPENT_MS: std::cell::Cell<(f64, f64)> = const { std::cell::Cell::new((0.0, 0.0)) };
}

fn spend(wait_ms: f64, push_ms: f64) {
    SPENT_MS.with(|c| {
        let (w, p) = c.get();
        c.set((w + wait_ms, p + push_ms));
    });
}

fn post(msg: &Object, transfer: Option<&Array>) {
    let s = scope();
    let _ = match transfer {
        Some(t) => s.post_message_with_transfer(msg, t),
        None => s.post_message(msg),
    };
}

fn obj(pairs: &[(&str, JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn js_text(v: JsValue) -> String {
    if let Some(e) = v.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    v.as_string().unwrap_or_else(|| format!("{v:?}"))
}

/// Starts the worker: a panic hook that reports, the job handler, then `ready`.
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        post(
            &obj(&[
                ("kind", "panic".into()),
                ("message", info.to_string().into()),
            ]),
            None,
        );
    }));
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|e: web_sys::MessageEvent| {
            let job = e.data();
            wasm_bindgen_futures::spawn_local(async move {
                // A serving worker's answers carry their request's id.
                let id = get(&job, "id");
                let msg = match run(&job).await {
                    Ok((msg, transfer)) => {
                        let _ = Reflect::set(&msg, &"id".into(), &id);
                        post(&msg, Some(&transfer));
                        return;
                    }
                    Err(message) => obj(&[
                        ("kind", "error".into()),
                        ("message", message.into()),
                        ("id", id),
                    ]),
                };
                post(&msg, None);
            });
        });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The worker lives for one job: the handler stays for its lifetime.
    on_message.forget();
    post(&obj(&[("kind", "ready".into())]), None);
}

/// An ingest error with what to do about it.
pub fn explain(e: &crate::Error) -> String {
    let hint = match e.kind {
        ErrorKind::Empty => "Pick the run's event log, CloudWatch export or run file.",
        ErrorKind::UnsupportedFormat => {
            "Runlens reads Spark event logs (plain, zstd, lz4, snappy, lzf, gzip, rolling and Databricks folders, ZIP downloads of the History Server), CloudWatch exports of Glue job metrics and Runlens run files."
        }
        ErrorKind::Corrupt => "The file is damaged: copy it again from where Spark wrote it.",
        ErrorKind::InvalidContent => {
            "Check that this is the whole file, as Spark or the AWS CLI wrote it."
        }
        ErrorKind::Io => "Try again; if it persists, download the file and open it from disk.",
    };
    format!("{e}. {hint}")
}

/// Progress reports, throttled.
struct Meter {
    name: String,
    read: u64,
    total: Option<u64>,
    last: f64,
}

impl Meter {
    fn report(&mut self, out: u64, force: bool) {
        let now = now_ms();
        if !force && now - self.last < PROGRESS_MS {
            return;
        }
        self.last = now;
        post(
            &obj(&[
                ("kind", "progress".into()),
                ("name", self.name.as_str().into()),
                ("read", JsValue::from_f64(self.read as f64)),
                (
                    "total",
                    self.total
                        .map_or(JsValue::NULL, |t| JsValue::from_f64(t as f64)),
                ),
                ("out", JsValue::from_f64(out as f64)),
            ]),
            None,
        );
    }
}

/// Pushes a stream's bytes into the ingestor.
async fn pump(
    stream: web_sys::ReadableStream,
    ing: &mut Ingestor,
    meter: &mut Meter,
) -> Result<(), String> {
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    loop {
        let t = now_ms();
        let chunk = JsFuture::from(reader.read())
            .await
            .map_err(|e| format!("{}: reading stopped: {}", meter.name, js_text(e)))?;
        let t1 = now_ms();
        if get(&chunk, "done").as_bool().unwrap_or(true) {
            return Ok(());
        }
        let Ok(value) = get(&chunk, "value").dyn_into::<Uint8Array>() else {
            return Err(format!(
                "{}: the stream gave something that is not bytes",
                meter.name
            ));
        };
        let bytes = value.to_vec();
        for piece in bytes.chunks(PIECE_BYTES) {
            ing.push(piece).map_err(|e| explain(&e))?;
            meter.read += piece.len() as u64;
            meter.report(ing.bytes_out(), false);
        }
        spend(t1 - t, now_ms() - t1);
    }
}

/// A run as the page gets it: its run file, its analysis, where it came from.
/// Periods the worker bins the views at (see `profiles::likely_periods_s`).
const VIEW_PERIODS: usize = 3;

fn run_message(l: &crate::ingest::Loaded, transfer: &Array) -> Object {
    let (json, tasks) = run_file::to_parts(&l.run);
    let bytes = Uint8Array::from(json.as_slice());
    let tasks = Uint8Array::from(tasks.as_slice());
    transfer.push(&bytes.buffer());
    transfer.push(&tasks.buffer());
    let analysis = crate::analysis::analyse(&l.run, crate::model::glue::DEFAULT_PRICE_PER_DPU_HOUR);
    let tables = crate::analysis::tables::tables(&l.run);
    // The four views at the periods the page is likely to draw them at, so that the page does not
    // walk the tasks itself.
    let views: Vec<(f64, Vec<crate::analysis::profiles::Profile>)> =
        crate::analysis::profiles::likely_periods_s(l.run.meta.duration_s, VIEW_PERIODS)
            .into_iter()
            .map(|p| (p, crate::analysis::profiles::profiles(&l.run, p)))
            .collect();
    obj(&[
        (
            "views",
            serde_json::to_string(&views).unwrap_or_default().into(),
        ),
        ("run", bytes.into()),
        ("tasks", tasks.into()),
        (
            "analysis",
            serde_json::to_string(&analysis).unwrap_or_default().into(),
        ),
        (
            "tables",
            serde_json::to_string(&tables).unwrap_or_default().into(),
        ),
        (
            "entry",
            l.entry.as_deref().map_or(JsValue::NULL, JsValue::from_str),
        ),
        ("format", l.format.as_str().into()),
        ("codec", l.codec.name().into()),
        ("bytes_in", JsValue::from_f64(l.bytes_in as f64)),
        ("bytes_out", JsValue::from_f64(l.bytes_out as f64)),
    ])
}

/// The run a message carries (`run`, `tasks`: see [`run_file::to_parts`]).
fn run_of_job(job: &JsValue, label: &str) -> Result<crate::model::Run, String> {
    let bytes: Uint8Array = get(job, "run")
        .dyn_into()
        .map_err(|_| "load a before run first".to_string())?;
    let tasks: Uint8Array = get(job, "tasks")
        .dyn_into()
        .map_err(|_| format!("{label}: no task columns"))?;
    run_file::from_parts(label, &bytes.to_vec(), &tasks.to_vec()).map_err(|e| e.to_string())
}

fn simulated(run: crate::model::Run) -> crate::ingest::Loaded {
    crate::ingest::Loaded {
        format: crate::model::SourceFormat::Simulator,
        ..crate::ingest::Loaded::computed(run)
    }
}

/// Runs one job: its answer and what it transfers, or an error message.
async fn run(job: &JsValue) -> Result<(Object, Array), String> {
    let op = get(job, "op").as_string().unwrap_or_default();
    let label = get(job, "label").as_string().unwrap_or_default();
    let mut ing = match op.as_str() {
        "files" => read_files(job, &label).await?,
        "url" => read_url(job, &label).await?,
        "urls" => read_urls(job, &label).await?,
        "serve" => return serve(job),
        "raster" => return raster(job),
        "preset" => return preset(job),
        "whatif" => return whatif(job),
        "tables" => return tables(job),
        "sweep" => return sweep(job),
        "fleet-load" => return fleet::load(job).await,
        "fleet-view" => return fleet::query(job),
        other => return Err(format!("unknown job {other:?}")),
    };
    let t = now_ms();
    ing.end_file();
    let all = ing.finish_all().map_err(|e| explain(&e))?;
    let t1 = now_ms();
    let runs = Array::new();
    let transfer = Array::new();
    for l in &all {
        runs.push(&run_message(l, &transfer));
    }
    let (wait_ms, push_ms) = SPENT_MS.with(|c| c.get());
    let spent = obj(&[
        ("wait", JsValue::from_f64(wait_ms)),
        ("push", JsValue::from_f64(push_ms)),
        ("finish", JsValue::from_f64(t1 - t)),
        ("message", JsValue::from_f64(now_ms() - t1)),
    ]);
    Ok((
        obj(&[
            ("kind", "done".into()),
            ("runs", runs.into()),
            ("spent_ms", spent.into()),
        ]),
        transfer,
    ))
}

thread_local! {
    /// The run a serving worker answers about (`serve`).
    static SERVED: std::cell::RefCell<Option<crate::model::Run>> = const { std::cell::RefCell::new(None) };
}

/// Keeps the run of the job (`run`, `tasks` parts) to answer `raster` requests about it.
fn serve(job: &JsValue) -> Result<(Object, Array), String> {
    let run = run_of_job(job, "run")?;
    SERVED.with(|s| *s.borrow_mut() = Some(run));
    Ok((obj(&[("kind", "serving".into())]), Array::new()))
}

/// The task timeline's lanes of the served run over `[x0, x1]` s in `columns` pixel columns.
fn raster(job: &JsValue) -> Result<(Object, Array), String> {
    let num = |k: &str| get(job, k).as_f64().filter(|v| v.is_finite());
    let (Some(x0), Some(x1), Some(columns)) = (num("x0"), num("x1"), num("columns")) else {
        return Err("a raster request needs x0, x1 and columns".into());
    };
    // A canvas is at most a few thousand pixels wide: a larger count is a bug, not a request.
    let columns = columns.clamp(0.0, 65_536.0) as usize;
    let t = now_ms();
    let bytes = SERVED.with(|s| {
        s.borrow().as_ref().map(|run| {
            crate::render::timeline::lanes_to_bytes(&crate::render::timeline::raster(
                run, x0, x1, columns,
            ))
        })
    });
    let bytes = bytes.ok_or("no run is served here")?;
    let lanes = Uint8Array::from(bytes.as_slice());
    let transfer = Array::of1(&lanes.buffer());
    Ok((
        obj(&[
            ("kind", "raster".into()),
            ("lanes", lanes.into()),
            ("raster_ms", JsValue::from_f64(now_ms() - t)),
        ]),
        transfer,
    ))
}

fn preset(job: &JsValue) -> Result<(Object, Array), String> {
    let name = get(job, "name").as_string().unwrap_or_default();
    let s = crate::sim::presets::preset(&name).ok_or_else(|| format!("no preset named {name}"))?;
    let run = crate::sim::simulate(&s)?;
    let transfer = Array::new();
    let runs = Array::of1(&run_message(&simulated(run), &transfer));
    Ok((
        obj(&[("kind", "done".into()), ("runs", runs.into())]),
        transfer,
    ))
}

/// The tables of a run the page read itself (the built-in examples).
/// Most configurations the page sweeps (the CLI sweeps up to `sim::sweep::MAX_CONFIGURATIONS`).
const PAGE_SWEEP_MAX: usize = 400;

fn sweep(job: &JsValue) -> Result<(Object, Array), String> {
    use crate::sim::{calibrate, simulate, sweep};
    let run = run_of_job(job, "before run")?;
    let axes = Array::from(&get(job, "vary"))
        .iter()
        .filter_map(|v| v.as_string())
        // The page names its own fields, not the CLI's flags.
        .map(|v| sweep::parse_axis(&v).map_err(|e| e.replace("--vary ", "").replace("--set ", "")))
        .collect::<Result<Vec<_>, _>>()?;
    if axes.is_empty() {
        return Err("give at least one setting to vary".into());
    }
    let n = sweep::count(&axes);
    if n > PAGE_SWEEP_MAX {
        return Err(format!(
            "{n} configurations: the page sweeps at most {PAGE_SWEEP_MAX} (the CLI's runlens sweep takes more)"
        ));
    }
    let deadline_s = get(job, "deadline_s").as_f64().filter(|d| *d > 0.0);
    let price = get(job, "price")
        .as_f64()
        .unwrap_or(crate::model::glue::DEFAULT_PRICE_PER_DPU_HOUR);
    let cal = calibrate::calibrate(&run)?;
    let baseline = simulate(&cal.scenario)?;
    let (measured, baseline) = (
        sweep::Outcome::of(&run, price),
        sweep::Outcome::of(&baseline, price),
    );
    let mut done: Vec<sweep::Configuration> = Vec::with_capacity(n);
    let mut last = now_ms();
    let state = |done: &[sweep::Configuration]| {
        let s = sweep::finish(
            measured.clone(),
            baseline.clone(),
            deadline_s,
            price,
            axes.clone(),
            done.to_vec(),
        );
        serde_json::to_string(&s).unwrap_or_default()
    };
    for settings in sweep::combinations(&axes) {
        let outcome = sweep::simulate_one(&cal.scenario, &settings, price);
        done.push(sweep::Configuration {
            settings,
            outcome,
            on_frontier: false,
            meets_deadline: None,
        });
        // The page draws the points as they come, a few times a second.
        if now_ms() - last > 150.0 && done.len() < n {
            last = now_ms();
            post(
                &obj(&[
                    ("kind", "progress".into()),
                    ("sweep", state(&done).into()),
                    ("total", JsValue::from_f64(n as f64)),
                ]),
                None,
            );
        }
    }
    Ok((
        obj(&[("kind", "done".into()), ("sweep", state(&done).into())]),
        Array::new(),
    ))
}

fn tables(job: &JsValue) -> Result<(Object, Array), String> {
    let run = run_of_job(job, "run")?;
    let tables = crate::analysis::tables::tables(&run);
    let analysis = crate::analysis::analyse(&run, crate::model::glue::DEFAULT_PRICE_PER_DPU_HOUR);
    Ok((
        obj(&[
            ("kind", "done".into()),
            (
                "tables",
                serde_json::to_string(&tables).unwrap_or_default().into(),
            ),
            (
                "findings",
                serde_json::to_string(&analysis.findings)
                    .unwrap_or_default()
                    .into(),
            ),
        ]),
        Array::new(),
    ))
}

fn whatif(job: &JsValue) -> Result<(Object, Array), String> {
    use crate::sim::{self, changes, presets};
    let start = get(job, "start").as_string().unwrap_or_default();
    let (scenario, notes) = match start.strip_prefix("preset:") {
        Some(name) => (
            presets::preset(name).ok_or_else(|| {
                format!("no preset named {name}: {}", presets::names().join(", "))
            })?,
            Vec::new(),
        ),
        None => {
            let run = run_of_job(job, "before run")?;
            let cal = sim::calibrate::calibrate(&run)?;
            (cal.scenario, cal.notes)
        }
    };
    let controls = serde_json::to_string(&changes::controls(&scenario)).unwrap_or_default();
    let t0 = now_ms();
    let baseline = sim::simulate(&scenario)?;
    let specs: Vec<String> = Array::from(&get(job, "set"))
        .iter()
        .filter_map(|kv| {
            let kv = Array::from(&kv);
            let (k, v) = (kv.get(0).as_string()?, kv.get(1).as_string()?);
            (!v.trim().is_empty()).then(|| format!("{k}={}", v.trim()))
        })
        .collect();
    let mut notes = notes;
    let t1 = now_ms();
    let predicted = changes::parse_all(&specs).and_then(|parsed| {
        let mut changed = scenario.clone();
        notes.extend(changes::apply(&mut changed, &parsed)?);
        sim::simulate(&changed)
    });
    let simulate_ms = now_ms() - t1;
    let baseline_ms = t1 - t0;
    let transfer = Array::new();
    let note_list = Array::new();
    for n in &notes {
        note_list.push(&JsValue::from_str(n));
    }
    let (predicted, error) = match predicted {
        Ok(run) => (
            JsValue::from(run_message(&simulated(run), &transfer)),
            JsValue::NULL,
        ),
        Err(e) => (JsValue::NULL, JsValue::from_str(&e)),
    };
    Ok((
        obj(&[
            ("kind", "whatif".into()),
            ("controls", controls.into()),
            ("notes", note_list.into()),
            (
                "baseline",
                run_message(&simulated(baseline), &transfer).into(),
            ),
            ("predicted", predicted),
            ("error", error),
            ("simulate_ms", JsValue::from_f64(simulate_ms)),
            ("baseline_ms", JsValue::from_f64(baseline_ms)),
        ]),
        transfer,
    ))
}

/// The page's own failure test (`?selftest=1`, tests/e2e): files named
/// `runlens-selftest-panic`, `-hang` and `-oom` make the worker panic, loop forever or run out
/// of memory, so that the page can show it survives each.
fn self_test(name: &str) {
    match name {
        "runlens-selftest-panic" => panic!("the self-test panic"),
        "runlens-selftest-hang" => {
            let mut n: u64 = 0;
            loop {
                n = std::hint::black_box(n.wrapping_add(1));
            }
        }
        "runlens-selftest-oom" => {
            let mut all: Vec<Vec<u8>> = Vec::new();
            loop {
                all.push(vec![1u8; 256 << 20]);
                std::hint::black_box(&all);
            }
        }
        _ => {}
    }
}

async fn read_files(job: &JsValue, label: &str) -> Result<Ingestor, String> {
    let files: Array = get(job, "files").dyn_into().map_err(|_| "no files given")?;
    let notes: Vec<String> = get(job, "notes")
        .dyn_into::<Array>()
        .unwrap_or_default()
        .iter()
        .filter_map(|n| n.as_string())
        .collect();
    let files: Vec<web_sys::File> = files
        .iter()
        .map(|f| f.dyn_into::<web_sys::File>().map_err(|_| "not a file"))
        .collect::<Result<_, _>>()?;
    let total: f64 = files.iter().map(|f| f.size()).sum();
    if get(job, "selftest").as_bool().unwrap_or(false) {
        for f in &files {
            self_test(&f.name());
        }
    }
    let mut ing = Ingestor::new(label);
    for n in notes {
        ing.warn(n);
    }
    let mut meter = Meter {
        name: label.to_string(),
        read: 0,
        total: Some(total as u64),
        last: 0.0,
    };
    for file in files {
        ing.begin_file(&file.name());
        meter.name = file.name();
        pump(file.stream(), &mut ing, &mut meter).await?;
    }
    meter.report(ing.bytes_out(), true);
    Ok(ing)
}

/// Fetches `url`: its body and its length if the server says it; an error a user can act on.
async fn fetch_body(
    url: &str,
    label: &str,
) -> Result<(web_sys::ReadableStream, Option<u64>), String> {
    let response = JsFuture::from(scope().fetch_with_str(url))
        .await
        .map_err(|e| {
            format!(
                "{label}: could not be fetched ({}). The server may be down, or it is on another site that does not allow this page to read it (CORS: it must send Access-Control-Allow-Origin).",
                js_text(e)
            )
        })?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| "not a response")?;
    if !response.ok() {
        let hint = if response.status() == 404 {
            " Check the URL."
        } else {
            ""
        };
        return Err(format!(
            "{label}: HTTP {} {}.{hint}",
            response.status(),
            response.status_text()
        ));
    }
    let total: Option<u64> = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse().ok());
    let body = response
        .body()
        .ok_or_else(|| format!("{label}: the response has no body."))?;
    Ok((body, total))
}

async fn read_urls(job: &JsValue, label: &str) -> Result<Ingestor, String> {
    let strings = |key: &str| -> Vec<String> {
        get(job, key)
            .dyn_into::<Array>()
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v.as_string())
            .collect()
    };
    let (urls, names) = (strings("urls"), strings("names"));
    if urls.is_empty() || urls.len() != names.len() {
        return Err(format!("{label}: no files given"));
    }
    let mut ing = Ingestor::new(label);
    for n in strings("notes") {
        ing.warn(n);
    }
    let mut meter = Meter {
        name: label.to_string(),
        read: 0,
        total: None,
        last: 0.0,
    };
    for (url, name) in urls.iter().zip(&names) {
        let (body, _) = fetch_body(url, name).await?;
        ing.begin_file(name);
        meter.name = name.clone();
        pump(body, &mut ing, &mut meter).await?;
    }
    meter.report(ing.bytes_out(), true);
    Ok(ing)
}

async fn read_url(job: &JsValue, label: &str) -> Result<Ingestor, String> {
    let url = get(job, "url").as_string().unwrap_or_default();
    let name = get(job, "name").as_string().unwrap_or_else(|| url.clone());
    let entry = get(job, "entry").as_string();
    let (body, total) = fetch_body(&url, label).await?;
    let mut meter = Meter {
        name: label.to_string(),
        read: 0,
        total,
        last: 0.0,
    };
    let mut ing = Ingestor::new(label).only_entry(entry.as_deref());
    ing.begin_file(&name);
    pump(body, &mut ing, &mut meter).await?;
    meter.report(ing.bytes_out(), true);
    Ok(ing)
}
