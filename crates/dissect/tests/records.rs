//! The per-packet record on real captures and on frames built by hand.

use std::path::PathBuf;

use osprey_capture::{Flow, Frame, Timestamp};
use osprey_dissect::{crc32::crc32, Dissector, Link, PacketError, Phy};

fn shared() -> PathBuf {
    let p = match std::env::var_os("OSPREY_SHARED_DATA") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    assert!(
        p.join("MANIFEST.md").is_file(),
        "no shared data at {}",
        p.display()
    );
    p
}

fn frame(dlt: u32, data: &[u8]) -> Frame<'_> {
    Frame {
        ts: Timestamp::new(1_700_000_000, 5),
        dlt,
        data,
        orig_len: data.len() as u32,
        interface: 0,
        offset: 0,
        gps: None,
    }
}

/// A radiotap header with flags, channel and antenna signal.
fn radiotap(flags: u8, mhz: u16, signal: i8) -> Vec<u8> {
    let present: u32 = (1 << 1) | (1 << 3) | (1 << 5);
    let mut h = vec![0u8, 0, 0, 0];
    h.extend(present.to_le_bytes());
    h.push(flags);
    h.push(0); // pad to 2 for the channel
    h.extend(mhz.to_le_bytes());
    h.extend(0x00a0u16.to_le_bytes());
    h.push(signal as u8);
    let len = h.len() as u16;
    h[2..4].copy_from_slice(&len.to_le_bytes());
    h
}

fn data_frame(flags: u8, a1: [u8; 6], a2: [u8; 6], a3: [u8; 6], a4: Option<[u8; 6]>) -> Vec<u8> {
    let mut f = vec![0x08, flags, 0, 0];
    f.extend(a1);
    f.extend(a2);
    f.extend(a3);
    f.extend([0x10, 0]);
    if let Some(a) = a4 {
        f.extend(a);
    }
    f.extend([0xaa, 0xaa, 3, 0, 0, 0, 0x08, 0x00]);
    f
}

const A: [u8; 6] = [2, 0, 0, 0, 0, 0xa];
const B: [u8; 6] = [2, 0, 0, 0, 0, 0xb];
const C: [u8; 6] = [2, 0, 0, 0, 0, 0xc];
const D: [u8; 6] = [2, 0, 0, 0, 0, 0xd];

fn m(b: [u8; 6]) -> kismetdb::MacAddr {
    kismetdb::MacAddr::new(b)
}

#[test]
fn address_roles_follow_the_ds_bits_as_kismet_reads_them() {
    let mut d = Dissector::new();
    let cases = [
        (0u8, None, (B, A, C, None)),     // (source, dest, bssid, transmitter)
        (1, None, (B, C, A, None)),       // to DS
        (2, None, (C, A, B, None)),       // from DS
        (3, Some(D), (D, C, A, Some(B))), // WDS
    ];
    for (flags, a4, (src, dst, bssid, tx)) in cases {
        let f = data_frame(flags, A, B, C, a4);
        let p = d.dissect(&frame(105, &f));
        assert_eq!(p.phy, Phy::Ieee80211);
        assert_eq!(
            (p.source, p.dest, p.bssid),
            (m(src), m(dst), m(bssid)),
            "flags {flags}"
        );
        assert_eq!(p.transmitter, tx.map(m).unwrap_or(kismetdb::MacAddr::ZERO));
    }
    // Management: dest addr1, source addr2, BSSID addr3.
    let mut beacon = vec![0x80, 0, 0, 0];
    beacon.extend([0xff; 6]);
    beacon.extend(B);
    beacon.extend(B);
    beacon.extend([0; 2]);
    beacon.extend([0; 12]);
    beacon.extend([0, 3, b'a', b'b', b'c']);
    let p = d.dissect(&frame(105, &beacon));
    assert_eq!(
        (p.source, p.dest, p.bssid),
        (m(B), kismetdb::MacAddr::BROADCAST, m(B))
    );
    assert_eq!(p.dot11().unwrap().ssid(), Some(&b"abc"[..]));
}

