//! Arbitrary bytes as a pcap file: every frame is delivered or the reader stops with an
//! error naming an offset inside the input; never a panic. The input read from a slice, in
//! dribbles of a few bytes, in memory (frames lent in place), and from a file (format
//! sniffing, `open`, the read-ahead input; and the file mapped into memory) gives the same
//! frames and the same error.
#![no_main]

mod capture_common;
mod sqlite_asan;

use std::path::Path;

use capture_common::{file, outcome, Trickle};
use libfuzzer_sys::fuzz_target;
use osprey_capture::input::InMemory;
use osprey_capture::mapped::MappedCapture;
use osprey_capture::pcap::{Magic, PcapReader};

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.pcap");
    let whole = outcome(
        |f| PcapReader::new(data, path)?.for_each_frame(f).map(drop),
        data.len(),
    );
    let trickle = outcome(
        |f| {
            PcapReader::new(Trickle::new(data), path)?
                .for_each_frame(f)
                .map(drop)
        },
        data.len(),
    );
    assert_eq!(whole, trickle);
    let lent = outcome(
        |f| {
            PcapReader::new(InMemory::new(data), path)?
                .for_each_frame(f)
                .map(drop)
        },
        data.len(),
    );
    assert_eq!(whole, lent);
    let pcap_magic = data
        .get(..4)
        .is_some_and(|m| Magic::from_bytes([m[0], m[1], m[2], m[3]]).is_some());
    if pcap_magic {
        if let Some(p) = file(data, "pcap") {
            let from_file = outcome(
                |f| osprey_capture::for_each_frame(&p, f).map(drop),
                data.len(),
            );
            assert_eq!(whole, from_file);
            if let Ok(Some(m)) = MappedCapture::open(&p, 0) {
                let mapped = outcome(|f| m.for_each_frame(f).map(drop), data.len());
                assert_eq!(whole, mapped);
            }
        }
    }
});
