//! Unit tests for the frame header view, with hand-built frames.

extern crate std;

use super::subtype::{ctrl, data, mgmt};
use super::*;
use crate::ErrorKind;
use std::vec::Vec;

const A1: MacBytes = [0x11; 6];
const A2: MacBytes = [0x22; 6];
const A3: MacBytes = [0x33; 6];
const A4: MacBytes = [0x44; 6];

fn fc(ty: u8, st: u8, flags: u8) -> [u8; 2] {
    [(st << 4) | (ty << 2), flags]
}

/// A frame with the given FC bytes followed by duration 0x1234, the four addresses, the
/// sequence control 0x5678, then `rest`; truncated to `len` bytes.
fn frame(fcb: [u8; 2], len: usize, rest: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&fcb);
    v.extend_from_slice(&[0x34, 0x12]);
    v.extend_from_slice(&A1);
    v.extend_from_slice(&A2);
    v.extend_from_slice(&A3);
    v.extend_from_slice(&[0x78, 0x56]);
    v.extend_from_slice(&A4);
    v.extend_from_slice(&[0u8; 16]);
    v.truncate(len);
    v.extend_from_slice(rest);
    v
}

#[test]
fn frame_control_bits() {
    let f = FrameControl(0x0888); // data (type 2, subtype 8), flags 0x08 = retry
    assert_eq!(f.frame_type(), FrameType::Data);
    assert_eq!(f.subtype(), 8);
    assert_eq!(f.type_subtype(), 0x28);
    assert!(f.retry() && !f.to_ds() && !f.from_ds() && !f.protected());
    let all = FrameControl(0xff00);
    assert!(all.to_ds() && all.from_ds() && all.more_fragments() && all.retry());
    assert!(all.power_mgmt() && all.more_data() && all.protected() && all.order());
    assert_eq!(all.flags(), 0xff);
    assert_eq!(FrameControl(0x0001).protocol_version(), 1);
    assert_eq!(FrameControl(0x00c0).frame_type(), FrameType::Management);
    assert_eq!(FrameControl(0x0080).name(), "beacon");
    assert_eq!(FrameControl(0x00d4).name(), "ack");
    assert_eq!(FrameControl(0x000c).frame_type(), FrameType::Extension);
    assert_eq!(std::format!("{}", FrameControl(0x0088)), "qos-data");
    for raw in [0u16, 0xffff, 0x1234, 0x00e4, 0x004c] {
        let _ = FrameControl(raw).name();
        let _ = FrameControl(raw).header_len();
    }
}

#[test]
fn beacon_header() {
    let f = frame(fc(0, mgmt::BEACON, 0), 24, &[1, 2, 3]);
    let fr = Frame::new_checked(&f[..]).unwrap();
    assert_eq!(fr.frame_control().frame_type(), FrameType::Management);
    assert_eq!(fr.frame_control().subtype(), mgmt::BEACON);
    assert_eq!(fr.duration(), 0x1234);
    assert_eq!(fr.header_len(), 24);
    assert_eq!(
        (fr.addr1(), fr.addr2(), fr.addr3(), fr.addr4()),
        (Some(A1), Some(A2), Some(A3), None)
    );
    assert_eq!(fr.sequence_control(), Some(0x5678));
    assert_eq!(fr.sequence_number(), Some(0x567));
    assert_eq!(fr.fragment_number(), Some(8));
    assert_eq!(fr.qos_control(), None);
    assert_eq!(fr.ht_control(), None);
    assert_eq!(fr.body(), &[1, 2, 3]);
    assert_eq!(fr.into_body(), &[1, 2, 3]);
    assert_eq!(fr.bssid(), Some(A3));
    assert_eq!(fr.source(), Some(A2));
    assert_eq!(fr.destination(), Some(A1));
    // Truncated header.
    let e = Frame::new_checked(&f[..23]).unwrap_err();
    assert_eq!(
        (e.kind, e.layer, e.offset),
        (ErrorKind::Truncated, "802.11", 23)
    );
    assert!(Frame::new_checked(&f[..1]).is_err());
    assert!(Frame::new_checked(&[][..]).is_err());
}

#[test]
fn mgmt_with_htc() {
    let f = frame(
        fc(0, mgmt::ACTION, 0x80),
        24,
        &[0xaa, 0xbb, 0xcc, 0xdd, 3, 0],
    );
    let fr = Frame::new_checked(&f[..]).unwrap();
    assert_eq!(fr.header_len(), 28);
    assert_eq!(fr.ht_control(), Some(0xddccbbaa));
    assert_eq!(fr.body(), &[3, 0]);
    assert!(Frame::new_checked(&f[..27]).is_err());
}

