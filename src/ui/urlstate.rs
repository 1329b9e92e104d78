//! The view state in the page's address, so a copied link reproduces the view:
//! `?before=URL&after=URL` (or `?run=URL`), `embed=1`, `sel=before:3,after:1` (highlighted
//! executors), `t=12.5-80` (time window, seconds), `fit=1` (each run fitted to its width),
//! `whatif=before|preset:NAME` and `set=KEY=VALUE,…` (the what-if), `example=glue-coalesce`,
//! `table=stages|executors|failures|jobs|sql` and `sort=KEY` / `sort=-KEY` (the open table and
//! its sort, `-` descending), `stage=before:3,after:5` (marked stages).

use leptos::prelude::*;

use super::state::{Dash, Side};

/// What the address asked for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Params {
    /// URL of the before run.
    pub before: Option<String>,
    /// URL of the after run.
    pub after: Option<String>,
    /// URL of a single run.
    pub run: Option<String>,
    /// Charts only.
    pub embed: bool,
    /// Highlighted executor per side.
    pub selected: Vec<(Side, String)>,
    /// Time window, seconds.
    pub window: Option<(f64, f64)>,
    /// Fit mode.
    pub fit: bool,
    /// What-if start.
    pub whatif: Option<String>,
    /// What-if changes.
    pub set: Vec<(String, String)>,
    /// A built-in example other than the default one.
    pub example: Option<String>,
    /// The failure self-test of the e2e tests (`selftest=1`).
    pub selftest: bool,
    /// The price of a DPU-hour, US dollars (`price=0.44`), when given and valid.
    pub price: Option<f64>,
    /// The open table, when not the first.
    pub table: Option<super::tables::TableKind>,
    /// The tables' sort: column key, descending.
    pub sort: Option<(String, bool)>,
    /// Marked stage per side.
    pub stages: Vec<(Side, u64)>,
}

fn side_of(s: &str) -> Option<Side> {
    match s {
        "before" => Some(Side::Before),
        "after" => Some(Side::After),
        _ => None,
    }
}

/// Parses a query string (without `?`).
pub fn parse(query: &str) -> Params {
    let mut p = Params::default();
    let Ok(search) = web_sys::UrlSearchParams::new_with_str(query) else {
        return p;
    };
    let get = |k: &str| search.get(k).filter(|v| !v.trim().is_empty());
    p.before = get("before");
    p.after = get("after");
    p.run = get("run");
    p.embed = get("embed").is_some_and(|v| v == "1" || v == "true");
    p.fit = get("fit").is_some_and(|v| v == "1" || v == "true");
    p.selftest = get("selftest").is_some_and(|v| v == "1");
    if let Some(sel) = get("sel") {
        p.selected = sel
            .split(',')
            .filter_map(|part| {
                let (side, exec) = part.split_once(':')?;
                Some((side_of(side)?, exec.to_string()))
            })
            .collect();
    }
    if let Some(st) = get("stage") {
        p.stages = st
            .split(',')
            .filter_map(|part| {
                let (side, id) = part.split_once(':')?;
                Some((side_of(side)?, id.trim().parse().ok()?))
            })
            .collect();
    }
    p.table = get("table").and_then(|t| super::tables::TableKind::parse(&t));
    p.sort = get("sort").map(|s| match s.strip_prefix('-') {
        Some(k) => (k.to_string(), true),
        None => (s, false),
    });
    p.whatif = get("whatif");
    p.example = get("example");
    p.price = get("price")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v >= 0.0);
    if let Some(set) = get("set") {
        p.set = set
            .split(',')
            .filter_map(|kv| {
                kv.split_once('=')
                    .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            })
            .filter(|(k, _)| !k.is_empty())
            .collect();
    }
    p.window = get("t").and_then(|t| {
        let (a, b) = t.split_once('-')?;
        let (a, b): (f64, f64) = (a.parse().ok()?, b.parse().ok()?);
        (a.is_finite() && b.is_finite() && a >= 0.0 && b > a).then_some((a, b))
    });
    p
}

/// The page's current parameters.
pub fn read() -> Params {
    let query = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    parse(query.trim_start_matches('?'))
}

