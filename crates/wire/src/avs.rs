//! AVS capture header (DLT 163, `LINKTYPE_IEEE802_11_AVS`), also found inside DLT 119
//! (PRISM) captures from some drivers.
//!
//! All fields are big-endian:
//!
//! ```text
//!  0 version u32 (0x80211001, or 0x80211002 for v2)   4 length u32 (header length)
//!  8 mactime u64 (µs)     16 hosttime u64              24 phytype u32
//! 28 channel u32          32 datarate u32 (100 kbit/s)  36 antenna u32
//! 40 priority u32         44 ssi_type u32               48 ssi_signal i32
//! 52 ssi_noise i32        56 preamble u32               60 encoding u32
//! (v2 adds sequence, drops, receiver address and padding; `length` says where the frame is)
//! ```
//!
//! ```
//! use osprey_wire::avs;
//! let mut buf = [0u8; 66];
//! buf[0..4].copy_from_slice(&avs::VERSION_1.to_be_bytes());
//! buf[4..8].copy_from_slice(&64u32.to_be_bytes());
//! buf[28..32].copy_from_slice(&6u32.to_be_bytes()); // channel 6
//! buf[32..36].copy_from_slice(&540u32.to_be_bytes()); // 54 Mbit/s
//! buf[44..48].copy_from_slice(&avs::ssi_type::DBM.to_be_bytes());
//! buf[48..52].copy_from_slice(&(-55i32).to_be_bytes());
//! let d = avs::decap(&buf).unwrap();
//! assert_eq!(d.radio.freq_mhz, Some(2437));
//! assert_eq!(d.radio.rate_kbps, Some(54_000));
//! assert_eq!(d.radio.signal_dbm, Some(-55));
//! assert_eq!(d.frame.len(), 2);
//! ```

use crate::radio::{Decap, RadioInfo};
use crate::{Error, Result};

const LAYER: &str = "AVS";

/// Version word of an AVS v1 header.
pub const VERSION_1: u32 = 0x8021_1001;
/// Version word of an AVS v2 header.
pub const VERSION_2: u32 = 0x8021_1002;
/// Length of the v1 header (the fields this module reads).
pub const HEADER_LEN: usize = 64;

/// Values of `phytype`.
pub mod phytype {
    /// 802.11 FHSS (1997).
    pub const FHSS_DOT11_97: u32 = 1;
    /// 802.11 DSSS (1997).
    pub const DSSS_DOT11_97: u32 = 2;
    /// Infrared.
    pub const IRBASEBAND: u32 = 3;
    /// 802.11b DSSS.
    pub const DSSS_DOT11_B: u32 = 4;
    /// 802.11b PBCC.
    pub const PBCC_DOT11_B: u32 = 5;
    /// 802.11g OFDM.
    pub const OFDM_DOT11_G: u32 = 6;
    /// 802.11g PBCC.
    pub const PBCC_DOT11_G: u32 = 7;
    /// 802.11a OFDM.
    pub const OFDM_DOT11_A: u32 = 8;
}

/// Values of `ssi_type`.
pub mod ssi_type {
    /// No signal information.
    pub const NONE: u32 = 0;
    /// Normalized RSSI, 0..=1000.
    pub const NORMALIZED_RSSI: u32 = 1;
    /// dBm.
    pub const DBM: u32 = 2;
    /// Raw, driver-specific RSSI.
    pub const RAW_RSSI: u32 = 3;
}