#[test]
fn radiotap_fields_fcs_and_duplicates() {
    let body = data_frame(1, A, B, C, None);
    let fcs = crc32(&body).to_le_bytes();
    let mut good = radiotap(0x10, 2437, -42);
    good.extend(&body);
    good.extend(fcs);
    let mut bad = radiotap(0x10, 2437, -42);
    bad.extend(&body);
    bad.extend([0, 0, 0, 0]);
    let mut d = Dissector::new();
    let p = d.dissect(&frame(127, &good));
    assert_eq!(
        (p.freq_khz, p.channel, p.signal_dbm),
        (2_437_000, 6, Some(-42))
    );
    assert_eq!(p.error, None);
    assert_eq!(
        p.hash,
        crc32(&body),
        "the duplicate hash covers the 802.11 frame without FCS"
    );
    assert!(!p.duplicate);
    let p = d.dissect(&frame(127, &bad));
    assert_eq!(p.error, Some(PacketError::BadFcs));
    assert_eq!(
        p.phy,
        Phy::Unknown,
        "a frame with a bad FCS is not dissected, as in Kismet"
    );
    // The same 802.11 frame again, under another radio header and without FCS: a duplicate.
    let mut again = radiotap(0, 2437, -70);
    again.extend(&body);
    let p = d.dissect(&frame(127, &again));
    assert!(p.duplicate);
    assert_eq!(d.stats().duplicates, 2);
    assert_eq!(d.stats().packets, 3);
}

#[test]
fn unknown_link_types_are_carried_and_counted() {
    let mut d = Dissector::new();
    let raw = [0u8; 60];
    let p = d.dissect(&frame(1, &raw));
    assert_eq!((p.dlt, p.phy, p.error), (1, Phy::Unknown, None));
    assert!(matches!(p.link, Link::None));
    assert_eq!(p.raw.len(), 60);
    assert_eq!(d.stats().not_decoded, 1);
}

#[test]
fn eapol_handshake_messages_from_a_real_capture() {
    let path = shared().join("raw80211/aircrack_wpa2-psk-linksys.cap");
    let mut d = Dissector::new();
    let mut messages = Vec::new();
    osprey_capture::for_each_frame(&path, &mut |f| {
        let p = d.dissect(f);
        if let Some(e) = p.dot11().and_then(|x| x.eapol()) {
            let key = e.key().expect("an EAPOL-Key frame");
            messages.push((key.message_number(), key.replay_counter()));
        }
        Flow::Continue
    })
    .unwrap();
    assert_eq!(messages.len(), 12);
    let numbers: Vec<u8> = messages.iter().filter_map(|m| m.0).collect();
    assert_eq!(numbers, vec![1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]);
}

#[test]
fn dhcp_in_unencrypted_data_from_a_real_capture() {
    let path = shared().join("radiotap/tcpdump_ieee802.11_htc.pcap");
    let mut d = Dissector::new();
    let mut found = Vec::new();
    osprey_capture::for_each_frame(&path, &mut |f| {
        let p = d.dissect(f);
        if let Some(dhcp) = p.dot11().and_then(|x| x.dhcp()) {
            let s = dhcp.summary();
            found.push((s.hostname.map(|h| h.to_vec()), dhcp.client_mac()));
        }
        Flow::Continue
    })
    .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0.as_deref(), Some(&b"SebastiestMBP13"[..]));
    assert!(found[0].1.is_some());
}

