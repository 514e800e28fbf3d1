//! One tracked device and what is known about it.

use std::collections::BTreeSet;

use kismetdb::{DeviceKey, MacAddr, Uuid};
use osprey_dissect::{Dot11, Packet, Phy, Span};
use osprey_wire::ieee80211::ie;

/// Kismet's basic type bits (`kismet.device.base.basic_type_set`).
pub struct Basic;

impl Basic {
    /// Seen as an access point.
    pub const AP: u8 = 1;
    /// Seen as a client.
    pub const CLIENT: u8 = 2;
    /// Seen as a wired (bridged) device behind an access point.
    pub const WIRED: u8 = 4;
    /// Seen as a peer (ad-hoc, WDS).
    pub const PEER: u8 = 8;
}

/// "Wi-Fi AP".
pub const AP: &str = "Wi-Fi AP";
/// "Wi-Fi Client".
pub const CLIENT: &str = "Wi-Fi Client";
/// "Wi-Fi Bridged": a wired device seen through an access point.
pub const BRIDGED: &str = "Wi-Fi Bridged";
/// "Wi-Fi Ad-Hoc".
pub const ADHOC: &str = "Wi-Fi Ad-Hoc";
/// "Wi-Fi Device".
pub const DEVICE: &str = "Wi-Fi Device";
/// "Wi-Fi Device (Inferred)": the initial type of a device only seen as a destination.
pub const DEVICE_INFERRED: &str = "Wi-Fi Device (Inferred)";
/// "Wi-Fi WDS".
pub const WDS: &str = "Wi-Fi WDS";
/// "Wi-Fi WDS AP".
pub const WDS_AP: &str = "Wi-Fi WDS AP";
/// "BTLE Device".
pub const BTLE_DEVICE: &str = "BTLE Device";

/// An SSID an access point advertises.
#[derive(Clone, Debug, Default)]
pub struct AdvertisedSsid {
    /// The SSID bytes (any bytes).
    pub ssid: Vec<u8>,
    /// Crypto summary (`Open`, `WEP`, `WPA2-PSK`, ...).
    pub crypt: &'static str,
    /// Beacons seen for it.
    pub beacons: u64,
    /// Probe responses seen for it.
    pub responses: u64,
    /// Beacon interval in TUs (from the last beacon).
    pub beacon_interval: u16,
    /// Channel from the DS parameter set.
    pub channel: Option<u8>,
    /// First and last time (seconds).
    pub first_time: i64,
    /// Last time seen.
    pub last_time: i64,
    /// 802.11d country code.
    pub country: Option<[u8; 2]>,
    /// WPS state (1 unconfigured, 2 configured).
    pub wps_state: Option<u8>,
}

/// A tracked device.
#[derive(Clone, Debug)]
pub struct Device {
    /// Phy.
    pub phy: Phy,
    /// MAC address.
    pub mac: MacAddr,
    /// Kismet's device key.
    pub key: DeviceKey,
    /// The tracker's creation number: unique among the devices one tracker ever made, so a
    /// MAC removed from tracking and seen again is a new device with a new serial.
    pub serial: u64,
    /// First time seen (capture time, seconds).
    pub first_time: i64,
    /// Last time seen.
    pub last_time: i64,
    /// Packets naming the device.
    pub packets: u64,
    /// Packets it transmitted.
    pub tx_packets: u64,
    /// Packets it received.
    pub rx_packets: u64,
    /// Management frames.
    pub mgmt_packets: u64,
    /// Data frames.
    pub data_packets: u64,
    /// Protected (encrypted) data frames.
    pub crypt_packets: u64,
    /// Data bytes.
    pub data_bytes: u64,
    /// Last signal (dBm) of frames it transmitted.
    pub last_signal: Option<i32>,
    /// Strongest signal.
    pub max_signal: Option<i32>,
    /// Weakest signal.
    pub min_signal: Option<i32>,
    /// Last frequency in kHz.
    pub frequency: u32,
    /// Packets per frequency (kHz).
    pub freq_map: Counts<u32>,
    /// Kismet's basic type bits ([`Basic`]).
    pub basic: u8,
    /// The type string.
    pub kind: &'static str,
    /// SSIDs advertised (access points).
    pub advertised: Vec<AdvertisedSsid>,
    /// SSIDs probed for (clients).
    pub probed: BTreeSet<Vec<u8>>,
    /// SSIDs seen in this device's probe responses (Kismet's responded-SSID map).
    pub responded: BTreeSet<Vec<u8>>,
    /// Vendor-element OUIs of the beacons and probe responses that created a new SSID record,
    /// in order (Kismet's manufacturer fallback when the MAC's OUI is unknown).
    pub vendor_ouis: Vec<u32>,
    /// Clients of this access point.
    pub clients: BTreeSet<MacAddr>,
    /// Access points this client talked to.
    pub client_of: BTreeSet<MacAddr>,
    /// Datasources that saw it, with packet counts.
    pub seen_by: Counts<Uuid>,
    /// GPS bounding box and running average: (min lat, min lon, max lat, max lon, sum lat,
    /// sum lon, count).
    pub location: Option<(f64, f64, f64, f64, f64, f64, u64)>,
    /// What this access point's last beacon and last probe response advertised, for their
    /// repeats ([`Packet::repeat_of`]); boxed, as most devices are clients.
    read: Option<Box<[Option<AdvertRead>; 2]>>,
    /// The access point this client was last related to (all zero for none): already in
    /// `client_of`, which only grows, so relating to it again needs no tree search.
    pub(crate) last_owner: MacAddr,
}

