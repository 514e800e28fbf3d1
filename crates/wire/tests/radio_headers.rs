//! Radio headers on real captures (radiotap, PPI, PRISM) and on hand-built headers (PPI-GPS,
//! AVS). Reference values come from the captures' own headers as tcpdump and the real
//! Kismet (shared/data/reference) decode them.

use std::path::{Path, PathBuf};

use osprey_wire::radio::{Decap, GpsFix, RadioInfo};
use osprey_wire::{avs, ppi, prism, radiotap, ErrorKind};

fn shared_data() -> PathBuf {
    match std::env::var_os("OSPREY_SHARED_DATA") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")),
    }
}

fn data_file(rel: &str) -> PathBuf {
    let p = shared_data().join(rel);
    assert!(
        p.exists(),
        "test data not found at {} (set OSPREY_SHARED_DATA)",
        p.display()
    );
    p
}

/// A minimal classic-pcap reader: (link type, records). Stops at a truncated record.
fn pcap(path: &Path) -> (u32, Vec<Vec<u8>>) {
    let buf = std::fs::read(path).unwrap();
    let magic = u32::from_le_bytes(buf[0..4].try_into().unwrap());
    let le = match magic {
        0xa1b2_c3d4 | 0xa1b2_3c4d => true,
        0xd4c3_b2a1 | 0x4d3c_b2a1 => false,
        _ => panic!("{}: not a pcap file", path.display()),
    };
    let rd = |off: usize| {
        let b: [u8; 4] = buf[off..off + 4].try_into().unwrap();
        if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        }
    };
    // The upper bits of the link type may carry FCS-length information.
    let linktype = rd(20) & 0xffff;
    let mut records = Vec::new();
    let mut off = 24;
    while off + 16 <= buf.len() {
        let incl = rd(off + 8) as usize;
        off += 16;
        if off + incl > buf.len() {
            break;
        }
        records.push(buf[off..off + incl].to_vec());
        off += incl;
    }
    (linktype, records)
}

/// CRC-32 (IEEE 802.3), as the 802.11 FCS uses it.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Whether the last 4 bytes of `frame` are the CRC of the rest.
fn fcs_ok(frame: &[u8]) -> bool {
    let Some(split) = frame.len().checked_sub(4) else {
        return false;
    };
    let (body, fcs) = frame.split_at(split);
    crc32(body) == u32::from_le_bytes(fcs.try_into().unwrap())
}

fn decap_all(
    rel: &str,
    f: fn(&[u8]) -> osprey_wire::Result<Decap<'_>>,
) -> Vec<(RadioInfo, usize, Vec<u8>)> {
    let (_, recs) = pcap(&data_file(rel));
    recs.iter()
        .enumerate()
        .map(|(i, r)| {
            let d = f(r).unwrap_or_else(|e| panic!("{rel} frame {}: {e}", i + 1));
            assert_eq!(d.header_len + d.frame.len(), r.len());
            (d.radio, d.header_len, d.frame.to_vec())
        })
        .collect()
}

/// The first Flags field of a radiotap header (0 if none).
fn radiotap_flags(buf: &[u8]) -> u8 {
    let h = radiotap::Header::new_checked(buf).unwrap();
    h.fields()
        .flatten()
        .find(|f| f.index == radiotap::field::FLAGS && f.namespace == radiotap::Namespace::Radiotap)
        .map_or(0, |f| f.data[0])
}

