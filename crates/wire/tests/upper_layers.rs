//! LLC/SNAP, IPv4, UDP and DHCP: hand-built packets, a real DHCP DISCOVER from a tcpdump
//! test capture, and malformed inputs.

mod common;
use common::shared_data;

use osprey_wire::dhcp::{self, MessageType};
use osprey_wire::llc::{self, ethertype, Llc};
use osprey_wire::{ipv4, udp, ErrorKind};

// ------------------------------------------------------------------------------------------
// Builders (with an independent checksum implementation).

fn csum(chunks: &[&[u8]]) -> u16 {
    let mut bytes = Vec::new();
    for c in chunks {
        bytes.extend_from_slice(c);
    }
    if bytes.len() % 2 == 1 {
        bytes.push(0);
    }
    let mut sum: u64 = 0;
    for w in bytes.chunks(2) {
        sum += u64::from(u16::from_be_bytes([w[0], w[1]]));
    }
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    !(sum as u16)
}

fn snap(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0xAA, 0xAA, 0x03, 0, 0, 0];
    v.extend_from_slice(&ethertype.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

fn ipv4_packet(proto: u8, src: [u8; 4], dst: [u8; 4], options: &[u8], payload: &[u8]) -> Vec<u8> {
    assert_eq!(options.len() % 4, 0);
    let hlen = 20 + options.len();
    let total = (hlen + payload.len()) as u16;
    let mut v = vec![0x40 | (hlen / 4) as u8, 0xB8];
    v.extend_from_slice(&total.to_be_bytes());
    v.extend_from_slice(&[0xAB, 0xCD, 0x00, 0x00, 64, proto, 0, 0]);
    v.extend_from_slice(&src);
    v.extend_from_slice(&dst);
    v.extend_from_slice(options);
    let c = csum(&[&v]);
    v[10..12].copy_from_slice(&c.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

fn udp_datagram(sport: u16, dport: u16, src: [u8; 4], dst: [u8; 4], payload: &[u8]) -> Vec<u8> {
    let len = (8 + payload.len()) as u16;
    let mut v = Vec::new();
    v.extend_from_slice(&sport.to_be_bytes());
    v.extend_from_slice(&dport.to_be_bytes());
    v.extend_from_slice(&len.to_be_bytes());
    v.extend_from_slice(&[0, 0]);
    v.extend_from_slice(payload);
    let pseudo = [&src[..], &dst[..], &[0, 17], &len.to_be_bytes()].concat();
    let mut c = csum(&[&pseudo, &v]);
    if c == 0 {
        c = 0xFFFF;
    }
    v[6..8].copy_from_slice(&c.to_be_bytes());
    v
}

const CLIENT_MAC: [u8; 6] = [0x00, 0x1B, 0x63, 0x84, 0x45, 0xE6];

fn dhcp_message(op: u8, options: &[u8]) -> Vec<u8> {
    let mut v = vec![0u8; 240];
    v[0] = op;
    v[1] = 1;
    v[2] = 6;
    v[4..8].copy_from_slice(&0x3903_F326u32.to_be_bytes());
    v[8..10].copy_from_slice(&3u16.to_be_bytes());
    v[10] = 0x80;
    v[28..34].copy_from_slice(&CLIENT_MAC);
    v[236..240].copy_from_slice(&dhcp::MAGIC_COOKIE);
    v.extend_from_slice(options);
    v
}

fn discover_options() -> Vec<u8> {
    let mut o = vec![53, 1, 1];
    o.extend_from_slice(&[61, 7, 1]);
    o.extend_from_slice(&CLIENT_MAC);
    o.extend_from_slice(&[50, 4, 192, 168, 1, 100]);
    o.extend_from_slice(&[12, 7]);
    o.extend_from_slice(b"laptop1");
    o.extend_from_slice(&[60, 8]);
    o.extend_from_slice(b"MSFT 5.0");
    o.extend_from_slice(&[55, 4, 1, 15, 3, 6]);
    o.extend_from_slice(&[0, 0, 0]); // PAD
    o.push(255);
    o.extend_from_slice(&[0; 7]); // padding after END
    o
}

// ------------------------------------------------------------------------------------------
// LLC / SNAP.

#[test]
fn llc_snap_variants() {
    let body = snap(ethertype::EAPOL, &[1, 3, 0, 0x5f]);
    let l = Llc::new_checked(&body[..]).unwrap();
    assert!(l.is_snap());
    assert_eq!((l.dsap(), l.ssap(), l.control()), (0xAA, 0xAA, 0x03));
    assert_eq!(l.oui(), Some(llc::OUI_RFC1042));
    assert_eq!(l.ethertype(), Some(ethertype::EAPOL));
    assert_eq!(l.payload(), &[1, 3, 0, 0x5f]);
    assert_eq!(
        llc::ethertype_and_payload(&body),
        Some((0x888E, &body[8..]))
    );

    // 802.1H bridge tunnel (AppleTalk ARP): still an ethertype.
    let aarp = [0xAA, 0xAA, 0x03, 0x00, 0x00, 0xF8, 0x80, 0xF3];
    assert_eq!(
        llc::ethertype_and_payload(&aarp),
        Some((ethertype::AARP, &[][..]))
    );

    // Cisco OUI: a protocol id, not an ethertype.
    let cdp = [0xAA, 0xAA, 0x03, 0x00, 0x00, 0x0C, 0x20, 0x00, 0x02];
    let l = Llc::new_checked(&cdp[..]).unwrap();
    assert_eq!(l.ethertype(), None);
    assert_eq!(l.protocol_id(), Some(0x2000));
    assert_eq!(llc::ethertype_and_payload(&cdp), None);

    // SNAP SAPs with an I-format control: not SNAP.
    let not_snap = [0xAA, 0xAA, 0x00, 0x01, 7];
    let l = Llc::new_checked(&not_snap[..]).unwrap();
    assert!(!l.is_snap());
    assert_eq!(l.header_len(), 4);
    assert_eq!(l.payload(), &[7]);

    // Truncation.
    for n in 0..8 {
        let e = Llc::new_checked(&body[..n]);
        assert_eq!(e.unwrap_err().kind, ErrorKind::Truncated, "n={n}");
        assert_eq!(llc::ethertype_and_payload(&body[..n]), None);
    }
}

// ------------------------------------------------------------------------------------------
// IPv4.

#[test]
fn ipv4_with_options() {
    // Router Alert (RFC 2113): 94 04 00 00.
    let p = ipv4_packet(
        ipv4::protocol::UDP,
        [10, 1, 2, 3],
        [224, 0, 0, 22],
        &[0x94, 0x04, 0x00, 0x00],
        &[9, 9, 9],
    );
    let v = ipv4::Packet::new_checked(&p[..]).unwrap();
    assert_eq!(v.version(), 4);
    assert_eq!(v.ihl(), 6);
    assert_eq!(v.header_len(), 24);
    assert_eq!(v.dscp(), 46);
    assert_eq!(v.ecn(), 0);
    assert_eq!(v.total_len(), 27);
    assert_eq!(v.ident(), 0xABCD);
    assert!(!v.dont_frag() && !v.more_frags() && !v.is_fragment());
    assert_eq!(v.ttl(), 64);
    assert_eq!(v.protocol(), ipv4::protocol::UDP);
    assert!(v.verify_checksum());
    assert_eq!(v.src_addr(), [10, 1, 2, 3]);
    assert_eq!(v.dst_addr(), [224, 0, 0, 22]);
    assert_eq!(v.options(), &[0x94, 0x04, 0x00, 0x00]);
    assert_eq!(v.payload(), &[9, 9, 9]);
    let s = v.summary();
    assert_eq!(s.payload_len, 3);

    // A corrupted checksum.
    let mut bad = p.clone();
    bad[8] = 63;
    assert!(!ipv4::Packet::new_checked(&bad[..])
        .unwrap()
        .verify_checksum());

    // Trailing link-layer padding is not payload.
    let mut padded = p.clone();
    padded.extend_from_slice(&[0xEE; 5]);
    assert_eq!(
        ipv4::Packet::new_checked(&padded[..]).unwrap().payload(),
        &[9, 9, 9]
    );
}

#[test]
fn ipv4_fragments() {
    let mut p = ipv4_packet(ipv4::protocol::UDP, [1; 4], [2; 4], &[], &[0; 16]);
    p[6] = 0x20; // MF
    let v = ipv4::Packet::new_checked(&p[..]).unwrap();
    assert!(v.more_frags() && v.is_fragment());
    assert_eq!(v.frag_offset(), 0);
    p[6] = 0x00;
    p[7] = 0x03; // offset 3 * 8
    let v = ipv4::Packet::new_checked(&p[..]).unwrap();
    assert!(v.is_fragment());
    assert_eq!(v.frag_offset_bytes(), 24);
}

#[test]
fn ipv4_malformed() {
    let good = ipv4_packet(ipv4::protocol::TCP, [1; 4], [2; 4], &[], &[0; 8]);
    let kind = |b: &[u8]| ipv4::Packet::new_checked(b).unwrap_err().kind;

    // Bad IHL (< 5).
    let mut b = good.clone();
    b[0] = 0x44;
    assert_eq!(kind(&b), ErrorKind::Malformed);
    // IHL past the buffer.
    let mut b = good.clone();
    b[0] = 0x4F;
    assert_eq!(kind(&b), ErrorKind::Truncated);
    // Not version 4.
    let mut b = good.clone();
    b[0] = 0x65;
    assert_eq!(kind(&b), ErrorKind::Malformed);
    // Total length shorter than the header.
    let mut b = good.clone();
    b[2..4].copy_from_slice(&19u16.to_be_bytes());
    assert_eq!(kind(&b), ErrorKind::Malformed);
    // Total length past the buffer (truncated capture).
    assert_eq!(kind(&good[..good.len() - 1]), ErrorKind::Truncated);
    // Short buffers.
    for n in 0..20 {
        assert_eq!(kind(&good[..n]), ErrorKind::Truncated);
        let u = ipv4::Packet::new_unchecked(&good[..n]);
        let _ = (u.payload(), u.options(), u.verify_checksum(), u.summary());
    }
    // Unchecked view of a lying header never panics and stays inside the buffer.
    let mut b = good.clone();
    b[0] = 0x4F;
    b[2..4].copy_from_slice(&0xFFFFu16.to_be_bytes());
    let u = ipv4::Packet::new_unchecked(&b[..]);
    assert_eq!(u.options(), &b[20..]);
    assert_eq!(u.payload(), &[] as &[u8]);
}

// ------------------------------------------------------------------------------------------
// UDP.

#[test]
fn udp_fields_and_checksum() {
    let src = [192, 168, 1, 10];
    let dst = [192, 168, 1, 1];
    let d = udp_datagram(5353, 53, src, dst, b"hello");
    let u = udp::Packet::new_checked(&d[..]).unwrap();
    assert_eq!(u.src_port(), 5353);
    assert_eq!(u.dst_port(), udp::port::DNS);
    assert_eq!(u.len(), 13);
    assert_eq!(u.payload(), b"hello");
    assert!(u.verify_checksum(src, dst));
    assert!(!u.verify_checksum(src, [192, 168, 1, 2]));

    // Payload bounded by the length field.
    let mut longer = d.clone();
    longer.extend_from_slice(b"junk");
    let u = udp::Packet::new_checked(&longer[..]).unwrap();
    assert_eq!(u.payload(), b"hello");
    assert!(u.verify_checksum(src, dst));

    // Length field errors.
    let mut b = d.clone();
    b[4..6].copy_from_slice(&7u16.to_be_bytes());
    assert_eq!(
        udp::Packet::new_checked(&b[..]).unwrap_err().kind,
        ErrorKind::Malformed
    );
    assert_eq!(
        udp::Packet::new_checked(&d[..12]).unwrap_err().kind,
        ErrorKind::Truncated
    );
    for n in 0..8 {
        assert!(udp::Packet::new_checked(&d[..n]).is_err());
    }
}

// ------------------------------------------------------------------------------------------
// DHCP.

#[test]
fn dhcp_discover_full_stack() {
    let msg = dhcp_message(dhcp::BOOTREQUEST, &discover_options());
    let src = [0, 0, 0, 0];
    let dst = [255, 255, 255, 255];
    let d = udp_datagram(dhcp::CLIENT_PORT, dhcp::SERVER_PORT, src, dst, &msg);
    let ip = ipv4_packet(ipv4::protocol::UDP, src, dst, &[], &d);
    let body = snap(ethertype::IPV4, &ip);

    // The walk an 802.11 data frame body takes.
    let (et, l3) = llc::ethertype_and_payload(&body).unwrap();
    assert_eq!(et, ethertype::IPV4);
    let ip = ipv4::Packet::new_checked(l3).unwrap();
    assert!(ip.verify_checksum());
    assert_eq!(ip.protocol(), ipv4::protocol::UDP);
    let u = udp::Packet::new_checked(ip.payload()).unwrap();
    assert!(u.verify_checksum(ip.src_addr(), ip.dst_addr()));
    assert_eq!((u.src_port(), u.dst_port()), (68, 67));
    let p = dhcp::Packet::new_checked(u.payload()).unwrap();

    assert_eq!(p.op(), dhcp::BOOTREQUEST);
    assert_eq!((p.htype(), p.hlen(), p.hops()), (1, 6, 0));
    assert_eq!(p.xid(), 0x3903_F326);
    assert_eq!(p.secs(), 3);
    assert!(p.broadcast());
    assert_eq!(p.ciaddr(), [0; 4]);
    assert_eq!(p.yiaddr(), [0; 4]);
    assert_eq!(p.siaddr(), [0; 4]);
    assert_eq!(p.giaddr(), [0; 4]);
    assert_eq!(p.chaddr(), &CLIENT_MAC);
    assert_eq!(p.chaddr_field().len(), 16);
    assert_eq!(p.client_mac(), Some(CLIENT_MAC));
    assert_eq!(p.sname().len(), 64);
    assert_eq!(p.file().len(), 128);
    assert!(p.has_magic_cookie());

    let codes: Vec<u8> = p.options().map(|o| o.unwrap().code).collect();
    assert_eq!(codes, vec![53, 61, 50, 12, 60, 55]);
    assert_eq!(p.message_type(), Some(MessageType::Discover));
    assert_eq!(p.option(dhcp::option::HOSTNAME), Some(&b"laptop1"[..]));

    let s = p.summary();
    assert_eq!(s.message_type, Some(MessageType::Discover));
    assert_eq!(s.message_type.unwrap().name(), "DISCOVER");
    assert_eq!(s.hostname, Some(&b"laptop1"[..]));
    assert_eq!(s.vendor_class, Some(&b"MSFT 5.0"[..]));
    let cid = s.client_id.unwrap();
    assert_eq!(cid.kind, 1);
    assert_eq!(cid.id, &CLIENT_MAC);
    assert_eq!(cid.mac(), Some(CLIENT_MAC));
    assert_eq!(s.requested_ip, Some([192, 168, 1, 100]));
    assert_eq!(s.server_id, None);
    assert_eq!(s.parameter_request_list, Some(&[1, 15, 3, 6][..]));
    assert_eq!(s.overload, None);
    assert!(s.end_seen);
    assert!(s.truncated.is_none());
}

#[test]
fn dhcp_offer_ack_nak() {
    let mut o = vec![
        53, 1, 2, 54, 4, 192, 168, 1, 1, 51, 4, 0, 1, 0x51, 0x80, 52, 1, 3,
    ];
    o.push(255);
    let mut m = dhcp_message(dhcp::BOOTREPLY, &o);
    m[16..20].copy_from_slice(&[192, 168, 1, 100]);
    let p = dhcp::Packet::new_checked(&m[..]).unwrap();
    assert_eq!(p.yiaddr(), [192, 168, 1, 100]);
    let s = p.summary();
    assert_eq!(s.message_type, Some(MessageType::Offer));
    assert_eq!(s.server_id, Some([192, 168, 1, 1]));
    assert_eq!(s.lease_time, Some(86400));
    assert_eq!(s.overload, Some(3));

    for (v, t) in [
        (3, MessageType::Request),
        (4, MessageType::Decline),
        (5, MessageType::Ack),
        (6, MessageType::Nak),
        (7, MessageType::Release),
        (8, MessageType::Inform),
        (13, MessageType::Other(13)),
    ] {
        let m = dhcp_message(dhcp::BOOTREPLY, &[53, 1, v, 255]);
        let p = dhcp::Packet::new_checked(&m[..]).unwrap();
        assert_eq!(p.message_type(), Some(t));
        assert_eq!(t.to_u8(), v);
    }
}

#[test]
fn dhcp_malformed() {
    // Truncated option: the options before it are kept, the error is reported once.
    let m = dhcp_message(dhcp::BOOTREQUEST, &[53, 1, 1, 12, 200, b'x', b'y']);
    let p = dhcp::Packet::new_checked(&m[..]).unwrap();
    let items: Vec<_> = p.options().collect();
    assert_eq!(items.len(), 2);
    assert!(items[0].is_ok());
    let e = items[1].unwrap_err();
    assert_eq!(e.kind, ErrorKind::Truncated);
    assert_eq!(e.offset, m.len());
    let s = p.summary();
    assert_eq!(s.message_type, Some(MessageType::Discover));
    assert_eq!(s.hostname, None);
    assert_eq!(s.truncated.map(|e| e.kind), Some(ErrorKind::Truncated));

    // No END: fine, not truncated.
    let m = dhcp_message(dhcp::BOOTREQUEST, &[53, 1, 1, 0, 0]);
    let s = dhcp::Packet::new_checked(&m[..]).unwrap().summary();
    assert!(!s.end_seen && s.truncated.is_none());

    // Wrong-length option values are ignored.
    let m = dhcp_message(
        dhcp::BOOTREQUEST,
        &[53, 2, 1, 1, 50, 3, 1, 2, 3, 61, 0, 255],
    );
    let s = dhcp::Packet::new_checked(&m[..]).unwrap().summary();
    assert_eq!(s.message_type, None);
    assert_eq!(s.requested_ip, None);
    assert_eq!(s.client_id, None);

    // Non-Ethernet hardware address.
    let mut m = dhcp_message(dhcp::BOOTREQUEST, &[255]);
    m[2] = 20; // hlen > 16: clamped
    let p = dhcp::Packet::new_checked(&m[..]).unwrap();
    assert_eq!(p.chaddr().len(), 16);
    assert_eq!(p.client_mac(), None);

    // Too short, wrong cookie.
    let m = dhcp_message(dhcp::BOOTREQUEST, &[]);
    for n in 0..240 {
        assert_eq!(
            dhcp::Packet::new_checked(&m[..n]).unwrap_err().kind,
            ErrorKind::Truncated
        );
        let u = dhcp::Packet::new_unchecked(&m[..n]);
        let _ = (u.chaddr(), u.sname(), u.file(), u.client_mac(), u.summary());
        assert_eq!(u.options().count(), 0);
    }
    let mut m = m.clone();
    m[239] = 0;
    assert_eq!(
        dhcp::Packet::new_checked(&m[..]).unwrap_err().kind,
        ErrorKind::Unsupported
    );
}

/// A real DHCP DISCOVER: the one QoS data frame of tcpdump's ieee802.11_htc.pcap.
#[test]
fn real_dhcp_discover_from_tcpdump_capture() {
    let path = shared_data().join("radiotap/tcpdump_ieee802.11_htc.pcap");
    let file = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let frame = &file[40..];
    let rt_len = usize::from(u16::from_le_bytes([frame[2], frame[3]]));
    // QoS data, To DS, +HTC: 24-byte header + QoS control (2) + HT control (4).
    assert_eq!(&frame[rt_len..rt_len + 2], &[0x88, 0x81]);
    let body = &frame[rt_len + 30..];

    let (et, l3) = llc::ethertype_and_payload(body).unwrap();
    assert_eq!(et, ethertype::IPV4);
    let ip = ipv4::Packet::new_checked(l3).unwrap();
    assert!(ip.verify_checksum());
    assert_eq!(ip.src_addr(), [0, 0, 0, 0]);
    assert_eq!(ip.dst_addr(), [255, 255, 255, 255]);
    assert_eq!(ip.total_len(), 328);
    let u = udp::Packet::new_checked(ip.payload()).unwrap();
    assert_eq!((u.src_port(), u.dst_port()), (68, 67));
    assert!(u.verify_checksum(ip.src_addr(), ip.dst_addr()));
    let p = dhcp::Packet::new_checked(u.payload()).unwrap();
    assert_eq!(p.xid(), 0xF6AF_DDDD);
    let mac = [0xb0, 0xbe, 0x83, 0x5b, 0x4b, 0x40];
    assert_eq!(p.client_mac(), Some(mac));
    let s = p.summary();
    assert_eq!(s.message_type, Some(MessageType::Discover));
    assert_eq!(s.hostname, Some(&b"SebastiestMBP13"[..]));
    assert_eq!(s.client_id.unwrap().mac(), Some(mac));
    assert_eq!(s.lease_time, Some(0x0076_A700));
    assert_eq!(
        s.parameter_request_list,
        Some(&[1, 121, 3, 6, 15, 108, 114, 119, 252, 95, 44, 46][..])
    );
    assert_eq!(s.vendor_class, None);
    assert!(s.end_seen);
}
