//! Repeated beacons and probe responses ([`Packet::repeat_of`](crate::Packet::repeat_of)).
//!
//! An access point sends the same beacon ten times a second, and the same probe response to
//! every client that asks: only the timestamp, the sequence number and the traffic indication
//! map change (and, for probe responses, the receiver). Kismet re-parses a beacon's elements
//! only when a checksum of them changed. Osprey compares the bytes themselves, since a
//! checksum an attacker can match would let an exploit frame pass as a repeat of a harmless
//! one.
//!
//! [`RepeatFilter`] keeps, per (BSSID, subtype), the last clean (no error flag), non-duplicate
//! beacon or probe response captured whole, and tells for each new one whether it repeats it:
//! captured the same way (whole, with an FCS or without), and every byte equal except the
//! duration, the receiver address, the sequence control, the timestamp and the contents of
//! the first TIM element (its DTIM count and bitmap change from beacon to beacon; its place
//! and length may not). See [`repeats`]. What is derived from a frame's
//! other bytes is then the same for its repeat, exactly: the tracker and the detectors keep
//! what they read from a frame with its packet number, and reuse it when a packet repeats
//! that one.
//!
//! Growth: one entry per (BSSID, subtype), each a copy of one frame (a few hundred bytes), at
//! most [`MAX_NETWORKS`] entries. A new one beyond that empties the filter first (a flood of
//! made-up BSSIDs has no repeats to find; the networks met again afterwards start over, and
//! their next frames are read in full). Entries dropped are counted
//! ([`DissectStats::repeats_dropped`](crate::DissectStats::repeats_dropped)).

use std::collections::HashMap;

use kismetdb::MacAddr;
use osprey_wire::ieee80211::FrameType;

use crate::Packet;

/// The most (BSSID, subtype) entries kept.
pub const MAX_NETWORKS: usize = 16_384;

/// The last clean beacon or probe response of one (BSSID, subtype).
struct Last {
    /// The frame's bytes (802.11 header and body, no FCS).
    bytes: Vec<u8>,
    /// Where the data of its first TIM element starts and ends in `bytes` (both `bytes.len()`
    /// without one).
    tim: (usize, usize),
    /// Its packet number.
    packet: u64,
    /// The capture had an FCS after it.
    fcs: bool,
}

/// The last beacon and probe response of each BSSID (see the module documentation).
pub(crate) struct RepeatFilter {
    last: HashMap<(MacAddr, u8), Last, foldhash::fast::RandomState>,
    max: usize,
    enabled: bool,
    /// Entries dropped to stay within `max`.
    pub(crate) dropped: u64,
}

impl Default for RepeatFilter {
    fn default() -> Self {
        RepeatFilter {
            last: HashMap::default(),
            max: MAX_NETWORKS,
            enabled: true,
            dropped: 0,
        }
    }
}

/// Whether the 802.11 beacon or probe response `b` (header and body, no FCS) repeats `a`:
/// same length and bytes, except the duration (bytes 2–3), the receiver address (4–9), the
/// sequence control (22–23), the 8-byte timestamp that starts the body, and `a`'s bytes
/// `tim.0..tim.1` (the data of its first TIM element, from [`tim_data`]). Everything before
/// that element's data being equal, `b` has the same element there, with the same length.
/// `header_len` is the frames' MAC header length (24, or 28 with an HT control field).
pub fn repeats(a: &[u8], b: &[u8], header_len: usize, tim: (usize, usize)) -> bool {
    let ts_end = header_len + 8;
    a.len() == b.len()
        && a.len() >= ts_end
        && header_len >= 24
        && ts_end <= tim.0
        && tim.0 <= tim.1
        && a.get(0..2) == b.get(0..2)
        && a.get(10..22) == b.get(10..22)
        && a.get(24..header_len) == b.get(24..header_len)
        && a.get(ts_end..tim.0) == b.get(ts_end..tim.0)
        && a.get(tim.1..) == b.get(tim.1..)
}

