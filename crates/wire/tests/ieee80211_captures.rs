//! Walk real captures (the shared test data, see ../shared/data/MANIFEST.md) through the 802.11,
//! element, EAPOL and WPS parsers: specific facts about specific captures, and "every frame
//! either parses or gives an Error, never a panic" for all of them.
//!
//! The capture files live outside the repository; when they are absent these tests print a
//! failure. `OSPREY_SHARED_DATA` overrides the data directory.
//!
//! The pcap / pcapng / radiotap walkers here are deliberately tiny ad-hoc test helpers; the
//! real readers live elsewhere.

mod common;
use common::shared_data;

use osprey_wire::eapol::{Eapol, EapolKey, PacketType};
use osprey_wire::ieee80211::ie::{self, ext_id, id, Akm, Decoded, Elements, Suite};
use osprey_wire::ieee80211::mgmt::{
    self, Action, AssocRequest, AssocResponse, Authentication, Beacon, Deauthentication, MgmtBody,
    ProbeRequest, ReassocRequest,
};
use osprey_wire::ieee80211::subtype::{data as dst, mgmt as mst};
use osprey_wire::ieee80211::{Frame, FrameType};
use osprey_wire::{wps, ErrorKind};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

// ---------------------------------------------------------------------------------------------
// Capture walkers

fn data_dir() -> Option<PathBuf> {
    Some(shared_data())
}

fn load(rel: &str) -> Option<Vec<u8>> {
    let p = shared_data().join(rel);
    Some(std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
}

struct Capture {
    linktype: u32,
    records: Vec<Vec<u8>>,
    /// The file ended inside a record (header or data).
    truncated_tail: bool,
}

fn le32(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(off..off + 4)?.try_into().ok()?))
}

/// Classic little-endian pcap (magic d4 c3 b2 a1).
fn read_pcap(bytes: &[u8]) -> Capture {
    assert_eq!(
        bytes.get(..4),
        Some(&[0xd4, 0xc3, 0xb2, 0xa1][..]),
        "pcap magic"
    );
    let linktype = le32(bytes, 20).expect("global header") & 0xffff;
    let mut records = Vec::new();
    let mut off = 24;
    let mut truncated_tail = false;
    while off < bytes.len() {
        let (Some(incl), Some(_orig)) = (le32(bytes, off + 8), le32(bytes, off + 12)) else {
            truncated_tail = true;
            break;
        };
        let start = off + 16;
        let Some(data) = bytes.get(start..start + incl as usize) else {
            truncated_tail = true;
            break;
        };
        records.push(data.to_vec());
        off = start + incl as usize;
    }
    Capture {
        linktype,
        records,
        truncated_tail,
    }
}

/// Minimal little-endian pcapng: interface description blocks and enhanced packet blocks.
fn read_pcapng(bytes: &[u8]) -> Vec<(u32, Vec<u8>)> {
    let mut linktypes = Vec::new();
    let mut out = Vec::new();
    let mut off = 0;
    while let (Some(bt), Some(bl)) = (le32(bytes, off), le32(bytes, off + 4)) {
        let bl = bl as usize;
        if bl < 12 || off + bl > bytes.len() {
            break;
        }
        let body = &bytes[off + 8..off + bl - 4];
        match bt {
            1 => linktypes.push(u32::from(u16::from_le_bytes([body[0], body[1]]))),
            6 => {
                let iface = le32(body, 0).unwrap() as usize;
                let caplen = le32(body, 12).unwrap() as usize;
                let lt = linktypes.get(iface).copied().unwrap_or(0);
                out.push((lt, body[20..20 + caplen].to_vec()));
            }
            _ => {}
        }
        off += bl;
    }
    out
}

/// Strip a radiotap header (length at bytes 2..4); drop the FCS when the Flags field says it
/// is present. Only the Flags field is located (it follows TSFT, the only field before it).
fn strip_radiotap(d: &[u8]) -> Option<&[u8]> {
    let len = usize::from(u16::from_le_bytes([*d.get(2)?, *d.get(3)?]));
    let mut off = 4;
    let first = le32(d, 4)?;
    loop {
        let w = le32(d, off)?;
        off += 4;
        if w & 0x8000_0000 == 0 {
            break;
        }
    }
    let mut fcs = false;
    if first & 1 != 0 {
        off = (off + 7) & !7;
        off += 8;
    }
    if first & 2 != 0 {
        fcs = d.get(off)? & 0x10 != 0;
    }
    let frame = d.get(len..)?;
    if fcs {
        frame.get(..frame.len().checked_sub(4)?)
    } else {
        Some(frame)
    }
}

