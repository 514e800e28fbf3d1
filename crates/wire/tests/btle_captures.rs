//! Bluetooth LE captures from bsniffhub: every frame must decapsulate and parse (or give an
//! `Error`), never panic, and the counts must match what the bytes say (cross-checked by hand
//! against a Python dissection of the same files).

mod common;
use common::shared_data;

use std::collections::{BTreeMap, BTreeSet};

use osprey_wire::btle::{
    self, ad_type, decap, decap_nordic, decap_phdr, ll_control, llid, AdvPduType, LlPacket,
    PhdrHeader, Phy, ADVERTISING_CRC_INIT,
};
use osprey_wire::MacBytes;

/// A classic pcap file: linktype and records (incl_len bytes each).
struct Pcap {
    linktype: u32,
    records: Vec<Vec<u8>>,
}

/// A tiny ad-hoc reader for little-endian classic pcap (the real reader lives elsewhere).
fn read_pcap(name: &str) -> Option<Pcap> {
    let path = shared_data().join("ble").join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(bytes.len() >= 24, "short global header");
    assert_eq!(
        &bytes[..4],
        &[0xd4, 0xc3, 0xb2, 0xa1],
        "little-endian pcap magic"
    );
    let u32_at = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
    let linktype = u32_at(&bytes, 20);
    let mut records = Vec::new();
    let mut off = 24;
    while off + 16 <= bytes.len() {
        let incl = u32_at(&bytes, off + 8) as usize;
        let orig = u32_at(&bytes, off + 12) as usize;
        assert!(incl <= orig, "incl_len > orig_len");
        off += 16;
        assert!(off + incl <= bytes.len(), "record runs past the file");
        records.push(bytes[off..off + incl].to_vec());
        off += incl;
    }
    assert_eq!(off, bytes.len(), "trailing bytes after the last record");
    Some(Pcap { linktype, records })
}

