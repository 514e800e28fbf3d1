//! PRISM monitor-mode header (DLT 119, `LINKTYPE_PRISM_HEADER`), the linux-wlan-ng
//! "wlansniffrm" message also used by madwifi, hostap and others.
//!
//! ```text
//!  0 msgcode u32   4 msglen u32 (144)   8 devname [16]
//! 24 ten items of 12 bytes each: did u32 | status u16 | len u16 | data u32
//!    hosttime, mactime, channel, rssi, sq, signal, noise, rate, istx, frmlen
//! ```
//!
//! The integers are in the byte order of the capturing host; it is detected from `msglen`,
//! which is 144 in the right order. An item holds a value when its `status` is 0 (and its
//! `did` and `len` are not zero: some drivers blank the items they do not fill). The item
//! `did` codes differ between drivers, so items are taken by position.
//!
//! Some drivers put an AVS header under this link type instead; [`decap`] recognizes its
//! version word and hands such buffers to [`crate::avs::decap`].
//!
//! ```
//! use osprey_wire::prism;
//! let mut buf = [0u8; 146];
//! buf[0..4].copy_from_slice(&0x44u32.to_le_bytes());
//! buf[4..8].copy_from_slice(&144u32.to_le_bytes());
//! for (i, value) in [(prism::item::CHANNEL, 11u32), (prism::item::RATE, 4)] {
//!     let at = 24 + 12 * i;
//!     buf[at..at + 4].copy_from_slice(&(0x44u32 | ((i as u32 + 1) << 16)).to_le_bytes());
//!     buf[at + 6..at + 8].copy_from_slice(&4u16.to_le_bytes());
//!     buf[at + 8..at + 12].copy_from_slice(&value.to_le_bytes());
//! }
//! let d = prism::decap(&buf).unwrap();
//! assert_eq!(d.radio.freq_mhz, Some(2462));
//! assert_eq!(d.radio.rate_kbps, Some(2000));
//! assert_eq!(d.frame.len(), 2);
//! ```

use crate::radio::{Decap, RadioInfo};
use crate::{Error, Result};

const LAYER: &str = "PRISM";

/// Length of the PRISM header (and the value of `msglen`).
pub const HEADER_LEN: usize = 144;
/// Offset of the first item.
const ITEMS_OFFSET: usize = 24;
/// Size of one item.
const ITEM_LEN: usize = 12;
/// Number of items.
pub const ITEM_COUNT: usize = 10;

/// Positions of the items.
pub mod item {
    /// Host time (jiffies).
    pub const HOSTTIME: usize = 0;
    /// MAC time (µs, 32 bits).
    pub const MACTIME: usize = 1;
    /// Channel number.
    pub const CHANNEL: usize = 2;
    /// RSSI.
    pub const RSSI: usize = 3;
    /// Signal quality.
    pub const SQ: usize = 4;
    /// Signal (dBm with most drivers, raw units with some).
    pub const SIGNAL: usize = 5;
    /// Noise.
    pub const NOISE: usize = 6;
    /// Rate, 500 kbit/s units.
    pub const RATE: usize = 7;
    /// Whether the frame was transmitted by this interface.
    pub const ISTX: usize = 8;
    /// Frame length.
    pub const FRMLEN: usize = 9;
}

/// One item of a PRISM header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    /// Data identifier.
    pub did: u32,
    /// Status: 0 = value present, 1 = no value.
    pub status: u16,
    /// Length of the value (4).
    pub len: u16,
    /// The value.
    pub data: u32,
}

impl Item {
    /// Whether the item carries a value.
    pub fn is_present(&self) -> bool {
        self.status == 0 && self.did != 0 && self.len != 0
    }
}

/// Centre frequency in MHz of an IEEE 802.11 channel number: 1..=13 and 14 in 2.4 GHz,
/// 32..=177 in 5 GHz, 182..=196 in 4.9 GHz. Values that already look like a frequency in
/// MHz (2300..=6000) are returned as they are; anything else is `None`.
pub fn channel_to_freq_mhz(channel: u32) -> Option<u32> {
    match channel {
        1..=13 => Some(2407 + 5 * channel),
        14 => Some(2484),
        32..=177 => Some(5000 + 5 * channel),
        182..=196 => Some(4000 + 5 * channel),
        2300..=6000 => Some(channel),
        _ => None,
    }
}

