//! The per-(BSSID, SSID) records that CRYPTODROP, ADVCRYPTCHANGE, CHANCHANGE, PROBECHAN,
//! DOT11D and BEACONRATE compare each beacon and probe response with, and the detector that
//! keeps them.
//!
//! For every beacon (8) and probe response (5) whose BSSID is a device address, the frame's
//! advertisement is read in one pass over its elements, without allocating ([`Advert`]): the
//! SSID (or, without one, the mesh ID) as a 64-bit hash, the crypt set ([`super::crypt`]), the
//! channel (the HT operation primary channel when present, else the DS parameter set, else
//! the 6 GHz operation primary channel; 0 when none), the 802.11d country code and a hash of
//! the rest of the country element, and the beacon interval. A frame whose element list is
//! truncated or malformed, or whose SSID is longer than 32 bytes, is skipped (its missing
//! elements would read as changes).
//!
//! Beacons and probe responses have separate record sets, as in Kismet. A record is created
//! from the first frame of its (BSSID, SSID) and raises nothing; later frames are compared
//! with it field by field, and each check updates the field it compares. Growth: one entry
//! per BSSID seen advertising, each with at most [`MAX_SSIDS`] beacon records and as many
//! probe-response records (about 50 bytes each); SSIDs beyond that for one BSSID (an SSID
//! flood) get no record and so no checks. At most `detector_max_macs` BSSIDs are kept: when
//! full, the least recently seen tenth is dropped (see `crate::bounded`), and a BSSID seen
//! again starts with new records.

use kismetdb::MacAddr;
use osprey_alerts::{AlertRef, AlertTracker};
use osprey_dissect::{Dot11, Span};
use osprey_wire::ieee80211::{ie, FrameType};

use super::{beaconrate, chanchange, crypt, cryptodrop, dot11d, probechan};
use crate::bounded::BoundedMap;
use crate::{Context, Detector, Findings};

/// The most SSID records of one kind (beacon or probe response) kept per BSSID.
pub const MAX_SSIDS: usize = 64;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a over `bytes`, starting from `h`.
pub(crate) fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// Channel numbers of the 6 GHz band are kept apart from the 2.4/5 GHz ones with this bit.
pub(crate) const BAND_6GHZ: u16 = 0x100;

/// The channel number of a stored channel (without the band bit).
pub(crate) fn channel_number(c: u16) -> u16 {
    c & 0xff
}

/// What one beacon or probe response advertises, read without allocating.
pub(crate) struct Advert<'a> {
    /// The SSID element's bytes (empty when absent).
    pub ssid: &'a [u8],
    /// Hash of the SSID (or mesh ID): the record key.
    pub key: u64,
    /// The crypt set; `None` when an RSN or WPA element does not parse.
    pub crypt: Option<u64>,
    /// The advertised channel (see the module documentation); 0 when unknown.
    pub channel: u16,
    /// The 802.11d country code.
    pub country: Option<[u8; 2]>,
    /// Hash of the country element after the code (environment and channel ranges).
    pub ranges: u64,
    /// The beacon interval (TU).
    pub interval: u16,
}

