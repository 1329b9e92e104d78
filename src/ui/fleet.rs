//! The fleet page: the fleet job's rows (`?fleet=URL` of its JSON lines, or a file dropped or
//! picked), runs sorted by money wasted, filtered by job and finding, each job's duration over
//! time as a sparkline, and each run a link to the compare view with the job's previous run as
//! Before (`?logs=PREFIX` says where the logs are fetched from). The address holds the sort and
//! the filters (`fsort=-wasted`, `fjob=`, `ffinding=`).
//!
//! A worker reads the rows and answers each query with the rows shown, formatted
//! (`worker::fleet`); this thread only builds them. Plain `web_sys`, not Leptos views: as typed
//! views the page cost ≈ 43 KB gzip of wasm in what the dashboard's first render downloads (the
//! two share a binary).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::work::{self, get};
use crate::fleet::table::SortKey;

/// Rows asked for at a time (`fleet::view::PAGE_ROWS`).
const PAGE_ROWS: usize = crate::fleet::view::PAGE_ROWS;

/// What the address asked of the fleet page.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FleetParams {
    /// URL of the rows (empty: pick or drop a file).
    pub url: String,
    /// Where the logs are fetched from.
    pub logs: String,
    /// Sort key and descending.
    pub sort: Option<(SortKey, bool)>,
    /// Job filter.
    pub job: String,
    /// Finding filter.
    pub finding: String,
}

/// The fleet parameters of a query string, when it opens the fleet page (`fleet=`).
pub fn params(query: &str) -> Option<FleetParams> {
    let search = web_sys::UrlSearchParams::new_with_str(query).ok()?;
    let url = search.get("fleet")?;
    let sort = search.get("fsort").and_then(|s| {
        let (desc, key) = match s.strip_prefix('-') {
            Some(k) => (true, k.to_string()),
            None => (false, s),
        };
        SortKey::parse(&key).map(|k| (k, desc))
    });
    Some(FleetParams {
        url: url.trim().to_string(),
        logs: search.get("logs").unwrap_or_default(),
        sort,
        job: search.get("fjob").unwrap_or_default(),
        finding: search.get("ffinding").unwrap_or_default(),
    })
}

/// Where the page is.
#[derive(Clone, Debug, PartialEq)]
enum Phase {
    /// Nothing to show yet.
    Empty,
    /// Reading the named rows.
    Loading(String),
    /// Rows read from the named source.
    Ready(String),
    /// Reading failed: why.
    Failed(String),
}

/// What the page shows and how.
struct State {
    phase: Phase,
    url: String,
    local: bool,
    logs: String,
    sort: (SortKey, bool),
    job: String,
    finding: String,
    limit: usize,
    /// The worker holding the rows.
    server: Option<u32>,
    /// The latest query; older answers are dropped.
    asked: u32,
}

/// Builds the page's DOM.
struct Dom(web_sys::Document);

const SVG_NS: &str = "http://www.w3.org/2000/svg";

impl Dom {
    fn el(&self, tag: &str, class: &str) -> Option<web_sys::Element> {
        let e = self.0.create_element(tag).ok()?;
        if !class.is_empty() {
            e.set_class_name(class);
        }
        Some(e)
    }

    fn svg(
        &self,
        parent: &web_sys::Element,
        tag: &str,
        attrs: &[(&str, &str)],
    ) -> Option<web_sys::Element> {
        let e = self.0.create_element_ns(Some(SVG_NS), tag).ok()?;
        attr(&e, attrs);
        parent.append_child(&e).ok()?;
        Some(e)
    }

    /// A child `tag` of `parent` holding `text` (as text, never HTML).
    fn text(
        &self,
        parent: &web_sys::Element,
        tag: &str,
        class: &str,
        text: &str,
    ) -> Option<web_sys::Element> {
        let e = self.el(tag, class)?;
        e.set_text_content(Some(text));
        parent.append_child(&e).ok()?;
        Some(e)
    }
}

fn attr(e: &web_sys::Element, attrs: &[(&str, &str)]) {
    for (k, v) in attrs {
        let _ = e.set_attribute(k, v);
    }
}