/// The 802.11 frames of a capture file (raw 802.11 or radiotap, pcap or pcapng).
fn frames(rel: &str) -> Option<Vec<Vec<u8>>> {
    let bytes = load(rel)?;
    let recs: Vec<(u32, Vec<u8>)> = if rel.ends_with(".pcapng") {
        read_pcapng(&bytes)
    } else {
        let c = read_pcap(&bytes);
        c.records.into_iter().map(|r| (c.linktype, r)).collect()
    };
    Some(
        recs.into_iter()
            .filter_map(|(lt, r)| match lt {
                105 => Some(r),
                127 => strip_radiotap(&r).map(<[u8]>::to_vec),
                other => panic!("{rel}: unexpected linktype {other}"),
            })
            .collect(),
    )
}

const LLC_EAPOL: [u8; 8] = [0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x88, 0x8e];

/// The EAPOL bytes of an unprotected data frame carrying LLC/SNAP + 0x888E.
fn eapol_of<'a>(f: &Frame<&'a [u8]>) -> Option<&'a [u8]> {
    let fc = f.frame_control();
    if fc.frame_type() != FrameType::Data || fc.protected() || fc.is_null_data() {
        return None;
    }
    let body = f.into_body();
    if body.get(..8)? == LLC_EAPOL {
        body.get(8..)
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// Exhaustive walker: touches every accessor; returns what went wrong, never panics.

#[derive(Default, Debug)]
struct Walk {
    frames: usize,
    header_errors: usize,
    body_errors: usize,
    element_walk_errors: usize,
    element_decode_errors: usize,
    elements: usize,
    eapol_keys: usize,
    wps: usize,
}

fn walk_elements(elements: Elements<'_>, w: &mut Walk) {
    let mut it = elements;
    for e in it.by_ref() {
        w.elements += 1;
        let _ = (
            e.is(id::SSID),
            e.is_ext(ext_id::HE_CAPABILITIES),
            e.vendor(),
        );
        match e.decode() {
            Ok(d) => {
                if let Decoded::Wps(_) = d {
                    w.wps += 1;
                }
                if let Decoded::Rsn(r) = d {
                    let _ = (r.mfp_capable(), r.mfp_required());
                    for s in r.pairwise_ciphers.iter().chain(r.akm_suites.iter()) {
                        let _ = (s.cipher(), s.akm().map(|a| a.mic_len()));
                    }
                    let _ = r.pmkids.iter().count();
                }
                if let Decoded::Country(c) = d {
                    let _ = c.triplets().count();
                }
                if let Decoded::SupportedRates(r) | Decoded::ExtendedRates(r) = d {
                    let _ = r.max_kbps();
                }
            }
            Err(_) => w.element_decode_errors += 1,
        }
        if let Some(Ok(s)) = e.wps() {
            let _ = (s.configured(), s.is_v2(), s.locked());
        }
        if let Some(a) = e.wps_data() {
            let _ = wps::Attributes::new(a).count();
        }
    }
    if it.error().is_some() {
        w.element_walk_errors += 1;
    }
}

fn walk_frame(bytes: &[u8], w: &mut Walk) {
    w.frames += 1;
    // Accessors on an unchecked view must be safe too.
    let u = Frame::new_unchecked(bytes);
    let _ = (
        u.addr1(),
        u.addr2(),
        u.addr3(),
        u.addr4(),
        u.body(),
        u.ht_control(),
    );
    let f = match Frame::new_checked(bytes) {
        Ok(f) => f,
        Err(_) => {
            w.header_errors += 1;
            return;
        }
    };
    let fc = f.frame_control();
    let _ = (
        f.duration(),
        f.header_len(),
        f.sequence_control(),
        f.qos_control(),
    );
    let _ = (
        f.ht_control(),
        f.bssid(),
        f.source(),
        f.destination(),
        f.tid(),
    );
    let _ = (
        fc.name(),
        fc.to_ds(),
        fc.from_ds(),
        fc.retry(),
        fc.protected(),
    );
    let body = f.into_body();
    match fc.frame_type() {
        FrameType::Management if !fc.protected() => {
            match MgmtBody::parse(fc.subtype(), body) {
                Ok(b) => walk_elements(b.elements(), w),
                Err(_) => w.body_errors += 1,
            }
            if let Some(off) = mgmt::elements_offset(fc.subtype()) {
                let _ = Elements::new(body.get(off..).unwrap_or(&[])).check();
            }
        }
        FrameType::Data => {
            if let Some(e) = eapol_of(&f) {
                if let Ok(e) = Eapol::new_checked(e) {
                    if e.packet_type() == PacketType::Key {
                        for mic in [0, 16, 24, 32] {
                            if let Ok(k) = EapolKey::new_checked_with_mic_len(e.body(), mic) {
                                w.eapol_keys += usize::from(mic == 16);
                                let _ = (k.message_number(), k.group_message_number());
                                let _ = (k.replay_counter(), k.nonce(), k.mic(), k.key_data());
                                walk_elements(Elements::new(k.key_data()), &mut Walk::default());
                            }
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

fn walk_file(rel: &str) -> Option<Walk> {
    let frames = frames(rel)?;
    let mut w = Walk::default();
    for f in &frames {
        walk_frame(f, &mut w);
    }
    eprintln!("{rel}: {w:?}");
    Some(w)
}

fn list(dir: &str, exts: &[&str]) -> Vec<String> {
    let Some(root) = data_dir() else {
        return Vec::new();
    };
    let mut out: Vec<String> = std::fs::read_dir(root.join(dir))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| exts.iter().any(|x| n.ends_with(x)))
                .map(|n| format!("{dir}/{n}"))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

// ---------------------------------------------------------------------------------------------
// Every capture: parse or error, never panic.

#[test]
fn every_capture_parses_or_errors() {
    let mut files = list("raw80211", &[".pcap", ".cap"]);
    files.extend(list("radiotap", &[".pcap"]));
    files.extend(list("pcapng", &[".pcapng"]));
    for rel in files {
        let w = walk_file(&rel).unwrap();
        // The radiotap-heapoverflow capture's radiotap header is garbage: the test walker
        // finds no 802.11 frame in it.
        assert!(w.frames > 0 || rel.contains("heapoverflow"), "{rel}");
    }
}

#[test]
fn truncated_last_records_stop_cleanly() {
    for (rel, count) in [
        ("raw80211/aircrack_pmkid-not-recognized.cap", 20056),
        ("raw80211/wifite2_handshake_has_1234.cap", 2189),
    ] {
        let Some(bytes) = load(rel) else { return };
        let c = read_pcap(&bytes);
        assert!(c.truncated_tail, "{rel}");
        assert_eq!(c.records.len(), count, "{rel}");
        assert_eq!(c.linktype, 105);
    }
    // Real traffic: every header parses, and the big capture's frames are mostly clean.
    let Some(w) = walk_file("raw80211/aircrack_pmkid-not-recognized.cap") else {
        return;
    };
    assert_eq!(w.frames, 20056);
    assert_eq!(w.header_errors, 0);
    assert_eq!(w.body_errors, 0);
    let w = walk_file("raw80211/wifite2_handshake_not_exists.cap").unwrap();
    assert_eq!((w.frames, w.header_errors, w.body_errors), (1112, 0, 0));
}

// ---------------------------------------------------------------------------------------------
// Specific captures

#[test]
fn chinese_ssid_is_raw_gbk() {
    let Some(frames) = frames("raw80211/aircrack_Chinese-SSID-Name.pcap") else {
        return;
    };
    assert_eq!(frames.len(), 1);
    let f = Frame::new_checked(&frames[0][..]).unwrap();
    assert_eq!(f.frame_control().frame_type(), FrameType::Management);
    assert_eq!(f.frame_control().subtype(), mst::BEACON);
    let b = Beacon::new_checked(f.into_body()).unwrap();
    assert_eq!(b.beacon_interval(), 100);
    assert!(b.capability().ess() && b.capability().privacy());
    let els = b.elements();
    assert!(els.check().is_ok());
    let s = ie::ssid(els.get(id::SSID).unwrap().data).unwrap();
    assert_eq!(s.as_bytes(), &[0xb2, 0xe2, 0xca, 0xd4]); // "测试" in GBK
    assert_eq!(s.as_str(), None);
    assert!(!s.is_hidden());
    assert_eq!(
        ie::ds_channel(els.get(id::DS_PARAMS).unwrap().data).unwrap(),
        6
    );
}

#[test]
fn wps2_beacon() {
    let Some(frames) = frames("raw80211/aircrack_wps2.0.pcap") else {
        return;
    };
    assert_eq!(frames.len(), 1);
    let f = Frame::new_checked(&frames[0][..]).unwrap();
    assert_eq!(f.frame_control().subtype(), mst::BEACON);
    let b = Beacon::new_checked(f.into_body()).unwrap();
    let els = b.elements();
    assert!(els.check().is_ok());
    assert_eq!(els.ssid(), Some(&b"WLAN_666"[..]));
    let wps_el = els.clone().find(|e| e.wps_data().is_some()).unwrap();
    let s = wps_el.wps().unwrap().unwrap();
    assert_eq!(s.version, Some(0x10));
    assert_eq!(s.state, Some(2));
    assert!(s.configured());
    assert_eq!(s.version2, Some(0x20));
    assert!(s.is_v2());
    // This beacon's WPS element carries only version, state and the WFA extension: no
    // device name, no lock.
    assert_eq!(s.device_name, None);
    assert_eq!(s.ap_setup_locked, None);
    // It advertises both WPA and RSN, CCMP with PSK.
    let mut seen_wpa = false;
    let mut seen_rsn = false;
    for e in els {
        match e.decode().unwrap() {
            Decoded::Wpa(w) => {
                seen_wpa = true;
                assert_eq!(w.group_cipher, Some(Suite::WPA_CCMP));
                assert_eq!(w.pairwise_ciphers.iter().next(), Some(Suite::WPA_CCMP));
                assert_eq!(w.akm_suites.iter().next().unwrap().akm(), Some(Akm::Psk));
            }
            Decoded::Rsn(r) => {
                seen_rsn = true;
                assert_eq!(r.group_cipher, Some(Suite::CCMP_128));
                assert!(r.akm_suites.contains(Suite::AKM_PSK));
                assert!(!r.mfp_capable());
            }
            Decoded::Wmm(w) => assert!(w.ac_params.is_some()),
            _ => {}
        }
    }
    assert!(seen_wpa && seen_rsn);
}

#[test]
fn tim_oobr_regression() {
    let Some(frames) = frames("raw80211/tcpdump_ieee802.11_tim_ie_oobr.pcap") else {
        return;
    };
    assert_eq!(frames.len(), 4);
    let mut tim_errors = 0;
    let mut parsed = 0;
    for (i, bytes) in frames.iter().enumerate() {
        let f = match Frame::new_checked(&bytes[..]) {
            Ok(f) => f,
            Err(e) => {
                // Record 2 is 10 bytes long: a reassociation response header cut short.
                assert_eq!((i, e.kind), (2, ErrorKind::Truncated));
                continue;
            }
        };
        parsed += 1;
        assert_eq!(f.frame_control().frame_type(), FrameType::Management);
        assert_eq!(f.frame_control().subtype(), mst::REASSOC_RESP);
        let r = AssocResponse::new_checked(f.into_body()).unwrap();
        let mut it = r.elements();
        let els: Vec<_> = it.by_ref().collect();
        // Each frame ends with an element whose length runs past the end.
        assert_eq!(it.error().unwrap().kind, ErrorKind::Truncated, "frame {i}");
        for e in &els {
            match e.id {
                id::TIM => {
                    tim_errors += 1;
                    let err = ie::Tim::parse(e.data).unwrap_err();
                    assert_eq!(err.kind, ErrorKind::Malformed);
                }
                id::RSN => {
                    // Version 0x3030.
                    let err = ie::Rsn::parse(e.data).unwrap_err();
                    assert_eq!(err.kind, ErrorKind::Unsupported);
                }
                _ => {}
            }
            assert!(e.decode().is_err());
        }
    }
    assert_eq!(parsed, 3);
    assert_eq!(tim_errors, 1);
}

#[test]
fn wds_four_address_qos_data() {
    let Some(frames) = frames("raw80211/aircrack_capture_wds-01.cap") else {
        return;
    };
    assert_eq!(frames.len(), 139);
    let mut four_addr_qos = 0;
    let mut four_addr_null = 0;
    for bytes in &frames {
        let f = Frame::new_checked(&bytes[..]).unwrap();
        let fc = f.frame_control();
        if fc.frame_type() != FrameType::Data {
            assert_eq!(f.addr4(), None);
            continue;
        }
        if fc.to_ds() && fc.from_ds() {
            let a4 = f.addr4().expect("addr4");
            assert_eq!(f.source(), Some(a4));
            assert_eq!(f.bssid(), None);
            if fc.subtype() == dst::QOS_DATA {
                four_addr_qos += 1;
                assert_eq!(f.header_len(), 32);
                assert!(f.qos_control().is_some());
                assert!(fc.protected());
            } else if fc.subtype() == dst::NULL {
                four_addr_null += 1;
                assert_eq!(f.header_len(), 30);
            }
        } else {
            assert_eq!(f.addr4(), None);
        }
    }
    assert_eq!((four_addr_qos, four_addr_null), (46, 1));
}

#[test]
fn pyrit_probe_responses_and_beacons() {
    let Some(frames) = frames("raw80211/pyrit_wpa2psk-2WIRE972.pcap") else {
        return;
    };
    let mut counts = BTreeMap::new();
    let mut bssids = BTreeSet::new();
    let mut ssids = BTreeSet::new();
    let mut with_wpa = 0;
    let mut with_rsn = 0;
    for bytes in &frames {
        let f = Frame::new_checked(&bytes[..]).unwrap();
        let fc = f.frame_control();
        if fc.frame_type() != FrameType::Management {
            continue;
        }
        *counts.entry(fc.subtype()).or_insert(0) += 1;
        bssids.insert(f.bssid().unwrap());
        let b = Beacon::new_checked(f.into_body()).unwrap();
        let els = b.elements();
        assert!(els.check().is_ok());
        ssids.insert(ie::ssid(els.ssid().unwrap()).unwrap().as_bytes().to_vec());
        if els.get(id::RSN).is_some() {
            with_rsn += 1;
        }
        if let Some(e) = els.get_vendor(ie::oui::MICROSOFT, Some(1)) {
            let w = ie::Wpa::parse(e.data).unwrap();
            assert!(w.akm_suites.contains(Suite::WPA_AKM_PSK));
            with_wpa += 1;
        }
        for e in els {
            e.decode().unwrap();
        }
    }
    assert_eq!(counts.get(&mst::PROBE_RESP), Some(&556));
    assert_eq!(counts.get(&mst::BEACON), Some(&9));
    assert_eq!(bssids.len(), 9);
    assert_eq!(ssids.len(), 9);
    assert!(ssids.contains(&b"2WIRE972"[..]));
    // These 2WIRE-era APs advertise WPA (vendor element), not RSN.
    assert_eq!(with_rsn, 0);
    assert_eq!(with_wpa, 559);
}

/// (message number, replay counter) of every EAPOL-Key frame with a 16-byte MIC.
fn handshake(rel: &str, mic_len: usize) -> Option<Vec<(Option<u8>, u64)>> {
    let frames = frames(rel)?;
    let mut out = Vec::new();
    for bytes in &frames {
        let Ok(f) = Frame::new_checked(&bytes[..]) else {
            continue;
        };
        let Some(e) = eapol_of(&f) else { continue };
        let e = Eapol::new_checked(e).unwrap();
        if e.packet_type() != PacketType::Key {
            continue;
        }
        let k = EapolKey::new_checked_with_mic_len(e.body(), mic_len).unwrap();
        assert_eq!(k.mic().len(), mic_len);
        out.push((k.message_number(), k.replay_counter()));
    }
    Some(out)
}

#[test]
fn linksys_four_way_handshakes() {
    let Some(h) = handshake("raw80211/aircrack_wpa2-psk-linksys.cap", 16) else {
        return;
    };
    let msgs: Vec<u8> = h.iter().map(|(m, _)| m.unwrap()).collect();
    let replays: Vec<u64> = h.iter().map(|(_, r)| *r).collect();
    assert_eq!(msgs, [1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]);
    assert_eq!(replays, [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]);

    // Message 1 carries a PMKID KDE, message 2 the station's RSN element, message 3 the
    // encrypted GTK.
    let frames = frames("raw80211/aircrack_wpa2-psk-linksys.cap").unwrap();
    let keys: Vec<Vec<u8>> = frames
        .iter()
        .filter_map(|b| {
            let f = Frame::new_checked(&b[..]).ok()?;
            let e = Eapol::new_checked(eapol_of(&f)?).ok()?;
            Some(e.body().to_vec())
        })
        .collect();
    let m2 = EapolKey::new_checked(&keys[1][..]).unwrap();
    let rsne = Elements::new(m2.key_data()).get(id::RSN).unwrap();
    let r = ie::Rsn::parse(rsne.data).unwrap();
    assert!(r.akm_suites.contains(Suite::AKM_PSK));
    assert!(!m2.nonce_is_zero());
    let m3 = EapolKey::new_checked(&keys[2][..]).unwrap();
    assert!(m3.key_info().encrypted_key_data() && m3.key_info().secure());
    let m4 = EapolKey::new_checked(&keys[3][..]).unwrap();
    assert!(m4.nonce_is_zero() && m4.key_data().is_empty());
    // Messages 1 and 3 carry the same ANonce.
    let m1 = EapolKey::new_checked(&keys[0][..]).unwrap();
    assert_eq!(m1.nonce(), m3.nonce());
}

#[test]
fn other_handshakes() {
    // pyrit: M1, M2, M3 of a WPA(1) handshake.
    if let Some(h) = handshake("raw80211/pyrit_wpa2psk-2WIRE972.pcap", 16) {
        assert_eq!(h, [(Some(1), 0), (Some(2), 0), (Some(3), 1)]);
    }
    // wds: one full handshake.
    if let Some(h) = handshake("raw80211/aircrack_capture_wds-01.cap", 16) {
        assert_eq!(h, [(Some(1), 1), (Some(2), 1), (Some(3), 2), (Some(4), 2)]);
    }
    // WPA3-SAE and OWE (group 19): 16-byte MIC, AKM-defined descriptor version 0.
    for rel in [
        "pcapng/wireshark_wpa3-sae.pcapng",
        "pcapng/wireshark_owe.pcapng",
    ] {
        if let Some(h) = handshake(rel, 16) {
            let msgs: Vec<_> = h.iter().map(|(m, _)| *m).collect();
            assert_eq!(msgs, [Some(1), Some(2), Some(3), Some(4)], "{rel}");
        }
    }
}

#[test]
fn suite_b_192_uses_24_byte_mic() {
    let rel = "pcapng/wireshark_wpa3-suiteb-192.pcapng";
    let Some(frames) = frames(rel) else { return };
    // The AKM in the beacon's RSN element tells the MIC length.
    let mut akm = None;
    for b in &frames {
        let f = Frame::new_checked(&b[..]).unwrap();
        let fc = f.frame_control();
        if fc.frame_type() == FrameType::Management && fc.subtype() == mst::BEACON {
            let els = Beacon::new_checked(f.into_body()).unwrap().elements();
            let r = ie::Rsn::parse(els.get(id::RSN).unwrap().data).unwrap();
            akm = r.akm_suites.iter().next().and_then(Suite::akm);
            assert!(r.mfp_capable());
            assert_eq!(r.group_cipher, Some(Suite::GCMP_256));
            break;
        }
    }
    assert_eq!(akm, Some(Akm::SuiteB192));
    let mic = akm.unwrap().mic_len().unwrap();
    assert_eq!(mic, 24);
    let h = handshake(rel, mic).unwrap();
    let msgs: Vec<_> = h.iter().map(|(m, _)| m.unwrap()).collect();
    assert_eq!(msgs, [1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]);
    // The same frames read with the default 16-byte MIC do not line up.
    let mut bad = 0;
    for b in &frames {
        let Ok(f) = Frame::new_checked(&b[..]) else {
            continue;
        };
        let Some(e) = eapol_of(&f) else { continue };
        let e = Eapol::new_checked(e).unwrap();
        if e.packet_type() == PacketType::Key && EapolKey::new_checked(e.body()).is_err() {
            bad += 1;
        }
    }
    assert!(bad > 0);
}

#[test]
fn sae_authentication_frames() {
    let Some(frames) = frames("pcapng/wireshark_wpa3-sae.pcapng") else {
        return;
    };
    let mut sae = Vec::new();
    let mut akms = BTreeSet::new();
    for b in &frames {
        let f = Frame::new_checked(&b[..]).unwrap();
        let fc = f.frame_control();
        if fc.frame_type() != FrameType::Management {
            continue;
        }
        match fc.subtype() {
            mst::AUTH => {
                let a = Authentication::new_checked(f.into_body()).unwrap();
                assert_eq!(a.algorithm(), mgmt::auth_algorithm::SAE);
                assert_eq!(a.elements().count(), 0);
                // Commit messages start with the finite cyclic group (19).
                if a.transaction_seq() == 1 {
                    assert_eq!(a.rest().get(..2), Some(&[19, 0][..]));
                }
                sae.push((a.transaction_seq(), a.status()));
            }
            mst::BEACON => {
                let els = Beacon::new_checked(f.into_body()).unwrap().elements();
                if let Some(e) = els.get(id::RSN) {
                    let r = ie::Rsn::parse(e.data).unwrap();
                    akms.extend(r.akm_suites.iter().filter_map(Suite::akm));
                    // This AP does not advertise MFP (capabilities 0x000c).
                    assert_eq!(r.capabilities.map(|c| c.0), Some(0x000c));
                    assert!(!r.mfp_capable());
                }
            }
            mst::ASSOC_REQ => {
                let a = AssocRequest::new_checked(f.into_body()).unwrap();
                let r = ie::Rsn::parse(a.elements().get(id::RSN).unwrap().data).unwrap();
                assert!(r.akm_suites.contains(Suite::AKM_SAE));
            }
            mst::ACTION => {
                let a = Action::new_checked(f.into_body()).unwrap();
                let _ = (a.category(), a.action());
            }
            _ => {}
        }
    }
    assert_eq!(sae, [(1, 0), (1, 0), (2, 0), (2, 0)]);
    assert!(akms.contains(&Akm::Sae));
}

#[test]
fn owe_assoc_carries_dh_parameter() {
    let Some(frames) = frames("pcapng/wireshark_owe.pcapng") else {
        return;
    };
    let mut dh = 0;
    for b in &frames {
        let f = Frame::new_checked(&b[..]).unwrap();
        let fc = f.frame_control();
        if fc.frame_type() != FrameType::Management {
            continue;
        }
        let els = match fc.subtype() {
            mst::ASSOC_REQ => AssocRequest::new_checked(f.into_body()).unwrap().elements(),
            mst::ASSOC_RESP => AssocResponse::new_checked(f.into_body())
                .unwrap()
                .elements(),
            _ => continue,
        };
        assert!(els.check().is_ok());
        let e = els.get_ext(ext_id::OWE_DH_PARAM).unwrap();
        // Group 19 (P-256): 2-byte group + 32-byte public key.
        assert_eq!(e.data.get(..2), Some(&[19, 0][..]));
        assert_eq!(e.data.len(), 34);
        let r = ie::Rsn::parse(els.get(id::RSN).unwrap().data).unwrap();
        assert!(r.akm_suites.contains(Suite::AKM_OWE));
        dh += 1;
    }
    assert_eq!(dh, 2);
}

#[test]
fn htc_qos_data() {
    let Some(frames) = frames("radiotap/tcpdump_ieee802.11_htc.pcap") else {
        return;
    };
    assert_eq!(frames.len(), 1);
    let f = Frame::new_checked(&frames[0][..]).unwrap();
    let fc = f.frame_control();
    assert_eq!(fc.frame_type(), FrameType::Data);
    assert_eq!(fc.subtype(), dst::QOS_DATA);
    assert!(fc.order() && fc.to_ds() && !fc.from_ds());
    assert_eq!(f.header_len(), 30);
    assert!(f.qos_control().is_some());
    assert_eq!(f.ht_control(), Some(0xffff_ffff));
    // The body starts right after the HT Control field with an LLC/SNAP header (IPv4).
    assert_eq!(f.body().get(..8), Some(&[0xaa, 0xaa, 3, 0, 0, 0, 8, 0][..]));
}

#[test]
fn mesh_id_elements() {
    let Some(frames) = frames("radiotap/tcpdump_ieee802.11_meshid.pcap") else {
        return;
    };
    assert_eq!(frames.len(), 3);
    let mut mesh_ids = Vec::new();
    let mut probe_wps = None;
    for b in &frames {
        let f = Frame::new_checked(&b[..]).unwrap();
        let fc = f.frame_control();
        let els = match fc.subtype() {
            mst::BEACON | mst::PROBE_RESP => Beacon::new_checked(f.into_body()).unwrap().elements(),
            mst::PROBE_REQ => {
                let els = ProbeRequest::new(f.into_body()).elements();
                probe_wps = els.clone().find_map(|e| e.wps());
                els
            }
            other => panic!("subtype {other}"),
        };
        assert!(els.check().is_ok());
        let m = els.get(id::MESH_ID).unwrap();
        mesh_ids.push(ie::mesh_id(m.data).unwrap().to_vec());
        if let Some(c) = els.get(id::MESH_CONFIG) {
            let c = ie::MeshConfig::parse(c.data).unwrap();
            assert_eq!(c.path_selection_protocol, 1); // HWMP
            assert_eq!(c.auth_protocol, 1); // SAE
        }
        if let Some(v) = els.get(id::VHT_OPERATION) {
            let _ = ie::VhtOperation::parse(v.data).unwrap().width();
        }
        for e in els {
            e.decode().unwrap();
        }
    }
    assert_eq!(
        mesh_ids,
        [
            b"11s-mesh-network".to_vec(),
            Vec::new(), // the probe request asks for any mesh (wildcard)
            b"11s-mesh-network".to_vec()
        ]
    );
    let s = probe_wps.unwrap().unwrap();
    assert_eq!(s.version, Some(0x10));
    assert!(s.uuid_e.is_some());
}

#[test]
fn scapy_rsn_regression_keeps_ssid() {
    let Some(frames) = frames("radiotap/scapy_bad_rsn_parsing_overrides_ssid.pcap") else {
        return;
    };
    assert_eq!(frames.len(), 1);
    let f = Frame::new_checked(&frames[0][..]).unwrap();
    assert_eq!(f.frame_control().subtype(), mst::BEACON);
    let b = Beacon::new_checked(f.into_body()).unwrap();
    let mut it = b.elements();
    let els: Vec<_> = it.by_ref().collect();
    // The SSID is read correctly and only once.
    let ssids: Vec<_> = els.iter().filter(|e| e.is(id::SSID)).collect();
    assert_eq!(ssids.len(), 1);
    assert_eq!(ssids[0].data, b"ROUTE-821E295");
    // The RSN element itself is well-formed (scapy's bug was in scapy); it parses to the
    // values Wireshark shows, including a PMKID count of 0 and the group management cipher.
    let rsn = els.iter().find(|e| e.is(id::RSN)).unwrap();
    let r = ie::Rsn::parse(rsn.data).unwrap();
    assert_eq!(r.group_cipher, Some(Suite::CCMP_128));
    assert!(r.akm_suites.contains(Suite::AKM_PSK));
    assert!(r.mfp_capable() && !r.mfp_required());
    assert_eq!(r.pmkids.len(), 0);
    assert_eq!(r.group_mgmt_cipher, Some(Suite::BIP_CMAC_128));
    // Once the FCS the radiotap flags announce is removed, every element is well-formed,
    // down to the last vendor element.
    assert_eq!(it.error(), None);
    let last = els.last().unwrap().vendor().unwrap().unwrap();
    assert_eq!(last.oui, [0xec, 0x17, 0x2f]);
    let country = els.iter().find(|e| e.is(id::COUNTRY)).unwrap();
    let c = ie::Country::parse(country.data).unwrap();
    assert_eq!(c.code_str(), Some("IL"));
    assert_eq!(c.triplets().count(), 11);
}

#[test]
fn deauth_reason_codes() {
    for (rel, reason) in [
        ("radiotap/tcpdump_deauth_reason_code-7.pcap", 7),
        ("radiotap/tcpdump_deauth_reason_code-25.pcap", 25),
        ("radiotap/tcpdump_deauth_reason_code-46.pcap", 46),
    ] {
        let Some(frames) = frames(rel) else { return };
        let f = Frame::new_checked(&frames[0][..]).unwrap();
        assert_eq!(f.frame_control().subtype(), mst::DEAUTH);
        let d = Deauthentication::new_checked(f.into_body()).unwrap();
        assert_eq!(d.reason(), reason, "{rel}");
    }
}

#[test]
fn dmg_beacon_extension_frame() {
    let Some(frames) = frames("radiotap/aircrack_80211ad_beacon.pcap") else {
        return;
    };
    let f = Frame::new_checked(&frames[0][..]).unwrap();
    assert_eq!(f.frame_control().frame_type(), FrameType::Extension);
    assert_eq!(f.frame_control().subtype(), 0);
    assert_eq!(f.header_len(), 10);
    assert!(f.bssid().is_some() && f.addr2().is_none());
}

#[test]
fn n02_session() {
    // 802.11n session: probes, auth, assoc, reassoc, action frames.
    let Some(frames) = frames("raw80211/aircrack_n-02.cap") else {
        return;
    };
    let mut reassoc = 0;
    let mut ht = 0;
    for b in &frames {
        let f = Frame::new_checked(&b[..]).unwrap();
        let fc = f.frame_control();
        if fc.frame_type() != FrameType::Management {
            continue;
        }
        if fc.subtype() == mst::REASSOC_REQ {
            let r = ReassocRequest::new_checked(f.into_body()).unwrap();
            assert_ne!(r.current_ap(), [0; 6]);
            assert!(r.elements().check().is_ok());
            reassoc += 1;
        }
        if let Ok(body) = MgmtBody::parse(fc.subtype(), f.into_body()) {
            if let Some(e) = body.elements().get(id::HT_CAPABILITIES) {
                let h = ie::HtCapabilities::parse(e.data).unwrap();
                assert!(h.rx_spatial_streams() >= 1);
                ht += 1;
            }
        }
    }
    assert_eq!(reassoc, 1);
    assert!(ht > 0);
}

#[test]
fn real_beacons_have_valid_tims() {
    // The TIM checks (DTIM count < period, bitmap within AID 2007) hold on real beacons.
    let mut files = list("raw80211", &[".pcap", ".cap"]);
    files.extend(list("radiotap", &[".pcap"]));
    files.extend(list("pcapng", &[".pcapng"]));
    let mut tims = 0;
    for rel in files {
        if rel.contains("tim_ie_oobr") {
            continue;
        }
        for b in frames(&rel).unwrap() {
            let Ok(f) = Frame::new_checked(&b[..]) else {
                continue;
            };
            let fc = f.frame_control();
            if fc.frame_type() != FrameType::Management || fc.subtype() != mst::BEACON {
                continue;
            }
            let Ok(bc) = Beacon::new_checked(f.into_body()) else {
                continue;
            };
            if let Some(e) = bc.elements().get(id::TIM) {
                ie::Tim::parse(e.data).unwrap_or_else(|err| panic!("{rel}: {err}"));
                tims += 1;
            }
        }
    }
    if data_dir().is_some() {
        assert!(tims > 500, "{tims}");
    }
}