/// Where the data of the first TIM element of a beacon or probe response is in `frame`
/// (header and body; the elements start 12 bytes into the body); both ends `frame.len()`
/// when there is none.
pub fn tim_data(frame: &[u8], header_len: usize) -> (usize, usize) {
    let none = (frame.len(), frame.len());
    let start = header_len + 12;
    let Some(list) = frame.get(start..) else {
        return none;
    };
    osprey_wire::ieee80211::ie::Elements::new(list)
        .find(|e| e.id == osprey_wire::ieee80211::ie::id::TIM)
        .map_or(none, |e| {
            let at = start + e.offset + 2;
            (at, at + e.data.len())
        })
}

/// The (BSSID, subtype) of a packet that may repeat another or be repeated: a clean,
/// non-duplicate beacon (8) or probe response (5) captured whole (a frame cut short by the
/// capture's snap length is not the frame it may seem to repeat). `None` for every other
/// packet. What is kept of a frame for its repeats is kept under this key.
pub fn key(p: &Packet<'_>) -> Option<(MacAddr, u8)> {
    if p.error.is_some() || p.duplicate || p.orig_len as usize > p.raw.len() {
        return None;
    }
    let d = p.dot11()?;
    let st = d.subtype();
    (d.frame_type() == FrameType::Management && (st == 5 || st == 8)).then_some((p.bssid, st))
}

