//! Loading runs into a column: files (picked or dropped) and URLs, read as streams through the
//! core's push pipeline, in slices that yield to the event loop so the page stays responsive.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use js_sys::{Reflect, Uint8Array};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::dom::{self, js_text, now_ms, yield_now};
use super::state::{Dash, LoadedRun, Progress, Side, Slot};
use crate::ingest::inputs::plan_files;
use crate::ingest::Ingestor;
use crate::ErrorKind;

/// Bytes pushed into the pipeline at a time: small enough that a highly compressed piece
/// (zstd logs compress ~40×) still parses in a few milliseconds.
const PIECE_BYTES: usize = 16 * 1024;
/// Work between two yields to the event loop, ms.
const SLICE_MS: f64 = 25.0;
/// Bodies up to this size (from Content-Length) are read in one piece.
const SMALL_BODY_BYTES: u64 = 2 * 1024 * 1024;
/// Progress updates at most this often, ms.
const PROGRESS_MS: f64 = 100.0;

enum Stop {
    Cancelled,
    Failed(String),
}

struct Meter {
    name: String,
    read: u64,
    total: Option<u64>,
    started: f64,
    slice_start: f64,
    last_report: f64,
}

impl Meter {
    fn new(name: String, total: Option<u64>) -> Meter {
        let now = now_ms();
        Meter {
            name,
            read: 0,
            total,
            started: now,
            slice_start: now,
            last_report: 0.0,
        }
    }

    fn progress(&self) -> Progress {
        let secs = ((now_ms() - self.started) / 1e3).max(1e-3);
        Progress {
            name: self.name.clone(),
            read: self.read,
            total: self.total,
            rate: self.read as f64 / secs,
        }
    }
}

fn set_progress(dash: Dash, side: Side, meter: &mut Meter, cancel: &AtomicBool) {
    let now = now_ms();
    if now - meter.last_report >= PROGRESS_MS && !cancel.load(Ordering::Relaxed) {
        meter.last_report = now;
        dash.slots[side.index()].set(Slot::Loading(meter.progress()));
    }
}

