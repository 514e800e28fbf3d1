//! Bounded tracking: Kismet's `tracker_max_devices`, `tracker_device_timeout` and
//! `tracker_device_packets`.
//!
//! * **Device limit.** Before a packet is tracked, if it could create devices beyond the limit
//!   (a packet names at most [`MAX_NEW_PER_PACKET`] new devices), the least recently seen
//!   devices are removed in one pass, down to 90 % of the limit (less one packet's worth). A
//!   pass costs O(n) (a
//!   selection of the cut-off, a compaction, re-indexing the moved devices) and happens once
//!   per tenth of the limit of new devices, so each new device costs O(1) amortized and the
//!   count never exceeds the limit. "Least recently seen" is exact: every device a packet
//!   names is stamped with a counter, so the order is the order packets were tracked in.
//! * **Idle timeout.** Once per [`IDLE_CHECK_SECS`] of capture time, devices whose last packet
//!   is more than the timeout before the current packet are removed (only those with fewer
//!   than `tracker_device_packets` packets, when that is set), as Kismet's timer does each
//!   minute of wall-clock time.
//!
//! Removed devices are handed back in [`crate::Observed::evicted`], whole, so the caller can
//! log their final record. Relations are kept consistent: a removed client leaves the client
//! list of the access points it was seen with, and a removed access point leaves the
//! access-point list of its clients. Kismet removes devices of any type; so does Osprey (see
//! `docs/kismet-device-model.md`, "Bounded tracking").

use osprey_config::{Error, OptionDoc, Options};

use crate::{Device, Observed, Tracker};

/// Most devices one packet can create: BSSID, source, destination, and a WDS frame's
/// transmitter and receiver.
pub const MAX_NEW_PER_PACKET: usize = 5;

/// Osprey's default `tracker_max_devices` (Kismet's is 0, no limit). A tracked client costs
/// about 0.75 KB (more for access points with many clients or SSIDs), so 100 000 devices bound
/// the tracker to under 100 MB, while a busy survey (a stadium, an airport) sees a few tens of
/// thousands of real devices per hour.
pub const DEFAULT_MAX_DEVICES: u64 = 100_000;

/// The smallest non-zero `tracker_max_devices`: a pass must leave room for a packet's new
/// devices.
pub const MIN_MAX_DEVICES: u64 = 16;

/// Capture seconds between two idle checks (Kismet's idle timer runs every 60 s).
pub const IDLE_CHECK_SECS: i64 = 60;

/// The tracker's options.
pub const OPTIONS: &[OptionDoc] = &[
    OptionDoc {
        key: "tracker_max_devices",
        defaults: &["100000"],
        example: "",
        help: "Most devices tracked at once; 0 for no limit (Kismet's default). When a packet would
create devices beyond it, the least recently seen devices are removed, down to a little
under 90 % of the limit, after their last record is written to the log; a device seen again is
later is a new device. At least 16. Each removal is counted in /system/status.json and
reported on the message bus.",
    },
    OptionDoc {
        key: "tracker_device_timeout",
        defaults: &["0"],
        example: "",
        help: "Seconds (of capture time) a device may stay silent before it is removed from
tracking, after its last record is written to the log; checked every 60 s of capture
time. 0 keeps idle devices (Kismet's default).",
    },
    OptionDoc {
        key: "tracker_device_packets",
        defaults: &["0"],
        example: "",
        help: "With tracker_device_timeout: only idle devices with fewer packets than this are
removed (0: any idle device), to drop what is most likely noise or spoofing.",
    },
];

/// What the tracker keeps at most.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most devices tracked at once (0: no limit).
    pub max_devices: usize,
    /// Seconds of capture time a device may stay silent before it is removed (0: never).
    pub idle_timeout: i64,
    /// Only idle devices with fewer packets than this are removed (0: any).
    pub idle_max_packets: u64,
}

impl Limits {
    /// No limit, no timeout: devices are kept forever (Kismet's defaults).
    pub const UNLIMITED: Limits = Limits {
        max_devices: 0,
        idle_timeout: 0,
        idle_max_packets: 0,
    };

