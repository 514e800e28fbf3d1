//! The whole dissector: the first byte picks a link type, the next two (little-endian) where
//! the rest splits into two captured frames, dissected in turn by one dissector (so the second may repeat
//! the first: `Packet::repeat_of`). Every on-demand accessor of the record is exercised, and
//! each packet detached for the dissection thread and attached again must come back the
//! same (`osprey_dissect::pipeline`). No input may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

// The dissection thread's reader links SQLite (kismetdb input).
mod sqlite_asan;
use osprey_capture::{Frame, Timestamp};
use osprey_dissect::pipeline::Detached;
use osprey_dissect::{Dissector, Link};

const DLTS: [u32; 9] = [105, 119, 127, 163, 192, 251, 256, 272, 1];

fuzz_target!(|data: &[u8]| {
    let [pick, lo, hi, rest @ ..] = data else {
        return;
    };
    let dlt = DLTS[usize::from(*pick) % DLTS.len()];
    let split = usize::from(u16::from_le_bytes([*lo, *hi]));
    let (first, second) = rest.split_at(split.min(rest.len()));
    let mut d = Dissector::new();
    for bytes in [first, second] {
        look(&mut d, dlt, bytes);
    }
});

fn look(d: &mut Dissector, dlt: u32, bytes: &[u8]) {
    let frame = Frame::whole(Timestamp::new(0, 0), dlt, bytes);
    let p = d.dissect(&frame);
    let back = Detached::new(&p, &frame, 0);
    assert_eq!(format!("{p:?}"), format!("{:?}", back.attach(bytes)));
    let _ = (
        p.source,
        p.dest,
        p.bssid,
        p.freq_khz,
        p.channel,
        p.datarate_mbps(),
    );
    match &p.link {
        Link::Dot11(x) => {
            let _ = x.ssid();
            if let Some(els) = x.elements() {
                for e in els {
                    let _ = e.decode();
                }
            }
            if let Some(e) = x.eapol() {
                if let Ok(k) = e.key() {
                    let _ = (k.message_number(), k.replay_counter(), k.nonce());
                }
            }
            if let Some(dh) = x.dhcp() {
                let _ = dh.summary();
            }
        }
        Link::Btle(b) => {
            if let Some(pkt) = b.packet() {
                let _ = (pkt.is_advertising(), pkt.adv_address());
            }
        }
        Link::None => {}
    }
}
