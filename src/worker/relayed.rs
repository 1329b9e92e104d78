//! Decompression and parsing on two workers (`ingest::relay`): the job's worker starts a
//! reading worker, hands it the input's streams, and parses the batches it sends back while it
//! decompresses the next ones. Only worth it for compressed inputs of some size
//! ([`relay::worth_two_workers`]); the reading worker dies with the job's worker.
//!
//! Protocol between the two (plain objects through `postMessage`):
//! - parsing → reading `{op: "read", label, inputs: [{name, source: File | URL}], entry, total}`
//!   (the reading worker fetches a URL itself);
//! - reading → parsing `{kind: "batch", heads, bytes: ArrayBuffer, length}` (see
//!   `relay::encode`; the buffer transferred), at most
//!   [`IN_FLIGHT`] unanswered; `{kind: "progress", …}` (forwarded to the page);
//!   `{kind: "read", bytes_in, decode_ms, wait_ms}` at the end; or `{kind: "error", message}`;
//! - parsing → reading `{ack: true, buffer}` for each batch parsed, giving its buffer back for the
//!   next batch; `{stop: true}` when the content was rejected.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Object, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::inbox::Inbox;
use super::{explain, get, js_text, now_ms, obj, post, scope, spend, Meter};
use crate::ingest::relay::{self, BatchSink, Event, FileReader};
use crate::ingest::RunSinks;

/// Compressed bytes decoded at a time: at most a few MB of log (zstd logs compress 20-40×).
const COMPRESSED_PIECE_BYTES: usize = 64 * 1024;

/// Batches sent and not yet parsed, at most: bounds what waits in the parsing worker's queue
/// (about this many MB).
const IN_FLIGHT: usize = 4;

/// One input of a job: a file, or a fetched body.
pub struct Input {
    /// Its name (messages, codec by extension).
    pub name: String,
    /// A `File`, or the URL to fetch.
    pub source: JsValue,
}

/// The reading worker's job: decompress the inputs into batches for the parsing worker.
pub async fn serve_read(job: &JsValue) -> Result<(Object, Array), String> {
    let inbox = Inbox::of_scope(&scope());
    let label = get(job, "label").as_string().unwrap_or_default();
    let only = get(job, "entry").as_string();
    let inputs: Array = get(job, "inputs")
        .dyn_into()
        .map_err(|_| "no inputs given")?;
    let single = inputs.length() == 1;
    let pending: Rc<RefCell<Vec<Event>>> = Rc::default();
    let out = pending.clone();
    let mut sink = BatchSink::new(move |e| {
        out.borrow_mut().push(e);
        true
    });
    let mut meter = Meter {
        name: label.clone(),
        read: 0,
        total: get(job, "total").as_f64().map(|t| t as u64),
        last: 0.0,
    };
    let (mut in_flight, mut out_bytes, mut decode_ms, mut wait_ms) = (0usize, 0u64, 0.0, 0.0);
    // Buffers the parsing worker gave back, reused for the next batches.
    let mut pool: Vec<js_sys::ArrayBuffer> = Vec::new();
    for input in inputs.iter() {
        let name = get(&input, "name")
            .as_string()
            .unwrap_or_else(|| label.clone());
        let source = get(&input, "source");
        let stream = match (source.dyn_ref::<web_sys::File>(), source.as_string()) {
            (Some(f), _) => f.stream(),
            (None, Some(url)) => {
                let (body, total) = super::fetch_body(&url, &label).await?;
                meter.total = meter.total.or(total);
                body
            }
            (None, None) => return Err(format!("{name}: neither a file nor a URL")),
        };
        meter.name = name.clone();
        let mut file = FileReader::new(&name, single, only.as_deref());
        let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
        loop {
            let t = now_ms();
            let chunk = JsFuture::from(reader.read())
                .await
                .map_err(|e| format!("{name}: reading stopped: {}", js_text(e)))?;
            let t1 = now_ms();
            wait_ms += t1 - t;
            if get(&chunk, "done").as_bool().unwrap_or(true) {
                break;
            }
            let Ok(value) = get(&chunk, "value").dyn_into::<Uint8Array>() else {
                return Err(format!(
                    "{name}: the stream gave something that is not bytes"
                ));
            };
            let bytes = value.to_vec();
            // Small pieces: a compressed MB can hold 40 MB of log, which must not pile up here
            // before the parsing worker gets any of it.
            for piece in bytes.chunks(COMPRESSED_PIECE_BYTES) {
                let t = now_ms();
                file.push(piece, &mut sink);
                meter.read += piece.len() as u64;
                out_bytes += send(&pending, &mut in_flight, &mut pool);
                decode_ms += now_ms() - t;
                meter.report(out_bytes, false);
                if !settle(&inbox, &mut in_flight, IN_FLIGHT, &mut pool).await? {
                    return Ok((obj(&[("kind", "read".into())]), Array::new()));
                }
            }
        }
        let t = now_ms();
        file.finish(&mut sink);
        decode_ms += now_ms() - t;
        out_bytes += send(&pending, &mut in_flight, &mut pool);
    }
    sink.flush();
    out_bytes += send(&pending, &mut in_flight, &mut pool);
    meter.report(out_bytes, true);
    Ok((
        obj(&[
            ("kind", "read".into()),
            ("bytes_in", JsValue::from_f64(meter.read as f64)),
            ("decode_ms", JsValue::from_f64(decode_ms)),
            ("wait_ms", JsValue::from_f64(wait_ms)),
        ]),
        Array::new(),
    ))
}

