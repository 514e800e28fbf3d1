//! **KARMAOUI** (PROBE, MEDIUM): a probe response sent from the OUI `00:13:37`.
//!
//! Trigger: a probe response (management subtype 5) whose source address begins with
//! `00:13:37` (the first 24 bits compared). Throttle-checked.
//!
//! `00:13:37` is the default address prefix of Karma-style rogue access points (the WiFi
//! Pineapple among them), which answer every probe request with a response for the SSID the
//! client asked for, so that the client joins them instead of its real network.
//!
//! Difference from Kismet: Kismet looks only at probe responses whose elements differ from the
//! last beacon or probe response it parsed for that device (its "IE checksum changed" shortcut),
//! so a Karma device repeating the same response goes quiet after the first. Osprey checks every
//! probe response from the OUI; the alert's rate limit (5/min, 1/sec by default) bounds the
//! count.

use kismetdb::MacAddr;
use osprey_alerts::{AlertRef, AlertTracker};
use osprey_wire::ieee80211::{subtype::mgmt, FrameType};

use super::{addresses, MacRule};
use crate::{raise, Context, Detector, Findings, Interest};

/// The definition's description.
pub const DESCRIPTION: &str = "Probe responses from addresses in the OUI 00:13:37 usually come from Karma-style rogue access points such as the WiFi Pineapple, which answer any probe request to lure clients into joining them";

/// The Karma prefix: `00:13:37` with a 24-bit mask.
const KARMA: MacRule = MacRule {
    addr: MacAddr::new([0x00, 0x13, 0x37, 0, 0, 0]),
    bits: 24,
};

/// The detector.
pub struct KarmaOui {
    r: Option<AlertRef>,
}

impl KarmaOui {
    pub(crate) fn new(r: Option<AlertRef>) -> Self {
        KarmaOui { r }
    }
}

impl Detector for KarmaOui {
    fn interest(&self) -> Interest {
        Interest::mgmt(1 << 5).when(self.r.is_some())
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let (Some(r), Some(d)) = (self.r, ctx.packet.dot11()) else {
            return;
        };
        if d.frame_type() != FrameType::Management || d.subtype() != mgmt::PROBE_RESP {
            return;
        }
        if !KARMA.matches(&ctx.packet.source) || !alerts.potential(r, ctx.now()) {
            return;
        }
        f.record(
            "KARMAOUI",
            raise(
                alerts,
                r,
                ctx,
                addresses(ctx),
                "IEEE80211 probe response from OUI 00:13:37 seen, which typically implies a Karma AP impersonation attack.",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ap_frame, with_seq};
    use crate::detectors::testing::*;

    const KARMA_AP: [u8; 6] = [0x00, 0x13, 0x37, 0xa1, 0xb2, 0xc3];

    #[test]
    fn karma_probe_response_fires() {
        let a = run_alerts(
            &[
                (ap_frame(5, KARMA_AP, b"home"), 100, 0),
                // The same response again (Kismet would skip it: same elements).
                (with_seq(ap_frame(5, KARMA_AP, b"home"), 1), 102, 0),
            ],
            "",
        );
        let h: Vec<_> = a.iter().map(|a| a.header.as_str()).collect();
        assert_eq!(h, vec!["KARMAOUI", "KARMAOUI"]);
        assert_eq!(
            a[0].text,
            "IEEE80211 probe response from OUI 00:13:37 seen, which typically implies a Karma AP impersonation attack."
        );
    }

    #[test]
    fn other_ouis_and_beacons_do_not_fire() {
        let fired = run(&[
            (ap_frame(5, [0x00, 0x13, 0x38, 1, 2, 3], b"home"), 100, 0),
            (ap_frame(5, [0x02, 0x13, 0x37, 1, 2, 3], b"home"), 100, 0),
            (ap_frame(8, KARMA_AP, b"home"), 101, 0),
        ]);
        assert!(fired.is_empty(), "{fired:?}");
    }
}
