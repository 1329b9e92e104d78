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

/// The worker script's URL against the page.
fn worker_url() -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.base_uri().ok().flatten())
        .and_then(|base| web_sys::Url::new_with_base(WORKER_SCRIPT, &base).ok())
        .map(|u| u.href())
        .unwrap_or_else(|| WORKER_SCRIPT.to_string())
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
    let url = worker_url();
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
                    let t = super::dom::now_ms();
                    fin2();
                    super::dom::measure_since("runlens:receive:terminate", t);
                    let t = super::dom::now_ms();
                    (on2.borrow_mut())(Ok(Reply::Done(data)));
                    super::dom::measure_since("runlens:receive:handler", t);
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

/// What hears a serving worker's answer to one request.
type Answer = Box<dyn FnOnce(Result<JsValue, String>)>;

/// A worker kept for a run, answering requests about it (the task timeline's raster), so that
/// the main thread never walks the run's tasks to redraw. Ended when the last run using it goes.
struct Server {
    worker: web_sys::Worker,
    /// Requests waiting for the worker to start, then for their answers.
    queued: Queue,
    pending: Rc<RefCell<HashMap<u32, Answer>>>,
    next: u32,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
}

thread_local! {
    static SERVERS: RefCell<HashMap<u32, Server>> = RefCell::new(HashMap::new());
    static NEXT_SERVER: std::cell::Cell<u32> = const { std::cell::Cell::new(1) };
}

/// Messages for a serving worker that is not ready yet (each with what it hands over), or none
/// once it is.
type Queue = Rc<RefCell<Option<Vec<(Object, Option<Array>)>>>>;

/// Starts a worker that keeps the run of `parts` (`run_file::to_parts`) and answers [`ask`]; its
/// id ([`release`] it when the run goes). None if no worker can start (the page then does the work
/// itself).
pub fn serve(run: &js_sys::Uint8Array, tasks: &js_sys::Uint8Array) -> Option<u32> {
    let job = Object::new();
    // Handed over, not copied: the page has read them into its own memory already, and a copy of
    // a million tasks' columns would hold the main thread for tens of ms.
    let _ = Reflect::set(&job, &"op".into(), &"serve".into());
    let _ = Reflect::set(&job, &"run".into(), run);
    let _ = Reflect::set(&job, &"tasks".into(), tasks);
    let (a, b) = (run.buffer(), tasks.buffer());
    // One buffer may be listed only once.
    let transfer = if js_sys::Object::is(&a, &b) {
        Array::of1(&a)
    } else {
        Array::of2(&a, &b)
    };
    server_with(vec![(job, Some(transfer))])
}

/// Starts a worker that answers [`ask`] (the fleet page's: `worker::fleet`); its id ([`release`]
/// it when done). None if no worker can start.
pub fn server() -> Option<u32> {
    server_with(Vec::new())
}

/// A serving worker that is sent `first` once it is ready, before any request.
fn server_with(first: Vec<(Object, Option<Array>)>) -> Option<u32> {
    let worker = web_sys::Worker::new(&worker_url()).ok()?;
    let queued: Queue = Rc::new(RefCell::new(Some(first)));
    let pending: Rc<RefCell<HashMap<u32, Answer>>> = Rc::default();
    let panic: Rc<RefCell<Option<String>>> = Rc::default();
    let (w2, q2, p2, panic2) = (
        worker.clone(),
        queued.clone(),
        pending.clone(),
        panic.clone(),
    );
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let data = e.data();
            match get(&data, "kind").as_string().as_deref() {
                Some("ready") => {
                    for (m, transfer) in q2.borrow_mut().take().unwrap_or_default() {
                        let _ = match transfer {
                            Some(t) => w2.post_message_with_transfer(&m, &t),
                            None => w2.post_message(&m),
                        };
                    }
                }
                Some("panic") => *panic2.borrow_mut() = get(&data, "message").as_string(),
                Some("serving") | Some("progress") => {}
                _ => {
                    let id = get(&data, "id").as_f64().map(|v| v as u32);
                    let answer = id.and_then(|id| p2.borrow_mut().remove(&id));
                    if let Some(answer) = answer {
                        let ok = get(&data, "kind").as_string().as_deref() != Some("error");
                        answer(match ok {
                            true => Ok(data),
                            false => Err(get(&data, "message").as_string().unwrap_or_default()),
                        });
                    }
                }
            }
        });
    let id = NEXT_SERVER.with(|n| {
        let id = n.get();
        n.set(id.wrapping_add(1).max(1));
        id
    });
    let p3 = pending.clone();
    let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
        e.prevent_default();
        // Every waiting request hears that the worker is gone; later ones are refused at once.
        let waiting: Vec<Answer> = p3.borrow_mut().drain().map(|(_, a)| a).collect();
        release(id);
        // A panic says what happened just before the worker died; otherwise the browser's word.
        let why = panic.borrow().clone().unwrap_or_else(|| match e.message() {
            m if m.is_empty() => "it ran out of memory or could not start".into(),
            m => m,
        });
        for answer in waiting {
            answer(Err(format!("the worker stopped: {why}")));
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    SERVERS.with(|s| {
        s.borrow_mut().insert(
            id,
            Server {
                worker,
                queued,
                pending,
                next: 1,
                _on_message: on_message,
                _on_error: on_error,
            },
        )
    });
    Some(id)
}

/// Asks serving worker `id` (`request` gets an `id` field); `on` hears the answer or why there is
/// none, once.
pub fn ask(id: u32, request: Object, on: impl FnOnce(Result<JsValue, String>) + 'static) {
    let known = SERVERS.with(|s| s.borrow().contains_key(&id));
    if !known {
        return on(Err("the run's worker is gone".into()));
    }
    SERVERS.with(|s| {
        let mut s = s.borrow_mut();
        let Some(server) = s.get_mut(&id) else {
            return;
        };
        let n = server.next;
        server.next = n.wrapping_add(1);
        let _ = Reflect::set(&request, &"id".into(), &JsValue::from_f64(n as f64));
        server.pending.borrow_mut().insert(n, Box::new(on));
        let mut queued = server.queued.borrow_mut();
        match queued.as_mut() {
            Some(q) => q.push((request, None)),
            None => {
                let _ = server.worker.post_message(&request);
            }
        }
    });
}

/// The run of serving worker `id` is gone: the worker ends.
pub fn release(id: u32) {
    if let Some(server) = SERVERS.with(|s| s.borrow_mut().remove(&id)) {
        server.worker.terminate();
        // Its handlers may be running now: dropped after this turn of the event loop.
        wasm_bindgen_futures::spawn_local(async move {
            drop(server);
        });
    }
}
