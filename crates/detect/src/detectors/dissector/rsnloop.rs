//! **RSNLOOP** (EXPLOIT, HIGH): an RSN element claiming a huge number of pairwise ciphers
//! (CVE-2017-9714: drivers that loop over the claimed count read far past the element).
//!
//! Trigger: an RSN element (48) of at least 8 bytes (version, group cipher, pairwise count)
//! whose pairwise cipher count is above 1024, in a beacon, probe request or response, or
//! (re)association request or response. Such an element never parses (255 bytes hold at most
//! 61 suites), which is Kismet's precondition.
//!
//! Kismet parses elements only in beacons, probe requests and responses and (re)association
//! requests, and in beacons and probe responses only when their element bytes changed; it
//! also stops at the first broken element. Osprey checks every such frame, association
//! responses too.

use osprey_alerts::{AlertRef, AlertTracker};
use osprey_wire::ieee80211::ie;

use super::{elements, ELEMENT_FRAMES};
use crate::{raise, Context, Detector, Findings, Interest};

/// The definition's description.
pub const DESCRIPTION: &str = "An RSN element claimed an extremely large number of pairwise ciphers; drivers that trust the count read far past the element (CVE-2017-9714, Atheros), though a misbehaving device can also send it";

/// Counts above this are reported.
const MAX_PAIRWISE: u16 = 1024;

/// The detector.
pub struct RsnLoop {
    r: Option<AlertRef>,
}

impl RsnLoop {
    pub(crate) fn new(r: Option<AlertRef>) -> Self {
        RsnLoop { r }
    }
}

/// The pairwise cipher count of RSN element data (after version and group cipher).
fn pairwise_count(rsn: &[u8]) -> Option<u16> {
    let c = rsn.get(6..8)?;
    Some(u16::from_le_bytes([*c.first()?, *c.get(1)?]))
}

impl Detector for RsnLoop {
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
        if !elems.any(|e| e.is(ie::id::RSN) && pairwise_count(e.data) > Some(MAX_PAIRWISE)) {
            return;
        }
        let p = ctx.packet;
        let addrs = [p.bssid, p.source, p.dest, kismetdb::MacAddr::ZERO];
        let text = "Invalid 802.11i RSN IE seen with extremely large number of pairwise ciphers; this could be an attack against Atheros drivers per CVE-2017-9714 and https://pleasestopnamingvulnerabilities.com/ but may also simply be a device performing unusually.";
        f.record("RSNLOOP", raise(alerts, r, ctx, addrs, text));
    }

    fn sees_errors(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_frames::*;
    use crate::detectors::testing::*;

    /// An RSN element: version 1, CCMP group, `count` pairwise, then one CCMP suite.
    fn rsn(count: u16) -> Vec<u8> {
        let mut d = vec![1, 0, 0x00, 0x0f, 0xac, 4];
        d.extend(count.to_le_bytes());
        d.extend([0x00, 0x0f, 0xac, 4]);
        element(48, &d)
    }

    fn beacon_with(rsn: Vec<u8>) -> Vec<u8> {
        let mut e = usual();
        e.extend(rsn);
        mgmt(8, [0xff; 6], AP, AP, &beacon_body(&e))
    }

    #[test]
    fn a_huge_pairwise_count_fires() {
        let fired = run_alerts(&[(beacon_with(rsn(0xffff)), 100, 0)], "");
        let a = fired.iter().find(|a| a.header == "RSNLOOP").unwrap();
        assert!(a.text.contains("CVE-2017-9714"));
        // In an association request too.
        let mut e = element(0, b"net");
        e.extend(rsn(1025));
        let mut body = vec![0x01, 0x00, 0x0a, 0x00];
        body.extend(e);
        let req = mgmt(0, AP, STA, AP, &body);
        assert!(run(&[(req, 100, 0)]).contains(&"RSNLOOP".to_string()));
    }

    #[test]
    fn near_miss_1024_or_a_short_element() {
        // 1024 does not parse either, but is not above the threshold.
        assert!(!run(&[(beacon_with(rsn(1024)), 100, 0)]).contains(&"RSNLOOP".to_string()));
        assert!(!run(&[(beacon_with(rsn(1)), 100, 0)]).contains(&"RSNLOOP".to_string()));
        let short = element(48, &[1, 0, 0x00, 0x0f, 0xac, 4, 0xff]);
        assert!(!run(&[(beacon_with(short), 100, 0)]).contains(&"RSNLOOP".to_string()));
    }
}
