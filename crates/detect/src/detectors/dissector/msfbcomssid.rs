//! **MSFBCOMSSID** (EXPLOIT, MEDIUM): the Metasploit exploit for old Broadcom Windows drivers
//! (oversized SSID in probe responses and beacons, MOKB-11-11-2006).
//!
//! Trigger: a beacon (8) or probe response (5) whose source address (addr2) starts with
//! `90:E9:75`. The exploit sends both frame types from `90:E9:75:00:00:00`: those bytes are x86
//! code (a NOP and a relative jump) that the overflow executes. The prefix is not an assigned
//! OUI, so no real device uses it.
//!
//! Kismet checks beacons only; Osprey also checks probe responses, which the exploit sends
//! too, and says which frame it was in the text. Kismet also evaluates every duplicate copy;
//! Osprey the original only.

use osprey_alerts::{AlertRef, AlertTracker};

use super::{bit, frame_noun, mgmt};
use crate::{raise, Context, Detector, Findings, Interest};

/// The definition's description.
pub const DESCRIPTION: &str = "A beacon or probe response came from a source address whose bytes are the jump code of the Metasploit exploit for old Broadcom wireless drivers (an oversized SSID); this is an exploit attempt";

/// The first three bytes of the exploit's source address.
const MSF_PREFIX: [u8; 3] = [0x90, 0xe9, 0x75];

/// The detector.
pub struct MsfBcomSsid {
    r: Option<AlertRef>,
}

impl MsfBcomSsid {
    pub(crate) fn new(r: Option<AlertRef>) -> Self {
        MsfBcomSsid { r }
    }
}

impl Detector for MsfBcomSsid {
    fn interest(&self) -> Interest {
        Interest::mgmt(bit(5) | bit(8)).when(self.r.is_some())
    }

    fn stateless(&self) -> bool {
        true
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let (Some(r), Some(d)) = (self.r, mgmt(ctx, bit(5) | bit(8))) else {
            return;
        };
        let p = ctx.packet;
        if !p.source.as_bytes().starts_with(&MSF_PREFIX) {
            return;
        }
        let text = format!(
            "MSF-style poisoned {} packet for Broadcom drivers detected",
            frame_noun(d.subtype())
        );
        let addrs = [p.bssid, p.source, p.dest, kismetdb::MacAddr::ZERO];
        f.record("MSFBCOMSSID", raise(alerts, r, ctx, addrs, &text));
    }

    fn sees_errors(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_frames::*;
    use crate::detectors::testing::*;

    const MSF: [u8; 6] = [0x90, 0xe9, 0x75, 0, 0, 0];

    fn exploit_elements() -> Vec<u8> {
        let mut e = element(0, &[0x41; 93]);
        e.extend(element(3, &[6]));
        e
    }

    #[test]
    fn beacon_and_probe_response_from_the_msf_address_fire() {
        let b = mgmt(8, [0xff; 6], MSF, MSF, &beacon_body(&exploit_elements()));
        let fired = run_alerts(&[(b, 100, 0)], "");
        let a = fired.iter().find(|a| a.header == "MSFBCOMSSID").unwrap();
        assert_eq!(
            a.text,
            "MSF-style poisoned beacon packet for Broadcom drivers detected"
        );
        // The oversized SSID is LONGSSID as well.
        assert!(fired.iter().any(|a| a.header == "LONGSSID"));

        let pr = mgmt(5, STA, MSF, MSF, &beacon_body(&exploit_elements()));
        let fired = run_alerts(&[(pr, 100, 0)], "");
        let a = fired.iter().find(|a| a.header == "MSFBCOMSSID").unwrap();
        assert!(
            a.text.contains("poisoned probe response packet"),
            "{}",
            a.text
        );
    }

    #[test]
    fn near_miss_other_source_or_other_frame() {
        let near = [0x90, 0xe9, 0x74, 0, 0, 0];
        let b = mgmt(8, [0xff; 6], near, near, &beacon_body(&usual()));
        assert!(!run(&[(b, 100, 0)]).contains(&"MSFBCOMSSID".to_string()));
        // A probe request from that address is not the exploit.
        let pr = mgmt(4, [0xff; 6], MSF, [0xff; 6], &usual());
        assert!(!run(&[(pr, 100, 0)]).contains(&"MSFBCOMSSID".to_string()));
    }
}
