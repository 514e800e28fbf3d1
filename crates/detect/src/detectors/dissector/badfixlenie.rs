//! **BADFIXLENIE** (EXPLOIT, HIGH): a fixed-length information element with the wrong length.
//!
//! Trigger: a DS Parameter Set element (3), whose length the standard fixes at 1 byte (the
//! current channel), with any other length, in a beacon, probe request or response, or
//! (re)association request or response. One alert per frame, for the first such element. The
//! alert's channel is "0": the only channel the frame states is in the bad element.
//!
//! The DS Parameter Set is the only element checked, as in Kismet: most other fixed-size
//! elements are extensible, so the standard allows longer ones. Kismet alerts only above 1
//! byte; an empty element is just as wrong (Kismet then reads the channel past the element),
//! so Osprey alerts on it too. Kismet parses elements only in beacons, probe requests and
//! responses and (re)association requests, and in beacons and probe responses only when their
//! element bytes changed; Osprey checks every such frame, association responses too.

use kismetdb::MacAddr;
use osprey_alerts::{AlertRef, AlertTracker};
use osprey_wire::ieee80211::ie;

use super::{elements, ELEMENT_FRAMES};
use crate::{Context, Detector, Findings, Interest};

/// The definition's description.
pub const DESCRIPTION: &str = "A frame carried an information element whose length the standard fixes, with another length; this may be an attempt to overflow a driver or firmware, or a misconfigured device";

/// The detector.
pub struct BadFixLenIe {
    r: Option<AlertRef>,
}

impl BadFixLenIe {
    pub(crate) fn new(r: Option<AlertRef>) -> Self {
        BadFixLenIe { r }
    }
}

impl Detector for BadFixLenIe {
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
        let Some(bad) = elems.find(|e| e.is(ie::id::DS_PARAMS) && e.data.len() != 1) else {
            return;
        };
        let p = ctx.packet;
        let text = format!(
            "IEEE80211 packet from {} to {} BSSID {} included an IE tag 3 entry with an invalid length; IE 3 should be 1 bytes, but was {}. This may be indicative of an as-yet-unknown buffer overflow attempt against the Wi-Fi drivers or firmware, but could also be caused by a misconfigured device.",
            p.source,
            p.dest,
            p.bssid,
            bad.data.len()
        );
        let outcome = alerts.raise(
            r,
            ctx.now(),
            p.bssid,
            p.source,
            p.dest,
            MacAddr::ZERO,
            "0",
            &text,
        );
        f.record("BADFIXLENIE", outcome);
    }

    fn sees_errors(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_frames::*;
    use crate::detectors::testing::*;

    fn with_ds(ds: &[u8]) -> Vec<u8> {
        let mut e = element(0, b"net");
        e.extend(element(3, ds));
        mgmt(8, [0xff; 6], AP, AP, &beacon_body(&e))
    }

    #[test]
    fn a_two_byte_or_empty_ds_element_fires() {
        let fired = run_alerts(&[(with_ds(&[6, 6]), 100, 0)], "");
        let a = fired.iter().find(|a| a.header == "BADFIXLENIE").unwrap();
        assert!(
            a.text.starts_with("IEEE80211 packet from 00:11:22:33:44:55 to FF:FF:FF:FF:FF:FF BSSID 00:11:22:33:44:55 included an IE tag 3 entry with an invalid length; IE 3 should be 1 bytes, but was 2."),
            "{}",
            a.text
        );
        assert_eq!(a.channel, "0");
        let fired = run(&[(with_ds(&[]), 100, 0)]);
        assert!(fired.contains(&"BADFIXLENIE".to_string()));
    }

    #[test]
    fn near_miss_one_byte() {
        assert!(!run(&[(with_ds(&[6]), 100, 0)]).contains(&"BADFIXLENIE".to_string()));
        // A two-byte element of another id (IBSS parameter set) is fine.
        let mut e = usual();
        e.extend(element(6, &[0, 0]));
        let b = mgmt(8, [0xff; 6], AP, AP, &beacon_body(&e));
        assert!(!run(&[(b, 100, 0)]).contains(&"BADFIXLENIE".to_string()));
    }
}
