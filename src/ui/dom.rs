//! Small browser helpers: timing marks, yielding to the event loop, downloads, the theme.

use js_sys::{Array, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Milliseconds since the page started (`performance.now()`).
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Adds a User Timing mark.
pub fn mark(name: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark(name);
    }
}

/// Adds a User Timing measure from `start_ms` (a `performance.now()` value) to now.
pub fn measure_since(name: &str, start_ms: f64) {
    // performance.measure(name, {start, end}) (User Timing Level 3), called through Reflect.
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let opts = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&opts, &"start".into(), &JsValue::from_f64(start_ms));
        let _ = js_sys::Reflect::set(&opts, &"end".into(), &JsValue::from_f64(p.now()));
        if let Ok(f) = js_sys::Reflect::get(&p, &"measure".into())
            .and_then(|f| f.dyn_into::<js_sys::Function>())
        {
            let _ = f.call2(&p, &JsValue::from_str(name), &opts);
        }
    }
}

/// Adds a User Timing measure of `ms` that ends now (work timed elsewhere, e.g. in a worker).
pub fn measure_span(name: &str, ms: f64) {
    measure_since(name, now_ms() - ms.max(0.0));
}

/// `<html data-ready="1">`: the page has drawn what it loaded.
pub fn set_ready() {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = root.dataset().set("ready", "1");
    }
}

/// Lets the browser handle input and paint, then continues (a message-channel round trip: no
/// 4 ms timer clamping).
pub async fn yield_now() {
    let promise = Promise::new(&mut |resolve, _reject| {
        let Ok(channel) = web_sys::MessageChannel::new() else {
            let _ = resolve.call0(&JsValue::UNDEFINED);
            return;
        };
        let cb = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        });
        channel.port1().set_onmessage(Some(cb.unchecked_ref()));
        let _ = channel.port2().post_message(&JsValue::NULL);
    });
    let _ = JsFuture::from(promise).await;
}

/// The screen's device pixels per CSS pixel.
pub fn device_pixel_ratio() -> f64 {
    web_sys::window()
        .map_or(1.0, |w| w.device_pixel_ratio())
        .clamp(1.0, 4.0)
}

/// True when the system asks for a dark theme.
pub fn prefers_dark() -> Option<web_sys::MediaQueryList> {
    web_sys::window().and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
}

/// Offers `bytes` as a download named `file_name`.
pub fn download_bytes(file_name: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let array = Uint8Array::from(bytes);
    let parts = Array::of1(&array);
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob =
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts).map_err(js_text)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(js_text)?;
    let result = download_url(file_name, &url);
    let _ = web_sys::Url::revoke_object_url(&url);
    result
}

/// Offers a URL (a `data:` or `blob:` URL of the page) as a download named `file_name`.
pub fn download_url(file_name: &str, url: &str) -> Result<(), String> {
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = doc
        .create_element("a")
        .map_err(js_text)?
        .dyn_into()
        .map_err(|_| "not an anchor".to_string())?;
    a.set_href(url);
    a.set_download(file_name);
    a.click();
    Ok(())
}

/// A JS error as text.
pub fn js_text(v: JsValue) -> String {
    if let Some(e) = v.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    v.as_string().unwrap_or_else(|| format!("{v:?}"))
}
