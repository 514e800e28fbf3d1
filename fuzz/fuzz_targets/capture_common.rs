//! Shared by the `pcap` and `pcapng` targets: the same input read three ways must give the
//! same frames and the same error.
//!
//! 1. from a byte slice (every `read` fills the buffer);
//! 2. through a reader whose `read` calls return a few bytes at a time (sizes taken from the
//!    input), as a pipe or a slow disk may;
//! 3. from a file on tmpfs through `osprey_capture::for_each_frame`: format sniffing, the
//!    reader's `open` and its read-ahead input (`readahead.rs`).

use std::io::Read;
use std::path::{Path, PathBuf};

use osprey_capture::{CaptureError, Flow, Frame};

/// What a frame delivered looks like, owned.
pub type Seen = (i64, i64, u32, Vec<u8>, u32, u32, u64);

pub fn seen(f: &Frame<'_>) -> Seen {
    (
        f.ts.sec,
        f.ts.usec,
        f.dlt,
        f.data.to_vec(),
        f.orig_len,
        f.interface,
        f.offset,
    )
}

/// A reader that hands out at most a few bytes per call.
pub struct Trickle<'a> {
    data: &'a [u8],
    pos: usize,
    step: usize,
}

impl<'a> Trickle<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Trickle {
            data,
            pos: 0,
            step: data.len(),
        }
    }
}

impl Read for Trickle<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        // 1..=7 bytes, varying from call to call.
        self.step = self.step.wrapping_mul(31).wrapping_add(7);
        let n = (self.step % 7 + 1)
            .min(out.len())
            .min(self.data.len() - self.pos);
        out[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// The frames and the error of one reading, the error without its path (which differs).
pub fn outcome(
    run: impl FnOnce(&mut dyn FnMut(&Frame<'_>) -> Flow) -> Result<(), CaptureError>,
    data_len: usize,
) -> (Vec<Seen>, Option<String>) {
    let mut frames = Vec::new();
    let r = run(&mut |f| {
        assert!(f.data.len() <= data_len);
        assert!(f.offset <= data_len as u64);
        frames.push(seen(f));
        Flow::Continue
    });
    (frames, r.err().map(|e| error_text(&e)))
}

/// The error's kind and offset: paths and I/O wording differ between the three inputs.
pub fn error_text(e: &CaptureError) -> String {
    let s = e.to_string();
    assert!(!s.is_empty());
    match e {
        CaptureError::Truncated { offset, detail, .. } => {
            format!("truncated at {offset}: {detail}")
        }
        CaptureError::Malformed { offset, detail, .. } => {
            format!("malformed at {offset}: {detail}")
        }
        CaptureError::Io { context, .. } => format!("I/O error {context}"),
        CaptureError::UnknownFormat { magic, .. } => format!("unknown format {magic}"),
        CaptureError::Kismetdb(_) => "kismetdb".to_string(),
    }
}

/// The input written to a file on tmpfs.
pub fn file(data: &[u8], ext: &str) -> Option<PathBuf> {
    let base = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let dir = base.join(format!("osprey-fuzz-capture-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let p = dir.join(format!("input.{ext}"));
    std::fs::write(&p, data).ok()?;
    Some(p)
}
