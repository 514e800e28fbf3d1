//! The error of every parser in this crate: what kind, in which layer, at which byte offset
//! (relative to the start of the buffer handed to that layer's parser).

use core::fmt;

/// What went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The buffer ends before the structure does.
    Truncated,
    /// A field holds a value that makes the structure unparseable (a length that points
    /// outside the buffer, a reserved version, ...).
    Malformed,
    /// A valid structure of a kind this parser does not decode.
    Unsupported,
}

/// A parse error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error {
    /// What went wrong.
    pub kind: ErrorKind,
    /// The layer ("radiotap", "802.11", "RSN IE", ...).
    pub layer: &'static str,
    /// Byte offset of the problem within the buffer given to that layer.
    pub offset: usize,
}

impl Error {
    /// A truncation error at `offset`.
    pub const fn truncated(layer: &'static str, offset: usize) -> Error {
        Error {
            kind: ErrorKind::Truncated,
            layer,
            offset,
        }
    }
    /// A malformation error at `offset`.
    pub const fn malformed(layer: &'static str, offset: usize) -> Error {
        Error {
            kind: ErrorKind::Malformed,
            layer,
            offset,
        }
    }
    /// An unsupported-structure error at `offset`.
    pub const fn unsupported(layer: &'static str, offset: usize) -> Error {
        Error {
            kind: ErrorKind::Unsupported,
            layer,
            offset,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ErrorKind::Truncated => "truncated",
            ErrorKind::Malformed => "malformed",
            ErrorKind::Unsupported => "unsupported",
        };
        write!(f, "{} {what} at offset {}", self.layer, self.offset)
    }
}

/// Result alias for this crate.
pub type Result<T> = core::result::Result<T, Error>;
