//! **OVERPOWERED** (OTHER, HIGH): a frame received with an abnormally strong signal, as an
//! external amplifier with too much gain produces (and then loses frames).
//!
//! Trigger: an 802.11 frame, dissected without error, whose capture header reports a signal
//! `s` dBm with `threshold < s < 0`, where the threshold is the `dot11_max_signal` option
//! (default -10, so -9 to -1 dBm). Addresses: BSSID, source, destination. Disabled by default
//! (rate 0, as in Kismet's configuration).
//!
//! Kismet tests this before its duplicate check, so every received copy of a frame counts;
//! Osprey does not show duplicates to detectors, so only the first copy does (a duplicate
//! carries the same frame, and the rate limit allows at most one alert per second anyway).

use kismetdb::MacAddr;
use osprey_alerts::{AlertRef, AlertTracker};

use crate::{raise, Context, Detector, Findings};

/// The definition's description.
pub const DESCRIPTION: &str = "The signal level is abnormally high; with an external amplifier this suggests the gain is set too high, and over-amplified signals can make the receiver miss frames";

/// The default of `dot11_max_signal`, in dBm.
pub const DEFAULT_MAX_SIGNAL: i32 = -10;

/// The detector.
pub struct Overpowered {
    r: Option<AlertRef>,
    threshold: i32,
}

impl Overpowered {
    pub(crate) fn new(r: Option<AlertRef>, threshold: i32) -> Self {
        Overpowered { r, threshold }
    }
}

impl Detector for Overpowered {
    fn interest(&self) -> crate::Interest {
        crate::Interest::DOT11.when(self.r.is_some())
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let p = ctx.packet;
        let (Some(r), Some(s), Some(_)) = (self.r, p.signal_dbm, p.dot11()) else {
            return;
        };
        if s <= self.threshold || s >= 0 {
            return;
        }
        let text = format!(
            "Saw packet with a reported signal level of {s} which is above the threshold of {}.  Excessively high signal levels can be caused by misconfigured external amplifiers and lead to lost packets.",
            self.threshold
        );
        let addrs = [p.bssid, p.source, p.dest, MacAddr::ZERO];
        f.record("OVERPOWERED", raise(alerts, r, ctx, addrs, &text));
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{radiotap_signal, run_dlt};
    use crate::detectors::testing::*;

    const ON: &str = "alert=OVERPOWERED,10/min,10/sec";

    #[test]
    fn loud_frame_fires_when_enabled() {
        let got = run_dlt(127, &[(radiotap_signal(-5, &beacon()), 100, 0)], ON);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].header, "OVERPOWERED");
        assert!(got[0]
            .text
            .contains("signal level of -5 which is above the threshold of -10"));
        // A lower threshold from the configuration.
        let cfg = format!("{ON}\ndot11_max_signal=-30");
        let got = run_dlt(127, &[(radiotap_signal(-20, &beacon()), 100, 0)], &cfg);
        assert_eq!(got.len(), 1);
    }

    #[test]
    fn near_misses() {
        // Disabled by default; at or below the threshold; 0 dBm and above are not signals.
        assert!(run_dlt(127, &[(radiotap_signal(-5, &beacon()), 100, 0)], "").is_empty());
        for s in [-10, -40, 0, 5] {
            let got = run_dlt(127, &[(radiotap_signal(s, &beacon()), 100, 0)], ON);
            assert!(got.is_empty(), "{s}");
        }
    }

    #[test]
    fn bad_threshold_is_refused() {
        for bad in ["loud", "5", "-300"] {
            let o = osprey_config::Options::parse("c.conf", &format!("\ndot11_max_signal={bad}"))
                .unwrap();
            let mut alerts = osprey_alerts::AlertTracker::new(10);
            let e = crate::Detectors::new(&mut alerts, &o).err().expect(bad);
            assert_eq!((e.line, e.key.as_str()), (2, "dot11_max_signal"), "{bad}");
        }
    }
}
