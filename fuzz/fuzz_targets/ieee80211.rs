//! Fuzz the 802.11 frame view, management bodies, every information element parser, EAPOL
//! and WPS. Nothing may panic; a few invariants are asserted along the way.
#![no_main]
use libfuzzer_sys::fuzz_target;

use osprey_wire::eapol::{Eapol, EapolKey};
use osprey_wire::ieee80211::ie::{
    self, BssLoad, ChannelSwitch, Country, Elements, Erp, ExtCapabilities, HeCapabilities,
    HeOperation, HtCapabilities, HtOperation, MeshConfig, MobilityDomain, Rates, Rsn, Rsnx, Ssid,
    Tim, Vendor, VhtCapabilities, VhtOperation, Wmm, Wpa,
};
use osprey_wire::ieee80211::mgmt::{self, MgmtBody};
use osprey_wire::ieee80211::Frame;
use osprey_wire::wps;

/// Every typed element parser on arbitrary bytes.
fn all_parsers(d: &[u8]) {
    let _ = Ssid::parse(d).map(|s| (s.is_hidden(), s.as_str()));
    if let Ok(r) = Rates::parse(d) {
        let _ = r.max_kbps();
        for x in r {
            let _ = (x.kbps(), x.selector(), x.basic());
        }
    }
    let _ = ie::ds_channel(d);
    let _ = ie::ibss_atim_window(d);
    if let Ok(t) = Tim::parse(d) {
        assert!(t.bitmap_offset() + t.partial_virtual_bitmap.len() <= 251);
        for aid in [0u16, 1, 8, 2007, 2008, u16::MAX] {
            let _ = t.aid_buffered(aid);
        }
    }
    if let Ok(c) = Country::parse(d) {
        let _ = (c.code_str(), c.triplets().count());
    }
    if let Ok(r) = Rsn::parse(d) {
        for s in r.pairwise_ciphers.iter().chain(r.akm_suites.iter()) {
            let _ = (
                s.cipher().map(|c| c.name()),
                s.akm().map(|a| (a.name(), a.mic_len())),
            );
        }
        let _ = (r.pmkids.iter().count(), r.mfp_required(), r.mfp_capable());
        let _ = (r.pairwise_ciphers.get(usize::MAX), r.akm_suites.get(3));
    }
    if let Ok(w) = Wpa::parse(d) {
        let _ = (
            w.pairwise_ciphers.iter().count(),
            w.akm_suites.iter().count(),
        );
    }
    if let Ok(w) = Wmm::parse(d) {
        if let Some(ac) = w.ac_params {
            for a in ac {
                let _ = (a.cw_min(), a.cw_max(), a.txop_limit_us(), a.aci());
            }
        }
    }
    if let Ok(h) = HtCapabilities::parse(d) {
        let _ = (
            h.rx_spatial_streams(),
            h.supports_mcs(255),
            h.rx_highest_rate(),
        );
    }
    if let Ok(h) = HtOperation::parse(d) {
        let _ = (
            h.secondary_channel(),
            h.ccfs2(),
            h.secondary_channel_offset(),
        );
    }
    if let Ok(v) = VhtCapabilities::parse(d) {
        let _ = (
            v.rx_spatial_streams(),
            v.tx_spatial_streams(),
            v.rx_mcs(0),
            v.rx_mcs(8),
        );
    }
    if let Ok(v) = VhtOperation::parse(d) {
        let _ = v.width();
    }
    if let Ok(h) = HeCapabilities::parse(d) {
        let _ = (
            h.rx_spatial_streams(),
            h.rx_mcs_map_160(),
            h.tx_mcs_map_80(),
        );
    }
    if let Ok(h) = HeOperation::parse(d) {
        let _ = (
            h.bss_color(),
            h.vht_info.map(|v| v.width()),
            h.six_ghz.map(|s| s.width()),
        );
    }
    if let Ok(v) = Vendor::parse(d) {
        let _ = v.kind();
    }
    let _ = ie::mesh_id(d);
    let _ = MeshConfig::parse(d).map(|m| m.peerings());
    let _ = BssLoad::parse(d);
    let _ = ChannelSwitch::parse(d);
    let _ = Erp::parse(d).map(|e| e.use_protection());
    let _ = MobilityDomain::parse(d);
    let _ = ExtCapabilities::parse(d).map(|x| x.bit(usize::MAX));
    let _ = Rsnx::parse(d).map(|r| r.sae_h2e());
    wps_all(d);
}