#[test]
fn radiotap_every_capture_decaps() {
    let dir = data_file("radiotap");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pcap"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 15);
    let (mut frames, mut fcs_checked) = (0, 0);
    let mut fcs_bad = std::collections::BTreeMap::<String, usize>::new();
    for path in &files {
        let (linktype, recs) = pcap(path);
        assert_eq!(linktype, 127, "{}", path.display());
        let heapoverflow = path.ends_with("tcpdump_radiotap-heapoverflow.pcap");
        for (i, r) in recs.iter().enumerate() {
            let res = radiotap::decap(r);
            if heapoverflow {
                // version 0x30, it_len 8: rejected
                assert_eq!(res.unwrap_err().kind, ErrorKind::Unsupported);
                continue;
            }
            let d = res.unwrap_or_else(|e| panic!("{} frame {}: {e}", path.display(), i + 1));
            frames += 1;
            assert_eq!(d.header_len + d.frame.len(), r.len());
            // Whenever the header says the FCS is there and good (and no padding was
            // inserted), it must check out: this pins down it_len and the Flags field.
            let pad = radiotap_flags(r) & radiotap::flags::DATA_PAD != 0;
            if d.radio.fcs_present && !pad {
                fcs_checked += 1;
                if !fcs_ok(d.frame) {
                    // None of these captures flags its bad frames in the header.
                    assert!(!d.radio.bad_fcs);
                    let name = path.file_name().unwrap().to_string_lossy().into_owned();
                    *fcs_bad.entry(name).or_insert(0) += 1;
                }
            }
        }
    }
    assert_eq!(frames, 2206);
    assert_eq!(fcs_checked, 2157);
    // The frames whose FCS does not check out are exactly as many as the packets the real
    // Kismet logged with the error flag in these files.
    let bad: Vec<(&str, usize)> = fcs_bad.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        bad,
        [
            ("packetnet_80211_plus_radiotap_header.pcap", 9),
            ("scapy_bad_rsn_parsing_overrides_ssid.pcap", 1),
            ("wireshark_wpa-Induction.pcap", 13),
        ]
    );
}

#[test]
fn radiotap_wpa_induction() {
    let all = decap_all("radiotap/wireshark_wpa-Induction.pcap", radiotap::decap);
    assert_eq!(all.len(), 1093);
    let mut beacons = 0;
    for (radio, _, frame) in &all {
        assert_eq!(radio.freq_mhz, Some(2412));
        assert!(radio.rate_kbps.is_some());
        if frame.first() == Some(&0x80) {
            beacons += 1;
            // Kismet's log: 2412000 kHz, 1.0 Mbit/s for the beacons.
            assert_eq!(radio.rate_kbps, Some(1000));
        }
    }
    assert_eq!(beacons, 398);
}

#[test]
fn radiotap_extended_presence_mask() {
    // Two radiotap namespaces: the combined signal (-80) in the first, per-chain signal and
    // antenna in the second.
    let all = decap_all(
        "radiotap/packetnet_80211_radiotap_extended_presence_mask.pcap",
        radiotap::decap,
    );
    let (radio, hl, frame) = &all[0];
    assert_eq!(*hl, 36);
    assert_eq!(radio.freq_mhz, Some(2437));
    assert_eq!(radio.channel_flags, Some(0x00a0));
    assert_eq!(radio.signal_dbm, Some(-80));
    assert_eq!(radio.rate_kbps, Some(1000));
    assert_eq!(radio.antenna, Some(0));
    assert_eq!(radio.tsft, Some(0x0000_0502_8715_1b55));
    assert!(radio.fcs_present && !radio.bad_fcs);
    assert_eq!(frame[0], 0x50); // probe response
    assert!(fcs_ok(frame));
}