impl<'a> Advert<'a> {
    /// Reads a beacon's or probe response's advertisement; `None` when it cannot be trusted.
    /// `ctx` is the packet's context, whose element table is shared with other detectors.
    pub(crate) fn parse(d: &Dot11<'a>, ctx: &crate::Context<'a, '_>) -> Option<Advert<'a>> {
        let body = d.body();
        let interval = u16::from_le_bytes([*body.get(8)?, *body.get(9)?]);
        let (mut els, damaged) = ctx.element_walk(d.elements()?);
        let mut ssid: Option<&[u8]> = None;
        let mut mesh: Option<&[u8]> = None;
        let (mut ds, mut ht, mut six) = (0u16, 0u16, 0u16);
        let (mut country, mut ranges) = (None, 0u64);
        let (mut set, mut crypt_ok) = (0u64, true);
        for e in els.by_ref() {
            match e.id {
                ie::id::SSID if ssid.is_none() => ssid = Some(e.data),
                ie::id::MESH_ID if mesh.is_none() => mesh = Some(e.data),
                ie::id::DS_PARAMS => {
                    if let [c] = e.data {
                        ds = u16::from(*c);
                    }
                }
                ie::id::HT_OPERATION => {
                    if let Ok(h) = ie::HtOperation::parse(e.data) {
                        ht = u16::from(h.primary_channel);
                    }
                }
                ie::id::COUNTRY => {
                    if let [a, b, rest @ ..] = e.data {
                        country = Some([*a, *b]);
                        // The environment byte and the whole triplets (a pad byte is left out).
                        let (env, triplets) = rest.split_at(rest.len().min(1));
                        let whole = triplets.len() - triplets.len() % 3;
                        ranges = fnv(fnv(FNV_OFFSET, env), triplets.get(..whole).unwrap_or(&[]));
                    }
                }
                ie::id::RSN => match crypt::rsn(e.data) {
                    Some(s) => set |= s,
                    None => crypt_ok = false,
                },
                ie::id::VENDOR => match e.data {
                    [0x00, 0x50, 0xf2, 0x01, ..] => match crypt::wpa(e.data) {
                        Some(s) => set |= s,
                        None => crypt_ok = false,
                    },
                    [0x50, 0x6f, 0x9a, 0x1c, ..] => set |= crypt::OWE_TRANSITION,
                    _ => {}
                },
                ie::id::EXTENSION if e.ext_id == Some(ie::ext_id::HE_OPERATION) => {
                    if let Some(s) = ie::HeOperation::parse(e.data).ok().and_then(|h| h.six_ghz) {
                        six = BAND_6GHZ | u16::from(s.primary_channel);
                    }
                }
                _ => {}
            }
        }
        if damaged || ssid.is_some_and(|s| s.len() > 32) {
            return None;
        }
        let key = match (ssid, mesh) {
            (Some(s), _) => fnv(FNV_OFFSET, s),
            (None, Some(m)) => fnv(FNV_OFFSET ^ 0x72, m),
            (None, None) => FNV_OFFSET ^ 0x7f,
        };
        let channel = [ht, ds, six]
            .into_iter()
            .find(|c| channel_number(*c) != 0)
            .unwrap_or(0);
        Some(Advert {
            ssid: ssid.unwrap_or(&[]),
            key,
            crypt: crypt_ok.then_some(set),
            channel,
            country,
            ranges,
            interval,
        })
    }
}

/// What one (BSSID, SSID) advertised last.
pub(crate) struct Record {
    key: u64,
    /// Crypt set (`None` until a frame with parseable crypto elements).
    pub crypt: Option<u64>,
    /// Channel, 0 until known.
    pub channel: u16,
    /// Country code.
    pub country: Option<[u8; 2]>,
    /// Hash of the rest of the country element.
    pub ranges: u64,
    /// Beacon interval, 0 until known.
    pub interval: u16,
    /// The packet number of the last frame of this record.
    pub packet: u64,
}

impl Record {
    fn new(a: &Advert<'_>, packet: u64) -> Record {
        Record {
            key: a.key,
            crypt: a.crypt,
            channel: a.channel,
            country: a.country,
            ranges: a.ranges,
            interval: a.interval,
            packet,
        }
    }
}

/// Per BSSID: its beacon and probe-response records, and the channel of its last beacon.
#[derive(Default)]
struct Bss {
    beacons: Vec<Record>,
    responses: Vec<Record>,
    beacon_channel: u16,
    beacon_packet: u64,
    /// The advertisement of the last beacon, and of the last probe response, read.
    last_beacon: Option<Kept>,
    last_response: Option<Kept>,
}

/// An [`Advert`] kept for a repeat of its frame (`Context::repeat_of`): the SSID as its place
/// in the frame, which a repeat has at the same place.
struct Kept {
    /// The packet number of the frame it was read from.
    packet: u64,
    key: u64,
    crypt: Option<u64>,
    channel: u16,
    country: Option<[u8; 2]>,
    ranges: u64,
    /// Where the SSID is in the frame's bytes.
    ssid: Span,
}

impl Kept {
    /// Keeps `a`, read from frame `d` (packet `packet`); `None` if its SSID is not in `d`.
    fn new(a: &Advert<'_>, d: &Dot11<'_>, packet: u64) -> Option<Kept> {
        let ssid = if a.ssid.is_empty() {
            Span::default()
        } else {
            Span::of(d.bytes(), a.ssid)?
        };
        Some(Kept {
            packet,
            key: a.key,
            crypt: a.crypt,
            channel: a.channel,
            country: a.country,
            ranges: a.ranges,
            ssid,
        })
    }

