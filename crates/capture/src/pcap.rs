//! Classic libpcap files: a 24-byte global header, then records of a 16-byte header and the
//! captured bytes. Either byte order; microsecond or nanosecond timestamps (by magic number).

use std::path::{Path, PathBuf};

use crate::input::Input;

use crate::{CaptureError, Flow, Frame, SourceStats, Timestamp, MAX_FRAME_LEN};

/// The four magic numbers: byte order and timestamp unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Magic {
    /// Fields are big-endian.
    pub big_endian: bool,
    /// The sub-second field counts nanoseconds (else microseconds).
    pub nanos: bool,
}

impl Magic {
    /// Recognises the magic from the first four bytes of a file.
    pub fn from_bytes(b: [u8; 4]) -> Option<Magic> {
        match b {
            [0xd4, 0xc3, 0xb2, 0xa1] => Some(Magic {
                big_endian: false,
                nanos: false,
            }),
            [0xa1, 0xb2, 0xc3, 0xd4] => Some(Magic {
                big_endian: true,
                nanos: false,
            }),
            [0x4d, 0x3c, 0xb2, 0xa1] => Some(Magic {
                big_endian: false,
                nanos: true,
            }),
            [0xa1, 0xb2, 0x3c, 0x4d] => Some(Magic {
                big_endian: true,
                nanos: true,
            }),
            _ => None,
        }
    }

    fn u32(&self, b: [u8; 4]) -> u32 {
        if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }
    }

    fn u16(&self, b: [u8; 2]) -> u16 {
        if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        }
    }
}

/// The global header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalHeader {
    /// Byte order and timestamp unit.
    pub magic: Magic,
    /// Format version.
    pub version: (u16, u16),
    /// Snapshot length.
    pub snaplen: u32,
    /// Link type of every record (low 16 bits of the field).
    pub linktype: u32,
    /// FCS length in bytes when the link-type field says frames carry one (bits 28–31, with
    /// the F bit 27 set), else `None`.
    pub fcs_len: Option<u8>,
}

impl GlobalHeader {
    /// Parses the 24-byte global header.
    pub fn parse(b: &[u8; 24]) -> Option<GlobalHeader> {
        let magic = Magic::from_bytes([b[0], b[1], b[2], b[3]])?;
        let lt = magic.u32([b[20], b[21], b[22], b[23]]);
        let fcs_len = if lt & (1 << 26) != 0 {
            Some(((lt >> 28) & 0xf) as u8 * 2)
        } else {
            None
        };
        Some(GlobalHeader {
            magic,
            version: (magic.u16([b[4], b[5]]), magic.u16([b[6], b[7]])),
            snaplen: magic.u32([b[16], b[17], b[18], b[19]]),
            linktype: lt & 0xffff,
            fcs_len,
        })
    }
}

/// A pcap file being read, from any [`Input`]: a stream (the frames' bytes are copied into a
/// buffer of the reader's) or bytes in memory (the frames borrow them).
pub struct PcapReader<R> {
    input: R,
    path: PathBuf,
    header: GlobalHeader,
    offset: u64,
    buf: Vec<u8>,
}

impl PcapReader<crate::readahead::ReadAhead> {
    /// Opens a pcap file and reads its global header.
    pub fn open(path: &Path) -> Result<Self, CaptureError> {
        PcapReader::new(crate::readahead::open(path)?, path)
    }
}

/// The error of a failed read at `offset` of `path`.
fn io_error(path: &Path, offset: u64, e: std::io::Error) -> CaptureError {
    CaptureError::Io {
        path: path.to_path_buf(),
        context: format!("reading at offset {offset}"),
        source: e,
    }
}

