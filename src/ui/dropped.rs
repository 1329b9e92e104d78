//! Files dropped on the page: plain files, or a folder (a rolling event log) read through the
//! File System Entries API.

use js_sys::{Array, Promise};
use leptos::ev::DragEvent;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The files of a directory entry (one level: a rolling log folder holds only files).
async fn directory_files(dir: web_sys::FileSystemDirectoryEntry) -> Vec<web_sys::File> {
    let reader = dir.create_reader();
    let mut out = Vec::new();
    // readEntries returns batches until an empty one.
    loop {
        let batch = Promise::new(&mut |resolve, reject| {
            let ok = Closure::once_into_js(move |entries: JsValue| {
                let _ = resolve.call1(&JsValue::UNDEFINED, &entries);
            });
            let err = Closure::once_into_js(move |e: JsValue| {
                let _ = reject.call1(&JsValue::UNDEFINED, &e);
            });
            let _ = reader
                .read_entries_with_callback_and_callback(ok.unchecked_ref(), err.unchecked_ref());
        });
        let Ok(entries) = JsFuture::from(batch).await else {
            break;
        };
        let entries: Array = entries.unchecked_into();
        if entries.length() == 0 {
            break;
        }
        for entry in entries.iter() {
            if let Ok(file_entry) = entry.dyn_into::<web_sys::FileSystemFileEntry>() {
                if let Some(f) = entry_file(file_entry).await {
                    out.push(f);
                }
            }
        }
    }
    out
}

async fn entry_file(entry: web_sys::FileSystemFileEntry) -> Option<web_sys::File> {
    let p = Promise::new(&mut |resolve, reject| {
        let ok = Closure::once_into_js(move |f: JsValue| {
            let _ = resolve.call1(&JsValue::UNDEFINED, &f);
        });
        let err = Closure::once_into_js(move |e: JsValue| {
            let _ = reject.call1(&JsValue::UNDEFINED, &e);
        });
        entry.file_with_callback_and_callback(ok.unchecked_ref(), err.unchecked_ref());
    });
    JsFuture::from(p).await.ok()?.dyn_into().ok()
}

/// Hands the files of a drop (a folder's files for a dropped folder) to `then`.
pub fn files(ev: DragEvent, then: impl FnOnce(Vec<web_sys::File>) + 'static) {
    let Some(dt) = ev.data_transfer() else { return };
    let items = dt.items();
    let mut dirs = Vec::new();
    for i in 0..items.length() {
        if let Some(entry) = items
            .get(i)
            .and_then(|it| it.webkit_get_as_entry().ok().flatten())
        {
            if entry.is_directory() {
                if let Ok(d) = entry.dyn_into::<web_sys::FileSystemDirectoryEntry>() {
                    dirs.push(d);
                }
            }
        }
    }
    let plain: Vec<web_sys::File> = dt
        .files()
        .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
        .unwrap_or_default();
    if dirs.is_empty() {
        then(plain);
        return;
    }
    spawn_local(async move {
        let mut all = Vec::new();
        for d in dirs {
            all.extend(directory_files(d).await);
        }
        then(all);
    });
}
