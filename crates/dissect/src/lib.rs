//! # osprey-dissect
//!
//! Turns each captured [`Frame`](osprey_capture::Frame) into Osprey's per-packet record, a
//! [`Packet`]: timestamp, phy, the addresses with the meaning Kismet gives them (source,
//! destination, transmitter, BSSID), frequency and channel, signal, data rate, length, link
//! type, raw bytes, an error flag (bad FCS, truncated, malformed), a duplicate flag (Kismet's
//! rule: the CRC-32 of the decapsulated frame was seen among the last 1024 unique frames) and
//! GPS when the capture carries it. The record borrows the frame's bytes; further detail (the
//! 802.11 view, information elements, EAPOL, DHCP, BLE advertising data) is parsed on demand
//! from [`Dot11`] and [`Btle`] through `osprey-wire`.
//!
//! This crate knows nothing about devices or alerts; the tracker and detectors consume its
//! records.

#![warn(missing_docs)]

pub mod channel;
pub mod crc32;
mod dedup;
pub mod dot11;
pub mod pipeline;
pub mod repeat;

use kismetdb::{GpsFix, MacAddr, Timestamp};
use osprey_capture::{dlt, Frame};
use osprey_wire::radio::RadioInfo;

pub use dedup::DuplicateFilter;
pub use dot11::{Btle, Dot11};

/// The physical layer a packet was decoded as, named as Kismet names phys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phy {
    /// Wi-Fi.
    Ieee80211,
    /// Bluetooth Low Energy.
    Btle,
    /// Not decoded (unknown link type, or a frame that could not be dissected).
    Unknown,
}

impl Phy {
    /// Kismet's phy name (`IEEE802.11`, `BTLE`, `Unknown`).
    pub fn name(self) -> &'static str {
        match self {
            Phy::Ieee80211 => "IEEE802.11",
            Phy::Btle => "BTLE",
            Phy::Unknown => "Unknown",
        }
    }
}

/// Why a packet is flagged as an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PacketError {
    /// The FCS does not match the frame (computed, or as the capture header reports).
    BadFcs,
    /// The frame ends before its headers do.
    Truncated,
    /// A header holds values that make it unparseable.
    Malformed,
}

impl PacketError {
    /// A short name.
    pub fn name(self) -> &'static str {
        match self {
            PacketError::BadFcs => "bad FCS",
            PacketError::Truncated => "truncated",
            PacketError::Malformed => "malformed",
        }
    }
}

/// What was decoded inside the link-layer frame.
#[derive(Clone, Copy, Debug)]
pub enum Link<'a> {
    /// An 802.11 frame.
    Dot11(Dot11<'a>),
    /// A Bluetooth LE link-layer packet.
    Btle(Btle<'a>),
    /// Nothing (unknown link type or undecodable frame).
    None,
}

/// One captured packet, dissected.
#[derive(Clone, Copy, Debug)]
pub struct Packet<'a> {
    /// Capture time.
    pub ts: Timestamp,
    /// Link type of `raw`.
    pub dlt: u32,
    /// The captured bytes, as captured.
    pub raw: &'a [u8],
    /// Length on the wire.
    pub orig_len: u32,
    /// Capture interface (pcapng) or 0.
    pub interface: u32,
    /// The phy the packet was decoded as.
    pub phy: Phy,
    /// Source address (zero when none).
    pub source: MacAddr,
    /// Destination address (zero when none).
    pub dest: MacAddr,
    /// Transmitter address: for 802.11 only in 4-address (WDS) frames, as Kismet records it.
    pub transmitter: MacAddr,
    /// BSSID (zero when the frame has none).
    pub bssid: MacAddr,
    /// Centre frequency in kHz (0 when the capture does not say).
    pub freq_khz: u32,
    /// Channel number derived from the frequency (0 when unknown).
    pub channel: u16,
    /// Signal in dBm.
    pub signal_dbm: Option<i32>,
    /// Noise in dBm.
    pub noise_dbm: Option<i32>,
    /// Data rate in kbit/s.
    pub rate_kbps: Option<u32>,
    /// Error flag.
    pub error: Option<PacketError>,
    /// Where decoding failed (layer and byte offset within that layer's bytes), when it did.
    pub decode_error: Option<osprey_wire::Error>,
    /// Kismet's duplicate flag.
    pub duplicate: bool,
    /// For a clean, non-duplicate beacon or probe response that repeats the last one of its
    /// BSSID and subtype byte for byte (but for the duration, receiver, sequence number,
    /// timestamp and TIM contents), captured the same way (whole, with or without an FCS):
    /// that frame's packet number. What the tracker and the
    /// detectors read from that frame holds for this one. See [`repeat`].
    pub repeat_of: Option<u64>,
    /// Set by the dissector's check ([`Dissector::set_check`]): the checks that depend on
    /// nothing but the packet (the stateless detectors) found nothing in it, so whoever runs
    /// them after dissection may skip them. False when no check ran or one found something.
    pub stateless_clean: bool,
    /// CRC-32 of the decapsulated frame (without FCS), the duplicate key.
    pub hash: u32,
    /// Packet number as Kismet assigns it (`packets.packetid`): originals are numbered 1, 3,
    /// 5, ... and a duplicate gets its original's number plus one.
    pub packet_no: u64,
    /// GPS from the capture (PPI-GEOLOCATION, kismetdb rows).
    pub gps: Option<GpsFix>,
    /// The link layer as decoded.
    pub link: Link<'a>,
}

