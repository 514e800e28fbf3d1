//! The whole pipeline after capture: a sequence of frames is dissected, tracked and inspected
//! by every detector, with every alert enabled (rates high enough that nothing is throttled)
//! and small windows, so the detectors' state machines run. The input is a list of frames:
//! a link-type byte, a 2-byte length, a time step byte, then the frame. No input may panic.
#![no_main]

mod sqlite_asan;

use libfuzzer_sys::fuzz_target;
use osprey_capture::{Frame, Timestamp};

const DLTS: [u32; 8] = [105, 127, 119, 163, 192, 251, 256, 272];

fn config() -> osprey_config::Options {
    let mut text = String::new();
    for l in osprey_detect::detectors::DEFAULT_RATES {
        let name = l.split(',').next().unwrap_or("");
        text.push_str(&format!("alert={name},1000/sec,1000/sec\n"));
    }
    text.push_str("ssidcanary=C:ssid=\"(?i)free\"\n");
    text.push_str("apspoof=A:ssid=\"net\",validmacs=\"00:11:22:33:44:55\"\n");
    text.push_str("devicefound=00:11:22:00:00:00/24\ndevicelost=00:11:22:00:00:00/24\n");
    text.push_str("devicefound_timeout=1\ndevicelost_timeout=1\n");
    osprey_config::Options::parse("fuzz", &text).expect("fuzz config")
}

fuzz_target!(|data: &[u8]| {
    let Ok(mut engine) = osprey_engine::Engine::new(osprey_engine::EngineOptions {
        options: config(),
        ..Default::default()
    }) else {
        return;
    };
    engine.begin_source(std::path::Path::new("fuzz"), "pcapfile");
    let mut rest = data;
    let mut t = Timestamp::new(1_600_000_000, 0);
    while rest.len() >= 4 {
        let dlt = DLTS[usize::from(rest[0]) % DLTS.len()];
        let len = usize::from(u16::from_le_bytes([rest[1], rest[2]]));
        t = Timestamp::new(
            t.sec + i64::from(rest[3] >> 4),
            (t.usec + i64::from(rest[3] & 15) * 1000) % 1_000_000,
        );
        rest = &rest[4..];
        let len = len.min(rest.len());
        let (bytes, tail) = rest.split_at(len);
        rest = tail;
        let frame = Frame {
            ts: t,
            dlt,
            data: bytes,
            orig_len: bytes.len() as u32,
            interface: 0,
            offset: 0,
            gps: None,
        };
        let _ = engine.process(&frame);
    }
    let _ = engine.end_source(std::path::Path::new("fuzz"), None);
    let _ = engine.finish();
});