    /// The advertisement of `d`, a repeat of the frame this was read from.
    fn advert<'a>(&self, d: &Dot11<'a>) -> Option<Advert<'a>> {
        let body = d.body();
        Some(Advert {
            ssid: self.ssid.get(d.bytes()),
            key: self.key,
            crypt: self.crypt,
            channel: self.channel,
            country: self.country,
            ranges: self.ranges,
            interval: u16::from_le_bytes([*body.get(8)?, *body.get(9)?]),
        })
    }
}

/// The alerts the records raise.
pub(crate) struct Refs {
    pub cryptodrop: Option<AlertRef>,
    pub advcryptchange: Option<AlertRef>,
    pub chanchange: Option<AlertRef>,
    pub probechan: Option<AlertRef>,
    pub dot11d: Option<AlertRef>,
    pub beaconrate: Option<AlertRef>,
}

/// Where a check sends what it raises.
pub(crate) struct Out<'c, 'p, 'a> {
    pub ctx: &'c Context<'p, 'a>,
    pub alerts: &'c mut AlertTracker,
    pub f: &'c mut Findings,
}

impl Out<'_, '_, '_> {
    /// Raises `header` (when registered) with the packet's addresses, and records it with
    /// the earlier packet `before` and this one as evidence.
    pub fn raise(&mut self, header: &str, r: Option<AlertRef>, before: u64, text: &str) {
        let Some(r) = r else { return };
        let p = self.ctx.packet;
        let outcome = crate::raise(
            self.alerts,
            r,
            self.ctx,
            [p.bssid, p.source, p.dest, p.transmitter],
            text,
        );
        let mut evidence = vec![p.packet_no];
        if before != 0 && before < p.packet_no {
            evidence.insert(0, before);
        }
        self.f.record_evidence(header, outcome, evidence);
    }
}

/// The SSID's printable form, as the SSID-content alerts show it.
pub(crate) fn ssid_text(raw: &[u8]) -> std::borrow::Cow<'_, str> {
    crate::detectors::ssid::printable_ssid(raw)
}

/// The detector behind the six record alerts.
pub struct SsidRecords {
    refs: Refs,
    country_full: bool,
    bss: BoundedMap<MacAddr, Bss>,
}

impl SsidRecords {
    pub(crate) fn new(refs: Refs, country_full: bool, max: usize) -> Self {
        SsidRecords {
            refs,
            country_full,
            bss: BoundedMap::new(max),
        }
    }
}

impl Detector for SsidRecords {
    fn evicted(&self) -> u64 {
        self.bss.evicted()
    }