impl RepeatFilter {
    /// Finds nothing from now on (see [`crate::Dissector::set_repeats`]).
    pub(crate) fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
        if !on {
            self.last.clear();
        }
    }

    /// The packet number of the frame `p` repeats, if it is a clean, non-duplicate beacon or
    /// probe response that repeats the last one of its BSSID and subtype. Such a packet
    /// becomes the last one.
    pub(crate) fn check(&mut self, p: &Packet<'_>) -> Option<u64> {
        if !self.enabled {
            return None;
        }
        let key = key(p)?;
        let d = p.dot11()?;
        let bytes = d.bytes();
        let header_len = bytes.len() - d.body().len();
        if bytes.len() < header_len + 8 {
            return None;
        }
        // The radio header said an FCS follows the frame (the dissector cut it off).
        let fcs = bytes.as_ptr_range().end != p.raw.as_ptr_range().end;
        if let Some(last) = self.last.get_mut(&key) {
            let found = (last.fcs == fcs && repeats(&last.bytes, bytes, header_len, last.tim))
                .then_some(last.packet);
            if found.is_none() {
                last.bytes.clear();
                last.bytes.extend_from_slice(bytes);
                last.tim = tim_data(bytes, header_len);
                last.fcs = fcs;
            }
            last.packet = p.packet_no;
            return found;
        }
        if self.last.len() >= self.max {
            self.dropped += self.last.len() as u64;
            self.last.clear();
        }
        self.last.insert(
            key,
            Last {
                bytes: bytes.to_vec(),
                tim: tim_data(bytes, header_len),
                packet: p.packet_no,
                fcs,
            },
        );
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A beacon: header (24 bytes), timestamp, interval, capability, SSID "net", a TIM with
    /// DTIM count `dtim`, a DS parameter set.
    fn beacon(seq: u8, ts: u8, addr1: u8, dtim: u8) -> Vec<u8> {
        let mut f = vec![0x80, 0, 0, 0];
        f.extend([addr1; 6]);
        f.extend([2; 6]);
        f.extend([2; 6]);
        f.extend([seq << 4, 0]);
        f.extend([ts; 8]);
        f.extend([100, 0, 0x11, 0]);
        f.extend([0, 3, b'n', b'e', b't']);
        f.extend([5, 4, dtim, 3, 0, 0]);
        f.extend([3, 1, 6]);
        f
    }

    #[test]
    fn only_the_changing_fields_may_differ() {
        let a = beacon(1, 1, 0xff, 0);
        let tim = tim_data(&a, 24);
        assert_eq!(tim, (43, 47));
        assert!(repeats(&a, &beacon(2, 9, 0xff, 2), 24, tim));
        assert!(
            repeats(&a, &beacon(2, 9, 0x04, 1), 24, tim),
            "receiver address"
        );
        let mut dur = a.clone();
        dur[2] = 0x3a;
        assert!(repeats(&a, &dur, 24, tim), "duration");
        // Every other byte matters, the TIM's id and length included.
        for i in (0..2).chain(10..22).chain(32..43).chain(47..a.len()) {
            let mut b = a.clone();
            b[i] ^= 0x01;
            assert!(!repeats(&a, &b, 24, tim), "byte {i}");
        }
        let mut longer = a.clone();
        longer.push(0);
        assert!(!repeats(&a, &longer, 24, tim));
        assert!(
            !repeats(&a[..30], &a[..30], 24, (30, 30)),
            "too short for a timestamp"
        );
        // Without a TIM, the whole rest is compared.
        let mut c = a.clone();
        c.truncate(38);
        let none = tim_data(&c, 24);
        assert_eq!(none, (38, 38));
        let mut d = c.clone();
        d[37] ^= 1;
        assert!(!repeats(&c, &d, 24, none));
        assert!(repeats(&c, &c, 24, none));
    }

    #[test]
    fn ht_control_field_is_compared() {
        let mut a = beacon(1, 1, 0xff, 0);
        a.splice(24..24, [1, 2, 3, 4]);
        let tim = tim_data(&a, 28);
        let mut b = a.clone();
        assert!(repeats(&a, &b, 28, tim));
        b[26] = 9;
        assert!(!repeats(&a, &b, 28, tim));
    }

    /// Dissects raw 802.11 frames in order; each packet's `repeat_of`.
    fn run(d: &mut crate::Dissector, frames: &[Vec<u8>]) -> Vec<Option<u64>> {
        frames
            .iter()
            .map(|f| {
                let fr = osprey_capture::Frame::whole(kismetdb::Timestamp::new(1, 0), 105, f);
                d.dissect(&fr).repeat_of
            })
            .collect()
    }

    #[test]
    fn packets_name_the_frame_they_repeat() {
        let mut d = crate::Dissector::new();
        let frames = [
            beacon(1, 1, 0xff, 0),
            beacon(2, 2, 0xff, 1),
            beacon(3, 3, 0xff, 2),
            // The channel changes: not a repeat, and the new frame is the one to repeat.
            {
                let mut b = beacon(4, 4, 0xff, 0);
                let n = b.len();
                b[n - 1] = 11;
                b
            },
            {
                let mut b = beacon(5, 5, 0xff, 1);
                let n = b.len();
                b[n - 1] = 11;
                b
            },
            // The same bytes again: a duplicate, never a repeat.
            {
                let mut b = beacon(5, 5, 0xff, 1);
                let n = b.len();
                b[n - 1] = 11;
                b
            },
        ];
        // Unique packets are numbered 1, 3, 5, ...
        assert_eq!(
            run(&mut d, &frames),
            [None, Some(1), Some(3), None, Some(7), None]
        );
        let mut off = crate::Dissector::new();
        off.set_repeats(false);
        assert!(run(&mut off, &frames).iter().all(Option::is_none));
    }

    #[test]
    fn the_filter_is_bounded() {
        let mut d = crate::Dissector::new();
        d.repeats.max = 4;
        let frames: Vec<Vec<u8>> = (0..10u8)
            .map(|i| {
                let mut b = beacon(i, i, 0xff, 0);
                b[15] = i;
                b[21] = i;
                b
            })
            .collect();
        run(&mut d, &frames);
        assert!(d.repeats.last.len() <= 4);
        assert_eq!(d.stats().repeats_dropped, 8);
    }
}