/// Pushes a stream's bytes into the ingestor.
async fn pump(
    dash: Dash,
    side: Side,
    stream: web_sys::ReadableStream,
    ing: &mut Ingestor,
    meter: &mut Meter,
    cancel: &AtomicBool,
) -> Result<(), Stop> {
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    loop {
        if cancel.load(Ordering::Relaxed) {
            let _ = reader.cancel();
            return Err(Stop::Cancelled);
        }
        let chunk = JsFuture::from(reader.read()).await.map_err(|e| {
            Stop::Failed(format!("{}: reading stopped: {}", meter.name, js_text(e)))
        })?;
        let done = Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        if done {
            return Ok(());
        }
        let Ok(value) =
            Reflect::get(&chunk, &"value".into()).and_then(|v| v.dyn_into::<Uint8Array>())
        else {
            return Err(Stop::Failed(format!(
                "{}: the stream gave something that is not bytes",
                meter.name
            )));
        };
        let bytes = value.to_vec();
        for piece in bytes.chunks(PIECE_BYTES) {
            ing.push(piece).map_err(|e| Stop::Failed(explain(&e)))?;
            meter.read += piece.len() as u64;
            if now_ms() - meter.slice_start >= SLICE_MS {
                set_progress(dash, side, meter, cancel);
                yield_now().await;
                meter.slice_start = now_ms();
                if cancel.load(Ordering::Relaxed) {
                    let _ = reader.cancel();
                    return Err(Stop::Cancelled);
                }
            }
        }
    }
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

/// An ingest error with what to do about it.
fn explain(e: &crate::Error) -> String {
    let hint = match e.kind {
        ErrorKind::Empty => "Pick the run's event log, CloudWatch export or run file.",
        ErrorKind::UnsupportedFormat => {
            "Runlens reads Spark event logs (plain, zstd, lz4, snappy, lzf, gzip, rolling folders), CloudWatch exports of Glue job metrics and Runlens run files."
        }
        ErrorKind::Corrupt => "The file is damaged: copy it again from where Spark wrote it.",
        ErrorKind::InvalidContent => "Check that this is the whole file, as Spark or the AWS CLI wrote it.",
        ErrorKind::Io => "Try again; if it persists, download the file and open it from disk.",
    };
    format!("{e}. {hint}")
}

async fn finish(
    dash: Dash,
    side: Side,
    source: String,
    ing: Ingestor,
    started: f64,
    cancel: &AtomicBool,
) {
    if cancel.load(Ordering::Relaxed) {
        return;
    }
    // Each step in its own task, so none holds the main thread long.
    let t = now_ms();
    let result = ing.finish();
    dom::measure_since(&format!("runlens:finish:{}", side.as_str()), t);
    yield_now().await;
    match result {
        Ok(loaded) => {
            let t = now_ms();
            let run = LoadedRun::new(source, loaded);
            dom::measure_since(&format!("runlens:analyse:{}", side.as_str()), t);
            yield_now().await;
            let t = now_ms();
            run.warm_views();
            dom::measure_since(&format!("runlens:profiles:{}", side.as_str()), t);
            if cancel.load(Ordering::Relaxed) {
                return;
            }
            dom::mark(&format!("runlens:loaded:{}", side.as_str()));
            dom::measure_since(&format!("runlens:load:{}", side.as_str()), started);
            deliver(dash, side, Slot::Ready(Arc::new(run)));
        }
        Err(e) => deliver(dash, side, Slot::Failed(explain(&e))),
    }
}

fn stopped(dash: Dash, side: Side, stop: Stop) {
    match stop {
        Stop::Cancelled => {}
        Stop::Failed(msg) => deliver(dash, side, Slot::Failed(msg)),
    }
}

/// Loads files picked or dropped together (one run: a log, the parts of a rolling log, or the
/// files of a CloudWatch export) into `side`.
pub fn load_files(dash: Dash, side: Side, files: Vec<web_sys::File>) {
    if files.is_empty() {
        return;
    }
    let cancel = dash.new_load(side);
    dash.selected[side.index()].set(None);
    let names: Vec<String> = files.iter().map(|f| f.name()).collect();
    let label = if names.len() == 1 {
        names[0].clone()
    } else {
        format!("{} files", names.len())
    };
    let plan = match plan_files(&label, &names) {
        Ok(p) => p,
        Err(e) => {
            dash.slots[side.index()].set(Slot::Failed(format!(
                "{e}. Drop one run per column: one event log, the files of one rolling log, or one CloudWatch export."
            )));
            return;
        }
    };
    let total: u64 = plan.order.iter().map(|&i| files[i].size() as u64).sum();
    let mut meter = Meter::new(label.clone(), Some(total));
    dash.slots[side.index()].set(Slot::Loading(meter.progress()));
    spawn_local(async move {
        let started = now_ms();
        let mut ing = Ingestor::new(&label);
        for note in plan.notes {
            ing.warn(note);
        }
        for &i in &plan.order {
            let file = &files[i];
            ing.begin_file(&file.name());
            meter.name = file.name();
            if let Err(stop) = pump(dash, side, file.stream(), &mut ing, &mut meter, &cancel).await
            {
                return stopped(dash, side, stop);
            }
        }
        finish(dash, side, label, ing, started, &cancel).await;
    });
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

/// Loads a run from a URL into `side`.
pub fn load_url(dash: Dash, side: Side, raw: String) {
    let cancel = dash.new_load(side);
    dash.selected[side.index()].set(None);
    let url = match resolve_url(&raw) {
        Ok(u) => u,
        Err(e) => {
            dash.slots[side.index()].set(Slot::Failed(e));
            return;
        }
    };
    let mut meter = Meter::new(raw.clone(), None);
    dash.slots[side.index()].set(Slot::Loading(meter.progress()));
    spawn_local(async move {
        let started = now_ms();
        let response = match gloo_net::http::Request::get(&url).send().await {
            Ok(r) => r,
            Err(e) => {
                return stopped(
                    dash,
                    side,
                    Stop::Failed(format!(
                        "{raw}: could not be fetched ({e}). The server may be down, or it is on another site that does not allow this page to read it (CORS: it must send Access-Control-Allow-Origin)."
                    )),
                )
            }
        };
        if !response.ok() {
            let hint = if response.status() == 404 {
                " Check the URL."
            } else {
                ""
            };
            return stopped(
                dash,
                side,
                Stop::Failed(format!(
                    "{raw}: HTTP {} {}.{hint}",
                    response.status(),
                    response.status_text()
                )),
            );
        }
        meter.total = response
            .headers()
            .get("content-length")
            .and_then(|v| v.parse().ok());
        let name = url
            .rsplit('/')
            .next()
            .unwrap_or(&raw)
            .split(['?', '#'])
            .next()
            .unwrap_or(&raw)
            .to_string();
        let mut ing = Ingestor::new(&raw);
        ing.begin_file(if name.is_empty() { &raw } else { &name });
        // A small body in one piece (fewer round trips through the event loop); a large one, or
        // one of unknown size, as a stream.
        if meter.total.is_some_and(|t| t <= SMALL_BODY_BYTES) {
            match response.binary().await {
                Ok(bytes) => {
                    if let Err(e) = ing.push(&bytes) {
                        return stopped(dash, side, Stop::Failed(explain(&e)));
                    }
                }
                Err(e) => {
                    let msg = format!("{raw}: reading stopped: {e}");
                    return stopped(dash, side, Stop::Failed(msg));
                }
            }
        } else {
            let Some(body) = response.body() else {
                let msg = format!("{raw}: the response has no body.");
                return stopped(dash, side, Stop::Failed(msg));
            };
            if let Err(stop) = pump(dash, side, body, &mut ing, &mut meter, &cancel).await {
                return stopped(dash, side, stop);
            }
        }
        finish(dash, side, raw, ing, started, &cancel).await;
    });
}

/// Sets a column to a run computed in the page (the simulator).
pub async fn set_run(dash: Dash, side: Side, source: String, loaded: crate::ingest::Loaded) {
    dash.cancel_load(side);
    // Analysis and chart data in their own tasks, as for a loaded file.
    yield_now().await;
    let run = LoadedRun::new(source, loaded);
    yield_now().await;
    run.warm_views();
    yield_now().await;
    dash.selected[side.index()].set(None);
    dash.slots[side.index()].set(Slot::Ready(Arc::new(run)));
}