/// A field of an answer as text (empty when absent).
fn text_of(v: &JsValue, key: &str) -> String {
    get(v, key).as_string().unwrap_or_default()
}

fn array_of(v: &JsValue, key: &str) -> Array {
    get(v, key).dyn_into::<Array>().unwrap_or_default()
}

/// A row's sparkline (`spark` of the worker's row).
fn sparkline(dom: &Dom, td: &web_sys::Element, spark: &JsValue) -> Option<()> {
    if spark.is_null() || spark.is_undefined() {
        return None;
    }
    let title = text_of(spark, "title");
    let svg = dom.svg(
        td,
        "svg",
        &[
            ("class", "spark"),
            ("width", "72"),
            ("height", "18"),
            ("viewBox", "0 0 72 18"),
            ("role", "img"),
            ("aria-label", &title),
        ],
    )?;
    dom.svg(&svg, "title", &[])?.set_text_content(Some(&title));
    // Cost dashed under the duration's line (each scaled to its own maximum).
    for (key, class) in [("cost_points", "spark-cost"), ("points", "spark-duration")] {
        let points = text_of(spark, key);
        dom.svg(&svg, "polyline", &[("points", &points), ("class", class)])?;
    }
    if let (Some(x), Some(y)) = (get(spark, "x").as_f64(), get(spark, "y").as_f64()) {
        let (x, y) = (format!("{x:.1}"), format!("{y:.1}"));
        dom.svg(
            &svg,
            "circle",
            &[
                ("cx", &x),
                ("cy", &y),
                ("r", "2.2"),
                ("class", "spark-this"),
            ],
        )?;
    }
    Some(())
}

/// One run's row (an object of the worker's `fleet-view` answer).
fn row(dom: &Dom, r: &JsValue) -> Option<web_sys::Element> {
    let t = |k: &str| text_of(r, k);
    let tr = dom.el("tr", "")?;
    let (source, status, job) = (t("source"), t("status"), t("job"));
    attr(
        &tr,
        &[
            ("data-source", &source),
            ("data-status", &status),
            ("data-job", &job),
        ],
    );
    // Figures as numbers for tests and scripts that read the table.
    for (key, name) in [
        ("wasted_usd", "data-wasted"),
        ("duration_s", "data-duration"),
    ] {
        if let Some(v) = get(r, key).as_f64() {
            let _ = tr.set_attribute(name, &v.to_string());
        }
    }
    let td = dom.el("td", "job")?;
    dom.text(&td, "strong", "", &job);
    dom.text(&td, "br", "", "");
    dom.text(&td, "span", "muted src", &source);
    let _ = tr.append_child(&td);
    let wasted = dom.text(&tr, "td", "num wasted", &t("wasted"))?;
    if let Some(b) = get(r, "saving_basis").as_string() {
        let _ = wasted.set_attribute("title", &b);
    }
    dom.text(&tr, "td", "num", &t("cost"));
    dom.text(&tr, "td", "num", &t("duration"));
    dom.text(&tr, "td", "when", &t("start"));
    let cell = dom.text(&tr, "td", &format!("status {status}"), &status)?;
    if let (Some(short), Some(full)) = (
        get(r, "error_short").as_string(),
        get(r, "error").as_string(),
    ) {
        dom.text(&cell, "br", "", "");
        let _ = dom
            .text(&cell, "span", "err", &short)?
            .set_attribute("title", &full);
    }
    dom.text(&tr, "td", "", &t("straggler"));
    let chips = dom.el("td", "chips")?;
    for f in array_of(r, "findings").iter() {
        let f = Array::from(&f);
        let (kind, severity) = (
            f.get(0).as_string().unwrap_or_default(),
            f.get(1).as_string().unwrap_or_default(),
        );
        let c = dom.text(&chips, "span", &format!("chip {severity}"), &kind)?;
        let _ = c.set_attribute("title", &severity);
    }
    let _ = tr.append_child(&chips);
    let spark = dom.el("td", "")?;
    sparkline(dom, &spark, &get(r, "spark"));
    let _ = tr.append_child(&spark);
    let open = dom.el("td", "")?;
    match get(r, "link").as_string() {
        Some(link) => {
            let a = dom.text(&open, "a", "", &t("link_label"))?;
            attr(&a, &[("href", &link), ("data-open", "")]);
        }
        None => {
            let _ = dom
                .text(&open, "span", "muted", "—")?
                .set_attribute("title", &t("link_label"));
        }
    }
    let _ = tr.append_child(&open);
    Some(tr)
}

