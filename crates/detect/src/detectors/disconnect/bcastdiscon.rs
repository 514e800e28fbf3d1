//! **BCASTDISCON** (DENIAL, MEDIUM): an access point disconnects all its clients at once.
//!
//! Trigger: a deauthentication (12) or disassociation (10) frame sent to the broadcast address
//! `FF:FF:FF:FF:FF:FF` whose BSSID device is tracked. Either the AP is shutting down or someone
//! spoofs it to disconnect every client.

use kismetdb::MacAddr;
use osprey_alerts::{AlertRef, AlertTracker};

use super::super::{bssid_device, disconnect};
use crate::{raise, Context, Detector, Findings};

/// The definition's description.
pub const DESCRIPTION: &str = "A broadcast disconnect (deauthentication or disassociation) disconnects every client of a network at once; it is sent when an access point shuts down, and is spoofed in denial-of-service attacks";

/// The detector.
pub struct BcastDiscon {
    r: Option<AlertRef>,
}

impl BcastDiscon {
    pub(crate) fn new(r: Option<AlertRef>) -> Self {
        BcastDiscon { r }
    }
}

impl Detector for BcastDiscon {
    fn interest(&self) -> crate::Interest {
        crate::Interest::mgmt(1 << 10 | 1 << 12).when(self.r.is_some())
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let (Some(r), Some(_)) = (self.r, disconnect(ctx)) else {
            return;
        };
        let p = ctx.packet;
        if p.dest != MacAddr::BROADCAST || bssid_device(ctx).is_none() {
            return;
        }
        let text = format!(
            "The AP BSSID {} broadcast a deauthentication or disassociation of all clients; the AP is shutting down or this is a possible denial of service",
            p.bssid
        );
        f.record(
            "BCASTDISCON",
            raise(
                alerts,
                r,
                ctx,
                [p.bssid, p.source, p.dest, MacAddr::ZERO],
                &text,
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::detectors::testing::*;

    #[test]
    fn broadcast_deauth_fires_unicast_does_not() {
        let fired = run(&[
            (beacon(), 100, 0),
            (mgmt(12, [0xff; 6], AP, AP, &[3, 0]), 101, 0),
        ]);
        assert_eq!(fired, vec!["BCASTDISCON"]);
        let fired = run(&[(beacon(), 100, 0), (mgmt(12, STA, AP, AP, &[3, 0]), 101, 0)]);
        assert!(fired.is_empty());
    }
}
