//! PPI, the Per-Packet Information header (DLT 192, `LINKTYPE_PPI`).
//!
//! ```text
//!  pph_version u8 (0) | pph_flags u8 | pph_len u16 | pph_dlt u32 |  fields ...  | frame
//!  field:  pfh_type u16 | pfh_datalen u16 | data (pfh_datalen bytes)
//! ```
//!
//! All values are little-endian. `pph_len` covers the packet header and all fields; the
//! wrapped frame follows, of link type `pph_dlt` (105 for 802.11). When bit 0 of `pph_flags`
//! is set each field is padded to a 4-byte boundary.
//!
//! Decoded field types: 802.11-Common (2), 802.11n MAC extension (3), 802.11n MAC+PHY
//! extension (4) and PPI-GEOLOCATION GPS (30002). Other fields are skipped.
//!
//! ```
//! use osprey_wire::ppi;
//! let mut buf = [0u8; 8 + 4 + 20 + 2];
//! buf[2] = 32; // pph_len
//! buf[4] = 105; // pph_dlt: 802.11
//! buf[8] = 2; // field type 2: 802.11-Common
//! buf[10] = 20; // field length
//! buf[22] = 0x16; // rate: 22 × 500 kbit/s
//! buf[24..26].copy_from_slice(&2437u16.to_le_bytes());
//! buf[30] = (-60i8) as u8; // dBm antenna signal
//! let hdr = ppi::Header::new_checked(&buf[..]).unwrap();
//! assert_eq!(hdr.dlt(), 105);
//! let d = ppi::decap(&buf).unwrap();
//! assert_eq!(d.radio.freq_mhz, Some(2437));
//! assert_eq!(d.radio.rate_kbps, Some(11_000));
//! assert_eq!(d.radio.signal_dbm, Some(-60));
//! assert_eq!(d.frame.len(), 2);
//! ```

use crate::radio::{Decap, GpsFix, RadioInfo};
use crate::{Error, Result};

const LAYER: &str = "PPI";
const GPS_LAYER: &str = "PPI-GPS";

/// Length of the PPI packet header.
pub const HEADER_LEN: usize = 8;
/// Length of a PPI field header.
pub const FIELD_HEADER_LEN: usize = 4;

/// `pph_flags` bit: fields are padded to 32-bit boundaries.
pub const FLAG_ALIGN32: u8 = 0x01;

/// Link type of the wrapped frame for 802.11 (`pph_dlt`).
pub const DLT_IEEE802_11: u32 = 105;

/// PPI field types.
pub mod field_type {
    /// 802.11-Common.
    pub const COMMON_80211: u16 = 2;
    /// 802.11n MAC extension.
    pub const MAC_80211N: u16 = 3;
    /// 802.11n MAC+PHY extension.
    pub const MACPHY_80211N: u16 = 4;
    /// Spectrum map.
    pub const SPECTRUM_MAP: u16 = 5;
    /// Process information.
    pub const PROCESS_INFO: u16 = 6;
    /// Capture information.
    pub const CAPTURE_INFO: u16 = 7;
    /// Aggregation extension.
    pub const AGGREGATION: u16 = 8;
    /// 802.3 extension.
    pub const ETHERNET: u16 = 9;
    /// PPI-GEOLOCATION GPS tag.
    pub const GPS: u16 = 30002;
    /// PPI-GEOLOCATION vector tag.
    pub const VECTOR: u16 = 30003;
    /// PPI-GEOLOCATION sensor tag.
    pub const SENSOR: u16 = 30004;
    /// PPI-GEOLOCATION antenna tag.
    pub const ANTENNA: u16 = 30005;
}

/// Flags of the 802.11-Common field.
pub mod common_flags {
    /// The frame includes its FCS.
    pub const FCS_PRESENT: u16 = 0x0001;
    /// The TSF timer is in milliseconds (not microseconds).
    pub const TSF_MS: u16 = 0x0002;
    /// The FCS check failed.
    pub const FCS_INVALID: u16 = 0x0004;
    /// PHY error.
    pub const PHY_ERROR: u16 = 0x0008;
}

