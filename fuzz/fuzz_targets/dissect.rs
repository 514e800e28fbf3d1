//! The whole dissector: the first byte picks a link type, the rest is the captured frame.
//! Every on-demand accessor of the record is exercised. No input may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use osprey_capture::{Frame, Timestamp};
use osprey_dissect::{Dissector, Link};

const DLTS: [u32; 9] = [105, 119, 127, 163, 192, 251, 256, 272, 1];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let frame = Frame {
        ts: Timestamp::new(0, 0),
        dlt: DLTS[usize::from(pick) % DLTS.len()],
        data: bytes,
        orig_len: bytes.len() as u32,
        interface: 0,
        offset: 0,
        gps: None,
    };
    let mut d = Dissector::new();
    let p = d.dissect(&frame);
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
});