impl Packet<'_> {
    /// The data rate in Mbit/s, Kismet's `datarate` column (0 when unknown).
    pub fn datarate_mbps(&self) -> f64 {
        self.rate_kbps.map(|k| f64::from(k) / 1000.0).unwrap_or(0.0)
    }

    /// The 802.11 part, if any.
    pub fn dot11(&self) -> Option<&Dot11<'_>> {
        match &self.link {
            Link::Dot11(d) => Some(d),
            _ => None,
        }
    }
}

/// Where a slice lies within the bytes it was cut from: `start..end` as offsets. Copy, so
/// that what is read from a frame can be kept as places in it and found again in a copy or a
/// repeat of the frame ([`Span::of`], [`Span::get`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset after the last byte.
    pub end: usize,
}

impl Span {
    /// Where `part` is within `whole`; `None` if it is not a slice of it (an empty slice at
    /// the very end is).
    pub fn of(whole: &[u8], part: &[u8]) -> Option<Span> {
        let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
        let end = start.checked_add(part.len())?;
        (end <= whole.len()).then_some(Span { start, end })
    }

    /// The bytes at this place in `bytes` (empty if it lies beyond them).
    pub fn get(self, bytes: &[u8]) -> &[u8] {
        bytes.get(self.start..self.end).unwrap_or(&[])
    }

    /// The same place, `by` bytes further on.
    pub fn shift(self, by: usize) -> Span {
        Span {
            start: self.start + by,
            end: self.end + by,
        }
    }
}

/// Counters kept by a [`Dissector`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DissectStats {
    /// Packets seen.
    pub packets: u64,
    /// Packets whose link type this crate does not decode.
    pub not_decoded: u64,
    /// Packets flagged as errors.
    pub errors: u64,
    /// Packets flagged as duplicates.
    pub duplicates: u64,
    /// Entries of the repeat filter dropped to stay within [`repeat::MAX_NETWORKS`].
    pub repeats_dropped: u64,
}