fn mac(m: MacBytes) -> String {
    m.iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Touches every accessor and iterator of a link-layer packet (the no-panic check).
fn walk(p: &LlPacket<&[u8]>) {
    let _ = (p.access_address(), p.is_advertising(), p.coding_indicator());
    let _ = (p.header(), p.length(), p.header_len(), p.pdu_type().name());
    let _ = (p.chsel(), p.tx_add(), p.rx_add());
    let _ = (p.llid(), p.nesn(), p.sn(), p.md(), p.cp(), p.cte_info());
    let _ = (
        p.ll_control_opcode(),
        p.payload(),
        p.pdu(),
        p.crc(),
        p.crc_bytes(),
    );
    let _ = p.verify_crc(ADVERTISING_CRC_INIT);
    let _ = (p.adv_address(), p.target_address(), p.scan_address());
    let _ = (p.init_address(), p.adv_data(), p.connect_ind());
    if let Some(Ok(h)) = p.ext_header() {
        let _ = (h.adv_address, h.aux_ptr, h.acad);
    }
    for ad in p.ad_structures().flatten() {
        let _ = (
            ad.flags(),
            ad.local_name(),
            ad.tx_power(),
            ad.manufacturer_data(),
        );
        let _ = (ad.appearance(), ad.service_data_uuid16(), ad.len());
        if let Some(u) = ad.uuid16s() {
            u.for_each(drop);
        }
        if let Some(u) = ad.uuid32s() {
            u.for_each(drop);
        }
        if let Some(u) = ad.uuid128s() {
            u.for_each(drop);
        }
    }
    let _ = p.ad_summary();
}

/// What a capture contains, as this crate sees it.
#[derive(Default, Debug)]
struct Stats {
    frames: usize,
    errors: usize,
    advertising: usize,
    data: usize,
    pdu_types: BTreeMap<&'static str, usize>,
    adv_ind_addresses: BTreeSet<String>,
    all_adv_addresses: BTreeSet<String>,
    init_addresses: BTreeSet<String>,
    names: BTreeSet<String>,
    connect: Vec<btle::ConnectInd>,
    adv_crc_ok: usize,
    data_crc_ok: usize,
    data_crc_bad: usize,
    control_opcodes: BTreeMap<u8, usize>,
    llids: BTreeMap<u8, usize>,
    adv_channels: BTreeMap<u8, usize>,
    sniffer_crc_valid: usize,
}

fn analyse(pcap: &Pcap) -> Stats {
    let mut s = Stats::default();
    let mut crc_init = None;
    for frame in &pcap.records {
        s.frames += 1;
        // Every prefix of every frame must parse or fail cleanly.
        for n in 0..frame.len() {
            if let Ok(d) = decap(pcap.linktype, &frame[..n]) {
                walk(&LlPacket::new_unchecked_phy(d.ll, d.phy));
                if let Ok(p) = d.packet() {
                    walk(&p);
                }
            }
        }
        let d = match decap(pcap.linktype, frame) {
            Ok(d) => d,
            Err(_) => {
                s.errors += 1;
                continue;
            }
        };
        if d.crc_checked && d.crc_valid {
            s.sniffer_crc_valid += 1;
        }
        let p = match d.packet() {
            Ok(p) => p,
            Err(_) => {
                s.errors += 1;
                continue;
            }
        };
        walk(&p);
        if p.is_advertising() {
            s.advertising += 1;
            *s.adv_channels
                .entry(d.channel_index.unwrap_or(255))
                .or_default() += 1;
            *s.pdu_types.entry(p.pdu_type().name()).or_default() += 1;
            if p.verify_crc(ADVERTISING_CRC_INIT) {
                s.adv_crc_ok += 1;
            }
            if let Some(a) = p.adv_address() {
                s.all_adv_addresses.insert(mac(a));
                if p.pdu_type() == AdvPduType::AdvInd {
                    s.adv_ind_addresses.insert(mac(a));
                }
            }
            if let Some(a) = p.init_address() {
                s.init_addresses.insert(mac(a));
            }
            if let Some(name) = p.ad_summary().name {
                s.names.insert(String::from_utf8_lossy(name).into_owned());
            }
            if let Some(c) = p.connect_ind() {
                crc_init = Some(c.crc_init);
                s.connect.push(c);
            }
        } else {
            s.data += 1;
            *s.llids.entry(p.llid()).or_default() += 1;
            if let Some(op) = p.ll_control_opcode() {
                *s.control_opcodes.entry(op).or_default() += 1;
            }
            match crc_init {
                Some(init) if p.verify_crc(init) => s.data_crc_ok += 1,
                _ => s.data_crc_bad += 1,
            }
        }
    }
    s
}

/// The MAC addresses of the devices Kismet's reference summary lists (a crude scan of the
/// JSON, to avoid a JSON dependency).
fn kismet_macs(name: &str) -> Option<BTreeSet<String>> {
    let p = shared_data().join("reference").join(name);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mut out = BTreeSet::new();
    for part in text.split("\"mac\": \"").skip(1) {
        if let Some(end) = part.find('"') {
            out.insert(part[..end].to_string());
        }
    }
    Some(out)
}

const PAIRING_TEST: &str = "04:EE:03:4A:8B:38";
const INITIATOR: &str = "04:EE:03:4A:8A:2F";

#[test]
fn sc_justworks_dlt256() {
    let Some(pcap) = read_pcap("bsniffhub_sc-justworks.pcap") else {
        return;
    };
    assert_eq!(pcap.linktype, btle::LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR);
    let s = analyse(&pcap);
    assert_eq!(s.frames, 286);
    assert_eq!(s.errors, 0);
    assert_eq!(s.advertising, 70);
    assert_eq!(s.data, 216);
    assert_eq!(s.pdu_types.get("ADV_IND"), Some(&69));
    assert_eq!(s.pdu_types.get("CONNECT_IND"), Some(&1));
    assert_eq!(
        s.adv_ind_addresses,
        BTreeSet::from([PAIRING_TEST.to_string()])
    );
    assert_eq!(s.init_addresses, BTreeSet::from([INITIATOR.to_string()]));
    assert_eq!(s.names, BTreeSet::from(["PairingTest".to_string()]));
    // Advertising on RF channels 0 (index 37) and 39 (index 39).
    assert_eq!(s.adv_channels, BTreeMap::from([(37, 52), (39, 18)]));
    // This sniffer stores zeroed CRCs after checking them itself: the flags say valid, the
    // bytes do not verify.
    assert_eq!(s.sniffer_crc_valid, 286);
    assert_eq!(s.adv_crc_ok, 0);
    let c = s.connect[0];
    assert_eq!(mac(c.adv_address), PAIRING_TEST);
    assert_eq!(c.access_address, 0xA2E7_A1D4);
    assert_eq!(c.crc_init, 0xFC3AC5);
    assert_eq!(c.used_channels(), 37);
    // The pairing: LL_ENC_REQ, LL_ENC_RSP, LL_START_ENC_REQ appear in clear.
    for op in [
        ll_control::ENC_REQ,
        ll_control::ENC_RSP,
        ll_control::START_ENC_REQ,
    ] {
        assert_eq!(s.control_opcodes.get(&op), Some(&1), "opcode {op:#x}");
    }
    assert_eq!(s.llids.get(&llid::CONTROL), Some(&14));
}

#[test]
fn sc_justworks_pseudo_header_fields() {
    let Some(pcap) = read_pcap("bsniffhub_sc-justworks.pcap") else {
        return;
    };
    let first = &pcap.records[0];
    let h = PhdrHeader::new_checked(&first[..]).unwrap();
    assert_eq!(h.rf_channel(), 0);
    assert_eq!(h.signal_power(), -49);
    assert!(h.signal_power_valid() && !h.noise_power_valid());
    assert!(h.reference_access_address_valid());
    assert_eq!(
        h.reference_access_address(),
        btle::ADVERTISING_ACCESS_ADDRESS
    );
    assert!(h.dewhitened() && h.crc_checked() && h.crc_valid());
    assert_eq!(h.phy(), Phy::Le1M);
    let (info, ll) = decap_phdr(first).unwrap();
    assert_eq!(info.signal_dbm, Some(-49));
    assert_eq!(info.noise_dbm, None);
    assert_eq!(info.freq_mhz, Some(2402));
    assert_eq!(ll, h.payload());
    let p = LlPacket::new_checked(ll).unwrap();
    assert!(p.chsel());
    assert!(!p.tx_add());
    // Data packets carry the direction in the PDU type bits.
    let dirs: std::collections::HashSet<_> = pcap
        .records
        .iter()
        .filter_map(|f| decap_phdr(f).ok())
        .map(|(i, _)| i.pdu_type)
        .collect();
    assert!(dirs.contains(&btle::PhdrPduType::DataCentralToPeripheral));
    assert!(dirs.contains(&btle::PhdrPduType::DataPeripheralToCentral));
}

#[test]
fn connection_update_dlt256() {
    let Some(pcap) = read_pcap("bsniffhub_connection-update.pcap") else {
        return;
    };
    assert_eq!(pcap.linktype, btle::LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR);
    let s = analyse(&pcap);
    assert_eq!(s.frames, 288);
    assert_eq!(s.errors, 0);
    assert_eq!(s.advertising, 12);
    assert_eq!(s.data, 276);
    assert_eq!(s.pdu_types.get("ADV_IND"), Some(&11));
    assert_eq!(s.pdu_types.get("CONNECT_IND"), Some(&1));
    assert_eq!(
        s.adv_ind_addresses,
        BTreeSet::from([PAIRING_TEST.to_string()])
    );
    assert_eq!(s.init_addresses, BTreeSet::from([INITIATOR.to_string()]));
    // Here the CRC bytes are real: every advertising packet verifies with 0x555555 and every
    // data packet with the CONNECT_IND's CRCInit.
    assert_eq!(s.adv_crc_ok, 12);
    assert_eq!(s.data_crc_ok, 276);
    assert_eq!(s.data_crc_bad, 0);
    let c = s.connect[0];
    assert_eq!(c.access_address, 0xBD9E_6699);
    assert_eq!(c.crc_init, 0xE1408E);
    assert_eq!(c.interval, 0x50);
    assert_eq!(c.interval_us(), 100_000);
    assert_eq!(c.timeout, 0x7D0);
    assert_eq!(c.channel_map, [0xff, 0xff, 0xff, 0xff, 0x1f]);
    assert_eq!(c.hop, 0x0F);
    assert_eq!(c.sca, 5);
    assert_eq!(
        s.control_opcodes.get(&ll_control::CONNECTION_UPDATE_IND),
        Some(&1)
    );
    assert_eq!(s.control_opcodes.get(&ll_control::TERMINATE_IND), Some(&1));
    assert_eq!(s.llids.get(&llid::CONTROL), Some(&11));
}

#[test]
fn encrypted_nordic_dlt272() {
    let Some(pcap) = read_pcap("bsniffhub_encrypted-packet-501-missing.pcap") else {
        return;
    };
    assert_eq!(pcap.linktype, btle::LINKTYPE_NORDIC_BLE);
    let s = analyse(&pcap);
    assert_eq!(s.frames, 1529);
    assert_eq!(s.errors, 0);
    assert_eq!(s.advertising, 11);
    assert_eq!(s.data, 1518);
    assert_eq!(s.pdu_types.get("ADV_IND"), Some(&10));
    assert_eq!(s.pdu_types.get("CONNECT_IND"), Some(&1));
    assert_eq!(
        s.adv_ind_addresses,
        BTreeSet::from(["F6:77:3C:47:6D:50".to_string()])
    );
    assert_eq!(s.init_addresses, BTreeSet::from([INITIATOR.to_string()]));
    assert_eq!(s.names, BTreeSet::from(["HomeWSN_DLS".to_string()]));
    assert_eq!(s.adv_channels, BTreeMap::from([(37, 11)]));
    assert_eq!(s.sniffer_crc_valid, 1529);
    assert_eq!(s.adv_crc_ok, 11);
    // 20 data packets were decrypted by the sniffer (encrypted + MIC OK): it stored the
    // plaintext without the MIC, so their CRC no longer matches the stored bytes.
    assert_eq!(s.data_crc_ok, 1498);
    assert_eq!(s.data_crc_bad, 20);
    let decrypted_mismatch = pcap
        .records
        .iter()
        .filter_map(|f| decap_nordic(f).ok())
        .filter(|(i, _)| i.encrypted && i.mic_ok)
        .count();
    assert_eq!(decrypted_mismatch, 20);
    let c = s.connect[0];
    assert_eq!(mac(c.adv_address), "F6:77:3C:47:6D:50");
    assert_eq!(c.access_address, 0xDCBC_5337);
}

#[test]
fn nordic_header_fields() {
    let Some(pcap) = read_pcap("bsniffhub_encrypted-packet-501-missing.pcap") else {
        return;
    };
    let (info, ll) = decap_nordic(&pcap.records[0]).unwrap();
    assert_eq!(info.version, 2);
    assert_eq!(info.board_id, 0);
    assert_eq!(info.packet_counter, 0x21);
    assert_eq!(info.packet_id, btle::nordic_packet_id::EVENT_PACKET);
    assert!(info.crc_ok);
    assert!(!info.encrypted);
    assert_eq!(info.phy, Phy::Le1M);
    assert_eq!(info.channel, 37);
    assert_eq!(info.freq_mhz, Some(2402));
    assert_eq!(info.rssi_dbm, -53);
    assert_eq!(info.time_us, 0x2ed4f);
    assert!(info.time_is_delta());
    assert_eq!(info.header_len, 17);
    let p = LlPacket::new_checked(ll).unwrap();
    assert_eq!(p.pdu_type(), AdvPduType::AdvInd);
    assert!(p.tx_add(), "random address");
    assert_eq!(mac(p.adv_address().unwrap()), "F6:77:3C:47:6D:50");
    let flags: Vec<_> = p
        .ad_structures()
        .map(|a| a.unwrap())
        .filter(|a| a.ad_type == ad_type::FLAGS)
        .collect();
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].flags(), Some(0x06));
    // Every frame: the payload length matches the frame, and RSSIs are plausible.
    for f in &pcap.records {
        let (i, ll) = decap_nordic(f).unwrap();
        assert_eq!(i.header_len + ll.len(), f.len());
        assert!((-127..0).contains(&i.rssi_dbm));
        assert!(i.channel <= 39);
    }
}

