//! # osprey-tracker
//!
//! Devices from dissected packets, as Kismet tracks them: one device per (phy, MAC), created
//! for the BSSIDs, sources and destinations (and WDS transmitters) that frames name, never for
//! zero or group addresses; with first/last time (capture time, so a replay gives the same
//! devices), packet counts by kind, data bytes, signal, channel and frequencies, the SSIDs an
//! access point advertises with their crypto, the SSIDs a client probes for, client/access
//! point relations, and a type string ("Wi-Fi AP", "Wi-Fi Client", ...) chosen from the roles
//! the device was seen in.
//!
//! The tracker consumes [`osprey_dissect::Packet`] records and knows nothing about logs or
//! alerts.

#![warn(missing_docs)]

pub mod device;
mod json;

use std::collections::HashMap;

use kismetdb::{MacAddr, Uuid};
use osprey_dissect::{Link, Packet, Phy};
use osprey_wire::ieee80211::FrameType;

pub use device::{AdvertisedSsid, Device, Role};

/// The device tracker.
#[derive(Default)]
pub struct Tracker {
    index: HashMap<(Phy, MacAddr), usize>,
    devices: Vec<Device>,
}

/// What one packet changed.
#[derive(Default, Debug)]
pub struct Observed {
    /// Indexes (into [`Tracker::devices`]) of devices this packet created, in creation order.
    pub created: Vec<usize>,
}

/// True for an address that may name a device: not all zero and not a group address.
pub fn is_device_mac(m: &MacAddr) -> bool {
    !m.is_zero() && !m.is_multicast()
}

impl Tracker {
    /// An empty tracker.
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
        self.devices.push(Device::new(phy, mac, p.ts.sec));
        self.index.insert((phy, mac), i);
        obs.created.push(i);
        i
    }

    /// Updates the devices a packet names. Packets with an error, or of no phy, change
    /// nothing.
    pub fn observe(&mut self, p: &Packet<'_>, source: Uuid) -> Observed {
        let mut obs = Observed::default();
        if p.error.is_some() {
            return obs;
        }
        match &p.link {
            Link::Dot11(d) => self.observe_dot11(p, d, source, &mut obs),
            Link::Btle(_) => {
                if is_device_mac(&p.source) {
                    let i = self.device(Phy::Btle, p.source, p, &mut obs);
                    let dev = &mut self.devices[i];
                    dev.seen(p, source, true);
                    dev.roles.insert(Role::Btle);
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
        let phy = Phy::Ieee80211;
        let ft = d.frame_type();
        let fc = d.frame_control();
        // Which addresses become devices (the device-creation rule of Kismet: not zero, not a
        // group address; a source only when it is not the BSSID; a destination only when it
        // is neither the source nor the BSSID).
        let bssid = is_device_mac(&p.bssid).then_some(p.bssid);
        let src = (is_device_mac(&p.source) && Some(p.source) != bssid).then_some(p.source);
        let dst = (is_device_mac(&p.dest) && Some(p.dest) != bssid && p.dest != p.source)
            .then_some(p.dest);
        if ft == FrameType::Control {
            // Control frames only refresh devices that exist already.
            for m in [p.source, p.dest] {
                if let Some(&i) = self.index.get(&(phy, m)) {
                    self.devices[i].seen(p, source, m == p.source);
                }
            }
            return;
        }
        let b = bssid.map(|m| self.device(phy, m, p, obs));
        let s = src.map(|m| self.device(phy, m, p, obs));
        let t = dst.map(|m| self.device(phy, m, p, obs));
        if let Some(i) = b {
            let transmitter = Some(p.bssid) == Some(p.source);
            self.devices[i].seen(p, source, transmitter);
        }
        if let Some(i) = s {
            self.devices[i].seen(p, source, true);
        }
        if let Some(i) = t {
            self.devices[i].seen(p, source, false);
        }
        match ft {
            FrameType::Management => {
                let st = d.subtype();
                if let Some(i) = b {
                    self.devices[i].management(p, d, st, true);
                }
                if let Some(i) = s {
                    self.devices[i].management(p, d, st, false);
                }
            }
            FrameType::Data => {
                let bytes = d.body().len() as u64;
                match (fc.to_ds(), fc.from_ds()) {
                    (true, false) => {
                        if let (Some(bi), Some(si)) = (b, s) {
                            self.relate(bi, si);
                        }
                        if let Some(i) = s {
                            self.devices[i].roles.insert(Role::Client);
                            self.devices[i].data_bytes += bytes;
                        }
                        if let Some(i) = b {
                            self.devices[i].roles.insert(Role::DataAp);
                        }
                    }
                    (false, true) => {
                        if let (Some(bi), Some(ti)) = (b, t) {
                            self.relate(bi, ti);
                        }
                        if let Some(i) = t {
                            self.devices[i].roles.insert(Role::Client);
                        }
                        if let Some(i) = b {
                            self.devices[i].roles.insert(Role::DataAp);
                            self.devices[i].data_bytes += bytes;
                        }
                    }
                    (false, false) => {
                        for i in [s, t].into_iter().flatten() {
                            self.devices[i].roles.insert(Role::AdHocData);
                        }
                        if let Some(i) = s {
                            self.devices[i].data_bytes += bytes;
                        }
                    }
                    (true, true) => {
                        for i in [b, s, t].into_iter().flatten() {
                            self.devices[i].roles.insert(Role::Wds);
                        }
                        if is_device_mac(&p.transmitter) {
                            let i = self.device(phy, p.transmitter, p, obs);
                            self.devices[i].roles.insert(Role::Wds);
                            self.devices[i].seen(p, source, true);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn relate(&mut self, ap: usize, client: usize) {
        let (apmac, cmac) = (self.devices[ap].mac, self.devices[client].mac);
        self.devices[ap].clients.insert(cmac);
        self.devices[client].client_of.insert(apmac);
    }
}
