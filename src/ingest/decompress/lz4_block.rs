//! Spark's `.lz4`: lz4-java's `LZ4BlockOutputStream` framing (not the LZ4 frame format).
//!
//! Each block: magic `LZ4Block`, a token (high nibble method: 0x10 raw, 0x20 LZ4; low nibble
//! level, block size limit `1 << (10 + level)`), compressed length, decompressed length and
//! checksum (i32 little-endian each; the checksum is XXH32 of the decompressed bytes, seed
//! 0x9747b28c, masked to 28 bits), then the body. A block with both lengths 0 ends a stream;
//! Spark reads on past it (concatenated streams), and so do we. The checks mirror lz4-java's
//! `LZ4BlockInputStream`.

use super::framed::Units;
use super::{emit, le_u32, DecodeError, MAX_BLOCK};
use twox_hash::XxHash32;

/// The 8 bytes every block starts with.
pub(crate) const MAGIC: &[u8; 8] = b"LZ4Block";
const HEADER_LEN: usize = 21;
const METHOD_RAW: u8 = 0x10;
const METHOD_LZ4: u8 = 0x20;
const SEED: u32 = 0x9747_b28c;

/// A parsed block header.
struct Header {
    method: u8,
    compressed: usize,
    decompressed: usize,
    check: u32,
}

/// lz4-java block stream state.
pub(crate) struct Lz4Block {
    /// Reused output buffer, grown to the largest block seen.
    buf: Vec<u8>,
}

impl Lz4Block {
    /// A decoder at the start of a stream.
    pub(crate) fn new() -> Self {
        Lz4Block { buf: Vec::new() }
    }
}

fn corrupt(offset: u64, what: impl std::fmt::Display) -> DecodeError {
    DecodeError::Corrupt(format!(
        "lz4: {what} in the block at compressed offset {offset}"
    ))
}

/// Parses and validates a whole 21-byte header.
fn parse_header(h: &[u8], offset: u64) -> Result<Header, DecodeError> {
    if !h.starts_with(MAGIC) {
        return Err(corrupt(offset, "missing LZ4Block magic"));
    }
    let token = h.get(8).copied().unwrap_or(0);
    let method = token & 0xf0;
    let level = 10 + u32::from(token & 0x0f);
    let compressed = le_u32(h, 9) as i32;
    let decompressed = le_u32(h, 13) as i32;
    let check = le_u32(h, 17);
    if method != METHOD_RAW && method != METHOD_LZ4 {
        return Err(corrupt(
            offset,
            format!("unknown method token {token:#04x}"),
        ));
    }
    if compressed < 0 || decompressed < 0 || decompressed as u64 > 1u64 << level {
        return Err(corrupt(
            offset,
            format!("bad lengths (compressed {compressed}, decompressed {decompressed}, level limit {})", 1u64 << level),
        ));
    }
    let (compressed, decompressed) = (compressed as usize, decompressed as usize);
    if (decompressed == 0) != (compressed == 0)
        || (method == METHOD_RAW && compressed != decompressed)
        || compressed > MAX_BLOCK
        // LZ4 expands at most ~255× (one length byte adds 255 output bytes); a bigger claim is
        // damage, and checking here avoids allocating for it.
        || (method == METHOD_LZ4 && decompressed as u64 > compressed as u64 * 256 + 64)
    {
        return Err(corrupt(
            offset,
            format!("inconsistent lengths (compressed {compressed}, decompressed {decompressed})"),
        ));
    }
    if decompressed == 0 && check != 0 {
        return Err(corrupt(
            offset,
            "non-zero checksum on the end-of-stream block",
        ));
    }
    Ok(Header {
        method,
        compressed,
        decompressed,
        check,
    })
}

impl Units for Lz4Block {
    const NAME: &'static str = "lz4";

    fn unit_len(&mut self, head: &[u8], offset: u64) -> Result<usize, DecodeError> {
        if head.len() < HEADER_LEN {
            // Fail early on a wrong magic rather than waiting for a whole header.
            let n = head.len().min(MAGIC.len());
            if head.get(..n) != MAGIC.get(..n) {
                return Err(corrupt(offset, "missing LZ4Block magic"));
            }
            return Ok(HEADER_LEN);
        }
        Ok(HEADER_LEN + parse_header(head, offset)?.compressed)
    }

    fn decode(
        &mut self,
        unit: &[u8],
        offset: u64,
        out: &mut dyn FnMut(&[u8]),
    ) -> Result<u64, DecodeError> {
        let h = parse_header(unit, offset)?;
        if h.decompressed == 0 {
            // End of one stream; another may follow.
            return Ok(0);
        }
        let body = unit.get(HEADER_LEN..).unwrap_or_default();
        let data: &[u8] = if h.method == METHOD_RAW {
            body
        } else {
            if self.buf.len() < h.decompressed {
                self.buf.resize(h.decompressed, 0);
            }
            let dst = self.buf.get_mut(..h.decompressed).unwrap_or_default();
            match lz4_flex::block::decompress_into(body, dst) {
                Ok(n) if n == h.decompressed => {}
                Ok(n) => {
                    return Err(corrupt(
                        offset,
                        format!(
                            "block decompressed to {n} bytes, header says {}",
                            h.decompressed
                        ),
                    ))
                }
                Err(e) => return Err(corrupt(offset, format!("bad LZ4 data ({e})"))),
            }
            self.buf.get(..h.decompressed).unwrap_or_default()
        };
        let sum = XxHash32::oneshot(SEED, data) & 0x0fff_ffff;
        if sum != h.check {
            return Err(corrupt(
                offset,
                format!(
                    "checksum mismatch (stored {:#x}, computed {sum:#x})",
                    h.check
                ),
            ));
        }
        emit(out, data);
        Ok(0)
    }

    fn finish(&mut self, _offset: u64, _out: &mut dyn FnMut(&[u8])) -> Result<(), DecodeError> {
        // lz4-java (as Spark configures it) accepts end of input at any block boundary.
        Ok(())
    }
}
