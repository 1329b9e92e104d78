//! The `runlens` command-line tool (native only).

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    std::process::exit(runlens::cli::run(std::env::args_os()));
}

#[cfg(target_arch = "wasm32")]
fn main() {}
