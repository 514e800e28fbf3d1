//! A pcap file mapped into memory, read without copying.
//!
//! Reading a capture with `read` copies every byte twice: the kernel's copy out of the page
//! cache, and the copy that keeps a frame once its buffer is reused. On the 2M-frame benchmark
//! capture that was a sixth of all the CPU time of `osprey analyze`. A mapped file is read in
//! place: its frames borrow the mapping, and a consumer that keeps them (the dissection
//! thread's batches) keeps their place in the file instead of a copy.
//!
//! Two things come with a mapping. Its pages count towards the process's resident memory as
//! they are read, so a reader walking a large file gives back what it has finished with
//! ([`MappedCapture::release`]). And the file must not shrink while it is mapped: reading a
//! page that is no longer in the file is a bus error, not an I/O error. This is the trade
//! ripgrep makes for single large files; `OSPREY_NO_MMAP=1` turns mapping off for a file that
//! something else may truncate while Osprey reads it (a file still growing is fine: the mapping
//! covers what it held when it was opened). A program that maps captures calls
//! [`explain_bus_errors`] first, so that such a truncation ends it with a message saying so
//! instead of a bare "Bus error".

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::input::InMemory;
use crate::pcap::{Magic, PcapReader};
use crate::{CaptureError, Flow, Frame, SourceStats};

/// Files smaller than this are read, not mapped: a mapping costs more than it saves.
pub const MIN_MAPPED_LEN: u64 = 4 << 20;

/// What a bus error means in a program reading mapped captures.
const BUS_ERROR: &[u8] = b"osprey: a capture file mapped into memory was truncated while it \
was being read (set OSPREY_NO_MMAP=1 to read captures as streams)\n";

/// Makes a bus error (SIGBUS: reading a page of a mapped file that the file no longer has)
/// end the process with a message naming the cause and how to avoid it, and exit status 3,
/// instead of the default bare "Bus error". Idempotent; a no-op where there are no signals.
pub fn explain_bus_errors() {
    #[cfg(unix)]
    {
        extern "C" fn on_bus_error(_: libc::c_int) {
            // Only async-signal-safe calls: write(2) and _exit(2).
            // SAFETY: a static buffer written to stderr, then the process ends.
            unsafe {
                libc::write(2, BUS_ERROR.as_ptr().cast(), BUS_ERROR.len());
                libc::_exit(3);
            }
        }
        // SAFETY: installs a handler that only makes async-signal-safe calls; the sigaction
        // struct is zeroed (no flags, empty mask) apart from the handler.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_bus_error as extern "C" fn(libc::c_int) as usize;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
        }
    }
}

/// A pcap file mapped read-only.
pub struct MappedCapture {
    map: memmap2::Mmap,
    path: PathBuf,
}