/// Flags of the 802.11n MAC and MAC+PHY extension fields.
pub mod n_flags {
    /// Greenfield.
    pub const GREENFIELD: u32 = 0x01;
    /// 40 MHz (HT20/40 bit).
    pub const HT40: u32 = 0x02;
    /// Short guard interval.
    pub const SHORT_GI: u32 = 0x04;
    /// Duplicate RX.
    pub const DUPLICATE_RX: u32 = 0x08;
    /// Part of an A-MPDU.
    pub const AMPDU: u32 = 0x10;
    /// More aggregates follow.
    pub const MORE_AGGREGATES: u32 = 0x20;
    /// Delimiter CRC error after this frame.
    pub const DELIMITER_CRC_ERROR: u32 = 0x40;
}

#[inline]
fn le16(buf: &[u8], off: usize) -> Option<u16> {
    let b = buf.get(off..off.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

#[inline]
fn le32(buf: &[u8], off: usize) -> Option<u32> {
    let b = buf.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

#[inline]
fn le64(buf: &[u8], off: usize) -> Option<u64> {
    let lo = le32(buf, off)?;
    let hi = le32(buf, off.checked_add(4)?)?;
    Some(u64::from(lo) | (u64::from(hi) << 32))
}

/// A read-only view of a PPI packet header at the start of a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Header<T> {
    /// Wraps a buffer without checking it (accessors return 0 for missing bytes).
    pub const fn new_unchecked(buffer: T) -> Header<T> {
        Header { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Header<T>> {
        let h = Header::new_unchecked(buffer);
        h.check_len()?;
        Ok(h)
    }

    /// Checks: at least 8 bytes, version 0, `8 <= pph_len <= buffer length`.
    pub fn check_len(&self) -> Result<()> {
        let buf = self.buffer.as_ref();
        if buf.len() < HEADER_LEN {
            return Err(Error::truncated(LAYER, buf.len()));
        }
        if self.version() != 0 {
            return Err(Error::unsupported(LAYER, 0));
        }
        let len = usize::from(self.len());
        if len < HEADER_LEN {
            return Err(Error::malformed(LAYER, 2));
        }
        if len > buf.len() {
            return Err(Error::truncated(LAYER, buf.len()));
        }
        Ok(())
    }

    /// Consumes the view and returns the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// `pph_version` (0).
    pub fn version(&self) -> u8 {
        self.buffer.as_ref().first().copied().unwrap_or(0)
    }

    /// `pph_flags` (bit 0: fields 32-bit aligned).
    pub fn flags(&self) -> u8 {
        self.buffer.as_ref().get(1).copied().unwrap_or(0)
    }

    /// `pph_len`: length of the PPI header including all fields.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> u16 {
        le16(self.buffer.as_ref(), 2).unwrap_or(0)
    }

    /// `pph_dlt`: link type of the wrapped frame (105 = 802.11).
    pub fn dlt(&self) -> u32 {
        le32(self.buffer.as_ref(), 4).unwrap_or(0)
    }

    /// The wrapped frame: the bytes after `pph_len`.
    pub fn payload(&self) -> &[u8] {
        self.buffer
            .as_ref()
            .get(usize::from(self.len())..)
            .unwrap_or(&[])
    }

    /// The fields of the header, in order. See [`Fields`].
    pub fn fields(&self) -> Fields<'_> {
        let buf = self.buffer.as_ref();
        let end = usize::from(self.len()).min(buf.len());
        Fields {
            hdr: &buf[..end],
            pos: HEADER_LEN,
            align: self.flags() & FLAG_ALIGN32 != 0,
            done: false,
        }
    }
}

/// One PPI field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'a> {
    /// `pfh_type` ([`field_type`]).
    pub kind: u16,
    /// Offset of `data` within the PPI header.
    pub offset: usize,
    /// The field data (`pfh_datalen` bytes).
    pub data: &'a [u8],
}

/// Iterator over the fields of a PPI header. A field header or data that runs past
/// `pph_len` yields a [`crate::ErrorKind::Truncated`] error and ends the iteration.
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    hdr: &'a [u8],
    pos: usize,
    align: bool,
    done: bool,
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<Field<'a>>;

    fn next(&mut self) -> Option<Result<Field<'a>>> {
        if self.done || self.pos >= self.hdr.len() {
            return None;
        }
        let (Some(kind), Some(len)) = (
            le16(self.hdr, self.pos),
            le16(self.hdr, self.pos.saturating_add(2)),
        ) else {
            self.done = true;
            return Some(Err(Error::truncated(LAYER, self.pos)));
        };
        let start = self.pos.saturating_add(FIELD_HEADER_LEN);
        let end = start.saturating_add(usize::from(len));
        let Some(data) = self.hdr.get(start..end) else {
            self.done = true;
            return Some(Err(Error::truncated(LAYER, self.pos)));
        };
        self.pos = if self.align {
            end.saturating_add(3) & !3
        } else {
            end
        };
        Some(Ok(Field {
            kind,
            offset: start,
            data,
        }))
    }
}

