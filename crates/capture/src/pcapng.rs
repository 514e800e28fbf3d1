//! pcapng files: a sequence of sections, each a Section Header Block (which sets the byte order)
//! followed by Interface Description Blocks (link type, timestamp resolution and offset per
//! interface) and packet blocks (Enhanced, Simple, and the obsolete Packet Block). Every other
//! block type is skipped and counted.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::input::read_full;
use crate::{CaptureError, Flow, Frame, SourceStats, Timestamp, MAX_FRAME_LEN};

/// Block types this reader uses.
pub mod block {
    /// Section Header Block.
    pub const SHB: u32 = 0x0A0D_0D0A;
    /// Interface Description Block.
    pub const IDB: u32 = 0x0000_0001;
    /// Packet Block (obsolete).
    pub const PB: u32 = 0x0000_0002;
    /// Simple Packet Block.
    pub const SPB: u32 = 0x0000_0003;
    /// Enhanced Packet Block.
    pub const EPB: u32 = 0x0000_0006;
}

/// Largest block accepted; anything larger is treated as corruption.
const MAX_BLOCK_LEN: u32 = MAX_FRAME_LEN + 64 * 1024;

/// One interface of the current section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interface {
    /// Link type.
    pub linktype: u32,
    /// Snapshot length (0 = unlimited).
    pub snaplen: u32,
    /// Timestamp units per second (10^6 unless `if_tsresol` says otherwise).
    pub units_per_sec: u64,
    /// Seconds added to every timestamp (`if_tsoffset`).
    pub ts_offset: i64,
    /// FCS length in bytes (`if_fcslen`), when given.
    pub fcs_len: Option<u8>,
}

/// A pcapng file being read.
pub struct PcapngReader<R> {
    input: R,
    path: PathBuf,
    big_endian: bool,
    interfaces: Vec<Interface>,
    offset: u64,
    block: Vec<u8>,
    seen_shb: bool,
}

impl PcapngReader<crate::readahead::ReadAhead> {
    /// Opens a pcapng file.
    pub fn open(path: &Path) -> Result<Self, CaptureError> {
        Ok(PcapngReader::new(crate::readahead::open(path)?, path))
    }
}

fn rd32(b: &[u8], at: usize, be: bool) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    Some(if be {
        u32::from_be_bytes(s)
    } else {
        u32::from_le_bytes(s)
    })
}

fn rd16(b: &[u8], at: usize, be: bool) -> Option<u16> {
    let s: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
    Some(if be {
        u16::from_be_bytes(s)
    } else {
        u16::from_le_bytes(s)
    })
}

/// Converts a timestamp in `units_per_sec` ticks to seconds and microseconds.
fn ts_from_ticks(ticks: u64, iface: &Interface) -> Timestamp {
    let units = iface.units_per_sec.max(1);
    let sec = (ticks / units) as i64;
    let usec = (u128::from(ticks % units) * 1_000_000 / u128::from(units)) as i64;
    Timestamp::new(sec.saturating_add(iface.ts_offset), usec)
}

impl<R: Read> PcapngReader<R> {
    /// Reads pcapng from `input`; `path` names it in errors.
    pub fn new(input: R, path: &Path) -> Self {
        PcapngReader {
            input,
            path: path.to_path_buf(),
            big_endian: false,
            interfaces: Vec::new(),
            offset: 0,
            block: Vec::with_capacity(4096),
            seen_shb: false,
        }
    }

    /// Interfaces of the current section.
    pub fn interfaces(&self) -> &[Interface] {
        &self.interfaces
    }

    fn malformed(&self, at: u64, detail: impl Into<String>) -> CaptureError {
        CaptureError::Malformed {
            path: self.path.clone(),
            offset: at,
            detail: detail.into(),
        }
    }

    fn io(&self, e: std::io::Error) -> CaptureError {
        CaptureError::Io {
            path: self.path.clone(),
            context: format!("reading at offset {}", self.offset),
            source: e,
        }
    }

