//! **MSFNETGEARBEACON** (EXPLOIT, MEDIUM): the Metasploit exploit for the NetGear WG111v2
//! driver (CVE-2006-5972), an oversized beacon.
//!
//! Trigger: a beacon (8) at least 1184 bytes long (802.11 header included, FCS excluded) whose
//! bytes 1180 to 1183 are `6A 39 58 01`: the start of the exploit's jump code (`push 0x39;
//! pop eax; add edi, eax`), which it always places there. Same as Kismet, except that Kismet
//! also evaluates duplicate copies.

use osprey_alerts::{AlertRef, AlertTracker};

use super::{bit, mgmt};
use crate::{raise, Context, Detector, Findings, Interest};

/// The definition's description.
pub const DESCRIPTION: &str = "An oversized beacon carried the jump code of the Metasploit exploit for the NetGear WG111v2 wireless driver at the offset the exploit uses; this is an exploit attempt";

/// Where the signature is, from the first byte of the 802.11 header.
const OFFSET: usize = 1180;
/// The signature.
const SIGNATURE: [u8; 4] = [0x6a, 0x39, 0x58, 0x01];

/// The detector.
pub struct MsfNetgearBeacon {
    r: Option<AlertRef>,
}

impl MsfNetgearBeacon {
    pub(crate) fn new(r: Option<AlertRef>) -> Self {
        MsfNetgearBeacon { r }
    }
}

impl Detector for MsfNetgearBeacon {
    fn interest(&self) -> Interest {
        Interest::mgmt(bit(8)).when(self.r.is_some())
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let (Some(r), Some(d)) = (self.r, mgmt(ctx, bit(8))) else {
            return;
        };
        if d.bytes().get(OFFSET..OFFSET + SIGNATURE.len()) != Some(&SIGNATURE[..]) {
            return;
        }
        let p = ctx.packet;
        let addrs = [p.bssid, p.source, p.dest, kismetdb::MacAddr::ZERO];
        let text = "MSF-style poisoned options in over-sized beacon for Netgear driver attack";
        f.record("MSFNETGEARBEACON", raise(alerts, r, ctx, addrs, text));
    }

    fn sees_errors(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_frames::*;
    use crate::detectors::testing::*;

    /// A beacon shaped like the exploit's: usual elements, then 1160 bytes of padding
    /// elements with the jump code at frame offset `at`.
    fn exploit(at: usize) -> Vec<u8> {
        let mut e = element(0, b"0123456789abcdef");
        e.extend(element(
            1,
            &[0x82, 0x84, 0x8b, 0x96, 0x0c, 0x18, 0x30, 0x48],
        ));
        e.extend(element(3, &[6]));
        let mut f = mgmt(8, [0xff; 6], AP, AP, &beacon_body(&e));
        assert_eq!(f.len(), 67);
        while f.len() < 1250 {
            f.extend(element(221, &[0x11; 200]));
        }
        f[at..at + 7].copy_from_slice(&[0x6a, 0x39, 0x58, 0x01, 0xc7, 0xff, 0xe7]);
        f
    }

    #[test]
    fn the_exploit_beacon_fires() {
        let fired = run_alerts(&[(exploit(1180), 100, 0)], "");
        let a = fired
            .iter()
            .find(|a| a.header == "MSFNETGEARBEACON")
            .unwrap();
        assert!(a.text.contains("over-sized beacon"), "{}", a.text);
    }

    #[test]
    fn near_miss_elsewhere_or_short() {
        assert!(!run(&[(exploit(1181), 100, 0)]).contains(&"MSFNETGEARBEACON".to_string()));
        let mut short = exploit(1180);
        short.truncate(1183);
        assert!(!run(&[(short, 100, 0)]).contains(&"MSFNETGEARBEACON".to_string()));
        // The same bytes in a probe response are not the exploit.
        let mut pr = exploit(1180);
        pr[0] = 0x50;
        assert!(!run(&[(pr, 100, 0)]).contains(&"MSFNETGEARBEACON".to_string()));
    }
}