/// The 802.11-Common field (type 2, 20 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Common {
    /// TSF timer (µs, or ms when [`common_flags::TSF_MS`]).
    pub tsf: u64,
    /// Flags ([`common_flags`]).
    pub flags: u16,
    /// Data rate, 500 kbit/s units (0 = unknown).
    pub rate: u16,
    /// Channel frequency, MHz (0 = unknown).
    pub freq_mhz: u16,
    /// Channel flags (same bits as radiotap's Channel flags).
    pub channel_flags: u16,
    /// FHSS hop set.
    pub fhss_hopset: u8,
    /// FHSS pattern.
    pub fhss_pattern: u8,
    /// Antenna signal, dBm.
    pub antsignal_dbm: i8,
    /// Antenna noise, dBm.
    pub antnoise_dbm: i8,
}

impl Common {
    /// Length of the field data.
    pub const LEN: usize = 20;

    /// Parses an 802.11-Common field's data.
    pub fn parse(data: &[u8]) -> Option<Common> {
        let d = data.get(..Self::LEN)?;
        Some(Common {
            tsf: le64(d, 0)?,
            flags: le16(d, 8)?,
            rate: le16(d, 10)?,
            freq_mhz: le16(d, 12)?,
            channel_flags: le16(d, 14)?,
            fhss_hopset: d[16],
            fhss_pattern: d[17],
            antsignal_dbm: d[18] as i8,
            antnoise_dbm: d[19] as i8,
        })
    }
}

/// The 802.11n MAC extension field (type 3, 12 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MacExt {
    /// Flags ([`n_flags`]).
    pub flags: u32,
    /// A-MPDU identifier.
    pub ampdu_id: u32,
    /// Number of zero-length pad delimiters.
    pub num_delimiters: u8,
}

impl MacExt {
    /// Length of the field data.
    pub const LEN: usize = 12;

    /// Parses an 802.11n MAC extension field's data.
    pub fn parse(data: &[u8]) -> Option<MacExt> {
        let d = data.get(..Self::LEN)?;
        Some(MacExt {
            flags: le32(d, 0)?,
            ampdu_id: le32(d, 4)?,
            num_delimiters: d[8],
        })
    }
}

/// The 802.11n MAC+PHY extension field (type 4, 48 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MacPhyExt {
    /// Flags ([`n_flags`]).
    pub flags: u32,
    /// A-MPDU identifier.
    pub ampdu_id: u32,
    /// Number of zero-length pad delimiters.
    pub num_delimiters: u8,
    /// MCS index.
    pub mcs: u8,
    /// Number of spatial streams.
    pub num_streams: u8,
    /// Combined RSSI.
    pub rssi_combined: u8,
    /// RSSI of each chain, control channel.
    pub rssi_ctl: [u8; 4],
    /// RSSI of each chain, extension channel.
    pub rssi_ext: [u8; 4],
    /// Extension channel frequency, MHz.
    pub ext_freq_mhz: u16,
    /// Extension channel flags.
    pub ext_channel_flags: u16,
    /// Signal of each chain, dBm.
    pub chain_signal_dbm: [i8; 4],
    /// Noise of each chain, dBm.
    pub chain_noise_dbm: [i8; 4],
    /// Error vector magnitude of each chain.
    pub evm: [u32; 4],
}

impl MacPhyExt {
    /// Length of the field data.
    pub const LEN: usize = 48;

