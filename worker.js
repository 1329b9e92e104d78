// Starts the page's reading worker (src/worker.rs) in a classic Web Worker: Trunk writes the
// worker's wasm-bindgen glue (no-modules) and wasm under the binary's own name, unhashed.
importScripts('./runlens-worker.js');
wasm_bindgen({ module_or_path: './runlens-worker_bg.wasm' });