#[test]
fn radiotap_tcpdump_exthdr() {
    // Presence words with undefined bits (fields 32+): parsing stops there, the fields before
    // are kept. Values as tcpdump prints them (tests/ieee802.11_exthdr.out).
    let all = decap_all("radiotap/tcpdump_ieee802.11_exthdr.pcap", radiotap::decap);
    assert_eq!(all.len(), 26);
    let (r, _, _) = &all[0];
    assert_eq!(r.rate_kbps, Some(1000));
    assert_eq!(r.freq_mhz, Some(2412));
    assert_eq!(r.signal_dbm, Some(-22));
    assert_eq!(r.noise_dbm, Some(-86));
    assert_eq!(r.antenna, Some(1));
    // third frame: transmitted, no channel or signal
    let (r, _, _) = &all[2];
    assert_eq!(r.rate_kbps, Some(1000));
    assert_eq!(r.freq_mhz, None);
    assert_eq!(r.signal_dbm, None);
    assert_eq!(r.noise_dbm, Some(-86));
    // last two: HT "19.5 Mb/s MCS 2 20 MHz lon GI", "52.0 Mb/s MCS 11 20 MHz lon GI"
    let (r, _, _) = &all[24];
    assert_eq!((r.mcs, r.rate_kbps), (Some(2), Some(19_500)));
    assert_eq!(r.signal_dbm, Some(-22));
    let (r, _, _) = &all[25];
    assert_eq!((r.mcs, r.rate_kbps), (Some(11), Some(52_000)));
    assert_eq!(r.signal_dbm, Some(-21));
}

#[test]
fn radiotap_he_and_dmg() {
    // HE SU frame on 5180 MHz: data MCS 9, 40 MHz, 0.8 µs GI, 1 stream = 229.4 Mbit/s; the
    // header ends with a vendor namespace.
    let all = decap_all("radiotap/tcpdump_ieee802.11_htc.pcap", radiotap::decap);
    let (r, hl, _) = &all[0];
    assert_eq!(*hl, 60);
    assert_eq!(r.freq_mhz, Some(5180));
    assert_eq!(r.signal_dbm, Some(-45));
    assert_eq!(r.mcs, Some(9));
    assert_eq!(r.rate_kbps, Some(229_412));
    // 802.11ad beacon at 60.48 GHz: MCS 0 is a DMG MCS, no HT rate.
    let all = decap_all("radiotap/aircrack_80211ad_beacon.pcap", radiotap::decap);
    let (r, _, _) = &all[0];
    assert_eq!(r.freq_mhz, Some(60_480));
    assert_eq!(r.mcs, Some(0));
    assert_eq!(r.rate_kbps, None);
}

#[test]
fn ppi_per_packet_information() {
    let path = data_file("ppi/packetnet_80211_per_packet_information.pcap");
    let (linktype, recs) = pcap(&path);
    assert_eq!(linktype, 192);
    let mut signals = Vec::new();
    let mut rates = Vec::new();
    for r in &recs {
        let h = ppi::Header::new_checked(&r[..]).unwrap();
        assert_eq!(h.dlt(), ppi::DLT_IEEE802_11);
        assert_eq!(h.version(), 0);
        let d = ppi::decap(r).unwrap();
        assert_eq!(d.header_len, 32);
        assert_eq!(d.frame, h.payload());
        assert_eq!(d.radio.freq_mhz, Some(2437));
        assert_eq!(d.radio.noise_dbm, Some(-100));
        assert!(d.radio.fcs_present && !d.radio.bad_fcs);
        assert!(fcs_ok(d.frame));
        assert_eq!(d.radio.gps, None);
        signals.push(d.radio.signal_dbm.unwrap());
        rates.push(d.radio.rate_kbps.unwrap());
    }
    // Kismet's log: -84/-78/-84/-84 dBm, 2/2/1/2 Mbit/s, 2437 MHz.
    assert_eq!(signals, [-84, -78, -84, -84]);
    assert_eq!(rates, [2000, 2000, 1000, 2000]);
}