    /// Parses an 802.11n MAC+PHY extension field's data.
    pub fn parse(data: &[u8]) -> Option<MacPhyExt> {
        let d = data.get(..Self::LEN)?;
        Some(MacPhyExt {
            flags: le32(d, 0)?,
            ampdu_id: le32(d, 4)?,
            num_delimiters: d[8],
            mcs: d[9],
            num_streams: d[10],
            rssi_combined: d[11],
            rssi_ctl: [d[12], d[13], d[14], d[15]],
            rssi_ext: [d[16], d[17], d[18], d[19]],
            ext_freq_mhz: le16(d, 20)?,
            ext_channel_flags: le16(d, 22)?,
            chain_signal_dbm: [d[24] as i8, d[26] as i8, d[28] as i8, d[30] as i8],
            chain_noise_dbm: [d[25] as i8, d[27] as i8, d[29] as i8, d[31] as i8],
            evm: [le32(d, 32)?, le32(d, 36)?, le32(d, 40)?, le32(d, 44)?],
        })
    }

    /// HT PHY rate in kbit/s from the MCS, the 40 MHz flag and the short-GI flag.
    pub fn rate_kbps(&self) -> Option<u32> {
        crate::radiotap::ht_rate_kbps(
            self.mcs,
            self.flags & n_flags::HT40 != 0,
            self.flags & n_flags::SHORT_GI != 0,
        )
    }
}

/// Presence bits of the PPI-GEOLOCATION GPS tag.
pub mod gps_present {
    /// GPS flags (u32).
    pub const GPS_FLAGS: u32 = 1 << 0;
    /// Latitude (fixed3_7).
    pub const LAT: u32 = 1 << 1;
    /// Longitude (fixed3_7).
    pub const LON: u32 = 1 << 2;
    /// Altitude (fixed6_4).
    pub const ALT: u32 = 1 << 3;
    /// Altitude above ground (fixed6_4).
    pub const ALT_GND: u32 = 1 << 4;
    /// GPS time, seconds (u32).
    pub const GPS_TIME: u32 = 1 << 5;
    /// Fractional time, nanoseconds (u32).
    pub const FRACTIONAL_TIME: u32 = 1 << 6;
    /// Horizontal position error (fixed3_6).
    pub const EPH: u32 = 1 << 7;
    /// Vertical position error (fixed3_6).
    pub const EPV: u32 = 1 << 8;
    /// Time error (ns counter).
    pub const EPT: u32 = 1 << 9;
    /// Description string (32 bytes).
    pub const DESCRIPTION: u32 = 1 << 28;
    /// Application id (u32).
    pub const APP_ID: u32 = 1 << 29;
    /// Application data (60 bytes).
    pub const APP_DATA: u32 = 1 << 30;
    /// Another presence word follows.
    pub const EXT: u32 = 1 << 31;
}

/// Decoded PPI-GEOLOCATION GPS tag (type 30002). Each value is present only when its bit
/// was set and its bytes were there.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Gps {
    /// Geotag version (2 in the published spec).
    pub version: u8,
    /// GPS flags.
    pub flags: Option<u32>,
    /// Latitude, degrees.
    pub lat: Option<f64>,
    /// Longitude, degrees.
    pub lon: Option<f64>,
    /// Altitude, metres.
    pub alt: Option<f64>,
    /// Altitude above ground, metres.
    pub alt_gnd: Option<f64>,
    /// GPS time, seconds.
    pub gps_time: Option<u32>,
    /// Fractional time, nanoseconds.
    pub fractional_time: Option<u32>,
    /// Horizontal error, metres.
    pub eph: Option<f64>,
    /// Vertical error, metres.
    pub epv: Option<f64>,
    /// Time error, seconds.
    pub ept: Option<f64>,
    /// Application id.
    pub app_id: Option<u32>,
}

impl Gps {
    /// The fix, when both latitude and longitude are present.
    pub fn fix(&self) -> Option<GpsFix> {
        Some(GpsFix {
            lat: self.lat?,
            lon: self.lon?,
            alt: self.alt,
        })
    }
}

/// fixed3_7: degrees + 180, × 10^7.
pub fn fixed3_7(raw: u32) -> f64 {
    f64::from(raw) / 10_000_000.0 - 180.0
}

/// fixed3_6: value × 10^6 (no offset).
pub fn fixed3_6(raw: u32) -> f64 {
    f64::from(raw) / 1_000_000.0
}

/// fixed6_4: metres + 180000, × 10^4.
pub fn fixed6_4(raw: u32) -> f64 {
    f64::from(raw) / 10_000.0 - 180_000.0
}