    /// The limits the configuration asks for, with Osprey's defaults
    /// ([`DEFAULT_MAX_DEVICES`], no timeout). A bad value is an error naming its line.
    pub fn from_options(options: &Options) -> Result<Limits, Error> {
        let max: u64 = options.get("tracker_max_devices", DEFAULT_MAX_DEVICES)?;
        if max != 0 && max < MIN_MAX_DEVICES {
            if let Some(e) = options.last("tracker_max_devices") {
                return Err(options.error(
                    e,
                    format!("must be 0 (no limit) or at least {MIN_MAX_DEVICES}, found {max}"),
                ));
            }
        }
        let timeout: u64 = options.get("tracker_device_timeout", 0)?;
        let packets: u64 = options.get("tracker_device_packets", 0)?;
        Ok(Limits {
            max_devices: usize::try_from(max).unwrap_or(usize::MAX),
            idle_timeout: i64::try_from(timeout).unwrap_or(i64::MAX),
            idle_max_packets: packets,
        })
    }
}

impl Default for Limits {
    /// [`Limits::UNLIMITED`].
    fn default() -> Limits {
        Limits::UNLIMITED
    }
}

/// Why a device was removed from tracking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Removal {
    /// The tracker was full: it was among the least recently seen devices.
    Limit,
    /// Silent for longer than the idle timeout.
    Idle,
}

/// A device removed from tracking, as it was when removed.
#[derive(Clone, Debug)]
pub struct Evicted {
    /// Why.
    pub reason: Removal,
    /// The device's final state.
    pub device: Device,
}

/// Counts of devices made and removed since the tracker started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TrackerStats {
    /// Devices created (a device removed and seen again counts twice).
    pub created: u64,
    /// Devices removed because the tracker was full.
    pub evicted_limit: u64,
    /// Devices removed because they were idle.
    pub evicted_idle: u64,
}

impl TrackerStats {
    /// Devices removed, for either reason.
    pub fn evicted(&self) -> u64 {
        self.evicted_limit + self.evicted_idle
    }
}