    fn interest(&self) -> crate::Interest {
        crate::Interest::mgmt(1 << 5 | 1 << 8)
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let p = ctx.packet;
        let Some(d) = p.dot11() else { return };
        let st = d.subtype();
        if d.frame_type() != FrameType::Management || (st != 5 && st != 8) {
            return;
        }
        if !osprey_tracker::is_device_mac(&p.bssid) {
            return;
        }
        let beacon = st == 8;
        // A repeat of the frame last read for this BSSID and subtype advertises the same.
        let repeated = ctx.repeat_of().and_then(|prev| {
            let bss = self.bss.get(&p.bssid)?;
            let k = if beacon {
                bss.last_beacon.as_ref()
            } else {
                bss.last_response.as_ref()
            }?;
            if k.packet == prev {
                k.advert(d)
            } else {
                None
            }
        });
        let Some(adv) = repeated.or_else(|| Advert::parse(d, ctx)) else {
            return;
        };
        let (bss, _) = self.bss.get_or_insert_with(p.bssid, Bss::default);
        let keep = Kept::new(&adv, d, p.packet_no);
        if beacon {
            bss.last_beacon = keep;
        } else {
            bss.last_response = keep;
        }
        let mut out = Out { ctx, alerts, f };
        if !beacon {
            probechan::check(
                bss.beacon_channel,
                bss.beacon_packet,
                &adv,
                &self.refs,
                &mut out,
            );
        }
        let list = if beacon {
            &mut bss.beacons
        } else {
            &mut bss.responses
        };
        match list.iter_mut().find(|r| r.key == adv.key) {
            Some(rec) => {
                cryptodrop::check(rec, &adv, &self.refs, &mut out);
                if beacon {
                    chanchange::check(rec, &adv, &self.refs, &mut out);
                    dot11d::check(rec, &adv, self.country_full, &self.refs, &mut out);
                    beaconrate::check(rec, &adv, &self.refs, &mut out);
                }
                rec.packet = p.packet_no;
            }
            None => {
                if list.len() < MAX_SSIDS {
                    list.push(Record::new(&adv, p.packet_no));
                }
            }
        }
        if beacon && adv.channel != 0 {
            bss.beacon_channel = adv.channel;
            bss.beacon_packet = p.packet_no;
        }
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Beacons and probe responses with chosen fields, for the record tests.
    use crate::detectors::testing::{mgmt, AP};

    /// What a test frame advertises.
    #[derive(Clone)]
    pub struct Ad {
        /// Subtype: 8 beacon, 5 probe response.
        pub subtype: u8,
        /// SSID.
        pub ssid: &'static [u8],
        /// DS parameter set channel (`None`: no element).
        pub ds: Option<u8>,
        /// HT operation primary channel (`None`: no element).
        pub ht: Option<u8>,
        /// RSN AKM type (`None`: no RSN element).
        pub rsn_akm: Option<u8>,
        /// Country element data.
        pub country: Option<&'static [u8]>,
        /// Beacon interval.
        pub interval: u16,
        /// Capability.
        pub capability: u16,
        /// TSF.
        pub tsf: u64,
        /// Sequence number (frames that differ only in time would be duplicates).
        pub seq: u16,
    }

    impl Default for Ad {
        fn default() -> Self {
            Ad {
                subtype: 8,
                ssid: b"net",
                ds: Some(6),
                ht: None,
                rsn_akm: Some(2),
                country: None,
                interval: 100,
                capability: 0x0011,
                tsf: 0,
                seq: 0,
            }
        }
    }

    impl Ad {
        /// The frame, from `AP`.
        pub fn frame(&self) -> Vec<u8> {
            let mut body = self.tsf.to_le_bytes().to_vec();
            body.extend(self.interval.to_le_bytes());
            body.extend(self.capability.to_le_bytes());
            body.push(0);
            body.push(self.ssid.len() as u8);
            body.extend(self.ssid);
            body.extend([1, 4, 0x82, 0x84, 0x8b, 0x96]);
            if let Some(c) = self.ds {
                body.extend([3, 1, c]);
            }
            if let Some(c) = self.country {
                body.push(7);
                body.push(c.len() as u8);
                body.extend(c);
            }
            if let Some(akm) = self.rsn_akm {
                body.extend([
                    48, 20, 1, 0, 0, 0x0f, 0xac, 4, 1, 0, 0, 0x0f, 0xac, 4, 1, 0, 0, 0x0f, 0xac,
                    akm, 0, 0,
                ]);
            }
            if let Some(c) = self.ht {
                body.extend([61, 22, c]);
                body.extend([0u8; 21]);
            }
            let da = if self.subtype == 5 {
                crate::detectors::testing::STA
            } else {
                [0xff; 6]
            };
            let mut f = mgmt(self.subtype, da, AP, AP, &body);
            if let Some(s) = f.get_mut(22..24) {
                s.copy_from_slice(&(self.seq << 4).to_le_bytes());
            }
            f
        }
    }

    /// Frames five seconds apart (beyond the 1/sec bursts of the default rates), numbered in
    /// sequence.
    pub fn frames(ads: &[Ad]) -> Vec<(Vec<u8>, i64, i64)> {
        ads.iter()
            .enumerate()
            .map(|(i, a)| {
                let mut a = a.clone();
                a.seq = i as u16;
                (a.frame(), 100 + 5 * i as i64, 0)
            })
            .collect()
    }

    /// Headers emitted for `ads` with `config`.
    pub fn headers(ads: &[Ad], config: &str) -> Vec<String> {
        crate::detectors::testing::run_alerts(&frames(ads), config)
            .into_iter()
            .map(|a| a.header)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_sight_raises_nothing_and_truncated_frames_are_skipped() {
        use testing::*;
        assert!(headers(&[Ad::default()], "").is_empty());
        // A beacon cut inside its RSN element would read as a drop to open: skipped.
        let mut frames = frames(&[Ad::default(), Ad::default()]);
        let cut = frames[1].0.len() - 10;
        frames[1].0.truncate(cut);
        let fired = crate::detectors::testing::run(&frames);
        assert!(!fired.contains(&"CRYPTODROP".to_string()), "{fired:?}");
    }
}
