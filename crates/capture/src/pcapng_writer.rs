//! Writing pcapng files: one section (a Section Header Block), Interface Description Blocks
//! declared as they are needed, and an Enhanced Packet Block per frame, streamed to any
//! [`Write`]. Everything is little-endian; timestamps are in microseconds (every interface
//! carries `if_tsresol` = 6).
//!
//! Packets may carry a comment (`opt_comment`) and Kismet's GPS custom option (code 2989 under
//! Kismet's IANA PEN 55922, the layout `kismetdb_to_pcap` writes), so files made from a
//! kismetdb keep the location of every frame.
//!
//! ```
//! use osprey_capture::pcapng_writer::{InterfaceDesc, PacketOptions, PcapngWriter};
//! use osprey_capture::Timestamp;
//!
//! let mut w = PcapngWriter::new(Vec::new(), "example").unwrap();
//! let radiotap = w.add_interface(&InterfaceDesc::new(127).name("wlan0")).unwrap();
//! w.write_packet(radiotap, Timestamp::new(1_700_000_000, 42), b"frame", 5,
//!     &PacketOptions::default()).unwrap();
//! let bytes = w.finish().unwrap();
//! assert_eq!(&bytes[..4], &[0x0a, 0x0d, 0x0d, 0x0a]);
//! ```

use std::io::{self, Write};

use crate::pcapng::block;
use crate::{Timestamp, MAX_FRAME_LEN};

/// Kismet's IANA Private Enterprise Number, which owns the GPS custom option.
pub const KISMET_PEN: u32 = 55922;
/// pcapng option code of a custom binary option that may be copied (`opt_custom`, 2989).
pub const OPT_CUSTOM_BINARY: u16 = 2989;

const OPT_ENDOFOPT: u16 = 0;
const OPT_COMMENT: u16 = 1;
const OPT_SHB_USERAPPL: u16 = 4;
const OPT_IF_NAME: u16 = 2;
const OPT_IF_DESCRIPTION: u16 = 3;
const OPT_IF_TSRESOL: u16 = 9;

const GPS_MAGIC: u8 = 0x47;
const GPS_VERSION: u8 = 1;
const GPS_FLAG_LON: u32 = 0x2;
const GPS_FLAG_LAT: u32 = 0x4;
const GPS_FLAG_ALT: u32 = 0x8;

/// An interface to declare: its link type and, optionally, its name and description.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InterfaceDesc {
    /// Link type (DLT / LINKTYPE); pcapng stores it in 16 bits.
    pub linktype: u32,
    /// Snapshot length written in the block (0 = no limit).
    pub snaplen: u32,
    /// `if_name`, when set and not empty.
    pub name: Option<String>,
    /// `if_description`, when set and not empty.
    pub description: Option<String>,
}

impl InterfaceDesc {
    /// An interface of a link type, without a snapshot limit, name or description.
    pub fn new(linktype: u32) -> InterfaceDesc {
        InterfaceDesc {
            linktype,
            ..InterfaceDesc::default()
        }
    }

    /// Sets `if_name`.
    pub fn name(mut self, name: impl Into<String>) -> InterfaceDesc {
        self.name = Some(name.into());
        self
    }

    /// Sets `if_description`.
    pub fn description(mut self, description: impl Into<String>) -> InterfaceDesc {
        self.description = Some(description.into());
        self
    }
}

/// A location to attach to a packet (Kismet's GPS custom option).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Gps {
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Altitude, metres (0 = unknown: not written, as Kismet does).
    pub alt: f64,
}

/// Per-packet options.
#[derive(Clone, Copy, Debug, Default)]
pub struct PacketOptions<'a> {
    /// `opt_comment`, when set and not empty.
    pub comment: Option<&'a str>,
    /// Kismet's GPS option; written only when latitude and longitude are both non-zero (zero
    /// is how kismetdb says "no location").
    pub gps: Option<Gps>,
}

