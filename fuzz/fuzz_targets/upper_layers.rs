//! Fuzzes the upper layers of unencrypted 802.11 data (LLC/SNAP → IPv4 → UDP → DHCP, and each
//! parser on its own) and the Bluetooth LE capture formats (DLT 251, 256, 272 and the
//! link-layer parser), touching every accessor and iterator. Nothing may panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

use osprey_wire::btle::{self, AdStructures, AdSummary, ExtHeader, LlPacket, Phy};
use osprey_wire::{dhcp, ipv4, llc, udp};

fn walk_llc(data: &[u8]) {
    let l = llc::Llc::new_unchecked(data);
    let _ = (
        l.dsap(),
        l.ssap(),
        l.control(),
        l.control_field(),
        l.header_len(),
    );
    let _ = (
        l.is_snap(),
        l.oui(),
        l.protocol_id(),
        l.ethertype(),
        l.payload(),
    );
    let _ = l.check_len();
    if let Some((et, payload)) = llc::ethertype_and_payload(data) {
        if et == llc::ethertype::IPV4 {
            walk_ipv4(payload);
        }
    }
}

fn walk_ipv4(data: &[u8]) {
    let p = ipv4::Packet::new_unchecked(data);
    touch_ipv4(&p);
    if let Ok(p) = ipv4::Packet::new_checked(data) {
        touch_ipv4(&p);
        if p.protocol() == ipv4::protocol::UDP {
            walk_udp(p.payload(), p.src_addr(), p.dst_addr());
        }
    }
}

fn touch_ipv4(p: &ipv4::Packet<&[u8]>) {
    let _ = (
        p.version(),
        p.ihl(),
        p.header_len(),
        p.dscp(),
        p.ecn(),
        p.total_len(),
    );
    let _ = (
        p.ident(),
        p.flags(),
        p.dont_frag(),
        p.more_frags(),
        p.frag_offset(),
    );
    let _ = (
        p.frag_offset_bytes(),
        p.is_fragment(),
        p.ttl(),
        p.protocol(),
    );
    let _ = (
        p.checksum(),
        p.verify_checksum(),
        p.src_addr(),
        p.dst_addr(),
    );
    let _ = (p.options(), p.payload(), p.summary());
}

fn walk_udp(data: &[u8], src: [u8; 4], dst: [u8; 4]) {
    let u = udp::Packet::new_unchecked(data);
    let _ = (
        u.src_port(),
        u.dst_port(),
        u.len(),
        u.is_empty(),
        u.checksum(),
    );
    let _ = (u.payload(), u.verify_checksum(src, dst));
    if let Ok(u) = udp::Packet::new_checked(data) {
        let _ = u.verify_checksum(src, dst);
        walk_dhcp(u.payload());
    }
}

fn walk_dhcp(data: &[u8]) {
    let p = dhcp::Packet::new_unchecked(data);
    touch_dhcp(&p);
    if let Ok(p) = dhcp::Packet::new_checked(data) {
        touch_dhcp(&p);
    }
}

fn touch_dhcp(p: &dhcp::Packet<&[u8]>) {
    let _ = (
        p.op(),
        p.htype(),
        p.hlen(),
        p.hops(),
        p.xid(),
        p.secs(),
        p.flags(),
    );
    let _ = (
        p.broadcast(),
        p.ciaddr(),
        p.yiaddr(),
        p.siaddr(),
        p.giaddr(),
    );
    let _ = (
        p.chaddr_field(),
        p.chaddr(),
        p.client_mac(),
        p.sname(),
        p.file(),
    );
    let _ = (p.has_magic_cookie(), p.options_bytes(), p.message_type());
    let _ = p.option(dhcp::option::HOSTNAME);
    for o in p.options() {
        if let Ok(o) = o {
            let _ = (o.code, o.data.len());
        }
    }
    let s = p.summary();
    if let Some(c) = s.client_id {
        let _ = c.mac();
    }
    if let Some(t) = s.message_type {
        let _ = (t.name(), t.to_u8());
    }
}

