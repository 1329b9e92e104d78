//! Spark's `.zstd`: standard zstd frames (zstd-jni), possibly several, possibly with skippable
//! frames between them, decoded by ruzstd one whole block at a time.
//!
//! ruzstd pulls from an `io::Read`; feeding it only whole units (a frame header, or one block with
//! its 3-byte header and, for the last block, the checksum) makes it usable from a push API: it
//! never sees a short read, so a short read can only mean a corrupt stream.

use super::framed::Units;
use super::{emit, le_u32, DecodeError};
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};

/// The 4 bytes a zstd frame starts with.
pub(crate) const FRAME_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
/// zstd's largest block body.
const MAX_BLOCK_SIZE: usize = 128 << 10;
/// Largest window accepted: the reference decoder's default, `ZSTD_WINDOWLOG_LIMIT_DEFAULT` = 27
/// (128 MiB; Databricks writes frames with this window). Decoding holds one window of output.
const MAX_WINDOW: u64 = 1 << 27;
/// ruzstd refuses windows above 100 MiB when it re-initialises a decoder (not on its first
/// frame): frames with larger windows get a fresh decoder.
const RUZSTD_REUSE_WINDOW: u64 = 100 << 20;

/// Whether `head` starts with a skippable frame's magic (0x184D2A50..=0x184D2A5F little-endian).
pub(crate) fn is_skippable_magic(head: &[u8]) -> bool {
    matches!(head, [b0, 0x2a, 0x4d, 0x18, ..] if b0 & 0xf0 == 0x50)
}

/// Whether `head` (shorter than 4 bytes) can still grow into a frame or skippable magic.
fn magic_prefix(head: &[u8]) -> bool {
    let n = head.len().min(4);
    let skippable = [0x50, 0x2a, 0x4d, 0x18];
    head.get(..n) == FRAME_MAGIC.get(..n)
        || head
            .iter()
            .zip(skippable)
            .enumerate()
            .all(|(i, (&b, s))| if i == 0 { b & 0xf0 == s } else { b == s })
}

/// What the next unit is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// A frame header or a skippable frame header.
    FrameStart,
    /// A block of the current frame.
    Block,
}

/// The fields of a frame header we check ourselves.
struct FrameHeader {
    len: usize,
    window: u64,
    checksum: bool,
    content_size: Option<u64>,
}

/// Parses the frame header at the start of `h` (which holds at least its first 5 bytes);
/// `window` and `content_size` are only meaningful once `h` holds `len` bytes.
fn frame_header(h: &[u8], offset: u64) -> Result<FrameHeader, DecodeError> {
    let fhd = h.get(4).copied().unwrap_or(0);
    if fhd & 0x08 != 0 {
        return Err(corrupt(offset, "reserved bit set in the frame header"));
    }
    let single_segment = fhd & 0x20 != 0;
    let dict_len = [0usize, 1, 2, 4][usize::from(fhd & 0x03)];
    let fcs_len = match fhd >> 6 {
        0 => usize::from(single_segment),
        1 => 2,
        2 => 4,
        _ => 8,
    };
    let wd_at = 5;
    let fcs_at = wd_at + usize::from(!single_segment) + dict_len;
    let len = fcs_at + fcs_len;
    let content_size = h.get(fcs_at..len).map(|b| {
        let mut w = [0u8; 8];
        w.get_mut(..b.len()).unwrap_or_default().copy_from_slice(b);
        let v = u64::from_le_bytes(w);
        if fcs_len == 2 {
            v + 256
        } else {
            v
        }
    });
    let window = if single_segment {
        content_size.unwrap_or(0)
    } else {
        let wd = h.get(wd_at).copied().unwrap_or(0);
        let base = 1u64 << (10 + (wd >> 3));
        base + base / 8 * u64::from(wd & 7)
    };
    Ok(FrameHeader {
        len,
        window,
        checksum: fhd & 0x04 != 0,
        content_size: if fcs_len == 0 { None } else { content_size },
    })
}

fn corrupt(offset: u64, what: impl std::fmt::Display) -> DecodeError {
    DecodeError::Corrupt(format!("zstd: {what} at compressed offset {offset}"))
}

/// Passes ruzstd's drained output on in bounded pieces, counting it.
struct Sink<'a> {
    out: &'a mut dyn FnMut(&[u8]),
    count: &'a mut u64,
}

impl std::io::Write for Sink<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        emit(self.out, buf);
        *self.count += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// zstd stream state.
pub(crate) struct Zstd {
    dec: FrameDecoder,
    state: State,
    /// Whether the current frame ends with a checksum.
    checksum: bool,
    /// The current frame's declared decompressed size, if any.
    content_size: Option<u64>,
    /// Bytes output by the current frame so far.
    frame_out: u64,
    /// Compressed offset of the current frame.
    frame_at: u64,
}

impl Zstd {
    /// A decoder at the start of a stream.
    pub(crate) fn new() -> Self {
        Zstd {
            dec: FrameDecoder::new(),
            state: State::FrameStart,
            checksum: false,
            content_size: None,
            frame_out: 0,
            frame_at: 0,
        }
    }