/// The page's live elements.
struct Page {
    dom: Dom,
    status: web_sys::Element,
    section: web_sys::Element,
    total: web_sys::Element,
    warnings: web_sys::Element,
    tbody: web_sys::Element,
    headers: Vec<(SortKey, web_sys::Element)>,
    finding: web_sys::Element,
    none: web_sys::Element,
    more: web_sys::Element,
    state: RefCell<State>,
}

const COLUMNS: [(&str, Option<SortKey>); 10] = [
    ("Job / run", Some(SortKey::Job)),
    ("Wasted", Some(SortKey::Wasted)),
    ("Cost", Some(SortKey::Cost)),
    ("Duration", Some(SortKey::Duration)),
    ("Start (UTC)", Some(SortKey::Start)),
    ("Status", Some(SortKey::Status)),
    ("Straggler", None),
    ("Findings", None),
    ("Job's duration, cost", None),
    ("Open", None),
];

fn listen(target: &web_sys::EventTarget, event: &str, f: impl FnMut(web_sys::Event) + 'static) {
    let cb = Closure::<dyn FnMut(web_sys::Event)>::new(f);
    let _ = target.add_event_listener_with_callback(event, cb.as_ref().unchecked_ref());
    // The page lives as long as the tab: its handlers too.
    cb.forget();
}

