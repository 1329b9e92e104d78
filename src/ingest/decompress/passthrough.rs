//! `Codec::None`: the input is the output.

use super::{emit, DecodeError, Decoder};

/// Passes bytes through unchanged (still in pieces of at most `MAX_PIECE`).
#[derive(Default)]
pub(crate) struct Passthrough {
    bytes_in: u64,
}

impl Decoder for Passthrough {
    fn push(&mut self, input: &[u8], out: &mut dyn FnMut(&[u8])) -> Result<(), DecodeError> {
        self.bytes_in += input.len() as u64;
        emit(out, input);
        Ok(())
    }

    fn finish(&mut self, _out: &mut dyn FnMut(&[u8])) -> Result<(), DecodeError> {
        Ok(())
    }

    fn bytes_in(&self) -> u64 {
        self.bytes_in
    }
}
