//! Helpers shared by the osprey end-to-end tests.
#![allow(dead_code)]

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use kismetdb::*;

/// The `osprey` binary under test.
pub fn osprey() -> Command {
    Command::new(env!("CARGO_BIN_EXE_osprey"))
}

/// Runs osprey and returns its output; asserts it did not panic.
pub fn run(args: &[&str]) -> Output {
    let out = osprey().args(args).output().expect("run osprey");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "osprey panicked: {stderr}");
    out
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `../shared/data` beside the repository, or `$OSPREY_SHARED_DATA`.
pub fn shared_data() -> PathBuf {
    let p = match std::env::var_os("OSPREY_SHARED_DATA") {
        Some(p) => PathBuf::from(p),
        None => repo().join("../shared/data"),
    };
    assert!(
        p.join("MANIFEST.md").is_file(),
        "no shared data at {}",
        p.display()
    );
    p
}

/// A deterministic packet row number `i` with a payload of `payload` bytes.
pub fn packet(i: u64, payload: usize) -> PacketRow<'static> {
    let mut bytes = vec![0u8; payload];
    for (k, b) in bytes.iter_mut().enumerate() {
        *b = (i as usize).wrapping_mul(31).wrapping_add(k) as u8;
    }
    PacketRow {
        ts: Timestamp::new(1_700_000_000 + (i / 1000) as i64, (i % 1000) as i64 * 1000),
        phyname: "IEEE802.11".into(),
        sourcemac: MacAddr::new([0x02, 0, 0, (i >> 16) as u8, (i >> 8) as u8, i as u8]),
        destmac: MacAddr::BROADCAST,
        transmac: MacAddr::ZERO,
        frequency: 2_412_000.0,
        devkey: "0".into(),
        gps: GpsFix::default(),
        packet_len: payload as i64,
        signal: -40 - (i % 50) as i32,
        datasource: Uuid::kismet_source("kismet_cap_pcapfile", "synthetic"),
        dlt: 127,
        packet: Cow::Owned(bytes),
        error: false,
        tags: "".into(),
        datarate: 6.0,
        hash: (i as u32).wrapping_mul(2_654_435_761),
        packetid: i,
        packet_full_len: payload as i64,
    }
}

/// Writes a log of `n` synthetic packets.
pub fn synthetic_log(path: &Path, n: u64, payload: usize) {
    let mut w = Writer::create(path, WriterOptions::default()).unwrap();
    for i in 0..n {
        w.insert_packet(&packet(i, payload)).unwrap();
    }
    w.close().unwrap();
}
