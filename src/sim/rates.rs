//! Rate constants: what one core does per second, what one request costs. One set serves every
//! preset; docs/simulator.md says which were fitted and from what.

use serde::{Deserialize, Serialize};

use super::scenario::{Compression, Format};

/// Per-core throughputs (bytes per second of the bytes named), per-request latencies and the
/// memory model's constants.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Rates {
    /// Fixed time of every task: scheduling, deserialization, result, seconds.
    pub task_overhead_s: f64,
    /// Extra time of the first task of a stage on an executor (code generation, JIT), seconds.
    pub stage_warmup_s: f64,
    /// From a stage's submission to its first task launch, seconds.
    pub stage_launch_delay_s: f64,
    /// S3 GET throughput of one task's stream, bytes/s (stored bytes).
    pub s3_read_bytes_per_s: f64,
    /// S3 PUT throughput of one task's stream, bytes/s.
    pub s3_write_bytes_per_s: f64,
    /// Latency of one S3 request (open a file, first byte; one PUT), seconds.
    pub s3_request_latency_s: f64,
    /// gzip inflate, uncompressed bytes/s per core.
    pub gzip_decompress_bytes_per_s: f64,
    /// Snappy decompression, uncompressed bytes/s per core.
    pub snappy_decompress_bytes_per_s: f64,
    /// JSON parsing into rows with a known schema, uncompressed bytes/s per core.
    pub json_parse_bytes_per_s: f64,
    /// JSON schema inference, uncompressed bytes/s per core.
    pub json_infer_bytes_per_s: f64,
    /// JSON generation, output bytes/s per core.
    pub json_serialize_bytes_per_s: f64,
    /// Parquet decoding (column pruning and filters included), decoded bytes/s per core.
    pub parquet_decode_bytes_per_s: f64,
    /// Parquet encoding, output bytes/s per core.
    pub parquet_encode_bytes_per_s: f64,
    /// CSV/text parsing, uncompressed bytes/s per core.
    pub text_parse_bytes_per_s: f64,
    /// Shuffle write: rows to compressed shuffle blocks, shuffle bytes/s per core.
    pub shuffle_serialize_bytes_per_s: f64,
    /// Shuffle read: compressed blocks to rows, shuffle bytes/s per core.
    pub shuffle_deserialize_bytes_per_s: f64,
    /// Sorting, data bytes/s per core.
    pub sort_bytes_per_s: f64,
    /// Hash aggregation, data bytes/s per core.
    pub aggregate_bytes_per_s: f64,
    /// One broadcast hash join probe, data bytes/s per core.
    pub broadcast_join_bytes_per_s: f64,
    /// S3 shuffle: one task's stream to or from the shuffle bucket, bytes/s.
    pub s3_shuffle_bytes_per_s: f64,
    /// S3 shuffle: latency of one request (a map output file written, a block read), seconds.
    pub s3_shuffle_request_latency_s: f64,
    /// In-memory bytes per data byte of the rows a stage buffers (deserialized vs serialized).
    pub memory_expansion: f64,
    /// Serializing spilled rows, in-memory bytes/s per core.
    pub spill_serialize_bytes_per_s: f64,
    /// Bytes on disk per spilled byte in memory.
    pub spill_disk_ratio: f64,
    /// Share of a task's CPU time reported as JVM garbage collection.
    pub gc_share: f64,
}

impl Default for Rates {
    fn default() -> Rates {
        Rates {
            task_overhead_s: 0.05,
            stage_warmup_s: 0.3,
            stage_launch_delay_s: 0.05,
            s3_read_bytes_per_s: 100e6,
            s3_write_bytes_per_s: 250e6,
            s3_request_latency_s: 0.03,
            gzip_decompress_bytes_per_s: 400e6,
            snappy_decompress_bytes_per_s: 1.5e9,
            json_parse_bytes_per_s: 300e6,
            json_infer_bytes_per_s: 150e6,
            json_serialize_bytes_per_s: 300e6,
            parquet_decode_bytes_per_s: 18e6,
            parquet_encode_bytes_per_s: 100e6,
            text_parse_bytes_per_s: 300e6,
            shuffle_serialize_bytes_per_s: 18e6,
            shuffle_deserialize_bytes_per_s: 28e6,
            sort_bytes_per_s: 14e6,
            aggregate_bytes_per_s: 28e6,
            broadcast_join_bytes_per_s: 55e6,
            s3_shuffle_bytes_per_s: 25e6,
            s3_shuffle_request_latency_s: 0.1,
            memory_expansion: 3.0,
            spill_serialize_bytes_per_s: 200e6,
            spill_disk_ratio: 0.4,
            gc_share: 0.05,
        }
    }
}

impl Rates {
    /// Decompression throughput of a codec (none: free).
    pub fn decompress_bytes_per_s(&self, c: Compression) -> Option<f64> {
        match c {
            Compression::None => None,
            Compression::Gzip => Some(self.gzip_decompress_bytes_per_s),
            Compression::Snappy => Some(self.snappy_decompress_bytes_per_s),
        }
    }

    /// Parsing throughput of a format.
    pub fn parse_bytes_per_s(&self, f: Format) -> f64 {
        match f {
            Format::Json => self.json_parse_bytes_per_s,
            Format::Parquet => self.parquet_decode_bytes_per_s,
            Format::Text => self.text_parse_bytes_per_s,
        }
    }

    /// Serialization throughput of an output format.
    pub fn serialize_bytes_per_s(&self, f: Format) -> f64 {
        match f {
            Format::Json => self.json_serialize_bytes_per_s,
            Format::Parquet => self.parquet_encode_bytes_per_s,
            Format::Text => self.json_serialize_bytes_per_s,
        }
    }
}
