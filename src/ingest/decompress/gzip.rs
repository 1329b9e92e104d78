//! Gzip (RFC 1952), any number of concatenated members (`MultiGzDecoder` semantics).
//!
//! The header and trailer are parsed here, byte-exact and incrementally, and only the deflate
//! body goes to flate2's raw inflater; that way we know the compressed offset of every error and
//! can tell a stream cut short (Truncated) from a damaged one (Corrupt), which flate2's
//! `write::MultiGzDecoder` reports alike.

use super::{emit, le_u32, DecodeError, Decoder};
use flate2::{Crc, Decompress, FlushDecompress, Status};

const FHCRC: u8 = 0x02;
const FEXTRA: u8 = 0x04;
const FNAME: u8 = 0x08;
const FCOMMENT: u8 = 0x10;
const FRESERVED: u8 = 0xe0;
/// Inflate output buffer: pieces handed to `out` are at most this long.
const OUT_BUF: usize = 256 << 10;

/// Where the member header parser is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    /// The 10 fixed bytes (ID1 ID2 CM FLG MTIME XFL OS); `usize` have been seen.
    Fixed(usize),
    /// The 2-byte XLEN; `usize` have been seen.
    ExtraLen(usize),
    /// The extra field; `usize` bytes remain.
    Extra(usize),
    /// The zero-terminated file name.
    Name,
    /// The zero-terminated comment.
    Comment,
    /// The 2-byte header CRC; `usize` have been seen.
    HeaderCrc(usize),
}

/// Where the decoder is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Header(Field),
    Body,
    /// The 8-byte trailer (CRC-32, size mod 2^32); `usize` bytes are in `trailer`.
    Trailer(usize),
}

/// Gzip stream state.
pub(crate) struct Gzip {
    stage: Stage,
    flags: u8,
    /// Bytes of multi-byte header fields and of the trailer.
    scratch: [u8; 10],
    /// CRC-32 of the header so far (for FHCRC).
    header_crc: Crc,
    inflate: Decompress,
    /// CRC-32 and size of the member's output so far.
    crc: Crc,
    obuf: Vec<u8>,
    /// Compressed offset of the next byte and of the current member.
    pos: u64,
    member_at: u64,
    bytes_in: u64,
    failed: Option<DecodeError>,
}

impl Gzip {
    /// A decoder at the start of a stream.
    pub(crate) fn new() -> Self {
        Gzip {
            stage: Stage::Header(Field::Fixed(0)),
            flags: 0,
            scratch: [0; 10],
            header_crc: Crc::new(),
            inflate: Decompress::new(false),
            crc: Crc::new(),
            obuf: vec![0; OUT_BUF],
            pos: 0,
            member_at: 0,
            bytes_in: 0,
            failed: None,
        }
    }

    fn corrupt(&self, what: impl std::fmt::Display) -> DecodeError {
        DecodeError::Corrupt(format!(
            "gzip: {what} at compressed offset {} (member starting at {})",
            self.pos, self.member_at
        ))
    }

    /// The header field after the one(s) ending, given the flags.
    fn after(&self, done: Field) -> Stage {
        let order = [
            (Field::ExtraLen(0), FEXTRA),
            (Field::Name, FNAME),
            (Field::Comment, FCOMMENT),
            (Field::HeaderCrc(0), FHCRC),
        ];
        let rank = |f: Field| match f {
            Field::Fixed(_) => 0,
            Field::ExtraLen(_) | Field::Extra(_) => 1,
            Field::Name => 2,
            Field::Comment => 3,
            Field::HeaderCrc(_) => 4,
        };
        order
            .iter()
            .zip(1..)
            .find(|&(&(_, flag), r)| r > rank(done) && self.flags & flag != 0)
            .map_or(Stage::Body, |(&(f, _), _)| Stage::Header(f))
    }

    /// Consumes header bytes from `input`; returns how many.
    fn header(&mut self, field: Field, input: &[u8]) -> Result<usize, DecodeError> {
        let mut used = 0;
        let mut field = field;
        loop {
            let Some(&b) = input.get(used) else {
                self.stage = Stage::Header(field);
                break Ok(used);
            };
            match field {
                Field::Fixed(n) => {
                    let ok = match n {
                        0 => b == 0x1f,
                        1 => b == 0x8b,
                        2 => b == 8,
                        3 => b & FRESERVED == 0,
                        _ => true,
                    };
                    if !ok {
                        self.pos += used as u64;
                        break Err(self.corrupt(match n {
                            0 | 1 => "not a gzip member (bad magic)",
                            2 => "unknown compression method",
                            _ => "reserved header flags set",
                        }));
                    }
                    if n == 3 {
                        self.flags = b;
                    }
                    self.header_crc.update(&[b]);
                    used += 1;
                    field = Field::Fixed(n + 1);
                    if n + 1 == 10 {
                        match self.after(field) {
                            Stage::Header(f) => field = f,
                            _ => {
                                self.stage = Stage::Body;
                                break Ok(used);
                            }
                        }
                    }
                }
                Field::ExtraLen(n) => {
                    if let Some(s) = self.scratch.get_mut(n) {
                        *s = b;
                    }
                    self.header_crc.update(&[b]);
                    used += 1;
                    field = if n == 1 {
                        Field::Extra(usize::from(u16::from_le_bytes([self.scratch[0], b])))
                    } else {
                        Field::ExtraLen(n + 1)
                    };
                }
                Field::Extra(rem) => {
                    let take = rem.min(input.len() - used);
                    if let Some(s) = input.get(used..used + take) {
                        self.header_crc.update(s);
                    }
                    used += take;
                    field = Field::Extra(rem - take);
                }
                Field::Name | Field::Comment => {
                    let rest = input.get(used..).unwrap_or_default();
                    match memchr::memchr(0, rest) {
                        Some(i) => {
                            self.header_crc.update(rest.get(..=i).unwrap_or_default());
                            used += i + 1;
                            match self.after(field) {
                                Stage::Header(f) => field = f,
                                _ => {
                                    self.stage = Stage::Body;
                                    break Ok(used);
                                }
                            }
                        }
                        None => {
                            self.header_crc.update(rest);
                            used = input.len();
                        }
                    }
                }
                Field::HeaderCrc(n) => {
                    if let Some(s) = self.scratch.get_mut(n) {
                        *s = b;
                    }
                    used += 1;
                    if n == 0 {
                        field = Field::HeaderCrc(1);
                    } else {
                        let stored = u16::from_le_bytes([self.scratch[0], b]);
                        if u32::from(stored) != self.header_crc.sum() & 0xffff {
                            self.pos += used as u64;
                            break Err(self.corrupt("header CRC mismatch"));
                        }
                        self.stage = Stage::Body;
                        break Ok(used);
                    }
                }
            }
            // An extra field that has been skipped whole moves on to the next field.
            if field == Field::Extra(0) {
                match self.after(field) {
                    Stage::Header(f) => field = f,
                    _ => {
                        self.stage = Stage::Body;
                        break Ok(used);
                    }
                }
            }
        }
    }