/// A pcapng stream being written. Call [`PcapngWriter::finish`] at the end to flush it: a
/// writer that is only dropped may leave buffered bytes unwritten.
pub struct PcapngWriter<W: Write> {
    out: W,
    linktypes: Vec<u32>,
    buf: Vec<u8>,
    packets: u64,
}

fn invalid(detail: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, detail)
}

/// Cuts `s` to at most `max` bytes at a character boundary.
fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn push_u16(b: &mut Vec<u8>, v: u16) {
    b.extend_from_slice(&v.to_le_bytes());
}

fn push_u32(b: &mut Vec<u8>, v: u32) {
    b.extend_from_slice(&v.to_le_bytes());
}

fn pad4(b: &mut Vec<u8>) {
    b.resize(b.len() + pad_len(b.len()), 0);
}

/// Bytes of padding after `len` bytes to reach a multiple of 4.
fn pad_len(len: usize) -> usize {
    (4 - len % 4) % 4
}

/// Appends one option (code, length, value, padding to 32 bits).
fn push_option(b: &mut Vec<u8>, code: u16, value: &[u8]) {
    push_u16(b, code);
    // Callers keep values within u16 (strings are clipped, fixed options are small).
    push_u16(b, value.len().min(usize::from(u16::MAX)) as u16);
    b.extend_from_slice(&value[..value.len().min(usize::from(u16::MAX))]);
    pad4(b);
}

/// Appends a text option unless it is empty; text longer than an option can hold is cut.
fn push_text_option(b: &mut Vec<u8>, code: u16, text: Option<&str>) {
    if let Some(t) = text.filter(|t| !t.is_empty()) {
        push_option(b, code, clip(t, usize::from(u16::MAX)).as_bytes());
    }
}

/// Kismet's `double_to_fixed3_7`: degrees in [-180, 180) as an unsigned offset value; 0 out
/// of range.
fn fixed3_7(v: f64) -> u32 {
    if !(-180.0..180.0).contains(&v) {
        return 0;
    }
    ((v * 10_000_000.0) as i32).wrapping_add(1_800_000_000) as u32
}

/// Kismet's `double_to_fixed6_4`: metres in about ±180 km as an unsigned offset value; 0 out
/// of range.
fn fixed6_4(v: f64) -> u32 {
    if !(-180_000.000_1..180_000.000_1).contains(&v) {
        return 0;
    }
    ((v * 10_000.0) as i32).wrapping_add(1_800_000_000) as u32
}

/// The value of Kismet's GPS custom option (its first `len` bytes).
struct GpsValue {
    bytes: [u8; 24],
    len: usize,
}

/// The value of Kismet's GPS custom option: PEN, then the GPS chunk (magic, version, length of
/// the fields, presence bitmask) and the fields lon, lat [, alt].
fn gps_option_value(g: &Gps) -> GpsValue {
    let mut fields = GPS_FLAG_LON | GPS_FLAG_LAT;
    let mut len: u16 = 8;
    if g.alt != 0.0 {
        fields |= GPS_FLAG_ALT;
        len += 4;
    }
    let mut v = [0u8; 24];
    v[0..4].copy_from_slice(&KISMET_PEN.to_le_bytes());
    v[4] = GPS_MAGIC;
    v[5] = GPS_VERSION;
    v[6..8].copy_from_slice(&len.to_le_bytes());
    v[8..12].copy_from_slice(&fields.to_le_bytes());
    v[12..16].copy_from_slice(&fixed3_7(g.lon).to_le_bytes());
    v[16..20].copy_from_slice(&fixed3_7(g.lat).to_le_bytes());
    if g.alt != 0.0 {
        v[20..24].copy_from_slice(&fixed6_4(g.alt).to_le_bytes());
    }
    GpsValue {
        bytes: v,
        len: 12 + usize::from(len),
    }
}