impl MappedCapture {
    /// Maps `path` when it is a regular pcap file of at least `min_len` bytes and mapping is
    /// not turned off (`OSPREY_NO_MMAP`); `None` when it is not, for the caller to read the file
    /// as a stream. Errors name the file.
    pub fn open(path: &Path, min_len: u64) -> Result<Option<MappedCapture>, CaptureError> {
        if std::env::var_os("OSPREY_NO_MMAP").is_some_and(|v| !v.is_empty() && v != "0") {
            return Ok(None);
        }
        let io = |context: &str, source| CaptureError::Io {
            path: path.to_path_buf(),
            context: context.into(),
            source,
        };
        let file = File::open(path).map_err(|e| io("opening", e))?;
        let meta = file.metadata().map_err(|e| io("reading its metadata", e))?;
        if !meta.is_file() || meta.len() < min_len.max(4) || usize::try_from(meta.len()).is_err() {
            return Ok(None);
        }
        // SAFETY: the mapping is read-only and shared, so nothing this process does changes
        // it. Another process truncating the file while it is mapped would make reading the
        // lost pages a bus error; the module documentation says so and how to turn mapping off.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| io("mapping", e))?;
        if map.len() < 4 || Magic::from_bytes([map[0], map[1], map[2], map[3]]).is_none() {
            return Ok(None);
        }
        // Read front to back: the kernel reads ahead further and drops pages behind sooner.
        let _ = map.advise(memmap2::Advice::Sequential);
        Ok(Some(MappedCapture {
            map,
            path: path.to_path_buf(),
        }))
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Calls `f` for every record, as [`PcapReader::for_each_frame`] does; each frame's bytes
    /// are a slice of [`MappedCapture::bytes`].
    pub fn for_each_frame(
        &self,
        f: &mut dyn FnMut(&Frame<'_>) -> Flow,
    ) -> Result<SourceStats, CaptureError> {
        PcapReader::new(InMemory::new(&self.map), &self.path)?.for_each_frame(f)
    }

    /// Gives back the memory of the whole pages in `start..end` of the file: they leave the
    /// process's resident set (the page cache keeps them). Reading them again still gives the
    /// file's bytes, from the page cache, so this is only ever a hint; call it for bytes no
    /// longer needed.
    pub fn release(&self, start: usize, end: usize) {
        const PAGE: usize = 4096;
        let start = start.div_ceil(PAGE) * PAGE;
        let end = end.min(self.map.len()) / PAGE * PAGE;
        if end > start {
            // SAFETY: the mapping is a read-only shared mapping of a file: dropping its pages
            // leaves every byte readable and unchanged (it is read again from the file), so no
            // reference into the mapping sees different bytes.
            let _ = unsafe {
                self.map.unchecked_advise_range(
                    memmap2::UncheckedAdvice::DontNeed,
                    start,
                    end - start,
                )
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pcap(frames: usize) -> Vec<u8> {
        let mut out = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
        out.extend([0; 8]);
        out.extend(65535u32.to_le_bytes());
        out.extend(105u32.to_le_bytes());
        for i in 0..frames {
            let data: Vec<u8> = (0..(i % 300) as u32).map(|b| b as u8).collect();
            out.extend((i as u32).to_le_bytes());
            out.extend(0u32.to_le_bytes());
            out.extend((data.len() as u32).to_le_bytes());
            out.extend((data.len() as u32).to_le_bytes());
            out.extend(data);
        }
        out
    }

    /// A mapped pcap gives the frames a stream read gives, each lent from the mapping, and
    /// still reads the same after its pages are released.
    #[test]
    fn frames_are_lent_from_the_mapping() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.pcap");
        let bytes = pcap(5000);
        std::fs::write(&path, &bytes).unwrap();
        let mut want = Vec::new();
        PcapReader::new(&bytes[..], &path)
            .unwrap()
            .for_each_frame(&mut |f| {
                want.push((f.ts, f.offset, f.data.to_vec()));
                Flow::Continue
            })
            .unwrap();
        let m = MappedCapture::open(&path, 0).unwrap().expect("mapped");
        for pass in 0..2 {
            let mut got = Vec::new();
            let base = m.bytes().as_ptr() as usize;
            let stats = m
                .for_each_frame(&mut |f| {
                    let at = f.data.as_ptr() as usize - base;
                    assert!(f.data.is_empty() || at + f.data.len() <= m.bytes().len());
                    got.push((f.ts, f.offset, f.data.to_vec()));
                    Flow::Continue
                })
                .unwrap();
            assert_eq!(stats.frames, 5000, "pass {pass}");
            assert_eq!(got, want, "pass {pass}");
            m.release(0, m.bytes().len());
        }
    }

    /// A mapped file truncated under the reader ends the process with the message, not a
    /// bare bus error. Runs itself as a child process, which maps, truncates and reads.
    #[test]
    fn a_truncated_mapping_is_explained() {
        if let Some(path) = std::env::var_os("OSPREY_TEST_TRUNCATE_CHILD") {
            explain_bus_errors();
            let m = MappedCapture::open(Path::new(&path), 0)
                .unwrap()
                .expect("mapped");
            std::fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_len(0)
                .unwrap();
            let mut n = 0u64;
            let _ = m.for_each_frame(&mut |f| {
                n += f.data.iter().map(|&b| u64::from(b)).sum::<u64>();
                Flow::Continue
            });
            // Not reached: the first frame's page is gone.
            std::process::exit(i32::from(n == u64::MAX));
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.pcap");
        std::fs::write(&path, pcap(3000)).unwrap();
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "mapped::tests::a_truncated_mapping_is_explained"])
            .env("OSPREY_TEST_TRUNCATE_CHILD", &path)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{stderr}");
        assert!(
            stderr.contains("was truncated while it was being read"),
            "{stderr}"
        );
    }

    /// Small files, non-pcap files and directories are not mapped.
    #[test]
    fn only_pcap_files_are_mapped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.pcap");
        std::fs::write(&path, pcap(10)).unwrap();
        assert!(MappedCapture::open(&path, 1 << 30).unwrap().is_none());
        assert!(MappedCapture::open(&path, 0).unwrap().is_some());
        let other = dir.path().join("x.pcapng");
        std::fs::write(&other, [0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0]).unwrap();
        assert!(MappedCapture::open(&other, 0).unwrap().is_none());
        assert!(MappedCapture::open(dir.path(), 0).unwrap().is_none());
        assert!(MappedCapture::open(&dir.path().join("none"), 0).is_err());
    }
}
