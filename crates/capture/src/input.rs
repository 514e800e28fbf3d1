//! Where a reader's bytes come from: a stream it copies out of into a buffer of its own, or
//! bytes already in memory (a mapped file), which it lends out without a copy.
//!
//! Copying was most of what reading cost: the kernel's copy out of the page cache, then the
//! reader's copy of each record. A reader over [`InMemory`] bytes hands out frames that borrow
//! the bytes in place.

use std::io::{self, Read};

/// The bytes a capture reader reads, front to back.
pub trait Input {
    /// The next `n` bytes, or fewer where the input ends: borrowed from the input when its
    /// bytes are in memory, else read into `buf` (which it may resize).
    fn next_bytes<'a>(&'a mut self, n: usize, buf: &'a mut Vec<u8>) -> io::Result<&'a [u8]>;
}

/// Reads until `buf` is full or the input ends; returns how many bytes were read.
pub(crate) fn read_full(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match input.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

impl<R: Read> Input for R {
    fn next_bytes<'a>(&'a mut self, n: usize, buf: &'a mut Vec<u8>) -> io::Result<&'a [u8]> {
        buf.resize(n, 0);
        let got = read_full(self, buf)?;
        buf.truncate(got);
        Ok(buf)
    }
}

/// Bytes in memory, read front to back; what is taken is borrowed from them.
#[derive(Clone, Copy, Debug)]
pub struct InMemory<'m> {
    bytes: &'m [u8],
    pos: usize,
}

impl<'m> InMemory<'m> {
    /// Reads `bytes` from their start.
    pub fn new(bytes: &'m [u8]) -> InMemory<'m> {
        InMemory { bytes, pos: 0 }
    }
}

impl Input for InMemory<'_> {
    fn next_bytes<'a>(&'a mut self, n: usize, _buf: &'a mut Vec<u8>) -> io::Result<&'a [u8]> {
        let end = self.pos.saturating_add(n).min(self.bytes.len());
        let taken = self.bytes.get(self.pos..end).unwrap_or_default();
        self.pos = end;
        Ok(taken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both kinds give the same bytes; the in-memory one lends them in place.
    #[test]
    fn streams_copy_memory_lends() {
        let data: Vec<u8> = (0..100).collect();
        let mut buf = Vec::new();
        let mut stream = &data[..];
        let mut mem = InMemory::new(&data);
        let mut spare = Vec::new();
        for n in [0, 10, 1, 80, 50, 5] {
            let a = stream.next_bytes(n, &mut buf).unwrap().to_vec();
            let b = mem.next_bytes(n, &mut spare).unwrap();
            assert_eq!(a, b, "{n}");
            if !b.is_empty() {
                let at = b.as_ptr() as usize - data.as_ptr() as usize;
                assert_eq!(&data[at..at + b.len()], b);
            }
        }
        assert!(mem.next_bytes(1, &mut buf).unwrap().is_empty());
    }
}
