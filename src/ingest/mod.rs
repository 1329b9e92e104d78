//! Ingest: bytes in (any supported format, plain or compressed, in chunks) → `model::Run` out.

pub mod archive;
pub mod cloudwatch;
pub mod decompress;
pub mod event_log;
#[cfg(not(target_arch = "wasm32"))]
pub mod fs;
pub mod inputs;
pub mod json_stream;
pub mod pipeline;
pub mod relay;
pub mod run_file;

pub use pipeline::{ingest_bytes, Ingestor, Loaded, RunSinks};
