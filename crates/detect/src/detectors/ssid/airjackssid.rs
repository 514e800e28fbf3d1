//! **AIRJACKSSID** (PROBE, LOW): an access point advertises the SSID `AirJack`.
//!
//! Trigger: a beacon or probe response that creates a new SSID record for its access point
//! (`Observed::new_ssid`) and whose SSID is exactly `AirJack` (case-sensitive; trailing NUL
//! padding ignored). Throttle-checked.
//!
//! The AirJack driver suite of the early 2000s put cards into this SSID while setting them
//! up for its man-in-the-middle and denial-of-service tools; seeing it today is unlikely but
//! still means such a tool is running.

use osprey_alerts::{AlertRef, AlertTracker};

use super::{addresses, new_ssid_record, trim_nul};
use crate::{raise, Context, Detector, Findings};

/// The definition's description.
pub const DESCRIPTION: &str = "The AirJack attack tools of the early 2000s set their cards to the SSID 'AirJack' while configuring them; modern equipment never uses it, so the SSID points to one of those tools being run nearby";

/// The detector.
pub struct AirJackSsid {
    r: Option<AlertRef>,
}

impl AirJackSsid {
    pub(crate) fn new(r: Option<AlertRef>) -> Self {
        AirJackSsid { r }
    }
}

impl Detector for AirJackSsid {
    fn interest(&self) -> crate::Interest {
        // `Observed::new_ssid` is only set for beacons and probe responses.
        crate::Interest::mgmt(1 << 5 | 1 << 8).when(self.r.is_some())
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let (Some(r), Some((_, ssid))) = (self.r, new_ssid_record(ctx)) else {
            return;
        };
        if trim_nul(ssid) != b"AirJack" || !alerts.potential(r, ctx.now()) {
            return;
        }
        let text = format!(
            "IEEE80211 Access Point BSSID {} broadcasting SSID \"AirJack\" which implies an attempt to disrupt networks.",
            ctx.packet.bssid
        );
        f.record("AIRJACKSSID", raise(alerts, r, ctx, addresses(ctx), &text));
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ap_frame, AP2};
    use crate::detectors::testing::*;

    #[test]
    fn airjack_fires_lookalikes_do_not() {
        let a = run_alerts(&[(ap_frame(8, AP, b"AirJack"), 100, 0)], "");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].header, "AIRJACKSSID");
        assert_eq!(
            a[0].text,
            "IEEE80211 Access Point BSSID 00:11:22:33:44:55 broadcasting SSID \"AirJack\" which implies an attempt to disrupt networks."
        );
        let fired = run(&[
            (ap_frame(8, AP, b"airjack"), 100, 0),
            (ap_frame(5, AP2, b"AirJack2"), 100, 0),
            (ap_frame(8, AP2, b"My AirJack"), 101, 0),
        ]);
        assert!(fired.is_empty(), "{fired:?}");
    }
}
