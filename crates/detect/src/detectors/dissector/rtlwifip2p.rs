//! **RTLWIFIP2P** (EXPLOIT, HIGH): an over-long Wi-Fi Direct Notice of Absence, which
//! overflows the Linux rtlwifi driver (CVE-2019-17666).
//!
//! Trigger: a P2P Notice of Absence attribute (id 12) whose declared length is above 28 bytes
//! (room for more than the 2 absence descriptors the driver stores), found
//!
//! * in a Wi-Fi Direct P2P vendor element (221, OUI `50:6F:9A`, type 9) of a beacon, probe
//!   request or response, or (re)association request or response; or
//! * in an unprotected P2P action frame (13; category 127, OUI `50:6F:9A`, type 9): in a P2P
//!   element of its element list, or in attributes read directly after the 7-byte action
//!   header, which is where the driver reads them.
//!
//! The declared length counts even when the attribute runs past its element: the driver trusts
//! it. One alert per frame.
//!
//! Kismet never raises this alert: it compares the outer element's id (always 221) with 12
//! instead of the attribute's. It also never looks at action frames.

use osprey_alerts::{AlertRef, AlertTracker};
use osprey_wire::ieee80211::ie::{self, Elements};

use super::{bit, elements, mgmt, ELEMENT_FRAMES};
use crate::{raise, Context, Detector, Findings, Interest};

/// The definition's description.
pub const DESCRIPTION: &str = "A Wi-Fi Direct (P2P) frame carried a Notice of Absence attribute too long for the absence descriptors drivers store; this overflows the Linux rtlwifi driver (CVE-2019-17666)";

/// The Wi-Fi Alliance OUI and the P2P type.
const P2P: [u8; 4] = [0x50, 0x6f, 0x9a, 0x09];
/// P2P attribute: Notice of Absence.
const NOTICE_OF_ABSENCE: u8 = 12;
/// The longest valid Notice of Absence: index, CTWindow and two 13-byte descriptors.
const MAX_NOA: u16 = 28;
/// Action category: vendor specific.
const VENDOR_ACTION: u8 = 127;

/// The detector.
pub struct RtlWifiP2p {
    r: Option<AlertRef>,
}

impl RtlWifiP2p {
    pub(crate) fn new(r: Option<AlertRef>) -> Self {
        RtlWifiP2p { r }
    }
}

/// Whether a P2P attribute list holds an over-long Notice of Absence. Attributes are an id, a
/// little-endian 16-bit length and the data.
fn overlong_noa(mut attrs: &[u8]) -> bool {
    while let [id, l0, l1, rest @ ..] = attrs {
        let len = u16::from_le_bytes([*l0, *l1]);
        if *id == NOTICE_OF_ABSENCE && len > MAX_NOA {
            return true;
        }
        match rest.get(usize::from(len)..) {
            Some(next) => attrs = next,
            None => return false,
        }
    }
    false
}

/// Whether an element list holds a P2P element with an over-long Notice of Absence.
fn in_elements<'e>(mut elems: impl Iterator<Item = ie::Element<'e>>) -> bool {
    elems.any(|e| e.is(ie::id::VENDOR) && e.data.strip_prefix(&P2P).is_some_and(overlong_noa))
}

impl Detector for RtlWifiP2p {
    fn interest(&self) -> Interest {
        Interest::mgmt(ELEMENT_FRAMES | bit(13)).when(self.r.is_some())
    }

    fn stateless(&self) -> bool {
        true
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let Some(r) = self.r else {
            return;
        };
        let hit = if let Some((_, elems)) = elements(ctx, ELEMENT_FRAMES) {
            in_elements(elems)
        } else if let Some(d) = mgmt(ctx, bit(13)) {
            match d.body() {
                [VENDOR_ACTION, a, b, c, t, _subtype, _token, rest @ ..]
                    if !d.frame_control().protected() && [*a, *b, *c, *t] == P2P =>
                {
                    overlong_noa(rest) || in_elements(Elements::new(rest))
                }
                _ => false,
            }
        } else {
            false
        };
        if !hit {
            return;
        }
        let p = ctx.packet;
        let addrs = [p.bssid, p.source, p.dest, kismetdb::MacAddr::ZERO];
        let text = "A Wi-Fi Direct P2P packet with an over-long Notification of Absence report seen.  This may indicate an attempt to exploit a bug in the Linux RTLWIFI drivers as detailed in CVE-2019-17666";
        f.record("RTLWIFIP2P", raise(alerts, r, ctx, addrs, text));
    }

    fn sees_errors(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_frames::*;
    use crate::detectors::testing::*;

    /// A Notice of Absence attribute with `descriptors` 13-byte descriptors.
    fn noa(descriptors: usize) -> Vec<u8> {
        let len = (2 + 13 * descriptors) as u16;
        let mut a = vec![12];
        a.extend(len.to_le_bytes());
        a.extend([1, 0x8a]);
        a.extend(vec![0x11; 13 * descriptors]);
        a
    }

    /// A P2P element: P2P capability attribute, then `attr`.
    fn p2p(attr: &[u8]) -> Vec<u8> {
        let mut d = vec![0x50, 0x6f, 0x9a, 0x09, 2, 2, 0, 0x21, 0x00];
        d.extend(attr);
        element(221, &d)
    }

    fn beacon_with(elem: Vec<u8>) -> Vec<u8> {
        let mut e = usual();
        e.extend(elem);
        mgmt(8, [0xff; 6], AP, AP, &beacon_body(&e))
    }

    fn fired(frame: Vec<u8>) -> bool {
        run(&[(frame, 100, 0)]).contains(&"RTLWIFIP2P".to_string())
    }

    #[test]
    fn three_descriptors_fire_in_a_beacon() {
        let all = run_alerts(&[(beacon_with(p2p(&noa(3))), 100, 0)], "");
        let a = all.iter().find(|a| a.header == "RTLWIFIP2P").unwrap();
        assert!(a.text.contains("CVE-2019-17666"));
    }

    #[test]
    fn fires_in_p2p_action_frames_both_layouts() {
        // Presence response: P2P element after the action header.
        let mut body = vec![127, 0x50, 0x6f, 0x9a, 0x09, 2, 1];
        body.extend(p2p(&noa(3)));
        assert!(fired(mgmt(13, STA, AP, AP, &body)));
        // Attributes right after the action header, as the driver reads them.
        let mut body = vec![127, 0x50, 0x6f, 0x9a, 0x09, 1, 0];
        body.extend(noa(4));
        assert!(fired(mgmt(13, STA, AP, AP, &body)));
    }

    #[test]
    fn a_declared_length_past_the_element_counts() {
        let mut attr = noa(2);
        attr[1] = 41; // three descriptors claimed, two present
        assert!(fired(beacon_with(p2p(&attr))));
    }

    #[test]
    fn near_miss_two_descriptors_other_attribute_or_other_oui() {
        assert!(!fired(beacon_with(p2p(&noa(2)))));
        let mut other = noa(3);
        other[0] = 13;
        assert!(!fired(beacon_with(p2p(&other))));
        // Wi-Fi Display (type 10) is not P2P.
        let mut wfd = p2p(&noa(3));
        wfd[5] = 0x0a;
        assert!(!fired(beacon_with(wfd)));
        // A Kismet-style false start: element id 12 is not the attribute.
        assert!(!fired(beacon_with(element(12, &[0u8; 40]))));
    }
}