#[test]
fn ppi_multiple_fields() {
    let path = data_file("ppi/packetnet_80211_ppi_multiplefields.pcap");
    let (_, recs) = pcap(&path);
    assert_eq!(recs.len(), 1);
    let r = &recs[0];
    let h = ppi::Header::new_checked(&r[..]).unwrap();
    let kinds: Vec<u16> = h.fields().map(|f| f.unwrap().kind).collect();
    assert_eq!(
        kinds,
        [
            ppi::field_type::COMMON_80211,
            ppi::field_type::MACPHY_80211N
        ]
    );
    let f = h.fields().nth(1).unwrap().unwrap();
    let m = ppi::MacPhyExt::parse(f.data).unwrap();
    assert_eq!(m.mcs, 15);
    assert_eq!(m.num_streams, 2);
    assert_eq!(m.flags & (ppi::n_flags::HT40 | ppi::n_flags::SHORT_GI), 0x6);
    assert_eq!(m.ext_freq_mhz, 2442);
    assert_eq!(m.chain_signal_dbm, [-62, -62, -66, -128]);
    assert_eq!(m.rate_kbps(), Some(300_000));
    let d = ppi::decap(r).unwrap();
    assert_eq!(d.header_len, 84);
    // Kismet: 2422 MHz, -56 dBm, 300 Mbit/s.
    assert_eq!(d.radio.freq_mhz, Some(2422));
    assert_eq!(d.radio.signal_dbm, Some(-56));
    assert_eq!(d.radio.noise_dbm, Some(-96));
    assert_eq!(d.radio.rate_kbps, Some(300_000));
    assert_eq!(d.radio.mcs, Some(15));
    assert!(d.radio.fcs_present && !d.radio.bad_fcs);
    assert!(fcs_ok(d.frame));
    assert_eq!(d.frame[0], 0x88); // QoS data
}

#[test]
fn ppi_fcs_invalid() {
    // The 802.11-Common flags are 0x0005: FCS present (0x1) and FCS invalid (0x4). The header
    // itself says the FCS is bad, and recomputing the CRC agrees.
    let path = data_file("ppi/packetnet_80211_ppi_fcs_invalid.pcap");
    let (_, recs) = pcap(&path);
    assert_eq!(recs.len(), 1);
    let h = ppi::Header::new_checked(&recs[0][..]).unwrap();
    let c = ppi::Common::parse(h.fields().next().unwrap().unwrap().data).unwrap();
    assert_eq!(
        c.flags,
        ppi::common_flags::FCS_PRESENT | ppi::common_flags::FCS_INVALID
    );
    let d = ppi::decap(&recs[0]).unwrap();
    assert!(d.radio.fcs_present);
    assert!(d.radio.bad_fcs);
    assert!(!fcs_ok(d.frame));
    assert_eq!(d.radio.freq_mhz, Some(2412));
    assert_eq!(d.radio.rate_kbps, Some(11_000));
    assert_eq!(d.radio.signal_dbm, Some(-69));
    assert_eq!(d.radio.noise_dbm, Some(-75));
}

/// Builds a PPI packet: header (flags, dlt 105), the given fields, then `frame`.
fn ppi_packet(flags: u8, fields: &[(u16, Vec<u8>)], frame: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (kind, data) in fields {
        body.extend_from_slice(&kind.to_le_bytes());
        body.extend_from_slice(&(data.len() as u16).to_le_bytes());
        body.extend_from_slice(data);
        if flags & ppi::FLAG_ALIGN32 != 0 {
            while (8 + body.len()) % 4 != 0 {
                body.push(0);
            }
        }
    }
    let mut p = vec![0, flags];
    p.extend_from_slice(&((8 + body.len()) as u16).to_le_bytes());
    p.extend_from_slice(&105u32.to_le_bytes());
    p.extend_from_slice(&body);
    p.extend_from_slice(frame);
    p
}

/// Builds a PPI-GEOLOCATION GPS tag (version 2) from (presence bit, bytes) in bit order.
fn gps_tag(extra_present_words: &[u32], fields: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut present = 0u32;
    let mut data = Vec::new();
    for (bit, bytes) in fields {
        present |= 1 << bit;
        data.extend_from_slice(bytes);
    }
    if !extra_present_words.is_empty() {
        present |= ppi::gps_present::EXT;
    }
    let mut t = vec![2, 0];
    let len = 8 + 4 * extra_present_words.len() + data.len();
    t.extend_from_slice(&(len as u16).to_le_bytes());
    t.extend_from_slice(&present.to_le_bytes());
    for w in extra_present_words {
        t.extend_from_slice(&w.to_le_bytes());
    }
    t.extend_from_slice(&data);
    t
}

