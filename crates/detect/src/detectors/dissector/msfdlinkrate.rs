//! **MSFDLINKRATE** (EXPLOIT, MEDIUM): the Metasploit exploit for the D-Link DWL-G132 driver
//! (CVE-2006-6055), an oversized rates element.
//!
//! Trigger: a Supported Rates (1) or Extended Supported Rates (50) element, in a beacon, probe
//! request or response, or (re)association request or response, whose data starts with
//! `EB 49` or contains `75 EB 49`.
//!
//! The exploit sends a second rates element of 75 bytes whose data starts with the x86 jump
//! `EB 49` (neither byte is a valid rate). Kismet looks only for `75 EB 49` inside the data,
//! apparently the length 75 written in hex: in the exploit's frame those bytes are `4B EB 49`
//! and the `4B` is the length byte, outside the data, so Kismet misses the real exploit.
//! Osprey looks for both. It also checks every such frame (Kismet: only the frame types its
//! element parser handles, and for beacons and probe responses only when the elements
//! changed), and names the frame type in the text (Kismet always says "beacon").

use osprey_alerts::{AlertRef, AlertTracker};
use osprey_wire::ieee80211::ie;

use super::{elements, frame_noun, ELEMENT_FRAMES};
use crate::{raise, Context, Detector, Findings, Interest};

/// The definition's description.
pub const DESCRIPTION: &str = "A rates element carried the jump code of the Metasploit exploit for the D-Link DWL-G132 wireless driver (an oversized rates element); this is an exploit attempt";

/// The detector.
pub struct MsfDlinkRate {
    r: Option<AlertRef>,
}

impl MsfDlinkRate {
    pub(crate) fn new(r: Option<AlertRef>) -> Self {
        MsfDlinkRate { r }
    }
}

/// Whether rates element data carries the exploit's jump.
fn poisoned(rates: &[u8]) -> bool {
    rates.starts_with(&[0xeb, 0x49]) || rates.windows(3).any(|w| w == [0x75, 0xeb, 0x49])
}

impl Detector for MsfDlinkRate {
    fn interest(&self) -> Interest {
        Interest::mgmt(ELEMENT_FRAMES).when(self.r.is_some())
    }

    fn stateless(&self) -> bool {
        true
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let (Some(r), Some((subtype, mut elems))) = (self.r, elements(ctx, ELEMENT_FRAMES)) else {
            return;
        };
        if !elems.any(|e| {
            (e.is(ie::id::SUPPORTED_RATES) || e.is(ie::id::EXTENDED_RATES)) && poisoned(e.data)
        }) {
            return;
        }
        let p = ctx.packet;
        let text = format!(
            "MSF-style poisoned rate field in {} for network {}, exploit attempt against D-Link drivers",
            frame_noun(subtype),
            p.bssid
        );
        let addrs = [p.bssid, p.source, p.dest, kismetdb::MacAddr::ZERO];
        f.record("MSFDLINKRATE", raise(alerts, r, ctx, addrs, &text));
    }

    fn sees_errors(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_frames::*;
    use crate::detectors::testing::*;

    /// A beacon shaped like the exploit's: usual elements, then a 75-byte rates element
    /// starting with `jump`.
    fn exploit(jump: [u8; 2]) -> Vec<u8> {
        let mut rates = vec![0x41; 75];
        rates[..2].copy_from_slice(&jump);
        let mut e = usual();
        e.extend(element(1, &rates));
        mgmt(8, [0xff; 6], AP, AP, &beacon_body(&e))
    }

    #[test]
    fn the_exploit_beacon_and_kismets_signature_fire() {
        let fired = run_alerts(&[(exploit([0xeb, 0x49]), 100, 0)], "");
        let a = fired.iter().find(|a| a.header == "MSFDLINKRATE").unwrap();
        assert_eq!(
            a.text,
            "MSF-style poisoned rate field in beacon for network 00:11:22:33:44:55, exploit attempt against D-Link drivers"
        );
        let mut e = usual();
        e.extend(element(50, &[0x0c, 0x75, 0xeb, 0x49]));
        let pr = mgmt(5, STA, AP, AP, &beacon_body(&e));
        let fired = run_alerts(&[(pr, 100, 0)], "");
        let a = fired.iter().find(|a| a.header == "MSFDLINKRATE").unwrap();
        assert!(
            a.text.contains("rate field in probe response"),
            "{}",
            a.text
        );
    }

    #[test]
    fn near_miss_other_bytes() {
        assert!(!run(&[(exploit([0xeb, 0x48]), 100, 0)]).contains(&"MSFDLINKRATE".to_string()));
        // The jump inside another element is not in a rate field.
        let mut e = usual();
        e.extend(element(
            221,
            &[0x00, 0x11, 0x22, 0xeb, 0x49, 0x75, 0xeb, 0x49],
        ));
        let b = mgmt(8, [0xff; 6], AP, AP, &beacon_body(&e));
        assert!(!run(&[(b, 100, 0)]).contains(&"MSFDLINKRATE".to_string()));
    }
}