impl<W: Write> PcapngWriter<W> {
    /// Starts a pcapng stream: writes the Section Header Block, naming the writing program
    /// in `shb_userappl` (left out when empty).
    pub fn new(out: W, application: &str) -> io::Result<PcapngWriter<W>> {
        let mut w = PcapngWriter {
            out,
            linktypes: Vec::new(),
            buf: Vec::with_capacity(64),
            packets: 0,
        };
        let mut body = Vec::with_capacity(64);
        push_u32(&mut body, 0x1A2B_3C4D);
        push_u16(&mut body, 1);
        push_u16(&mut body, 0);
        body.extend_from_slice(&(-1i64).to_le_bytes());
        let had_options = !application.is_empty();
        push_text_option(&mut body, OPT_SHB_USERAPPL, Some(application));
        if had_options {
            push_option(&mut body, OPT_ENDOFOPT, &[]);
        }
        w.write_block(block::SHB, &body)?;
        Ok(w)
    }

    /// Declares an interface (writes its Interface Description Block) and returns its id for
    /// [`PcapngWriter::write_packet`]. Ids count from 0 in declaration order.
    pub fn add_interface(&mut self, iface: &InterfaceDesc) -> io::Result<u32> {
        let linktype = u16::try_from(iface.linktype).map_err(|_| {
            invalid(format!(
                "link type {} does not fit pcapng's 16 bits",
                iface.linktype
            ))
        })?;
        let mut body = Vec::with_capacity(64);
        push_u16(&mut body, linktype);
        push_u16(&mut body, 0);
        push_u32(&mut body, iface.snaplen);
        push_text_option(&mut body, OPT_IF_NAME, iface.name.as_deref());
        push_text_option(&mut body, OPT_IF_DESCRIPTION, iface.description.as_deref());
        // Microseconds: 10^-6.
        push_option(&mut body, OPT_IF_TSRESOL, &[6]);
        push_option(&mut body, OPT_ENDOFOPT, &[]);
        self.write_block(block::IDB, &body)?;
        self.linktypes.push(iface.linktype);
        Ok((self.linktypes.len() - 1) as u32)
    }

    /// The link types of the interfaces declared so far, by id.
    pub fn interfaces(&self) -> &[u32] {
        &self.linktypes
    }

    /// Packets written so far.
    pub fn packets(&self) -> u64 {
        self.packets
    }

    /// Writes one frame as an Enhanced Packet Block on a declared interface. `orig_len` is its
    /// length on the wire (raised to `data.len()` when smaller).
    pub fn write_packet(
        &mut self,
        interface: u32,
        ts: Timestamp,
        data: &[u8],
        orig_len: u32,
        options: &PacketOptions<'_>,
    ) -> io::Result<()> {
        if interface as usize >= self.linktypes.len() {
            return Err(invalid(format!(
                "packet for interface {interface}, but {} are declared",
                self.linktypes.len()
            )));
        }
        if data.len() > MAX_FRAME_LEN as usize {
            return Err(invalid(format!(
                "a frame of {} bytes is larger than {MAX_FRAME_LEN}",
                data.len()
            )));
        }
        if ts.sec < 0 || !(0..1_000_000).contains(&ts.usec) {
            return Err(invalid(format!(
                "timestamp {}.{:06} cannot be written (negative or microseconds out of range)",
                ts.sec, ts.usec
            )));
        }
        let ticks = (ts.sec as u64)
            .checked_mul(1_000_000)
            .and_then(|t| t.checked_add(ts.usec as u64))
            .ok_or_else(|| invalid(format!("timestamp {} s is out of range", ts.sec)))?;
        let caplen = data.len() as u32;
        // The block is written in place: header, frame, then padding, options and the
        // trailing length, without assembling it in a buffer first.
        let comment = options
            .comment
            .filter(|c| !c.is_empty())
            .map(|c| clip(c, usize::from(u16::MAX)));
        let gps = options
            .gps
            .filter(|g| g.lat != 0.0 && g.lon != 0.0)
            .map(|g| gps_option_value(&g));
        let mut options_len = 0;
        if let Some(c) = comment {
            options_len += 4 + c.len() + pad_len(c.len());
        }
        if let Some(g) = &gps {
            options_len += 4 + g.len;
        }
        if options_len > 0 {
            options_len += 4;
        }
        let data_pad = pad_len(data.len());
        // At most 32 + 2^20 + 3 + 4 + 65 536 + 4 + 28 + 4 bytes: fits in 32 bits.
        let total = (12 + 20 + data.len() + data_pad + options_len) as u32;
        let mut head = [0u8; 28];
        head[0..4].copy_from_slice(&block::EPB.to_le_bytes());
        head[4..8].copy_from_slice(&total.to_le_bytes());
        head[8..12].copy_from_slice(&interface.to_le_bytes());
        head[12..16].copy_from_slice(&((ticks >> 32) as u32).to_le_bytes());
        head[16..20].copy_from_slice(&(ticks as u32).to_le_bytes());
        head[20..24].copy_from_slice(&caplen.to_le_bytes());
        head[24..28].copy_from_slice(&orig_len.max(caplen).to_le_bytes());
        self.out.write_all(&head)?;
        self.out.write_all(data)?;
        // Padding, options and trailer: assembled in a small buffer (the comment's text is
        // written straight from the caller's string).
        let tail = &mut self.buf;
        tail.clear();
        tail.resize(data_pad, 0);
        if let Some(c) = comment {
            push_u16(tail, OPT_COMMENT);
            push_u16(tail, c.len() as u16);
            self.out.write_all(tail)?;
            self.out.write_all(c.as_bytes())?;
            tail.clear();
            tail.resize(pad_len(c.len()), 0);
        }
        if let Some(g) = &gps {
            push_u16(tail, OPT_CUSTOM_BINARY);
            push_u16(tail, g.len as u16);
            tail.extend_from_slice(&g.bytes[..g.len]);
        }
        if options_len > 0 {
            // opt_endofopt: code 0, length 0.
            push_u16(tail, OPT_ENDOFOPT);
            push_u16(tail, 0);
        }
        push_u32(tail, total);
        self.out.write_all(tail)?;
        self.packets += 1;
        Ok(())
    }

