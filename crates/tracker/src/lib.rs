//! # osprey-tracker
//!
//! Devices from dissected packets, as Kismet tracks them: one device per (phy, MAC), created
//! for the BSSIDs, sources and destinations (and WDS transmitters) that frames name, never for
//! zero or group addresses; with first/last time (capture time, so a replay gives the same
//! devices), packet counts by kind, data bytes, signal, channel and frequencies, the SSIDs an
//! access point advertises with their crypto, the SSIDs a client probes for, client/access
//! point relations, and a type string ("Wi-Fi AP", "Wi-Fi Client", ...) set by the rules Kismet
//! 2025-09-R1 applies frame by frame (see `docs/kismet-device-model.md`).
//!
//! The tracker consumes [`osprey_dissect::Packet`] records and knows nothing about logs or
//! alerts.
//!
//! Its memory is bounded by [`Limits`] (Kismet's `tracker_max_devices` and
//! `tracker_device_timeout`): devices removed to stay within them come back to the caller in
//! [`Observed::evicted`] (see the `limits` module).

#![warn(missing_docs)]

pub mod device;
mod json;
mod limits;

use kismetdb::{MacAddr, Uuid};
use osprey_dissect::{Link, Packet, Phy};
use osprey_wire::ieee80211::FrameType;

pub use device::{AdvertisedSsid, Basic, Device};
pub use limits::{
    Evicted, Limits, Removal, TrackerStats, DEFAULT_MAX_DEVICES, IDLE_CHECK_SECS,
    MAX_NEW_PER_PACKET, MIN_MAX_DEVICES, OPTIONS,
};

/// A hash map keyed by addresses, with a fast hasher. Every packet looks up its devices, so
/// SipHash (std's default) showed in profiles; foldhash is several times cheaper and is still
/// seeded randomly per map, so an attacker choosing MAC addresses cannot predict collisions.
pub type FastHashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A hash set with the same hasher as [`FastHashMap`].
pub type FastHashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// The device tracker.
#[derive(Default)]
pub struct Tracker {
    index: FastHashMap<(Phy, MacAddr), usize>,
    devices: Vec<Device>,
    /// Per device (by index): the stamp of the last packet that named it, from `stamp`.
    touched: Vec<u64>,
    /// Counts device updates: each device a packet names gets the next value.
    stamp: u64,
    limits: Limits,
    stats: TrackerStats,
    /// Capture second of the last idle check.
    last_idle_check: Option<i64>,
}

/// What one packet changed.
#[derive(Default, Debug)]
pub struct Observed {
    /// Indexes (into [`Tracker::devices`]) of devices this packet created, in creation order.
    pub created: Vec<usize>,
    /// The packet is a beacon (8) or probe response (5) advertising an SSID new for its
    /// access point: the subtype.
    pub new_ssid: Option<u8>,
    /// The packet is a probe request for an SSID its client had not probed for before.
    pub new_probed: bool,
    /// Devices removed from tracking before this packet was tracked (the tracker was full,
    /// or they were idle), each as it was when removed; indexes of devices created earlier
    /// may have changed. Usually empty.
    pub evicted: Vec<Evicted>,
}

/// True for an address that may name a device: not all zero and not a group address.
pub fn is_device_mac(m: &MacAddr) -> bool {
    !m.is_zero() && !m.is_multicast()
}

impl Tracker {
    /// An empty tracker that keeps every device ([`Limits::UNLIMITED`]).
    pub fn new() -> Tracker {
        Tracker::default()
    }

    /// Every device, in creation order.
    pub fn devices(&self) -> &[Device] {
        &self.devices
    }

    /// The device of a phy and MAC, if tracked.
    pub fn get(&self, phy: Phy, mac: &MacAddr) -> Option<&Device> {
        self.index.get(&(phy, *mac)).map(|&i| &self.devices[i])
    }

    fn device(&mut self, phy: Phy, mac: MacAddr, p: &Packet<'_>, obs: &mut Observed) -> usize {
        if let Some(&i) = self.index.get(&(phy, mac)) {
            return i;
        }
        let i = self.devices.len();
        let serial = self.stats.created;
        self.stats.created += 1;
        self.devices.push(Device::new(phy, mac, p.ts.sec, serial));
        self.touched.push(0);
        self.index.insert((phy, mac), i);
        obs.created.push(i);
        i
    }

