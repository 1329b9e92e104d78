//! The page (wasm32 only): a Leptos client-side app over the same core as the CLI. Components
//! draw what the core computes; nothing here parses files or computes statistics.

pub mod app;
pub mod chart;
pub mod dom;
pub mod draw;
pub mod dropped;
pub mod fleet;
pub mod loader;
pub mod state;
pub mod summary;
pub mod sweep;
pub mod tables;
pub mod timewent;
pub mod urlstate;
pub mod whatif;
pub mod work;

/// Starts the page: installs the panic hook, then mounts [`app::App`] to `<body>`.
pub fn mount() {
    dom::mark("runlens:start");
    std::panic::set_hook(Box::new(|info| {
        let message = info.to_string();
        web_sys::console::error_1(&message.as_str().into());
        show_panic(&message);
    }));
    // `?fleet=…` opens the fleet page instead of the dashboard. Chosen here, not inside `App`:
    // a type-erased choice there would compile the dashboard's re-render code (≈ 40 KB gzip).
    let query = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    match fleet::params(query.trim_start_matches('?')) {
        Some(p) => fleet::start(p),
        None => leptos::mount::mount_to_body(app::App),
    }
}

/// Puts a panic's message at the top of the page (`role="alert"`), as text. What was shown
/// before stays in place and usable; the message says to reload for a fresh start.
pub fn show_panic(message: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let (Some(body), Ok(alert)) = (doc.body(), doc.create_element("div")) else {
        return;
    };
    let _ = alert.set_attribute("role", "alert");
    let _ = alert.set_attribute("class", "panic");
    alert.set_text_content(Some(&format!(
        "Runlens hit an internal error: {message}. The charts already drawn stay usable; reload the page to start again."
    )));
    let _ = body.prepend_with_node_1(&alert);
}