#[inline]
fn be32(buf: &[u8], off: usize) -> Option<u32> {
    let b = buf.get(off..off.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

#[inline]
fn be64(buf: &[u8], off: usize) -> Option<u64> {
    let hi = be32(buf, off)?;
    let lo = be32(buf, off.checked_add(4)?)?;
    Some((u64::from(hi) << 32) | u64::from(lo))
}

/// Whether `buf` starts with an AVS version word (v1 or v2).
pub fn has_magic(buf: &[u8]) -> bool {
    matches!(be32(buf, 0), Some(VERSION_1 | VERSION_2))
}

/// A read-only view of an AVS header at the start of a buffer.
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

    /// Checks: a v1 or v2 version word, at least 64 bytes, `64 <= length <= buffer length`.
    pub fn check_len(&self) -> Result<()> {
        let buf = self.buffer.as_ref();
        if buf.len() < 8 {
            return Err(Error::truncated(LAYER, buf.len()));
        }
        if !has_magic(buf) {
            return Err(Error::unsupported(LAYER, 0));
        }
        if buf.len() < HEADER_LEN {
            return Err(Error::truncated(LAYER, buf.len()));
        }
        let len = self.length();
        if len < HEADER_LEN as u32 {
            return Err(Error::malformed(LAYER, 4));
        }
        if usize::try_from(len).map_or(true, |l| l > buf.len()) {
            return Err(Error::truncated(LAYER, buf.len()));
        }
        Ok(())
    }

    /// Consumes the view and returns the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn u32_at(&self, off: usize) -> u32 {
        be32(self.buffer.as_ref(), off).unwrap_or(0)
    }

    /// Version word ([`VERSION_1`] or [`VERSION_2`]).
    pub fn version(&self) -> u32 {
        self.u32_at(0)
    }
    /// Header length in bytes (the frame follows).
    pub fn length(&self) -> u32 {
        self.u32_at(4)
    }
    /// MAC time, µs.
    pub fn mactime(&self) -> u64 {
        be64(self.buffer.as_ref(), 8).unwrap_or(0)
    }
    /// Host time.
    pub fn hosttime(&self) -> u64 {
        be64(self.buffer.as_ref(), 16).unwrap_or(0)
    }
    /// PHY type ([`phytype`]).
    pub fn phytype(&self) -> u32 {
        self.u32_at(24)
    }
    /// Channel number.
    pub fn channel(&self) -> u32 {
        self.u32_at(28)
    }
    /// Data rate, 100 kbit/s units.
    pub fn datarate(&self) -> u32 {
        self.u32_at(32)
    }
    /// Antenna.
    pub fn antenna(&self) -> u32 {
        self.u32_at(36)
    }
    /// Priority.
    pub fn priority(&self) -> u32 {
        self.u32_at(40)
    }
    /// How to read `ssi_signal` / `ssi_noise` ([`ssi_type`]).
    pub fn ssi_type(&self) -> u32 {
        self.u32_at(44)
    }
    /// Signal.
    pub fn ssi_signal(&self) -> i32 {
        self.u32_at(48) as i32
    }
    /// Noise.
    pub fn ssi_noise(&self) -> i32 {
        self.u32_at(52) as i32
    }
    /// Preamble (0 undefined, 1 short, 2 long).
    pub fn preamble(&self) -> u32 {
        self.u32_at(56)
    }
    /// Encoding (0 unknown, 1 CCK, 2 PBCC, 3 OFDM).
    pub fn encoding(&self) -> u32 {
        self.u32_at(60)
    }

    /// The wrapped frame: the bytes after `length`.
    pub fn payload(&self) -> &[u8] {
        let buf = self.buffer.as_ref();
        usize::try_from(self.length())
            .ok()
            .and_then(|l| buf.get(l..))
            .unwrap_or(&[])
    }
}

/// Removes an AVS header: frequency from the channel number, rate (`datarate` × 100 kbit/s),
/// signal and noise when `ssi_type` is dBm, antenna, MAC time as TSF, and the PHY type as
/// `channel_flags`. The frame is the bytes after `length` (FCS, if any, not stripped; AVS
/// does not say whether there is one).
pub fn decap(buf: &[u8]) -> Result<Decap<'_>> {
    let hdr = Header::new_checked(buf)?;
    let mut radio = RadioInfo {
        freq_mhz: crate::prism::channel_to_freq_mhz(hdr.channel()),
        ..RadioInfo::default()
    };
    if hdr.datarate() != 0 {
        radio.rate_kbps = hdr.datarate().checked_mul(100);
    }
    if hdr.ssi_type() == ssi_type::DBM {
        let plausible = |v: i32| (-150..0).contains(&v);
        radio.signal_dbm = Some(hdr.ssi_signal()).filter(|&v| plausible(v));
        radio.noise_dbm = Some(hdr.ssi_noise()).filter(|&v| plausible(v));
    }
    radio.antenna = u8::try_from(hdr.antenna()).ok();
    if hdr.mactime() != 0 {
        radio.tsft = Some(hdr.mactime());
    }
    if hdr.phytype() != 0 {
        radio.channel_flags = Some(hdr.phytype());
    }
    let header_len = usize::try_from(hdr.length()).unwrap_or(buf.len());
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
    fn rejects() {
        assert!(decap(&[]).is_err());
        let mut buf = [0u8; 64];
        assert!(decap(&buf).is_err()); // no magic
        buf[0..4].copy_from_slice(&VERSION_1.to_be_bytes());
        assert!(decap(&buf).is_err()); // length 0
        buf[4..8].copy_from_slice(&65u32.to_be_bytes());
        assert!(decap(&buf).is_err()); // length > buffer
        buf[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(decap(&buf).is_err());
        buf[4..8].copy_from_slice(&64u32.to_be_bytes());
        assert!(decap(&buf[..63]).is_err());
        let d = decap(&buf).unwrap();
        assert_eq!(d.frame, &[] as &[u8]);
        assert_eq!(
            d.radio,
            RadioInfo {
                antenna: Some(0),
                ..RadioInfo::default()
            }
        );
    }
}