#[test]
fn data_headers() {
    // ToDS only: addr1 = BSSID, addr2 = SA, addr3 = DA.
    let f = frame(fc(2, data::DATA, 0x01), 24, &[0xaa, 0xaa, 3]);
    let fr = Frame::new_checked(&f[..]).unwrap();
    assert_eq!(fr.header_len(), 24);
    assert_eq!(fr.addr4(), None);
    assert_eq!(fr.bssid(), Some(A1));
    assert_eq!(fr.source(), Some(A2));
    assert_eq!(fr.destination(), Some(A3));
    assert_eq!(fr.body(), &[0xaa, 0xaa, 3]);

    // FromDS only.
    let f = frame(fc(2, data::DATA, 0x02), 24, &[]);
    let fr = Frame::new_checked(&f[..]).unwrap();
    assert_eq!(
        (fr.bssid(), fr.source(), fr.destination()),
        (Some(A2), Some(A3), Some(A1))
    );

    // Non-QoS data with the Order bit: no HT Control.
    let f = frame(fc(2, data::DATA, 0x80), 24, &[9]);
    let fr = Frame::new_checked(&f[..]).unwrap();
    assert_eq!((fr.header_len(), fr.ht_control()), (24, None));

    // QoS data, 3 addresses.
    let f = frame(fc(2, data::QOS_DATA, 0x01), 24, &[0x85, 0x00, 7]);
    let fr = Frame::new_checked(&f[..]).unwrap();
    assert_eq!(fr.header_len(), 26);
    assert_eq!(fr.qos_control(), Some(0x0085));
    assert_eq!(fr.tid(), Some(5));
    assert!(fr.amsdu_present());
    assert_eq!(fr.body(), &[7]);

    // QoS data, 4 addresses, +HTC.
    let f = frame(
        fc(2, data::QOS_DATA, 0x83),
        30,
        &[0x06, 0x00, 1, 2, 3, 4, 0xee],
    );
    let fr = Frame::new_checked(&f[..]).unwrap();
    assert_eq!(fr.header_len(), 36);
    assert_eq!(fr.addr4(), Some(A4));
    assert_eq!(fr.qos_control(), Some(6));
    assert!(!fr.amsdu_present());
    assert_eq!(fr.ht_control(), Some(0x04030201));
    assert_eq!(fr.bssid(), None);
    assert_eq!(fr.source(), Some(A4));
    assert_eq!(fr.destination(), Some(A3));
    assert_eq!(fr.body(), &[0xee]);
    assert!(Frame::new_checked(&f[..35]).is_err());

    // QoS Null, 4 addresses, no body.
    let f = frame(fc(2, data::QOS_NULL, 0x03), 30, &[0, 0]);
    let fr = Frame::new_checked(&f[..]).unwrap();
    assert_eq!((fr.header_len(), fr.body().len()), (32, 0));
    assert!(fr.frame_control().is_null_data());
    assert!(fr.frame_control().is_qos_data());
}

#[test]
fn control_headers() {
    let cases: [(u8, usize, bool); 14] = [
        (ctrl::TRIGGER, 16, true),
        (ctrl::TACK, 16, true),
        (ctrl::BEAMFORMING_REPORT_POLL, 16, true),
        (ctrl::NDP_ANNOUNCEMENT, 16, true),
        (ctrl::CONTROL_FRAME_EXTENSION, 16, true),
        (ctrl::CONTROL_WRAPPER, 16, false),
        (ctrl::BLOCK_ACK_REQ, 16, true),
        (ctrl::BLOCK_ACK, 16, true),
        (ctrl::PS_POLL, 16, true),
        (ctrl::RTS, 16, true),
        (ctrl::CTS, 10, false),
        (ctrl::ACK, 10, false),
        (ctrl::CF_END, 16, true),
        (ctrl::CF_END_ACK, 16, true),
    ];
    for (st, hl, has_a2) in cases {
        let f = frame(fc(1, st, 0), hl, &[0xde, 0xad]);
        let fr = Frame::new_checked(&f[..]).unwrap();
        assert_eq!(fr.header_len(), hl, "subtype {st}");
        assert_eq!(fr.addr1(), Some(A1));
        assert_eq!(fr.addr2().is_some(), has_a2, "subtype {st}");
        assert_eq!(fr.addr3(), None);
        assert_eq!(fr.addr4(), None);
        assert_eq!(fr.sequence_control(), None);
        assert_eq!(fr.qos_control(), None);
        assert_eq!(fr.body(), &[0xde, 0xad]);
        assert!(Frame::new_checked(&f[..hl - 1]).is_err());
    }
    // Reserved control subtypes are unsupported.
    for st in [0, 1] {
        let f = frame(fc(1, st, 0), 16, &[]);
        let e = Frame::new_checked(&f[..]).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unsupported);
        let u = Frame::new_unchecked(&f[..]);
        assert_eq!(u.addr1(), None);
        assert_eq!(u.header_len(), 4);
    }
    // PS-Poll: BSSID is addr1, duration is the AID.
    let f = frame(fc(1, ctrl::PS_POLL, 0), 16, &[]);
    let fr = Frame::new_checked(&f[..]).unwrap();
    assert_eq!(fr.bssid(), Some(A1));
    // CF-End: BSSID is addr2.
    let f = frame(fc(1, ctrl::CF_END, 0), 16, &[]);
    assert_eq!(Frame::new_checked(&f[..]).unwrap().bssid(), Some(A2));
    // RTS has no BSSID.
    let f = frame(fc(1, ctrl::RTS, 0), 16, &[]);
    let fr = Frame::new_checked(&f[..]).unwrap();
    assert_eq!(
        (fr.bssid(), fr.source(), fr.transmitter()),
        (None, None, Some(A2))
    );
}

