//! Jobs for the page's worker (`src/worker/`): one Web Worker per job, the unit of failure. A
//! job is known by a key (a column's load, the what-if): starting one ends the previous job of
//! that key, and a crash, an exhausted memory or a job that takes too long costs only that job.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::dom::js_text;

/// The worker's start script, relative to the page (`worker.js`, copied by Trunk: index.html).
const WORKER_SCRIPT: &str = "worker.js";

/// What a job says.
pub enum Reply {
    /// Progress (`{kind: "progress", …}`).
    Progress(JsValue),
    /// The answer (`{kind: "done" | "whatif", …}`); the worker is gone.
    Done(JsValue),
}

/// What hears a job.
type Handler = dyn FnMut(Result<Reply, String>);

/// A worker and its handlers (dropped with it).
struct Running {
    worker: web_sys::Worker,
    /// False once the job was stopped: late events are ignored.
    alive: Rc<std::cell::Cell<bool>>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
    /// A pending time limit.
    timer: Option<i32>,
}

thread_local! {
    static JOBS: RefCell<HashMap<String, Running>> = RefCell::new(HashMap::new());
}

/// Ends the job `key`, if one runs; its handler hears nothing more.
pub fn stop(key: &str) {
    let job = JOBS.with(|j| j.borrow_mut().remove(key));
    if let Some(j) = job {
        j.alive.set(false);
        j.worker.terminate();
        if let (Some(t), Some(w)) = (j.timer, web_sys::window()) {
            w.clear_timeout_with_handle(t);
        }
        // The handlers may be running now (a job ends itself from its own message): they are
        // dropped after this turn of the event loop.
        wasm_bindgen_futures::spawn_local(async move {
            drop(j);
        });
    }
}

/// Reads a field of a message.
pub fn get(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
}

/// Starts `job` under `key` (ending the previous job of that key). `on` hears its progress,
/// then its answer or what went wrong (`Err` with a message), once; after `limit_ms` without an
/// answer the job is ended with an error.
pub fn start(
    key: &str,
    job: Object,
    transfer: Option<Array>,
    limit_ms: Option<i32>,
    on: impl FnMut(Result<Reply, String>) + 'static,
) {
    stop(key);
    let on: Rc<RefCell<Handler>> = Rc::new(RefCell::new(on));
    let url = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.base_uri().ok().flatten())
        .and_then(|base| web_sys::Url::new_with_base(WORKER_SCRIPT, &base).ok())
        .map(|u| u.href())
        .unwrap_or_else(|| WORKER_SCRIPT.to_string());
    // A classic worker: its start script uses importScripts (Trunk's no-modules glue).
    let worker = match web_sys::Worker::new(&url) {
        Ok(w) => w,
        Err(e) => {
            (on.borrow_mut())(Err(format!(
                "the page could not start its worker ({})",
                js_text(e)
            )));
            return;
        }
    };
    let panic: Rc<RefCell<Option<String>>> = Rc::default();
    let alive = Rc::new(std::cell::Cell::new(true));
    let finished = {
        let key = key.to_string();
        move || stop(&key)
    };
    let (w2, on2, p2, fin2, a2) = (
        worker.clone(),
        on.clone(),
        panic.clone(),
        finished.clone(),
        alive.clone(),
    );
    let mut job = Some((job, transfer));
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            if !a2.get() {
                return;
            }
            let data = e.data();
            match get(&data, "kind").as_string().as_deref() {
                Some("ready") => {
                    if let Some((job, transfer)) = job.take() {
                        let _ = match transfer {
                            Some(t) => w2.post_message_with_transfer(&job, &t),
                            None => w2.post_message(&job),
                        };
                    }
                }
                Some("progress") => (on2.borrow_mut())(Ok(Reply::Progress(data))),
                Some("done" | "whatif") => {
                    fin2();
                    (on2.borrow_mut())(Ok(Reply::Done(data)));
                }
                Some("panic") => *p2.borrow_mut() = get(&data, "message").as_string(),
                _ => {
                    fin2();
                    let msg = get(&data, "message")
                        .as_string()
                        .unwrap_or_else(|| "the worker stopped".into());
                    (on2.borrow_mut())(Err(msg));
                }
            }
        });
    let (on3, fin3, a3) = (on.clone(), finished.clone(), alive.clone());
    let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
        e.prevent_default();
        if !a3.get() {
            return;
        }
        fin3();
        // A panic says what happened just before the worker died; otherwise the browser's word.
        let why = panic.borrow().clone().unwrap_or_else(|| {
            let m = e.message();
            if m.is_empty() {
                "it ran out of memory or could not start".into()
            } else {
                m
            }
        });
        (on3.borrow_mut())(Err(format!("it stopped: {why}")));
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let timer = limit_ms.and_then(|ms| {
        let on4 = on.clone();
        let fin4 = finished.clone();
        let a4 = alive.clone();
        let cb = Closure::once_into_js(move || {
            if !a4.get() {
                return;
            }
            fin4();
            (on4.borrow_mut())(Err(format!(
                "it did not finish within {} s and was stopped",
                ms / 1000
            )));
        });
        web_sys::window()?
            .set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), ms)
            .ok()
    });
    JOBS.with(|j| {
        j.borrow_mut().insert(
            key.to_string(),
            Running {
                worker,
                alive,
                _on_message: on_message,
                _on_error: on_error,
                timer,
            },
        )
    });
}