    /// Stamps device `i` as just seen (the order least recently seen devices are removed in).
    fn touch(&mut self, i: usize) {
        self.stamp += 1;
        if let Some(t) = self.touched.get_mut(i) {
            *t = self.stamp;
        }
    }

    /// Updates the devices a packet names. Packets with an error, or of no phy, change
    /// nothing.
    pub fn observe(&mut self, p: &Packet<'_>, source: Uuid) -> Observed {
        let mut obs = Observed::default();
        if p.error.is_some() {
            return obs;
        }
        if !matches!(p.link, Link::None) {
            self.enforce_limits(p.ts.sec, &mut obs);
        }
        match &p.link {
            Link::Dot11(d) => self.observe_dot11(p, d, source, &mut obs),
            Link::Btle(_) => {
                if is_device_mac(&p.source) {
                    let i = self.device(Phy::Btle, p.source, p, &mut obs);
                    self.touch(i);
                    let dev = &mut self.devices[i];
                    dev.kind = device::BTLE_DEVICE;
                    dev.seen(p, source, true);
                }
            }
            Link::None => {}
        }
        obs
    }

    fn observe_dot11(
        &mut self,
        p: &Packet<'_>,
        d: &osprey_dissect::Dot11<'_>,
        source: Uuid,
        obs: &mut Observed,
    ) {
        use device::{Basic, DEVICE, DEVICE_INFERRED};
        let phy = Phy::Ieee80211;
        let ft = d.frame_type();
        let st = d.subtype();
        let fc = d.frame_control();
        let len = d.bytes().len();
        // Frames that make no device (Kismet's classifier): control frames, extension frames,
        // reserved management subtypes, and frames too short for their fixed fields.
        let corrupt = len < 24
            || match ft {
                FrameType::Control | FrameType::Extension => true,
                FrameType::Management => match st {
                    6 | 7 | 15 => true,
                    0 | 1 | 2 | 5 | 8 | 9 => len < 36,
                    13 | 14 => len < 30,
                    _ => false,
                },
                FrameType::Data => st == 7 || st == 13 || (fc.to_ds() && fc.from_ds() && len < 30),
            };
        if corrupt {
            return;
        }
        // Duplicates (retransmissions) refresh the devices they name but never create one or
        // change a type; null data frames create nothing but still type existing devices.
        let null = ft == FrameType::Data && (st == 4 || st == 12);
        let create = !p.duplicate && !null;
        let wds = ft == FrameType::Data && fc.to_ds() && fc.from_ds();
        let usable = |m: MacAddr| is_device_mac(&m).then_some(m);
        let bssid_mac = if wds {
            None
        } else if ft == FrameType::Data && !fc.to_ds() && !fc.from_ds() && p.bssid.is_zero() {
            usable(p.source)
        } else {
            usable(p.bssid)
        };
        let src_mac = usable(p.source).filter(|m| Some(*m) != bssid_mac);
        let dst_mac = usable(p.dest).filter(|m| Some(*m) != bssid_mac && *m != p.source);
        let get = |this: &mut Tracker,
                   m: Option<MacAddr>,
                   initial: &'static str,
                   obs: &mut Observed|
         -> Option<usize> {
            let m = m?;
            match this.index.get(&(phy, m)) {
                Some(&i) => Some(i),
                None if create => {
                    let i = this.device(phy, m, p, obs);
                    this.devices[i].kind = initial;
                    Some(i)
                }
                None => None,
            }
        };
        let b = get(self, bssid_mac, DEVICE, obs);
        let s = get(self, src_mac, DEVICE, obs);
        let t = get(self, dst_mac, DEVICE_INFERRED, obs);
        let (mut tx, mut rx) = (None, None);
        if wds {
            let others = [p.source, p.dest];
            let ta = usable(p.transmitter).filter(|m| !others.contains(m));
            let ra = p.dot11().and_then(|x| x.view().addr1()).map(MacAddr::new);
            let ra = ra.and_then(usable).filter(|m| !others.contains(m));
            tx = get(self, ta, DEVICE, obs);
            rx = get(self, ra, DEVICE, obs);
        }
        for (i, sent) in [
            (b, bssid_mac == Some(p.source)),
            (s, true),
            (t, false),
            (tx, true),
            (rx, false),
        ] {
            if let Some(i) = i {
                self.touch(i);
                self.devices[i].seen(p, source, sent);
            }
        }
        if p.duplicate {
            return;
        }
        match ft {
            FrameType::Management => {
                let ibss = d.ibss_capability();
                if let Some(i) = b {
                    let dev = &mut self.devices[i];
                    if ibss {
                        dev.basic |= Basic::PEER;
                        dev.kind = device::ADHOC;
                    } else {
                        dev.basic |= Basic::AP;
                        dev.set_if_not_all(Basic::AP | Basic::PEER, device::AP);
                    }
                    if dev.management(p, d, st, true) {
                        obs.new_ssid = Some(st);
                    }
                }
                if let Some(i) = s {
                    let dev = &mut self.devices[i];
                    if ibss {
                        dev.basic |= Basic::PEER;
                        dev.kind = device::ADHOC;
                    } else {
                        dev.set_if_not_any(Basic::CLIENT | Basic::AP, device::CLIENT);
                        dev.basic |= Basic::CLIENT;
                    }
                    if dev.management(p, d, st, false) {
                        obs.new_probed = true;
                    }
                }
                if let Some(i) = t {
                    let dev = &mut self.devices[i];
                    dev.set_if_not_any(Basic::CLIENT | Basic::AP, device::CLIENT);
                    dev.basic &= !Basic::WIRED;
                    dev.basic |= Basic::CLIENT;
                }
                // Client relations: the BSSID owns the source, and the destination except in
                // probe responses.
                if let Some(bi) = b {
                    if let Some(si) = s {
                        self.relate(bi, si);
                    }
                    if st != 5 {
                        if let Some(ti) = t {
                            self.relate(bi, ti);
                        }
                    }
                }
            }
            FrameType::Data => {
                let bytes = d.body().len() as u64;
                let (to, from) = (fc.to_ds(), fc.from_ds());
                if let Some(i) = b {
                    let dev = &mut self.devices[i];
                    if !to && !from {
                        dev.basic |= Basic::PEER;
                        dev.kind = device::ADHOC;
                    } else {
                        dev.basic |= Basic::AP;
                        dev.kind = device::AP;
                    }
                }
                if let Some(i) = s {
                    let dev = &mut self.devices[i];
                    dev.data_bytes += bytes;
                    if null {
                        dev.set_if_not_any(Basic::CLIENT | Basic::AP, device::CLIENT);
                        dev.basic |= Basic::CLIENT;
                    } else if wds {
                        dev.set_if_only(Basic::PEER, device::WDS);
                        dev.basic |= Basic::PEER;
                    } else if from && !to {
                        dev.set_if_not_any(Basic::CLIENT | Basic::AP, device::BRIDGED);
                        dev.basic |= Basic::WIRED;
                    } else {
                        dev.set_if_not_any(Basic::CLIENT | Basic::AP, device::CLIENT);
                        dev.basic |= Basic::CLIENT;
                    }
                }
                if let Some(i) = t {
                    let dev = &mut self.devices[i];
                    if wds {
                        dev.basic |= Basic::PEER;
                        dev.set_if_only(Basic::PEER, device::WDS);
                    } else if !to && !from {
                        dev.basic |= Basic::PEER;
                        dev.kind = device::ADHOC;
                    } else {
                        dev.set_if_only(0, DEVICE);
                    }
                }
                for i in [tx, rx].into_iter().flatten() {
                    let dev = &mut self.devices[i];
                    dev.basic |= Basic::AP | Basic::PEER;
                    dev.kind = device::WDS_AP;
                }
                let owner = if wds { tx } else { b };
                if let Some(oi) = owner {
                    for ci in [s, t].into_iter().flatten() {
                        if ci != oi {
                            self.relate(oi, ci);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn relate(&mut self, ap: usize, client: usize) {
        let apmac = self.devices[ap].mac;
        let c = &mut self.devices[client];
        if c.last_owner == apmac {
            return;
        }
        c.last_owner = apmac;
        let cmac = c.mac;
        // The two sets are filled together, so the client's (usually one entry) tells whether
        // the access point's (possibly thousands) already has it.
        if c.client_of.contains(&apmac) {
            return;
        }
        self.devices[ap].clients.insert(cmac);
        self.devices[client].client_of.insert(apmac);
    }
}
