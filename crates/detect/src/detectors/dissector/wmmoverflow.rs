//! **WMMOVERFLOW** (EXPLOIT, HIGH): an oversized WMM element from an access point, the shape
//! of the BroadPwn exploit against Broadcom firmware (CVE-2017-9417).
//!
//! Trigger: a WMM vendor element (221, OUI `00:50:F2`, type 2) that is not a TSPEC (WMM
//! subtype 2) and whose data (OUI and type included) is longer than 24 bytes, the size of the
//! largest one, the WMM Parameter element; in a beacon, probe response, or (re)association
//! response. One alert per frame.
//!
//! Kismet checks beacons only, although its text says "association response" (and only when
//! the beacon's elements changed); it also counts TSPECs, which are legitimately 61 bytes.
//! Osprey checks every frame an access point sends the element in, skips TSPECs (WMMTSPEC
//! covers them), and names the frame type in the text: "sent beacon", "sent association
//! response", ...

use osprey_alerts::{AlertRef, AlertTracker};
use osprey_wire::ieee80211::ie;

use super::{elements, frame_noun, AP_FRAMES};
use crate::{raise, Context, Detector, Findings, Interest};

/// The definition's description.
pub const DESCRIPTION: &str = "An access point sent a WMM element longer than the standard allows; oversized WMM elements overflow Broadcom Wi-Fi firmware (BroadPwn, CVE-2017-9417)";

/// The largest valid WMM element data (the WMM Parameter element).
const MAX_WMM: usize = 24;
/// WMM subtype of a TSPEC element.
const WMM_TSPEC: u8 = 2;

/// The detector.
pub struct WmmOverflow {
    r: Option<AlertRef>,
}

impl WmmOverflow {
    pub(crate) fn new(r: Option<AlertRef>) -> Self {
        WmmOverflow { r }
    }
}

/// Whether vendor element data is an oversized WMM information or parameter element.
fn oversized_wmm(data: &[u8]) -> bool {
    match data {
        [0x00, 0x50, 0xf2, 2, subtype, ..] => *subtype != WMM_TSPEC && data.len() > MAX_WMM,
        _ => false,
    }
}

impl Detector for WmmOverflow {
    fn interest(&self) -> Interest {
        Interest::mgmt(AP_FRAMES).when(self.r.is_some())
    }

    fn stateless(&self) -> bool {
        true
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let (Some(r), Some((subtype, mut elems))) = (self.r, elements(ctx, AP_FRAMES)) else {
            return;
        };
        if !elems.any(|e| e.is(ie::id::VENDOR) && oversized_wmm(e.data)) {
            return;
        }
        let p = ctx.packet;
        let text = format!(
            "IEEE80211 Access Point BSSID {} sent {} with an invalid WMM length; this may indicate attempts to exploit driver vulnerabilities such as BroadPwn",
            p.bssid,
            frame_noun(subtype)
        );
        let addrs = [p.bssid, p.source, p.dest, kismetdb::MacAddr::ZERO];
        f.record("WMMOVERFLOW", raise(alerts, r, ctx, addrs, &text));
    }

    fn sees_errors(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_frames::*;
    use crate::detectors::testing::*;

    /// A WMM parameter element with `extra` bytes beyond its 24.
    fn wmm(subtype: u8, extra: usize) -> Vec<u8> {
        let mut d = vec![0x00, 0x50, 0xf2, 2, subtype, 1, 0x80, 0];
        d.extend([0x03, 0xa4, 0x00, 0x00].repeat(4));
        d.extend(vec![0x41; extra]);
        element(221, &d)
    }

    #[test]
    fn oversized_wmm_fires_in_beacons_and_association_responses() {
        let mut e = usual();
        e.extend(wmm(1, 1));
        let b = mgmt(8, [0xff; 6], AP, AP, &beacon_body(&e));
        let fired = run_alerts(&[(b, 100, 0)], "");
        let a = fired.iter().find(|a| a.header == "WMMOVERFLOW").unwrap();
        assert_eq!(
            a.text,
            "IEEE80211 Access Point BSSID 00:11:22:33:44:55 sent beacon with an invalid WMM length; this may indicate attempts to exploit driver vulnerabilities such as BroadPwn"
        );
        let resp = mgmt(1, STA, AP, AP, &assoc_resp_body(&wmm(1, 100)));
        let fired = run_alerts(&[(resp, 100, 0)], "");
        let a = fired.iter().find(|a| a.header == "WMMOVERFLOW").unwrap();
        assert!(
            a.text.contains("sent association response with"),
            "{}",
            a.text
        );
    }

    #[test]
    fn near_miss_valid_length_a_tspec_or_a_client_frame() {
        let mut e = usual();
        e.extend(wmm(1, 0));
        let b = mgmt(8, [0xff; 6], AP, AP, &beacon_body(&e));
        assert!(!run(&[(b, 100, 0)]).contains(&"WMMOVERFLOW".to_string()));
        // A 61-byte TSPEC in an association response is normal.
        let resp = mgmt(1, STA, AP, AP, &assoc_resp_body(&wmm(2, 37)));
        assert!(!run(&[(resp, 100, 0)]).contains(&"WMMOVERFLOW".to_string()));
        // An association request comes from the client.
        let mut body = vec![0x01, 0x00, 0x0a, 0x00];
        body.extend(element(0, b"net"));
        body.extend(wmm(1, 10));
        let req = mgmt(0, AP, STA, AP, &body);
        assert!(!run(&[(req, 100, 0)]).contains(&"WMMOVERFLOW".to_string()));
    }
}
