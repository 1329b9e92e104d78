//! Splits pushed bytes into lines without copying whole lines that arrive in one chunk.

/// A line longer than this is not an event log line (binary data without newlines).
const MAX_LINE_BYTES: usize = 256 * 1024 * 1024;

/// Buffers only the unfinished tail of the last chunk.
#[derive(Default)]
pub struct LineSplitter {
    partial: Vec<u8>,
    /// Skipping the rest of an over-long line.
    skipping: bool,
    /// Over-long lines dropped.
    dropped: u64,
}

impl LineSplitter {
    /// Calls `f` for each complete line (without its `\n`) in the bytes pushed so far.
    pub fn push(&mut self, mut bytes: &[u8], mut f: impl FnMut(&[u8])) {
        if self.skipping || !self.partial.is_empty() {
            match memchr::memchr(b'\n', bytes) {
                Some(nl) => {
                    if self.skipping {
                        self.skipping = false;
                    } else {
                        self.partial.extend_from_slice(&bytes[..nl]);
                        f(&self.partial);
                        self.partial.clear();
                    }
                    bytes = &bytes[nl + 1..];
                }
                None => {
                    if !self.skipping {
                        self.append_partial(bytes);
                    }
                    return;
                }
            }
        }
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', bytes) {
            f(&bytes[start..nl]);
            start = nl + 1;
        }
        if start < bytes.len() {
            self.append_partial(&bytes[start..]);
        }
    }

    fn append_partial(&mut self, bytes: &[u8]) {
        if self.partial.len() + bytes.len() > MAX_LINE_BYTES {
            self.partial = Vec::new();
            self.skipping = true;
            self.dropped += 1;
        } else {
            self.partial.extend_from_slice(bytes);
        }
    }

    /// The unfinished last line, if any (end of input).
    pub fn take_rest(&mut self) -> Option<Vec<u8>> {
        self.skipping = false;
        (!self.partial.is_empty()).then(|| std::mem::take(&mut self.partial))
    }

    /// Lines dropped for being longer than any event line.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}
