//! **DEVICEFOUND** (SYSTEM, HIGH, any phy): a watched device is seen for the first time, or
//! again after a silence.
//!
//! Watched devices are those whose MAC matches a `devicefound=MAC[/MASK]` line
//! ([`super::MacMask`]). Trigger: a packet updates a tracked device (of any phy) that is
//! watched, and either the device has not been seen before, or the previous time it was seen
//! is more than `devicefound_timeout` seconds (default 60) before this packet. The packet's
//! addresses that can name a device (BSSID, source, destination, transmitter) are the
//! candidates; a candidate counts as updated when the tracker's packet count of its device
//! changed since the detector last looked.
//!
//! Raised with the packet's BSSID, the device's MAC as source, the packet's destination and
//! transmitter, and the device's channel. Text (Kismet's): "Monitored device MAC (NAME) has
//! been found."
//!
//! Kismet compares against the device's last time before the packet updates it; the tracker
//! here has already applied the packet, so the detector keeps its own last-seen time per
//! watched device (refreshed from the tracker once per second, so frames only the tracker saw,
//! such as duplicates, count too). State: one entry per distinct tracked device that matches a
//! rule (one per rule for exact MACs), at most `detector_max_macs` (when full, the least
//! recently seen tenth is dropped, see `crate::bounded`: such a device is "found" again when
//! next seen, as a device the tracker removed and sees again is new).

use kismetdb::{MacAddr, Timestamp};
use osprey_alerts::{AlertRef, AlertTracker};
use osprey_dissect::Phy;
use osprey_tracker::Tracker;

use super::{candidates, device_channel, MacMask};
use crate::bounded::BoundedMap;
use crate::{Context, Detector, Findings};

/// The definition's description.
pub const DESCRIPTION: &str = "A watched device (devicefound=) was seen for the first time, or again after being silent longer than devicefound_timeout";

/// What the detector remembers of a watched device.
struct Seen {
    last: i64,
    packets: u64,
}

/// The detector.
pub struct DeviceFound {
    r: Option<AlertRef>,
    watch: Vec<MacMask>,
    timeout: i64,
    seen: BoundedMap<(Phy, MacAddr), Seen>,
}

impl DeviceFound {
    pub(crate) fn new(r: Option<AlertRef>, watch: Vec<MacMask>, timeout: u32, max: usize) -> Self {
        DeviceFound {
            r,
            watch,
            timeout: i64::from(timeout),
            seen: BoundedMap::new(max),
        }
    }
}

impl Detector for DeviceFound {
    fn evicted(&self) -> u64 {
        self.seen.evicted()
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let Some(r) = self.r else {
            return;
        };
        let p = ctx.packet;
        let c = candidates(p);
        for (i, mac) in c.iter().enumerate() {
            if c[..i].contains(mac) || !self.watch.iter().any(|w| w.matches(mac)) {
                continue;
            }
            let Some(dev) = ctx.devices.get(p.phy, mac) else {
                continue;
            };
            let now = p.ts.sec;
            let found = match self.seen.get(&(p.phy, *mac)) {
                None => true,
                Some(s) if s.packets == dev.packets => continue,
                Some(s) => s.last < now && now - s.last > self.timeout,
            };
            self.seen.insert(
                (p.phy, *mac),
                Seen {
                    last: dev.last_time,
                    packets: dev.packets,
                },
            );
            if found {
                let text = format!(
                    "Monitored device {} ({}) has been found.",
                    dev.mac,
                    dev.name()
                );
                let outcome = alerts.raise(
                    r,
                    ctx.now(),
                    p.bssid,
                    dev.mac,
                    p.dest,
                    p.transmitter,
                    &device_channel(dev),
                    &text,
                );
                f.record("DEVICEFOUND", outcome);
            }
        }
    }

    fn tick(
        &mut self,
        _now: Timestamp,
        devices: &Tracker,
        _a: &mut AlertTracker,
        _f: &mut Findings,
    ) {
        for ((phy, mac), s) in self.seen.iter_mut() {
            if let Some(d) = devices.get(*phy, mac) {
                if d.packets != s.packets {
                    s.packets = d.packets;
                    s.last = s.last.max(d.last_time);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::detectors::testing::*;

    /// A beacon from `AP` with sequence number `n`.
    fn beacon_n(n: u16) -> Vec<u8> {
        let mut b = beacon();
        b[22..24].copy_from_slice(&(n << 4).to_le_bytes());
        b
    }

    fn found(frames: &[(Vec<u8>, i64, i64)], config: &str) -> Vec<(i64, String)> {
        run_alerts(frames, config)
            .into_iter()
            .filter(|a| a.header == "DEVICEFOUND")
            .map(|a| (a.ts.sec, a.text))
            .collect()
    }

    #[test]
    fn new_and_reappearing_devices_fire() {
        let frames = [
            (beacon_n(1), 100, 0),
            (beacon_n(2), 130, 0),
            (beacon_n(3), 160, 0),
            (beacon_n(4), 221, 0),
        ];
        let got = found(&frames, "devicefound=00:11:22:33:44:55");
        assert_eq!(
            got,
            vec![
                (
                    100,
                    "Monitored device 00:11:22:33:44:55 (net) has been found.".to_string()
                ),
                (
                    221,
                    "Monitored device 00:11:22:33:44:55 (net) has been found.".to_string()
                ),
            ]
        );
        // A mask, and a longer timeout.
        let got = found(
            &frames,
            "devicefound=00:11:22:00:00:00/24\ndevicefound_timeout=61",
        );
        assert_eq!(got.len(), 1);
    }

    #[test]
    fn near_misses() {
        let frames = [(beacon_n(1), 100, 0), (beacon_n(2), 160, 0)];
        // A gap of exactly the timeout, another device, no watch list.
        assert_eq!(found(&frames, "devicefound=00:11:22:33:44:55").len(), 1);
        assert!(found(&frames, "devicefound=00:11:22:33:44:56").is_empty());
        assert!(found(&frames, "").is_empty());
        // devicelost= alone does not announce devices.
        assert!(found(&frames, "devicelost=00:11:22:33:44:55").is_empty());
    }
}