/// Posts the events gathered so far as one batch, in a buffer of the pool if one is big
/// enough; the decompressed bytes it held.
fn send(
    pending: &Rc<RefCell<Vec<Event>>>,
    in_flight: &mut usize,
    pool: &mut Vec<js_sys::ArrayBuffer>,
) -> u64 {
    let events = std::mem::take(&mut *pending.borrow_mut());
    if events.is_empty() {
        return 0;
    }
    let (heads, bytes) = relay::encode(events);
    let n = bytes.len();
    let buffer = match pool.iter().position(|b| b.byte_length() as usize >= n) {
        Some(i) => pool.swap_remove(i),
        None => js_sys::ArrayBuffer::new(n.max(2 * relay::BATCH_BYTES) as u32),
    };
    Uint8Array::new_with_byte_offset_and_length(&buffer, 0, n as u32).copy_from(&bytes);
    let transfer = Array::of1(&buffer);
    post(
        &obj(&[
            ("kind", "batch".into()),
            ("heads", heads.into()),
            ("bytes", buffer.into()),
            ("length", JsValue::from_f64(n as f64)),
        ]),
        Some(&transfer),
    );
    *in_flight += 1;
    n as u64
}

/// Takes the parsing worker's answers (and the buffers they give back), waiting while `limit`
/// batches or more are unanswered; false once it said stop.
async fn settle(
    inbox: &Inbox,
    in_flight: &mut usize,
    limit: usize,
    pool: &mut Vec<js_sys::ArrayBuffer>,
) -> Result<bool, String> {
    loop {
        let m = if *in_flight >= limit {
            inbox.next().await?
        } else {
            match inbox.try_next() {
                Some(m) => m?,
                None => return Ok(true),
            }
        };
        if get(&m, "stop").as_bool().unwrap_or(false) {
            return Ok(false);
        }
        if get(&m, "ack").as_bool().unwrap_or(false) {
            *in_flight = in_flight.saturating_sub(1);
            if let Ok(b) = get(&m, "buffer").dyn_into::<js_sys::ArrayBuffer>() {
                pool.push(b);
            }
        }
    }
}

/// What the parsing worker read through a reading worker: the sinks, compressed bytes read, and
/// the reading worker's time decompressing, ms.
pub struct Relayed {
    /// The runs, to be finished.
    pub sinks: RunSinks,
    /// Compressed bytes read.
    pub bytes_in: u64,
    /// The reading worker's time decompressing, ms.
    pub decode_ms: f64,
    /// The reading worker's time waiting for the input's bytes, ms.
    pub fetch_ms: f64,
}

