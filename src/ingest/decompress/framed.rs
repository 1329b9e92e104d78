//! The shared push machinery of the length-prefixed formats (zstd, lz4-java, snappy-java, LZF):
//! a format only says how long its next unit (header or block) is and decodes whole units; this
//! turns arbitrary input chunks into whole units.
//!
//! Units are decoded straight from the caller's chunk when they lie inside it; only a unit that
//! straddles two chunks is copied, into `pending`, so large chunks are never copied wholesale.

use super::{DecodeError, Decoder};

/// A stream format made of self-delimiting units.
pub(crate) trait Units: Send {
    /// Codec name used in messages.
    const NAME: &'static str;

    /// The length of the unit that starts with `head`: exact once `head` holds the unit's header,
    /// a lower bound (at least 1, more than `head.len()`) while it is shorter than that.
    fn unit_len(&mut self, head: &[u8], offset: u64) -> Result<usize, DecodeError>;

    /// Decodes one whole unit (exactly `unit_len` bytes) found at compressed `offset`; returns how
    /// many following bytes to skip unseen (zstd skippable frames), usually 0.
    fn decode(
        &mut self,
        unit: &[u8],
        offset: u64,
        out: &mut dyn FnMut(&[u8]),
    ) -> Result<u64, DecodeError>;

    /// Called at end of input, with any unit cut short already dropped: emits output the format
    /// still holds, and returns Err(Truncated) if the stream may not end at `offset`.
    fn finish(&mut self, offset: u64, out: &mut dyn FnMut(&[u8])) -> Result<(), DecodeError>;
}

/// A [`Decoder`] over a [`Units`] format.
pub(crate) struct Framed<F: Units> {
    fmt: F,
    /// Start of a unit that has not all arrived yet (empty between units).
    pending: Vec<u8>,
    /// Compressed offset of the next unit (or of `pending`).
    pos: u64,
    /// Bytes still to skip before the next unit.
    skip: u64,
    bytes_in: u64,
    /// First error; the stream cannot be resynchronised after it.
    failed: Option<DecodeError>,
}

impl<F: Units> Framed<F> {
    /// A decoder at the start of a stream.
    pub(crate) fn new(fmt: F) -> Self {
        Framed {
            fmt,
            pending: Vec::new(),
            pos: 0,
            skip: 0,
            bytes_in: 0,
            failed: None,
        }
    }

    /// Drops up to `self.skip` bytes from the front of `input`.
    fn apply_skip<'a>(&mut self, input: &'a [u8]) -> &'a [u8] {
        if self.skip == 0 {
            return input;
        }
        let n = usize::try_from(self.skip).map_or(input.len(), |s| s.min(input.len()));
        self.skip -= n as u64;
        self.pos += n as u64;
        input.get(n..).unwrap_or_default()
    }

    fn push_inner(
        &mut self,
        mut input: &[u8],
        out: &mut dyn FnMut(&[u8]),
    ) -> Result<(), DecodeError> {
        input = self.apply_skip(input);
        // Complete the unit that straddles the previous chunk, topping `pending` up only to the
        // unit's length so the rest of this chunk can be decoded in place.
        while !self.pending.is_empty() {
            let need = self.fmt.unit_len(&self.pending, self.pos)?;
            if self.pending.len() < need {
                let take = (need - self.pending.len()).min(input.len());
                let (head, rest) = input.split_at(take);
                self.pending.extend_from_slice(head);
                input = rest;
                if self.pending.len() < need {
                    return Ok(());
                }
                // The header may only now be complete, making the unit longer: ask again.
                continue;
            }
            if self.pending.len() > need {
                // Formats only give lower bounds that hold; guard the invariant all the same.
                return Err(DecodeError::Corrupt(format!(
                    "{}: inconsistent block length at compressed offset {}",
                    F::NAME,
                    self.pos
                )));
            }
            self.skip = self.fmt.decode(&self.pending, self.pos, out)?;
            self.pos += self.pending.len() as u64;
            self.pending.clear();
            if self.pending.capacity() > super::MAX_PIECE * 4 {
                // A rare huge block should not pin its memory for the rest of the stream.
                self.pending.shrink_to(super::MAX_PIECE);
            }
            input = self.apply_skip(input);
        }
        while !input.is_empty() {
            let need = self.fmt.unit_len(input, self.pos)?;
            if input.len() < need {
                self.pending.extend_from_slice(input);
                return Ok(());
            }
            let (unit, rest) = input.split_at(need);
            self.skip = self.fmt.decode(unit, self.pos, out)?;
            self.pos += need as u64;
            input = self.apply_skip(rest);
        }
        Ok(())
    }

    fn finish_inner(&mut self, out: &mut dyn FnMut(&[u8])) -> Result<(), DecodeError> {
        // Describe a cut unit before the format's state moves on.
        let cut = if self.skip > 0 {
            Some(format!(
                "{}: input ends {} bytes before the end of a skippable frame (compressed offset {})",
                F::NAME,
                self.skip,
                self.pos
            ))
        } else if !self.pending.is_empty() {
            let need = self.fmt.unit_len(&self.pending, self.pos).unwrap_or(0);
            Some(format!(
                "{}: input ends inside the block at compressed offset {} ({} of {} bytes present)",
                F::NAME,
                self.pos,
                self.pending.len(),
                need.max(self.pending.len() + 1)
            ))
        } else {
            None
        };
        // Let the format emit what it still holds (a cut zstd frame's decoded window) first.
        let held = self.fmt.finish(self.pos, out);
        match cut {
            Some(m) => Err(DecodeError::Truncated(m)),
            None => held,
        }
    }
}

impl<F: Units> Decoder for Framed<F> {
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

    fn finish(&mut self, out: &mut dyn FnMut(&[u8])) -> Result<(), DecodeError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let r = self.finish_inner(out);
        if let Err(e) = &r {
            self.failed = Some(e.clone());
        }
        r
    }

    fn bytes_in(&self) -> u64 {
        self.bytes_in
    }
}
