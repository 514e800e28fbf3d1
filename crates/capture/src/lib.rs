//! # osprey-capture
//!
//! Where packets come from: capture files (pcap in either byte order with micro- or nanosecond
//! timestamps; pcapng with any number of interfaces, each with its own link type and timestamp
//! resolution) and kismetdb logs replayed in capture-time order.
//!
//! A source hands each frame to a callback as a borrowed [`Frame`]: the bytes live in a buffer
//! the reader reuses, so reading allocates nothing per frame. A damaged file is read up to the
//! damage; the frames before it are delivered, then the error says which file, at which byte
//! offset, and what is wrong.

#![warn(missing_docs)]

use std::path::{Path, PathBuf};

pub mod input;
pub mod kismetdb_source;
pub mod mapped;
pub mod pcap;
pub mod pcapng;
pub mod pcapng_writer;
pub mod readahead;

pub use kismetdb::Timestamp;

/// One captured frame, borrowed from the reader's buffer.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    /// Capture time (microsecond precision, as Kismet keeps it).
    pub ts: Timestamp,
    /// Link type (DLT) of `data`.
    pub dlt: u32,
    /// The captured bytes.
    pub data: &'a [u8],
    /// The frame's length on the wire (≥ `data.len()` when the capture was cut short).
    pub orig_len: u32,
    /// Interface (pcapng) or 0.
    pub interface: u32,
    /// Byte offset of the frame's record in the file (0 for kismetdb rows).
    pub offset: u64,
    /// GPS stored with the frame (kismetdb rows), if any.
    pub gps: Option<kismetdb::GpsFix>,
}

impl<'a> Frame<'a> {
    /// A frame captured whole (`orig_len` is `data.len()`), on interface 0, with no file
    /// offset and no GPS: the frames tests and generators build by hand.
    pub fn whole(ts: Timestamp, dlt: u32, data: &'a [u8]) -> Frame<'a> {
        Frame {
            ts,
            dlt,
            data,
            orig_len: u32::try_from(data.len()).unwrap_or(u32::MAX),
            interface: 0,
            offset: 0,
            gps: None,
        }
    }
}

/// What the callback tells the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Go on.
    Continue,
    /// Stop reading; the source returns normally.
    Stop,
}

/// Why a capture could not be read (completely).
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The file could not be opened or read.
    #[error("{}: {context}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        context: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a capture this crate reads.
    #[error("{}: not a pcap, pcapng or kismetdb file (it starts with {magic})", path.display())]
    UnknownFormat {
        /// The file.
        path: PathBuf,
        /// The first bytes, in hex.
        magic: String,
    },
    /// The file ends inside a structure.
    #[error("{}: truncated at offset {offset}: {detail}", path.display())]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Offset of the incomplete structure.
        offset: u64,
        /// What is incomplete.
        detail: String,
    },
    /// A structure holds impossible values.
    #[error("{}: malformed at offset {offset}: {detail}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// Offset of the structure.
        offset: u64,
        /// What is wrong.
        detail: String,
    },
    /// Reading a kismetdb log failed.
    #[error(transparent)]
    Kismetdb(#[from] kismetdb::Error),
}

impl CaptureError {
    /// True when frames before the error were readable and the error only ends the file early
    /// (truncation or a malformed record), as opposed to a file that could not be read at all.
    pub fn is_partial(&self) -> bool {
        matches!(
            self,
            CaptureError::Truncated { .. } | CaptureError::Malformed { .. }
        )
    }
}

/// Counters of one source run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SourceStats {
    /// Frames delivered.
    pub frames: u64,
    /// Captured bytes delivered.
    pub bytes: u64,
    /// Blocks or records skipped because this reader does not use them (pcapng).
    pub skipped_blocks: u64,
}

/// The capture formats this crate reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Classic libpcap.
    Pcap,
    /// pcapng.
    Pcapng,
    /// A kismetdb log (SQLite).
    Kismetdb,
}