    /// Reads the next block into `self.block` (body only, without the type, the two lengths).
    /// Returns its type, or `None` at a clean end of file.
    fn next_block(&mut self) -> Result<Option<u32>, CaptureError> {
        let at = self.offset;
        let mut head = [0u8; 8];
        let n = read_full(&mut self.input, &mut head).map_err(|e| self.io(e))?;
        if n == 0 {
            return Ok(None);
        }
        if n < 8 {
            return Err(CaptureError::Truncated {
                path: self.path.clone(),
                offset: at,
                detail: format!("{n} trailing byte(s) where a block header should be"),
            });
        }
        let raw_type = [head[0], head[1], head[2], head[3]];
        let btype;
        let total;
        if raw_type == [0x0a, 0x0d, 0x0d, 0x0a] {
            // A section header: its byte-order magic decides how to read everything.
            let mut bom = [0u8; 4];
            let n = read_full(&mut self.input, &mut bom).map_err(|e| self.io(e))?;
            if n < 4 {
                return Err(CaptureError::Truncated {
                    path: self.path.clone(),
                    offset: at,
                    detail: "section header block without its byte-order magic".into(),
                });
            }
            self.big_endian = match bom {
                [0x1a, 0x2b, 0x3c, 0x4d] => true,
                [0x4d, 0x3c, 0x2b, 0x1a] => false,
                _ => return Err(self.malformed(at + 8, "bad byte-order magic in section header")),
            };
            self.seen_shb = true;
            self.interfaces.clear();
            btype = block::SHB;
            total = rd32(&head, 4, self.big_endian).unwrap_or(0);
            if total < 28 {
                return Err(
                    self.malformed(at, format!("section header block length {total} (< 28)"))
                );
            }
            self.block.clear();
            self.block.extend_from_slice(&bom);
        } else {
            if !self.seen_shb {
                return Err(
                    self.malformed(at, "the file does not start with a section header block")
                );
            }
            btype = rd32(&head, 0, self.big_endian).unwrap_or(0);
            total = rd32(&head, 4, self.big_endian).unwrap_or(0);
            if total < 12 {
                return Err(self.malformed(at, format!("block length {total} (< 12)")));
            }
            self.block.clear();
        }
        if total > MAX_BLOCK_LEN {
            return Err(self.malformed(
                at,
                format!("block length {total} is larger than {MAX_BLOCK_LEN}"),
            ));
        }
        if total % 4 != 0 {
            return Err(self.malformed(at, format!("block length {total} is not a multiple of 4")));
        }
        // The rest: body and the trailing copy of the length.
        let already = self.block.len();
        let rest = total as usize - 8 - already;
        self.block.resize(already + rest, 0);
        let got = read_full(&mut self.input, &mut self.block[already..]).map_err(|e| self.io(e))?;
        if got < rest {
            return Err(CaptureError::Truncated {
                path: self.path.clone(),
                offset: at,
                detail: format!("block of {total} bytes, only {} remain", 8 + already + got),
            });
        }
        let trailer = rd32(&self.block, self.block.len() - 4, self.big_endian).unwrap_or(0);
        if trailer != total {
            return Err(self.malformed(
                at,
                format!("block length {total} does not match its trailing copy {trailer}"),
            ));
        }
        self.block.truncate(self.block.len() - 4);
        self.offset = at + u64::from(total);
        Ok(Some(btype))
    }

    fn parse_idb(&self, at: u64) -> Result<Interface, CaptureError> {
        let be = self.big_endian;
        let b = &self.block;
        let (Some(lt), Some(snaplen)) = (rd16(b, 0, be), rd32(b, 4, be)) else {
            return Err(self.malformed(at, "interface description block shorter than 8 bytes"));
        };
        let mut iface = Interface {
            linktype: u32::from(lt),
            snaplen,
            units_per_sec: 1_000_000,
            ts_offset: 0,
            fcs_len: None,
        };
        let mut p = 8;
        while let (Some(code), Some(len)) = (rd16(b, p, be), rd16(b, p + 2, be)) {
            let start = p + 4;
            let Some(val) = b.get(start..start + usize::from(len)) else {
                return Err(
                    self.malformed(at, format!("option {code} overruns the interface block"))
                );
            };
            match (code, val) {
                (0, _) => break,
                (9, [r]) => {
                    let v = u32::from(r & 0x7f);
                    iface.units_per_sec = if r & 0x80 != 0 {
                        if v > 63 {
                            return Err(self.malformed(at, format!("if_tsresol 2^-{v}")));
                        }
                        1u64 << v
                    } else {
                        10u64.checked_pow(v).ok_or_else(|| {
                            self.malformed(at, format!("if_tsresol 10^-{v} is out of range"))
                        })?
                    };
                }
                (13, [n]) => iface.fcs_len = Some(*n),
                (14, v) if v.len() == 8 => {
                    let a: [u8; 8] = v.try_into().unwrap_or([0; 8]);
                    iface.ts_offset = if be {
                        i64::from_be_bytes(a)
                    } else {
                        i64::from_le_bytes(a)
                    };
                }
                _ => {}
            }
            p = start + usize::from(len).div_ceil(4) * 4;
        }
        Ok(iface)
    }

