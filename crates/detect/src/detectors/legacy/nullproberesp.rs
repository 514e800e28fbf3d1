//! **NULLPROBERESP** (DENIAL, MEDIUM): a probe response whose SSID element is empty, which
//! crashed the firmware of old Prism2, Orinoco and AirPort cards (WVE-2005-0019).
//!
//! Kismet 2025-09-R1 registers this alert but never raises it; this is the trigger earlier
//! Kismet versions used, which is what the alert is meant to detect.
//!
//! Trigger: an unprotected probe response (management subtype 5) whose first SSID element
//! (id 0) is present with length 0. A probe response without any SSID element does not
//! qualify (the old code told "no SSID element" and "empty SSID element" apart too), and
//! neither does one that carries a Mesh ID element (114): 802.11s mesh stations answer with
//! the wildcard (empty) SSID by design and name their mesh in the Mesh ID (the old code
//! predates 802.11s). Addresses: BSSID, source, destination.

use kismetdb::MacAddr;
use osprey_alerts::{AlertRef, AlertTracker};
use osprey_wire::ieee80211::{ie, FrameType};

use crate::{raise, Context, Detector, Findings, Interest};

/// The definition's description.
pub const DESCRIPTION: &str = "A probe response with an empty (zero-length) SSID element can crash the firmware of some old Orinoco, Prism2 and AirPort cards; such cards are unlikely to be in use today";

/// The detector.
pub struct NullProbeResp {
    r: Option<AlertRef>,
}

impl NullProbeResp {
    pub(crate) fn new(r: Option<AlertRef>) -> Self {
        NullProbeResp { r }
    }
}

impl Detector for NullProbeResp {
    fn interest(&self) -> Interest {
        Interest::mgmt(1 << 5).when(self.r.is_some())
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let (Some(r), Some(d)) = (self.r, ctx.packet.dot11()) else {
            return;
        };
        if d.frame_type() != FrameType::Management || d.subtype() != 5 {
            return;
        }
        let Some(elements) = d.elements() else {
            return;
        };
        let (mut ssid, mut mesh) = (None, false);
        for e in elements {
            if e.is(ie::id::SSID) && ssid.is_none() {
                ssid = Some(e.data.is_empty());
            } else if e.is(ie::id::MESH_ID) {
                mesh = true;
            }
        }
        if ssid != Some(true) || mesh {
            return;
        }
        let p = ctx.packet;
        let text = format!(
            "Probe response with 0-length SSID detected from {}",
            p.source
        );
        let addrs = [p.bssid, p.source, p.dest, MacAddr::ZERO];
        f.record("NULLPROBERESP", raise(alerts, r, ctx, addrs, &text));
    }
}

#[cfg(test)]
mod tests {
    use crate::detectors::testing::*;

    fn probe_resp(elements: &[u8]) -> Vec<u8> {
        let mut body = vec![0u8; 8];
        body.extend(100u16.to_le_bytes());
        body.extend(1u16.to_le_bytes());
        body.extend(elements);
        mgmt(5, STA, AP, AP, &body)
    }

    #[test]
    fn empty_ssid_element_fires() {
        let got = run_alerts(&[(probe_resp(&[0, 0, 3, 1, 6]), 100, 0)], "");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].header, "NULLPROBERESP");
        assert_eq!(
            got[0].text,
            "Probe response with 0-length SSID detected from 00:11:22:33:44:55"
        );
        assert_eq!(got[0].channel, "6");
    }

    #[test]
    fn near_misses() {
        // A named SSID, no SSID element at all, and a beacon with an empty SSID (hidden).
        assert!(run(&[(probe_resp(&[0, 3, b'n', b'e', b't']), 100, 0)]).is_empty());
        assert!(run(&[(probe_resp(&[3, 1, 6]), 100, 0)]).is_empty());
        let mut body = vec![0u8; 12];
        body.extend([0, 0]);
        assert!(run(&[(mgmt(8, [0xff; 6], AP, AP, &body), 100, 0)]).is_empty());
        // A mesh station's answer: wildcard SSID and a Mesh ID.
        let mesh = probe_resp(&[0, 0, 114, 4, b'm', b'e', b's', b'h']);
        assert!(run(&[(mesh, 100, 0)]).is_empty());
    }
}