    fn write_block(&mut self, btype: u32, body: &[u8]) -> io::Result<()> {
        debug_assert!(body.len() % 4 == 0);
        let total = u32::try_from(12 + body.len())
            .map_err(|_| invalid(format!("a block of {} bytes is too large", body.len())))?;
        let mut head = [0u8; 8];
        head[..4].copy_from_slice(&btype.to_le_bytes());
        head[4..].copy_from_slice(&total.to_le_bytes());
        self.out.write_all(&head)?;
        self.out.write_all(body)?;
        self.out.write_all(&total.to_le_bytes())
    }

    /// Flushes the stream and returns the underlying writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pcapng::PcapngReader;
    use crate::{Flow, Frame};
    use std::path::Path;

    /// (interface, dlt, ts, data, orig_len) of every frame the crate's reader finds.
    type Got = Vec<(u32, u32, Timestamp, Vec<u8>, u32)>;

    fn collect(fr: &Frame<'_>, got: &mut Got) -> Flow {
        got.push((fr.interface, fr.dlt, fr.ts, fr.data.to_vec(), fr.orig_len));
        Flow::Continue
    }

    fn read_back(bytes: &[u8]) -> Got {
        let mut got = Vec::new();
        let stats = PcapngReader::new(bytes, Path::new("mem.pcapng"))
            .for_each_frame(&mut |fr| collect(fr, &mut got))
            .unwrap();
        assert_eq!(stats.frames as usize, got.len());
        assert_eq!(stats.skipped_blocks, 0);
        got
    }

    fn frames() -> Vec<(u32, Timestamp, Vec<u8>, u32)> {
        // (interface, ts, data, orig_len): lengths 0..=7 to exercise every padding.
        (0..8u8)
            .map(|i| {
                let data: Vec<u8> = (0..i).map(|b| b.wrapping_mul(37) ^ i).collect();
                (
                    u32::from(i % 3),
                    Timestamp::new(1_700_000_000 + i64::from(i), i64::from(i) * 123_457),
                    data,
                    u32::from(i) + u32::from(i % 2) * 100,
                )
            })
            .collect()
    }