#[test]
fn ppi_gps_reaches_the_record() {
    // PPI header (8) + GPS field header (4) + geotag: version, pad, len, present (lat|lon|alt).
    let mut gps = vec![2u8, 0, 0, 0];
    gps.extend((0x0000_0002u32 | 0x4 | 0x8).to_le_bytes());
    let fixed3_7 = |v: f64| (((v + 180.0) * 1e7) as u32).to_le_bytes();
    gps.extend(fixed3_7(38.8977));
    gps.extend(fixed3_7(-77.0365));
    gps.extend((((12.5 + 180_000.0) * 1e4) as u32).to_le_bytes());
    let glen = gps.len() as u16;
    gps[2..4].copy_from_slice(&glen.to_le_bytes());
    let mut ppi = vec![0u8, 0, 0, 0];
    ppi.extend(105u32.to_le_bytes());
    ppi.extend(30002u16.to_le_bytes());
    ppi.extend(glen.to_le_bytes());
    ppi.extend(&gps);
    let plen = ppi.len() as u16;
    ppi[2..4].copy_from_slice(&plen.to_le_bytes());
    ppi.extend(data_frame(0, A, B, C, None));
    let mut d = Dissector::new();
    let p = d.dissect(&frame(192, &ppi));
    assert_eq!(p.phy, Phy::Ieee80211, "{:?}", p.decode_error);
    let g = p.gps.expect("GPS from the PPI header");
    assert!(
        (g.lat - 38.8977).abs() < 1e-6 && (g.lon + 77.0365).abs() < 1e-6,
        "{g:?}"
    );
    assert!((g.alt - 12.5).abs() < 1e-3, "{g:?}");
}

/// Captures where our error count differs from Kismet's, with both counts and the reason.
const ERROR_DIFFERENCES: &[(&str, u64, u64, &str)] = &[
    ("tcpdump_ieee802.11_exthdr", 0, 6, "Kismet flags the frames whose radiotap headers use extended presence bitmaps and vendor namespaces; tcpdump's expected output, Wireshark and our radiotap vectors decode them"),
    ("aircrack_80211ad_beacon", 0, 1, "an 802.11ad DMG beacon (extension frame type) is a valid frame; Kismet cannot dissect it"),
    ("tcpdump_ieee802.11_tim_ie_oobr", 1, 0, "one record holds 10 bytes of a 262144-byte frame: truncated, which Kismet does not flag"),
    ("packetnet_80211_ppi_fcs_invalid", 1, 0, "the PPI header says the FCS is invalid and the CRC confirms it; Kismet ignores PPI's flag"),
];

/// The frames we flag as errors are the frames Kismet 2025-09-R1 logged with `error = 1`, in
/// every shared capture (compared as counts per capture), except `ERROR_DIFFERENCES`.
#[test]
fn error_flags_agree_with_kismet_on_every_shared_capture() {
    let mut differences = Vec::new();
    let mut total = 0;
    for dir in ["radiotap", "raw80211", "prism", "ppi", "ble", "pcapng"] {
        for e in std::fs::read_dir(shared().join(dir)).unwrap() {
            let path = e.unwrap().path();
            let mut d = Dissector::new();
            let mut ours = 0u64;
            let _ = osprey_capture::for_each_frame(&path, &mut |f| {
                if d.dissect(f).error.is_some() {
                    ours += 1;
                }
                Flow::Continue
            });
            let stem = path.file_stem().unwrap().to_string_lossy().to_string();
            let log = shared().join("reference").join(format!("{stem}.kismet"));
            let c = rusqlite::Connection::open_with_flags(
                &log,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            )
            .unwrap();
            let theirs: i64 = c
                .query_row("SELECT count(*) FROM packets WHERE error != 0", [], |r| {
                    r.get(0)
                })
                .unwrap();
            let theirs = theirs as u64;
            total += theirs;
            let expected = ERROR_DIFFERENCES
                .iter()
                .find(|x| x.0 == stem)
                .map(|x| (x.1, x.2));
            if let Some(pair) = expected {
                if (ours, theirs) != pair {
                    differences.push(format!(
                        "{stem}: ours {ours}, Kismet {theirs}, expected {pair:?}"
                    ));
                }
            } else if ours != theirs {
                differences.push(format!("{stem}: ours {ours}, Kismet {theirs}"));
            }
        }
    }
    assert!(total > 20, "{total}");
    assert!(differences.is_empty(), "{differences:#?}");
}