/// What a beacon or probe response advertised, as [`Device::management`] reads it, with the
/// packet it was read from. A repeat of that packet advertises the same: the SSID is at the
/// same place in its bytes.
#[derive(Clone, Copy, Debug)]
struct AdvertRead {
    packet: u64,
    /// Where the SSID is in the frame's bytes.
    ssid: Span,
    channel: Option<u8>,
    country: Option<[u8; 2]>,
    wps_state: Option<u8>,
    crypt: &'static str,
}

impl Device {
    pub(crate) fn new(phy: Phy, mac: MacAddr, t: i64, serial: u64) -> Device {
        Device {
            phy,
            mac,
            key: DeviceKey::new(phy.name(), mac),
            serial,
            first_time: t,
            last_time: t,
            packets: 0,
            tx_packets: 0,
            rx_packets: 0,
            mgmt_packets: 0,
            data_packets: 0,
            crypt_packets: 0,
            data_bytes: 0,
            last_signal: None,
            max_signal: None,
            min_signal: None,
            frequency: 0,
            freq_map: Counts::default(),
            basic: 0,
            kind: DEVICE,
            advertised: Vec::new(),
            probed: BTreeSet::new(),
            responded: BTreeSet::new(),
            vendor_ouis: Vec::new(),
            clients: BTreeSet::new(),
            client_of: BTreeSet::new(),
            seen_by: Counts::default(),
            location: None,
            read: None,
            last_owner: MacAddr::default(),
        }
    }

    /// Counts a packet naming this device; `transmitter` when the device sent it.
    pub(crate) fn seen(&mut self, p: &Packet<'_>, source: Uuid, transmitter: bool) {
        self.first_time = self.first_time.min(p.ts.sec);
        self.last_time = self.last_time.max(p.ts.sec);
        self.packets += 1;
        self.seen_by.bump(source);
        if let Some(d) = p.dot11() {
            match d.frame_type() {
                osprey_wire::ieee80211::FrameType::Management => self.mgmt_packets += 1,
                osprey_wire::ieee80211::FrameType::Data => {
                    self.data_packets += 1;
                    if d.frame_control().protected() {
                        self.crypt_packets += 1;
                    }
                }
                _ => {}
            }
        }
        if transmitter {
            self.tx_packets += 1;
            if let Some(s) = p.signal_dbm {
                self.last_signal = Some(s);
                self.max_signal = Some(self.max_signal.map_or(s, |m| m.max(s)));
                self.min_signal = Some(self.min_signal.map_or(s, |m| m.min(s)));
            }
            if p.freq_khz != 0 {
                self.frequency = p.freq_khz;
                self.freq_map.bump(p.freq_khz);
            }
            if let Some(g) = p.gps.filter(|g| g.has_location()) {
                let l = self
                    .location
                    .get_or_insert((g.lat, g.lon, g.lat, g.lon, 0.0, 0.0, 0));
                l.0 = l.0.min(g.lat);
                l.1 = l.1.min(g.lon);
                l.2 = l.2.max(g.lat);
                l.3 = l.3.max(g.lon);
                l.4 += g.lat;
                l.5 += g.lon;
                l.6 += 1;
            }
        } else {
            self.rx_packets += 1;
        }
    }