/// Recognises a capture file by its first bytes.
pub fn sniff_format(path: &Path) -> Result<Format, CaptureError> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|e| CaptureError::Io {
        path: path.to_path_buf(),
        context: "opening".into(),
        source: e,
    })?;
    let mut head = [0u8; 16];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(CaptureError::Io {
                    path: path.to_path_buf(),
                    context: "reading the file header".into(),
                    source: e,
                })
            }
        }
    }
    let head = &head[..n];
    if head.len() >= 4 {
        let m = [head[0], head[1], head[2], head[3]];
        if pcap::Magic::from_bytes(m).is_some() {
            return Ok(Format::Pcap);
        }
        if m == [0x0a, 0x0d, 0x0d, 0x0a] {
            return Ok(Format::Pcapng);
        }
    }
    if head.starts_with(b"SQLite format 3") {
        return Ok(Format::Kismetdb);
    }
    let magic = if head.is_empty() {
        "nothing (the file is empty)".to_string()
    } else {
        head.iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    Err(CaptureError::UnknownFormat {
        path: path.to_path_buf(),
        magic,
    })
}

/// Reads every frame of a capture file of any supported format, calling `f` for each.
///
/// Returns the counters, or the error that ended the file (after the frames before it were
/// delivered).
pub fn for_each_frame(
    path: &Path,
    f: &mut dyn FnMut(&Frame<'_>) -> Flow,
) -> Result<SourceStats, CaptureError> {
    match sniff_format(path)? {
        Format::Pcap => pcap::PcapReader::open(path)?.for_each_frame(f),
        Format::Pcapng => pcapng::PcapngReader::open(path)?.for_each_frame(f),
        Format::Kismetdb => kismetdb_source::KismetdbSource::open(path)?.for_each_frame(f),
    }
}

/// Every capture file under `dir` and its subdirectories, by name (`.pcap`, `.pcapng`,
/// `.cap`, `.kismet`), sorted. Directories that cannot be read are skipped.
pub fn captures_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            let name = path.to_string_lossy();
            if path.is_dir() {
                dirs.push(path);
            } else if [".pcap", ".pcapng", ".cap", ".kismet"]
                .iter()
                .any(|x| name.ends_with(x))
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The captures the tests that compare whole pipelines run over: the sample capture shipped
/// in the repository, then every capture of the shared data set (`$OSPREY_SHARED_DATA`, else
/// `../shared/data` beside the repository). `None` when the shared data set is not there.
#[doc(hidden)]
pub fn sample_and_shared_captures() -> Option<Vec<PathBuf>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let shared = match std::env::var_os("OSPREY_SHARED_DATA") {
        Some(p) => PathBuf::from(p),
        None => root.join("../shared/data"),
    };
    if !shared.join("MANIFEST.md").is_file() {
        return None;
    }
    let mut files = vec![root.join("samples/krack_example-tptk-attack.pcapng")];
    files.extend(captures_under(&shared));
    Some(files)
}

/// Link types (DLT / LINKTYPE values) this project knows by name.
pub mod dlt {
    /// Raw IEEE 802.11.
    pub const IEEE802_11: u32 = 105;
    /// PRISM header + 802.11.
    pub const PRISM: u32 = 119;
    /// Radiotap + 802.11.
    pub const RADIOTAP: u32 = 127;
    /// AVS header + 802.11.
    pub const AVS: u32 = 163;
    /// PPI + inner link type.
    pub const PPI: u32 = 192;
    /// Bluetooth LE link layer.
    pub const BTLE_LL: u32 = 251;
    /// Bluetooth LE link layer with pseudo-header.
    pub const BTLE_LL_PHDR: u32 = 256;
    /// Nordic nRF Sniffer BLE.
    pub const NORDIC_BLE: u32 = 272;

    /// A short name for a link type.
    pub fn name(dlt: u32) -> &'static str {
        match dlt {
            1 => "EN10MB",
            IEEE802_11 => "IEEE802_11",
            PRISM => "PRISM",
            RADIOTAP => "IEEE802_11_RADIOTAP",
            AVS => "IEEE802_11_AVS",
            PPI => "PPI",
            BTLE_LL => "BLUETOOTH_LE_LL",
            BTLE_LL_PHDR => "BLUETOOTH_LE_LL_WITH_PHDR",
            NORDIC_BLE => "NORDIC_BLE",
            _ => "unknown",
        }
    }
}

/// Largest frame any reader accepts. Larger record lengths are treated as corruption.
pub const MAX_FRAME_LEN: u32 = 1 << 20;
