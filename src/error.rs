//! Errors that name the input and what is wrong with it.

use std::fmt;

/// What kind of problem an input has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ErrorKind {
    /// The input has no bytes (or only whitespace).
    Empty,
    /// The input is not in any format Runlens reads.
    UnsupportedFormat,
    /// A compressed stream is corrupt or cut short.
    Corrupt,
    /// The JSON does not have the expected shape or values.
    InvalidContent,
    /// Reading the input failed (I/O, network).
    Io,
}

/// An error reading one input: which input and what is wrong.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Error {
    /// The input's name (path, file name or URL).
    pub source: String,
    /// What kind of problem.
    pub kind: ErrorKind,
    /// The problem, in words a user can act on.
    pub problem: String,
}

impl Error {
    /// An error about `source`.
    pub fn new(source: impl Into<String>, kind: ErrorKind, problem: impl Into<String>) -> Error {
        Error {
            source: source.into(),
            kind,
            problem: problem.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.problem)
    }
}

impl std::error::Error for Error {}

/// Result with a Runlens [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
