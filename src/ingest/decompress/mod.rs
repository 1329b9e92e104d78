//! Push-based decompression of Spark's event-log codecs: feed compressed chunks of any size, get
//! decompressed pieces of at most [`MAX_PIECE`] bytes. Pure Rust, so it also builds for wasm32.
//!
//! Spark's codecs each use their Java library's own stream framing, which this module follows:
//! zstd frames (zstd-jni), lz4-java's `LZ4BlockOutputStream`, snappy-java's `SnappyOutputStream`
//! and compress-lzf's `LZFOutputStream`; gzip is accepted too (hand-compressed logs).

mod framed;
mod gzip;
mod lz4_block;
mod lzf;
mod passthrough;
mod snappy;
mod zstd;

use std::fmt;

/// Largest piece of output passed to `out` in one call, so a caller can bound the work per step.
pub const MAX_PIECE: usize = 1 << 20;

/// Largest block (compressed or decompressed) accepted from a length field; larger is Corrupt,
/// so a damaged length never makes us buffer or allocate without bound.
pub(crate) const MAX_BLOCK: usize = 64 << 20;

/// A compression codec of a Spark event log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Codec {
    /// Not compressed.
    None,
    /// Zstandard frames (Spark's `.zstd`).
    Zstd,
    /// Gzip members (not written by Spark, but common for archived logs).
    Gzip,
    /// lz4-java `LZ4BlockOutputStream` blocks (Spark's `.lz4`).
    Lz4,
    /// snappy-java `SnappyOutputStream` chunks (Spark's `.snappy`).
    Snappy,
    /// compress-lzf `LZFOutputStream` chunks (Spark's `.lzf`).
    Lzf,
}

impl Codec {
    /// Detects the codec from the first bytes of a file (pass at least 8 bytes, or the whole file if shorter). Plain/unknown → Codec::None.
    pub fn detect(head: &[u8]) -> Codec {
        if head.starts_with(&zstd::FRAME_MAGIC) || zstd::is_skippable_magic(head) {
            Codec::Zstd
        } else if head.starts_with(&[0x1f, 0x8b]) {
            Codec::Gzip
        } else if head.starts_with(lz4_block::MAGIC) {
            Codec::Lz4
        } else if head.starts_with(snappy::MAGIC) {
            Codec::Snappy
        } else if matches!(head, [b'Z', b'V', 0 | 1, ..]) {
            Codec::Lzf
        } else {
            Codec::None
        }
    }

    /// From a Spark event-log file name extension (`.zstd`, `.zst`, `.lz4`, `.snappy`, `.lzf`, `.gz`); None if no codec extension.
    ///
    /// A trailing `.inprogress` (Spark's name while the application runs) is looked through.
    pub fn from_file_name(name: &str) -> Option<Codec> {
        let lower = name.to_ascii_lowercase();
        let base = lower.strip_suffix(".inprogress").unwrap_or(&lower);
        let (_, ext) = base.rsplit_once('.')?;
        match ext {
            "zstd" | "zst" => Some(Codec::Zstd),
            "lz4" => Some(Codec::Lz4),
            "snappy" => Some(Codec::Snappy),
            "lzf" => Some(Codec::Lzf),
            "gz" => Some(Codec::Gzip),
            _ => None,
        }
    }

    /// The codec of a [`Codec::name`]; `None` for names it does not give.
    pub fn from_name(name: &str) -> Codec {
        match name {
            "zstd" => Codec::Zstd,
            "gzip" => Codec::Gzip,
            "lz4" => Codec::Lz4,
            "snappy" => Codec::Snappy,
            "lzf" => Codec::Lzf,
            _ => Codec::None,
        }
    }

    /// Short name: "none", "zstd", "gzip", "lz4", "snappy", "lzf".
    pub fn name(self) -> &'static str {
        match self {
            Codec::None => "none",
            Codec::Zstd => "zstd",
            Codec::Gzip => "gzip",
            Codec::Lz4 => "lz4",
            Codec::Snappy => "snappy",
            Codec::Lzf => "lzf",
        }
    }
}

/// Why decompression stopped.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum DecodeError {
    /// The stream ended in the middle of a block/frame (a truncated or still-being-written file). Output already emitted is valid.
    Truncated(String),
    /// The bytes are not a valid stream of this codec (bad magic, bad checksum, bad block). Message says what and at which compressed byte offset.
    Corrupt(String),
    /// A valid stream that needs more than Runlens decodes (e.g. a zstd window above 128 MiB). Message says what and what to do.
    Unsupported(String),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Truncated(m) => write!(f, "truncated compressed stream: {m}"),
            DecodeError::Corrupt(m) => write!(f, "corrupt compressed stream: {m}"),
            DecodeError::Unsupported(m) => write!(f, "unsupported compressed stream: {m}"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// A push decoder: feed compressed chunks of any size (1 byte to many MB), get decompressed pieces.
pub trait Decoder: Send {
    /// Feeds compressed bytes; every piece of decompressed output produced so far is passed to `out` (pieces of at most ~1 MiB each, so a caller can bound work per step).
    fn push(&mut self, input: &[u8], out: &mut dyn FnMut(&[u8])) -> Result<(), DecodeError>;
    /// Signals end of input and flushes remaining output. Returns Err(Truncated) if the input stopped mid-frame/block (after emitting all complete output).
    fn finish(&mut self, out: &mut dyn FnMut(&[u8])) -> Result<(), DecodeError>;
    /// Compressed bytes consumed so far.
    fn bytes_in(&self) -> u64;
}

/// A decoder for `codec` (Codec::None passes bytes through).
pub fn decoder(codec: Codec) -> Box<dyn Decoder> {
    match codec {
        Codec::None => Box::new(passthrough::Passthrough::default()),
        Codec::Zstd => Box::new(framed::Framed::new(zstd::Zstd::new())),
        Codec::Gzip => Box::new(gzip::Gzip::new()),
        Codec::Lz4 => Box::new(framed::Framed::new(lz4_block::Lz4Block::new())),
        Codec::Snappy => Box::new(framed::Framed::new(snappy::Snappy::new())),
        Codec::Lzf => Box::new(framed::Framed::new(lzf::Lzf::new())),
    }
}

/// Passes `data` to `out` in pieces of at most [`MAX_PIECE`] bytes.
pub(crate) fn emit(out: &mut dyn FnMut(&[u8]), data: &[u8]) {
    for piece in data.chunks(MAX_PIECE) {
        out(piece);
    }
}

/// Reads a little-endian u32 at `at`; the caller has checked the length.
pub(crate) fn le_u32(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        w.copy_from_slice(s);
    }
    u32::from_le_bytes(w)
}

/// Reads a big-endian u32 at `at`; the caller has checked the length.
pub(crate) fn be_u32(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        w.copy_from_slice(s);
    }
    u32::from_be_bytes(w)
}

/// Reads a big-endian u16 at `at`; the caller has checked the length.
pub(crate) fn be_u16(b: &[u8], at: usize) -> u16 {
    let mut w = [0u8; 2];
    if let Some(s) = b.get(at..at + 2) {
        w.copy_from_slice(s);
    }
    u16::from_be_bytes(w)
}