fn u32le(v: u32) -> Vec<u8> {
    v.to_le_bytes().to_vec()
}

fn common_field(freq: u16, signal: i8) -> (u16, Vec<u8>) {
    let mut c = vec![0u8; 20];
    c[8] = 0x01; // FCS present
    c[10] = 12; // 6 Mbit/s
    c[12..14].copy_from_slice(&freq.to_le_bytes());
    c[18] = signal as u8;
    (ppi::field_type::COMMON_80211, c)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

#[test]
fn ppi_gps_hand_built() {
    // lat 38.8977, lon -77.0365, alt 12.5 m, per PPI-GEOLOCATION: fixed3_7 = (deg + 180)
    // × 1e7, fixed6_4 = (m + 180000) × 1e4.
    let lat = u32le(2_188_977_000);
    let lon = u32le(1_029_635_000);
    let alt = u32le(1_800_125_000);
    let frame = [0x80, 0x00, 0, 0];

    // GPS flags, lat, lon, alt.
    let tag = gps_tag(
        &[],
        &[
            (0, u32le(2)),
            (1, lat.clone()),
            (2, lon.clone()),
            (3, alt.clone()),
        ],
    );
    let pkt = ppi_packet(
        0,
        &[common_field(2412, -40), (ppi::field_type::GPS, tag)],
        &frame,
    );
    let d = ppi::decap(&pkt).unwrap();
    assert_eq!(d.frame, frame);
    assert_eq!(d.radio.freq_mhz, Some(2412));
    assert_eq!(d.radio.signal_dbm, Some(-40));
    let GpsFix {
        lat: la,
        lon: lo,
        alt: al,
    } = d.radio.gps.unwrap();
    assert!(close(la, 38.8977), "{la}");
    assert!(close(lo, -77.0365), "{lo}");
    assert!(close(al.unwrap(), 12.5), "{al:?}");

    // Every field before the description string, the string, the app id, app data; GPS
    // first, 32-bit aligned PPI fields, odd-sized unknown field in between.
    let tag = gps_tag(
        &[],
        &[
            (0, u32le(1)),
            (1, lat.clone()),
            (2, lon.clone()),
            (3, alt.clone()),
            (4, u32le(1_800_020_000)), // 2 m above ground
            (5, u32le(1_700_000_000)),
            (6, u32le(500_000_000)),
            (7, u32le(3_500_000)), // 3.5 m
            (8, u32le(7_000_000)),
            (9, u32le(1000)),
            (
                28,
                b"osprey test fix\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0".to_vec(),
            ),
            (29, u32le(0xdead_beef)),
            (30, vec![0x55; 60]),
        ],
    );
    let g = ppi::parse_gps(&tag).unwrap();
    assert_eq!(g.version, 2);
    assert_eq!(g.flags, Some(1));
    assert!(close(g.lat.unwrap(), 38.8977));
    assert!(close(g.alt_gnd.unwrap(), 2.0));
    assert_eq!(g.gps_time, Some(1_700_000_000));
    assert_eq!(g.fractional_time, Some(500_000_000));
    assert!(close(g.eph.unwrap(), 3.5));
    assert!(close(g.epv.unwrap(), 7.0));
    assert!(close(g.ept.unwrap(), 1e-6));
    assert_eq!(g.app_id, Some(0xdead_beef));
    let pkt = ppi_packet(
        ppi::FLAG_ALIGN32,
        &[
            (ppi::field_type::GPS, tag),
            (9, vec![1, 2, 3]),
            common_field(5180, -70),
        ],
        &frame,
    );
    let d = ppi::decap(&pkt).unwrap();
    assert_eq!(d.radio.freq_mhz, Some(5180));
    let fix = d.radio.gps.unwrap();
    assert!(close(fix.lon, -77.0365));
    assert!(close(fix.alt.unwrap(), 12.5));

    // Extended presence words are skipped; no altitude → alt None.
    let tag = gps_tag(
        &[0x8000_0000, 0x0000_0001],
        &[(1, lat.clone()), (2, lon.clone())],
    );
    let pkt = ppi_packet(0, &[(ppi::field_type::GPS, tag)], &frame);
    let fix = ppi::decap(&pkt).unwrap().radio.gps.unwrap();
    assert!(close(fix.lat, 38.8977) && close(fix.lon, -77.0365));
    assert_eq!(fix.alt, None);

    // Latitude only: no fix.
    let tag = gps_tag(&[], &[(1, lat.clone())]);
    let pkt = ppi_packet(0, &[(ppi::field_type::GPS, tag)], &frame);
    assert_eq!(ppi::decap(&pkt).unwrap().radio.gps, None);
    let mut tag = gps_tag(&[], &[(1, lat.clone()), (2, lon.clone())]);
    tag[4] |= 1; // GPS-flags bit set without its bytes: the values shift, lon runs out
    let g = ppi::parse_gps(&tag).unwrap();
    assert!(g.lon.is_none());
    // A reserved bit (10) stops the parse after the fields before it.
    let mut tag = gps_tag(&[], &[(1, lat.clone()), (2, lon.clone()), (3, alt.clone())]);
    tag[5] |= 0x04;
    let g = ppi::parse_gps(&tag).unwrap();
    assert!(g.lat.is_some() && g.lon.is_some() && g.alt.is_some());

    // A GPS tag whose length exceeds its PPI field: ignored, the packet still decaps.
    let mut tag = gps_tag(&[], &[(1, lat.clone()), (2, lon.clone())]);
    tag[2] = 200;
    let pkt = ppi_packet(0, &[(ppi::field_type::GPS, tag)], &frame);
    let d = ppi::decap(&pkt).unwrap();
    assert_eq!(d.radio.gps, None);
    assert_eq!(d.frame, frame);

    // Every truncation of a GPS packet is an error or a decap, never a panic.
    let tag = gps_tag(&[0x1], &[(1, lat), (2, lon), (3, alt)]);
    let pkt = ppi_packet(
        0,
        &[common_field(2437, -50), (ppi::field_type::GPS, tag)],
        &frame,
    );
    for n in 0..pkt.len() {
        let _ = ppi::decap(&pkt[..n]);
        let mut short = pkt[..n].to_vec();
        if short.len() >= 4 {
            short[2..4].copy_from_slice(&(n as u16).to_le_bytes());
            let _ = ppi::decap(&short);
        }
    }
}

#[test]
fn prism_aircrack_wpa() {
    let path = data_file("prism/aircrack_wpa.cap");
    let (linktype, recs) = pcap(&path);
    assert_eq!(linktype, 119);
    assert_eq!(recs.len(), 13);
    let mut rates = Vec::new();
    for r in &recs {
        let h = prism::Header::new_checked(&r[..]).unwrap();
        assert!(!h.is_big_endian());
        assert_eq!(h.msgcode(), 0x44);
        assert_eq!(h.msglen(), 144);
        assert_eq!(h.devname(), b"ath0");
        assert_eq!(h.value(prism::item::CHANNEL), Some(7));
        // The signal item holds 57 or so: not dBm (madwifi reports RSSI here).
        assert!(h.value(prism::item::SIGNAL).is_some());
        // This driver blanks the sq and noise items (did 0).
        assert_eq!(h.value(prism::item::NOISE), None);
        assert_eq!(h.value(prism::item::FRMLEN), Some((r.len() - 144) as u32));
        let d = prism::decap(r).unwrap();
        assert_eq!(d.header_len, 144);
        assert_eq!(d.radio.freq_mhz, Some(2442));
        assert_eq!(d.radio.signal_dbm, None);
        assert_eq!(d.radio.noise_dbm, None);
        assert!(d.radio.tsft.is_some());
        // PRISM does not say whether the FCS is there; with this driver it is.
        assert!(!d.radio.fcs_present);
        assert!(fcs_ok(d.frame));
        rates.push(d.radio.rate_kbps.unwrap());
    }
    assert_eq!(recs[0][144], 0x80); // the beacon
    assert_eq!(rates[0], 1000);
    assert!(rates[1..].iter().all(|&r| r == 11_000));
}

fn avs_header(version: u32, length: u32) -> Vec<u8> {
    let mut h = vec![0u8; length as usize];
    let mut put = |off: usize, v: u32| h[off..off + 4].copy_from_slice(&v.to_be_bytes());
    put(0, version);
    put(4, length);
    put(8, 0x0000_0001); // mactime high
    put(12, 0x0000_0002); // mactime low
    put(24, avs::phytype::OFDM_DOT11_A);
    put(28, 36);
    put(32, 540);
    put(36, 1);
    put(44, avs::ssi_type::DBM);
    put(48, (-61i32) as u32);
    put(52, (-95i32) as u32);
    put(56, 1);
    put(60, 3);
    h
}

#[test]
fn avs_hand_built() {
    let frame = [0xd4, 0x00, 0x00, 0x00];
    for (version, length) in [(avs::VERSION_1, 64), (avs::VERSION_2, 80)] {
        let mut pkt = avs_header(version, length);
        pkt.extend_from_slice(&frame);
        let h = avs::Header::new_checked(&pkt[..]).unwrap();
        assert_eq!(h.version(), version);
        assert_eq!(h.mactime(), 0x1_0000_0002);
        assert_eq!(h.channel(), 36);
        assert_eq!(h.preamble(), 1);
        assert_eq!(h.encoding(), 3);
        assert_eq!(h.payload(), frame);
        for d in [avs::decap(&pkt).unwrap(), prism::decap(&pkt).unwrap()] {
            assert_eq!(d.header_len, length as usize);
            assert_eq!(d.frame, frame);
            assert_eq!(d.radio.freq_mhz, Some(5180));
            assert_eq!(d.radio.rate_kbps, Some(54_000));
            assert_eq!(d.radio.signal_dbm, Some(-61));
            assert_eq!(d.radio.noise_dbm, Some(-95));
            assert_eq!(d.radio.antenna, Some(1));
            assert_eq!(d.radio.tsft, Some(0x1_0000_0002));
            assert_eq!(d.radio.channel_flags, Some(avs::phytype::OFDM_DOT11_A));
        }
    }
    // Raw RSSI is not dBm.
    let mut pkt = avs_header(avs::VERSION_1, 64);
    pkt[44..48].copy_from_slice(&avs::ssi_type::RAW_RSSI.to_be_bytes());
    let d = avs::decap(&pkt).unwrap();
    assert_eq!((d.radio.signal_dbm, d.radio.noise_dbm), (None, None));
    assert!(d.frame.is_empty());
    // Bad version, short length, length past the buffer, truncations.
    let mut bad = pkt.clone();
    bad[3] = 0x03;
    assert_eq!(avs::decap(&bad).unwrap_err().kind, ErrorKind::Unsupported);
    let mut bad = pkt.clone();
    bad[4..8].copy_from_slice(&32u32.to_be_bytes());
    assert_eq!(avs::decap(&bad).unwrap_err().kind, ErrorKind::Malformed);
    let mut bad = pkt.clone();
    bad[4..8].copy_from_slice(&80u32.to_be_bytes());
    assert_eq!(avs::decap(&bad).unwrap_err().kind, ErrorKind::Truncated);
    for n in 0..pkt.len() {
        assert!(avs::decap(&pkt[..n]).is_err());
        let _ = prism::decap(&pkt[..n]);
    }
}