/// A check run on each packet right after its dissection (see [`Dissector::set_check`]).
pub type Check = Box<dyn FnMut(&Packet<'_>) -> bool + Send>;

/// Dissects frames one after another, keeping the duplicate ring and packet counter.
#[derive(Default)]
pub struct Dissector {
    dups: DuplicateFilter,
    repeats: repeat::RepeatFilter,
    stats: DissectStats,
    next_id: u64,
    check: Option<Check>,
}

fn gps_from_wire(g: osprey_wire::radio::GpsFix) -> GpsFix {
    GpsFix {
        lat: g.lat,
        lon: g.lon,
        alt: g.alt.unwrap_or(0.0),
        speed: 0.0,
        heading: 0.0,
    }
}

impl Dissector {
    /// A new dissector.
    pub fn new() -> Dissector {
        Dissector::default()
    }

    /// Counters so far.
    pub fn stats(&self) -> DissectStats {
        DissectStats {
            repeats_dropped: self.repeats.dropped,
            ..self.stats
        }
    }

    /// Whether repeated beacons and probe responses are named ([`Packet::repeat_of`]); on by
    /// default. Off, every packet is read in full by the tracker and the detectors, which the
    /// tests use to show that the shortcut changes nothing.
    pub fn set_repeats(&mut self, on: bool) {
        self.repeats.set_enabled(on);
    }

    /// Runs `check` on every packet dissected from now on, where the dissection runs (the
    /// dissection thread, for a file): its answer is the packet's
    /// [`Packet::stateless_clean`]. The engine sets the stateless detectors here, so that on
    /// two threads their work moves off the thread that tracks and detects.
    pub fn set_check(&mut self, check: Check) {
        self.check = Some(check);
    }

    /// Dissects one frame.
    pub fn dissect<'a>(&mut self, frame: &Frame<'a>) -> Packet<'a> {
        self.stats.packets += 1;
        let mut p = Packet {
            ts: frame.ts,
            dlt: frame.dlt,
            raw: frame.data,
            orig_len: frame.orig_len,
            interface: frame.interface,
            phy: Phy::Unknown,
            source: MacAddr::ZERO,
            dest: MacAddr::ZERO,
            transmitter: MacAddr::ZERO,
            bssid: MacAddr::ZERO,
            freq_khz: 0,
            channel: 0,
            signal_dbm: None,
            noise_dbm: None,
            rate_kbps: None,
            error: None,
            decode_error: None,
            duplicate: false,
            repeat_of: None,
            stateless_clean: false,
            hash: 0,
            packet_no: self.stats.packets,
            gps: frame.gps,
            link: Link::None,
        };
        // The bytes the duplicate hash covers: the decapsulated frame if there is one.
        let mut hashed: &[u8] = frame.data;
        match frame.dlt {
            dlt::IEEE802_11 | dlt::RADIOTAP | dlt::PPI | dlt::PRISM | dlt::AVS => {
                let decap = match frame.dlt {
                    dlt::IEEE802_11 => Ok(osprey_wire::radio::Decap {
                        radio: RadioInfo::default(),
                        header_len: 0,
                        frame: frame.data,
                    }),
                    dlt::RADIOTAP => osprey_wire::radiotap::decap(frame.data),
                    dlt::PPI => osprey_wire::ppi::decap(frame.data),
                    dlt::PRISM => osprey_wire::prism::decap(frame.data),
                    _ => osprey_wire::avs::decap(frame.data),
                };
                match decap {
                    Err(e) => {
                        p.error = Some(wire_error(e));
                        p.decode_error = Some(e);
                    }
                    Ok(d) => {
                        apply_radio(&mut p, &d.radio);
                        let mut body = d.frame;
                        if d.radio.fcs_present {
                            if body.len() < 4 {
                                p.error = Some(PacketError::Truncated);
                            } else {
                                let (f, fcs) = body.split_at(body.len() - 4);
                                let want = u32::from_le_bytes([fcs[0], fcs[1], fcs[2], fcs[3]]);
                                if d.radio.bad_fcs || crc32::crc32(f) != want {
                                    p.error = Some(PacketError::BadFcs);
                                }
                                body = f;
                            }
                        } else if d.radio.bad_fcs {
                            p.error = Some(PacketError::BadFcs);
                        }
                        hashed = body;
                        // A frame with a bad FCS is not trusted for addresses, as in Kismet.
                        if p.error.is_none() {
                            match dot11::Dot11::parse(body) {
                                Ok(d11) => {
                                    p.phy = Phy::Ieee80211;
                                    d11.fill_addresses(&mut p);
                                    p.link = Link::Dot11(d11);
                                }
                                Err(e) => {
                                    // Offsets within the 802.11 frame become offsets within
                                    // the captured bytes.
                                    p.error = Some(wire_error(e));
                                    p.decode_error = Some(osprey_wire::Error {
                                        offset: e.offset + d.header_len,
                                        ..e
                                    });
                                }
                            }
                        }
                    }
                }
            }
            dlt::BTLE_LL | dlt::BTLE_LL_PHDR | dlt::NORDIC_BLE => {
                match dot11::Btle::decap(frame.dlt, frame.data) {
                    Ok((b, radio)) => {
                        apply_radio(&mut p, &radio);
                        hashed = b.ll;
                        if b.crc_bad {
                            p.error = Some(PacketError::BadFcs);
                        } else {
                            p.phy = Phy::Btle;
                            b.fill_addresses(&mut p);
                        }
                        p.link = Link::Btle(b);
                    }
                    Err(e) => {
                        p.error = Some(wire_error(e));
                        p.decode_error = Some(e);
                    }
                }
            }
            _ => {
                self.stats.not_decoded += 1;
            }
        }
        if frame.orig_len as usize > frame.data.len() && p.error.is_none() && p.phy == Phy::Unknown
        {
            p.error = Some(PacketError::Truncated);
        }
        p.hash = crc32::crc32(hashed);
        let id = self.next_id * 2 + 1;
        match self.dups.check_id(p.hash, id) {
            Some(orig) => {
                p.duplicate = true;
                p.packet_no = orig + 1;
            }
            None => {
                self.next_id += 1;
                p.packet_no = id;
            }
        }
        if p.duplicate {
            self.stats.duplicates += 1;
        }
        p.repeat_of = self.repeats.check(&p);
        if p.error.is_some() {
            self.stats.errors += 1;
        }
        if let Some(check) = self.check.as_mut() {
            p.stateless_clean = check(&p);
        }
        p
    }
}

fn wire_error(e: osprey_wire::Error) -> PacketError {
    match e.kind {
        osprey_wire::ErrorKind::Truncated => PacketError::Truncated,
        _ => PacketError::Malformed,
    }
}

fn apply_radio(p: &mut Packet<'_>, r: &RadioInfo) {
    if let Some(mhz) = r.freq_mhz {
        p.freq_khz = mhz.saturating_mul(1000);
        p.channel = channel::from_mhz(mhz);
    }
    p.signal_dbm = r.signal_dbm;
    p.noise_dbm = r.noise_dbm;
    p.rate_kbps = r.rate_kbps;
    if let Some(g) = r.gps {
        p.gps = Some(gps_from_wire(g));
    }
}