/// A read-only view of a PRISM header at the start of a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Header<T> {
    /// Wraps a buffer without checking it (accessors return 0 / `None` for missing bytes).
    pub const fn new_unchecked(buffer: T) -> Header<T> {
        Header { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Header<T>> {
        let h = Header::new_unchecked(buffer);
        h.check_len()?;
        Ok(h)
    }

    /// Checks: at least 144 bytes and `msglen` is 144 in one byte order.
    pub fn check_len(&self) -> Result<()> {
        let buf = self.buffer.as_ref();
        if buf.len() < HEADER_LEN {
            return Err(Error::truncated(LAYER, buf.len()));
        }
        let raw = self.raw32(4).unwrap_or(0);
        if raw != HEADER_LEN as u32 && raw.swap_bytes() != HEADER_LEN as u32 {
            return Err(Error::malformed(LAYER, 4));
        }
        Ok(())
    }

    /// Consumes the view and returns the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn raw32(&self, off: usize) -> Option<u32> {
        let b = self.buffer.as_ref().get(off..off.checked_add(4)?)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Whether the header is big-endian (`msglen` reads 144 big-endian).
    pub fn is_big_endian(&self) -> bool {
        self.raw32(4)
            .is_some_and(|v| v != HEADER_LEN as u32 && v.swap_bytes() == HEADER_LEN as u32)
    }

    fn u32_at(&self, off: usize) -> Option<u32> {
        let v = self.raw32(off)?;
        Some(if self.is_big_endian() {
            v.swap_bytes()
        } else {
            v
        })
    }

    fn u16_at(&self, off: usize) -> Option<u16> {
        let b = self.buffer.as_ref().get(off..off.checked_add(2)?)?;
        Some(if self.is_big_endian() {
            u16::from_be_bytes([b[0], b[1]])
        } else {
            u16::from_le_bytes([b[0], b[1]])
        })
    }

    /// `msgcode`.
    pub fn msgcode(&self) -> u32 {
        self.u32_at(0).unwrap_or(0)
    }

    /// `msglen` (144).
    pub fn msglen(&self) -> u32 {
        self.u32_at(4).unwrap_or(0)
    }

    /// The device name, up to its first NUL.
    pub fn devname(&self) -> &[u8] {
        let name = self.buffer.as_ref().get(8..24).unwrap_or(&[]);
        let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
        &name[..end]
    }

    /// Item number `index` (see [`item`]), whether or not it holds a value.
    pub fn item(&self, index: usize) -> Option<Item> {
        if index >= ITEM_COUNT {
            return None;
        }
        let at = ITEMS_OFFSET + index * ITEM_LEN;
        Some(Item {
            did: self.u32_at(at)?,
            status: self.u16_at(at + 4)?,
            len: self.u16_at(at + 6)?,
            data: self.u32_at(at + 8)?,
        })
    }

    /// The value of item `index`, when present.
    pub fn value(&self, index: usize) -> Option<u32> {
        self.item(index)
            .filter(Item::is_present)
            .map(|item| item.data)
    }

    /// The frame after the header.
    pub fn payload(&self) -> &[u8] {
        self.buffer.as_ref().get(HEADER_LEN..).unwrap_or(&[])
    }
}

/// A signal or noise value read as dBm if it looks like one (-150..=-1).
fn plausible_dbm(v: u32) -> Option<i32> {
    let v = v as i32;
    (-150..0).contains(&v).then_some(v)
}

/// Removes a PRISM header (or an AVS header carried under DLT 119): channel → frequency,
/// signal and noise (when they are plausible dBm values), rate (× 500 kbit/s) and the
/// 32-bit MAC time as TSF. The frame is the bytes after the 144-byte header.
pub fn decap(buf: &[u8]) -> Result<Decap<'_>> {
    if crate::avs::has_magic(buf) {
        return crate::avs::decap(buf);
    }
    let hdr = Header::new_checked(buf)?;
    let mut radio = RadioInfo {
        freq_mhz: hdr.value(item::CHANNEL).and_then(channel_to_freq_mhz),
        signal_dbm: hdr.value(item::SIGNAL).and_then(plausible_dbm),
        noise_dbm: hdr.value(item::NOISE).and_then(plausible_dbm),
        tsft: hdr.value(item::MACTIME).map(u64::from),
        ..RadioInfo::default()
    };
    if let Some(rate) = hdr.value(item::RATE).filter(|&r| r != 0) {
        radio.rate_kbps = rate.checked_mul(500);
    }
    Ok(Decap {
        radio,
        header_len: HEADER_LEN,
        frame: buf.get(HEADER_LEN..).unwrap_or(&[]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels() {
        assert_eq!(channel_to_freq_mhz(1), Some(2412));
        assert_eq!(channel_to_freq_mhz(13), Some(2472));
        assert_eq!(channel_to_freq_mhz(14), Some(2484));
        assert_eq!(channel_to_freq_mhz(36), Some(5180));
        assert_eq!(channel_to_freq_mhz(165), Some(5825));
        assert_eq!(channel_to_freq_mhz(184), Some(4920));
        assert_eq!(channel_to_freq_mhz(0), None);
        assert_eq!(channel_to_freq_mhz(20), None);
        assert_eq!(channel_to_freq_mhz(u32::MAX), None);
    }

    #[test]
    fn byte_order() {
        let mut buf = [0u8; 144];
        assert!(decap(&buf).is_err());
        buf[4..8].copy_from_slice(&144u32.to_be_bytes());
        // signal item, big-endian, -70 dBm
        let at = 24 + 12 * item::SIGNAL;
        buf[at..at + 4].copy_from_slice(&0x0006_0044u32.to_be_bytes());
        buf[at + 6..at + 8].copy_from_slice(&4u16.to_be_bytes());
        buf[at + 8..at + 12].copy_from_slice(&(-70i32).to_be_bytes());
        let h = Header::new_checked(&buf[..]).unwrap();
        assert!(h.is_big_endian());
        assert_eq!(h.msglen(), 144);
        let d = decap(&buf).unwrap();
        assert_eq!(d.radio.signal_dbm, Some(-70));
        assert!(d.frame.is_empty());
        // status "no value"
        buf[at + 4..at + 6].copy_from_slice(&1u16.to_be_bytes());
        assert_eq!(decap(&buf).unwrap().radio.signal_dbm, None);
        assert!(decap(&buf[..143]).is_err());
    }
}
