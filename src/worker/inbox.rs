//! Messages from another worker, awaited one at a time: the relay's two sides run as plain
//! async loops instead of callbacks.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

enum Target {
    Worker(web_sys::Worker),
    Scope(web_sys::DedicatedWorkerGlobalScope),
}

/// What arrived, in order, and who waits for the next one.
#[derive(Default)]
struct Queue {
    items: VecDeque<Result<JsValue, String>>,
    waiting: Option<Function>,
}

/// Messages of a worker (the reading side's) or of this worker's own scope (from its parent).
pub struct Inbox {
    queue: Rc<RefCell<Queue>>,
    /// Whose handlers these are: unset when the inbox goes, so that a late message never calls a
    /// dropped closure.
    target: Target,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Option<Closure<dyn FnMut(web_sys::ErrorEvent)>>,
}

fn wake(queue: &Rc<RefCell<Queue>>, item: Result<JsValue, String>) {
    let waiting = {
        let mut q = queue.borrow_mut();
        q.items.push_back(item);
        q.waiting.take()
    };
    if let Some(f) = waiting {
        let _ = f.call0(&JsValue::NULL);
    }
}

impl Inbox {
    /// The messages (and the death) of `worker`, a worker this one started.
    pub fn of_worker(worker: &web_sys::Worker) -> Inbox {
        let queue: Rc<RefCell<Queue>> = Rc::default();
        let q = queue.clone();
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                wake(&q, Ok(e.data()))
            });
        let q = queue.clone();
        let on_error =
            Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
                e.prevent_default();
                let m = e.message();
                wake(
                    &q,
                    Err(if m.is_empty() {
                        "it ran out of memory or could not start".into()
                    } else {
                        m
                    }),
                );
            });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Inbox {
            queue,
            target: Target::Worker(worker.clone()),
            _on_message: on_message,
            _on_error: Some(on_error),
        }
    }

    /// The messages this worker's parent posts to it (replacing the scope's handler).
    pub fn of_scope(scope: &web_sys::DedicatedWorkerGlobalScope) -> Inbox {
        let queue: Rc<RefCell<Queue>> = Rc::default();
        let q = queue.clone();
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                wake(&q, Ok(e.data()))
            });
        scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        Inbox {
            queue,
            target: Target::Scope(scope.clone()),
            _on_message: on_message,
            _on_error: None,
        }
    }

    /// The next message, or why the worker died.
    pub async fn next(&self) -> Result<JsValue, String> {
        loop {
            if let Some(item) = self.queue.borrow_mut().items.pop_front() {
                return item;
            }
            let q = self.queue.clone();
            let p = Promise::new(&mut |resolve, _| q.borrow_mut().waiting = Some(resolve));
            let _ = JsFuture::from(p).await;
        }
    }

    /// A message if one has arrived, without waiting.
    pub fn try_next(&self) -> Option<Result<JsValue, String>> {
        self.queue.borrow_mut().items.pop_front()
    }
}

impl Drop for Inbox {
    fn drop(&mut self) {
        match &self.target {
            Target::Worker(w) => {
                w.set_onmessage(None);
                w.set_onerror(None);
            }
            Target::Scope(s) => s.set_onmessage(None),
        }
    }
}
