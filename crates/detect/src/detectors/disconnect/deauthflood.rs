//! **DEAUTHFLOOD** (DENIAL, MEDIUM): a flood of deauthentication or disassociation frames
//! against one network.
//!
//! Trigger: a deauthentication (12) or disassociation (10) frame whose BSSID device is tracked.
//! Per BSSID, a counter restarts at 1 when more than one second has passed since the previous
//! such frame and grows by one otherwise; on the 11th frame within those gaps the alert is
//! raised (subject to its rate limit) and the counter restarts at 1. Kismet counts on the
//! server's wall clock; Osprey on the frames' capture time, so a replay alerts the same at any
//! speed.
//!
//! Memory: a run per BSSID, for at most `detector_max_macs` BSSIDs (the least recently active
//! tenth is dropped when full, see `crate::bounded`).

use kismetdb::MacAddr;
use osprey_alerts::{AlertRef, AlertTracker};

use super::super::{bssid_device, disconnect};
use crate::bounded::BoundedMap;
use crate::{raise, Context, Detector, Findings};

/// The definition's description.
pub const DESCRIPTION: &str = "By spoofing disassociate or deauthenticate packets, an attacker may disconnect clients from a network which does not support management frame protection (MFP); this can be used to cause a denial of service or to capture handshakes";

/// Frames (within one-second gaps) that make a flood.
const FLOOD: u32 = 10;

/// Per BSSID: the second of the last frame, and the packet numbers of the current run.
#[derive(Default)]
struct Run {
    last: i64,
    frames: Vec<u64>,
}

/// The detector's state: a run per BSSID.
pub struct DeauthFlood {
    r: Option<AlertRef>,
    per_bssid: BoundedMap<MacAddr, Run>,
}

impl DeauthFlood {
    pub(crate) fn new(r: Option<AlertRef>, max: usize) -> Self {
        DeauthFlood {
            r,
            per_bssid: BoundedMap::new(max),
        }
    }
}

impl Detector for DeauthFlood {
    fn interest(&self) -> crate::Interest {
        crate::Interest::mgmt(1 << 10 | 1 << 12).when(self.r.is_some())
    }

    fn evicted(&self) -> u64 {
        self.per_bssid.evicted()
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let (Some(r), Some(_)) = (self.r, disconnect(ctx)) else {
            return;
        };
        if bssid_device(ctx).is_none() {
            return;
        }
        let p = ctx.packet;
        let now = ctx.now().sec;
        let (run, _) = self.per_bssid.get_or_insert_with(p.bssid, || Run {
            last: i64::MIN,
            frames: Vec::new(),
        });
        if now.saturating_sub(run.last) > 1 {
            run.frames.clear();
        }
        run.last = now;
        run.frames.push(p.packet_no);
        if run.frames.len() as u32 > FLOOD {
            // The eleven frames are the evidence; the count restarts at 1 (this frame), as
            // Kismet's does, whether or not the alert is emitted.
            let evidence = std::mem::take(&mut run.frames);
            run.frames.push(p.packet_no);
            let text = format!("Deauth/Disassociate flood on {}", p.bssid);
            let outcome = raise(
                alerts,
                r,
                ctx,
                [p.bssid, p.source, p.dest, MacAddr::ZERO],
                &text,
            );
            f.record_evidence("DEAUTHFLOOD", outcome, evidence);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::detectors::testing::*;

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
        let fired = run_alerts(&frames, "");
        let flood: Vec<_> = fired.iter().filter(|a| a.header == "DEAUTHFLOOD").collect();
        assert_eq!(flood.len(), 1);
        // The evidence is the eleven deauthentications: packets 3, 5, ..., 23 (the beacon is
        // packet 1; originals are numbered odd, as Kismet does).
        let want: Vec<u64> = (0..11).map(|i| 3 + 2 * i).collect();
        assert_eq!(flood[0].evidence, want);
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