fn walk_ll(p: &LlPacket<&[u8]>) {
    let _ = (
        p.check_len(),
        p.is_coded(),
        p.access_address(),
        p.is_advertising(),
    );
    let _ = (
        p.coding_indicator(),
        p.pdu_offset(),
        p.header_byte(),
        p.header(),
    );
    let _ = (
        p.length(),
        p.header_len(),
        p.pdu_type().name(),
        p.pdu_type().to_u8(),
    );
    let _ = (p.chsel(), p.tx_add(), p.rx_add());
    let _ = (p.llid(), p.nesn(), p.sn(), p.md(), p.cp(), p.cte_info());
    let _ = (
        p.ll_control_opcode(),
        p.payload(),
        p.pdu(),
        p.crc_bytes(),
        p.crc(),
    );
    let _ = (
        p.verify_crc(btle::ADVERTISING_CRC_INIT),
        p.verify_crc(0x123456),
    );
    let _ = (p.adv_address(), p.target_address(), p.scan_address());
    let _ = (p.init_address(), p.adv_data());
    if let Some(c) = p.connect_ind() {
        let _ = (c.interval_us(), c.used_channels());
    }
    if let Some(Ok(h)) = p.ext_header() {
        let _ = (
            h.adv_address,
            h.target_address,
            h.aux_ptr,
            h.acad,
            h.adv_data,
        );
    }
    walk_ads(p.ad_structures());
    let _ = p.ad_summary();
}

fn walk_ads(ads: AdStructures<'_>) {
    for ad in ads.flatten() {
        let _ = (
            ad.len(),
            ad.is_empty(),
            ad.flags(),
            ad.local_name(),
            ad.tx_power(),
        );
        let _ = (
            ad.manufacturer_data(),
            ad.appearance(),
            ad.service_data_uuid16(),
        );
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
}

fn walk_btle(data: &[u8]) {
    for phy in [Phy::Le1M, Phy::LeCoded] {
        walk_ll(&LlPacket::new_unchecked_phy(data, phy));
        if let Ok(p) = LlPacket::new_checked_phy(data, phy) {
            walk_ll(&p);
        }
    }
    for linktype in [
        btle::LINKTYPE_BLUETOOTH_LE_LL,
        btle::LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR,
        btle::LINKTYPE_NORDIC_BLE,
        0,
    ] {
        if let Ok(d) = btle::decap(linktype, data) {
            let _ = d.radio_info();
            walk_ll(&LlPacket::new_unchecked_phy(d.ll, d.phy));
            if let Ok(p) = d.packet() {
                walk_ll(&p);
            }
        }
    }
    let h = btle::PhdrHeader::new_unchecked(data);
    let _ = (h.check_len(), h.info(), h.payload(), h.pdu_type(), h.phy());
    if let Ok((i, ll)) = btle::decap_phdr(data) {
        let _ = (i.freq_mhz, ll.len());
    }
    if let Ok((i, ll)) = btle::decap_nordic(data) {
        let _ = (i.time_is_delta(), i.rssi_dbm, ll.len());
    }
    let _ = ExtHeader::parse(data, 0);
    let _ = btle::kismet_advertising_address(data);
    let _ = btle::address_from_wire(data);
    walk_ads(AdStructures::new(data));
    let _ = AdSummary::from_ad_data(data);
    if let Some(&b) = data.first() {
        let _ = (
            btle::rf_channel_to_mhz(b),
            btle::channel_index_to_mhz(b),
            btle::rf_channel_to_channel_index(b),
        );
    }
}

fuzz_target!(|data: &[u8]| {
    // Each parser on the raw input.
    walk_llc(data);
    walk_ipv4(data);
    walk_udp(data, [0; 4], [255; 4]);
    walk_dhcp(data);
    let _ = dhcp::Summary::from_options(data);
    for o in dhcp::Options::new(data) {
        let _ = o;
    }
    walk_btle(data);

    // Help the fuzzer past the magic numbers: the input as DHCP options behind a valid
    // fixed part, and as a link-layer packet behind the advertising access address.
    let mut msg = vec![0u8; dhcp::OPTIONS_OFFSET];
    msg[dhcp::COOKIE_OFFSET..dhcp::OPTIONS_OFFSET].copy_from_slice(&dhcp::MAGIC_COOKIE);
    msg.extend_from_slice(data);
    walk_dhcp(&msg);

    let mut ll = btle::ADVERTISING_ACCESS_ADDRESS.to_le_bytes().to_vec();
    ll.extend_from_slice(data);
    walk_btle(&ll);
});
