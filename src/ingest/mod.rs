//! Ingest: bytes in (any supported format, plain or compressed, in chunks) → `model::Run` out.

pub mod cloudwatch;
pub mod decompress;
pub mod event_log;
