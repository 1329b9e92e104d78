//! Splits pushed bytes into lines without copying whole lines that arrive in one chunk.

/// A line longer than this is not one Runlens needs (binary data without newlines, or a SQL
/// plan event of a giant query); it is dropped without being held, and said so.
pub const MAX_LINE_BYTES: usize = 64 * 1024 * 1024;

/// What the splitter found.
pub enum Piece<'a> {
    /// A complete line, without its `\n`.
    Line(&'a [u8]),
    /// A line longer than [`MAX_LINE_BYTES`] ended; it was dropped. Its length in bytes.
    Dropped(u64),
}

/// Buffers only the unfinished tail of the last chunk.
#[derive(Default)]
pub struct LineSplitter {
    partial: Vec<u8>,
    /// Skipping the rest of an over-long line: its length so far.
    skipping: Option<u64>,
    /// Over-long lines dropped.
    dropped: u64,
}

impl LineSplitter {
    /// Calls `f` for each complete line (and each dropped over-long line) in the bytes pushed so far.
    pub fn push(&mut self, mut bytes: &[u8], mut f: impl FnMut(Piece)) {
        if self.skipping.is_some() || !self.partial.is_empty() {
            match memchr::memchr(b'\n', bytes) {
                Some(nl) => {
                    if let Some(len) = self.skipping.take() {
                        f(Piece::Dropped(len + nl as u64));
                    } else {
                        self.partial.extend_from_slice(&bytes[..nl]);
                        f(Piece::Line(&self.partial));
                        self.partial.clear();
                    }
                    bytes = &bytes[nl + 1..];
                }
                None => {
                    match self.skipping.as_mut() {
                        Some(len) => *len += bytes.len() as u64,
                        None => self.append_partial(bytes),
                    }
                    return;
                }
            }
        }
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', bytes) {
            f(Piece::Line(&bytes[start..nl]));
            start = nl + 1;
        }
        if start < bytes.len() {
            self.append_partial(&bytes[start..]);
        }
    }

    fn append_partial(&mut self, bytes: &[u8]) {
        let needed = self.partial.len() + bytes.len();
        if needed > MAX_LINE_BYTES {
            self.skipping = Some(needed as u64);
            self.partial = Vec::new();
            self.dropped += 1;
            return;
        }
        if needed > self.partial.capacity() {
            // Doubling, but never past the limit (a doubling could overshoot it twofold).
            let target = (self.partial.capacity() * 2)
                .max(needed)
                .min(MAX_LINE_BYTES);
            self.partial.reserve_exact(target - self.partial.len());
        }
        self.partial.extend_from_slice(bytes);
    }

    /// The unfinished last line, if any (end of input); `Err(len)` if it was an over-long line.
    pub fn take_rest(&mut self) -> Result<Option<Vec<u8>>, u64> {
        if let Some(len) = self.skipping.take() {
            return Err(len);
        }
        Ok((!self.partial.is_empty()).then(|| std::mem::take(&mut self.partial)))
    }

    /// Lines dropped for being longer than any event line.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}
