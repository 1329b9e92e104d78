//! The page's reading worker: Trunk builds this binary for wasm32 as a Web Worker (see
//! index.html); on native it does nothing.

#[cfg(target_arch = "wasm32")]
fn main() {
    runlens::worker::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {}
