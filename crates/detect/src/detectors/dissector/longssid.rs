//! **LONGSSID** (EXPLOIT, CRITICAL): an SSID element longer than the 32 bytes the standard
//! allows, the classic driver overflow.
//!
//! Trigger: an SSID element (0) with more than 32 bytes of data in a beacon, probe request or
//! response, or (re)association request or response.
//!
//! Kismet parses elements only in beacons, probe requests and responses and (re)association
//! requests, and in beacons and probe responses only when their element bytes changed since
//! the last ones of that device; it gives up on the whole frame when any element runs past its
//! end. Osprey checks every such frame, association responses too, and the elements before a
//! truncated one.

use osprey_alerts::{AlertRef, AlertTracker};
use osprey_wire::ieee80211::ie;

use super::{elements, ELEMENT_FRAMES};
use crate::{raise, Context, Detector, Findings, Interest};

/// The definition's description.
pub const DESCRIPTION: &str = "A frame advertised an SSID longer than the 32 bytes the standard allows; oversized SSIDs overflow drivers that do not check the length, and are used in exploits";

/// The longest valid SSID.
const MAX_SSID: usize = 32;

/// The detector.
pub struct LongSsid {
    r: Option<AlertRef>,
}

impl LongSsid {
    pub(crate) fn new(r: Option<AlertRef>) -> Self {
        LongSsid { r }
    }
}

impl Detector for LongSsid {
    fn interest(&self) -> Interest {
        Interest::mgmt(ELEMENT_FRAMES).when(self.r.is_some())
    }

    fn stateless(&self) -> bool {
        true
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let (Some(r), Some((_, mut elems))) = (self.r, elements(ctx, ELEMENT_FRAMES)) else {
            return;
        };
        if !elems.any(|e| e.is(ie::id::SSID) && e.data.len() > MAX_SSID) {
            return;
        }
        let p = ctx.packet;
        let addrs = [p.bssid, p.source, p.dest, kismetdb::MacAddr::ZERO];
        let text = "Invalid SSID (ssid advertised as more than 32 bytes) seen, this may indicate an exploit attempt against a Wi-Fi driver which does not properly handle invalid packets.";
        f.record("LONGSSID", raise(alerts, r, ctx, addrs, text));
    }

    fn sees_errors(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_frames::*;
    use crate::detectors::testing::*;

    fn with_ssid(subtype: u8, ssid: &[u8]) -> Vec<u8> {
        let mut e = element(0, ssid);
        e.extend(element(3, &[6]));
        match subtype {
            8 | 5 => mgmt(subtype, [0xff; 6], AP, AP, &beacon_body(&e)),
            1 => mgmt(1, STA, AP, AP, &assoc_resp_body(&e)),
            _ => mgmt(subtype, [0xff; 6], STA, [0xff; 6], &e),
        }
    }

    #[test]
    fn thirty_three_bytes_fire_in_every_element_frame() {
        for st in [8, 5, 4, 1] {
            let fired = run_alerts(&[(with_ssid(st, &[b'a'; 33]), 100, 0)], "");
            let a = fired.iter().find(|a| a.header == "LONGSSID");
            assert!(a.is_some(), "subtype {st}");
            assert!(a.unwrap().text.starts_with("Invalid SSID (ssid advertised"));
        }
    }

    #[test]
    fn repeated_identical_beacons_fire_each_time_subject_to_the_rate() {
        // Different sequence numbers so they are not duplicates.
        let frames: Vec<_> = (0..3u8)
            .map(|i| {
                let mut b = with_ssid(8, &[b'a'; 40]);
                b[22] = i << 4;
                (b, 100 + 2 * i64::from(i), 0)
            })
            .collect();
        let n = run(&frames).iter().filter(|h| *h == "LONGSSID").count();
        assert_eq!(n, 3);
    }

    #[test]
    fn near_miss_thirty_two_bytes() {
        assert!(!run(&[(with_ssid(8, &[b'a'; 32]), 100, 0)]).contains(&"LONGSSID".to_string()));
        // An authentication frame is not parsed for an SSID.
        let mut body = vec![0, 0, 1, 0, 0, 0];
        body.extend(element(0, &[b'a'; 40]));
        let auth = mgmt(11, AP, STA, AP, &body);
        assert!(!run(&[(auth, 100, 0)]).contains(&"LONGSSID".to_string()));
    }
}
