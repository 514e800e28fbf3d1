//! Reading a file on a second thread.
//!
//! Copying a capture out of the page cache (the `read` system call) was about a tenth of the
//! packet path's time. [`ReadAhead`] moves it to a thread of its own: that thread reads the
//! file in 1 MiB chunks into a few recycled buffers and hands them over a bounded channel; the
//! reader serves `read` calls from the current chunk with a plain memory copy. Memory stays at
//! a few chunks whatever the file's size, and a read error reaches the caller at the offset it
//! happened, after every byte before it.

use std::fs::File;
use std::io::{self, Read};
use std::sync::mpsc::{self, Receiver, SyncSender};

/// Bytes per chunk.
const CHUNK: usize = 1 << 20;
/// Chunks read ahead of the consumer.
const AHEAD: usize = 4;

/// A [`Read`] over a file whose bytes are read by a background thread (or, for a file of one
/// chunk or less, where a thread would cost more than it saves, directly).
pub struct ReadAhead {
    /// Set for a small file: read directly, no thread.
    direct: Option<io::BufReader<File>>,
    chunks: Receiver<io::Result<Vec<u8>>>,
    recycle: SyncSender<Vec<u8>>,
    current: Vec<u8>,
    pos: usize,
    done: bool,
}

impl ReadAhead {
    /// Starts reading `file` in the background. Falls back to an error only if no thread can
    /// be started.
    pub fn new(mut file: File) -> io::Result<ReadAhead> {
        let (tx, chunks) = mpsc::sync_channel::<io::Result<Vec<u8>>>(AHEAD);
        let (recycle, spare) = mpsc::sync_channel::<Vec<u8>>(AHEAD + 2);
        if file.metadata().is_ok_and(|m| m.len() <= CHUNK as u64) {
            return Ok(ReadAhead {
                direct: Some(io::BufReader::with_capacity(64 * 1024, file)),
                chunks,
                recycle,
                current: Vec::new(),
                pos: 0,
                done: false,
            });
        }
        std::thread::Builder::new()
            .name("capture-read".into())
            .spawn(move || loop {
                let mut buf = spare.try_recv().unwrap_or_default();
                buf.resize(CHUNK, 0);
                let mut n = 0;
                let result = loop {
                    if n == buf.len() {
                        break Ok(());
                    }
                    match file.read(&mut buf[n..]) {
                        Ok(0) => break Ok(()),
                        Ok(k) => n += k,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => break Err(e),
                    }
                };
                buf.truncate(n);
                let end = n < CHUNK;
                // The bytes before an error are delivered first.
                if n > 0 && tx.send(Ok(buf)).is_err() {
                    return;
                }
                if let Err(e) = result {
                    let _ = tx.send(Err(e));
                    return;
                }
                if end {
                    return;
                }
            })?;
        Ok(ReadAhead {
            direct: None,
            chunks,
            recycle,
            current: Vec::new(),
            pos: 0,
            done: false,
        })
    }
}

/// Opens a capture file for reading ahead; errors name the file.
pub fn open(path: &std::path::Path) -> Result<ReadAhead, crate::CaptureError> {
    let io = |context: &str, source| crate::CaptureError::Io {
        path: path.to_path_buf(),
        context: context.into(),
        source,
    };
    let f = File::open(path).map_err(|e| io("opening", e))?;
    ReadAhead::new(f).map_err(|e| io("starting the reader thread", e))
}

impl Read for ReadAhead {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if let Some(d) = self.direct.as_mut() {
            return d.read(out);
        }
        while self.pos == self.current.len() {
            if self.done {
                return Ok(0);
            }
            match self.chunks.recv() {
                Ok(Ok(chunk)) => {
                    let old = std::mem::replace(&mut self.current, chunk);
                    let _ = self.recycle.try_send(old);
                    self.pos = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                // The thread has finished: the end of the file.
                Err(_) => {
                    self.done = true;
                    return Ok(0);
                }
            }
        }
        let n = out.len().min(self.current.len() - self.pos);
        out[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_byte_in_order_across_chunks() {
        let dir = std::env::temp_dir().join(format!("osprey-readahead-{}", std::process::id()));
        let data: Vec<u8> = (0..(3 * CHUNK + 12345))
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        std::fs::write(&dir, &data).unwrap();
        let mut r = ReadAhead::new(File::open(&dir).unwrap()).unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 777];
        loop {
            let n = r.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        std::fs::remove_file(&dir).unwrap();
        assert_eq!(got, data);
        assert_eq!(r.read(&mut buf).unwrap(), 0, "stays at the end");
    }

    #[test]
    fn an_empty_file_ends_at_once() {
        let p = std::env::temp_dir().join(format!("osprey-readahead-e-{}", std::process::id()));
        std::fs::write(&p, b"").unwrap();
        let mut r = ReadAhead::new(File::open(&p).unwrap()).unwrap();
        std::fs::remove_file(&p).unwrap();
        assert_eq!(r.read(&mut [0u8; 16]).unwrap(), 0);
    }
}
