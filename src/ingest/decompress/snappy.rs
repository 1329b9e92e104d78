//! Spark's `.snappy`: snappy-java's `SnappyOutputStream` framing (not the snappy framing format).
//!
//! A 16-byte header (magic `\x82SNAPPY\0`, version and compatible version as i32 big-endian),
//! then chunks of `[i32 big-endian length][raw snappy block]`. Concatenated streams repeat the
//! header where a chunk length would be; its first byte 0x82 makes it a negative length, so the
//! two cannot be confused (this is how snappy-java's `SnappyInputStream` tells them apart).

use super::framed::Units;
use super::{be_u32, emit, DecodeError, MAX_BLOCK};

/// The 8 bytes a stream starts with.
pub(crate) const MAGIC: &[u8; 8] = b"\x82SNAPPY\x00";
const HEADER_LEN: usize = 16;
/// snappy-java's current stream version, the highest "compatible version" we can read.
const VERSION: u32 = 1;

/// snappy-java stream state.
pub(crate) struct Snappy {
    decoder: snap::raw::Decoder,
    /// Reused output buffer, grown to the largest chunk seen.
    buf: Vec<u8>,
}

impl Snappy {
    /// A decoder at the start of a stream.
    pub(crate) fn new() -> Self {
        Snappy {
            decoder: snap::raw::Decoder::new(),
            buf: Vec::new(),
        }
    }
}

fn corrupt(offset: u64, what: impl std::fmt::Display) -> DecodeError {
    DecodeError::Corrupt(format!("snappy: {what} at compressed offset {offset}"))
}

/// Whether `head` can still be (or is) the start of a stream header.
fn header_prefix(head: &[u8]) -> bool {
    let n = head.len().min(MAGIC.len());
    head.get(..n) == MAGIC.get(..n)
}

impl Units for Snappy {
    const NAME: &'static str = "snappy";

    fn unit_len(&mut self, head: &[u8], offset: u64) -> Result<usize, DecodeError> {
        if offset == 0 || head.first() == MAGIC.first() {
            if !header_prefix(head) {
                return Err(corrupt(offset, "missing snappy-java stream header"));
            }
            return Ok(HEADER_LEN);
        }
        if head.len() < 4 {
            return Ok(4);
        }
        let len = be_u32(head, 0) as usize;
        // Lengths of 2 GiB and up have the sign bit set: snappy-java rejects them as negative.
        if len > MAX_BLOCK {
            return Err(corrupt(offset, format!("chunk length {len} is too large")));
        }
        Ok(4 + len)
    }

    fn decode(
        &mut self,
        unit: &[u8],
        offset: u64,
        out: &mut dyn FnMut(&[u8]),
    ) -> Result<u64, DecodeError> {
        if unit.starts_with(MAGIC) {
            let compatible = be_u32(unit, 12);
            if compatible > VERSION {
                return Err(corrupt(
                    offset,
                    format!("stream needs snappy-java format version {compatible}"),
                ));
            }
            return Ok(0);
        }
        let body = unit.get(4..).unwrap_or_default();
        if body.is_empty() {
            return Ok(0);
        }
        let len = snap::raw::decompress_len(body)
            .map_err(|e| corrupt(offset, format!("bad chunk ({e})")))?;
        // Snappy expands at most ~22× (a 3-byte copy yields 64 bytes); a bigger claim is damage,
        // and checking here avoids allocating for it.
        if len > MAX_BLOCK || len as u64 > body.len() as u64 * 32 + 64 {
            return Err(corrupt(
                offset,
                format!("chunk claims {len} bytes from {} compressed", body.len()),
            ));
        }
        if self.buf.len() < len {
            self.buf.resize(len, 0);
        }
        let n = self
            .decoder
            .decompress(body, &mut self.buf)
            .map_err(|e| corrupt(offset, format!("bad chunk ({e})")))?;
        emit(out, self.buf.get(..n).unwrap_or_default());
        Ok(0)
    }

    fn finish(&mut self, _offset: u64, _out: &mut dyn FnMut(&[u8])) -> Result<(), DecodeError> {
        Ok(())
    }
}