    /// Inflates from `input`, emitting output; returns how many bytes it used.
    fn body(&mut self, input: &[u8], out: &mut dyn FnMut(&[u8])) -> Result<usize, DecodeError> {
        let mut used = 0;
        loop {
            let rest = input.get(used..).unwrap_or_default();
            let (in0, out0) = (self.inflate.total_in(), self.inflate.total_out());
            let status = self
                .inflate
                .decompress(rest, &mut self.obuf, FlushDecompress::None);
            let took = (self.inflate.total_in() - in0) as usize;
            let made = (self.inflate.total_out() - out0) as usize;
            used += took;
            let status = match status {
                Ok(s) => s,
                Err(e) => {
                    self.pos += used as u64;
                    return Err(self.corrupt(format!("bad deflate data ({e})")));
                }
            };
            if let Some(piece) = self.obuf.get(..made) {
                self.crc.update(piece);
                emit(out, piece);
            }
            if status == Status::StreamEnd {
                self.stage = Stage::Trailer(0);
                return Ok(used);
            }
            // Stop when inflate needs more input; a full buffer may hide more output.
            if (took == 0 && made == 0) || (used == input.len() && made < self.obuf.len()) {
                return Ok(used);
            }
        }
    }

    /// Consumes trailer bytes; at the 8th checks the member and gets ready for the next one.
    fn trailer(&mut self, have: usize, input: &[u8]) -> Result<usize, DecodeError> {
        let take = (8 - have).min(input.len());
        if let (Some(to), Some(from)) = (self.scratch.get_mut(have..have + take), input.get(..take))
        {
            to.copy_from_slice(from);
        }
        if have + take < 8 {
            self.stage = Stage::Trailer(have + take);
            return Ok(take);
        }
        let (crc, size) = (le_u32(&self.scratch, 0), le_u32(&self.scratch, 4));
        if crc != self.crc.sum() || size != self.crc.amount() {
            return Err(self.corrupt(format!(
                "member check failed (stored CRC {crc:#x}, size {size}; computed {:#x}, {})",
                self.crc.sum(),
                self.crc.amount()
            )));
        }
        self.stage = Stage::Header(Field::Fixed(0));
        self.header_crc.reset();
        self.crc.reset();
        self.inflate.reset(false);
        self.member_at = self.pos + take as u64;
        Ok(take)
    }

    fn push_inner(
        &mut self,
        mut input: &[u8],
        out: &mut dyn FnMut(&[u8]),
    ) -> Result<(), DecodeError> {
        while !input.is_empty() {
            let used = match self.stage {
                Stage::Header(f) => self.header(f, input)?,
                Stage::Body => {
                    let n = self.body(input, out)?;
                    if n == 0 && self.stage == Stage::Body {
                        // Inflate took nothing although input remains: it will never progress.
                        return Err(self.corrupt("deflate stream makes no progress"));
                    }
                    n
                }
                Stage::Trailer(have) => self.trailer(have, input)?,
            };
            self.pos += used as u64;
            input = input.get(used..).unwrap_or_default();
        }
        Ok(())
    }
}

impl Decoder for Gzip {
    fn push(&mut self, input: &[u8], out: &mut dyn FnMut(&[u8])) -> Result<(), DecodeError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        self.bytes_in += input.len() as u64;
        let r = self.push_inner(input, out);
        if let Err(e) = &r {
            self.failed = Some(e.clone());
        }
        r
    }

    fn finish(&mut self, _out: &mut dyn FnMut(&[u8])) -> Result<(), DecodeError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        // Output is emitted as it is inflated, so only the stream's completeness is left to check.
        if self.stage == Stage::Header(Field::Fixed(0)) {
            return Ok(());
        }
        Err(DecodeError::Truncated(format!(
            "gzip: input ends at compressed offset {} inside the member starting at {}",
            self.pos, self.member_at
        )))
    }

    fn bytes_in(&self) -> u64 {
        self.bytes_in
    }
}