/// The `value` of an event's target (an input or a select).
fn value_of(ev: &web_sys::Event) -> String {
    ev.target()
        .and_then(|t| Reflect::get(&t, &"value".into()).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// `<html data-ready="0">`: an answer is awaited (tests wait for `1`).
fn set_busy() {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = root.dataset().set("ready", "0");
    }
}

fn show(e: &web_sys::Element, shown: bool) {
    let _ = if shown {
        e.remove_attribute("hidden")
    } else {
        e.set_attribute("hidden", "")
    };
}

impl Page {
    /// Writes the sort, the filters and the rows' source into the address.
    fn write_address(&self) {
        let st = self.state.borrow();
        let Ok(search) = web_sys::UrlSearchParams::new() else {
            return;
        };
        // A local file is not in the link: the address says so by naming none.
        search.append("fleet", if st.local { "" } else { &st.url });
        if !st.logs.is_empty() {
            search.append("logs", &st.logs);
        }
        if st.sort != (SortKey::Wasted, true) {
            search.append(
                "fsort",
                &format!("{}{}", if st.sort.1 { "-" } else { "" }, st.sort.0.as_str()),
            );
        }
        for (k, v) in [("fjob", &st.job), ("ffinding", &st.finding)] {
            if !v.is_empty() {
                search.append(k, v);
            }
        }
        let Some(window) = web_sys::window() else {
            return;
        };
        let path = window.location().pathname().unwrap_or_default();
        let next = format!("{path}?{}", String::from(search.to_string()));
        if let Ok(h) = window.history() {
            let _ = h.replace_state_with_url(&JsValue::NULL, "", Some(&next));
        }
    }

    /// Shows the phase: the status line, or the table.
    fn show_phase(&self) {
        let st = self.state.borrow();
        let (text, error) = match &st.phase {
            Phase::Empty => (
                "Drop the fleet job's JSON lines here, pick the file, or open ?fleet=URL."
                    .to_string(),
                false,
            ),
            Phase::Loading(n) => (format!("Reading {n}…"), false),
            Phase::Failed(e) => (e.clone(), true),
            Phase::Ready(_) => (String::new(), false),
        };
        let ready = matches!(st.phase, Phase::Ready(_));
        self.status.set_text_content(Some(&text));
        attr(
            &self.status,
            &[
                (
                    "class",
                    if error {
                        "fleet-status error"
                    } else {
                        "fleet-status"
                    },
                ),
                ("role", if error { "alert" } else { "status" }),
            ],
        );
        show(&self.status, !ready);
        show(&self.section, ready);
        drop(st);
        self.write_address();
        if matches!(self.state.borrow().phase, Phase::Empty | Phase::Failed(_)) {
            super::dom::set_ready();
        }
    }

    /// Asks the worker for the rows the state selects; draws them when they come.
    fn ask(self: &Rc<Self>) {
        let (server, request, seq) = {
            let mut st = self.state.borrow_mut();
            let Some(server) = st.server else {
                return;
            };
            st.asked = st.asked.wrapping_add(1);
            let request = Object::new();
            for (k, v) in [
                ("op", JsValue::from_str("fleet-view")),
                ("sort", st.sort.0.as_str().into()),
                ("desc", st.sort.1.into()),
                ("job", st.job.as_str().into()),
                ("finding", st.finding.as_str().into()),
                ("logs", st.logs.as_str().into()),
                ("limit", JsValue::from_f64(st.limit as f64)),
            ] {
                let _ = Reflect::set(&request, &k.into(), &v);
            }
            (server, request, st.asked)
        };
        self.write_address();
        set_busy();
        let page = self.clone();
        work::ask(server, request, move |answer| {
            if page.state.borrow().asked != seq {
                return;
            }
            match answer {
                Ok(v) => page.draw(&v),
                Err(e) => {
                    page.state.borrow_mut().phase = Phase::Failed(e);
                    page.show_phase();
                }
            }
        });
    }

    /// Draws a `fleet-view` answer.
    fn draw(&self, v: &JsValue) {
        let st = self.state.borrow();
        let name = match &st.phase {
            Phase::Ready(n) => n.clone(),
            _ => String::new(),
        };
        self.total
            .set_text_content(Some(&format!("{} · {name}", text_of(v, "headline"))));
        self.warnings
            .set_text_content(Some(&text_of(v, "warnings")));
        self.tbody.set_text_content(None);
        let rows = array_of(v, "rows");
        for r in rows.iter() {
            if let Some(tr) = row(&self.dom, &r) {
                let _ = self.tbody.append_child(&tr);
            }
        }
        let matched = get(v, "matched").as_f64().unwrap_or(0.0) as usize;
        show(&self.none, matched == 0);
        let left = matched.saturating_sub(rows.length() as usize);
        self.more.set_text_content(Some(&format!(
            "Show {} more ({left} not shown)",
            left.min(PAGE_ROWS)
        )));
        show(&self.more, left > 0);
        for (key, th) in &self.headers {
            let aria = match st.sort {
                (k, true) if k == *key => "descending",
                (k, false) if k == *key => "ascending",
                _ => "none",
            };
            let _ = th.set_attribute("aria-sort", aria);
        }
        // The finding choices of these rows, with how many runs have each.
        self.finding.set_text_content(None);
        for c in array_of(v, "choices").iter() {
            let c = Array::from(&c);
            let (value, label) = (
                c.get(0).as_string().unwrap_or_default(),
                c.get(1).as_string().unwrap_or_default(),
            );
            if let Some(o) = self.dom.text(&self.finding, "option", "", &label) {
                let _ = o.set_attribute("value", &value);
                if value == st.finding {
                    let _ = o.set_attribute("selected", "");
                }
            }
        }
        drop(st);
        super::dom::set_ready();
    }

    /// Reads rows (a URL, or a picked or dropped file) in a fresh worker.
    fn open(self: &Rc<Self>, name: String, url: Option<String>, file: Option<web_sys::File>) {
        let old = self.state.borrow_mut().server.take();
        if let Some(id) = old {
            work::release(id);
        }
        let Some(server) = work::server() else {
            self.state.borrow_mut().phase =
                Phase::Failed("the page could not start its worker".into());
            self.show_phase();
            return;
        };
        {
            let mut st = self.state.borrow_mut();
            st.local = file.is_some();
            st.url = url.clone().unwrap_or_default();
            st.server = Some(server);
            st.limit = PAGE_ROWS;
            st.phase = Phase::Loading(name.clone());
            st.asked = st.asked.wrapping_add(1);
        }
        set_busy();
        self.show_phase();
        let job = Object::new();
        let _ = Reflect::set(&job, &"op".into(), &"fleet-load".into());
        let _ = Reflect::set(&job, &"name".into(), &name.as_str().into());
        if let Some(u) = &url {
            // The worker fetches against its own URL: give it the page's absolute one.
            let abs = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.base_uri().ok().flatten())
                .and_then(|base| web_sys::Url::new_with_base(u, &base).ok())
                .map_or_else(|| u.clone(), |u| u.href());
            let _ = Reflect::set(&job, &"url".into(), &abs.into());
        }
        if let Some(f) = &file {
            let _ = Reflect::set(&job, &"file".into(), f);
        }
        let page = self.clone();
        work::ask(server, job, move |answer| {
            if page.state.borrow().server != Some(server) {
                return;
            }
            match answer {
                Ok(_) => {
                    page.state.borrow_mut().phase = Phase::Ready(name);
                    page.show_phase();
                    page.ask();
                }
                Err(e) => {
                    page.state.borrow_mut().phase = Phase::Failed(e);
                    page.show_phase();
                }
            }
        });
    }
}