    /// A management frame this device sent (`as_bssid`: the device is the frame's BSSID).
    /// Returns true when a beacon or probe response advertised an SSID new for the device, or
    /// (for a client) a probe request named an SSID it had not probed for.
    pub(crate) fn management(
        &mut self,
        p: &Packet<'_>,
        d: &Dot11<'_>,
        subtype: u8,
        as_bssid: bool,
    ) -> bool {
        let mut new_ssid = false;
        use osprey_wire::ieee80211::subtype::mgmt;
        match subtype {
            mgmt::BEACON | mgmt::PROBE_RESP if as_bssid && p.source == self.mac => {
                let body = d.body();
                let le16 = |at: usize| {
                    body.get(at..at + 2)
                        .map(|c| u16::from_le_bytes([c[0], c[1]]))
                        .unwrap_or(0)
                };
                let (interval, capability) = (le16(8), le16(10));
                let slot = usize::from(subtype == mgmt::BEACON);
                let kept = self.read.as_ref().and_then(|r| r[slot]);
                let read = match kept {
                    Some(k) if p.repeat_of == Some(k.packet) => k,
                    _ => read_advert(d, capability),
                };
                let ssid = read.ssid.get(d.bytes());
                let (channel, country, wps_state, crypt) =
                    (read.channel, read.country, read.wps_state, read.crypt);
                self.read.get_or_insert_with(Default::default)[slot] = Some(AdvertRead {
                    packet: p.packet_no,
                    ..read
                });
                if subtype == mgmt::PROBE_RESP && !self.responded.contains(ssid) {
                    self.responded.insert(ssid.to_vec());
                    new_ssid = true;
                }
                let t = p.ts.sec;
                let rec = match self.advertised.iter().position(|a| a.ssid == ssid) {
                    Some(i) => &mut self.advertised[i],
                    None => {
                        self.advertised.push(AdvertisedSsid {
                            ssid: ssid.to_vec(),
                            first_time: t,
                            ..Default::default()
                        });
                        let n = self.advertised.len() - 1;
                        &mut self.advertised[n]
                    }
                };
                rec.crypt = crypt;
                rec.last_time = t;
                rec.beacon_interval = interval;
                rec.channel = channel.or(rec.channel);
                rec.country = country.or(rec.country);
                rec.wps_state = wps_state.or(rec.wps_state);
                if subtype == mgmt::BEACON {
                    // Beacons and probe responses are separate records in Kismet: an SSID is
                    // new for beacons at its first beacon, even if probe responses named it.
                    if rec.beacons == 0 {
                        new_ssid = true;
                    }
                    rec.beacons += 1;
                } else {
                    rec.responses += 1;
                }
            }
            mgmt::PROBE_REQ if !as_bssid => {
                if let Some(s) = d.ssid().filter(|s| !s.is_empty()) {
                    if !self.probed.contains(s) {
                        self.probed.insert(s.to_vec());
                        return true;
                    }
                }
            }
            _ => {}
        }
        if new_ssid {
            if let Some(els) = d.elements() {
                for e in els.filter(|e| e.id == ie::id::VENDOR) {
                    if let Some(o) = e.data.get(0..3) {
                        let oui =
                            (u32::from(o[0]) << 16) | (u32::from(o[1]) << 8) | u32::from(o[2]);
                        if !self.vendor_ouis.contains(&oui) {
                            self.vendor_ouis.push(oui);
                        }
                    }
                }
            }
        }
        new_ssid
    }

    /// The type string.
    pub fn type_string(&self) -> &'static str {
        self.kind
    }

    /// Sets the type unless the device has all of `bits`.
    pub(crate) fn set_if_not_all(&mut self, bits: u8, kind: &'static str) {
        if self.basic & bits != bits {
            self.kind = kind;
        }
    }

    /// Sets the type unless the device has any of `bits`.
    pub(crate) fn set_if_not_any(&mut self, bits: u8, kind: &'static str) {
        if self.basic & bits == 0 {
            self.kind = kind;
        }
    }

    /// Sets the type if the device's bits are exactly `bits`.
    pub(crate) fn set_if_only(&mut self, bits: u8, kind: &'static str) {
        if self.basic == bits {
            self.kind = kind;
        }
    }

    /// The name Kismet shows: the last advertised SSID of an access point, else the MAC.
    pub fn name(&self) -> String {
        self.advertised
            .iter()
            .max_by_key(|a| a.last_time)
            .filter(|a| !a.ssid.is_empty())
            .map(|a| String::from_utf8_lossy(&a.ssid).into_owned())
            .unwrap_or_else(|| self.mac.to_string())
    }
}

