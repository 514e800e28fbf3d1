//! **BSSTIMESTAMP** (SPOOF, MEDIUM): the timestamps in an access point's beacons jump in a
//! way one free-running clock does not, so a second transmitter is using its BSSID.
//!
//! Every beacon carries the sender's TSF, a microsecond counter that runs freely from the
//! moment the radio started. For one access point, the TSF minus the beacon's capture time
//! (its *offset*) is constant up to clock drift and capture jitter; two transmitters with the
//! same BSSID have unrelated offsets, so beacons alternating between them jump back and forth.
//!
//! Trigger: an infrastructure beacon (8, IBSS capability bit clear; ad-hoc stations adjust
//! their TSFs to each other) with a non-zero TSF, from a BSSID already seen beaconing on the
//! same capture interface (interfaces are kept apart because their clocks may disagree). Its
//! offset is compared with that of the BSSID's previous beacon; a difference larger than
//! `bsstimestamp_tolerance` milliseconds (default 500) plus 0.1 % of the time between the two
//! beacons (drift) is a *jump*. When `bsstimestamp_count` jumps (default 3) fall within
//! `bsstimestamp_window` seconds (default 60, counted from the first jump of the run), the
//! alert is raised and the count restarts. The offset always moves to the latest beacon's.
//!
//! Why these defaults: an access point that reboots restarts its TSF once, which is one jump
//! (and a capture clock that is stepped is one jump for every BSSID); a twin heard even
//! briefly makes two jumps (to its clock and back) each time it is heard. Three jumps within a
//! minute therefore need a twin heard at least twice, or a reboot and a twin. Beacons with a
//! zero TSF are ignored (some beacon generators never fill it in).
//!
//! Kismet's check can never fire: it requires the BSSID device's last-seen time to be more
//! than 10 s before the beacon, after having updated it to the beacon's time.

use kismetdb::MacAddr;
use osprey_alerts::{AlertRef, AlertTracker};
use osprey_wire::ieee80211::FrameType;

use crate::bounded::BoundedMap;
use crate::{raise, Context, Detector, Findings, Interest};

/// The definition's description.
pub const DESCRIPTION: &str = "An access point's beacons carry a microsecond timestamp from a clock that runs freely from the time it started. Beacons whose timestamps jump back and forth come from more than one transmitter using the same address, as when a network is spoofed (an 'evil twin')";

/// The detector's tunables.
#[derive(Clone, Copy, Debug)]
pub struct Params {
    /// Allowed offset difference between consecutive beacons, microseconds.
    pub tolerance_us: i128,
    /// Jumps within the window that raise the alert.
    pub count: u32,
    /// The window, seconds.
    pub window: i64,
}

/// The clock of one BSSID on one interface.
struct Clock {
    /// TSF minus capture time, microseconds.
    offset: i128,
    /// Capture time of the last beacon, microseconds.
    last_us: i128,
    /// Packet number of the last beacon.
    packet: u64,
    /// Jumps in the current run, and the second the run started.
    jumps: u32,
    run_start: i64,
}

/// The detector: one clock per (BSSID, capture interface). Growth: one small entry per
/// BSSID beaconing with a TSF, per interface, for at most `detector_max_macs` of them (the
/// least recently active tenth is dropped when full, see `crate::bounded`).
pub struct BssTimestamp {
    r: Option<AlertRef>,
    params: Params,
    clocks: BoundedMap<(MacAddr, u32), Clock>,
}

impl BssTimestamp {
    pub(crate) fn new(r: Option<AlertRef>, params: Params, max: usize) -> Self {
        BssTimestamp {
            r,
            params,
            clocks: BoundedMap::new(max),
        }
    }
}

impl Detector for BssTimestamp {
    fn evicted(&self) -> u64 {
        self.clocks.evicted()
    }

