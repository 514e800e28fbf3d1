//! **LUCENTTEST** (PROBE, LOW): a Lucent/Agere Orinoco link-test or scan test frame.
//!
//! Kismet 2025-09-R1 registers this alert but never raises it; this is the trigger earlier
//! Kismet versions used, which is what the alert is meant to detect.
//!
//! Trigger: an unprotected 802.11 data frame that carries data whose body starts with an
//! LLC/SNAP header with the Lucent OUI, `AA AA 03 00 60 1D` ([`super::lucent_snap_payload`]),
//! and has the bytes `00 01 02 03` at offset 12 of the body, the pattern the Orinoco test
//! tools send. One alert per frame; addresses: BSSID, source, destination. Disabled by default
//! (rate 0, as in Kismet's configuration).

use kismetdb::MacAddr;
use osprey_alerts::{AlertRef, AlertTracker};

use super::{lucent_snap_payload, LUCENT_TEST};
use crate::{raise, Context, Detector, Findings};

/// The definition's description.
pub const DESCRIPTION: &str = "(Deprecated) The test tools of Lucent Orinoco cards send data frames with a recognisable test pattern; seeing them means such a tool is in use nearby; the tools and cards are rare today";

/// The detector.
pub struct LucentTest {
    r: Option<AlertRef>,
}

impl LucentTest {
    pub(crate) fn new(r: Option<AlertRef>) -> Self {
        LucentTest { r }
    }
}

impl Detector for LucentTest {
    fn interest(&self) -> crate::Interest {
        crate::Interest::DATA.when(self.r.is_some())
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let (Some(r), Some(body)) = (self.r, lucent_snap_payload(ctx)) else {
            return;
        };
        if body.get(12..16) != Some(&LUCENT_TEST[..]) {
            return;
        }
        let p = ctx.packet;
        let addrs = [p.bssid, p.source, p.dest, MacAddr::ZERO];
        f.record(
            "LUCENTTEST",
            raise(alerts, r, ctx, addrs, "Detected Lucent probe/link test"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::lucent_data;
    use crate::detectors::testing::*;

    const ON: &str = "alert=LUCENTTEST,10/min,10/sec";

    #[test]
    fn link_test_pattern_fires_once() {
        let got = run_alerts(&[(lucent_data(&[0, 1, 2, 3]), 100, 0)], ON);
        let h: Vec<_> = got.iter().map(|a| a.header.as_str()).collect();
        assert_eq!(h, vec!["LUCENTTEST"]);
        assert_eq!(got[0].text, "Detected Lucent probe/link test");
    }

    #[test]
    fn near_misses() {
        assert!(run(&[(lucent_data(&[0, 1, 2, 3]), 100, 0)]).is_empty());
        let got = run_alerts(&[(lucent_data(&[0, 1, 2, 4]), 100, 0)], ON);
        assert!(got.is_empty());
        // Cut short before the pattern ends.
        let mut short = lucent_data(&[0, 1, 2, 3]);
        short.pop();
        assert!(run_alerts(&[(short, 100, 0)], ON).is_empty());
    }
}