/// Builds the fleet page into the document's body and loads what the address names.
pub fn start(params: FleetParams) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = doc.body() else {
        return;
    };
    let dom = Dom(doc);
    let Some(built) = build(&dom, &body, &params) else {
        return;
    };
    let page = Rc::new(built);
    wire(&page, &body);
    if params.url.is_empty() {
        page.show_phase();
    } else {
        page.open(params.url.clone(), Some(params.url), None);
    }
}

/// A `<label>` in `parent` holding `text` and a new `tag` element with `attrs`; the element.
fn labelled(
    dom: &Dom,
    parent: &web_sys::Element,
    text: &str,
    tag: &str,
    attrs: &[(&str, &str)],
) -> Option<web_sys::Element> {
    let l = dom.text(parent, "label", "", text)?;
    let e = dom.el(tag, "")?;
    attr(&e, attrs);
    l.append_child(&e).ok()?;
    Some(e)
}

/// The page's elements, in the document.
fn build(dom: &Dom, body: &web_sys::HtmlElement, params: &FleetParams) -> Option<Page> {
    let root = dom.el("div", "page fleet-page")?;
    let header = dom.el("header", "top")?;
    dom.text(&header, "h1", "", "Runlens — fleet");
    dom.text(
        &header,
        "p",
        "tagline",
        "Every run of every job, the costliest waste first. Rows from python -m runlens.fleet --format json.",
    );
    let controls = dom.el("div", "controls fleet-controls")?;
    labelled(
        dom,
        &controls,
        "Job ",
        "input",
        &[
            ("type", "search"),
            ("data-filter", "job"),
            ("placeholder", "any job"),
            ("value", &params.job),
        ],
    )?;
    let finding = labelled(
        dom,
        &controls,
        "Finding ",
        "select",
        &[("data-filter", "finding")],
    )?;
    labelled(
        dom,
        &controls,
        "Logs at ",
        "input",
        &[
            ("type", "text"),
            ("data-logs", ""),
            ("placeholder", "URL prefix of the logs"),
            ("value", &params.logs),
        ],
    )?;
    let file = labelled(
        dom,
        &controls,
        "Open rows… ",
        "input",
        &[
            ("type", "file"),
            ("accept", ".json,.jsonl,application/json"),
            ("data-file", ""),
        ],
    )?;
    if let Some(l) = file.parent_element() {
        l.set_class_name("file-pick");
    }
    let _ = header.append_child(&controls);
    let _ = root.append_child(&header);
    let status = dom.text(&root, "p", "fleet-status", "")?;
    let section = dom.el("section", "fleet")?;
    let _ = section.set_attribute("aria-label", "Runs");
    let total = dom.text(&section, "p", "fleet-total", "")?;
    let _ = total.set_attribute("data-total", "");
    let warnings = dom.text(&section, "p", "warning", "")?;
    let scroll = dom.el("div", "table-scroll")?;
    let table_el = dom.el("table", "fleet-table")?;
    let thead = dom.el("thead", "")?;
    let tr = dom.el("tr", "")?;
    let mut headers = Vec::new();
    for (label, key) in COLUMNS {
        match key {
            Some(k) => {
                let th = dom.el("th", "")?;
                let _ = th.set_attribute("data-sort", k.as_str());
                let _ = dom
                    .text(&th, "button", "sort", label)?
                    .set_attribute("type", "button");
                let _ = tr.append_child(&th);
                headers.push((k, th));
            }
            None => {
                dom.text(&tr, "th", "", label);
            }
        }
    }
    let _ = thead.append_child(&tr);
    let _ = table_el.append_child(&thead);
    let tbody = dom.el("tbody", "")?;
    let _ = table_el.append_child(&tbody);
    let _ = scroll.append_child(&table_el);
    let _ = section.append_child(&scroll);
    let more = dom.text(&section, "button", "more", "")?;
    attr(
        &more,
        &[("type", "button"), ("data-more", ""), ("hidden", "")],
    );
    let none = dom.text(&section, "p", "fleet-status", "No run matches the filters.")?;
    let _ = root.append_child(&section);
    let _ = body.append_child(&root);
    Some(Page {
        dom: Dom(dom.0.clone()),
        status,
        section,
        total,
        warnings,
        tbody,
        headers,
        finding,
        none,
        more,
        state: RefCell::new(State {
            phase: Phase::Empty,
            url: params.url.clone(),
            local: false,
            logs: params.logs.clone(),
            sort: params.sort.unwrap_or((SortKey::Wasted, true)),
            job: params.job.clone(),
            finding: params.finding.clone(),
            limit: PAGE_ROWS,
            server: None,
            asked: 0,
        }),
    })
}