fn wps_all(d: &[u8]) {
    let mut it = wps::Attributes::new(d);
    let mut last_end = 0;
    for a in it.by_ref() {
        assert!(a.offset >= last_end);
        last_end = a.offset + 4 + a.data.len();
        assert!(last_end <= d.len());
    }
    let _ = it.error();
    if let Ok(s) = wps::Summary::parse(d) {
        let _ = (s.configured(), s.is_v2(), s.locked());
    }
    let _ = wps::Summary::from_vendor_data(d);
}

fn elements(els: Elements<'_>) {
    let _ = els.check();
    let _ = (
        els.ssid(),
        els.get(ie::id::RSN),
        els.get_ext(ie::ext_id::HE_OPERATION),
    );
    let _ = els.get_vendor(ie::oui::MICROSOFT, Some(4));
    let mut it = els;
    for e in it.by_ref() {
        let _ = e.decode();
        let _ = e.wps();
        let _ = e.vendor();
        all_parsers(e.data);
    }
    let _ = it.error();
}

fn eapol(d: &[u8]) {
    for mic in [0usize, 16, 24, 32] {
        if let Ok(k) = EapolKey::new_checked_with_mic_len(d, mic) {
            assert_eq!(k.mic().len(), mic);
            assert_eq!(k.key_data().len(), usize::from(k.key_data_len()));
            let _ = (k.message_number(), k.group_message_number(), k.key_info());
            let _ = (
                k.replay_counter(),
                k.nonce(),
                k.iv(),
                k.rsc_u64(),
                k.key_id(),
            );
            elements(Elements::new(k.key_data()));
        }
    }
    let u = EapolKey::new_unchecked(d);
    let _ = (
        u.message_number(),
        u.mic(),
        u.key_data(),
        u.replay_counter(),
    );
    if let Ok(e) = Eapol::new_checked(d) {
        assert_eq!(e.body().len(), usize::from(e.body_len()));
        let _ = (e.version(), e.packet_type());
        let _ = e.key().map(|k| k.message_number());
        for mic in [16usize, 24] {
            let _ = EapolKey::new_checked_with_mic_len(e.body(), mic).map(|k| k.message_number());
        }
    }
    let u = Eapol::new_unchecked(d);
    let _ = (u.body(), u.body_len());
}

fuzz_target!(|data: &[u8]| {
    let u = Frame::new_unchecked(data);
    let _ = (u.frame_control(), u.duration(), u.header_len(), u.body());
    let _ = (u.addr1(), u.addr2(), u.addr3(), u.addr4(), u.ht_control());
    let _ = (
        u.sequence_control(),
        u.qos_control(),
        u.carried_frame_control(),
    );
    let _ = (
        u.bssid(),
        u.source(),
        u.destination(),
        u.tid(),
        u.amsdu_present(),
    );

    let body = match Frame::new_checked(data) {
        Ok(f) => {
            assert!(f.header_len() <= data.len());
            assert!(f.addr1().is_some());
            let fc = f.frame_control();
            let _ = (fc.name(), fc.type_subtype(), fc.has_ht_control());
            if fc.is_management() {
                if let Ok(b) = MgmtBody::parse(fc.subtype(), f.into_body()) {
                    elements(b.elements());
                }
            }
            // Unprotected data: EAPOL after an LLC/SNAP header.
            if let Some(rest) = f
                .into_body()
                .strip_prefix(&[0xaa, 0xaa, 3, 0, 0, 0, 0x88, 0x8e])
            {
                eapol(rest);
            }
            f.into_body()
        }
        Err(_) => data,
    };

    // Every management body view on the raw body, whatever the subtype said.
    for st in 0..16u8 {
        if let Ok(b) = MgmtBody::parse(st, body) {
            let _ = b.elements().count();
        }
        if let Some(off) = mgmt::elements_offset(st) {
            let _ = Elements::new(body.get(off..).unwrap_or(&[])).check();
        }
    }
    let _ = mgmt::Authentication::new_unchecked(body).rest();
    let _ = mgmt::ReassocRequest::new_unchecked(body).current_ap();
    let a = mgmt::Action::new_unchecked(body);
    let _ = (a.category(), a.action(), a.body(), a.vendor_oui());

    elements(Elements::new(data));
    all_parsers(data);
    eapol(data);
    eapol(body);
});