    fn start_frame(&mut self, unit: &[u8], offset: u64) -> Result<u64, DecodeError> {
        let h = frame_header(unit, offset)?;
        if h.window > MAX_WINDOW {
            return Err(DecodeError::Unsupported(format!(
                "the zstd frame at compressed offset {offset} needs a {} window, more than the 128 MiB (windowLog 27) that the reference zstd decoder accepts by default; decompress it first with `zstd -d --long=31 FILE` (or `zstd -d --memory=2048MB FILE`) and load the result",
                crate::model::units::format_bytes(h.window as f64)
            )));
        }
        if h.window > RUZSTD_REUSE_WINDOW {
            self.dec = FrameDecoder::new();
        }
        let mut src = unit;
        self.dec
            .init(&mut src)
            .map_err(|e| corrupt(offset, format!("bad frame header ({e})")))?;
        if !src.is_empty() {
            return Err(corrupt(offset, "frame header length mismatch"));
        }
        self.state = State::Block;
        self.checksum = h.checksum;
        self.content_size = h.content_size;
        self.frame_out = 0;
        self.frame_at = offset;
        Ok(0)
    }

    fn block(
        &mut self,
        unit: &[u8],
        offset: u64,
        out: &mut dyn FnMut(&[u8]),
    ) -> Result<u64, DecodeError> {
        let mut src = unit;
        let done = self
            .dec
            .decode_blocks(&mut src, BlockDecodingStrategy::UptoBlocks(1))
            .map_err(|e| corrupt(offset, format!("bad block ({e})")))?;
        if !src.is_empty() {
            return Err(corrupt(offset, "block length mismatch"));
        }
        // While the frame goes on ruzstd keeps the last window-size bytes for back-references and
        // drains the rest; once it has ended it drains everything.
        let mut sink = Sink {
            out,
            count: &mut self.frame_out,
        };
        self.dec
            .collect_to_writer(&mut sink)
            .map_err(|e| corrupt(offset, format!("cannot drain output ({e})")))?;
        if !done {
            return Ok(0);
        }
        self.state = State::FrameStart;
        if self.checksum {
            let stored = self.dec.get_checksum_from_data();
            let computed = self.dec.get_calculated_checksum();
            if stored != computed {
                return Err(corrupt(
                    self.frame_at,
                    format!(
                        "content checksum mismatch in the frame (stored {:#x}, computed {:#x})",
                        stored.unwrap_or(0),
                        computed.unwrap_or(0)
                    ),
                ));
            }
        }
        if let Some(size) = self.content_size {
            if size != self.frame_out {
                return Err(corrupt(
                    self.frame_at,
                    format!(
                        "frame decompressed to {} bytes, its header says {size}",
                        self.frame_out
                    ),
                ));
            }
        }
        Ok(0)
    }
}

impl Units for Zstd {
    const NAME: &'static str = "zstd";

    fn unit_len(&mut self, head: &[u8], offset: u64) -> Result<usize, DecodeError> {
        match self.state {
            State::FrameStart => {
                if head.len() < 4 {
                    if !magic_prefix(head) {
                        return Err(corrupt(offset, "not a zstd frame (bad magic)"));
                    }
                    Ok(4)
                } else if head.starts_with(&FRAME_MAGIC) {
                    if head.len() < 5 {
                        Ok(5)
                    } else {
                        Ok(frame_header(head, offset)?.len)
                    }
                } else if is_skippable_magic(head) {
                    Ok(8)
                } else {
                    let m = head.get(..4).unwrap_or_default();
                    Err(corrupt(
                        offset,
                        format!("not a zstd frame (magic {m:02x?})"),
                    ))
                }
            }
            State::Block => {
                let &[b0, b1, b2, ..] = head else {
                    return Ok(3);
                };
                // 3 bytes little-endian: bit 0 last block, bits 1-2 type, the rest the size.
                let bh = u32::from(b0) | u32::from(b1) << 8 | u32::from(b2) << 16;
                let last = bh & 1 != 0;
                let kind = (bh >> 1) & 3;
                let size = (bh >> 3) as usize;
                if kind == 3 {
                    return Err(corrupt(offset, "reserved block type"));
                }
                if size > MAX_BLOCK_SIZE {
                    return Err(corrupt(
                        offset,
                        format!("block size {size} exceeds 128 KiB"),
                    ));
                }
                let body = if kind == 1 { 1 } else { size };
                Ok(3 + body + if last && self.checksum { 4 } else { 0 })
            }
        }
    }

    fn decode(
        &mut self,
        unit: &[u8],
        offset: u64,
        out: &mut dyn FnMut(&[u8]),
    ) -> Result<u64, DecodeError> {
        match self.state {
            State::FrameStart if is_skippable_magic(unit) => Ok(u64::from(le_u32(unit, 4))),
            State::FrameStart => self.start_frame(unit, offset),
            State::Block => self.block(unit, offset, out),
        }
    }

    fn finish(&mut self, offset: u64, out: &mut dyn FnMut(&[u8])) -> Result<(), DecodeError> {
        if self.state == State::Block {
            // ruzstd holds back the last window of output until the frame ends; end the frame
            // with an empty last block so every block that did arrive is emitted. (Its checksum,
            // if any, is a placeholder and is not checked.)
            let mut end = vec![0x01, 0x00, 0x00];
            if self.checksum {
                end.extend_from_slice(&[0; 4]);
            }
            let mut src = end.as_slice();
            if self
                .dec
                .decode_blocks(&mut src, BlockDecodingStrategy::UptoBlocks(1))
                .is_ok()
            {
                let mut sink = Sink {
                    out,
                    count: &mut self.frame_out,
                };
                let _ = self.dec.collect_to_writer(&mut sink);
            }
            self.state = State::FrameStart;
            return Err(DecodeError::Truncated(format!(
                "zstd: input ends at compressed offset {offset}, inside the frame starting at {}",
                self.frame_at
            )));
        }
        Ok(())
    }
}