/// Kismet-style crypto summary of a beacon or probe response, from its RSN element (the
/// first AKM), a WPA vendor element, or the privacy bit of the capability field.
/// Reads what a beacon or probe response advertises, in one pass over its elements (nothing
/// is copied).
fn read_advert(d: &Dot11<'_>, capability: u16) -> AdvertRead {
    let mut ssid: Option<&[u8]> = None;
    let (mut channel, mut country, mut wps_state) = (None, None, None);
    let (mut rsn, mut wpa) = (None, false);
    if let Some(els) = d.elements() {
        for e in els {
            match e.id {
                ie::id::SSID if ssid.is_none() => ssid = Some(e.data),
                ie::id::DS_PARAMS => channel = e.data.first().copied(),
                ie::id::COUNTRY => {
                    if let Some(c) = e.data.get(0..2) {
                        country = Some([c[0], c[1]]);
                    }
                }
                ie::id::RSN => rsn = Some(e.data),
                ie::id::VENDOR => {
                    wpa |= e.data.starts_with(&[0x00, 0x50, 0xf2, 0x01]);
                    if let Some(Ok(w)) = e.wps() {
                        wps_state = w.state.or(wps_state);
                    }
                }
                _ => {}
            }
        }
    }
    AdvertRead {
        packet: 0,
        // The element data is a slice of the frame.
        ssid: ssid
            .and_then(|s| Span::of(d.bytes(), s))
            .unwrap_or_default(),
        channel,
        country,
        wps_state,
        crypt: crypt_kind(rsn, wpa, capability),
    }
}

fn crypt_kind(rsn: Option<&[u8]>, wpa: bool, capability: u16) -> &'static str {
    use osprey_wire::ieee80211::ie::Akm;
    if let Some(data) = rsn {
        let akm = ie::Rsn::parse(data)
            .ok()
            .and_then(|r| r.akm_suites.get(0))
            .and_then(|s| s.akm());
        return match akm {
            Some(Akm::Psk | Akm::PskSha256) => "WPA2-PSK",
            Some(Akm::Ieee8021x | Akm::Ieee8021xSha256) => "WPA2-EAP",
            Some(Akm::Sae) => "WPA3-SAE",
            Some(Akm::Owe) => "WPA3-OWE",
            Some(Akm::SuiteB | Akm::SuiteB192) => "WPA2-EAP-SUITE-B",
            _ => "WPA2",
        };
    }
    if wpa {
        "WPA"
    } else if capability & 0x0010 != 0 {
        "WEP"
    } else {
        "Open"
    }
}

/// Per-key packet counts for keys a device has few of (its frequencies, the datasources that
/// saw it), kept sorted by key. Updated on every packet that names the device, so the common
/// case (one key: one datasource, one channel) lives inline in the device: a vector would cost
/// a cache miss on its heap block for most packets, which profiles showed as a tenth of the
/// tracking thread's time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counts<K> {
    /// The first key counted and its count; it stays the only entry until a second key is
    /// counted, then it moves into `more`.
    one: Option<(K, u64)>,
    /// With two keys or more: every entry, sorted by key (`one` is then `None`).
    more: Vec<(K, u64)>,
    /// Index into `more` of the entry counted last.
    last: usize,
}

impl<K> Default for Counts<K> {
    fn default() -> Self {
        Counts {
            one: None,
            more: Vec::new(),
            last: 0,
        }
    }
}

impl<K: Ord + Copy> Counts<K> {
    /// Adds one to `key`'s count.
    #[inline]
    pub fn bump(&mut self, key: K) {
        match &mut self.one {
            Some((k, n)) if *k == key => *n += 1,
            None if self.more.is_empty() => self.one = Some((key, 1)),
            _ => self.bump_more(key),
        }
    }

