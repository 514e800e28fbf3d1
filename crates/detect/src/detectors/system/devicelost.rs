//! **DEVICELOST** (SYSTEM, HIGH, any phy): a watched device has gone silent.
//!
//! Watched devices are those whose MAC matches a `devicelost=MAC[/MASK]` line
//! ([`super::MacMask`]). A watched device is *present* from any packet that updates it (found
//! the same way as for DEVICEFOUND). Trigger: on the timer (once per capture second, from the
//! newest packet's time), a present watched device whose last time seen is more than
//! `devicelost_timeout` seconds (default 60) ago; it is then no longer present, until a packet
//! updates it again.
//!
//! Raised without a packet (no evidence, no packet tags), with the device's MAC as source,
//! the other addresses zero, and the device's channel. Text (Kismet's): "Monitored device MAC
//! (NAME) hasn't been seen for N seconds." where N is the timeout.
//!
//! Kismet checks every 30 seconds of wall-clock time, and re-arms a lost device only when
//! DEVICEFOUND's condition holds again (new, or back after `devicefound_timeout`); Osprey
//! checks every capture second, and a device that is seen again is watched again, so each
//! silence longer than the timeout is reported once. State: one entry per distinct tracked
//! device that matches a rule, at most `detector_max_macs` (when full, the least recently
//! seen tenth is dropped, see `crate::bounded`, and is not reported lost; with mask rules
//! matching a flood of addresses). A watched device the tracker removed (device limit, idle
//! timeout) is still reported when its silence exceeds the timeout, with its name and channel
//! as last seen.

use kismetdb::{MacAddr, Timestamp};
use osprey_alerts::{AlertRef, AlertTracker, RaiseOutcome};
use osprey_dissect::Phy;
use osprey_tracker::Tracker;

use super::{candidates, device_channel, MacMask};
use crate::bounded::BoundedMap;
use crate::{Context, Detector, Findings};

/// The definition's description.
pub const DESCRIPTION: &str =
    "A watched device (devicelost=) has not been seen for longer than devicelost_timeout";

/// What the detector remembers of a watched device.
struct Seen {
    last: i64,
    packets: u64,
    present: bool,
    /// Name and channel as of the last check (for a device the tracker has removed).
    name: Box<str>,
    channel: Box<str>,
}

/// The detector.
pub struct DeviceLost {
    r: Option<AlertRef>,
    watch: Vec<MacMask>,
    timeout: i64,
    seen: BoundedMap<(Phy, MacAddr), Seen>,
}

impl DeviceLost {
    pub(crate) fn new(r: Option<AlertRef>, watch: Vec<MacMask>, timeout: u32, max: usize) -> Self {
        DeviceLost {
            r,
            watch,
            timeout: i64::from(timeout),
            seen: BoundedMap::new(max),
        }
    }
}

impl Detector for DeviceLost {
    fn evicted(&self) -> u64 {
        self.seen.evicted()
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, _alerts: &mut AlertTracker, _f: &mut Findings) {
        if self.r.is_none() {
            return;
        }
        let p = ctx.packet;
        for mac in candidates(p) {
            if !self.watch.iter().any(|w| w.matches(&mac)) {
                continue;
            }
            let Some(dev) = ctx.devices.get(p.phy, &mac) else {
                continue;
            };
            let (s, _) = self.seen.get_or_insert_with((p.phy, mac), || Seen {
                last: dev.last_time,
                packets: 0,
                present: true,
                name: dev.name().into(),
                channel: device_channel(dev).into(),
            });
            if s.packets != dev.packets {
                s.packets = dev.packets;
                s.last = s.last.max(dev.last_time);
                s.present = true;
            }
        }
    }