impl<R: Input> PcapReader<R> {
    /// Reads the global header from `input`; `path` names the input in errors.
    pub fn new(mut input: R, path: &Path) -> Result<Self, CaptureError> {
        let path = path.to_path_buf();
        let mut buf = Vec::with_capacity(4096);
        let gh = input
            .next_bytes(24, &mut buf)
            .map_err(|e| CaptureError::Io {
                path: path.clone(),
                context: "reading the pcap header".into(),
                source: e,
            })?;
        let Ok(gh) = <&[u8; 24]>::try_from(gh) else {
            return Err(CaptureError::Truncated {
                path,
                offset: 0,
                detail: format!(
                    "the pcap global header needs 24 bytes, the file has {}",
                    gh.len()
                ),
            });
        };
        let header = GlobalHeader::parse(gh).ok_or_else(|| CaptureError::Malformed {
            path: path.clone(),
            offset: 0,
            detail: "not a pcap magic number".into(),
        })?;
        Ok(PcapReader {
            input,
            path,
            header,
            offset: 24,
            buf,
        })
    }

    /// The global header.
    pub fn header(&self) -> &GlobalHeader {
        &self.header
    }

    /// Calls `f` for every record until the end of the file, a damaged record, or
    /// [`Flow::Stop`].
    pub fn for_each_frame(
        &mut self,
        f: &mut dyn FnMut(&Frame<'_>) -> Flow,
    ) -> Result<SourceStats, CaptureError> {
        let mut stats = SourceStats::default();
        let PcapReader {
            input,
            path,
            header,
            offset,
            buf,
        } = self;
        let m = header.magic;
        loop {
            let at = *offset;
            let rh = input
                .next_bytes(16, buf)
                .map_err(|e| io_error(path, at, e))?;
            let Ok(&rh) = <&[u8; 16]>::try_from(rh) else {
                if rh.is_empty() {
                    return Ok(stats);
                }
                return Err(CaptureError::Truncated {
                    path: path.clone(),
                    offset: at,
                    detail: format!(
                        "{} trailing byte(s) where a 16-byte record header should be",
                        rh.len()
                    ),
                });
            };
            let sec = m.u32([rh[0], rh[1], rh[2], rh[3]]);
            let frac = m.u32([rh[4], rh[5], rh[6], rh[7]]);
            let incl = m.u32([rh[8], rh[9], rh[10], rh[11]]);
            let orig = m.u32([rh[12], rh[13], rh[14], rh[15]]);
            if incl > MAX_FRAME_LEN {
                return Err(CaptureError::Malformed {
                    path: path.clone(),
                    offset: at,
                    detail: format!(
                        "record claims {incl} captured bytes (more than {MAX_FRAME_LEN})"
                    ),
                });
            }
            // Some writers emit a fraction of a full second or more (a real capture here has
            // exactly 1 000 000 µs); carry it into the seconds rather than refuse the record.
            let per_sec: u32 = if m.nanos { 1_000_000_000 } else { 1_000_000 };
            let sec = i64::from(sec) + i64::from(frac / per_sec);
            let frac = frac % per_sec;
            let usec = if m.nanos { frac / 1000 } else { frac };
            let data = input
                .next_bytes(incl as usize, buf)
                .map_err(|e| io_error(path, at, e))?;
            if data.len() < incl as usize {
                return Err(CaptureError::Truncated {
                    path: path.clone(),
                    offset: at,
                    detail: format!(
                        "the record header says {incl} captured bytes, only {} remain",
                        data.len()
                    ),
                });
            }
            *offset = at + 16 + u64::from(incl);
            stats.frames += 1;
            stats.bytes += u64::from(incl);
            let frame = Frame {
                ts: Timestamp::new(sec, i64::from(usec)),
                dlt: header.linktype,
                data,
                orig_len: orig.max(incl),
                interface: 0,
                offset: at,
                gps: None,
            };
            if f(&frame) == Flow::Stop {
                return Ok(stats);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(big: bool, nanos: bool, records: &[(u32, u32, &[u8])]) -> Vec<u8> {
        let w32 = |v: u32| {
            if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let w16 = |v: u16| {
            if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let mut out = Vec::new();
        out.extend(w32(if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 }));
        out.extend(w16(2));
        out.extend(w16(4));
        out.extend(w32(0));
        out.extend(w32(0));
        out.extend(w32(65535));
        out.extend(w32(127));
        for (s, frac, data) in records {
            out.extend(w32(*s));
            out.extend(w32(*frac));
            out.extend(w32(data.len() as u32));
            out.extend(w32(data.len() as u32 + 4));
            out.extend_from_slice(data);
        }
        out
    }

    type Read = (
        Vec<(Timestamp, Vec<u8>, u32)>,
        Result<SourceStats, CaptureError>,
    );

    fn read_from(input: impl Input) -> Read {
        let mut got = Vec::new();
        let r = PcapReader::new(input, Path::new("mem.pcap")).and_then(|mut r| {
            r.for_each_frame(&mut |fr| {
                got.push((fr.ts, fr.data.to_vec(), fr.orig_len));
                Flow::Continue
            })
        });
        (got, r)
    }

    /// Reads `bytes` as a stream and in memory: both give the same frames and the same end.
    fn read_all(bytes: &[u8]) -> Read {
        let (got, r) = read_from(bytes);
        let (lent, r2) = read_from(crate::input::InMemory::new(bytes));
        assert_eq!(got, lent);
        assert_eq!(
            format!("{:?}", r.as_ref().map_err(|e| e.to_string())),
            format!("{:?}", r2.as_ref().map_err(|e| e.to_string()))
        );
        (got, r)
    }

    #[test]
    fn both_byte_orders_and_resolutions() {
        for big in [false, true] {
            for nanos in [false, true] {
                let frac = if nanos { 123_456_789 } else { 123_456 };
                let bytes = file(big, nanos, &[(1000, frac, b"abc"), (1001, 0, b"")]);
                let (got, r) = read_all(&bytes);
                assert_eq!(r.unwrap().frames, 2);
                assert_eq!(got[0].0, Timestamp::new(1000, 123_456));
                assert_eq!(got[0].1, b"abc");
                assert_eq!(got[0].2, 7);
                assert_eq!(got[1].1, b"");
            }
        }
    }

    #[test]
    fn a_full_second_of_microseconds_is_carried() {
        let bytes = file(false, false, &[(1519628700, 1_000_000, b"x")]);
        let (got, r) = read_all(&bytes);
        assert_eq!(r.unwrap().frames, 1);
        assert_eq!(got[0].0, Timestamp::new(1519628701, 0));
        let bytes = file(true, true, &[(5, 2_500_000_000, b"x")]);
        assert_eq!(read_all(&bytes).0[0].0, Timestamp::new(7, 500_000));
    }

    #[test]
    fn damage_is_reported_with_offsets_after_the_good_frames() {
        let good = file(false, false, &[(1, 0, b"abcd"), (2, 0, b"efgh")]);
        // A record cut inside its data: offset of the second record is 24 + 16 + 4 = 44.
        let (got, r) = read_all(&good[..good.len() - 2]);
        assert_eq!(got.len(), 1);
        let e = r.unwrap_err();
        assert!(
            matches!(e, CaptureError::Truncated { offset: 44, .. }),
            "{e}"
        );
        // A stray trailing byte.
        let mut stray = good.clone();
        stray.push(0);
        let (got, r) = read_all(&stray);
        assert_eq!(got.len(), 2);
        assert!(r.unwrap_err().to_string().contains("offset 64"));
        // An absurd length.
        let mut huge = good.clone();
        huge[24 + 8..24 + 12].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
        let (got, r) = read_all(&huge);
        assert!(got.is_empty());
        assert!(matches!(
            r.unwrap_err(),
            CaptureError::Malformed { offset: 24, .. }
        ));
        // A short global header.
        let (_, r) = read_all(&good[..10]);
        assert!(matches!(
            r.unwrap_err(),
            CaptureError::Truncated { offset: 0, .. }
        ));
    }
}
