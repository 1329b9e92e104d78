//! Runlens core: the run model, ingest of Spark event logs, Glue CloudWatch exports and run files,
//! analysis (the four profiles, stragglers, findings) and the shuffle/grouping simulator.
//!
//! Plain Rust, built and tested natively and for wasm32; the browser UI lives in `ui` (wasm32 only).

pub mod analysis;
#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
pub mod error;
pub mod fleet;
pub mod ingest;
pub mod model;
pub mod render;
pub mod sim;
pub mod sorting;
#[cfg(target_arch = "wasm32")]
pub mod ui;
#[cfg(target_arch = "wasm32")]
pub mod worker;

pub use error::{Error, ErrorKind, Result};
