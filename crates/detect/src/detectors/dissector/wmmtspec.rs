//! **WMMTSPEC** (EXPLOIT, HIGH): an association response with more WMM TSPEC elements than
//! Qualcomm/Atheros drivers have room for (CVE-2017-11013).
//!
//! Trigger: an association (1) or reassociation (3) response holding more than 4 WMM TSPEC
//! elements (221, OUI `00:50:F2`, type 2, WMM subtype 2). One alert per frame.
//!
//! Kismet never raises this alert: its element parser skips association responses. It would
//! also raise it again for every vendor element after the fifth TSPEC. Osprey parses
//! (re)association responses and raises once per frame, naming the frame type in the text.

use osprey_alerts::{AlertRef, AlertTracker};
use osprey_wire::ieee80211::ie;

use super::{bit, elements, frame_noun};
use crate::{raise, Context, Detector, Findings, Interest};

/// The definition's description.
pub const DESCRIPTION: &str = "An access point sent an association response with more than 4 WMM TSPEC elements, which overflows embedded Atheros/Qualcomm drivers (CVE-2017-11013)";

/// TSPECs a response may carry.
const MAX_TSPECS: usize = 4;

/// The detector.
pub struct WmmTspec {
    r: Option<AlertRef>,
}

impl WmmTspec {
    pub(crate) fn new(r: Option<AlertRef>) -> Self {
        WmmTspec { r }
    }
}

/// Whether vendor element data is a WMM TSPEC.
fn is_tspec(data: &[u8]) -> bool {
    data.starts_with(&[0x00, 0x50, 0xf2, 2, 2])
}

impl Detector for WmmTspec {
    fn interest(&self) -> Interest {
        Interest::mgmt(bit(1) | bit(3)).when(self.r.is_some())
    }

    fn stateless(&self) -> bool {
        true
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let (Some(r), Some((subtype, elems))) = (self.r, elements(ctx, bit(1) | bit(3))) else {
            return;
        };
        let tspecs = elems
            .filter(|e| e.is(ie::id::VENDOR) && is_tspec(e.data))
            .count();
        if tspecs <= MAX_TSPECS {
            return;
        }
        let p = ctx.packet;
        let text = format!(
            "IEEE80211 Access Point BSSID {} sent {} with more than 4 WMM-TSPEC responses; this may be attempt to exploit embedded Atheros drivers using CVE-2017-11013",
            p.bssid,
            frame_noun(subtype)
        );
        let addrs = [p.bssid, p.source, p.dest, kismetdb::MacAddr::ZERO];
        f.record("WMMTSPEC", raise(alerts, r, ctx, addrs, &text));
    }

    fn sees_errors(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_frames::*;
    use crate::detectors::testing::*;

    fn tspec() -> Vec<u8> {
        let mut d = vec![0x00, 0x50, 0xf2, 2, 2, 1];
        d.extend([0u8; 55]);
        element(221, &d)
    }

    fn response(subtype: u8, tspecs: usize) -> Vec<u8> {
        let mut e = element(1, &[0x82, 0x84]);
        for _ in 0..tspecs {
            e.extend(tspec());
        }
        mgmt(subtype, STA, AP, AP, &assoc_resp_body(&e))
    }

    #[test]
    fn five_tspecs_fire_once() {
        let fired = run_alerts(&[(response(1, 7), 100, 0)], "");
        let got: Vec<_> = fired.iter().filter(|a| a.header == "WMMTSPEC").collect();
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].text,
            "IEEE80211 Access Point BSSID 00:11:22:33:44:55 sent association response with more than 4 WMM-TSPEC responses; this may be attempt to exploit embedded Atheros drivers using CVE-2017-11013"
        );
        let fired = run_alerts(&[(response(3, 5), 100, 0)], "");
        let a = fired.iter().find(|a| a.header == "WMMTSPEC").unwrap();
        assert!(a.text.contains("sent reassociation response"), "{}", a.text);
    }

    #[test]
    fn near_miss_four_tspecs_or_a_beacon() {
        assert!(!run(&[(response(1, 4), 100, 0)]).contains(&"WMMTSPEC".to_string()));
        let mut e = usual();
        for _ in 0..5 {
            e.extend(tspec());
        }
        let b = mgmt(8, [0xff; 6], AP, AP, &beacon_body(&e));
        assert!(!run(&[(b, 100, 0)]).contains(&"WMMTSPEC".to_string()));
    }
}
