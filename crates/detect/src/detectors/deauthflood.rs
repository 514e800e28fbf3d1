//! **DEAUTHFLOOD** (DENIAL, MEDIUM): a flood of deauthentication or disassociation frames
//! against one network.
//!
//! Trigger: a deauthentication (12) or disassociation (10) frame whose BSSID device is tracked.
//! Per BSSID, a counter restarts at 1 when more than one second has passed since the previous
//! such frame and grows by one otherwise; on the 11th frame within those gaps the alert is
//! raised (subject to its rate limit) and the counter restarts at 1. Kismet counts on the
//! server's wall clock; Osprey on the frames' capture time, so a replay alerts the same at any
//! speed.

use std::collections::HashMap;

use kismetdb::MacAddr;
use osprey_alerts::{AlertRef, AlertTracker};

use super::{bssid_device, disconnect};
use crate::{raise, Context, Findings};

/// The definition's description.
pub const DESCRIPTION: &str = "By spoofing disassociate or deauthenticate packets, an attacker may disconnect clients from a network which does not support management frame protection (MFP); this can be used to cause a denial of service or to capture handshakes";

/// Frames (within one-second gaps) that make a flood.
const FLOOD: u32 = 10;

/// The detector's state: per BSSID, the last second and the count.
pub struct DeauthFlood {
    r: Option<AlertRef>,
    per_bssid: HashMap<MacAddr, (i64, u32)>,
}

impl DeauthFlood {
    pub(crate) fn new(r: Option<AlertRef>) -> Self {
        DeauthFlood {
            r,
            per_bssid: HashMap::new(),
        }
    }

    pub(crate) fn inspect(
        &mut self,
        ctx: &Context<'_, '_>,
        alerts: &mut AlertTracker,
        f: &mut Findings,
    ) {
        let (Some(r), Some(_)) = (self.r, disconnect(ctx)) else {
            return;
        };
        if bssid_device(ctx).is_none() {
            return;
        }
        let p = ctx.packet;
        let now = ctx.now().sec;
        let e = self.per_bssid.entry(p.bssid).or_insert((i64::MIN, 0));
        e.1 = if now.saturating_sub(e.0) > 1 {
            1
        } else {
            e.1 + 1
        };
        e.0 = now;
        if e.1 > FLOOD {
            e.1 = 1;
            let text = format!("Deauth/Disassociate flood on {}", p.bssid);
            f.record(
                "DEAUTHFLOOD",
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
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    /// A deauthentication with sequence number `n` (identical frames would be duplicates).
    fn deauth(n: i64) -> Vec<u8> {
        let mut f = mgmt(12, STA, AP, AP, &[7, 0]);
        f[22..24].copy_from_slice(&((n as u16) << 4).to_le_bytes());
        f
    }

    #[test]
    fn eleven_deauths_within_one_second_gaps_fire() {
        let mut frames = vec![(beacon(), 100, 0)];
        frames.extend((0..11).map(|i| (deauth(i), 101, i * 1000)));
        assert!(run(&frames).contains(&"DEAUTHFLOOD".to_string()));
    }

    #[test]
    fn near_miss_ten_deauths_or_slow_ones_do_not() {
        let mut frames = vec![(beacon(), 100, 0)];
        frames.extend((0..10).map(|i| (deauth(i), 101, i * 1000)));
        assert!(!run(&frames).contains(&"DEAUTHFLOOD".to_string()));
        // Eleven, but two seconds apart: the counter keeps restarting.
        let mut frames = vec![(beacon(), 100, 0)];
        frames.extend((0..11).map(|i| (deauth(i), 101 + 2 * i, 0)));
        assert!(!run(&frames).contains(&"DEAUTHFLOOD".to_string()));
        // Eleven without a known BSSID device.
        let frames: Vec<_> = (0..11)
            .map(|i| {
                let mut f = mgmt(12, STA, [0x02, 0, 0, 0, 0, 9], [0xff; 6], &[7, 0]);
                f[22..24].copy_from_slice(&((i as u16) << 4).to_le_bytes());
                (f, 101, i * 1000)
            })
            .collect();
        assert!(!run(&frames).contains(&"DEAUTHFLOOD".to_string()));
    }
}
