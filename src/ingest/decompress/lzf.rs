//! Spark's `.lzf`: compress-lzf's `LZFOutputStream` chunks.
//!
//! Each chunk: `Z` `V`, a type byte, then for type 0 (stored) a u16 big-endian length and the
//! bytes, for type 1 (compressed) u16 big-endian compressed and decompressed lengths and liblzf
//! data. There is no stream header or checksum; the exact decompressed length is the only check.

use super::framed::Units;
use super::{be_u16, emit, DecodeError};

const STORED: u8 = 0;
const COMPRESSED: u8 = 1;

/// LZF chunk stream state.
pub(crate) struct Lzf {
    /// Reused output buffer (chunks hold at most 64 KiB).
    buf: Vec<u8>,
}

impl Lzf {
    /// A decoder at the start of a stream.
    pub(crate) fn new() -> Self {
        Lzf {
            buf: vec![0; u16::MAX as usize],
        }
    }
}

fn corrupt(offset: u64, what: impl std::fmt::Display) -> DecodeError {
    DecodeError::Corrupt(format!(
        "lzf: {what} in the chunk at compressed offset {offset}"
    ))
}

/// Header length of a chunk of type `t`.
fn header_len(t: u8) -> usize {
    if t == STORED {
        5
    } else {
        7
    }
}

impl Units for Lzf {
    const NAME: &'static str = "lzf";

    fn unit_len(&mut self, head: &[u8], offset: u64) -> Result<usize, DecodeError> {
        match head {
            [b'Z', b'V', t @ (STORED | COMPRESSED), ..] => {
                let hl = header_len(*t);
                if head.len() < hl {
                    Ok(hl)
                } else {
                    Ok(hl + usize::from(be_u16(head, 3)))
                }
            }
            [b'Z', b'V', t, ..] => Err(corrupt(offset, format!("unknown chunk type {t}"))),
            // The type byte decides the header length; 3 is a lower bound for both.
            [b'Z', b'V'] | [b'Z'] => Ok(3),
            _ => Err(corrupt(offset, "missing ZV signature")),
        }
    }

    fn decode(
        &mut self,
        unit: &[u8],
        offset: u64,
        out: &mut dyn FnMut(&[u8]),
    ) -> Result<u64, DecodeError> {
        let t = unit.get(2).copied().unwrap_or(STORED);
        let body = unit.get(header_len(t)..).unwrap_or_default();
        if t == STORED {
            emit(out, body);
            return Ok(0);
        }
        let n = usize::from(be_u16(unit, 5));
        let dst = self.buf.get_mut(..n).unwrap_or_default();
        decompress(body, dst).map_err(|e| corrupt(offset, e))?;
        emit(out, dst);
        Ok(0)
    }

    fn finish(&mut self, _offset: u64, _out: &mut dyn FnMut(&[u8])) -> Result<(), DecodeError> {
        Ok(())
    }
}

/// liblzf decompression of `src` into exactly `dst.len()` bytes.
pub(crate) fn decompress(src: &[u8], dst: &mut [u8]) -> Result<(), String> {
    let (mut ip, mut op) = (0usize, 0usize);
    let next = |ip: &mut usize| -> Result<usize, String> {
        let b = src.get(*ip).copied().ok_or("back-reference cut off")?;
        *ip += 1;
        Ok(usize::from(b))
    };
    while ip < src.len() {
        let ctrl = next(&mut ip)?;
        if ctrl < 32 {
            // Literal run of ctrl + 1 bytes.
            let run = ctrl + 1;
            let lit = src
                .get(ip..ip + run)
                .ok_or("literal run past the end of the input")?;
            let to = dst
                .get_mut(op..op + run)
                .ok_or("literal run past the declared length")?;
            to.copy_from_slice(lit);
            ip += run;
            op += run;
        } else {
            // Back-reference of (ctrl >> 5) + 2 bytes (7 means a length byte follows).
            let mut len = ctrl >> 5;
            if len == 7 {
                len += next(&mut ip)?;
            }
            let len = len + 2;
            let back = ((ctrl & 0x1f) << 8) + next(&mut ip)? + 1;
            if back > op {
                return Err(format!(
                    "back-reference {back} bytes behind output position {op}"
                ));
            }
            if op + len > dst.len() {
                return Err("back-reference past the declared length".into());
            }
            // Copy in steps of at most `back` bytes so each step reads only finished output: a
            // short distance repeats a pattern, as in liblzf's byte-by-byte copy.
            let end = op + len;
            while op < end {
                let n = back.min(end - op);
                dst.copy_within(op - back..op - back + n, op);
                op += n;
            }
        }
    }
    if op != dst.len() {
        return Err(format!(
            "decompressed to {op} bytes, header says {}",
            dst.len()
        ));
    }
    Ok(())
}