/// Size in bytes of the GPS tag field for presence bit `bit`, or `None` if unknown.
const fn gps_field_size(bit: u32) -> Option<usize> {
    match bit {
        0..=9 | 29 => Some(4),
        28 => Some(32),
        30 => Some(60),
        _ => None,
    }
}

/// Parses the data of a PPI-GEOLOCATION GPS field: a geotag header (version u8, pad u8,
/// length u16 covering the whole tag, presence u32 [+ further presence words while bit 31 is
/// set]) followed by the fields the first presence word announces, in bit order. Parsing
/// stops quietly at the first bit of unknown size (the reserved bits 10..=27, or any bit of
/// an extension word) or at a field that does not fit in the tag.
pub fn parse_gps(data: &[u8]) -> Result<Gps> {
    let (Some(&version), Some(len), Some(present)) = (data.first(), le16(data, 2), le32(data, 4))
    else {
        return Err(Error::truncated(GPS_LAYER, data.len()));
    };
    let len = usize::from(len);
    if len < 8 {
        return Err(Error::malformed(GPS_LAYER, 2));
    }
    let Some(tag) = data.get(..len) else {
        return Err(Error::truncated(GPS_LAYER, data.len()));
    };
    // Skip any extension presence words.
    let mut pos = 8usize;
    let mut word = present;
    while word & gps_present::EXT != 0 {
        let Some(w) = le32(tag, pos) else {
            return Err(Error::truncated(GPS_LAYER, pos));
        };
        word = w;
        pos += 4;
    }
    let mut gps = Gps {
        version,
        ..Gps::default()
    };
    for bit in 0..31u32 {
        if present & (1 << bit) == 0 {
            continue;
        }
        let Some(size) = gps_field_size(bit) else {
            break;
        };
        let Some(end) = pos.checked_add(size).filter(|&e| e <= tag.len()) else {
            break;
        };
        let v = le32(tag, pos).unwrap_or(0);
        match bit {
            0 => gps.flags = Some(v),
            1 => gps.lat = Some(fixed3_7(v)),
            2 => gps.lon = Some(fixed3_7(v)),
            3 => gps.alt = Some(fixed6_4(v)),
            4 => gps.alt_gnd = Some(fixed6_4(v)),
            5 => gps.gps_time = Some(v),
            6 => gps.fractional_time = Some(v),
            7 => gps.eph = Some(fixed3_6(v)),
            8 => gps.epv = Some(fixed3_6(v)),
            9 => gps.ept = Some(f64::from(v) / 1_000_000_000.0),
            29 => gps.app_id = Some(v),
            _ => {}
        }
        pos = end;
    }
    Ok(gps)
}

