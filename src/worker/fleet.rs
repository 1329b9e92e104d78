//! The fleet page's worker jobs: read a fleet table (`fleet-load`), keep it, and answer each
//! query of the page (`fleet-view`) with the rows it shows, formatted, so that the main thread
//! never parses, sorts or scans the rows.
//!
//! - `{op: "fleet-load", name, url | file}` → `{kind: "fleet-loaded", rows, warnings}`;
//! - `{op: "fleet-view", sort, desc, job, finding, logs, limit}` → `{kind: "fleet-view",
//!   matched, headline, warnings, choices: [[value, label]], rows: [ROW]}`, ROW being an object
//!   of `fleet::view::ViewRow`'s fields (absent ones null; `findings: [[kind, severity]]`,
//!   `spark: {points, cost_points, x, y, title} | null`).

use js_sys::{Array, Object, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::{fetch_body, get, js_text, obj};
use crate::fleet::table::{self, Filter, SortKey};
use crate::fleet::view::{self, Indexed, Query};

/// Largest fleet table read, bytes (200,000 rows of about 1 KB, with room).
const MAX_BYTES: usize = 512 << 20;

thread_local! {
    /// The fleet table this worker answers about.
    static FLEET: std::cell::RefCell<Option<Indexed>> = const { std::cell::RefCell::new(None) };
}

/// Reads a stream whole, at most [`MAX_BYTES`].
async fn read_all(stream: web_sys::ReadableStream, name: &str) -> Result<Vec<u8>, String> {
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut out = Vec::new();
    loop {
        let chunk = JsFuture::from(reader.read())
            .await
            .map_err(|e| format!("{name}: reading stopped: {}", js_text(e)))?;
        if get(&chunk, "done").as_bool().unwrap_or(true) {
            return Ok(out);
        }
        let value: Uint8Array = get(&chunk, "value")
            .dyn_into()
            .map_err(|_| format!("{name}: the stream gave something that is not bytes"))?;
        if out.len().saturating_add(value.length() as usize) > MAX_BYTES {
            let _ = reader.cancel();
            return Err(format!(
                "{name}: larger than {} MB: the fleet page reads at most that (filter the rows first, e.g. one night's)",
                MAX_BYTES >> 20
            ));
        }
        out.extend_from_slice(&value.to_vec());
    }
}

/// Reads the table a `fleet-load` job names, keeps it, and says how many rows it has.
pub async fn load(job: &JsValue) -> Result<(Object, Array), String> {
    let name = get(job, "name").as_string().unwrap_or_default();
    let stream = match get(job, "file").dyn_into::<web_sys::File>() {
        Ok(file) => file.stream(),
        Err(_) => {
            let url = get(job, "url").as_string().unwrap_or_default();
            fetch_body(&url, &name).await?.0
        }
    };
    let bytes = read_all(stream, &name).await?;
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "{name}: not UTF-8 text (byte {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    let fleet = table::parse_jsonl(&name, &text).map_err(|e| e.to_string())?;
    drop(text);
    let (rows, warnings) = (fleet.rows.len(), fleet.warnings.join(" "));
    FLEET.with(|f| *f.borrow_mut() = Some(Indexed::new(fleet)));
    Ok((
        obj(&[
            ("kind", "fleet-loaded".into()),
            ("rows", JsValue::from_f64(rows as f64)),
            ("warnings", warnings.into()),
        ]),
        Array::new(),
    ))
}

fn text_or_null(s: Option<&str>) -> JsValue {
    s.map_or(JsValue::NULL, JsValue::from_str)
}

fn num_or_null(x: Option<f64>) -> JsValue {
    x.filter(|v| v.is_finite())
        .map_or(JsValue::NULL, JsValue::from_f64)
}

fn pairs(items: &[(String, String)]) -> Array {
    items
        .iter()
        .map(|(a, b)| JsValue::from(Array::of2(&a.into(), &b.into())))
        .collect()
}

fn row_message(r: &view::ViewRow) -> Object {
    let spark = r.spark.as_ref().map_or(JsValue::NULL, |s| {
        let (x, y) = s.at.map_or((JsValue::NULL, JsValue::NULL), |(x, y)| {
            (JsValue::from_f64(x), JsValue::from_f64(y))
        });
        obj(&[
            ("points", s.points.as_str().into()),
            ("cost_points", s.cost_points.as_str().into()),
            ("x", x),
            ("y", y),
            ("title", s.title.as_str().into()),
        ])
        .into()
    });
    obj(&[
        ("source", r.source.as_str().into()),
        ("status", r.status.as_str().into()),
        ("job", r.job.as_str().into()),
        ("wasted_usd", num_or_null(r.wasted_usd)),
        ("duration_s", num_or_null(r.duration_s)),
        ("wasted", r.wasted.as_str().into()),
        ("saving_basis", text_or_null(r.saving_basis.as_deref())),
        ("cost", r.cost.as_str().into()),
        ("duration", r.duration.as_str().into()),
        ("start", r.start.as_str().into()),
        ("error", text_or_null(r.error.as_deref())),
        ("error_short", text_or_null(r.error_short.as_deref())),
        ("straggler", r.straggler.as_str().into()),
        ("findings", pairs(&r.findings).into()),
        ("spark", spark),
        ("link", text_or_null(r.link.as_deref())),
        ("link_label", r.link_label.as_str().into()),
    ])
}

/// Answers a `fleet-view` job about the kept table.
pub fn query(job: &JsValue) -> Result<(Object, Array), String> {
    let text = |k: &str| get(job, k).as_string().unwrap_or_default();
    let sort = SortKey::parse(&text("sort")).unwrap_or(SortKey::Wasted);
    let desc = get(job, "desc").as_bool().unwrap_or(true);
    // The page asks a page of rows at a time; a huge limit is clamped, never trusted.
    let limit = get(job, "limit")
        .as_f64()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map_or(view::PAGE_ROWS, |v| (v as usize).min(table::MAX_ROWS));
    let q = Query {
        sort: (sort, desc),
        filter: Filter {
            job: text("job"),
            finding: text("finding"),
        },
        logs: text("logs"),
        limit,
    };
    let v = FLEET.with(|f| f.borrow().as_ref().map(|ix| view::view(ix, &q)));
    let v = v.ok_or("no fleet table was read here")?;
    let rows: Array = v
        .rows
        .iter()
        .map(|r| JsValue::from(row_message(r)))
        .collect();
    Ok((
        obj(&[
            ("kind", "fleet-view".into()),
            ("matched", JsValue::from_f64(v.matched as f64)),
            ("headline", v.headline.into()),
            ("warnings", v.warnings.into()),
            ("choices", pairs(&v.choices).into()),
            ("rows", rows.into()),
        ]),
        Array::new(),
    ))
}