/// Reads `inputs` through a reading worker, parsing here what it decompresses.
pub async fn read_relayed(
    label: &str,
    inputs: Vec<Input>,
    notes: Vec<String>,
    entry: Option<String>,
    total: Option<f64>,
) -> Result<Relayed, String> {
    let worker = web_sys::Worker::new(super::WORKER_SCRIPT).map_err(|e| {
        format!(
            "{label}: could not start the reading worker ({})",
            js_text(e)
        )
    })?;
    let mut sinks = RunSinks::new(label);
    for n in notes {
        sinks.warn(n);
    }
    let list = Array::new();
    for i in inputs {
        list.push(&obj(&[("name", i.name.into()), ("source", i.source)]).into());
    }
    let job = obj(&[
        ("op", "read".into()),
        ("label", label.into()),
        ("inputs", list.into()),
        ("entry", entry.map_or(JsValue::NULL, JsValue::from)),
        ("total", total.map_or(JsValue::NULL, JsValue::from_f64)),
    ]);
    let result = parse_from(&worker, label, job, sinks).await;
    worker.terminate();
    result
}

/// Posts `job` to the reading worker once it is ready and parses what it sends into `sinks`.
async fn parse_from(
    worker: &web_sys::Worker,
    label: &str,
    job: Object,
    mut sinks: RunSinks,
) -> Result<Relayed, String> {
    let inbox = Inbox::of_worker(worker);
    let mut panic: Option<String> = None;
    let died = |why: String, panic: &Option<String>| {
        format!(
            "{label}: the reading worker stopped: {}",
            panic.clone().unwrap_or(why)
        )
    };
    // The batch being parsed, copied out of its buffer (reused: one allocation per load).
    let mut scratch: Vec<u8> = Vec::new();
    let mut job = Some(job);
    loop {
        let t = now_ms();
        let m = inbox.next().await.map_err(|e| died(e, &panic))?;
        let t1 = now_ms();
        match get(&m, "kind").as_string().as_deref() {
            Some("ready") => {
                if let Some(job) = job.take() {
                    worker
                        .post_message(&job)
                        .map_err(|e| died(js_text(e), &panic))?;
                }
            }
            Some("batch") => {
                let heads = get(&m, "heads").as_string().unwrap_or_default();
                let buffer: js_sys::ArrayBuffer = get(&m, "bytes").dyn_into().map_err(|_| {
                    format!("{label}: the reading worker sent a batch without bytes")
                })?;
                let n = get(&m, "length").as_f64().unwrap_or(0.0) as usize;
                if n > buffer.byte_length() as usize {
                    return Err(format!("{label}: the reading worker sent a damaged batch"));
                }
                if scratch.len() < n {
                    scratch.resize(n, 0);
                }
                Uint8Array::new_with_byte_offset_and_length(&buffer, 0, n as u32)
                    .copy_to(&mut scratch[..n]);
                let stopped = relay::apply_encoded(&mut sinks, label, &heads, &scratch[..n])
                    .map_err(|e| explain(&e))?;
                if let Some(err) = stopped {
                    let _ = worker.post_message(&obj(&[("stop", true.into())]));
                    return Err(explain(&err));
                }
                // The buffer goes back to be filled again.
                let _ = worker.post_message_with_transfer(
                    &obj(&[("ack", true.into()), ("buffer", buffer.clone().into())]),
                    &Array::of1(&buffer),
                );
                spend(t1 - t, now_ms() - t1);
            }
            Some("progress") => post(&m.unchecked_into(), None),
            Some("read") => {
                return Ok(Relayed {
                    sinks,
                    bytes_in: get(&m, "bytes_in").as_f64().unwrap_or(0.0) as u64,
                    decode_ms: get(&m, "decode_ms").as_f64().unwrap_or(0.0),
                    fetch_ms: get(&m, "wait_ms").as_f64().unwrap_or(0.0),
                })
            }
            Some("panic") => panic = get(&m, "message").as_string(),
            _ => {
                return Err(get(&m, "message")
                    .as_string()
                    .unwrap_or_else(|| died("it said nothing".into(), &panic)))
            }
        }
    }
}