    #[test]
    fn frames_read_back_the_same_through_the_file_reader() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.pcapng");
        let f = std::fs::File::create(&path).unwrap();
        let mut w = PcapngWriter::new(std::io::BufWriter::new(f), "osprey test").unwrap();
        assert_eq!(w.add_interface(&InterfaceDesc::new(127)).unwrap(), 0);
        let named = InterfaceDesc::new(105)
            .name("wlan0mon")
            .description("a datasource");
        assert_eq!(w.add_interface(&named).unwrap(), 1);
        assert_eq!(w.add_interface(&InterfaceDesc::new(256)).unwrap(), 2);
        assert_eq!(w.interfaces(), &[127, 105, 256]);
        let want = frames();
        for (k, (ifc, ts, data, orig)) in want.iter().enumerate() {
            let comment = format!("packet {k}");
            let opts = PacketOptions {
                comment: (k % 2 == 0).then_some(comment.as_str()),
                gps: (k % 3 == 0).then_some(Gps {
                    lat: 48.8584,
                    lon: 2.2945,
                    alt: if k == 3 { 35.5 } else { 0.0 },
                }),
            };
            w.write_packet(*ifc, *ts, data, *orig, &opts).unwrap();
        }
        assert_eq!(w.packets(), want.len() as u64);
        drop(w.finish().unwrap());