/// Removes a PPI header: returns the bytes after `pph_len` as the frame and fills
/// [`RadioInfo`] from the 802.11-Common field (frequency, signal, noise, rate, FCS flags,
/// TSF, channel flags), the 802.11n MAC+PHY field (MCS; the HT rate when Common gives
/// none; chain 0's signal when Common gives none) and the GPS field (`gps` when latitude and
/// longitude are present; a malformed GPS tag is ignored).
///
/// Zero values in 802.11-Common mean "not known" and are left out. The wrapped frame's link
/// type is [`Header::dlt`]; this function does not check it.
pub fn decap(buf: &[u8]) -> Result<Decap<'_>> {
    let hdr = Header::new_checked(buf)?;
    let mut radio = RadioInfo::default();
    let mut have_common = false;
    let mut have_macphy = false;
    for f in hdr.fields() {
        let f = f?;
        match f.kind {
            field_type::COMMON_80211 if !have_common => {
                let Some(c) = Common::parse(f.data) else {
                    return Err(Error::truncated(LAYER, f.offset));
                };
                have_common = true;
                radio.fcs_present = c.flags & common_flags::FCS_PRESENT != 0;
                radio.bad_fcs = c.flags & common_flags::FCS_INVALID != 0;
                if c.tsf != 0 {
                    radio.tsft = Some(if c.flags & common_flags::TSF_MS != 0 {
                        c.tsf.saturating_mul(1000)
                    } else {
                        c.tsf
                    });
                }
                if c.rate != 0 {
                    radio.rate_kbps = Some(u32::from(c.rate) * 500);
                }
                if c.freq_mhz != 0 {
                    radio.freq_mhz = Some(u32::from(c.freq_mhz));
                    radio.channel_flags = Some(u32::from(c.channel_flags));
                }
                if c.antsignal_dbm != 0 {
                    radio.signal_dbm = Some(i32::from(c.antsignal_dbm));
                }
                if c.antnoise_dbm != 0 {
                    radio.noise_dbm = Some(i32::from(c.antnoise_dbm));
                }
            }
            field_type::MACPHY_80211N if !have_macphy => {
                let Some(m) = MacPhyExt::parse(f.data) else {
                    return Err(Error::truncated(LAYER, f.offset));
                };
                have_macphy = true;
                radio.mcs = Some(m.mcs);
                if radio.rate_kbps.is_none() {
                    radio.rate_kbps = m.rate_kbps();
                }
                if radio.signal_dbm.is_none() {
                    let s = m.chain_signal_dbm[0];
                    if s != 0 && s != -128 {
                        radio.signal_dbm = Some(i32::from(s));
                    }
                }
            }
            field_type::GPS if radio.gps.is_none() => {
                if let Ok(g) = parse_gps(f.data) {
                    radio.gps = g.fix();
                }
            }
            _ => {}
        }
    }
    let header_len = usize::from(hdr.len());
    Ok(Decap {
        radio,
        header_len,
        frame: buf.get(header_len..).unwrap_or(&[]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_bad() {
        assert!(decap(&[]).is_err());
        assert!(decap(&[0, 0, 8, 0, 105, 0, 0]).is_err());
        assert!(decap(&[1, 0, 8, 0, 105, 0, 0, 0]).is_err());
        assert!(decap(&[0, 0, 7, 0, 105, 0, 0, 0]).is_err());
        assert!(decap(&[0, 0, 9, 0, 105, 0, 0, 0]).is_err());
        // field header cut by pph_len
        assert!(decap(&[0, 0, 10, 0, 105, 0, 0, 0, 2, 0]).is_err());
        // field data past pph_len
        assert!(decap(&[0, 0, 12, 0, 105, 0, 0, 0, 9, 0, 1, 0]).is_err());
        // common field too short
        assert!(decap(&[0, 0, 13, 0, 105, 0, 0, 0, 2, 0, 1, 0, 0]).is_err());
        let d = decap(&[0, 0, 8, 0, 105, 0, 0, 0, 0xaa]).unwrap();
        assert_eq!(d.frame, &[0xaa]);
        assert_eq!(d.header_len, 8);
    }

    #[test]
    fn aligned_fields() {
        // align flag: a 1-byte unknown field padded to 4, then an empty field.
        let buf = [
            0, 1, 20, 0, 105, 0, 0, 0, 9, 0, 1, 0, 0xee, 0, 0, 0, 7, 0, 0, 0,
        ];
        let h = Header::new_checked(&buf[..]).unwrap();
        let kinds: [u16; 2] = {
            let mut it = h.fields().map(|f| f.unwrap().kind);
            [it.next().unwrap(), it.next().unwrap()]
        };
        assert_eq!(kinds, [9, 7]);
        assert_eq!(h.fields().count(), 2);
    }

    #[test]
    fn gps_extension_and_unknown_bits() {
        // present: LAT | LON | bit 12 (unknown) | EXT; one extension word; then lat, lon.
        let mut t = [0u8; 20];
        t[0] = 2;
        t[2] = 20;
        let present: u32 = gps_present::LAT | gps_present::LON | (1 << 12) | gps_present::EXT;
        t[4..8].copy_from_slice(&present.to_le_bytes());
        t[8..12].copy_from_slice(&1u32.to_le_bytes());
        t[12..16].copy_from_slice(&1_800_000_000u32.to_le_bytes());
        t[16..20].copy_from_slice(&1_900_000_000u32.to_le_bytes());
        let g = parse_gps(&t).unwrap();
        assert_eq!(g.lat, Some(0.0));
        assert_eq!(g.lon, Some(10.0));
        assert_eq!(g.alt, None);
        // tag length beyond data
        t[2] = 24;
        assert!(parse_gps(&t).is_err());
        t[2] = 4;
        assert!(parse_gps(&t).is_err());
        assert!(parse_gps(&t[..6]).is_err());
    }
}
