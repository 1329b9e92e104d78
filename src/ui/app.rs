//! The app: loads the built-in example runs (S1 before / after) and shows a summary of each.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::model::{units::format_duration, Run};

/// The built-in example runs (`examples/`, copied into the site by Trunk), as
/// `(side, URL relative to the page)`.
pub const EXAMPLES: [(&str, &str); 2] = [
    ("before", "examples/s1-before.run.json"),
    ("after", "examples/s1-after.run.json"),
];

/// What one column shows of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSummary {
    /// [`Run::display_name`].
    pub name: String,
    /// `succeeded`, `failed` or `incomplete`.
    pub status: &'static str,
    /// The run's wall time, formatted.
    pub duration: String,
    /// Number of task attempts, with thousands separators.
    pub tasks: String,
}

impl RunSummary {
    /// The summary of `run`.
    pub fn of(run: &Run) -> RunSummary {
        RunSummary {
            name: run.display_name(),
            status: run.meta.status.as_str(),
            duration: format_duration(run.meta.duration_s),
            tasks: thousands(run.tasks.len() as u64),
        }
    }
}

/// `1548` → `1,548`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Fetches `url` (relative to the page) and reads it with the core's ingest.
pub async fn load_run(url: &str) -> Result<Run, String> {
    let response = gloo_net::http::Request::get(url)
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    if !response.ok() {
        return Err(format!(
            "{url}: HTTP {} {}",
            response.status(),
            response.status_text()
        ));
    }
    let bytes = response.binary().await.map_err(|e| format!("{url}: {e}"))?;
    crate::ingest::ingest_bytes(url, &bytes)
        .map(|loaded| loaded.run)
        .map_err(|e| e.to_string())
}

/// Loading (`None`), loaded, or the error text.
type Slot = RwSignal<Option<Result<RunSummary, String>>>;

/// The page.
#[component]
pub fn App() -> impl IntoView {
    let slots: Vec<(&'static str, Slot)> = EXAMPLES
        .iter()
        .map(|&(side, url)| {
            let slot: Slot = RwSignal::new(None);
            spawn_local(async move {
                let result = load_run(url).await.map(|run| RunSummary::of(&run));
                slot.set(Some(result));
            });
            (side, slot)
        })
        .collect();

    let all_settled = {
        let slots = slots.clone();
        move || slots.iter().all(|(_, slot)| slot.with(Option::is_some))
    };
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) {
            return true;
        }
        let settled = all_settled();
        if settled {
            // After this frame's DOM updates: the columns are in the document.
            request_animation_frame(mark_rendered);
        }
        settled
    });

    view! {
        <header class="top">
            <h1>"Runlens"</h1>
            <p class="tagline">"Profiling for Apache Spark and AWS Glue runs"</p>
        </header>
        <main class="runs">
            {slots
                .into_iter()
                .map(|(side, slot)| view! { <RunColumn side=side state=slot /> })
                .collect_view()}
        </main>
    }
}

/// One run: its summary, "Loading…", or its error.
#[component]
fn RunColumn(side: &'static str, state: Slot) -> impl IntoView {
    let title = if side == "before" { "Before" } else { "After" };
    view! {
        <section class="run" data-run=side aria-busy=move || state.with(Option::is_none).to_string()>
            <h2>{title}</h2>
            {move || match state.get() {
                None => view! { <p class="loading">"Loading…"</p> }.into_any(),
                Some(Ok(s)) => view! {
                    <p class="run-name" data-field="name">{s.name}</p>
                    <dl class="facts">
                        <dt>"Status"</dt>
                        <dd data-field="status">{s.status}</dd>
                        <dt>"Duration"</dt>
                        <dd data-field="duration">{s.duration}</dd>
                        <dt>"Tasks"</dt>
                        <dd data-field="tasks">{s.tasks}</dd>
                    </dl>
                }
                .into_any(),
                Some(Err(e)) => view! {
                    <p class="error" role="alert" data-error="" data-run=side>{e}</p>
                }
                .into_any(),
            }}
        </section>
    }
}

/// `<html data-ready="1">` and the `runlens:rendered` performance mark, for tests and timing.
fn mark_rendered() {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Some(root) = window
        .document()
        .and_then(|d| d.document_element())
        .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
    {
        let _ = root.dataset().set("ready", "1");
    }
    if let Some(performance) = window.performance() {
        let _ = performance.mark("runlens:rendered");
    }
}