    fn tick(
        &mut self,
        now: Timestamp,
        devices: &Tracker,
        alerts: &mut AlertTracker,
        f: &mut Findings,
    ) {
        let Some(r) = self.r else {
            return;
        };
        for ((phy, mac), s) in self.seen.iter_mut() {
            // A device the tracker removed keeps what was last seen of it.
            let dev = devices.get(*phy, mac);
            if let Some(dev) = dev.filter(|d| d.packets != s.packets) {
                s.packets = dev.packets;
                s.last = s.last.max(dev.last_time);
                s.present = true;
                s.name = dev.name().into();
                s.channel = device_channel(dev).into();
            }
            if !s.present || now.sec - s.last <= self.timeout {
                continue;
            }
            s.present = false;
            let text = format!(
                "Monitored device {mac} ({}) hasn't been seen for {} seconds.",
                s.name, self.timeout
            );
            let z = MacAddr::ZERO;
            let outcome = alerts.raise(r, now, z, *mac, z, z, &s.channel, &text);
            // Raised by the timer, not by the packet being processed: no packet tags.
            if let RaiseOutcome::Raised(a) = outcome {
                f.alerts.push(a);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::detectors::testing::*;

    /// A beacon from `mac` with sequence number `n`.
    fn beacon_from(mac: [u8; 6], n: u16) -> Vec<u8> {
        let mut b = beacon();
        b[10..16].copy_from_slice(&mac);
        b[16..22].copy_from_slice(&mac);
        b[22..24].copy_from_slice(&(n << 4).to_le_bytes());
        b
    }

    const OTHER: [u8; 6] = [0x00, 0x22, 0x22, 0x22, 0x22, 0x22];

    fn lost(frames: &[(Vec<u8>, i64, i64)], config: &str) -> Vec<(i64, String, Vec<u64>)> {
        run_alerts(frames, config)
            .into_iter()
            .filter(|a| a.header == "DEVICELOST")
            .map(|a| (a.ts.sec, a.text, a.evidence))
            .collect()
    }

    #[test]
    fn silent_device_is_lost_once_per_silence() {
        // The watched AP at 100, then only another AP until 170; the watched AP again at 180,
        // then silence until 250.
        let mut frames = vec![(beacon_from(AP, 1), 100, 0)];
        for (i, t) in [120, 150, 160, 161, 170].iter().enumerate() {
            frames.push((beacon_from(OTHER, i as u16), *t, 0));
        }
        frames.push((beacon_from(AP, 2), 180, 0));
        frames.push((beacon_from(OTHER, 9), 240, 0));
        frames.push((beacon_from(OTHER, 10), 241, 0));
        let got = lost(&frames, "devicelost=00:11:22:33:44:55");
        let text = "Monitored device 00:11:22:33:44:55 (net) hasn't been seen for 60 seconds.";
        assert_eq!(
            got,
            vec![
                (161, text.to_string(), vec![]),
                (241, text.to_string(), vec![])
            ]
        );
    }

    #[test]
    fn a_device_the_tracker_removed_is_still_reported_lost() {
        // The watched AP at 100, then 40 other access points fill a tracker of 16 devices:
        // the AP, least recently seen, is removed; its silence is still reported, once.
        let mut frames = vec![(beacon_from(AP, 1), 100, 0)];
        for i in 0..40u8 {
            let mut mac = OTHER;
            mac[5] = i;
            frames.push((beacon_from(mac, u16::from(i)), 110, i64::from(i)));
        }
        frames.push((beacon_from(OTHER, 50), 170, 0));
        frames.push((beacon_from(OTHER, 51), 240, 0));
        let got = lost(
            &frames,
            "devicelost=00:11:22:33:44:55\ntracker_max_devices=16",
        );
        let text = "Monitored device 00:11:22:33:44:55 (net) hasn't been seen for 60 seconds.";
        assert_eq!(got, vec![(170, text.to_string(), vec![])]);
    }

    #[test]
    fn near_misses() {
        // Silent for exactly the timeout; an unwatched device; devicefound= alone.
        let frames = [
            (beacon_from(AP, 1), 100, 0),
            (beacon_from(OTHER, 1), 160, 0),
        ];
        assert!(lost(&frames, "devicelost=00:11:22:33:44:55").is_empty());
        assert!(lost(
            &frames,
            "devicelost=00:11:22:33:44:56\ndevicelost_timeout=10"
        )
        .is_empty());
        assert!(lost(
            &frames,
            "devicefound=00:11:22:33:44:55\ndevicelost_timeout=10"
        )
        .is_empty());
    }
}