    /// [`Counts::bump`] with two keys or more.
    fn bump_more(&mut self, key: K) {
        if let Some(first) = self.one.take() {
            self.more.push(first);
        }
        if let Some((k, n)) = self.more.get_mut(self.last) {
            if *k == key {
                *n += 1;
                return;
            }
        }
        match self.more.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(i) => {
                self.more[i].1 += 1;
                self.last = i;
            }
            Err(i) => {
                self.more.insert(i, (key, 1));
                self.last = i;
            }
        }
    }

    /// The counts in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &u64)> {
        self.one.iter().chain(&self.more).map(|(k, n)| (k, n))
    }
}

#[cfg(test)]
mod tests {
    use osprey_capture::Frame;
    use osprey_dissect::Dissector;

    use crate::Tracker;

    /// Counts keep every key in order with its count, whether one key (inline) or several.
    #[test]
    fn counts_inline_then_sorted() {
        let mut c = super::Counts::<u32>::default();
        assert_eq!(c.iter().count(), 0);
        c.bump(2437);
        c.bump(2437);
        assert_eq!(c.iter().collect::<Vec<_>>(), [(&2437, &2)]);
        for k in [5180, 2412, 2437, 5180, 2412, 2412] {
            c.bump(k);
        }
        assert_eq!(
            c.iter().collect::<Vec<_>>(),
            [(&2412, &3), (&2437, &3), (&5180, &2)]
        );
        // Against a reference map on a longer mixed sequence.
        let mut c = super::Counts::<u32>::default();
        let mut want = std::collections::BTreeMap::new();
        for i in 0u32..500 {
            let k = (i * 7919) % 13 / 3;
            c.bump(k);
            *want.entry(k).or_insert(0u64) += 1;
        }
        assert_eq!(
            c.iter().map(|(k, n)| (*k, *n)).collect::<Vec<_>>(),
            want.into_iter().collect::<Vec<_>>()
        );
    }

    /// A beacon of 02:00:00:00:00:01 advertising `ssid` on `channel`, with sequence number
    /// `seq` (which also sets the timestamp and the TIM's DTIM count).
    fn beacon(ssid: &str, channel: u8, seq: u16) -> Vec<u8> {
        let ap = [0x02, 0, 0, 0, 0, 1];
        let mut f = vec![0x80, 0, 0, 0];
        f.extend([0xff; 6]);
        f.extend(ap);
        f.extend(ap);
        f.extend((seq << 4).to_le_bytes());
        f.extend(u64::from(seq).to_le_bytes());
        f.extend([100, 0, 0x11, 0]);
        f.extend([0, ssid.len() as u8]);
        f.extend(ssid.as_bytes());
        f.extend([5, 4, (seq % 3) as u8, 3, 0, 0]);
        f.extend([3, 1, channel]);
        f
    }

    /// Tracks the frames; the access point's advertised SSIDs: (SSID, channel, beacons).
    fn advertised(frames: &[Vec<u8>], repeats: bool) -> Vec<(String, Option<u8>, u64)> {
        let mut dis = Dissector::new();
        dis.set_repeats(repeats);
        let mut tr = Tracker::new();
        for (i, f) in frames.iter().enumerate() {
            let fr = Frame::whole(kismetdb::Timestamp::new(100 + i as i64, 0), 105, f);
            let p = dis.dissect(&fr);
            tr.observe(&p, kismetdb::Uuid::NIL);
        }
        let ap = &tr.devices()[0];
        ap.advertised
            .iter()
            .map(|a| {
                (
                    String::from_utf8_lossy(&a.ssid).into_owned(),
                    a.channel,
                    a.beacons,
                )
            })
            .collect()
    }

    #[test]
    fn repeats_are_read_as_their_originals_and_changes_in_full() {
        let frames = [
            beacon("a", 1, 1),
            beacon("a", 1, 2),
            beacon("b", 6, 3),
            beacon("b", 6, 4),
            beacon("a", 1, 5),
            beacon("a", 11, 6),
        ];
        let want = vec![
            ("a".to_string(), Some(11), 4),
            ("b".to_string(), Some(6), 2),
        ];
        assert_eq!(advertised(&frames, true), want);
        assert_eq!(advertised(&frames, false), want);
    }
}