        let mut got = Vec::new();
        let stats = crate::for_each_frame(&path, &mut |fr| collect(fr, &mut got)).unwrap();
        assert_eq!(stats.frames, want.len() as u64);
        let dlts = [127, 105, 256];
        let expect: Got = want
            .iter()
            .map(|(ifc, ts, data, orig)| {
                (
                    *ifc,
                    dlts[*ifc as usize],
                    *ts,
                    data.clone(),
                    (*orig).max(data.len() as u32),
                )
            })
            .collect();
        assert_eq!(got, expect);
    }

    #[test]
    fn blocks_are_well_formed() {
        let mut w = PcapngWriter::new(Vec::new(), "").unwrap();
        w.add_interface(&InterfaceDesc::new(127).name("é".repeat(40_000)))
            .unwrap();
        let long = "x".repeat(70_000);
        let opts = PacketOptions {
            comment: Some(&long),
            gps: Some(Gps {
                lat: -33.5,
                lon: 151.25,
                alt: -10.0,
            }),
        };
        w.write_packet(0, Timestamp::new(5, 6), b"abc", 3, &opts)
            .unwrap();
        let bytes = w.finish().unwrap();
        // Walk the blocks: lengths are multiples of 4 and match their trailing copy.
        let mut at = 0;
        let mut types = Vec::new();
        while at < bytes.len() {
            let t = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
            let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
            assert_eq!(len % 4, 0);
            let tail = u32::from_le_bytes(bytes[at + len - 4..at + len].try_into().unwrap());
            assert_eq!(tail as usize, len);
            types.push(t);
            at += len;
        }
        assert_eq!(at, bytes.len());
        assert_eq!(types, vec![block::SHB, block::IDB, block::EPB]);
        let got = read_back(&bytes);
        assert_eq!(
            got,
            vec![(0, 127, Timestamp::new(5, 6), b"abc".to_vec(), 3)]
        );
        // The GPS option: code 2989, PEN, magic, version, field length 12, lon/lat/alt.
        let mut pat = Vec::new();
        push_u16(&mut pat, OPT_CUSTOM_BINARY);
        push_u16(&mut pat, 4 + 8 + 12);
        push_u32(&mut pat, KISMET_PEN);
        pat.extend([GPS_MAGIC, GPS_VERSION, 12, 0]);
        push_u32(&mut pat, GPS_FLAG_LON | GPS_FLAG_LAT | GPS_FLAG_ALT);
        push_u32(&mut pat, 3_312_500_000);
        push_u32(&mut pat, 1_465_000_000);
        push_u32(&mut pat, 1_799_900_000);
        assert!(bytes.windows(pat.len()).any(|w| w == pat.as_slice()));
    }

    /// An Enhanced Packet Block assembled field by field, as the pcapng specification lays it
    /// out (body, then options padded to 32 bits, then the repeated length).
    fn reference_epb(
        interface: u32,
        ts: Timestamp,
        data: &[u8],
        orig_len: u32,
        comment: Option<&str>,
        gps: Option<&[u8]>,
    ) -> Vec<u8> {
        let ticks = ts.sec as u64 * 1_000_000 + ts.usec as u64;
        let mut body = Vec::new();
        push_u32(&mut body, interface);
        push_u32(&mut body, (ticks >> 32) as u32);
        push_u32(&mut body, ticks as u32);
        push_u32(&mut body, data.len() as u32);
        push_u32(&mut body, orig_len.max(data.len() as u32));
        body.extend_from_slice(data);
        pad4(&mut body);
        if let Some(c) = comment {
            push_option(&mut body, OPT_COMMENT, c.as_bytes());
        }
        if let Some(g) = gps {
            push_option(&mut body, OPT_CUSTOM_BINARY, g);
        }
        if comment.is_some() || gps.is_some() {
            push_option(&mut body, OPT_ENDOFOPT, &[]);
        }
        let mut block = Vec::new();
        push_u32(&mut block, block::EPB);
        push_u32(&mut block, 12 + body.len() as u32);
        block.extend_from_slice(&body);
        push_u32(&mut block, 12 + body.len() as u32);
        block
    }

    #[test]
    fn packet_blocks_match_the_layout_byte_for_byte() {
        let gps = Gps {
            lat: -33.5,
            lon: 151.25,
            alt: 0.0,
        };
        let high = Gps { alt: 12.5, ..gps };
        for data_len in 0..9usize {
            for comment_len in 0..9usize {
                for g in [None, Some(gps), Some(high)] {
                    let data: Vec<u8> = (0..data_len as u8).map(|b| b ^ 0x5a).collect();
                    let comment = "c".repeat(comment_len);
                    let opts = PacketOptions {
                        comment: Some(comment.as_str()),
                        gps: g,
                    };
                    let ts = Timestamp::new(1_700_000_000, 123_456);
                    let mut w = PcapngWriter::new(Vec::new(), "").unwrap();
                    w.add_interface(&InterfaceDesc::new(127)).unwrap();
                    let start = w.out.len();
                    w.write_packet(0, ts, &data, 9, &opts).unwrap();
                    let value = g.map(|g| gps_option_value(&g));
                    let want = reference_epb(
                        0,
                        ts,
                        &data,
                        9,
                        (comment_len > 0).then_some(comment.as_str()),
                        value.as_ref().map(|v| &v.bytes[..v.len]),
                    );
                    assert_eq!(&w.out[start..], &want[..], "{data_len} {comment_len} {g:?}");
                }
            }
        }
    }

    #[test]
    fn bad_input_is_refused() {
        let mut w = PcapngWriter::new(Vec::new(), "t").unwrap();
        assert!(w.add_interface(&InterfaceDesc::new(70_000)).is_err());
        let none = PacketOptions::default();
        let e = w
            .write_packet(0, Timestamp::new(1, 0), b"x", 1, &none)
            .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        w.add_interface(&InterfaceDesc::new(105)).unwrap();
        assert!(w
            .write_packet(0, Timestamp::new(-1, 0), b"x", 1, &none)
            .is_err());
        assert!(w
            .write_packet(0, Timestamp::new(1, 1_000_000), b"x", 1, &none)
            .is_err());
        // Nothing half-written: the stream still reads back (no packets).
        assert!(read_back(&w.finish().unwrap()).is_empty());
    }

    #[test]
    fn fixed_point_encodings_match_kismet() {
        assert_eq!(fixed3_7(0.0), 1_800_000_000);
        assert_eq!(fixed3_7(-180.0), 0);
        assert_eq!(fixed3_7(180.0), 0);
        assert_eq!(fixed3_7(2.5), 1_825_000_000);
        assert_eq!(fixed6_4(0.0), 1_800_000_000);
        assert_eq!(fixed6_4(100.5), 1_801_005_000);
        assert_eq!(fixed6_4(1e9), 0);
    }
}