/// Applies the view state of the address to the page.
pub fn apply(dash: Dash, p: &Params) {
    for (side, exec) in &p.selected {
        dash.selected[side.index()].set(Some(exec.clone()));
    }
    for (side, id) in &p.stages {
        dash.marked_stage[side.index()].set(Some(*id));
    }
    if let Some(t) = p.table {
        dash.table.set(t);
    }
    dash.table_sort.set(p.sort.clone());
    dash.window.set(p.window);
    dash.fit.set(p.fit);
    dash.whatif.set(p.whatif.clone());
    dash.whatif_set.set(p.set.clone());
    if let Some(price) = p.price {
        dash.price.set(price);
    }
}

/// Keeps the address in step with the view state (tracks it: call inside an effect).
pub fn write(dash: Dash, p: &Params) {
    let selected: Vec<(Side, Option<String>)> = Side::BOTH
        .iter()
        .map(|s| (*s, dash.selected[s.index()].get()))
        .collect();
    let marked: Vec<(Side, Option<u64>)> = Side::BOTH
        .iter()
        .map(|s| (*s, dash.marked_stage[s.index()].get()))
        .collect();
    let table = dash.table.get();
    let sort = dash.table_sort.get();
    let window = dash.window.get();
    let fit = dash.fit.get();
    let whatif = dash.whatif.get();
    let set = dash.whatif_set.get();
    let price = dash.price.get();
    let Ok(search) = web_sys::UrlSearchParams::new() else {
        return;
    };
    // Where each column's run came from, as loaded now (not as the page opened); the built-in
    // examples together are the page's default, so not in its address.
    let mut urls = dash.urls.map(|u| u.get());
    let examples = super::app::EXAMPLES.map(|(_, u)| Some(u.to_string()));
    if urls == examples {
        urls = [None, None];
    }
    // The preset example stays in the address while both columns still show its presets.
    let presets_shown = Side::BOTH.iter().all(|s| {
        dash.urls[s.index()].get().is_none()
            && dash.slots[s.index()].with(|slot| match slot {
                super::state::Slot::Ready(r) => r.source.starts_with("preset "),
                super::state::Slot::Loading(_) => true,
                _ => false,
            })
    });
    let keys: &[(&str, usize)] = if dash.single {
        &[("run", 0)]
    } else {
        &[("before", 0), ("after", 1)]
    };
    for (k, i) in keys {
        if let Some(v) = &urls[*i] {
            search.append(k, v);
        }
    }
    if p.embed {
        search.append("embed", "1");
    }
    if p.selftest {
        search.append("selftest", "1");
    }
    let sel: Vec<String> = selected
        .iter()
        .filter_map(|(s, e)| e.as_ref().map(|e| format!("{}:{e}", s.as_str())))
        .collect();
    if !sel.is_empty() {
        search.append("sel", &sel.join(","));
    }
    let marked: Vec<String> = marked
        .iter()
        .filter_map(|(s, id)| id.map(|id| format!("{}:{id}", s.as_str())))
        .collect();
    if !marked.is_empty() {
        search.append("stage", &marked.join(","));
    }
    if table != super::tables::TableKind::default() {
        search.append("table", table.as_str());
    }
    if let Some((key, desc)) = &sort {
        search.append("sort", &format!("{}{key}", if *desc { "-" } else { "" }));
    }
    if let Some((a, b)) = window {
        search.append("t", &format!("{a:.2}-{b:.2}"));
    }
    if fit {
        search.append("fit", "1");
    }
    if price != crate::model::glue::DEFAULT_PRICE_PER_DPU_HOUR {
        search.append("price", &format!("{price}"));
    }
    if let Some(example) = p.example.as_ref().filter(|_| presets_shown) {
        search.append("example", example);
    }
    if let Some(w) = &whatif {
        search.append("whatif", w);
        if !set.is_empty() {
            let joined: Vec<String> = set.iter().map(|(k, v)| format!("{k}={v}")).collect();
            search.append("set", &joined.join(","));
        }
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    let query = String::from(search.to_string());
    let path = window.location().pathname().unwrap_or_default();
    let url = if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    };
    let current = format!(
        "{}{}",
        window.location().pathname().unwrap_or_default(),
        window.location().search().unwrap_or_default()
    );
    if url != current {
        if let Ok(history) = window.history() {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
    }
}