impl Tracker {
    /// An empty tracker with `limits`.
    pub fn with_limits(limits: Limits) -> Tracker {
        Tracker {
            limits,
            ..Tracker::default()
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Devices created and removed so far.
    pub fn stats(&self) -> TrackerStats {
        self.stats
    }

    /// Applies the limits before a packet at capture second `now` is tracked: idle devices
    /// (when an idle check is due), then the least recently seen ones if the packet could
    /// overflow the tracker.
    pub(crate) fn enforce_limits(&mut self, now: i64, obs: &mut Observed) {
        if self.limits.idle_timeout > 0 {
            match self.last_idle_check {
                None => self.last_idle_check = Some(now),
                Some(last) if now.saturating_sub(last) >= IDLE_CHECK_SECS => {
                    self.last_idle_check = Some(now);
                    let (timeout, max_packets) =
                        (self.limits.idle_timeout, self.limits.idle_max_packets);
                    self.remove_where(
                        |d, _| {
                            now.saturating_sub(d.last_time) > timeout
                                && (max_packets == 0 || d.packets < max_packets)
                        },
                        Removal::Idle,
                        obs,
                    );
                }
                Some(_) => {}
            }
        }
        let max = self.limits.max_devices;
        if max == 0 || self.devices.len() + MAX_NEW_PER_PACKET <= max {
            return;
        }
        // Down to where a tenth of the limit (and at least one packet's worth) of new
        // devices fits before the next pass.
        let keep = max.saturating_sub(MAX_NEW_PER_PACKET + max / 10);
        let n = self.devices.len().saturating_sub(keep);
        if n == 0 {
            return;
        }
        // Stamps are unique: the n devices stamped before the n-th smallest stamp go.
        let mut stamps = self.touched.clone();
        let (_, cut, _) = stamps.select_nth_unstable(n);
        let cut = *cut;
        drop(stamps);
        self.remove_where(|_, t| t < cut, Removal::Limit, obs);
    }

    /// Removes the devices `gone` picks (given the device and its stamp), keeping the others
    /// in creation order, and hands them to `obs`.
    fn remove_where(
        &mut self,
        mut gone: impl FnMut(&Device, u64) -> bool,
        reason: Removal,
        obs: &mut Observed,
    ) {
        let len = self.devices.len();
        let mut w = 0;
        let mut first_moved = None;
        for r in 0..len {
            if gone(&self.devices[r], self.touched[r]) {
                continue;
            }
            if w != r {
                self.devices.swap(w, r);
                self.touched.swap(w, r);
                first_moved.get_or_insert(w);
            }
            w += 1;
        }
        if w == len {
            return;
        }
        let mut removed = self.devices.split_off(w);
        // The compaction shuffled them: back to creation order.
        removed.sort_unstable_by_key(|d| d.serial);
        self.touched.truncate(w);
        for d in &removed {
            self.index.remove(&(d.phy, d.mac));
        }
        if let Some(from) = first_moved {
            for (i, d) in self.devices.iter().enumerate().skip(from) {
                if let Some(slot) = self.index.get_mut(&(d.phy, d.mac)) {
                    *slot = i;
                }
            }
        }
        // Relations: the survivors forget the removed devices.
        for d in &removed {
            for ap in &d.client_of {
                if let Some(&i) = self.index.get(&(d.phy, *ap)) {
                    self.devices[i].clients.remove(&d.mac);
                }
            }
            for c in &d.clients {
                if let Some(&i) = self.index.get(&(d.phy, *c)) {
                    self.devices[i].client_of.remove(&d.mac);
                }
            }
        }
        let n = removed.len() as u64;
        match reason {
            Removal::Limit => self.stats.evicted_limit += n,
            Removal::Idle => self.stats.evicted_idle += n,
        }
        obs.evicted.reserve(removed.len());
        obs.evicted
            .extend(removed.into_iter().map(|device| Evicted { reason, device }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kismetdb::{MacAddr, Timestamp, Uuid};
    use osprey_dissect::{Dissector, Phy};

    /// Feeds raw 802.11 frames (link type 105) to a tracker.
    struct Feed {
        dis: Dissector,
        tracker: Tracker,
        seq: u16,
    }

    fn mac(i: u32) -> MacAddr {
        let b = i.to_be_bytes();
        MacAddr::new([0x02, 0x00, b[0], b[1], b[2], b[3]])
    }

    const GROUP: MacAddr = MacAddr::new([0xff; 6]);

    impl Feed {
        fn new(limits: Limits) -> Feed {
            Feed {
                dis: Dissector::new(),
                tracker: Tracker::with_limits(limits),
                seq: 0,
            }
        }

        fn frame(
            &mut self,
            fc: [u8; 2],
            a1: MacAddr,
            a2: MacAddr,
            a3: MacAddr,
            sec: i64,
        ) -> Observed {
            self.seq = self.seq.wrapping_add(1);
            let mut f = vec![fc[0], fc[1], 0, 0];
            f.extend(a1.as_bytes());
            f.extend(a2.as_bytes());
            f.extend(a3.as_bytes());
            f.extend((self.seq << 4).to_le_bytes());
            // Body: an empty SSID element and one rate (enough for any subtype used here).
            f.extend([0, 0, 1, 1, 0x82, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            let frame = osprey_capture::Frame::whole(Timestamp::new(sec, 0), 105, &f);
            let p = self.dis.dissect(&frame);
            self.tracker.observe(&p, Uuid::NIL)
        }

        /// A probe request (wildcard SSID) from `m`.
        fn probe(&mut self, m: MacAddr, sec: i64) -> Observed {
            self.frame([0x40, 0], GROUP, m, GROUP, sec)
        }

        /// A to-DS data frame from client `c` to access point `ap` (to a group address).
        fn data(&mut self, c: MacAddr, ap: MacAddr, sec: i64) -> Observed {
            self.frame([0x08, 0x01], ap, c, GROUP, sec)
        }

        fn has(&self, m: MacAddr) -> bool {
            self.tracker.get(Phy::Ieee80211, &m).is_some()
        }

        /// The index finds every device at its position, and only those.
        fn check_index(&self) {
            let t = &self.tracker;
            assert_eq!(t.index.len(), t.devices.len());
            assert_eq!(t.touched.len(), t.devices.len());
            for (i, d) in t.devices.iter().enumerate() {
                assert_eq!(t.index.get(&(d.phy, d.mac)), Some(&i));
            }
            assert!(t.devices.windows(2).all(|w| w[0].serial < w[1].serial));
        }
    }

    #[test]
    fn a_full_tracker_removes_the_least_recently_seen_devices() {
        let max = 100;
        let mut f = Feed::new(Limits {
            max_devices: max,
            ..Limits::UNLIMITED
        });
        let keeper = mac(0xffff);
        let mut evicted = Vec::new();
        let mut passes = 0;
        for i in 0..1000u32 {
            // The keeper is seen every tenth packet: never among the least recently seen.
            if i % 10 == 0 {
                let o = f.probe(keeper, 100);
                evicted.extend(o.evicted);
            }
            let o = f.probe(mac(i), 100 + i64::from(i));
            for e in &o.evicted {
                // Every device removed was seen before every device kept.
                let oldest_kept = f
                    .tracker
                    .devices()
                    .iter()
                    .filter(|d| d.mac != keeper)
                    .map(|d| d.serial)
                    .min()
                    .unwrap_or(u64::MAX);
                assert!(e.device.serial < oldest_kept);
                assert_ne!(e.device.mac, keeper);
                assert_eq!(e.reason, Removal::Limit);
            }
            passes += usize::from(!o.evicted.is_empty());
            evicted.extend(o.evicted);
            assert!(
                f.tracker.devices().len() <= max,
                "{}",
                f.tracker.devices().len()
            );
            f.check_index();
        }
        assert!(f.has(keeper));
        // The newest devices are all there; the removed ones are gone.
        for i in 990..1000 {
            assert!(f.has(mac(i)));
        }
        for e in &evicted {
            assert!(!f.has(e.device.mac) || e.device.mac == keeper);
            assert_eq!(e.device.packets, 1);
        }
        let s = f.tracker.stats();
        assert_eq!(s.created, 1001);
        assert_eq!(s.evicted_limit, evicted.len() as u64);
        assert_eq!(s.evicted_idle, 0);
        assert_eq!(s.created - s.evicted(), f.tracker.devices().len() as u64);
        // Passes go below 90 % of the limit: one pass per tenth of the limit of new devices,
        // not one per packet.
        assert!(evicted.len() > 900, "{}", evicted.len());
        assert!(passes <= 1000 / (max / 10) + 1, "{passes} passes");
        assert!(evicted.len() / passes >= max / 10);
    }

    #[test]
    fn removed_devices_leave_the_relations_of_the_others() {
        let mut f = Feed::new(Limits {
            max_devices: 20,
            ..Limits::UNLIMITED
        });
        let ap = mac(0xa000);
        let first_client = mac(1);
        f.data(first_client, ap, 10);
        let apd = f.tracker.get(Phy::Ieee80211, &ap).unwrap();
        assert!(apd.clients.contains(&first_client));
        // Many clients of the same AP: the AP stays (it is in every frame), the first clients
        // go, and the AP's client list keeps only tracked clients.
        for i in 2..200 {
            f.data(mac(i), ap, 10 + i64::from(i));
            f.check_index();
        }
        let apd = f.tracker.get(Phy::Ieee80211, &ap).unwrap();
        assert!(!f.has(first_client));
        assert!(apd.clients.len() < 20);
        for c in &apd.clients {
            assert!(f.tracker.get(Phy::Ieee80211, c).is_some());
        }
        // Now the AP goes silent and probe requests fill the tracker: the AP is removed, with
        // its client list as it was, and its clients forget it.
        let clients: Vec<MacAddr> = apd.clients.iter().copied().collect();
        let mut gone_ap = None;
        let mut t = 1000;
        for c in &clients {
            // The AP's clients are seen (probing) after it, so it goes first.
            f.probe(*c, t);
            t += 1;
        }
        for i in 0..12u32 {
            let o = f.probe(mac(0x10_0000 + i), t);
            t += 1;
            for e in o.evicted {
                if e.device.mac == ap {
                    gone_ap = Some(e.device);
                }
            }
            if gone_ap.is_some() {
                break;
            }
        }
        let gone_ap = gone_ap.expect("the silent AP was removed");
        assert_eq!(gone_ap.clients.iter().copied().collect::<Vec<_>>(), clients);
        for d in f.tracker.devices() {
            assert!(!d.client_of.contains(&ap), "{}", d.mac);
        }
    }

    #[test]
    fn idle_devices_are_removed_once_a_minute_of_capture_time() {
        let mut f = Feed::new(Limits {
            idle_timeout: 100,
            idle_max_packets: 3,
            ..Limits::UNLIMITED
        });
        f.probe(mac(1), 1000);
        // Three packets: not removed when idle (fewer than 3 packets only).
        for _ in 0..3 {
            f.probe(mac(2), 1000);
        }
        f.probe(mac(3), 1050);
        // 150 s later, but the check is due only 60 s after the previous one (at 1000).
        let o = f.probe(mac(4), 1150);
        let gone: Vec<_> = o.evicted.iter().map(|e| e.device.mac).collect();
        assert_eq!(gone, vec![mac(1)]);
        assert!(o.evicted.iter().all(|e| e.reason == Removal::Idle));
        assert!(f.has(mac(2)) && f.has(mac(3)) && f.has(mac(4)));
        // Not again before 60 s have passed; then mac(3) (idle 101 s) goes.
        assert!(f.probe(mac(5), 1151).evicted.is_empty());
        let o = f.probe(mac(6), 1210);
        let gone: Vec<_> = o.evicted.iter().map(|e| e.device.mac).collect();
        assert_eq!(gone, vec![mac(3)]);
        f.check_index();
        let s = f.tracker.stats();
        assert_eq!((s.created, s.evicted_idle, s.evicted_limit), (6, 2, 0));
        // A device seen again after removal is a new device.
        let o = f.probe(mac(1), 1211);
        assert_eq!(o.created.len(), 1);
        let d = f.tracker.get(Phy::Ieee80211, &mac(1)).unwrap();
        assert_eq!((d.first_time, d.packets, d.serial), (1211, 1, 6));
    }

    #[test]
    fn limits_come_from_the_configuration() {
        let o = Options::parse("c", "").unwrap();
        let l = Limits::from_options(&o).unwrap();
        assert_eq!(l.max_devices as u64, DEFAULT_MAX_DEVICES);
        // The documented defaults are the ones applied.
        let defaults: String = OPTIONS
            .iter()
            .map(|d| format!("{}={}\n", d.key, d.defaults[0]))
            .collect();
        let o = Options::parse("defaults", &defaults).unwrap();
        assert_eq!(Limits::from_options(&o).unwrap(), l);
        assert_eq!((l.idle_timeout, l.idle_max_packets), (0, 0));
        let o = Options::parse(
            "c",
            "tracker_max_devices=0\ntracker_device_timeout=7200\ntracker_device_packets=20\n",
        )
        .unwrap();
        let l = Limits::from_options(&o).unwrap();
        assert_eq!(
            l,
            Limits {
                max_devices: 0,
                idle_timeout: 7200,
                idle_max_packets: 20
            }
        );
        let o = Options::parse("c", "\ntracker_max_devices=5\n").unwrap();
        let e = Limits::from_options(&o).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("at least 16"), "{e}");
        let o = Options::parse("c", "tracker_device_timeout=-1\n").unwrap();
        assert!(Limits::from_options(&o).is_err());
    }
}