/// The first file of a file input's change or of a drop.
fn file_of(ev: &web_sys::Event) -> Option<web_sys::File> {
    let files = match ev.dyn_ref::<web_sys::DragEvent>() {
        Some(d) => d.data_transfer()?.files()?,
        None => ev
            .target()?
            .dyn_into::<web_sys::HtmlInputElement>()
            .ok()?
            .files()?,
    };
    files.get(0)
}

/// The page's handlers: filters, sort headings, the logs prefix, more rows, a picked or dropped
/// file.
fn wire(page: &Rc<Page>, body: &web_sys::HtmlElement) {
    let q = |sel: &str| body.query_selector(sel).ok().flatten();
    let on = |target: &web_sys::EventTarget, event: &str, change: fn(&mut State, String)| {
        let p = page.clone();
        listen(target, event, move |ev| {
            {
                let mut st = p.state.borrow_mut();
                change(&mut st, value_of(&ev));
                st.limit = PAGE_ROWS;
            }
            p.ask();
        });
    };
    if let Some(job) = q("input[data-filter=job]") {
        on(&job, "input", |st, v| st.job = v);
    }
    on(&page.finding, "change", |st, v| st.finding = v);
    if let Some(logs) = q("input[data-logs]") {
        on(&logs, "change", |st, v| st.logs = v);
    }
    {
        let p = page.clone();
        listen(&page.more, "click", move |_| {
            {
                let mut st = p.state.borrow_mut();
                st.limit = st.limit.saturating_add(PAGE_ROWS);
            }
            p.ask();
        });
    }
    let pick = |p: &Rc<Page>, ev: &web_sys::Event| {
        if let Some(f) = file_of(ev) {
            p.open(f.name(), None, Some(f));
        }
    };
    if let Some(file) = q("input[data-file]") {
        let p = page.clone();
        listen(&file, "change", move |ev| pick(&p, &ev));
    }
    for (key, th) in &page.headers {
        let (p, key) = (page.clone(), *key);
        listen(th, "click", move |_| {
            {
                let mut st = p.state.borrow_mut();
                let (k, d) = st.sort;
                // A new column sorts its largest (or, for text, its first) values first.
                st.sort = if k == key {
                    (k, !d)
                } else {
                    (key, !matches!(key, SortKey::Job | SortKey::Status))
                };
                st.limit = PAGE_ROWS;
            }
            p.ask();
        });
    }
    listen(body, "dragover", |ev| ev.prevent_default());
    let p = page.clone();
    listen(body, "drop", move |ev| {
        ev.prevent_default();
        pick(&p, &ev);
    });
}