/// Kismet's reference summaries: compare the devices it found with our advertisers.
#[test]
fn compare_with_kismet_reference() {
    for (capture, json) in [
        ("bsniffhub_sc-justworks.pcap", "bsniffhub_sc-justworks.json"),
        (
            "bsniffhub_connection-update.pcap",
            "bsniffhub_connection-update.json",
        ),
    ] {
        let Some(pcap) = read_pcap(capture) else {
            return;
        };
        let Some(kismet) = kismet_macs(json) else {
            eprintln!("skipping: no Kismet reference {json}");
            return;
        };
        let s = analyse(&pcap);
        // Every real advertiser is a Kismet device.
        assert!(s.adv_ind_addresses.is_subset(&kismet), "{capture}");
        // Kismet also lists "devices" made of data-channel packets read as if they were
        // advertising PDUs (it ignores the access address once the sniffer says the CRC is
        // good); none of them is an address we see in an advertising PDU.
        let extra: BTreeSet<_> = kismet.difference(&s.all_adv_addresses).collect();
        assert!(!extra.is_empty());
        // Kismet does not list the CONNECT_IND initiator.
        assert!(!kismet.contains(INITIATOR));
        // The Kismet emulation reproduces its device list exactly.
        let emulated: BTreeSet<String> = pcap
            .records
            .iter()
            .filter_map(|f| decap(pcap.linktype, f).ok())
            .filter(|d| d.crc_valid)
            .filter_map(|d| btle::kismet_advertising_address(d.ll))
            .map(mac)
            .collect();
        assert_eq!(emulated, kismet, "{capture}");
    }
}