#[test]
fn control_wrapper() {
    let mut f = Vec::new();
    f.extend_from_slice(&fc(1, ctrl::CONTROL_WRAPPER, 0));
    f.extend_from_slice(&[0, 0]);
    f.extend_from_slice(&A1);
    f.extend_from_slice(&[0xb4, 0x00]); // carried FC: RTS
    f.extend_from_slice(&[1, 2, 3, 4]); // HT control
    f.extend_from_slice(&A2); // carried frame: TA of the RTS
    let fr = Frame::new_checked(&f[..]).unwrap();
    assert_eq!(fr.header_len(), 16);
    assert_eq!(fr.carried_frame_control().unwrap().name(), "rts");
    assert_eq!(fr.ht_control(), Some(0x04030201));
    assert_eq!(fr.addr2(), None);
    assert_eq!(fr.body(), &A2);
}

#[test]
fn extension_frames() {
    // DMG beacon: FC, duration, BSSID, then the body.
    let f = frame(fc(3, 0, 0), 10, &[9, 9]);
    let fr = Frame::new_checked(&f[..]).unwrap();
    assert_eq!(fr.frame_control().frame_type(), FrameType::Extension);
    assert_eq!(fr.header_len(), 10);
    assert_eq!(
        (fr.addr1(), fr.addr2(), fr.bssid()),
        (Some(A1), None, Some(A1))
    );
    assert_eq!(fr.sequence_control(), None);
    assert_eq!(fr.body(), &[9, 9]);
    let f = frame(fc(3, 5, 0), 10, &[]);
    assert_eq!(
        Frame::new_checked(&f[..]).unwrap_err().kind,
        ErrorKind::Unsupported
    );
}

#[test]
fn protocol_version_1_unsupported() {
    let mut f = frame(fc(0, mgmt::BEACON, 0), 24, &[]);
    f[0] |= 1;
    assert_eq!(
        Frame::new_checked(&f[..]).unwrap_err().kind,
        ErrorKind::Unsupported
    );
    let u = Frame::new_unchecked(&f[..]);
    assert_eq!(
        (u.addr1(), u.addr3(), u.sequence_control()),
        (None, None, None)
    );
}

#[test]
fn unchecked_short_buffers_never_panic() {
    for ty in 0..4u8 {
        for st in 0..16u8 {
            for flags in [0u8, 0x03, 0x80, 0x83, 0xff] {
                let full = frame(fc(ty, st, flags), 40, &[]);
                for len in 0..full.len() {
                    let fr = Frame::new_unchecked(&full[..len]);
                    let _ = (fr.frame_control(), fr.duration(), fr.header_len());
                    let _ = (fr.addr1(), fr.addr2(), fr.addr3(), fr.addr4());
                    let _ = (fr.sequence_control(), fr.qos_control(), fr.ht_control());
                    let _ = (fr.body(), fr.bssid(), fr.source(), fr.destination());
                    let _ = (fr.carried_frame_control(), fr.tid(), fr.amsdu_present());
                    if let Ok(c) = Frame::new_checked(&full[..len]) {
                        assert!(c.header_len() <= len);
                        assert!(c.addr1().is_some());
                    }
                }
            }
        }
    }
}

#[test]
fn mac_helpers() {
    assert!(is_broadcast(&[0xff; 6]));
    assert!(is_group_addr(&[0x01, 0, 0x5e, 0, 0, 1]));
    assert!(!is_group_addr(&A2));
    assert_eq!(
        std::format!("{}", MacDisplay([0, 0x1b, 0x2c, 0xff, 1, 2])),
        "00:1b:2c:ff:01:02"
    );
}