    fn interest(&self) -> Interest {
        Interest::mgmt(1 << 8).when(self.r.is_some())
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let Some(r) = self.r else { return };
        let p = ctx.packet;
        let Some(d) = p.dot11() else { return };
        if d.frame_type() != FrameType::Management || d.subtype() != 8 || d.ibss_capability() {
            return;
        }
        let Some(tsf) = d.body().get(0..8).and_then(|b| b.try_into().ok()) else {
            return;
        };
        let tsf = u64::from_le_bytes(tsf);
        if tsf == 0 || !osprey_tracker::is_device_mac(&p.bssid) {
            return;
        }
        let now = ctx.now();
        let now_us = i128::from(now.sec) * 1_000_000 + i128::from(now.usec);
        let offset = i128::from(tsf) - now_us;
        let (clock, new) = self
            .clocks
            .get_or_insert_with((p.bssid, p.interface), || Clock {
                offset,
                last_us: now_us,
                packet: p.packet_no,
                jumps: 0,
                run_start: now.sec,
            });
        if new {
            return;
        }
        let allowed = self.params.tolerance_us + (now_us - clock.last_us).abs() / 1000;
        let jumped = (offset - clock.offset).abs() > allowed;
        let before = clock.packet;
        clock.offset = offset;
        clock.last_us = now_us;
        clock.packet = p.packet_no;
        if !jumped {
            return;
        }
        if clock.jumps == 0 || now.sec.saturating_sub(clock.run_start) > self.params.window {
            clock.jumps = 1;
            clock.run_start = now.sec;
        } else {
            clock.jumps += 1;
        }
        if clock.jumps < self.params.count {
            return;
        }
        clock.jumps = 0;
        let text = format!(
            "Network {} BSS timestamp fluctuating.  This may indicate an 'evil twin' style attack where the BSSID of a legitimate AP is being spoofed.",
            p.bssid
        );
        let outcome = raise(
            alerts,
            r,
            ctx,
            [p.bssid, p.source, p.dest, p.transmitter],
            &text,
        );
        f.record_evidence("BSSTIMESTAMP", outcome, vec![before, p.packet_no]);
    }
}

#[cfg(test)]
mod tests {
    use super::super::record::testing::*;
    use crate::detectors::testing::run_alerts;

    /// Beacons every 102.4 ms from second 1000, with the TSF of the transmitter chosen by
    /// `which(i)` (transmitter A started 5000 s before the capture, B 20 s before), captured
    /// `jitter(i)` microseconds late.
    fn beacons_jittered(
        n: usize,
        which: impl Fn(usize) -> bool,
        jitter: impl Fn(usize) -> i64,
    ) -> Vec<(Vec<u8>, i64, i64)> {
        (0..n)
            .map(|i| {
                let sent_us = i as i64 * 102_400;
                let uptime = if which(i) { 20_000_000 } else { 5_000_000_000 };
                let ad = Ad {
                    tsf: (sent_us + uptime) as u64,
                    seq: i as u16,
                    ..Ad::default()
                };
                let t_us = 1_000_000_000 + sent_us + jitter(i);
                (ad.frame(), t_us / 1_000_000, t_us % 1_000_000)
            })
            .collect()
    }

    fn beacons(n: usize, which: impl Fn(usize) -> bool) -> Vec<(Vec<u8>, i64, i64)> {
        beacons_jittered(n, which, |_| 0)
    }

    fn count(frames: &[(Vec<u8>, i64, i64)], config: &str) -> usize {
        run_alerts(frames, config)
            .iter()
            .filter(|a| a.header == "BSSTIMESTAMP")
            .count()
    }

    #[test]
    fn interleaved_transmitters_fire() {
        // A twin answering every fifth beacon.
        let frames = beacons(40, |i| i % 5 == 4);
        let fired = run_alerts(&frames, "");
        let ts: Vec<_> = fired
            .iter()
            .filter(|a| a.header == "BSSTIMESTAMP")
            .collect();
        assert!(!ts.is_empty());
        assert_eq!(
            ts[0].text,
            "Network 00:11:22:33:44:55 BSS timestamp fluctuating.  This may indicate an 'evil twin' style attack where the BSSID of a legitimate AP is being spoofed."
        );
        // Jumps at beacons 4, 5 and 9: the third raises, with beacons 8 and 9 as evidence.
        assert_eq!(ts[0].evidence, vec![17, 19]);
    }

    #[test]
    fn near_miss_one_reset_or_one_twin_beacon() {
        // The AP restarts once: its TSF falls back to near zero, then runs on.
        assert_eq!(count(&beacons(40, |i| i >= 20), ""), 0);
        // A single twin beacon: two jumps, below the default count of three.
        assert_eq!(count(&beacons(40, |i| i == 20), ""), 0);
        // ... which the count can be lowered to catch.
        assert_eq!(count(&beacons(40, |i| i == 20), "bsstimestamp_count=2"), 1);
        // A steady clock with capture jitter below the tolerance.
        let frames = beacons_jittered(40, |_| false, |i| if i % 2 == 0 { 200_000 } else { 0 });
        assert_eq!(count(&frames, ""), 0);
    }

    #[test]
    fn bad_option_values_are_refused() {
        for bad in [
            "bsstimestamp_count=1",
            "bsstimestamp_count=x",
            "bsstimestamp_tolerance=0",
            "bsstimestamp_window=-5",
        ] {
            let options = osprey_config::Options::parse("t.conf", bad).expect("parses");
            let mut alerts = osprey_alerts::AlertTracker::new(10);
            let err = crate::Detectors::new(&mut alerts, &options)
                .err()
                .unwrap_or_else(|| panic!("{bad} accepted"));
            assert_eq!(err.line, 1, "{bad}");
        }
    }
}
