//! The page: Trunk builds this binary for wasm32 (see index.html); on native it does nothing.

#[cfg(target_arch = "wasm32")]
fn main() {
    runlens::ui::mount();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {}