    /// Calls `f` for every packet until the end of the file, a damaged block, or
    /// [`Flow::Stop`].
    pub fn for_each_frame(
        &mut self,
        f: &mut dyn FnMut(&Frame<'_>) -> Flow,
    ) -> Result<SourceStats, CaptureError> {
        let mut stats = SourceStats::default();
        loop {
            let at = self.offset;
            let Some(btype) = self.next_block()? else {
                return Ok(stats);
            };
            let be = self.big_endian;
            // (interface, ticks or None, caplen, origlen, data start)
            let packet: Option<(u32, Option<u64>, u32, u32, usize)> = match btype {
                block::SHB => None,
                block::IDB => {
                    let iface = self.parse_idb(at)?;
                    self.interfaces.push(iface);
                    None
                }
                block::EPB => {
                    let b = &self.block;
                    let fields = (
                        rd32(b, 0, be),
                        rd32(b, 4, be),
                        rd32(b, 8, be),
                        rd32(b, 12, be),
                        rd32(b, 16, be),
                    );
                    let (Some(ifc), Some(hi), Some(lo), Some(cap), Some(orig)) = fields else {
                        return Err(
                            self.malformed(at, "enhanced packet block shorter than 20 bytes")
                        );
                    };
                    Some((
                        ifc,
                        Some((u64::from(hi) << 32) | u64::from(lo)),
                        cap,
                        orig,
                        20,
                    ))
                }
                block::PB => {
                    let b = &self.block;
                    let fields = (
                        rd16(b, 0, be),
                        rd32(b, 4, be),
                        rd32(b, 8, be),
                        rd32(b, 12, be),
                        rd32(b, 16, be),
                    );
                    let (Some(ifc), Some(hi), Some(lo), Some(cap), Some(orig)) = fields else {
                        return Err(self.malformed(at, "packet block shorter than 20 bytes"));
                    };
                    Some((
                        u32::from(ifc),
                        Some((u64::from(hi) << 32) | u64::from(lo)),
                        cap,
                        orig,
                        20,
                    ))
                }
                block::SPB => {
                    let Some(orig) = rd32(&self.block, 0, be) else {
                        return Err(self.malformed(at, "simple packet block shorter than 4 bytes"));
                    };
                    let room = (self.block.len() - 4) as u32;
                    let snap = self.interfaces.first().map(|i| i.snaplen).unwrap_or(0);
                    let cap = if snap == 0 {
                        orig.min(room)
                    } else {
                        orig.min(snap).min(room)
                    };
                    Some((0, None, cap, orig, 4))
                }
                _ => {
                    stats.skipped_blocks += 1;
                    None
                }
            };
            let Some((ifc, ticks, cap, orig, start)) = packet else {
                continue;
            };
            let Some(iface) = self.interfaces.get(ifc as usize).copied() else {
                return Err(self.malformed(
                    at,
                    format!(
                        "packet for interface {ifc}, but the section describes {}",
                        self.interfaces.len()
                    ),
                ));
            };
            let end = start + cap as usize;
            if end > self.block.len() {
                return Err(self.malformed(
                    at,
                    format!(
                        "packet claims {cap} captured bytes, the block holds {}",
                        self.block.len() - start
                    ),
                ));
            }
            let ts = ticks.map(|t| ts_from_ticks(t, &iface)).unwrap_or_default();
            // Enhanced and obsolete packet blocks may carry Kismet's GPS custom option after
            // the (padded) packet data.
            let gps = if start == 20 {
                self.block
                    .get((end + 3) & !3..)
                    .and_then(|opts| kismet_gps(opts, be))
            } else {
                None
            };
            stats.frames += 1;
            stats.bytes += u64::from(cap);
            let frame = Frame {
                ts,
                dlt: iface.linktype,
                data: &self.block[start..end],
                orig_len: orig.max(cap),
                interface: ifc,
                offset: at,
                gps,
            };
            if f(&frame) == Flow::Stop {
                return Ok(stats);
            }
        }
    }
}

/// Kismet's per-packet GPS custom option (code 2989, Kismet's PEN 55922, magic 0x47, version
/// 1, a field bitmask, then fixed-point lon, lat [, alt]) in a packet block's options, if any.
/// Anything malformed is ignored: the location is optional.
fn kismet_gps(mut opts: &[u8], be: bool) -> Option<kismetdb::GpsFix> {
    use crate::pcapng_writer::{KISMET_PEN, OPT_CUSTOM_BINARY};
    while opts.len() >= 4 {
        let code = rd16(opts, 0, be)?;
        let len = usize::from(rd16(opts, 2, be)?);
        if code == 0 {
            return None;
        }
        let value = opts.get(4..4 + len)?;
        if code == OPT_CUSTOM_BINARY && rd32(value, 0, be) == Some(KISMET_PEN) {
            // The GPS chunk itself is little-endian, as Kismet writes it.
            let g = value.get(4..)?;
            if g.first() != Some(&0x47) || g.get(1) != Some(&1) {
                return None;
            }
            let fields = u32::from_le_bytes(g.get(4..8)?.try_into().ok()?);
            let mut at = 8;
            let mut next = |g: &[u8]| -> Option<u32> {
                let v = u32::from_le_bytes(g.get(at..at + 4)?.try_into().ok()?);
                at += 4;
                Some(v)
            };
            let deg = |v: u32| (f64::from(v) - 1_800_000_000.0) / 10_000_000.0;
            let mut fix = kismetdb::GpsFix::default();
            if fields & 0x2 != 0 {
                fix.lon = deg(next(g)?);
            }
            if fields & 0x4 != 0 {
                fix.lat = deg(next(g)?);
            }
            if fields & 0x8 != 0 {
                fix.alt = (f64::from(next(g)?) - 1_800_000_000.0) / 10_000.0;
            }
            return (fix.lat != 0.0 || fix.lon != 0.0).then_some(fix);
        }
        opts = opts.get(4 + ((len + 3) & !3)..)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kismets_gps_option_is_read_back() {
        use crate::pcapng_writer::{Gps, InterfaceDesc, PacketOptions, PcapngWriter};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gps.pcapng");
        let mut w = PcapngWriter::new(std::fs::File::create(&path).unwrap(), "test").unwrap();
        let ifc = w.add_interface(&InterfaceDesc::new(105)).unwrap();
        let gps = Gps {
            lat: 52.3676543,
            lon: -4.9041234,
            alt: 12.5,
        };
        for (i, g) in [Some(gps), None].into_iter().enumerate() {
            let opts = PacketOptions {
                comment: Some("tags"),
                gps: g,
            };
            w.write_packet(ifc, Timestamp::new(100 + i as i64, 0), &[1, 2, 3], 3, &opts)
                .unwrap();
        }
        w.finish().unwrap();
        let mut got = Vec::new();
        crate::for_each_frame(&path, &mut |f| {
            got.push(f.gps);
            Flow::Continue
        })
        .unwrap();
        assert_eq!(got.len(), 2);
        let g = got[0].expect("the first packet has a location");
        assert!(
            (g.lat - gps.lat).abs() < 1e-6 && (g.lon - gps.lon).abs() < 1e-6,
            "{g:?}"
        );
        assert!((g.alt - 12.5).abs() < 1e-3, "{g:?}");
        assert_eq!(got[1], None);
        // Garbage options never panic and give no location.
        for opts in [
            &[][..],
            &[0xbd, 0x0b, 0xff, 0xff][..],
            &[0xbd, 0x0b, 8, 0, 0x72, 0xda, 0, 0, 0x47][..],
        ] {
            assert_eq!(kismet_gps(opts, false), None);
        }
    }

    struct W {
        out: Vec<u8>,
        be: bool,
    }
    impl W {
        fn u32(&mut self, v: u32) {
            let b = if self.be {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            };
            self.out.extend(b);
        }
        fn block(&mut self, t: u32, body: &[u8]) {
            let total = 12 + body.len().div_ceil(4) * 4;
            self.u32(t);
            self.u32(total as u32);
            self.out.extend_from_slice(body);
            self.out
                .resize(self.out.len() + (total - 12 - body.len()), 0);
            self.u32(total as u32);
        }
        fn b32(&self, v: u32) -> [u8; 4] {
            if self.be {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        }
        fn b16(&self, v: u16) -> [u8; 2] {
            if self.be {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        }
        fn shb(&mut self) {
            let mut body = Vec::new();
            body.extend(self.b32(0x1A2B_3C4D));
            body.extend(self.b16(1));
            body.extend(self.b16(0));
            body.extend([0xff; 8]);
            self.block(block::SHB, &body);
        }
        fn idb(&mut self, lt: u16, tsresol: Option<u8>) {
            let mut body = Vec::new();
            body.extend(self.b16(lt));
            body.extend(self.b16(0));
            body.extend(self.b32(0));
            if let Some(r) = tsresol {
                body.extend(self.b16(9));
                body.extend(self.b16(1));
                body.extend([r, 0, 0, 0]);
                body.extend(self.b16(0));
                body.extend(self.b16(0));
            }
            self.block(block::IDB, &body);
        }
        fn epb(&mut self, ifc: u32, ticks: u64, data: &[u8]) {
            let mut body = Vec::new();
            body.extend(self.b32(ifc));
            body.extend(self.b32((ticks >> 32) as u32));
            body.extend(self.b32(ticks as u32));
            body.extend(self.b32(data.len() as u32));
            body.extend(self.b32(data.len() as u32));
            body.extend_from_slice(data);
            self.block(block::EPB, &body);
        }
    }

    type Read = (
        Vec<(u32, u32, Timestamp, Vec<u8>)>,
        Result<SourceStats, CaptureError>,
    );

    fn read(bytes: &[u8]) -> Read {
        let mut got = Vec::new();
        let r = PcapngReader::new(bytes, Path::new("mem.pcapng")).for_each_frame(&mut |fr| {
            got.push((fr.interface, fr.dlt, fr.ts, fr.data.to_vec()));
            Flow::Continue
        });
        (got, r)
    }

    #[test]
    fn interfaces_linktypes_resolutions_and_unknown_blocks() {
        for be in [false, true] {
            let mut w = W {
                out: Vec::new(),
                be,
            };
            w.shb();
            w.idb(127, None); // microseconds
            w.idb(105, Some(9)); // nanoseconds
            w.idb(256, Some(0x80 | 10)); // 2^-10 s
            w.block(0x0000_0BAD, b"custom block");
            w.epb(0, 1_500_000_123_456, b"radiotap");
            w.epb(1, 1_500_000_123_456_789, b"raw");
            w.epb(2, (1000 << 10) | 512, b"ble");
            w.block(block::SPB, &{
                let mut b = w.b32(3).to_vec();
                b.extend(b"spb");
                b
            });
            let (got, r) = read(&w.out);
            let stats = r.unwrap();
            assert_eq!(stats.frames, 4);
            assert_eq!(stats.skipped_blocks, 1);
            assert_eq!(
                got[0],
                (
                    0,
                    127,
                    Timestamp::new(1_500_000, 123_456),
                    b"radiotap".to_vec()
                )
            );
            assert_eq!(
                got[1],
                (1, 105, Timestamp::new(1_500_000, 123_456), b"raw".to_vec())
            );
            assert_eq!(
                got[2],
                (2, 256, Timestamp::new(1000, 500_000), b"ble".to_vec())
            );
            assert_eq!(got[3].3, b"spb".to_vec());
        }
    }

    #[test]
    fn damage_reports_offsets() {
        let mut w = W {
            out: Vec::new(),
            be: false,
        };
        w.shb();
        w.idb(127, None);
        let first_packet = w.out.len() as u64;
        w.epb(0, 1, b"abcd");
        let second = w.out.len() as u64;
        w.epb(0, 2, b"efgh");
        let full = w.out.clone();
        // Cut inside the second packet block.
        let (got, r) = read(&full[..full.len() - 3]);
        assert_eq!(got.len(), 1);
        assert!(
            matches!(r.unwrap_err(), CaptureError::Truncated { offset, .. } if offset == second)
        );
        // Trailing length mismatch.
        let mut bad = full.clone();
        let l = bad.len();
        bad[l - 4] ^= 0xff;
        let (got, r) = read(&bad);
        assert_eq!(got.len(), 1);
        assert!(
            matches!(r.unwrap_err(), CaptureError::Malformed { offset, .. } if offset == second)
        );
        // A packet for an interface that does not exist.
        let mut w2 = W {
            out: Vec::new(),
            be: false,
        };
        w2.shb();
        w2.epb(3, 1, b"x");
        let (_, r) = read(&w2.out);
        assert!(r.unwrap_err().to_string().contains("interface 3"));
        // No section header first.
        let (_, r) = read(&full[first_packet as usize..]);
        assert!(r.unwrap_err().to_string().contains("section header"));
    }
}
